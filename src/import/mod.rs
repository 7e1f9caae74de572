//! `tally import`: Terraform `import {}` blocks for the live resources no state manages and no
//! other owner claims (IAC001 at warning), grouped per account and owner tag into directories
//! ready for `terraform plan -generate-config-out=generated.tf`, with a short guide.
//!
//! Responsible for: choosing what to propose (only unmanaged resources; never anything an auto
//! scaling group, CloudFormation, Kubernetes or AWS itself owns, checked again here by tag),
//! the import id ([`ids`]), valid, unique and deterministic resource names, and the files' text.
//! Not responsible for: correlation (the audit's) or writing files (the binary's).

pub(crate) mod ids;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::model::LiveResource;
use crate::report::Report;
use crate::snapshot::Snapshot;

/// Files to write, relative to the output directory, and what was left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportPlan {
    pub files: Vec<ImportFile>,
    /// Import blocks written.
    pub proposed: usize,
    /// Unmanaged resources without an import block: (ARN, reason).
    pub skipped: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportFile {
    /// `ACCOUNT/OWNER/imports.tf`, or `README.md` (the guide).
    pub name: String,
    pub text: String,
}

impl ImportPlan {
    /// Every file in one text, for stdout: each behind a `# ---- name ----` line (a comment in
    /// both HCL and Markdown readers' eyes).
    pub fn to_single_text(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let _ = writeln!(out, "# ---- {} ----", f.name);
            out.push_str(&f.text);
            out.push('\n');
        }
        out
    }
}

/// Tags that say something else creates and deletes the resource.
const OWNED_BY_OTHERS: &[&str] = &[
    "aws:autoscaling:groupName",
    "aws:cloudformation:stack-name",
    "eks:cluster-name",
    "elasticbeanstalk:environment-name",
];

fn owned_elsewhere(live: &LiveResource) -> bool {
    live.tags.keys().any(|k| OWNED_BY_OTHERS.contains(&k) || k.starts_with("kubernetes.io/cluster/"))
        || live.attributes.get("managed_by").is_some_and(|m| m.eq_ignore_ascii_case("aws"))
        || live.attributes.get("is_default").is_some_and(|d| d == "true")
        || live.arn.contains(":role/aws-service-role/")
        || live.arn.contains(":role/aws-reserved/")
}

/// A Terraform identifier from free text: lower case, `[a-z0-9_]`, starting with a letter.
pub(crate) fn identifier(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => out,
        Some(_) => format!("r_{out}"),
        None => "resource".to_string(),
    }
}

/// A directory name from an owner value or account id.
fn dir_name(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
        .collect();
    let s = s.trim_matches('.').to_string();
    if s.is_empty() {
        "unnamed".to_string()
    } else {
        s
    }
}

/// One proposed import.
struct Proposal<'a> {
    live: &'a LiveResource,
    terraform: &'static str,
    id: String,
}

/// The import plan for the IAC001 findings of an audit report over `snapshot`.
pub fn plan(report: &Report, snapshot: &Snapshot, owner_tag: &str) -> ImportPlan {
    let unmanaged: BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "IAC001" && !f.details.contains_key("inferred_owner"))
        .filter_map(|f| f.resource.arn.as_deref())
        .collect();
    let mut resources: Vec<&LiveResource> =
        snapshot.resources.iter().filter(|r| unmanaged.contains(r.arn.as_str())).collect();
    resources.sort_by(|a, b| a.arn.cmp(&b.arn));

    let mut out = ImportPlan::default();
    // (account, owner) -> proposals, in ARN order.
    let mut groups: BTreeMap<(String, String), Vec<Proposal<'_>>> = BTreeMap::new();
    for live in resources {
        if owned_elsewhere(live) {
            out.skipped
                .push((live.arn.clone(), "owned by an auto scaling group, a stack, a cluster or AWS".into()));
            continue;
        }
        match ids::import_id(live) {
            Ok((terraform, id)) => {
                let owner = live.tags.get(owner_tag).filter(|v| !v.trim().is_empty()).map(str::to_string);
                let owner = owner.unwrap_or_else(|| "no-owner".to_string());
                groups.entry((live.account.to_string(), owner)).or_default().push(Proposal {
                    live,
                    terraform,
                    id,
                });
            }
            Err(reason) => out.skipped.push((live.arn.clone(), reason)),
        }
    }
    for ((account, owner), proposals) in &groups {
        let name = format!("{}/{}/imports.tf", dir_name(account), dir_name(owner));
        out.proposed += proposals.len();
        out.files.push(ImportFile { name, text: render_group(account, owner, owner_tag, proposals) });
    }
    out.files.push(ImportFile { name: "README.md".into(), text: guide(&out, &groups) });
    out
}

/// `aws_` dropped: `aws_s3_bucket` -> `s3_bucket`, for shorter names.
fn short_type(t: &str) -> &str {
    t.strip_prefix("aws_").unwrap_or(t)
}

fn region_alias(region: &str) -> String {
    identifier(region)
}

