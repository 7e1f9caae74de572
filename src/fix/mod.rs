//! `tally fix`: turn tag findings on Terraform code (TAG001 missing key, TAG002 value not
//! allowed, TAG003 key case) into edits of the `.tf` files.
//!
//! Responsible for deciding, per finding, which change goes where and with which value: a
//! missing key goes into the resource's literal `tags` map (created when absent) or, with
//! `--default-tags`, into its provider's `default_tags`; a key is renamed and a value replaced
//! where the file spells them (the resource's map, else the provider's `default_tags`). Values
//! come from `--set KEY=VALUE`, else the live resource's owner tag (owner key, with a
//! snapshot), else the policy's `default`. Everything it cannot do safely (a `tags` that is an
//! expression, a value that is one, no value to write, instances that disagree) is listed as
//! needing a human, with file:line, and nothing is changed for that finding.
//!
//! Not responsible for: the text surgery ([`edit`]), diffs ([`diff`]), reading inputs or
//! printing (the command in `app`/`cli`).

pub mod diff;
pub(crate) mod edit;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use self::edit::{Refusal, Replacement, Site, TagChange, Target};
use crate::model::{Layer, SourceLocation};
use crate::policy::tags::same_ignoring_case;
use crate::policy::Policy;
use crate::report::{Finding, Report};
use crate::source::LineIndex;

/// The rules whose findings `tally fix` can repair.
pub const FIXABLE: &[&str] = &["TAG001", "TAG002", "TAG003"];

/// How to fix, besides the policy.
#[derive(Debug, Clone, Default)]
pub struct FixOptions {
    /// `--set KEY=VALUE`: the value to write for KEY, wherever it is missing or not allowed.
    pub set: BTreeMap<String, String>,
    /// Add missing keys to the provider's `default_tags` instead of each resource.
    pub default_tags: bool,
    /// Owner tag value of the live resource, by Terraform address (from a snapshot).
    pub owners: BTreeMap<String, String>,
}

/// Every edit `tally fix` would make, and what it leaves to a person.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FixPlan {
    /// Changed files, sorted by path.
    pub files: Vec<FileFix>,
    /// Findings that the edits resolve entirely, with the replacements that do it.
    pub fixed: Vec<Fixed>,
    pub needs_human: Vec<NeedsHuman>,
}

/// One file's new text and the replacements that make it.
#[derive(Debug, Clone, Serialize)]
pub struct FileFix {
    pub path: String,
    #[serde(skip)]
    pub old: String,
    #[serde(skip)]
    pub new: String,
    pub replacements: Vec<FileReplacement>,
}

/// Bytes `start..end` of the old text become `text`; lines and columns (1-based, columns in
/// characters) for SARIF regions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FileReplacement {
    pub start: usize,
    pub end: usize,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The old text of `start..end`.
    pub deleted: String,
    pub text: String,
}

/// A finding the edits resolve.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Fixed {
    pub rule_id: String,
    pub address: String,
    /// (path, replacement) in the order of the files.
    pub edits: Vec<(String, FileReplacement)>,
}

/// A finding `tally fix` will not touch, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NeedsHuman {
    pub location: SourceLocation,
    pub rule_id: String,
    pub address: String,
    pub reason: String,
}

/// The second lint after `--write`.
#[derive(Debug, Clone, Default)]
pub struct Relint {
    /// Findings the plan said it fixed that are still reported: (rule, address).
    pub still_there: Vec<(String, String)>,
    /// Findings that were not there before: (rule, address, message).
    pub new: Vec<(String, String, String)>,
}

