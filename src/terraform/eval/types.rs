//! Terraform type constraints of `variable` blocks and the conversion Terraform applies to a
//! variable's value: `string`/`number`/`bool` conversion of primitives, `list`/`set`/`map`/
//! `tuple` element by element, and `object({...})` with `optional(T, default)` attributes, whose
//! omitted or null values take the default (so `each.value.tags` with `tags =
//! optional(map(string), {})` omitted is `{}`, not a missing key).
//!
//! Not responsible for: validation blocks, sensitivity, or reporting where in the caller the
//! bad value is (the caller turns a conversion error into a diagnostic at the argument).

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};

use super::functions::set_of;
use super::{EvalError, Map, Scope, Value};
use crate::terraform::eval::Env;

/// A parsed type constraint.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, Attribute>),
}

/// One attribute of an `object({...})` type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attribute {
    ty: Type,
    optional: bool,
    /// `optional(T, default)`'s default, converted to `T` when applied.
    default: Option<Value>,
}

impl Type {
    /// Parse a `type = ...` expression. `None` for something that is not a type constraint
    /// (Terraform rejects it; we then leave the value as it is).
    pub(crate) fn parse(expr: &Expression) -> Option<Type> {
        match expr {
            Expression::Variable(name) => match name.as_str() {
                "any" => Some(Type::Any),
                "string" => Some(Type::String),
                "number" => Some(Type::Number),
                "bool" => Some(Type::Bool),
                _ => None,
            },
            Expression::Parenthesis(inner) => Type::parse(inner.inner()),
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                match (call.name.name.as_str(), args.as_slice()) {
                    ("list", [t]) => Some(Type::List(Box::new(Type::parse(t)?))),
                    ("set", [t]) => Some(Type::Set(Box::new(Type::parse(t)?))),
                    ("map", [t]) => Some(Type::Map(Box::new(Type::parse(t)?))),
                    ("tuple", [Expression::Array(items)]) => {
                        items.iter().map(Type::parse).collect::<Option<Vec<_>>>().map(Type::Tuple)
                    }
                    ("object", [Expression::Object(attrs)]) => {
                        let mut out = BTreeMap::new();
                        for (key, value) in attrs.iter() {
                            let name = match key {
                                ObjectKey::Ident(ident) => ident.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                                ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                                ObjectKey::Expression(_) => return None,
                            };
                            out.insert(name, Attribute::parse(value.expr())?);
                        }
                        Some(Type::Object(out))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Attribute {
    fn parse(expr: &Expression) -> Option<Attribute> {
        if let Expression::FuncCall(call) = expr {
            if call.name.name.as_str() == "optional" {
                let args: Vec<&Expression> = call.args.iter().collect();
                let (ty, default) = match args.as_slice() {
                    [t] => (Type::parse(t)?, None),
                    // A default is a constant expression; one we cannot evaluate is unknown.
                    [t, d] => (
                        Type::parse(t)?,
                        Some(Scope::empty().eval(d, &mut Env::default()).unwrap_or(Value::Unknown)),
                    ),
                    _ => return None,
                };
                return Some(Attribute { ty, optional: true, default });
            }
        }
        Some(Attribute { ty: Type::parse(expr)?, optional: false, default: None })
    }
}

/// Convert a value to a type constraint as Terraform does for variable values.
pub(crate) fn convert(value: Value, ty: &Type) -> Result<Value, EvalError> {
    match (value, ty) {
        (Value::Unknown, _) => Ok(Value::Unknown),
        (v, Type::Any) => Ok(v),
        (Value::Null, _) => Ok(Value::Null),
        (v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)), Type::String) => {
            Ok(Value::String(v.to_text()?))
        }
        (v @ (Value::String(_) | Value::Number(_)), Type::Number) => Ok(Value::Number(v.to_number()?)),
        (v @ (Value::String(_) | Value::Bool(_)), Type::Bool) => Ok(Value::Bool(v.to_bool()?)),
        (Value::List(items), Type::List(t) | Type::Set(t)) => {
            let mut out = items.into_iter().map(|v| convert(v, t)).collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::Set(_)) {
                if out.iter().any(|v| !v.is_wholly_known()) {
                    // Duplicates cannot be removed before the elements are known.
                    return Ok(Value::Unknown);
                }
                set_of(&mut out)?;
            }
            Ok(Value::List(out))
        }
        (Value::List(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(EvalError::new(format!("a tuple of {} elements is required", types.len())));
            }
            items
                .into_iter()
                .zip(types)
                .map(|(v, t)| convert(v, t))
                .collect::<Result<_, _>>()
                .map(Value::List)
        }
        (Value::Map(m), Type::Map(t)) => {
            let mut entries = BTreeMap::new();
            for (k, v) in m.entries {
                entries.insert(k, convert(v, t)?);
            }
            Ok(Value::Map(Map { entries, complete: m.complete, bound: m.bound }))
        }
        (Value::Map(mut m), Type::Object(attrs)) => {
            // An object has exactly its attributes: extra ones are dropped, so the result is
            // complete even when the input was not.
            let mut entries = BTreeMap::new();
            for (name, attr) in attrs {
                let value = match m.entries.remove(name) {
                    // Not among the known attributes of an incomplete object: may be anything.
                    None if !m.complete => Value::Unknown,
                    Some(Value::Null) | None if attr.optional => match &attr.default {
                        Some(d) => convert(d.clone(), &attr.ty)?,
                        None => Value::Null,
                    },
                    Some(v) => convert(v, &attr.ty)?,
                    None => return Err(EvalError::new(format!("attribute {name:?} is required"))),
                };
                entries.insert(name.clone(), value);
            }
            Ok(Value::Map(Map::known(entries)))
        }
        (v, ty) => {
            Err(EvalError::new(format!("a {} value cannot be converted to {}", v.type_name(), ty.name())))
        }
    }
}

impl Type {
    fn name(&self) -> &'static str {
        match self {
            Type::Any => "any",
            Type::String => "string",
            Type::Number => "number",
            Type::Bool => "bool",
            Type::List(_) => "list",
            Type::Set(_) => "set",
            Type::Map(_) => "map",
            Type::Tuple(_) => "tuple",
            Type::Object(_) => "object",
        }
    }
}

#[cfg(test)]
mod tests {
    use hcl_edit::parser::parse_expr;

