//! Markdown for a pull-request comment or a chat message: a hidden marker (so a workflow can find
//! and update its own comment instead of adding one per push), a one-line verdict, a summary table
//! of what the run saw (rows for data it did not have are left out), findings per severity in
//! collapsible sections (a table per rule; rule ids link to their docs, file:line to the line in
//! the repository when the GitHub Actions environment says where that is), budgets, then input
//! problems.
//!
//! A GitHub comment holds at most 65,536 characters. When the whole report does not fit, rows are
//! dropped deterministically from the end of a priority order (input problems, budgets, errors,
//! warnings, info; within a severity by rule id, then report order) and a note says how many were
//! left out. The kept prefix is the longest that fits, found by binary search over full renders,
//! so the limit holds whatever the table headers and notes cost.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::place::RepoPaths;
use super::table::money;
use super::{percent, BudgetState, BudgetStatus, Finding, RenderOptions, Report, Severity};
use crate::model::{Diagnostic, Money};

pub(crate) mod cells;
mod fixes;

use cells::{cell, esc, n_of, pct_text, thousands};
use fixes::suggested_fixes;

/// GitHub's limit for an issue or pull-request comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// Our budget in bytes (never fewer than characters), leaving room for a marker a bot adds to
/// find and update its comment.
const BUDGET: usize = GITHUB_COMMENT_LIMIT - 1_024;

const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// Where file links point: `{server}/{repository}/blob/{commit}`, from the standard GitHub
/// Actions variables (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`), which `cli` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub blob: String,
}

impl Links {
    /// The links of a GitHub Actions run, when all three variables are set and non-empty.
    pub fn github(server: Option<String>, repository: Option<String>, sha: Option<String>) -> Option<Links> {
        let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let (server, repository, sha) = (nonempty(server)?, nonempty(repository)?, nonempty(sha)?);
        Some(Links { blob: format!("{}/{repository}/blob/{sha}", server.trim_end_matches('/')) })
    }
}

/// The first line of every comment: invisible when rendered, stable per command, so a workflow
/// (or `action.yml`) finds the comment to update.
pub fn marker(command: &str) -> String {
    format!("<!-- tally:{command} -->")
}

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(report, opts).as_bytes())
}

/// The whole comment, at most [`GITHUB_COMMENT_LIMIT`] characters.
pub fn to_string(report: &Report, opts: &RenderOptions) -> String {
    let place = Place { repo: &opts.repo, links: opts.links.as_ref() };
    let rows = Rows::new(report, &place);
    let total = rows.len();
    if rows.rendered == total {
        let full = compose(report, &rows, total);
        if full.len() <= BUDGET || total == 0 {
            return full;
        }
    }
    // Largest k < total whose render fits; the render grows with k. Rows past the rendered
    // ones cannot fit (see `Rows::new`), so neither can a render that keeps them.
    let (mut lo, mut hi) = (0, total.min(rows.rendered).saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if compose(report, &rows, mid).len() <= BUDGET {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    compose(report, &rows, lo)
}

/// How a finding's place is written: repository-relative, linked when the commit is known.
struct Place<'a> {
    repo: &'a RepoPaths,
    links: Option<&'a Links>,
}

/// Every droppable row in priority order, escaped once: all of them when they fit in the
/// comment, else only the leading rows that can (a run with a million findings keeps a few
/// hundred, and escaping and formatting the rest was most of the render's time and memory).
struct Rows<'a> {
    diagnostics: Vec<String>,
    budgets: Vec<String>,
    /// Per severity (error, warning, info): rule id -> its findings, by rule id.
    findings: [BTreeMap<&'a str, RuleRows<'a>>; 3],
    /// How many rows of the priority order are rendered: every row of a kept prefix is.
    rendered: usize,
}

/// One rule's findings of one severity: how many there are, and the leading rows rendered.
#[derive(Default)]
struct RuleRows<'a> {
    name: &'a str,
    total: usize,
    rows: Vec<String>,
}