/// One group's file: a provider alias per region, then one `import {}` block per resource.
fn render_group(account: &str, owner: &str, owner_tag: &str, proposals: &[Proposal<'_>]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# Live resources in account {account} that no Terraform state manages,");
    let _ = writeln!(text, "# {owner_tag} = {owner}. Written by `tally import`; see ../../README.md.");
    // Global services (IAM, Route 53, CloudFront, S3 names) have no region in the ARN.
    let regions: BTreeSet<&str> = proposals
        .iter()
        .map(|p| p.live.region.as_str())
        .filter(|r| !r.is_empty() && *r != "global")
        .collect();
    for region in &regions {
        let _ = writeln!(
            text,
            "\nprovider \"aws\" {{\n  alias  = \"{}\"\n  region = \"{region}\"\n}}",
            region_alias(region)
        );
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    for p in proposals {
        let base = format!("{}_{}", short_type(p.terraform), identifier(&label(p)));
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(format!("{}.{name}", p.terraform)) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let _ = writeln!(text, "\n# {}", p.live.arn);
        let _ = writeln!(text, "import {{");
        let _ = writeln!(text, "  to = {}.{name}", p.terraform);
        let _ = writeln!(text, "  id = {}", crate::fix::edit::quote(&p.id));
        if regions.contains(p.live.region.as_str()) {
            let _ = writeln!(text, "  provider = aws.{}", region_alias(&p.live.region));
        }
        let _ = writeln!(text, "}}");
    }
    align_blocks(&text)
}

/// `terraform fmt` aligns the `=` of consecutive attributes; the blocks above are written
/// unaligned and aligned here, line group by line group.
fn align_blocks(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let is_attr = |l: &str| l.starts_with("  ") && !l.trim_start().starts_with('#') && l.contains(" = ");
        if !is_attr(lines[i]) {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && is_attr(lines[i]) {
            i += 1;
        }
        let group = &lines[start..i];
        let width = group
            .iter()
            .map(|l| l.split_once(" = ").map_or(l.len(), |(k, _)| k.trim_end().len()))
            .max()
            .unwrap_or(0);
        for l in group {
            let (key, value) = l.split_once(" = ").unwrap_or((l, ""));
            let key = key.trim_end();
            out.push(format!("{key}{} = {value}", " ".repeat(width - key.len())));
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// A readable name for a resource: its `Name` tag, else the last part of its id.
fn label(p: &Proposal<'_>) -> String {
    if let Some(name) = p.live.tags.get("Name").filter(|n| !n.trim().is_empty()) {
        return name.to_string();
    }
    let id = p.id.trim_end_matches('/');
    id.rsplit(['/', ':']).next().unwrap_or(id).to_string()
}

/// The README: what was written, the next commands, what was left out.
fn guide(plan: &ImportPlan, groups: &BTreeMap<(String, String), Vec<Proposal<'_>>>) -> String {
    let mut g = String::new();
    let _ = writeln!(g, "# Bringing unmanaged resources into Terraform\n");
    let _ = writeln!(
        g,
        "`tally import` wrote {} `import` block{} for live resources that no Terraform state manages,",
        plan.proposed,
        if plan.proposed == 1 { "" } else { "s" }
    );
    let _ = writeln!(g, "one directory per account and owner:\n");
    for ((account, owner), proposals) in groups {
        let _ = writeln!(
            g,
            "- `{}/{}/imports.tf`: {} resource{}",
            dir_name(account),
            dir_name(owner),
            proposals.len(),
            if proposals.len() == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(g, "\nFor each directory, with credentials for its account (Terraform 1.5 or later):\n");
    let _ = writeln!(g, "```sh");
    let _ = writeln!(
        g,
        "cd ACCOUNT/OWNER            # or copy imports.tf into the root module that should own them"
    );
    let _ = writeln!(g, "terraform init");
    let _ = writeln!(g, "terraform plan -generate-config-out=generated.tf");
    let _ = writeln!(
        g,
        "# review generated.tf: remove computed arguments the plan rejects, add tags, use variables"
    );
    let _ = writeln!(g, "terraform plan               # expect only imports, no changes");
    let _ = writeln!(g, "terraform apply              # records them in state; then delete imports.tf");
    let _ = writeln!(g, "```");
    if !plan.skipped.is_empty() {
        let _ = writeln!(g, "\n## Not proposed ({})\n", plan.skipped.len());
        for (arn, reason) in &plan.skipped {
            let _ = writeln!(g, "- `{arn}`: {reason}");
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_terraform_names() {
        assert_eq!(identifier("Web Server #1"), "web_server_1");
        assert_eq!(identifier("123-abc"), "r_123_abc");
        assert_eq!(identifier("///"), "resource");
        assert_eq!(identifier("Ünïcode name"), "n_code_name");
    }

    #[test]
    fn attributes_are_aligned_like_terraform_fmt() {
        let text = "import {\n  to = aws_instance.x\n  id = \"i-1\"\n  provider = aws.eu_west_1\n}\n";
        assert_eq!(
            align_blocks(text),
            "import {\n  to       = aws_instance.x\n  id       = \"i-1\"\n  provider = aws.eu_west_1\n}\n"
        );
    }
}
