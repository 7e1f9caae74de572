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

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::review::{BudgetBurn, Review, ReviewReport};
use super::review_markdown::{change_text, period_text, trouble, verdict, NO_MOVERS};
use super::{percent, BudgetState, BudgetStatus, Report, Severity};
use crate::model::Money;

/// Owners drawn as their own series; the rest are one "other" series, so 40 teams stay legible.
const MAX_OWNER_SERIES: usize = 9;
/// Distinct, colour-blind-friendly hues for owners; untagged and untaggable have fixed colours.
const PALETTE: [&str; 9] =
    ["#4269d0", "#efb118", "#3ca951", "#a463f2", "#6cc5b0", "#97bbf5", "#9c6b4e", "#ff8ab7", "#38598b"];
const UNTAGGED_COLOR: &str = "#d64545";
const UNTAGGABLE_COLOR: &str = "#b9b9b9";
const OTHER_COLOR: &str = "#6f6f6f";

pub fn render(r: &ReviewReport, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(to_string(r).as_bytes())
}

/// Escape text for HTML element content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
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
                .map(|m| {
                    let change =
                        (m.last_total - m.previous_total) * Decimal::ONE_HUNDRED / m.previous_total.abs();
                    let sign = if change.is_sign_negative() { "" } else { "+" };
                    format!("{sign}{:.1}% on the 7 days before", change.round_dp(1))
                })
                .unwrap_or_else(|| format!("{} days", (review.period_end - review.period_start).num_days()));
            tile(h, "Total spend", &esc(&short_money(&s.total)), &esc(&trend), "");
            let usage = s.usage();
            let untagged_class = if s.untagged.amount.is_zero() { "good" } else { "bad" };
            tile(
                h,
                "Untagged share",
                &percent(s.untagged.amount, usage),
                &format!("{} of usage without “{}”", esc(&s.untagged.to_string()), esc(&s.owner_tag)),
                untagged_class,
            );
            let unmanaged_n = report.findings.iter().filter(|f| f.rule_id == "CST002").count();
            tile(
                h,
                "Unmanaged spend",
                &esc(&short_money(&s.unmanaged)),
                &format!("{} in no Terraform state", plural(unmanaged_n, "resource", "resources")),
                if s.unmanaged.amount.is_zero() { "good" } else { "bad" },
            );
        }
        None => tile(h, "Total spend", "-", "no cost lines in this period", ""),
    }
    let c = &report.summary.coverage;
    let pct = |p: Option<Decimal>| p.map(|p| format!("{p}%")).unwrap_or_else(|| "-".into());
    tile(
        h,
        "Coverage by count",
        &pct(c.by_count_pct),
        &format!("{} of {} live resources accounted for", c.managed + c.owned_elsewhere, c.live_resources),
        "",
    );
    tile(h, "Coverage by money", &pct(c.by_cost_pct), "usage spend on managed resources", "");
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

