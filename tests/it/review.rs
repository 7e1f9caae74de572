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

/// The acme example's snapshot with its November days summed back into month-to-date lines, as
/// a monthly Cost Explorer query records them.
fn month_to_date_snapshot() -> std::path::PathBuf {
    use rust_decimal::Decimal;
    let text = std::fs::read_to_string(repo().join("terraform-examples/acme/snapshot.json")).unwrap();
    let mut snapshot: Value = serde_json::from_str(&text).unwrap();
    let mut sums: std::collections::BTreeMap<String, (Value, Decimal)> = Default::default();
    let mut kept = Vec::new();
    for line in snapshot["costs"]["lines"].as_array().unwrap() {
        if line["period"]["start"].as_str().unwrap() < "2026-11-01" {
            kept.push(line.clone());
            continue;
        }
        let mut key = line.clone();
        key["period"] = serde_json::json!({"start": "2026-11-01", "end": "2026-11-18"});
        key["amount"] = Value::Null;
        let amount: Decimal = line["amount"].as_str().unwrap().parse().unwrap();
        let entry = sums.entry(key.to_string()).or_insert((key, Decimal::ZERO));
        entry.1 = entry.1.checked_add(amount).unwrap();
    }
    for (_, (mut line, amount)) in sums {
        line["amount"] = Value::String(amount.to_string());
        kept.push(line);
    }
    snapshot["costs"]["lines"] = Value::Array(kept);
    let path = std::env::temp_dir().join(format!("tally-review-mtd-{}.json", std::process::id()));
    std::fs::write(&path, snapshot.to_string()).unwrap();
    path
}

