//! [`Tags`]: a plain tag map (key -> value, both known strings), packed for the million-resource
//! estate.
//!
//! Every live resource, cost line and finding owner carries one, of a handful of short entries.
//! As a `BTreeMap` each cost a tree node (over 500 bytes) plus two allocations per entry; as a
//! vector of `String` pairs still 48 bytes and two allocations per entry. Here a map is the keys
//! and values concatenated in key order and their end offsets, behind one shared pointer: a map
//! is 8 bytes, an empty one allocates nothing, and equal maps can share one copy (the snapshot
//! reader gives the million live resources' few hundred distinct tag sets one copy each, see
//! [`TagsInterner`]). Behaviour is the `BTreeMap`'s where it shows: iteration in key order, last
//! write wins on a repeated key, the same ordering, the same JSON (an object with sorted keys).
//! Lookups are binary searches. Edits rebuild the map: fine for maps of tens of entries, which
//! tag maps are (AWS allows 50).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Tag map as AWS returns it: key -> value, sorted for deterministic output.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Tags(Option<Arc<Packed>>);

/// The entries of a non-empty map.
#[derive(PartialEq, Eq, Hash)]
struct Packed {
    /// Key 0, value 0, key 1, value 1, ... concatenated; keys sorted and unique.
    text: Box<str>,
    /// Where each key and value of `text` ends, in the same order.
    ends: Box<[u32]>,
}

const NO_ENDS: &[u32] = &[];

impl Tags {
    pub fn new() -> Self {
        Self::default()
    }

    fn text(&self) -> &str {
        self.0.as_deref().map_or("", |p| &p.text)
    }

    fn ends(&self) -> &[u32] {
        self.0.as_deref().map_or(NO_ENDS, |p| &p.ends)
    }

    /// From entries already sorted by key, keys unique. Two passes: the exact sizes, then the
    /// copy, so neither allocation has spare capacity.
    fn build<'a>(entries: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Self {
        let (mut len, mut count) = (0, 0);
        for (k, v) in entries.clone() {
            len += k.len() + v.len();
            count += 2;
        }
        if count == 0 {
            return Self::new();
        }
        let mut text = String::with_capacity(len);
        let mut ends = Vec::with_capacity(count);
        for (k, v) in entries {
            for part in [k, v] {
                text.push_str(part);
                ends.push(u32::try_from(text.len()).expect("a tag map is under 4 GiB"));
            }
        }
        Self(Some(Arc::new(Packed { text: text.into_boxed_str(), ends: ends.into_boxed_slice() })))
    }

    /// From entries in any order; a repeated key keeps its last value, as repeated
    /// `BTreeMap::insert`s would.
    fn from_entries<S: AsRef<str>>(mut entries: Vec<(S, S)>) -> Self {
        if !entries.is_sorted_by(|a, b| a.0.as_ref() < b.0.as_ref()) {
            // Reversed, a stable sort puts the latest of equal keys first; `dedup_by` keeps the
            // first of each run.
            entries.reverse();
            entries.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
            entries.dedup_by(|later, kept| later.0.as_ref() == kept.0.as_ref());
        }
        Self::build(entries.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
    }

    fn entry(&self, i: usize) -> (&str, &str) {
        let (text, ends) = (self.text(), self.ends());
        let start = if i == 0 { 0 } else { ends[2 * i - 1] as usize };
        let key_end = ends[2 * i] as usize;
        let end = ends[2 * i + 1] as usize;
        (&text[start..key_end], &text[key_end..end])
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(mid).0.cmp(key) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).ok().map(|i| self.entry(i).1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces, as `BTreeMap::insert`.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        let (old, new) = match self.find(&key) {
            Ok(i) => {
                let old = self.entry(i).1.to_string();
                let entries =
                    self.iter().enumerate().map(|(j, (k, v))| (k, if j == i { value.as_str() } else { v }));
                (Some(old), Self::build(entries))
            }
            Err(i) => {
                let new = std::iter::once((key.as_str(), value.as_str()));
                (None, Self::build(self.iter().take(i).chain(new).chain(self.iter().skip(i))))
            }
        };
        *self = new;
        old
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.find(key).ok()?;
        let old = self.entry(i).1.to_string();
        *self = Self::build(self.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, e)| e));
        Some(old)
    }

    pub fn clear(&mut self) {
        *self = Self::new();
    }

    pub fn len(&self) -> usize {
        self.ends().len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { tags: self, front: 0, back: self.len() }
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone {
        self.iter().map(|(_, v)| v)
    }
}