/// What `tally fix` did, for a person: counts, then every finding left to a human at its
/// file:line, then the re-lint's verdict.
pub fn summary(plan: &FixPlan, fixable: usize, written: bool, relint: Option<&Relint>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let verb = if written { "changed" } else { "would change" };
    let _ = writeln!(
        out,
        "tally fix: {fixable} fixable finding{}; {} fixed in {} file{} ({verb}); {} need{} a human",
        plural(fixable),
        plan.fixed.len(),
        plan.files.len(),
        plural(plan.files.len()),
        plan.needs_human.len(),
        if plan.needs_human.len() == 1 { "s" } else { "" },
    );
    for h in &plan.needs_human {
        let line = h.location.line.map_or(String::new(), |l| format!(":{l}"));
        let _ = writeln!(
            out,
            "  needs a human: {}{line}: {} {}: {}",
            h.location.file, h.rule_id, h.address, h.reason
        );
    }
    if let Some(r) = relint {
        if r.still_there.is_empty() && r.new.is_empty() {
            let _ = writeln!(out, "re-lint: the fixed findings are gone, no new findings");
        }
        for (rule, address) in &r.still_there {
            let _ = writeln!(out, "re-lint: still reported: {rule} {address}");
        }
        for (rule, address, message) in &r.new {
            let _ = writeln!(out, "re-lint: new finding: {rule} {address}: {message}");
        }
    } else if !plan.files.is_empty() {
        let _ = writeln!(out, "run with --write to apply");
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl FixPlan {
    /// A unified diff of every changed file.
    pub fn diff(&self) -> String {
        self.files.iter().map(|f| diff::unified(&f.path, &f.old, &f.new)).collect()
    }
}

/// Attach to each finding the edits that fix it (with the policy's defaults only, no flags) as
/// `details.fix`: SARIF renders them as `fixes`, the PR comment as a diff.
pub fn annotate(report: &mut Report, policy: &Policy, root: &Path) {
    annotate_parsed(report, policy, root, std::iter::empty());
}

/// [`annotate`] with files the caller has already read and parsed: (path as the findings name
/// it, text, body), exactly what reading `path` and parsing it would give (so never a file read
/// with a BOM, nor one in JSON syntax). Other files are read as [`annotate`] reads them.
pub fn annotate_parsed<'a>(
    report: &mut Report,
    policy: &Policy,
    root: &Path,
    parsed: impl IntoIterator<Item = (&'a str, &'a str, &'a hcl_edit::structure::Body)>,
) {
    let files = Files {
        known: parsed.into_iter().map(|(path, text, body)| (path, (text, body))).collect(),
        parsed: BTreeMap::new(),
    };
    let plan = plan_with(&report.findings, policy, root, &FixOptions::default(), files);
    if plan.fixed.is_empty() {
        return;
    }
    let by_key: BTreeMap<(&str, &str), &Fixed> =
        plan.fixed.iter().map(|f| ((f.rule_id.as_str(), f.address.as_str()), f)).collect();
    for finding in &mut report.findings {
        let Some(address) = finding.resource.address.as_deref() else { continue };
        let Some(fixed) = by_key.get(&(finding.rule_id.as_ref(), address)) else { continue };
        if fixed.edits.is_empty() {
            continue;
        }
        let changes: Vec<serde_json::Value> = fixed
            .edits
            .iter()
            .map(|(path, r)| {
                serde_json::json!({
                    "file": path,
                    "start_line": r.start_line,
                    "start_column": r.start_column,
                    "end_line": r.end_line,
                    "end_column": r.end_column,
                    "deleted": r.deleted,
                    "inserted": r.text,
                })
            })
            .collect();
        let description = match finding.rule_id.as_ref() {
            "TAG001" => "add the missing tags",
            "TAG002" => "replace the value with the policy's default",
            _ => "spell the keys as the policy does",
        };
        let fix = serde_json::json!({ "description": description, "changes": changes });
        finding.details.insert("fix".to_string(), fix);
    }
}

/// `module.a["x"].aws_s3_bucket.logs[0]` -> (`aws_s3_bucket`, `logs`): the block's labels.
fn block_labels<'a>(address: &'a str, resource_type: &str) -> Option<(&'a str, &'a str)> {
    let at = if address.starts_with(&format!("{resource_type}.")) {
        0
    } else {
        address.find(&format!(".{resource_type}."))? + 1
    };
    let rest = &address[at + resource_type.len() + 1..];
    let name = rest.split('[').next().filter(|n| !n.is_empty() && !n.contains('.'))?;
    Some((&address[at..at + resource_type.len()], name))
}

/// Parsed `.tf` files, read once: those the caller already holds (the code reader's, see
/// [`annotate_parsed`]), the others read and parsed here.
#[derive(Default)]
struct Files<'a> {
    known: HashMap<&'a str, (&'a str, &'a hcl_edit::structure::Body)>,
    parsed: BTreeMap<String, Option<(String, hcl_edit::structure::Body)>>,
}

