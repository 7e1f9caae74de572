//! End-to-end runs of the command line: help text, exit codes, error messages.

use crate::support::tally;

#[test]
fn help_of_every_command() {
    for args in [
        &["--help"][..],
        &["audit", "--help"],
        &["plan", "--help"],
        &["lint", "--help"],
        &["budgets", "--help"],
        &["collect", "--help"],
        &["export", "--help"],
        &["report", "--help"],
        &["fix", "--help"],
        &["import", "--help"],
    ] {
        let run = tally(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        insta::assert_snapshot!(format!("help {}", args.join(" ")), run.stdout);
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let run = tally(&["audit", "--no-such-flag"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
}

#[test]
fn missing_directory_is_an_input_error() {
    let run = tally(&["audit", "does/not/exist"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim(), "error: does/not/exist: not a directory");
}

#[test]
fn snapshot_amounts_must_be_decimal_strings() {
    let run = tally(&["audit", "--snapshot", "tests/fixtures/bad/snapshot/float-amount.snapshot.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: tests/fixtures/bad/snapshot/float-amount.snapshot.json:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn malformed_state_is_an_input_error_naming_the_file() {
    let run = tally(&["audit", "--state", "tests/fixtures/bad/state/truncated.tfstate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: tests/fixtures/bad/state/truncated.tfstate:6"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn malformed_plan_is_an_input_error_naming_the_file() {
    let run = tally(&["audit", "--plan", "tests/fixtures/bad/plan/wrong-types.plan.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: tests/fixtures/bad/plan/wrong-types.plan.json:4"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn missing_state_file_is_an_input_error() {
    let run = tally(&["audit", "--state", "nope/terraform.tfstate"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nope/terraform.tfstate"), "{}", run.stderr);
}

#[test]
fn plan_unknown_tags_are_their_own_outcome_never_missing() {
    let args =
        ["plan", "tests/fixtures/plan/unknown-tags.json", "--required-tag", "team", "--required-tag", "env"];
    let run = tally(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let outcomes: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["resource"]["address"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("aws_s3_bucket.missing_on_update".to_string(), "error".to_string()),
            ("aws_s3_bucket.whole_map_unknown".to_string(), "warning".to_string()),
        ]
    );
    // Configurable: ignoring unknowns leaves only the real miss; `--fail-on error` still fails.
    let run = tally(&[&args[..], &["--unknown-tags", "ignore", "--format", "json"]].concat());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"]["findings"]["total"], 1);
    // Only the warning left and a gate on errors: exit 0.
    let run = tally(&["plan", "tests/fixtures/plan/unknown-tags.json", "--required-tag", "env"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn unparsable_hcl_makes_the_run_partial_and_names_file_line_col() {
    let run = tally(&["lint", "tests/fixtures/hcl/broken", "--format", "json"]);
    assert_eq!(run.code, 3, "partial data wins over findings: {}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["partial"], true);
    let diag = &report["diagnostics"][0];
    assert_eq!(diag["source"], "hcl");
    assert!(diag["location"]["file"].as_str().unwrap().starts_with("tests/fixtures/hcl/broken/"), "{diag}");
    assert!(diag["location"]["line"].as_u64().unwrap() > 0, "{diag}");
    assert!(diag["location"]["column"].as_u64().unwrap() > 0, "{diag}");
}

#[test]
fn without_state_nothing_is_called_unmanaged_or_missing() {
    let run = tally(&["audit", "--snapshot", "terraform-examples/acme/snapshot.json", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let by_rule = &report["summary"]["findings"]["by_rule"];
    for rule in ["IAC001", "IAC002", "CST002", "TAG004"] {
        assert!(by_rule.get(rule).is_none(), "{rule} without any state: {by_rule}");
    }
    assert_eq!(report["summary"]["coverage"]["live_resources"], 0, "no coverage figure without state");
}
