//! The members of a JSON object's top level, found without parsing their values.
//!
//! A plan's `planned_values` and `prior_state` repeat every attribute of every resource and are
//! never read; skipping them with serde (`IgnoredAny`) still tokenises every number, string and
//! escape, a fifth of what the tag gate cost on a large plan. This scanner finds where each
//! top-level value ends by its brackets and quotes alone (strings jumped over with `memchr`),
//! so the reader parses only the values it uses.
//!
//! A skipped value is checked for balance (its brackets close, strings end), not validated as
//! JSON: a malformed value the reader never looks at is not an error here. Anything unexpected
//! (not an object, a key with an escape, an unbalanced value, text after the object) gives
//! `None`, and the caller reads the whole text with serde instead, which names the error.

/// One top-level member: its key (without quotes) and its value's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Member<'t> {
    pub key: &'t str,
    pub value: &'t str,
}

/// The members of the object `text` holds, in order; `None` when `text` is not one this
/// scanner can take apart (see the module documentation).
pub(super) fn members(text: &str) -> Option<Vec<Member<'_>>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut out = Vec::new();
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(out);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i + 1)?;
        let key = &text[i + 1..key_end - 1];
        if key.contains('\\') {
            return None;
        }
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let end = value_end(b, start)?;
        // Every end found is just past an ASCII byte, and every start is at one: both are
        // character boundaries.
        out.push(Member { key, value: text.get(start..end)? });
        i = skip_ws(b, end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return (skip_ws(b, i + 1) == b.len()).then_some(out),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Just past the closing quote of the string whose contents start at `i`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[at] == b'"' {
            return Some(at + 1);
        }
        // An escape: the byte after the backslash is never the string's end (`\uXXXX`'s
        // digits are neither a quote nor a backslash either).
        i = at + 2;
    }
}

/// Just past the value that starts at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i + 1),
        b'{' | b'[' => container_end(b, i),
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Just past the object or array that opens at `start`: where as many of its closing bracket
/// as of its opening one have been seen outside strings. Only that pair is counted (in JSON
/// the other kind nests inside it), so each step is one vectorised search for the next quote
/// or bracket of the pair.
fn container_end(b: &[u8], start: usize) -> Option<usize> {
    let (open, close) = if b[start] == b'{' { (b'{', b'}') } else { (b'[', b']') };
    let mut depth = 1usize;
    let mut i = start + 1;
    loop {
        let at = i + memchr::memchr3(b'"', open, close, b.get(i..)?)?;
        match b[at] {
            b'"' => i = string_end(b, at + 1)?,
            c if c == open => {
                depth += 1;
                i = at + 1;
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 1);
                }
                i = at + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Option<Vec<(&str, &str)>> {
        members(text).map(|m| m.into_iter().map(|m| (m.key, m.value)).collect())
    }

    #[test]
    fn finds_each_value_whole() {
        let text = r#" {"a": 1, "b" : {"x": [1, {"y": "]}\"{"}], "z": null},
            "c":"s\\\"}", "d": [], "e": -1.5e3, "f": true }  "#;
        assert_eq!(
            pairs(text),
            Some(vec![
                ("a", "1"),
                ("b", r#"{"x": [1, {"y": "]}\"{"}], "z": null}"#),
                ("c", r#""s\\\"}""#),
                ("d", "[]"),
                ("e", "-1.5e3"),
                ("f", "true"),
            ])
        );
        assert_eq!(pairs("{}"), Some(vec![]));
        assert_eq!(pairs(" { } \n"), Some(vec![]));
        assert_eq!(pairs(r#"{"é": "ü"}"#), Some(vec![("é", r#""ü""#)]));
    }

    #[test]
    fn anything_it_cannot_take_apart_is_none() {
        for text in [
            "",
            "[]",
            "{",
            r#"{"a": 1"#,
            r#"{"a": [1, 2}"#,
            r#"{"a": {"b": [1}"#,
            r#"{"a": "open}"#,
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            r#"{"a": }"#,
            r#"{"a\u0062": 1}"#,
            r#"{"a": 1} x"#,
            r#"{"a": 1}}"#,
            r#"{a: 1}"#,
        ] {
            assert_eq!(pairs(text), None, "{text:?}");
        }
    }

    #[test]
    fn agrees_with_serde_on_every_prefix_of_a_plan() {
        // Every prefix of a valid document is either taken apart into exactly what serde
        // reads (only the whole text), or refused.
        let text = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources":
            [{"address": "a.b", "values": {"tags": {"k": "v\"]"}, "n": [1, 2.5, null]}}]}},
            "resource_changes": [], "configuration": {"provider_config": {}}}"#;
        let whole: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).expect("valid");
        for end in 0..text.len() {
            if text.is_char_boundary(end) {
                assert_eq!(members(&text[..end]), None, "prefix {end}");
            }
        }
        let found = members(text).expect("takes apart");
        assert_eq!(found.len(), whole.len());
        for m in found {
            let value: serde_json::Value = serde_json::from_str(m.value).expect("a whole value");
            assert_eq!(Some(&value), whole.get(m.key), "{}", m.key);
        }
    }
}
