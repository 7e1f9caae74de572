//! The plan's cost section in the human formats: a short cost table by owner in the Markdown
//! pull-request comment, and the same by-owner lines plus the resources with the largest
//! changes (all of them up to 25) in the terminal table. JSON carries `plan_cost` whole (every component with its rate and source).

use rust_decimal::Decimal;

use super::Report;
use crate::pricing::{CostStatus, PlanCost};

/// A monthly amount for display: sign, cents, currency (`+$73.00`; other currencies by code).
pub(crate) fn money(d: Decimal, currency: &str) -> String {
    let d = crate::pricing::cents(d);
    let sign = if d.is_sign_negative() && !d.is_zero() { "-" } else { "+" };
    let abs = format!("{:.2}", d.abs());
    if currency == "USD" {
        format!("{sign}${abs}")
    } else {
        format!("{sign}{abs} {currency}")
    }
}

fn what_else(o: &crate::pricing::OwnerCost) -> String {
    let mut parts = Vec::new();
    if o.usage_based > 0 {
        parts.push(format!("{} usage-based", o.usage_based));
    }
    if o.unknown > 0 {
        parts.push(format!("{} unknown until apply", o.unknown));
    }
    if o.no_rate > 0 {
        parts.push(format!("{} without a rate in the bill", o.no_rate));
    }
    parts.join(", ")
}

/// `plan --costs`: monthly delta by owner, then the source of the rates.
pub(crate) fn markdown(report: &Report, md: &mut String) {
    let Some(cost) = &report.plan_cost else { return };
    if cost.owners.is_empty() {
        return;
    }
    md.push_str("### What the plan costs per month, by owner\n\n");
    md.push_str("| owner | monthly change | priced | not priced |\n|---|--:|--:|---|\n");
    for o in &cost.owners {
        let owner =
            o.owner.as_deref().map_or_else(|| "*(no owner tag)*".to_string(), super::markdown::cells::esc);
        md.push_str(&format!(
            "| {owner} | {} | {} | {} |\n",
            money(o.monthly_delta, &cost.currency),
            o.priced,
            super::markdown::cells::esc(&what_else(o))
        ));
    }
    md.push('\n');
    md.push_str(&source_line(cost));
    md.push_str("\n\n");
}

fn source_line(cost: &PlanCost) -> String {
    // `end` is the day after the last day of usage; people read "to" as the last day.
    let from = cost.rates_from.as_ref().map_or_else(String::new, |r| {
        let last = r.end.pred_opt().filter(|d| *d >= r.first).unwrap_or(r.first);
        format!(" from {} to {last}", r.first)
    });
    // List prices fill in only where the bill has no rate; say so, and how old they are.
    let list = cost.list_prices_published.map_or_else(String::new, |d| {
        format!(", and at AWS on-demand list prices (Price List, published {d}) where the bill has no rate")
    });
    format!(
        "Priced at the effective rates of the bill{from}{list} ({} hours a month); usage-based resources are not estimated.",
        cost.hours_per_month
    )
}

/// Resources listed one per line in the terminal table; a larger plan shows its largest
/// changes and a count of the rest (JSON lists every one), as the findings table does.
const TABLE_RESOURCES: usize = 25;

/// Terminal lines: one per owner and one per resource with a monthly change (the largest
/// [`TABLE_RESOURCES`] of them, in plan order, when there are more).
pub(crate) fn table_lines(report: &Report) -> Vec<String> {
    report.plan_cost.as_ref().map(cost_lines).unwrap_or_default()
}

fn cost_lines(cost: &PlanCost) -> Vec<String> {
    let mut out = vec!["Plan cost per month".to_string(), format!("  {}", source_line(cost))];
    if !cost.owners.is_empty() {
        out.push("  By owner:".to_string());
    }
    for o in &cost.owners {
        let owner = o.owner.as_deref().unwrap_or("(no owner tag)");
        let rest = what_else(o);
        let rest = if rest.is_empty() { String::new() } else { format!("; {rest}") };
        out.push(format!("    {owner}: {}{rest}", money(o.monthly_delta, &cost.currency)));
    }
    if !cost.resources.is_empty() {
        out.push("  By resource:".to_string());
    }
    let shown: Option<std::collections::HashSet<usize>> =
        (cost.resources.len() > TABLE_RESOURCES).then(|| {
            let mut by_size: Vec<usize> = (0..cost.resources.len()).collect();
            // Largest absolute change first; unpriced ones (usage-based, unknown) after every
            // priced one; plan order breaks ties, so the choice is deterministic.
            by_size.sort_by_key(|&i| std::cmp::Reverse(cost.resources[i].monthly_delta.map(|d| d.abs())));
            by_size.into_iter().take(TABLE_RESOURCES).collect()
        });
    for (i, r) in cost.resources.iter().enumerate() {
        if shown.as_ref().is_some_and(|s| !s.contains(&i)) {
            continue;
        }
        let what = match (r.status, r.monthly_delta) {
            (CostStatus::Priced, Some(d)) => {
                // Bill-priced lines stay as they were; a list price is named beside the amount.
                let listed = r.components.iter().filter(|c| c.source.starts_with("list price")).count();
                match listed {
                    0 => money(d, &cost.currency),
                    n if n == r.components.len() => format!("{} (list price)", money(d, &cost.currency)),
                    _ => format!("{} (bill rates and list prices)", money(d, &cost.currency)),
                }
            }
            (CostStatus::UsageBased, _) => match r.current_spend {
                Some(s) => format!(
                    "usage-based (owner's spend on {}: {})",
                    r.service.as_deref().unwrap_or("?"),
                    money(s, &cost.currency).trim_start_matches('+')
                ),
                None => "usage-based".to_string(),
            },
            _ => r.note.clone().unwrap_or_default(),
        };
        out.push(format!("    {}: {what}", r.address));
    }
    if shown.is_some() {
        let more = cost.resources.len() - TABLE_RESOURCES;
        out.push(format!(
            "    … and {more} smaller or unpriced changes, {} in all: --format json lists every one",
            cost.resources.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_plan_lists_its_largest_changes_and_counts_the_rest() {
        let resources: Vec<serde_json::Value> = (0..40)
            .map(|i| {
                serde_json::json!({
                    "address": format!("aws_instance.i{i:02}"), "resource_type": "aws_instance",
                    "action": "create", "owner": null, "region": "us-east-1", "status": "priced",
                    "monthly_delta": format!("{i}.00"), "components": [],
                })
            })
            .collect();
        let cost: PlanCost = serde_json::from_value(serde_json::json!({
            "hours_per_month": 730, "currency": "USD", "resources": resources, "owners": [],
        }))
        .unwrap();
        let lines = cost_lines(&cost);
        let listed: Vec<&String> = lines.iter().filter(|l| l.starts_with("    aws_instance.")).collect();
        assert_eq!(listed.len(), TABLE_RESOURCES);
        // The 25 largest (i15..i39), in plan order.
        assert!(listed[0].starts_with("    aws_instance.i15:"), "{listed:?}");
        assert!(listed[24].starts_with("    aws_instance.i39:"), "{listed:?}");
        assert!(
            lines.last().unwrap().contains("… and 15 smaller or unpriced changes, 40 in all"),
            "{lines:?}"
        );
    }

    #[test]
    fn money_shows_sign_and_cents() {
        assert_eq!(money(Decimal::new(7300, 2), "USD"), "+$73.00");
        assert_eq!(money(Decimal::new(-125, 3), "USD"), "-$0.13");
        assert_eq!(money(Decimal::new(5, 0), "EUR"), "+5.00 EUR");
    }
}
