//! Small text helpers shared by the renderers: counted nouns, and escaping for the two markup
//! languages tally writes (HTML for the review page, XML for JUnit).

/// `3 findings`, `1 finding`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
    fn plural_counts() {
        assert_eq!(plural(1, "finding", "findings"), "1 finding");
        assert_eq!(plural(0, "finding", "findings"), "0 findings");
    }
}
