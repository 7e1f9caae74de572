//! Text for `tally rules list` and `tally rules explain`: built from the catalog, so the
//! command, the docs and every finding's fix hint say the same thing.

use std::fmt::Write;

use super::{catalog, Rule};

/// A plain, aligned table: id, severity, name, summary.
pub fn list_table() -> String {
    let rules: Vec<&Rule> = catalog().values().collect();
    let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ = writeln!(out, "{:<7} {:<8} {:<width$} SUMMARY", "ID", "SEVERITY", "NAME");
    for r in rules {
        let _ = writeln!(out, "{:<7} {:<8} {:<width$} {}", r.id, r.severity.as_str(), r.name, r.summary);
    }
    out
}

/// A Markdown table for docs and chat.
pub fn list_markdown() -> String {
    let mut out = String::from("| id | name | severity | summary |\n|---|---|---|---|\n");
    for r in catalog().values() {
        let summary = r.summary.replace('|', "\\|");
        let _ = writeln!(out, "| {} | `{}` | {} | {} |", r.id, r.name, r.severity, summary);
    }
    out
}

/// A rule's docs, by id (any case) or name; `None` when there is no such rule.
pub fn explain(id_or_name: &str) -> Option<String> {
    let rule = catalog().values().find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)?;
    let mut out = String::new();
    let _ = writeln!(out, "{} {} ({})", rule.id, rule.name, rule.severity);
    let _ = writeln!(out, "{}", rule.summary);
    for (heading, text) in rule.docs.sections() {
        let _ = writeln!(out, "\n## {heading}\n");
        for line in text.lines() {
            let _ = writeln!(out, "{}", if line.trim().is_empty() { "" } else { line }.trim_end());
        }
    }
    let _ = writeln!(out, "\nDefault severity: {}. Override: `--severity {}=error` or `severity = {{ {} = \"error\" }}` in tally.hcl.", rule.severity, rule.id, rule.id);
    let _ = writeln!(out, "Source: {}", rule.file);
    Some(out)
}
