//! The weekly review as one self-contained HTML page: inline CSS and inline SVG charts, no
//! scripts, no fonts or images to fetch, so it opens offline, in a mail attachment or a CI
//! artifact. Sections: verdict, KPI tiles, daily spend stacked by owner, week-over-week movers,
//! spend by owner, unmanaged spend (CST002), budget burn, coverage, findings summary.
//!
//! Deterministic: same report, same bytes (sorted data, no clock; the only date is the data's
//! `as_of`). Every piece of text from the data is escaped: tag values are user input. Chart
//! geometry uses `f64` (pixels, never money); amounts shown are formatted from `Decimal`.

// Markup is written into a String; a fragment's trailing newline is part of the markup.
#![allow(clippy::write_with_newline)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

mod charts;
mod style;
mod trends;

use super::review::{Review, ReviewReport};
use super::review_markdown::{change_text, period_text, trouble, verdict, NO_MOVERS};
use super::text::{escape, plural, Markup};
use super::{percent, BudgetState, BudgetStatus, Report, Severity};
use crate::model::Money;
use charts::{burn_chart, daily_chart, f};
use style::CSS;

/// Owners drawn as their own series; the rest are one "other" series, so 40 teams stay legible.
pub(super) const MAX_OWNER_SERIES: usize = 9;
/// Distinct, colour-blind-friendly hues for owners; untagged and untaggable have fixed colours.
pub(super) const PALETTE: [&str; 9] =
    ["#4269d0", "#efb118", "#3ca951", "#a463f2", "#6cc5b0", "#97bbf5", "#9c6b4e", "#ff8ab7", "#38598b"];
pub(super) const UNTAGGED_COLOR: &str = "#d64545";
pub(super) const UNTAGGABLE_COLOR: &str = "#b9b9b9";
pub(super) const OTHER_COLOR: &str = "#6f6f6f";

pub fn render(r: &ReviewReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(r).as_bytes())
}

/// A figure as it appears in the JSON report: `<span data-json="/json/pointer">text</span>`.
/// Every number on the page that is in the report carries the RFC 6901 pointer to its value,
/// so a test (and a curious reader) can check the page against `--format json`.
pub(crate) fn fig(pointer: &str, text: &str) -> String {
    format!("<span data-json=\"{}\">{}</span>", esc(pointer), esc(text))
}

/// One JSON pointer segment (RFC 6901: `~` and `/` escaped).
pub(crate) fn seg(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// What a review lacks without cost lines, and how to get them.
const NO_COSTS: &str = "No cost lines for this period, so there is no spend to show. Record them with \
    <code>tally collect</code> (Cost Explorer, daily) or give <code>--costs PATH</code> (CUR or FOCUS files).";

/// Escape text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    escape(s, Markup::Html)
}

pub fn to_string(r: &ReviewReport) -> String {
    let (report, review) = (&r.report, &r.review);
    let mut h = String::new();
    let title = format!("Weekly cost review: {}", period_text(review));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    header(report, review, &mut h);
    kpis(report, review, &mut h);
    daily_chart(review, &mut h);
    movers(review, &mut h);
    h.push_str("<div class=\"cols\">\n");
    owners_table(report, &mut h);
    unmanaged(report, &mut h);
    h.push_str("</div>\n");
    budgets(report, review, &mut h);
    trends::trends(review, &mut h);
    coverage(report, &mut h);
    findings(report, &mut h);
    let _ = write!(
        h,
        "<footer>{} {} · data as of {} · amounts in {} · every number here is in the JSON report \
         (<code>--format json</code>)</footer>\n</main>\n</body>\n</html>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        as_of_text(report),
        esc(&review.currency)
    );
    h
}

