//! Correlation of Terraform state with the live inventory: which live resources are managed,
//! owned by something else, or unmanaged (IAC001), and which state resources are missing
//! (IAC002).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{AuditInput, Findings};
use crate::model::{LiveResource, ResourceMode, TfResource, AWS_SYSTEM_TAG_PREFIX};
use crate::report::{Coverage, ResourceRef, Severity};
use crate::snapshot::{AttemptStatus, Snapshot};
use crate::terraform::taggable::is_taggable;

/// Who owns a live resource that is in no Terraform state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct InferredOwner {
    /// `autoscaling-group`, `cloudformation-stack`, `kubernetes`, `elastic-beanstalk`,
    /// `aws-service-linked-role`, `aws-reserved-role`, `aws-managed`, `aws-default`.
    pub kind: &'static str,
    pub name: String,
    /// The tag that proves it.
    pub evidence: String,
    /// The Terraform address of the owner, when Terraform manages it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

/// How many ARNs an owned-resources finding lists (sorted; `count` has the total).
const OWNED_ARN_SAMPLE: usize = 50;

/// Live resources in no state that share one inferred owner.
struct OwnedGroup<'a> {
    owner: InferredOwner,
    arns: Vec<&'a str>,
    types: BTreeSet<&'a str>,
    regions: BTreeSet<&'a str>,
    /// Owner tag key -> every value seen in the group.
    owner_tags: BTreeMap<String, BTreeSet<String>>,
}

impl InferredOwner {
    /// "auto scaling group acme-web (managed by Terraform as aws_autoscaling_group.web)".
    pub fn describe(&self) -> String {
        let what = match self.kind {
            "autoscaling-group" => format!("auto scaling group {}", self.name),
            "cloudformation-stack" => format!("CloudFormation stack {}", self.name),
            "kubernetes" => format!("Kubernetes cluster {}", self.name),
            "elastic-beanstalk" => format!("Elastic Beanstalk environment {}", self.name),
            "aws-service-linked-role" => "AWS (service-linked role)".to_string(),
            "aws-reserved-role" => "AWS (reserved role)".to_string(),
            "aws-managed" => "AWS (AWS-managed key)".to_string(),
            "aws-default" => "AWS (default resource)".to_string(),
            other => format!("{other} {}", self.name),
        };
        match &self.managed_by {
            Some(address) => format!("{what} (managed by Terraform as {address})"),
            None => what,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Correlation<'a> {
    /// Live ARN -> the state resource managing it.
    pub managed: BTreeMap<&'a str, &'a TfResource>,
    /// Live ARN -> inferred owner.
    pub owned: BTreeMap<&'a str, InferredOwner>,
    /// Live ARNs nobody accounts for.
    pub unmanaged: BTreeSet<&'a str>,
    pub missing: usize,
    pub live_total: usize,
}

impl Correlation<'_> {
    pub fn coverage(&self) -> Coverage {
        let accounted = self.managed.len() + self.owned.len();
        let by_count_pct = (self.live_total > 0).then(|| {
            (Decimal::from(accounted) * Decimal::from(100) / Decimal::from(self.live_total)).round_dp(1)
        });
        Coverage {
            live_resources: self.live_total,
            managed: self.managed.len(),
            owned_elsewhere: self.owned.len(),
            unmanaged: self.unmanaged.len(),
            missing: self.missing,
            by_count_pct,
            by_cost_pct: None,
        }
    }
}

/// ARNs as they are compared: log-group ARNs come with and without a trailing `:*`.
pub(crate) fn normalize_arn(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

/// `arn:partition:service:region:account:resource` -> service.
fn arn_service(arn: &str) -> Option<&str> {
    arn.split(':').nth(2)
}

pub(crate) fn is_audited(r: &TfResource) -> bool {
    r.mode == ResourceMode::Managed && (r.provider == "aws" || r.provider.starts_with("aws."))
}

pub(crate) fn correlate<'a>(input: &AuditInput<'a>, out: &mut Findings) -> Correlation<'a> {
    let mut c = Correlation::default();
    let Some(snapshot) = input.snapshot else { return c };
    // Without any state there is nothing to correlate with: calling every live resource
    // unmanaged would be the false alarm that drove users away from driftctl.
    if input.state.is_empty() {
        return c;
    }
    c.live_total = snapshot.resources.len();

