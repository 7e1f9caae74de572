//! The AWS Cloud Control API as a third inventory source: `ListResources` per resource type
//! (and `GetResource` only where a list leaves out what tally needs), in one account and
//! region. It needs nothing enabled in the account, and unlike the tagging API it returns
//! resources that were never tagged: the ones "what runs outside Terraform?" is about.
//!
//! Cloud Control calls each service's own read actions with the caller's credentials, so a
//! type can be refused while the others answer: the outcome is kept per type
//! ([`TypeAttempt`]), and the run says which types it could not see.
//!
//! Rates: Cloud Control's default request rates are low and shared with the services behind
//! it. Types of one region are listed [`CONCURRENCY`] at a time (measured in
//! `bench/regions.sh`), with the same adaptive retry and back-off as every other client
//! (`clients.rs`); regions and accounts are bounded by the collection's own semaphore.
//!
//! Not here: deciding which types Config already records (the caller passes the types to
//! list), merging with the other sources (`inventory::merge`), or ownership (`audit`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_sdk_cloudcontrol::error::{ProvideErrorMetadata, SdkError};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::clients::Clients;
use super::error::{describe, is_denied};
use super::inventory::{collect_tags, seen, Seen};
use crate::model::{LiveSource, Tags};
use crate::snapshot::{AttemptStatus, TypeAttempt};

mod types;

use self::types::ArnFrom::{Allocation, Identifier, Pattern, Property, QueueUrl};
pub(crate) use self::types::{by_kind, by_name, CcType, TYPES};
pub use self::types::{read_actions, NOT_COVERED};
use self::types::{KMS_ALIAS, VOLUMES};

/// Cloud Control requests in flight per account and region.
pub(crate) const CONCURRENCY: usize = 4;

/// Results per `ListResources` page (the API's maximum is 100).
const PAGE: i32 = 100;

/// What Cloud Control returned in one account and region: the resources, and per type asked
/// whether it was enumerated whole.
#[derive(Debug, Default)]
pub(crate) struct Listed {
    pub seen: Vec<Seen>,
    pub types: BTreeMap<String, TypeAttempt>,
}

impl Listed {
    /// The attempt's status and error: `ok` when every type answered, `denied` when every
    /// failure was a refusal, else `error`; the error names the types not seen.
    pub(crate) fn outcome(&self) -> (AttemptStatus, Option<String>) {
        let failed: Vec<(&String, &TypeAttempt)> = self
            .types
            .iter()
            .filter(|(_, t)| matches!(t.status, AttemptStatus::Error | AttemptStatus::Denied))
            .collect();
        if failed.is_empty() {
            return (AttemptStatus::Ok, None);
        }
        let status = if failed.iter().all(|(_, t)| t.status == AttemptStatus::Denied) {
            AttemptStatus::Denied
        } else {
            AttemptStatus::Error
        };
        let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        let first = failed[0].1.message.as_deref().unwrap_or("failed");
        let message = format!(
            "{} of {} resource types not listed, so their never-tagged resources were not seen: {} (first: {first})",
            failed.len(),
            self.types.len(),
            names.join(", ")
        );
        (status, Some(message))
    }
}

/// One resource as a list or read handler described it.
struct Described {
    identifier: String,
    properties: serde_json::Map<String, Value>,
}

