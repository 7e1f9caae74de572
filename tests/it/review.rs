//! `tally report`: the weekly cost review on tests/fixtures/report (5 weeks of daily spend for
//! three teams; web's EC2 jumps on 2026-11-11). Markdown snapshotted, JSON checked, HTML
//! deterministic and escaped; `chromium.rs` renders the HTML in a real browser.

use serde_json::Value;

use crate::support::{repo, tally};

pub const FIXTURE: &str = "tests/fixtures/report";

fn json(args: &[&str]) -> Value {
    let run = tally(&[&["report"], args, &["--format", "json"]].concat());
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("JSON report")
}

#[test]
fn markdown_summary_snapshot() {
    let run = tally(&["report", FIXTURE, "--format", "markdown"]);
    assert_eq!(run.code, 0, "a review is not a gate: {}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn last_week_is_the_seven_days_before_the_data_date() {
    let r = json(&[FIXTURE]);
    let review = &r["review"];
    assert_eq!(review["label"], "last-week");
    assert_eq!(
        (review["period_start"].as_str(), review["period_end"].as_str()),
        (Some("2026-11-11"), Some("2026-11-18"))
    );
    // The audit's money figures cover the same days.
    assert_eq!(r["summary"]["spend"]["period_start"], "2026-11-11");
    assert_eq!(r["summary"]["spend"]["total"]["amount"], "5540.27");
    let daily = review["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 7);
    let sum: rust_decimal::Decimal =
        daily.iter().map(|d| d["total"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap()).sum();
    assert_eq!(sum.to_string(), "5540.27", "the days add up to the period's total");
    assert_eq!(daily[0]["by_owner"]["web"], "493.95");
    // One mover, and CST003 says the same.
    let movers = review["movers"]["rows"].as_array().unwrap();
    assert_eq!(movers.len(), 1);
    assert_eq!((movers[0]["owner"].as_str(), movers[0]["change_pct"].as_str()), (Some("web"), Some("138.7")));
    let cst003: Vec<&Value> =
        r["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == "CST003").collect();
    assert_eq!(cst003.len(), 1);
    assert_eq!(cst003[0]["details"]["delta"], "1643.03");
    // A burn series per budget, ending at the budget's actual.
    let burn = review["burn"].as_array().unwrap();
    assert_eq!(burn.len(), 3);
    let web = burn.iter().find(|b| b["name"] == "web").unwrap();
    assert_eq!(web["days"].as_array().unwrap().len(), 17);
    assert_eq!(web["days"][16]["cumulative"], "5431.73");
    let budget = r["budgets"].as_array().unwrap().iter().find(|b| b["name"] == "web").unwrap();
    assert_eq!(budget["runs_out_on"], "2026-11-27");
}

#[test]
fn a_month_and_a_custom_range() {
    let month = json(&[FIXTURE, "--period", "2026-11"]);
    assert_eq!(month["review"]["period_end"], "2026-11-18", "cut at the data's date");
    let daily = month["review"]["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 17);
    assert_eq!(daily[0]["untaggable"], "412.37", "tax on the 1st");
    // The data starts on 2026-10-14: the week before 2026-10-20 is not covered, so no movers.
    let early = json(&[FIXTURE, "--from", "2026-10-20", "--to", "2026-10-26"]);
    assert_eq!(early["review"]["daily"].as_array().unwrap().len(), 7);
    assert!(early["review"].get("movers").is_none());
    let custom = json(&[FIXTURE, "--from", "2026-10-21", "--to", "2026-10-27"]);
    assert_eq!(custom["review"]["label"], "custom");
    // The movers of a custom period end with it: nothing moved in October.
    assert_eq!(custom["review"]["movers"]["last_end"], "2026-10-28");
    assert_eq!(custom["review"]["movers"]["rows"].as_array().unwrap().len(), 0);

    let future = tally(&["report", FIXTURE, "--period", "2026-12"]);
    assert_eq!(future.code, 2);
    assert!(future.stderr.contains("has no complete day of data"), "{}", future.stderr);
    let backwards = tally(&["report", FIXTURE, "--from", "2026-11-10", "--to", "2026-11-01"]);
    assert_eq!(backwards.code, 2);
    assert_eq!(backwards.stderr.trim(), "error: --from 2026-11-10 is after --to 2026-11-01");
    let bad = tally(&["report", FIXTURE, "--period", "last-month"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("neither last-week nor a month"), "{}", bad.stderr);
}

#[test]
fn month_to_date_aggregates_leave_the_charts_empty_and_say_why() {
    // The acme example records month-to-date lines only: nothing can be placed on a day.
    let r = json(&["terraform-examples/acme", "--period", "2026-11"]);
    assert_eq!(r["review"]["daily"].as_array().unwrap().len(), 0);
    assert!(r["review"].get("movers").is_none());
    assert!(r["review"].get("burn").is_none(), "no burn line the budget table could contradict");
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["rule_id"] != "CST003"));
    let html = tally(&["report", "terraform-examples/acme", "--period", "2026-11"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(html.stdout.contains("No daily cost lines in this period"));
    assert!(html.stdout.contains("daily cost lines do not cover both weeks"));
}

#[test]
fn html_is_deterministic_self_contained_and_escaped() {
    let dir = std::env::temp_dir().join(format!("tally-review-escape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let evil = "<script>alert(1)</script>";
    for file in ["snapshot.json", "tally.hcl", "terraform.tfstate"] {
        let text = std::fs::read_to_string(repo().join(FIXTURE).join(file)).unwrap();
        let text = text.replace("\"web\"", &format!("\"{}\"", evil.replace('"', "\\\"")));
        std::fs::write(dir.join(file), text).unwrap();
    }
    let path = dir.to_str().unwrap();
    let first = tally(&["report", path]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let second = tally(&["report", path]);
    assert_eq!(first.stdout, second.stdout, "same data, same bytes");
    let html = &first.stdout;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the owner is shown, escaped");
    assert!(!html.to_lowercase().contains("<script"), "no script, injected or ours");
    for remote in ["http://", "https://", "src=", "@import", "url("] {
        assert!(
            !html.replace("http://www.w3.org/2000/svg", "").contains(remote),
            "{remote} in a self-contained page"
        );
    }
    let md = tally(&["report", path, "--format", "markdown"]).stdout;
    assert!(!md.contains("<script"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--redact` covers the weekly review too: the acme example's RDS instance names a person
/// (`owner = jane.doe@acme.example`, live), which the review's findings carry.
#[test]
fn redact_hides_people_in_the_review() {
    for format in ["json", "markdown", "html"] {
        let plain = tally(&["report", "terraform-examples/acme", "--period", "2026-11", "--format", format]);
        let redacted = tally(&[
            "--redact",
            "report",
            "terraform-examples/acme",
            "--period",
            "2026-11",
            "--format",
            format,
        ]);
        assert!(redacted.code == 0 || redacted.code == 3, "{format}: {}", redacted.stderr);
        if format == "json" {
            assert!(plain.stdout.contains("jane.doe@acme.example"), "the example names a person");
        }
        assert!(!redacted.stdout.contains("jane.doe"), "{format}: {}", redacted.stdout);
    }
}
