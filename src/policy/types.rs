//! Resource types in two vocabularies: Terraform (`aws_instance`) and the Resource Groups
//! Tagging API / AWS Organizations (`ec2:instance`), from `data/aws-resource-types.tsv`, and
//! the [`Scope`] that matches a resource against patterns written in either.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::glob;

static TABLE: &str = include_str!("../../data/aws-resource-types.tsv");

fn tf_to_aws() -> &'static BTreeMap<&'static str, &'static str> {
    static MAP: OnceLock<BTreeMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(tf, aws)| (tf.trim(), aws.trim()))
            .collect()
    })
}

/// The tagging-API type of a Terraform type, when the table knows it.
pub(crate) fn aws_type_of(tf_type: &str) -> Option<&'static str> {
    tf_to_aws().get(tf_type).copied()
}

/// Terraform types whose tagging-API type is `aws_type` (several: `aws_lb` and `aws_alb`).
pub(crate) fn tf_types_of(aws_type: &str) -> Vec<&'static str> {
    tf_to_aws().iter().filter(|(_, a)| **a == aws_type).map(|(t, _)| *t).collect()
}

/// The tagging-API type an ARN names: `arn:aws:ec2:r:a:instance/i-1` -> `ec2:instance`,
/// `arn:aws:s3:::bucket` -> `s3`, `arn:aws:lambda:r:a:function:f` -> `lambda:function`.
pub(crate) fn aws_type_of_arn(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service) = (parts.next()?, parts.next()?, parts.next()?);
    let resource = parts.nth(2)?;
    if service.is_empty() {
        return None;
    }
    match resource.find(['/', ':']) {
        Some(i) if i > 0 => Some(format!("{service}:{}", &resource[..i])),
        _ => Some(service.to_string()),
    }
}

/// Organizations tag policies name some types the tagging API lists bare (`s3` for buckets).
fn aliases(aws_type: &str) -> Option<&'static str> {
    match aws_type {
        "s3" => Some("s3:bucket"),
        "sqs" => Some("sqs:queue"),
        "sns" => Some("sns:topic"),
        _ => None,
    }
}

/// What a scope pattern is matched against: a resource's type in both vocabularies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TypeNames {
    pub tf: Vec<String>,
    pub aws: Vec<String>,
}

impl TypeNames {
    /// A Terraform resource: its type, and its tagging-API type from the table or its ARN.
    pub fn terraform(tf_type: &str, arn: Option<&str>) -> Self {
        let aws = aws_type_of(tf_type).map(str::to_string).or_else(|| arn.and_then(aws_type_of_arn));
        Self::new(vec![tf_type.to_string()], aws)
    }

    /// A live resource: its tagging-API type, and every Terraform type that maps to it.
    pub fn live(aws_type: &str) -> Self {
        let tf = tf_types_of(aws_type).into_iter().map(str::to_string).collect();
        Self::new(tf, Some(aws_type.to_string()))
    }

    fn new(tf: Vec<String>, aws: Option<String>) -> Self {
        let mut names: Vec<String> = aws.iter().cloned().collect();
        if let Some(alias) = aws.as_deref().and_then(aliases) {
            names.push(alias.to_string());
        }
        Self { tf, aws: names }
    }
}

/// Whether a scope pattern can name anything: `*`; a tagging-API pattern whose service is in
/// the type table (`ec2:*`, `ec2:ALL_SUPPORTED`, `s3`); a Terraform pattern matching a type in the
/// table or at least starting `aws_`. A typo (`ec2instance`, `foo:bar`) would otherwise make a
/// policy scope match nothing, silently.
pub(crate) fn is_known_pattern(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some((service, _)) = pattern.split_once(':') {
        return tf_to_aws().values().any(|aws| aws.split(':').next() == Some(service));
    }
    pattern.starts_with("aws_")
        || tf_to_aws().keys().any(|tf| glob::matches(pattern, tf))
        || tf_to_aws().values().any(|aws| *aws == pattern)
}

/// Resource types a rule or tag policy applies to. A pattern with a `:` is a tagging-API type
/// (`ec2:instance`, `ec2:*`; Organizations' `ec2:ALL_SUPPORTED` is read as `ec2:*`), any other
/// is a Terraform type (`aws_instance`, `aws_*`); `*` alone is everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    #[default]
    All,
    Types(Vec<String>),
}

impl Scope {
    pub fn types(patterns: Vec<String>) -> Scope {
        if patterns.iter().any(|p| p == "*") {
            return Scope::All;
        }
        let patterns = patterns
            .into_iter()
            .map(|p| match p.strip_suffix(":ALL_SUPPORTED") {
                Some(service) => format!("{service}:*"),
                None => p,
            })
            .collect();
        Scope::Types(patterns)
    }

    pub(crate) fn matches(&self, names: &TypeNames) -> bool {
        match self {
            Scope::All => true,
            Scope::Types(patterns) => patterns.iter().any(|p| {
                let candidates = if p.contains(':') { &names.aws } else { &names.tf };
                candidates.iter().any(|name| glob::matches(p, name))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(p: &[&str]) -> Scope {
        Scope::types(p.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn both_vocabularies() {
        let instance = TypeNames::terraform("aws_instance", None);
        assert!(scope(&["ec2:instance"]).matches(&instance));
        assert!(scope(&["ec2:ALL_SUPPORTED"]).matches(&instance));
        assert!(scope(&["aws_*"]).matches(&instance));
        assert!(!scope(&["rds:*", "aws_db_*"]).matches(&instance));
        let live = TypeNames::live("ec2:instance");
        assert!(scope(&["aws_instance"]).matches(&live));
        let bucket = TypeNames::live("s3");
        assert!(scope(&["s3:bucket"]).matches(&bucket));
        assert!(scope(&["aws_s3_bucket"]).matches(&bucket));
        // Unknown to the table: the ARN says what it is.
        let odd = TypeNames::terraform("aws_new_thing", Some("arn:aws:newsvc:eu-west-1:1:widget/w-1"));
        assert!(scope(&["newsvc:widget"]).matches(&odd));
        assert!(Scope::All.matches(&TypeNames::default()));
    }

    #[test]
    fn arn_types() {
        assert_eq!(aws_type_of_arn("arn:aws:ec2:r:1:instance/i-1").as_deref(), Some("ec2:instance"));
        assert_eq!(aws_type_of_arn("arn:aws:s3:::bucket").as_deref(), Some("s3"));
        assert_eq!(aws_type_of_arn("arn:aws:lambda:r:1:function:f").as_deref(), Some("lambda:function"));
        assert_eq!(aws_type_of_arn("not-an-arn"), None);
        assert!(tf_types_of("elasticloadbalancing:loadbalancer").contains(&"aws_lb"));
    }
}
