//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
//! one `::warning` per input problem (partial data must be visible on the run page), then one
//! `::notice` summary line.
//!
//! Escaping follows the runner's parser: in the message `%`, `\r` and `\n` are encoded; in
//! properties `:` and `,` are encoded as well, because they delimit properties. Paths are
//! written as the report has them; GitHub resolves them against the workspace root.

use std::io::{self, Write};

use super::text::plural;
use super::{Finding, Report, Severity};
use crate::model::SourceLocation;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        finding(f, out)?;
    }
    for d in &report.diagnostics {
        let mut props = location_props(d.location.as_ref());
        props.push(("title", format!("tally: partial data ({})", d.source)));
        let mut message = d.message.clone();
        let place: Vec<&str> = [&d.account, &d.region].into_iter().flatten().map(String::as_str).collect();
        if !place.is_empty() {
            message = format!("{}: {message}", place.join(" "));
        }
        command("warning", &props, &message, out)?;
    }
    command("notice", &[("title", "tally".to_string())], &summary(report), out)
}

fn finding(f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props = location_props(f.location.as_ref());
    props.push(("title", format!("{} {}", f.rule_id, f.rule_name)));
    let mut message = f.message.clone();
    if !f.fix.is_empty() {
        message.push_str("\nFix: ");
        message.push_str(&f.fix);
    }
    command(level, &props, &message, out)
}

/// `file`, `line`, `col` as far as they are known; a column without a line means nothing.
fn location_props(loc: Option<&SourceLocation>) -> Vec<(&'static str, String)> {
    let mut props = Vec::new();
    if let Some(loc) = loc {
        props.push(("file", loc.file.replace('\\', "/")));
        if let Some(line) = loc.line {
            props.push(("line", line.to_string()));
            if let Some(col) = loc.column {
                props.push(("col", col.to_string()));
            }
        }
    }
    props
}

fn command(name: &str, props: &[(&str, String)], message: &str, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "::{name}")?;
    for (i, (key, value)) in props.iter().enumerate() {
        let sep = if i == 0 { ' ' } else { ',' };
        write!(out, "{sep}{key}={}", escape_property(value))?;
    }
    writeln!(out, "::{}", escape_data(message))
}

fn summary(report: &Report) -> String {
    let c = &report.summary.findings;
    let mut parts = vec![format!(
        "tally {}: {}, {}, {} info",
        report.command,
        plural(c.error, "error", "errors"),
        plural(c.warning, "warning", "warnings"),
        c.info
    )];
    let trouble = report.summary.budgets_over + report.summary.budgets_forecast_over;
    if trouble > 0 {
        parts.push(format!("{} in trouble", plural(trouble, "budget", "budgets")));
    }
    if report.partial {
        let n = report.diagnostics.len();
        parts.push(format!("PARTIAL DATA: {}", plural(n, "input problem", "input problems")));
    }
    parts.join(" · ")
}

/// The message part of a workflow command.
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            // ESC and other controls are shown, never interpreted by the log viewer.
            c if super::text::is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            _ => out.push(ch),
        }
    }
    out
}

/// A `key=value` property of a workflow command.
pub(crate) fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_like_the_runner_expects() {
        assert_eq!(escape_data("50% of a:b,c\r\nnext"), "50%25 of a:b,c%0D%0Anext");
        assert_eq!(escape_property("C:\\x,y%\n"), "C%3A\\x%2Cy%25%0A");
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
