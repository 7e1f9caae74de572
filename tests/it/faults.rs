//! Fault injection against the real SDK: tally talks to moto through a proxy (`faults/proxy.rs`)
//! that throttles, fails, slows and cuts requests. The promise under test: with transient
//! faults the collected data equals a fault-free run (the SDK retries, with tally's retry
//! policy); a region, account or page that keeps failing makes the run partial (exit 3) and is
//! named; nothing is ever lost silently. Every test uses its own account id.

mod proxy;

use std::path::Path;

use serde_json::json;
use tally::snapshot::{AttemptStatus, Snapshot};

use self::proxy::{Fault, Plan, Proxy};
use crate::moto::{moto, TempDir};
use crate::support::{tally_with_env, Run};
use tally::model::LiveSource;

/// The seed of every faulty run: the same faults on the same requests, run after run.
/// `FAULT_SEED=N` tries another sequence.
fn seed() -> u64 {
    std::env::var("FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(3)
}

/// `tally collect` through `proxy` with `attempts` SDK attempts per request; the snapshot when
/// one was written.
fn collect(
    proxy: &Proxy,
    dir: &TempDir,
    name: &str,
    attempts: u32,
    extra: &[&str],
) -> (Run, Option<Snapshot>) {
    let out = dir.path.join(format!("{name}.json"));
    let out_s = out.to_string_lossy().to_string();
    let cache = dir.path.join(format!("{name}-cache")).to_string_lossy().to_string();
    let mut args = vec!["collect", "--as-of", "2026-11-18", "-o", &out_s];
    args.extend_from_slice(extra);
    let attempts = attempts.to_string();
    let run = tally_with_env(
        &args,
        &[
            ("AWS_ENDPOINT_URL", &proxy.endpoint),
            ("AWS_ENDPOINT_URL_CLOUDCONTROL", &crate::moto::moto().cloud_control),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_MAX_ATTEMPTS", &attempts),
            ("TALLY_CACHE_DIR", &cache),
        ],
    );
    let snap = out.is_file().then(|| load(&out));
    (run, snap)
}

fn load(path: &Path) -> Snapshot {
    Snapshot::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The snapshot without the one field that legitimately differs between runs.
fn comparable(snap: &Snapshot) -> serde_json::Value {
    let mut v = serde_json::to_value(snap).expect("a snapshot serializes");
    v["collected_at"] = serde_json::Value::Null;
    v
}

/// `n` SQS queues in `region`, tagged; their ARNs.
fn queues(region: &str, prefix: &str, n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| json!({"region": region, "name": format!("{prefix}-{i:03}"), "tags": {"team": format!("t{}", i % 4)}}))
        .collect()
}

fn ce_result(team: &str, amount: &str) -> serde_json::Value {
    json!({
        "GroupDefinitions": [],
        "ResultsByTime": [{
            "TimePeriod": {"Start": "2026-11-02", "End": "2026-11-03"},
            "Total": {},
            "Groups": [{"Keys": [format!("team${team}"), "AWS Lambda"],
                        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}],
            "Estimated": true
        }],
        "DimensionValueAttributes": []
    })
}

fn is_page_after_first(r: &proxy::Request) -> bool {
    let body = r.body_text();
    r.operation() == "GetResources"
        && body.contains("\"PaginationToken\":\"")
        && !body.contains("\"PaginationToken\":\"\"")
}

#[test]
fn thirty_percent_transient_faults_change_nothing() {
    let accounts = ["222200000001", "222200000007"];
    for (i, account) in accounts.into_iter().enumerate() {
        let mut sqs = queues("us-east-1", "jobs", if i == 0 { 130 } else { 4 }); // 130: two pages
        sqs.extend(queues("eu-west-1", "etl", 7));
        sqs.extend(queues("ap-southeast-2", "web", 2));
        moto().seed(
            account,
            json!({
                "sqs": sqs,
                "sns": [{"region": "eu-west-1", "name": "alerts", "tags": {"team": "ops", "env": "prod"}}],
                "ce_results": [ce_result("payments", "12.34"), ce_result("web", "0.5")],
                "budgets": [{
                    "BudgetName": format!("payments-monthly-{i}"),
                    "BudgetLimit": {"Amount": "3000", "Unit": "USD"},
                    "TimeUnit": "MONTHLY",
                    "BudgetType": "COST",
                    "CostFilters": {"TagKeyValue": ["user:team$payments"]},
                    "CalculatedSpend": {"ActualSpend": {"Amount": "1234.5", "Unit": "USD"}}
                }]
            }),
        );
    }
    let dir = TempDir::new("faults-transient");
    let accounts = accounts.join(",");
    let regions = "us-east-1,eu-west-1,ap-southeast-2";
    let args = ["--accounts", &accounts, "--role", "tally", "--regions", regions, "--owner-tag", "team"];

    let clean = Proxy::start(&moto().endpoint, Plan::none());
    let (run, baseline) = collect(&clean, &dir, "clean", 10, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let baseline = baseline.expect("a snapshot");
    let tagged = baseline.resources.iter().filter(|r| r.sources.contains(&LiveSource::TaggingApi)).count();
    assert_eq!(tagged, (130 + 7 + 2 + 1) + (4 + 7 + 2 + 1));
    assert_eq!(clean.injected(), 0);

    let faulty = Proxy::start(&moto().endpoint, Plan::transient(seed(), 0.3));
    let (run, got) = collect(&faulty, &dir, "faulty", 10, &args);
    assert_eq!(run.code, 0, "with retries every request gets through:\n{}", run.stderr);
    let got = got.expect("a snapshot");
    assert_eq!(comparable(&got), comparable(&baseline), "faults changed the data");

    // The faults really happened, of several kinds, and were retried.
    let log = faulty.log();
    let kinds: std::collections::BTreeSet<Fault> = log.iter().filter_map(|(_, f)| *f).collect();
    let injected = faulty.injected();
    assert!(injected >= 5, "only {injected} faults injected in {} requests", log.len());
    assert!(kinds.len() >= 4, "fault kinds: {kinds:?}");
    let failed = log.iter().filter(|(_, f)| f.is_some_and(|f| f != Fault::Slow)).count() as u64;
    assert!(
        faulty.requests() >= clean.requests() + failed,
        "every failed request was retried: {} requests with faults, {} without, {failed} failed",
        faulty.requests(),
        clean.requests()
    );

    // Without retries the same faults make the run partial (or stop it): never a silent pass.
    let strict = Proxy::start(&moto().endpoint, Plan::transient(seed(), 0.3));
    let (run, snap) = collect(&strict, &dir, "strict", 1, &args);
    assert!(strict.injected() > 0);
    assert!(matches!(run.code, 2 | 3), "exit {}:\n{}", run.code, run.stderr);
    if let Some(snap) = snap {
        assert!(snap.failed_attempts().next().is_some(), "exit 3 names what failed");
        assert!(run.stderr.contains("collection failed"), "{}", run.stderr);
    }
}

#[test]
fn a_region_that_keeps_failing_is_named_and_the_rest_arrives() {
    let account = "222200000002";
    let mut sqs = queues("us-east-1", "web", 3);
    sqs.extend(queues("eu-west-1", "etl", 3));
    moto().seed(account, json!({ "sqs": sqs }));
    let dir = TempDir::new("faults-region");
    let plan = Plan::none().rule(Fault::Unavailable, |r| r.signing_region().as_deref() == Some("eu-west-1"));
    let proxy = Proxy::start(&moto().endpoint, plan);
    let args = ["--accounts", account, "--role", "tally", "--regions", "us-east-1,eu-west-1"];
    let (run, snap) = collect(&proxy, &dir, "snap", 3, &args);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("region=eu-west-1"), "{}", run.stderr);
    let snap = snap.expect("a partial snapshot is still written");
    let failed: Vec<_> = snap.failed_attempts().map(|a| (a.region.as_str(), a.source.as_str())).collect();
    assert_eq!(failed, vec![("eu-west-1", "config"), ("eu-west-1", "tagging-api")]);
    let error = snap.failed_attempts().find(|a| a.source == "tagging-api").and_then(|a| a.error.clone());
    assert!(error.as_deref().is_some_and(|e| e.starts_with("GetResources: ")), "{error:?}");
    // What the tagging API returned; Cloud Control (not behind this proxy) still saw eu-west-1.
    let tagged: Vec<_> =
        snap.resources.iter().filter(|r| r.sources.contains(&LiveSource::TaggingApi)).collect();
    let regions: std::collections::BTreeSet<&str> = tagged.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(regions, ["us-east-1"].into_iter().collect());
    assert_eq!(tagged.len(), 3);
}

#[test]
fn an_account_that_cannot_be_assumed_is_named_and_the_rest_arrives() {
    let (good, bad) = ("222200000003", "222200000004");
    moto().seed(good, json!({ "sqs": queues("us-east-1", "ok", 2) }));
    moto().seed(bad, json!({ "sqs": queues("us-east-1", "lost", 2) }));
    let dir = TempDir::new("faults-account");
    let plan = Plan::none()
        .rule(Fault::AccessDenied, move |r| r.operation() == "AssumeRole" && r.body_text().contains(bad));
    let proxy = Proxy::start(&moto().endpoint, plan);
    let accounts = format!("{good},{bad}");
    let args = ["--accounts", &accounts, "--role", "tally", "--regions", "us-east-1"];
    let (run, snap) = collect(&proxy, &dir, "snap", 3, &args);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("account={bad}")), "{}", run.stderr);
    let snap = snap.expect("a partial snapshot is still written");
    let failed: Vec<_> = snap.failed_attempts().map(|a| (a.account.as_str(), a.source.as_str())).collect();
    assert_eq!(failed, vec![(bad, "sts")]);
    assert!(snap.resources.iter().all(|r| r.account == good));
    assert_eq!(snap.resources.iter().filter(|r| r.sources.contains(&LiveSource::TaggingApi)).count(), 2);
}

