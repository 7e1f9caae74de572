//! `tally fix` and `tally import` end to end: the fixed code passes `terraform fmt -check` and
//! lints clean for what was fixed; import files parse and name the documented import ids.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::moto::{moto, TempDir};
use crate::support::{repo, tally};

/// Copy a fixture tree into a fresh temporary directory.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `test` names the temporary directory: tests run in parallel.
fn fixture_copy(name: &str, test: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(&format!("fix-{test}"));
    let dir = tmp.path.join(name);
    copy_tree(&repo().join("tests/fixtures/fix").join(name), &dir);
    (tmp, dir)
}

/// `terraform fmt -check -recursive DIR`: the result must be what Terraform itself would write.
fn terraform_fmt_check(dir: &Path) {
    let out = Command::new("terraform")
        .args(["fmt", "-check", "-recursive", "-diff"])
        .arg(dir)
        .output()
        .expect("terraform (1.5 or later) is on PATH: the fix tests compare with its formatter");
    assert!(out.status.success(), "terraform fmt -check failed:\n{}", String::from_utf8_lossy(&out.stdout));
}

fn lint_findings(dir: &Path) -> Vec<(String, String)> {
    let run = tally(&["lint", &dir.to_string_lossy(), "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["address"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn fix_dry_run_prints_a_diff_and_changes_nothing() {
    let dir = "tests/fixtures/fix/shapes";
    let before = std::fs::read_to_string(repo().join(dir).join("main.tf")).unwrap();
    let run = tally(&["fix", dir, "--set", "cost-center=cc-100"]);
    assert_eq!(run.code, 1, "changes pending: {}", run.stderr);
    assert_eq!(std::fs::read_to_string(repo().join(dir).join("main.tf")).unwrap(), before);
    insta::assert_snapshot!("fix_shapes_diff", run.stdout);
    insta::assert_snapshot!("fix_shapes_summary", run.stderr);
}

#[test]
fn fix_write_passes_terraform_fmt_and_relints_clean() {
    let (_tmp, dir) = fixture_copy("shapes", "write");
    let before = lint_findings(&dir);
    assert_eq!(before.len(), 10, "{before:?}");
    let run = tally(&["fix", &dir.to_string_lossy(), "--set", "cost-center=cc-100", "--write"]);
    // Two findings are expressions: they need a person, so the run still says "not done".
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("8 fixed in 2 files (changed); 2 need a human"), "{}", run.stderr);
    assert!(run.stderr.contains("re-lint: the fixed findings are gone, no new findings"), "{}", run.stderr);
    assert!(
        run.stderr.contains("main.tf:54: TAG001 aws_sns_topic.merged: tags is an expression"),
        "{}",
        run.stderr
    );
    terraform_fmt_check(&dir);
    let after = lint_findings(&dir);
    assert_eq!(
        after,
        vec![
            ("TAG001".to_string(), "aws_sns_topic.merged".to_string()),
            ("TAG002".to_string(), "aws_dynamodb_table.var_value".to_string()),
        ]
    );
    // A second run has nothing left to change.
    let again = tally(&["fix", &dir.to_string_lossy(), "--set", "cost-center=cc-100"]);
    assert_eq!(again.stdout, "", "{}", again.stderr);
}

#[test]
fn fix_bytes_outside_tag_attributes_are_untouched() {
    let (_tmp, dir) = fixture_copy("shapes", "bytes");
    let old = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let run = tally(&["fix", &dir.to_string_lossy(), "--set", "cost-center=cc-100", "--write"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let new = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    // Every line of the old file survives, in order, except the tag lines that were changed.
    let changed_old: Vec<&str> = old.lines().filter(|l| !new.lines().any(|n| n == *l)).collect();
    assert_eq!(
        changed_old,
        vec![
            "  tags   = { Name = \"literal\", env = \"prod\" }",
            "    Team = \"platform\" # on call: #platform",
            "    env = \"production\" // not an allowed value",
            "    Name = each.key",
        ]
    );
}

#[test]
fn fix_default_tags_extends_the_provider() {
    let (_tmp, dir) = fixture_copy("default-tags", "default-tags");
    let run = tally(&["fix", &dir.to_string_lossy(), "--default-tags", "--set", "team=platform", "--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert!(text.contains("      env  = \"prod\"\n      team = \"platform\"\n"), "{text}");
    terraform_fmt_check(&dir);
    assert_eq!(lint_findings(&dir), vec![]);
}

#[test]
fn fix_without_a_value_needs_a_human() {
    let (_tmp, dir) = fixture_copy("shapes", "no-value");
    let run = tally(&["fix", &dir.to_string_lossy()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no value for \"cost-center\": give --set cost-center=VALUE"),
        "{}",
        run.stderr
    );
    let bad = tally(&["fix", &dir.to_string_lossy(), "--set", "novalue"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let disallowed = tally(&["fix", &dir.to_string_lossy(), "--set", "team=web", "--set", "cost-center=x"]);
    assert!(
        disallowed.stderr.contains("\"web\" is not an allowed value for \"team\""),
        "{}",
        disallowed.stderr
    );
}

#[test]
fn lint_sarif_and_markdown_carry_the_fix() {
    let dir = "tests/fixtures/fix/default-tags-policy";
    let sarif = tally(&["lint", dir, "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let with_fix: Vec<&serde_json::Value> = results.iter().filter(|r| r["fixes"].is_array()).collect();
    assert_eq!(with_fix.len(), 2, "{}", sarif.stdout);
    let change = &with_fix[0]["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "tests/fixtures/fix/default-tags-policy/main.tf");
    let replacement = &change["replacements"][0];
    assert!(replacement["deletedRegion"]["startLine"].as_u64().unwrap() > 0);
    assert!(replacement["insertedContent"]["text"].as_str().unwrap().contains("team = \"platform\""));
    crate::formats::assert_valid_sarif(&log);

    let md = tally(&["lint", dir, "--format", "markdown"]);
    assert!(md.stdout.contains("Suggested fixes (2): `tally fix --write` applies them"), "{}", md.stdout);
    assert!(md.stdout.contains("+    team = \"platform\""), "{}", md.stdout);
}

/// Every `imports.tf` parses (our reader reports no diagnostic) and is formatted as Terraform
/// formats it.
fn check_import_dir(dir: &Path) -> Vec<String> {
    let mut blocks = Vec::new();
    for entry in walk(dir) {
        if entry.extension().is_some_and(|e| e == "tf") {
            let model = tally::terraform::hcl::load_code(entry.parent().unwrap(), &Default::default())
                .expect("the import directory reads");
            assert!(model.diagnostics.is_empty(), "{}: {:?}", entry.display(), model.diagnostics);
            blocks.push(std::fs::read_to_string(&entry).unwrap());
        }
    }
    terraform_fmt_check(dir);
    blocks
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn import_on_the_example_writes_parsable_blocks() {
    let tmp = TempDir::new("import-example");
    let out = tmp.path.join("out");
    let run = tally(&["import", "terraform-examples/acme", "-o", &out.to_string_lossy()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = check_import_dir(&out);
    assert_eq!(files.len(), 1);
    assert!(
        files[0].contains(
            "  to       = aws_instance.instance_ml_experiment\n  id       = \"i-0f9e8d7c6b5a43210\"\n"
        ),
        "{}",
        files[0]
    );
    let guide = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(guide.contains("terraform plan -generate-config-out=generated.tf"), "{guide}");
}

#[test]
fn import_on_a_moto_account_names_the_documented_ids() {
    let account = "111100000019";
    let seeded = moto().seed(
        account,
        json!({
            "sqs": [{"region": "us-east-1", "name": "jobs", "tags": {"team": "data"}}],
            "sns": [{"region": "us-east-1", "name": "alerts", "tags": {"team": "data"}}],
            "buckets": [
                {"name": "acme-managed-19", "region": "us-east-1", "tags": {"team": "web"}},
                {"name": "acme-clickops-19", "region": "us-east-1", "tags": {"team": "web"}}
            ],
            "volumes": [{"region": "us-east-1", "tags": {"Name": "scratch disk"}}],
            "asgs": [{"region": "us-east-1", "name": "web-asg", "size": 1, "tags": {"team": "web"}}],
            "stacks": [{"region": "us-east-1", "name": "legacy", "queues": ["stack-q"], "topics": []}]
        }),
    );
    let tmp = TempDir::new("import-moto");
    let snapshot = tmp.path.join("snapshot.json");
    let run = moto().tally_as(
        &seeded,
        &["collect", "--as-of", "2026-11-18", "--regions", "us-east-1", "-o", &snapshot.to_string_lossy()],
        &tmp,
    );
    assert!(snapshot.is_file(), "{}", run.stderr);
    // One bucket is in state: the rest is unmanaged (or owned by the ASG and the stack).
    let state = tmp.path.join("terraform.tfstate");
    std::fs::write(
        &state,
        json!({
            "version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "x",
            "resources": [{
                "mode": "managed", "type": "aws_s3_bucket", "name": "managed",
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": [{"attributes": {
                    "id": "acme-managed-19", "arn": "arn:aws:s3:::acme-managed-19", "tags": {"team": "web"}
                }}]
            }]
        })
        .to_string(),
    )
    .unwrap();
    let out = tmp.path.join("out");
    let run = tally(&[
        "import",
        "--owner-tag",
        "team",
        "--snapshot",
        &snapshot.to_string_lossy(),
        "--state",
        &state.to_string_lossy(),
        "-o",
        &out.to_string_lossy(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = check_import_dir(&out);
    let all = files.join("\n");
    let q = format!("id       = \"https://sqs.us-east-1.amazonaws.com/{account}/jobs\"");
    assert!(all.contains(&q), "{all}");
    assert!(all.contains(&format!("id       = \"arn:aws:sns:us-east-1:{account}:alerts\"")), "{all}");
    assert!(
        all.contains(
            "to       = aws_s3_bucket.s3_bucket_acme_clickops_19\n  id       = \"acme-clickops-19\""
        ),
        "{all}"
    );
    assert!(all.contains("to       = aws_ebs_volume.ebs_volume_scratch_disk\n"), "{all}");
    assert!(!all.contains("acme-managed-19"), "a managed bucket was proposed:\n{all}");
    assert!(!all.contains("stack-q"), "a stack's queue was proposed:\n{all}");
    for instance in seeded["asgs"]["web-asg"]["instances"].as_array().unwrap() {
        let id = instance.as_str().unwrap().rsplit('/').next().unwrap();
        assert!(!all.contains(id), "an ASG instance was proposed:\n{all}");
    }
    // Grouped per account and owner tag.
    let listed = walk(&out);
    assert!(out.join(account).join("data").join("imports.tf").is_file(), "{listed:?}\n{all}");
    assert!(out.join(account).join("web").join("imports.tf").is_file(), "{listed:?}");
}

#[test]
fn fix_takes_the_owner_from_the_live_resource() {
    let tmp = TempDir::new("fix-owner");
    let dir = tmp.path.join("code");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tally.hcl"), "owner_tag     = \"team\"\nrequired_tags = [\"team\"]\n").unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_sqs_queue\" \"jobs\" {\n  name = \"jobs\"\n  tags = {\n    Name = \"jobs\"\n  }\n}\n",
    )
    .unwrap();
    let arn = "arn:aws:sqs:eu-west-1:111111111111:jobs";
    let state = tmp.path.join("terraform.tfstate");
    let instance =
        json!({"attributes": {"id": "https://sqs.eu-west-1.amazonaws.com/111111111111/jobs", "arn": arn}});
    let resource = json!({
        "mode": "managed", "type": "aws_sqs_queue", "name": "jobs",
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]", "instances": [instance]
    });
    let state_json = json!({"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "x", "resources": [resource]});
    std::fs::write(&state, state_json.to_string()).unwrap();
    // The example snapshot with one live queue whose owner tag says who it belongs to.
    let mut snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("terraform-examples/acme/snapshot.json")).unwrap(),
    )
    .unwrap();
    snapshot["resources"] = json!([{
        "arn": arn, "account": "111111111111", "region": "eu-west-1", "type": "sqs",
        "tags": {"team": "data"}, "sources": ["tagging-api"]
    }]);
    let snap = tmp.path.join("snapshot.json");
    std::fs::write(&snap, snapshot.to_string()).unwrap();
    let (d, st, sn) = (dir.to_string_lossy(), state.to_string_lossy(), snap.to_string_lossy());
    let run = tally(&["fix", &d, "--snapshot", &sn, "--state", &st, "--write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert!(text.contains("    Name = \"jobs\"\n    team = \"data\"\n"), "{text}");
    terraform_fmt_check(&dir);
    // Without state the snapshot cannot be linked to the code: a usage error, not a guess.
    let run = tally(&["fix", &d, "--snapshot", &sn]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
