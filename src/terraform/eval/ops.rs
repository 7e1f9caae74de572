//! Operations on [`Value`]s: iteration, indexing, joining the arms of an unknown conditional,
//! binary operators, and turning a tag map value into [`EffectiveTags`].

use std::collections::BTreeMap;

use hcl_edit::expr::BinaryOperator;

use super::{format_number, EvalError, EvalResult, Map, Value};
use crate::model::{EffectiveTags, KeyShape, SmallMap, TagValue};

/// (key, value) pairs of a collection; `None` when the collection (or its key set) is unknown.
pub(crate) fn iterate(collection: Value) -> Result<Option<Vec<(Value, Value)>>, EvalError> {
    match collection {
        Value::Unknown => Ok(None),
        Value::Map(m) if !m.complete => Ok(None),
        Value::Map(m) => Ok(Some(m.entries.into_iter().map(|(k, v)| (Value::String(k), v)).collect())),
        Value::List(items) => {
            Ok(Some(items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect()))
        }
        Value::Null => Err(EvalError::new("cannot iterate over a null value")),
        other => Err(EvalError::new(format!("cannot iterate over a {}", other.type_name()))),
    }
}

/// `collection[key]` / `collection.key`.
///
/// With the key unknown, the result is one of the collection's elements (any other key fails):
/// what they all agree on ([`join`]), so `local.tags_by_env[terraform.workspace]` has the keys
/// every environment's map has. Terraform itself says unknown until it knows the key.
pub(crate) fn index(collection: Value, key: &Value) -> EvalResult {
    if *key == Value::Unknown {
        return Ok(match collection {
            Value::Map(m) if m.complete => m.entries.into_values().reduce(join).unwrap_or(Value::Unknown),
            Value::List(items) => items.into_iter().reduce(join).unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        });
    }
    match collection {
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(mut m) => {
            let k = key.to_text()?;
            match m.entries.remove(&k) {
                Some(v) => Ok(v),
                None if m.complete => {
                    Err(EvalError::new(format!("the map has no element for the key {k:?}")))
                }
                None => Ok(Value::Unknown),
            }
        }
        Value::List(mut items) => {
            let i = key.to_number()?;
            if i.fract() != 0.0 || i < 0.0 || i >= items.len() as f64 {
                return Err(EvalError::new(format!("the list has no element at index {}", format_number(i))));
            }
            Ok(items.swap_remove(i as usize))
        }
        Value::Null => Err(EvalError::new("cannot index a null value")),
        other => Err(EvalError::new(format!("cannot index a {}", other.type_name()))),
    }
}

/// What two possible values certainly have in common: the value itself if equal, else maps with
/// the keys both have (incomplete if either has other keys), lists of equal length element by
/// element, and unknown for the rest.
pub(crate) fn join(a: Value, b: Value) -> Value {
    if a == b {
        return a;
    }
    match (a, b) {
        (Value::Map(a), Value::Map(mut b)) => {
            // Keys only one side has may be present; so may whatever either side may hold.
            let mut out = Map::known(BTreeMap::new());
            out.widen_by(&a);
            out.widen_by(&b);
            for (k, va) in a.entries {
                match b.entries.remove(&k) {
                    Some(vb) => {
                        out.entries.insert(k, join(va, vb));
                    }
                    None => out.may_add(KeyShape::Exact(k)),
                }
            }
            for k in b.entries.into_keys() {
                out.may_add(KeyShape::Exact(k));
            }
            Value::Map(out)
        }
        (Value::List(a), Value::List(b)) if a.len() == b.len() => {
            Value::List(a.into_iter().zip(b).map(|(a, b)| join(a, b)).collect())
        }
        _ => Value::Unknown,
    }
}

/// A boolean operand of `&&`/`||`: `None` while unknown.
fn logical_operand(v: &Value) -> Result<Option<bool>, EvalError> {
    match v {
        Value::Unknown => Ok(None),
        Value::Null => Err(EvalError::new("a null value cannot be used as a bool")),
        v => v.to_bool().map(Some),
    }
}

