//! The weekly review's numbers beyond the audit: spend per day per owner over the review period
//! and each budget's cumulative spend per day, both from daily cost lines only.
//!
//! Lines longer than a day (month-to-date aggregates) cannot be placed on a day: they count in
//! the totals and are reported as `not_daily`, never spread over days by guesswork. A budget gets
//! a burn series only when daily lines cover every day of its period so far and add up to the
//! budget's actual, so the chart and the table can never disagree. Rendering is `report`'s.

use crate::money::add_to;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::output::BudgetStatus;
use super::output::{BudgetBurn, BurnDay, DailySpend, Movers, Review};
use crate::model::{BudgetSource, CostLine, Period};
use crate::snapshot::Snapshot;

/// Everything the review needs besides the audit's report.
pub fn review(
    snapshot: &Snapshot,
    owner_tag: &str,
    period: Period,
    label: &str,
    budgets: &[BudgetStatus],
    movers: Option<Movers>,
) -> Review {
    let in_period: Vec<&CostLine> =
        snapshot.costs.lines.iter().filter(|l| period.contains(l.period.start)).collect();
    let currency = super::spend::main_currency(&in_period);
    let lines: Vec<&CostLine> = in_period.into_iter().filter(|l| l.currency == currency).collect();
    let not_daily = lines
        .iter()
        .filter(|l| l.period.days() != 1)
        .try_fold(Decimal::ZERO, |sum, l| sum.checked_add(l.amount))
        .unwrap_or(Decimal::MAX);
    let daily = daily(&snapshot.costs.lines, owner_tag, period, &currency);
    // The chart shows both weeks a mover compares: the days before the period that the
    // previous week covers, when the review period does not (a 7-day review).
    let daily_before = match &movers {
        Some(m) if m.previous_start < period.start && !daily.is_empty() => {
            let before = Period { start: m.previous_start, end: period.start };
            daily_of(&snapshot.costs.lines, owner_tag, before, &currency)
        }
        _ => Vec::new(),
    };
    Review {
        label: label.to_string(),
        period_start: period.start,
        period_end: period.end,
        currency,
        owner_tag: owner_tag.to_string(),
        daily,
        daily_before,
        not_daily,
        movers,
        burn: budgets.iter().filter_map(|b| burn(snapshot, b)).collect(),
        history: None,
    }
}

/// Spend per day of `period` from its daily lines in `currency`; empty when no line of the
/// period is a daily one.
fn daily(lines: &[CostLine], owner_tag: &str, period: Period, currency: &str) -> Vec<DailySpend> {
    let any_daily = lines
        .iter()
        .any(|l| l.period.days() == 1 && period.contains(l.period.start) && l.currency == currency);
    if any_daily {
        daily_of(lines, owner_tag, period, currency)
    } else {
        Vec::new()
    }
}

/// One entry per day of `period`, zeros included. Owners of any day of the period appear on
/// every day, so each series has a value per day.
fn daily_of(lines: &[CostLine], owner_tag: &str, period: Period, currency: &str) -> Vec<DailySpend> {
    let daily_lines: Vec<&CostLine> = lines
        .iter()
        .filter(|l| l.period.days() == 1 && period.contains(l.period.start) && l.currency == currency)
        .collect();
    let owners: BTreeSet<&str> = daily_lines
        .iter()
        .filter(|l| l.charge_category.can_carry_tags())
        .filter_map(|l| l.tags.get(owner_tag).filter(|v| !v.is_empty()))
        .collect();
    let mut by_day: BTreeMap<NaiveDate, DailySpend> = days(period)
        .map(|date| {
            let by_owner = owners.iter().map(|o| (o.to_string(), Decimal::ZERO)).collect();
            let zero = Decimal::ZERO;
            (date, DailySpend { date, by_owner, untagged: zero, untaggable: zero, total: zero })
        })
        .collect();
    // Amounts come from files: an absurd sum saturates instead of panicking.
    let add = |to: &mut Decimal, amount: Decimal| *to = to.checked_add(amount).unwrap_or(Decimal::MAX);
    for line in &daily_lines {
        let Some(day) = by_day.get_mut(&line.period.start) else { continue };
        add(&mut day.total, line.amount);
        if !line.charge_category.can_carry_tags() {
            add(&mut day.untaggable, line.amount);
            continue;
        }
        match line.tags.get(owner_tag).filter(|v| !v.is_empty()) {
            Some(owner) => add(day.by_owner.entry(owner.to_string()).or_default(), line.amount),
            None => add(&mut day.untagged, line.amount),
        }
    }
    by_day.into_values().collect()
}

fn days(period: Period) -> impl Iterator<Item = NaiveDate> {
    (0..period.days().max(0)).filter_map(move |i| period.start.checked_add_signed(Duration::days(i)))
}

/// Cumulative spend per day of a budget computed from cost lines, from its period start to the
/// day before `as_of`.
fn burn(snapshot: &Snapshot, budget: &BudgetStatus) -> Option<BudgetBurn> {
    if budget.source != BudgetSource::Config {
        return None;
    }
    let actual = budget.actual.as_ref()?.amount;
    let so_far = Period { start: budget.period_start, end: snapshot.as_of };
    let covered: BTreeSet<NaiveDate> = snapshot
        .costs
        .lines
        .iter()
        .filter(|l| l.period.days() == 1 && so_far.contains(l.period.start))
        .map(|l| l.period.start)
        .collect();
    if so_far.days() <= 0 || covered.len() as i64 != so_far.days() {
        return None;
    }
    let mut per_day: BTreeMap<NaiveDate, Decimal> = days(so_far).map(|d| (d, Decimal::ZERO)).collect();
    for line in &snapshot.costs.lines {
        if so_far.contains(line.period.start)
            && line.currency == budget.limit.currency
            && line.period.days() == 1
            && budget.scope.matches(line)
        {
            add_to(per_day.entry(line.period.start).or_default(), line.amount);
        }
    }
    let mut cumulative = Decimal::ZERO;
    let days: Vec<BurnDay> = per_day
        .into_iter()
        .map(|(date, amount)| {
            add_to(&mut cumulative, amount);
            BurnDay { date, cumulative }
        })
        .collect();
    // Lines longer than a day in scope would make the series disagree with the actual.
    (cumulative == actual).then(|| BudgetBurn { name: budget.name.clone(), days })
}