impl<'a> Rows<'a> {
    fn new(report: &'a Report, place: &Place<'_>) -> Self {
        let diagnostics: Vec<String> = report.diagnostics.iter().map(diagnostic_row).collect();
        let budgets: Vec<String> = report.budgets.iter().map(budget_row).collect();
        let mut findings: [BTreeMap<&str, RuleRows<'_>>; 3] = Default::default();
        for f in &report.findings {
            let group = findings[severity_slot(f.severity)].entry(&f.rule_id).or_default();
            group.name = &f.rule_name;
            group.total += 1;
        }
        // A render keeps each of its rows whole, so the rows it keeps add up to at most
        // BUDGET bytes: once the rows so far exceed that, no later row can be kept.
        let mut used: usize = diagnostics.iter().chain(&budgets).map(String::len).sum();
        let mut rendered = diagnostics.len() + budgets.len();
        // The priority order: severity, rule id, then report order within a rule.
        let mut by_rule: [BTreeMap<&str, Vec<&Finding>>; 3] = Default::default();
        if used <= BUDGET {
            for f in &report.findings {
                by_rule[severity_slot(f.severity)].entry(&f.rule_id).or_default().push(f);
            }
        }
        'fill: for (slot, group) in by_rule.iter().enumerate() {
            for (rule_id, list) in group {
                for f in list {
                    if used > BUDGET {
                        break 'fill;
                    }
                    let row = finding_row(f, place);
                    used = used.saturating_add(row.len());
                    rendered += 1;
                    if let Some(rule) = findings[slot].get_mut(rule_id) {
                        rule.rows.push(row);
                    }
                }
            }
        }
        Rows { diagnostics, budgets, findings, rendered }
    }

    fn len(&self) -> usize {
        self.diagnostics.len()
            + self.budgets.len()
            + self.findings.iter().flat_map(|g| g.values()).map(|rule| rule.total).sum::<usize>()
    }
}

