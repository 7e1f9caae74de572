//! Resource identity: which AWS ARN a Terraform resource instance stands for.
//!
//! The state, plan and show-state readers call [`resolve_arn`] with the resource's attribute
//! values. The order is:
//! 1. the `arn` attribute, when it is an ARN (a log group's `:*` suffix and a Lambda function's
//!    version/alias qualifier are stripped, so the ARN matches what the tagging API returns);
//! 2. the `id` attribute when it is itself an ARN (taggable `aws_*` types only: many
//!    non-taggable sub-resources use their parent's ARN as `id`);
//! 3. a per-type pattern from `data/arn-patterns.tsv`, filled with attributes and with the
//!    region (the resource's own `region` attribute, provider v6, wins over the context's), the
//!    account and the partition of an [`IdentityContext`].
//!
//! Types marked `-` in the table have no ARN of their own (their `arn`/`id` belongs to a parent
//! or a target) and resolve to `None`.
//!
//! A state file records no account or region for the provider, so [`IdentityContext::infer`]
//! derives them from the ARNs that *are* in the file ([`literal_arns`]: `arn`, ARN-valued `id`
//! and `*_arn` attributes): the most frequent account and region among regional ARNs (both
//! fields non-empty); ties go to the smallest value. A file with no regional
//! ARN gets no default, and patterns that need the missing part resolve to `None`: we never
//! guess an account.
//!
//! This module does not look anything up in AWS and does not decide whether a type is
//! taggable (see [`super::taggable`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::taggable::is_taggable;

static PATTERNS: &str = include_str!("../../data/arn-patterns.tsv");

/// Defaults used to build ARNs that the resource's own attributes do not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityContext {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...; replaced by the partition of the region when known.
    pub partition: String,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Default for IdentityContext {
    fn default() -> Self {
        Self { partition: "aws".to_string(), account: None, region: None }
    }
}

impl IdentityContext {
    /// Most frequent account and region among regional ARNs, most frequent partition among all
    /// ARNs; ties go to the smallest value. Strings that are not ARNs are ignored.
    pub fn infer<'a>(arns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut partitions: BTreeMap<&str, usize> = BTreeMap::new();
        let mut accounts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut regions: BTreeMap<&str, usize> = BTreeMap::new();
        for arn in arns.into_iter().filter_map(Arn::parse) {
            *partitions.entry(arn.partition).or_default() += 1;
            if !arn.region.is_empty() && !arn.account.is_empty() {
                *accounts.entry(arn.account).or_default() += 1;
                *regions.entry(arn.region).or_default() += 1;
            }
        }
        Self {
            partition: most_frequent(&partitions).unwrap_or("aws").to_string(),
            account: most_frequent(&accounts).map(str::to_string),
            region: most_frequent(&regions).map(str::to_string),
        }
    }

    /// The same context with a region that is known better (a provider's `region` argument).
    pub fn with_region(&self, region: Option<&str>) -> Self {
        match region {
            Some(r) if !r.is_empty() => Self { region: Some(r.to_string()), ..self.clone() },
            _ => self.clone(),
        }
    }
}

/// Ties go to the smallest key because a `BTreeMap` iterates in order and only a strictly
/// larger count replaces the current best.
fn most_frequent<'a>(counts: &BTreeMap<&'a str, usize>) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for (key, count) in counts {
        if best.is_none_or(|(_, c)| *count > c) {
            best = Some((key, *count));
        }
    }
    best.map(|(k, _)| k)
}

/// The six parts of an ARN, borrowed from the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses `arn:partition:service:region:account:resource`. Rejects strings that merely
    /// start with an ARN (`<arn>,<arn>`, `<arn>|<version>`, whitespace): those are composite ids.
    pub fn parse(s: &'a str) -> Option<Self> {
        if s.contains([',', '|', ' ', '\t', '\n']) {
            return None;
        }
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next()?;
        if !partition.starts_with("aws") || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Self { partition, service, region, account, resource })
    }
}

/// The partition a region belongs to, for regions outside the commercial partition.
fn partition_of_region(region: &str) -> Option<&'static str> {
    const PREFIXES: [(&str, &str); 6] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
    ];
    PREFIXES.iter().find(|(prefix, _)| region.starts_with(prefix)).map(|(_, p)| *p)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The type has no ARN of its own.
    NoOwnArn,
    Pattern(&'static str),
}