#[test]
fn a_page_that_keeps_failing_is_never_lost_silently() {
    let account = "222200000005";
    moto().seed(account, json!({ "sqs": queues("us-east-1", "page", 130) }));
    let dir = TempDir::new("faults-page");
    let proxy = Proxy::start(&moto().endpoint, Plan::none().rule(Fault::Internal, is_page_after_first));
    let args = ["--accounts", account, "--role", "tally", "--regions", "us-east-1"];
    let (run, snap) = collect(&proxy, &dir, "snap", 2, &args);
    assert!(
        proxy.log().iter().any(|(op, f)| op == "GetResources" && f.is_some()),
        "page 2 was asked for and failed"
    );
    assert_eq!(run.code, 3, "a run missing a page must say so:\n{}", run.stderr);
    assert!(run.stderr.contains("GetResources"), "{}", run.stderr);
    let snap = snap.expect("a partial snapshot is still written");
    let failed: Vec<_> = snap
        .failed_attempts()
        .map(|a| (a.region.as_str(), a.source.as_str(), a.error.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((failed[0].0, failed[0].1), ("us-east-1", "tagging-api"));
    assert!(failed[0].2.starts_with("GetResources: "), "{failed:?}");
    // Whatever arrived is marked as incomplete: the audit will not call the rest missing.
    assert!(snap
        .collection
        .attempts
        .iter()
        .any(|a| a.source == "tagging-api" && a.status == AttemptStatus::Error));

    // `audit` (live, in memory) is partial too.
    let run = tally_with_env(
        &["audit", "--format", "json", "--accounts", account, "--role", "tally", "--regions", "us-east-1"],
        &[
            ("AWS_ENDPOINT_URL", &proxy.endpoint),
            ("AWS_ENDPOINT_URL_CLOUDCONTROL", &crate::moto::moto().cloud_control),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_MAX_ATTEMPTS", "2"),
            ("TALLY_CACHE_DIR", &dir.path.join("audit-cache").to_string_lossy()),
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    assert_eq!(report["partial"], true);
}

#[test]
fn region_order_does_not_change_the_snapshot() {
    let account = "222200000006";
    let mut sqs = queues("us-east-1", "a", 3);
    sqs.extend(queues("eu-west-1", "b", 3));
    sqs.extend(queues("ap-southeast-2", "c", 3));
    moto().seed(account, json!({ "sqs": sqs, "buckets": [{"name": "logs-222200000006", "region": "eu-west-1", "tags": {"team": "x"}}] }));
    let dir = TempDir::new("faults-order");
    let proxy = Proxy::start(&moto().endpoint, Plan::none());
    let mut bytes = Vec::new();
    for (name, regions) in
        [("one", "us-east-1,eu-west-1,ap-southeast-2"), ("two", "ap-southeast-2,us-east-1,eu-west-1")]
    {
        let (run, snap) =
            collect(&proxy, &dir, name, 1, &["--accounts", account, "--role", "tally", "--regions", regions]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut snap = snap.expect("a snapshot");
        assert_eq!(snap.resources.iter().filter(|r| r.sources.contains(&LiveSource::TaggingApi)).count(), 10);
        snap.collected_at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        snap.collection.paid_requests = 0; // the second run is answered from the cache
        bytes.push(serde_json::to_string_pretty(&snap).expect("serializes"));
    }
    assert_eq!(bytes[0], bytes[1], "the order of --regions leaks into the snapshot");
}
