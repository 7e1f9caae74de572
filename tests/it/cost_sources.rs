//! `--costs s3://...` and `--costs athena://...` against moto, each test in its own account:
//! an S3 export read through its manifests gives byte-for-byte the export of the same data
//! read from local files (legacy CUR gzip parts, CUR 2.0 Parquet, FOCUS CSV); Athena's result
//! rows become the same records, rows and totals as the files would.

use std::io::Write as _;
use std::path::Path;

use serde_json::json;

use crate::costs::{cur_as_parquet, cur_expected, sample, scratch, CUR_SAMPLE, FOCUS_SAMPLE};
use crate::export::csv_totals;
use crate::moto::{moto, TempDir};
use crate::support::tally;

const BUCKET: &str = "tally-it-billing";

fn gzip_csv(path: &Path, header: &csv::StringRecord, rows: &[csv::StringRecord]) {
    let enc =
        flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::fast());
    let mut w = csv::Writer::from_writer(enc);
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

fn object(key: &str, file: &Path) -> serde_json::Value {
    json!({"bucket": BUCKET, "key": key, "file": file.to_str().unwrap()})
}

fn body(key: &str, text: &str) -> serde_json::Value {
    json!({"bucket": BUCKET, "key": key, "body": text})
}

fn export(args: &[&str]) -> String {
    let run = tally(&[&["export", "--owner-tag", "team"][..], args].concat());
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

#[test]
fn s3_exports_are_read_through_their_manifests_and_equal_local_files() {
    let dir = scratch("s3-export");
    // Legacy CUR: the sample in two gzip parts of the current assembly; an older assembly with
    // the whole sample again must not count, nor the assembly folder's copy of the manifest.
    let mut reader = csv::Reader::from_path(sample(CUR_SAMPLE)).unwrap();
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let (a, b) = rows.split_at(rows.len() / 2);
    gzip_csv(&dir.join("part-1.csv.gz"), &header, a);
    gzip_csv(&dir.join("part-2.csv.gz"), &header, b);
    gzip_csv(&dir.join("stale.csv.gz"), &header, &rows);
    let period = "cur/acme/20231101-20231201";
    let legacy_manifest = json!({
        "assemblyId": "asm-1", "bucket": BUCKET, "compression": "GZIP",
        "reportKeys": [format!("{period}/asm-1/acme-1.csv.gz"), format!("{period}/asm-1/acme-2.csv.gz")]
    })
    .to_string();
    // CUR 2.0: one Parquet part with a resource_tags map; the manifest names it by URI.
    let parquet = dir.join("cur2.parquet");
    cur_as_parquet(&parquet, true);
    let cur2_key = "exports/acme2/data/BILLING_PERIOD=2023-11/acme2-00001.snappy.parquet";
    let cur2_manifest =
        json!({"exportName": "acme2", "dataFiles": [format!("s3://{BUCKET}/{cur2_key}")]}).to_string();
    // FOCUS: plain CSV.
    let focus_key = "focus/f1/data/BILLING_PERIOD=2024-09/f1-00001.csv";
    let focus_manifest_key = "focus/f1/metadata/BILLING_PERIOD=2024-09/f1-Manifest.json";
    let seeded = moto().seed(
        "210000000001",
        json!({
            "buckets": [{"name": BUCKET, "region": "us-east-1", "tags": null}],
            "objects": [
                object(&format!("{period}/asm-1/acme-1.csv.gz"), &dir.join("part-1.csv.gz")),
                object(&format!("{period}/asm-1/acme-2.csv.gz"), &dir.join("part-2.csv.gz")),
                object(&format!("{period}/asm-0/acme-1.csv.gz"), &dir.join("stale.csv.gz")),
                body(&format!("{period}/acme-Manifest.json"), &legacy_manifest),
                body(&format!("{period}/asm-1/acme-Manifest.json"), &legacy_manifest),
                object(cur2_key, &parquet),
                body("exports/acme2/metadata/BILLING_PERIOD=2023-11/acme2-Manifest.json", &cur2_manifest),
                object(focus_key, &sample(FOCUS_SAMPLE)),
                body(focus_manifest_key, &json!({"reportKeys": [focus_key]}).to_string()),
                body(
                    "broken/20231101-20231201/broken-Manifest.json",
                    &json!({"reportKeys": ["broken/20231101-20231201/gone.csv.gz"]}).to_string()
                ),
            ]
        }),
    );
    let cache = TempDir::new("s3-export");
    let remote = |url: &str, extra: &[&str]| {
        let run = moto().tally_as(
            &seeded,
            &[&["export", "--owner-tag", "team", "--costs", url][..], extra].concat(),
            &cache,
        );
        assert_eq!(run.code, 0, "{url}: {}", run.stderr);
        run.stdout
    };
    let cur_sample = sample(CUR_SAMPLE);
    let legacy = remote(&format!("s3://{BUCKET}/cur/acme/"), &[]);
    assert_eq!(legacy, export(&["--costs", cur_sample.to_str().unwrap()]), "legacy CUR from S3 = local CSV");
    let (billed, effective, _) = cur_expected(&cur_sample);
    let totals = csv_totals(&legacy);
    assert_eq!((totals.0, totals.1), (billed, effective), "to the cent, and beyond");

    let cur2 = remote(&format!("s3://{BUCKET}/exports"), &["--by-resource"]);
    assert_eq!(
        cur2,
        export(&["--costs", parquet.to_str().unwrap(), "--by-resource"]),
        "CUR 2.0 from S3 = local Parquet"
    );
    assert!(cur2.contains("team-0"), "map tags travel: {cur2}");

    let focus = remote(&format!("s3://{BUCKET}/{focus_manifest_key}"), &["--month", "2024-09"]);
    let focus_sample = sample(FOCUS_SAMPLE);
    assert_eq!(focus, export(&["--costs", focus_sample.to_str().unwrap(), "--month", "2024-09"]));

    let run =
        moto().tally_as(&seeded, &["export", "--costs", &format!("s3://{BUCKET}/nothing/here")], &cache);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no cost export manifest"), "{}", run.stderr);
    // A manifest naming a file that is not there: the run stops and names the file.
    let run = moto().tally_as(&seeded, &["export", "--costs", &format!("s3://{BUCKET}/broken")], &cache);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("s3://{BUCKET}/broken/20231101-20231201/gone.csv.gz: GetObject: NoSuchKey")),
        "{}",
        run.stderr
    );
}