impl Ord for Tags {
    /// Entry by entry, as `BTreeMap` orders (the packed layout's own order would differ).
    fn cmp(&self, other: &Self) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Tags {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Tags {
    /// As a map, the way `BTreeMap` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Borrowing iterator of [`Tags`], in key order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    tags: &'a Tags,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.front += 1;
            self.tags.entry(self.front - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            self.tags.entry(self.back)
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Tags {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Tags {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>().into_iter()
    }
}

impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self::from_entries(iter.into_iter().collect())
    }
}

impl Extend<(String, String)> for Tags {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, iter: I) {
        let mut entries: Vec<(String, String)> = std::mem::take(self).into_iter().collect();
        entries.extend(iter);
        *self = Self::from_entries(entries);
    }
}

impl<const N: usize> From<[(String, String); N]> for Tags {
    fn from(entries: [(String, String); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;

        impl<'de> Visitor<'de> for TagsVisitor {
            type Value = Tags;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of tag keys to values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Tags, A::Error> {
                // Capped: the hint comes from the input. Keys and values are borrowed from the
                // input where it allows (no escapes): only the packed map is allocated.
                let mut entries: Vec<(Text<'de>, Text<'de>)> =
                    Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(entry) = access.next_entry()? {
                    entries.push(entry);
                }
                Ok(Tags::from_entries(entries))
            }
        }

        deserializer.deserialize_map(TagsVisitor)
    }
}

/// A string of the input, borrowed when the deserializer can lend it.
struct Text<'de>(Cow<'de, str>);

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// Gives equal tag maps one shared copy. A million live resources carry a few hundred distinct
/// tag sets: each parsed map is looked up here and, when an equal one was seen, replaced by a
/// clone of it (a reference count), and the parsed copy freed.
#[derive(Default)]
pub struct TagsInterner {
    seen: HashSet<Tags, foldhash::fast::RandomState>,
}

impl TagsInterner {
    pub fn intern(&mut self, tags: &mut Tags) {
        if tags.is_empty() {
            return;
        }
        match self.seen.get(tags) {
            Some(shared) => *tags = shared.clone(),
            None => {
                self.seen.insert(tags.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn same(tags: &Tags, tree: &BTreeMap<String, String>) -> bool {
        tags.iter().eq(tree.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn behaves_like_btreemap() {
        let input =
            pairs(&[("team", "a"), ("env", "prod"), ("team", "b"), ("Name", "x"), ("env", ""), ("", "e")]);
        let mut tags: Tags = input.iter().cloned().collect();
        let mut tree: BTreeMap<String, String> = input.iter().cloned().collect();
        assert!(same(&tags, &tree), "same entries, same order, last wins");
        assert_eq!(tags.len(), tree.len());
        assert_eq!(format!("{tags:?}"), format!("{tree:?}"));
        assert!(tags.iter().rev().eq(tree.iter().rev().map(|(k, v)| (k.as_str(), v.as_str()))));

        for (k, v) in [("b", "1"), ("b", "2"), ("zz", ""), ("", "again"), ("A", "first")] {
            assert_eq!(tags.insert(k.into(), v.into()), tree.insert(k.into(), v.into()));
            assert!(same(&tags, &tree));
        }
        for k in ["env", "nope", "zz", "A", ""] {
            assert_eq!(tags.remove(k), tree.remove(k));
            assert!(same(&tags, &tree));
        }
        tags.extend(pairs(&[("z", "1"), ("team", "c"), ("z", "2")]));
        tree.extend(pairs(&[("z", "1"), ("team", "c"), ("z", "2")]));
        assert!(same(&tags, &tree));
        for k in ["team", "Name", "name", "z", "b", "", "zzz"] {
            assert_eq!(tags.get(k), tree.get(k).map(String::as_str));
            assert_eq!(tags.contains_key(k), tree.contains_key(k));
        }
        assert_eq!(
            tags.clone().into_iter().collect::<Vec<_>>(),
            tree.clone().into_iter().collect::<Vec<_>>()
        );
        tags.clear();
        assert!(tags.is_empty() && tags == Tags::new());
    }

    #[test]
    fn json_is_the_btreemap_json() {
        let raw = r#"{"team":"a","env":"prod","team":"b","Name":"x","":""}"#;
        let tags: Tags = serde_json::from_str(raw).unwrap();
        let tree: BTreeMap<String, String> = serde_json::from_str(raw).unwrap();
        assert_eq!(serde_json::to_string(&tags).unwrap(), serde_json::to_string(&tree).unwrap());
        assert_eq!(serde_json::to_string(&Tags::new()).unwrap(), "{}");
    }

    #[test]
    fn equal_maps_share_one_copy_and_borrowed_reads_equal_owned_ones() {
        let mut interner = TagsInterner::default();
        let raw = r#"{"team":"a","env":"prod"}"#;
        let mut first: Tags = serde_json::from_str(raw).unwrap();
        let mut second: Tags = serde_json::from_slice(raw.as_bytes()).unwrap();
        let mut escaped: Tags = serde_json::from_str(r#"{"te\u0061m":"a","env":"prod"}"#).unwrap();
        let mut empty = Tags::new();
        for tags in [&mut first, &mut second, &mut escaped, &mut empty] {
            interner.intern(tags);
        }
        let (Some(a), Some(b), Some(c)) = (&first.0, &second.0, &escaped.0) else { panic!("not empty") };
        assert!(Arc::ptr_eq(a, b) && Arc::ptr_eq(a, c));
        assert_eq!(first, pairs(&[("env", "prod"), ("team", "a")]).into_iter().collect());
        assert!(empty.0.is_none() && Tags::from_iter(Vec::new()).0.is_none());
        let err = serde_json::from_str::<Tags>(r#"{"a":1}"#).unwrap_err().to_string();
        let want = serde_json::from_str::<BTreeMap<String, String>>(r#"{"a":1}"#).unwrap_err().to_string();
        assert_eq!(err, want);
    }

    #[test]
    fn orders_like_btreemap() {
        let maps = [
            pairs(&[("a", "1")]),
            pairs(&[("a", "1"), ("b", "0")]),
            pairs(&[("a", "2")]),
            pairs(&[("ab", "")]),
            pairs(&[("a", "b")]),
            pairs(&[]),
        ];
        for x in &maps {
            for y in &maps {
                let (tx, ty): (Tags, Tags) = (x.iter().cloned().collect(), y.iter().cloned().collect());
                let (bx, by): (BTreeMap<String, String>, BTreeMap<String, String>) =
                    (x.iter().cloned().collect(), y.iter().cloned().collect());
                assert_eq!(tx.cmp(&ty), bx.cmp(&by), "{x:?} vs {y:?}");
                assert_eq!(tx == ty, bx == by);
            }
        }
    }
}