    let state_by_arn: BTreeMap<&str, &TfResource> = input
        .state
        .iter()
        .filter(|r| is_audited(r))
        .filter_map(|r| r.arn.as_deref().map(|a| (normalize_arn(a), r)))
        .collect();
    // Terraform-managed auto scaling groups by name (their state id is the name).
    let managed_asgs: BTreeMap<&str, &TfResource> = input
        .state
        .iter()
        .filter(|r| is_audited(r) && r.resource_type == "aws_autoscaling_group")
        .filter_map(|r| r.id.as_deref().map(|id| (id, r)))
        .collect();

    // Fallback for state entries without an ARN: EC2-style ids (`eipalloc-0abc`, `nat-0abc`)
    // are unique, so the live ARN ending in the same id is the same resource.
    let state_by_id: BTreeMap<&str, &TfResource> = input
        .state
        .iter()
        .filter(|r| is_audited(r) && r.arn.is_none())
        .filter_map(|r| r.id.as_deref().filter(|id| is_ec2_style_id(id)).map(|id| (id, r)))
        .collect();

    let mut owned_groups: BTreeMap<(&'static str, String, &str), OwnedGroup<'_>> = BTreeMap::new();
    let mut live_arns = BTreeSet::new();
    for live in &snapshot.resources {
        let arn = normalize_arn(&live.arn);
        live_arns.insert(arn);
        let by_id = || state_by_id.get(short_name(arn)).filter(|_| is_ec2_style_id(short_name(arn)));
        if let Some(tf) = state_by_arn.get(arn).or_else(by_id) {
            c.managed.insert(live.arn.as_str(), tf);
            continue;
        }
        let owner = infer_owner(live, &managed_asgs);
        let resource = live_ref(live);
        let owner_tags = owner_of(&live.tags, &input.policy.owner_tag);
        match owner {
            Some(owner) => {
                let key = (owner.kind, owner.name.clone(), live.account.as_str());
                let group = owned_groups.entry(key).or_insert_with(|| OwnedGroup {
                    owner: owner.clone(),
                    arns: Vec::new(),
                    types: BTreeSet::new(),
                    regions: BTreeSet::new(),
                    owner_tags: BTreeMap::new(),
                });
                group.arns.push(live.arn.as_str());
                group.types.insert(live.resource_type.as_str());
                group.regions.insert(live.region.as_str());
                for (k, v) in owner_tags {
                    group.owner_tags.entry(k).or_default().insert(v);
                }
                c.owned.insert(live.arn.as_str(), owner);
            }
            None => {
                let message = format!(
                    "{} {} is in no Terraform state and no owner could be inferred from its tags",
                    live.resource_type,
                    short_name(&live.arn)
                );
                let f = out.push("IAC001", resource, message);
                f.layer = Some(crate::model::Layer::Live);
                f.owner = owner_tags;
                c.unmanaged.insert(live.arn.as_str());
            }
        }
    }

    // One info finding per owner, not per resource: an estate with thousands of ASG or
    // Kubernetes instances must not bury the ClickOps warnings.
    for ((_, _, account), mut group) in owned_groups {
        group.arns.sort_unstable();
        let count = group.arns.len();
        let types: Vec<&str> = group.types.iter().copied().collect();
        let message = format!(
            "{count} live resource{} ({}) in no Terraform state, owned by {}",
            if count == 1 { "" } else { "s" },
            types.join(", "),
            group.owner.describe()
        );
        let region =
            (group.regions.len() == 1).then(|| group.regions.iter().next().map(|r| r.to_string())).flatten();
        let resource = ResourceRef {
            name: Some(format!("{}:{}", group.owner.kind, group.owner.name)),
            account: Some(account.to_string()),
            region,
            ..ResourceRef::default()
        };
        let sample: Vec<&str> = group.arns.iter().take(OWNED_ARN_SAMPLE).copied().collect();
        let f = out.push("IAC001", resource, message);
        f.severity(Severity::Info)
            .detail("inferred_owner", &group.owner)
            .detail("count", count)
            .detail("arns", &sample);
        f.layer = Some(crate::model::Layer::Live);
        // Owner tag values only where the whole group agrees on one.
        let agreed = |values: &BTreeSet<String>| values.len() == 1;
        f.owner = group
            .owner_tags
            .into_iter()
            .filter(|(_, values)| agreed(values))
            .filter_map(|(k, values)| values.into_iter().next().map(|v| (k, v)))
            .collect();
    }

    let coverage = InventoryCoverage::new(snapshot);
    for tf in input.state.iter().filter(|r| is_audited(r)) {
        let Some(arn) = tf.arn.as_deref() else { continue };
        if live_arns.contains(normalize_arn(arn)) || !is_taggable(&tf.resource_type) {
            continue;
        }
        // The tagging API lists only tagged resources: a state resource with no tags would be
        // absent even when it exists, so it proves nothing.
        let has_user_tags = tf.tags.tags.keys().any(|k| !k.starts_with(AWS_SYSTEM_TAG_PREFIX));
        if !has_user_tags || !coverage.covers(tf, arn) {
            continue;
        }
        c.missing += 1;
        let message = format!(
            "{} is in Terraform state ({}) but {} was not found live",
            tf.address,
            tf.location.as_ref().map(|l| l.file.as_str()).unwrap_or("state"),
            arn
        );
        let f = out.push("IAC002", tf_ref(tf), message);
        f.layer = Some(crate::model::Layer::State);
        f.location = tf.location.clone();
        f.owner = owner_of(&tf.tags.known_values(), &input.policy.owner_tag);
    }
    c
}

/// What the snapshot can vouch for: (account, region) pairs the tagging API answered for, and
/// the services it returned anything from. A state resource outside that is not called
/// missing: we did not look where it lives.
struct InventoryCoverage {
    scanned: BTreeSet<(String, String)>,
    services: BTreeSet<(String, String)>,
}

impl InventoryCoverage {
    fn new(snapshot: &Snapshot) -> Self {
        let scanned = snapshot
            .collection
            .attempts
            .iter()
            .filter(|a| a.source == "tagging-api" && a.status == AttemptStatus::Ok)
            .map(|a| (a.account.clone(), a.region.clone()))
            .collect();
        let services = snapshot
            .resources
            .iter()
            .filter_map(|r| arn_service(&r.arn).map(|s| (r.account.clone(), s.to_string())))
            .collect();
        Self { scanned, services }
    }