/// Looked up for every resource, by a short key: foldhash, not SipHash.
type Rules = HashMap<&'static str, Rule, foldhash::fast::RandomState>;

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        PATTERNS
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(ty, pattern)| {
                let pattern = pattern.trim();
                (ty.trim(), if pattern == "-" { Rule::NoOwnArn } else { Rule::Pattern(pattern) })
            })
            .collect()
    })
}

/// Whether the pattern table knows how to build (or knows to refuse) an ARN for this type.
pub fn has_pattern(resource_type: &str) -> bool {
    rules().contains_key(resource_type)
}

/// The ARN of a resource instance, or `None` when it cannot be known without guessing.
pub fn resolve_arn(resource_type: &str, attrs: &Map<String, Value>, ctx: &IdentityContext) -> Option<String> {
    let rule = rules().get(resource_type).copied();
    if rule == Some(Rule::NoOwnArn) {
        return None;
    }
    if let Some(arn) = own_arn_attribute(resource_type, attrs) {
        return Some(arn);
    }
    if resource_type.starts_with("aws_") && is_taggable(resource_type) {
        if let Some(id) = string_attr(attrs, "id").filter(|id| Arn::parse(id).is_some()) {
            return Some(normalize(resource_type, id));
        }
    }
    match rule {
        Some(Rule::Pattern(pattern)) => {
            let built = expand(pattern, attrs, ctx)?;
            Arn::parse(&built).is_some().then(|| normalize(resource_type, &built))
        }
        _ => None,
    }
}

/// The top-level attributes identity reads of one resource type ([`apply`], [`literal_arns`],
/// the `id`): a reader of large attribute maps (a plan's sides) keeps these and drops the rest.
#[derive(Debug, Clone, Copy)]
pub struct Reads {
    /// The type's ARN pattern, whose `{attr|other:modifier}` placeholders name attributes.
    pattern: Option<&'static str>,
}

impl Reads {
    pub fn of(resource_type: &str) -> Reads {
        let pattern = match rules().get(resource_type) {
            Some(Rule::Pattern(p)) => Some(*p),
            _ => None,
        };
        Reads { pattern }
    }

    /// Whether identity may read the top-level attribute `key`.
    pub fn reads(&self, key: &str) -> bool {
        if matches!(key, "arn" | "id" | "region") || key.ends_with("_arn") {
            return true;
        }
        let Some(mut rest) = self.pattern else { return false };
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else { return false };
            let placeholder = &rest[open + 1..open + close];
            rest = &rest[open + close + 1..];
            let names = placeholder.split_once(':').map_or(placeholder, |(names, _)| names);
            if names.split('|').any(|name| name == key) {
                return true;
            }
        }
        false
    }
}

/// The `arn` attribute when it is an ARN and the type's own (callers have excluded `-` types).
/// Used as a first pass to infer the context before patterns are filled.
pub fn own_arn_attribute(resource_type: &str, attrs: &Map<String, Value>) -> Option<String> {
    if rules().get(resource_type) == Some(&Rule::NoOwnArn) {
        return None;
    }
    string_attr(attrs, "arn").filter(|a| Arn::parse(a).is_some()).map(|a| normalize(resource_type, a))
}

/// ARNs written in attributes: `arn`, an `id` that is an ARN, and references such as
/// `function_arn` or `kms_key_arn`. This is what [`IdentityContext::infer`] is fed; a reference
/// to another account's resource is outvoted by the file's own ARNs.
pub fn literal_arns(attrs: &Map<String, Value>) -> impl Iterator<Item = &str> + '_ {
    attrs
        .iter()
        .filter(|(k, _)| *k == "arn" || *k == "id" || k.ends_with("_arn"))
        .filter_map(|(_, v)| v.as_str())
        .filter(|s| Arn::parse(s).is_some())
}

/// Strips what the tagging API never shows: the `:*` of log-group ARNs some APIs return, and
/// the version/alias qualifier of a Lambda function ARN (not for aliases: that is their identity).
fn normalize(resource_type: &str, arn: &str) -> String {
    let Some(parsed) = Arn::parse(arn) else { return arn.to_string() };
    if parsed.service == "logs" && parsed.resource.starts_with("log-group:") {
        if let Some(stripped) = arn.strip_suffix(":*") {
            return stripped.to_string();
        }
    }
    if parsed.service == "lambda" && resource_type != "aws_lambda_alias" {
        if let Some(rest) = parsed.resource.strip_prefix("function:") {
            if let Some((name, _qualifier)) = rest.split_once(':') {
                let prefix_len = arn.len() - parsed.resource.len();
                return format!("{}function:{name}", &arn[..prefix_len]);
            }
        }
    }
    arn.to_string()
}

