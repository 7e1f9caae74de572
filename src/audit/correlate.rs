//! Correlation of Terraform state with the live inventory: which live resources are managed,
//! owned by something else, or unmanaged (IAC001), and which state resources are missing
//! (IAC002).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use rust_decimal::Decimal;

use super::findings::Findings;
use super::findings::HashMap;
use super::input::AuditInput;
use super::output::{Coverage, ResourceRef};
use super::visibility::Index;
use crate::aws::cloudcontrol;
use crate::aws::inventory::resource_type_from_arn;
use crate::model::{LiveResource, LiveSource, Name, ResourceMode, Tags, TfResource, AWS_SYSTEM_TAG_PREFIX};
use crate::policy::RuleId;
use crate::policy::Severity;
use crate::snapshot::Snapshot;
use crate::terraform::taggable::is_taggable;

/// Who owns a live resource that is in no Terraform state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct InferredOwner {
    /// `autoscaling-group`, `cloudformation-stack`, `kubernetes`, `elastic-beanstalk`,
    /// `aws-service-linked-role`, `aws-reserved-role`, `aws-managed`, `aws-default`,
    /// `ec2-instance` (an attached EBS volume).
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
    /// The owner as the group's first resource proves it.
    owner: InferredOwner,
    arns: Vec<&'a str>,
    types: BTreeSet<&'a str>,
    regions: BTreeSet<&'a str>,
    /// Every non-empty owner tag value seen in the group.
    owner_values: BTreeSet<&'a str>,
    /// The type, region and owner value the group's last resource added: neighbours mostly
    /// share them, and the sets need not be searched again for a repeat.
    last: (&'a str, &'a str, Option<&'a str>),
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
            "aws-managed" if self.evidence == "AWS managed policy" => "AWS (AWS managed policy)".to_string(),
            "aws-managed" => "AWS (AWS-managed key)".to_string(),
            "aws-default" => "AWS (default resource)".to_string(),
            "ec2-instance" => "the EC2 instances they are attached to".to_string(),
            other => format!("{other} {}", self.name),
        };
        match &self.managed_by {
            Some(address) => format!("{what} (managed by Terraform as {address})"),
            None => what,
        }
    }
}

/// Who accounts for one live resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiveStatus<'a> {
    /// In a Terraform state: the state resource managing it.
    Managed(&'a TfResource),
    /// Created by something else (an auto scaling group, CloudFormation, Kubernetes, AWS).
    Owned,
    /// Nobody: IAC001 at warning.
    Unmanaged,
}

/// The correlation's answer per live resource, by position in the snapshot (ARNs are unique
/// there: the snapshot reader rejects duplicates and collection merges by ARN). Checks that
/// walk the live resources look their status up by index: no ARN is compared or hashed twice.
#[derive(Debug, Default)]
pub(crate) struct Correlation<'a> {
    /// One status per snapshot resource, in snapshot order; empty when nothing was correlated
    /// (no snapshot or no state).
    pub live: Vec<LiveStatus<'a>>,
    managed: usize,
    owned: usize,
    unmanaged: usize,
    pub missing: usize,
    pub live_total: usize,
}

impl<'a> Correlation<'a> {
    /// The state resource managing the snapshot's `index`-th live resource.
    pub fn managing(&self, index: usize) -> Option<&'a TfResource> {
        match self.live.get(index) {
            Some(LiveStatus::Managed(tf)) => Some(tf),
            _ => None,
        }
    }

    pub fn coverage(&self) -> Coverage {
        let accounted = self.managed + self.owned;
        let by_count_pct = (self.live_total > 0).then(|| {
            (Decimal::from(accounted) * Decimal::from(100) / Decimal::from(self.live_total)).round_dp(1)
        });
        Coverage {
            live_resources: self.live_total,
            managed: self.managed,
            owned_elsewhere: self.owned,
            unmanaged: self.unmanaged,
            missing: self.missing,
            by_count_pct,
            by_cost_pct: None,
            computed_over: None,
        }
    }
}

/// ARNs as they are compared: log-group ARNs come with and without a trailing `:*`.
pub(crate) fn normalize_arn(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

pub(crate) fn is_audited(r: &TfResource) -> bool {
    r.mode == ResourceMode::Managed && (r.provider == "aws" || r.provider.starts_with("aws."))
}

pub(crate) fn correlate<'a>(input: &AuditInput<'a>, out: &mut Findings) -> Correlation<'a> {
    correlate_split(input, out, PARALLEL_MIN)
}

