//! The one door to hcl-edit's parser for every HCL file tally reads (Terraform code, tally.hcl,
//! rule, policy and exemption files), with a guard against its one known pathology.
//!
//! hcl-edit 0.10 backtracks exponentially on a syntax error deep inside nested expressions: in
//! `x[2/2+x[2/2+ ... 2 !]]`, when the operand after `+` fails, the binary-operator loop rewinds
//! and the expression loop parses the same `+ x[...]` again, so every level of nesting doubles
//! the work. Twenty levels take seconds, thirty over an hour (found by `fuzz/` on `tally.hcl`;
//! reproducer in `tests/fixtures/fuzz/config-parser-hang`). Valid input, however deep, parses in
//! linear time, and so does invalid input that is shallow.
//!
//! The guard: a linear pre-scan measures the bracket nesting depth. Below [`GUARDED_DEPTH`]
//! (2^12 steps at worst, milliseconds) the parser runs inline. At or above it, which real code
//! almost never reaches, the parser runs on its own thread with a time budget far above what any
//! valid file of that size needs; past the budget the file is reported as a syntax error at the
//! deepest point, and the thread is left to finish or die with the process (it holds only its
//! own copy of the text).

pub(crate) mod reader;

use std::sync::mpsc;
use std::time::Duration;

use hcl_edit::structure::Body;

/// Nesting depth from which the parser runs under a time budget.
const GUARDED_DEPTH: usize = 12;

/// A syntax error: 1-based line and column, and hcl-edit's message (or ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// The escapes shared by every quoted string tally writes or reads back (HCL, JSON, Go's
/// `strconv.Quote`): `"`, `\`, line feed, carriage return and tab. Pushes the escape of `c` and
/// says so, or pushes nothing and returns false.
pub(crate) fn push_common_escape(out: &mut String, c: char) -> bool {
    let escape = match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return false,
    };
    out.push_str(escape);
    true
}

/// Parse an HCL body; see the module documentation for the guard.
pub(crate) fn parse_body(text: &str) -> Result<Body, SyntaxError> {
    parse_guarded(text, Decor::Text)
}

/// [`parse_body`] for the Terraform code reader, which never reads or prints whitespace and
/// comments: their spans are not copied out of the text (hcl-edit's `despan`, ~5% of linting a
/// corpus, and as much again dropping the copies). Printing such a tree prints default
/// whitespace; `Expression::despan` with the file's text gives an expression its own back.
pub(crate) fn parse_code(text: &str) -> Result<Body, SyntaxError> {
    parse_guarded(text, Decor::Spans)
}

/// What a parsed tree holds for whitespace and comments.
#[derive(Debug, Clone, Copy)]
enum Decor {
    /// Their text, as hcl-edit's `parse_body` gives it.
    Text,
    /// Spans into the parsed text.
    Spans,
}

fn parse_guarded(text: &str, decor: Decor) -> Result<Body, SyntaxError> {
    let nesting = max_nesting(text);
    if nesting.depth < GUARDED_DEPTH {
        return parse_inline(text, decor);
    }
    let budget = budget_for(text.len());
    let (tx, rx) = mpsc::channel();
    let owned = text.to_string();
    let spawned = std::thread::Builder::new().name("hcl-parse".into()).spawn(move || {
        // The receiver may be gone (budget exceeded): nothing to tell then.
        let _ = tx.send(parse_inline(&owned, decor));
    });
    if spawned.is_err() {
        return parse_inline(text, decor);
    }
    match rx.recv_timeout(budget) {
        Ok(result) => result,
        Err(_) => {
            let (line, column) = crate::source::LineIndex::new(text).line_col_chars(text, nesting.offset);
            Err(SyntaxError {
                line: line as usize,
                column: column as usize,
                message: format!(
                    "expressions nest {} levels deep here and the HCL parser gave up after {} s: \
                     a syntax error inside deep nesting (an unclosed bracket, or a stray `!`, `&` \
                     or `|`) makes it backtrack exponentially",
                    nesting.depth,
                    budget.as_secs()
                ),
            })
        }
    }
}

fn parse_inline(text: &str, decor: Decor) -> Result<Body, SyntaxError> {
    let parsed = match decor {
        Decor::Text => hcl_edit::parser::parse_body(text),
        Decor::Spans => hcl_edit::parser::parse_body_spanned(text),
    };
    parsed.map_err(|e| SyntaxError {
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_string(),
    })
}