fn string_attr<'a>(attrs: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attrs.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn scalar_attr(attrs: &Map<String, Value>, key: &str) -> Option<String> {
    match attrs.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Fills `{...}` placeholders; `None` when any of them has no value.
fn expand(pattern: &str, attrs: &Map<String, Value>, ctx: &IdentityContext) -> Option<String> {
    let region = string_attr(attrs, "region").map(str::to_string).or_else(|| ctx.region.clone());
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}')?;
        let placeholder = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let value = match placeholder {
            "partition" => region
                .as_deref()
                .and_then(partition_of_region)
                .map(str::to_string)
                .unwrap_or_else(|| ctx.partition.clone()),
            "region" => region.clone()?,
            "account" => ctx.account.clone()?,
            other => {
                let (names, modifier) = match other.split_once(':') {
                    Some((names, modifier)) => (names, Some(modifier)),
                    None => (other, None),
                };
                let value = names.split('|').find_map(|name| scalar_attr(attrs, name))?;
                match modifier {
                    Some("noslash") => value.strip_prefix('/').map(str::to_string).unwrap_or(value),
                    _ => value,
                }
            }
        };
        out.push_str(&value);
    }
    out.push_str(rest);
    Some(out)
}

/// Region and account of an ARN, when it has them (`None` for empty fields).
pub fn region_and_account(arn: &str) -> (Option<String>, Option<String>) {
    match Arn::parse(arn) {
        Some(a) => (
            Some(a.region).filter(|r| !r.is_empty()).map(str::to_string),
            Some(a.account).filter(|r| !r.is_empty()).map(str::to_string),
        ),
        None => (None, None),
    }
}