/// [`correlate`], with the live resources in two halves from `parallel_min` of them.
fn correlate_split<'a>(input: &AuditInput<'a>, out: &mut Findings, parallel_min: usize) -> Correlation<'a> {
    let mut c = Correlation::default();
    let Some(snapshot) = input.snapshot else { return c };
    // Without any state there is nothing to correlate with: calling every live resource
    // unmanaged would be the false alarm that drove users away from driftctl.
    if input.state.is_empty() {
        return c;
    }
    c.live_total = snapshot.resources.len();

    // ARN -> (the state resource, whether a live resource has that ARN). Hashed, not ordered:
    // a million live ARNs with a long common prefix made ordered lookups the audit's hot spot.
    // The flag is set from both halves of the pass over the live resources.
    let mut state_by_arn: HashMap<&str, (&TfResource, AtomicBool)> = HashMap::default();
    for r in input.state.iter().filter(|r| is_audited(r)) {
        if let Some(arn) = r.arn.as_deref() {
            state_by_arn.insert(normalize_arn(arn), (r, AtomicBool::new(false)));
        }
    }
    // Terraform-managed auto scaling groups by name (their state id is the name).
    let managed_asgs: BTreeMap<&str, &TfResource> = input
        .state
        .iter()
        .filter(|r| is_audited(r) && r.resource_type == "aws_autoscaling_group")
        .filter_map(|r| r.id.as_deref().map(|id| (id, r)))
        .collect();

    // Fallback for state entries without an ARN: EC2-style ids (`eipalloc-0abc`, `nat-0abc`)
    // are unique, so the live ARN ending in the same id is the same resource.
    let state_by_id: HashMap<&str, &TfResource> = input
        .state
        .iter()
        .filter(|r| is_audited(r) && r.arn.is_none())
        .filter_map(|r| r.id.as_deref().filter(|id| is_ec2_style_id(id)).map(|id| (id, r)))
        .collect();

    let owner_tag = input.policy.owner_tag.as_str();
    let index =
        StateIndex { by_arn: &state_by_arn, by_id: &state_by_id, managed_asgs: &managed_asgs, owner_tag };
    let resources = snapshot.resources.as_slice();
    // The live resources in two halves, on two threads where there are two cores: a
    // resource's status and its finding depend on it alone. The second half's statuses,
    // findings and owned groups follow the first's, as one pass in order would have left them.
    let half = if resources.len() >= parallel_min { resources.len() / 2 } else { resources.len() };
    let (first, second) = resources.split_at(half);
    let mut classify_first = || {
        // The statuses of both halves end up in this vector.
        let mut mine = Part { live: Vec::with_capacity(resources.len()), ..Part::default() };
        index.classify(first, &mut mine, out);
        mine
    };
    let classify_second = || {
        let mut part = Part { live: Vec::with_capacity(second.len()), ..Part::default() };
        let mut findings = Findings::new(input.policy);
        // Room for a finding per resource, as for the whole run.
        findings.reserve(second.len());
        index.classify(second, &mut part, &mut findings);
        (part, findings)
    };
    let (mine, rest) = if second.is_empty() {
        (classify_first(), None)
    } else {
        let (mine, rest) = crate::parallel::join(classify_first, classify_second);
        (mine, Some(rest))
    };
    (c.live, c.managed, c.owned, c.unmanaged) = (mine.live, mine.managed, mine.owned, mine.unmanaged);
    let mut owned_groups = mine.groups;
    if let Some((part, mut findings)) = rest {
        c.live.extend(part.live);
        c.managed += part.managed;
        c.owned += part.owned;
        c.unmanaged += part.unmanaged;
        out.0.append(&mut findings.0);
        for (key, group) in part.groups {
            match owned_groups.entry(key) {
                std::collections::hash_map::Entry::Occupied(mut known) => known.get_mut().absorb(group),
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(group);
                }
            }
        }
    }

    // One info finding per owner, not per resource: an estate with thousands of ASG or
    // Kubernetes instances must not bury the ClickOps warnings.
    let mut owned_groups: Vec<_> = owned_groups.into_iter().collect();
    owned_groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for ((_, _, account), mut group) in owned_groups {
        let count = group.arns.len();
        // The first ARNs in sorted order, without sorting the whole group.
        if count > OWNED_ARN_SAMPLE {
            group.arns.select_nth_unstable(OWNED_ARN_SAMPLE);
            group.arns.truncate(OWNED_ARN_SAMPLE);
        }
        group.arns.sort_unstable();
        let types: Vec<&str> = group.types.iter().copied().collect();
        let message = format!(
            "{count} live resource{} ({}) in no Terraform state, owned by {}",
            if count == 1 { "" } else { "s" },
            types.join(", "),
            group.owner.describe()
        );
        let region =
            (group.regions.len() == 1).then(|| group.regions.iter().next().map(|r| Name::new(r))).flatten();
        let resource = ResourceRef {
            name: Some(format!("{}:{}", group.owner.kind, group.owner.name)),
            account: Some(Name::new(account)),
            region,
            ..ResourceRef::default()
        };
        let f = out.push(RuleId::IAC001, resource, message);
        f.severity(Severity::Info)
            .detail("inferred_owner", &group.owner)
            .detail("count", count)
            .detail("arns", &group.arns);
        f.layer = Some(crate::model::Layer::Live);
        // The owner tag value only where the whole group agrees on one.
        if let (1, Some(value)) = (group.owner_values.len(), group.owner_values.first()) {
            f.owner = Tags::from([(owner_tag.to_string(), value.to_string())]);
        }
    }

    // Built on first need: most state resources are live, and the index walks every one.
    let mut coverage: Option<InventoryCoverage<'_>> = None;
    for tf in input.state.iter().filter(|r| is_audited(r)) {
        let Some(arn) = tf.arn.as_deref() else { continue };
        let seen_live =
            state_by_arn.get(normalize_arn(arn)).is_some_and(|(_, seen)| seen.load(Ordering::Relaxed));
        if seen_live || !is_taggable(&tf.resource_type) {
            continue;
        }
        let has_user_tags = tf.tags.tags.keys().any(|k| !k.starts_with(AWS_SYSTEM_TAG_PREFIX));
        if !coverage.get_or_insert_with(|| InventoryCoverage::new(snapshot)).covers(tf, arn, has_user_tags) {
            continue;
        }
        c.missing += 1;
        let message = format!(
            "{} is in Terraform state ({}) but {} was not found live",
            tf.address,
            tf.location.as_ref().map(|l| l.file.as_str()).unwrap_or("state"),
            arn
        );
        let f = out.push(RuleId::IAC002, tf_ref(tf), message);
        f.layer = Some(crate::model::Layer::State);
        f.location = tf.location.clone();
        f.owner = tf_owner(tf, owner_tag);
    }
    c
}

