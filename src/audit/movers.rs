//! CST003: spend that moved sharply week over week, per owner x service.
//!
//! The last 7 complete days before the window's end (`as_of` in an audit) are compared with
//! the 7 days before those. Only daily cost lines (a period of exactly one day) count, and only
//! when such lines exist for each of the 14 days: month-to-date aggregates cannot tell one week
//! from another, and a week half covered would look like a drop. Otherwise the rule is silent.
//! A mover changed by at least `min_change_pct` of the week before *and* by at least
//! `min_change` in money, so small lines cannot flood the list with large percentages.
//!
//! This module computes movers and words the findings; the review's table reads the same rows.

use crate::money::{add_to, percent};
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::findings::Findings;
use super::output::ResourceRef;
use super::output::{Mover, Movers};
use crate::model::{CostLine, Money, Tags};
use crate::policy::MoverThresholds;
use crate::policy::RuleId;

const WEEK: i64 = 7;

/// Who a spend line belongs to, for grouping: an owner, untagged usage, or untaggable charges.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Bucket<'a> {
    Owner(&'a str),
    Untagged,
    Untaggable,
}

/// Movers of the two weeks before `end`, or `None` when daily lines do not cover both weeks.
pub(crate) fn movers(
    lines: &[CostLine],
    end: NaiveDate,
    owner_tag: &str,
    thresholds: &MoverThresholds,
) -> Option<Movers> {
    let last_start = end.checked_sub_signed(Duration::days(WEEK))?;
    let previous_start = end.checked_sub_signed(Duration::days(2 * WEEK))?;
    let daily: Vec<&CostLine> = lines
        .iter()
        .filter(|l| l.period.days() == 1 && previous_start <= l.period.start && l.period.start < end)
        .collect();
    let covered: BTreeSet<NaiveDate> = daily.iter().map(|l| l.period.start).collect();
    if covered.len() != (2 * WEEK) as usize {
        return None;
    }
    let currency = super::spend::main_currency(&daily);
    let mut sums: BTreeMap<(Bucket<'_>, &str), (Decimal, Decimal)> = BTreeMap::new();
    let (mut previous_total, mut last_total) = (Decimal::ZERO, Decimal::ZERO);
    for line in daily.iter().filter(|l| l.currency == currency) {
        let bucket = if !line.charge_category.can_carry_tags() {
            Bucket::Untaggable
        } else {
            match line.tags.get(owner_tag).filter(|v| !v.is_empty()) {
                Some(owner) => Bucket::Owner(owner),
                None => Bucket::Untagged,
            }
        };
        let entry = sums.entry((bucket, line.service.as_str())).or_default();
        if line.period.start < last_start {
            add_to(&mut entry.0, line.amount);
            add_to(&mut previous_total, line.amount);
        } else {
            add_to(&mut entry.1, line.amount);
            add_to(&mut last_total, line.amount);
        }
    }
    let mut rows: Vec<Mover> = sums
        .into_iter()
        .filter_map(|((bucket, service), (previous, last))| {
            let delta = last.checked_sub(previous).unwrap_or(Decimal::MAX);
            // Checked: a week of 1e-28 before a week of dollars is a quotient past Decimal's range.
            let change_pct = percent(delta, previous.abs()).map(|p| {
                let mut p = p.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
                p.rescale(1);
                p
            });
            let big_enough = delta.abs() >= thresholds.min_change;
            // No spend the week before: any spend now is new, however small in percent.
            let sharp = change_pct.is_none_or(|p| p.abs() >= thresholds.min_change_pct);
            (big_enough && sharp && !delta.is_zero()).then(|| Mover {
                owner: match bucket {
                    Bucket::Owner(o) => Some(o.to_string()),
                    _ => None,
                },
                untaggable: bucket == Bucket::Untaggable,
                service: service.to_string(),
                previous,
                last,
                delta,
                change_pct,
            })
        })
        .collect();
    rows.sort_by(|a, b| b.delta.abs().cmp(&a.delta.abs()).then_with(|| a.cmp(b)));
    Some(Movers {
        previous_start,
        last_start,
        last_end: end,
        currency,
        min_change_pct: thresholds.min_change_pct,
        min_change: thresholds.min_change,
        previous_total,
        last_total,
        rows,
    })
}

/// One CST003 finding per mover.
pub(crate) fn report(movers: &Movers, owner_tag: &str, out: &mut Findings) {
    let money = |d: Decimal| Money::new(d, &movers.currency);
    let last_day = movers.last_end.pred_opt().unwrap_or(movers.last_end);
    let previous_end = movers.last_start.pred_opt().unwrap_or(movers.last_start);
    for m in &movers.rows {
        let who = match (&m.owner, m.untaggable) {
            (Some(owner), _) => format!("{owner_tag} \"{owner}\""),
            (None, true) => "charges that cannot carry tags".to_string(),
            (None, false) => format!("usage without a \"{owner_tag}\" tag"),
        };
        let sign = if m.delta.is_sign_positive() { "+" } else { "" };
        let change = match m.change_pct {
            Some(p) => format!("{sign}{} ({sign}{p}%)", money(m.delta)),
            None => format!("{sign}{}, new spend", money(m.delta)),
        };
        let message = format!(
            "{who}, {}: {} last week ({} to {last_day}), {} the week before: {change}",
            m.service,
            money(m.last),
            movers.last_start,
            money(m.previous),
        );
        let resource =
            ResourceRef { name: Some(format!("spend:{}/{}", m.who(), m.service)), ..Default::default() };
        let f = out.push(RuleId::CST003, resource, message);
        f.cost = Some(money(m.delta));
        if let Some(owner) = &m.owner {
            f.owner = Tags::from([(owner_tag.to_string(), owner.clone())]);
        }
        f.detail("service", &m.service)
            .detail(
                "last_week",
                serde_json::json!({
                    "start": movers.last_start, "end": last_day, "amount": m.last.to_string()
                }),
            )
            .detail(
                "previous_week",
                serde_json::json!({
                    "start": movers.previous_start, "end": previous_end, "amount": m.previous.to_string()
                }),
            )
            .detail("delta", m.delta.to_string())
            .detail("change_pct", m.change_pct.map(|p| p.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChargeCategory, Period};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(day: NaiveDate, days: i64, team: Option<&str>, service: &str, amount: i64) -> CostLine {
        CostLine {
            period: Period { start: day, end: day + Duration::days(days) },
            account: "111111111111".into(),
            service: service.into(),
            resource_id: None,
            tags: team.map(|t| [("team".to_string(), t.to_string())].into()).unwrap_or_default(),
            amount: Decimal::from(amount),
            currency: "USD".into(),
            charge_category: ChargeCategory::Usage,
        }
    }

    /// 14 days before Nov 18: `before` per day in the first week, `after` in the second.
    fn fortnight(team: Option<&str>, service: &str, before: i64, after: i64) -> Vec<CostLine> {
        (0..14)
            .map(|i| {
                let day = d("2026-11-04") + Duration::days(i);
                line(day, 1, team, service, if i < 7 { before } else { after })
            })
            .collect()
    }

    fn run(lines: &[CostLine]) -> Option<Movers> {
        movers(lines, d("2026-11-18"), "team", &MoverThresholds::default())
    }

    #[test]
    fn a_jump_beyond_both_thresholds_is_a_mover() {
        let mut lines = fortnight(Some("web"), "EC2", 10, 40);
        lines.extend(fortnight(Some("data"), "S3", 100, 110)); // +70 but only +10%
        lines.extend(fortnight(Some("ops"), "SNS", 1, 5)); // +400% but only +28
        lines.extend(fortnight(None, "EC2", 20, 0)); // gone: -140, -100%
        let m = run(&lines).unwrap();
        assert_eq!(
            (m.previous_start, m.last_start, m.last_end),
            (d("2026-11-04"), d("2026-11-11"), d("2026-11-18"))
        );
        let got: Vec<(String, String, Option<Decimal>)> =
            m.rows.iter().map(|r| (r.who(), r.delta.to_string(), r.change_pct)).collect();
        assert_eq!(
            got,
            [
                ("web".to_string(), "210".to_string(), Some(Decimal::from(300))),
                ("(untagged)".to_string(), "-140".to_string(), Some(Decimal::from(-100))),
            ]
        );
    }

    #[test]
    fn new_spend_has_no_percentage() {
        let mut lines = fortnight(Some("web"), "EC2", 10, 10);
        lines.extend((11..18).map(|day| line(d(&format!("2026-11-{day}")), 1, Some("web"), "RDS", 10)));
        let m = run(&lines).unwrap();
        assert_eq!(m.rows.len(), 1);
        assert_eq!((m.rows[0].service.as_str(), m.rows[0].change_pct), ("RDS", None));
    }

    #[test]
    fn silent_without_daily_lines_for_both_weeks() {
        assert!(run(&[line(d("2026-11-01"), 17, Some("web"), "EC2", 500)]).is_none());
        let mut lines = fortnight(Some("web"), "EC2", 10, 40);
        lines.remove(3);
        assert!(run(&lines).is_none(), "one day missing");
    }
}
