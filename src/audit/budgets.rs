//! Budget status: actual against limit (BUD001) and forecast against limit (BUD002).
//!
//! AWS Budgets bring their own actual and forecast. Budgets declared in `tally.hcl` are computed
//! from the snapshot's cost lines: actual is the period-to-date sum of lines in scope; the
//! forecast is actual plus Cost Explorer's forecast of the rest of the period when the snapshot
//! recorded one (`forecasts`, method `aws`), else linear (actual per elapsed day times days in
//! the period), rounded to the cent.

use crate::money::{add_to, checked_sum, percent};
use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::findings::Findings;
use super::input::AuditInput;
use super::output::{BudgetState, BudgetStatus, ResourceRef};
use crate::model::{Budget, BudgetSource, Diagnostic, Money};
use crate::policy::RuleId;
use crate::snapshot::Snapshot;

pub(crate) fn budgets(
    input: &AuditInput<'_>,
    snapshot: &Snapshot,
    out: &mut Findings,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<BudgetStatus> {
    let as_of = snapshot.as_of;
    let (linked, declared) = link_aws_budgets(input, snapshot);
    declared
        .iter()
        .chain(snapshot.budgets.iter().filter(|b| !linked.contains(&b.name)))
        .map(|budget| {
            let mut status = status(budget, snapshot, as_of, thresholds(input, &budget.name));
            if status.state == BudgetState::Unknown {
                if let Some(found) = other_currencies(budget, snapshot, &status) {
                    // tally never converts currencies: saying "no data" here would hide spend.
                    status.state = BudgetState::CurrencyMismatch;
                    diagnostics.push(Diagnostic {
                        source: "budgets".into(),
                        location: None,
                        account: None,
                        region: None,
                        message: format!(
                            "budget \"{}\" is in {} but its spend from {} is in {}: tally does not convert \
                             currencies; give the budget's limit in {} (tally.hcl `currency`)",
                            budget.name,
                            budget.limit.currency,
                            status.period_start,
                            found.join(", "),
                            found.join(" or ")
                        ),
                    });
                }
            }
            report(input, budget, &status, as_of, out);
            status
        })
        .collect()
}

/// The currencies of cost lines in a budget's scope and period when none is in the budget's own
/// currency (a budget in EUR over spend in USD), else `None`.
fn other_currencies(budget: &Budget, snapshot: &Snapshot, status: &BudgetStatus) -> Option<Vec<String>> {
    if budget.source != BudgetSource::Config {
        return None;
    }
    let found: BTreeSet<&str> = snapshot
        .costs
        .lines
        .iter()
        .filter(|l| status.period_start <= l.period.start && l.period.start < snapshot.as_of)
        .filter(|l| budget.scope.matches(l))
        .map(|l| l.currency.as_str())
        .collect();
    (!found.is_empty() && !found.contains(budget.limit.currency.as_str()))
        .then(|| found.into_iter().map(str::to_string).collect())
}

/// The plan gate shows the budgets of the owners a plan creates, updates or replaces resources
/// for (owner tag values known in the plan), and budgets with no tag scope; others are not
/// the pull request's business.
pub(crate) fn retain_touched_by_plan(input: &AuditInput<'_>, budgets: &mut Vec<BudgetStatus>) {
    use crate::model::PlanAction::{Create, Replace, Update};
    let owner_tag = &input.policy.owner_tag;
    let touched: BTreeSet<&str> = input
        .plan
        .into_iter()
        .flatten()
        .filter(|r| matches!(r.action, Some(Create | Update | Replace)))
        .filter_map(|r| r.tags.tags.get(owner_tag).and_then(|v| v.known()))
        .collect();
    budgets.retain(|b| match b.scope.tags.get(owner_tag) {
        Some(values) => values.iter().any(|v| touched.contains(v.as_str())),
        None => b.scope.tags.is_empty(),
    });
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
    let pct = |p: Option<Decimal>| {
        p.unwrap_or(Decimal::ONE_HUNDRED).checked_div(Decimal::ONE_HUNDRED).unwrap_or(Decimal::ONE)
    };
    (pct(settings.and_then(|s| s.alert_at_actual)), pct(settings.and_then(|s| s.alert_at_forecast)))
}

fn status(
    budget: &Budget,
    snapshot: &Snapshot,
    as_of: NaiveDate,
    alert_at: (Decimal, Decimal),
) -> BudgetStatus {
    let (start, end) = budget.period.bounds(as_of);
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
            // Checked: amounts are bounded at read (`money::MAX_AMOUNT`); overflow saturates, never panics.
            let actual = (!lines.is_empty())
                .then(|| checked_sum(lines.iter().map(|l| l.amount)).unwrap_or(Decimal::MAX));
            // Cost Explorer's forecast of the rest of this period, recorded at collection:
            // actual so far + AWS's remainder replaces the linear projection.
            let aws = snapshot.forecasts.iter().find(|f| {
                f.budget == budget.name
                    && f.period == crate::model::Period { start: as_of, end }
                    && f.currency == *currency
            });
            match (actual, aws) {
                (_, Some(f)) => {
                    let total = actual
                        .unwrap_or_default()
                        .checked_add(f.amount)
                        .unwrap_or(Decimal::MAX)
                        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                    (actual, Some(total), Some("aws"))
                }
                (None, None) => (None, None, None),
                (Some(actual), None) => {
                    let elapsed = (as_of - start).num_days();
                    let days = (end - start).num_days();
                    let forecast = (elapsed > 0)
                        .then(|| actual.checked_mul(Decimal::from(days))?.checked_div(Decimal::from(elapsed)))
                        .flatten()
                        .map(|f| f.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
                    (Some(actual), forecast, forecast.map(|_| "linear"))
                }
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
    let pace = pace(budget, snapshot, as_of, start, actual);
    let runs_out_on = match (actual, &pace) {
        (Some(a), Some((per_day, _))) if a < limit && *per_day > Decimal::ZERO => {
            // The day on which spend reaches the limit: `actual` covers the days before as_of.
            // Only a day within the period: a monthly budget cannot run out in the next month
            // (its spend starts again from zero), so a later day is "not before the period end".
            let days = limit.checked_sub(a).and_then(|left| left.checked_div(*per_day)).map(|d| d.ceil());
            days.and_then(|d| i64::try_from(d).ok())
                .and_then(|d| as_of.checked_add_signed(chrono::Duration::days(d - 1)))
                .filter(|day| *day < end)
        }
        _ => None,
    };
    let actual_pct = actual
        .and_then(|a| percent(a, limit))
        .map(|p| p.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero));
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
        daily_pace: pace.as_ref().map(|(p, _)| {
            Money::new(p.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero), currency)
        }),
        pace_method: pace.map(|(_, m)| m.to_string()),
        runs_out_on,
        state,
        plan_delta: None,
        forecast_with_plan: None,
    }
}