/// Below this many live resources the pass over them stays on one thread.
const PARALLEL_MIN: usize = 20_000;

/// (claim kind, claimed name, account): one owned group.
type GroupKey<'a> = (&'static str, &'a str, &'a str);

/// What the pass over the live resources looks things up in.
#[derive(Clone, Copy)]
struct StateIndex<'a, 's> {
    by_arn: &'s HashMap<&'a str, (&'a TfResource, AtomicBool)>,
    by_id: &'s HashMap<&'a str, &'a TfResource>,
    managed_asgs: &'s BTreeMap<&'a str, &'a TfResource>,
    owner_tag: &'s str,
}

/// The pass's answers for a run of live resources.
#[derive(Default)]
struct Part<'a> {
    live: Vec<LiveStatus<'a>>,
    managed: usize,
    owned: usize,
    unmanaged: usize,
    groups: HashMap<GroupKey<'a>, OwnedGroup<'a>>,
}

impl<'a> StateIndex<'a, '_> {
    /// Classifies `resources` in order: managed (and the state resource marked seen), owned
    /// (into its group) or unmanaged (an IAC001 finding into `out`).
    fn classify(&self, resources: &'a [LiveResource], part: &mut Part<'a>, out: &mut Findings) {
        let owner_tag = self.owner_tag;
        for live in resources {
            let arn = normalize_arn(&live.arn);
            let by_arn = self.by_arn.get(arn).map(|(tf, seen)| {
                seen.store(true, Ordering::Relaxed);
                *tf
            });
            let by_id = || {
                let id = short_name(arn);
                self.by_id.get(id).filter(|_| is_ec2_style_id(id)).copied()
            };
            if let Some(tf) = by_arn.or_else(by_id) {
                part.live.push(LiveStatus::Managed(tf));
                part.managed += 1;
                continue;
            }
            match claim(live) {
                Some(claim) => {
                    let key = (claim.kind, claim.name, live.account.as_str());
                    let group = part.groups.entry(key).or_insert_with(|| OwnedGroup {
                        owner: claim.owner(self.managed_asgs),
                        arns: Vec::new(),
                        types: BTreeSet::new(),
                        regions: BTreeSet::new(),
                        owner_values: BTreeSet::new(),
                        last: ("", "", None),
                    });
                    group.arns.push(live.arn.as_str());
                    let (resource_type, region) = (live.resource_type.as_str(), live.region.as_str());
                    if group.last.0 != resource_type || group.types.is_empty() {
                        group.types.insert(resource_type);
                    }
                    if group.last.1 != region || group.regions.is_empty() {
                        group.regions.insert(region);
                    }
                    let value = live.tags.get(owner_tag).filter(|v| !v.is_empty());
                    if let Some(value) = value.filter(|v| group.last.2 != Some(*v)) {
                        group.owner_values.insert(value);
                    }
                    group.last = (resource_type, region, value);
                    part.live.push(LiveStatus::Owned);
                    part.owned += 1;
                }
                None => {
                    let message = format!(
                        "{} {} is in no Terraform state and no owner could be inferred from its tags",
                        live.resource_type,
                        short_name(&live.arn)
                    );
                    let f = out.push(RuleId::IAC001, live_ref(live), message);
                    f.layer = Some(crate::model::Layer::Live);
                    f.owner = owner_of(&live.tags, owner_tag);
                    part.live.push(LiveStatus::Unmanaged);
                    part.unmanaged += 1;
                }
            }
        }
    }
}