fn as_of_text(report: &Report) -> String {
    report.as_of.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

fn header(report: &Report, review: &Review, h: &mut String) {
    let kind = match review.label.as_str() {
        "last-week" => "Weekly cost review".to_string(),
        "custom" => "Cost review".to_string(),
        month => format!("Cost review {}", esc(month)),
    };
    let _ = write!(
        h,
        "<header>\n<p class=\"eyebrow\">{kind}</p>\n<h1>{}</h1>\n<p class=\"meta\">data as of {}{}</p>\n\
         <p class=\"verdict\">{}</p>\n</header>\n",
        long_range(review.period_start, review.period_end),
        as_of_text(report),
        if report.partial {
            " · <strong class=\"warn\">partial data: some inputs could not be read</strong>"
        } else {
            ""
        },
        verdict(report, review, &esc)
    );
}

/// `11 – 17 Nov 2026` for an exclusive end.
fn long_range(start: NaiveDate, end: NaiveDate) -> String {
    let last = end.pred_opt().unwrap_or(end);
    if start == last {
        return last.format("%-d %b %Y").to_string();
    }
    let first = match (start.year() == last.year(), start.month() == last.month()) {
        (true, true) => start.format("%-d").to_string(),
        (true, false) => start.format("%-d %b").to_string(),
        _ => start.format("%-d %b %Y").to_string(),
    };
    format!("{first} – {}", last.format("%-d %b %Y"))
}

fn tile(h: &mut String, label: &str, value: &str, note: &str, class: &str) {
    let _ = write!(
        h,
        "<div class=\"tile {class}\"><div class=\"label\">{label}</div><div class=\"value\">{value}</div>\
         <div class=\"note\">{note}</div></div>\n"
    );
}

fn kpis(report: &Report, review: &Review, h: &mut String) {
    h.push_str("<section class=\"tiles\">\n");
    let spend = report.summary.spend.as_ref();
    match spend {
        Some(s) => {
            let trend = review
                .movers
                .as_ref()
                .filter(|m| review.label == "last-week" && !m.previous_total.is_zero())
                .and_then(|m| {
                    let change = crate::money::percent(
                        m.last_total.checked_sub(m.previous_total)?,
                        m.previous_total.abs(),
                    )?;
                    let sign = if change.is_sign_negative() { "" } else { "+" };
                    Some(format!("{sign}{:.1}% on the 7 days before", change.round_dp(1)))
                })
                .unwrap_or_else(|| format!("{} days", (review.period_end - review.period_start).num_days()));
            tile(h, "Total spend", &fig("/summary/spend/total", &s.total.to_string()), &esc(&trend), "");
            let usage = s.usage();
            let untagged_class = if s.untagged.amount.is_zero() { "good" } else { "bad" };
            tile(
                h,
                "Untagged share",
                &percent(s.untagged.amount, usage),
                &format!(
                    "{} of usage without “{}”",
                    fig("/summary/spend/untagged", &s.untagged.to_string()),
                    esc(&s.owner_tag)
                ),
                untagged_class,
            );
            let (open, exempted) = unmanaged_rows(report);
            let mut note = format!(
                "{} in no Terraform state",
                plural(open.len() + exempted.len(), "resource", "resources")
            );
            if !exempted.is_empty() {
                let _ = write!(note, ", {} exempted in writing", exempted.len());
            }
            tile(
                h,
                "Unmanaged spend",
                &fig("/summary/spend/unmanaged", &s.unmanaged.to_string()),
                &note,
                if s.unmanaged.amount.is_zero() { "good" } else { "bad" },
            );
        }
        None => tile(h, "Total spend", "-", "no cost lines for this period: see below", ""),
    }
    let c = &report.summary.coverage;
    let pct = |p: Option<Decimal>, pointer: &str| match p {
        Some(p) => fig(pointer, &format!("{p}%")),
        None => "-".into(),
    };
    tile(
        h,
        "Coverage by count",
        &pct(c.by_count_pct, "/summary/coverage/by_count_pct"),
        &if c.live_resources == 0 {
            "needs Terraform state and a live inventory".to_string()
        } else {
            format!("{} of {} live resources accounted for", c.managed + c.owned_elsewhere, c.live_resources)
        },
        "",
    );
    tile(
        h,
        "Coverage by money",
        &pct(c.by_cost_pct, "/summary/coverage/by_cost_pct"),
        if c.by_cost_pct.is_some() {
            "usage spend on managed resources"
        } else {
            "needs resource-level cost lines"
        },
        "",
    );
    let troubled: Vec<&BudgetStatus> = report.budgets.iter().filter(|b| trouble(b).is_some()).collect();
    let names: Vec<String> = troubled.iter().map(|b| esc(&b.name)).collect();
    tile(
        h,
        "Budgets in trouble",
        &format!("{} <small>of {}</small>", troubled.len(), report.budgets.len()),
        &if names.is_empty() { "all on track".to_string() } else { names.join(", ") },
        if troubled.is_empty() { "good" } else { "bad" },
    );
    h.push_str("</section>\n");
}

/// CST002 findings (with their index in `findings`) and exempted CST002 (index in `exempted`):
/// the unmanaged spend of the summary is their sum, so the tile and the table show both.
/// Findings with their position in the report's list.
type Indexed<'a> = Vec<(usize, &'a super::Finding)>;

