//! Encoding functions: base64, JSON, CSV, URL query escaping, YAML encoding and
//! `textencodebase64`/`textdecodebase64` for the UTF-8 and UTF-16 encodings.
//!
//! `yamldecode` (a YAML parser), `base64gzip` (its deflate bytes depend on the compressor) and
//! other text encodings are not evaluated: unknown.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::super::{format_number, Map};
use super::{arity, text, EvalError, EvalResult, Value};

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "base64encode" => (|| {
            arity(name, args, 1, 1)?;
            Ok(Value::String(STANDARD.encode(text(name, &args[0])?)))
        })(),
        "base64decode" => (|| {
            arity(name, args, 1, 1)?;
            let bytes = decode64(name, &text(name, &args[0])?)?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| EvalError::new("base64decode: the result of decoding is not valid UTF-8"))
        })(),
        "textencodebase64" => (|| {
            arity(name, args, 2, 2)?;
            let (s, encoding) = (text(name, &args[0])?, text(name, &args[1])?);
            let bytes: Vec<u8> = match encoding.to_ascii_uppercase().as_str() {
                "UTF-8" | "UTF8" => s.into_bytes(),
                "UTF-16LE" => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                "UTF-16BE" => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
                _ => return Ok(Value::Unknown),
            };
            Ok(Value::String(STANDARD.encode(bytes)))
        })(),
        "textdecodebase64" => (|| {
            arity(name, args, 2, 2)?;
            let (s, encoding) = (text(name, &args[0])?, text(name, &args[1])?);
            let bytes = decode64(name, &s)?;
            let units = |f: fn([u8; 2]) -> u16| -> Vec<u16> {
                bytes.chunks_exact(2).map(|c| f([c[0], c[1]])).collect()
            };
            let decoded = match encoding.to_ascii_uppercase().as_str() {
                "UTF-8" | "UTF8" => String::from_utf8_lossy(&bytes).into_owned(),
                "UTF-16LE" => String::from_utf16_lossy(&units(u16::from_le_bytes)),
                "UTF-16BE" => String::from_utf16_lossy(&units(u16::from_be_bytes)),
                _ => return Ok(Value::Unknown),
            };
            Ok(Value::String(decoded))
        })(),
        "jsonencode" => (|| {
            arity(name, args, 1, 1)?;
            json_text(&args[0]).map(Value::String)
        })(),
        "jsondecode" => (|| {
            arity(name, args, 1, 1)?;
            let s = text(name, &args[0])?;
            let json: serde_json::Value =
                serde_json::from_str(&s).map_err(|e| EvalError::new(format!("jsondecode: {e}")))?;
            Ok(from_json(json))
        })(),
        "csvdecode" => csvdecode(args),
        "urlencode" => (|| {
            arity(name, args, 1, 1)?;
            Ok(Value::String(query_escape(&text(name, &args[0])?)))
        })(),
        "yamlencode" => (|| {
            arity(name, args, 1, 1)?;
            let mut out = String::new();
            yaml(&args[0], 0, Position::Top, &mut out)?;
            Ok(Value::String(out))
        })(),
        _ => return None,
    };
    Some(result)
}

fn decode64(name: &str, s: &str) -> Result<Vec<u8>, EvalError> {
    STANDARD.decode(s).map_err(|e| EvalError::new(format!("{name}: failed to decode base64 data: {e}")))
}

/// A JSON value as Terraform's `jsondecode` returns it (numbers as numbers, objects as maps).
pub(crate) fn from_json(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Unknown, Value::Number),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(entries) => {
            Value::Map(Map::known(entries.into_iter().map(|(k, v)| (k, from_json(v))).collect()))
        }
    }
}

/// `jsonencode`: keys sorted, Go's escaping (`<`, `>`, `&` as `\u003c`...).
pub(super) fn json_text(v: &Value) -> Result<String, EvalError> {
    let mut out = String::new();
    json_into(v, &mut out)?;
    Ok(out)
}