fn severity_slot(s: Severity) -> usize {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// Render with only the first `keep` rows of the priority order.
fn compose(report: &Report, rows: &Rows<'_>, keep: usize) -> String {
    let mut left = keep;
    let mut take = |n: usize| {
        let k = n.min(left);
        left -= k;
        k
    };
    let diag_kept = take(rows.diagnostics.len());
    let budget_kept = take(rows.budgets.len());
    let finding_kept: Vec<Vec<usize>> =
        rows.findings.iter().map(|group| group.values().map(|rule| take(rule.total)).collect()).collect();

    let mut md = marker(&report.command);
    md.push('\n');
    verdict(report, &mut md);
    let dropped_findings = report.findings.len() - finding_kept.iter().flatten().sum::<usize>();
    let dropped_other = (rows.diagnostics.len() - diag_kept) + (rows.budgets.len() - budget_kept);
    if dropped_findings + dropped_other > 0 {
        truncation_note(report, rows, diag_kept, budget_kept, dropped_findings, &mut md);
    }
    summary(report, &mut md);
    plan_changes(report, &mut md);
    super::pricing::markdown(report, &mut md);
    findings(report, rows, &finding_kept, &mut md);
    suggested_fixes(report, &mut md);
    budgets(report, rows, budget_kept, &mut md);
    exempted(report, &mut md);
    diagnostics(rows, diag_kept, &mut md);
    md.push_str(&format!(
        "<sub>{} {} · `--format json` has the complete, machine-readable report.</sub>\n",
        esc(&report.tool.name),
        esc(&report.tool.version)
    ));
    md
}

fn verdict(report: &Report, md: &mut String) {
    let c = &report.summary.findings;
    let mut parts = Vec::new();
    if c.error > 0 {
        parts.push(format!("❌ **{}**", n_of(c.error, "error")));
    } else if report.partial {
        parts.push("⚠️ **partial data**: no findings at or above error in what could be read".to_string());
    } else {
        parts.push("✅ no findings at or above error".to_string());
    }
    if c.warning > 0 {
        parts.push(n_of(c.warning, "warning"));
    }
    if c.info > 0 {
        parts.push(format!("{} info", thousands(c.info)));
    }
    let mut line = parts.join(", ");
    let trouble = report.summary.budgets_over + report.summary.budgets_forecast_over;
    if trouble > 0 {
        line.push_str(&format!(" · {} in trouble", n_of(trouble, "budget")));
    }
    if report.partial {
        line.push_str(&format!(
            " · ⚠️ **partial data** ({})",
            n_of(report.diagnostics.len(), "input problem")
        ));
    }
    md.push_str(&line);
    md.push_str("\n\n");
    let mut sub = format!("**tally {}**", esc(&report.command));
    if let Some(as_of) = report.as_of {
        sub.push_str(&format!(" · data as of {as_of}"));
    }
    md.push_str(&sub);
    md.push_str("\n\n");
    if report.partial {
        md.push_str(&format!(
            "> [!WARNING]\n> **Partial data.** {} could not be read completely, so findings and totals \
             below may be incomplete. See *Inputs that could not be read* at the end.\n\n",
            n_of(report.diagnostics.len(), "input")
        ));
    }
}

fn truncation_note(
    report: &Report,
    rows: &Rows<'_>,
    diag_kept: usize,
    budget_kept: usize,
    dropped_findings: usize,
    md: &mut String,
) {
    let mut left_out = Vec::new();
    if dropped_findings > 0 {
        left_out.push(format!(
            "{} of {} findings",
            thousands(dropped_findings),
            thousands(report.findings.len())
        ));
    }
    if budget_kept < rows.budgets.len() {
        left_out.push(format!("{} of {} budgets", rows.budgets.len() - budget_kept, rows.budgets.len()));
    }
    if diag_kept < rows.diagnostics.len() {
        left_out.push(format!(
            "{} of {} input problems",
            rows.diagnostics.len() - diag_kept,
            rows.diagnostics.len()
        ));
    }
    md.push_str(&format!(
        "> [!NOTE]\n> Shortened to fit GitHub's {} character comment limit: {} left out \
         (lowest severity first). `--format json` has all of them.\n\n",
        thousands(GITHUB_COMMENT_LIMIT),
        left_out.join(", ")
    ));
}

fn summary(report: &Report, md: &mut String) {
    let s = &report.summary;
    let c = &s.coverage;
    let f = &s.findings;
    let mut rows: Vec<(&str, String)> = Vec::new();
    rows.push((
        "Findings",
        format!("{} · {} · {} info", n_of(f.error, "error"), n_of(f.warning, "warning"), thousands(f.info)),
    ));
    if let Some(line) = report.inputs.terraform_line() {
        rows.push(("Terraform", line));
    }
    if c.live_resources > 0 {
        let mut text = format!(
            "{} of {} live resources managed by Terraform or a known owner",
            pct_text(c.by_count_pct),
            thousands(c.live_resources)
        );
        if let Some(p) = c.by_cost_pct {
            text.push_str(&format!(" · {p}% of usage spend"));
        }
        rows.push(("Coverage", text));
        rows.push((
            "Drift",
            format!(
                "{} unmanaged live · {} in state but missing live",
                thousands(c.unmanaged),
                thousands(c.missing)
            ),
        ));
    }
    if let Some(v) = &report.visibility {
        rows.push(("Visibility", v.summary_line()));
    }
    // Data the run did not have gets no row: "none in this run" only pushes the findings down.
    if let Some(spend) = &s.spend {
        let usage = spend.usage();
        rows.push((
            "Untagged spend",
            format!(
                "{} of {} usage ({}) has no \"{}\" tag",
                money(&spend.untagged),
                money(&Money::new(usage, &spend.currency)),
                percent(spend.untagged.amount, usage),
                spend.owner_tag
            ),
        ));
        if report.summary.coverage.live_resources > 0 {
            rows.push((
                "Unmanaged spend",
                format!("{} on resources in no Terraform state", money(&spend.unmanaged)),
            ));
        }
        rows.push((
            "Total spend",
            format!(
                "{} from {} to {}",
                money(&spend.total),
                spend.period_start,
                spend.period_end.pred_opt().unwrap_or(spend.period_end)
            ),
        ));
    }
    if !report.budgets.is_empty() {
        let budgets = format!(
            "{} over · {} forecast to go over · of {}",
            thousands(s.budgets_over),
            thousands(s.budgets_forecast_over),
            thousands(report.budgets.len())
        );
        rows.push(("Budgets", budgets));
    }
    md.push_str("| | |\n|---|---|\n");
    for (label, text) in rows {
        md.push_str(&format!("| **{label}** | {} |\n", cell(&text)));
    }
    md.push('\n');
}

/// `plan`: whose resources the plan touches, one row per owner tag value.
fn plan_changes(report: &Report, md: &mut String) {
    if report.plan_changes.is_empty() {
        return;
    }
    md.push_str("### What the plan changes, by owner\n\n");
    md.push_str("| owner | create | update | replace | destroy |\n|---|--:|--:|--:|--:|\n");
    for c in &report.plan_changes {
        let owner = c.owner.as_deref().map_or_else(|| "*(no owner tag)*".to_string(), cell);
        md.push_str(&format!(
            "| {owner} | {} | {} | {} | {} |\n",
            thousands(c.create),
            thousands(c.update),
            thousands(c.replace),
            thousands(c.delete)
        ));
    }
    md.push('\n');
}

fn findings(report: &Report, rows: &Rows<'_>, kept: &[Vec<usize>], md: &mut String) {
    if report.findings.is_empty() {
        return;
    }
    md.push_str("### Findings\n\n");
    for (slot, severity) in SEVERITIES.iter().enumerate() {
        let group = &rows.findings[slot];
        let total: usize = group.values().map(|rule| rule.total).sum();
        if total == 0 {
            continue;
        }
        let shown: usize = kept[slot].iter().sum();
        let (icon, title, open) = match severity {
            Severity::Error => ("❌", "Errors", " open"),
            Severity::Warning => ("⚠️", "Warnings", ""),
            Severity::Info => ("ℹ️", "Info", ""),
        };
        let count = if shown == total {
            thousands(total)
        } else {
            format!("{}, {} shown", thousands(total), thousands(shown))
        };
        md.push_str(&format!("<details{open}>\n<summary>{icon} {title} ({count})</summary>\n\n"));
        let mut hidden = Vec::new();
        for ((rule_id, rule), &k) in group.iter().zip(&kept[slot]) {
            let (rule_name, rule_rows) = (rule.name, &rule.rows);
            if k < rule.total {
                hidden.push(format!("{} ×{}", esc(rule_id), thousands(rule.total - k)));
            }
            if k == 0 {
                continue;
            }
            let count = if k == rule.total {
                thousands(k)
            } else {
                format!("{} of {}", thousands(k), thousands(rule.total))
            };
            let id = match super::sarif::help_uri(rule_id) {
                Some(uri) if crate::policy::catalog().contains_key(*rule_id) => {
                    format!("[{}]({uri})", esc(rule_id))
                }
                _ => esc(rule_id),
            };
            md.push_str(&format!("**{id}** {} ({count})\n\n", esc(rule_name)));
            md.push_str("| resource | location | owner | cost | message |\n|---|---|---|---|---|\n");
            for row in &rule_rows[..k] {
                md.push_str(row);
            }
            md.push('\n');
        }
        if !hidden.is_empty() {
            md.push_str(&format!(
                "*{} more not shown: {}.*\n\n",
                thousands(total - shown),
                hidden.join(", ")
            ));
        }
        md.push_str("</details>\n\n");
    }
}

fn finding_row(f: &Finding, place: &Place<'_>) -> String {
    let location = f.location.as_ref().map(|l| location_cell(l, place)).unwrap_or_default();
    let owner = f.owner.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ");
    let cost = f.cost.as_ref().map(money).unwrap_or_default();
    format!(
        "| {} | {} | {} | {} | {} |\n",
        cell(f.resource.label()),
        location,
        cell(&owner),
        cell(&cost),
        cell(&f.message)
    )
}

/// `file:line`, repository-relative; a link to the line at the run's commit when known and the
/// file is inside the repository.
fn location_cell(l: &crate::model::SourceLocation, place: &Place<'_>) -> String {
    let relative = place.repo.relative(&l.file).filter(|p| !p.is_empty());
    let shown = relative.clone().unwrap_or_else(|| l.file.clone());
    let text = match l.line {
        Some(line) => format!("{shown}:{line}"),
        None => shown,
    };
    match (place.links, relative) {
        (Some(links), Some(path)) => {
            let anchor = l.line.map(|n| format!("#L{n}")).unwrap_or_default();
            let url = format!("{}/{}{anchor}", links.blob, url_path(&path));
            format!("[{}]({url})", cell(&text))
        }
        _ => cell(&text),
    }
}

/// A repository path in a URL: segments percent-encoded where Markdown or URLs would misread them.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn budgets(report: &Report, rows: &Rows<'_>, kept: usize, md: &mut String) {
    if report.budgets.is_empty() {
        return;
    }
    md.push_str("### Budgets\n\n");
    md.push_str(
        "| budget | period | limit | actual | forecast | used | state |\n|---|---|---|---|---|---|---|\n",
    );
    for row in &rows.budgets[..kept] {
        md.push_str(row);
    }
    if kept < rows.budgets.len() {
        md.push_str(&format!("\n*{} more budgets not shown.*\n", thousands(rows.budgets.len() - kept)));
    }
    md.push('\n');
}