/// Spend per day "at today's pace": the last 7 days when daily cost lines cover each of them,
/// else the period's average so far.
fn pace(
    budget: &Budget,
    snapshot: &Snapshot,
    as_of: NaiveDate,
    start: NaiveDate,
    actual: Option<Decimal>,
) -> Option<(Decimal, &'static str)> {
    const WEEK: i64 = 7;
    let week_start = as_of.checked_sub_signed(chrono::Duration::days(WEEK))?;
    let mut days = std::collections::BTreeSet::new();
    let mut sum = Decimal::ZERO;
    for line in &snapshot.costs.lines {
        let daily = line.period.days() == 1;
        if daily
            && week_start <= line.period.start
            && line.period.start < as_of
            && line.currency == budget.limit.currency
            && budget.scope.matches(line)
        {
            days.insert(line.period.start);
            add_to(&mut sum, line.amount);
        }
    }
    if days.len() == WEEK as usize {
        return sum.checked_div(Decimal::from(WEEK)).map(|d| (d, "last-7-days"));
    }
    let elapsed = (as_of - start).num_days();
    match actual {
        Some(a) if elapsed > 0 => a.checked_div(Decimal::from(elapsed)).map(|d| (d, "period-average")),
        _ => None,
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
        .map(|v| crate::model::Tags::from([(input.policy.owner_tag.clone(), v[0].clone())]))
        .unwrap_or_default();
    let limit = &budget.limit;
    match status.state {
        BudgetState::Over => {
            let actual = status.actual.clone().unwrap_or_else(|| limit.clone());
            let over =
                Money::new(actual.amount.checked_sub(limit.amount).unwrap_or(Decimal::MAX), &limit.currency);
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
                let f = out.push(RuleId::BUD001, resource, message);
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
                out.push(RuleId::BUD001, resource, message)
            };
            f.owner = owner;
        }
        BudgetState::ForecastOver => {
            let forecast = status.forecast.clone().unwrap_or_else(|| limit.clone());
            let over = Money::new(
                forecast.amount.checked_sub(limit.amount).unwrap_or(Decimal::MAX),
                &limit.currency,
            );
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
                let f = out.push(RuleId::BUD002, resource, message);
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
                out.push(RuleId::BUD002, resource, message)
            };
            f.owner = owner;
            f.detail("forecast_method", &status.forecast_method);
        }
        BudgetState::Ok => {
            let (Some(day), Some(pace)) = (status.runs_out_on, &status.daily_pace) else { return };
            if day >= status.period_end {
                return;
            }
            let basis = match status.pace_method.as_deref() {
                Some("last-7-days") => "the last 7 days' pace",
                _ => "this period's average pace",
            };
            let message = format!(
                "budget \"{}\" runs out on {day} at {basis} of {pace}/day, {} days before the period ends",
                budget.name,
                (status.period_end - day).num_days()
            );
            let f = out.push(RuleId::BUD003, resource, message);
            f.owner = owner;
            f.detail("runs_out_on", day).detail("pace_method", &status.pace_method);
        }
        BudgetState::Unknown | BudgetState::CurrencyMismatch => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BudgetPeriod;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(start: &str, days: i64, team: &str, amount: &str) -> crate::model::CostLine {
        let start = d(start);
        crate::model::CostLine {
            period: crate::model::Period { start, end: start + chrono::Duration::days(days) },
            account: "111111111111".into(),
            service: "Amazon EC2".into(),
            resource_id: None,
            tags: [("team".to_string(), team.to_string())].into(),
            amount: amount.parse().unwrap(),
            currency: "USD".into(),
            charge_category: crate::model::ChargeCategory::Usage,
        }
    }

    fn snapshot(lines: Vec<crate::model::CostLine>) -> Snapshot {
        Snapshot {
            format: "tally-snapshot".into(),
            version: 1,
            collected_at: "2026-11-18T00:00:00Z".parse().unwrap(),
            as_of: d("2026-11-18"),
            collection: Default::default(),
            resources: vec![],
            costs: crate::snapshot::Costs { metric: "UnblendedCost".into(), lines },
            budgets: vec![],
            cost_allocation_tags: vec![],
            forecasts: vec![],
            list_prices: vec![],
        }
    }

    fn budget(limit: &str) -> Budget {
        Budget {
            name: "web".into(),
            scope: crate::model::BudgetScope {
                tags: [("team".to_string(), vec!["web".to_string()])].into(),
                ..Default::default()
            },
            period: BudgetPeriod::Monthly,
            limit: Money::new(limit.parse().unwrap(), "USD"),
            actual: None,
            forecast: None,
            source: BudgetSource::Config,
        }
    }

    fn run(
        limit: &str,
        lines: Vec<crate::model::CostLine>,
    ) -> (BudgetStatus, Vec<crate::audit::output::Finding>) {
        run_on(limit, snapshot(lines))
    }

    fn run_on(limit: &str, snap: Snapshot) -> (BudgetStatus, Vec<crate::audit::output::Finding>) {
        let (status, findings, _) = run_with(budget(limit), snap);
        (status, findings)
    }

    fn run_with(
        b: Budget,
        snap: Snapshot,
    ) -> (BudgetStatus, Vec<crate::audit::output::Finding>, Vec<Diagnostic>) {
        let policy = crate::policy::Policy { owner_tag: "team".into(), ..Default::default() };
        let input = AuditInput {
            code: None,
            plan: None,
            state: &[],
            snapshot: Some(&snap),
            policy: &policy,
            budgets: std::slice::from_ref(&b),
            window: None,
            focus: Default::default(),
            plan_cost: None,
        };
        let mut out = Findings::new(&policy);
        let mut diagnostics = Vec::new();
        let statuses = budgets(&input, &snap, &mut out, &mut diagnostics);
        (statuses.into_iter().next().unwrap(), out.0, diagnostics)
    }

    /// Nov 1-10 quiet (10/day), Nov 11-17 hot (50/day): the average hides what the last week shows.
    fn accelerating() -> Vec<crate::model::CostLine> {
        (1..=17)
            .map(|day| line(&format!("2026-11-{day:02}"), 1, "web", if day <= 10 { "10" } else { "50" }))
            .collect()
    }

    #[test]
    fn recent_pace_finds_a_run_out_the_linear_forecast_misses() {
        // actual 450, linear forecast 450/17*30 = 794.12 < 900: no BUD002; at 50/day the
        // remaining 450 lasts 9 days: runs out on Nov 26.
        let (status, findings) = run("900", accelerating());
        assert_eq!(status.state, BudgetState::Ok);
        assert_eq!(status.actual.as_ref().unwrap().amount, Decimal::from(450));
        assert_eq!(status.pace_method.as_deref(), Some("last-7-days"));
        assert_eq!(status.daily_pace.as_ref().unwrap().amount, Decimal::from(50));
        assert_eq!(status.runs_out_on, Some(d("2026-11-26")));
        let ids: Vec<&str> = findings.iter().map(|f| &*f.rule_id).collect();
        assert_eq!(ids, ["BUD003"]);
        assert!(findings[0].message.contains("runs out on 2026-11-26"), "{}", findings[0].message);
    }

    #[test]
    fn no_burn_rate_finding_when_the_budget_lasts_the_period() {
        // At 50/day the limit would be reached on Dec 18, in the next period: a monthly budget
        // starts again from zero on Dec 1, so it does not run out ("not before period end").
        let (status, findings) = run("2000", accelerating());
        assert_eq!(status.runs_out_on, None);
        assert_eq!(status.state, BudgetState::Ok);
        assert!(findings.is_empty());
        // The last day of the period is still within it.
        let (status, _) = run("1100", accelerating());
        assert_eq!(status.runs_out_on, Some(d("2026-11-30")));
    }

    #[test]
    fn a_budget_in_another_currency_is_a_mismatch_with_a_diagnostic_never_no_data() {
        let mut b = budget("900");
        b.limit = Money::new(Decimal::from(900), "EUR");
        let (status, findings, diagnostics) = run_with(b, snapshot(accelerating()));
        assert_eq!(status.state, BudgetState::CurrencyMismatch);
        assert!(findings.is_empty(), "no BUD finding from amounts never compared");
        assert_eq!(diagnostics.len(), 1);
        let message = &diagnostics[0].message;
        assert!(message.contains("budget \"web\" is in EUR") && message.contains("is in USD"), "{message}");
        // No spend at all in scope stays unknown, without a diagnostic.
        let (status, _, diagnostics) = run_with(budget("900"), snapshot(vec![]));
        assert_eq!((status.state, diagnostics.len()), (BudgetState::Unknown, 0));
    }

    #[test]
    fn average_pace_without_daily_lines() {
        let (status, _) = run("900", vec![line("2026-11-01", 17, "web", "340")]);
        assert_eq!(status.pace_method.as_deref(), Some("period-average"));
        assert_eq!(status.daily_pace.as_ref().unwrap().amount, Decimal::from(20));
        // remaining 560 at 20/day: 28 days from Nov 18 -> Dec 15, after the period: not at all.
        assert_eq!(status.runs_out_on, None);
        let (status, _) = run("500", vec![line("2026-11-01", 17, "web", "340")]);
        // remaining 160 at 20/day: 8 days from Nov 18 -> Nov 25.
        assert_eq!(status.runs_out_on, Some(d("2026-11-25")));
    }

    #[test]
    fn over_budget_is_bud001_only() {
        let (status, findings) = run("400", accelerating());
        assert_eq!(status.state, BudgetState::Over);
        assert_eq!(status.runs_out_on, None);
        let ids: Vec<&str> = findings.iter().map(|f| &*f.rule_id).collect();
        assert_eq!(ids, ["BUD001"]);
    }

    fn aws_forecast(start: &str, amount: &str) -> crate::snapshot::Forecast {
        crate::snapshot::Forecast {
            budget: "web".into(),
            period: crate::model::Period { start: d(start), end: d("2026-12-01") },
            amount: amount.parse().unwrap(),
            currency: "USD".into(),
        }
    }

    #[test]
    fn cost_explorer_forecast_replaces_the_linear_projection() {
        // actual 450 (linear 794.12 < 900); AWS expects 500.004 more by Dec 1: 950.00 >= 900.
        let mut snap = snapshot(accelerating());
        snap.forecasts = vec![aws_forecast("2026-11-18", "500.004")];
        let (status, findings) = run_on("900", snap);
        assert_eq!(status.forecast_method.as_deref(), Some("aws"));
        assert_eq!(status.forecast.as_ref().unwrap().amount, "950.00".parse::<Decimal>().unwrap());
        assert_eq!(status.state, BudgetState::ForecastOver);
        let ids: Vec<&str> = findings.iter().map(|f| &*f.rule_id).collect();
        assert!(ids.contains(&"BUD002"), "{ids:?}");

        // A forecast made on another day is not this period's remainder: linear again.
        let mut snap = snapshot(accelerating());
        snap.forecasts = vec![aws_forecast("2026-11-17", "500")];
        let (status, _) = run_on("900", snap);
        assert_eq!(status.forecast_method.as_deref(), Some("linear"));
        assert_eq!(status.forecast.as_ref().unwrap().amount, "794.12".parse::<Decimal>().unwrap());
    }

    #[test]
    fn periods() {
        assert_eq!(BudgetPeriod::Monthly.bounds(d("2026-11-18")), (d("2026-11-01"), d("2026-12-01")));
        assert_eq!(BudgetPeriod::Monthly.bounds(d("2026-12-31")), (d("2026-12-01"), d("2027-01-01")));
        assert_eq!(BudgetPeriod::Quarterly.bounds(d("2026-11-18")), (d("2026-10-01"), d("2027-01-01")));
        assert_eq!(BudgetPeriod::Annually.bounds(d("2026-02-28")), (d("2026-01-01"), d("2027-01-01")));
    }
}
