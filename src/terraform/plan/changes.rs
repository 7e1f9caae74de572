//! One pass over plan JSON into what the plan reader uses, and nothing more.
//!
//! A plan is mostly attribute values the tag audit never reads (every argument of every
//! resource, twice over with `planned_values`). Building a `serde_json::Value` tree of all of
//! them cost more than everything else `tally plan` does: mostly fresh memory the kernel had to
//! zero. So `before`/`after` are read as a [`Side`]: the top-level scalars (identity needs
//! `arn`, `id`, `region` and the parts of ARN patterns), `tags` and `tags_all` as flat entry
//! lists, and the rest skipped unparsed; `after_unknown` keeps only its tag fields. Types the
//! caller asks to keep (plan pricing reads their nested attributes) are read the same way, and
//! every other top-level attribute of a side (nested ones included) and `after_unknown` are
//! kept as values besides: a `serde_json::Value` of the tag maps as well, copied again into
//! the lean side, was most of what pricing a plan cost. Autoscaling groups (tags in `tag`
//! blocks) are read whole and reduced afterwards by the same rules.
//!
//! The header fields are read in the same pass. When the pass fails, the caller decides from
//! a header-only pass which error to show, so a state file or an unsupported version is still
//! named as such rather than as a JSON type error deep inside.
//!
//! Not here: what the values mean (tags, identity, provider configuration: `super`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{ChangeValues, Configuration, Keep, KeptSide};
use crate::model::IndexKey;
use crate::terraform::identity;

/// The plan as far as the reader uses it, header fields included.
pub(super) struct PlanJson {
    pub format_version: Option<Value>,
    pub has_version: bool,
    pub has_values: bool,
    pub has_resource_changes: bool,
    pub has_planned_values: bool,
    pub terraform_version: Option<String>,
    /// Boxed: a change is a few hundred bytes, and a list of them grown by doubling moved
    /// (and first touched) every one again at each step; boxes are moved once, as they are read.
    #[allow(clippy::vec_box)]
    pub resource_changes: Vec<Box<ResourceChange>>,
    pub configuration: Option<Configuration>,
}

pub(super) struct ResourceChange {
    pub address: String,
    pub module_address: Option<String>,
    pub mode: Option<Cow<'static, str>>,
    pub resource_type: String,
    pub name: String,
    pub index: Option<IndexKey>,
    pub provider_name: Option<Cow<'static, str>>,
    pub change: Change,
    /// The whole `change`, when the caller asked to keep this type (boxed: most changes have
    /// none, and every change is moved as the list grows).
    pub kept: Option<Box<ChangeValues>>,
}

pub(super) struct Change {
    pub actions: Vec<String>,
    pub before: Side,
    pub after: Side,
    pub after_unknown: Unknown,
}

/// What a `before` or `after` value was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Shape {
    /// `null` or absent.
    #[default]
    Null,
    Object,
    /// Anything else, by its kind (`a list`, `a string`, ...), for the error message.
    Other(&'static str),
}

/// `tags` or `tags_all` of a side.
pub(super) enum TagsField {
    /// An object's entries in file order (a repeated key: the last one counts, as in a map).
    Object(Vec<(String, Value)>),
    /// Anything that is not an object (`null` included), kept for the error message.
    Other(Value),
}

/// One side of a change, as far as the tag audit reads it.
#[derive(Default)]
pub(super) struct Side {
    pub shape: Shape,
    /// Top-level attributes that are not objects or lists, of those identity reads when read
    /// lean (of a side read whole, all of them; of an autoscaling group, its `tag` and `tags`
    /// whole too).
    pub attrs: Map<String, Value>,
    pub tags: Option<TagsField>,
    pub tags_all: Option<TagsField>,
}

/// The tag fields of `after_unknown` (`tag`, `tags`, `tags_all`, in that order); nothing else
/// of it is read. Only a field that says something is kept (`true`, or an object with keys):
/// an empty object or `false` reads as no field at all, and most changes have none, so the
/// fields are boxed and a change without them holds a null pointer instead of 96 bytes.
#[derive(Default)]
pub(super) struct Unknown(Option<Box<[Option<Value>; 3]>>);

impl Unknown {
    fn slot(key: &str) -> Option<usize> {
        match key {
            "tag" => Some(0),
            "tags" => Some(1),
            "tags_all" => Some(2),
            _ => None,
        }
    }

