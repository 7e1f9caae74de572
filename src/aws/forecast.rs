//! Cost Explorer `GetCostForecast` for the budgets declared in `tally.hcl`: AWS's own forecast
//! of the spend still to come in the budget's period, which then replaces tally's linear
//! projection (`forecast_method = "aws"`).
//!
//! `GetCostForecast` has no GroupBy, so it is one request per budget: the budget's scope as a
//! filter (tags, linked accounts, services; linked accounts default to the accounts
//! collected), MONTHLY granularity, from `as_of` ("today") to the end of the budget's period.
//! Every request costs USD 0.01 and goes through the cache like every paid call.
//!
//! Not here: adding the forecast to the actual (the audit does that, `audit::budgets`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, Metric, TagValues,
};

use super::cache::Cache;
use super::clients::Clients;
use super::error::describe;
use crate::model::{Budget, BudgetScope, Period};
use crate::snapshot::Forecast;

const OP: &str = "GetCostForecast";

/// `GetCostAndUsage`'s metric name -> `GetCostForecast`'s (`UnblendedCost` -> UNBLENDED_COST).
fn forecast_metric(metric: &str) -> Metric {
    match metric {
        "AmortizedCost" => Metric::AmortizedCost,
        "BlendedCost" => Metric::BlendedCost,
        "NetAmortizedCost" => Metric::NetAmortizedCost,
        "NetUnblendedCost" => Metric::NetUnblendedCost,
        _ => Metric::UnblendedCost,
    }
}

/// One forecast request as tally describes it: the cache key is made from this.
#[derive(Debug, Serialize)]
struct ForecastRequest<'a> {
    period: Period,
    metric: &'a str,
    scope: &'a BudgetScope,
    accounts: &'a [String],
}

/// The part of the answer tally keeps, as cached. `None` amount: AWS had too little history
/// (`DataUnavailableException`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ForecastAnswer {
    amount: Option<String>,
    unit: Option<String>,
}

/// Forecasts of every budget, one request each, in the caller's (payer) account. A budget AWS
/// cannot forecast yet (too little history) is left out, so the audit falls back to linear;
/// any other failure is an error naming the budget, after the others were asked.
pub(crate) async fn forecasts(
    clients: &Clients,
    cache: &Cache,
    caller: &str,
    budgets: &[(Budget, Period)],
    metric: &str,
    accounts: &[String],
) -> Result<Vec<Forecast>, String> {
    let client = clients.cost_explorer();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (budget, period) in budgets {
        match forecast(&client, cache, caller, budget, *period, metric, accounts).await {
            Ok(Some(f)) => out.push(f),
            Ok(None) => {}
            Err(e) => errors.push(format!("budget {}: {e}", budget.name)),
        }
    }
    out.sort_by(|a, b| a.budget.cmp(&b.budget));
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("; "))
    }
}

async fn forecast(
    client: &aws_sdk_costexplorer::Client,
    cache: &Cache,
    caller: &str,
    budget: &Budget,
    period: Period,
    metric: &str,
    accounts: &[String],
) -> Result<Option<Forecast>, String> {
    let request = ForecastRequest { period, metric, scope: &budget.scope, accounts };
    let json = serde_json::to_value(&request).map_err(|e| e.to_string())?;
    let key = Cache::key(caller, OP, &json);
    let answer = match cache.get::<ForecastAnswer>(&key) {
        Some(answer) => answer,
        None => {
            let interval = DateInterval::builder()
                .start(period.start.to_string())
                .end(period.end.to_string())
                .build()
                .map_err(|e| format!("{OP}: {e}"))?;
            cache.count_paid();
            let sent = client
                .get_cost_forecast()
                .time_period(interval)
                .metric(forecast_metric(metric))
                .granularity(Granularity::Monthly)
                .set_filter(filter(&budget.scope, accounts))
                .send()
                .await;
            let answer = match sent {
                Ok(out) => ForecastAnswer {
                    amount: out.total().and_then(|t| t.amount()).map(str::to_string),
                    unit: out.total().and_then(|t| t.unit()).map(str::to_string),
                },
                Err(e) if e.as_service_error().is_some_and(|s| s.is_data_unavailable_exception()) => {
                    tracing::info!(budget = %budget.name, "Cost Explorer has too little history to forecast");
                    ForecastAnswer { amount: None, unit: None }
                }
                Err(e) => return Err(describe(OP, &e)),
            };
            cache.put(&key, OP, &answer);
            answer
        }
    };
    let Some(amount) = answer.amount else { return Ok(None) };
    let amount = parse_amount(&amount)?;
    Ok(Some(Forecast {
        budget: budget.name.clone(),
        period,
        amount,
        currency: answer.unit.unwrap_or_else(|| budget.limit.currency.clone()),
    }))
}

