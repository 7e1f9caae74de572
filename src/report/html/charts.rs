//! The review page's two SVG charts: daily spend stacked by owner (both weeks a mover
//! compares), and a budget's cumulative burn against its limit with the pace projection.
//! Geometry is `f64` (pixels, never money); every label is formatted from `Decimal`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{esc, short_money, MAX_OWNER_SERIES, OTHER_COLOR, PALETTE, UNTAGGABLE_COLOR, UNTAGGED_COLOR};
use crate::model::Money;
use crate::report::review::{BudgetBurn, DailySpend, Review};
use crate::report::BudgetStatus;

/// A chart series: its label, colour and one amount per day.
pub(super) struct Series {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) color: &'static str,
    pub(super) values: Vec<Decimal>,
}

/// The days the daily chart shows: the week a mover compares with (before the period), then
/// the period.
pub(super) fn chart_days(review: &Review) -> Vec<&DailySpend> {
    review.daily_before.iter().chain(&review.daily).collect()
}

pub(super) fn series(review: &Review) -> Vec<Series> {
    let days = chart_days(review);
    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    for day in &days {
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
            values: days.iter().map(|d| d.by_owner.get(*owner).copied().unwrap_or_default()).collect(),
        })
        .collect();
    if grouped {
        let rest: Vec<&str> = owners[shown..].iter().map(|(o, _)| *o).collect();
        out.push(Series {
            key: "other".into(),
            label: format!("{} other owners", rest.len()),
            color: OTHER_COLOR,
            values: days
                .iter()
                .map(|d| {
                    rest.iter()
                        .map(|o| d.by_owner.get(*o).copied().unwrap_or_default())
                        .try_fold(Decimal::ZERO, |sum, a| sum.checked_add(a))
                        .unwrap_or(Decimal::MAX)
                })
                .collect(),
        });
    }
    for (key, label, color, pick) in [
        ("untagged", "untagged", UNTAGGED_COLOR, (|d: &DailySpend| d.untagged) as fn(&_) -> _),
        ("untaggable", "tax, support, fees", UNTAGGABLE_COLOR, |d| d.untaggable),
    ] {
        let values: Vec<Decimal> = days.iter().map(|d| pick(d)).collect();
        if values.iter().any(|v| !v.is_zero()) {
            out.push(Series { key: key.into(), label: label.into(), color, values });
        }
    }
    out
}

