//! Live inventory of one account and region: the Resource Groups Tagging API (`GetResources`,
//! every resource that has or had a tag) and AWS Config (`ListDiscoveredResources` +
//! `BatchGetResourceConfig`, which also finds resources that were never tagged), merged into
//! one [`LiveResource`] per ARN.
//!
//! Not here: choosing accounts and regions, or deciding what a resource means to the audit.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_config::error::SdkError;
use aws_sdk_config::types::{ResourceKey, ResourceType};

use super::clients::Clients;
use super::error::describe;
use crate::model::{LiveResource, LiveSource, Tags};
use crate::snapshot::{AttemptStatus, TypeAttempt};

/// Resource types asked of AWS Config: the common taggable types that cost money or that
/// Terraform typically manages. One `ListDiscoveredResources` call (or more, paged) per type.
pub(crate) const CONFIG_RESOURCE_TYPES: &[&str] = &[
    "AWS::DynamoDB::Table",
    "AWS::EC2::Instance",
    "AWS::EC2::NatGateway",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Subnet",
    "AWS::EC2::Volume",
    "AWS::EC2::VPC",
    "AWS::ECS::Cluster",
    "AWS::EKS::Cluster",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::IAM::Role",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::RDS::DBInstance",
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
];

/// `BatchGetResourceConfig` takes at most 100 keys.
const CONFIG_BATCH: usize = 100;

/// A resource as one source saw it, before merging. `region_known` says whether `region` came
/// from the resource itself (its ARN or Config's `awsRegion`) rather than from where we looked.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) resource: LiveResource,
    pub(crate) region_known: bool,
}

