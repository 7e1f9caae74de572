//! [`Name`]: an interned string, for the few distinct values a million live resources repeat
//! (account ids, regions, resource types). Each distinct value is stored once for the rest of the
//! process and a `Name` is a pointer to it: no allocation per resource, 16 bytes instead of a
//! `String`'s 24 plus its heap block. Not for values that are unique per resource (ARNs, tag
//! values): nothing interned is ever freed.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{LazyLock, Mutex};

use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

type Set = HashSet<&'static str, foldhash::fast::RandomState>;

/// An interned string. Compares, orders, hashes, prints and serializes as the string it holds.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(&'static str);

impl Name {
    pub fn new(text: &str) -> Self {
        Name(intern(text))
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

/// The one copy of `text`: from this thread's cache, else the process-wide table (which leaks
/// a copy the first time a value is seen).
fn intern(text: &str) -> &'static str {
    static TABLE: LazyLock<Mutex<Set>> = LazyLock::new(Mutex::default);
    thread_local! {
        static LOCAL: RefCell<Set> = RefCell::default();
    }
    LOCAL.with_borrow_mut(|local| {
        if let Some(&known) = local.get(text) {
            return known;
        }
        // A poisoned lock still holds a valid set: nothing panics while it is held.
        let mut table = TABLE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let known = match table.get(text) {
            Some(&known) => known,
            None => {
                let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
                table.insert(leaked);
                leaked
            }
        };
        local.insert(known);
        known
    })
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Self {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Name::new(&text)
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Self {
        Name::new(text)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl Visitor<'_> for NameVisitor {
            type Value = Name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Name, E> {
                Ok(Name::new(v))
            }
        }

        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_is_one_copy_and_behaves_as_the_string() {
        let a = Name::new("eu-west-1");
        let b: Name = serde_json::from_str("\"eu-west-1\"").unwrap();
        let c = std::thread::spawn(|| Name::new("eu-west-1")).join().unwrap();
        assert!(std::ptr::eq(a.as_str(), b.as_str()) && std::ptr::eq(a.as_str(), c.as_str()));
        assert_eq!(a, "eu-west-1");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"eu-west-1\"");
        assert_eq!(format!("{a} {a:?}"), "eu-west-1 \"eu-west-1\"");
        assert!(Name::new("a") < Name::new("b") && Name::new("ab") > Name::new("a"));
        assert!(serde_json::from_str::<Name>("1").unwrap_err().to_string().contains("expected a string"));
    }
}
