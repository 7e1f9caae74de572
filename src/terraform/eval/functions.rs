//! The Terraform functions tag code uses, with Terraform's semantics (golden values checked
//! against `terraform console` 1.11 in the tests).
//!
//! Any function not listed in [`Scope::call`] evaluates to unknown, never to an error: we only
//! claim failure where Terraform fails. `try` and `can` are lazy: their arguments are evaluated
//! one at a time, and an evaluation error is what they catch.

use std::collections::BTreeMap;

use hcl_edit::expr::FuncCall;

use super::{format_number, Env, EvalError, EvalResult, Map, Scope, Value};

/// Widths beyond this in `format` verbs give unknown rather than a huge string.
const MAX_FORMAT_WIDTH: usize = 1024;

impl Scope<'_> {
    pub(super) fn call(&self, call: &FuncCall, env: &mut Env) -> EvalResult {
        if call.name.is_namespaced() {
            return Ok(Value::Unknown);
        }
        let name = call.name.name.as_str();
        match name {
            "try" => {
                for arg in call.args.iter() {
                    if let Ok(v) = self.eval(arg, env) {
                        return Ok(if v.is_wholly_known() { v } else { Value::Unknown });
                    }
                }
                Err(EvalError::new("try: no expression succeeded"))
            }
            "can" => {
                let Some(arg) = call.args.iter().next() else {
                    return Err(EvalError::new("can: one argument required"));
                };
                match self.eval(arg, env) {
                    Ok(v) if v.is_wholly_known() => Ok(Value::Bool(true)),
                    Ok(_) => Ok(Value::Unknown),
                    Err(_) => Ok(Value::Bool(false)),
                }
            }
            _ => {
                let mut args = Vec::with_capacity(call.args.len());
                for arg in call.args.iter() {
                    args.push(self.eval(arg, env)?);
                }
                if call.args.expand_final() {
                    match args.pop() {
                        Some(Value::List(items)) => args.extend(items),
                        Some(Value::Unknown) => return Ok(Value::Unknown),
                        _ => {
                            return Err(EvalError::new(format!(
                                "{name}: the final argument to expand must be a list"
                            )))
                        }
                    }
                }
                apply(name, args)
            }
        }
    }
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        return Err(EvalError::new(format!("{name}: wrong number of arguments ({})", args.len())));
    }
    Ok(())
}

fn str_arg(name: &str, v: &Value) -> Result<String, EvalError> {
    v.to_text().map_err(|e| EvalError::new(format!("{name}: {e}")))
}

/// Functions whose result is unknown as soon as any argument is (at the top level).
fn apply(name: &str, args: Vec<Value>) -> EvalResult {
    match name {
        "merge" => return merge(args),
        "coalesce" => return coalesce(args),
        "lookup" => return lookup(args),
        "concat" => return concat(args),
        "tomap" => return tomap(args),
        "length" => return length(args),
        "keys" | "values" => return keys_values(name, args),
        "contains" => return contains(args),
        _ => {}
    }
    if args.iter().any(|a| !a.is_wholly_known()) {
        return Ok(Value::Unknown);
    }
    match name {
        "lower" | "upper" | "trimspace" | "tostring" => {
            arity(name, &args, 1, 1)?;
            if name == "tostring" && args[0] == Value::Null {
                return Ok(Value::Null);
            }
            let s = str_arg(name, &args[0])?;
            Ok(Value::String(match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "trimspace" => s.trim().to_string(),
                _ => s,
            }))
        }
        "tonumber" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Null => Ok(Value::Null),
                v => Ok(Value::Number(v.to_number()?)),
            }
        }
        "tobool" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Null => Ok(Value::Null),
                v => Ok(Value::Bool(v.to_bool()?)),
            }
        }
        "replace" => {
            arity(name, &args, 3, 3)?;
            let (s, search, with) =
                (str_arg(name, &args[0])?, str_arg(name, &args[1])?, str_arg(name, &args[2])?);
            if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
                // Regular-expression form: not implemented, so not known.
                return Ok(Value::Unknown);
            }
            Ok(Value::String(s.replace(&search, &with)))
        }
        "join" => {
            if args.len() < 2 {
                return Err(EvalError::new("join: at least two arguments required"));
            }
            let sep = str_arg(name, &args[0])?;
            let mut parts = Vec::new();
            for list in &args[1..] {
                let Value::List(items) = list else {
                    return Err(EvalError::new(format!("join: list required, got {}", list.type_name())));
                };
                for item in items {
                    if *item == Value::Null {
                        return Err(EvalError::new("join: element is null"));
                    }
                    parts.push(str_arg(name, item)?);
                }
            }
            Ok(Value::String(parts.join(&sep)))
        }
        "format" => format(args),
        "tolist" | "toset" => {
            arity(name, &args, 1, 1)?;
            match args.into_iter().next() {
                Some(Value::List(mut items)) => {
                    if name == "toset" {
                        set_of(&mut items)?;
                    }
                    Ok(Value::List(items))
                }
                Some(Value::Null) => Ok(Value::Null),
                Some(other) => {
                    Err(EvalError::new(format!("{name}: list required, got {}", other.type_name())))
                }
                None => Ok(Value::Unknown),
            }
        }
        "compact" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::List(items) => Ok(Value::List(
                    items
                        .iter()
                        .filter(|v| !matches!(v, Value::Null) && **v != Value::string(""))
                        .cloned()
                        .collect(),
                )),
                other => Err(EvalError::new(format!("compact: list required, got {}", other.type_name()))),
            }
        }
        "element" => {
            arity(name, &args, 2, 2)?;
            let Value::List(items) = &args[0] else {
                return Err(EvalError::new("element: list required"));
            };
            let i = args[1].to_number()?;
            if items.is_empty() || i < 0.0 || i.fract() != 0.0 {
                return Err(EvalError::new("element: invalid index or empty list"));
            }
            Ok(items[(i as usize) % items.len()].clone())
        }
        "split" => {
            arity(name, &args, 2, 2)?;
            let (sep, s) = (str_arg(name, &args[0])?, str_arg(name, &args[1])?);
            Ok(Value::List(s.split(sep.as_str()).map(Value::string).collect()))
        }
        "substr" => {
            arity(name, &args, 3, 3)?;
            let s = str_arg(name, &args[0])?;
            let chars: Vec<char> = s.chars().collect();
            let (offset, len) = (args[1].to_number()?, args[2].to_number()?);
            let start = if offset < 0.0 { chars.len() as f64 + offset } else { offset };
            if start < 0.0 || start > chars.len() as f64 {
                return Err(EvalError::new("substr: offset out of range"));
            }
            let start = start as usize;
            let end =
                if len < 0.0 { chars.len() } else { start.saturating_add(len as usize).min(chars.len()) };
            Ok(Value::String(chars[start..end].iter().collect()))
        }
        "zipmap" => {
            arity(name, &args, 2, 2)?;
            let (Value::List(ks), Value::List(vs)) = (&args[0], &args[1]) else {
                return Err(EvalError::new("zipmap: two lists required"));
            };
            if ks.len() != vs.len() {
                return Err(EvalError::new("zipmap: lists must have the same length"));
            }
            let mut entries = BTreeMap::new();
            for (k, v) in ks.iter().zip(vs) {
                entries.insert(str_arg(name, k)?, v.clone());
            }
            Ok(Value::Map(Map::known(entries)))
        }
        _ => Ok(Value::Unknown),
    }
}