fn unmanaged_rows(report: &Report) -> (Indexed<'_>, Indexed<'_>) {
    let open = report.findings.iter().enumerate().filter(|(_, f)| f.rule_id == "CST002").collect();
    let exempted = report
        .exempted
        .iter()
        .enumerate()
        .filter(|(_, x)| x.finding.rule_id == "CST002")
        .map(|(i, x)| (i, &x.finding))
        .collect();
    (open, exempted)
}

/// `5,540 USD`: whole units for tiles, where cents are noise.
pub(super) fn short_money(m: &Money) -> String {
    let whole = Money::new(m.amount.round(), &m.currency).to_string();
    whole.replacen(".00 ", " ", 1)
}

fn movers(review: &Review, h: &mut String) {
    h.push_str("<section>\n<h2>Week-over-week movers</h2>\n");
    let Some(m) = &review.movers else {
        let _ = write!(h, "<p class=\"empty\">{}</p>\n</section>\n", esc(NO_MOVERS.trim()));
        return;
    };
    let money = |d: Decimal| esc(&Money::new(d, &m.currency).to_string());
    let last_day = m.last_end.pred_opt().unwrap_or(m.last_end);
    let _ = write!(
        h,
        "<p class=\"caption\">{} to {last_day} against {} to {}; a mover changed by at least {}% and {} \
         (rule CST003).</p>\n",
        m.last_start,
        m.previous_start,
        m.last_start.pred_opt().unwrap_or(m.last_start),
        m.min_change_pct.normalize(),
        money(m.min_change)
    );
    if m.rows.is_empty() {
        h.push_str("<p class=\"empty\">Nothing moved beyond both thresholds.</p>\n</section>\n");
        return;
    }
    let _ = write!(
        h,
        "<div class=\"scroll\"><table class=\"movers\">\n<thead><tr><th>{}</th><th>service</th><th class=\"num\">week before</th>\
         <th class=\"num\">last week</th><th class=\"num\">change</th></tr></thead>\n<tbody>\n",
        esc(&review.owner_tag)
    );
    for row in &m.rows {
        let class = if row.delta.is_sign_negative() { "down" } else { "up" };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num {class}\">{}</td></tr>\n",
            esc(&row.who()),
            esc(&row.service),
            money(row.previous),
            money(row.last),
            esc(&change_text(row, &m.currency))
        );
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn owners_table(report: &Report, h: &mut String) {
    h.push_str("<section>\n");
    let Some(s) = &report.summary.spend else {
        let _ = write!(h, "<h2>Spend by owner</h2>\n<p class=\"empty\">{NO_COSTS}</p>\n</section>\n");
        return;
    };
    let _ = write!(h, "<h2>Spend by {}</h2>\n<table class=\"owners\">\n<tbody>\n", esc(&s.owner_tag));
    let mut rows: Vec<(String, &Money, &str, String)> = s
        .by_owner
        .iter()
        .map(|(o, m)| (esc(o), m, "", format!("/summary/spend/by_owner/{}", seg(o))))
        .collect();
    rows.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then(a.0.cmp(&b.0)));
    if !s.untagged.amount.is_zero() {
        rows.push(("<em>untagged</em>".into(), &s.untagged, "untagged", "/summary/spend/untagged".into()));
    }
    for (category, m) in &s.untaggable {
        let pointer = format!("/summary/spend/untaggable/{}", seg(category));
        rows.push((format!("<em>{}</em>", esc(category)), m, "untaggable", pointer));
    }
    let max = rows.iter().map(|r| r.1.amount).max().unwrap_or_default();
    for (label, m, class, pointer) in &rows {
        let width = if max > Decimal::ZERO { (f(m.amount) / f(max) * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td>{label}</td><td class=\"barcell\"><span class=\"hbar\" style=\"width:{width:.1}%\">\
             </span></td><td class=\"num\">{}</td><td class=\"num muted\">{}</td></tr>\n",
            fig(pointer, &m.to_string()),
            percent(m.amount, s.total.amount)
        );
    }
    let _ = write!(
        h,
        "<tr class=\"total\"><td>total</td><td></td><td class=\"num\">{}</td><td></td></tr>\n</tbody>\n</table>\n</section>\n",
        fig("/summary/spend/total", &s.total.to_string())
    );
}

fn unmanaged(report: &Report, h: &mut String) {
    h.push_str("<section>\n<h2>Unmanaged spend</h2>\n");
    let Some(spend) = &report.summary.spend else {
        let _ = write!(h, "<p class=\"empty\">{NO_COSTS}</p>\n</section>\n");
        return;
    };
    if report.summary.coverage.live_resources == 0 {
        h.push_str(
            "<p class=\"empty\">Not computed: finding spend outside Terraform needs Terraform state and a live \
             inventory (<code>tally collect</code>).</p>\n</section>\n",
        );
        return;
    }
    let (open, exempted) = unmanaged_rows(report);
    if open.is_empty() && exempted.is_empty() {
        let _ = write!(
            h,
            "<p class=\"empty\">No spend on resources outside Terraform (CST002): {} of resource-level \
             spend is on resources in no state.</p>\n</section>\n",
            fig("/summary/spend/unmanaged", &spend.unmanaged.to_string())
        );
        return;
    }
    h.push_str(
        "<p class=\"caption\">Resources in no Terraform state, with their spend in the period (CST002).</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>resource</th><th>owner</th><th class=\"num\">spend</th></tr></thead>\n<tbody>\n",
    );
    let mut rows: Vec<(&super::Finding, String, bool)> = open
        .into_iter()
        .map(|(i, f)| (f, format!("/findings/{i}/cost"), false))
        .chain(exempted.into_iter().map(|(i, f)| (f, format!("/exempted/{i}/finding/cost"), true)))
        .collect();
    rows.sort_by(|a, b| {
        let amount = |f: &super::Finding| f.cost.as_ref().map(|c| c.amount).unwrap_or_default();
        amount(b.0).cmp(&amount(a.0)).then(a.0.resource.label().cmp(b.0.resource.label()))
    });
    for (f, pointer, is_exempted) in rows {
        let owner = f.owner.values().collect::<Vec<_>>().join(", ");
        let _ = write!(
            h,
            "<tr{}><td class=\"mono\">{}{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            if is_exempted { " class=\"exempted\"" } else { "" },
            esc(f.resource.label()),
            if is_exempted { " <span class=\"tag\">exempted</span>" } else { "" },
            if owner.is_empty() { "<em>none</em>".to_string() } else { esc(&owner) },
            f.cost.as_ref().map(|c| fig(&pointer, &c.to_string())).unwrap_or_default()
        );
    }
    let _ = write!(
        h,
        "<tr class=\"total\"><td>total</td><td></td><td class=\"num\">{}</td></tr>\n</tbody>\n</table></div>\n</section>\n",
        fig("/summary/spend/unmanaged", &spend.unmanaged.to_string())
    );
}

