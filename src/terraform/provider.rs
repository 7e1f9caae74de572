//! Which Terraform resources belong to the AWS provider, so that AWS tag rules see only them.
//!
//! tally's tag rules, taggable-type list and ARN rules are written against the `hashicorp/aws`
//! provider's schema. A `google_compute_instance` whose `tags` is a list of network tags, or a
//! `datadog_monitor` whose `tags` is a list of `key:value` strings, is not wrong: it is not ours
//! to check. Every reader (code, plan, state) drops such resources before reading their tags and
//! counts them, and the report shows the count (`inputs.other_provider_resources`). Live
//! inventory and snapshots hold AWS ARNs only (a snapshot entry that is not an ARN is rejected),
//! so nothing of another provider can reach the audit through them.
//!
//! How "AWS" is decided, from the best evidence each input has:
//! - plan and state JSON name the provider's source address (`provider_name`,
//!   `provider["registry.terraform.io/hashicorp/aws"].west`): AWS when its type (the last
//!   segment) is `aws`, whatever the host or namespace (mirrors and forks keep the type), and
//!   whatever the alias;
//! - legacy states (`provider.aws.west`) and HCL code give a local name: the `provider`
//!   meta-argument's first part, else the resource type's prefix. In code the module's
//!   `required_providers` maps a local name to its source (`awsprod = { source =
//!   "hashicorp/aws" }` is AWS, `aws = { source = "corp/other" }` is not); a name it does not
//!   list is `hashicorp/<name>`, so AWS when it is `aws`. Legacy states have no such map.
//!
//! `awscc` (AWS Cloud Control) creates AWS resources, but its `tags` are a list of
//! `{key, value}` objects and its types are not in the `hashicorp/aws` schema the rules use:
//! its resources are counted as another provider's, not checked (a documented gap).

/// Whether a provider source address (`registry.terraform.io/hashicorp/aws`, `hashicorp/aws`)
/// or a local name (`aws`) is the AWS provider.
pub fn is_aws_provider(source_or_name: &str) -> bool {
    let source = source_or_name.trim();
    source.rsplit('/').next() == Some("aws")
}

/// The provider local name a resource type implies when no `provider` argument says otherwise:
/// the part before the first `_` (`aws_s3_bucket` -> `aws`).
pub fn implied_provider(resource_type: &str) -> &str {
    resource_type.split('_').next().unwrap_or(resource_type)
}

/// AWS or not, for a resource of `resource_type` whose provider is given as a source address
/// (plan, state) or a local name (code, legacy state), or not given at all (then the type
/// decides).
pub fn is_aws_resource(resource_type: &str, provider: Option<&str>) -> bool {
    match provider {
        Some(p) if !p.trim().is_empty() => is_aws_provider(p),
        _ => is_aws_provider(implied_provider(resource_type)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_local_names_and_types() {
        assert!(is_aws_provider("registry.terraform.io/hashicorp/aws"));
        assert!(is_aws_provider("registry.opentofu.org/hashicorp/aws"));
        assert!(is_aws_provider("hashicorp/aws"));
        assert!(is_aws_provider("aws"));
        assert!(!is_aws_provider("registry.terraform.io/hashicorp/awscc"));
        assert!(!is_aws_provider("registry.terraform.io/hashicorp/google"));
        assert!(!is_aws_provider("registry.terraform.io/datadog/datadog"));
        assert!(!is_aws_provider("kubernetes"));

        assert!(is_aws_resource("aws_s3_bucket", None));
        assert!(is_aws_resource("aws_s3_bucket", Some("registry.terraform.io/hashicorp/aws")));
        assert!(!is_aws_resource("awscc_s3_bucket", None));
        assert!(!is_aws_resource("google_compute_instance", None));
        assert!(!is_aws_resource("azurerm_resource_group", Some("")));
        // The provider's address wins over the type's prefix.
        assert!(!is_aws_resource("aws_thing", Some("registry.terraform.io/example/notaws")));
        assert_eq!(implied_provider("datadog_monitor"), "datadog");
        assert_eq!(implied_provider("random"), "random");
    }
}
