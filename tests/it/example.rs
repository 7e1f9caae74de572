//! The bundled example, end to end: `tally audit terraform-examples/acme` must report exactly
//! what the example's README lists, money must reconcile, and output must be deterministic.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::{repo, tally};

const EXAMPLE: &str = "terraform-examples/acme";

/// `(rule, severity, resource)` rows between the README's expected-findings markers.
fn expected_findings() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(repo().join(EXAMPLE).join("README.md")).expect("example README");
    let start = readme.find("<!-- expected-findings:start -->").expect("start marker");
    let end = readme.find("<!-- expected-findings:end -->").expect("end marker");
    let mut rows: Vec<(String, String, String)> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect::<Vec<_>>())
        .filter(|cells| cells.len() == 3 && cells[0] != "rule" && !cells[0].starts_with('-'))
        .map(|cells| (cells[0].clone(), cells[1].clone(), cells[2].clone()))
        .collect();
    rows.sort();
    assert!(rows.len() >= 10, "the README lists the expected findings");
    rows
}

fn audit_json() -> Value {
    let run = tally(&["audit", EXAMPLE, "--format", "json"]);
    assert_eq!(run.code, 1, "exit 1: the example has errors\nstderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("valid JSON")
}

fn label(resource: &Value) -> String {
    ["address", "arn", "name"]
        .iter()
        .find_map(|k| resource[k].as_str())
        .expect("every finding names its resource")
        .to_string()
}

#[test]
fn audit_reports_exactly_what_the_example_readme_lists() {
    let report = audit_json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["partial"], false, "diagnostics: {}", report["diagnostics"]);
    let mut actual: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                label(&f["resource"]),
            )
        })
        .collect();
    actual.sort();
    let expected = expected_findings();
    let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let extra: Vec<_> = actual.iter().filter(|a| !expected.contains(a)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing: {missing:#?}\nunexpected: {extra:#?}");
    assert_eq!(actual, expected, "no duplicates either");
}

#[test]
fn code_findings_point_at_file_and_line() {
    let report = audit_json();
    for f in report["findings"].as_array().unwrap() {
        if f["layer"] == "code" {
            let file = f["location"]["file"].as_str().expect("code finding has a file");
            assert!(file.starts_with("terraform-examples/acme/") && file.ends_with(".tf"), "{file}");
            assert!(f["location"]["line"].as_u64().unwrap_or(0) > 0, "{f}");
        }
    }
}

#[test]
fn spend_reconciles_to_the_cent() {
    let report = audit_json();
    let spend = &report["summary"]["spend"];
    let amount = |v: &Value| Decimal::from_str(v["amount"].as_str().expect("decimal string")).unwrap();
    let owners: Decimal = spend["by_owner"].as_object().unwrap().values().map(amount).sum();
    let untaggable: Decimal = spend["untaggable"].as_object().unwrap().values().map(amount).sum();
    let total = amount(&spend["total"]);
    assert_eq!(owners + amount(&spend["untagged"]) + untaggable, total);
    // The figures the example README states.
    let by_owner: BTreeMap<&str, Decimal> =
        spend["by_owner"].as_object().unwrap().iter().map(|(k, v)| (k.as_str(), amount(v))).collect();
    assert_eq!(by_owner["payments"], Decimal::from_str("3080.82").unwrap());
    assert_eq!(by_owner["web"], Decimal::from_str("575.94").unwrap());
    assert_eq!(by_owner["platform"], Decimal::from_str("136.50").unwrap());
    assert_eq!(amount(&spend["untagged"]), Decimal::from_str("2289.78").unwrap());
    assert_eq!(amount(&spend["unmanaged"]), Decimal::from_str("2256.46").unwrap());
    assert_eq!(total, Decimal::from_str("8090.44").unwrap());
}

#[test]
fn exemptions_move_findings_to_exempted_and_stale_ones_are_reported() {
    let report = audit_json();
    let exempted: Vec<(String, String, String, u64)> = report["exempted"]
        .as_array()
        .expect("exempted section")
        .iter()
        .map(|x| {
            (
                x["finding"]["rule_id"].as_str().unwrap().to_string(),
                label(&x["finding"]["resource"]),
                x["exemption"]["file"].as_str().unwrap().to_string(),
                x["exemption"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let bastion = "arn:aws:ec2:eu-west-1:111111111111:instance/i-03c5e7a9b1d2f4680";
    let file = "terraform-examples/acme/exemptions.hcl";
    assert_eq!(
        exempted,
        [
            ("CST002".to_string(), bastion.to_string(), file.to_string(), 7),
            ("IAC001".to_string(), bastion.to_string(), file.to_string(), 7),
        ]
    );
    assert_eq!(report["summary"]["findings"]["exempted"], 2);
    // The expired exemption does not hide the bucket's TAG001.
    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["rule_id"] == "TAG001" && label(&f["resource"]) == "aws_s3_bucket.artifacts"));
}

#[test]
fn json_is_byte_identical_across_runs() {
    let a = tally(&["audit", EXAMPLE, "--format", "json"]);
    let b = tally(&["audit", EXAMPLE, "--format", "json"]);
    assert_eq!(a.code, 1);
    assert!(a.stdout == b.stdout, "two runs differ");
}

#[test]
fn terminal_report_snapshot() {
    let run = tally(&["audit", EXAMPLE]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_report_snapshot() {
    let run = tally(&["audit", EXAMPLE, "--format", "json"]);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn lint_gives_exact_file_and_line() {
    // The snapshot's date: without a snapshot, exemptions expire against --today.
    let run = tally(&["lint", EXAMPLE, "--today", "2026-11-18", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    // The expired exemption is reported by lint too, at its place in exemptions.hcl; the
    // bastion's exemption covers live findings lint cannot see, so it is not "unmatched".
    let exm: Vec<&Value> = findings.iter().filter(|f| f["rule_id"] == "EXM001").collect();
    assert_eq!(exm.len(), 1, "{exm:#?}");
    assert_eq!(exm[0]["location"]["file"], "terraform-examples/acme/exemptions.hcl");
    assert_eq!(exm[0]["location"]["line"], 17);
    let places: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f["rule_id"] == "TAG001")
        .map(|f| {
            let loc = &f["location"];
            let place = format!("{}:{}:{}", loc["file"].as_str().unwrap(), loc["line"], loc["column"]);
            (label(&f["resource"]), place)
        })
        .collect();
    let expected = [
        ("aws_ecr_repository.api", "terraform-examples/acme/app.tf:60:3"),
        ("aws_s3_bucket.artifacts", "terraform-examples/acme/storage.tf:13:3"),
        ("aws_sns_topic.alerts", "terraform-examples/acme/observability.tf:17:3"),
        ("aws_sqs_queue.dead_letter", "terraform-examples/acme/app.tf:46:3"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(places, expected);
    // Each points at the `tags` attribute of its resource.
    for (_, place) in &places {
        let mut parts = place.rsplitn(3, ':');
        let (_col, line, file) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let line: usize = line.parse().unwrap();
        assert!(text.lines().nth(line - 1).unwrap().trim_start().starts_with("tags"), "{place}");
    }
}

#[test]
fn plan_gate_flags_the_two_new_resources_without_team_at_their_code() {
    let run =
        tally(&["plan", "terraform-examples/acme/plan.json", "--code", EXAMPLE, "--today", "2026-11-18"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn budgets_command_shows_the_budget_table_and_only_budget_findings() {
    let run = tally(&["budgets", EXAMPLE]);
    assert_eq!(run.code, 1, "payments is over budget: {}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let run = tally(&["budgets", EXAMPLE, "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["BUD001", "BUD002"]);
    let names: Vec<&str> =
        report["budgets"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["acme-total-monthly", "payments", "platform", "web"]);
}

#[test]
fn plan_shows_budget_headroom_of_the_owners_it_touches() {
    let run = tally(&[
        "plan",
        "terraform-examples/acme/plan.json",
        "--code",
        EXAMPLE,
        "--snapshot",
        "terraform-examples/acme/snapshot.json",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    // The plan's new exports bucket belongs to payments; the account-wide budget covers all.
    let names: Vec<&str> =
        report["budgets"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["acme-total-monthly", "payments"]);
    // Only the plan's own findings gate the pull request: no live, spend or budget findings.
    let rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["TAG001", "TAG001"]);
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for format in ["table", "json", "markdown", "sarif", "github", "junit"] {
        let a = tally(&["audit", EXAMPLE, "--format", format]);
        let b = tally(&["audit", EXAMPLE, "--format", format]);
        assert_eq!(a.code, 1, "{format}: {}", a.stderr);
        assert!(!a.stdout.is_empty(), "{format}");
        assert!(
            crate::support::without_times(&a.stdout) == crate::support::without_times(&b.stdout),
            "{format}: two runs differ"
        );
    }
}