    /// `after_unknown.<key>` for `tag`, `tags` and `tags_all`; `None` for any other key, and
    /// for a field that marks nothing unknown.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.as_ref()?[Self::slot(key)?].as_ref()
    }

    fn from_value(value: &Value) -> Unknown {
        let mut out = Unknown::default();
        if let Value::Object(map) = value {
            for key in ["tag", "tags", "tags_all"] {
                if let Some(v) = map.get(key) {
                    out.set(key, v.clone());
                }
            }
        }
        out
    }

    /// A repeated key replaces what came before, as in a map.
    fn set(&mut self, key: &str, value: Value) {
        let Some(slot) = Self::slot(key) else { return };
        let marks = match &value {
            Value::Bool(b) => *b,
            Value::Object(keys) => !keys.is_empty(),
            _ => false,
        };
        match (&mut self.0, marks) {
            (Some(fields), _) => fields[slot] = marks.then_some(value),
            (None, true) => {
                let mut fields: Box<[Option<Value>; 3]> = Box::default();
                fields[slot] = Some(value);
                self.0 = Some(fields);
            }
            (None, false) => {}
        }
    }
}

const ASG: &str = "aws_autoscaling_group";

impl Side {
    /// The same reduction as the streaming read, from a whole value (copying what it keeps:
    /// the whole value goes to the caller that asked to keep it).
    fn from_value(value: &Value, resource_type: &str) -> Side {
        let asg = resource_type == ASG;
        match value {
            Value::Null => Side::default(),
            Value::Object(map) => {
                let mut side = Side { shape: Shape::Object, ..Side::default() };
                for (k, v) in map {
                    let item = match v {
                        Value::Object(m) if is_tags_key(k, asg) => Item::Tags(TagsField::Object(
                            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                        )),
                        v if is_tags_key(k, asg) => Item::Tags(TagsField::Other(v.clone())),
                        v if asg && is_asg_key(k) => Item::Whole(v.clone()),
                        Value::Object(_) | Value::Array(_) => Item::Skipped,
                        v => Item::Whole(v.clone()),
                    };
                    side.push(k.clone(), item);
                }
                side
            }
            other => Side { shape: Shape::Other(super::json_kind(other)), ..Side::default() },
        }
    }

    /// Adds one top-level entry; a repeated key replaces what came before, as in a map.
    fn push(&mut self, key: String, item: Item) {
        match item {
            Item::Tags(field) => {
                if key == "tags" {
                    self.tags = Some(field);
                } else {
                    self.tags_all = Some(field);
                }
            }
            Item::Whole(v) => {
                self.attrs.insert(key, v);
            }
            Item::Skipped => {
                self.attrs.remove(&key);
            }
        }
    }
}

fn is_tags_key(key: &str, asg: bool) -> bool {
    key == "tags_all" || (key == "tags" && !asg)
}

fn is_asg_key(key: &str) -> bool {
    key == "tag" || key == "tags"
}

/// One top-level entry of a side, classified.
enum Item {
    Tags(TagsField),
    Whole(Value),
    Skipped,
}

/// An object key, borrowed from the text unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A name nearly every change has (its mode, the AWS provider's name), borrowed from a constant
/// instead of a string of its own for each of thousands of changes.
fn common(name: Key<'_>) -> Cow<'static, str> {
    const COMMON: [&str; 3] = ["managed", "data", "registry.terraform.io/hashicorp/aws"];
    match COMMON.iter().find(|c| **c == name.0) {
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(name.0.into_owned()),
    }
}

/// Parses plan JSON in one pass; `keep` names the types whose `change` to keep.
///
/// A large plan's `resource_changes` is read on two threads where there are two cores: a
/// second thread reads the elements from a guessed element start onwards ([`split_point`]),
/// this one the whole file but for them, which it skips once its own parse meets an element
/// starting exactly at the guess. Only then are the second thread's elements used: both read
/// the same elements from the same bytes, in the same way, as one parser reading on would. A
/// guess this thread never meets (inside a string, a nested object) leaves it reading every
/// element itself. Any error is looked for again by the one-thread parse, so that it is the
/// first one in the file, as without the second thread.
pub(super) fn parse(text: &str, keep: Keep<'static>) -> Result<PlanJson, serde_json::Error> {
    match split_point(text) {
        Some(split) if crate::parallel::workers_for(2) >= 2 => parse_split(text, keep, split),
        _ => parse_with(text, keep, None).map(|(plan, _)| plan),
    }
}

/// [`parse`] on two threads, the second starting at `split`.
pub(super) fn parse_split(
    text: &str,
    keep: Keep<'static>,
    split: Split,
) -> Result<PlanJson, serde_json::Error> {
    let key = text.as_ptr() as usize + split.key;
    let (mine, theirs) =
        crate::parallel::join(|| parse_with(text, keep, Some(key)), || parse_tail(text, split.start, keep));
    match (mine, theirs) {
        (Ok((plan, false)), _) => Ok(plan),
        (Ok((mut plan, true)), Some(mut rest)) => {
            plan.resource_changes.append(&mut rest);
            Ok(plan)
        }
        _ => parse_with(text, keep, None).map(|(plan, _)| plan),
    }
}

/// The whole plan; with `split` (the address of an element's first key in `text`), the
/// elements of `resource_changes` from the one at `split` on are skipped, and the flag says
/// whether that element was met.
pub(super) fn parse_with(
    text: &str,
    keep: Keep<'_>,
    split: Option<usize>,
) -> Result<(PlanJson, bool), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let plan = PlanSeed { keep, split }.deserialize(&mut de)?;
    de.end()?;
    Ok(plan)
}

