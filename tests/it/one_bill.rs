//! One bill, every format: the same line items written as legacy CUR CSV, CUR 2.0 CSV, legacy
//! CUR Parquet, CUR 2.0 Parquet, FOCUS CSV and FOCUS Parquet (cells padded with spaces and
//! `NULL`s the way exports write them) read back to the same records: the shared cost-row
//! normaliser (`src/costs/row.rs`), tested once for all formats.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{MapBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampMillisecondArray};
use tally::costs::{read_costs, CostRecord, ReadOptions};

use crate::costs::scratch;
use crate::support::write_parquet;

/// (start, end, account, product code, product name, CUR type, FOCUS category, cost,
/// currency, team, resource)
type Line = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const BILL: &[Line] = &[
    (
        "2026-11-01T00:00:00Z",
        "2026-11-01T01:00:00Z",
        " 111122223333 ",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "Usage",
        "Usage",
        "0.0416",
        "USD ",
        " payments",
        "i-0abc ",
    ),
    (
        "2026-11-01T01:00:00Z",
        "2026-11-01T02:00:00Z",
        "111122223333",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "Usage",
        "Usage",
        "0.0416",
        "USD",
        "payments ",
        "i-0abc",
    ),
    (
        "2026-11-02T05:00:00Z",
        "2026-11-02T06:00:00Z",
        "444455556666",
        "AmazonS3",
        "Amazon Simple Storage Service",
        "Usage",
        "Usage",
        "1.25",
        "USD",
        "",
        "my-bucket",
    ),
    (
        "2026-11-02T05:00:00Z",
        "2026-11-02T06:00:00Z",
        "444455556666",
        "AmazonS3",
        "Amazon Simple Storage Service",
        "Usage",
        "Usage",
        "0.000000123",
        "USD",
        "search",
        " other-bucket",
    ),
    (
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        "111122223333",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "Tax",
        "Tax",
        "3.10",
        "USD",
        "",
        "",
    ),
    (
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
        "444455556666",
        "AmazonS3",
        "Amazon Simple Storage Service",
        "Credit",
        "Credit",
        "-0.5",
        "USD",
        "",
        "",
    ),
];

fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
    quoted.join(",") + "\n"
}

fn null_or(s: &str) -> String {
    if s.trim().is_empty() {
        "NULL".to_string()
    } else {
        s.to_string()
    }
}

fn legacy_cur_csv(dir: &Path) -> PathBuf {
    let head = [
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/UsageAccountId",
        "lineItem/ProductCode",
        "product/ProductName",
        "lineItem/LineItemType",
        "lineItem/UnblendedCost",
        "lineItem/CurrencyCode",
        "resourceTags/user:team",
        "lineItem/ResourceId",
        "bill/BillingPeriodStartDate",
    ];
    let mut text = csv_line(&head.map(String::from));
    for l in BILL {
        let cells = [l.0, l.1, l.2, l.3, l.4, l.5, l.7, l.8, l.9, l.10, "2026-11-01T00:00:00Z"];
        text += &csv_line(&cells.map(String::from));
    }
    let p = dir.join("legacy.csv");
    std::fs::write(&p, text).unwrap();
    p
}

/// CUR 2.0 as gzip CSV: snake_case names, maps as JSON, `None` where a generator leaves an
/// amount out.
fn cur2_csv_gz(dir: &Path) -> PathBuf {
    let head = [
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_usage_account_id",
        "line_item_product_code",
        "product",
        "line_item_line_item_type",
        "line_item_unblended_cost",
        "savings_plan_savings_plan_effective_cost",
        "line_item_currency_code",
        "resource_tags",
        "line_item_resource_id",
        "bill_billing_period_start_date",
    ];
    let mut text = csv_line(&head.map(String::from));
    for l in BILL {
        let tags = if l.9.is_empty() { "{}".to_string() } else { format!("{{\"user_team\":\"{}\"}}", l.9) };
        let cells = [
            l.0.to_string(),
            l.1.to_string(),
            l.2.to_string(),
            l.3.to_string(),
            format!("{{\"product_name\":\"{}\",\"servicecode\":\"{}\"}}", l.4, l.3),
            l.5.to_string(),
            l.7.to_string(),
            "None".to_string(),
            l.8.to_string(),
            tags,
            l.10.to_string(),
            "2026-11-01T00:00:00Z".to_string(),
        ];
        text += &csv_line(&cells);
    }
    let p = dir.join("cur2.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&p).unwrap(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap();
    enc.finish().unwrap();
    p
}

fn focus_csv(dir: &Path) -> PathBuf {
    let head = [
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "SubAccountId",
        "x_ServiceCode",
        "ServiceName",
        "ChargeCategory",
        "BilledCost",
        "EffectiveCost",
        "BillingCurrency",
        "Tags",
        "ResourceId",
        "BillingPeriodStart",
    ];
    let mut text = csv_line(&head.map(String::from));
    for l in BILL {
        let tags = if l.9.is_empty() { "NULL".to_string() } else { format!("{{\"team\":\"{}\"}}", l.9) };
        let cells = [
            l.0.to_string(),
            l.1.to_string(),
            l.2.to_string(),
            l.3.to_string(),
            l.4.to_string(),
            l.6.to_string(),
            l.7.to_string(),
            l.7.to_string(),
            l.8.to_string(),
            tags,
            null_or(l.10),
            "2026-11-01T00:00:00Z".to_string(),
        ];
        text += &csv_line(&cells);
    }
    let p = dir.join("focus.csv");
    std::fs::write(&p, text).unwrap();
    p
}

fn millis(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
}

fn texts(f: impl Fn(&Line) -> &str) -> ArrayRef {
    Arc::new(StringArray::from_iter(BILL.iter().map(|l| Some(f(l).to_string()).filter(|s| !s.is_empty()))))
}

fn times(f: impl Fn(&Line) -> &str) -> ArrayRef {
    Arc::new(
        TimestampMillisecondArray::from_iter(BILL.iter().map(|l| Some(millis(f(l))))).with_timezone("UTC"),
    )
}

fn amounts() -> ArrayRef {
    Arc::new(Float64Array::from_iter(BILL.iter().map(|l| Some(l.7.parse::<f64>().unwrap()))))
}

/// A `map<string, string>` column with one entry per line where `f` gives a value.
fn map_column(key: &str, f: impl Fn(&Line) -> &str) -> ArrayRef {
    let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for l in BILL {
        let v = f(l);
        if !v.is_empty() {
            b.keys().append_value(key);
            b.values().append_value(v);
        }
        b.append(true).unwrap();
    }
    Arc::new(b.finish())
}

fn cur_parquet(dir: &Path, cur2: bool) -> PathBuf {
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("line_item_usage_start_date", times(|l| l.0)),
        ("line_item_usage_end_date", times(|l| l.1)),
        ("line_item_usage_account_id", texts(|l| l.2)),
        ("line_item_product_code", texts(|l| l.3)),
        ("line_item_line_item_type", texts(|l| l.5)),
        ("line_item_unblended_cost", amounts()),
        ("line_item_currency_code", texts(|l| l.8)),
        ("line_item_resource_id", texts(|l| l.10)),
        ("bill_billing_period_start_date", times(|_| "2026-11-01T00:00:00Z")),
    ];
    if cur2 {
        cols.push(("resource_tags", map_column("user_team", |l| l.9)));
        cols.push(("product", map_column("product_name", |l| l.4)));
    } else {
        cols.push(("resource_tags_user_team", texts(|l| l.9)));
        cols.push(("product_product_name", texts(|l| l.4)));
    }
    let p = dir.join(if cur2 { "cur2.parquet" } else { "legacy.parquet" });
    write_parquet(&p, cols, None);
    p
}