fn budget_row(b: &BudgetStatus) -> String {
    let opt = |m: &Option<Money>| m.as_ref().map(money).unwrap_or_else(|| "-".to_string());
    let state = match b.state {
        BudgetState::Ok => "🟢 ok",
        BudgetState::ForecastOver => "🟠 forecast over",
        BudgetState::Over => "🔴 over",
        BudgetState::Unknown => "⚪ no data",
        BudgetState::CurrencyMismatch => "⚪ currency mismatch",
    };
    let period = format!("{} to {}", b.period_start, b.period_end.pred_opt().unwrap_or(b.period_end));
    format!(
        "| {} | {} | {} | {} | {} | {} | {state} |\n",
        cell(&b.name),
        period,
        money(&b.limit),
        opt(&b.actual),
        opt(&b.forecast),
        pct_text(b.actual_pct),
    )
}

/// At most this many exempted findings are listed; the JSON report has them all.
const EXEMPTED_MAX_ROWS: usize = 20;

/// Exempted findings, folded away: they are not problems, but reviewers should see them.
fn exempted(report: &Report, md: &mut String) {
    if report.exempted.is_empty() {
        return;
    }
    md.push_str(&format!(
        "<details><summary>{} covered by written exemptions</summary>\n\n",
        n_of(report.exempted.len(), "finding")
    ));
    md.push_str(
        "| rule | resource | exemption | approved by | expires | reason |\n|---|---|---|---|---|---|\n",
    );
    for x in report.exempted.iter().take(EXEMPTED_MAX_ROWS) {
        let e = &x.exemption;
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            cell(&x.finding.rule_id),
            cell(x.finding.resource.label()),
            cell(&format!("{}:{}", e.file, e.line)),
            cell(&e.approved_by),
            e.expires,
            cell(&e.reason)
        ));
    }
    if report.exempted.len() > EXEMPTED_MAX_ROWS {
        md.push_str(&format!(
            "\n*{} more not shown.*\n",
            thousands(report.exempted.len() - EXEMPTED_MAX_ROWS)
        ));
    }
    md.push_str("\n</details>\n\n");
}