    fn covers(&self, tf: &TfResource, arn: &str) -> bool {
        let Some(service) = arn_service(arn) else { return false };
        let account_ok = |acct: &str| {
            self.services.contains(&(acct.to_string(), service.to_string()))
                && match tf.region.as_deref().filter(|r| !r.is_empty()) {
                    Some(region) => self.scanned.contains(&(acct.to_string(), region.to_string())),
                    // Global (IAM) or region-less ARNs (S3): any scanned region of the account.
                    None => self.scanned.iter().any(|(a, _)| a == acct),
                }
        };
        match tf.account.as_deref() {
            Some(account) => account_ok(account),
            None => {
                let accounts: BTreeSet<&str> = self.scanned.iter().map(|(a, _)| a.as_str()).collect();
                accounts.len() == 1 && accounts.iter().all(|a| account_ok(a))
            }
        }
    }
}

fn infer_owner(live: &LiveResource, managed_asgs: &BTreeMap<&str, &TfResource>) -> Option<InferredOwner> {
    let tags = &live.tags;
    if let Some(group) = tags.get("aws:autoscaling:groupName") {
        return Some(InferredOwner {
            kind: "autoscaling-group",
            name: group.clone(),
            evidence: format!("aws:autoscaling:groupName={group}"),
            managed_by: managed_asgs.get(group.as_str()).map(|r| r.address.clone()),
        });
    }
    if let Some(stack) = tags.get("aws:cloudformation:stack-name") {
        return Some(InferredOwner {
            kind: "cloudformation-stack",
            name: stack.clone(),
            evidence: format!("aws:cloudformation:stack-name={stack}"),
            managed_by: None,
        });
    }
    if let Some(key) = tags.keys().find(|k| k.starts_with("kubernetes.io/cluster/")) {
        return Some(InferredOwner {
            kind: "kubernetes",
            name: key.trim_start_matches("kubernetes.io/cluster/").to_string(),
            evidence: key.clone(),
            managed_by: None,
        });
    }
    if let Some(cluster) = tags.get("eks:cluster-name") {
        return Some(InferredOwner {
            kind: "kubernetes",
            name: cluster.clone(),
            evidence: format!("eks:cluster-name={cluster}"),
            managed_by: None,
        });
    }
    if let Some(env) = tags.get("elasticbeanstalk:environment-name") {
        return Some(InferredOwner {
            kind: "elastic-beanstalk",
            name: env.clone(),
            evidence: format!("elasticbeanstalk:environment-name={env}"),
            managed_by: None,
        });
    }
    aws_owned(live)
}

/// Resources AWS creates itself: service-linked and reserved IAM roles, AWS-managed KMS keys,
/// default VPCs with their default subnets and security groups.
fn aws_owned(live: &LiveResource) -> Option<InferredOwner> {
    let aws = |kind: &'static str, evidence: String| {
        Some(InferredOwner { kind, name: "AWS".to_string(), evidence, managed_by: None })
    };
    let resource = live.arn.splitn(6, ':').nth(5).unwrap_or_default();
    if live.resource_type == "iam:role" || resource.starts_with("role/") {
        if resource.starts_with("role/aws-service-role/") {
            return aws("aws-service-linked-role", "IAM path /aws-service-role/".to_string());
        }
        if resource.starts_with("role/aws-reserved/") {
            return aws("aws-reserved-role", "IAM path /aws-reserved/".to_string());
        }
    }
    if live.attributes.get("managed_by").is_some_and(|m| m.eq_ignore_ascii_case("aws")) {
        return aws("aws-managed", "KeyManager=AWS".to_string());
    }
    if live.attributes.get("is_default").is_some_and(|d| d == "true") {
        return aws("aws-default", format!("default {}", live.resource_type));
    }
    None
}

