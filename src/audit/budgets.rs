//! Budget status: actual against limit (BUD001) and forecast against limit (BUD002).
//!
//! AWS Budgets bring their own actual and forecast. Budgets declared in `tally.hcl` are computed
//! from the snapshot's cost lines: actual is the period-to-date sum of lines in scope; the
//! forecast is linear (actual per elapsed day times days in the period), rounded to the cent.

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::{AuditInput, Findings};
use crate::model::{Budget, BudgetPeriod, BudgetSource, Money};
use crate::report::{BudgetState, BudgetStatus, ResourceRef};
use crate::snapshot::Snapshot;

/// `[start, end)` of the budget period containing `day`.
pub fn period_bounds(period: BudgetPeriod, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (months, first_month) = match period {
        BudgetPeriod::Monthly => (1, day.month()),
        BudgetPeriod::Quarterly => (3, (day.month() - 1) / 3 * 3 + 1),
        BudgetPeriod::Annually => (12, 1),
    };
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let end = start.checked_add_months(chrono::Months::new(months)).unwrap_or(start);
    (start, end)
}

pub(crate) fn budgets(input: &AuditInput<'_>, snapshot: &Snapshot, out: &mut Findings) -> Vec<BudgetStatus> {
    let as_of = snapshot.as_of;
    let (linked, declared) = link_aws_budgets(input, snapshot);
    declared
        .iter()
        .chain(snapshot.budgets.iter().filter(|b| !linked.contains(&b.name)))
        .map(|budget| {
            let status = status(budget, snapshot, as_of, thresholds(input, &budget.name));
            report(input, budget, &status, as_of, out);
            status
        })
        .collect()
}

/// Budgets of tally.hcl with `aws_budget = "name"` take that AWS Budget's actual, forecast
/// (and limit, when tally.hcl gives none) from the snapshot; the AWS Budget is then not listed
/// a second time. Returns the linked AWS names and the declared budgets.
fn link_aws_budgets(input: &AuditInput<'_>, snapshot: &Snapshot) -> (Vec<String>, Vec<Budget>) {
    let mut linked = Vec::new();
    let declared = input
        .budgets
        .iter()
        .map(|b| {
            let settings = input.policy.budgets.get(&b.name);
            let aws = settings
                .and_then(|s| s.aws_budget.as_ref())
                .and_then(|name| snapshot.budgets.iter().find(|a| &a.name == name));
            let mut b = b.clone();
            if let (Some(aws), Some(settings)) = (aws, settings) {
                linked.push(aws.name.clone());
                b.actual = aws.actual;
                b.forecast = aws.forecast;
                b.source = BudgetSource::AwsBudgets;
                if settings.limit_from_aws {
                    b.limit = aws.limit.clone();
                }
            }
            b
        })
        .collect();
    (linked, declared)
}

/// (actual, forecast) alert thresholds of a budget as fractions of its limit (default 1).
fn thresholds(input: &AuditInput<'_>, name: &str) -> (Decimal, Decimal) {
    let settings = input.policy.budgets.get(name);
    let pct = |p: Option<Decimal>| p.unwrap_or(Decimal::ONE_HUNDRED) / Decimal::ONE_HUNDRED;
    (pct(settings.and_then(|s| s.alert_at_actual)), pct(settings.and_then(|s| s.alert_at_forecast)))
}

fn status(
    budget: &Budget,
    snapshot: &Snapshot,
    as_of: NaiveDate,
    alert_at: (Decimal, Decimal),
) -> BudgetStatus {
    let (start, end) = period_bounds(budget.period, as_of);
    let currency = &budget.limit.currency;
    let (actual, forecast, method) = match budget.source {
        BudgetSource::AwsBudgets => (budget.actual, budget.forecast, budget.forecast.map(|_| "aws")),
        BudgetSource::Config => {
            let lines: Vec<_> = snapshot
                .costs
                .lines
                .iter()
                .filter(|l| start <= l.period.start && l.period.start < as_of && l.currency == *currency)
                .filter(|l| budget.scope.matches(l))
                .collect();
            if lines.is_empty() {
                (None, None, None)
            } else {
                let actual: Decimal = lines.iter().map(|l| l.amount).sum();
                let elapsed = (as_of - start).num_days();
                let days = (end - start).num_days();
                let forecast = (elapsed > 0).then(|| {
                    (actual * Decimal::from(days) / Decimal::from(elapsed))
                        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
                });
                (Some(actual), forecast, forecast.map(|_| "linear"))
            }
        }
    };
    let limit = budget.limit.amount;
    // At or above the threshold; with the default 100% a budget spent to the cent is over.
    // Checked: amounts and percentages come from files; an absurd one must not panic.
    let at = |fraction: Decimal| limit.checked_mul(fraction).unwrap_or(Decimal::MAX);
    let (actual_at, forecast_at) = (at(alert_at.0), at(alert_at.1));
    let state = match (actual, forecast) {
        (Some(a), _) if a >= actual_at && !(a.is_zero() && limit.is_zero()) => BudgetState::Over,
        (_, Some(f)) if f >= forecast_at && !(f.is_zero() && limit.is_zero()) => BudgetState::ForecastOver,
        (Some(_), _) | (_, Some(_)) => BudgetState::Ok,
        (None, None) => BudgetState::Unknown,
    };
    let actual_pct = actual.filter(|_| !limit.is_zero()).map(|a| {
        (a * Decimal::from(100) / limit).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
    });
    BudgetStatus {
        name: budget.name.clone(),
        source: budget.source,
        scope: budget.scope.clone(),
        period: budget.period,
        period_start: start,
        period_end: end,
        limit: budget.limit.clone(),
        actual: actual.map(|a| Money::new(a, currency)),
        forecast: forecast.map(|f| Money::new(f, currency)),
        forecast_method: method.map(str::to_string),
        actual_pct,
        state,
    }
}