/// Every page of `GetResources` in one region.
pub(crate) async fn tagging_api(clients: &Clients, account: &str, region: &str) -> Result<Vec<Seen>, String> {
    let client = clients.tagging(region);
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_resources()
            .resources_per_page(100)
            .set_pagination_token(token.take())
            .send()
            .await
            .map_err(|e| describe("GetResources", &e))?;
        for mapping in page.resource_tag_mapping_list() {
            let Some(arn) = mapping.resource_arn() else { continue };
            let tags: Tags =
                mapping.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
            out.push(seen(arn, account, region, None, tags, LiveSource::TaggingApi));
        }
        match page.pagination_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// What AWS Config returned in one region: the resources, and per type of
/// [`CONFIG_RESOURCE_TYPES`] whether Config records it (`ok`: a running recorder whose
/// recording group includes it) or not (`not_enabled`, with why).
#[derive(Debug, Default)]
pub(crate) struct ConfigListed {
    pub(crate) seen: Vec<Seen>,
    pub(crate) types: BTreeMap<String, TypeAttempt>,
}

impl ConfigListed {
    /// Whether Config records `cfn_type` here (then Cloud Control need not list it).
    pub(crate) fn records(&self, cfn_type: &str) -> bool {
        self.types.get(cfn_type).is_some_and(|t| t.status == AttemptStatus::Ok)
    }
}

/// AWS Config in one region; `Ok(None)` when the region has no configuration recorder (then
/// Config knows nothing there, and asking costs calls for nothing).
pub(crate) async fn config(
    clients: &Clients,
    account: &str,
    region: &str,
) -> Result<Option<ConfigListed>, String> {
    let client = clients.config_service(region);
    let recorders = client
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| describe("DescribeConfigurationRecorders", &e))?;
    if recorders.configuration_recorders().is_empty() {
        return Ok(None);
    }
    // A recorder that exists but is stopped keeps what it recorded before; whatever was created
    // since is not in it, so its types do not count as recorded.
    let statuses = client
        .describe_configuration_recorder_status()
        .send()
        .await
        .map_err(|e| describe("DescribeConfigurationRecorderStatus", &e))?;
    let recording = statuses.configuration_recorders_status().iter().any(|s| s.recording());
    let mut listed = ConfigListed::default();
    for resource_type in CONFIG_RESOURCE_TYPES {
        let group =
            recorders.configuration_recorders().iter().filter_map(|r| r.recording_group()).find(|g| {
                let global = resource_type.starts_with("AWS::IAM::");
                (g.all_supported() && (!global || g.include_global_resource_types()))
                    || g.resource_types().iter().any(|t| t.as_str() == *resource_type)
            });
        let status = match (recording, group) {
            (true, Some(_)) => TypeAttempt::ok(),
            (false, _) => {
                TypeAttempt::with(AttemptStatus::NotEnabled, "the configuration recorder is stopped")
            }
            (true, None) => {
                TypeAttempt::with(AttemptStatus::NotEnabled, "not in the recorder's recording group")
            }
        };
        listed.types.insert(resource_type.to_string(), status);
    }
    let mut keys = Vec::new();
    for resource_type in CONFIG_RESOURCE_TYPES {
        let mut token: Option<String> = None;
        loop {
            let page = client
                .list_discovered_resources()
                .resource_type(ResourceType::from(*resource_type))
                .limit(100)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| describe("ListDiscoveredResources", &e))?;
            for id in page.resource_identifiers() {
                if let (Some(t), Some(rid)) = (id.resource_type(), id.resource_id()) {
                    let key = ResourceKey::builder().resource_type(t.clone()).resource_id(rid).build();
                    keys.push(key.map_err(|e| format!("ListDiscoveredResources: {e}"))?);
                }
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    let mut out = Vec::new();
    for chunk in keys.chunks(CONFIG_BATCH) {
        let items = batch_until_processed(chunk.to_vec(), UNPROCESSED_ROUNDS, |keys| {
            let client = client.clone();
            async move { batch_get_resource_config(&client, keys).await }
        })
        .await?;
        for item in items.into_iter().filter(|i| !i.arn.is_empty()) {
            let tags = config_item_tags(item.configuration.as_deref(), item.supplementary.as_ref());
            let item_account = item.account_id.as_deref().unwrap_or(account);
            let mut s =
                seen(&item.arn, item_account, region, item.aws_region.as_deref(), tags, LiveSource::Config);
            s.resource.attributes = item.attributes();
            out.push(s);
        }
    }
    listed.seen = out;
    Ok(Some(listed))
}

/// How many times one batch is sent while Config keeps answering with unprocessed keys (it does
/// when throttled internally, without an error) before the region counts as failed.
const UNPROCESSED_ROUNDS: u32 = 5;

/// One `BatchGetResourceConfig` call: the items it returned and the keys it left unprocessed.
async fn batch_get_resource_config(
    client: &aws_sdk_config::Client,
    keys: Vec<ResourceKey>,
) -> Result<(Vec<ConfigItem>, Vec<ResourceKey>), String> {
    match client.batch_get_resource_config().set_resource_keys(Some(keys)).send().await {
        Ok(page) => Ok((
            page.base_configuration_items().iter().map(ConfigItem::from_sdk).collect(),
            page.unprocessed_resource_keys().to_vec(),
        )),
        Err(e) => {
            // A response the SDK cannot parse strictly (moto sends timestamps as
            // "2026-11-21 07:16:40.7", AWS sends epoch seconds) is still read for the few string
            // fields we need.
            let raw = match &e {
                SdkError::ResponseError(r) => r.raw().body().bytes().and_then(ConfigItem::from_raw),
                _ => None,
            };
            raw.ok_or_else(|| describe("BatchGetResourceConfig", &e))
        }
    }
}

/// Sends `keys` through `fetch` until nothing is left unprocessed, re-sending only the
/// unprocessed keys, with a growing pause between rounds. Keys still unprocessed after
/// `rounds` calls are an error (the region becomes partial): a resource is never silently lost.
async fn batch_until_processed<T, F, Fut>(
    mut keys: Vec<ResourceKey>,
    rounds: u32,
    mut fetch: F,
) -> Result<Vec<T>, String>
where
    F: FnMut(Vec<ResourceKey>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Vec<ResourceKey>), String>>,
{
    let mut out = Vec::new();
    for round in 0..rounds {
        if round > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(50 << round.min(5))).await;
        }
        let asked = keys.len();
        let (items, unprocessed) = fetch(keys).await?;
        out.extend(items);
        if unprocessed.is_empty() {
            return Ok(out);
        }
        tracing::debug!(
            asked,
            unprocessed = unprocessed.len(),
            round,
            "Config left keys unprocessed; asking again"
        );
        keys = unprocessed;
    }
    Err(format!(
        "BatchGetResourceConfig: {} resource(s) still unprocessed after {rounds} attempts (first: {} {})",
        keys.len(),
        keys.first().map(|k| k.resource_type().as_str()).unwrap_or_default(),
        keys.first().map(|k| k.resource_id()).unwrap_or_default(),
    ))
}