fn focus_parquet(dir: &Path) -> PathBuf {
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("ChargePeriodStart", times(|l| l.0)),
        ("ChargePeriodEnd", times(|l| l.1)),
        ("SubAccountId", texts(|l| l.2)),
        ("x_ServiceCode", texts(|l| l.3)),
        ("ServiceName", texts(|l| l.4)),
        ("ChargeCategory", texts(|l| l.6)),
        ("BilledCost", amounts()),
        ("EffectiveCost", amounts()),
        ("BillingCurrency", texts(|l| l.8)),
        ("Tags", map_column("team", |l| l.9)),
        ("ResourceId", texts(|l| l.10)),
        ("BillingPeriodStart", times(|_| "2026-11-01T00:00:00Z")),
    ];
    let p = dir.join("focus.parquet");
    write_parquet(&p, cols, None);
    p
}

pub(crate) fn every_format(dir: &Path) -> Vec<PathBuf> {
    vec![
        legacy_cur_csv(dir),
        cur2_csv_gz(dir),
        cur_parquet(dir, false),
        cur_parquet(dir, true),
        focus_csv(dir),
        focus_parquet(dir),
    ]
}

fn read(path: &Path) -> Vec<CostRecord> {
    let opts = ReadOptions { tag_keys: vec!["team".into()], ..ReadOptions::default() };
    let mut records = read_costs(path, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display())).records;
    for r in &mut records {
        r.rows = 0;
    }
    records
}

#[test]
fn one_bill_reads_to_the_same_records_from_every_format() {
    let dir = scratch("one-bill");
    let files = every_format(&dir);
    let want = read(&files[0]);
    assert_eq!(want.len(), 5, "{want:#?}");
    let first = &want[0];
    assert_eq!(
        (
            first.account.as_str(),
            first.resource_id.as_deref(),
            first.currency.as_str(),
            first.tags.get("team")
        ),
        ("111122223333", Some("i-0abc"), "USD", Some("payments")),
        "cells are trimmed: the two EC2 hours are one record"
    );
    for f in &files[1..] {
        assert_eq!(read(f), want, "{} differs from {}", f.display(), files[0].display());
    }
}

/// CSV errors name the line as an editor counts it (the header is line 1), whatever the line
/// endings and even after a quoted value that spans lines.
#[test]
fn csv_errors_name_the_line_an_editor_shows() {
    let dir = scratch("csv-lines");
    let head = "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UnblendedCost,lineItem/LineItemDescription";
    let good = "2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,111111111111,Usage,AmazonEC2,1.5,plain";
    let multi = "2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,111111111111,Usage,AmazonEC2,1.5,\"two\nlines\"";
    let bad = "2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,111111111111,Usage,AmazonEC2,oops,plain";
    for (name, text, line) in [
        ("lf.csv", format!("{head}\n{good}\n{good}\n{good}\n{bad}\n"), 5),
        ("crlf.csv", format!("{head}\r\n{good}\r\n{good}\r\n{good}\r\n{bad}\r\n"), 5),
        ("crlf3.csv", format!("{head}\r\n{good}\r\n{bad}\r\n"), 3),
        ("crlf2.csv", format!("{head}\r\n{bad}\r\n"), 2),
        ("multi.csv", format!("{head}\n{good}\n{multi}\n{bad}\n"), 5),
        ("bom.csv", format!("\u{feff}{head}\n{good}\n{bad}\n"), 3),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = read_costs(&path, &ReadOptions::default()).unwrap_err().to_string();
        assert!(err.contains(&format!("{name}:{line}: lineItem/UnblendedCost")), "{name}: {err}");
    }
}
