//! The weekly review as a short Markdown summary for chat or e-mail: the verdict, the top five
//! owners, the movers and the budgets. The charts are the HTML page's (`report::html`).
//!
//! Also home of the review's wording shared with the HTML page (verdict, budget trouble), so
//! both say the same thing; each caller passes its own escaping for text from the data.

use std::io::{self, Write};

use rust_decimal::Decimal;

use super::markdown::cells::esc;
use super::review::{Mover, Review, ReviewReport};
use super::{percent, BudgetState, BudgetStatus, Report};
use crate::model::Money;

const TOP_OWNERS: usize = 5;

pub fn render(r: &ReviewReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(r).as_bytes())
}

pub fn to_string(r: &ReviewReport) -> String {
    let (report, review) = (&r.report, &r.review);
    let money = |d: Decimal| Money::new(d, &review.currency).to_string();
    let mut md = format!("## Weekly cost review: {}\n\n", period_text(review));
    md.push_str(&verdict(report, review, &esc));
    md.push_str("\n\n");

    if let Some(spend) = &report.summary.spend {
        let mut owners: Vec<(&String, &Money)> = spend.by_owner.iter().collect();
        owners.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then(a.0.cmp(b.0)));
        md.push_str(&format!(
            "**Top {}s**\n\n| {} | spend | share |\n|---|--:|--:|\n",
            esc(&spend.owner_tag),
            esc(&spend.owner_tag)
        ));
        for (owner, amount) in owners.iter().take(TOP_OWNERS) {
            md.push_str(&format!(
                "| {} | {} | {} |\n",
                esc(owner),
                amount,
                percent(amount.amount, spend.total.amount)
            ));
        }
        if !spend.untagged.amount.is_zero() {
            md.push_str(&format!(
                "| *untagged* | {} | {} |\n",
                spend.untagged,
                percent(spend.untagged.amount, spend.total.amount)
            ));
        }
        if owners.len() > TOP_OWNERS {
            md.push_str(&format!("\n*{} more not shown.*\n", owners.len() - TOP_OWNERS));
        }
        md.push('\n');
    }

    md.push_str("**Movers** (week over week)\n\n");
    match &review.movers {
        None => md.push_str(NO_MOVERS),
        Some(m) if m.rows.is_empty() => md.push_str(&format!(
            "Nothing moved by {}% and {} or more.\n",
            m.min_change_pct.normalize(),
            money(m.min_change)
        )),
        Some(m) => {
            md.push_str(&format!(
                "| {} | service | week before | last week | change |\n|---|---|--:|--:|--:|\n",
                esc(&review.owner_tag)
            ));
            for row in &m.rows {
                md.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    esc(&row.who()),
                    esc(&row.service),
                    money(row.previous),
                    money(row.last),
                    esc(&change_text(row, &review.currency))
                ));
            }
        }
    }
    md.push('\n');

    if !report.budgets.is_empty() {
        md.push_str(
            "**Budgets**\n\n| budget | spent | limit | forecast | runs out | |\n|---|--:|--:|--:|---|---|\n",
        );
        for b in &report.budgets {
            let opt = |m: &Option<Money>| m.as_ref().map(Money::to_string).unwrap_or_else(|| "-".into());
            let runs_out = runs_out_text(b);
            let mark = match trouble(b) {
                Some(_) if b.state == BudgetState::Over => "🔴 over",
                Some(_) if b.state == BudgetState::CurrencyMismatch => "⚪ currency mismatch",
                Some(_) => "🟠",
                None if b.state == BudgetState::Unknown => "⚪ no spend in scope",
                None => "🟢",
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {mark} |\n",
                esc(&b.name),
                opt(&b.actual),
                b.limit,
                opt(&b.forecast),
                runs_out
            ));
        }
        md.push('\n');
    }
    trends(review, &mut md);
    md.push_str(&format!(
        "<sub>{} {} · data as of {} · `--format html` has the charts.</sub>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        report.as_of.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
    ));
    md
}

/// The history's trends, one row per week (oldest first): the figures a weekly review asks
/// about over time.
fn trends(review: &Review, md: &mut String) {
    let Some(history) = review.history.as_ref().filter(|h| h.points.len() >= 2) else { return };
    md.push_str(&format!(
        "**Trends** (last {} weeks)\n\n| week | spend | untagged | unmanaged | coverage (count / money) | findings | budgets over |\n|---|--:|--:|--:|--:|--:|--:|\n",
        history.points.len()
    ));
    let opt = |d: Option<Decimal>, p: &super::review::TrendPoint| match (d, &p.currency) {
        (Some(d), Some(c)) => Money::new(d, c).to_string(),
        (Some(d), None) => d.to_string(),
        (None, _) => "-".to_string(),
    };
    let pct = |d: Option<Decimal>| d.map(|d| format!("{d}%")).unwrap_or_else(|| "-".into());
    for p in &history.points {
        let findings: usize = p.findings_by_rule.values().sum();
        let over = p.budgets.values().filter(|s| s.as_str() == "over").count();
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} / {} | {} | {} of {} |\n",
            p.week,
            opt(p.total, p),
            pct(p.untagged_pct),
            opt(p.unmanaged, p),
            pct(p.coverage_by_count_pct),
            pct(p.coverage_by_cost_pct),
            findings,
            over,
            p.budgets.len()
        ));
    }
    // Spend per owner, oldest to newest, for the owners of this week.
    if let Some(now) = history.points.last() {
        let mut owners: Vec<(&String, &Decimal)> = now.by_owner.iter().collect();
        owners.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        md.push('\n');
        for (owner, _) in owners.into_iter().take(TOP_OWNERS) {
            let series: Vec<String> = history
                .points
                .iter()
                .map(|p| p.by_owner.get(owner).map(|d| d.round().to_string()).unwrap_or_else(|| "-".into()))
                .collect();
            md.push_str(&format!("- {}: {}\n", esc(owner), series.join(" → ")));
        }
    }
    md.push('\n');
}

