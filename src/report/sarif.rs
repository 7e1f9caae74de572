//! SARIF 2.1.0, for code scanning (GitHub, GitLab, IDE viewers): one run whose driver lists every
//! rule of the catalog (plus any rule a finding names that the catalog does not know), one result
//! per finding, and one tool-execution notification per input problem.
//!
//! GitHub code scanning takes a subset of SARIF and rejects or hides what falls outside it: every
//! result carries a physical location (the finding's file:line, else the input file that evidences
//! it, line 1: see `place::evidence`), URIs are relative to the repository root (`%SRCROOT%`), every
//! rule links its docs (`helpUri`), and `automationDetails.id` names the command and root so that
//! an audit upload and a plan upload do not close each other's alerts. `tests/it/code_scanning.rs`
//! checks GitHub's documented ingestion rules, not only the schema.
//!
//! Typed structs, not `json!`, so the field order is fixed and the output byte-stable whatever
//! features `serde_json` is built with. The schema test in `tests/it/formats.rs` validates the
//! output against the official 2.1.0 schema.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::place::{self, RepoPaths};
use super::{Finding, Report, Severity};
use crate::model::{Diagnostic, SmallMap, SourceLocation, Tags};
use crate::policy;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SARIF_VERSION: &str = "2.1.0";
/// Relative URIs are relative to the repository root (see `place::RepoPaths`).
const SRCROOT: &str = "%SRCROOT%";
/// Bump when the fingerprint recipe changes, so consumers do not match old and new hashes.
const FINGERPRINT_KEY: &str = "tallyFinding/v1";

pub fn render(report: &Report, paths: &RepoPaths, out: &mut dyn Write) -> io::Result<()> {
    let log = build(report, paths);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn build<'a>(report: &'a Report, paths: &RepoPaths) -> Log<'a> {
    let rules = rule_list(report);
    let index: BTreeMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let results = report
        .findings
        .iter()
        .map(|f| {
            let base = fingerprint(f);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            let location = place::evidence(f, &report.inputs).map(|l| physical(&l, paths));
            result(f, index.get(&*f.rule_id).copied(), location, format!("{base}:{n}"))
        })
        .collect();
    let information_uri = repository();
    Log {
        schema: SCHEMA,
        version: SARIF_VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: &report.tool.name,
                    version: &report.tool.version,
                    semantic_version: &report.tool.version,
                    information_uri,
                    rules,
                },
            },
            automation_details: AutomationDetails { id: automation_id(report, paths) },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseUri { description: Text { text: "The root of the repository tally ran in".into() } },
            )]),
            invocations: vec![Invocation {
                execution_successful: !report.partial,
                tool_execution_notifications: report
                    .diagnostics
                    .iter()
                    .map(|d| notification(d, paths))
                    .collect(),
            }],
            results,
            properties: RunProperties {
                command: &report.command,
                as_of: report.as_of.map(|d| d.to_string()),
                report_version: report.version,
            },
        }],
    }
}

/// The project's home page, from `Cargo.toml`, when set.
fn repository() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|u| !u.is_empty())
}

/// The rule's documentation in the repository: its `rules/<ID>.hcl` holds every section that
/// `tally rules explain` prints.
pub(crate) fn help_uri(id: &str) -> Option<String> {
    repository().map(|repo| format!("{repo}/blob/main/rules/{id}.hcl"))
}

/// `tally/COMMAND/ROOT/`: GitHub treats the whole id (it ends in `/`) as the analysis category,
/// so uploads of different commands, or of the same command on different roots, keep their own
/// alerts. ROOT is the code directory, else the plan's directory, else `tally.hcl`'s,
/// repository-relative; `.` for the repository root.
fn automation_id(report: &Report, paths: &RepoPaths) -> String {
    let inputs = &report.inputs;
    let parent = |file: &str| {
        let file = file.replace('\\', "/");
        file.rsplit_once('/').map_or_else(|| ".".to_string(), |(dir, _)| dir.to_string())
    };
    let root = inputs
        .code
        .clone()
        .or_else(|| inputs.plan.as_deref().map(parent))
        .or_else(|| inputs.config.as_deref().map(parent))
        .or_else(|| inputs.snapshot.as_deref().map(parent))
        .unwrap_or_else(|| ".".to_string());
    let root = paths.display(&root);
    let root = if root.is_empty() { "." } else { root.trim_end_matches('/') };
    format!("tally/{}/{root}/", report.command)
}