/// Terraform sets of primitives are sorted and without duplicates.
fn set_of(items: &mut Vec<Value>) -> Result<(), EvalError> {
    if items.iter().all(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))) {
        let mut texts = Vec::with_capacity(items.len());
        for v in items.iter() {
            texts.push(v.to_text()?);
        }
        let all_strings = items.iter().all(|v| matches!(v, Value::String(_)));
        if all_strings {
            texts.sort();
            texts.dedup();
            *items = texts.into_iter().map(Value::String).collect();
        } else {
            items.dedup();
        }
    }
    Ok(())
}

fn merge(args: Vec<Value>) -> EvalResult {
    let mut out = Map::known(BTreeMap::new());
    for arg in args {
        match arg {
            Value::Null => {}
            Value::Unknown => {
                mark_overridable(&mut out);
            }
            Value::Map(m) => {
                if !m.complete {
                    mark_overridable(&mut out);
                }
                out.entries.extend(m.entries);
            }
            other => {
                return Err(EvalError::new(format!(
                    "merge: arguments must be maps or objects, got {}",
                    other.type_name()
                )))
            }
        }
    }
    Ok(Value::Map(out))
}

/// An unknown map merged over `out` may override any of its values and add keys.
fn mark_overridable(out: &mut Map) {
    for v in out.entries.values_mut() {
        *v = Value::Unknown;
    }
    out.complete = false;
}

fn coalesce(args: Vec<Value>) -> EvalResult {
    let any_string = args.iter().any(|a| matches!(a, Value::String(_)));
    for arg in args {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            Value::Number(_) | Value::Bool(_) if any_string => return Ok(Value::String(arg.to_text()?)),
            v => return Ok(v),
        }
    }
    Err(EvalError::new("coalesce: no non-null, non-empty-string arguments"))
}

fn lookup(args: Vec<Value>) -> EvalResult {
    arity("lookup", &args, 2, 3)?;
    let mut args = args.into_iter();
    let (Some(map), Some(key), default) = (args.next(), args.next(), args.next()) else {
        return Err(EvalError::new("lookup: two or three arguments required"));
    };
    let key = match key {
        Value::Unknown => return Ok(Value::Unknown),
        k => k.to_text()?,
    };
    match map {
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(mut m) => match m.entries.remove(&key) {
            Some(v) => Ok(v),
            None if !m.complete => Ok(Value::Unknown),
            None => default.ok_or_else(|| EvalError::new(format!("lookup: the map has no key {key:?}"))),
        },
        other => Err(EvalError::new(format!("lookup: map required, got {}", other.type_name()))),
    }
}

fn concat(args: Vec<Value>) -> EvalResult {
    let mut out = Vec::new();
    for arg in args {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(items) => out.extend(items),
            other => {
                return Err(EvalError::new(format!(
                    "concat: all arguments must be lists or tuples, got {}",
                    other.type_name()
                )))
            }
        }
    }
    Ok(Value::List(out))
}