pub(super) fn f(d: Decimal) -> f64 {
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
pub(super) fn axis_money(v: f64, step: f64, currency: &str) -> String {
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
pub(super) fn ticks(min: f64, max: f64) -> (f64, f64, f64) {
    let step = nice_step((max - min).max(1e-9), 5.0);
    let lo = (min / step).floor() * step;
    let mut hi = (max / step).ceil() * step;
    if hi <= lo {
        hi = lo + step;
    }
    (lo, hi, step)
}

/// A chart drawn twice: for a wide page, and narrow (a phone, 400 px) with its own geometry, so
/// its text stays legible instead of shrinking with the picture. CSS shows one of the two.
#[derive(Clone, Copy)]
pub(super) struct Layout {
    pub(super) class: &'static str,
    pub(super) w: f64,
    pub(super) h: f64,
    pub(super) left: f64,
}

const DAILY_LAYOUTS: [Layout; 2] = [
    Layout { class: "wide", w: 1040.0, h: 340.0, left: 92.0 },
    Layout { class: "narrow", w: 360.0, h: 300.0, left: 70.0 },
];

pub(super) fn daily_chart(review: &Review, h: &mut String) {
    let _ = write!(h, "<section>\n<h2>Daily spend by {}</h2>\n", esc(&review.owner_tag));
    if review.daily.is_empty() {
        h.push_str(
            "<p class=\"empty\">No daily cost lines in this period: the data has only longer aggregates \
             (such as month to date), which cannot be placed on a day. <code>tally collect</code> records daily \
             lines from Cost Explorer; CUR and FOCUS files (<code>--costs</code>) have them too.</p>\n</section>\n",
        );
        return;
    }
    let series = series(review);
    let days = chart_days(review);
    if !review.daily_before.is_empty() {
        let _ = write!(
            h,
            "<p class=\"caption\">The review period, {} to {}, and the 7 days before it that the movers compare \
             with (shaded).</p>\n",
            review.period_start,
            review.period_end.pred_opt().unwrap_or(review.period_end)
        );
    }
    for layout in DAILY_LAYOUTS {
        daily_svg(review, &series, &days, layout, h);
    }
    h.push_str("<ul class=\"legend\">\n");
    for s in &series {
        let total =
            s.values.iter().try_fold(Decimal::ZERO, |sum, v| sum.checked_add(*v)).unwrap_or(Decimal::MAX);
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

fn daily_svg(review: &Review, series: &[Series], all: &[&DailySpend], layout: Layout, h: &mut String) {
    let days = all.len();
    let narrow = layout.class == "narrow";
    let (w, hgt, left) = (layout.w, layout.h, layout.left);
    let (right, top, bottom) = (if narrow { 8.0 } else { 16.0 }, 24.0, 48.0);
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
        "<svg class=\"chart daily {}\" viewBox=\"0 0 {w} {hgt}\" width=\"100%\" role=\"img\" \
         aria-label=\"Daily spend by {}, stacked\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        layout.class,
        esc(&review.owner_tag)
    );
    // The week before the period, shaded: what the movers compare the period with.
    let before = review.daily_before.len();
    if before > 0 {
        let _ = write!(
            h,
            "<rect class=\"before\" x=\"{left}\" y=\"{top}\" width=\"{:.1}\" height=\"{plot_h:.1}\"/>\
             <text class=\"tick band\" x=\"{:.1}\" y=\"{:.1}\">week before</text>\
             <text class=\"tick band\" x=\"{:.1}\" y=\"{:.1}\">review period</text>\n",
            slot * before as f64,
            left + 4.0,
            top - 8.0,
            left + slot * before as f64 + 4.0,
            top - 8.0
        );
    }
    let mut v = lo;
    while v <= hi + step / 2.0 {
        let yy = y(v);
        let _ = write!(
            h,
            "<line class=\"grid{}\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
             <text class=\"tick y\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            if v.abs() < step / 2.0 { " zero" } else { "" },
            w - right,
            left - 6.0,
            yy + 4.0,
            esc(&axis_money(v, step, &review.currency))
        );
        v += step;
    }
    // At most 14 labelled days wide, 7 narrow (every other day of two weeks).
    let label_every = days.div_ceil(if narrow { 7 } else { 14 });
    for (i, day) in all.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let (mut up, mut down) = (0f64, 0f64);
        let _ = write!(h, "<g class=\"day\" data-date=\"{}\">", day.date);
        for s in series {
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
        // Day totals above the bars only where there is room for them.
        if !narrow && days <= 14 {
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
    h.push_str("</svg>\n");
}

/// Cumulative actual per day, the limit, the projection at the current pace to period end and
/// the run-out day.
pub(super) fn burn_chart(b: &BudgetStatus, burn: &BudgetBurn, as_of: NaiveDate, h: &mut String) {
    for layout in [
        Layout { class: "wide", w: 500.0, h: 240.0, left: 84.0 },
        Layout { class: "narrow", w: 320.0, h: 220.0, left: 72.0 },
    ] {
        burn_svg(b, burn, as_of, layout, h);
    }
}

fn burn_svg(b: &BudgetStatus, burn: &BudgetBurn, as_of: NaiveDate, layout: Layout, h: &mut String) {
    let (w, hgt, left) = (layout.w, layout.h, layout.left);
    let (right, top, bottom) = (16.0, 16.0, 32.0);
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
        "<svg class=\"chart burn {}\" viewBox=\"0 0 {w} {hgt}\" width=\"100%\" role=\"img\" \
         aria-label=\"Budget {} burn\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        layout.class,
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
    // Over the limit, the line is drawn in the alert colour (and the caption says so in words).
    let over = if b.state == crate::report::BudgetState::Over { " over" } else { "" };
    let _ = write!(h, "<path class=\"burn-actual{over}\" d=\"{path}\"/>\n");
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