/// Valid HCL parses at tens of MB/s in a release build and at over 1 MB/s unoptimised; 2 s plus
/// 1 s per 64 KiB leaves a margin of ten or more for either.
fn budget_for(len: usize) -> Duration {
    Duration::from_secs(2 + (len / (64 * 1024)) as u64)
}

/// The deepest bracket nesting of a file and the byte offset where it is first reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Nesting {
    depth: usize,
    offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `(`, `[` or `{` in expression context.
    Bracket,
    /// `${` or `%{` inside a string: expression context until its `}`.
    Template,
    /// A quoted string.
    Quote,
}

/// One linear pass over the text: brackets and template interpolations count, strings, heredocs
/// and comments are skipped. It only decides whether the guard engages, so it is tolerant: an
/// unmatched closer is ignored, an unterminated string ends at the line's end.
fn max_nesting(text: &str) -> Nesting {
    let b = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut depth = 0usize; // brackets + templates on the stack
    let mut out = Nesting { depth: 0, offset: 0 };
    let mut i = 0;
    let mut open = |stack: &mut Vec<Open>, kind: Open, depth: &mut usize, at: usize| {
        stack.push(kind);
        if kind != Open::Quote {
            *depth += 1;
            if *depth > out.depth {
                out = Nesting { depth: *depth, offset: at };
            }
        }
    };
    while i < b.len() {
        // Skip to the next byte that can matter in this context: most bytes of a file are
        // neither, and this scan runs over every file before it is parsed.
        let in_quote = stack.last() == Some(&Open::Quote);
        let skip = if in_quote { &QUOTE_BYTES } else { &CODE_BYTES };
        match b[i..].iter().position(|&x| skip[usize::from(x)]) {
            Some(n) => i += n,
            None => break,
        }
        let c = b[i];
        let next = b.get(i + 1).copied();
        if in_quote {
            match (c, next) {
                (b'\\', _) => i += 1,
                (b'$' | b'%', Some(b'{')) if i > 0 && b[i - 1] == c => {} // `$${`: literal
                (b'$' | b'%', Some(b'{')) => {
                    open(&mut stack, Open::Template, &mut depth, i);
                    i += 1;
                }
                (b'"' | b'\n', _) => {
                    stack.pop();
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match (c, next) {
            (b'"', _) => open(&mut stack, Open::Quote, &mut depth, i),
            (b'#', _) | (b'/', Some(b'/')) => {
                i = b[i..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| i + p);
                continue;
            }
            (b'/', Some(b'*')) => {
                i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                continue;
            }
            (b'<', Some(b'<')) => {
                if let Some(end) = heredoc_end(text, i) {
                    i = end;
                    continue;
                }
            }
            (b'(' | b'[' | b'{', _) => open(&mut stack, Open::Bracket, &mut depth, i),
            (b')' | b']' | b'}', _) => {
                if matches!(stack.last(), Some(Open::Bracket | Open::Template)) {
                    stack.pop();
                    depth -= 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The bytes `max_nesting` looks at inside a quoted string, and outside one.
static QUOTE_BYTES: [bool; 256] = byte_set(b"\\$%\"\n");
static CODE_BYTES: [bool; 256] = byte_set(b"\"#/<([{)]}");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// A heredoc starting at `start` (`<<ID` or `<<-ID`, then a newline): the offset just past its
/// closing line, or `None` if this is not a heredoc opener.
fn heredoc_end(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let ident_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    let ident = &rest[..ident_len];
    let after = rest[ident_len..].strip_prefix('\r').unwrap_or(&rest[ident_len..]);
    if ident.is_empty() || !after.starts_with('\n') {
        return None;
    }
    let body_start = text.len() - after.len() + 1;
    let mut offset = body_start;
    for line in text[body_start..].split_inclusive('\n') {
        offset += line.len();
        if line.trim() == ident {
            return Some(offset);
        }
    }
    Some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        max_nesting(text).depth
    }

    #[test]
    fn nesting_counts_brackets_and_templates_only_in_code() {
        assert_eq!(depth("a = 1"), 0);
        assert_eq!(depth("a = [1, [2, {b = (3)}]]"), 4);
        assert_eq!(depth(r#"a = "[[[[ \" ((((""#), 0);
        assert_eq!(depth(r#"a = "${x[0]}""#), 2);
        assert_eq!(depth(r#"a = "$${x[0]}""#), 0);
        assert_eq!(depth("# [[[[\na = 1 // ((((\n/* {{{{ */"), 0);
        assert_eq!(depth("a = <<EOT\n[[[[{{{{\nEOT\nb = [1]"), 1);
        assert_eq!(depth("a = <<-EOT\n  ((((\n  EOT\n"), 0);
        assert_eq!(depth("r \"t\" \"n\" {\n  tags = { a = \"b\" }\n}"), 2);
        // Unclosed and stray brackets do not derail it.
        assert_eq!(depth("a = ]]] [[["), 3);
        assert_eq!(max_nesting("a = [[x]]").offset, 5);
    }

    /// A repeated attribute key is an error wherever the two keys sit among a body's first
    /// keys (compared in place) and the later ones (a set): `vendor/hcl-edit-tally` patch 7.
    #[test]
    fn a_redefined_attribute_is_an_error_among_few_or_many() {
        let body = |n: usize, dup: Option<(usize, usize)>| {
            let mut text = String::from("block {\n");
            for i in 0..n {
                let key = match dup {
                    Some((a, b)) if i == b => a,
                    _ => i,
                };
                text.push_str(&format!("  k{key} = {i}\n"));
            }
            text + "}\n"
        };
        for n in [1, 2, 7, 8, 9, 20] {
            assert!(parse_body(&body(n, None)).is_ok(), "{n} keys");
            for (a, b) in [(0, 1), (0, 7), (3, 8), (0, 19), (9, 10), (10, 19), (6, 7), (7, 8)] {
                if b < n {
                    let err = parse_body(&body(n, Some((a, b)))).unwrap_err();
                    assert_eq!(err.line, b + 2, "{n} keys, k{a} again on line {}", b + 2);
                    assert!(err.message.contains("redefined"), "{}", err.message);
                }
            }
        }
    }

    #[test]
    fn shallow_and_deep_valid_input_parse() {
        assert!(parse_body("a = [1, {b = 2}]\n").is_ok());
        let deep = format!("a = {}1{}\n", "[".repeat(30), "]".repeat(30));
        assert!(parse_body(&deep).is_ok());
    }

    #[test]
    fn errors_keep_the_parser_position() {
        let err = parse_body("a = [1,\nb = ").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(!err.message.is_empty());
        let deep = format!("a = {}1 !{}\n", "x[2/2+".repeat(12), "]".repeat(12));
        let err = parse_body(&deep).unwrap_err();
        assert_eq!(err.line, 1);
    }

    /// Valid HCL that hcl-edit 0.10 rejected (fixed in `vendor/hcl-edit-tally`).
    #[test]
    fn terraform_syntax_upstream_rejected() {
        use hcl_edit::expr::{Expression, ObjectKey};
        let key_text = |k: &ObjectKey| match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(e) => e.to_string().trim().to_string(),
        };
        // A repeated object key: accepted, the last value wins (as `terraform console` shows).
        let body = parse_body("a = { k = 1, j = 2, k = 3 }\nb = {\n  \"x\" = 1\n  \"x\" = 2\n}\n").unwrap();
        let Some(Expression::Object(object)) = body.get_attribute("a").map(|a| &a.value) else {
            panic!("a is an object")
        };
        let values: Vec<String> =
            object.iter().map(|(k, v)| format!("{}={}", key_text(k), v.expr().to_string().trim())).collect();
        assert_eq!(values, ["j=2", "k=3"]);
        // Heredoc body lines that start with the delimiter but are not it alone.
        let text = "a = <<EOF\nline\nEOF\"\n EOF-x\nEOF.y\nEOFX\nEOF  \nb = <<-EOT\n  EOT)\n  EOT\nc = 1\n";
        let body = parse_body(text).unwrap();
        let Some(Expression::HeredocTemplate(h)) = body.get_attribute("a").map(|a| &a.value) else {
            panic!("a is a heredoc")
        };
        assert_eq!(h.template.to_string(), "line\nEOF\"\n EOF-x\nEOF.y\nEOFX\n");
        assert!(body.get_attribute("b").is_some() && body.get_attribute("c").is_some());
        // At the end of the file without a newline, the delimiter still closes.
        assert!(parse_body("a = <<EOF\nx\nEOF").is_ok());
        // An unterminated heredoc is still an error.
        assert!(parse_body("a = <<EOF\nx\nEOF;\n").is_err());
    }

    #[test]
    fn a_parse_past_its_budget_is_an_error_at_the_deepest_bracket() {
        let text = format!("a = 1\nb = {}2 !{}\n", "x[2/2+".repeat(30), "]".repeat(30));
        let err = parse_body(&text).unwrap_err();
        assert_eq!((err.line, err.column), (2, 5 + 6 * 29 + 1));
        assert!(err.message.contains("nest 30 levels deep"), "{}", err.message);
    }
}
