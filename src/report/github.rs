//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
//! one `::warning` per input problem (partial data must be visible on the run page), then one
//! `::notice` summary line.
//!
//! Escaping follows the runner's parser: in the message `%`, `\r` and `\n` are encoded; in
//! properties `:` and `,` are encoded as well, because they delimit properties.
//!
//! GitHub resolves `file=` against the repository root, not the step's working directory, so
//! paths are made repository-relative (`place::RepoPaths`). The runner shows only the first 10
//! annotations of each level per step: findings at a file:line (the ones that land on a pull
//! request's diff) come first, the rest after, each group in report order.

use std::io::{self, Write};

use super::place::RepoPaths;
use super::text::plural;
use super::{Finding, Report, Severity};
use crate::model::SourceLocation;

pub fn render(report: &Report, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let (placed, unplaced): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| f.location.as_ref().is_some_and(|l| l.line.is_some()));
    for f in placed.into_iter().chain(unplaced) {
        finding(f, paths, out)?;
    }
    for d in &report.diagnostics {
        let mut props = location_props(d.location.as_ref(), paths);
        props.push(("title", format!("tally: partial data ({})", d.source)));
        let mut message = d.message.clone();
        let place: Vec<&str> = [&d.account, &d.region].into_iter().flatten().map(String::as_str).collect();
        if !place.is_empty() {
            message = format!("{}: {message}", place.join(" "));
        }
        command("warning", &props, &message, out)?;
    }
    if let Some(v) = &report.visibility {
        let level = if v.gaps.is_empty() { "notice" } else { "warning" };
        command(level, &[("title", "tally: visibility".to_string())], &v.summary_line(), out)?;
    }
    command("notice", &[("title", "tally".to_string())], &summary(report), out)
}

fn finding(f: &Finding, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props = location_props(f.location.as_ref(), paths);
    props.push(("title", format!("{} {}", f.rule_id, f.rule_name)));
    let mut message = f.message.clone();
    if !f.fix.is_empty() {
        message.push_str("\nFix: ");
        message.push_str(&f.fix);
    }
    command(level, &props, &message, out)
}

/// `file`, `line`, `col` as far as they are known; a column without a line means nothing.
fn location_props(loc: Option<&SourceLocation>, paths: &RepoPaths) -> Vec<(&'static str, String)> {
    let mut props = Vec::new();
    if let Some(loc) = loc {
        props.push(("file", paths.display(&loc.file)));
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
