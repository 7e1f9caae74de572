//! What GitHub code scanning and the Actions runner accept, not only the SARIF schema: the
//! documented ingestion rules ("SARIF support for code scanning") checked on the SARIF of every
//! command on the bundled example, run from the repository root and from a subdirectory; and
//! annotations whose paths land on the repository's files.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{repo, tally, tally_in_dir, tally_with_env};

const EXAMPLE: &str = "terraform-examples/acme";

/// GitHub's limits and required properties for an uploaded SARIF file. Returns every breach.
fn code_scanning_problems(sarif: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |p: String| problems.push(p);
    if sarif["version"] != "2.1.0" {
        fail("version must be 2.1.0".into());
    }
    let runs = sarif["runs"].as_array().cloned().unwrap_or_default();
    if runs.is_empty() || runs.len() > 20 {
        fail(format!("{} runs: code scanning takes 1 to 20 per file", runs.len()));
    }
    for (r, run) in runs.iter().enumerate() {
        let driver = &run["tool"]["driver"];
        if driver["name"].as_str().is_none_or(str::is_empty) {
            fail(format!("run {r}: tool.driver.name is required"));
        }
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        if rules.len() > 25_000 {
            fail(format!("run {r}: more than 25,000 rules"));
        }
        let mut ids = BTreeSet::new();
        for rule in &rules {
            let id = rule["id"].as_str().unwrap_or("");
            if id.is_empty() || !ids.insert(id.to_string()) {
                fail(format!("run {r}: rule id \"{id}\" empty or repeated"));
            }
            for key in ["shortDescription", "fullDescription", "help"] {
                if rule[key]["text"].as_str().is_none_or(str::is_empty) {
                    fail(format!("rule {id}: {key}.text is required"));
                }
            }
            match rule["helpUri"].as_str() {
                Some(uri) if uri.starts_with("https://") => {}
                other => fail(format!("rule {id}: helpUri should link the docs, got {other:?}")),
            }
            if rule["properties"]["tags"].as_array().is_some_and(|t| t.len() > 20) {
                fail(format!("rule {id}: more than 20 tags"));
            }
        }
        // One category per command and root, ending in `/` (the whole id is the category).
        match run["automationDetails"]["id"].as_str() {
            Some(id) if id.starts_with("tally/") && id.ends_with('/') => {}
            other => fail(format!("run {r}: automationDetails.id {other:?}")),
        }
        let results = run["results"].as_array().cloned().unwrap_or_default();
        if results.len() > 25_000 {
            fail(format!("run {r}: more than 25,000 results"));
        }
        for (i, result) in results.iter().enumerate() {
            let rule_id = result["ruleId"].as_str().unwrap_or("");
            if !ids.contains(rule_id) {
                fail(format!("result {i}: ruleId \"{rule_id}\" is not a rule of the driver"));
            }
            if result["message"]["text"].as_str().is_none_or(str::is_empty) {
                fail(format!("result {i}: message.text is required"));
            }
            if result["partialFingerprints"].as_object().is_none_or(|m| m.is_empty()) {
                fail(format!("result {i}: no partialFingerprints (alerts would repeat)"));
            }
            let locations = result["locations"].as_array().cloned().unwrap_or_default();
            if locations.is_empty() || locations.len() > 1_000 {
                fail(format!(
                    "result {i} ({rule_id}): {} locations; code scanning needs 1 to 1,000",
                    locations.len()
                ));
            }
            for loc in &locations {
                let physical = &loc["physicalLocation"];
                let uri = physical["artifactLocation"]["uri"].as_str().unwrap_or("");
                if uri.is_empty() {
                    fail(format!("result {i} ({rule_id}): no physical location with a uri"));
                    continue;
                }
                if uri.starts_with("./")
                    || uri.starts_with("../")
                    || uri.starts_with('/')
                    || uri.contains('\\')
                {
                    fail(format!("result {i}: uri \"{uri}\" is not a clean repository-relative path"));
                }
                if !uri.contains("://") && physical["artifactLocation"]["uriBaseId"] != "%SRCROOT%" {
                    fail(format!("result {i}: relative uri \"{uri}\" without uriBaseId"));
                }
                if physical["region"]["startLine"].as_u64().is_none_or(|l| l < 1) {
                    fail(format!("result {i}: uri \"{uri}\" without region.startLine"));
                }
            }
        }
        if run["originalUriBaseIds"]["%SRCROOT%"].is_null() {
            fail(format!("run {r}: originalUriBaseIds does not declare %SRCROOT%"));
        }
    }
    problems
}

