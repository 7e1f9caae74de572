//! Unknown-aware evaluation of Terraform expressions, enough to compute effective tags.
//!
//! Responsible for: turning an `hcl-edit` [`Expression`] into a [`Value`] within one module
//! instance's [`Scope`] (its `var.*` values and lazily evaluated, cycle-safe `local.*`), plus the
//! per-instance bindings (`each.*`, `count.index`, `for` and `dynamic` iterators), a subset of
//! Terraform's functions (see [`functions`]), and converting a tag map value into
//! [`EffectiveTags`]. Not responsible for: reading files, module loading, provider inheritance
//! or resource expansion (that is `hcl.rs`).
//!
//! # Unknown values
//! [`Value::Unknown`] stands for anything we cannot know statically: references to resources,
//! `data.*`, `module.*` outputs, `path.*`, variables without a value, and functions we do not
//! implement. Unknown is never an error and never a guess: an operation on an unknown operand
//! is unknown, with these refinements that follow from Terraform's semantics:
//! - a conditional with an unknown condition has what both branches agree on ([`join`]): equal
//!   values, the keys both maps have (so a tag set in both branches is present), element-wise
//!   for lists of equal length; `false && x` is false and `true || x` is true whatever `x` is,
//!   and a value known to exist is `!= null`. Terraform 1.11 itself answers unknown in these
//!   cases until it knows the condition; the value it will compute is always the one we give;
//! - `try`/`can` return unknown when the first non-failing argument is not wholly known (this
//!   is what Terraform does: it cannot tell yet whether the expression will fail);
//! - maps may be *incomplete* ([`Map::complete`] is false): the known entries are certainly
//!   present, but other keys may exist. `merge(a, X, b)` with `X` unknown keeps the keys of `a`
//!   present with unknown values (`X` may override their values but never removes a key), keeps
//!   the entries of `b` exactly (nothing after `X` can be overridden by it) and is incomplete
//!   (`X` may add keys). An object constructor with an unknown key is likewise incomplete.
//!   Functions that need the full key set (`keys`, `length`, a missing key in `lookup`) return
//!   unknown for an incomplete map. Where it is known which keys an incomplete map may hold
//!   ([`Map::bound`]), that is kept: the keys only one branch of an unknown conditional has, an
//!   object key template's literal start and end (`"kubernetes.io/cluster/${var.name}"`), so
//!   a required tag none of them can be is missing, not unknown.
//!
//! `Err` is reserved for expressions Terraform itself rejects (a missing map key, a type
//! mismatch, a null in a template); it is what lets `try` and `can` work.

mod functions;
mod ops;
mod scope;
pub(crate) mod types;

use std::collections::BTreeMap;
use std::fmt;

use hcl_edit::expr::Expression;

pub(crate) use functions::from_json;
pub(crate) use ops::{iterate, merge_tags, tags_from_value};
pub(crate) use scope::{ModulePaths, Scope};

use crate::model::{KeyShape, SourceLocation};

/// A Terraform value as far as we can know it statically.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// Terraform numbers are arbitrary-precision; `f64` is exact for the integers and short
    /// decimals found in tag code.
    Number(f64),
    String(String),
    /// Lists, tuples and sets (a set is a sorted list without duplicates).
    List(Vec<Value>),
    /// Maps and objects.
    Map(Map),
    Unknown,
}

/// A map or object. `complete == false`: the entries are certainly present, others may exist;
/// `bound`, when set, says which (a key from one branch of a conditional, a key with a known
/// start and end); `None` means any key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Map {
    pub(crate) entries: BTreeMap<String, Value>,
    pub(crate) complete: bool,
    pub(crate) bound: Option<Vec<KeyShape>>,
}

impl Map {
    pub(crate) fn known(entries: BTreeMap<String, Value>) -> Self {
        Self { entries, complete: true, bound: None }
    }

    /// Any key may be present besides the entries.
    pub(crate) fn open(&mut self) {
        self.complete = false;
        self.bound = None;
    }

    /// Keys of this shape may be present besides the entries.
    pub(crate) fn may_add(&mut self, shape: KeyShape) {
        crate::model::widen(&mut self.complete, &mut self.bound, false, Some(&[shape]));
    }

    /// Whatever keys `other` may hold besides its entries may be present here too.
    pub(crate) fn widen_by(&mut self, other: &Map) {
        crate::model::widen(&mut self.complete, &mut self.bound, other.complete, other.bound.as_deref());
    }

    /// Whether `key`, absent from the entries, may be present.
    pub(crate) fn may_hold(&self, key: &str) -> bool {
        crate::model::may_hold(self.complete, self.bound.as_deref(), key)
    }
}

impl Value {
    pub(crate) fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }

    /// No unknown anywhere inside, and every map complete.
    pub(crate) fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.complete && m.entries.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown => "unknown",
        }
    }

    /// The string form of a primitive (Terraform's automatic conversion to string).
    pub(crate) fn to_text(&self) -> Result<String, EvalError> {
        match self {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(format_number(*n)),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err(EvalError::new("a null value cannot be used as a string")),
            other => Err(EvalError::new(format!("string required, got {}", other.type_name()))),
        }
    }

    /// The number form of a primitive (Terraform converts numeric strings automatically).
    pub(crate) fn to_number(&self) -> Result<f64, EvalError> {
        match self {
            Value::Number(n) => Ok(*n),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| EvalError::new(format!("a number is required, got {s:?}"))),
            other => Err(EvalError::new(format!("number required, got {}", other.type_name()))),
        }
    }

    pub(crate) fn to_bool(&self) -> Result<bool, EvalError> {
        match self {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(EvalError::new(format!("bool required, got {}", other.type_name()))),
        }
    }
}

/// Numbers print as Terraform prints them: integers without a decimal point or exponent, other
/// numbers in their shortest form at 15 significant digits. Terraform computes with 512-bit
/// floats, so `0.1 + 0.2` is `0.3` there; rounding our `f64` to 15 digits gives the same text
/// for every sum or product of short decimals.
pub(crate) fn format_number(n: f64) -> String {
    if n == 0.0 {
        return "0".to_string();
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{n:.0}");
    }
    let rounded: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    format!("{rounded}")
}

/// An expression Terraform itself would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EvalError(String);

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) type EvalResult = Result<Value, EvalError>;

/// A `locals { name = expr }` entry, kept unevaluated until first use.
#[derive(Debug, Clone)]
pub(crate) struct LocalDef<'a> {
    pub(crate) expr: &'a Expression,
    pub(crate) location: SourceLocation,
}

/// `each.key` / `each.value` of a `for_each` instance (unknown for an unexpanded `[*]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Each {
    pub(crate) key: Value,
    pub(crate) value: Value,
}

/// Per-evaluation bindings: instance keys and iterator variables (innermost last).
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub(crate) each: Option<Each>,
    pub(crate) count_index: Option<Value>,
    pub(crate) names: Vec<(String, Value)>,
    /// A name that is not bound is an error (in `templatestring`, only its variables exist)
    /// rather than unknown.
    pub(crate) strict_names: bool,
}

impl Env {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.names.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod goldens;
#[cfg(test)]
mod tests;
