//! String functions: case, trimming, searching, splitting, regular expressions (Go's RE2
//! syntax, which the `regex` crate shares), `format` and `formatlist` (Go's `fmt` verbs as
//! Terraform documents them).
//!
//! Terraform counts and slices strings by grapheme cluster; we count `char`s, which is the same
//! for every string without combining marks or emoji sequences.

use std::collections::BTreeMap;

use regex::Regex;

use super::super::{format_number, Map};
use super::encoding::json_text;
use super::{arity, integer, list, number, text, EvalError, EvalResult, Value};

/// Widths and precisions beyond this in `format` verbs are refused rather than allocated.
const MAX_FORMAT_WIDTH: usize = 4096;
/// Results that would grow beyond this (`indent` of many lines, `replace` of the empty string)
/// are unknown rather than allocated: no tag is this long and a hostile file must not exhaust
/// memory.
const MAX_RESULT_BYTES: usize = 16 << 20;

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "lower" | "upper" | "trimspace" | "chomp" | "strrev" | "title" => (|| {
            arity(name, args, 1, 1)?;
            let s = text(name, &args[0])?;
            Ok(Value::String(match name {
                "lower" => s.to_lowercase(),
                "upper" => s.to_uppercase(),
                "trimspace" => s.trim().to_string(),
                "chomp" => s.trim_end_matches(['\n', '\r']).to_string(),
                "strrev" => s.chars().rev().collect(),
                _ => title(&s),
            }))
        })(),
        "basename" | "dirname" => (|| {
            arity(name, args, 1, 1)?;
            let path = text(name, &args[0])?;
            Ok(Value::String(if name == "basename" { basename(&path) } else { dirname(&path) }))
        })(),
        "startswith" | "endswith" | "strcontains" => (|| {
            arity(name, args, 2, 2)?;
            let (s, part) = (text(name, &args[0])?, text(name, &args[1])?);
            Ok(Value::Bool(match name {
                "startswith" => s.starts_with(&part),
                "endswith" => s.ends_with(&part),
                _ => s.contains(&part),
            }))
        })(),
        "trimprefix" | "trimsuffix" | "trim" => (|| {
            arity(name, args, 2, 2)?;
            let (s, cut) = (text(name, &args[0])?, text(name, &args[1])?);
            Ok(Value::String(match name {
                "trimprefix" => s.strip_prefix(cut.as_str()).unwrap_or(&s).to_string(),
                "trimsuffix" => s.strip_suffix(cut.as_str()).unwrap_or(&s).to_string(),
                _ => {
                    let set: Vec<char> = cut.chars().collect();
                    s.trim_matches(|c| set.contains(&c)).to_string()
                }
            }))
        })(),
        "indent" => (|| {
            arity(name, args, 2, 2)?;
            let n = integer(name, &args[0])?;
            let s = text(name, &args[1])?;
            let pad = " ".repeat(usize::try_from(n).unwrap_or(0).min(MAX_FORMAT_WIDTH));
            let lines = s.matches('\n').count();
            if s.len().saturating_add(lines.saturating_mul(pad.len())) > MAX_RESULT_BYTES {
                return Ok(Value::Unknown);
            }
            Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
        })(),
        "join" => join(args),
        "split" => (|| {
            arity(name, args, 2, 2)?;
            let (sep, s) = (text(name, &args[0])?, text(name, &args[1])?);
            if s.is_empty() {
                return Ok(Value::List(vec![Value::string("")]));
            }
            if sep.is_empty() {
                return Ok(Value::List(s.chars().map(|c| Value::String(c.to_string())).collect()));
            }
            Ok(Value::List(s.split(sep.as_str()).map(Value::string).collect()))
        })(),
        "substr" => substr(args),
        "replace" => replace(args),
        "regex" | "regexall" => regex_fn(name, args),
        "format" => (|| {
            let Some((spec, rest)) = args.split_first() else {
                return Err(EvalError::new("format: a format string is required"));
            };
            Ok(format(&text(name, spec)?, rest)?.map_or(Value::Unknown, Value::String))
        })(),
        "formatlist" => formatlist(args),
        _ => return None,
    };
    Some(result)
}