/// The smallest plan worth a second thread: below it, the thread costs more than it saves.
pub(super) const MIN_SPLIT: usize = 1 << 20;

/// Where a second thread can start reading `resource_changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Split {
    /// The element's `{`.
    pub start: usize,
    /// Its first key's text (after the quote).
    pub key: usize,
}

/// A guessed start of an element of `resource_changes`: a `{"address"` (blanks aside) after
/// `}` and `,`, at a point that gives this thread about as much work as the second one. A
/// guess only: the bytes may be inside a string or a nested object, and the parse checks it.
pub(super) fn split_point(text: &str) -> Option<Split> {
    use memchr::memmem;
    if text.len() < MIN_SPLIT {
        return None;
    }
    let bytes = text.as_bytes();
    let changes = memmem::find(bytes, b"\"resource_changes\"")?;
    // Terraform writes `prior_state` and `configuration` after the changes; nested keys of
    // those names only make the guessed end early, i.e. the split less even.
    let end = memmem::find(&bytes[changes..], b"\"prior_state\"")
        .map(|n| changes + n)
        .or_else(|| memmem::rfind(bytes, b"\"configuration\"").filter(|&at| at > changes))
        .unwrap_or(bytes.len());
    let len = end - changes;
    // This thread also skips the rest of the file and the second thread's elements, at about
    // a tenth of the cost of a parse (measured on a 10k-change plan): even shares when this
    // one parses (10 len - file) / 19 of the changes.
    let mine = ((10 * len).saturating_sub(bytes.len()) / 19).clamp(len / 10, len * 9 / 10);
    element_start_after(bytes, changes + mine, end)
}

/// The first `{"address": "...",` in `bytes[from..end]` that follows `}` and `,` and goes on
/// with a key Terraform writes next in a resource change (`mode`, or `module_address` or
/// `previous_address` before it), blanks aside: nested objects whose first key is `address`
/// (an attribute of many resource types) rarely go on that way.
fn element_start_after(bytes: &[u8], from: usize, end: usize) -> Option<Split> {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let skip_ws = |mut i: usize| {
        while bytes.get(i).is_some_and(is_ws) {
            i += 1;
        }
        i
    };
    let next_keys: [&[u8]; 3] = [b"\"mode\"", b"\"module_address\"", b"\"previous_address\""];
    for at in memchr::memmem::find_iter(&bytes[from..end], b"\"address\"").map(|n| from + n) {
        let mut before = bytes[..at].iter().rev().filter(|b| !is_ws(b));
        if before.next() != Some(&b'{') || before.next() != Some(&b',') || before.next() != Some(&b'}') {
            continue;
        }
        // The address string: to its closing quote, escapes skipped.
        let colon = skip_ws(at + "\"address\"".len());
        let open = skip_ws(colon + 1);
        if bytes.get(colon) != Some(&b':') || bytes.get(open) != Some(&b'"') {
            continue;
        }
        let mut i = open + 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        let comma = skip_ws(i + 1);
        let key = skip_ws(comma + 1);
        if bytes.get(comma) == Some(&b',')
            && next_keys.iter().any(|k| bytes[key.min(bytes.len())..].starts_with(k))
        {
            let start = bytes[..at].iter().rposition(|&b| b == b'{')?;
            return Some(Split { start, key: at + 1 });
        }
    }
    None
}

thread_local! {
    /// What the second thread's [`TailElement`]s keep (a `Deserialize` takes no seed).
    static TAIL_KEEP: std::cell::Cell<Keep<'static>> = const { std::cell::Cell::new(Keep::NOTHING) };
}