fn budgets(report: &Report, review: &Review, h: &mut String) {
    if report.budgets.is_empty() {
        return;
    }
    h.push_str("<section>\n<h2>Budget burn</h2>\n<div class=\"burns\">\n");
    let mut ordered: Vec<(usize, &BudgetStatus)> = report.budgets.iter().enumerate().collect();
    // Budgets in trouble first: the reader's attention goes top-left.
    ordered.sort_by_key(|(_, b)| (trouble(b).is_none(), b.name.clone()));
    for (i, b) in ordered {
        let burn = review.burn.iter().find(|x| x.name == b.name);
        let class = match (b.state, trouble(b).is_some()) {
            (BudgetState::Over, _) => "budget over",
            (_, true) => "budget trouble",
            _ => "budget",
        };
        let _ = write!(h, "<figure class=\"{class}\" data-budget=\"{}\">\n", esc(&b.name));
        let spent = match &b.actual {
            Some(a) => fig(&format!("/budgets/{i}/actual"), &a.to_string()),
            None if b.state == BudgetState::CurrencyMismatch => "no spend in its currency".into(),
            None => "no spend in its scope".into(),
        };
        let pct =
            b.actual_pct.map(|p| format!(" ({}%)", fig(&format!("/budgets/{i}/actual_pct"), &p.to_string())));
        let runs_out = match (b.state, b.runs_out_on) {
            (BudgetState::Over, _) => String::new(),
            (_, Some(day)) => format!(" · runs out {day}"),
            (_, None) if b.daily_pace.is_some() => " · not before period end".to_string(),
            _ => String::new(),
        };
        let _ = write!(
            h,
            "<figcaption><strong>{}</strong> <span class=\"muted\">{} to {}</span><br>{}{} of {}{}{}{}</figcaption>\n",
            esc(&b.name),
            b.period_start,
            b.period_end.pred_opt().unwrap_or(b.period_end),
            spent,
            pct.unwrap_or_default(),
            fig(&format!("/budgets/{i}/limit"), &b.limit.to_string()),
            b.daily_pace
                .as_ref()
                .map(|p| format!(" · {}/day", fig(&format!("/budgets/{i}/daily_pace"), &p.to_string())))
                .unwrap_or_default(),
            esc(&runs_out),
            trouble(b).map(|t| format!(" · <strong class=\"warn\">{}</strong>", esc(&t))).unwrap_or_default()
        );
        match (burn, report.as_of) {
            (Some(burn), Some(as_of)) => burn_chart(b, burn, as_of, h),
            _ => {
                let width = b.actual_pct.map(f).unwrap_or(0.0).clamp(0.0, 100.0);
                let why = if b.source == crate::model::BudgetSource::AwsBudgets {
                    "AWS Budgets report a total, not days"
                } else {
                    "needs daily cost lines for every day of its period so far: <code>tally collect</code> records them"
                };
                let _ = write!(
                    h,
                    "<div class=\"progress\"><span style=\"width:{width:.1}%\"></span></div>\n\
                     <p class=\"note\">No daily burn chart: {why}.</p>\n"
                );
            }
        }
        h.push_str("</figure>\n");
    }
    h.push_str("</div>\n</section>\n");
}

