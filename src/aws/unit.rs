//! One unit of work: an account and a region. Its sources run side by side: the tagging API
//! beside AWS Config then Cloud Control for the covered types Config does not record (Cloud
//! Control needs Config's answer to know which types to skip). Every source's answer, failed
//! or not, becomes an [`Output::Inventory`].

use std::collections::{BTreeMap, BTreeSet};

use super::clients::Clients;
use super::inventory::{self, Seen};
use super::{cloudcontrol, denied_or, Output};
use crate::model::LiveSource;
use crate::snapshot::{AttemptStatus, TypeAttempt};

/// Which sources a unit asks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sources {
    /// AWS Config in this account and region (not when an aggregator replaces it).
    pub(super) config: bool,
    /// Cloud Control (not with `--no-cloud-control`).
    pub(super) cloud_control: bool,
    /// This is the account's first region, where types listed once per account (IAM, S3) are
    /// asked.
    pub(super) account_wide: bool,
}

/// Collect one account and region.
pub(super) async fn collect(
    clients: &Clients,
    account: String,
    region: String,
    sources: Sources,
) -> Vec<Output> {
    let (tagged, (config, pending)) = tokio::join!(
        inventory::tagging_api(clients, &account, &region),
        config_then_cloud_control(clients, &account, &region, sources)
    );
    // Tags the tagging API returned need no Cloud Control read.
    let known: BTreeSet<String> = match &tagged {
        Ok(found) => found.iter().map(|s| s.resource.arn.clone()).collect(),
        Err(_) => BTreeSet::new(),
    };
    let listed = match pending {
        Some(pending) => Some(pending.complete(&known).await),
        None => None,
    };
    let mut out = vec![inventory_output(
        &account,
        &region,
        LiveSource::TaggingApi,
        tagged.map(|found| (found, BTreeMap::new())),
    )];
    if let Some(config) = config {
        let mut output = inventory_output(&account, &region, LiveSource::Config, config);
        if let Output::Inventory { status, types, .. } = &mut output {
            let no_recorder = types.values().all(|t| t.message.as_deref() == Some(NO_RECORDER));
            if *status == AttemptStatus::Ok && !types.is_empty() && no_recorder {
                *status = AttemptStatus::NotEnabled;
            }
        }
        out.push(output);
    }
    // Not asked (`--no-cloud-control`): no attempt, so visibility reads it as `not_asked` and
    // the types Config does not record here as not seen.
    if let Some(listed) = listed {
        let (status, error) = listed.outcome();
        out.push(Output::Inventory {
            account,
            region,
            source: LiveSource::CloudControl,
            status,
            error,
            types: listed.types,
            found: listed.seen,
        });
    }
    out
}

/// Why Config's types are not enabled in a region without a configuration recorder.
const NO_RECORDER: &str = "no configuration recorder";

/// One inventory source's answer as a task output.
fn inventory_output(
    account: &str,
    region: &str,
    source: LiveSource,
    result: Result<(Vec<Seen>, BTreeMap<String, TypeAttempt>), String>,
) -> Output {
    let (status, error, types, found) = match result {
        Ok((found, types)) => (AttemptStatus::Ok, None, types, found),
        Err(e) => (denied_or(AttemptStatus::Error, &e), Some(e), BTreeMap::new(), Vec::new()),
    };
    Output::Inventory {
        account: account.to_string(),
        region: region.to_string(),
        source,
        status,
        error,
        types,
        found,
    }
}

/// AWS Config (unless an aggregator replaces it), then Cloud Control for the covered types
/// Config does not record here. The Config result is `None` when Config was not asked; a
/// region without a recorder answers `Ok` with its types `not_enabled`.
async fn config_then_cloud_control(
    clients: &Clients,
    account: &str,
    region: &str,
    sources: Sources,
) -> (Option<Result<(Vec<Seen>, BTreeMap<String, TypeAttempt>), String>>, Option<cloudcontrol::Pending>) {
    let config = if sources.config { Some(inventory::config(clients, account, region).await) } else { None };
    let recorded = |name: &str| matches!(&config, Some(Ok(Some(listed))) if listed.records(name));
    let mut skipped = BTreeMap::new();
    let mut types = Vec::new();
    for t in cloudcontrol::TYPES {
        if t.account_wide && !sources.account_wide {
            continue;
        }
        if recorded(t.name) {
            skipped.insert(
                t.name.to_string(),
                TypeAttempt::with(AttemptStatus::NotEnabled, "recorded by AWS Config"),
            );
        } else {
            types.push(t);
        }
    }
    let pending = if sources.cloud_control {
        let mut pending = cloudcontrol::list(clients, account, region, &types).await;
        pending.skipped(skipped);
        Some(pending)
    } else {
        None
    };
    let config = config.map(|result| {
        result.map(|found| match found {
            Some(l) => (l.seen, l.types),
            None => (
                Vec::new(),
                inventory::CONFIG_RESOURCE_TYPES
                    .iter()
                    .map(|t| (t.to_string(), TypeAttempt::with(AttemptStatus::NotEnabled, NO_RECORDER)))
                    .collect(),
            ),
        })
    });
    (config, pending)
}