fn sarif_of(args: &[&str]) -> Value {
    let run = tally(args);
    assert!(run.code == 0 || run.code == 1, "{args:?}: exit {}: {}", run.code, run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Every result's file, as code scanning would resolve it against the repository root.
fn result_files(sarif: &Value) -> Vec<String> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn sarif_of_audit_plan_and_lint_meets_code_scanning_rules() {
    let commands: [&[&str]; 3] = [
        &["audit", EXAMPLE, "--format", "sarif"],
        &["plan", "terraform-examples/acme/plan.json", "--code", EXAMPLE, "--format", "sarif"],
        &["lint", EXAMPLE, "--format", "sarif"],
    ];
    let mut categories = BTreeSet::new();
    for args in commands {
        let sarif = sarif_of(args);
        let problems = code_scanning_problems(&sarif);
        assert!(problems.is_empty(), "{args:?}:\n{}", problems.join("\n"));
        assert!(!result_files(&sarif).is_empty(), "{args:?}: the example has findings");
        for file in result_files(&sarif) {
            assert!(repo().join(&file).is_file(), "{args:?}: {file} is not a file of the repository");
        }
        categories.insert(sarif["runs"][0]["automationDetails"]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(categories.len(), 3, "each command uploads under its own category: {categories:?}");
}

#[test]
fn the_ingestion_check_catches_what_github_rejects() {
    let mut sarif = sarif_of(&["audit", EXAMPLE, "--format", "sarif"]);
    assert!(code_scanning_problems(&sarif).is_empty());
    let result = &mut sarif["runs"][0]["results"][0];
    result["locations"][0].as_object_mut().unwrap().remove("physicalLocation");
    let problems = code_scanning_problems(&sarif);
    assert!(problems.iter().any(|p| p.contains("no physical location")), "{problems:?}");
    sarif["runs"][0]["results"][0]["locations"] = serde_json::json!([
        {"physicalLocation": {"artifactLocation": {"uri": "./app.tf", "uriBaseId": "%SRCROOT%"}}}
    ]);
    let problems = code_scanning_problems(&sarif);
    assert!(problems.iter().any(|p| p.contains("not a clean")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("startLine")), "{problems:?}");
}

#[test]
fn run_from_a_subdirectory_paths_stay_repository_relative() {
    let dir = repo().join(EXAMPLE);
    let from_root = sarif_of(&["audit", EXAMPLE, "--format", "sarif"]);
    let run = tally_in_dir(&dir, &[], &["audit", "--format", "sarif"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let from_sub: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(code_scanning_problems(&from_sub).is_empty(), "{:?}", code_scanning_problems(&from_sub));
    assert_eq!(result_files(&from_sub), result_files(&from_root));
    assert!(result_files(&from_sub).iter().all(|f| f.starts_with("terraform-examples/acme/")));
    assert_eq!(from_sub["runs"][0]["automationDetails"]["id"], "tally/audit/terraform-examples/acme/");

    let run = tally_in_dir(&dir, &[], &["lint", ".", "--format", "github", "--fail-on", "never"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split("file=").nth(1))
        .map(|f| f.split(',').next().unwrap())
        .collect();
    assert!(!files.is_empty(), "{}", run.stdout);
    for file in files {
        assert!(file.starts_with("terraform-examples/acme/"), "{file}");
        assert!(repo().join(file).is_file(), "{file}");
    }
}

#[test]
fn repo_root_can_be_given() {
    let run =
        tally_with_env(&["lint", EXAMPLE, "--format", "sarif"], &[("TALLY_REPO_ROOT", "terraform-examples")]);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(result_files(&sarif).iter().all(|f| f.starts_with("acme/")), "{:?}", result_files(&sarif));
}

#[test]
fn github_annotations_put_code_findings_first_and_write_the_step_summary() {
    let summary = std::env::temp_dir().join(format!("tally-step-summary-{}.md", std::process::id()));
    let _ = std::fs::remove_file(&summary);
    let run = tally_with_env(
        &["audit", EXAMPLE, "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let annotations: Vec<&str> =
        run.stdout.lines().filter(|l| !l.starts_with("::notice title=tally::")).collect();
    let first_unplaced = annotations.iter().position(|l| !l.contains(",line=")).unwrap_or(annotations.len());
    assert!(first_unplaced > 0, "{}", run.stdout);
    assert!(
        annotations[first_unplaced..].iter().all(|l| !l.contains(",line=")),
        "findings at a line come first:\n{}",
        run.stdout
    );
    let written = std::fs::read_to_string(&summary).expect("the step summary is written");
    let _ = std::fs::remove_file(&summary);
    assert!(written.starts_with("<!-- tally:audit -->"), "{written}");
}