fn coverage(report: &Report, h: &mut String) {
    let c = &report.summary.coverage;
    h.push_str("<section>\n<h2>Coverage</h2>\n");
    if let Some(v) = &report.visibility {
        let _ = writeln!(h, "<p class=\"caption\">Visibility: {}</p>", esc(&v.summary_line()));
    }
    if c.live_resources == 0 {
        h.push_str("<p class=\"empty\">No live inventory or no Terraform state: coverage not computed.</p>\n</section>\n");
        return;
    }
    let parts = [
        ("managed", c.managed, "by Terraform"),
        ("owned", c.owned_elsewhere, "owned elsewhere"),
        ("unmanaged", c.unmanaged, "unmanaged"),
    ];
    h.push_str("<div class=\"stack\">");
    for (class, n, label) in parts {
        if n > 0 {
            let _ =
                write!(h, "<span class=\"{class}\" style=\"flex-grow:{n}\" title=\"{label}: {n}\"></span>");
        }
    }
    h.push_str("</div>\n<ul class=\"legend\">\n");
    for (class, n, label) in parts {
        let _ = write!(h, "<li><span class=\"swatch {class}\"></span>{n} {label}</li>\n");
    }
    let _ = write!(
        h,
        "<li>{} in state but not live</li>\n</ul>\n<p class=\"caption\">{} of {} live resources are accounted for by count{}.</p>\n</section>\n",
        c.missing,
        c.by_count_pct.map(|p| format!("{p}%")).unwrap_or_else(|| "-".into()),
        c.live_resources,
        c.by_cost_pct.map(|p| format!(", {p}% by usage spend")).unwrap_or_default()
    );
}