impl<'a> OwnedGroup<'a> {
    /// Adds a later run's group of the same owner: this one's first resource still proves it.
    fn absorb(&mut self, later: OwnedGroup<'a>) {
        self.arns.extend(later.arns);
        self.types.extend(later.types);
        self.regions.extend(later.regions);
        self.owner_values.extend(later.owner_values);
        self.last = later.last;
    }
}

/// What the snapshot can vouch for. A state resource is called missing only where a source
/// that lists its type answered for its account and region: Config, an aggregator or Cloud
/// Control that enumerated the type, or the tagging API (for a tagged resource) where it
/// returned resources of that very type in the account. Another type of the same service
/// proves nothing: the tagging API does not list every type.
struct InventoryCoverage<'a> {
    index: Index<'a>,
    /// (account, type) the tagging API returned resources of.
    tagged_types: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> InventoryCoverage<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        let mut tagged_types = BTreeSet::new();
        let mut last = None;
        for r in snapshot.resources.iter().filter(|r| r.sources.contains(&LiveSource::TaggingApi)) {
            let key = (r.account.as_str(), r.resource_type.as_str());
            // Neighbours mostly share account and type: skip the set for repeats.
            if last != Some(key) {
                tagged_types.insert(key);
                last = Some(key);
            }
        }
        Self { index: Index::of(snapshot), tagged_types }
    }

    fn covers(&self, tf: &TfResource, arn: &str, has_user_tags: bool) -> bool {
        let kind = resource_type_from_arn(arn);
        let region = tf.region.as_deref().filter(|r| !r.is_empty());
        let account_ok = |acct: &str| {
            let enumerated = cloudcontrol::by_kind(&kind).is_some_and(|t| match region {
                Some(r) if !t.account_wide => self.index.lists(acct, r, t),
                _ => self.index.lists_anywhere(acct, t),
            });
            // The tagging API lists only tagged resources: a state resource without tags would
            // be absent even when it exists.
            enumerated
                || (has_user_tags
                    && self.tagged_types.contains(&(acct, kind.as_str()))
                    && self.index.tagging_answered(acct, region))
        };
        match tf.account.as_deref() {
            Some(account) => account_ok(account),
            None => {
                let accounts: Vec<&&str> = self.index.accounts().collect();
                accounts.len() == 1 && accounts.iter().all(|a| account_ok(a))
            }
        }
    }
}