pub(super) fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value) -> EvalResult {
    use BinaryOperator as B;
    if matches!(op, B::And | B::Or) {
        // `false && x` and `true || x` are decided whatever x turns out to be.
        let decisive = op == B::Or;
        return Ok(match (logical_operand(lhs)?, logical_operand(rhs)?) {
            (Some(a), Some(b)) => Value::Bool(if decisive { a || b } else { a && b }),
            (Some(x), None) | (None, Some(x)) if x == decisive => Value::Bool(decisive),
            _ => Value::Unknown,
        });
    }
    if matches!(op, B::Eq | B::NotEq) {
        // A value we know exists is not null, even if parts of it are unknown.
        let null_test = match (lhs, rhs) {
            (Value::Null, Value::Unknown) | (Value::Unknown, Value::Null) => None,
            (Value::Null, other) | (other, Value::Null) => Some(*other == Value::Null),
            _ => None,
        };
        if let Some(equal) = null_test {
            return Ok(Value::Bool(equal == (op == B::Eq)));
        }
    }
    if !lhs.is_wholly_known() || !rhs.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let num =
        |f: fn(f64, f64) -> f64| -> EvalResult { Ok(Value::Number(f(lhs.to_number()?, rhs.to_number()?))) };
    let cmp =
        |f: fn(f64, f64) -> bool| -> EvalResult { Ok(Value::Bool(f(lhs.to_number()?, rhs.to_number()?))) };
    match op {
        B::Eq => Ok(Value::Bool(lhs == rhs)),
        B::NotEq => Ok(Value::Bool(lhs != rhs)),
        B::And => Ok(Value::Bool(lhs.to_bool()? && rhs.to_bool()?)),
        B::Or => Ok(Value::Bool(lhs.to_bool()? || rhs.to_bool()?)),
        B::Less => cmp(|a, b| a < b),
        B::LessEq => cmp(|a, b| a <= b),
        B::Greater => cmp(|a, b| a > b),
        B::GreaterEq => cmp(|a, b| a >= b),
        B::Plus => num(|a, b| a + b),
        B::Minus => num(|a, b| a - b),
        B::Mul => num(|a, b| a * b),
        B::Div | B::Mod => {
            let (a, b) = (lhs.to_number()?, rhs.to_number()?);
            if b == 0.0 {
                return Err(EvalError::new("division by zero"));
            }
            Ok(Value::Number(if op == B::Div { a / b } else { a % b }))
        }
    }
}

/// A tag map value as effective tags. `Err` when the value cannot be a `map(string)`.
///
/// A null tag value means the key is not set (the AWS provider drops null-valued tags).
pub(crate) fn tags_from_value(value: &Value) -> Result<EffectiveTags, EvalError> {
    match value {
        Value::Null => Ok(EffectiveTags::whole(SmallMap::new())),
        Value::Unknown => Ok(EffectiveTags::partial(SmallMap::new())),
        Value::Map(m) => {
            let mut tags = BTreeMap::new();
            for (k, v) in &m.entries {
                let tag = match v {
                    Value::Null => continue,
                    Value::Unknown => TagValue::Unknown,
                    Value::List(_) | Value::Map(_) => {
                        return Err(EvalError::new(format!(
                            "tag {k:?}: string required, got {}",
                            v.type_name()
                        )));
                    }
                    primitive => TagValue::Known(primitive.to_text()?),
                };
                tags.insert(k.clone(), tag);
            }
            Ok(EffectiveTags {
                tags: tags.into_iter().collect(),
                complete: m.complete,
                bound: m.bound.clone(),
            })
        }
        other => Err(EvalError::new(format!("tags must be a map, got {}", other.type_name()))),
    }
}

/// `base` overridden by `over`, as the AWS provider merges `default_tags` and `tags`.
///
/// If `over` is incomplete, its unknown part may override the keys of `base` it may hold: those
/// keys stay present with unknown values.
pub(crate) fn merge_tags(base: &EffectiveTags, over: &EffectiveTags) -> EffectiveTags {
    let mut tags = base.tags.clone();
    if !over.complete {
        for (k, v) in tags.iter_mut() {
            if over.may_hold(k) {
                *v = TagValue::Unknown;
            }
        }
    }
    tags.extend(over.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    let (mut complete, mut bound) = (true, None);
    crate::model::widen(&mut complete, &mut bound, base.complete, base.bound.as_deref());
    crate::model::widen(&mut complete, &mut bound, over.complete, over.bound.as_deref());
    EffectiveTags { tags, complete, bound }
}
