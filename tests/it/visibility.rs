//! Issue 15, end to end against moto and the Cloud Control fake that answers from moto's state
//! (`tests/support/cloudcontrol_fake.py`): a seeded account without AWS Config, where the
//! resources nobody tagged are found through Cloud Control; who owns what is inferred however
//! a resource is seen; missing resources only where their type was enumerable; and a run where
//! Cloud Control is refused says what it could not see and exits 3.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tally::snapshot::{AttemptStatus, Snapshot};

use crate::moto::{moto, TempDir};
use crate::support::tally;

const REGION: &str = "us-east-1";

/// A Terraform v4 state resource.
fn resource(kind: &str, name: &str, attributes: Value) -> Value {
    json!({
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}]
    })
}

fn state(resources: Vec<Value>) -> Value {
    json!({"version": 4, "terraform_version": "1.9.0", "serial": 1,
           "lineage": "5d1c2b3a-0000-4000-8000-000000000015", "outputs": {}, "resources": resources})
}

/// The account: an instance with only a Name tag, a bucket and an IAM role never
/// tagged, a queue tagged by hand, an auto scaling group's instances, a CloudFormation stack's
/// queue and topic, a Kubernetes load balancer, a service-linked role; and a queue Terraform
/// manages.
fn seed(account: &str) -> Value {
    moto().seed(
        account,
        json!({
            "instances": [{"region": REGION, "count": 1, "tags": {"Name": "bastion"}}],
            "buckets": [{"name": format!("never-tagged-{account}"), "region": REGION, "tags": null}],
            "iam_roles": [{"name": "clickops-role"}],
            "sqs": [
                {"region": REGION, "name": "hand-tagged", "tags": {"team": "ops"}},
                {"region": REGION, "name": "orders", "tags": {"team": "payments"}}
            ],
            "asgs": [{"region": REGION, "name": "web-asg", "size": 2, "tags": {"team": "web"}}],
            "stacks": [{"region": REGION, "name": "legacy", "queues": ["legacy-q"], "topics": ["legacy-t"]}],
            "load_balancers": [{"region": REGION, "name": "k8s-prod-web", "tags": {"kubernetes.io/cluster/prod": "owned"}}],
            "service_linked_roles": ["autoscaling.amazonaws.com"]
        }),
    )
}

/// What Terraform manages there, plus two state resources that do not exist: a DynamoDB table
/// (a type Cloud Control enumerates: missing) and an ACM certificate (a type no source lists:
/// never called missing).
fn write_state(dir: &TempDir, account: &str, seeded: &Value) -> String {
    let asg = &seeded["asgs"]["web-asg"];
    let state = state(vec![
        resource(
            "aws_autoscaling_group",
            "web",
            json!({"id": "web-asg", "name": "web-asg", "arn": asg["arn"]}),
        ),
        resource(
            "aws_launch_template",
            "web",
            json!({
                "id": asg["launch_template_id"], "name": "web-asg", "arn": asg["launch_template_arn"],
                "tags": {}, "tags_all": {}
            }),
        ),
        resource(
            "aws_sqs_queue",
            "orders",
            json!({
                "id": format!("https://sqs.{REGION}.amazonaws.com/{account}/orders"), "name": "orders",
                "arn": format!("arn:aws:sqs:{REGION}:{account}:orders"),
                "tags": {"team": "payments"}, "tags_all": {"team": "payments"}
            }),
        ),
        resource(
            "aws_dynamodb_table",
            "gone",
            json!({
                "id": "gone", "name": "gone", "arn": format!("arn:aws:dynamodb:{REGION}:{account}:table/gone"),
                "tags": {"team": "payments"}, "tags_all": {"team": "payments"}
            }),
        ),
        resource(
            "aws_acm_certificate",
            "cert",
            json!({
                "id": format!("arn:aws:acm:{REGION}:{account}:certificate/0f0e0d0c-0000-4000-8000-000000000015"),
                "arn": format!("arn:aws:acm:{REGION}:{account}:certificate/0f0e0d0c-0000-4000-8000-000000000015"),
                "tags": {"team": "payments"}, "tags_all": {"team": "payments"}
            }),
        ),
    ]);
    let path = dir.path.join("terraform.tfstate");
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
    path.to_string_lossy().to_string()
}