impl<'a> Files<'a> {
    fn get(&mut self, path: &str) -> Option<(&str, &hcl_edit::structure::Body)> {
        if let Some(&(text, body)) = self.known.get(path) {
            return Some((text, body));
        }
        self.parsed
            .entry(path.to_string())
            .or_insert_with(|| {
                let text = crate::source::read_regular_to_string(std::path::Path::new(path)).ok()?;
                // A BOM would shift every span; such files are left to a person.
                if text.starts_with('\u{feff}') {
                    return None;
                }
                let body = crate::hcl_syntax::parse_body(&text).ok()?;
                Some((text, body))
            })
            .as_ref()
            .map(|(text, body)| (text.as_str(), body))
    }

    /// The `.tf` file in `dir` that declares the provider configuration `target`.
    fn provider_file(&mut self, dir: &Path, target: &Target) -> Option<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .find(|path| self.get(path).is_some_and(|(_, body)| edit::find_block(body, target).is_some()))
    }
}

/// One finding being fixed: what it needs, and whether it can have it.
struct Job<'f> {
    finding: &'f Finding,
    address: String,
    /// (file, target, change) for every change the finding needs.
    changes: Vec<(String, Target, TagChange)>,
    /// Why a person has to do it, with where.
    human: Option<(SourceLocation, String)>,
}

/// Plan the edits for the fixable findings of a `lint` report (`root` is the linted directory).
pub fn plan(findings: &[Finding], policy: &Policy, root: &Path, opts: &FixOptions) -> FixPlan {
    plan_with(findings, policy, root, opts, Files::default())
}