    use super::*;

    fn ty(s: &str) -> Type {
        Type::parse(&parse_expr(s).expect("type parses")).expect("is a type")
    }

    fn val(s: &str) -> Value {
        Scope::empty()
            .eval(&parse_expr(s).expect("value parses"), &mut Env::default())
            .expect("value evaluates")
    }

    #[test]
    fn optional_attributes_take_their_defaults() {
        // Issue 14: `each.value.tags` with an omitted optional attribute is its default.
        let t = ty(
            r#"map(object({ name = string, tags = optional(map(string), {}), env = optional(string, "dev"), n = optional(number) }))"#,
        );
        let v = convert(
            val(r#"{ a = { name = "x" }, b = { name = "y", tags = { Owner = "me" }, env = null } }"#),
            &t,
        );
        assert_eq!(
            v,
            Ok(val(
                r#"{ a = { name = "x", tags = {}, env = "dev", n = null }, b = { name = "y", tags = { Owner = "me" }, env = "dev", n = null } }"#
            ))
        );
    }

    #[test]
    fn primitives_convert_and_missing_required_attributes_fail() {
        assert_eq!(convert(val("5"), &ty("string")), Ok(Value::string("5")));
        assert_eq!(convert(val(r#""5""#), &ty("number")), Ok(Value::Number(5.0)));
        assert_eq!(convert(val(r#"["b", "a", "b"]"#), &ty("set(string)")), Ok(val(r#"["a", "b"]"#)));
        assert_eq!(convert(val(r#"{ a = 1 }"#), &ty("map(string)")), Ok(val(r#"{ a = "1" }"#)));
        assert!(convert(val("{}"), &ty("object({ a = string })")).is_err());
        assert!(convert(val("[1]"), &ty("string")).is_err());
        assert_eq!(
            convert(val(r#"{ a = 1, extra = 2 }"#), &ty("object({ a = string })")),
            Ok(val(r#"{ a = "1" }"#))
        );
        assert_eq!(convert(val("[[1], [2]]"), &ty("list(list(string))")), Ok(val(r#"[["1"], ["2"]]"#)));
    }

    #[test]
    fn unknowns_stay_unknown_and_incomplete_objects_keep_their_attributes() {
        assert_eq!(convert(Value::Unknown, &ty("map(string)")), Ok(Value::Unknown));
        let incomplete = Value::Map(Map { entries: BTreeMap::new(), complete: false, bound: None });
        let v = convert(incomplete, &ty(r#"object({ a = string, b = optional(string, "x") })"#));
        assert_eq!(
            v,
            Ok(Value::Map(Map::known(BTreeMap::from([
                ("a".into(), Value::Unknown),
                ("b".into(), Value::Unknown)
            ]))))
        );
    }

    #[test]
    fn not_a_type_is_none() {
        assert_eq!(Type::parse(&parse_expr(r#""string""#).expect("parses")), None);
        assert_eq!(ty("list(any)"), Type::List(Box::new(Type::Any)));
    }
}
