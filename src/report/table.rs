//! Terminal rendering: what a manager reads first (coverage, untagged share, unmanaged spend,
//! budgets in trouble), then findings by severity, spend by owner, budgets and input problems.
//! Colour only when asked (the binary asks on a TTY). On a terminal of known width, long lines
//! wrap at spaces with their continuation indented under the line's text, instead of the
//! terminal's unindented wrap.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rust_decimal::Decimal;

use super::text::{plural, visible};
use super::{BudgetState, Finding, RenderOptions, Report, Severity};
use crate::model::Money;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn severity(&self, s: Severity, text: &str) -> String {
        match s {
            Severity::Error => self.paint("1;31", text),
            Severity::Warning => self.paint("33", text),
            Severity::Info => self.paint("36", text),
        }
    }
}

/// A rule with more findings than this at one severity is shown as a group: its first
/// [`GROUP_SHOWN`] findings, then one line with how many more share the rule. A terminal of a
/// million lines helps nobody; `--format json` keeps every finding.
const GROUP_OVER: usize = 20;
const GROUP_SHOWN: usize = 10;

/// How many findings each rule id has at each severity, in the whole report.
type RuleCounts = BTreeMap<Severity, BTreeMap<String, usize>>;

fn count_of(counts: &RuleCounts, severity: Severity, rule_id: &str) -> usize {
    counts.get(&severity).and_then(|rules| rules.get(rule_id)).copied().unwrap_or(0)
}

/// Data (tag values, names, messages) may carry ANSI escapes or line breaks: the table prints
/// a copy where every control character is a visible escape. The copy holds only the findings
/// the table shows (a copy of a million findings was most of the table's time and memory).
pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let counts = rule_counts(report);
    let safe = super::text::terminal_safe(&shown_copy(report, &counts));
    // The plan's cost lines come from the report itself, each made visible as a whole line:
    // `visible` works character by character, so that is the line the copy would give, without
    // copying every resource's cost and components to show 25 of them.
    let cost: Vec<String> =
        super::pricing::table_lines(report).iter().map(|line| visible(line).into_owned()).collect();
    match opts.width {
        // Narrower than this, wrapping helps nobody: leave it to the terminal.
        Some(width) if width >= 40 => {
            let mut buf = Vec::new();
            render_lines(&safe, &counts, &cost, opts, &mut buf)?;
            out.write_all(wrap(&String::from_utf8_lossy(&buf), width).as_bytes())
        }
        _ => render_lines(&safe, &counts, &cost, opts, out),
    }
}

/// Rule ids as the table prints them (made visible, as in the copy it prints from).
fn rule_counts(report: &Report) -> RuleCounts {
    let mut counts = RuleCounts::new();
    for f in &report.findings {
        let rules = counts.entry(f.severity).or_default();
        let rule = visible(&f.rule_id);
        match rules.get_mut(&*rule) {
            Some(n) => *n += 1,
            None => {
                rules.insert(rule.into_owned(), 1);
            }
        }
    }
    counts
}

/// The report with only the findings the table shows: all of a rule's at a severity up to
/// [`GROUP_OVER`], else its first [`GROUP_SHOWN`]; without the plan's cost, whose lines are
/// made from the report (see [`render`]).
fn shown_copy(report: &Report, counts: &RuleCounts) -> Report {
    let mut taken: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
    let findings = report
        .findings
        .iter()
        .filter(|f| {
            if count_of(counts, f.severity, &visible(&f.rule_id)) <= GROUP_OVER {
                return true;
            }
            let n = taken.entry((f.severity, &f.rule_id)).or_default();
            *n += 1;
            *n <= GROUP_SHOWN
        })
        .cloned()
        .collect();
    Report {
        version: report.version,
        tool: report.tool.clone(),
        command: report.command.clone(),
        as_of: report.as_of,
        partial: report.partial,
        inputs: report.inputs.clone(),
        summary: report.summary.clone(),
        findings,
        budgets: report.budgets.clone(),
        diagnostics: report.diagnostics.clone(),
        exempted: report.exempted.clone(),
        visibility: report.visibility.clone(),
        plan_changes: report.plan_changes.clone(),
        plan_cost: None,
    }
}

/// Wrap every line wider than `width` columns at spaces; continuation lines are indented by the
/// line's own indent plus two. Colour escapes take no columns. A word longer than the line stays
/// whole.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if columns(body) <= width {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start_matches(' ').len();
        let hang = " ".repeat((indent + 2).min(width / 2));
        let mut used = 0;
        for (i, word) in body.trim_start_matches(' ').split(' ').enumerate() {
            let w = columns(word);
            if i == 0 {
                out.push_str(&body[..indent]);
                used = indent;
            } else if used + 1 + w > width {
                out.push('\n');
                out.push_str(&hang);
                used = hang.len();
            } else {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += w;
        }
        out.push_str(newline);
    }
    out
}

