//! Which regions a collection covers: `--regions a,b`, `--regions all`, or the configured one.
//!
//! `all` is a list compiled in: the `aws` partition's commercial regions that are enabled by
//! default in every account. Asking AWS instead would need EC2 `DescribeRegions` (the heaviest
//! SDK crate by far) or `account:ListRegions` (one more crate and one more permission) for a list
//! that changes a few times a year. Opt-in regions (af-south-1, ap-east-1, me-south-1, ...) are
//! left out because calling them in an account that has not enabled them fails; name them with
//! `--regions` to include them.

/// Default-enabled commercial regions of the `aws` partition, sorted.
pub(crate) const DEFAULT_ENABLED: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Resolve `--regions` into a sorted, de-duplicated list. An empty selection means the region
/// of the SDK configuration (`--region`, `AWS_REGION`, the profile), passed as `configured`.
pub(crate) fn resolve(selection: &[String], configured: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for item in selection.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item == "all" {
            out.extend(DEFAULT_ENABLED.iter().map(|r| r.to_string()));
        } else if is_region_name(item) {
            out.push(item.to_string());
        } else {
            return Err(format!("--regions: \"{item}\" is not a region name (e.g. eu-west-1) or `all`"));
        }
    }
    if out.is_empty() {
        match configured {
            Some(region) => out.push(region.to_string()),
            None => {
                return Err(
                    "no region: pass --regions, --region, or set AWS_REGION or a profile region".to_string()
                )
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A syntactic check only (lower-case letters, digits and dashes, with a dash): a region that
/// does not exist is the endpoint's to reject, and is reported as a failed region.
fn is_region_name(s: &str) -> bool {
    s.contains('-') && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn explicit_list_is_sorted_and_deduplicated() {
        let got = resolve(&strings(&["us-west-2", "eu-west-1", "us-west-2"]), None).unwrap();
        assert_eq!(got, strings(&["eu-west-1", "us-west-2"]));
    }

    #[test]
    fn all_is_the_default_enabled_list() {
        let got = resolve(&strings(&["all"]), None).unwrap();
        assert_eq!(got.len(), DEFAULT_ENABLED.len());
        assert!(!got.iter().any(|r| r == "af-south-1"));
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted);
    }

    #[test]
    fn empty_falls_back_to_configured_region() {
        assert_eq!(resolve(&[], Some("eu-central-1")).unwrap(), strings(&["eu-central-1"]));
        assert!(resolve(&[], None).is_err());
    }

    #[test]
    fn nonsense_is_a_usage_error() {
        assert!(resolve(&strings(&["EU_WEST"]), None).is_err());
    }
}
