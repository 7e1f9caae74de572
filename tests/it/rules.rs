//! Rules as data (ruff style): every built-in rule has docs and a fixture folder whose findings
//! are snapshotted; policy files (HCL and Organizations JSON), severity overrides, exemptions
//! and the `rules` commands, end to end.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{repo, tally};

const FIXTURES: &str = "tests/fixtures/rules";

/// Rules whose check is not implemented yet: their fixture exists and is snapshotted, but it
/// cannot yet show the rule. Remove an id when its check lands.
const PENDING: &[&str] = &[];

fn rule_ids() -> Vec<String> {
    let run = tally(&["rules", "list", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .skip(2)
        .filter_map(|l| l.trim_start_matches('|').split('|').next())
        .map(|id| id.trim().to_string())
        .collect()
}

fn label(resource: &Value) -> String {
    ["address", "arn", "name"].iter().find_map(|k| resource[k].as_str()).unwrap_or("-").to_string()
}

/// One line per finding (rule, severity, resource, place, message), then the exempted ones:
/// a reviewable snapshot without the noise of the full JSON.
fn digest(report: &Value) -> String {
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let loc = &f["location"];
        let place = match (loc["file"].as_str(), loc["line"].as_u64()) {
            (Some(file), Some(line)) => format!(" @ {file}:{line}"),
            (Some(file), None) => format!(" @ {file}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{} {} {}{}\n    {}\n",
            f["rule_id"].as_str().unwrap(),
            f["severity"].as_str().unwrap(),
            label(&f["resource"]),
            place,
            f["message"].as_str().unwrap()
        ));
    }
    for x in report["exempted"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "exempted {} {} by {}:{}\n",
            x["finding"]["rule_id"].as_str().unwrap(),
            label(&x["finding"]["resource"]),
            x["exemption"]["file"].as_str().unwrap(),
            x["exemption"]["line"]
        ));
    }
    out
}

fn audit(args: &[&str]) -> Value {
    let run = tally(&[&["audit"], args, &["--offline", "--format", "json"]].concat());
    assert!(run.code == 0 || run.code == 1, "{args:?}: exit {}\n{}", run.code, run.stderr);
    serde_json::from_str(&run.stdout).expect("JSON report")
}

#[test]
fn rule_ids_are_unique_and_listed() {
    let ids = rule_ids();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
    // Every rule file is listed once, in id order; the format is pinned on two rows, so adding a
    // rule changes no snapshot but its own fixture's.
    let on_disk: Vec<String> = std::fs::read_dir(repo().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".hcl").to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ids, on_disk);
    let pinned = |text: String| -> String {
        text.lines()
            .enumerate()
            .filter(|(n, line)| *n < 2 || line.contains("BUD001") || line.contains("TAG001"))
            .map(|(_, line)| format!("{line}\n"))
            .collect()
    };
    insta::assert_snapshot!("rules list", pinned(tally(&["rules", "list"]).stdout));
    insta::assert_snapshot!(
        "rules list markdown",
        pinned(tally(&["rules", "list", "--format", "markdown"]).stdout)
    );
}

#[test]
fn every_rule_has_docs_with_every_section() {
    for id in rule_ids() {
        let run = tally(&["rules", "explain", &id]);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        for heading in ["## What it checks", "## Why it matters", "## Example", "## How to fix"] {
            assert!(run.stdout.contains(heading), "{id} lacks {heading}");
        }
    }
    insta::assert_snapshot!("rules explain TAG002", tally(&["rules", "explain", "TAG002"]).stdout);
    let by_name = tally(&["rules", "explain", "tag-value-not-allowed"]);
    assert_eq!(by_name.stdout, tally(&["rules", "explain", "TAG002"]).stdout);
    let unknown = tally(&["rules", "explain", "TAG999"]);
    assert_eq!(unknown.code, 2);
    assert_eq!(unknown.stderr.trim(), "error: unknown rule \"TAG999\" (see `tally rules list`)");
}

#[test]
fn every_rule_has_a_fixture_and_its_findings_are_snapshotted() {
    let ids: BTreeSet<String> = rule_ids().into_iter().collect();
    let mut folders = BTreeSet::new();
    for entry in std::fs::read_dir(repo().join(FIXTURES)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(ids.contains(&name), "fixture folder {name} names no rule");
        folders.insert(name);
    }
    assert_eq!(folders, ids, "every built-in rule has a fixture folder");
    for id in &folders {
        let dir = format!("{FIXTURES}/{id}");
        assert!(repo().join(&dir).join("tally.hcl").is_file(), "{dir} has a tally.hcl");
        let report = audit(&[&dir]);
        assert_eq!(report["partial"], false, "{dir}: {}", report["diagnostics"]);
        let shows = report["findings"].as_array().unwrap().iter().any(|f| f["rule_id"] == id.as_str());
        if PENDING.contains(&id.as_str()) {
            assert!(!shows, "{id} now fires: remove it from PENDING");
        } else {
            assert!(shows, "the {id} fixture shows no {id} finding");
        }
        insta::assert_snapshot!(format!("fixture {id}"), digest(&report));
    }
}

