//! BUD004: a priced plan pushes a budget over. For every monthly budget the plan touches
//! (scoped to owner tag values whose resources the plan prices, or with no tag scope at all),
//! the plan's monthly delta for those owners is added to the budget's forecast; the rule fires
//! exactly when the forecast is below the limit and forecast + delta reaches it (at or above,
//! as BUD002 counts "over"). A budget already forecast over is BUD002's, not the plan's.
//!
//! Budgets over a quarter or a year, or scoped by account, service or another tag, are left
//! alone: a monthly delta cannot be placed in them without a guess.

use rust_decimal::Decimal;

use super::findings::Findings;
use super::input::AuditInput;
use super::output::{BudgetStatus, ResourceRef};
use crate::model::{BudgetPeriod, Money};
use crate::policy::RuleId;
use crate::pricing::PlanCost;

/// Fill `plan_delta` and `forecast_with_plan` of the budgets the plan touches, and report
/// BUD004 where the plan crosses the limit.
pub(crate) fn impact(
    input: &AuditInput<'_>,
    cost: &PlanCost,
    budgets: &mut [BudgetStatus],
    out: &mut Findings,
) {
    let owner_tag = &input.policy.owner_tag;
    for b in budgets.iter_mut() {
        if b.period != BudgetPeriod::Monthly
            || b.limit.currency != cost.currency
            || !b.scope.accounts.is_empty()
            || !b.scope.services.is_empty()
            || b.scope.tags.keys().any(|k| k != owner_tag)
        {
            continue;
        }
        let values = b.scope.tags.get(owner_tag);
        let touched: Vec<_> = cost
            .owners
            .iter()
            .filter(|o| o.priced > 0)
            .filter(|o| match values {
                Some(values) => o.owner.as_ref().is_some_and(|owner| values.contains(owner)),
                None => true,
            })
            .collect();
        if touched.is_empty() {
            continue;
        }
        let mut delta = Decimal::ZERO;
        for o in &touched {
            // Cents of a plan: a sum beyond a decimal's range is no real plan; saturate.
            delta = delta.checked_add(o.monthly_delta).unwrap_or(Decimal::MAX);
        }
        let currency = b.limit.currency.clone();
        b.plan_delta = Some(Money::new(delta, &currency));
        let Some(forecast) = b.forecast.clone() else { continue };
        let Some(with_plan) = forecast.amount.checked_add(delta) else { continue };
        b.forecast_with_plan = Some(Money::new(with_plan, &currency));
        let limit = b.limit.amount;
        if !(forecast.amount < limit && with_plan >= limit) {
            continue;
        }
        let owners: Vec<&str> = touched.iter().filter_map(|o| o.owner.as_deref()).collect();
        let whose = if owners.is_empty() { String::new() } else { format!(" for {}", owners.join(", ")) };
        let message = format!(
            "budget \"{}\": the plan adds {} a month{whose}; forecast {} + {} = {} reaches the limit of {}",
            b.name,
            Money::new(delta, &currency),
            forecast,
            Money::new(delta, &currency),
            Money::new(with_plan, &currency),
            b.limit
        );
        let resource = ResourceRef { name: Some(format!("budget:{}", b.name)), ..Default::default() };
        let f = out.push(RuleId::BUD004, resource, message);
        f.cost = with_plan.checked_sub(limit).map(|over| Money::new(over, &currency));
        if let [one] = owners.as_slice() {
            f.owner = crate::model::Tags::from([(owner_tag.clone(), (*one).to_string())]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::output::BudgetState;
    use crate::model::{BudgetScope, BudgetSource};
    use crate::pricing::OwnerCost;
    use chrono::NaiveDate;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn status(limit: &str, forecast: &str) -> BudgetStatus {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        BudgetStatus {
            name: "web".into(),
            source: BudgetSource::Config,
            scope: BudgetScope {
                tags: [("team".to_string(), vec!["web".to_string()])].into(),
                ..Default::default()
            },
            period: BudgetPeriod::Monthly,
            period_start: day,
            period_end: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            limit: Money::new(d(limit), "USD"),
            actual: None,
            forecast: Some(Money::new(d(forecast), "USD")),
            forecast_method: Some("linear".into()),
            actual_pct: None,
            daily_pace: None,
            pace_method: None,
            runs_out_on: None,
            state: BudgetState::Ok,
            plan_delta: None,
            forecast_with_plan: None,
        }
    }

    fn run(limit: &str, forecast: &str, delta: &str) -> (BudgetStatus, Vec<String>) {
        let policy = crate::policy::Policy { owner_tag: "team".into(), ..Default::default() };
        let input = AuditInput {
            code: None,
            plan: None,
            state: &[],
            snapshot: None,
            policy: &policy,
            budgets: &[],
            window: None,
            focus: Default::default(),
            plan_cost: None,
        };
        let cost = PlanCost {
            hours_per_month: 730,
            currency: "USD".into(),
            owners: vec![
                OwnerCost {
                    owner: Some("web".into()),
                    monthly_delta: d(delta),
                    priced: 1,
                    ..Default::default()
                },
                OwnerCost {
                    owner: Some("data".into()),
                    monthly_delta: d("1000"),
                    priced: 1,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let mut budgets = vec![status(limit, forecast)];
        let mut out = Findings::new(&policy);
        impact(&input, &cost, &mut budgets, &mut out);
        let messages = out.into_vec().into_iter().map(|f| f.message).collect();
        (budgets.remove(0), messages)
    }

    #[test]
    fn fires_exactly_when_forecast_plus_delta_crosses_the_limit() {
        let (b, found) = run("373.00", "300.00", "73.00");
        assert_eq!(b.forecast_with_plan.unwrap().amount, d("373.00"));
        assert_eq!(found.len(), 1, "reaching the limit to the cent is over");
        assert!(found[0].contains("forecast 300.00 USD + 73.00 USD = 373.00 USD"), "{}", found[0]);
        assert!(run("373.01", "300.00", "73.00").1.is_empty(), "a cent below the limit");
        assert!(run("350", "360", "73.00").1.is_empty(), "already forecast over: BUD002's");
        assert!(run("350", "300", "-10").1.is_empty(), "a saving never crosses");
        // The other owner's 1000 is not in this budget's scope.
        assert_eq!(run("5000", "300", "73").0.plan_delta.unwrap().amount, d("73"));
    }
}