/// Every catalog rule (so rule indices do not move between runs), then unknown rules named by
/// findings, by id.
fn rule_list(report: &Report) -> Vec<Rule<'_>> {
    let catalog = policy::catalog();
    let mut list: Vec<Rule<'_>> =
        catalog.values().map(|r| rule(&r.id, &r.name, r.severity, Some(&r.summary), &r.fix)).collect();
    let mut extra: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &report.findings {
        if !catalog.contains_key(&*f.rule_id) {
            extra.entry(&f.rule_id).or_insert(f);
        }
    }
    list.extend(extra.into_values().map(|f| rule(&f.rule_id, &f.rule_name, f.severity, None, &f.fix)));
    list
}

fn rule<'a>(id: &'a str, name: &'a str, severity: Severity, summary: Option<&'a str>, fix: &str) -> Rule<'a> {
    let summary = summary.unwrap_or(name);
    Rule {
        id,
        name,
        short_description: Text { text: summary.to_string() },
        full_description: Text { text: format!("{summary} {fix}") },
        help_uri: help_uri(id),
        help: Help {
            text: format!("{summary}\n\nFix: {fix}\n\nDocs: tally rules explain {id}"),
            markdown: format!("{summary}\n\n**Fix:** {fix}\n\nDocs: `tally rules explain {id}`"),
        },
        default_configuration: Configuration { level: level(severity) },
    }
}

fn result(
    f: &Finding,
    rule_index: Option<usize>,
    physical_location: Option<PhysicalLocation>,
    fingerprint: String,
) -> SarifResult<'_> {
    let r = &f.resource;
    let logical = LogicalLocation {
        name: r.label().to_string(),
        fully_qualified_name: r.arn.clone().unwrap_or_else(|| r.label().to_string()),
        kind: "resource",
    };
    SarifResult {
        rule_id: &f.rule_id,
        rule_index: rule_index.map_or(-1, |i| i as i64),
        level: level(f.severity),
        message: Text { text: f.message.clone() },
        locations: vec![Location { physical_location, logical_locations: vec![logical] }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        fixes: fixes(f),
        properties: ResultProperties {
            owner: &f.owner,
            cost: f.cost.as_ref().map(|m| Cost { amount: m.amount.to_string(), currency: &m.currency }),
            layer: f.layer.map(|l| l.to_string()),
            resource_type: r.resource_type.as_deref(),
            address: r.address.as_deref(),
            arn: r.arn.as_deref(),
            account: r.account.as_deref(),
            region: r.region.as_deref(),
            fix: &f.fix,
            details: &f.details,
        },
    }
}

/// The finding's `details.fix` (set by `tally fix`'s planner on lint and plan findings) as
/// SARIF fixes: one artifact change per file, one replacement per edited region.
fn fixes(f: &Finding) -> Vec<Fix> {
    let Some(fix) = f.details.get("fix") else { return Vec::new() };
    let description = fix["description"].as_str().unwrap_or("fix").to_string();
    let mut by_file: BTreeMap<String, Vec<Replacement>> = BTreeMap::new();
    for change in fix["changes"].as_array().into_iter().flatten() {
        let num = |k: &str| change[k].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(1).max(1);
        let (Some(file), Some(text)) = (change["file"].as_str(), change["inserted"].as_str()) else {
            continue;
        };
        by_file.entry(file.to_string()).or_default().push(Replacement {
            deleted_region: ChangeRegion {
                start_line: num("start_line"),
                start_column: num("start_column"),
                end_line: num("end_line"),
                end_column: num("end_column"),
            },
            inserted_content: Text { text: text.to_string() },
        });
    }
    if by_file.is_empty() {
        return Vec::new();
    }
    let artifact_changes = by_file
        .into_iter()
        .map(|(file, replacements)| {
            let (uri, uri_base_id) = file_uri(&file);
            ArtifactChange { artifact_location: ArtifactLocation { uri, uri_base_id }, replacements }
        })
        .collect();
    vec![Fix { description: Text { text: description }, artifact_changes }]
}