/// An element of `resource_changes` read on the second thread.
struct TailElement(ResourceChange);

impl<'de> de::Deserialize<'de> for TailElement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let keep = TAIL_KEEP.with(std::cell::Cell::get);
        let rc = ResourceChangeSeed { keep, split: None }.deserialize(d)?;
        rc.map(TailElement).ok_or_else(|| de::Error::custom("no split on this thread"))
    }
}

/// The elements of `resource_changes` from the one at `start` to the array's end; `None` at
/// anything else (the guess was not an element's start, or the file is not a plan).
#[allow(clippy::vec_box)]
fn parse_tail(text: &str, start: usize, keep: Keep<'static>) -> Option<Vec<Box<ResourceChange>>> {
    TAIL_KEEP.with(|k| k.set(keep));
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = start;
    loop {
        let mut values = serde_json::Deserializer::from_str(text.get(pos..)?).into_iter::<TailElement>();
        let TailElement(rc) = values.next()?.ok()?;
        out.push(Box::new(rc));
        pos += values.byte_offset();
        while bytes.get(pos).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            pos += 1;
        }
        match bytes.get(pos)? {
            b',' => pos += 1,
            b']' => return Some(out),
            _ => return None,
        }
    }
}

/// The top-level fields the reader uses, by slot.
const SLOTS: [&str; 7] = [
    "format_version",
    "version",
    "values",
    "resource_changes",
    "planned_values",
    "terraform_version",
    "configuration",
];

struct PlanSeed<'k> {
    keep: Keep<'k>,
    /// See [`parse_with`].
    split: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for PlanSeed<'_> {
    type Value = (PlanJson, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(PlanJson, bool), D::Error> {
        d.deserialize_map(self)
    }
}

/// `Err(duplicate field)` when `seen`, as a derived `Deserialize` says it.
fn once<E: de::Error>(seen: bool, field: &'static str) -> Result<(), E> {
    if seen {
        Err(E::duplicate_field(field))
    } else {
        Ok(())
    }
}

impl<'de> Visitor<'de> for PlanSeed<'_> {
    type Value = (PlanJson, bool);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (`terraform show -json` output)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(PlanJson, bool), A::Error> {
        let mut split_met = false;
        let mut plan = PlanJson {
            format_version: None,
            has_version: false,
            has_values: false,
            has_resource_changes: false,
            has_planned_values: false,
            terraform_version: None,
            resource_changes: Vec::new(),
            configuration: None,
        };
        let mut seen = [false; 7];
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let Some(slot) = SLOTS.iter().position(|name| *name == key.0.as_ref()) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            once(seen[slot], SLOTS[slot])?;
            seen[slot] = true;
            match slot {
                0 => plan.format_version = map.next_value()?,
                1 => plan.has_version = map.next_value::<Option<IgnoredAny>>()?.is_some(),
                2 => plan.has_values = map.next_value::<Option<IgnoredAny>>()?.is_some(),
                3 => {
                    let changes = map.next_value_seed(ChangesSeed { keep: self.keep, split: self.split })?;
                    plan.has_resource_changes = changes.is_some();
                    (plan.resource_changes, split_met) = changes.unwrap_or_default();
                }
                4 => plan.has_planned_values = map.next_value::<Option<IgnoredAny>>()?.is_some(),
                5 => plan.terraform_version = map.next_value()?,
                _ => plan.configuration = map.next_value()?,
            }
        }
        Ok((plan, split_met))
    }
}

/// `resource_changes`: `null` or a list (and whether the split was met in it).
struct ChangesSeed<'k> {
    keep: Keep<'k>,
    split: Option<usize>,
}

#[allow(clippy::vec_box)]
type Changes = (Vec<Box<ResourceChange>>, bool);

impl<'de> DeserializeSeed<'de> for ChangesSeed<'_> {
    type Value = Option<Changes>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ChangesSeed<'_> {
    type Value = Option<Changes>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(ChangeListVisitor { keep: self.keep, split: self.split }).map(Some)
    }
}

struct ChangeListVisitor<'k> {
    keep: Keep<'k>,
    split: Option<usize>,
}

impl<'de> Visitor<'de> for ChangeListVisitor<'_> {
    type Value = Changes;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let seed = || ResourceChangeSeed { keep: self.keep, split: self.split };
        while let Some(rc) = seq.next_element_seed(seed())? {
            match rc {
                Some(rc) => out.push(Box::new(rc)),
                // The second thread reads this element and the rest: skipped (still checked
                // to be JSON), as the rest of the file needs this parse to go on.
                None => {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok((out, true));
                }
            }
        }
        Ok((out, false))
    }
}