/// The fields of a Config item tally reads.
#[derive(Debug, Default)]
pub(crate) struct ConfigItem {
    pub(crate) arn: String,
    /// `AWS::EC2::VPC`, ...
    resource_type: Option<String>,
    resource_name: Option<String>,
    pub(crate) account_id: Option<String>,
    pub(crate) aws_region: Option<String>,
    pub(crate) configuration: Option<String>,
    pub(crate) supplementary: Option<HashMap<String, String>>,
}

impl ConfigItem {
    pub(crate) fn from_sdk(item: &aws_sdk_config::types::BaseConfigurationItem) -> Self {
        Self {
            arn: item.arn().unwrap_or_default().to_string(),
            resource_type: item.resource_type().map(|t| t.as_str().to_string()),
            resource_name: item.resource_name().map(str::to_string),
            account_id: item.account_id().map(str::to_string),
            aws_region: item.aws_region().map(str::to_string),
            configuration: item.configuration().map(str::to_string),
            supplementary: item.supplementary_configuration().cloned(),
        }
    }

    /// `BatchGetResourceConfig` JSON read without the SDK: the items and the unprocessed keys;
    /// `None` if it is not that shape. `BatchGetAggregateResourceConfig`'s items (under
    /// `BaseConfigurationItems`) are read too; its unprocessed identifiers are the caller's.
    pub(crate) fn from_raw(body: &[u8]) -> Option<(Vec<Self>, Vec<ResourceKey>)> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let items = value
            .get("baseConfigurationItems")
            .or_else(|| value.get("BaseConfigurationItems"))?
            .as_array()?;
        let unprocessed = match value.get("unprocessedResourceKeys") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(keys) => keys
                .as_array()?
                .iter()
                .map(|k| {
                    let field = |name: &str| k.get(name).and_then(|v| v.as_str());
                    ResourceKey::builder()
                        .resource_type(ResourceType::from(field("resourceType")?))
                        .resource_id(field("resourceId")?)
                        .build()
                        .ok()
                })
                .collect::<Option<Vec<_>>>()?,
        };
        let text =
            |item: &serde_json::Value, key: &str| item.get(key).and_then(|v| v.as_str()).map(str::to_string);
        Some((
            items
                .iter()
                .map(|item| Self {
                    arn: text(item, "arn").unwrap_or_default(),
                    resource_type: text(item, "resourceType"),
                    resource_name: text(item, "resourceName"),
                    account_id: text(item, "accountId"),
                    aws_region: text(item, "awsRegion"),
                    configuration: text(item, "configuration"),
                    supplementary: item.get("supplementaryConfiguration").and_then(|m| m.as_object()).map(
                        |m| {
                            m.iter()
                                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                                .collect()
                        },
                    ),
                })
                .collect(),
            unprocessed,
        ))
    }

    /// Facts that tell who owns the resource (`LiveResource::attributes`): `is_default` for a
    /// default VPC (`isDefault`), a default subnet (`defaultForAz`) and a default security
    /// group (`groupName` `default`, which every VPC has and nobody can delete); `managed_by =
    /// aws` for an AWS-managed KMS key (`keyManager` `AWS`); `name` from `resourceName`.
    pub(crate) fn attributes(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(name) = self.resource_name.as_deref().filter(|n| !n.is_empty()) {
            out.insert("name".to_string(), name.to_string());
        }
        let conf = self
            .configuration
            .as_deref()
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
            .unwrap_or_default();
        // Config writes booleans as JSON booleans; some recorded items carry them as strings.
        let flag = |key: &str| match conf.get(key) {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        let text = |key: &str| conf.get(key).and_then(|v| v.as_str());
        let is_default = match self.resource_type.as_deref().unwrap_or_default() {
            "AWS::EC2::VPC" => flag("isDefault"),
            "AWS::EC2::Subnet" => flag("defaultForAz"),
            "AWS::EC2::SecurityGroup" => text("groupName") == Some("default"),
            _ => false,
        };
        if is_default {
            out.insert("is_default".to_string(), "true".to_string());
        }
        if self.resource_type.as_deref() == Some("AWS::KMS::Key") {
            if let Some(manager) = text("keyManager") {
                if manager.eq_ignore_ascii_case("aws") {
                    out.insert("managed_by".to_string(), "aws".to_string());
                }
            }
        }
        out
    }
}

