//! The answers of a collection's tasks, gathered as they arrive, recorded as attempts (one per
//! source, account and region) and data, and put in order: tasks finish in any order, and the
//! same data must give the same bytes.

use super::cache::Cache;
use super::inventory::{self, Seen};
use super::{aggregator, denied_or, failed, ok, progress, source_name, AwsError, Output, Run, GLOBAL};
use crate::model::{Budget, CostLine, LiveSource};
use crate::snapshot::{Attempt, AttemptStatus, CostAllocationTag, Forecast, TypeAttempt};

/// Every task's answers, as they arrive.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) attempts: Vec<Attempt>,
    pub(super) seen: Vec<(String, String, LiveSource, Vec<Seen>)>,
    pub(super) aggregated: Option<Result<aggregator::Aggregated, String>>,
    pub(super) lines: Vec<CostLine>,
    pub(super) budgets: Vec<Budget>,
    pub(super) allocation_tags: Vec<CostAllocationTag>,
    pub(super) forecasts: Vec<Forecast>,
}

/// Wait for every task, recording each answer as an attempt and its data.
pub(super) async fn gather(run: Run, show_progress: bool, caller: &str) -> Result<Gathered, AwsError> {
    let Run { mut set, tasks, .. } = run;
    let mut g = Gathered::default();
    let progress = progress::Progress::new(show_progress, &tasks);
    while let Some(joined) = set.join_next().await {
        let outputs = joined.map_err(|e| AwsError::Setup(format!("collection task failed: {e}")))?;
        for output in outputs {
            match &output {
                Output::Inventory { account, region, source, .. } => {
                    progress.done(account, &format!("{region} {}", source_name(*source)))
                }
                Output::Aggregator { .. } => progress.done(caller, "config-aggregator"),
                Output::Costs { account, .. } => progress.done(account, "cost-explorer"),
                Output::Budgets { account, .. } => progress.done(account, "budgets"),
                Output::AllocationTags { account, .. } => progress.done(account, "cost-allocation-tags"),
                Output::Forecasts { account, .. } => progress.done(account, "cost-forecast"),
            }
            match output {
                Output::Inventory { account, region, source, status, error, types, found } => {
                    let name = source_name(source);
                    g.attempts.push(Attempt {
                        account: account.clone(),
                        region: region.clone(),
                        source: name.to_string(),
                        status,
                        error,
                        types,
                    });
                    g.seen.push((account, region, source, found));
                }
                Output::Aggregator { result } => g.aggregated = Some(result),
                Output::Costs { account, result } => match result {
                    Ok(l) => {
                        g.attempts.push(ok(&account, GLOBAL, "cost-explorer"));
                        g.lines.extend(l);
                    }
                    Err(e) => g.attempts.push(failed(&account, GLOBAL, "cost-explorer", e)),
                },
                Output::Budgets { account, result } => match result {
                    Ok(b) => {
                        g.attempts.push(ok(&account, GLOBAL, "budgets"));
                        g.budgets.extend(b);
                    }
                    Err(e) => g.attempts.push(failed(&account, GLOBAL, "budgets", e)),
                },
                Output::AllocationTags { account, result } => match result {
                    Ok(t) => {
                        g.attempts.push(ok(&account, GLOBAL, "cost-allocation-tags"));
                        g.allocation_tags = t;
                    }
                    Err(e) => g.attempts.push(failed(&account, GLOBAL, "cost-allocation-tags", e)),
                },
                Output::Forecasts { account, result } => match result {
                    Ok(f) => {
                        g.attempts.push(ok(&account, GLOBAL, "cost-forecast"));
                        g.forecasts = f;
                    }
                    Err(e) => g.attempts.push(failed(&account, GLOBAL, "cost-forecast", e)),
                },
            }
        }
    }
    progress.finish();
    Ok(g)
}

/// The aggregator's answer, recorded per account and region it covers, so visibility and
/// missing-resource checks read it like Config's own.
pub(super) fn record_aggregator(
    result: Result<aggregator::Aggregated, String>,
    name: &str,
    caller: &str,
    account_ids: &[String],
    regions: &[String],
    attempts: &mut Vec<Attempt>,
    seen: &mut Vec<(String, String, LiveSource, Vec<Seen>)>,
) {
    let source = "config-aggregator";
    match result {
        Ok(found) => {
            for target in account_ids.iter() {
                for region in regions {
                    if !found.covers(target, region) {
                        continue;
                    }
                    let mut a = ok(target, region, source);
                    a.types = inventory::CONFIG_RESOURCE_TYPES
                        .iter()
                        .map(|t| (t.to_string(), TypeAttempt::ok()))
                        .collect();
                    attempts.push(a);
                }
            }
            let in_run: Vec<Seen> = found
                .seen
                .into_iter()
                .filter(|s| {
                    account_ids.iter().any(|a| s.resource.account == *a)
                        && (!s.region_known
                            || s.resource.region == "global"
                            || regions.iter().any(|r| s.resource.region == *r))
                })
                .collect();
            seen.push((caller.to_string(), GLOBAL.to_string(), LiveSource::Config, in_run));
        }
        Err(e) => {
            let mut a = failed(caller, GLOBAL, source, format!("aggregator {name}: {e}"));
            a.status = denied_or(AttemptStatus::Error, a.error.as_deref().unwrap_or_default());
            attempts.push(a);
        }
    }
}

/// Put everything in order (tasks finish in any order; the same data gives the same bytes),
/// log the failures and the paid requests; the number of paid requests.
pub(super) fn finish(attempts: &mut [Attempt], g: &mut Gathered, cache: &Cache) -> u64 {
    g.seen.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
    attempts.sort_by(|a, b| (&a.account, &a.region, &a.source).cmp(&(&b.account, &b.region, &b.source)));
    g.lines.sort_by(|a, b| {
        (a.period, &a.account, &a.service, a.charge_category, &a.tags, a.amount).cmp(&(
            b.period,
            &b.account,
            &b.service,
            b.charge_category,
            &b.tags,
            b.amount,
        ))
    });
    g.budgets.sort_by(|a, b| a.name.cmp(&b.name));
    for a in attempts.iter().filter(|a| a.status == AttemptStatus::Error) {
        tracing::warn!(
            account = %a.account,
            region = %a.region,
            source = %a.source,
            "collection failed: {}",
            a.error.as_deref().unwrap_or("unknown error")
        );
    }
    let paid = cache.paid_requests();
    if paid > 0 {
        tracing::warn!("{}", cache.paid_summary());
    } else {
        tracing::info!("{}", cache.paid_summary());
    }
    paid
}
