//! Live collection against moto (see `moto.rs`): inventory over regions and accounts, AWS
//! Config for never-tagged resources, Cost Explorer, Budgets, the paid-request cache, partial
//! runs, S3 objects. Every test uses its own account id.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use tally::model::{BudgetPeriod, BudgetSource, ChargeCategory, LiveSource, Tags};
use tally::snapshot::{AttemptStatus, Snapshot};

use crate::moto::{moto, TempDir};
use crate::support::tally;

const REGIONS: &str = "ap-southeast-2,eu-west-1,us-east-1";

fn load(path: &Path) -> Snapshot {
    Snapshot::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn collect(dir: &TempDir, extra: &[&str]) -> (crate::support::Run, Snapshot) {
    let out = dir.path.join("snapshot.json");
    let out_s = out.to_string_lossy().to_string();
    let mut args = vec!["collect", "--as-of", "2026-11-18", "-o", &out_s];
    args.extend_from_slice(extra);
    let run = moto().tally(&args, dir);
    assert!(out.is_file(), "no snapshot written (exit {}):\n{}", run.code, run.stderr);
    let snap = load(&out);
    (run, snap)
}

#[test]
fn inventory_over_three_regions_and_two_accounts_arrives_once_each() {
    let accounts = ["111100000001", "111100000002"];
    let mut expected: BTreeMap<String, Tags> = BTreeMap::new();
    for account in accounts {
        let team = format!("team-{account}");
        let mut spec = json!({ "sqs": [], "sns": [], "volumes": [] });
        for region in REGIONS.split(',') {
            spec["sqs"]
                .as_array_mut()
                .unwrap()
                .push(json!({"region": region, "name": format!("q-{region}"), "tags": {"team": team}}));
            spec["sns"].as_array_mut().unwrap().push(json!({"region": region, "name": format!("t-{region}"), "tags": {"team": team, "env": "prod"}}));
            spec["volumes"].as_array_mut().unwrap().push(json!({"region": region, "tags": {"team": team}}));
        }
        spec["buckets"] =
            json!([{"name": format!("logs-{account}"), "region": "eu-west-1", "tags": {"team": team}}]);
        let seeded = moto().seed(account, spec);
        for arn in seeded["arns"].as_array().unwrap() {
            let arn = arn.as_str().unwrap().to_string();
            let mut want = tags(&[("team", &team)]);
            if arn.contains(":sns:") {
                want.insert("env".into(), "prod".into());
            }
            expected.insert(arn, want);
        }
    }
    assert_eq!(expected.len(), 2 * (3 * 3 + 1));

    let dir = TempDir::new("inventory");
    let (run, snap) =
        collect(&dir, &["--accounts", "111100000001,111100000002", "--role", "tally", "--regions", REGIONS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Cloud Control also lists what AWS creates in every region (the default VPC, its subnets
    // and security group, the default event bus): owned by AWS, never tagged.
    let (tagged, aws_own): (Vec<_>, Vec<_>) =
        snap.resources.iter().partition(|r| r.sources.contains(&LiveSource::TaggingApi));
    assert!(
        aws_own.iter().all(|r| r.attributes.get("is_default").map(String::as_str) == Some("true")),
        "{aws_own:?}"
    );
    let got: BTreeMap<String, Tags> = tagged.iter().map(|r| (r.arn.clone(), r.tags.clone())).collect();
    assert_eq!(got.len(), tagged.len(), "an ARN is listed twice");
    assert_eq!(got, expected);
    for r in tagged {
        let both = vec![LiveSource::TaggingApi, LiveSource::CloudControl];
        assert_eq!(r.sources.iter().copied().collect::<Vec<_>>(), both, "{}", r.arn);
        assert!(accounts.contains(&r.account.as_str()), "{}: account {}", r.arn, r.account);
        if !r.arn.starts_with("arn:aws:s3:") {
            assert!(r.arn.contains(&format!(":{}:", r.region)), "{}: region {}", r.arn, r.region);
        }
    }
    let types: std::collections::BTreeSet<&str> = snap
        .resources
        .iter()
        .filter(|r| r.sources.contains(&LiveSource::TaggingApi))
        .map(|r| r.resource_type.as_str())
        .collect();
    assert_eq!(types, ["ec2:volume", "s3", "sns", "sqs"].into_iter().collect());
    assert_eq!(snap.collection.accounts, accounts.to_vec());
    assert_eq!(snap.collection.regions, REGIONS.split(',').collect::<Vec<_>>());
    assert!(
        snap.collection.attempts.iter().all(|a| a.status == AttemptStatus::Ok
            || (a.source == "config" && a.status == AttemptStatus::NotEnabled)),
        "{:?}",
        snap.collection.attempts
    );
    // 2 accounts x 3 regions x (tagging API + Config + Cloud Control) + 2 x (Cost Explorer +
    // Budgets); Config without a recorder is `not_enabled`.
    assert_eq!(snap.collection.attempts.len(), 2 * 3 * 3 + 2 * 2);

    // Tasks finish in any order; the snapshot does not show it.
    let (again, second) =
        collect(&dir, &["--accounts", "111100000002,111100000001", "--role", "tally", "--regions", REGIONS]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(second.resources, snap.resources);
    assert_eq!(second.collection.attempts, snap.collection.attempts);
    assert_eq!(second.collection.accounts, snap.collection.accounts);
    assert_eq!(
        (snap.collection.paid_requests, second.collection.paid_requests),
        (4, 0),
        "the rerun is cached"
    );
}

#[test]
fn never_tagged_resources_are_found_through_config() {
    let account = "111100000003";
    moto().seed(
        account,
        json!({
            "config_recorders": ["us-east-1"],
            "buckets": [
                {"name": "never-tagged-3", "region": "us-east-1", "tags": null},
                {"name": "tagged-3", "region": "us-east-1", "tags": {"team": "web"}}
            ],
            "iam_roles": [{"name": "deploy-3", "tags": {"team": "platform"}}]
        }),
    );
    let dir = TempDir::new("config");
    let (run, snap) = collect(&dir, &["--accounts", account, "--role", "tally", "--regions", "us-east-1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let by_arn: BTreeMap<&str, _> = snap.resources.iter().map(|r| (r.arn.as_str(), r)).collect();

    let never = by_arn.get("arn:aws:s3:::never-tagged-3").expect("the never-tagged bucket is listed");
    assert!(never.tags.is_empty());
    // The recorder exists but was never started: Config still lists what it knows, and Cloud
    // Control lists the buckets too (Config does not record while stopped).
    assert_eq!(
        never.sources.iter().copied().collect::<Vec<_>>(),
        vec![LiveSource::Config, LiveSource::CloudControl]
    );
    assert_eq!(never.region, "us-east-1");
    assert_eq!(never.account, account);

    let tagged = by_arn.get("arn:aws:s3:::tagged-3").expect("the tagged bucket is listed");
    assert_eq!(tagged.tags, tags(&[("team", "web")]));
    assert!(tagged.sources.contains(&LiveSource::TaggingApi) && tagged.sources.contains(&LiveSource::Config));

    let role =
        by_arn.get(format!("arn:aws:iam::{account}:role/deploy-3").as_str()).expect("the IAM role is listed");
    assert_eq!(role.region, "global");
    assert_eq!(role.resource_type, "iam:role");
    assert_eq!(role.tags, tags(&[("team", "platform")]));
    assert!(role.sources.contains(&LiveSource::Config));
}

fn ce_response(groups: serde_json::Value) -> serde_json::Value {
    json!({
        "GroupDefinitions": [],
        "ResultsByTime": [{
            "TimePeriod": {"Start": "2026-11-02", "End": "2026-11-03"},
            "Total": {},
            "Groups": groups,
            "Estimated": true
        }],
        "DimensionValueAttributes": []
    })
}

fn group(keys: [&str; 2], amount: &str) -> serde_json::Value {
    json!({"Keys": keys, "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}})
}

#[test]
fn cost_explorer_groups_become_cost_lines_and_a_rerun_is_free() {
    let account = "111100000004";
    moto().seed(
        account,
        json!({"ce_results": [
            ce_response(json!([
                group(["team$payments", "Amazon Simple Storage Service"], "12.34"),
                group(["team$", "AWS Lambda"], "1.5"),
                group(["team$web", "AWS Lambda"], "0")
            ])),
            ce_response(json!([
                group(["Tax", "Tax"], "3.10"),
                group(["Support", "AWS Support (Business)"], "0.90"),
                group(["Credit", "Amazon Simple Storage Service"], "-2.00")
            ]))
        ]}),
    );
    let dir = TempDir::new("costs");
    let args = ["--accounts", account, "--role", "tally", "--regions", "us-east-1", "--owner-tag", "team"];
    let (run, snap) = collect(&dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(snap.collection.paid_requests, 2);
    assert!(run.stderr.contains("2 paid Cost Explorer requests (USD 0.02)"), "{}", run.stderr);
    assert_eq!(snap.costs.metric, "UnblendedCost");

    let lines: Vec<(String, Tags, String, ChargeCategory)> = snap
        .costs
        .lines
        .iter()
        .map(|l| (l.service.clone(), l.tags.clone(), l.amount.to_string(), l.charge_category))
        .collect();
    let want = vec![
        ("AWS Lambda".to_string(), tags(&[]), "1.5".to_string(), ChargeCategory::Usage),
        ("AWS Support (Business)".to_string(), tags(&[]), "0.9".to_string(), ChargeCategory::Support),
        ("Amazon Simple Storage Service".to_string(), tags(&[]), "-2".to_string(), ChargeCategory::Credit),
        (
            "Amazon Simple Storage Service".to_string(),
            tags(&[("team", "payments")]),
            "12.34".to_string(),
            ChargeCategory::Usage,
        ),
        ("Tax".to_string(), tags(&[]), "3.1".to_string(), ChargeCategory::Tax),
    ];
    let mut sorted = lines.clone();
    sorted.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(sorted, want);
    for l in &snap.costs.lines {
        assert_eq!(l.account, account);
        assert_eq!(l.currency, "USD");
        assert_eq!(
            (l.period.start.to_string(), l.period.end.to_string()),
            ("2026-11-02".into(), "2026-11-03".into())
        );
    }

    // Within the TTL the same collection is answered from the cache: nothing paid, same data.
    let mut verbose = args.to_vec();
    verbose.push("-v");
    let (again, cached) = collect(&dir, &verbose);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(cached.collection.paid_requests, 0);
    assert!(again.stderr.contains("0 paid Cost Explorer requests (USD 0.00)"), "{}", again.stderr);
    assert_eq!(cached.costs, snap.costs);

    // --no-cache asks again (and pays again).
    let mut no_cache = args.to_vec();
    no_cache.push("--no-cache");
    let (third, fresh) = collect(&dir, &no_cache);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(fresh.collection.paid_requests, 2);
    assert_eq!(fresh.costs, snap.costs);
}

#[test]
fn budgets_come_back_with_their_calculated_spend() {
    let account = "111100000005";
    moto().seed(
        account,
        json!({"budgets": [
            {
                "BudgetName": "payments-monthly",
                "BudgetLimit": {"Amount": "3000", "Unit": "USD"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
                "CostFilters": {"TagKeyValue": ["user:team$payments"]},
                "CalculatedSpend": {
                    "ActualSpend": {"Amount": "1234.5", "Unit": "USD"},
                    "ForecastedSpend": {"Amount": "3100.25", "Unit": "USD"}
                }
            },
            {
                "BudgetName": "ec2-hours",
                "BudgetLimit": {"Amount": "1000", "Unit": "Hrs"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "USAGE"
            }
        ]}),
    );
    let dir = TempDir::new("budgets");
    let (run, snap) = collect(&dir, &["--accounts", account, "--role", "tally", "--regions", "us-east-1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(snap.budgets.len(), 1, "usage budgets are not money: {:?}", snap.budgets);
    let b = &snap.budgets[0];
    assert_eq!(b.name, "payments-monthly");
    assert_eq!(b.scope.tags, [("team".to_string(), vec!["payments".to_string()])].into_iter().collect());
    assert_eq!(b.period, BudgetPeriod::Monthly);
    assert_eq!((b.limit.amount.to_string(), b.limit.currency.as_str()), ("3000".to_string(), "USD"));
    assert_eq!(b.actual.map(|d| d.to_string()).as_deref(), Some("1234.5"));
    assert_eq!(b.forecast.map(|d| d.to_string()).as_deref(), Some("3100.25"));
    assert_eq!(b.source, BudgetSource::AwsBudgets);
}

#[test]
fn a_failing_region_makes_the_run_partial_and_is_named() {
    let account = "111100000006";
    moto().seed(account, json!({"sqs": [{"region": "us-east-1", "name": "jobs", "tags": {"team": "data"}}]}));
    let dir = TempDir::new("partial");
    let args = ["--accounts", account, "--role", "tally", "--regions", "us-east-1,xx-nowhere-9"];
    let (run, snap) = collect(&dir, &args);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("region=xx-nowhere-9"), "{}", run.stderr);
    assert!(run.stderr.contains("partial"), "{}", run.stderr);
    let failed: Vec<_> = snap.failed_attempts().map(|a| (a.region.as_str(), a.source.as_str())).collect();
    // (The Cloud Control fake answers for any region name, so only moto's sources fail.)
    assert_eq!(failed, vec![("xx-nowhere-9", "config"), ("xx-nowhere-9", "tagging-api")]);
    let error = snap.failed_attempts().find(|a| a.source == "tagging-api").and_then(|a| a.error.clone());
    assert_eq!(error.as_deref(), Some("GetResources: operation not available at this endpoint"));
    // The healthy region still arrived (with AWS's own default network, through Cloud Control).
    let user: Vec<_> = snap.resources.iter().filter(|r| !r.attributes.contains_key("is_default")).collect();
    assert_eq!(user.len(), 1, "{user:?}");
    assert_eq!(user[0].arn, format!("arn:aws:sqs:us-east-1:{account}:jobs"));

    // `audit` without --snapshot collects the same way, in memory.
    let mut audit = vec!["audit", "--format", "json"];
    audit.extend_from_slice(&args);
    let run = moto().tally(&audit, &dir);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    assert_eq!(report["partial"], true);
    assert_eq!(report["inputs"]["live_resources"], snap.resources.len());
    let regions: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["region"].as_str()).collect();
    assert_eq!(regions, vec!["xx-nowhere-9", "xx-nowhere-9"]);
}

#[test]
fn an_operation_the_endpoint_lacks_is_reported_clearly() {
    // moto has no ListCostAllocationTags: it answers HTTP 500 with an HTML page.
    let account = "111100000007";
    moto().seed(account, json!({}));
    let dir = TempDir::new("unavailable");
    let (run, snap) = collect(
        &dir,
        &["--accounts", account, "--role", "tally", "--regions", "us-east-1", "--required-tag", "team"],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let failed: Vec<_> = snap.failed_attempts().map(|a| (a.source.as_str(), a.error.as_deref())).collect();
    assert_eq!(
        failed,
        vec![(
            "cost-allocation-tags",
            Some("ListCostAllocationTags: operation not available at this endpoint")
        )]
    );
    assert!(!run.stderr.contains("unexpected token"), "{}", run.stderr);
}

#[test]
fn s3_objects_are_read_whole() {
    // The default account: the test's own SDK configuration uses the base credentials.
    let body = r#"{"version": 4, "terraform_version": "1.9.0", "resources": []}"#;
    moto().seed(
        "123456789012",
        json!({
            "buckets": [{"name": "tally-it-states", "region": "us-east-1", "tags": null}],
            "objects": [{"bucket": "tally-it-states", "key": "envs/prod/terraform.tfstate", "body": body}]
        }),
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let got = runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&moto().endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let clients = tally::aws::Clients::from_sdk_config(config);
        let (bucket, key) =
            tally::aws::s3::parse_url("s3://tally-it-states/envs/prod/terraform.tfstate").unwrap();
        let found = tally::aws::s3::get_object(&clients, bucket, key).await;
        let missing = tally::aws::s3::get_object(&clients, bucket, "nope.tfstate").await;
        (found, missing)
    });
    assert_eq!(got.0.expect("the object is read"), body.as_bytes());
    let err = got.1.expect_err("a missing key is an error").to_string();
    assert!(err.starts_with("s3://tally-it-states/nope.tfstate: GetObject: NoSuchKey"), "{err}");
}

#[test]
fn no_reachable_identity_is_an_input_error() {
    // The default test environment points at a closed local port.
    let run = tally(&["collect", "--regions", "us-east-1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot establish the AWS identity"), "{}", run.stderr);
}

#[test]
fn account_flags_are_checked_before_any_call() {
    let run = tally(&["collect", "--accounts", "12345", "--role", "x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("\"12345\" is not a 12-digit account id"), "{}", run.stderr);
    let run = tally(&["collect", "--accounts", "111111111111"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("need --role"), "{}", run.stderr);
    let run = tally(&["collect", "--regions", "EU_WEST"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn org_collects_every_active_account_through_the_role() {
    // The organization belongs to the account of the base credentials (moto's default), the
    // caller of tally; its members are reached by AssumeRole.
    let seeded = moto().seed(
        "123456789012",
        json!({"organization": {"accounts": [
            {"name": "payments", "email": "payments@example.com"},
            {"name": "web", "email": "web@example.com"}
        ]}}),
    );
    let members: Vec<String> =
        seeded["org_accounts"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    assert_eq!(members.len(), 2);
    for member in &members {
        moto().seed(
            member,
            json!({"sqs": [{"region": "eu-west-1", "name": "orders", "tags": {"team": member}}]}),
        );
    }
    let dir = TempDir::new("org");
    let (run, snap) =
        collect(&dir, &["--org", "--role", "OrganizationAccountAccessRole", "--regions", "eu-west-1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut want = members.clone();
    want.push("123456789012".to_string());
    want.sort();
    assert_eq!(snap.collection.accounts, want);
    assert!(snap.collection.attempts.iter().any(|a| a.source == "organizations"
        && a.account == "123456789012"
        && a.status == AttemptStatus::Ok));
    for member in &members {
        let arn = format!("arn:aws:sqs:eu-west-1:{member}:orders");
        let r = snap.resources.iter().find(|r| r.arn == arn).unwrap_or_else(|| panic!("{arn} not collected"));
        assert_eq!(r.account, *member);
        assert_eq!(r.tags, tags(&[("team", member)]));
    }
}

/// The bundled example's state as an object in moto's S3 (default account).
fn seed_example_state(bucket: &str, key: &str) {
    let state =
        std::fs::read_to_string(crate::support::repo().join("terraform-examples/acme/terraform.tfstate"))
            .expect("example state");
    moto().seed(
        "123456789012",
        json!({
            "buckets": [{"name": bucket, "region": "us-east-1", "tags": null}],
            "objects": [{"bucket": bucket, "key": key, "body": state}]
        }),
    );
}

#[test]
fn audit_reads_terraform_state_from_s3() {
    seed_example_state("tally-it-audit-states", "acme/terraform.tfstate");
    let cache = TempDir::new("s3-state");
    let url = "s3://tally-it-audit-states/acme/terraform.tfstate";
    let run = moto().tally(
        &["audit", "--state", url, "--snapshot", "terraform-examples/acme/snapshot.json", "--format", "json"],
        &cache,
    );
    assert_eq!(run.code, 0, "no tag policy here, so warnings only: {}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["inputs"]["states"], json!([url]));
    let missing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "IAC002")
        .map(|f| f["resource"]["address"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["aws_sqs_queue.jobs[1]"], "the state read from S3 is correlated like a local one");

    let run =
        moto().tally(&["audit", "--state", "s3://tally-it-audit-states/nope.tfstate", "--offline"], &cache);
    assert_eq!(run.code, 2, "a missing state object is an input error: {}", run.stderr);
    assert!(
        run.stderr.contains("s3://tally-it-audit-states/nope.tfstate: GetObject: NoSuchKey"),
        "{}",
        run.stderr
    );
}

#[test]
fn audit_finds_the_state_through_the_codes_s3_backend() {
    seed_example_state("tally-it-backend", "prod/terraform.tfstate");
    let code = TempDir::new("backend-code");
    std::fs::write(
        code.path.join("main.tf"),
        r#"terraform {
  backend "s3" {
    bucket = "tally-it-backend"
    key    = "prod/terraform.tfstate"
    region = "us-east-1"
  }
}

resource "aws_sqs_queue" "q" {
  name = "q"
}
"#,
    )
    .unwrap();
    let cache = TempDir::new("backend-cache");
    let dir = code.path.to_string_lossy().to_string();
    let run = moto().tally(&["audit", &dir, "--format", "json"], &cache);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["inputs"]["states"], json!(["s3://tally-it-backend/prod/terraform.tfstate"]));
    assert!(
        report["inputs"]["terraform_resources"].as_u64().unwrap() > 40,
        "the state's resources were read"
    );
}