fn plan_with(
    findings: &[Finding],
    policy: &Policy,
    root: &Path,
    opts: &FixOptions,
    mut files: Files<'_>,
) -> FixPlan {
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for f in findings {
        // Plan findings linked to the code (`plan --code`) point at the same blocks.
        if !FIXABLE.contains(&f.rule_id.as_ref()) || !matches!(f.layer, Some(Layer::Code | Layer::Plan)) {
            continue;
        }
        let (Some(address), Some(resource_type), Some(location)) =
            (f.resource.address.as_deref(), f.resource.resource_type.as_deref(), f.location.as_ref())
        else {
            continue;
        };
        let mut job = Job { finding: f, address: address.to_string(), changes: Vec::new(), human: None };
        if let Err(reason) = job_changes(&mut job, &mut files, policy, root, opts, resource_type, location) {
            job.human = Some((location.clone(), reason));
        }
        jobs.push(job);
    }

    // Changes per (file, target); two instances asking for different values is a conflict.
    // In the order the findings ask for them (policy order), each change once.
    let mut wanted: BTreeMap<(String, Target), Vec<TagChange>> = BTreeMap::new();
    for job in jobs.iter().filter(|j| j.human.is_none()) {
        for (file, target, change) in &job.changes {
            let list = wanted.entry((file.clone(), target.clone())).or_default();
            if !list.contains(change) {
                list.push(change.clone());
            }
        }
    }
    let mut refused: BTreeMap<(String, Target), (SourceLocation, String)> = BTreeMap::new();
    let mut planned: BTreeMap<String, Vec<(Target, Replacement)>> = BTreeMap::new();
    for ((file, target), changes) in &wanted {
        let Some((text, body)) = files.get(file) else { continue };
        let lines = LineIndex::new(text);
        let at = |offset: usize| {
            let (line, column) = lines.line_col_chars(text, offset);
            SourceLocation::at(file.clone(), line, column)
        };
        if let Some(reason) = conflict(changes) {
            let offset = edit::find_block(body, target).and_then(hcl_edit::Span::span).map_or(0, |s| s.start);
            refused.insert((file.clone(), target.clone()), (at(offset), reason));
            continue;
        }
        match edit::plan(text, body, target, changes) {
            Ok(r) => planned.entry(file.clone()).or_default().push((target.clone(), r)),
            Err(Refusal { offset, reason }) => {
                refused.insert((file.clone(), target.clone()), (at(offset), reason));
            }
        }
    }

    let mut out = FixPlan::default();
    let mut done: BTreeMap<(String, Target), FileReplacement> = BTreeMap::new();
    for (path, mut replacements) in planned {
        let Some((old, _)) = files.get(&path) else { continue };
        replacements.sort_by_key(|(_, r)| r.range.start);
        // Targets are distinct blocks, so their replacements cannot overlap; if they ever did,
        // the file is left alone rather than mangled.
        if replacements.windows(2).any(|w| w[0].1.range.end > w[1].1.range.start) {
            for (target, _) in replacements {
                let reason = "overlapping edits in one file: fix by hand".to_string();
                refused.insert((path.clone(), target), (SourceLocation::file(path.clone()), reason));
            }
            continue;
        }
        let lines = LineIndex::new(old);
        let mut new = old.to_string();
        for (_, r) in replacements.iter().rev() {
            new.replace_range(r.range.clone(), &r.text);
        }
        let mut file_replacements = Vec::new();
        for (target, r) in replacements {
            let (start_line, start_column) = lines.line_col_chars(old, r.range.start);
            let (end_line, end_column) = lines.line_col_chars(old, r.range.end);
            let fr = FileReplacement {
                start: r.range.start,
                end: r.range.end,
                start_line,
                start_column,
                end_line,
                end_column,
                deleted: old[r.range.clone()].to_string(),
                text: r.text,
            };
            done.insert((path.clone(), target), fr.clone());
            file_replacements.push(fr);
        }
        out.files.push(FileFix { path, old: old.to_string(), new, replacements: file_replacements });
    }
    for job in &mut jobs {
        if job.human.is_none() {
            job.human = job
                .changes
                .iter()
                .find_map(|(file, target, _)| refused.get(&(file.clone(), target.clone())).cloned());
        }
        match &job.human {
            Some((location, reason)) => out.needs_human.push(NeedsHuman {
                location: location.clone(),
                rule_id: job.finding.rule_id.to_string(),
                address: job.address.clone(),
                reason: reason.clone(),
            }),
            None if job.changes.is_empty() => {}
            None => {
                let mut edits: Vec<(String, FileReplacement)> = job
                    .changes
                    .iter()
                    .filter_map(|(file, target, _)| {
                        done.get(&(file.clone(), target.clone())).map(|r| (file.clone(), r.clone()))
                    })
                    .collect();
                edits.sort();
                edits.dedup();
                out.fixed.push(Fixed {
                    rule_id: job.finding.rule_id.to_string(),
                    address: job.address.clone(),
                    edits,
                });
            }
        }
    }
    out.fixed.sort();
    out.fixed.dedup();
    out.needs_human.sort();
    out.needs_human.dedup();
    out
}

/// Two different values for one key, or two spellings for one key, in one map.
fn conflict(changes: &[TagChange]) -> Option<String> {
    let mut seen: BTreeMap<(u8, &str), &TagChange> = BTreeMap::new();
    for change in changes {
        let kind = match change {
            TagChange::Add { .. } => 0,
            TagChange::Rename { .. } => 1,
            TagChange::SetValue { .. } => 2,
        };
        if let Some(other) = seen.insert((kind, change.key()), change) {
            if other != change {
                return Some(format!(
                    "instances of this block need different values for \"{}\": set them per instance",
                    change.key()
                ));
            }
        }
    }
    None
}