fn findings(report: &Report, h: &mut String) {
    h.push_str("<section>\n<h2>Findings</h2>\n");
    if report.findings.is_empty() && report.exempted.is_empty() {
        h.push_str("<p class=\"empty\">No findings.</p>\n</section>\n");
        return;
    }
    #[derive(Default)]
    struct Row<'a> {
        name: &'a str,
        by_severity: BTreeMap<Severity, usize>,
        exempted: usize,
        cost: BTreeMap<&'a str, Decimal>,
    }
    let mut rows: BTreeMap<&str, Row<'_>> = BTreeMap::new();
    for f in &report.findings {
        let row = rows.entry(&f.rule_id).or_default();
        row.name = &f.rule_name;
        *row.by_severity.entry(f.severity).or_default() += 1;
        if let Some(c) = &f.cost {
            let sum = row.cost.entry(&c.currency).or_default();
            *sum = sum.checked_add(c.amount).unwrap_or(Decimal::MAX);
        }
    }
    for x in &report.exempted {
        let row = rows.entry(&x.finding.rule_id).or_default();
        row.name = &x.finding.rule_name;
        row.exempted += 1;
    }
    h.push_str(
        "<div class=\"scroll\"><table class=\"findings\">\n<thead><tr><th>rule</th><th>finding</th><th>severity</th>\
         <th class=\"num\">count</th><th class=\"num\">exempted</th><th class=\"num\">money</th></tr></thead>\n<tbody>\n",
    );
    let mut ordered: Vec<(&str, Row<'_>)> = rows.into_iter().collect();
    let worst = |r: &Row<'_>| r.by_severity.keys().next_back().copied();
    ordered.sort_by(|a, b| worst(&b.1).cmp(&worst(&a.1)).then(a.0.cmp(b.0)));
    for (id, row) in ordered {
        let money: Vec<String> = row.cost.iter().map(|(c, a)| Money::new(*a, *c).to_string()).collect();
        // Each severity with its own count: a rule can be a warning for one resource and
        // information for another (IAC001: ClickOps against owned by a stack).
        let severities: Vec<String> = row
            .by_severity
            .iter()
            .rev()
            .map(|(sev, n)| format!("<span class=\"sev {sev}\">{sev}</span> {n}"))
            .collect();
        let count: usize = row.by_severity.values().sum();
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(id),
            esc(row.name),
            severities.join(" "),
            if count > 0 {
                fig(&format!("/summary/findings/by_rule/{}", seg(id)), &count.to_string())
            } else {
                "0".into()
            },
            row.exempted,
            esc(&money.join(", "))
        );
    }
    let _ = write!(
        h,
        "</tbody>\n</table></div>\n<p class=\"caption\">{} findings ({} errors, {} warnings, {} info); {} exempted in \
         writing, listed with their approval by <code>tally audit</code>, which has the details of every finding.</p>\n</section>\n",
        fig("/summary/findings/total", &report.summary.findings.total.to_string()),
        fig("/summary/findings/error", &report.summary.findings.error.to_string()),
        fig("/summary/findings/warning", &report.summary.findings.warning.to_string()),
        fig("/summary/findings/info", &report.summary.findings.info.to_string()),
        match report.summary.findings.exempted {
            0 => "none".to_string(),
            n => fig("/summary/findings/exempted", &n.to_string()),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::charts::{axis_money, series, ticks};
    use super::*;
    use crate::report::review::DailySpend;
    use chrono::Duration;

    fn review(owners: usize) -> Review {
        let date: NaiveDate = "2026-11-11".parse().unwrap();
        let by_owner = (0..owners).map(|i| (format!("team-{i:02}"), Decimal::from(100 + i))).collect();
        let zero = Decimal::ZERO;
        Review {
            label: "last-week".into(),
            period_start: date,
            period_end: date + Duration::days(1),
            currency: "USD".into(),
            owner_tag: "team".into(),
            daily: vec![DailySpend { date, by_owner, untagged: Decimal::ONE, untaggable: zero, total: zero }],
            daily_before: vec![],
            not_daily: zero,
            movers: None,
            burn: vec![],
            history: None,
        }
    }

    #[test]
    fn many_owners_share_one_other_series_and_zero_series_are_left_out() {
        let s = series(&review(12));
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        // The 8 largest owners, the other 4 together, untagged; no untaggable (all zero).
        assert_eq!(keys.len(), 10, "{keys:?}");
        assert_eq!(keys[0], "owner:team-11");
        assert_eq!(s[8].label, "4 other owners");
        assert_eq!(s[8].values[0], Decimal::from(100 + 101 + 102 + 103));
        assert_eq!(keys[9], "untagged");
        assert_eq!(series(&review(3)).len(), 4);
    }

    #[test]
    fn ticks_are_round_and_labels_are_money() {
        assert_eq!(ticks(0.0, 840.0), (0.0, 1000.0, 200.0));
        assert_eq!(ticks(0.0, 10_500.0), (0.0, 12_500.0, 2500.0));
        assert_eq!(axis_money(12_500.0, 2500.0, "USD"), "12,500 USD");
        assert_eq!(axis_money(0.5, 0.25, "EUR"), "0.50 EUR");
    }

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
