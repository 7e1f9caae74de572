//! The review page's trends: one column per week of the history (`tally report --history`),
//! oldest first, this week last. Figures are the stored reports' own; nothing is recomputed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{esc, fig};
use crate::model::Money;
use crate::report::review::Review;

pub(super) fn trends(review: &Review, h: &mut String) {
    h.push_str("<section class=\"trends\">\n<h2>Trends</h2>\n");
    let Some(history) = &review.history else {
        h.push_str(
            "<p class=\"empty\">No history: <code>tally report --history DIR</code> (or <code>history = \"DIR\"</code> \
             in tally.hcl) keeps each week's report and shows spend per owner, untagged share, unmanaged spend, \
             coverage, findings and budgets over the last 12 weeks.</p>\n</section>\n",
        );
        return;
    };
    let points = &history.points;
    if points.len() < 2 {
        h.push_str(
            "<p class=\"empty\">The history holds this week only: trends show from next week's review on.</p>\n\
             </section>\n",
        );
        return;
    }
    let last = points.len() - 1;
    let _ = write!(
        h,
        "<p class=\"caption\">{} weeks of reviews (at most {}), by ISO week of the data's date; each figure is \
         that week's report.</p>\n",
        points.len(),
        history.weeks
    );
    let money = |p: &crate::report::review::TrendPoint, d: Decimal| match &p.currency {
        Some(c) => Money::new(d, c).to_string(),
        None => d.to_string(),
    };
    // Only this week's figures carry a pointer: older weeks are in `review.history.points`.
    let pointer = |i: usize, path: &str| format!("/review/history/points/{i}/{path}");
    h.push_str("<div class=\"scroll\"><table class=\"trend\">\n<thead><tr><th></th>");
    for p in points {
        let _ =
            write!(h, "<th class=\"num\">{}<br><span class=\"muted\">{}</span></th>", esc(&p.week), p.as_of);
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    type Cell<'a> = Box<dyn Fn(usize, &crate::report::review::TrendPoint) -> Option<String> + 'a>;
    let rows: Vec<(&str, Cell<'_>)> = vec![
        ("spend", Box::new(|i, p| p.total.map(|d| fig(&pointer(i, "total"), &money(p, d))))),
        (
            "untagged share",
            Box::new(|i, p| p.untagged_pct.map(|d| fig(&pointer(i, "untagged_pct"), &format!("{d}%")))),
        ),
        (
            "unmanaged spend",
            Box::new(|i, p| p.unmanaged.map(|d| fig(&pointer(i, "unmanaged"), &money(p, d)))),
        ),
        (
            "coverage by count",
            Box::new(|i, p| {
                p.coverage_by_count_pct.map(|d| fig(&pointer(i, "coverage_by_count_pct"), &format!("{d}%")))
            }),
        ),
        (
            "coverage by money",
            Box::new(|i, p| {
                p.coverage_by_cost_pct.map(|d| fig(&pointer(i, "coverage_by_cost_pct"), &format!("{d}%")))
            }),
        ),
    ];
    for (label, cell) in &rows {
        let _ = write!(h, "<tr><td>{label}</td>");
        for (i, p) in points.iter().enumerate() {
            let _ = write!(h, "<td class=\"num\">{}</td>", cell(i, p).unwrap_or_else(|| "-".into()));
        }
        h.push_str("</tr>\n");
    }
    // Spend per owner: owners of this week first (largest first), then those seen before.
    let mut owners: Vec<&str> = points[last].by_owner.keys().map(String::as_str).collect();
    owners.sort_by(|a, b| points[last].by_owner[*b].cmp(&points[last].by_owner[*a]).then(a.cmp(b)));
    let seen: BTreeSet<&str> = points.iter().flat_map(|p| p.by_owner.keys().map(String::as_str)).collect();
    owners.extend(seen.into_iter().filter(|o| !points[last].by_owner.contains_key(*o)));
    let _ = write!(
        h,
        "<tr class=\"group\"><td colspan=\"{}\">spend by {}</td></tr>\n",
        points.len() + 1,
        esc(&review.owner_tag)
    );
    for owner in owners {
        let _ = write!(h, "<tr><td>{}</td>", esc(owner));
        for (i, p) in points.iter().enumerate() {
            let cell = p.by_owner.get(owner).map(|d| {
                fig(&format!("/review/history/points/{i}/by_owner/{}", super::seg(owner)), &money(p, *d))
            });
            let _ = write!(h, "<td class=\"num\">{}</td>", cell.unwrap_or_else(|| "-".into()));
        }
        h.push_str("</tr>\n");
    }
    // Findings by rule, every rule any week had.
    let rules: BTreeSet<&str> =
        points.iter().flat_map(|p| p.findings_by_rule.keys().map(String::as_str)).collect();
    let _ =
        write!(h, "<tr class=\"group\"><td colspan=\"{}\">findings by rule</td></tr>\n", points.len() + 1);
    for rule in rules {
        let _ = write!(h, "<tr><td class=\"mono\">{}</td>", esc(rule));
        for p in points {
            let _ =
                write!(h, "<td class=\"num\">{}</td>", p.findings_by_rule.get(rule).copied().unwrap_or(0));
        }
        h.push_str("</tr>\n");
    }
    // Budget outcomes: each budget's state that week.
    let mut budgets: BTreeMap<&str, ()> = BTreeMap::new();
    for p in points {
        for name in p.budgets.keys() {
            budgets.insert(name, ());
        }
    }
    if !budgets.is_empty() {
        let _ = write!(h, "<tr class=\"group\"><td colspan=\"{}\">budgets</td></tr>\n", points.len() + 1);
        for name in budgets.keys() {
            let _ = write!(h, "<tr><td>{}</td>", esc(name));
            for p in points {
                let state = p.budgets.get(*name).map(String::as_str).unwrap_or("-");
                let class = match state {
                    "over" => "state over",
                    "forecast_over" => "state trouble",
                    _ => "state",
                };
                let _ = write!(h, "<td class=\"num {class}\">{}</td>", esc(&state.replace('_', " ")));
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");
}