/// Terminal columns of `s`: characters outside `ESC [ ... m` colour sequences.
fn columns(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for ch in s.chars() {
        match (in_escape, ch) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

fn render_lines(
    report: &Report,
    counts: &RuleCounts,
    cost: &[String],
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let st = Style { color: opts.color };
    header(report, &st, out)?;
    summary(report, &st, out)?;
    findings(report, counts, &st, out)?;
    exempted(report, &st, out)?;
    spend(report, &st, out)?;
    plan_cost(cost, out)?;
    budgets(report, &st, out)?;
    diagnostics(report, &st, out)
}

/// `plan --costs`: the monthly change by owner and per resource.
fn plan_cost(lines: &[String], out: &mut dyn Write) -> io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    writeln!(out)
}

fn header(report: &Report, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let mut line = format!("tally {}", report.command);
    if let Some(as_of) = report.as_of {
        line.push_str(&format!(" · data as of {as_of}"));
    }
    write!(out, "{}", st.bold(&line))?;
    if report.partial {
        let n = report.diagnostics.len();
        let what = format!(" · PARTIAL: {n} input problem{} (see below)", if n == 1 { "" } else { "s" });
        write!(out, "{}", st.paint("1;31", &what))?;
    }
    writeln!(out)?;
    writeln!(out)
}

fn summary(report: &Report, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let c = &s.coverage;
    if let Some(line) = report.inputs.terraform_line() {
        row(out, st, "Terraform", &line)?;
    }
    if c.live_resources > 0 {
        let mut line = format!(
            "{}% of {} live resources are managed by Terraform ({}) or by a known owner ({})",
            c.by_count_pct.unwrap_or_default(),
            c.live_resources,
            c.managed,
            c.owned_elsewhere
        );
        if let Some(pct) = c.by_cost_pct {
            line.push_str(&format!("; {pct}% of usage spend"));
        }
        row(out, st, "Coverage", &line)?;
        row(
            out,
            st,
            "Drift",
            &format!("{} unmanaged live resources, {} in state but missing live", c.unmanaged, c.missing),
        )?;
    }
    if let Some(v) = &report.visibility {
        row(out, st, "Visibility", &v.summary_line())?;
    }
    if let Some(spend) = &s.spend {
        let usage = spend.usage();
        row(
            out,
            st,
            "Untagged",
            &format!(
                "{} of {} usage ({}) has no \"{}\" tag",
                money(&spend.untagged),
                money(&Money::new(usage, &spend.currency)),
                pct(spend.untagged.amount, usage),
                spend.owner_tag
            ),
        )?;
        // Unmanaged spend means something only when live resources were correlated with state.
        if c.live_resources > 0 {
            row(
                out,
                st,
                "Unmanaged",
                &format!("{} spent on resources in no Terraform state", money(&spend.unmanaged)),
            )?;
        }
        row(
            out,
            st,
            "Spend",
            &format!(
                "{} from {} to {}",
                money(&spend.total),
                spend.period_start,
                spend.period_end.pred_opt().unwrap_or(spend.period_end)
            ),
        )?;
    }
    if !report.budgets.is_empty() {
        row(
            out,
            st,
            "Budgets",
            &format!(
                "{} over, {} forecast to go over (of {})",
                s.budgets_over,
                s.budgets_forecast_over,
                report.budgets.len()
            ),
        )?;
    }
    let f = &s.findings;
    let errors = plural(f.error, "error", "errors");
    let warnings = plural(f.warning, "warning", "warnings");
    row(out, st, "Findings", &format!("{errors}, {warnings}, {} info", f.info))?;
    writeln!(out)
}

fn row(out: &mut dyn Write, st: &Style, label: &str, text: &str) -> io::Result<()> {
    writeln!(out, "  {} {}", st.bold(&format!("{label:<10}")), text)
}

/// `counts` are the whole report's; `report` holds the findings shown (see [`shown_copy`]).
fn findings(report: &Report, counts: &RuleCounts, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let group: Vec<&Finding> = report.findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let title = match severity {
            Severity::Error => "Errors",
            Severity::Warning => "Warnings",
            Severity::Info => "Info",
        };
        let total: usize = counts.get(&severity).map_or(0, |rules| rules.values().sum());
        writeln!(out, "{}", st.severity(severity, &format!("{title} ({total})")))?;
        let mut printed: BTreeMap<&str, usize> = BTreeMap::new();
        for f in group {
            writeln!(out, "  {} {}", st.severity(severity, &f.rule_id), f.message)?;
            let mut meta = Vec::new();
            if let Some(loc) = &f.location {
                meta.push(loc.to_string());
            }
            if let Some(cost) = &f.cost {
                meta.push(money(cost));
            }
            for (k, v) in &f.owner {
                meta.push(format!("{k}={v}"));
            }
            if !meta.is_empty() {
                writeln!(out, "         {}", st.dim(&meta.join(" · ")))?;
            }
            // After a grouped rule's last finding shown: how many more share it.
            let all = count_of(counts, severity, &f.rule_id);
            let n = printed.entry(&f.rule_id).or_default();
            *n += 1;
            if all > GROUP_OVER && *n == GROUP_SHOWN {
                let more = format!(
                    "… and {} more {} ({}) findings like these, {all} in all: --format json lists every one",
                    all - GROUP_SHOWN,
                    f.rule_id,
                    f.rule_name
                );
                writeln!(out, "  {} {}", st.severity(severity, &f.rule_id), st.dim(&more))?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn spend(report: &Report, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    let Some(spend) = &report.summary.spend else { return Ok(()) };
    writeln!(out, "{}", st.bold(&format!("Spend by {}", spend.owner_tag)))?;
    let total = spend.total.amount;
    let mut rows: Vec<(String, &Money)> = spend.by_owner.iter().map(|(k, v)| (k.clone(), v)).collect();
    rows.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then_with(|| a.0.cmp(&b.0)));
    rows.push(("(untagged)".to_string(), &spend.untagged));
    for (k, v) in &spend.untaggable {
        rows.push((format!("({k})"), v));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0).max(5);
    for (name, amount) in &rows {
        writeln!(out, "  {name:<width$}  {:>14}  {:>6}", money(amount), pct(amount.amount, total))?;
    }
    writeln!(out, "  {:<width$}  {:>14}", "total", money(&spend.total))?;
    writeln!(out)
}

fn budgets(report: &Report, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    if report.budgets.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", st.bold("Budgets"))?;
    let width = report.budgets.iter().map(|b| b.name.len()).max().unwrap_or(0).max(6);
    writeln!(
        out,
        "  {:<width$}  {:>14}  {:>14}  {:>14}  {:>21}  state",
        "budget", "limit", "actual", "forecast", "runs out"
    )?;
    for b in &report.budgets {
        let opt = |m: &Option<Money>| m.as_ref().map(money).unwrap_or_else(|| "-".to_string());
        let state = match b.state {
            BudgetState::Ok => st.paint("32", "ok"),
            BudgetState::ForecastOver => st.severity(Severity::Warning, "forecast over"),
            BudgetState::Over => st.severity(Severity::Error, "over"),
            BudgetState::Unknown => st.dim("no data"),
            BudgetState::CurrencyMismatch => st.severity(Severity::Warning, "currency mismatch"),
        };
        writeln!(
            out,
            "  {:<width$}  {:>14}  {:>14}  {:>14}  {:>21}  {}",
            b.name,
            money(&b.limit),
            opt(&b.actual),
            opt(&b.forecast),
            super::review_markdown::runs_out_text(b),
            state
        )?;
    }
    writeln!(out)
}

/// Findings covered by written exemptions: one line each, with who approved it and until when.
fn exempted(report: &Report, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    if report.exempted.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", st.bold(&format!("Exempted ({})", report.exempted.len())))?;
    for x in &report.exempted {
        let e = &x.exemption;
        writeln!(out, "  {} {}", st.dim(&x.finding.rule_id), x.finding.resource.label())?;
        writeln!(
            out,
            "         {}",
            st.dim(&format!(
                "{}:{} · approved by {} · until {} · {}",
                e.file, e.line, e.approved_by, e.expires, e.reason
            ))
        )?;
    }
    writeln!(out)
}

fn diagnostics(report: &Report, st: &Style, out: &mut dyn Write) -> io::Result<()> {
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", st.paint("1;31", "Inputs that could not be read completely"))?;
    for d in &report.diagnostics {
        let mut place = d.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        for part in [&d.account, &d.region].into_iter().flatten() {
            if !place.is_empty() {
                place.push(' ');
            }
            place.push_str(part);
        }
        writeln!(
            out,
            "  [{}] {}{}",
            d.source,
            if place.is_empty() { String::new() } else { format!("{place}: ") },
            d.message
        )?;
    }
    writeln!(out)
}

pub fn money(m: &Money) -> String {
    m.to_string()
}

fn pct(part: Decimal, whole: Decimal) -> String {
    super::percent(part, whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_grouped_with_two_decimals() {
        let m = |s: &str| money(&Money::new(Decimal::from_str(s).unwrap(), "USD"));
        assert_eq!(m("1234567.891"), "1,234,567.89 USD");
        assert_eq!(m("0.005"), "0.01 USD");
        assert_eq!(m("-1000"), "-1,000.00 USD");
        assert_eq!(m("12.5"), "12.50 USD");
    }

    #[test]
    fn long_lines_wrap_at_spaces_under_their_indent() {
        let text = "  TAG001 aws_s3_bucket.logs app.tf:12 missing required tag team\nshort\n";
        let wrapped = wrap(text, 40);
        assert_eq!(wrapped, "  TAG001 aws_s3_bucket.logs app.tf:12\n    missing required tag team\nshort\n");
        assert!(wrapped.lines().all(|l| columns(l) <= 40));
        // Colour escapes take no columns; a word wider than the line stays whole.
        assert_eq!(columns("\x1b[1;31merror\x1b[0m"), 5);
        assert_eq!(wrap(&"x".repeat(50), 40), "x".repeat(50));
    }
}
