//! Spend in the audit window, split by owner: per owner tag value, untagged usage (CST001),
//! untaggable charges (tax, support, fees, credits), and unmanaged resources' spend (CST002).
//! The split is exact: owners + untagged + untaggable = total, checked on every run.

use crate::money::{add_to, checked_sum, percent};
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::correlate::{short_name, Correlation, LiveStatus};
use super::findings::Findings;
use super::findings::HashMap;
use super::input::{AuditInput, Window};
use super::output::{ResourceRef, Spend};
use crate::model::{CostLine, Diagnostic, LiveResource, Money};
use crate::policy::RuleId;
use crate::snapshot::Snapshot;

pub(crate) fn spend(
    input: &AuditInput<'_>,
    snapshot: &Snapshot,
    correlation: &Correlation<'_>,
    out: &mut Findings,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Spend> {
    let window = Window::of(input, snapshot);
    let in_window: Vec<&CostLine> =
        snapshot.costs.lines.iter().filter(|l| window.includes(&l.period)).collect();
    if in_window.is_empty() {
        return None;
    }
    let currency = main_currency(&in_window);
    let mut other_currencies: BTreeMap<&str, usize> = BTreeMap::new();
    let lines: Vec<&CostLine> = in_window
        .into_iter()
        .filter(|l| {
            let same = l.currency == currency;
            if !same {
                *other_currencies.entry(l.currency.as_str()).or_default() += 1;
            }
            same
        })
        .collect();
    for (cur, n) in other_currencies {
        diagnostics.push(Diagnostic {
            source: "costs".into(),
            location: None,
            account: None,
            region: None,
            message: format!("{n} cost lines in {cur} left out: spend is reported in {currency} only"),
        });
    }

    let owner_tag = &input.policy.owner_tag;
    let mut by_owner: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut untagged = Decimal::ZERO;
    let mut untagged_by_service: BTreeMap<(&str, &str), Decimal> = BTreeMap::new();
    let mut untaggable: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    // Sums are exact or the spend section is left out with a diagnostic: never a panic (sums
    // past 7.9e28) and never a silent rounding (past 28 significant digits).
    let mut failed: Option<crate::costs::exact::MoneyError> = None;
    let mut add = |sum: &mut Decimal, amount: Decimal| match crate::costs::exact::add(*sum, amount) {
        Ok(v) => *sum = v,
        Err(e) => failed = Some(e),
    };
    for line in &lines {
        add(&mut total, line.amount);
        if !line.charge_category.can_carry_tags() {
            add(untaggable.entry(line.charge_category.as_str().to_string()).or_default(), line.amount);
            continue;
        }
        match line.tags.get(owner_tag).filter(|v| !v.is_empty()) {
            Some(owner) => add(by_owner.entry(owner.to_string()).or_default(), line.amount),
            None => {
                add(&mut untagged, line.amount);
                add(
                    untagged_by_service.entry((line.account.as_str(), line.service.as_str())).or_default(),
                    line.amount,
                );
            }
        }
    }
    if let Some(e) = failed {
        diagnostics.push(Diagnostic {
            source: "costs".into(),
            location: None,
            account: None,
            region: None,
            message: format!("spend left out: {e}"),
        });
        return None;
    }
    // Reconciled by exact integer sums, independent of the `Decimal` additions above.
    let parts: crate::costs::exact::ExactSum =
        by_owner.values().chain(std::iter::once(&untagged)).chain(untaggable.values()).copied().collect();
    let inputs: crate::costs::exact::ExactSum = lines.iter().map(|l| l.amount).collect();
    if !parts.same_as(&inputs) || !inputs.equals(total) {
        // Cannot happen: every line lands in exactly one bucket. Said loudly if it ever does.
        diagnostics.push(Diagnostic {
            source: "costs".into(),
            location: None,
            account: None,
            region: None,
            message: format!("internal error: spend split {parts} does not reconcile with total {inputs}"),
        });
    }

    for ((account, service), amount) in &untagged_by_service {
        if amount.is_zero() {
            continue;
        }
        let resource = ResourceRef {
            name: Some(format!("{account}/{service}")),
            account: Some(crate::model::Name::new(account)),
            ..Default::default()
        };
        let message = format!(
            "{} of {service} usage in account {account} carries no \"{owner_tag}\" tag ({} to {})",
            Money::new(*amount, &currency),
            window.start,
            window.end.pred_opt().unwrap_or(window.end)
        );
        let f = out.push(RuleId::CST001, resource, message);
        f.cost = Some(Money::new(*amount, &currency));
    }

    let unmanaged = unmanaged_spend(&lines, snapshot, correlation);
    let mut unmanaged_total = Decimal::ZERO;
    for (live, amount) in &unmanaged {
        // Part of `total`, which was summed exactly: cannot leave the range.
        unmanaged_total = unmanaged_total.saturating_add(*amount);
        let message = format!(
            "{} spent on {} since {}, a resource in no Terraform state",
            Money::new(*amount, &currency),
            short_name(&live.arn),
            window.start
        );
        let f = out.push(RuleId::CST002, super::correlate::live_ref(live), message);
        f.cost = Some(Money::new(*amount, &currency));
        f.layer = Some(crate::model::Layer::Live);
        f.owner = super::correlate::owner_of(&live.tags, owner_tag);
    }

    let money = |d: Decimal| Money::new(d, &currency);
    Some(Spend {
        period_start: window.start,
        period_end: window.end,
        currency: currency.clone(),
        owner_tag: owner_tag.clone(),
        by_owner: by_owner.into_iter().map(|(k, v)| (k, money(v))).collect(),
        untagged: money(untagged),
        untaggable: untaggable.into_iter().map(|(k, v)| (k, money(v))).collect(),
        unmanaged: money(unmanaged_total),
        total: money(total),
        // Set by the app, which knows each line's billing period.
        invoiced_in_other_periods: None,
    })
}

/// Resource-level usage spend of unmanaged live resources, sorted by ARN. A cost line names
/// its resource by ARN, or by the bare id some services use (`i-0abc`, a bucket name); when two
/// resources share a bare id, the one with the greater ARN takes its lines.
fn unmanaged_spend<'a>(
    lines: &[&CostLine],
    snapshot: &'a Snapshot,
    correlation: &Correlation<'a>,
) -> Vec<(&'a LiveResource, Decimal)> {
    // Id -> position in the snapshot: one hashed index, not a scan per line.
    let resources = &snapshot.resources;
    // Only the ids some cost line names are indexed: looked up in a set of them, a few hundred
    // thousand unmanaged resources' ARNs and bare ids are not all inserted into a table of
    // their own. The index gives every line the resource the whole index would.
    let named: std::collections::HashSet<&str, foldhash::fast::RandomState> = lines
        .iter()
        .filter(|l| l.charge_category.can_carry_tags())
        .filter_map(|l| l.resource_id.as_deref())
        .collect();
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity_and_hasher(named.len(), Default::default());
    for (i, (live, status)) in resources.iter().zip(&correlation.live).enumerate() {
        if *status != LiveStatus::Unmanaged {
            continue;
        }
        if let Some(arn) = named.get(live.arn.as_str()) {
            by_id.insert(arn, i);
        }
        let Some(id) = named.get(short_name(&live.arn)) else { continue };
        by_id
            .entry(id)
            .and_modify(|held| {
                if live.arn > resources[*held].arn {
                    *held = i;
                }
            })
            .or_insert(i);
    }
    let mut sums: HashMap<usize, Decimal> = HashMap::default();
    for line in lines.iter().filter(|l| l.charge_category.can_carry_tags()) {
        let Some(id) = line.resource_id.as_deref() else { continue };
        if let Some(i) = by_id.get(id) {
            add_to(sums.entry(*i).or_default(), line.amount);
        }
    }
    let mut out: Vec<(&LiveResource, Decimal)> = sums.into_iter().map(|(i, d)| (&resources[i], d)).collect();
    out.sort_unstable_by(|a, b| a.0.arn.cmp(&b.0.arn));
    out
}

/// Share of usage spend not known to belong to unmanaged resources, in percent.
pub(crate) fn coverage_by_cost(spend: &Spend) -> Option<Decimal> {
    let untaggable = checked_sum(spend.untaggable.values().map(|m| m.amount))?;
    let usage = spend.total.amount.checked_sub(untaggable)?;
    if usage <= Decimal::ZERO {
        return None;
    }
    percent(usage.checked_sub(spend.unmanaged.amount)?, usage).map(|p| p.round_dp(1))
}

/// The currency most lines are in (ties: alphabetical), so one stray line cannot flip it.
pub(crate) fn main_currency(lines: &[&CostLine]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in lines {
        *counts.entry(l.currency.as_str()).or_default() += 1;
    }
    let best = counts.values().copied().max().unwrap_or(0);
    counts.into_iter().find(|(_, n)| *n == best).map(|(c, _)| c.to_string()).unwrap_or_else(|| "USD".into())
}