#[test]
fn org_tag_policy_gives_the_same_findings_as_the_equivalent_hcl() {
    let dir = "tests/fixtures/policy/org";
    let org = audit(&[dir, "--policy", "tests/fixtures/policy/org/org-policy.json"]);
    let hcl = audit(&[dir, "--policy", "tests/fixtures/policy/org/equivalent.hcl"]);
    assert_eq!(org["findings"], hcl["findings"]);
    let rules: BTreeSet<&str> =
        org["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert!(rules.is_superset(&BTreeSet::from(["TAG001", "TAG002", "TAG003"])), "{rules:?}");
    insta::assert_snapshot!(digest(&org));
}

#[test]
fn a_malformed_policy_file_reports_three_mistakes_with_their_lines() {
    let run =
        tally(&["lint", "tests/fixtures/rules/TAG001", "--policy", "tests/fixtures/policy/bad/policy.hcl"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines[0], "error: 3 problems in tests/fixtures/policy/bad/policy.hcl");
    let places: Vec<&str> = lines[1..].iter().map(|l| l.trim().split(": ").next().unwrap()).collect();
    assert_eq!(
        places,
        [
            "tests/fixtures/policy/bad/policy.hcl:4:3",
            "tests/fixtures/policy/bad/policy.hcl:5:14",
            "tests/fixtures/policy/bad/policy.hcl:8:14"
        ]
    );
}

#[test]
fn expired_and_unapproved_exemptions_are_reported_and_hide_nothing() {
    let report = audit(&["tests/fixtures/rules/EXM001"]);
    let findings = report["findings"].as_array().unwrap();
    let exm: BTreeSet<String> = findings
        .iter()
        .filter(|f| f["rule_id"] == "EXM001")
        .map(|f| format!("{} {}", label(&f["resource"]), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        exm,
        BTreeSet::from([
            "exemption:expired warning".to_string(),
            "exemption:unapproved warning".to_string(),
            "exemption:stale info".to_string(),
        ])
    );
    for f in findings.iter().filter(|f| f["rule_id"] == "EXM001") {
        assert_eq!(f["location"]["file"], "tests/fixtures/rules/EXM001/exemptions.hcl");
        assert!(f["location"]["line"].as_u64().unwrap() > 0);
    }
    let tag001: BTreeSet<String> =
        findings.iter().filter(|f| f["rule_id"] == "TAG001").map(|f| label(&f["resource"])).collect();
    assert_eq!(tag001, BTreeSet::from(["aws_sqs_queue.b".to_string(), "aws_sqs_queue.c".to_string()]));
    assert_eq!(report["exempted"][0]["finding"]["resource"]["address"], "aws_sqs_queue.a");
    assert_eq!(report["exempted"][0]["exemption"]["approved_by"], "lead@acme.example");
}

#[test]
fn without_a_snapshot_exemptions_expire_against_today() {
    let run = tally(&["lint", "tests/fixtures/rules/EXM001", "--today", "2026-11-10", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let exempted: BTreeSet<String> =
        report["exempted"].as_array().unwrap().iter().map(|x| label(&x["finding"]["resource"])).collect();
    // On the 10th the "expired" entry (until the 17th) still holds; lint does not report
    // unmatched entries (it cannot see live findings).
    assert_eq!(exempted, BTreeSet::from(["aws_sqs_queue.a".to_string(), "aws_sqs_queue.b".to_string()]));
    let exm: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == "EXM001").collect();
    assert_eq!(exm.len(), 1, "only the unapproved one: {exm:#?}");
    // Tables and Markdown list exempted findings briefly.
    let table = tally(&["lint", "tests/fixtures/rules/EXM001", "--today", "2026-11-10"]);
    assert!(table.stdout.contains("Exempted (2)"), "{}", table.stdout);
    let md = tally(&["lint", "tests/fixtures/rules/EXM001", "--today", "2026-11-10", "--format", "markdown"]);
    assert!(md.stdout.contains("2 findings covered by written exemptions"), "{}", md.stdout);
}

#[test]
fn severity_overrides_from_flags_and_config() {
    let report = audit(&["tests/fixtures/rules/TAG001", "--severity", "TAG001=warning"]);
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "warning"));
    let run = tally(&["audit", "tests/fixtures/rules/TAG001", "--offline", "--severity", "TAG001=warning"]);
    assert_eq!(run.code, 0, "a warning does not fail the default gate");
    let bad = tally(&["audit", "tests/fixtures/rules/TAG001", "--offline", "--severity", "TAG999=error"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown rule \"TAG999\""), "{}", bad.stderr);
    // tally.hcl: `severity = { ... }` and `rule "ID" { severity = ... }`.
    let dir = std::env::temp_dir().join(format!("tally-severity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join("tests/fixtures/rules/TAG006/main.tf"), dir.join("main.tf")).unwrap();
    std::fs::write(
        dir.join("tally.hcl"),
        "code = \".\"\nprohibited_tags = [\"temp*\"]\nrule \"TAG006\" {\n  severity = \"error\"\n}\n",
    )
    .unwrap();
    let run = tally(&["lint", dir.to_str().unwrap(), "--format", "json"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["findings"][0]["rule_id"], "TAG006");
    assert_eq!(report["findings"][0]["severity"], "error");
}