/// List `types` in one account and region. A type that fails is recorded in `types` and the
/// others still arrive.
pub(crate) async fn list(
    clients: &Clients,
    account: &str,
    region: &str,
    types: &[&'static CcType],
) -> Pending {
    let client = clients.cloud_control(region);
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut out = Listed::default();

    // Parents first (one level: ECS services under clusters), then everything else at once.
    let (children, roots): (Vec<&'static CcType>, Vec<&'static CcType>) =
        types.iter().copied().partition(|t| t.parent.is_some());
    let mut listed: BTreeMap<&'static str, Vec<Described>> = BTreeMap::new();
    let mut set = JoinSet::new();
    for t in roots {
        let (client, permits) = (client.clone(), permits.clone());
        set.spawn(async move { (t.name, list_all(&client, &permits, t.name, None).await) });
    }
    let wants_aliases = types.iter().any(|t| t.name == "AWS::KMS::Key");
    if wants_aliases {
        let (client, permits) = (client.clone(), permits.clone());
        set.spawn(async move { (KMS_ALIAS, list_all(&client, &permits, KMS_ALIAS, None).await) });
    }
    let mut alias_failure = None;
    while let Some(joined) = set.join_next().await {
        let Ok((name, result)) = joined else { continue };
        match result {
            Ok(items) => {
                if name != KMS_ALIAS {
                    out.types.insert(name.to_string(), TypeAttempt::ok());
                }
                listed.insert(name, items);
            }
            Err(e) if name == KMS_ALIAS => alias_failure = Some(e),
            Err(e) => {
                out.types.insert(name.to_string(), e);
            }
        }
    }
    for t in children {
        let Some((parent, key)) = t.parent else { continue };
        let Some(parents) = listed.get(parent) else {
            let why = format!("{parent} (its parent type) was not listed");
            out.types.insert(t.name.to_string(), TypeAttempt::with(AttemptStatus::Error, why));
            continue;
        };
        let mut items = Vec::new();
        let mut failure = None;
        for p in parents {
            let parent_arn = arn_of(by_name(parent).expect("parent types are covered"), p, region, account);
            let Some(parent_arn) = parent_arn else { continue };
            let model = serde_json::json!({ key: parent_arn }).to_string();
            match list_all(&client, &permits, t.name, Some(model)).await {
                Ok(found) => items.extend(found),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        match failure {
            Some(e) => {
                out.types.insert(t.name.to_string(), e);
            }
            None => {
                out.types.insert(t.name.to_string(), TypeAttempt::ok());
                listed.insert(t.name, items);
            }
        }
    }

    Pending {
        client,
        permits,
        listed,
        out,
        alias_failure,
        account: account.to_string(),
        region: region.to_string(),
    }
}

/// What the lists returned, before `GetResource` completes what they left out.
pub(crate) struct Pending {
    client: aws_sdk_cloudcontrol::Client,
    permits: Arc<Semaphore>,
    listed: BTreeMap<&'static str, Vec<Described>>,
    out: Listed,
    alias_failure: Option<TypeAttempt>,
    account: String,
    region: String,
}

/// `GetResource` for each item, `CONCURRENCY` at a time.
async fn read_all(
    client: &aws_sdk_cloudcontrol::Client,
    permits: &Arc<Semaphore>,
    items: Vec<(&'static str, Described)>,
) -> Vec<(&'static str, Result<Option<Described>, TypeAttempt>)> {
    let mut reads = JoinSet::new();
    for (name, item) in items {
        let (client, permits) = (client.clone(), permits.clone());
        reads.spawn(async move { (name, read(&client, &permits, name, item).await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = reads.join_next().await {
        if let Ok(r) = joined {
            out.push(r);
        }
    }
    out
}

impl Pending {
    /// Types not asked, with why (`recorded by AWS Config`).
    pub(crate) fn skipped(&mut self, types: BTreeMap<String, TypeAttempt>) {
        self.out.types.extend(types);
    }

    /// Complete what the lists left out and build the resources. `tagged`: ARNs the tagging
    /// API returned in this account and region, whose tags are known without a read.
    pub(crate) async fn complete(self, tagged: &BTreeSet<String>) -> Listed {
        let Pending { client, permits, listed, mut out, mut alias_failure, account, region } = self;
        let (account, region) = (account.as_str(), region.as_str());
        let mut to_read: Vec<(&'static str, Described)> = Vec::new();
        let mut complete: Vec<(&'static CcType, Described)> = Vec::new();
        for (name, items) in listed {
            if name == KMS_ALIAS {
                to_read.extend(
                    items
                        .into_iter()
                        .filter(|i| i.identifier.starts_with("alias/aws/"))
                        .map(|i| (KMS_ALIAS, i)),
                );
                continue;
            }
            let Some(t) = by_name(name) else { continue };
            for item in items {
                let known_to_tagging =
                    arn_of(t, &item, region, account).is_some_and(|arn| tagged.contains(&arn));
                let lacks_tags =
                    !known_to_tagging && !TAG_KEYS.iter().any(|k| item.properties.contains_key(*k));
                let lacks_needs = t.needs.iter().any(|k| *k != VOLUMES && !item.properties.contains_key(*k));
                if lacks_tags || lacks_needs {
                    to_read.push((t.name, item));
                } else {
                    complete.push((t, item));
                }
            }
        }
        let mut aws_managed_keys = BTreeSet::new();
        let failed = |out: &mut Listed, name: &str, e: TypeAttempt| {
            let entry = out.types.entry(name.to_string()).or_insert_with(TypeAttempt::ok);
            if entry.status == AttemptStatus::Ok {
                *entry = e;
            }
        };
        for (name, result) in read_all(&client, &permits, to_read).await {
            match result {
                Ok(Some(item)) if name == KMS_ALIAS => {
                    if let Some(key) = item.properties.get("TargetKeyId").and_then(Value::as_str) {
                        aws_managed_keys.insert(key.rsplit('/').next().unwrap_or(key).to_string());
                    }
                }
                Ok(Some(item)) => {
                    if let Some(t) = by_name(name) {
                        complete.push((t, item));
                    }
                }
                // Deleted between the list and the read: gone, nothing to report.
                Ok(None) => {}
                Err(e) if name == KMS_ALIAS => alias_failure = Some(e),
                Err(e) => failed(&mut out, name, e),
            }
        }
        // Untagged volumes may be an instance's own: only then are the instances read for
        // their attached volumes (a read per instance is what a large estate cannot afford
        // by default).
        let untagged_volume = complete.iter().any(|(t, d)| {
            t.name == "AWS::EC2::Volume"
                && tags_of(&d.properties).is_empty()
                && !arn_of(t, d, region, account).is_some_and(|arn| tagged.contains(&arn))
        });
        if untagged_volume {
            let (instances, rest): (Vec<_>, Vec<_>) = complete
                .into_iter()
                .partition(|(t, d)| t.name == "AWS::EC2::Instance" && !d.properties.contains_key(VOLUMES));
            complete = rest;
            let to_read = instances.into_iter().map(|(t, d)| (t.name, d)).collect();
            for (name, result) in read_all(&client, &permits, to_read).await {
                match result {
                    Ok(Some(item)) => complete.extend(by_name(name).map(|t| (t, item))),
                    Ok(None) => {}
                    Err(e) => failed(&mut out, name, e),
                }
            }
        }
        // Without the aliases, AWS's own keys cannot be told from the customer's: the key type
        // counts as not seen rather than risk calling AWS's keys unmanaged.
        if let Some(e) = alias_failure {
            if let Some(entry) = out.types.get_mut("AWS::KMS::Key") {
                let why = format!("{KMS_ALIAS}: {}", e.message.unwrap_or_default());
                *entry = TypeAttempt::with(e.status, why);
            }
            complete.retain(|(t, _)| t.name != "AWS::KMS::Key");
        }

        complete.sort_by(|a, b| (a.0.name, &a.1.identifier).cmp(&(b.0.name, &b.1.identifier)));
        // EBS volumes attached to an instance are part of it (Terraform manages a root volume
        // through its `aws_instance`); the volume model does not say, the instance's does.
        let mut attached: BTreeMap<String, String> = BTreeMap::new();
        for (_, d) in complete.iter().filter(|(t, _)| t.name == "AWS::EC2::Instance") {
            let instance = first_part(&d.identifier);
            let volumes = d.properties.get("Volumes").and_then(Value::as_array).into_iter().flatten();
            let mapped = d
                .properties
                .get("BlockDeviceMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get("Ebs"));
            for v in volumes.chain(mapped) {
                if let Some(id) = v.get("VolumeId").and_then(Value::as_str) {
                    attached.insert(id.to_string(), instance.to_string());
                }
            }
        }
        let default_vpcs: BTreeSet<String> = complete
            .iter()
            .filter(|(t, d)| t.name == "AWS::EC2::VPC" && is_default_vpc(&d.properties))
            .map(|(_, d)| first_part(&d.identifier).to_string())
            .collect();
        for (t, item) in complete {
            let Some(arn) = arn_of(t, &item, region, account) else {
                tracing::debug!(r#type = t.name, identifier = %item.identifier, "no ARN from Cloud Control's identifier");
                continue;
            };
            let mut s =
                seen(&arn, account, region, None, tags_of(&item.properties), LiveSource::CloudControl);
            s.resource.resource_type = t.kind.into();
            s.resource.attributes = attributes(t, &item, &default_vpcs, &aws_managed_keys);
            if let Some(instance) =
                attached.get(first_part(&item.identifier)).filter(|_| t.name == "AWS::EC2::Volume")
            {
                s.resource.attributes.insert("attached_to".to_string(), instance.clone());
            }
            out.seen.push(s);
        }
        out
    }
}

/// Every page of `ListResources` for one type (under one parent).
async fn list_all(
    client: &aws_sdk_cloudcontrol::Client,
    permits: &Semaphore,
    type_name: &str,
    model: Option<String>,
) -> Result<Vec<Described>, TypeAttempt> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = permits.acquire().await;
            client
                .list_resources()
                .type_name(type_name)
                .max_results(PAGE)
                .set_resource_model(model.clone())
                .set_next_token(token.take())
                .send()
                .await
        };
        let page = match page {
            Ok(p) => p,
            Err(e) => return Err(type_failure("ListResources", type_name, &e)),
        };
        for d in page.resource_descriptions() {
            let Some(identifier) = d.identifier() else { continue };
            out.push(Described {
                identifier: identifier.to_string(),
                properties: properties(d.properties()),
            });
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// `GetResource` for one listed resource; `Ok(None)` when it no longer exists.
async fn read(
    client: &aws_sdk_cloudcontrol::Client,
    permits: &Semaphore,
    type_name: &str,
    listed: Described,
) -> Result<Option<Described>, TypeAttempt> {
    let answer = {
        let _permit = permits.acquire().await;
        client.get_resource().type_name(type_name).identifier(&listed.identifier).send().await
    };
    match answer {
        Ok(r) => {
            let mut properties = listed.properties;
            if let Some(d) = r.resource_description() {
                properties.extend(self::properties(d.properties()));
            }
            Ok(Some(Described { identifier: listed.identifier, properties }))
        }
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(type_failure("GetResource", type_name, &e)),
    }
}

fn type_failure<E>(operation: &str, type_name: &str, err: &SdkError<E>) -> TypeAttempt
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let message = describe(operation, err);
    // A type the region does not offer has nothing to see there.
    if matches!(err.code(), Some("TypeNotFoundException" | "UnsupportedActionException")) {
        return TypeAttempt::with(AttemptStatus::Ok, format!("{type_name} not available in this region"));
    }
    let status = if is_denied(err) { AttemptStatus::Denied } else { AttemptStatus::Error };
    TypeAttempt::with(status, message)
}

fn properties(text: Option<&str>) -> serde_json::Map<String, Value> {
    match text.and_then(|t| serde_json::from_str::<Value>(t).ok()) {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn first_part(identifier: &str) -> &str {
    identifier.split('|').next().unwrap_or(identifier)
}

/// `aws`, `aws-cn` or `aws-us-gov`, from the region's name.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn arn_of(t: &CcType, item: &Described, region: &str, account: &str) -> Option<String> {
    let id = first_part(&item.identifier);
    match t.arn {
        Identifier => id.starts_with("arn:").then(|| id.to_string()),
        Pattern(p) => Some(
            p.replace("{partition}", partition(region))
                .replace("{region}", region)
                .replace("{account}", account)
                // A parameter's ARN has one slash before its name, whether or not the name
                // starts with one.
                .replace(
                    "{id}",
                    if t.name == "AWS::SSM::Parameter" { id.trim_start_matches('/') } else { id },
                ),
        ),
        Property(key) => item.properties.get(key).and_then(Value::as_str).map(str::to_string),
        QueueUrl => {
            let mut parts = id.trim_end_matches('/').rsplit('/');
            let (name, queue_account) = (parts.next()?, parts.next()?);
            Some(format!("arn:{}:sqs:{region}:{queue_account}:{name}", partition(region)))
        }
        Allocation => {
            let allocation = item.identifier.split('|').find(|p| p.starts_with("eipalloc-"))?;
            Some(format!("arn:{}:ec2:{region}:{account}:elastic-ip/{allocation}", partition(region)))
        }
    }
}

/// Where models keep tags: `Tags` for most, a few types under their own name, and a launch
/// template's `TagSpecifications`.
const TAG_KEYS: &[&str] = &["Tags", "FileSystemTags", "BackupVaultTags", "TagSpecifications"];

/// Tags wherever the model keeps them: `Tags` (a list of `Key`/`Value` or a map), EFS's
/// `FileSystemTags`, Backup's `BackupVaultTags`, or a launch template's `TagSpecifications`
/// for the template itself.
fn tags_of(properties: &serde_json::Map<String, Value>) -> Tags {
    let mut tags = Tags::new();
    for key in ["Tags", "FileSystemTags", "BackupVaultTags"] {
        if let Some(t) = properties.get(key) {
            collect_tags(t, &mut tags);
        }
    }
    for spec in properties.get("TagSpecifications").and_then(Value::as_array).into_iter().flatten() {
        if spec.get("ResourceType").and_then(Value::as_str) == Some("launch-template") {
            if let Some(t) = spec.get("Tags") {
                collect_tags(t, &mut tags);
            }
        }
    }
    tags
}

/// The default VPC's documented CIDR block: Cloud Control's VPC model has no `IsDefault`.
const DEFAULT_VPC_CIDR: &str = "172.31.0.0/16";

/// Cloud Control's VPC model has no `IsDefault`: AWS creates the default VPC with
/// 172.31.0.0/16, and an untagged VPC with that block is taken for it. A tagged one is
/// someone's (a Name tag on the default VPC is the one exception that then shows as
/// unmanaged; Config, when it records, says `isDefault` outright).
fn is_default_vpc(properties: &serde_json::Map<String, Value>) -> bool {
    if let Some(flag) = properties.get("IsDefault").and_then(Value::as_bool) {
        return flag;
    }
    properties.get("CidrBlock").and_then(Value::as_str) == Some(DEFAULT_VPC_CIDR)
        && tags_of(properties).is_empty()
}

/// Owner facts (`LiveResource::attributes`) from the model: `is_default` for the default VPC,
/// its default subnets (public-by-default subnets of it), every VPC's `default` security
/// group and the `default` event bus; `managed_by = aws` for keys behind `alias/aws/*`.
fn attributes(
    t: &CcType,
    item: &Described,
    default_vpcs: &BTreeSet<String>,
    aws_managed_keys: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let p = &item.properties;
    let text = |k: &str| p.get(k).and_then(Value::as_str);
    let flag = |k: &str| match p.get(k) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let id = first_part(&item.identifier);
    let is_default = match t.name {
        "AWS::EC2::VPC" => default_vpcs.contains(id),
        "AWS::EC2::Subnet" => {
            flag("DefaultForAz")
                || (text("VpcId").is_some_and(|v| default_vpcs.contains(v)) && flag("MapPublicIpOnLaunch"))
        }
        "AWS::EC2::SecurityGroup" => text("GroupName") == Some("default"),
        "AWS::Events::EventBus" => text("Name").unwrap_or(id) == "default",
        _ => false,
    };
    let mut out = BTreeMap::new();
    if is_default {
        out.insert("is_default".to_string(), "true".to_string());
    }
    if t.name == "AWS::KMS::Key"
        && (aws_managed_keys.contains(id)
            || text("KeyManager").is_some_and(|m| m.eq_ignore_ascii_case("aws")))
    {
        out.insert("managed_by".to_string(), "aws".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(identifier: &str, properties: Value) -> Described {
        let Value::Object(properties) = properties else { panic!("object") };
        Described { identifier: identifier.to_string(), properties }
    }

    #[test]
    fn at_least_forty_types_each_with_a_kind_actions_and_a_unique_name() {
        assert!(TYPES.len() >= 40, "{}", TYPES.len());
        let names: BTreeSet<&str> = TYPES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), TYPES.len());
        for t in TYPES {
            assert!(!t.actions.is_empty(), "{}", t.name);
            if let Some((parent, _)) = t.parent {
                assert!(by_name(parent).is_some_and(|p| p.parent.is_none()), "{}", t.name);
            }
        }
    }

    #[test]
    fn arns_from_identifiers() {
        let cases = [
            (
                "AWS::EC2::Instance",
                "i-0abc",
                json_none(),
                "arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc",
            ),
            ("AWS::S3::Bucket", "logs", json_none(), "arn:aws:s3:::logs"),
            (
                "AWS::SQS::Queue",
                "https://sqs.eu-west-1.amazonaws.com/111111111111/jobs",
                json_none(),
                "arn:aws:sqs:eu-west-1:111111111111:jobs",
            ),
            (
                "AWS::EC2::EIP",
                "203.0.113.7|eipalloc-0abc",
                json_none(),
                "arn:aws:ec2:eu-west-1:111111111111:elastic-ip/eipalloc-0abc",
            ),
            (
                "AWS::ECS::Service",
                "arn:aws:ecs:eu-west-1:111111111111:service/c/s|arn:aws:ecs:eu-west-1:111111111111:cluster/c",
                json_none(),
                "arn:aws:ecs:eu-west-1:111111111111:service/c/s",
            ),
            (
                "AWS::IAM::Role",
                "app",
                serde_json::json!({"Arn": "arn:aws:iam::111111111111:role/team/app"}),
                "arn:aws:iam::111111111111:role/team/app",
            ),
            (
                "AWS::Logs::LogGroup",
                "/aws/lambda/f",
                json_none(),
                "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/f",
            ),
            (
                "AWS::SSM::Parameter",
                "/app/db",
                json_none(),
                "arn:aws:ssm:eu-west-1:111111111111:parameter/app/db",
            ),
        ];
        for (name, id, props, want) in cases {
            let t = by_name(name).unwrap();
            assert_eq!(
                arn_of(t, &described(id, props), "eu-west-1", "111111111111").as_deref(),
                Some(want),
                "{name}"
            );
        }
        let role = by_name("AWS::IAM::Role").unwrap();
        assert_eq!(
            arn_of(role, &described("app", json_none()), "eu-west-1", "1"),
            None,
            "no guessing the path"
        );
        assert_eq!(partition("cn-north-1"), "aws-cn");
    }

    fn json_none() -> Value {
        serde_json::json!({})
    }

    #[test]
    fn default_network_resources_and_aws_keys_are_marked() {
        let vpc = described("vpc-1", serde_json::json!({"CidrBlock": "172.31.0.0/16"}));
        let tagged = described(
            "vpc-2",
            serde_json::json!({"CidrBlock": "172.31.0.0/16", "Tags": [{"Key": "Name", "Value": "x"}]}),
        );
        assert!(is_default_vpc(&vpc.properties));
        assert!(!is_default_vpc(&tagged.properties));
        let defaults: BTreeSet<String> = ["vpc-1".to_string()].into();
        let keys: BTreeSet<String> = ["k-aws".to_string()].into();
        let attrs = |name: &str, d: Described| attributes(by_name(name).unwrap(), &d, &defaults, &keys);
        let default_subnet =
            described("subnet-1", serde_json::json!({"VpcId": "vpc-1", "MapPublicIpOnLaunch": true}));
        assert_eq!(
            attrs("AWS::EC2::Subnet", default_subnet).get("is_default").map(String::as_str),
            Some("true")
        );
        let private =
            described("subnet-2", serde_json::json!({"VpcId": "vpc-1", "MapPublicIpOnLaunch": false}));
        assert!(attrs("AWS::EC2::Subnet", private).is_empty());
        let sg = described("sg-1", serde_json::json!({"GroupName": "default"}));
        assert_eq!(attrs("AWS::EC2::SecurityGroup", sg).len(), 1);
        let bus = described("default", serde_json::json!({"Name": "default"}));
        assert_eq!(attrs("AWS::Events::EventBus", bus).len(), 1);
        let key = described("k-aws", json_none());
        assert_eq!(attrs("AWS::KMS::Key", key).get("managed_by").map(String::as_str), Some("aws"));
        assert!(attrs("AWS::KMS::Key", described("k-mine", json_none())).is_empty());
    }

    #[test]
    fn outcome_names_the_types_not_seen() {
        let mut listed = Listed::default();
        listed.types.insert("AWS::EC2::Instance".into(), TypeAttempt::ok());
        assert_eq!(listed.outcome(), (AttemptStatus::Ok, None));
        listed.types.insert(
            "AWS::S3::Bucket".into(),
            TypeAttempt::with(AttemptStatus::Denied, "ListResources: AccessDeniedException: no"),
        );
        let (status, message) = listed.outcome();
        assert_eq!(status, AttemptStatus::Denied);
        assert!(message.unwrap().contains("1 of 2 resource types not listed, so their never-tagged resources were not seen: AWS::S3::Bucket"));
    }
}