fn collect(
    seeded: &Value,
    dir: &TempDir,
    extra_env: &[(&str, &str)],
) -> (crate::support::Run, Snapshot, String) {
    let out = dir.path.join("snapshot.json");
    let out_s = out.to_string_lossy().to_string();
    let args = ["collect", "--as-of", "2026-11-18", "--regions", REGION, "-o", &out_s];
    let run = moto().tally_as_with(seeded, &args, dir, extra_env);
    assert!(out.is_file(), "no snapshot (exit {}):\n{}", run.code, run.stderr);
    let snapshot = Snapshot::load(&out).unwrap();
    (run, snapshot, out_s)
}

fn audit(state: &str, snapshot: &str, extra: &[&str]) -> (crate::support::Run, Value) {
    let mut args = vec!["audit", "--state", state, "--snapshot", snapshot, "--format", "json"];
    args.extend_from_slice(extra);
    let run = tally(&args);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}), exit {}:\n{}\n{}", run.code, run.stdout, run.stderr));
    (run, report)
}

fn findings<'a>(report: &'a Value, rule: &str, severity: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule && f["severity"] == severity)
        .collect()
}

#[test]
fn without_config_every_never_tagged_resource_is_found_and_nothing_owned_is_called_unmanaged() {
    let account = "111100000151";
    let dir = TempDir::new("visibility-no-config");
    let seeded = seed(account);
    let state = write_state(&dir, account, &seeded);
    let (run, snapshot, snapshot_path) = collect(&seeded, &dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cc = snapshot.collection.attempts.iter().find(|a| a.source == "cloud-control").expect("asked");
    assert_eq!(cc.status, AttemptStatus::Ok, "{cc:?}");
    assert!(cc.types.len() >= 40, "{}", cc.types.len());
    let config = snapshot.collection.attempts.iter().find(|a| a.source == "config").expect("asked");
    assert_eq!(config.status, AttemptStatus::NotEnabled);

    let (run, report) = audit(&state, &snapshot_path, &[]);
    assert!(!report["partial"].as_bool().unwrap(), "{}", report["diagnostics"]);
    assert_ne!(run.code, 3);
    let unmanaged: BTreeSet<&str> = findings(&report, "IAC001", "warning")
        .iter()
        .map(|f| f["resource"]["arn"].as_str().unwrap())
        .collect();
    let bastion = seeded["arns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.contains(":instance/"))
        .unwrap();
    let bucket = format!("arn:aws:s3:::never-tagged-{account}");
    let role = format!("arn:aws:iam::{account}:role/clickops-role");
    let queue = format!("arn:aws:sqs:{REGION}:{account}:hand-tagged");
    let want: BTreeSet<&str> = [bastion, bucket.as_str(), role.as_str(), queue.as_str()].into();
    assert_eq!(unmanaged, want, "recall and precision: exactly the ClickOps resources");

    // The owned-elsewhere ones, grouped by owner.
    let owners: BTreeSet<String> = findings(&report, "IAC001", "info")
        .iter()
        .map(|f| {
            let o = &f["details"]["inferred_owner"];
            format!("{}:{}", o["kind"].as_str().unwrap(), o["name"].as_str().unwrap())
        })
        .collect();
    for want in [
        "autoscaling-group:web-asg",
        "cloudformation-stack:legacy",
        "kubernetes:prod",
        "aws-service-linked-role:AWS",
        "aws-default:AWS",
    ] {
        assert!(owners.contains(want), "{want} not in {owners:?}");
    }

    // Missing only where the type was enumerable: the table, not the certificate.
    let missing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "IAC002")
        .map(|f| f["resource"]["address"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["aws_dynamodb_table.gone"]);

    // Visibility: everything looked at was visible, and coverage says what it was computed over.
    let visibility = &report["visibility"];
    assert!(visibility["gaps"].is_null(), "{visibility}");
    assert_eq!(visibility["units"][0]["sources"]["cloud-control"], "ok");
    assert_eq!(visibility["units"][0]["sources"]["config"], "not_enabled");
    let over = report["summary"]["coverage"]["computed_over"].as_str().unwrap();
    assert!(over.contains("cloud-control") && over.contains("1 account x 1 region"), "{over}");
    let table = tally(&["audit", "--state", &state, "--snapshot", &snapshot_path]);
    assert!(table.stdout.contains("Visibility"), "{}", table.stdout);
}

#[test]
fn cloud_control_refused_is_a_partial_run_naming_what_was_not_seen() {
    let account = "111100000152";
    let dir = TempDir::new("visibility-denied");
    let seeded = seed(account);
    let state = write_state(&dir, account, &seeded);
    moto().cloud_control_faults(account, json!({"deny": ["AWS::S3::Bucket", "AWS::IAM::Role"]}));
    let (run, snapshot, snapshot_path) = collect(&seeded, &dir, &[]);
    assert_eq!(run.code, 3, "a refused type makes the snapshot partial:\n{}", run.stderr);
    let cc = snapshot.collection.attempts.iter().find(|a| a.source == "cloud-control").unwrap();
    assert_eq!(cc.status, AttemptStatus::Denied);
    assert_eq!(cc.types["AWS::S3::Bucket"].status, AttemptStatus::Denied);
    assert_eq!(cc.types["AWS::EC2::Instance"].status, AttemptStatus::Ok, "the other types still answer");

    let (run, report) = audit(&state, &snapshot_path, &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(report["partial"].as_bool().unwrap());
    let diagnostics = report["diagnostics"].to_string();
    for needle in ["AWS::S3::Bucket", "AWS::IAM::Role", account, REGION, "never-tagged"] {
        assert!(diagnostics.contains(needle), "{needle} not named: {diagnostics}");
    }
    let gap = &report["visibility"]["gaps"][0];
    assert_eq!(gap["account"], account);
    let types: Vec<&str> = gap["types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(types, ["iam:role", "s3"]);
    // The never-tagged bucket and role were not seen; the rest of the ClickOps still was.
    let unmanaged = findings(&report, "IAC001", "warning");
    assert_eq!(unmanaged.len(), 2, "bastion and hand-tagged queue only");
}

#[test]
fn cloud_control_throttling_and_paging_lose_nothing() {
    let account = "111100000153";
    let dir = TempDir::new("visibility-throttled");
    let seeded = seed(account);
    let (_, calm, _) = collect(&seeded, &dir, &[]);
    moto().cloud_control_faults(account, json!({"throttle_every": 7, "page_size": 3}));
    let (run, stormy, _) = collect(&seeded, &dir, &[("AWS_MAX_ATTEMPTS", "6")]);
    assert_eq!(run.code, 0, "throttled requests are retried:\n{}", run.stderr);
    assert_eq!(stormy.resources, calm.resources, "every page of every type still arrives");
    assert!(stormy.resources.len() > 15, "{}", stormy.resources.len());
}

#[test]
fn a_config_aggregator_is_read_once_for_the_accounts_and_regions_it_covers() {
    let account = "111100000154";
    let dir = TempDir::new("visibility-aggregator");
    let seeded = moto().seed(
        account,
        json!({
            "buckets": [{"name": format!("agg-{account}"), "region": REGION, "tags": null}],
            "iam_roles": [{"name": "agg-role"}],
            "config_aggregator": {"name": "org", "regions": [REGION]}
        }),
    );
    let out = dir.path.join("snapshot.json");
    let out_s = out.to_string_lossy().to_string();
    let args =
        ["collect", "--as-of", "2026-11-18", "--regions", REGION, "--config-aggregator", "org", "-o", &out_s];
    let run = moto().tally_as(&seeded, &args, &dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snapshot = Snapshot::load(&out).unwrap();
    let sources: Vec<&str> = snapshot.collection.attempts.iter().map(|a| a.source.as_str()).collect();
    assert!(!sources.contains(&"config"), "no per-region Config with an aggregator: {sources:?}");
    let agg = snapshot.collection.attempts.iter().find(|a| a.source == "config-aggregator").unwrap();
    assert_eq!((agg.account.as_str(), agg.region.as_str(), agg.status), (account, REGION, AttemptStatus::Ok));
    let bucket = snapshot.resources.iter().find(|r| r.arn == format!("arn:aws:s3:::agg-{account}")).unwrap();
    assert!(bucket.sources.contains(&tally::model::LiveSource::Config), "{bucket:?}");
    assert!(bucket.sources.contains(&tally::model::LiveSource::CloudControl), "{bucket:?}");

    // An aggregator that does not exist is an error of that source, not of the run's start.
    let args = [
        "collect",
        "--as-of",
        "2026-11-18",
        "--regions",
        REGION,
        "--config-aggregator",
        "nope",
        "-o",
        &out_s,
    ];
    let run = moto().tally_as(&seeded, &args, &dir);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let snapshot = Snapshot::load(&out).unwrap();
    let agg = snapshot.collection.attempts.iter().find(|a| a.source == "config-aggregator").unwrap();
    assert!(agg.error.as_deref().unwrap_or_default().contains("nope"), "{agg:?}");
}

/// A snapshot where only the tagging API answered (as every snapshot before issue 15): never-
/// tagged resources were not visible anywhere. Reported always; a partial run only when asked.
#[test]
fn require_visibility_makes_invisible_never_tagged_resources_a_partial_run() {
    let dir = TempDir::new("visibility-require");
    let snapshot = json!({
        "format": "tally-snapshot", "version": 1, "collected_at": "2026-11-18T00:00:00Z", "as_of": "2026-11-18",
        "collection": {"accounts": ["111111111111"], "regions": ["eu-west-1"], "attempts": [
            {"account": "111111111111", "region": "eu-west-1", "source": "tagging-api", "status": "ok"}
        ]},
        "resources": [{"arn": "arn:aws:sqs:eu-west-1:111111111111:jobs", "account": "111111111111",
                       "region": "eu-west-1", "type": "sqs", "tags": {"team": "a"}, "sources": ["tagging-api"]}]
    });
    let path = dir.path.join("snapshot.json");
    std::fs::write(&path, snapshot.to_string()).unwrap();
    let path = path.to_string_lossy().to_string();
    let state = dir.path.join("terraform.tfstate");
    std::fs::write(&state, state_with_queue().to_string()).unwrap();
    let state = state.to_string_lossy().to_string();

    let (run, report) = audit(&state, &path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!report["partial"].as_bool().unwrap());
    assert_eq!(report["visibility"]["gaps"][0]["region"], "eu-west-1");
    let table = tally(&["audit", "--state", &state, "--snapshot", &path]);
    assert!(table.stdout.contains("NOT visible in 1 of 1 account-region"), "{}", table.stdout);

    let (run, report) = audit(&state, &path, &["--require-visibility"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["source"], "visibility");
    let message = diagnostic["message"].as_str().unwrap();
    assert!(
        message.contains("account 111111111111 region eu-west-1") && message.contains("ec2:instance"),
        "{message}"
    );

    // The same gate from tally.hcl.
    std::fs::write(dir.path.join("tally.hcl"), "require_visibility = true\n").unwrap();
    let dir_s = dir.path.to_string_lossy().to_string();
    let run = tally(&["audit", &dir_s, "--state", &state, "--snapshot", &path, "--format", "json"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

fn state_with_queue() -> Value {
    state(vec![resource(
        "aws_sqs_queue",
        "jobs",
        json!({
            "id": "https://sqs.eu-west-1.amazonaws.com/111111111111/jobs", "name": "jobs",
            "arn": "arn:aws:sqs:eu-west-1:111111111111:jobs", "tags": {"team": "a"}, "tags_all": {"team": "a"}
        }),
    )])
}