/// Athena answer columns, as `costs::athena` names them.
fn column_info(tags: usize) -> serde_json::Value {
    let mut names = vec![
        "start_day",
        "end_day",
        "billing_period",
        "account",
        "service_code",
        "service_name",
        "resource_id",
        "charge_type",
        "currency",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    names.extend((0..tags).map(|i| format!("tag_{i}")));
    names.extend(["billed", "effective", "line_items", "last_end"].map(String::from));
    json!(names.iter().map(|n| json!({"Name": n, "Type": "varchar"})).collect::<Vec<_>>())
}

fn athena_row(cells: &[Option<&str>]) -> serde_json::Value {
    json!({"Data": cells.iter().map(|c| match c { Some(v) => json!({"VarCharValue": v}), None => json!({}) }).collect::<Vec<_>>()})
}

#[test]
fn athena_rows_become_cost_records_end_to_end() {
    let cols = column_info(1);
    let header: Vec<Option<&str>> = cols.as_array().unwrap().iter().map(|c| c["Name"].as_str()).collect();
    let ec2 = [Some("AmazonEC2"), Some("Amazon Elastic Compute Cloud")];
    let rows = vec![
        athena_row(&header),
        athena_row(
            &[
                &[Some("2026-10-01"), Some("2026-10-02"), Some("2026-10-01"), Some("111122223333")][..],
                &ec2,
                &[
                    None,
                    Some("Usage"),
                    Some("USD"),
                    Some("payments"),
                    Some("12.3400000000"),
                    Some("10.0000000000"),
                    Some("48"),
                    Some("2026-10-02 00:00:00.000"),
                ],
            ]
            .concat(),
        ),
        athena_row(
            &[
                &[Some("2026-10-01"), Some("2026-10-02"), Some("2026-10-01"), Some("111122223333")][..],
                &ec2,
                &[
                    None,
                    Some("Usage"),
                    Some("USD"),
                    None,
                    Some("0.6600000000"),
                    Some("0.6600000000"),
                    Some("24"),
                    Some("2026-10-02 00:00:00.000"),
                ],
            ]
            .concat(),
        ),
        athena_row(&[
            Some("2026-10-01"),
            Some("2026-11-01"),
            Some("2026-10-01"),
            Some("111122223333"),
            Some("AWSSupportBusiness"),
            Some("AWS Support (Business)"),
            None,
            Some("Fee"),
            Some("USD"),
            None,
            Some("100.0000000000"),
            Some("100.0000000000"),
            Some("1"),
            Some("2026-11-01 00:00:00.000"),
        ]),
        athena_row(&[
            Some("2026-10-01"),
            Some("2026-11-01"),
            Some("2026-10-01"),
            Some("111122223333"),
            Some("AmazonEC2"),
            None,
            None,
            Some("Tax"),
            Some("USD"),
            None,
            Some("1.0000000000"),
            Some("1.0000000000"),
            Some("1"),
            Some("2026-11-01 00:00:00.000"),
        ]),
    ];
    let result = json!({"rows": rows, "column_info": cols});
    let seeded = moto().seed(
        "210000000002",
        json!({
            "buckets": [{"name": "tally-it-athena-results", "region": "us-east-1", "tags": null}],
            "athena_results": {"region": "eu-west-1", "results": [result.clone(), result.clone(), result]}
        }),
    );
    let cache = TempDir::new("athena");
    let url =
        "athena://primary/billing.cur2?format=cur2&output=s3://tally-it-athena-results/q/&region=eu-west-1";
    let run = moto().tally_as(&seeded, &["export", "--costs", url, "--owner-tag", "team"], &cache);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let (billed, effective, _) = csv_totals(&run.stdout);
    assert_eq!(
        (billed.to_string(), effective.to_string()),
        ("114.0000000000".into(), "111.6600000000".into())
    );

    let run = moto().tally_as(
        &seeded,
        &["audit", "--costs", url, "--offline", "--owner-tag", "team", "--format", "json"],
        &cache,
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["inputs"]["costs"]["rows"], 74, "line items counted through the query");
    assert_eq!(report["inputs"]["costs"]["path"], url);
    // "Today" from the usage groups (one-day lines ending 2026-10-02), not the month-long fees.
    assert_eq!(report["as_of"], "2026-10-02");

    // `export --month` prunes the query to that billing period's partition.
    let run = moto().tally_as(
        &seeded,
        &["export", "--costs", url, "--owner-tag", "team", "--month", "2026-10", "-v"],
        &cache,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("WHERE billing_period = '2026-10' AND"), "{}", run.stderr);
    assert_eq!(csv_totals(&run.stdout).0.to_string(), "114.0000000000");
}
