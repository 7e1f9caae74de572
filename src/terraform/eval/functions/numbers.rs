//! Numeric functions: `abs`, `ceil`, `floor`, `log`, `max`, `min`, `parseint`, `pow`, `signum`.
//!
//! Terraform computes with 512-bit floats; we use `f64` (see [`super::super::Value::Number`]):
//! integers are exact to 2^53, other results agree to 15 significant digits.

use super::{arity, number, EvalError, EvalResult, Value};

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "abs" | "ceil" | "floor" | "signum" => one(name, args, |n| match name {
            "abs" => n.abs(),
            "ceil" => n.ceil(),
            "floor" => n.floor(),
            _ if n == 0.0 => 0.0,
            _ => n.signum(),
        }),
        "log" => (|| {
            arity(name, args, 2, 2)?;
            let (n, base) = (number(name, &args[0])?, number(name, &args[1])?);
            Ok(Value::Number(n.ln() / base.ln()))
        })(),
        "pow" => (|| {
            arity(name, args, 2, 2)?;
            Ok(Value::Number(number(name, &args[0])?.powf(number(name, &args[1])?)))
        })(),
        "max" | "min" => (|| {
            if args.is_empty() {
                return Err(EvalError::new(format!("{name}: must pass at least one number")));
            }
            let mut best = number(name, &args[0])?;
            for a in &args[1..] {
                let n = number(name, a)?;
                best = if name == "max" { best.max(n) } else { best.min(n) };
            }
            Ok(Value::Number(best))
        })(),
        "parseint" => parseint(args),
        _ => return None,
    };
    Some(result)
}

fn one(name: &str, args: &[Value], f: impl Fn(f64) -> f64) -> EvalResult {
    arity(name, args, 1, 1)?;
    Ok(Value::Number(f(number(name, &args[0])?)))
}

/// `parseint(string, base)`: bases 2 to 62, digits `0-9a-zA-Z` (case-insensitive up to 36).
fn parseint(args: &[Value]) -> EvalResult {
    arity("parseint", args, 2, 2)?;
    let Value::String(s) = &args[0] else {
        return Err(EvalError::new("parseint: a string is required"));
    };
    let base = number("parseint", &args[1])?;
    if base.fract() != 0.0 || !(2.0..=62.0).contains(&base) {
        return Err(EvalError::new("parseint: base must be a whole number between 2 and 62 inclusive"));
    }
    let base = base as u32;
    let bad = || EvalError::new(format!("parseint: cannot parse {s:?} as a base {base} integer"));
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut value = 0f64;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return Err(bad()),
        };
        if d >= base {
            return Err(bad());
        }
        value = value * f64::from(base) + f64::from(d);
    }
    Ok(Value::Number(if negative { -value } else { value }))
}