/// Sets `arn`, `region` and `account` of a resource from its attributes. The region falls back
/// to the resource's own `region` attribute (S3 buckets, provider v6) when the ARN has none.
pub(crate) fn apply(
    resource: &mut crate::model::TfResource,
    attrs: &Map<String, Value>,
    ctx: &IdentityContext,
) {
    resource.arn = resolve_arn(&resource.resource_type, attrs, ctx);
    let (region, account) = resource.arn.as_deref().map(region_and_account).unwrap_or_default();
    resource.region = region.or_else(|| string_attr(attrs, "region").map(str::to_string));
    resource.account = account;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn ctx() -> IdentityContext {
        IdentityContext {
            partition: "aws".into(),
            account: Some("123456789012".into()),
            region: Some("eu-west-1".into()),
        }
    }

    #[test]
    fn table_parses_and_every_pattern_is_well_formed() {
        let rules = rules();
        assert!(rules.len() >= 150, "only {} rules", rules.len());
        for (ty, rule) in rules {
            assert!(ty.starts_with("aws_"), "{ty}");
            if let Rule::Pattern(p) = rule {
                assert_eq!(p.matches('{').count(), p.matches('}').count(), "{ty}: {p}");
                assert!(
                    p.starts_with("arn:{partition}:") || (p.starts_with('{') && p.ends_with('}')),
                    "{ty}"
                );
            }
        }
    }

    #[test]
    fn the_attributes_reads_names_give_every_type_the_same_identity() {
        let mut resolved = 0;
        for (ty, rule) in rules() {
            let Rule::Pattern(pattern) = rule else { continue };
            // Every placeholder set (a number for one of them), plus attributes no pattern reads.
            let mut all = Map::new();
            for (i, part) in pattern.split('{').skip(1).enumerate() {
                let names = part.split('}').next().unwrap_or_default();
                for name in names.split(':').next().unwrap_or_default().split('|') {
                    let value = if i == 1 { json!(42) } else { json!(format!("/v-{name}")) };
                    all.insert(name.to_string(), value);
                }
            }
            all.insert("instance_type".into(), json!("m5.large"));
            all.insert("kms_key_arn".into(), json!("arn:aws:kms:eu-west-1:123456789012:key/k"));
            let reads = Reads::of(ty);
            let kept: Map<String, Value> =
                all.iter().filter(|(k, _)| reads.reads(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
            assert!(!reads.reads("instance_type"), "{ty}");
            let ctx = ctx();
            let full = resolve_arn(ty, &all, &ctx);
            assert_eq!(full, resolve_arn(ty, &kept, &ctx), "{ty}: {pattern}");
            let resource = crate::model::TfResource {
                address: format!("{ty}.x"),
                module: String::new(),
                mode: crate::model::ResourceMode::Managed,
                resource_type: ty.to_string(),
                name: "x".into(),
                index: None,
                provider: "aws".into(),
                arn: None,
                id: None,
                region: None,
                account: None,
                tags: crate::model::EffectiveTags::default(),
                layer: crate::model::Layer::Plan,
                location: None,
                tags_location: None,
                action: None,
                may_not_exist: false,
            };
            let (mut a, mut b) = (resource.clone(), resource);
            apply(&mut a, &all, &ctx);
            apply(&mut b, &kept, &ctx);
            assert_eq!((a.arn, a.region, a.account), (b.arn, b.region, b.account), "{ty}");
            let arns = |m: &Map<String, Value>| literal_arns(m).map(str::to_string).collect::<Vec<_>>();
            assert_eq!(arns(&all), arns(&kept), "{ty}");
            resolved += usize::from(full.is_some());
        }
        // Not a comparison of nothing: most patterns resolve from the attributes set.
        assert!(resolved > 100, "{resolved} resolved");
    }

    #[test]
    fn covers_the_common_taggable_types_of_the_type_map() {
        // The taggable types of type-map.tsv that carry an ARN (the rest are sub-resources).
        for ty in [
            "aws_iam_role",
            "aws_iam_policy",
            "aws_cloudwatch_metric_alarm",
            "aws_security_group",
            "aws_ssm_parameter",
            "aws_cloudwatch_log_group",
            "aws_ebs_volume",
            "aws_instance",
            "aws_kms_key",
            "aws_s3_bucket",
            "aws_sns_topic",
            "aws_lambda_function",
            "aws_sqs_queue",
            "aws_db_instance",
            "aws_subnet",
            "aws_vpc",
            "aws_dynamodb_table",
            "aws_eks_cluster",
            "aws_ecs_task_definition",
            "aws_route53_zone",
            "aws_cloudfront_distribution",
            "aws_nat_gateway",
            "aws_eip",
            "aws_rds_cluster",
            "aws_elasticache_replication_group",
        ] {
            assert!(has_pattern(ty), "{ty}");
        }
    }

    /// Provider v5 changed `aws_db_instance.id` from the identifier to the resource id
    /// (`db-...`) and `aws_cloudtrail.id` from the name to the ARN: the patterns read the
    /// attributes that kept their meaning, so both versions give the same ARN.
    #[test]
    fn provider_v5_id_changes_do_not_change_the_arn() {
        let v4 = attrs(json!({"id": "payments", "identifier": "payments"}));
        let v5 = attrs(
            json!({"id": "db-ABCDEFGHIJKL", "identifier": "payments", "resource_id": "db-ABCDEFGHIJKL"}),
        );
        let want = Some("arn:aws:rds:eu-west-1:123456789012:db:payments".to_string());
        assert_eq!(resolve_arn("aws_db_instance", &v4, &ctx()), want);
        assert_eq!(resolve_arn("aws_db_instance", &v5, &ctx()), want);
        let trail = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main";
        let v4 = attrs(json!({"id": "main", "name": "main"}));
        let v5 = attrs(json!({"id": trail, "name": "main"}));
        assert_eq!(resolve_arn("aws_cloudtrail", &v4, &ctx()).as_deref(), Some(trail));
        assert_eq!(resolve_arn("aws_cloudtrail", &v5, &ctx()).as_deref(), Some(trail));
    }

    #[test]
    fn arn_attribute_wins() {
        let a = attrs(json!({"id": "i-1", "arn": "arn:aws:ec2:us-east-1:111111111111:instance/i-1"}));
        assert_eq!(
            resolve_arn("aws_instance", &a, &ctx()).as_deref(),
            Some("arn:aws:ec2:us-east-1:111111111111:instance/i-1")
        );
    }

    #[test]
    fn strips_log_group_star_and_lambda_qualifier() {
        let a = attrs(json!({"arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/app/x:*"}));
        assert_eq!(
            resolve_arn("aws_cloudwatch_log_group", &a, &ctx()).as_deref(),
            Some("arn:aws:logs:eu-west-1:123456789012:log-group:/app/x")
        );
        let a = attrs(json!({"arn": "arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST"}));
        assert_eq!(
            resolve_arn("aws_lambda_function", &a, &ctx()).as_deref(),
            Some("arn:aws:lambda:eu-west-1:123456789012:function:f")
        );
        let alias = "arn:aws:lambda:eu-west-1:123456789012:function:f:live";
        let a = attrs(json!({ "arn": alias }));
        assert_eq!(resolve_arn("aws_lambda_alias", &a, &ctx()).as_deref(), Some(alias));
    }

    #[test]
    fn id_that_is_an_arn() {
        let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
        let a = attrs(json!({ "id": arn }));
        assert_eq!(resolve_arn("aws_lb", &a, &IdentityContext::default()).as_deref(), Some(arn));
    }

    #[test]
    fn sub_resources_do_not_borrow_their_parents_arn() {
        let topic = "arn:aws:sns:eu-west-1:123456789012:t";
        let a = attrs(json!({ "id": topic, "arn": topic }));
        assert_eq!(resolve_arn("aws_sns_topic_policy", &a, &ctx()), None);
        let a = attrs(json!({"id": "arn:aws:secretsmanager:eu-west-1:1:secret:s-abc|v1"}));
        assert_eq!(resolve_arn("aws_secretsmanager_secret_version", &a, &ctx()), None);
        // A non-taggable type not in the table: an ARN-shaped id is not taken as its identity.
        let a = attrs(json!({"id": "arn:aws:secretsmanager:eu-west-1:1:secret:s-abc"}));
        assert_eq!(resolve_arn("aws_secretsmanager_secret_something", &a, &ctx()), None);
    }

    #[test]
    fn patterns_fill_attributes_and_context() {
        let c = ctx();
        let cases = [
            ("aws_instance", json!({"id": "i-0abc"}), "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc"),
            ("aws_s3_bucket", json!({"id": "b", "bucket": "b"}), "arn:aws:s3:::b"),
            (
                "aws_iam_role",
                json!({"id": "r", "name": "r", "path": "/svc/"}),
                "arn:aws:iam::123456789012:role/svc/r",
            ),
            (
                "aws_ssm_parameter",
                json!({"id": "/a/b", "name": "/a/b"}),
                "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b",
            ),
            (
                "aws_ssm_parameter",
                json!({"name": "plain"}),
                "arn:aws:ssm:eu-west-1:123456789012:parameter/plain",
            ),
            (
                "aws_ecs_task_definition",
                json!({"family": "web", "revision": 7}),
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
            ),
            ("aws_ebs_snapshot", json!({"id": "snap-1"}), "arn:aws:ec2:eu-west-1::snapshot/snap-1"),
            ("aws_route53_zone", json!({"id": "Z1", "zone_id": "Z1"}), "arn:aws:route53:::hostedzone/Z1"),
        ];
        for (ty, a, want) in cases {
            assert_eq!(resolve_arn(ty, &attrs(a), &c).as_deref(), Some(want), "{ty}");
        }
    }

    #[test]
    fn per_resource_region_wins_and_sets_partition() {
        let a = attrs(json!({"id": "i-1", "region": "cn-north-1"}));
        assert_eq!(
            resolve_arn("aws_instance", &a, &ctx()).as_deref(),
            Some("arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1")
        );
    }

    #[test]
    fn missing_context_gives_none_not_a_guess() {
        let a = attrs(json!({"id": "i-1"}));
        assert_eq!(resolve_arn("aws_instance", &a, &IdentityContext::default()), None);
        assert_eq!(resolve_arn("aws_unknown_thing", &a, &ctx()), None);
        assert_eq!(resolve_arn("aws_instance", &attrs(json!({})), &ctx()), None);
    }

    #[test]
    fn infer_takes_most_frequent_and_smallest_on_tie() {
        let arns = [
            "arn:aws:ec2:us-east-1:222222222222:instance/i-1",
            "arn:aws:ec2:eu-west-1:111111111111:instance/i-2",
            "arn:aws:iam::333333333333:role/r",
            "arn:aws:iam::333333333333:role/q",
            "not an arn",
        ];
        let c = IdentityContext::infer(arns);
        assert_eq!(c.account.as_deref(), Some("111111111111"));
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.partition, "aws");
        let c = IdentityContext::infer(["arn:aws:s3:::b"]);
        assert_eq!((c.account, c.region), (None, None));
    }

    #[test]
    fn arn_parse_rejects_composite_ids() {
        assert!(Arn::parse("arn:aws:wafv2:us-east-1:1:regional/webacl/a/b,arn:aws:alb").is_none());
        assert!(Arn::parse("sg-123").is_none());
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert_eq!(Arn::parse("arn:aws:s3:::b/k").map(|a| a.resource), Some("b/k"));
    }
}