/// Go's `strings.Title`: the first letter of each word upper-cased; letters, digits and `_` do
/// not separate words.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_is_sep = true;
    for c in s.chars() {
        if prev_is_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_is_sep = !(c.is_alphanumeric() || c == '_');
    }
    out
}

fn join(args: &[Value]) -> EvalResult {
    if args.len() < 2 {
        return Err(EvalError::new("join: at least two arguments required"));
    }
    let sep = text("join", &args[0])?;
    let mut parts = Vec::new();
    for l in &args[1..] {
        for item in list("join", l)? {
            if *item == Value::Null {
                return Err(EvalError::new("join: element is null"));
            }
            parts.push(text("join", item)?);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

fn substr(args: &[Value]) -> EvalResult {
    arity("substr", args, 3, 3)?;
    let s = text("substr", &args[0])?;
    let chars: Vec<char> = s.chars().collect();
    // Out-of-range offsets and lengths clamp to the string, as in Terraform.
    let clamp = |n: f64| n.clamp(-(chars.len() as f64) - 1.0, chars.len() as f64 + 1.0) as i64;
    let (offset, length) = (clamp(number("substr", &args[1])?), clamp(number("substr", &args[2])?));
    let len = chars.len() as i64;
    let start = if offset < 0 { (len + offset).max(0) } else { offset };
    if start > len {
        return Ok(Value::string(""));
    }
    let end = if length < 0 { len } else { start.saturating_add(length).min(len) };
    Ok(Value::String(chars[start as usize..end as usize].iter().collect()))
}

fn replace(args: &[Value]) -> EvalResult {
    arity("replace", args, 3, 3)?;
    let (s, search, with) =
        (text("replace", &args[0])?, text("replace", &args[1])?, text("replace", &args[2])?);
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let re = compile(&search[1..search.len() - 1])?;
        return Ok(Value::String(re.replace_all(&s, with.as_str()).into_owned()));
    }
    if search.is_empty() {
        // Go's strings.Replace with an empty old string inserts between every character.
        if s.chars().count().saturating_add(1).saturating_mul(with.len()) > MAX_RESULT_BYTES {
            return Ok(Value::Unknown);
        }
        let mut out = with.clone();
        for c in s.chars() {
            out.push(c);
            out.push_str(&with);
        }
        return Ok(Value::String(out));
    }
    Ok(Value::String(s.replace(&search, &with)))
}

fn compile(pattern: &str) -> Result<Regex, EvalError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| EvalError::new(format!("invalid regular expression pattern: {e}")))
}

fn regex_fn(name: &str, args: &[Value]) -> EvalResult {
    arity(name, args, 2, 2)?;
    let (pattern, s) = (text(name, &args[0])?, text(name, &args[1])?);
    let re = compile(&pattern)?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    if named > 0 && named != names.len() {
        return Err(EvalError::new(format!("{name}: named and unnamed capture groups cannot be mixed")));
    }
    let one = |caps: regex::Captures<'_>| -> Value {
        // A group that did not take part in the match is null.
        let group = |i: usize| caps.get(i).map_or(Value::Null, |m| Value::string(m.as_str()));
        if names.is_empty() {
            return group(0);
        }
        if named > 0 {
            let entries: BTreeMap<String, Value> = names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.map(|n| (n.to_string(), group(i + 1))))
                .collect();
            return Value::Map(Map::known(entries));
        }
        Value::List((1..=names.len()).map(group).collect())
    };
    if name == "regexall" {
        return Ok(Value::List(re.captures_iter(&s).map(one).collect()));
    }
    match re.captures(&s) {
        Some(caps) => Ok(one(caps)),
        None => Err(EvalError::new("regex: pattern did not match any part of the given string")),
    }
}

fn formatlist(args: &[Value]) -> EvalResult {
    let Some((spec, rest)) = args.split_first() else {
        return Err(EvalError::new("formatlist: a format string is required"));
    };
    let spec = text("formatlist", spec)?;
    let mut n: Option<usize> = None;
    for a in rest {
        if let Value::List(items) = a {
            match n {
                Some(len) if len != items.len() => {
                    return Err(EvalError::new("formatlist: all list arguments must have the same length"))
                }
                _ => n = Some(items.len()),
            }
        }
    }
    let Some(n) = n else {
        return Ok(format(&spec, rest)?.map_or(Value::Unknown, |s| Value::List(vec![Value::String(s)])));
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let row: Vec<Value> = rest
            .iter()
            .map(|a| match a {
                Value::List(items) => items[i].clone(),
                other => other.clone(),
            })
            .collect();
        match format(&spec, &row)? {
            Some(s) => out.push(Value::String(s)),
            None => return Ok(Value::Unknown),
        }
    }
    Ok(Value::List(out))
}