pub(crate) const NO_MOVERS: &str = "Not computed: daily cost lines do not cover both weeks \
    (month-to-date totals cannot be compared week by week). `tally collect` records daily lines.\n";

/// `2026-11-11 to 2026-11-17` (the end shown inclusive).
pub(crate) fn period_text(review: &Review) -> String {
    let last = review.period_end.pred_opt().unwrap_or(review.period_end);
    format!("{} to {last}", review.period_start)
}

/// `+1,643.03 USD (+138.7%)`, or `new` when the week before had no spend.
pub(crate) fn change_text(m: &Mover, currency: &str) -> String {
    let sign = if m.delta.is_sign_positive() { "+" } else { "" };
    match m.change_pct {
        Some(p) => format!("{sign}{} ({sign}{p}%)", Money::new(m.delta, currency)),
        None => format!("{sign}{} (new)", Money::new(m.delta, currency)),
    }
}

/// The "runs out" cell of a budget: a day within its period, `already over`, `not before
/// period end` (the pace does not reach the limit before the period starts again), or `-`.
pub(crate) fn runs_out_text(b: &BudgetStatus) -> String {
    match (b.state, b.runs_out_on) {
        (BudgetState::Over, _) => "already over".to_string(),
        (_, Some(day)) if day < b.period_end => day.to_string(),
        (BudgetState::Ok | BudgetState::ForecastOver, _) if b.daily_pace.is_some() => {
            "not before period end".to_string()
        }
        _ => "-".to_string(),
    }
}

/// Why a budget needs attention, or `None` when it is on track (or has no data).
pub(crate) fn trouble(b: &BudgetStatus) -> Option<String> {
    match b.state {
        BudgetState::Over => Some(match &b.actual {
            Some(actual) => format!(
                "is over its limit by {}",
                Money::new(actual.amount.checked_sub(b.limit.amount).unwrap_or_default(), &b.limit.currency)
            ),
            None => "is over its limit".to_string(),
        }),
        BudgetState::CurrencyMismatch => Some(format!(
            "is in {} but its spend is not: tally does not convert currencies (see the diagnostics)",
            b.limit.currency
        )),
        BudgetState::ForecastOver => Some(format!(
            "is forecast to spend {} against {}",
            b.forecast.as_ref().map(Money::to_string).unwrap_or_default(),
            b.limit
        )),
        BudgetState::Ok => b
            .runs_out_on
            .filter(|d| *d < b.period_end)
            .map(|d| format!("runs out on {d} at the current pace")),
        BudgetState::Unknown => None,
    }
}

/// One paragraph a manager reads first: total and its trend, the biggest mover, budgets in
/// trouble, untagged and unmanaged spend. `escape` is applied to text from the data.
pub(crate) fn verdict(report: &Report, review: &Review, escape: &dyn Fn(&str) -> String) -> String {
    let money = |d: Decimal| Money::new(d, &review.currency).to_string();
    let mut parts = Vec::new();
    let Some(spend) = &report.summary.spend else {
        return "No cost lines for this period, so no spend to review: record them with `tally collect` \
                (Cost Explorer, daily) or give --costs PATH (CUR or FOCUS files)."
            .to_string();
    };
    let mut first = format!("{} spent from {}", spend.total, period_text(review));
    let trend = review.movers.as_ref().filter(|m| !m.previous_total.is_zero()).and_then(|m| {
        let before = m.previous_total;
        let change = crate::money::percent(m.last_total.checked_sub(before)?, before.abs())?;
        let dir = if change.is_sign_negative() { "down" } else { "up" };
        Some((format!("{dir} {:.1}% on the 7 days before ({})", change.abs().round_dp(1), money(before)), m))
    });
    match trend {
        Some((text, _)) if review.label == "last-week" => parts.push(format!("{first}, {text}.")),
        Some((text, m)) => {
            first.push('.');
            parts.push(first);
            parts.push(format!("The last 7 days ({}) were {text}.", money(m.last_total)));
        }
        None => parts.push(format!("{first}.")),
    }
    match review.movers.as_ref().and_then(|m| m.rows.first()) {
        Some(top) => parts.push(format!(
            "Biggest mover: {}, {}, {}.",
            escape(&top.who()),
            escape(&top.service),
            change_text(top, &review.currency)
        )),
        None if review.movers.is_some() => parts.push("No owner and service moved sharply.".to_string()),
        None => {}
    }
    let troubled: Vec<String> = report
        .budgets
        .iter()
        .filter_map(|b| trouble(b).map(|why| format!("{} {why}", escape(&b.name))))
        .collect();
    match troubled.len() {
        0 if report.budgets.len() == 1 => parts.push("The budget is on track.".to_string()),
        0 if !report.budgets.is_empty() => {
            parts.push(format!("All {} budgets are on track.", report.budgets.len()))
        }
        0 => {}
        _ => parts.push(format!("Budget {}.", troubled.join("; "))),
    }
    let usage = spend.usage();
    if !spend.untagged.amount.is_zero() {
        parts.push(format!(
            "{} of usage ({}) carries no \"{}\" tag.",
            percent(spend.untagged.amount, usage),
            spend.untagged,
            escape(&spend.owner_tag)
        ));
    }
    if !spend.unmanaged.amount.is_zero() {
        parts.push(format!("{} went to resources in no Terraform state.", spend.unmanaged));
    }
    parts.join(" ")
}
