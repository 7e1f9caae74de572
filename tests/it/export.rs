//! `tally export` and `tally audit --costs` end to end on the real samples: export totals equal
//! the input's on both bases with every allocation strategy; bytes are deterministic; the
//! Parquet file reads back to the same totals; redaction hides e-mail local parts.

use std::path::Path;
use std::str::FromStr;

use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use rust_decimal::Decimal;

use crate::costs::{cur_expected, focus_expected, sample, scratch, CUR_SAMPLE, FOCUS_SAMPLE};
use crate::support::tally;

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// (billed, effective, rows) of an export CSV, summed with the csv crate.
pub fn csv_totals(text: &str) -> (Decimal, Decimal, usize) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (b, e) = (col("BilledCost"), col("EffectiveCost"));
    let mut totals = (Decimal::ZERO, Decimal::ZERO, 0);
    for rec in r.records() {
        let rec = rec.unwrap();
        totals.0 += Decimal::from_str(&rec[b]).unwrap();
        totals.1 += Decimal::from_str(&rec[e]).unwrap();
        totals.2 += 1;
    }
    totals
}

fn export_csv(args: &[&str]) -> String {
    let run = tally(&[&["export"][..], args].concat());
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

#[test]
fn exports_reconcile_with_the_input_for_every_allocation() {
    let cur = sample(CUR_SAMPLE);
    let focus = sample(FOCUS_SAMPLE);
    let cases = [
        (path_str(&cur), "2023-11", cur_expected(&cur), "user:Name"),
        (path_str(&focus), "2024-09", focus_expected(&focus), "application"),
    ];
    for (input, month, (billed, effective, _), owner) in cases {
        for allocate in ["none", "proportional", "even"] {
            for by_resource in [false, true] {
                let mut args =
                    vec!["--costs", input, "--month", month, "--owner-tag", owner, "--allocate", allocate];
                if by_resource {
                    args.push("--by-resource");
                }
                let out = export_csv(&args);
                let (b, e, rows) = csv_totals(&out);
                // The FOCUS sample has one row billed in October, outside September's export.
                let october = october_row_of_focus_sample(input);
                assert_eq!(b + october.0, billed, "{input} {allocate} {by_resource}: billed");
                assert_eq!(e + october.1, effective, "{input} {allocate} {by_resource}: effective");
                assert!(rows > 0);
                if allocate != "none" && owner == "application" {
                    assert!(!out.contains(",untagged,\n"), "every unowned row got an owner");
                }
            }
        }
    }
}

/// The FOCUS sample's one row whose billing period is October (billed, effective).
fn october_row_of_focus_sample(input: &str) -> (Decimal, Decimal) {
    if !input.ends_with(FOCUS_SAMPLE) {
        return (Decimal::ZERO, Decimal::ZERO);
    }
    let mut r = csv::Reader::from_path(input).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let mut out = (Decimal::ZERO, Decimal::ZERO);
    for rec in r.records() {
        let rec = rec.unwrap();
        if rec[col("BillingPeriodStart")].starts_with("2024-10") {
            out.0 += Decimal::from_str(&rec[col("BilledCost")]).unwrap();
            out.1 += Decimal::from_str(&rec[col("EffectiveCost")]).unwrap();
        }
    }
    out
}

#[test]
fn export_bytes_are_deterministic_and_parquet_reads_back() {
    let dir = scratch("export-parquet");
    let focus = sample(FOCUS_SAMPLE);
    let outs: Vec<Vec<u8>> = (0..2)
        .map(|i| {
            let out = dir.join(format!("focus-{i}.parquet"));
            let run = tally(&[
                "export",
                "--costs",
                path_str(&focus),
                "--month",
                "2024-09",
                "--owner-tag",
                "application",
                "--allocate",
                "proportional",
                "--format",
                "parquet",
                "-o",
                path_str(&out),
            ]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            std::fs::read(&out).unwrap()
        })
        .collect();
    assert_eq!(outs[0], outs[1], "same input, same bytes");
    let csv_a = export_csv(&["--costs", path_str(&focus), "--owner-tag", "application"]);
    let csv_b = export_csv(&["--costs", path_str(&focus), "--owner-tag", "application"]);
    assert_eq!(csv_a, csv_b);

    let file = std::fs::File::open(dir.join("focus-0.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let (mut billed, mut effective) = (Decimal::ZERO, Decimal::ZERO);
    for batch in reader {
        let batch = batch.unwrap();
        for (name, total) in [("BilledCost", &mut billed), ("EffectiveCost", &mut effective)] {
            let col = batch.column_by_name(name).unwrap().as_primitive::<Decimal128Type>();
            let scale = col.scale() as u32;
            for v in col.iter() {
                *total += Decimal::from_i128_with_scale(v.unwrap(), scale);
            }
        }
    }
    let (b, e, _) = focus_expected(&focus);
    let oct = october_row_of_focus_sample(path_str(&focus));
    assert_eq!((billed + oct.0, effective + oct.1), (b, e));
}

#[test]
fn redact_hides_email_local_parts() {
    let fixture = "tests/fixtures/costs/cur-amortized.csv";
    let plain = export_csv(&["--costs", fixture, "--owner-tag", "owner-email", "--by-resource"]);
    assert!(plain.contains("jane.doe@example.com"));
    let red = export_csv(&["--costs", fixture, "--owner-tag", "owner-email", "--by-resource", "--redact"]);
    assert!(!red.contains("jane.doe"), "{red}");
    assert!(red.contains("@example.com"), "{red}");
    assert_eq!(csv_totals(&plain), csv_totals(&red));
}

#[test]
fn export_with_state_marks_terraform_managed_resources() {
    let dir = scratch("export-state");
    let state = dir.join("terraform.tfstate");
    std::fs::write(
        &state,
        r#"{"version":4,"terraform_version":"1.9.0","serial":1,"lineage":"x","outputs":{},"resources":[
        {"mode":"managed","type":"aws_instance","name":"api","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances":[{"schema_version":1,"attributes":{"id":"i-0abc","arn":"arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc","tags":{"team":"payments"}}}]}]}"#,
    )
    .unwrap();
    let out = export_csv(&[
        "--costs",
        "tests/fixtures/costs/cur-amortized.csv",
        "--owner-tag",
        "team",
        "--by-resource",
        "--state",
        path_str(&state),
    ]);
    let header = out.lines().next().unwrap();
    assert!(header.ends_with(",x_TerraformManaged,x_TerraformAddress"), "{header}");
    let abc: Vec<&str> = out.lines().filter(|l| l.contains(",i-0abc,")).collect();
    assert_eq!(abc.len(), 2);
    assert!(abc.iter().all(|l| l.ends_with(",true,aws_instance.api")), "{abc:?}");
    assert!(out.lines().any(|l| l.contains(",i-0def,") && l.ends_with(",false,")), "{out}");
}

#[test]
fn export_errors_are_input_errors() {
    let run = tally(&["export", "--costs", "tests/fixtures/costs/bad-amount.csv"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: tests/fixtures/costs/bad-amount.csv:3: lineItem/UnblendedCost: \"1,5\" is not a decimal amount"
    );
    let run = tally(&["export", "--costs", "tests/fixtures/costs/cur-amortized.csv", "--format", "parquet"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--format parquet needs --output FILE"), "{}", run.stderr);
    let run = tally(&["export", "--costs", "tests/fixtures/costs/cur-amortized.csv", "--month", "2026-13"]);
    assert_eq!(run.code, 2);
}

#[test]
fn audit_with_costs_replaces_snapshot_lines_and_takes_as_of_from_the_data() {
    let focus = sample(FOCUS_SAMPLE);
    for (basis, expected) in [("effective", "14.97651418586"), ("billed", "20.52022672899")] {
        let run = tally(&[
            "audit",
            "--offline",
            "--costs",
            path_str(&focus),
            "--owner-tag",
            "application",
            "--cost-basis",
            basis,
            "--format",
            "json",
            "--fail-on",
            "never",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["as_of"], "2024-10-01");
        let spend = &report["summary"]["spend"];
        assert_eq!(spend["period_start"], "2024-09-01");
        // The window is September: the one row billed in October starts in September too.
        assert_eq!(
            spend["total"]["amount"].as_str().map(|s| Decimal::from_str(s).unwrap()),
            Some(Decimal::from_str(expected).unwrap()),
            "{basis}"
        );
        assert_eq!(report["inputs"]["costs"]["basis"], basis);
        assert_eq!(report["inputs"]["costs"]["rows"], 1000);
    }
    // With a snapshot, its as_of stays and its cost lines are replaced.
    let run = tally(&[
        "audit",
        "--snapshot",
        "terraform-examples/acme/snapshot.json",
        "--costs",
        "tests/fixtures/costs/cur-amortized.csv",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["inputs"]["cost_lines"], 11, "{}", run.stdout);
    assert_eq!(report["as_of"], "2026-11-18", "the snapshot's day, not the data's");
}
