//! Which Terraform resource types accept tags (from the AWS provider schema). Only these are
//! subject to tag rules; flagging an untaggable type would be a false finding.

use std::collections::BTreeSet;
use std::sync::OnceLock;

static TAGGABLE: &str = include_str!("../../data/taggable-types.txt");

fn set() -> &'static BTreeSet<&'static str> {
    static SET: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        TAGGABLE.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    })
}

/// Whether a Terraform resource type has a `tags` argument.
pub fn is_taggable(resource_type: &str) -> bool {
    set().contains(resource_type)
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
        assert!(set().len() > 800);
    }
}
