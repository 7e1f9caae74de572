//! Small text helpers shared by the renderers: counted nouns, and escaping for the two markup
//! languages tally writes (HTML for the review page, XML for JUnit).

/// `3 findings`, `1 finding`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether `ch` must not reach a terminal or log raw: C0 and C1 controls (ESC starts ANSI
/// sequences that recolour, move the cursor or clear the screen; a line break starts a new log
/// line, where `::error ...` is a CI workflow command), DEL, and the bidirectional overrides that
/// make text display in another order than it reads.
pub(crate) fn is_unsafe_char(ch: char) -> bool {
    ch.is_control() || matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as a visible escape (`\n`, `\t`, `\u{1b}`), so data
/// prints as one line of inert text.
pub(crate) fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A copy of `value` (any serializable report) with [`visible`] applied to every string in it,
/// map keys included: the table renderer prints from this copy, so no field can slip through.
pub(crate) fn terminal_safe<T: serde::Serialize + serde::de::DeserializeOwned + Clone>(value: &T) -> T {
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                if let std::borrow::Cow::Owned(o) = visible(s) {
                    *s = o;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(clean),
            serde_json::Value::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut val) in entries {
                    clean(&mut val);
                    map.insert(visible(&k).into_owned(), val);
                }
            }
            _ => {}
        }
    }
    let Ok(mut json) = serde_json::to_value(value) else { return value.clone() };
    clean(&mut json);
    serde_json::from_value(json).unwrap_or_else(|_| value.clone())
}

/// Where escaped text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Markup {
    /// HTML element content or a quoted attribute value: both quotes escaped.
    Html,
    /// XML 1.0 element content: line breaks and tabs kept, characters XML cannot carry replaced.
    XmlText,
    /// An XML attribute value: quotes and whitespace escaped so a parser keeps them as written.
    XmlAttribute,
}

/// Escape `s` for `markup`. Text from data (tag values, resource names) is user input and
/// always passes through here.
pub(crate) fn escape(s: &str, markup: Markup) -> String {
    let xml = markup != Markup::Html;
    let attribute = markup != Markup::XmlText;
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if markup == Markup::Html => out.push_str("&#39;"),
            '\'' if attribute => out.push_str("&apos;"),
            _ if !xml => out.push(ch),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' if !attribute => out.push(ch),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            // Not allowed in XML 1.0 at all, even escaped.
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#, Markup::Html),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\nb\u{1}", Markup::Html), "a\nb\u{1}");
    }

    #[test]
    fn xml_keeps_breaks_in_text_and_escapes_them_in_attributes() {
        assert_eq!(escape("a\n\tb\r'\"", Markup::XmlText), "a\n\tb&#13;'\"");
        assert_eq!(escape("a\n\tb'\"", Markup::XmlAttribute), "a&#10;&#9;b&apos;&quot;");
        assert_eq!(escape("x\u{1}\u{fffe}", Markup::XmlText), "x\u{fffd}\u{fffd}");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible("ok"), "ok");
        assert_eq!(
            visible("a\n::error ::x\u{1b}[2J\u{7f}\u{202e}"),
            "a\\n::error ::x\\u{1b}[2J\\u{7f}\\u{202e}"
        );
        assert_eq!(visible("é\t"), "é\\t");
    }

    #[test]
    fn plural_counts() {
        assert_eq!(plural(1, "finding", "findings"), "1 finding");
        assert_eq!(plural(0, "finding", "findings"), "0 findings");
    }
}
