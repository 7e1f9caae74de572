//! AWS Budgets: `DescribeBudgets` (all pages, with `CalculatedSpend`: actual and forecast) for
//! one account, mapped to [`Budget`]s with a [`BudgetScope`] read from either the legacy
//! `CostFilters` map or the newer `FilterExpression`.
//!
//! Only cost budgets with a monthly, quarterly or annual period are kept: usage and RI/Savings
//! Plan budgets measure something other than money, and daily or custom periods have no
//! counterpart in the model.

use std::collections::HashMap;

use aws_sdk_budgets::types::Expression;
use rust_decimal::Decimal;

use super::clients::Clients;
use super::error::describe;
use crate::model::{Budget, BudgetPeriod, BudgetScope, BudgetSource, Money};

pub(crate) async fn budgets(clients: &Clients, account: &str) -> Result<Vec<Budget>, String> {
    let client = clients.budgets();
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .describe_budgets()
            .account_id(account)
            .max_results(100)
            .show_filter_expression(true)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| describe("DescribeBudgets", &e))?;
        for b in page.budgets() {
            if b.budget_type().as_str() != "COST" {
                continue;
            }
            let period = match b.time_unit().as_str() {
                "MONTHLY" => BudgetPeriod::Monthly,
                "QUARTERLY" => BudgetPeriod::Quarterly,
                "ANNUALLY" => BudgetPeriod::Annually,
                other => {
                    tracing::debug!(budget = b.budget_name(), time_unit = other, "skipping budget period");
                    continue;
                }
            };
            let Some(limit) = b.budget_limit() else { continue };
            let amount = parse_amount(b.budget_name(), limit.amount())?;
            let spend = b.calculated_spend();
            let actual =
                spend.and_then(|s| s.actual_spend()).map(|s| parse_amount(b.budget_name(), s.amount()));
            let forecast =
                spend.and_then(|s| s.forecasted_spend()).map(|s| parse_amount(b.budget_name(), s.amount()));
            let mut scope = BudgetScope::default();
            // Budgets made before FilterExpression existed (and most tooling) still use the
            // legacy map: read both.
            #[allow(deprecated)]
            let legacy = b.cost_filters();
            if let Some(filters) = legacy {
                scope_from_cost_filters(filters, &mut scope);
            }
            if let Some(expr) = b.filter_expression() {
                scope_from_expression(expr, &mut scope);
            }
            normalize(&mut scope);
            out.push(Budget {
                name: b.budget_name().to_string(),
                scope,
                period,
                limit: Money::new(amount, limit.unit()),
                actual: actual.transpose()?,
                forecast: forecast.transpose()?,
                source: BudgetSource::AwsBudgets,
            });
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn parse_amount(budget: &str, s: &str) -> Result<Decimal, String> {
    s.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(s))
        .map(|d| d.normalize())
        .map_err(|_| format!("DescribeBudgets: budget {budget}: \"{s}\" is not an amount"))
        .and_then(|d| {
            crate::money::check_amount(d).map_err(|e| format!("DescribeBudgets: budget {budget}: {e}"))
        })
}

/// Legacy `CostFilters`: `TagKeyValue: ["user:team$payments"]`, `LinkedAccount`, `Service`.
pub(crate) fn scope_from_cost_filters(filters: &HashMap<String, Vec<String>>, scope: &mut BudgetScope) {
    for (key, values) in filters {
        match key.as_str() {
            "TagKeyValue" => {
                for v in values {
                    if let Some((k, value)) = v.strip_prefix("user:").unwrap_or(v).split_once('$') {
                        scope.tags.entry(k.to_string()).or_default().push(value.to_string());
                    }
                }
            }
            "LinkedAccount" => scope.accounts.extend(values.iter().cloned()),
            "Service" => scope.services.extend(values.iter().cloned()),
            other => tracing::debug!(filter = other, "budget filter not represented in the scope"),
        }
    }
}

/// `FilterExpression`: a single criterion or an `And` of criteria (tags with or without the
/// `user:` prefix, LINKED_ACCOUNT, SERVICE). `Or`/`Not` cannot be expressed as a scope and are
/// left out (the budget keeps AWS's own actual and forecast either way).
pub(crate) fn scope_from_expression(expr: &Expression, scope: &mut BudgetScope) {
    for part in expr.and() {
        scope_from_expression(part, scope);
    }
    if let Some(tags) = expr.tags() {
        if let Some(key) = tags.key() {
            let key = key.strip_prefix("user:").unwrap_or(key);
            scope.tags.entry(key.to_string()).or_default().extend(tags.values().iter().cloned());
        }
    }
    if let Some(dims) = expr.dimensions() {
        match dims.key().as_str() {
            "LINKED_ACCOUNT" => scope.accounts.extend(dims.values().iter().cloned()),
            "SERVICE" => scope.services.extend(dims.values().iter().cloned()),
            other => tracing::debug!(dimension = other, "budget filter not represented in the scope"),
        }
    }
    if !expr.or().is_empty() || expr.not().is_some() {
        tracing::debug!("budget filter with Or/Not not represented in the scope");
    }
}

fn normalize(scope: &mut BudgetScope) {
    for values in scope.tags.values_mut() {
        values.sort();
        values.dedup();
    }
    scope.accounts.sort();
    scope.accounts.dedup();
    scope.services.sort();
    scope.services.dedup();
}

#[cfg(test)]
mod tests {
    use aws_sdk_budgets::types::{Dimension, ExpressionDimensionValues, TagValues};

    use super::*;

    #[test]
    fn cost_filters_to_scope() {
        let mut filters = HashMap::new();
        filters.insert(
            "TagKeyValue".to_string(),
            vec!["user:team$payments".to_string(), "user:team$web".to_string()],
        );
        filters.insert("LinkedAccount".to_string(), vec!["111111111111".to_string()]);
        filters.insert("Region".to_string(), vec!["eu-west-1".to_string()]);
        let mut scope = BudgetScope::default();
        scope_from_cost_filters(&filters, &mut scope);
        normalize(&mut scope);
        assert_eq!(scope.tags.get("team").unwrap(), &vec!["payments".to_string(), "web".to_string()]);
        assert_eq!(scope.accounts, vec!["111111111111".to_string()]);
        assert!(scope.services.is_empty());
    }

    #[test]
    fn filter_expression_to_scope() {
        let tags = Expression::builder()
            .tags(TagValues::builder().key("user:team").values("payments").build())
            .build();
        let service = Expression::builder()
            .dimensions(
                ExpressionDimensionValues::builder()
                    .key(Dimension::Service)
                    .values("Amazon Simple Storage Service")
                    .build()
                    .unwrap(),
            )
            .build();
        let expr = Expression::builder().and(tags).and(service).build();
        let mut scope = BudgetScope::default();
        scope_from_expression(&expr, &mut scope);
        assert_eq!(scope.tags.get("team").unwrap(), &vec!["payments".to_string()]);
        assert_eq!(scope.services, vec!["Amazon Simple Storage Service".to_string()]);
    }
}