fn json_into(v: &Value, out: &mut String) -> Result<(), EvalError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&format_number(*n)),
        Value::Number(_) => return Err(EvalError::new("jsonencode: cannot encode an infinite number")),
        Value::String(s) => json_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_into(item, out)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                json_into(item, out)?;
            }
            out.push('}');
        }
        Value::Unknown => return Err(EvalError::new("jsonencode: value is unknown")),
    }
    Ok(())
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        if crate::hcl_syntax::push_common_escape(out, c) {
            continue;
        }
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn csvdecode(args: &[Value]) -> EvalResult {
    arity("csvdecode", args, 1, 1)?;
    let s = text("csvdecode", &args[0])?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(s.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(EvalError::new(format!("csvdecode: {e}"))),
        None => return Err(EvalError::new("csvdecode: missing header line")),
    };
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| EvalError::new(format!("csvdecode: {e}")))?;
        if record.len() != header.len() {
            return Err(EvalError::new("csvdecode: wrong number of fields in record"));
        }
        let entries: BTreeMap<String, Value> =
            header.iter().zip(record.iter()).map(|(k, v)| (k.to_string(), Value::string(v))).collect();
        rows.push(Value::Map(Map::known(entries)));
    }
    Ok(Value::List(rows))
}

/// Go's `url.QueryEscape`: unreserved bytes kept, space as `+`, the rest `%XX`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Position {
    Top,
    AfterKey,
    AfterDash,
}

/// Terraform's `yamlencode` layout: double-quoted strings and keys, block literals for
/// multi-line strings, sequences not indented under their key.
fn yaml(v: &Value, indent: usize, pos: Position, out: &mut String) -> Result<(), EvalError> {
    let lead = if pos == Position::Top { "" } else { " " };
    let pad = |n: usize| " ".repeat(n);
    match v {
        Value::List(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                match pos {
                    Position::AfterKey if i == 0 => out.push_str(&format!("\n{}-", pad(indent))),
                    Position::AfterDash if i == 0 => out.push_str(" -"),
                    Position::Top if i == 0 => out.push('-'),
                    Position::AfterDash => out.push_str(&format!("{}-", pad(indent + 2))),
                    _ => out.push_str(&format!("{}-", pad(indent))),
                }
                let item_indent = if pos == Position::AfterDash { indent + 2 } else { indent };
                yaml(item, item_indent, Position::AfterDash, out)?;
            }
        }
        Value::Map(m) if !m.entries.is_empty() => {
            let inner = if pos == Position::Top { 0 } else { indent + 2 };
            for (i, (k, item)) in m.entries.iter().enumerate() {
                let mut key = String::new();
                json_string(k, &mut key);
                match pos {
                    Position::AfterKey if i == 0 => out.push_str(&format!("\n{}{key}:", pad(inner))),
                    Position::AfterDash if i == 0 => out.push_str(&format!(" {key}:")),
                    _ => out.push_str(&format!("{}{key}:", pad(inner))),
                }
                yaml(item, inner, Position::AfterKey, out)?;
            }
        }
        Value::List(_) => out.push_str(&format!("{lead}[]\n")),
        Value::Map(_) => out.push_str(&format!("{lead}{{}}\n")),
        Value::String(s) if s.contains('\n') && !s.starts_with([' ', '\n']) && !s.contains(['\r', '\t']) => {
            let body = s.trim_end_matches('\n');
            let chomp = match s.len() - body.len() {
                0 => "-",
                1 => "",
                _ => "+",
            };
            out.push_str(&format!("{lead}|{chomp}\n"));
            let line_indent = indent + 2;
            for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                if !line.is_empty() {
                    out.push_str(&pad(line_indent));
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Value::String(s) => {
            out.push_str(lead);
            json_string(s, out);
            out.push('\n');
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {
            let scalar = match v {
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => format_number(*n),
                _ => "null".to_string(),
            };
            out.push_str(&format!("{lead}{scalar}\n"));
            if pos == Position::Top {
                // A plain scalar document gets an explicit end marker.
                out.push_str("...\n");
            }
        }
        Value::Unknown => return Err(EvalError::new("yamlencode: value is unknown")),
    }
    Ok(())
}