/// `5,540 USD`: whole units for tiles, where cents are noise.
fn short_money(m: &Money) -> String {
    let whole = Money::new(m.amount.round(), &m.currency).to_string();
    whole.replacen(".00 ", " ", 1)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A chart series: its label, colour and one amount per day.
struct Series {
    key: String,
    label: String,
    color: &'static str,
    values: Vec<Decimal>,
}

fn series(review: &Review) -> Vec<Series> {
    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    for day in &review.daily {
        for (owner, amount) in &day.by_owner {
            *totals.entry(owner).or_default() += *amount;
        }
    }
    let mut owners: Vec<(&str, Decimal)> = totals.into_iter().collect();
    owners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let grouped = owners.len() > MAX_OWNER_SERIES;
    let shown = if grouped { MAX_OWNER_SERIES - 1 } else { owners.len() };
    let mut out: Vec<Series> = owners[..shown]
        .iter()
        .enumerate()
        .map(|(i, (owner, _))| Series {
            key: format!("owner:{owner}"),
            label: owner.to_string(),
            color: PALETTE[i % PALETTE.len()],
            values: review
                .daily
                .iter()
                .map(|d| d.by_owner.get(*owner).copied().unwrap_or_default())
                .collect(),
        })
        .collect();
    if grouped {
        let rest: Vec<&str> = owners[shown..].iter().map(|(o, _)| *o).collect();
        out.push(Series {
            key: "other".into(),
            label: format!("{} other owners", rest.len()),
            color: OTHER_COLOR,
            values: review
                .daily
                .iter()
                .map(|d| rest.iter().map(|o| d.by_owner.get(*o).copied().unwrap_or_default()).sum())
                .collect(),
        });
    }
    for (key, label, color, pick) in [
        ("untagged", "untagged", UNTAGGED_COLOR, (|d: &super::review::DailySpend| d.untagged) as fn(&_) -> _),
        ("untaggable", "tax, support, fees", UNTAGGABLE_COLOR, |d| d.untaggable),
    ] {
        let values: Vec<Decimal> = review.daily.iter().map(pick).collect();
        if values.iter().any(|v| !v.is_zero()) {
            out.push(Series { key: key.into(), label: label.into(), color, values });
        }
    }
    out
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Round tick step: 1, 2, 2.5 or 5 times a power of ten, about `target` ticks over `range`.
fn nice_step(range: f64, target: f64) -> f64 {
    if range <= 0.0 || !range.is_finite() {
        return 1.0;
    }
    let raw = range / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// An axis label: `1,500 USD`, decimals only when the step needs them.
fn axis_money(v: f64, step: f64, currency: &str) -> String {
    let decimals = if step >= 1.0 { 0 } else { 2 };
    let d = Decimal::from_f64_retain(v).unwrap_or_default().round_dp(decimals);
    let text = Money::new(d, currency).to_string();
    if decimals == 0 {
        text.replacen(".00 ", " ", 1)
    } else {
        text
    }
}

/// Y ticks from `lo` to `hi` (both multiples of the step, `lo <= 0 <= hi`).
fn ticks(min: f64, max: f64) -> (f64, f64, f64) {
    let step = nice_step((max - min).max(1e-9), 5.0);
    let lo = (min / step).floor() * step;
    let mut hi = (max / step).ceil() * step;
    if hi <= lo {
        hi = lo + step;
    }
    (lo, hi, step)
}

fn daily_chart(review: &Review, h: &mut String) {
    let _ = write!(h, "<section>\n<h2>Daily spend by {}</h2>\n", esc(&review.owner_tag));
    if review.daily.is_empty() {
        h.push_str(
            "<p class=\"empty\">No daily cost lines in this period: the data has only longer aggregates \
             (such as month to date), which cannot be placed on a day.</p>\n</section>\n",
        );
        return;
    }
    let series = series(review);
    let days = review.daily.len();
    let (w, hgt) = (1040.0, 340.0);
    let (left, right, top, bottom) = (92.0, 16.0, 24.0, 48.0);
    let plot_w = w - left - right;
    let plot_h = hgt - top - bottom;
    let mut max = 0f64;
    let mut min = 0f64;
    for i in 0..days {
        let pos: f64 = series.iter().map(|s| f(s.values[i]).max(0.0)).sum();
        let neg: f64 = series.iter().map(|s| f(s.values[i]).min(0.0)).sum();
        max = max.max(pos);
        min = min.min(neg);
    }
    let (lo, hi, step) = ticks(min, max);
    let y = |v: f64| top + plot_h * (hi - v) / (hi - lo);
    let slot = plot_w / days as f64;
    let bar_w = (slot * 0.68).max(1.0);
    let _ = write!(
        h,
        "<svg class=\"chart daily\" viewBox=\"0 0 {w} {hgt}\" width=\"100%\" role=\"img\" \
         aria-label=\"Daily spend by {}, stacked\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        esc(&review.owner_tag)
    );
    let mut v = lo;
    while v <= hi + step / 2.0 {
        let yy = y(v);
        let _ = write!(
            h,
            "<line class=\"grid{}\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
             <text class=\"tick y\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            if v.abs() < step / 2.0 { " zero" } else { "" },
            w - right,
            left - 8.0,
            yy + 4.0,
            esc(&axis_money(v, step, &review.currency))
        );
        v += step;
    }
    let label_every = days.div_ceil(14);
    for (i, day) in review.daily.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let (mut up, mut down) = (0f64, 0f64);
        let _ = write!(h, "<g class=\"day\" data-date=\"{}\">", day.date);
        for s in &series {
            let amount = f(s.values[i]);
            let (y0, y1) = if amount >= 0.0 {
                let base = up;
                up += amount;
                (y(up), y(base))
            } else {
                let base = down;
                down += amount;
                (y(base), y(down))
            };
            let _ = write!(
                h,
                "<rect class=\"bar\" data-series=\"{}\" x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{bar_w:.1}\" \
                 height=\"{:.1}\" fill=\"{}\"><title>{} · {}: {}</title></rect>",
                esc(&s.key),
                (y1 - y0).max(0.0),
                s.color,
                day.date,
                esc(&s.label),
                esc(&Money::new(s.values[i], &review.currency).to_string())
            );
        }
        let cx = x + bar_w / 2.0;
        if days <= 14 {
            let _ = write!(
                h,
                "<text class=\"total\" x=\"{cx:.1}\" y=\"{:.1}\">{}</text>",
                y(up) - 6.0,
                esc(&short_money(&Money::new(day.total, &review.currency))
                    .replace(&format!(" {}", review.currency), ""))
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                h,
                "<text class=\"tick x\" x=\"{cx:.1}\" y=\"{:.1}\">{}</text>\
                 <text class=\"tick x sub\" x=\"{cx:.1}\" y=\"{:.1}\">{}</text>",
                hgt - bottom + 18.0,
                day.date.format("%a"),
                hgt - bottom + 34.0,
                day.date.format("%-d %b")
            );
        }
        h.push_str("</g>\n");
    }
    h.push_str("</svg>\n<ul class=\"legend\">\n");
    for s in &series {
        let total: Decimal = s.values.iter().copied().sum();
        let _ = write!(
            h,
            "<li class=\"legend-item\" data-series=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>\
             {} <span class=\"muted\">{}</span></li>\n",
            esc(&s.key),
            s.color,
            esc(&s.label),
            esc(&Money::new(total, &review.currency).to_string())
        );
    }
    h.push_str("</ul>\n");
    if !review.not_daily.is_zero() {
        let _ = write!(
            h,
            "<p class=\"note\">{} of this period's spend is in lines longer than a day and is not in the chart.</p>\n",
            esc(&Money::new(review.not_daily, &review.currency).to_string())
        );
    }
    h.push_str("</section>\n");
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
        "<table class=\"movers\">\n<thead><tr><th>{}</th><th>service</th><th class=\"num\">week before</th>\
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
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn owners_table(report: &Report, h: &mut String) {
    h.push_str("<section>\n");
    let Some(s) = &report.summary.spend else {
        h.push_str("<h2>Spend by owner</h2>\n<p class=\"empty\">No spend in this period.</p>\n</section>\n");
        return;
    };
    let _ = write!(h, "<h2>Spend by {}</h2>\n<table class=\"owners\">\n<tbody>\n", esc(&s.owner_tag));
    let mut rows: Vec<(String, &Money, &str)> = s.by_owner.iter().map(|(o, m)| (esc(o), m, "")).collect();
    rows.sort_by(|a, b| b.1.amount.cmp(&a.1.amount).then(a.0.cmp(&b.0)));
    if !s.untagged.amount.is_zero() {
        rows.push(("<em>untagged</em>".into(), &s.untagged, "untagged"));
    }
    for (category, m) in &s.untaggable {
        rows.push((format!("<em>{}</em>", esc(category)), m, "untaggable"));
    }
    let max = rows.iter().map(|r| r.1.amount).max().unwrap_or_default();
    for (label, m, class) in &rows {
        let width = if max > Decimal::ZERO { (f(m.amount) / f(max) * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td>{label}</td><td class=\"barcell\"><span class=\"hbar\" style=\"width:{width:.1}%\">\
             </span></td><td class=\"num\">{}</td><td class=\"num muted\">{}</td></tr>\n",
            esc(&m.to_string()),
            percent(m.amount, s.total.amount)
        );
    }
    let _ = write!(
        h,
        "<tr class=\"total\"><td>total</td><td></td><td class=\"num\">{}</td><td></td></tr>\n</tbody>\n</table>\n</section>\n",
        esc(&s.total.to_string())
    );
}

fn unmanaged(report: &Report, h: &mut String) {
    h.push_str("<section>\n<h2>Unmanaged spend</h2>\n");
    let rows: Vec<_> = report.findings.iter().filter(|f| f.rule_id == "CST002").collect();
    if rows.is_empty() {
        h.push_str("<p class=\"empty\">No spend on resources outside Terraform (CST002).</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<p class=\"caption\">Resources in no Terraform state, with their spend in the period (CST002).</p>\n\
         <table>\n<thead><tr><th>resource</th><th>owner</th><th class=\"num\">spend</th></tr></thead>\n<tbody>\n",
    );
    let mut rows = rows;
    rows.sort_by(|a, b| {
        let amount = |f: &super::Finding| f.cost.as_ref().map(|c| c.amount).unwrap_or_default();
        amount(b).cmp(&amount(a)).then(a.resource.label().cmp(b.resource.label()))
    });
    for f in rows {
        let owner = f.owner.values().collect::<Vec<_>>().join(", ");
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            esc(f.resource.label()),
            if owner.is_empty() { "<em>none</em>".to_string() } else { esc(&owner) },
            esc(&f.cost.as_ref().map(Money::to_string).unwrap_or_default())
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn budgets(report: &Report, review: &Review, h: &mut String) {
    if report.budgets.is_empty() {
        return;
    }
    h.push_str("<section>\n<h2>Budget burn</h2>\n<div class=\"burns\">\n");
    let mut ordered: Vec<&BudgetStatus> = report.budgets.iter().collect();
    // Budgets in trouble first: the reader's attention goes top-left.
    ordered.sort_by_key(|b| (trouble(b).is_none(), b.name.clone()));
    for b in ordered {
        let burn = review.burn.iter().find(|x| x.name == b.name);
        let class = match (b.state, trouble(b).is_some()) {
            (BudgetState::Over, _) => "budget over",
            (_, true) => "budget trouble",
            _ => "budget",
        };
        let _ = write!(h, "<figure class=\"{class}\" data-budget=\"{}\">\n", esc(&b.name));
        let spent = b.actual.as_ref().map(Money::to_string).unwrap_or_else(|| "-".into());
        let pct = b.actual_pct.map(|p| format!(" ({p}%)")).unwrap_or_default();
        let _ = write!(
            h,
            "<figcaption><strong>{}</strong> <span class=\"muted\">{} to {}</span><br>{}{} of {}{}{}</figcaption>\n",
            esc(&b.name),
            b.period_start,
            b.period_end.pred_opt().unwrap_or(b.period_end),
            esc(&spent),
            pct,
            esc(&b.limit.to_string()),
            b.daily_pace.as_ref().map(|p| format!(" · {}/day", esc(&p.to_string()))).unwrap_or_default(),
            trouble(b).map(|t| format!(" · <span class=\"warn\">{}</span>", esc(&t))).unwrap_or_default()
        );
        match (burn, report.as_of) {
            (Some(burn), Some(as_of)) => burn_chart(b, burn, as_of, h),
            _ => {
                let width = b.actual_pct.map(f).unwrap_or(0.0).clamp(0.0, 100.0);
                let _ = write!(
                    h,
                    "<div class=\"progress\"><span style=\"width:{width:.1}%\"></span></div>\n\
                     <p class=\"note\">No daily series for this budget (AWS Budgets, or no daily cost lines).</p>\n"
                );
            }
        }
        h.push_str("</figure>\n");
    }
    h.push_str("</div>\n</section>\n");
}

/// Cumulative actual per day, the limit, the projection at the current pace to period end and
/// the run-out day.
fn burn_chart(b: &BudgetStatus, burn: &BudgetBurn, as_of: NaiveDate, h: &mut String) {
    let (w, hgt) = (500.0, 240.0);
    let (left, right, top, bottom) = (84.0, 16.0, 16.0, 32.0);
    let plot_w = w - left - right;
    let plot_h = hgt - top - bottom;
    let days = (b.period_end - b.period_start).num_days().max(1) as f64;
    let limit = f(b.limit.amount);
    let actual = burn.days.last().map(|d| f(d.cumulative)).unwrap_or(0.0);
    let pace = b.daily_pace.as_ref().map(|p| f(p.amount)).unwrap_or(0.0);
    let elapsed = (as_of - b.period_start).num_days() as f64;
    let projected = actual + pace * (days - elapsed).max(0.0);
    let (_, hi, step) = ticks(0.0, limit.max(projected).max(actual) * 1.05);
    let x = |day: f64| left + plot_w * day / days;
    let y = |v: f64| top + plot_h * (hi - v) / hi;
    let currency = &b.limit.currency;
    let _ = write!(
        h,
        "<svg class=\"chart burn\" viewBox=\"0 0 {w} {hgt}\" width=\"100%\" role=\"img\" \
         aria-label=\"Budget {} burn\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        esc(&b.name)
    );
    let mut v = 0.0;
    while v <= hi + step / 2.0 {
        let _ = write!(
            h,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <text class=\"tick y\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            w - right,
            y(v),
            y(v),
            left - 8.0,
            y(v) + 4.0,
            esc(&axis_money(v, step, currency))
        );
        v += step;
    }
    // Week ticks on the x axis: the period's first day, then every 7 days.
    let mut d = 0i64;
    while (d as f64) < days {
        let date = b.period_start + Duration::days(d);
        let _ = write!(
            h,
            "<text class=\"tick x\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x(d as f64),
            hgt - bottom + 18.0,
            date.format("%-d %b")
        );
        d += 7;
    }
    h.push('\n');
    // Today.
    let _ = write!(
        h,
        "<line class=\"today\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{1:.1}\"/>\
         <text class=\"tick today-label\" x=\"{2:.1}\" y=\"{3:.1}\">as of {4}</text>\n",
        x(elapsed),
        hgt - bottom,
        x(elapsed) + 4.0,
        top + 10.0,
        as_of.format("%-d %b")
    );
    // Limit.
    let _ = write!(
        h,
        "<path class=\"burn-limit\" d=\"M{left:.1},{0:.1}H{1:.1}\"/>\
         <text class=\"line-label limit-label\" x=\"{2:.1}\" y=\"{3:.1}\">limit {4}</text>\n",
        y(limit),
        w - right,
        left + 6.0,
        y(limit) - 6.0,
        esc(&axis_money(limit, 1.0, currency))
    );
    // Actual, cumulative at the end of each day.
    let mut path = format!("M{:.1},{:.1}", x(0.0), y(0.0));
    for day in &burn.days {
        let i = (day.date - b.period_start).num_days() as f64 + 1.0;
        let _ = write!(path, "L{:.1},{:.1}", x(i), y(f(day.cumulative)));
    }
    let _ = write!(h, "<path class=\"burn-actual\" d=\"{path}\"/>\n");
    // Projection at the current pace, to the period's end.
    if pace > 0.0 && elapsed < days {
        let _ = write!(
            h,
            "<path class=\"burn-projection\" d=\"M{:.1},{:.1}L{:.1},{:.1}\"/>\n",
            x(elapsed),
            y(actual),
            x(days),
            y(projected)
        );
    }
    if let Some(day) = b.runs_out_on.filter(|d| *d < b.period_end) {
        // Where the projection crosses the limit (the run-out day is the day that happens).
        let at = if pace > 0.0 { elapsed + (limit - actual) / pace } else { elapsed };
        let _ = write!(
            h,
            "<g class=\"burn-runout\" data-date=\"{day}\"><line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\"/>\
             <circle cx=\"{0:.1}\" cy=\"{1:.1}\" r=\"5\"/><text x=\"{3:.1}\" y=\"{4:.1}\">runs out {5}</text></g>\n",
            x(at),
            y(limit),
            hgt - bottom,
            x(at) - 6.0,
            y(limit) + 18.0,
            day.format("%-d %b")
        );
    }
    h.push_str("</svg>\n");
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
    if report.findings.is_empty() {
        h.push_str("<p class=\"empty\">No findings.</p>\n</section>\n");
        return;
    }
    struct Row<'a> {
        name: &'a str,
        severity: Severity,
        count: usize,
        cost: BTreeMap<&'a str, Decimal>,
    }
    let mut rows: BTreeMap<&str, Row<'_>> = BTreeMap::new();
    for f in &report.findings {
        let row = rows.entry(&f.rule_id).or_insert(Row {
            name: &f.rule_name,
            severity: f.severity,
            count: 0,
            cost: BTreeMap::new(),
        });
        row.count += 1;
        row.severity = row.severity.max(f.severity);
        if let Some(c) = &f.cost {
            *row.cost.entry(&c.currency).or_default() += c.amount;
        }
    }
    h.push_str(
        "<table class=\"findings\">\n<thead><tr><th>rule</th><th>finding</th><th>severity</th>\
         <th class=\"num\">count</th><th class=\"num\">money</th></tr></thead>\n<tbody>\n",
    );
    let mut ordered: Vec<(&str, Row<'_>)> = rows.into_iter().collect();
    ordered.sort_by(|a, b| b.1.severity.cmp(&a.1.severity).then(a.0.cmp(b.0)));
    for (id, row) in ordered {
        let money: Vec<String> = row.cost.iter().map(|(c, a)| Money::new(*a, *c).to_string()).collect();
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td><span class=\"sev {}\">{}</span></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(id),
            esc(row.name),
            row.severity,
            row.severity,
            row.count,
            esc(&money.join(", "))
        );
    }
    let _ = write!(
        h,
        "</tbody>\n</table>\n<p class=\"caption\">Details of every finding: <code>tally audit</code>; \
         {} exempted in writing.</p>\n</section>\n",
        report.exempted.len()
    );
}

const CSS: &str = r#"
:root{--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f6f7f9;--card:#fff;--bad:#c62f2f;--good:#2f8f4e;--accent:#4269d0}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 "Inter","Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 32px 48px}
header{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:24px 28px;margin-bottom:20px}
.eyebrow{margin:0;color:var(--accent);font-weight:600;text-transform:uppercase;letter-spacing:.06em;font-size:12px}
h1{margin:4px 0 2px;font-size:28px;line-height:1.2}
.meta{margin:0 0 12px;color:var(--muted);font-size:13px}
.verdict{margin:0;font-size:16px;max-width:78ch}
h2{font-size:17px;margin:0 0 12px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin-bottom:20px}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;background:none;border:0;padding:0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.tile .label{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.03em;min-height:2.7em;line-height:1.35}
.tile .value{font-size:24px;font-weight:650;margin:4px 0 2px;white-space:nowrap}
.tile .value small{font-size:14px;color:var(--muted);font-weight:400}
.tile .note{color:var(--muted);font-size:12px;line-height:1.35}
.tile.bad{border-top:4px solid var(--bad)} .tile.good{border-top:4px solid var(--good)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:20px}
.cols section{margin-bottom:20px}
table{border-collapse:collapse;width:100%;font-size:14px}
th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;border-bottom:1px solid var(--line);padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:var(--bad);font-weight:600} .down{color:var(--good);font-weight:600}
.muted{color:var(--muted)} .mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px;word-break:break-all}
.warn{color:var(--bad)}
.caption,.note,.empty{color:var(--muted);font-size:13px;margin:4px 0 10px}
.barcell{width:38%} .hbar{display:block;height:10px;border-radius:5px;background:var(--accent);margin-top:6px}
tr.untagged .hbar{background:#d64545} tr.untaggable .hbar{background:#b9b9b9}
tr.total td{font-weight:650;border-top:2px solid var(--line)}
.chart{display:block;font-size:12px}
.chart .grid{stroke:var(--line);stroke-width:1} .chart .grid.zero{stroke:#98a2b3}
.chart .tick{fill:var(--muted);font-size:12px} .chart .tick.y{text-anchor:end} .chart .tick.x{text-anchor:middle}
.chart .tick.sub{font-size:11px}
.chart .total{fill:var(--ink);font-size:11.5px;text-anchor:middle;font-weight:600}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0 0;padding:0;font-size:13px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px}
.burns{display:grid;grid-template-columns:1fr 1fr;gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:10px;padding:12px 14px}
figure.trouble,figure.over{border-color:#f0b4b4;background:#fffafa}
figcaption{font-size:13px;margin-bottom:6px}
.burn-actual{fill:none;stroke:var(--accent);stroke-width:2.5}
.burn-limit{fill:none;stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}
.burn-projection{fill:none;stroke:var(--accent);stroke-width:2;stroke-dasharray:4 4;opacity:.7}
.burn-runout line{stroke:var(--bad);stroke-width:1;stroke-dasharray:2 3} .burn-runout circle{fill:var(--bad)}
.burn-runout text{fill:var(--bad);font-size:12px;font-weight:600;text-anchor:end}
.line-label{fill:var(--bad);font-size:11.5px}
.today{stroke:#98a2b3;stroke-width:1} .today-label{font-size:11px}
.progress{height:12px;background:var(--line);border-radius:6px;overflow:hidden}
.progress span{display:block;height:100%;background:var(--accent)}
.stack{display:flex;height:18px;border-radius:9px;overflow:hidden;background:var(--line)}
.stack .managed,.swatch.managed{background:#3ca951} .stack .owned,.swatch.owned{background:#97bbf5}
.stack .unmanaged,.swatch.unmanaged{background:#d64545}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.sev.error{background:#fde2e2;color:#a11d1d} .sev.warning{background:#fdf0d5;color:#8a5a00} .sev.info{background:#e4ecfb;color:#2c4d9c}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:900px){.tiles{grid-template-columns:repeat(2,1fr)}.cols,.burns{grid-template-columns:1fr}}
@media print{body{background:#fff}section,header,.tile{break-inside:avoid}}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::review::DailySpend;

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
            not_daily: zero,
            movers: None,
            burn: vec![],
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