/// `i-0abc12`, `eipalloc-0abc12`, `vpc-0abc12`: a lowercase prefix, a dash, 8 or 17 hex digits.
fn is_ec2_style_id(id: &str) -> bool {
    let Some((prefix, hex)) = id.split_once('-') else { return false };
    !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_lowercase())
        && (hex.len() == 8 || hex.len() == 17)
        && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The last path or colon segment of an ARN: `i-0abc`, a bucket name, a function name.
pub(crate) fn short_name(arn: &str) -> &str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    resource.rsplit(['/', ':']).next().filter(|s| !s.is_empty()).unwrap_or(resource)
}

pub(crate) fn live_ref(live: &LiveResource) -> ResourceRef {
    ResourceRef {
        arn: Some(live.arn.clone()),
        resource_type: Some(live.resource_type.clone()),
        account: Some(live.account.clone()),
        region: Some(live.region.clone()),
        ..ResourceRef::default()
    }
}

pub(crate) fn tf_ref(tf: &TfResource) -> ResourceRef {
    ResourceRef {
        address: Some(tf.address.clone()),
        arn: tf.arn.clone(),
        resource_type: Some(tf.resource_type.clone()),
        account: tf.account.clone(),
        region: tf.region.clone(),
        ..ResourceRef::default()
    }
}

