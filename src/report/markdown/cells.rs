//! Table cells of the Markdown comment: cut, escaped, and the small number formats.

use rust_decimal::Decimal;

/// One cell may not crowd out the rest: longer text is cut, with `…`.
pub(crate) const CELL_MAX_CHARS: usize = 400;

/// Text for a table cell: cut to [`CELL_MAX_CHARS`], then escaped.
pub(super) fn cell(s: &str) -> String {
    if s.chars().count() > CELL_MAX_CHARS {
        let cut: String = s.chars().take(CELL_MAX_CHARS - 1).collect();
        esc(&format!("{cut}…"))
    } else {
        esc(s)
    }
}

/// Escape text so it stays one table cell of literal text: `|` cannot end the cell, `<`, `>`
/// and `&` cannot start HTML or entities, backslashes, backticks and `*` cannot start escapes,
/// code or emphasis (tag wildcards such as `prod-*` are common), and line breaks become `<br>`.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '*' => out.push_str("\\*"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            // ESC and other controls would reach the terminal of whoever cats the file.
            c if crate::report::text::is_unsafe_char(c) => {
                out.push_str(&format!("\\\\u{{{:x}}}", u32::from(c)))
            }
            _ => out.push(ch),
        }
    }
    out
}

pub(super) fn n_of(n: usize, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub(super) fn pct_text(p: Option<Decimal>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_else(|| "-".to_string())
}