pub(crate) fn seen(
    arn: &str,
    account: &str,
    looked_in: &str,
    reported_region: Option<&str>,
    tags: Tags,
    source: LiveSource,
) -> Seen {
    let parts = ArnParts::parse(arn);
    let (region, region_known) = match parts.as_ref() {
        Some(p) if !p.region.is_empty() => (p.region.to_string(), true),
        Some(p) if GLOBAL_SERVICES.contains(&p.service) => ("global".to_string(), true),
        _ => match reported_region.filter(|r| !r.is_empty()) {
            Some(r) => (r.to_string(), true),
            None => (looked_in.to_string(), false),
        },
    };
    let account = parts.as_ref().map(|p| p.account).filter(|a| !a.is_empty()).unwrap_or(account).to_string();
    let resource_type = resource_type_from_arn(arn);
    Seen {
        resource: LiveResource {
            arn: arn.to_string(),
            account: account.into(),
            region: region.into(),
            resource_type: resource_type.into(),
            tags,
            sources: [source].into_iter().collect(),
            attributes: Default::default(),
        },
        region_known,
    }
}

/// Services whose ARNs carry no region because the resources are global.
const GLOBAL_SERVICES: &[&str] =
    &["iam", "cloudfront", "route53", "organizations", "globalaccelerator", "waf"];

struct ArnParts<'a> {
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> ArnParts<'a> {
    fn parse(arn: &'a str) -> Option<Self> {
        let mut it = arn.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        let _partition = it.next()?;
        Some(Self { service: it.next()?, region: it.next()?, account: it.next()?, resource: it.next()? })
    }
}

/// The tagging API's type name of an ARN: `ec2:instance`, `rds:db`, `s3` (buckets), `sns`
/// (topics). The tagging API returns ARNs only, so the type is read from the ARN's resource part.
pub(crate) fn resource_type_from_arn(arn: &str) -> String {
    let Some(p) = ArnParts::parse(arn) else { return "unknown".to_string() };
    let kind = match (p.resource.find('/'), p.resource.find(':')) {
        (Some(a), Some(b)) => Some(&p.resource[..a.min(b)]),
        (Some(i), None) | (None, Some(i)) => Some(&p.resource[..i]),
        (None, None) => None,
    };
    match kind {
        Some(kind) if !kind.is_empty() => format!("{}:{kind}", p.service),
        _ => p.service.to_string(),
    }
}

/// Tags of a Config item, wherever the service puts them: `configuration.tags` (a list of
/// `{key, value}` or a map; EC2, IAM, ...), `supplementaryConfiguration.Tags`, or S3's
/// `BucketTaggingConfiguration.tagSets[].tags`.
pub(crate) fn config_item_tags(
    configuration: Option<&str>,
    supplementary: Option<&HashMap<String, String>>,
) -> Tags {
    let mut tags = Tags::new();
    if let Some(conf) = configuration.and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok()) {
        if let Some(t) = conf.get("tags").or_else(|| conf.get("Tags")) {
            collect_tags(t, &mut tags);
        }
    }
    if let Some(supp) = supplementary {
        let parsed = |k: &str| supp.get(k).and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok());
        if let Some(t) = parsed("Tags") {
            collect_tags(&t, &mut tags);
        }
        if let Some(bucket) = parsed("BucketTaggingConfiguration") {
            for set in bucket.get("tagSets").and_then(|s| s.as_array()).into_iter().flatten() {
                if let Some(t) = set.get("tags") {
                    collect_tags(t, &mut tags);
                }
            }
        }
    }
    tags
}

pub(crate) fn collect_tags(value: &serde_json::Value, into: &mut Tags) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if let Some(v) = v.as_str() {
                    into.insert(k.clone(), v.to_string());
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                let field = |a: &str, b: &str| item.get(a).or_else(|| item.get(b)).and_then(|v| v.as_str());
                if let (Some(k), Some(v)) = (field("key", "Key"), field("value", "Value")) {
                    into.insert(k.to_string(), v.to_string());
                }
            }
        }
        _ => {}
    }
}