struct ResourceChangeSeed<'k> {
    keep: Keep<'k>,
    /// The address of the first key of the element where the second thread starts: that
    /// element is skipped (`None`).
    split: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for ResourceChangeSeed<'_> {
    type Value = Option<ResourceChange>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<ResourceChange>, D::Error> {
        // As a struct, not a map: a JSON array is then read field by field (`visit_seq`).
        d.deserialize_struct("ResourceChange", &[], self)
    }
}

/// A `change` read whole, before it is known what it belongs to or because it is kept.
#[derive(serde::Deserialize)]
#[serde(expecting = "a change object with `actions`")]
struct WholeChange {
    actions: Vec<String>,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default)]
    after_unknown: Value,
}

impl<'de> Visitor<'de> for ResourceChangeSeed<'_> {
    type Value = Option<ResourceChange>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resource change object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<ResourceChange>, A::Error> {
        let mut address: Option<String> = None;
        let mut module_address: Option<Option<String>> = None;
        let mut mode: Option<Option<Cow<'static, str>>> = None;
        let mut resource_type: Option<String> = None;
        let mut name: Option<String> = None;
        let mut index: Option<Option<IndexKey>> = None;
        let mut provider_name: Option<Option<Cow<'static, str>>> = None;
        let mut lean: Option<(Change, Option<KeptSides>)> = None;
        // Read whole: seen before its type (not Terraform's order), kept, or an autoscaling group.
        let mut whole: Option<WholeChange> = None;
        let mut next = map.next_key::<Key<'de>>()?;
        if let (Some(split), Some(Key(Cow::Borrowed(first)))) = (self.split, &next) {
            if first.as_ptr() as usize == split {
                map.next_value::<IgnoredAny>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(None);
            }
        }
        while let Some(key) = next.take() {
            match key.0.as_ref() {
                "address" => {
                    once(address.is_some(), "address")?;
                    address = Some(map.next_value()?);
                }
                "module_address" => {
                    once(module_address.is_some(), "module_address")?;
                    module_address = Some(map.next_value()?);
                }
                "mode" => {
                    once(mode.is_some(), "mode")?;
                    mode = Some(map.next_value::<Option<Key<'de>>>()?.map(common));
                }
                "type" => {
                    once(resource_type.is_some(), "type")?;
                    resource_type = Some(map.next_value()?);
                }
                "name" => {
                    once(name.is_some(), "name")?;
                    name = Some(map.next_value()?);
                }
                "index" => {
                    once(index.is_some(), "index")?;
                    index = Some(map.next_value()?);
                }
                "provider_name" => {
                    once(provider_name.is_some(), "provider_name")?;
                    provider_name = Some(map.next_value::<Option<Key<'de>>>()?.map(common));
                }
                "change" => {
                    once(lean.is_some() || whole.is_some(), "change")?;
                    match resource_type.as_deref() {
                        Some(ty) if ty != ASG => {
                            let keep = (self.keep.types)(ty)
                                .then_some(self.keep.attributes as &dyn Fn(&str) -> bool);
                            let reads = identity::Reads::of(ty);
                            lean = Some(map.next_value_seed(LeanChangeSeed { keep, reads })?);
                        }
                        _ => whole = Some(map.next_value()?),
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            next = map.next_key::<Key<'de>>()?;
        }
        let address = address.ok_or_else(|| de::Error::missing_field("address"))?;
        let resource_type = resource_type.ok_or_else(|| de::Error::missing_field("type"))?;
        let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
        let change = match (lean, whole) {
            (Some(change), _) => Ok(change),
            (None, Some(w)) => Err(w),
            (None, None) => return Err(de::Error::missing_field("change")),
        };
        let fields = Fields {
            address,
            module_address: module_address.flatten(),
            mode: mode.flatten(),
            resource_type,
            name,
            index: index.flatten(),
            provider_name: provider_name.flatten(),
        };
        Ok(Some(fields.build(self.keep, change)))
    }

    /// The array form a derived `Deserialize` also reads, field by field in declaration order;
    /// read the same way so that such a file fails with the same message as before.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<ResourceChange>, A::Error> {
        let fields = Fields {
            address: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?,
            module_address: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?,
            mode: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(2, &self))?,
            resource_type: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(3, &self))?,
            name: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(4, &self))?,
            index: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(5, &self))?,
            provider_name: seq.next_element()?.ok_or_else(|| de::Error::invalid_length(6, &self))?,
        };
        let whole: WholeChange = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(7, &self))?;
        Ok(Some(fields.build(self.keep, Err(whole))))
    }
}