/// Fill `job.changes` for its finding, or say why a person must do it.
fn job_changes(
    job: &mut Job<'_>,
    files: &mut Files<'_>,
    policy: &Policy,
    root: &Path,
    opts: &FixOptions,
    resource_type: &str,
    location: &SourceLocation,
) -> Result<(), String> {
    let f = job.finding;
    if resource_type == "aws_autoscaling_group" {
        return Err("auto scaling groups take tags from `tag` blocks: add them by hand".into());
    }
    // Part of the tags is only known after apply: only a provider default can make the key
    // certain (the resource may still override it, which is then its own value).
    let unknown = f.details.get("outcome").and_then(|v| v.as_str()) == Some("unknown");
    if unknown && !opts.default_tags {
        return Err(
            "part of the tags is only known after apply: check where they come from, or use --default-tags"
                .into(),
        );
    }
    let (t, name) = block_labels(&job.address, resource_type)
        .ok_or_else(|| format!("cannot tell the block of {}", job.address))?;
    let file = location.file.clone();
    let resource = Target::Resource { resource_type: t.to_string(), name: name.to_string() };
    // `None`: the resource's `tags` is an expression (a variable, a local, a merge).
    let (own_keys, provider) = {
        let (text, body) = files.get(&file).ok_or_else(|| format!("{file} cannot be read or parsed"))?;
        let block =
            edit::find_block(body, &resource).ok_or_else(|| format!("{resource} is not in {file}"))?;
        let own_keys = match edit::site(block, &resource) {
            Site::Literal(object) => Some(edit::literal_keys(object)),
            Site::Absent => Some(Vec::new()),
            Site::Expression(_) => None,
        };
        (own_keys, provider_target(block, text))
    };
    let module_dir = Path::new(&file).parent().map(Path::to_path_buf).unwrap_or_default();
    let in_module = job.address.starts_with("module.");
    let provider_site = |files: &mut Files<'_>| provider_site(files, &provider, &module_dir, root, in_module);
    // Where a key spelled `key` is written: the resource's map, else the provider's.
    let locate = |key: &str, files: &mut Files| -> Result<(String, Target), String> {
        if own_keys.as_ref().is_some_and(|k| k.iter().any(|k| k == key)) {
            return Ok((file.clone(), resource.clone()));
        }
        match provider_site(files) {
            Ok((pfile, keys, true)) if keys.iter().any(|k| k == key) => Ok((pfile, provider.clone())),
            _ => {
                Err(format!("\"{key}\" comes from an expression (variable, local or merge): change it there"))
            }
        }
    };

    let mut changes: Vec<(String, Target, TagChange)> = Vec::new();
    match f.rule_id.as_ref() {
        "TAG001" => {
            let missing: Vec<String> =
                detail_strings(f, if unknown { "unknown_keys" } else { "missing_keys" });
            for key in missing {
                let value = value_for(&key, &job.address, policy, opts)?;
                let change = TagChange::Add { key: key.clone(), value };
                if opts.default_tags {
                    let (pfile, _, literal) = provider_site(files)?;
                    if !literal {
                        return Err(format!("{provider} default_tags is an expression: add \"{key}\" there"));
                    }
                    changes.push((pfile, provider.clone(), change));
                } else if own_keys.is_some() {
                    changes.push((file.clone(), resource.clone(), change));
                } else {
                    return Err(format!(
                        "tags is an expression: add \"{key}\" where its value comes from, or use --default-tags"
                    ));
                }
            }
        }
        "TAG002" => {
            let values = f.details.get("values").and_then(|v| v.as_array()).cloned().unwrap_or_default();
            for v in values {
                let (Some(key), Some(old)) = (v["key"].as_str(), v["value"].as_str()) else { continue };
                let value = value_for(key, &job.address, policy, opts)
                    .map_err(|_| format!("\"{key}\" = \"{old}\" is not allowed and no default is set (policy `default` or --set {key}=VALUE)"))?;
                let (at_file, target) = locate(key, files)?;
                changes.push((at_file, target, TagChange::SetValue { key: key.to_string(), value }));
            }
        }
        "TAG003" => {
            let keys = f.details.get("keys").and_then(|v| v.as_object()).cloned().unwrap_or_default();
            for (found, want) in keys {
                let Some(want) = want.as_str() else { continue };
                let (at_file, target) = locate(&found, files)?;
                changes.push((
                    at_file,
                    target,
                    TagChange::Rename { from: found.clone(), to: want.to_string() },
                ));
            }
        }
        _ => {}
    }
    job.changes = changes;
    Ok(())
}

