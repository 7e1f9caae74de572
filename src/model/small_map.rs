//! [`SmallMap`]: a string-keyed map stored as one sorted vector, for the many tiny maps of the
//! model whose values are not plain strings (a Terraform resource's effective tags, a finding's
//! details). Plain string maps are [`super::Tags`], packed tighter still.
//!
//! A `BTreeMap` allocates a whole tree node (over 500 bytes) even for one entry, and there is
//! one such map per resource or finding, hundreds of thousands of them. A sorted `Vec` costs the entries
//! and nothing more, and behaves like the `BTreeMap` it replaces where it shows: iteration in
//! key order, last write wins on duplicate keys, the same ordering, and the same JSON (an object
//! with sorted keys). Lookups are binary searches, which on a handful of keys is as fast as the
//! tree. Not meant for large maps: inserting is linear.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map from `String` keys, kept as a vector sorted by key with unique keys.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SmallMap<V>(Vec<(String, V)>);

impl<V> Default for SmallMap<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> SmallMap<V> {
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces, as `BTreeMap::insert`.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                // Exactly one more: these maps are built once and kept, a million at a time, so
                // doubling's spare capacity would be paid for by every resource.
                self.0.reserve_exact(1);
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter(self.0.iter())
    }

    /// Entries in key order, values mutable (keys are not: they hold the order).
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&String, &mut V)> + ExactSizeIterator {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.0.iter_mut().map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    /// Restores the invariant after appending in arbitrary order: sorted, unique keys, and for
    /// a repeated key the entry appended last, as repeated `BTreeMap::insert`s would leave it.
    fn normalize(&mut self) {
        if self.0.is_sorted_by(|a, b| a.0 < b.0) {
            self.0.shrink_to_fit();
            return;
        }
        // Reversed, a stable sort puts the latest of equal keys first; `dedup_by` keeps the
        // first of each run.
        self.0.reverse();
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        self.0.dedup_by(|later, kept| later.0 == kept.0);
        self.0.shrink_to_fit();
    }
}

impl<V: fmt::Debug> fmt::Debug for SmallMap<V> {
    /// As a map, the way `BTreeMap` prints, so debug output does not depend on the storage.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Borrowing iterator of a [`SmallMap`], in key order.
#[derive(Clone, Debug)]
pub struct Iter<'a, V>(std::slice::Iter<'a, (String, V)>);

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a String, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<V> DoubleEndedIterator for Iter<'_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}

impl<'a, V> IntoIterator for &'a SmallMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<V> IntoIterator for SmallMap<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<V> FromIterator<(String, V)> for SmallMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut map = Self(iter.into_iter().collect());
        map.normalize();
        map
    }
}

impl<V> Extend<(String, V)> for SmallMap<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, iter: I) {
        self.0.extend(iter);
        self.normalize();
    }
}

impl<V, const N: usize> From<[(String, V); N]> for SmallMap<V> {
    fn from(entries: [(String, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<V: Serialize> Serialize for SmallMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SmallMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SmallMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                // Capped: the hint comes from the input.
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(entry) = access.next_entry()? {
                    entries.push(entry);
                }
                let mut map = SmallMap(entries);
                map.normalize();
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn behaves_like_btreemap() {
        let input = pairs(&[("team", "a"), ("env", "prod"), ("team", "b"), ("Name", "x"), ("env", "dev")]);
        let small: SmallMap<String> = input.iter().cloned().collect();
        let tree: BTreeMap<String, String> = input.iter().cloned().collect();
        assert!(small.iter().eq(tree.iter()), "same entries, same order, last wins");
        assert_eq!(small.len(), tree.len());
        assert_eq!(format!("{small:?}"), format!("{tree:?}"));

        let mut small = small;
        let mut tree = tree;
        assert_eq!(small.insert("b".into(), "1".into()), tree.insert("b".into(), "1".into()));
        assert_eq!(small.insert("b".into(), "2".into()), tree.insert("b".into(), "2".into()));
        assert_eq!(small.remove("env"), tree.remove("env"));
        assert_eq!(small.remove("nope"), tree.remove("nope"));
        small.extend(pairs(&[("z", "1"), ("team", "c"), ("z", "2")]));
        tree.extend(pairs(&[("z", "1"), ("team", "c"), ("z", "2")]));
        assert!(small.iter().eq(tree.iter()));
        assert_eq!(small.get("team"), tree.get("team"));
        assert!(small.contains_key("Name") && !small.contains_key("name"));
    }

    #[test]
    fn json_is_the_btreemap_json() {
        let raw = r#"{"team":"a","env":"prod","team":"b","Name":"x"}"#;
        let small: SmallMap<String> = serde_json::from_str(raw).unwrap();
        let tree: BTreeMap<String, String> = serde_json::from_str(raw).unwrap();
        assert_eq!(serde_json::to_string(&small).unwrap(), serde_json::to_string(&tree).unwrap());
        assert_eq!(serde_json::to_string(&SmallMap::<String>::new()).unwrap(), "{}");
    }

    #[test]
    fn orders_like_btreemap() {
        let maps: Vec<Vec<(String, String)>> =
            vec![pairs(&[("a", "1")]), pairs(&[("a", "1"), ("b", "0")]), pairs(&[("a", "2")]), pairs(&[])];
        for x in &maps {
            for y in &maps {
                let (sx, sy): (SmallMap<String>, SmallMap<String>) =
                    (x.iter().cloned().collect(), y.iter().cloned().collect());
                let (tx, ty): (BTreeMap<String, String>, BTreeMap<String, String>) =
                    (x.iter().cloned().collect(), y.iter().cloned().collect());
                assert_eq!(sx.cmp(&sy), tx.cmp(&ty));
            }
        }
    }
}
