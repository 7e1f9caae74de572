//! Terraform readers: HCL code, state v4 and plan JSON, each producing [`TfResource`]s of the
//! one model, plus the effective-tag evaluator and resource identity (ARN) rules.
//!
//! [`TfResource`]: crate::model::TfResource

pub mod eval;
pub mod hcl;
pub mod identity;
mod json_syntax;
mod limits;
pub mod plan;
pub mod provider;
pub mod roots;
pub mod state;
pub mod taggable;

use std::collections::BTreeMap;

use crate::model::TfResource;

/// Give plan (or state) resources the source locations of the code that declares them: the
/// same instance address when the code expanded it, else the same declaration (an instance of
/// a `count` the code could not evaluate).
pub fn link_to_code(resources: &mut [TfResource], code: &[TfResource]) {
    let by_address: BTreeMap<&str, &TfResource> = code.iter().map(|r| (r.address.as_str(), r)).collect();
    let mut by_declaration: BTreeMap<String, &TfResource> = BTreeMap::new();
    for r in code {
        by_declaration.entry(declaration(&r.address)).or_insert(r);
    }
    for r in resources.iter_mut() {
        let found = by_address
            .get(r.address.as_str())
            .copied()
            .or_else(|| by_declaration.get(&declaration(&r.address)).copied());
        if let Some(c) = found {
            r.location = c.location.clone();
            r.tags_location = c.tags_location.clone();
        }
    }
}

/// `module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`: the declaration an
/// instance comes from, so instances of a `count` we could not evaluate still match.
pub fn declaration(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    for ch in address.chars() {
        match ch {
            '"' if depth > 0 => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_strips_instance_keys() {
        assert_eq!(declaration("aws_s3_bucket.b[0]"), "aws_s3_bucket.b");
        assert_eq!(declaration("module.a[\"x]y\"].aws_s3_bucket.b[*]"), "module.a.aws_s3_bucket.b");
        assert_eq!(declaration("aws_vpc.main"), "aws_vpc.main");
    }
}