/// The file holding the provider configuration `provider` (its module's own, else the
/// root's), the literal keys of its `default_tags`, and whether they are a literal map.
fn provider_site(
    files: &mut Files<'_>,
    provider: &Target,
    module_dir: &Path,
    root: &Path,
    in_module: bool,
) -> Result<(String, Vec<String>, bool), String> {
    let own = files.provider_file(module_dir, provider);
    let found = match own {
        Some(found) => found,
        None if in_module => {
            let found = files
                .provider_file(root, provider)
                .ok_or_else(|| format!("no {provider} block found to change"))?;
            let remapped = files.get(&found).is_some_and(|(_, body)| remaps_providers(body));
            if remapped {
                return Err("module calls remap providers: choose the provider by hand".into());
            }
            found
        }
        None => return Err(format!("no {provider} block found to change")),
    };
    let (_, body) = files.get(&found).ok_or_else(|| format!("{found} cannot be parsed"))?;
    let block =
        edit::find_block(body, provider).ok_or_else(|| format!("no {provider} block found to change"))?;
    Ok(match edit::site(block, provider) {
        Site::Literal(object) => (found, edit::literal_keys(object), true),
        Site::Absent => (found, Vec::new(), true),
        Site::Expression(_) => (found, Vec::new(), false),
    })
}

fn detail_strings(f: &Finding, key: &str) -> Vec<String> {
    f.details
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// `provider = aws.west` -> `provider "aws"` alias `west`; none -> the type's default provider.
/// `source` is the text `block` was parsed from: the code reader's trees keep whitespace and
/// comments as spans into it (`hcl_syntax::parse_code`), so the value is given its text back
/// before it is printed.
fn provider_target(block: &hcl_edit::structure::Block, source: &str) -> Target {
    let text = block.body.get_attribute("provider").map(|a| {
        let mut value = a.value.clone();
        value.despan(source);
        value.to_string()
    });
    let text = text.as_deref().map(str::trim);
    match text.and_then(|t| t.split_once('.')) {
        Some((name, alias)) => Target::Provider { name: name.to_string(), alias: Some(alias.to_string()) },
        None => {
            let name = block.labels.first().map(|l| l.as_str()).unwrap_or("aws");
            let name = text.unwrap_or_else(|| name.split('_').next().unwrap_or("aws"));
            Target::Provider { name: name.to_string(), alias: None }
        }
    }
}

fn remaps_providers(body: &hcl_edit::structure::Body) -> bool {
    body.blocks().any(|b| b.ident.as_str() == "module" && b.body.get_attribute("providers").is_some())
}

/// The value to write for `key`: `--set`, else the live owner (owner key), else the policy's
/// default; it must be allowed by every policy on that key.
fn value_for(key: &str, address: &str, policy: &Policy, opts: &FixOptions) -> Result<String, String> {
    let policies: Vec<_> = policy.rules.tags.iter().filter(|t| same_ignoring_case(&t.key, key)).collect();
    let set = opts.set.iter().find(|(k, _)| same_ignoring_case(k, key)).map(|(_, v)| v.clone());
    let owner =
        same_ignoring_case(key, &policy.owner_tag).then(|| opts.owners.get(address).cloned()).flatten();
    let default = policies.iter().find_map(|t| t.default.clone());
    let value = set.or(owner).or(default).ok_or_else(|| {
        format!("no value for \"{key}\": give --set {key}=VALUE or a `default` in its tag policy")
    })?;
    if let Some(p) = policies.iter().find(|p| !p.value_allowed(&value)) {
        return Err(format!("\"{value}\" is not an allowed value for \"{key}\" ({})", p.describe_values()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_labels_from_addresses() {
        assert_eq!(block_labels("aws_s3_bucket.logs", "aws_s3_bucket"), Some(("aws_s3_bucket", "logs")));
        assert_eq!(
            block_labels("module.a[\"x\"].module.b.aws_s3_bucket.logs[0]", "aws_s3_bucket"),
            Some(("aws_s3_bucket", "logs"))
        );
        assert_eq!(block_labels("aws_instance.web[\"a.b\"]", "aws_instance"), Some(("aws_instance", "web")));
        assert_eq!(block_labels("aws_instance", "aws_instance"), None);
    }

    #[test]
    fn conflicting_values_are_detected() {
        let a = TagChange::Add { key: "team".into(), value: "a".into() };
        let b = TagChange::Add { key: "team".into(), value: "b".into() };
        assert!(conflict(std::slice::from_ref(&a)).is_none());
        assert!(conflict(&[a, b]).is_some());
    }
}