fn tomap(args: Vec<Value>) -> EvalResult {
    arity("tomap", &args, 1, 1)?;
    match args.into_iter().next() {
        Some(Value::Map(mut m)) => {
            // A map has one element type: mixed primitives unify to string.
            let has_string = m.entries.values().any(|v| matches!(v, Value::String(_)));
            if has_string {
                for v in m.entries.values_mut() {
                    if matches!(v, Value::Number(_) | Value::Bool(_)) {
                        *v = Value::String(v.to_text()?);
                    }
                }
            }
            Ok(Value::Map(m))
        }
        Some(Value::Null) => Ok(Value::Null),
        Some(Value::Unknown) | None => Ok(Value::Unknown),
        Some(other) => Err(EvalError::new(format!("tomap: map required, got {}", other.type_name()))),
    }
}

fn length(args: Vec<Value>) -> EvalResult {
    arity("length", &args, 1, 1)?;
    match &args[0] {
        Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
        Value::List(items) => Ok(Value::Number(items.len() as f64)),
        Value::Map(m) if m.complete => Ok(Value::Number(m.entries.len() as f64)),
        Value::Map(_) | Value::Unknown => Ok(Value::Unknown),
        Value::Null => Err(EvalError::new("length: argument must not be null")),
        other => {
            Err(EvalError::new(format!("length: collection or string required, got {}", other.type_name())))
        }
    }
}

fn keys_values(name: &str, args: Vec<Value>) -> EvalResult {
    arity(name, &args, 1, 1)?;
    match args.into_iter().next() {
        Some(Value::Map(m)) if m.complete => Ok(Value::List(if name == "keys" {
            m.entries.into_keys().map(Value::String).collect()
        } else {
            m.entries.into_values().collect()
        })),
        Some(Value::Map(_)) | Some(Value::Unknown) | None => Ok(Value::Unknown),
        Some(other) => {
            Err(EvalError::new(format!("{name}: map or object required, got {}", other.type_name())))
        }
    }
}

fn contains(args: Vec<Value>) -> EvalResult {
    arity("contains", &args, 2, 2)?;
    let (list, wanted) = (&args[0], &args[1]);
    if !wanted.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let items = match list {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => items,
        other => return Err(EvalError::new(format!("contains: list required, got {}", other.type_name()))),
    };
    let mut unsure = false;
    for item in items {
        if !item.is_wholly_known() {
            unsure = true;
        } else if same_after_conversion(item, wanted) {
            return Ok(Value::Bool(true));
        }
    }
    Ok(if unsure { Value::Unknown } else { Value::Bool(false) })
}

/// Equality after converting the wanted value to the element's primitive type.
fn same_after_conversion(item: &Value, wanted: &Value) -> bool {
    match (item, wanted) {
        (Value::String(a), b @ (Value::Number(_) | Value::Bool(_))) => b.to_text().is_ok_and(|b| *a == b),
        _ => item == wanted,
    }
}

/// `format` with the verbs tag code uses: `%s`, `%d`, `%v`, `%q`, `%t`, `%%`, with an optional
/// width (`-` to pad on the right). Other verbs or flags: unknown (not implemented).
fn format(args: Vec<Value>) -> EvalResult {
    let Some((spec, rest)) = args.split_first() else {
        return Err(EvalError::new("format: a format string is required"));
    };
    let spec = str_arg("format", spec)?;
    let mut out = String::new();
    let mut next = 0;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut width = String::new();
        while let Some(&f) = chars.peek() {
            if f == '-' && width.is_empty() && !left {
                left = true;
            } else if f.is_ascii_digit() {
                width.push(f);
            } else {
                break;
            }
            chars.next();
        }
        let Some(verb) = chars.next() else {
            return Err(EvalError::new("format: unterminated format verb"));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = rest.get(next) else {
            return Err(EvalError::new(format!("format: too few arguments for the verb %{verb}")));
        };
        next += 1;
        let text = match verb {
            's' | 'v' => match arg {
                Value::Map(_) | Value::List(_) => return Ok(Value::Unknown),
                Value::Null if verb == 's' => return Err(EvalError::new("format: null value for %s")),
                Value::Null => "null".to_string(),
                v => v.to_text()?,
            },
            'd' => {
                let n = arg.to_number()?;
                if n.fract() != 0.0 {
                    return Err(EvalError::new(format!(
                        "format: unsupported value for \"%d\" at {}: an integer is required",
                        next - 1
                    )));
                }
                format_number(n)
            }
            'q' => format!("{:?}", str_arg("format", arg)?),
            't' => arg.to_bool()?.to_string(),
            _ => return Ok(Value::Unknown),
        };
        let width = if width.is_empty() { Some(0) } else { width.parse::<usize>().ok() };
        let Some(width) = width.filter(|w| *w <= MAX_FORMAT_WIDTH) else {
            // Not worth allocating; no tag is this long.
            return Ok(Value::Unknown);
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.push_str(&" ".repeat(pad));
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
    }
    Ok(Value::String(out))
}