/// The fields of a resource change other than `change`.
struct Fields {
    address: String,
    module_address: Option<String>,
    mode: Option<Cow<'static, str>>,
    resource_type: String,
    name: String,
    index: Option<IndexKey>,
    provider_name: Option<Cow<'static, str>>,
}

impl Fields {
    /// The resource change, from its `change` read lean (`Ok`, with the kept values when its
    /// type is kept) or whole (`Err`).
    fn build(
        self,
        keep: Keep<'_>,
        change: Result<(Change, Option<KeptSides>), WholeChange>,
    ) -> ResourceChange {
        let mut kept = None;
        let change = match change {
            Ok((change, values)) => {
                if let Some(values) = values {
                    kept = Some(Box::new(ChangeValues {
                        address: self.address.clone(),
                        resource_type: self.resource_type.clone(),
                        mode: self.mode.clone(),
                        actions: change.actions.clone(),
                        before: values.before,
                        after: values.after,
                        after_unknown: values.after_unknown,
                        module_address: self.module_address.clone().unwrap_or_default(),
                        config: None,
                        provider_region: None,
                    }));
                }
                change
            }
            Err(w) => {
                let change = Change {
                    actions: w.actions.clone(),
                    before: Side::from_value(&w.before, &self.resource_type),
                    after: Side::from_value(&w.after, &self.resource_type),
                    after_unknown: Unknown::from_value(&w.after_unknown),
                };
                if (keep.types)(&self.resource_type) {
                    kept = Some(Box::new(ChangeValues {
                        address: self.address.clone(),
                        resource_type: self.resource_type.clone(),
                        mode: self.mode.clone(),
                        actions: w.actions,
                        before: KeptSide::from_value(w.before),
                        after: KeptSide::from_value(w.after),
                        after_unknown: w.after_unknown,
                        module_address: self.module_address.clone().unwrap_or_default(),
                        config: None,
                        provider_region: None,
                    }));
                }
                change
            }
        };
        ResourceChange {
            address: self.address,
            module_address: self.module_address,
            mode: self.mode,
            resource_type: self.resource_type,
            name: self.name,
            index: self.index,
            provider_name: self.provider_name,
            change,
            kept,
        }
    }
}

/// The values a kept change keeps besides its lean sides: `before` and `after` without `tags`
/// and `tags_all` (the lean sides have them; pricing never reads them), `after_unknown` whole.
struct KeptSides {
    before: KeptSide,
    after: KeptSide,
    after_unknown: Value,
}

/// A `change` read lean (never an autoscaling group's); with `keep`, its values are kept too.
struct LeanChangeSeed<'k> {
    /// When the change is kept, which top-level attributes of its sides to keep.
    keep: Option<&'k dyn Fn(&str) -> bool>,
    /// The top-level attributes identity reads of the change's type: the only ones a lean
    /// side keeps (a real plan's sides hold dozens of others).
    reads: identity::Reads,
}

impl<'de> DeserializeSeed<'de> for LeanChangeSeed<'_> {
    type Value = (Change, Option<KeptSides>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_struct("Change", &[], self)
    }
}