/// One parsed `%` verb.
#[derive(Default)]
struct Verb {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Terraform's `format`: Go `fmt` verbs `%v %#v %t %b %d %o %x %X %e %E %f %g %G %s %q %%`,
/// flags `+ - # 0 space`, width, precision and explicit argument indexes `%[n]d`. `None`: a
/// width or precision too large to be worth rendering (unknown rather than a huge string).
pub(super) fn format(spec: &str, args: &[Value]) -> Result<Option<String>, EvalError> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut reordered = false;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut v = Verb::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => v.minus = true,
                '+' => v.plus = true,
                '#' => v.sharp = true,
                '0' => v.zero = true,
                ' ' => v.space = true,
                _ => break,
            }
            chars.next();
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            let mut digits = String::new();
            while let Some(&d) = chars.peek() {
                chars.next();
                if d == ']' {
                    break;
                }
                digits.push(d);
            }
            let index: usize =
                digits.parse().map_err(|_| EvalError::new("format: invalid explicit argument index"))?;
            if index == 0 || index > args.len() {
                return Err(EvalError::new(format!("format: invalid explicit argument index {index}")));
            }
            next = index - 1;
            reordered = true;
        }
        let Ok(width) = read_number(&mut chars) else { return Ok(None) };
        v.width = width;
        if chars.peek() == Some(&'.') {
            chars.next();
            let Ok(precision) = read_number(&mut chars) else { return Ok(None) };
            v.precision = Some(precision.unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            return Err(EvalError::new("format: unterminated format verb"));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            return Err(EvalError::new(format!("format: not enough arguments for %{verb} at {}", next + 1)));
        };
        next += 1;
        let body = render_verb(verb, &v, arg)?;
        pad(&mut out, &body, &v, matches!(verb, 'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G'));
    }
    if !reordered && next < args.len() {
        return Err(EvalError::new(format!("format: too many arguments; only {next} used by format string")));
    }
    Ok(Some(out))
}

