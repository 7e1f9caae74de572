//! `tally lint` on whole repositories and on files as pre-commit passes them; other providers'
//! resources in code, plan and state; valid HCL that used to drop a file.

use serde_json::Value;

use crate::support::{repo, tally, Run};

const REPO: &str = "tests/fixtures/lint/repo";

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
}

/// `(rule, address, file:line)` of every finding.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let loc = &f["location"];
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["resource"]["address"].as_str().unwrap_or_default().to_string(),
                format!("{}:{}", loc["file"].as_str().unwrap_or("?"), loc["line"]),
            )
        })
        .collect();
    out.sort();
    out
}

fn owned(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    items.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

#[test]
fn a_whole_repository_is_linted_root_by_root() {
    let run = tally(&["lint", REPO, "--required-tag", "env", "--format", "json"]);
    assert_eq!(run.code, 1, "an error finding, nothing partial: {}", run.stderr);
    let report = json(&run);
    assert_eq!(report["partial"], false, "{}", report["diagnostics"]);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    let inputs = &report["inputs"];
    assert_eq!(inputs["code"], REPO);
    // envs/prod and envs/dev; modules/net is only called by envs/prod.
    assert_eq!(inputs["roots"], 2);
    // s3 bucket, iam policy and the module's vpc in prod; the queue and the topic (JSON
    // syntax, same module) in dev.
    assert_eq!(inputs["terraform_resources"], 5);
    // google, datadog (prod), azurerm, kubernetes (dev): never evaluated, never a diagnostic.
    assert_eq!(inputs["other_provider_resources"], 4);
    // The vpc, linted as envs/prod instantiates it, points at the module's file. The bucket (a
    // repeated `env` key) and the policy (a heredoc with an `EOF"` line) parse and pass.
    assert_eq!(
        findings(&report),
        owned(&[
            ("TAG001", "aws_sns_topic.alerts", "tests/fixtures/lint/repo/envs/dev/alerts.tf.json:7"),
            ("TAG001", "module.net.aws_vpc.this", "tests/fixtures/lint/repo/modules/net/main.tf:7"),
        ])
    );
}

#[test]
fn the_table_says_how_many_roots_and_other_provider_resources() {
    let run = tally(&["lint", REPO, "--required-tag", "env"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("2 root modules, 5 AWS resources; 4 of other providers not checked by AWS rules"),
        "{}",
        run.stdout
    );
    let run = tally(&["lint", REPO, "--required-tag", "env", "--format", "markdown"]);
    assert!(run.stdout.contains("4 of other providers not checked by AWS rules"), "{}", run.stdout);
}

#[test]
fn the_same_repository_gives_the_same_bytes_from_any_spelling_of_its_path() {
    let a = tally(&["lint", REPO, "--required-tag", "env", "--format", "json"]);
    let absolute = repo().join(REPO);
    let b = tally(&["lint", absolute.to_str().unwrap(), "--required-tag", "env", "--format", "json"]);
    // Paths in the report are relative to the working directory however the root was named.
    let (mut ra, mut rb) = (json(&a), json(&b));
    ra["inputs"]["code"] = Value::Null;
    rb["inputs"]["code"] = Value::Null;
    assert_eq!(ra, rb);
    let again = tally(&["lint", REPO, "--required-tag", "env", "--format", "json"]);
    assert_eq!(a.stdout, again.stdout, "parallel roots, deterministic report");
}

#[test]
fn a_directory_whose_terraform_is_in_subfolders_is_linted() {
    let run =
        tally(&["lint", "tests/fixtures/lint/nested-only", "--required-tag", "env", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["inputs"]["code"], "tests/fixtures/lint/nested-only/stacks/app");
    assert_eq!(report["inputs"]["terraform_resources"], 1);
}

#[test]
fn no_terraform_under_a_path_is_an_input_error_not_a_pass() {
    let run = tally(&["lint", "tests/fixtures/lint/empty"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.stderr.trim(), "error: no Terraform files in tests/fixtures/lint/empty");
    let run = tally(&["lint", "tests/fixtures/lint/does-not-exist"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("tests/fixtures/lint/does-not-exist"), "{}", run.stderr);
    let run = tally(&["lint", "tests/fixtures/lint/empty/README.md"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a Terraform file"), "{}", run.stderr);
}

/// The hook file, read the way pre-commit reads it, and run the way pre-commit runs it: the
/// entry, then every staged file matching `files`, as paths relative to the repository root.
#[test]
fn the_pre_commit_hook_lints_the_files_it_is_given() {
    let hooks = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let field = |name: &str| {
        hooks
            .lines()
            .find_map(|l| l.trim_start_matches(['-', ' ']).strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no `{name}` in .pre-commit-hooks.yaml"))
            .trim()
            .to_string()
    };
    assert_eq!(field("id"), "tally-lint");
    assert_eq!(field("require_serial"), "true", "one run sees every file");
    let entry = field("entry");
    let entry: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(entry, ["tally", "lint"]);
    let files = regex::Regex::new(&field("files")).unwrap();

    let mut staged = Vec::new();
    let mut stack = vec![repo().join(REPO)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(repo()).unwrap().to_string_lossy().into_owned();
                if files.is_match(&rel) {
                    staged.push(rel);
                }
            }
        }
    }
    staged.sort();
    assert_eq!(staged.len(), 4, "{staged:?}");
    assert!(!files.is_match("README.md") && files.is_match("a/b.tf.json"));

    let mut args: Vec<&str> = entry[1..].to_vec();
    args.extend(["--required-tag", "env", "--format", "json"]);
    args.extend(staged.iter().map(String::as_str));
    let run = tally(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["partial"], false, "{}", report["diagnostics"]);
    // Each file's directory is a root, the called module too (pre-commit names it).
    assert_eq!(report["inputs"]["roots"], 3);
    assert_eq!(
        findings(&report),
        owned(&[
            ("TAG001", "aws_sns_topic.alerts", "tests/fixtures/lint/repo/envs/dev/alerts.tf.json:7"),
            ("TAG001", "aws_vpc.this", "tests/fixtures/lint/repo/modules/net/main.tf:7"),
            ("TAG001", "module.net.aws_vpc.this", "tests/fixtures/lint/repo/modules/net/main.tf:7"),
        ])
    );
}

#[test]
fn plans_with_other_providers_are_read() {
    let plan = "tests/fixtures/lint/other-providers/plan.json";
    let run = tally(&["plan", plan, "--required-tag", "env", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["partial"], false);
    assert_eq!(report["inputs"]["terraform_resources"], 1);
    // google (list tags), datadog (list tags), awscc (list of key/value objects).
    assert_eq!(report["inputs"]["other_provider_resources"], 3);
}

#[test]
fn states_with_other_providers_are_read() {
    let state = "tests/fixtures/lint/other-providers/state.tfstate";
    let run = tally(&["audit", "--state", state, "--offline", "--required-tag", "env", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["partial"], false);
    assert_eq!(report["inputs"]["terraform_resources"], 1);
    assert_eq!(report["inputs"]["other_provider_resources"], 2);
}

/// Registry and git modules are read where `terraform init` installed them
/// (`.terraform/modules/modules.json`), with `count`/`for_each` and nested local modules as
/// for local sources; their findings point at the call in the user's code. A call with nothing
/// installed is counted and said, never silently passed.
#[test]
fn installed_remote_modules_are_read_and_missing_ones_are_counted() {
    let dir = "tests/fixtures/lint/remote-modules";
    let run = tally(&["lint", dir, "--required-tag", "env", "--required-tag", "team", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["partial"], false, "{}", report["diagnostics"]);
    // The vpc (tags passed through the call) and the two buckets; the flow log's count is 0.
    assert_eq!(report["inputs"]["terraform_resources"], 3);
    assert_eq!(report["inputs"]["remote_modules_not_read"], 1);
    let call = format!("{dir}/main.tf:18");
    assert_eq!(
        findings(&report),
        vec![
            ("TAG001".to_string(), "module.buckets[\"data\"].aws_s3_bucket.this".to_string(), call.clone()),
            ("TAG001".to_string(), "module.buckets[\"logs\"].aws_s3_bucket.this".to_string(), call),
        ]
    );
    let table = tally(&["lint", dir, "--required-tag", "env", "--required-tag", "team"]);
    assert!(
        table.stdout.contains("1 remote module call not installed: run `terraform init`"),
        "{}",
        table.stdout
    );
}

/// A module that several roots call is parsed once for the run and evaluated per root: each
/// root gets what linting it alone gives (its own `count`, its own findings), and a file of the
/// module that does not parse is reported as it is for one root.
#[test]
fn a_module_shared_by_roots_gives_each_root_what_linting_it_alone_gives() {
    const SHARED: &str = "tests/fixtures/lint/shared";
    let file = "tests/fixtures/lint/shared/modules/bucket/main.tf";
    let broken = "cannot parse: invalid block body; expected `}`, newline or identifier";
    // (address, file:line, rule, root) of each finding; file:line and message of each diagnostic.
    type Seen = (Vec<(String, String, String, String)>, Vec<String>);
    let summary = |report: &Value| -> Seen {
        let findings = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["resource"]["address"].as_str().unwrap().to_string(),
                    format!("{}:{}", f["location"]["file"].as_str().unwrap(), f["location"]["line"]),
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["details"]["root"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect();
        let diagnostics = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {}",
                    d["location"]["file"].as_str().unwrap(),
                    d["location"]["line"],
                    d["message"]
                )
            })
            .collect();
        (findings, diagnostics)
    };
    let diagnostic = format!("tests/fixtures/lint/shared/modules/bucket/broken.tf:3 \"{broken}\"");
    let finding = |root: &str| {
        (
            "module.bucket.aws_s3_bucket.this[0]".to_string(),
            format!("{file}:14"),
            "TAG001".to_string(),
            root.to_string(),
        )
    };

    let run = tally(&["lint", SHARED, "--required-tag", "env", "--format", "json"]);
    assert_eq!(run.code, 3, "partial: broken.tf does not parse: {}", run.stderr);
    let report = json(&run);
    assert_eq!(report["inputs"]["roots"], 3);
    assert_eq!(report["inputs"]["terraform_resources"], 2, "envs/b creates no bucket");
    let (findings, diagnostics) = summary(&report);
    let a = format!("{SHARED}/envs/a");
    let c = format!("{SHARED}/envs/c");
    assert_eq!(findings, [finding(&a), finding(&c)]);
    assert_eq!(diagnostics, std::slice::from_ref(&diagnostic));

    for (root, expected) in [("a", vec![finding("-")]), ("b", vec![]), ("c", vec![finding("-")])] {
        let run =
            tally(&["lint", &format!("{SHARED}/envs/{root}"), "--required-tag", "env", "--format", "json"]);
        assert_eq!(run.code, 3, "{root}: {}", run.stderr);
        let (findings, diagnostics) = summary(&json(&run));
        assert_eq!(findings, expected, "envs/{root} alone");
        assert_eq!(diagnostics, std::slice::from_ref(&diagnostic), "envs/{root} alone");
    }
}

/// A manifest entry whose installed directory is gone (deleted since `terraform init`) is a
/// diagnostic naming the directory, never a silent skip.
#[test]
fn an_installed_module_directory_that_is_gone_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let status = std::process::Command::new("cp").arg("-a").arg(from).arg(to).status().unwrap();
        assert!(status.success());
    };
    let root = dir.path().join("root");
    copy(&repo().join("tests/fixtures/lint/remote-modules"), &root);
    std::fs::remove_dir_all(root.join(".terraform/modules/buckets")).unwrap();
    let run = tally(&["lint", root.to_str().unwrap(), "--required-tag", "env", "--format", "json"]);
    let report = json(&run);
    assert_eq!(report["partial"], true, "{}", run.stdout);
    let diagnostics = report["diagnostics"].to_string();
    assert!(diagnostics.contains("module buckets: cannot read"), "{diagnostics}");
    assert!(diagnostics.contains(".terraform/modules/buckets"), "{diagnostics}");
    // The other installed module is still read; only `queue` is not installed.
    assert_eq!(report["inputs"]["remote_modules_not_read"], 1);
}

/// In JSON syntax a string is a template whose interpolations are native expressions, so their
/// own strings arrive with escaped quotes (`"${lower(\"OPS\")}"`): the file is read, and the
/// value is the one Terraform computes.
#[test]
fn json_syntax_interpolations_with_their_own_strings_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{
  "resource": {
    "aws_sns_topic": {
      "alerts": {
        "name": "alerts",
        "tags": {
          "owner": "${lower(\"OPS\")}",
          "env": "${format(\"%s-%s\", \"prod\", \"eu\")}",
          "note": "say \"hi\" ${upper(\"x\")} $${not_an_interpolation}"
        }
      }
    }
  }
}
"#;
    std::fs::write(dir.path().join("main.tf.json"), text).unwrap();
    let path = dir.path().to_str().unwrap();
    let run = tally(&["lint", path, "--required-tag", "owner", "--required-tag", "env", "--format", "json"]);
    let report = json(&run);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(report["partial"], false, "{}", run.stdout);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{}", run.stdout);
    // The values are the evaluated ones: a policy allowing only other values names them.
    let policy = dir.path().join("policy.hcl");
    std::fs::write(
        &policy,
        "tag \"owner\" {\n  allowed = [\"team-a\"]\n}\ntag \"env\" {\n  allowed = [\"dev\"]\n}\n",
    )
    .unwrap();
    let run = tally(&["lint", path, "--policy", policy.to_str().unwrap(), "--format", "json"]);
    let report = json(&run);
    let messages = report["findings"].to_string();
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "{}", run.stdout);
    assert!(messages.contains("ops") && messages.contains("prod-eu"), "{messages}");
}
