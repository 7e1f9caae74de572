//! Least privilege: `docs/iam-policy.json` grants exactly the AWS actions tally's code calls.
//! The code is scanned for SDK operation calls (`.get_resources()`, `.describe_budgets()`, ...:
//! a verb-led method called with no arguments, as every SDK fluent builder starts); each must
//! map to an action in the policy, and the policy may hold nothing else besides what Athena
//! does with the caller's permissions while running tally's query (`INDIRECT`). Everything is
//! read-only except starting that query and writing its result file, each in a statement of
//! its own so an administrator can scope them to a workgroup and a results bucket.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::repo;

/// SDK operation method -> the IAM action it needs. An operation missing here fails the test:
/// add it here and to the policy (or drop the call).
const ACTIONS: &[(&str, &str)] = &[
    ("assume_role", "sts:AssumeRole"),
    ("get_query_execution", "athena:GetQueryExecution"),
    ("get_query_results", "athena:GetQueryResults"),
    ("start_query_execution", "athena:StartQueryExecution"),
    ("batch_get_resource_config", "config:BatchGetResourceConfig"),
    ("batch_get_aggregate_resource_config", "config:BatchGetAggregateResourceConfig"),
    ("describe_configuration_aggregators", "config:DescribeConfigurationAggregators"),
    ("describe_configuration_recorder_status", "config:DescribeConfigurationRecorderStatus"),
    ("get_resource", "cloudformation:GetResource"),
    ("list_aggregate_discovered_resources", "config:ListAggregateDiscoveredResources"),
    ("list_resources", "cloudformation:ListResources"),
    ("describe_budgets", "budgets:ViewBudget"),
    ("describe_configuration_recorders", "config:DescribeConfigurationRecorders"),
    ("get_caller_identity", "sts:GetCallerIdentity"),
    ("get_cost_and_usage", "ce:GetCostAndUsage"),
    ("get_cost_forecast", "ce:GetCostForecast"),
    ("get_object", "s3:GetObject"),
    ("get_products", "pricing:GetProducts"),
    ("get_resources", "tag:GetResources"),
    ("list_accounts", "organizations:ListAccounts"),
    ("list_cost_allocation_tags", "ce:ListCostAllocationTags"),
    ("list_discovered_resources", "config:ListDiscoveredResources"),
    ("list_objects_v2", "s3:ListBucket"),
    ("select_resource_config", "config:SelectResourceConfig"),
];

/// What Athena itself does as the caller when tally starts a query: read the table's Glue
/// metadata and the data in S3, write the result to the output location.
const INDIRECT: &[&str] = &[
    "glue:GetDatabase",
    "glue:GetPartitions",
    "glue:GetTable",
    "s3:AbortMultipartUpload",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
];

/// The only actions that are not reads, and the statements they must sit in.
const NOT_READ: &[(&str, &str)] = &[
    ("athena:StartQueryExecution", "TallyAthenaQueries"),
    ("s3:AbortMultipartUpload", "TallyAthenaQueryResults"),
    ("s3:PutObject", "TallyAthenaQueryResults"),
];

/// Verbs AWS operation names start with (read and write alike, so a write call is caught too).
const VERBS: &[&str] = &[
    "assume",
    "attach",
    "batch",
    "create",
    "delete",
    "describe",
    "detach",
    "disable",
    "enable",
    "get",
    "list",
    "modify",
    "put",
    "run",
    "select",
    "start",
    "stop",
    "tag",
    "terminate",
    "untag",
    "update",
];

/// Method calls in the code that look like SDK operations but are not.
// `get_name` and `get_subcommands` are clap accessors (the man page).
const NOT_SDK: &[&str] = &[
    "enable_all",
    "tag_key",
    "describe_values",
    "get_name",
    "get_subcommands",
    // clap's `Command` getters (the CLI builds only the command that runs).
    "get_about",
    "get_long_about",
    "get_arguments",
    // std: a zeroed allocation's `assume_init` (CUR cells), a map entry's `get_mut` (the
    // owned groups of `correlate`'s two halves).
    "assume_init",
    "get_mut",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.verb_words()` in the code (no arguments, possibly across a line break).
fn operation_calls() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    let mut calls = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let bytes = text.as_bytes();
        for (i, _) in text.match_indices('.') {
            let name: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let after = i + 1 + name.len();
            if name.contains('_')
                && bytes.get(after) == Some(&b'(')
                && bytes.get(after + 1) == Some(&b')')
                && VERBS.iter().any(|v| name.starts_with(&format!("{v}_")))
                && !NOT_SDK.contains(&name.as_str())
            {
                calls.insert(name);
            }
        }
    }
    calls
}

/// (statement Sid, resource, action) of every grant.
fn policy_grants() -> Vec<(String, serde_json::Value, String)> {
    let text = std::fs::read_to_string(repo().join("docs/iam-policy.json")).expect("docs/iam-policy.json");
    let policy: serde_json::Value = serde_json::from_str(&text).expect("the policy is JSON");
    let mut grants = Vec::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow", "tally's policy only allows");
        let sid = statement["Sid"].as_str().unwrap_or("").to_string();
        let resource = statement["Resource"].clone();
        match &statement["Action"] {
            serde_json::Value::String(a) => grants.push((sid.clone(), resource.clone(), a.clone())),
            serde_json::Value::Array(list) => grants
                .extend(list.iter().map(|a| {
                    (sid.clone(), resource.clone(), a.as_str().expect("action string").to_string())
                })),
            other => panic!("unexpected Action {other}"),
        }
    }
    grants
}

fn policy_actions() -> BTreeSet<String> {
    policy_grants().into_iter().map(|(_, _, a)| a).collect()
}

#[test]
fn iam_policy_grants_exactly_the_actions_the_code_calls() {
    let calls = operation_calls();
    assert!(calls.contains("get_resources"), "the scan finds SDK calls: {calls:?}");
    let action =
        |call: &String| ACTIONS.iter().find(|(method, _)| method == call).map(|(_, a)| a.to_string());
    let unknown: Vec<_> = calls.iter().filter(|c| action(c).is_none()).collect();
    assert!(
        unknown.is_empty(),
        "called in src/ but not in this test's table of SDK operations (add them to ACTIONS, or to \
         NOT_SDK if they are not AWS calls): {unknown:?}"
    );
    let mut needed: BTreeSet<String> = calls.iter().filter_map(action).collect();
    if needed.contains("athena:StartQueryExecution") {
        needed.extend(INDIRECT.iter().map(|a| a.to_string()));
    }
    // Cloud Control reads each covered type through the service's own actions, as the caller.
    if needed.contains("cloudformation:ListResources") {
        needed.extend(tally::aws::cloud_control_read_actions().iter().map(|a| a.to_string()));
    }
    let granted = policy_actions();
    let missing: Vec<_> = needed.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&needed).collect();
    assert!(missing.is_empty(), "docs/iam-policy.json lacks actions the code calls: {missing:?}");
    assert!(extra.is_empty(), "docs/iam-policy.json grants actions the code never calls: {extra:?}");
    for (sid, resource, a) in policy_grants() {
        let read = ["Get", "List", "Describe", "View", "BatchGet", "AssumeRole"]
            .iter()
            .any(|p| a.split(':').nth(1).is_some_and(|name| name.starts_with(p)));
        match NOT_READ.iter().find(|(action, _)| *action == a) {
            None => assert!(read, "only read actions besides {NOT_READ:?}: {a}"),
            Some((_, want)) => {
                assert_eq!(&sid, want, "{a} belongs in its own statement");
                assert_ne!(resource, "*", "{a} is scoped to a resource");
            }
        }
    }
}