fn report(
    input: &AuditInput<'_>,
    budget: &Budget,
    status: &BudgetStatus,
    as_of: NaiveDate,
    out: &mut Findings,
) {
    let resource = ResourceRef { name: Some(format!("budget:{}", budget.name)), ..Default::default() };
    let owner = budget
        .scope
        .tags
        .get(&input.policy.owner_tag)
        .filter(|v| v.len() == 1)
        .map(|v| std::collections::BTreeMap::from([(input.policy.owner_tag.clone(), v[0].clone())]))
        .unwrap_or_default();
    let limit = &budget.limit;
    match status.state {
        BudgetState::Over => {
            let actual = status.actual.clone().unwrap_or_else(|| limit.clone());
            let over = Money::new(actual.amount - limit.amount, &limit.currency);
            let message = format!(
                "budget \"{}\" is exceeded: {} spent of {} ({}%), {} over, with {} days left in the period",
                budget.name,
                actual,
                limit,
                status.actual_pct.unwrap_or_default(),
                over,
                (status.period_end - as_of).num_days()
            );
            let alert_at = thresholds(input, &budget.name).0;
            let f = if over.amount.is_sign_positive() || alert_at >= Decimal::ONE {
                let f = out.push("BUD001", resource, message);
                f.cost = Some(over);
                f
            } else {
                let message = format!(
                    "budget \"{}\" reached its alert threshold of {}%: {} spent of {} ({}%)",
                    budget.name,
                    alert_at.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(alert_at).normalize(),
                    actual,
                    limit,
                    status.actual_pct.unwrap_or_default()
                );
                out.push("BUD001", resource, message)
            };
            f.owner = owner;
        }
        BudgetState::ForecastOver => {
            let forecast = status.forecast.clone().unwrap_or_else(|| limit.clone());
            let over = Money::new(forecast.amount - limit.amount, &limit.currency);
            let message = format!(
                "budget \"{}\" is forecast to reach {} against a limit of {} ({} over) by {}",
                budget.name,
                forecast,
                limit,
                over,
                status.period_end.pred_opt().unwrap_or(status.period_end)
            );
            let alert_at = thresholds(input, &budget.name).1;
            let f = if over.amount.is_sign_positive() || alert_at >= Decimal::ONE {
                let f = out.push("BUD002", resource, message);
                f.cost = Some(over);
                f
            } else {
                let message = format!(
                    "budget \"{}\" is forecast to reach {} of {} by {}, above its alert threshold of {}%",
                    budget.name,
                    forecast,
                    limit,
                    status.period_end.pred_opt().unwrap_or(status.period_end),
                    alert_at.checked_mul(Decimal::ONE_HUNDRED).unwrap_or(alert_at).normalize()
                );
                out.push("BUD002", resource, message)
            };
            f.owner = owner;
            f.detail("forecast_method", &status.forecast_method);
        }
        BudgetState::Ok | BudgetState::Unknown => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods() {
        assert_eq!(period_bounds(BudgetPeriod::Monthly, d("2026-11-18")), (d("2026-11-01"), d("2026-12-01")));
        assert_eq!(period_bounds(BudgetPeriod::Monthly, d("2026-12-31")), (d("2026-12-01"), d("2027-01-01")));
        assert_eq!(
            period_bounds(BudgetPeriod::Quarterly, d("2026-11-18")),
            (d("2026-10-01"), d("2027-01-01"))
        );
        assert_eq!(
            period_bounds(BudgetPeriod::Annually, d("2026-02-28")),
            (d("2026-01-01"), d("2027-01-01"))
        );
    }
}