fn diagnostics(rows: &Rows<'_>, kept: usize, md: &mut String) {
    if rows.diagnostics.is_empty() {
        return;
    }
    md.push_str("### ⚠️ Inputs that could not be read\n\n");
    md.push_str("| source | where | problem |\n|---|---|---|\n");
    for row in &rows.diagnostics[..kept] {
        md.push_str(row);
    }
    if kept < rows.diagnostics.len() {
        md.push_str(&format!(
            "\n*{} more input problems not shown.*\n",
            thousands(rows.diagnostics.len() - kept)
        ));
    }
    md.push('\n');
}

fn diagnostic_row(d: &Diagnostic) -> String {
    let mut place: Vec<String> = d.location.iter().map(ToString::to_string).collect();
    place.extend(d.account.iter().chain(&d.region).cloned());
    format!("| {} | {} | {} |\n", cell(&d.source), cell(&place.join(" ")), cell(&d.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cells::CELL_MAX_CHARS;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(esc("a|b<c>&d\ne\r\nf\rg"), "a\\|b&lt;c&gt;&amp;d<br>e<br>f<br>g");
        assert_eq!(esc("prod-* `x` \\|"), "prod-\\* \\`x\\` \\\\\\|");
    }

    #[test]
    fn long_cells_are_cut() {
        let long = "x".repeat(1000);
        let c = cell(&long);
        assert_eq!(c.chars().count(), CELL_MAX_CHARS);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn locations_link_to_the_line_at_the_commit() {
        let repo = RepoPaths { cwd: Some("/r/infra".into()), root: Some("/r".into()) };
        let links = Links::github(Some("https://github.com/".into()), Some("o/r".into()), Some("abc".into()));
        let place = Place { repo: &repo, links: links.as_ref() };
        let loc = crate::model::SourceLocation { file: "./a b.tf".into(), line: Some(7), column: None };
        assert_eq!(
            location_cell(&loc, &place),
            "[infra/a b.tf:7](https://github.com/o/r/blob/abc/infra/a%20b.tf#L7)"
        );
        let outside = crate::model::SourceLocation::file("/tmp/x.tf");
        assert_eq!(location_cell(&outside, &place), "/tmp/x.tf");
        assert_eq!(
            Links::github(Some("https://github.com".into()), Some(String::new()), Some("abc".into())),
            None
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