#[test]
fn month_to_date_aggregates_leave_the_charts_empty_and_say_why() {
    // Month-to-date lines only: nothing can be placed on a day; the page says what is missing
    // and how to get it, and still shows every total.
    let snapshot = month_to_date_snapshot();
    let snapshot = snapshot.to_str().unwrap();
    let r = json(&["terraform-examples/acme", "--snapshot", snapshot, "--period", "2026-11"]);
    assert_eq!(r["summary"]["spend"]["total"]["amount"], "8090.44");
    assert_eq!(r["review"]["daily"].as_array().unwrap().len(), 0);
    assert!(r["review"].get("movers").is_none());
    assert!(r["review"].get("burn").is_none(), "no burn line the budget table could contradict");
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["rule_id"] != "CST003"));
    let html = tally(&["report", "terraform-examples/acme", "--snapshot", snapshot, "--period", "2026-11"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(html.stdout.contains("No daily cost lines in this period"));
    assert!(html.stdout.contains("daily cost lines do not cover both weeks"));
    assert!(html.stdout.contains("<code>tally collect</code> records daily"), "how to get them");
    assert!(html.stdout.contains("8,090.44 USD"), "the month's total is still there");
    assert!(!html.stdout.contains("No spend"), "there is spend");
    let _ = std::fs::remove_file(snapshot);
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

/// Every figure the example's page shows from the report carries the JSON pointer of its
/// value (`data-json`): read each number out of the page and compare it with the JSON report of
/// the same run, so the page and `--format json` cannot disagree.
#[test]
fn every_figure_on_the_example_page_is_the_json_reports() {
    use rust_decimal::Decimal;
    let json = json(&["terraform-examples/acme"]);
    let run = tally(&["report", "terraform-examples/acme"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = run.stdout;
    let mut checked = Vec::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<span data-json=\"") {
        rest = &rest[at + 17..];
        let pointer = &rest[..rest.find('"').unwrap()];
        let text_start = rest.find('>').unwrap() + 1;
        let text = &rest[text_start..text_start + rest[text_start..].find('<').unwrap()];
        let value = json.pointer(pointer).unwrap_or_else(|| panic!("{pointer} is not in the JSON report"));
        let expected = match value {
            serde_json::Value::Object(money) => {
                assert_eq!(text.rsplit(' ').next(), money["currency"].as_str(), "{pointer}: {text}");
                money["amount"].as_str().unwrap().to_string()
            }
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let shown = text.split(' ').next().unwrap().replace(',', "").trim_end_matches('%').to_string();
        assert_eq!(
            shown.parse::<Decimal>().unwrap(),
            expected.parse::<Decimal>().unwrap(),
            "{pointer}: the page says {text}, the JSON {value}"
        );
        checked.push(pointer.to_string());
    }
    // The headline figures are all there, each from its one place in the report.
    for pointer in [
        "/summary/spend/total",
        "/summary/spend/untagged",
        "/summary/spend/unmanaged",
        "/summary/spend/by_owner/payments",
        "/summary/coverage/by_count_pct",
        "/summary/coverage/by_cost_pct",
        "/summary/findings/by_rule/IAC001",
        "/summary/findings/exempted",
    ] {
        assert!(checked.iter().any(|c| c == pointer), "{pointer} not on the page");
    }
    assert!(checked.len() >= 40, "{} figures checked", checked.len());
    // The unmanaged table lists the exempted bastion as exempted, and adds up to the tile.
    assert!(checked.iter().any(|c| c.starts_with("/exempted/")), "the exempted CST002 row");
    assert!(html.contains("i-03c5e7a9b1d2f4680 <span class=\"tag\">exempted</span>"), "marked exempted");
    // IAC001 is one warning and two info, not three warnings.
    let table = &html[html.find("<table class=\"findings\">").unwrap()..];
    let iac = &table[table.find("<td class=\"mono\">IAC001</td>").unwrap()..];
    let iac = &iac[..iac.find("</tr>").unwrap()];
    assert!(iac.contains("warning</span> 1") && iac.contains("info</span> 2"), "{iac}");
    // A full review: nothing the data has is called missing.
    for wrong in ["No spend", "no spend", "No daily cost lines", "Not computed", "no data"] {
        assert!(!html.contains(wrong), "{wrong:?} on a page whose data has it");
    }
}

#[test]
fn the_example_is_a_full_review_with_a_mover_on_both_weeks_and_budget_burn() {
    let r = json(&["terraform-examples/acme"]);
    let review = &r["review"];
    assert_eq!(
        (review["period_start"].as_str(), review["period_end"].as_str()),
        (Some("2026-11-11"), Some("2026-11-18"))
    );
    assert_eq!(review["daily"].as_array().unwrap().len(), 7);
    // The chart's earlier week is the movers' week before.
    let before = review["daily_before"].as_array().unwrap();
    assert_eq!(before.len(), 7);
    assert_eq!(before[0]["date"], review["movers"]["previous_start"]);
    let rows = review["movers"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0]["owner"].as_str(), rows[0]["service"].as_str()),
        (Some("payments"), Some("Amazon Relational Database Service"))
    );
    // Burn series for the three budgets of tally.hcl, each ending at the budget's actual.
    let burn = review["burn"].as_array().unwrap();
    assert_eq!(burn.len(), 3);
    for b in burn {
        let budget = r["budgets"].as_array().unwrap().iter().find(|x| x["name"] == b["name"]).unwrap();
        assert_eq!(b["days"].as_array().unwrap().len(), 17);
        assert_eq!(b["days"][16]["cumulative"], budget["actual"]["amount"], "{}", b["name"]);
    }
    // Budget semantics: a run-out day only within the period.
    for b in r["budgets"].as_array().unwrap() {
        if let Some(day) = b["runs_out_on"].as_str() {
            assert!(day < b["period_end"].as_str().unwrap(), "{b}");
        }
    }
    let md = tally(&["report", "terraform-examples/acme", "--format", "markdown"]).stdout;
    assert!(
        md.contains("| payments | 3,080.82 USD | 3,000.00 USD | 5,436.74 USD | already over | 🔴 over |"),
        "{md}"
    );
    assert!(md.contains("not before period end"), "{md}");
}

/// `--history DIR`: six weekly reviews (five made from held-out snapshots of the fixture, cut at
/// each week's date, and one written by an older tally) give six points per trend; a corrupt
/// report is named in a diagnostic and left out; the same week stored twice is one file with
/// the same bytes.
#[test]
fn history_keeps_one_report_per_week_and_shows_six_weeks_of_trends() {
    let dir = std::env::temp_dir().join(format!("tally-review-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let history = dir.join("history");
    std::fs::create_dir_all(&history).unwrap();
    let hist = history.to_str().unwrap();
    let full: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join(FIXTURE).join("snapshot.json")).unwrap())
            .unwrap();
    for as_of in ["2026-10-21", "2026-10-28", "2026-11-04", "2026-11-11"] {
        let mut snapshot = full.clone();
        snapshot["as_of"] = Value::String(as_of.into());
        let lines: Vec<Value> = full["costs"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["period"]["end"].as_str().unwrap() <= as_of)
            .cloned()
            .collect();
        snapshot["costs"]["lines"] = Value::Array(lines);
        let path = dir.join(format!("snapshot-{as_of}.json"));
        std::fs::write(&path, snapshot.to_string()).unwrap();
        let run = tally(&[
            "report",
            FIXTURE,
            "--snapshot",
            path.to_str().unwrap(),
            "--history",
            hist,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{as_of}: {}", run.stderr);
    }
    // A report of an older tally: version 0, figures as JSON numbers, no review, no budgets.
    std::fs::write(
        history.join("tally-review-2026-W42.json"),
        r#"{"version": 0, "as_of": "2026-10-14", "summary": {"findings": {"by_rule": {"TAG001": 2}},
            "spend": {"total": {"amount": 2100.5, "currency": "USD"},
                      "by_owner": {"web": {"amount": "900", "currency": "USD"}},
                      "untagged": {"amount": "100", "currency": "USD"}}}}"#,
    )
    .unwrap();
    std::fs::write(history.join("tally-review-2026-W41.json"), "{\"as_of\": \"2026-10-07\", \"summ").unwrap();

    let run = tally(&["report", FIXTURE, "--history", hist, "--format", "json"]);
    assert_eq!(run.code, 3, "partial: one report in the history could not be read: {}", run.stderr);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    let diagnostics = r["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("tally-review-2026-W41.json: not a JSON report"));
    let points = r["review"]["history"]["points"].as_array().unwrap();
    let weeks: Vec<&str> = points.iter().map(|p| p["week"].as_str().unwrap()).collect();
    assert_eq!(weeks, ["2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]);
    assert_eq!(points[0]["total"], "2100.5", "the older report's figure");
    // This week's point is this report's figures.
    assert_eq!(points[5]["total"], r["summary"]["spend"]["total"]["amount"]);
    assert_eq!(points[5]["untagged"], r["summary"]["spend"]["untagged"]["amount"]);
    assert_eq!(points[5]["by_owner"]["web"], r["summary"]["spend"]["by_owner"]["web"]["amount"]);
    // Every series has a value for each of the weeks a review stored.
    for p in &points[1..] {
        for key in ["total", "untagged_pct", "unmanaged"] {
            assert!(p.get(key).is_some(), "{key} of {}", p["week"]);
        }
        assert!(p["by_owner"]["web"].is_string() && p["budgets"]["web"].is_string(), "{p}");
    }
    // Web's EC2 jump of 2026-11-11 is in the trend: web spent more in W47 than in W46.
    let web =
        |i: usize| points[i]["by_owner"]["web"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert!(web(5) > web(4), "{} then {}", web(4), web(5));

    // The page and the summary show the six weeks.
    let html = tally(&["report", FIXTURE, "--history", hist]).stdout;
    let trends = &html[html.find("<h2>Trends</h2>").expect("a trends section")..];
    let trends = &trends[..trends.find("</section>").unwrap()];
    assert_eq!(trends.matches("<th class=\"num\">2026-W").count(), 6, "{trends}");
    for row in [
        "spend",
        "untagged share",
        "unmanaged spend",
        "coverage by count",
        "coverage by money",
        "findings by rule",
        "budgets",
    ] {
        assert!(
            trends.contains(&format!("<td>{row}</td>")) || trends.contains(&format!(">{row}</td>")),
            "{row}"
        );
    }
    let md = tally(&["report", FIXTURE, "--history", hist, "--format", "markdown"]).stdout;
    assert!(md.contains("**Trends** (last 6 weeks)"), "{md}");
    assert_eq!(md.matches("| 2026-W4").count(), 6, "{md}");

    // Idempotent: this week is one file, rewritten with the same bytes.
    let stored = history.join("tally-review-2026-W47.json");
    let before = std::fs::read(&stored).unwrap();
    let files = std::fs::read_dir(&history).unwrap().count();
    let _ = tally(&["report", FIXTURE, "--history", hist, "--format", "json"]);
    assert_eq!(std::fs::read(&stored).unwrap(), before);
    assert_eq!(std::fs::read_dir(&history).unwrap().count(), files);
    // --history-weeks keeps the last N.
    let three = tally(&["report", FIXTURE, "--history", hist, "--history-weeks", "3", "--format", "json"]);
    let r: Value = serde_json::from_str(&three.stdout).unwrap();
    assert_eq!(r["review"]["history"]["points"].as_array().unwrap().len(), 3);
    // A month is not a week's point: read, not stored.
    let _ = tally(&["report", FIXTURE, "--history", hist, "--period", "2026-10", "--format", "json"]);
    assert_eq!(std::fs::read_dir(&history).unwrap().count(), files);
    let other = tally(&["report", FIXTURE, "--history", "https://example.org/reviews"]);
    assert_eq!(other.code, 2);
    assert!(other.stderr.contains("a directory or s3://bucket/prefix"), "{}", other.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A history is kept longer and shared wider than one page: with `--redact`, the report stored
/// in it is redacted too (an owner's address appears in the unredacted one, so the test can
/// fail).
#[test]
fn redact_reaches_the_stored_history() {
    let dir = crate::moto::TempDir::new("history-redact");
    let text = std::fs::read_to_string(repo().join(FIXTURE).join("snapshot.json"))
        .unwrap()
        .replace("\"web\"", "\"jane.doe@example.org\"");
    let snapshot = dir.path.join("snapshot.json");
    std::fs::write(&snapshot, text).unwrap();
    for (redact, hist) in [(false, "plain"), (true, "redacted")] {
        let history = dir.path.join(hist);
        let mut args = vec!["report", FIXTURE, "--snapshot", snapshot.to_str().unwrap()];
        args.extend(["--history", history.to_str().unwrap(), "--format", "json"]);
        if redact {
            args.insert(0, "--redact");
        }
        let run = tally(&args);
        assert!([0, 3].contains(&run.code), "{}", run.stderr);
        assert_eq!(run.stdout.contains("jane.doe@"), !redact, "the page itself");
        let stored = std::fs::read_to_string(history.join("tally-review-2026-W47.json")).unwrap();
        assert_eq!(stored.contains("jane.doe@"), !redact, "the stored report ({hist})");
    }
}

/// `--history s3://bucket/prefix` reads the reports kept there (never writes: tally's IAM
/// policy is read-only); `--history-save DIR` writes this week's report for the pipeline to
/// upload; a corrupt object is named by its URL and left out.
#[test]
fn an_s3_history_is_read_and_this_week_saved_locally() {
    let dir = crate::moto::TempDir::new("history-s3");
    let local = dir.path.join("local");
    let run = tally(&["report", FIXTURE, "--history", local.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let this_week = std::fs::read_to_string(local.join("tally-review-2026-W47.json")).unwrap();
    // Two earlier weeks: this week's report, dated back.
    let earlier =
        |as_of: &str| this_week.replacen("\"as_of\": \"2026-11-18\"", &format!("\"as_of\": \"{as_of}\""), 1);
    assert_ne!(earlier("2026-11-04"), this_week, "the fixture's as_of is 2026-11-18");
    let bucket = "tally-it-history";
    let object = |key: &str, body: &str| serde_json::json!({"bucket": bucket, "key": key, "body": body});
    let seeded = crate::moto::moto().seed(
        "210000000077",
        serde_json::json!({
            "buckets": [{"name": bucket, "region": "us-east-1", "tags": null}],
            "objects": [
                object("reviews/tally-review-2026-W45.json", &earlier("2026-11-04")),
                object("reviews/tally-review-2026-W46.json", &earlier("2026-11-11")),
                object("reviews/tally-review-2026-W44.json", "{\"as_of\": \"2026-10-2"),
                object("reviews/notes.txt", "not a report"),
                object("reviews/older/tally-review-2026-W40.json", &earlier("2026-09-30")),
            ]
        }),
    );
    let cache = crate::moto::TempDir::new("history-s3-cache");
    let save = dir.path.join("save");
    let url = format!("s3://{bucket}/reviews");
    let args =
        ["report", FIXTURE, "--history", &url, "--history-save", save.to_str().unwrap(), "--format", "json"];
    let run = crate::moto::moto().tally_as(&seeded, &args, &cache);
    assert_eq!(run.code, 3, "partial: one report could not be read: {}", run.stderr);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    let weeks: Vec<&str> = r["review"]["history"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["week"].as_str().unwrap())
        .collect();
    assert_eq!(weeks, ["2026-W45", "2026-W46", "2026-W47"], "only the prefix's own folder");
    let messages: Vec<&str> =
        r["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with(&format!("{url}/tally-review-2026-W44.json: not a JSON report")),
        "{messages:?}"
    );
    let saved = std::fs::read_to_string(save.join("tally-review-2026-W47.json")).unwrap();
    assert_eq!(saved, this_week, "the same bytes a directory history stores");

    // Without --history-save nothing is stored, and the user is told how to keep it.
    let run = crate::moto::moto().tally_as(
        &seeded,
        &["report", FIXTURE, "--history", &url, "--format", "json"],
        &cache,
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("was not stored (tally never writes to AWS)"), "{}", run.stderr);
    // A bucket that does not exist: one diagnostic, the review still renders.
    let run = crate::moto::moto().tally_as(
        &seeded,
        &["report", FIXTURE, "--history", "s3://no-such-bucket-77/x", "--format", "json"],
        &cache,
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.contains("s3://no-such-bucket-77/x/: cannot list the history"), "{}", run.stdout);
}
