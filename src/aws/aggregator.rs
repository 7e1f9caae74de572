//! AWS Config aggregators (`--config-aggregator NAME`): one organisation- or account-level
//! aggregator read once (`ListAggregateDiscoveredResources` per type +
//! `BatchGetAggregateResourceConfig`), instead of Config in every account and region.
//!
//! Not here: Cloud Control and the tagging API, which still run per account and region, and
//! the merge (`inventory::merge`).

use std::collections::BTreeSet;

use aws_sdk_config::error::SdkError;
use aws_sdk_config::types::{AggregateResourceIdentifier, ResourceType};

use super::clients::Clients;
use super::error::describe;
use super::inventory::{config_item_tags, seen, ConfigItem, Seen, CONFIG_RESOURCE_TYPES};
use crate::model::LiveSource;

/// `BatchGetAggregateResourceConfig` takes at most 100 identifiers.
const BATCH: usize = 100;

/// Rounds a batch is sent again while the aggregator leaves identifiers unprocessed.
const ROUNDS: u32 = 5;

/// What the aggregator answered: its resources, and which accounts and regions its sources
/// cover (`None`: all of them).
#[derive(Debug, Default)]
pub(crate) struct Aggregated {
    pub seen: Vec<Seen>,
    /// Account ids its sources name; `None` for an organisation source (every account).
    pub accounts: Option<BTreeSet<String>>,
    /// Regions its sources name; `None` when they cover all regions.
    pub regions: Option<BTreeSet<String>>,
}

impl Aggregated {
    /// Whether the aggregator's sources include `account` in `region`.
    pub(crate) fn covers(&self, account: &str, region: &str) -> bool {
        self.accounts.as_ref().is_none_or(|a| a.contains(account))
            && self.regions.as_ref().is_none_or(|r| r.contains(region))
    }
}

/// Read aggregator `name` in the caller's configured region.
pub(crate) async fn aggregated(clients: &Clients, name: &str) -> Result<Aggregated, String> {
    let region = clients.region().unwrap_or("us-east-1").to_string();
    let client = clients.config_service(&region);
    let described = client
        .describe_configuration_aggregators()
        .configuration_aggregator_names(name)
        .send()
        .await
        .map_err(|e| describe("DescribeConfigurationAggregators", &e))?;
    let Some(aggregator) = described.configuration_aggregators().first() else {
        return Err(format!("DescribeConfigurationAggregators: no aggregator named \"{name}\" in {region}"));
    };
    let mut out = Aggregated::default();
    if let Some(org) = aggregator.organization_aggregation_source() {
        out.regions = (!org.all_aws_regions()).then(|| org.aws_regions().iter().cloned().collect());
    } else {
        let sources = aggregator.account_aggregation_sources();
        out.accounts = Some(sources.iter().flat_map(|s| s.account_ids().iter().cloned()).collect());
        out.regions = (!sources.iter().any(|s| s.all_aws_regions()))
            .then(|| sources.iter().flat_map(|s| s.aws_regions().iter().cloned()).collect());
    }

    let mut identifiers = Vec::new();
    for resource_type in CONFIG_RESOURCE_TYPES {
        let mut token: Option<String> = None;
        loop {
            let page = client
                .list_aggregate_discovered_resources()
                .configuration_aggregator_name(name)
                .resource_type(ResourceType::from(*resource_type))
                .limit(100)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| describe("ListAggregateDiscoveredResources", &e))?;
            identifiers.extend(page.resource_identifiers().iter().cloned());
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    for chunk in identifiers.chunks(BATCH) {
        let mut asked: Vec<AggregateResourceIdentifier> = chunk.to_vec();
        for round in 0..=ROUNDS {
            if round == ROUNDS {
                return Err(format!(
                    "BatchGetAggregateResourceConfig: {} resource(s) still unprocessed after {ROUNDS} attempts",
                    asked.len()
                ));
            }
            if round > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 << round.min(5))).await;
            }
            let (items, unprocessed) = batch(&client, name, asked.clone()).await?;
            for item in items.into_iter().filter(|i| !i.arn.is_empty()) {
                let tags = config_item_tags(item.configuration.as_deref(), item.supplementary.as_ref());
                let account = item.account_id.clone().unwrap_or_default();
                let looked_in = item.aws_region.clone().unwrap_or_else(|| region.clone());
                let mut s = seen(
                    &item.arn,
                    &account,
                    &looked_in,
                    item.aws_region.as_deref(),
                    tags,
                    LiveSource::Config,
                );
                s.resource.attributes = item.attributes();
                out.seen.push(s);
            }
            // Identifiers of resources deleted since they were listed come back unprocessed
            // for good; only those the aggregator still lists are worth asking again.
            if unprocessed.is_empty() {
                break;
            }
            asked = unprocessed;
        }
    }
    Ok(out)
}

/// One `BatchGetAggregateResourceConfig`: items, and the identifiers left unprocessed.
async fn batch(
    client: &aws_sdk_config::Client,
    name: &str,
    identifiers: Vec<AggregateResourceIdentifier>,
) -> Result<(Vec<ConfigItem>, Vec<AggregateResourceIdentifier>), String> {
    let sent = client
        .batch_get_aggregate_resource_config()
        .configuration_aggregator_name(name)
        .set_resource_identifiers(Some(identifiers.clone()))
        .send()
        .await;
    match sent {
        Ok(page) => Ok((
            page.base_configuration_items().iter().map(ConfigItem::from_sdk).collect(),
            page.unprocessed_resource_identifiers().to_vec(),
        )),
        Err(e) => {
            // Same strictness problem as `BatchGetResourceConfig` (moto's timestamps): read the
            // raw body for the fields tally needs.
            let raw = match &e {
                SdkError::ResponseError(r) => r.raw().body().bytes().and_then(ConfigItem::from_raw),
                _ => None,
            };
            let (items, _) = raw.ok_or_else(|| describe("BatchGetAggregateResourceConfig", &e))?;
            let unprocessed = match &e {
                SdkError::ResponseError(r) => r.raw().body().bytes().map(unprocessed_raw).unwrap_or_default(),
                _ => Vec::new(),
            };
            Ok((items, unprocessed.into_iter().filter(|u| identifiers.contains(u)).collect()))
        }
    }
}

/// `UnprocessedResourceIdentifiers` of a raw `BatchGetAggregateResourceConfig` body.
fn unprocessed_raw(body: &[u8]) -> Vec<AggregateResourceIdentifier> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else { return Vec::new() };
    let list =
        value.get("UnprocessedResourceIdentifiers").and_then(|v| v.as_array()).cloned().unwrap_or_default();
    list.iter()
        .filter_map(|k| {
            let field = |name: &str| k.get(name).and_then(|v| v.as_str());
            AggregateResourceIdentifier::builder()
                .source_account_id(field("SourceAccountId")?)
                .source_region(field("SourceRegion")?)
                .resource_id(field("ResourceId")?)
                .resource_type(ResourceType::from(field("ResourceType")?))
                .set_resource_name(field("ResourceName").map(str::to_string))
                .build()
                .ok()
        })
        .collect()
}