/// An owner as a live resource proves it, borrowed from the resource: enough to group
/// resources by owner; the owned [`InferredOwner`] is built once per group.
struct Claim<'a> {
    kind: &'static str,
    name: &'a str,
    evidence: Evidence<'a>,
}

enum Evidence<'a> {
    /// `key=value`.
    Tag(&'static str, &'a str),
    /// The tag key alone (`kubernetes.io/cluster/prod`).
    Key(&'a str),
    Fixed(&'static str),
    /// `default <resource type>`.
    DefaultOf(&'a str),
}

impl Claim<'_> {
    fn owner(&self, managed_asgs: &BTreeMap<&str, &TfResource>) -> InferredOwner {
        let evidence = match self.evidence {
            Evidence::Tag(key, value) => format!("{key}={value}"),
            Evidence::Key(key) => key.to_string(),
            Evidence::Fixed(text) => text.to_string(),
            Evidence::DefaultOf(resource_type) => format!("default {resource_type}"),
        };
        let managed_by = match self.kind {
            "autoscaling-group" => managed_asgs.get(self.name).map(|r| r.address.clone()),
            _ => None,
        };
        InferredOwner { kind: self.kind, name: self.name.to_string(), evidence, managed_by }
    }
}

#[cfg(test)]
fn infer_owner(live: &LiveResource, managed_asgs: &BTreeMap<&str, &TfResource>) -> Option<InferredOwner> {
    claim(live).map(|c| c.owner(managed_asgs))
}

/// The owner a live resource's tags, IAM path or attributes name, if any.
fn claim(live: &LiveResource) -> Option<Claim<'_>> {
    let tags = &live.tags;
    let by_tag = |kind: &'static str, key: &'static str| {
        tags.get(key).map(|value| Claim { kind, name: value, evidence: Evidence::Tag(key, value) })
    };
    by_tag("autoscaling-group", "aws:autoscaling:groupName")
        .or_else(|| by_tag("cloudformation-stack", "aws:cloudformation:stack-name"))
        .or_else(|| {
            tags.keys().find(|k| k.starts_with("kubernetes.io/cluster/")).map(|key| Claim {
                kind: "kubernetes",
                name: key.trim_start_matches("kubernetes.io/cluster/"),
                evidence: Evidence::Key(key),
            })
        })
        .or_else(|| by_tag("kubernetes", "eks:cluster-name"))
        .or_else(|| by_tag("elastic-beanstalk", "elasticbeanstalk:environment-name"))
        .or_else(|| aws_owned(live))
        .or_else(|| {
            // A volume attached to an instance is part of it: Terraform manages root volumes
            // through `aws_instance`, and the instance is reported (or accounted for) itself.
            // One owner for all of them: a finding per instance would bury the ClickOps.
            live.attributes.get("attached_to").map(|_| Claim {
                kind: "ec2-instance",
                name: "instances",
                evidence: Evidence::Fixed("attached to an EC2 instance"),
            })
        })
}