fn parse_amount(s: &str) -> Result<Decimal, String> {
    s.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(s))
        .map(|d| d.normalize())
        .map_err(|_| format!("{OP}: \"{s}\" is not an amount"))
        .and_then(|d| crate::money::check_amount(d).map_err(|e| format!("{OP}: {e}")))
}

/// The budget's scope as a Cost Explorer filter: tags (bare keys, as Cost Explorer wants
/// them), LINKED_ACCOUNT (the scope's accounts, else the accounts collected), SERVICE. One
/// criterion stands alone; several are an `And` (Cost Explorer rejects an `And` of one).
fn filter(scope: &BudgetScope, accounts: &[String]) -> Option<Expression> {
    let mut parts = Vec::new();
    for (key, values) in &scope.tags {
        parts.push(
            Expression::builder()
                .tags(TagValues::builder().key(key).set_values(Some(values.clone())).build())
                .build(),
        );
    }
    let accounts = if scope.accounts.is_empty() { accounts } else { &scope.accounts };
    for (dimension, values) in [(Dimension::LinkedAccount, accounts), (Dimension::Service, &scope.services)] {
        if !values.is_empty() {
            let dims = DimensionValues::builder().key(dimension).set_values(Some(values.to_vec())).build();
            parts.push(Expression::builder().dimensions(dims).build());
        }
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Expression::builder().set_and(Some(parts)).build()),
    }
}

