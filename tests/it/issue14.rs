//! Issue 14 end to end: `tally lint` on resources Terraform may never create.
//! The fixture (`tests/fixtures/hcl/issue14`) has resources whose count folds to 0 only with
//! the functions and unknown-aware operators of the evaluator, one with an unknown count, one
//! whose tags differ between the branches of an unknown condition, and a module whose
//! `optional()` object attributes supply tags.

use serde_json::Value;

use crate::support::tally;

const FIXTURE: &str = "tests/fixtures/hcl/issue14";

fn findings(run: &crate::support::Run) -> Vec<(String, String, String)> {
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["resource"]["address"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn count_zero_has_no_findings_and_unknown_count_is_if_created() {
    let run = tally(&["lint", FIXTURE, "--required-tag", "Owner", "--format", "json"]);
    assert_eq!(run.code, 1, "one real error: {}", run.stderr);
    let found = findings(&run);
    // Count 0 (through max, &&, anytrue, an equal-armed conditional, an empty for): nothing.
    for never in ["max_zero", "unknown_and_false", "anytrue_empty", "equal_arms", "flattened", "lifecycle"] {
        assert!(!found.iter().any(|(a, _, _)| a.contains(never)), "{never}: {found:#?}");
    }
    // Unknown count: "if created", at the --unknown-tags severity (lint's default: warning).
    let maybe = found.iter().find(|(a, _, _)| a == "aws_s3_bucket.maybe[*]").expect("maybe is reported");
    assert_eq!(maybe.1, "warning");
    assert!(maybe.2.contains("if created"), "{}", maybe.2);
    // Owner in both branches of an unknown condition: present.
    assert!(!found.iter().any(|(a, _, _)| a == "aws_s3_bucket.both_branches"), "{found:#?}");
    // optional(map(string), {}) omitted: a real missing tag, not "cannot verify".
    let logs = found
        .iter()
        .find(|(a, _, _)| a == r#"module.buckets.aws_s3_bucket.this["logs"]"#)
        .expect("logs bucket is reported");
    assert_eq!(logs.1, "error");
    assert!(logs.2.contains("is missing required tag \"Owner\""), "{}", logs.2);
    assert!(!found.iter().any(|(a, _, _)| a.contains(r#"this["data"]"#)), "{found:#?}");
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn if_created_findings_follow_unknown_tags_and_are_never_errors() {
    let run =
        tally(&["lint", FIXTURE, "--required-tag", "Owner", "--unknown-tags", "error", "--format", "json"]);
    let found = findings(&run);
    let maybe = found.iter().find(|(a, _, _)| a == "aws_s3_bucket.maybe[*]").expect("maybe is reported");
    assert_eq!(
        maybe.1, "warning",
        "a resource that may never exist is never an error, even with --unknown-tags error"
    );
    let run =
        tally(&["lint", FIXTURE, "--required-tag", "Owner", "--unknown-tags", "ignore", "--format", "json"]);
    let found = findings(&run);
    assert!(!found.iter().any(|(a, _, _)| a.contains("maybe")), "{found:#?}");
    assert_eq!(found.len(), 1);
}
