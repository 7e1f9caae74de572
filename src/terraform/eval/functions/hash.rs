//! Hash functions: `md5`, `sha1`, `sha256`, `sha512` (hex), `base64sha256`, `base64sha512`
//! and `uuidv5` (RFC 4122 name-based, SHA-1). All hash the UTF-8 bytes of a string.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::Digest as _;

use super::{arity, text, EvalError, EvalResult, Value};

pub(super) fn apply(name: &str, args: &[Value]) -> Option<EvalResult> {
    let result = match name {
        "md5" | "sha1" | "sha256" | "sha512" | "base64sha256" | "base64sha512" => (|| {
            arity(name, args, 1, 1)?;
            let s = text(name, &args[0])?;
            let digest: Vec<u8> = match name {
                "md5" => md5::Md5::digest(s.as_bytes()).to_vec(),
                "sha1" => sha1::Sha1::digest(s.as_bytes()).to_vec(),
                "sha256" | "base64sha256" => sha2::Sha256::digest(s.as_bytes()).to_vec(),
                _ => sha2::Sha512::digest(s.as_bytes()).to_vec(),
            };
            Ok(Value::String(if name.starts_with("base64") { STANDARD.encode(digest) } else { hex(&digest) }))
        })(),
        "uuidv5" => uuidv5(args),
        _ => return None,
    };
    Some(result)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn uuidv5(args: &[Value]) -> EvalResult {
    arity("uuidv5", args, 2, 2)?;
    let (namespace, name) = (text("uuidv5", &args[0])?, text("uuidv5", &args[1])?);
    // The RFC 4122 appendix C namespaces, by Terraform's short names.
    let namespace = match namespace.as_str() {
        "dns" => "6ba7b810-9dad-11d1-80b4-00c04fd430c8".to_string(),
        "url" => "6ba7b811-9dad-11d1-80b4-00c04fd430c8".to_string(),
        "oid" => "6ba7b812-9dad-11d1-80b4-00c04fd430c8".to_string(),
        "x500" => "6ba7b814-9dad-11d1-80b4-00c04fd430c8".to_string(),
        other => other.to_string(),
    };
    let ns = parse_uuid(&namespace)
        .ok_or_else(|| EvalError::new(format!("uuidv5: uuidv5() doesn't support namespace {namespace}")))?;
    let mut hasher = sha1::Sha1::new();
    hasher.update(ns);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(Value::String(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])))
}

/// A UUID in its canonical, braced or `urn:uuid:` form.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let s = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(s);
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    if digits.len() != 32 || !(s.len() == 32 || s.len() == 36) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(digits.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}