impl<'de> Visitor<'de> for LeanChangeSeed<'_> {
    type Value = (Change, Option<KeptSides>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a change object with `actions`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut actions: Option<Vec<String>> = None;
        let (mut before, mut after, mut unknown) = (None, None, None);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.0.as_ref() {
                "actions" => {
                    once(actions.is_some(), "actions")?;
                    actions = Some(map.next_value()?);
                }
                "before" => {
                    once(before.is_some(), "before")?;
                    before = Some(self.side(&mut map)?);
                    drop_unread_tags(&mut before, &after);
                }
                "after" => {
                    once(after.is_some(), "after")?;
                    after = Some(self.side(&mut map)?);
                    drop_unread_tags(&mut before, &after);
                }
                "after_unknown" => {
                    once(unknown.is_some(), "after_unknown")?;
                    unknown = Some(if let Some(attributes) = self.keep {
                        map.next_value_seed(KeptUnknownSeed { attributes })?
                    } else {
                        (map.next_value_seed(UnknownSeed)?, Value::Null)
                    });
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (before, before_value) = before.unwrap_or_default();
        let (after, after_value) = after.unwrap_or_default();
        let (after_unknown, unknown_value) = unknown.unwrap_or_default();
        let change = Change {
            actions: actions.ok_or_else(|| de::Error::missing_field("actions"))?,
            before,
            after,
            after_unknown,
        };
        let kept = self.keep.is_some().then_some(KeptSides {
            before: before_value,
            after: after_value,
            after_unknown: unknown_value,
        });
        Ok((change, kept))
    }

    /// The array form, as a derived `Deserialize` reads it (never written by Terraform).
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let actions: Vec<String> = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let before: Value = seq.next_element()?.unwrap_or_default();
        let after: Value = seq.next_element()?.unwrap_or_default();
        let after_unknown: Value = seq.next_element()?.unwrap_or_default();
        // Lean types only come here, never an autoscaling group.
        let change = Change {
            actions,
            before: Side::from_value(&before, ""),
            after: Side::from_value(&after, ""),
            after_unknown: Unknown::from_value(&after_unknown),
        };
        let kept = self.keep.is_some().then(|| KeptSides {
            before: KeptSide::from_value(before),
            after: KeptSide::from_value(after),
            after_unknown,
        });
        Ok((change, kept))
    }
}

/// `before`'s tags are read only when there is no `after` object (a delete): once there is one,
/// they are dropped, and the next change reuses their memory instead of fresh memory.
fn drop_unread_tags(before: &mut Option<(Side, KeptSide)>, after: &Option<(Side, KeptSide)>) {
    if let (Some((before, _)), Some((after, _))) = (before, after) {
        if after.shape == Shape::Object {
            before.tags = None;
            before.tags_all = None;
        }
    }
}

impl LeanChangeSeed<'_> {
    /// `before` or `after`: the lean side, and with `keep` its kept value (`null` without).
    fn side<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<(Side, KeptSide), A::Error> {
        if let Some(attributes) = self.keep {
            map.next_value_seed(KeptSideSeed { attributes, reads: self.reads })
        } else {
            Ok((map.next_value_seed(SideSeed { reads: self.reads })?, KeptSide::NULL))
        }
    }
}

/// `before` / `after` of a kept type: the lean side as [`SideSeed`] reads it, and the side's
/// value with only the top-level `attributes` asked for (never its tag fields). A side that is
/// not an object is kept as it is.
struct KeptSideSeed<'k> {
    attributes: &'k dyn Fn(&str) -> bool,
    reads: identity::Reads,
}

