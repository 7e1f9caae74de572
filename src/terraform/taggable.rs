//! Which Terraform resource types accept tags (from the AWS provider schema). Only these are
//! subject to tag rules; flagging an untaggable type would be a false finding.

use std::collections::HashSet;
use std::sync::OnceLock;

static TAGGABLE: &str = include_str!("../../data/taggable-types.txt");

/// Hashed, not ordered: asked twice for every resource of a plan, a lookup among ~900 names
/// by comparison was a dozen string compares.
type Set = HashSet<&'static str, foldhash::fast::RandomState>;

fn set() -> &'static Set {
    static SET: OnceLock<Set> = OnceLock::new();
    SET.get_or_init(|| {
        TAGGABLE.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// Types that carry tags through something other than a `tags` argument, so the schema list
/// misses them: `aws_autoscaling_group` uses `tag {}` blocks (propagated to its instances).
const TAGGED_BY_BLOCKS: &[&str] = &["aws_autoscaling_group"];

/// Whether a Terraform resource type can carry tags.
pub fn is_taggable(resource_type: &str) -> bool {
    set().contains(resource_type) || TAGGED_BY_BLOCKS.contains(&resource_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_common_types() {
        assert!(is_taggable("aws_instance"));
        assert!(is_taggable("aws_s3_bucket"));
        assert!(!is_taggable("aws_iam_role_policy_attachment"));
        assert!(!is_taggable("aws_route53_record"));
        assert!(is_taggable("aws_autoscaling_group"), "tags through tag blocks");
        assert!(set().len() > 800);
    }
}
