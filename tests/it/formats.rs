//! Every output format rendered from one sample report built in code: snapshots, SARIF against
//! the official 2.1.0 schema, the Markdown size limit, and byte-for-byte determinism.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use clap::ValueEnum;
use rust_decimal::Decimal;
use tally::model::{
    BudgetPeriod, BudgetScope, BudgetSource, Diagnostic, Layer, Money, SmallMap, SourceLocation, Tags,
};
use tally::report::{
    self, BudgetState, BudgetStatus, Coverage, Finding, Format, Inputs, RenderOptions, Report, ResourceRef,
    Severity, Spend, Summary, Tool, REPORT_VERSION,
};

fn day(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn usd(s: &str) -> Money {
    Money::new(Decimal::from_str(s).unwrap(), "USD")
}

fn finding(rule_id: &str, severity: Severity, resource: ResourceRef, message: &str) -> Finding {
    let rule = tally::policy::rule(tally::policy::RuleId::parse(rule_id).expect("a rule id"));
    Finding {
        rule_id: rule_id.to_string().into(),
        rule_name: rule.name.clone().into(),
        severity,
        message: message.to_string(),
        layer: None,
        resource,
        location: None,
        owner: Tags::new(),
        cost: None,
        fix: rule.fix.clone().into(),
        details: SmallMap::new(),
    }
}

fn address(a: &str, ty: &str) -> ResourceRef {
    ResourceRef { address: Some(a.into()), resource_type: Some(ty.into()), ..Default::default() }
}

fn arn(a: &str, ty: &str) -> ResourceRef {
    ResourceRef {
        arn: Some(a.into()),
        resource_type: Some(ty.into()),
        account: Some("111111111111".into()),
        region: Some("eu-west-1".into()),
        ..Default::default()
    }
}

fn named(n: &str) -> ResourceRef {
    ResourceRef { name: Some(n.into()), ..Default::default() }
}

fn team(t: &str) -> Tags {
    Tags::from([("team".to_string(), t.to_string())])
}

fn budget(
    name: &str,
    limit: &str,
    actual: Option<&str>,
    forecast: Option<&str>,
    state: BudgetState,
) -> BudgetStatus {
    BudgetStatus {
        name: name.into(),
        source: BudgetSource::Config,
        scope: BudgetScope {
            tags: BTreeMap::from([("team".into(), vec![name.into()])]),
            ..Default::default()
        },
        period: BudgetPeriod::Monthly,
        period_start: day("2026-10-01"),
        period_end: day("2026-11-01"),
        limit: usd(limit),
        actual: actual.map(usd),
        forecast: forecast.map(usd),
        forecast_method: forecast.map(|_| "linear".into()),
        actual_pct: actual.map(|a| {
            (Decimal::from_str(a).unwrap() * Decimal::from(100) / Decimal::from_str(limit).unwrap())
                .round_dp(1)
        }),
        daily_pace: None,
        pace_method: None,
        runs_out_on: None,
        state,
        plan_delta: None,
        forecast_with_plan: None,
    }
}

fn empty_report() -> Report {
    let mut report = Report {
        version: REPORT_VERSION,
        tool: Tool { name: "tally".into(), version: "1.2.3-test".into() },
        command: "audit".into(),
        as_of: Some(day("2026-10-20")),
        partial: false,
        inputs: Inputs::default(),
        summary: Summary {
            findings: Default::default(),
            coverage: Coverage::default(),
            spend: None,
            budgets_over: 0,
            budgets_forecast_over: 0,
        },
        findings: vec![],
        budgets: vec![],
        diagnostics: vec![],
        exempted: vec![],
        visibility: None,
        plan_changes: vec![],
        plan_cost: None,
    };
    report.finish();
    report
}

/// Findings of every severity, with and without location, owner and cost; a partial run with
/// diagnostics; budgets in every state; text that tries to break every format.
pub fn sample_report() -> Report {
    let mut f = Vec::new();

    let mut x = finding(
        "TAG001",
        Severity::Error,
        address("module.app.aws_instance.web[\"a\"]", "aws_instance"),
        "module.app.aws_instance.web[\"a\"] (code) is missing required tags \"env\", \"cost-center\"",
    );
    x.layer = Some(Layer::Code);
    x.location = Some(SourceLocation::at("infra/app/main.tf", 12, 5));
    x.owner = team("payments");
    x.cost = Some(usd("12.3456"));
    x.details.insert("missing_keys".into(), serde_json::json!(["env", "cost-center"]));
    f.push(x);

    let mut x = finding(
        "TAG001",
        Severity::Error,
        arn("arn:aws:s3:::raw-uploads", "s3"),
        "arn:aws:s3:::raw-uploads (live) is missing required tag \"team\"",
    );
    x.layer = Some(Layer::Live);
    f.push(x);

    let mut x = finding(
        "BUD001",
        Severity::Error,
        named("budget:payments"),
        "budget \"payments\" is exceeded: 3,450.00 USD spent of 3,000.00 USD (115.0%), with 11 days left",
    );
    x.owner = team("payments");
    x.cost = Some(usd("450"));
    f.push(x);

    let mut x = finding(
        "TAG004",
        Severity::Warning,
        address("aws_s3_bucket.logs", "aws_s3_bucket"),
        "tags differ | state <team=a> & live <team=b>\nrun `terraform apply` * or adopt",
    );
    x.layer = Some(Layer::State);
    x.location = Some(SourceLocation { file: "infra/storage.tf".into(), line: Some(3), column: None });
    x.owner = team("data");
    f.push(x);

    let mut x = finding(
        "IAC001",
        Severity::Warning,
        arn("arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc", "ec2:instance"),
        "arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc is in no Terraform state",
    );
    x.layer = Some(Layer::Live);
    x.cost = Some(usd("87.1"));
    f.push(x);

    let mut x = finding(
        "CST001",
        Severity::Warning,
        named("spend:111111111111/Amazon EC2"),
        "1,234.50 USD of Amazon EC2 usage in 111111111111 has no \"team\" tag",
    );
    x.cost = Some(usd("1234.5"));
    f.push(x);

    let mut x = finding(
        "TAG003",
        Severity::Warning,
        address("module.net.aws_subnet.private[0]", "aws_subnet"),
        "key \"Team\" differs only in case from \"team\"",
    );
    x.layer = Some(Layer::Code);
    x.location = Some(SourceLocation::at("infra\\modules\\net work\\main.tf", 7, 1));
    f.push(x);

    let mut x = finding(
        "IAC001",
        Severity::Info,
        arn("arn:aws:ec2:eu-west-1:111111111111:instance/i-0asg", "ec2:instance"),
        "owned elsewhere: auto scaling group \"web-asg\" (aws_autoscaling_group.web)",
    );
    x.layer = Some(Layer::Live);
    x.owner = team("web");
    x.details.insert("inferred_owner".into(), serde_json::json!("autoscaling:web-asg"));
    f.push(x);

    let mut x = finding(
        "CST003",
        Severity::Info,
        named("spend:team=data/Amazon S3"),
        "spend up 250% week over week: team=data, service=Amazon S3 (\"quoted\" & 'single')",
    );
    x.location = Some(SourceLocation::file("costs/weekly.csv"));
    x.cost = Some(usd("-12.5"));
    f.push(x);

    let mut report = empty_report();
    report.partial = true;
    report.inputs = Inputs {
        code: Some("infra".into()),
        states: vec!["envs/prod.tfstate".into()],
        plan: None,
        snapshot: Some("snapshot.json".into()),
        terraform_resources: 42,
        live_resources: 130,
        cost_lines: 900,
        ..Default::default()
    };
    report.summary.coverage = Coverage {
        live_resources: 130,
        managed: 100,
        owned_elsewhere: 20,
        unmanaged: 10,
        missing: 3,
        by_count_pct: Some(Decimal::from_str("92.3").unwrap()),
        by_cost_pct: Some(Decimal::from_str("88.1").unwrap()),
        computed_over: Some(
            "live resources seen by cloud-control, tagging-api in 1 account x 2 regions; \
            never-tagged resources of 1 of 2 covered types not visible somewhere"
                .into(),
        ),
    };
    report.visibility = Some(sample_visibility());
    report.summary.spend = Some(Spend {
        period_start: day("2026-10-01"),
        period_end: day("2026-10-20"),
        currency: "USD".into(),
        owner_tag: "team".into(),
        by_owner: BTreeMap::from([("payments".into(), usd("3450")), ("data".into(), usd("6000"))]),
        untagged: usd("1234.5"),
        untaggable: BTreeMap::from([("tax".into(), usd("315.5"))]),
        unmanaged: usd("87.1"),
        total: usd("11000"),
        invoiced_in_other_periods: None,
    });
    report.summary.budgets_over = 1;
    report.summary.budgets_forecast_over = 1;
    report.findings = f;
    report.budgets = vec![
        budget("payments", "3000", Some("3450"), Some("5317.74"), BudgetState::Over),
        budget("data", "10000", Some("6000"), Some("9789.47"), BudgetState::Ok),
        budget("web|<edge>", "2000", Some("1500"), Some("2447.37"), BudgetState::ForecastOver),
        budget("platform", "500", None, None, BudgetState::Unknown),
    ];
    report.diagnostics = vec![
        Diagnostic {
            source: "hcl".into(),
            location: Some(SourceLocation::at("infra/broken.tf", 4, 1)),
            account: None,
            region: None,
            message: "expected `}` but found end of file".into(),
        },
        Diagnostic {
            source: "inventory".into(),
            location: None,
            account: Some("222222222222".into()),
            region: Some("ap-south-1".into()),
            message: "AccessDenied: not authorized to perform tag:GetResources".into(),
        },
    ];
    report.finish();
    report
}

fn render(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    report::render(report, format, RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn name(format: Format) -> String {
    format.to_possible_value().unwrap().get_name().to_string()
}

#[test]
fn format_all_lists_every_format() {
    assert_eq!(Format::ALL.to_vec(), Format::value_variants().to_vec());
}

#[test]
fn sample_report_in_every_format() {
    let report = sample_report();
    for format in Format::ALL {
        insta::assert_snapshot!(format!("sample_{}", name(format)), render(&report, format));
    }
}

#[test]
fn clean_report_in_every_text_format() {
    let report = empty_report();
    for format in [Format::Markdown, Format::Github, Format::Junit] {
        insta::assert_snapshot!(format!("clean_{}", name(format)), render(&report, format));
    }
}

#[test]
fn every_format_is_byte_identical_across_renders() {
    for report in [sample_report(), empty_report(), many_findings(300)] {
        for format in Format::ALL {
            assert_eq!(render(&report, format), render(&report.clone(), format), "{}", name(format));
        }
    }
}

/// Panics with every schema error of a SARIF log.
pub(crate) fn assert_valid_sarif(log: &serde_json::Value) {
    let validator = sarif_validator();
    let errors: Vec<String> =
        validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not match the schema:\n{}", errors.join("\n"));
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/sarif-2.1.0.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The official schema's `language` patterns have a stray `]`, a literal under ECMA-262
    // Annex B but rejected by the validator's regex check of the schema itself. Escaping it keeps
    // the meaning (and tally does not emit `language` at all).
    let fixed = escape_stray_bracket(&mut schema);
    assert!(fixed <= 3, "{fixed} patterns rewritten");
    // This copy keeps the log's own shape in `definitions.Root` and has no root keywords, so
    // the document alone accepts anything: point the root at it (draft-07 `$ref` at the root
    // still resolves against the document's `definitions`).
    if schema["definitions"].get("Root").is_some() && schema.get("properties").is_none() {
        schema["$ref"] = serde_json::json!("#/definitions/Root");
    }
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Rewrite every `language` pattern with the stray `]`; returns how many were rewritten.
fn escape_stray_bracket(schema: &mut serde_json::Value) -> usize {
    const STRAY: &str = r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    const ESCAPED: &str = r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$";
    match schema {
        serde_json::Value::String(s) if s == STRAY => {
            *s = ESCAPED.to_string();
            1
        }
        serde_json::Value::Array(items) => items.iter_mut().map(escape_stray_bracket).sum(),
        serde_json::Value::Object(map) => map.values_mut().map(escape_stray_bracket).sum(),
        _ => 0,
    }
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let validator = sarif_validator();
    for report in [sample_report(), empty_report(), many_findings(50)] {
        let sarif: serde_json::Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "SARIF does not match the schema:\n{}", errors.join("\n"));
    }
}

#[test]
fn sarif_schema_test_would_catch_a_broken_log() {
    let validator = sarif_validator();
    let good: serde_json::Value = serde_json::from_str(&render(&sample_report(), Format::Sarif)).unwrap();
    assert!(validator.is_valid(&good));
    type Breakage = (&'static str, fn(&mut serde_json::Value));
    let breakages: [Breakage; 5] = [
        ("unknown level", |s| s["runs"][0]["results"][0]["level"] = serde_json::json!("fatal")),
        ("wrong version", |s| s["version"] = serde_json::json!("2.0.0")),
        ("unknown top-level key", |s| s["extra"] = serde_json::json!(1)),
        ("result without message", |s| {
            s["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
        }),
        ("line 0", |s| {
            let results = s["runs"][0]["results"].as_array_mut().unwrap();
            let with_line = results
                .iter_mut()
                .find(|r| r["locations"][0]["physicalLocation"]["region"].is_object())
                .unwrap();
            with_line["locations"][0]["physicalLocation"]["region"]["startLine"] = serde_json::json!(0);
        }),
    ];
    for (what, breakage) in breakages {
        let mut bad = good.clone();
        breakage(&mut bad);
        assert!(!validator.is_valid(&bad), "the schema accepted a log with {what}");
    }
}

#[test]
fn sarif_fingerprints_are_unique_and_ignore_lines_and_amounts() {
    let report = sample_report();
    let prints = |r: &Report| -> Vec<String> {
        let sarif: serde_json::Value = serde_json::from_str(&render(r, Format::Sarif)).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|res| res["partialFingerprints"]["tallyFinding/v1"].as_str().unwrap().to_string())
            .collect()
    };
    let before = prints(&report);
    let mut unique = before.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), before.len());

    let mut moved = report.clone();
    for f in &mut moved.findings {
        if let Some(loc) = &mut f.location {
            loc.line = loc.line.map(|l| l + 10);
        }
        f.message.push_str(" (amounts changed)");
    }
    assert_eq!(prints(&moved), before);
}

/// `n` findings across every severity and several rules, with long messages.
/// Two regions, one where Cloud Control was refused instance reads.
fn sample_visibility() -> tally::report::visibility::Visibility {
    use tally::report::visibility::{TypeVisibility, UnitVisibility, Visibility, VisibilityGap};
    let unit = |region: &str, cc: &str| UnitVisibility {
        account: "111111111111".into(),
        region: region.into(),
        sources: BTreeMap::from([
            ("cloud-control".into(), cc.into()),
            ("config".into(), "not_enabled".into()),
            ("tagging-api".into(), "ok".into()),
        ]),
    };
    Visibility {
        units: vec![unit("eu-west-1", "ok"), unit("us-east-1", "denied")],
        types: vec![
            TypeVisibility {
                kind: "ec2:instance".into(),
                cloudformation_type: "AWS::EC2::Instance".into(),
                never_tagged_visible: false,
                not_visible_in: vec!["111111111111/us-east-1".into()],
            },
            TypeVisibility {
                kind: "s3".into(),
                cloudformation_type: "AWS::S3::Bucket".into(),
                never_tagged_visible: true,
                not_visible_in: vec![],
            },
        ],
        gaps: vec![VisibilityGap {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            types: vec!["ec2:instance".into()],
            reason: "cloud-control denied, config not_enabled".into(),
        }],
    }
}

fn many_findings(n: usize) -> Report {
    let mut report = sample_report();
    let rules = [
        ("TAG001", Severity::Error),
        ("TAG004", Severity::Warning),
        ("IAC001", Severity::Warning),
        ("CST003", Severity::Info),
    ];
    report.findings = (0..n)
        .map(|i| {
            let (rule, severity) = rules[i % rules.len()];
            let address = format!("module.m{}.aws_instance.server[{i}]", i % 17);
            let mut f = finding(
                rule,
                severity,
                ResourceRef { address: Some(address.clone()), ..Default::default() },
                &format!(
                    "{address} is missing required tags \"env\", \"cost-center\" | <details> {}",
                    "x".repeat(40)
                ),
            );
            f.location =
                Some(SourceLocation::at(format!("infra/m{}/main.tf", i % 17), (i % 400 + 1) as u32, 3));
            f.owner = team("payments");
            f.cost = Some(usd(&format!("{i}.25")));
            f
        })
        .collect();
    report.finish();
    report
}

#[test]
fn markdown_of_5000_findings_fits_a_github_comment() {
    let report = many_findings(5_000);
    let md = render(&report, Format::Markdown);
    let chars = md.chars().count();
    assert!(chars < 65_536, "{chars} characters");
    // The budget is used, not thrown away.
    assert!(chars > 50_000, "{chars} characters");
    let note = md.lines().find(|l| l.contains("comment limit")).expect("a truncation note");
    assert!(note.contains("of 5,000 findings left out"), "{note}");
    assert!(note.contains("`--format json` has all of them"), "{note}");
    // Partial data stays loud however much is cut.
    assert!(md.contains("[!WARNING]"));
    assert!(md.contains("AccessDenied"));
    // Errors come first: here they do not all fit, so no warning or info row is shown.
    assert!(md.contains("<summary>❌ Errors (1,250, "), "errors are partly shown");
    assert!(md.contains("<summary>⚠️ Warnings (2,500, 0 shown)</summary>"));
    assert!(md.contains("<summary>ℹ️ Info (1,250, 0 shown)</summary>"));
}

/// Issue 21: a rule with thousands of findings is one group in the table (its first ten, then
/// a count), so a million-finding audit prints a screenful; the JSON keeps every finding.
#[test]
fn table_groups_a_rule_with_many_findings() {
    let report = many_findings(5_000);
    let table = render(&report, Format::Table);
    assert!(table.contains("Errors (1250)"), "section counts are the whole report's");
    assert!(table.contains(
        "… and 1240 more TAG001 (missing-required-tag) findings like these, 1250 in all: --format json lists every one"
    ));
    assert_eq!(table.matches("  TAG001 ").count(), 11, "ten shown and the group line");
    assert!(table.lines().count() < 120, "{} lines", table.lines().count());
    let json = render(&report, Format::Json);
    assert_eq!(json.matches("\"rule_id\": \"TAG001\"").count(), 1_250);
    // At the threshold nothing is grouped: small reports print as before.
    let small = render(&many_findings(80), Format::Table);
    assert!(!small.contains("more TAG001"));
    assert_eq!(small.matches("  TAG001 ").count(), 20);
    insta::assert_snapshot!("grouped_table", render(&many_findings(96), Format::Table));
}

#[test]
fn markdown_that_fits_is_not_truncated() {
    let md = render(&sample_report(), Format::Markdown);
    assert!(!md.contains("comment limit"));
    assert!(md.contains("module.app.aws\\_instance") || md.contains("module.app.aws_instance"));
}

#[test]
fn a_huge_single_message_does_not_crowd_out_the_rest() {
    let mut report = sample_report();
    report.findings[0].message = "|<>\n".repeat(100_000);
    let md = render(&report, Format::Markdown);
    assert!(md.chars().count() < 65_536);
    assert!(!md.contains("comment limit"), "one long cell is cut, not the other rows");
}

#[test]
fn github_annotations_are_one_line_each() {
    let report = sample_report();
    let text = render(&report, Format::Github);
    let lines: Vec<&str> = text.lines().collect();
    let visibility = usize::from(report.visibility.is_some());
    assert_eq!(lines.len(), report.findings.len() + report.diagnostics.len() + visibility + 1);
    assert!(lines
        .iter()
        .all(|l| l.starts_with("::error") || l.starts_with("::warning") || l.starts_with("::notice")));
    assert!(lines.last().unwrap().starts_with("::notice title=tally::"));
}

#[test]
fn junit_counts_match_the_cases() {
    let report = sample_report();
    let xml = render(&report, Format::Junit);
    let failures = xml.matches("<failure ").count();
    let errors = xml.matches("<error ").count();
    // The default gate (`--fail-on error`): warnings and info pass.
    let failing = report.findings.iter().filter(|f| f.severity == tally::policy::Severity::Error).count();
    assert_eq!(failures, failing);
    assert!(failing < report.findings.len(), "the sample has findings below error");
    assert_eq!(errors, report.diagnostics.len());
    assert!(xml.contains(&format!(
        r#"<testsuite name="tally" tests="{}" failures="{failures}" errors="{errors}""#,
        report.findings.len() + errors
    )));
    assert!(!xml.contains("<details>"), "markup in text is escaped");
}

#[test]
fn the_binary_speaks_every_format() {
    let dir = std::env::temp_dir().join(format!("tally-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_arg = dir.to_str().unwrap();
    for format in Format::ALL {
        let run = crate::support::tally(&["audit", dir_arg, "--offline", "--format", &name(format)]);
        assert_eq!(run.code, 0, "{}: {}", name(format), run.stderr);
        let out = run.stdout;
        match format {
            Format::Table => assert!(out.contains("Findings"), "{out}"),
            Format::Json => assert!(out.contains("\"version\": 1"), "{out}"),
            Format::Markdown => {
                assert!(out.starts_with("<!-- tally:audit -->\n✅ no findings at or above error"), "{out}")
            }
            Format::Sarif => {
                let log: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert_eq!(log["version"], "2.1.0");
                assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
            }
            Format::Github => {
                assert!(out.starts_with("::notice title=tally::tally audit: 0 errors"), "{out}")
            }
            Format::Junit => {
                assert!(out.contains(r#"<testcase classname="tally" name="no findings" time="0"/>"#), "{out}")
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn absurd_content_renders_without_panicking() {
    let mut report = sample_report();
    let max = Money::new(Decimal::MAX, "");
    let min = Money::new(Decimal::MIN, "\u{0}\u{7}");
    if let Some(spend) = &mut report.summary.spend {
        spend.total = min.clone();
        spend.untagged = max.clone();
        spend.unmanaged = max.clone();
        spend.untaggable = BTreeMap::from([("a".into(), max.clone()), ("b".into(), max.clone())]);
        spend.owner_tag = String::new();
    }
    report.budgets[0].limit = Money::new(Decimal::ZERO, "USD");
    report.budgets[0].actual = Some(max.clone());
    for f in &mut report.findings {
        f.cost = Some(max.clone());
        f.message = "\u{0}\u{1b}[31m\r\n\u{ffff}%0A::error::".to_string();
        f.rule_name = Default::default();
        f.fix = Default::default();
        f.location = Some(SourceLocation { file: String::new(), line: Some(0), column: Some(u32::MAX) });
        f.resource = ResourceRef::default();
    }
    report.diagnostics.push(Diagnostic {
        source: String::new(),
        location: Some(SourceLocation::file("")),
        account: None,
        region: None,
        message: String::new(),
    });
    report.finish();
    for format in Format::ALL {
        let out = render(&report, format);
        assert!(!out.is_empty(), "{}", name(format));
    }
    let sarif: serde_json::Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let errors: Vec<String> = sarif_validator().iter_errors(&sarif).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    for line in render(&report, Format::Github).lines() {
        assert!(line.starts_with("::"), "{line}");
    }
}