fn notification<'a>(d: &'a Diagnostic, paths: &RepoPaths) -> Notification<'a> {
    Notification {
        level: "error",
        message: Text { text: d.message.clone() },
        descriptor: Descriptor { id: &d.source },
        locations: d
            .location
            .as_ref()
            .map(|l| {
                vec![Location { physical_location: Some(physical(l, paths)), logical_locations: vec![] }]
            })
            .unwrap_or_default(),
        properties: NotificationProperties {
            source: &d.source,
            account: d.account.as_deref(),
            region: d.region.as_deref(),
        },
    }
}

/// Code scanning wants a start line on every physical location: a file that is evidence as a
/// whole points at its line 1.
fn physical(loc: &SourceLocation, paths: &RepoPaths) -> PhysicalLocation {
    let (uri, uri_base_id) = match paths.relative(&loc.file) {
        Some(relative) if !relative.is_empty() => file_uri(&relative),
        _ => file_uri(&loc.file),
    };
    PhysicalLocation {
        artifact_location: ArtifactLocation { uri, uri_base_id },
        region: Some(Region {
            start_line: loc.line.unwrap_or(1).max(1),
            start_column: loc.line.and(loc.column).map(|c| c.max(1)),
        }),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as the user gave it, as a URI: relative paths become relative references against
/// `%SRCROOT%` with forward slashes, absolute ones `file://` URIs. Anything outside the URI
/// path alphabet is percent-encoded (including `:` in relative paths, which would otherwise read
/// as a scheme).
fn file_uri(path: &str) -> (String, Option<&'static str>) {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let bytes = path.as_bytes();
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with('/') {
        (format!("file://{}", percent_encode(path, true)), None)
    } else if windows_drive {
        (format!("file:///{}", percent_encode(path, true)), None)
    } else {
        (percent_encode(path, false), Some(SRCROOT))
    }
}

fn percent_encode(s: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')')
            || matches!(b, b'*' | b'+' | b',' | b';' | b'=' | b'@')
            || (keep_colon && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Identifies a finding across runs whatever its line number or message (which carry amounts
/// that change daily): rule, resource and where the resource lives.
fn fingerprint(f: &Finding) -> String {
    let r = &f.resource;
    let parts =
        [&f.rule_id, r.label(), r.account.as_deref().unwrap_or(""), r.region.as_deref().unwrap_or("")];
    format!("{:016x}", fnv1a64(parts.join("\u{0}").as_bytes()))
}

/// FNV-1a, 64 bit: tiny, stable across Rust versions and platforms (std's hasher is neither
/// guaranteed nor meant for persisted values).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    #[serde(rename = "originalUriBaseIds")]
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    invocations: Vec<Invocation<'a>>,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct BaseUri {
    description: Text,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text,
    descriptor: Descriptor<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    properties: NotificationProperties<'a>,
}

#[derive(Serialize)]
struct Descriptor<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct NotificationProperties<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: i64,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: ChangeRegion,
    inserted_content: Text,
}

/// A region with its end: SARIF columns are 1-based and the end column is the character after
/// the region, so an insertion has equal start and end.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeRegion {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Tags::is_empty")]
    owner: &'a Tags,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<Cost<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    fix: &'a str,
    #[serde(skip_serializing_if = "SmallMap::is_empty")]
    details: &'a SmallMap<serde_json::Value>,
}

#[derive(Serialize)]
struct Cost<'a> {
    amount: String,
    currency: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    command: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    report_version: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(file_uri("./infra/main.tf"), ("infra/main.tf".to_string(), Some(SRCROOT)));
        assert_eq!(file_uri("infra\\a b.tf"), ("infra/a%20b.tf".to_string(), Some(SRCROOT)));
        assert_eq!(file_uri("c:x.tf").0, "file:///c:x.tf");
        assert_eq!(file_uri("dir/c:x#1.tf"), ("dir/c%3Ax%231.tf".to_string(), Some(SRCROOT)));
        assert_eq!(file_uri("/abs/main.tf"), ("file:///abs/main.tf".to_string(), None));
        assert_eq!(file_uri("C:\\infra\\main.tf").0, "file:///C:/infra/main.tf");
        assert_eq!(file_uri("ü.tf").0, "%C3%BC.tf");
    }
}