impl<'de> DeserializeSeed<'de> for KeptSideSeed<'_> {
    type Value = (Side, KeptSide);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeptSideSeed<'_> {
    type Value = (Side, KeptSide);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Side::default(), KeptSide::NULL))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Side::default(), KeptSide::NULL))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok((other_side("a boolean"), KeptSide::Other(Value::Bool(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok((other_side("a number"), KeptSide::Other(Value::Number(v.into()))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok((other_side("a number"), KeptSide::Other(Value::Number(v.into()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // serde_json's `Value` makes a non-finite float `null`.
        Ok(match Number::from_f64(v) {
            Some(n) => (other_side("a number"), KeptSide::Other(Value::Number(n))),
            None => (Side::default(), KeptSide::NULL),
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((other_side("a string"), KeptSide::Other(Value::String(v.to_owned()))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok((other_side("a list"), KeptSide::Other(Value::Array(items))))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut side = Side { shape: Shape::Object, ..Side::default() };
        let mut values = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if is_tags_key(&key, false) {
                side.push(key.into_owned(), Item::Tags(map.next_value_seed(TagsSeed)?));
                continue;
            }
            let read = self.reads.reads(&key);
            if !(self.attributes)(&key) {
                if read {
                    let item = match map.next_value_seed(ScalarSeed)? {
                        Some(v) => Item::Whole(v),
                        None => Item::Skipped,
                    };
                    side.push(key.into_owned(), item);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
                continue;
            }
            let value: Value = map.next_value()?;
            let key = key.into_owned();
            if read {
                let item = match &value {
                    Value::Object(_) | Value::Array(_) => Item::Skipped,
                    scalar => Item::Whole(scalar.clone()),
                };
                side.push(key.clone(), item);
            }
            values.push((key, value));
        }
        Ok((side, KeptSide::object(values)))
    }
}

/// `before` / `after` of a type read lean (never an autoscaling group): its tag fields and
/// the top-level scalars identity reads.
struct SideSeed {
    reads: identity::Reads,
}

impl<'de> DeserializeSeed<'de> for SideSeed {
    type Value = Side;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Side, D::Error> {
        d.deserialize_any(self)
    }
}

/// A side that is not an object: only its kind matters (it is an error unless `null`).
fn other_side(kind: &'static str) -> Side {
    Side { shape: Shape::Other(kind), ..Side::default() }
}

impl<'de> Visitor<'de> for SideSeed {
    type Value = Side;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Side, E> {
        Ok(Side::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Side, E> {
        Ok(Side::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Side, E> {
        Ok(other_side("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Side, E> {
        Ok(other_side("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Side, E> {
        Ok(other_side("a number"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Side, E> {
        // serde_json's `Value` makes a non-finite float `null`.
        Ok(if v.is_finite() { other_side("a number") } else { Side::default() })
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Side, E> {
        Ok(other_side("a string"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Side, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(other_side("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Side, A::Error> {
        let mut side = Side { shape: Shape::Object, ..Side::default() };
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let item = if is_tags_key(&key, false) {
                Item::Tags(map.next_value_seed(TagsSeed)?)
            } else if self.reads.reads(&key) {
                match map.next_value_seed(ScalarSeed)? {
                    Some(v) => Item::Whole(v),
                    None => Item::Skipped,
                }
            } else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            side.push(key.into_owned(), item);
        }
        Ok(side)
    }
}

/// A top-level attribute: its value when it is not an object or a list, else skipped.
struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Some(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Some(Value::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Value::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Value::String(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// `tags` / `tags_all`: an object's entries, or the value that is not an object.
struct TagsSeed;

impl<'de> DeserializeSeed<'de> for TagsSeed {
    type Value = TagsField;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TagsField, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagsSeed {
    type Value = TagsField;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TagsField, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            entries.push(entry);
        }
        // Every change's entries live until all changes are read: a list grown to 4 or 8
        // for the usual one or two tags is most of what it holds.
        entries.shrink_to_fit();
        Ok(TagsField::Object(entries))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TagsField, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok(TagsField::Other(Value::Array(items)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<TagsField, E> {
        Ok(TagsField::Other(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<TagsField, E> {
        Ok(TagsField::Other(Value::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<TagsField, E> {
        Ok(TagsField::Other(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TagsField, E> {
        Ok(TagsField::Other(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<TagsField, E> {
        Ok(TagsField::Other(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<TagsField, E> {
        Ok(TagsField::Other(Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<TagsField, E> {
        Ok(TagsField::Other(Value::String(v.to_owned())))
    }
}

/// `after_unknown` of a kept change: its tag fields (as [`UnknownSeed`] reads them) and its
/// top-level `attributes` asked for, the rest skipped unparsed (a real plan's `after_unknown`
/// marks every computed attribute); a value that is not an object kept as it is.
struct KeptUnknownSeed<'k> {
    attributes: &'k dyn Fn(&str) -> bool,
}

impl<'de> DeserializeSeed<'de> for KeptUnknownSeed<'_> {
    type Value = (Unknown, Value);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeptUnknownSeed<'_> {
    type Value = (Unknown, Value);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Unknown::default();
        let mut kept = Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let tag = matches!(key.as_ref(), "tag" | "tags" | "tags_all");
            let asked = (self.attributes)(&key);
            if !tag && !asked {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let v: Value = map.next_value()?;
            if tag && !asked {
                out.set(&key, v);
                continue;
            }
            if tag {
                out.set(&key, v.clone());
            }
            kept.insert(key.into_owned(), v);
        }
        Ok((out, Value::Object(kept)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok((Unknown::default(), Value::Array(items)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Value::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((Unknown::default(), Value::String(v.to_owned())))
    }
}

/// `after_unknown`: its `tag`, `tags` and `tags_all`; everything else skipped.
struct UnknownSeed;

impl<'de> DeserializeSeed<'de> for UnknownSeed {
    type Value = Unknown;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Unknown, D::Error> {
        d.deserialize_any(self)
    }
}

/// Not an object (`true`, say): nothing of it is read, as `Value::get` reads nothing of it.
impl<'de> Visitor<'de> for UnknownSeed {
    type Value = Unknown;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unknown, A::Error> {
        let mut out = Unknown::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.0.as_ref() {
                "tag" | "tags" | "tags_all" => {
                    let v: Value = map.next_value()?;
                    out.set(&key.0, v);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unknown, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Unknown::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Unknown, E> {
        Ok(Unknown::default())
    }
}
