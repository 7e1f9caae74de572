//! Organisation-scale collection against moto: more account-region units than the bound on
//! units in flight (`--concurrency`), every seeded resource arriving once, one failing unit
//! making the run partial (exit 3) with its account and region named, and Cost Explorer asked
//! the same number of times whatever the bound.

use std::collections::BTreeSet;

use serde_json::json;
use tally::model::LiveSource;
use tally::snapshot::{AttemptStatus, Snapshot};

use crate::moto::{moto, TempDir};
use crate::support::tally;

const REGIONS: &str = "eu-west-1,us-east-1,us-west-2";
const ACCOUNTS: [&str; 5] = ["111100000301", "111100000302", "111100000303", "111100000304", "111100000305"];

fn collect(dir: &TempDir, name: &str, extra: &[&str]) -> (crate::support::Run, Snapshot) {
    let out = dir.path.join(name);
    let out_s = out.to_string_lossy().to_string();
    let accounts = ACCOUNTS.join(",");
    let mut args = vec![
        "collect",
        "--as-of",
        "2026-11-18",
        "--no-cache",
        "-o",
        &out_s,
        "--accounts",
        &accounts,
        "--role",
        "tally",
        "--regions",
        REGIONS,
    ];
    args.extend_from_slice(extra);
    let run = moto().tally(&args, dir);
    assert!(out.is_file(), "no snapshot written (exit {}):\n{}", run.code, run.stderr);
    let snapshot = Snapshot::load(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    (run, snapshot)
}

fn tagged(snapshot: &Snapshot) -> BTreeSet<String> {
    snapshot
        .resources
        .iter()
        .filter(|r| r.sources.contains(&LiveSource::TaggingApi))
        .map(|r| r.arn.clone())
        .collect()
}

#[test]
fn fifteen_units_under_a_bound_of_four_lose_nothing_and_one_failing_unit_is_named() {
    let mut expected = BTreeSet::new();
    for account in ACCOUNTS {
        let mut queues = Vec::new();
        for region in REGIONS.split(',') {
            for n in 0..2 {
                queues.push(
                    json!({"region": region, "name": format!("q{n}-{region}"), "tags": {"team": account}}),
                );
            }
        }
        let seeded = moto().seed(account, json!({ "sqs": queues }));
        expected.extend(seeded["arns"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()));
    }
    assert_eq!(expected.len(), 5 * 3 * 2);

    let dir = TempDir::new("org");
    let (run, bounded) = collect(&dir, "bounded.json", &["--concurrency", "4", "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(tagged(&bounded), expected, "every seeded queue arrives once");
    let units: BTreeSet<(&str, &str)> = bounded
        .collection
        .attempts
        .iter()
        .filter(|a| a.source == "cloud-control" && a.status == AttemptStatus::Ok)
        .map(|a| (a.account.as_str(), a.region.as_str()))
        .collect();
    assert_eq!(units.len(), 15, "every unit's Cloud Control answered: {units:?}");
    // `-v` logs each unit with the time since the run started.
    assert_eq!(run.stderr.matches("unit collected").count(), 15, "{}", run.stderr);
    assert!(run.stderr.contains("elapsed="), "{}", run.stderr);

    // The default bound (all 15 at once) gives the same snapshot and the same Cost Explorer
    // requests (two per account).
    let (run, wide) = collect(&dir, "wide.json", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(wide.resources, bounded.resources);
    assert_eq!(wide.collection.attempts, bounded.collection.attempts);
    assert_eq!((bounded.collection.paid_requests, wide.collection.paid_requests), (10, 10));

    // One unit fails (Cloud Control refuses every type in one account and region): the run is
    // partial, names it, and every other unit (and that unit's tagging API) still arrives.
    let (failing, region) = (ACCOUNTS[2], "us-west-2");
    moto().cloud_control_faults(failing, json!({"deny": ["*"], "regions": [region]}));
    let (run, partial) = collect(&dir, "partial.json", &[]);
    assert_eq!(run.code, 3, "a failed unit makes the run partial:\n{}", run.stderr);
    assert!(run.stderr.contains(failing) && run.stderr.contains(region), "{}", run.stderr);
    let failed: Vec<(&str, &str, &str)> = partial
        .failed_attempts()
        .map(|a| (a.account.as_str(), a.region.as_str(), a.source.as_str()))
        .collect();
    assert_eq!(failed, [(failing, region, "cloud-control")]);
    assert_eq!(tagged(&partial), expected, "nothing else is lost");
}

#[test]
fn without_cloud_control_its_types_are_reported_as_not_seen() {
    let account = "111100000310";
    let seeded =
        moto().seed(account, json!({ "sqs": [{"region": "eu-west-1", "name": "by-hand", "tags": {}}] }));
    assert_eq!(seeded["arns"].as_array().unwrap().len(), 1);
    let dir = TempDir::new("org-no-cc");
    let out = dir.path.join("snapshot.json");
    let out_s = out.to_string_lossy().to_string();
    let base = ["collect", "--as-of", "2026-11-18", "--no-cache", "-o", &out_s, "--regions", "eu-west-1"];
    let run = moto().tally_as(&seeded, &[&base[..], &["--no-cloud-control"]].concat(), &dir);
    assert_eq!(run.code, 0, "nothing failed, nothing was asked of Cloud Control:\n{}", run.stderr);
    let snapshot = Snapshot::load(&out).unwrap();
    assert!(!snapshot.collection.attempts.iter().any(|a| a.source == "cloud-control"));
    assert!(snapshot.resources.iter().all(|r| !r.sources.contains(&LiveSource::CloudControl)));

    // The audit says what was not seen, and `--require-visibility` makes that partial.
    let snapshot_s = out.to_string_lossy().to_string();
    let audit = ["audit", "--snapshot", &snapshot_s, "--format", "json"];
    let run = tally(&audit);
    assert!(run.code <= 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let unit = &report["visibility"]["units"][0];
    assert_eq!(unit["sources"]["cloud-control"], "not_asked", "{unit}");
    let gaps = report["visibility"]["gaps"].to_string();
    assert!(gaps.contains("sqs") && gaps.contains(account), "{gaps}");
    let strict = tally(&[&audit[..], &["--require-visibility"]].concat());
    assert_eq!(strict.code, 3, "{}", strict.stderr);
}