fn read_number(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Option<usize>, EvalError> {
    let mut digits = String::new();
    while let Some(&d) = chars.peek() {
        if !d.is_ascii_digit() {
            break;
        }
        digits.push(d);
        chars.next();
    }
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<usize>() {
        Ok(n) if n <= MAX_FORMAT_WIDTH => Ok(Some(n)),
        _ => Err(EvalError::new("format: width or precision too large")),
    }
}

fn pad(out: &mut String, body: &str, v: &Verb, numeric: bool) {
    let width = v.width.unwrap_or(0);
    let len = body.chars().count();
    if len >= width {
        out.push_str(body);
        return;
    }
    let fill = width - len;
    if v.minus {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if v.zero && numeric {
        // Zeros go after the sign.
        let (sign, digits) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &body[1..]),
            _ => (None, body),
        };
        out.extend(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(body);
    }
}

fn render_verb(verb: char, v: &Verb, arg: &Value) -> Result<String, EvalError> {
    let unsupported = || {
        EvalError::new(format!("format: unsupported value for \"%{verb}\": {} not allowed", arg.type_name()))
    };
    match verb {
        'v' => match arg {
            _ if v.sharp => json_text(arg),
            Value::Null => Ok("null".into()),
            Value::List(_) | Value::Map(_) => json_text(arg),
            other => other.to_text(),
        },
        's' => match arg {
            Value::Null => {
                Err(EvalError::new("format: unsupported value for \"%s\": null value cannot be formatted"))
            }
            Value::List(_) | Value::Map(_) => Err(unsupported()),
            other => {
                let s = other.to_text()?;
                Ok(match v.precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                })
            }
        },
        'q' => match arg {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(go_quote(&arg.to_text()?)),
            _ => Err(unsupported()),
        },
        't' => match arg {
            Value::Bool(_) | Value::String(_) => Ok(arg.to_bool()?.to_string()),
            _ => Err(unsupported()),
        },
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = match arg {
                Value::Number(_) | Value::String(_) => arg.to_number()?,
                _ => return Err(unsupported()),
            };
            if n.fract() != 0.0 || !n.is_finite() {
                return Err(EvalError::new(format!(
                    "format: unsupported value for \"%{verb}\": an integer is required"
                )));
            }
            let magnitude = n.abs();
            let digits = match verb {
                'd' => format_number(magnitude),
                _ if magnitude > u64::MAX as f64 => format_number(magnitude),
                'b' => format!("{:b}", magnitude as u64),
                'o' => format!("{}{:o}", if v.sharp { "0" } else { "" }, magnitude as u64),
                'x' => format!("{}{:x}", if v.sharp { "0x" } else { "" }, magnitude as u64),
                _ => format!("{}{:X}", if v.sharp { "0X" } else { "" }, magnitude as u64),
            };
            Ok(signed(n < 0.0, v, digits))
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = match arg {
                Value::Number(_) | Value::String(_) => arg.to_number()?,
                _ => return Err(unsupported()),
            };
            let body = match verb {
                'f' => format!("{:.*}", v.precision.unwrap_or(6), n.abs()),
                'e' | 'E' => {
                    let s = go_exp(n.abs(), v.precision.unwrap_or(6));
                    if verb == 'E' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
                _ => {
                    let s = go_g(n.abs(), v.precision);
                    if verb == 'G' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
            };
            Ok(signed(n.is_sign_negative() && n != 0.0, v, body))
        }
        _ => Err(EvalError::new(format!("format: unrecognized format verb %{verb}"))),
    }
}

fn signed(negative: bool, v: &Verb, body: String) -> String {
    if negative {
        format!("-{body}")
    } else if v.plus {
        format!("+{body}")
    } else if v.space {
        format!(" {body}")
    } else {
        body
    }
}

/// Go's `%e`: mantissa with `precision` digits and a two-digit (at least) signed exponent.
fn go_exp(n: f64, precision: usize) -> String {
    let s = format!("{n:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// Go's `%g`: the shortest representation, exponent form for large or small exponents.
fn go_g(n: f64, precision: Option<usize>) -> String {
    if n == 0.0 {
        return "0".into();
    }
    let shortest = match precision {
        Some(p) => format!("{:.*e}", p.max(1) - 1, n),
        None => format!("{n:e}"),
    };
    let (mantissa, exp) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "").len() as i32;
    let limit = match precision {
        Some(p) => p.max(1) as i32,
        None => 21.max(digits),
    };
    if exp < -4 || exp >= limit {
        let mantissa = if precision.is_some() && mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let value: f64 = shortest.parse().unwrap_or(n);
        let s = format!("{value}");
        s
    }
}

/// Go's `strconv.Quote`: double quotes, `\` escapes, non-printable characters as `\x`/`\u`.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if crate::hcl_syntax::push_common_escape(&mut out, c) {
            continue;
        }
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `basename`: the last element of a `/`-separated path, trailing slashes dropped (Go's
/// `filepath.Base` on Unix, which Terraform calls): `""` is `"."`, `"///"` is `"/"`.
fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// `dirname`: everything before the last element, cleaned (Go's `filepath.Dir`: the part up to
/// the last `/`, then `filepath.Clean`, so `""` and `"a"` are `"."`).
fn dirname(path: &str) -> String {
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    clean_path(dir)
}

/// Go's `filepath.Clean` on Unix: one `/` between elements, `.` elements dropped, `..` resolved
/// against the element before it (or dropped at the root), no trailing `/`, `"."` when empty.
fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_number_verbs() {
        assert_eq!(go_exp(1234.5678, 2), "1.23e+03");
        assert_eq!(go_exp(0.00012, 6), "1.200000e-04");
        assert_eq!(go_g(0.5, None), "0.5");
        assert_eq!(go_g(1e21, None), "1e+21");
        assert_eq!(go_g(123456.0, Some(3)), "1.23e+05");
    }

    #[test]
    fn title_case_like_go() {
        assert_eq!(title("hello world-foo_bar it's"), "Hello World-Foo_bar It'S");
        // console
    }
}
