//! Turning the bytes of a JSON input into text: UTF-8 with or without a BOM, and UTF-16 (LE or
//! BE, with a BOM, or without one when the file starts with an ASCII character, as
//! PowerShell's `>` redirection writes `terraform show -json` output).
//!
//! Used by the plan and state readers; knows nothing about JSON itself.

use std::borrow::Cow;
use std::path::Path;

use crate::error::InputError;

/// Decodes `bytes` to text; an error names the file.
pub(crate) fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>, InputError> {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(path, rest),
        [0xFF, 0xFE, rest @ ..] => utf16(path, rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(path, rest, u16::from_be_bytes),
        [a, 0, ..] if *a != 0 => utf16(path, bytes, u16::from_le_bytes),
        [0, b, ..] if *b != 0 => utf16(path, bytes, u16::from_be_bytes),
        _ => utf8(path, bytes),
    }
}

fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>, InputError> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        let line = line_of_offset(bytes, e.valid_up_to());
        InputError::invalid(path, Some(line), format!("not valid UTF-8 at byte {}", e.valid_up_to()))
    })
}

fn utf16<'a>(path: &Path, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<Cow<'a, str>, InputError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(InputError::invalid(path, None, "UTF-16 file has an odd number of bytes"));
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut line = 1u32;
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                text.push(c);
            }
            Err(e) => {
                let message = format!("invalid UTF-16 (unpaired surrogate {:#06x})", e.unpaired_surrogate());
                return Err(InputError::invalid(path, Some(line), message));
            }
        }
    }
    Ok(Cow::Owned(text))
}

fn line_of_offset(bytes: &[u8], offset: usize) -> u32 {
    let newlines = bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("x.json")
    }

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn decodes_every_encoding() {
        let s = "{\"a\": \"é\"}";
        assert_eq!(decode(p(), s.as_bytes()).ok().as_deref(), Some(s));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode(p(), &bom).ok().as_deref(), Some(s));
        assert_eq!(decode(p(), &utf16le(s, true)).ok().as_deref(), Some(s));
        assert_eq!(decode(p(), &utf16le(s, false)).ok().as_deref(), Some(s));
        let mut be = vec![0xFE, 0xFF];
        be.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(p(), &be).ok().as_deref(), Some(s));
    }

    #[test]
    fn bad_bytes_name_the_file_and_line() {
        let err = decode(p(), b"{\n\"a\": \xff}").err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("x.json:2: not valid UTF-8 at byte 7"));
        let err = decode(p(), &[0xFF, 0xFE, 0x7B]).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("x.json: UTF-16 file has an odd number of bytes"));
        let err = decode(p(), &[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.starts_with("x.json:1: invalid UTF-16")));
    }
}
