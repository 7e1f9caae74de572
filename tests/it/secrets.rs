//! Credentials never leak: every command runs with recognisable credentials in the
//! environment, at the most verbose log level, in text and JSON logs, and no access key id,
//! secret key, session token or request signature appears in stdout, stderr or any file it
//! writes. Live commands run against moto (`moto.rs`), so the SDK really signs requests.
//! `--redact` (personal data in reports) is tested here too, on the acme example.

use serde_json::json;

use crate::costs::scratch;
use crate::moto::{moto, TempDir};
use crate::support::{tally_with_env, Run};

const KEY_ID: &str = "AKIATALLYLEAKTEST0001";
const SECRET: &str = "tallyLeakTestSecret/7f3a9c2e1b5d8f4a6c0e2b4d6f8a0c2e";
const TOKEN: &str = "TallyLeakTestSessionToken//IQoJb3JpZ2luX2VjEJr0123456789abcdef";
/// Things that only appear where a signed request is dumped.
const SIGNATURE_MARKS: &[&str] =
    &["AWS4-HMAC-SHA256 Credential=", "x-amz-security-token:", "X-Amz-Security-Token"];

fn with_credentials(args: &[&str], endpoint: &str, cache: &str) -> Run {
    tally_with_env(
        args,
        &[
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ENDPOINT_URL_CLOUDCONTROL", &moto().cloud_control),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
            ("AWS_REGION", "us-east-1"),
            ("TALLY_CACHE_DIR", cache),
        ],
    )
}

fn assert_clean(what: &str, text: &str) {
    for secret in [KEY_ID, SECRET, TOKEN, "tallyLeakTestSecret", "TallyLeakTestSessionToken"] {
        assert!(!text.contains(secret), "{what}: contains a credential ({secret})");
    }
    for mark in SIGNATURE_MARKS {
        assert!(!text.contains(mark), "{what}: contains a request signature ({mark})");
    }
}

#[test]
fn no_command_leaks_credentials_at_any_verbosity() {
    let account = "333300000001";
    moto().seed(
        account,
        json!({
            "sqs": [{"region": "us-east-1", "name": "jobs", "tags": {"team": "data", "owner": "jane.doe@acme.example"}}],
            "budgets": [{
                "BudgetName": "data-monthly",
                "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
                "CalculatedSpend": {"ActualSpend": {"Amount": "5", "Unit": "USD"}}
            }]
        }),
    );
    let dir = scratch("secrets");
    let cache = TempDir::new("secrets-cache");
    let cache_s = cache.path.to_string_lossy().to_string();
    let out = |name: &str| dir.join(name).to_string_lossy().to_string();
    let snapshot = out("snapshot.json");
    let plan = "terraform-examples/acme/plan.json";
    let costs = "tests/fixtures/costs/cur-amortized.csv";
    let live = ["--accounts", account, "--role", "tally", "--regions", "us-east-1"];

    let mut commands: Vec<Vec<String>> = Vec::new();
    let owned = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    commands.push(owned(&[&["collect", "--as-of", "2026-11-18", "-o", &snapshot][..], &live].concat()));
    commands.push(owned(&[&["audit", "--format", "json", "-o", &out("live.json")][..], &live].concat()));
    for format in ["table", "json", "markdown", "sarif", "github", "junit"] {
        let file = out(&format!("audit.{format}"));
        commands.push(owned(&["audit", "terraform-examples/acme", "--format", format, "-o", &file]));
    }
    commands.push(owned(&["plan", plan, "--code", "terraform-examples/acme", "--format", "sarif"]));
    commands.push(owned(&["lint", "terraform-examples/acme", "--format", "json"]));
    commands.push(owned(&["budgets", "terraform-examples/acme", "--format", "json"]));
    commands.push(owned(&["rules", "list"]));
    commands.push(owned(&["rules", "explain", "TAG001"]));
    commands.push(owned(&["export", "--costs", costs, "--by-resource", "-o", &out("export.csv")]));
    commands.push(owned(&["export", "--costs", costs, "--format", "parquet", "-o", &out("export.parquet")]));

    let mut runs = 0;
    for command in &commands {
        for logs in [&["-vv"][..], &["-vv", "--log-format", "json"][..]] {
            let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
            args.extend_from_slice(logs);
            let run = with_credentials(&args, &moto().endpoint, &cache_s);
            assert!(matches!(run.code, 0 | 1), "{args:?}: exit {}\n{}", run.code, run.stderr);
            assert_clean(&format!("{args:?} stdout"), &run.stdout);
            assert_clean(&format!("{args:?} stderr"), &run.stderr);
            runs += 1;
        }
    }
    // The live runs really went through the SDK at trace level.
    assert!(runs >= 2 * commands.len());
    let written: Vec<_> =
        std::fs::read_dir(&dir).expect("outputs").map(|e| e.expect("entry").path()).collect();
    assert_eq!(written.len(), 10, "{written:?}");
    for path in written {
        let bytes = std::fs::read(&path).expect("output readable");
        assert_clean(&path.display().to_string(), &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn redact_hides_owner_emails_and_names_in_every_format() {
    // The acme example's RDS instance has `owner = jane.doe@acme.example` live.
    let args = ["audit", "terraform-examples/acme", "--fail-on", "never"];
    let plain = crate::support::tally(&[&args[..], &["--format", "json"]].concat());
    assert!(plain.stdout.contains("jane.doe@acme.example"), "the example names an owner");
    let dir = scratch("redact");
    for format in ["table", "json", "markdown", "sarif", "github", "junit"] {
        let file = dir.join(format!("report.{format}")).to_string_lossy().to_string();
        for extra in [vec!["--format", format, "--redact"], vec!["--redact", "--format", format, "-o", &file]]
        {
            let run = crate::support::tally(&[&args[..], &extra[..]].concat());
            assert_eq!(run.code, 0, "{format}: {}", run.stderr);
            let text = if extra.contains(&"-o") {
                std::fs::read_to_string(&file).expect("written")
            } else {
                run.stdout
            };
            assert!(!text.is_empty(), "{format}");
            assert!(!text.contains("jane.doe"), "{format}: an e-mail local part is shown");
            assert!(!text.to_lowercase().contains("maria.santos"), "{format}: an approver is shown");
        }
    }
    let red = crate::support::tally(&[&args[..], &["--format", "json", "--redact"]].concat());
    assert!(red.stdout.contains("@acme.example"), "the domain stays: rows still group by company");
    // Only personal data changes: same findings, same counts.
    let (a, b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&plain.stdout).unwrap(), serde_json::from_str(&red.stdout).unwrap());
    assert_eq!(a["summary"]["findings"], b["summary"]["findings"]);
    assert_eq!(a["findings"].as_array().unwrap().len(), b["findings"].as_array().unwrap().len());
}