/// Resources AWS creates itself: service-linked and reserved IAM roles, AWS-managed KMS keys,
/// default VPCs with their default subnets and security groups.
fn aws_owned(live: &LiveResource) -> Option<Claim<'_>> {
    let aws = |kind: &'static str, evidence: Evidence<'static>| Some(Claim { kind, name: "AWS", evidence });
    let resource = live.arn.splitn(6, ':').nth(5).unwrap_or_default();
    if live.resource_type == "iam:role" || resource.starts_with("role/") {
        let name = resource.rsplit('/').next().unwrap_or_default();
        if resource.starts_with("role/aws-service-role/") {
            return aws("aws-service-linked-role", Evidence::Fixed("IAM path /aws-service-role/"));
        }
        // However the role is seen: some sources (and test servers) give the ARN without its
        // path, and the name alone is reserved to AWS.
        if name.starts_with("AWSServiceRoleFor") {
            return aws("aws-service-linked-role", Evidence::Fixed("role name AWSServiceRoleFor*"));
        }
        if resource.starts_with("role/aws-reserved/") {
            return aws("aws-reserved-role", Evidence::Fixed("IAM path /aws-reserved/"));
        }
        if name.starts_with("AWSReservedSSO_") {
            return aws("aws-reserved-role", Evidence::Fixed("role name AWSReservedSSO_*"));
        }
    }
    // AWS managed policies live in the `aws` account (`arn:aws:iam::aws:policy/...`).
    if live.resource_type == "iam:policy" && live.arn.split(':').nth(4) == Some("aws") {
        return aws("aws-managed", Evidence::Fixed("AWS managed policy"));
    }
    if live.attributes.get("managed_by").is_some_and(|m| m.eq_ignore_ascii_case("aws")) {
        return aws("aws-managed", Evidence::Fixed("KeyManager=AWS"));
    }
    if live.attributes.get("is_default").is_some_and(|d| d == "true") {
        let evidence = Evidence::DefaultOf(&live.resource_type);
        return Some(Claim { kind: "aws-default", name: "AWS", evidence });
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
    // Bytes, not `char` patterns: called for every unmanaged resource and every cost line.
    let mut colons = arn.bytes().enumerate().filter(|&(_, b)| b == b':');
    let resource = colons.nth(4).map_or(arn, |(i, _)| &arn[i + 1..]);
    let last = match resource.bytes().rposition(|b| b == b'/' || b == b':') {
        Some(i) => &resource[i + 1..],
        None => resource,
    };
    if last.is_empty() {
        resource
    } else {
        last
    }
}

pub(crate) fn live_ref(live: &LiveResource) -> ResourceRef {
    ResourceRef {
        arn: Some(live.arn.clone()),
        resource_type: Some(live.resource_type),
        account: Some(live.account),
        region: Some(live.region),
        ..ResourceRef::default()
    }
}

pub(crate) fn tf_ref(tf: &TfResource) -> ResourceRef {
    ResourceRef {
        address: Some(tf.address.clone()),
        arn: tf.arn.clone(),
        resource_type: Some(Name::new(&tf.resource_type)),
        account: tf.account.as_deref().map(Name::new),
        region: tf.region.as_deref().map(Name::new),
        ..ResourceRef::default()
    }
}

/// `{owner_tag: value}` when the Terraform resource's known tags carry a non-empty owner.
pub(crate) fn tf_owner(tf: &TfResource, owner_tag: &str) -> crate::model::Tags {
    match tf.tags.tags.get(owner_tag).and_then(|v| v.known()) {
        Some(v) if !v.is_empty() => owner_tags(owner_tag, v),
        _ => Tags::new(),
    }
}

/// `{owner_tag: value}` when the tags carry a non-empty owner.
pub(crate) fn owner_of(tags: &crate::model::Tags, owner_tag: &str) -> crate::model::Tags {
    tags.get(owner_tag).filter(|v| !v.is_empty()).map(|v| owner_tags(owner_tag, v)).unwrap_or_default()
}