/// Merge what every source saw into one resource per ARN, sorted by ARN. `seen` must be in a
/// deterministic order (the caller sorts attempts by account, region, source): the first
/// region wins for resources whose ARN does not name one. Tags from the tagging API win over
/// Config's (Config lags behind tag changes by up to its recording interval).
pub(crate) fn merge(seen: impl IntoIterator<Item = Seen>) -> Vec<LiveResource> {
    let mut by_arn: BTreeMap<String, Seen> = BTreeMap::new();
    for s in seen {
        match by_arn.get_mut(&s.resource.arn) {
            None => {
                by_arn.insert(s.resource.arn.clone(), s);
            }
            Some(existing) => {
                let from_tagging = s.resource.sources.contains(&LiveSource::TaggingApi);
                let had_tagging = existing.resource.sources.contains(&LiveSource::TaggingApi);
                if !had_tagging && (from_tagging || existing.resource.tags.is_empty()) {
                    existing.resource.tags = s.resource.tags.clone();
                }
                // Only Config knows attributes; a second Config sighting (S3 from another
                // region) says the same.
                for (k, v) in &s.resource.attributes {
                    existing.resource.attributes.entry(k.clone()).or_insert_with(|| v.clone());
                }
                if s.region_known && !existing.region_known {
                    existing.resource.region = s.resource.region;
                    existing.region_known = true;
                }
                existing.resource.sources.extend(s.resource.sources.iter().copied());
            }
        }
    }
    by_arn.into_values().map(|s| s.resource).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_from_arns() {
        let cases = [
            ("arn:aws:ec2:eu-west-1:111111111111:instance/i-1", "ec2:instance"),
            ("arn:aws:rds:eu-west-1:111111111111:db:main", "rds:db"),
            ("arn:aws:s3:::my-bucket", "s3"),
            ("arn:aws:sns:us-east-1:111111111111:alerts", "sns"),
            ("arn:aws:iam::111111111111:role/deploy", "iam:role"),
            ("arn:aws:lambda:us-east-1:111111111111:function:f", "lambda:function"),
            ("arn:aws:logs:us-east-1:111111111111:log-group:/aws/x", "logs:log-group"),
            (
                "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/1",
                "elasticloadbalancing:loadbalancer",
            ),
            ("not-an-arn", "unknown"),
        ];
        for (arn, want) in cases {
            assert_eq!(resource_type_from_arn(arn), want, "{arn}");
        }
    }

    #[test]
    fn tags_from_config_items() {
        let iam = r#"{"roleName":"r1","tags":[{"key":"team","value":"x"}]}"#;
        assert_eq!(config_item_tags(Some(iam), None), [("team".into(), "x".into())].into());
        let mut supp = std::collections::HashMap::new();
        supp.insert(
            "BucketTaggingConfiguration".to_string(),
            r#"{"tagSets": [{"tags": {"team": "web"}}]}"#.to_string(),
        );
        supp.insert("Tags".to_string(), r#"[{"Key":"env","Value":"prod"}]"#.to_string());
        let got = config_item_tags(Some(r#"{"name":"b"}"#), Some(&supp));
        assert_eq!(got, [("env".into(), "prod".into()), ("team".into(), "web".into())].into());
        assert!(config_item_tags(Some("not json"), None).is_empty());
    }

    #[test]
    fn merge_deduplicates_by_arn_and_keeps_every_source() {
        let bucket = "arn:aws:s3:::shared";
        let tagged = [("team".to_string(), "web".to_string())].into_iter().collect::<Tags>();
        let seen_all = vec![
            seen(bucket, "111111111111", "eu-west-1", None, tagged.clone(), LiveSource::TaggingApi),
            seen(bucket, "111111111111", "us-east-1", None, tagged.clone(), LiveSource::TaggingApi),
            seen(bucket, "111111111111", "us-east-1", Some("us-east-1"), Tags::new(), LiveSource::Config),
        ];
        let merged = merge(seen_all);
        assert_eq!(merged.len(), 1);
        let r = &merged[0];
        assert_eq!(r.tags, tagged, "tagging API tags win");
        assert_eq!(r.region, "us-east-1", "Config's reported region beats where we looked");
        assert_eq!(r.account, "111111111111");
        assert_eq!(r.sources, [LiveSource::TaggingApi, LiveSource::Config].into_iter().collect());
    }

    #[test]
    fn config_items_are_read_from_raw_json_the_sdk_rejects() {
        let body =
            br#"{"baseConfigurationItems": [{"configurationItemCaptureTime": "2026-11-21 07:16:40.712403",
            "arn": "arn:aws:s3:::b", "accountId": "111111111111", "awsRegion": "eu-west-1",
            "configuration": "{}", "supplementaryConfiguration": {"BucketTaggingConfiguration":
            "{\"tagSets\": [{\"tags\": {\"team\": \"web\"}}]}"}}], "unprocessedResourceKeys": []}"#;
        let (items, unprocessed) = ConfigItem::from_raw(body).expect("parsed");
        assert!(unprocessed.is_empty());
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].arn, "arn:aws:s3:::b");
        assert_eq!(items[0].aws_region.as_deref(), Some("eu-west-1"));
        let tags = config_item_tags(items[0].configuration.as_deref(), items[0].supplementary.as_ref());
        assert_eq!(tags.get("team"), Some("web"));
        assert!(ConfigItem::from_raw(b"<html>").is_none());
    }

    /// Config answers in AWS's shape (`tests/fixtures/aws/config-*.json`: epoch-second capture
    /// times, configuration as a JSON string), served over HTTP to the real SDK: moto's Config
    /// knows only S3, IAM and SNS.
    /// Config over HTTP in AWS's shape; `batch` answers `BatchGetResourceConfig` given the keys
    /// asked for.
    fn fake_config(
        batch: impl Fn(&serde_json::Value) -> String + Send + Sync + 'static,
    ) -> super::super::fake::FakeAws {
        use super::super::fake::{fixture, FakeAws};
        FakeAws::start(move |req| {
            let op = req.target.rsplit('.').next().unwrap_or_default();
            let body: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
            match op {
                "DescribeConfigurationRecorders" => fixture("config-describe-configuration-recorders.json"),
                "DescribeConfigurationRecorderStatus" => {
                    r#"{"ConfigurationRecordersStatus": [{"name": "default", "recording": true}]}"#
                        .to_string()
                }
                "ListDiscoveredResources" => match body["resourceType"].as_str().unwrap_or_default() {
                    "AWS::EC2::VPC" => fixture("config-list-discovered-resources.vpc.json"),
                    "AWS::EC2::Subnet" => fixture("config-list-discovered-resources.subnet.json"),
                    "AWS::EC2::SecurityGroup" => {
                        fixture("config-list-discovered-resources.security-group.json")
                    }
                    "AWS::KMS::Key" => fixture("config-list-discovered-resources.kms-key.json"),
                    _ => r#"{"resourceIdentifiers": []}"#.to_string(),
                },
                "BatchGetResourceConfig" => batch(&body["resourceKeys"]),
                other => panic!("unexpected operation {other}"),
            }
        })
    }

    /// The fixture's items for the keys asked, leaving `hold_back` of them unprocessed.
    fn batch_answer(keys: &serde_json::Value, hold_back: usize) -> String {
        let all: serde_json::Value =
            serde_json::from_str(&super::super::fake::fixture("config-batch-get-resource-config.json"))
                .unwrap();
        let keys = keys.as_array().cloned().unwrap_or_default();
        let (unprocessed, asked) = keys.split_at(hold_back.min(keys.len()));
        let items: Vec<&serde_json::Value> = all["baseConfigurationItems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| asked.iter().any(|k| k["resourceId"] == item["resourceId"]))
            .collect();
        serde_json::json!({"baseConfigurationItems": items, "unprocessedResourceKeys": unprocessed})
            .to_string()
    }

    fn run_config(fake: &super::super::fake::FakeAws) -> Result<Option<Vec<Seen>>, String> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let clients = fake.clients().await;
            let listed = config(&clients, "111111111111", "eu-west-1").await?;
            if let Some(l) = &listed {
                // The fixture's recorder records everything but global types, and runs.
                assert!(l.records("AWS::EC2::VPC") && !l.records("AWS::IAM::Role"), "{:?}", l.types);
            }
            Ok(listed.map(|l| l.seen))
        })
    }

    #[test]
    fn config_items_carry_default_and_aws_managed_attributes() {
        let fake = fake_config(|keys| {
            assert_eq!(keys.as_array().map(Vec::len), Some(8), "{keys}");
            super::super::fake::fixture("config-batch-get-resource-config.json")
        });
        let resources = merge(run_config(&fake).expect("Config answered").expect("a recorder exists"));
        let attributes: BTreeMap<&str, Vec<(&str, &str)>> = resources
            .iter()
            .map(|r| {
                let short = r.arn.rsplit('/').next().unwrap_or_default();
                (short, r.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
            })
            .collect();
        let want: BTreeMap<&str, Vec<(&str, &str)>> = [
            ("vpc-0d1e2f3a4b5c6d7e8", vec![("is_default", "true")]),
            ("vpc-07f8e9d0c1b2a3948", vec![("name", "main")]),
            ("subnet-0a11b22c33d44e55f", vec![("is_default", "true")]),
            ("subnet-0f66e77d88c99b00a", vec![("name", "private-b")]),
            ("sg-0123abcd4567ef890", vec![("is_default", "true"), ("name", "default")]),
            ("sg-0fedcba987654321f", vec![("name", "web")]),
            ("0b6f1f8e-2c1d-4a3b-9e8f-7d6c5b4a3921", vec![("managed_by", "aws")]),
            ("5e2d7c8b-9a01-4f3e-8d2c-1b0a9f8e7d6c", vec![]),
        ]
        .into_iter()
        .collect();
        assert_eq!(attributes, want);
        let main = resources.iter().find(|r| r.arn.ends_with("vpc-07f8e9d0c1b2a3948")).unwrap();
        assert_eq!(main.resource_type, "ec2:vpc");
        assert_eq!(main.tags.get("team"), Some("platform"));
        assert!(resources.iter().all(|r| r.region == "eu-west-1" && r.sources.contains(&LiveSource::Config)));
    }

    /// Config may answer part of a batch and list the rest as unprocessed, without an error:
    /// those keys are asked again until answered, and only them.
    #[test]
    fn unprocessed_config_keys_are_asked_again() {
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen_calls = calls.clone();
        let fake = fake_config(move |keys| {
            let mut calls = seen_calls.lock().unwrap();
            calls.push(keys.as_array().map(Vec::len).unwrap_or_default());
            // First call: 3 of 8 unprocessed; second: 1 of those 3; third: all answered.
            batch_answer(keys, [3, 1, 0].get(calls.len() - 1).copied().unwrap_or(0))
        });
        let resources = merge(run_config(&fake).expect("Config answered").expect("a recorder exists"));
        assert_eq!(resources.len(), 8, "no resource lost");
        assert_eq!(*calls.lock().unwrap(), [8, 3, 1]);
    }

    /// Keys Config never processes fail the region (it becomes partial), naming how many.
    #[test]
    fn keys_config_never_processes_fail_the_region() {
        let fake = fake_config(|keys| batch_answer(keys, 1));
        let err = run_config(&fake).expect_err("must not look complete");
        assert!(err.contains("1 resource(s) still unprocessed after 5 attempts"), "{err}");
    }

    #[test]
    fn attributes_of_items_the_sdk_rejects_are_read_too() {
        let body = br#"{"baseConfigurationItems": [{"configurationItemCaptureTime": "2026-11-21 07:16:40.7",
            "arn": "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1", "resourceType": "AWS::EC2::VPC",
            "resourceName": "", "configuration": "{\"isDefault\": \"true\"}"}]}"#;
        let (items, _) = ConfigItem::from_raw(body).expect("parsed");
        assert_eq!(items[0].attributes(), [("is_default".to_string(), "true".to_string())].into());
    }

    #[test]
    fn iam_is_global() {
        let s = seen(
            "arn:aws:iam::222222222222:role/x",
            "111111111111",
            "eu-west-1",
            None,
            Tags::new(),
            LiveSource::Config,
        );
        assert_eq!(s.resource.region, "global");
        assert_eq!(s.resource.account, "222222222222");
    }
}