/// `[as_of, end of the budget's period)`: what is left to forecast.
pub(crate) fn remaining(period_end: NaiveDate, as_of: NaiveDate) -> Option<Period> {
    (as_of < period_end).then_some(Period { start: as_of, end: period_end })
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::super::cache::{SystemClock, DEFAULT_TTL};
    use super::super::fake::{fixture, FakeAws};
    use super::*;
    use crate::model::{BudgetPeriod, BudgetSource, Money};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A monthly tally.hcl budget of 3,000 USD over one team.
    pub(in crate::aws) fn budget(name: &str, team: &str) -> Budget {
        Budget {
            name: name.to_string(),
            scope: BudgetScope {
                tags: [("team".to_string(), vec![team.to_string()])].into_iter().collect(),
                ..BudgetScope::default()
            },
            period: BudgetPeriod::Monthly,
            limit: Money::new(Decimal::from(3000), "USD"),
            actual: None,
            forecast: None,
            source: BudgetSource::Config,
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn one_request_per_budget_filtered_by_its_scope_and_cached() {
        let fake = FakeAws::start(|req| {
            assert_eq!(req.target, "AWSInsightsIndexService.GetCostForecast");
            fixture("get-cost-forecast.json")
        });
        let dir = std::env::temp_dir().join(format!("tally-forecast-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = Cache::new(Some(dir.clone()), DEFAULT_TTL, Arc::new(SystemClock));
        let period = remaining(d("2026-12-01"), d("2026-11-18")).unwrap();
        let budgets = vec![(budget("payments", "payments"), period), (budget("web", "web"), period)];
        let accounts = vec!["111111111111".to_string(), "222222222222".to_string()];
        let ask = || {
            runtime().block_on(async {
                let clients = fake.clients().await;
                forecasts(&clients, &cache, "111111111111", &budgets, "UnblendedCost", &accounts).await
            })
        };
        let got = ask().expect("forecasts");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].budget, "payments");
        assert_eq!(got[0].amount, "1873.4205518763".parse::<Decimal>().unwrap());
        assert_eq!(got[0].currency, "USD");
        assert_eq!(got[0].period, Period { start: d("2026-11-18"), end: d("2026-12-01") });
        assert_eq!(cache.paid_requests(), 2, "one paid request per budget");

        let requests = fake.requests.lock().unwrap().clone();
        let first: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
        assert_eq!(first["TimePeriod"], serde_json::json!({"Start": "2026-11-18", "End": "2026-12-01"}));
        assert_eq!(first["Metric"], "UNBLENDED_COST");
        assert_eq!(first["Granularity"], "MONTHLY");
        let and = first["Filter"]["And"].as_array().expect("an And of tag and accounts");
        assert_eq!(and[0]["Tags"], serde_json::json!({"Key": "team", "Values": ["payments"]}));
        assert_eq!(
            and[1]["Dimensions"],
            serde_json::json!({"Key": "LINKED_ACCOUNT", "Values": ["111111111111", "222222222222"]})
        );

        // Within the TTL, a second collection pays nothing and gets the same answer.
        let again = ask().expect("cached forecasts");
        assert_eq!(again, got);
        assert_eq!(cache.paid_requests(), 2);
        assert_eq!(fake.requests.lock().unwrap().len(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn too_little_history_leaves_the_budget_to_the_linear_projection() {
        let fake = FakeAws::start_with_status(|req| {
            if req.body.contains("\"young\"") {
                (400, fixture("get-cost-forecast.data-unavailable.json"))
            } else if req.body.contains("\"broken\"") {
                (400, r#"{"__type": "AccessDeniedException", "Message": "not allowed"}"#.to_string())
            } else {
                (200, fixture("get-cost-forecast.json"))
            }
        });
        let cache = Cache::new(None, DEFAULT_TTL, Arc::new(SystemClock));
        let period = remaining(d("2026-12-01"), d("2026-11-18")).unwrap();
        let ask = |budgets: Vec<(Budget, Period)>| {
            runtime().block_on(async {
                let clients = fake.clients().await;
                forecasts(&clients, &cache, "111111111111", &budgets, "AmortizedCost", &[]).await
            })
        };
        let got = ask(vec![(budget("new-team", "young"), period), (budget("web", "web"), period)]);
        let names: Vec<String> = got.expect("no error").into_iter().map(|f| f.budget).collect();
        assert_eq!(names, ["web"], "the young budget has no forecast, and that is not an error");

        let err = ask(vec![(budget("ops", "broken"), period), (budget("web", "web"), period)]).unwrap_err();
        assert_eq!(err, "budget ops: GetCostForecast: AccessDeniedException: not allowed");
        let requests = fake.requests.lock().unwrap();
        let last: serde_json::Value = serde_json::from_str(&requests.last().unwrap().body).unwrap();
        assert_eq!(last["Metric"], "AMORTIZED_COST");
        assert!(last["Filter"]["Tags"].is_object(), "no accounts given: the tag alone");
    }

    #[test]
    fn a_single_criterion_is_not_wrapped_in_and() {
        let f = filter(&budget("p", "payments").scope, &[]).unwrap();
        assert!(f.and().is_empty());
        assert_eq!(f.tags().and_then(|t| t.key()), Some("team"));
        assert!(filter(&BudgetScope::default(), &[]).is_none());
    }

    #[test]
    fn nothing_left_to_forecast_at_period_end() {
        assert_eq!(remaining(d("2026-12-01"), d("2026-12-01")), None);
    }
}