/// `{owner_tag: value}`, one shared copy per value: hundreds of thousands of findings name a
/// few hundred owners. The cache is per thread and per owner tag, and starts again past
/// 10,000 values so that it stays small whatever the data.
fn owner_tags(owner_tag: &str, value: &str) -> Tags {
    thread_local! {
        static SEEN: std::cell::RefCell<(String, HashMap<String, Tags>)> = Default::default();
    }
    SEEN.with_borrow_mut(|(tag, seen)| {
        if tag != owner_tag || seen.len() >= 10_000 {
            *tag = owner_tag.to_string();
            seen.clear();
        }
        if let Some(tags) = seen.get(value) {
            return tags.clone();
        }
        let tags = Tags::from([(owner_tag.to_string(), value.to_string())]);
        seen.insert(value.to_string(), tags.clone());
        tags
    })
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
        assert_eq!(short_name("arn:aws:logs:r:1:log-group:/app/lg-1:*"), "*");
        assert_eq!(short_name("arn:aws:ec2:r:1:vpc/"), "vpc/");
        assert_eq!(short_name("not:an:arn"), "arn");
        assert_eq!(short_name("plain"), "plain");
        assert_eq!(short_name("arn:aws:s3:::"), "");
    }

    fn live(arn: &str, tags: &[(&str, &str)], attributes: &[(&str, &str)]) -> LiveResource {
        LiveResource {
            arn: arn.into(),
            account: "111111111111".into(),
            region: "eu-west-1".into(),
            resource_type: arn.split(':').nth(2).unwrap_or_default().into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            sources: crate::model::LiveSources::new(),
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
        // Issue 15: seen without its path, the name still says AWS.
        let pathless = "arn:aws:iam::111111111111:role/AWSServiceRoleForAutoScaling";
        assert_eq!(owner(live(pathless, &[], &[])).unwrap(), "AWS (service-linked role)");
        let policy = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let mut p = live(policy, &[], &[]);
        p.resource_type = "iam:policy".into();
        assert_eq!(owner(p).unwrap(), "AWS (AWS managed policy)");
        let bus = "arn:aws:events:eu-west-1:111111111111:event-bus/default";
        assert_eq!(owner(live(bus, &[], &[("is_default", "true")])).unwrap(), "AWS (default resource)");
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

    #[test]
    fn two_halves_find_what_one_pass_finds() {
        // Owned groups (ASGs and stacks) spread over both halves, managed, unmanaged and
        // missing resources, an EC2-style id without ARN in the state.
        let state: Vec<TfResource> = (0..3_000)
            .map(|i| TfResource {
                address: format!("aws_sqs_queue.q[{i}]"),
                module: String::new(),
                mode: ResourceMode::Managed,
                resource_type: "aws_sqs_queue".into(),
                name: "q".into(),
                index: None,
                provider: "aws".into(),
                arn: (i % 7 != 0).then(|| format!("arn:aws:sqs:eu-west-1:111111111111:q-{}", i * 5)),
                id: Some(if i % 7 == 0 { format!("eipalloc-{:08x}", i * 5) } else { format!("q-{i}") }),
                region: Some("eu-west-1".into()),
                account: Some("111111111111".into()),
                tags: crate::model::EffectiveTags::known(Tags::from([("team".to_string(), "a".to_string())])),
                layer: crate::model::Layer::State,
                location: None,
                tags_location: None,
                action: None,
                may_not_exist: false,
            })
            .collect();
        let mut snapshot = Snapshot::empty("2026-11-20".parse().unwrap());
        snapshot.resources = (0..12_000)
            .map(|i| {
                let arn = if i % 35 == 0 {
                    format!("arn:aws:ec2:eu-west-1:111111111111:elastic-ip/eipalloc-{i:08x}")
                } else {
                    format!("arn:aws:sqs:eu-west-1:111111111111:q-{i}")
                };
                let team = format!("t-{}", i % 3);
                let group = format!("g-{}", i % 40);
                let tags: &[(&str, &str)] = match i % 4 {
                    0 => &[("aws:autoscaling:groupName", &group), ("team", &team)],
                    1 => &[("aws:cloudformation:stack-name", &group)],
                    _ => &[("team", &team)],
                };
                let mut r = live(&arn, tags, &[]);
                r.sources = crate::model::LiveSources::from([LiveSource::TaggingApi]);
                r
            })
            .collect();
        // The tagging API answered: a state queue not seen live is missing.
        snapshot.collection.attempts = vec![crate::snapshot::Attempt {
            account: "111111111111".into(),
            region: "eu-west-1".into(),
            source: "tagging-api".into(),
            status: crate::snapshot::AttemptStatus::Ok,
            error: None,
            types: Default::default(),
        }];
        let policy = crate::policy::Policy { owner_tag: "team".into(), ..Default::default() };
        let input = AuditInput {
            code: None,
            plan: None,
            state: &state,
            snapshot: Some(&snapshot),
            policy: &policy,
            budgets: &[],
            window: None,
            focus: Default::default(),
            plan_cost: None,
        };
        let (mut one, mut two) = (Findings::new(&policy), Findings::new(&policy));
        let whole = correlate_split(&input, &mut one, usize::MAX);
        let halves = correlate_split(&input, &mut two, 1_000);
        assert_eq!(whole.live, halves.live);
        assert_eq!(whole.coverage(), halves.coverage());
        assert!(whole.managed > 0 && whole.owned > 0 && whole.unmanaged > 0 && whole.missing > 0);
        assert!(one.len() > 80, "{}", one.len());
        assert_eq!(one.0, two.0);
    }
}
