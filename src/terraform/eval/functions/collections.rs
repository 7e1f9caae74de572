//! Collection functions: lists, sets and maps. The first group (public to the dispatcher) sees
//! unknown arguments and keeps what Terraform keeps known; [`apply`] runs on wholly known
//! arguments only.

use std::collections::BTreeMap;

use super::super::{format_number, Map};
use super::{arity, integer, list, number, set_of, text, unify_primitives, EvalError, EvalResult, Value};

/// More elements than this from `range` is an error in Terraform too.
const MAX_RANGE: usize = 1024;

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "toset" => (|| {
            arity(name, args, 1, 1)?;
            match &args[0] {
                Value::Null => Ok(Value::Null),
                Value::List(items) => {
                    let mut items = items.clone();
                    set_of(&mut items)?;
                    Ok(Value::List(items))
                }
                other => Err(EvalError::new(format!("toset: cannot convert {} to set", other.type_name()))),
            }
        })(),
        "compact" => (|| {
            arity(name, args, 1, 1)?;
            let mut out = Vec::new();
            for item in list(name, &args[0])? {
                match item {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    v => out.push(Value::String(text(name, v)?)),
                }
            }
            Ok(Value::List(out))
        })(),
        "distinct" => (|| {
            arity(name, args, 1, 1)?;
            let mut out: Vec<Value> = Vec::new();
            for item in list(name, &args[0])? {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Ok(Value::List(out))
        })(),
        "flatten" => (|| {
            arity(name, args, 1, 1)?;
            let mut out = Vec::new();
            flatten(list(name, &args[0])?, &mut out);
            Ok(Value::List(out))
        })(),
        "index" => (|| {
            arity(name, args, 2, 2)?;
            let items = list(name, &args[0])?;
            items
                .iter()
                .position(|v| *v == args[1])
                .map(|i| Value::Number(i as f64))
                .ok_or_else(|| EvalError::new("index: item not found"))
        })(),
        "matchkeys" => (|| {
            arity(name, args, 3, 3)?;
            let (values, keys, search) =
                (list(name, &args[0])?, list(name, &args[1])?, list(name, &args[2])?);
            if values.len() != keys.len() {
                return Err(EvalError::new("matchkeys: length of keys and values should be equal"));
            }
            Ok(Value::List(
                values
                    .iter()
                    .zip(keys)
                    .filter(|(_, k)| search.iter().any(|s| same_after_conversion(k, s)))
                    .map(|(v, _)| v.clone())
                    .collect(),
            ))
        })(),
        "range" => range(args),
        "setintersection" | "setsubtract" | "setunion" => (|| {
            if args.is_empty() {
                return Err(EvalError::new(format!("{name}: at least one argument required")));
            }
            if name == "setsubtract" {
                arity(name, args, 2, 2)?;
            }
            let mut sets = Vec::with_capacity(args.len());
            for a in args {
                let mut items = list(name, a)?.to_vec();
                set_of(&mut items)?;
                sets.push(items);
            }
            let mut out = sets[0].clone();
            for other in &sets[1..] {
                match name {
                    "setintersection" => out.retain(|v| other.contains(v)),
                    "setsubtract" => out.retain(|v| !other.contains(v)),
                    _ => out.extend(other.iter().cloned()),
                }
            }
            set_of(&mut out)?;
            Ok(Value::List(out))
        })(),
        "setproduct" => (|| {
            if args.len() < 2 {
                return Err(EvalError::new("setproduct: at least two arguments are required"));
            }
            let mut out: Vec<Vec<Value>> = vec![Vec::new()];
            for a in args {
                let items = list(name, a)?;
                let mut next = Vec::with_capacity(out.len() * items.len());
                for prefix in &out {
                    for item in items {
                        let mut row = prefix.clone();
                        row.push(item.clone());
                        next.push(row);
                    }
                }
                if next.len() > 100_000 {
                    return Ok(Value::Unknown);
                }
                out = next;
            }
            Ok(Value::List(out.into_iter().map(Value::List).collect()))
        })(),
        "sort" => (|| {
            arity(name, args, 1, 1)?;
            let mut out = Vec::new();
            for item in list(name, &args[0])? {
                if *item == Value::Null {
                    return Err(EvalError::new("sort: given list element must not be null"));
                }
                out.push(text(name, item)?);
            }
            out.sort();
            Ok(Value::List(out.into_iter().map(Value::String).collect()))
        })(),
        "sum" => (|| {
            arity(name, args, 1, 1)?;
            let items = match &args[0] {
                Value::Map(m) => m.entries.values().cloned().collect(),
                other => list(name, other)?.to_vec(),
            };
            if items.is_empty() {
                return Err(EvalError::new("sum: cannot sum an empty list"));
            }
            let mut total = 0.0;
            for item in &items {
                total += number(name, item)?;
            }
            Ok(Value::Number(total))
        })(),
        "transpose" => (|| {
            arity(name, args, 1, 1)?;
            let Value::Map(m) = &args[0] else {
                return Err(EvalError::new("transpose: a map of lists of strings is required"));
            };
            let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (k, v) in &m.entries {
                for item in list(name, v)? {
                    out.entry(text(name, item)?).or_default().push(Value::String(k.clone()));
                }
            }
            Ok(Value::Map(Map::known(out.into_iter().map(|(k, v)| (k, Value::List(v))).collect())))
        })(),
        "chunklist" => (|| {
            arity(name, args, 2, 2)?;
            let items = list(name, &args[0])?;
            let size = integer(name, &args[1])?;
            if size < 0 {
                return Err(EvalError::new("chunklist: the size argument must be positive"));
            }
            if size == 0 {
                return Ok(Value::List(vec![Value::List(items.to_vec())]));
            }
            Ok(Value::List(items.chunks(size as usize).map(|c| Value::List(c.to_vec())).collect()))
        })(),
        _ => return None,
    };
    Some(result)
}