/// `{owner_tag: value}` when the tags carry a non-empty owner.
pub(crate) fn owner_of(tags: &crate::model::Tags, owner_tag: &str) -> crate::model::Tags {
    tags.get(owner_tag)
        .filter(|v| !v.is_empty())
        .map(|v| BTreeMap::from([(owner_tag.to_string(), v.clone())]))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("arn:aws:ec2:eu-west-1:1:instance/i-0abc"), "i-0abc");
        assert_eq!(short_name("arn:aws:s3:::my-bucket"), "my-bucket");
        assert_eq!(short_name("arn:aws:lambda:eu-west-1:1:function:api"), "api");
        assert_eq!(short_name("arn:aws:sns:eu-west-1:1:alerts"), "alerts");
    }

    fn live(arn: &str, tags: &[(&str, &str)], attributes: &[(&str, &str)]) -> LiveResource {
        LiveResource {
            arn: arn.into(),
            account: "111111111111".into(),
            region: "eu-west-1".into(),
            resource_type: arn.split(':').nth(2).unwrap_or_default().into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            sources: BTreeSet::new(),
            attributes: attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn owners_are_inferred_from_tags_paths_and_attributes() {
        let asgs = BTreeMap::new();
        let owner = |l: LiveResource| infer_owner(&l, &asgs).map(|o| o.describe());
        let ec2 = "arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc";
        assert_eq!(
            owner(live(ec2, &[("aws:autoscaling:groupName", "web")], &[])).unwrap(),
            "auto scaling group web"
        );
        assert_eq!(
            owner(live(ec2, &[("aws:cloudformation:stack-name", "dd")], &[])).unwrap(),
            "CloudFormation stack dd"
        );
        let lb = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/net/k8s-x/1";
        assert_eq!(
            owner(live(lb, &[("kubernetes.io/cluster/prod", "owned")], &[])).unwrap(),
            "Kubernetes cluster prod"
        );
        assert_eq!(owner(live(lb, &[("eks:cluster-name", "prod")], &[])).unwrap(), "Kubernetes cluster prod");
        assert_eq!(
            owner(live(ec2, &[("elasticbeanstalk:environment-name", "api")], &[])).unwrap(),
            "Elastic Beanstalk environment api"
        );
        let slr = "arn:aws:iam::111111111111:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";
        assert_eq!(owner(live(slr, &[], &[])).unwrap(), "AWS (service-linked role)");
        let sso = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1";
        assert_eq!(owner(live(sso, &[], &[])).unwrap(), "AWS (reserved role)");
        let key = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(owner(live(key, &[], &[("managed_by", "AWS")])).unwrap(), "AWS (AWS-managed key)");
        let vpc = "arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-0abc1234";
        assert_eq!(owner(live(vpc, &[], &[("is_default", "true")])).unwrap(), "AWS (default resource)");
        // ClickOps: nothing to go by.
        assert_eq!(owner(live(ec2, &[("Name", "bastion"), ("created-by", "alice")], &[])), None);
        assert_eq!(owner(live(key, &[], &[("managed_by", "CUSTOMER")])), None);
        assert_eq!(owner(live("arn:aws:iam::111111111111:role/app", &[], &[])), None);
    }

    #[test]
    fn ec2_style_ids() {
        assert!(is_ec2_style_id("eipalloc-07b3c9e1d5a2f4680"));
        assert!(is_ec2_style_id("i-0abc1234"));
        assert!(!is_ec2_style_id("my-bucket"));
        assert!(!is_ec2_style_id("acme-payments-dlq"));
        assert!(!is_ec2_style_id("i-0ABC1234"));
    }

    #[test]
    fn log_group_arns_compare_without_star() {
        assert_eq!(normalize_arn("arn:aws:logs:r:1:log-group:/app:*"), "arn:aws:logs:r:1:log-group:/app");
    }
}