fn flatten(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::List(inner) => flatten(inner, out),
            other => out.push(other.clone()),
        }
    }
}

fn range(args: &[Value]) -> EvalResult {
    arity("range", args, 1, 3)?;
    let nums: Vec<f64> = args.iter().map(|a| number("range", a)).collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [limit] => (0.0, *limit, 1.0),
        [start, limit] => (*start, *limit, if start > limit { -1.0 } else { 1.0 }),
        [start, limit, step] => (*start, *limit, *step),
        _ => unreachable!("arity checked"),
    };
    if step == 0.0 {
        return Err(EvalError::new("range: step must not be zero"));
    }
    if (step > 0.0 && start > limit) || (step < 0.0 && start < limit) {
        return Err(EvalError::new(format!(
            "range: step must be {} for a range from {} to {}",
            if step > 0.0 { "negative" } else { "positive" },
            format_number(start),
            format_number(limit)
        )));
    }
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0.0 && v < limit) || (step < 0.0 && v > limit) {
        if out.len() >= MAX_RANGE {
            return Err(EvalError::new("range: more than 1024 values were generated"));
        }
        out.push(Value::Number(v));
        v += step;
    }
    Ok(Value::List(out))
}

pub(super) fn merge(args: Vec<Value>) -> EvalResult {
    let mut out = Map::known(BTreeMap::new());
    for arg in args {
        match arg {
            Value::Null => {}
            Value::Unknown => {
                out.entries.values_mut().for_each(|v| *v = Value::Unknown);
                out.open();
            }
            Value::Map(m) => {
                if !m.complete {
                    mark_overridable(&mut out, &m);
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

/// An incomplete map merged over `out` may override the values of the keys it may hold, and add
/// those keys.
fn mark_overridable(out: &mut Map, over: &Map) {
    for (k, v) in out.entries.iter_mut() {
        if over.may_hold(k) {
            *v = Value::Unknown;
        }
    }
    out.widen_by(over);
}

pub(super) fn coalesce(args: Vec<Value>) -> EvalResult {
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

pub(super) fn coalescelist(args: Vec<Value>) -> EvalResult {
    if args.is_empty() {
        return Err(EvalError::new("coalescelist: at least one argument is required"));
    }
    for arg in args {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::List(items) if items.is_empty() => {}
            Value::List(items) => return Ok(Value::List(items)),
            other => {
                return Err(EvalError::new(format!("coalescelist: list required, got {}", other.type_name())))
            }
        }
    }
    Err(EvalError::new("coalescelist: no non-null arguments"))
}

pub(super) fn lookup(args: Vec<Value>) -> EvalResult {
    arity("lookup", &args, 2, 3)?;
    let mut args = args.into_iter();
    let (Some(map), Some(key), default) = (args.next(), args.next(), args.next()) else {
        return Err(EvalError::new("lookup: two or three arguments required"));
    };
    let key = match key {
        // Whatever the key turns out to be, the result is one of the map's values or the
        // default: keep what they all agree on, as for a conditional with an unknown condition
        // (`lookup(var.tags_per_az, var.az, {})` with no tags per zone is `{}`; Terraform
        // itself says unknown until it knows the key).
        Value::Unknown => {
            return Ok(match map {
                Value::Map(m) if m.complete => m
                    .entries
                    .into_values()
                    .chain(default)
                    .reduce(super::super::ops::join)
                    .unwrap_or(Value::Unknown),
                _ => Value::Unknown,
            })
        }
        k => text("lookup", &k)?,
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

pub(super) fn concat(args: Vec<Value>) -> EvalResult {
    if args.is_empty() {
        return Err(EvalError::new("concat: at least one argument is required"));
    }
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

pub(super) fn tomap(args: Vec<Value>) -> EvalResult {
    arity("tomap", &args, 1, 1)?;
    match args.into_iter().next() {
        Some(Value::Map(mut m)) => {
            unify_primitives(m.entries.values_mut())?;
            Ok(Value::Map(m))
        }
        Some(Value::Null) => Ok(Value::Null),
        Some(Value::Unknown) | None => Ok(Value::Unknown),
        Some(other) => Err(EvalError::new(format!("tomap: cannot convert {} to map", other.type_name()))),
    }
}

pub(super) fn tolist(args: Vec<Value>) -> EvalResult {
    arity("tolist", &args, 1, 1)?;
    match args.into_iter().next() {
        Some(Value::List(mut items)) => {
            unify_primitives(items.iter_mut())?;
            Ok(Value::List(items))
        }
        Some(Value::Null) => Ok(Value::Null),
        Some(Value::Unknown) | None => Ok(Value::Unknown),
        Some(other) => Err(EvalError::new(format!("tolist: cannot convert {} to list", other.type_name()))),
    }
}

pub(super) fn length(args: Vec<Value>) -> EvalResult {
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

pub(super) fn keys_values(name: &str, args: Vec<Value>) -> EvalResult {
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

pub(super) fn contains(args: Vec<Value>) -> EvalResult {
    arity("contains", &args, 2, 2)?;
    let (collection, wanted) = (&args[0], &args[1]);
    if !wanted.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let items = match collection {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => items,
        other => return Err(EvalError::new(format!("contains: list required, got {}", other.type_name()))),
    };
    let mut unsure = false;
    for item in items {
        if !item.is_wholly_known() {
            unsure = true;
        } else if item == wanted {
            // No conversion: `contains(["1"], 1)` is false in Terraform.
            return Ok(Value::Bool(true));
        }
    }
    Ok(if unsure { Value::Unknown } else { Value::Bool(false) })
}

/// `alltrue`/`anytrue`: a known deciding element decides even next to unknown ones.
pub(super) fn all_any(name: &str, args: Vec<Value>) -> EvalResult {
    arity(name, &args, 1, 1)?;
    let items = match &args[0] {
        Value::Unknown => return Ok(Value::Unknown),
        other => list(name, other)?,
    };
    let deciding = name == "anytrue";
    let mut unsure = false;
    for item in items {
        match item {
            Value::Unknown => unsure = true,
            Value::Null if deciding => {}
            Value::Null => return Err(EvalError::new("alltrue: element must not be null")),
            v => {
                if v.to_bool()? == deciding {
                    return Ok(Value::Bool(deciding));
                }
            }
        }
    }
    Ok(if unsure { Value::Unknown } else { Value::Bool(!deciding) })
}

pub(super) fn element(args: Vec<Value>) -> EvalResult {
    arity("element", &args, 2, 2)?;
    let (items, index) = match (&args[0], &args[1]) {
        (Value::Unknown, _) | (_, Value::Unknown) => return Ok(Value::Unknown),
        (l, i) => (list("element", l)?, integer("element", i)?),
    };
    if items.is_empty() {
        return Err(EvalError::new("element: cannot use element function with an empty list"));
    }
    // Terraform wraps negative indexes too: `element(["a", "b"], -1)` is "b".
    let len = items.len() as i64;
    Ok(items[index.rem_euclid(len) as usize].clone())
}

pub(super) fn slice(args: Vec<Value>) -> EvalResult {
    arity("slice", &args, 3, 3)?;
    if args[0] == Value::Unknown && args[1..].iter().all(Value::is_wholly_known) {
        // Whatever the list is, a successful slice has exactly end - start elements: the
        // length is known (`slice(data.aws_availability_zones.x.names, 0, 3)` is 3 AZs).
        let (start, end) = (integer("slice", &args[1])?, integer("slice", &args[2])?);
        if start < 0 || start > end || end - start > 1024 {
            return Err(EvalError::new(format!("slice: invalid range {start}..{end}")));
        }
        return Ok(Value::List(vec![Value::Unknown; (end - start) as usize]));
    }
    if args.contains(&Value::Unknown) {
        return Ok(Value::Unknown);
    }
    let items = list("slice", &args[0])?;
    let (start, end) = (integer("slice", &args[1])?, integer("slice", &args[2])?);
    if start < 0 || end > items.len() as i64 || start > end {
        return Err(EvalError::new(format!(
            "slice: invalid range {start}..{end} for a list of {} elements",
            items.len()
        )));
    }
    Ok(Value::List(items[start as usize..end as usize].to_vec()))
}

pub(super) fn reverse(args: Vec<Value>) -> EvalResult {
    arity("reverse", &args, 1, 1)?;
    match args.into_iter().next() {
        Some(Value::Unknown) | None => Ok(Value::Unknown),
        Some(Value::List(mut items)) => {
            items.reverse();
            Ok(Value::List(items))
        }
        Some(other) => Err(EvalError::new(format!("reverse: list required, got {}", other.type_name()))),
    }
}

pub(super) fn one(args: Vec<Value>) -> EvalResult {
    arity("one", &args, 1, 1)?;
    match args.into_iter().next() {
        Some(Value::Unknown) | None => Ok(Value::Unknown),
        Some(Value::Null) => Err(EvalError::new("one: argument must not be null")),
        Some(Value::List(items)) => match items.len() {
            0 => Ok(Value::Null),
            1 => Ok(items.into_iter().next().unwrap_or(Value::Null)),
            n => Err(EvalError::new(format!(
                "one: must be a list, set, or tuple value with either zero or one elements, has {n}"
            ))),
        },
        Some(other) => Err(EvalError::new(format!("one: list required, got {}", other.type_name()))),
    }
}

pub(super) fn zipmap(args: Vec<Value>) -> EvalResult {
    arity("zipmap", &args, 2, 2)?;
    let (ks, vs) = match (&args[0], &args[1]) {
        (Value::Unknown, _) | (_, Value::Unknown) => return Ok(Value::Unknown),
        (k, v) => (list("zipmap", k)?, list("zipmap", v)?),
    };
    if ks.len() != vs.len() {
        return Err(EvalError::new(format!(
            "zipmap: number of keys ({}) does not match number of values ({})",
            ks.len(),
            vs.len()
        )));
    }
    let mut map = Map::known(BTreeMap::new());
    for (k, v) in ks.iter().zip(vs) {
        match k {
            Value::Unknown => map.complete = false,
            k => {
                map.entries.insert(text("zipmap", k)?, v.clone());
            }
        }
    }
    Ok(Value::Map(map))
}

/// Equality after converting the wanted value to the element's primitive type.
fn same_after_conversion(item: &Value, wanted: &Value) -> bool {
    match (item, wanted) {
        (Value::String(a), b @ (Value::Number(_) | Value::Bool(_))) => b.to_text().is_ok_and(|b| *a == b),
        (Value::Number(a), Value::String(b)) => b.parse::<f64>().is_ok_and(|b| *a == b),
        _ => item == wanted,
    }
}
