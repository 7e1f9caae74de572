//! The FOCUS export (`tally export --format focus|focus-parquet`) from Parquet and S3 input
//! (#17): AWS Data Exports deliver CUR 2.0 and FOCUS as Parquet. Every input here is made by
//! this file: the two corpus samples rewritten as typed Parquet (legacy CUR with Athena's
//! `lower_snake` columns, CUR 2.0 with `product` / `resource_tags` maps and decimals, FOCUS
//! with decimals or doubles, timestamps with or without a zone, `Tags` as a map or JSON text)
//! and a synthetic CUR 2.0 bill with every line shape (tags or none, Savings Plans, RIs,
//! upfront fees, tax, credits, a refund, Marketplace, support, a second currency).
//!
//! Checked: the FinOps Foundation's validator (1.0) on the exports, the FOCUS 1.2 rules of
//! `focus_export.rs`, reconciliation per currency, and that a Parquet input gives the rows its
//! CSV gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{MapBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, Decimal128Array, Float64Array, StringArray, TimestampMicrosecondArray,
    TimestampMillisecondArray,
};
use rust_decimal::Decimal;
use serde_json::json;

use crate::costs::{csv_rows, sample, scratch, snake, CUR_SAMPLE, FOCUS_SAMPLE};
use crate::focus_export::{
    assert_only_validator_bugs, check_focus_12, export, export_billed, read_csv, validator_failures,
    VALIDATOR_BUGS,
};
use crate::moto::{moto, TempDir};
use crate::support::{tally, write_parquet};

/// How a column of text cells is written.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// Doubles, as CUR writes amounts.
    Double,
    /// `decimal(38, s)`, `s` the largest scale of the column.
    Decimal,
    /// Timestamps in milliseconds with a UTC zone.
    TimeUtc,
    /// Timestamps in microseconds without a zone.
    TimeNaive,
}

fn dec(v: &str) -> Decimal {
    if v.contains(['e', 'E']) {
        Decimal::from_scientific(v).unwrap()
    } else {
        v.parse().unwrap()
    }
}

fn seconds(v: &str) -> i64 {
    let t = v.trim_end_matches('Z');
    let fmt = if t.contains('T') { "%Y-%m-%dT%H:%M:%S%.f" } else { "%Y-%m-%d %H:%M:%S%.f" };
    chrono::NaiveDateTime::parse_from_str(t, fmt).unwrap_or_else(|e| panic!("{v}: {e}")).and_utc().timestamp()
}

/// One column from text cells (`None` is null).
fn column(kind: Kind, cells: &[Option<String>]) -> ArrayRef {
    match kind {
        Kind::Text => Arc::new(StringArray::from_iter(cells.iter().cloned())),
        Kind::Double => Arc::new(Float64Array::from_iter(
            cells.iter().map(|c| c.as_ref().map(|v| v.parse::<f64>().unwrap())),
        )),
        Kind::Decimal => {
            let values: Vec<Option<Decimal>> = cells.iter().map(|c| c.as_deref().map(dec)).collect();
            let scale = values.iter().flatten().map(|d| d.scale()).max().unwrap_or(0);
            let m = values.into_iter().map(|d| {
                d.map(|mut d| {
                    d.rescale(scale);
                    d.mantissa()
                })
            });
            Arc::new(Decimal128Array::from_iter(m).with_precision_and_scale(38, scale as i8).unwrap())
        }
        Kind::TimeUtc => Arc::new(
            TimestampMillisecondArray::from_iter(
                cells.iter().map(|c| c.as_deref().map(|v| seconds(v) * 1000)),
            )
            .with_timezone("UTC"),
        ),
        Kind::TimeNaive => Arc::new(TimestampMicrosecondArray::from_iter(
            cells.iter().map(|c| c.as_deref().map(|v| seconds(v) * 1_000_000)),
        )),
    }
}

/// A `map<string, string>` column from JSON objects (`None`: a null map).
fn map_column(cells: &[Option<serde_json::Map<String, serde_json::Value>>]) -> ArrayRef {
    let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for c in cells {
        match c {
            Some(map) => {
                for (k, v) in map {
                    b.keys().append_value(k);
                    match v {
                        serde_json::Value::String(s) => b.values().append_value(s),
                        serde_json::Value::Null => b.values().append_null(),
                        other => b.values().append_value(other.to_string()),
                    }
                }
                b.append(true).unwrap();
            }
            None => b.append(false).unwrap(),
        }
    }
    Arc::new(b.finish())
}

fn null_if_empty(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty() && v != "NULL").then(|| v.to_string())
}

const FOCUS_DECIMALS: [&str; 8] = [
    "BilledCost",
    "ConsumedQuantity",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "ListCost",
    "ListUnitPrice",
    "PricingQuantity",
];
const FOCUS_DATETIMES: [&str; 4] =
    ["BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"];

/// The FOCUS sample as FOCUS Parquet, every column: amounts as `amounts`, date/times as
/// `times`, `Tags` as a map or as JSON text.
fn focus_sample_parquet(path: &Path, amounts: Kind, times: Kind, tags_map: bool) {
    let file = sample(FOCUS_SAMPLE);
    let (headers, rows) = read_csv(&file);
    let mut cols = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let cells: Vec<Option<String>> = rows.iter().map(|r| null_if_empty(&r[i])).collect();
        let array = if h == "Tags" && tags_map {
            map_column(
                &cells
                    .iter()
                    .map(|c| c.as_ref().map(|t| serde_json::from_str(t).unwrap()))
                    .collect::<Vec<_>>(),
            )
        } else if FOCUS_DECIMALS.contains(&h.as_str()) {
            column(amounts, &cells)
        } else if FOCUS_DATETIMES.contains(&h.as_str()) {
            column(times, &cells)
        } else {
            column(Kind::Text, &cells)
        };
        cols.push((h.clone(), array));
    }
    write_parquet(path, cols, Some(300));
}

/// Legacy CUR CSV column -> the kind a Parquet export gives it.
fn cur_kind(col: &str, cells: &[Option<String>], amounts: Kind, times: Kind) -> Kind {
    let name = col.rsplit('/').next().unwrap_or(col);
    let numeric = ["Cost", "Amount", "Rate", "Fee", "Commitment", "Factor"].iter().any(|k| name.contains(k))
        && cells.iter().flatten().all(|v| v.parse::<f64>().is_ok());
    let time = (name.ends_with("Date") || name.ends_with("Time"))
        && cells.iter().flatten().all(|v| v.len() >= 19 && v.as_bytes()[4] == b'-');
    if numeric {
        amounts
    } else if time {
        times
    } else {
        Kind::Text
    }
}

/// A synthetic `team` tag on every third line of the CUR sample (it has none).
fn team(i: usize) -> Option<String> {
    i.is_multiple_of(3).then(|| format!("team-{}", i % 4))
}

/// The CUR sample as legacy CUR Parquet (Athena's integration): every column, `lower_snake`
/// names, amounts as doubles, naive timestamps, one `resource_tags_user_*` column per tag.
fn cur_sample_legacy_parquet(path: &Path) {
    let (headers, rows) = read_csv(&sample(CUR_SAMPLE));
    let mut cols = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let cells: Vec<Option<String>> = rows.iter().map(|r| null_if_empty(&r[i])).collect();
        cols.push((snake(h), column(cur_kind(h, &cells, Kind::Double, Kind::TimeNaive), &cells)));
    }
    cols.push((
        "resource_tags_user_team".into(),
        column(Kind::Text, &(0..rows.len()).map(team).collect::<Vec<_>>()),
    ));
    write_parquet(path, cols, Some(400));
}

/// The CUR sample as CUR 2.0 Parquet: `product/*` in the `product` map (`product_name`,
/// `region`, ...), tags in `resource_tags` (`user_team`), amounts as decimals, timestamps in
/// UTC.
fn cur_sample_cur2_parquet(path: &Path) {
    let (headers, rows) = read_csv(&sample(CUR_SAMPLE));
    let mut cols = Vec::new();
    let mut product: Vec<serde_json::Map<String, serde_json::Value>> = vec![Default::default(); rows.len()];
    for (i, h) in headers.iter().enumerate() {
        let cells: Vec<Option<String>> = rows.iter().map(|r| null_if_empty(&r[i])).collect();
        if let Some(attr) = h.strip_prefix("product/") {
            for (p, c) in product.iter_mut().zip(&cells) {
                if let Some(v) = c {
                    p.insert(snake(attr), json!(v));
                }
            }
            continue;
        }
        cols.push((snake(h), column(cur_kind(h, &cells, Kind::Decimal, Kind::TimeUtc), &cells)));
    }
    cols.push(("product".into(), map_column(&product.into_iter().map(Some).collect::<Vec<_>>())));
    let tags: Vec<_> = (0..rows.len())
        .map(|i| {
            Some(
                team(i)
                    .map(|t| json!({"user_team": t, "aws_createdBy": "x"}))
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    cols.push(("resource_tags".into(), map_column(&tags)));
    write_parquet(path, cols, Some(500));
}

/// A CUR 2.0 bill with every line shape: (type, product code, product name, cost, currency,
/// team, bill type, billing entity, legal entity, SP ARN, RI ARN, SP effective, RI effective).
type Shape = (
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
    &'static str,
    &'static str,
);

const SP: &str = "arn:aws:savingsplans::111122223333:savingsplan/sp-0001";
const RI: &str = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/ri-0001";
const AWS: &str = "Amazon Web Services, Inc.";

const SHAPES: &[Shape] = &[
    (
        "Usage",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "1.5",
        "USD",
        "web",
        "Anniversary",
        "AWS",
        AWS,
        "",
        "",
        "",
        "",
    ),
    (
        "Usage",
        "AmazonS3",
        "Amazon Simple Storage Service",
        "0.023",
        "USD",
        "",
        "Anniversary",
        "AWS",
        AWS,
        "",
        "",
        "",
        "",
    ),
    (
        "SavingsPlanCoveredUsage",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "2.0",
        "USD",
        "web",
        "Anniversary",
        "AWS",
        AWS,
        SP,
        "",
        "1.4",
        "",
    ),
    (
        "SavingsPlanNegation",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "-2.0",
        "USD",
        "web",
        "Anniversary",
        "AWS",
        AWS,
        SP,
        "",
        "",
        "",
    ),
    (
        "SavingsPlanRecurringFee",
        "ComputeSavingsPlans",
        "Savings Plans for AWS Compute usage",
        "10.0",
        "USD",
        "",
        "Anniversary",
        "AWS",
        AWS,
        SP,
        "",
        "",
        "",
    ),
    (
        "SavingsPlanUpfrontFee",
        "ComputeSavingsPlans",
        "Savings Plans for AWS Compute usage",
        "120.0",
        "USD",
        "",
        "Purchase",
        "AWS",
        AWS,
        SP,
        "",
        "",
        "",
    ),
    (
        "DiscountedUsage",
        "AmazonRDS",
        "Amazon Relational Database Service",
        "0.0",
        "USD",
        "data",
        "Anniversary",
        "AWS",
        AWS,
        "",
        RI,
        "",
        "0.3",
    ),
    (
        "RIFee",
        "AmazonRDS",
        "Amazon Relational Database Service",
        "50.0",
        "USD",
        "",
        "Anniversary",
        "AWS",
        AWS,
        "",
        RI,
        "",
        "",
    ),
    (
        "Fee",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "1000.0",
        "USD",
        "",
        "Purchase",
        "AWS",
        AWS,
        "",
        RI,
        "",
        "",
    ),
    (
        "Fee",
        "AWSSupportBusiness",
        "AWS Support (Business)",
        "100.0",
        "USD",
        "",
        "Anniversary",
        "AWS",
        AWS,
        "",
        "",
        "",
        "",
    ),
    (
        "Tax",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "5.3",
        "USD",
        "",
        "Anniversary",
        "AWS",
        AWS,
        "",
        "",
        "",
        "",
    ),
    (
        "Credit",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "-3.0",
        "USD",
        "",
        "Anniversary",
        "AWS",
        AWS,
        "",
        "",
        "",
        "",
    ),
    (
        "Refund",
        "AmazonS3",
        "Amazon Simple Storage Service",
        "-1.25",
        "USD",
        "",
        "Refund",
        "AWS",
        AWS,
        "",
        "",
        "",
        "",
    ),
    (
        "Usage",
        "prod-4xxmkaqt5nq",
        "Acme Observability Agent",
        "7.77",
        "USD",
        "ops",
        "Anniversary",
        "AWS Marketplace",
        "Acme Software LLC",
        "",
        "",
        "",
        "",
    ),
    (
        "Usage",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "2.0",
        "EUR",
        "web",
        "Anniversary",
        "AWS",
        "Amazon Web Services EMEA SARL",
        "",
        "",
        "",
        "",
    ),
    (
        "Tax",
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "0.38",
        "EUR",
        "",
        "Anniversary",
        "AWS",
        "Amazon Web Services EMEA SARL",
        "",
        "",
        "",
        "",
    ),
];

/// The shapes as a CUR 2.0 Parquet file (doubles, UTC timestamps, maps), and the billed total
/// per currency.
fn shapes_cur2_parquet(path: &Path) -> BTreeMap<String, Decimal> {
    let n = SHAPES.len();
    let text = |f: &dyn Fn(&Shape, usize) -> String| -> ArrayRef {
        column(
            Kind::Text,
            &SHAPES.iter().enumerate().map(|(i, s)| null_if_empty(&f(s, i))).collect::<Vec<_>>(),
        )
    };
    let of = |kind: Kind, f: &dyn Fn(&Shape) -> &str| -> ArrayRef {
        column(kind, &SHAPES.iter().map(|s| null_if_empty(f(s))).collect::<Vec<_>>())
    };
    let usage = |s: &Shape| matches!(s.0, "Usage" | "SavingsPlanCoveredUsage" | "DiscountedUsage");
    let hourly = |s: &Shape| usage(s) || s.0 == "SavingsPlanNegation";
    let start = |s: &Shape| -> &'static str {
        if hourly(s) {
            "2026-10-05T10:00:00Z"
        } else {
            "2026-10-01T00:00:00Z"
        }
    };
    let end = |s: &Shape| -> &'static str {
        if hourly(s) {
            "2026-10-05T11:00:00Z"
        } else {
            "2026-11-01T00:00:00Z"
        }
    };
    let issuer = |s: &Shape| -> &'static str {
        if s.8.contains("EMEA") {
            "Amazon Web Services EMEA SARL"
        } else {
            AWS
        }
    };
    let product: Vec<_> = SHAPES
        .iter()
        .map(|s| {
            json!({"product_name": s.2, "region_code": "us-east-1", "location": "US East (N. Virginia)", "servicecode": s.1, "product_family": if usage(s) { "Compute Instance" } else { "" }})
                .as_object()
                .cloned()
        })
        .collect();
    let tags: Vec<_> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, s)| match (s.5, i % 5) {
            // A null map, an empty map, a map without user tags.
            ("", 0) => None,
            ("", 1) => Some(Default::default()),
            ("", _) => json!({"aws_createdBy": "IAMUser:x"}).as_object().cloned(),
            (t, _) => json!({"user_team": t, "user_env": "prod"}).as_object().cloned(),
        })
        .collect();
    let cols: Vec<(String, ArrayRef)> = vec![
        ("bill_bill_type".into(), of(Kind::Text, &|s| s.6)),
        ("bill_billing_entity".into(), of(Kind::Text, &|s| s.7)),
        ("bill_invoicing_entity".into(), of(Kind::Text, &|s| issuer(s))),
        (
            "bill_invoice_id".into(),
            text(&|s, _| if s.4 == "EUR" { "EUINV-1".into() } else { "INV-1".into() }),
        ),
        ("bill_payer_account_id".into(), text(&|_, _| "111122223333".into())),
        ("bill_payer_account_name".into(), text(&|_, _| "Acme".into())),
        ("bill_billing_period_start_date".into(), of(Kind::TimeUtc, &|_| "2026-10-01T00:00:00Z")),
        ("bill_billing_period_end_date".into(), of(Kind::TimeUtc, &|_| "2026-11-01T00:00:00Z")),
        ("identity_line_item_id".into(), text(&|_, i| format!("li-{i:04}"))),
        ("line_item_line_item_type".into(), of(Kind::Text, &|s| s.0)),
        ("line_item_product_code".into(), of(Kind::Text, &|s| s.1)),
        (
            "line_item_usage_account_id".into(),
            text(&|_, i| if i % 2 == 0 { "111122223333".into() } else { "444455556666".into() }),
        ),
        (
            "line_item_usage_account_name".into(),
            text(&|_, i| if i % 2 == 0 { "payments".into() } else { "search".into() }),
        ),
        ("line_item_usage_start_date".into(), of(Kind::TimeUtc, &|s| start(s))),
        ("line_item_usage_end_date".into(), of(Kind::TimeUtc, &|s| end(s))),
        ("line_item_unblended_cost".into(), of(Kind::Double, &|s| s.3)),
        ("line_item_unblended_rate".into(), of(Kind::Double, &|s| if usage(s) { "0.0416" } else { "" })),
        ("line_item_usage_amount".into(), of(Kind::Double, &|s| if s.0 == "Tax" { "" } else { "1.0" })),
        ("line_item_currency_code".into(), of(Kind::Text, &|s| s.4)),
        ("line_item_legal_entity".into(), of(Kind::Text, &|s| s.8)),
        ("line_item_line_item_description".into(), text(&|s, _| format!("{} of {}", s.0, s.2))),
        (
            "line_item_resource_id".into(),
            text(&|s, i| {
                if usage(s) {
                    format!("arn:aws:ec2:us-east-1:111122223333:instance/i-{i:04}")
                } else {
                    String::new()
                }
            }),
        ),
        (
            "line_item_usage_type".into(),
            text(&|s, _| if s.3.starts_with('-') { String::new() } else { "USE1-BoxUsage:m5.large".into() }),
        ),
        (
            "line_item_availability_zone".into(),
            text(&|s, _| if usage(s) { "us-east-1a".into() } else { String::new() }),
        ),
        ("pricing_public_on_demand_cost".into(), of(Kind::Double, &|s| if usage(s) { "2.0" } else { "" })),
        ("pricing_public_on_demand_rate".into(), of(Kind::Double, &|s| if usage(s) { "0.096" } else { "" })),
        ("pricing_unit".into(), of(Kind::Text, &|s| if s.0 == "Tax" { "" } else { "Hrs" })),
        (
            "pricing_rate_code".into(),
            text(&|s, i| if usage(s) { format!("SKU{i}.RATE.1") } else { String::new() }),
        ),
        ("product_sku".into(), text(&|s, i| if usage(s) { format!("SKU{i}") } else { String::new() })),
        ("savings_plan_savings_plan_a_r_n".into(), of(Kind::Text, &|s| s.9)),
        ("savings_plan_savings_plan_effective_cost".into(), of(Kind::Double, &|s| s.11)),
        ("reservation_reservation_a_r_n".into(), of(Kind::Text, &|s| s.10)),
        ("reservation_effective_cost".into(), of(Kind::Double, &|s| s.12)),
        ("product".into(), map_column(&product)),
        ("resource_tags".into(), map_column(&tags)),
    ];
    assert_eq!(cols.iter().filter(|(_, a)| a.len() == n).count(), cols.len());
    write_parquet(path, cols, Some(4));
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for s in SHAPES {
        let e = totals.entry(s.4.to_string()).or_default();
        *e = e.checked_add(dec(s.3)).unwrap();
    }
    totals
}

/// Billed per currency of a CUR or FOCUS CSV sample in `month` (read here, not by tally).
fn sample_billed(name: &str, month: &str) -> BTreeMap<String, Decimal> {
    let rows = csv_rows(&sample(name));
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in rows {
        let (billed, currency, period) = match r.get("BilledCost") {
            Some(b) => (b.clone(), r["BillingCurrency"].clone(), r["BillingPeriodStart"].clone()),
            None => (
                r["lineItem/UnblendedCost"].clone(),
                r["lineItem/CurrencyCode"].clone(),
                r["bill/BillingPeriodStartDate"].clone(),
            ),
        };
        if period.starts_with(month) {
            let e = out.entry(currency).or_default();
            *e = e.checked_add(dec(billed.trim())).unwrap();
        }
    }
    out
}

/// Every Parquet input of this file with its month and billed total per currency.
fn parquet_inputs(dir: &Path) -> Vec<(PathBuf, &'static str, BTreeMap<String, Decimal>)> {
    let mut out = Vec::new();
    let p = dir.join("focus-decimal-utc-map.parquet");
    focus_sample_parquet(&p, Kind::Decimal, Kind::TimeUtc, true);
    out.push((p, "2024-09", sample_billed(FOCUS_SAMPLE, "2024-09")));
    let p = dir.join("focus-double-naive-json.parquet");
    focus_sample_parquet(&p, Kind::Double, Kind::TimeNaive, false);
    out.push((p, "2024-09", sample_billed(FOCUS_SAMPLE, "2024-09")));
    let p = dir.join("cur-legacy.parquet");
    cur_sample_legacy_parquet(&p);
    out.push((p, "2023-11", sample_billed(CUR_SAMPLE, "2023-11")));
    let p = dir.join("cur2-sample.parquet");
    cur_sample_cur2_parquet(&p);
    out.push((p, "2023-11", sample_billed(CUR_SAMPLE, "2023-11")));
    let p = dir.join("cur2-shapes.parquet");
    let totals = shapes_cur2_parquet(&p);
    out.push((p, "2026-10", totals));
    out
}

#[test]
fn focus_exports_of_parquet_inputs_pass_the_validator_and_reconcile() {
    let dir = scratch("focus-parquet-inputs");
    for (input, month, billed) in parquet_inputs(&dir) {
        let name = input.file_stem().unwrap().to_str().unwrap().to_string();
        let v10 = dir.join(format!("{name}-10.csv"));
        export(&input, &v10, &["--focus-version", "1.0", "--month", month, "--owner-tag", "team"]);
        assert_only_validator_bugs(&v10);
        let v12 = dir.join(format!("{name}-12.csv"));
        export(&input, &v12, &["--month", month, "--owner-tag", "team"]);
        let rows = check_focus_12(&v12);
        assert_eq!(export_billed(&rows), billed, "{name}: BilledCost per currency = the input's");
        // The Parquet output holds the CSV's rows.
        let out = dir.join(format!("{name}-12.parquet"));
        let run = tally(&[
            "export",
            "--costs",
            input.to_str().unwrap(),
            "--month",
            month,
            "--owner-tag",
            "team",
            "--format",
            "focus-parquet",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&out).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        let n: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(n, rows.len(), "{name}");
        // The validator on the Parquet output at 1.0.
        let out = dir.join(format!("{name}-10.parquet"));
        let run = tally(&[
            "export",
            "--costs",
            input.to_str().unwrap(),
            "--month",
            month,
            "--focus-version",
            "1.0",
            "--format",
            "focus-parquet",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_only_parquet_validator_bugs(&out);
    }
}

/// Validator 1.0.0 on a Parquet export: its own bugs only (`docs/upstream/focus-validator.md`).
/// Parquet keeps account ids as strings, so the CSV-only `*_IsString` failures are gone; its
/// Decimal check wants floats, so every exact `DECIMAL(38, s)` column fails `*_IsDecimal` (5).
fn assert_only_parquet_validator_bugs(file: &Path) {
    let Some(failed) = validator_failures(file) else { return };
    let decimal = |f: &str| f.strip_suffix("_IsDecimal").is_some_and(|c| FOCUS_DECIMALS.contains(&c));
    let unexpected: Vec<&String> = failed
        .iter()
        .filter(|f| !decimal(f))
        .filter(|f| !VALIDATOR_BUGS.iter().any(|(rule, _)| rule == f && !rule.ends_with("_IsString")))
        .collect();
    assert!(unexpected.is_empty(), "{}: the validator reports {unexpected:?}", file.display());
    assert!(
        failed.iter().any(|f| f == "BilledCost_IsDecimal"),
        "bug (5) fixed? tighten this test: {failed:?}"
    );
}

#[test]
fn cur2_shapes_map_to_their_focus_rows() {
    let dir = scratch("focus-parquet-shapes");
    let input = dir.join("shapes.parquet");
    shapes_cur2_parquet(&input);
    let out = dir.join("shapes.csv");
    export(&input, &out, &["--owner-tag", "team"]);
    let rows = check_focus_12(&out);
    assert_eq!(rows.len(), SHAPES.len());
    let row = |i: usize| &rows[i];
    // Tags from the map (user_ keys only, prefix removed); owner from them.
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&row(0)["Tags"]).unwrap(),
        json!({"team": "web", "env": "prod"})
    );
    assert_eq!(row(0)["x_Owner"], "web");
    assert_eq!(row(1)["Tags"], "");
    assert_eq!(row(1)["x_AllocationStatus"], "untagged");
    // Savings Plans and RIs.
    assert_eq!((row(2)["CommitmentDiscountId"].as_str(), row(2)["EffectiveCost"].as_str()), (SP, "1.4"));
    assert_eq!(row(2)["PricingCategory"], "Committed");
    assert_eq!(row(6)["CommitmentDiscountType"], "Reserved Instance");
    assert_eq!(row(6)["EffectiveCost"], "0.3");
    // Fees, tax, credit, refund.
    assert_eq!(row(9)["ServiceSubcategory"], "Support");
    assert_eq!((row(10)["ChargeCategory"].as_str(), row(10)["PricingQuantity"].as_str()), ("Tax", ""));
    assert_eq!(row(11)["ChargeCategory"], "Credit");
    assert_eq!(row(12)["ChargeClass"], "Correction");
    // Marketplace: its seller publishes, AWS issues the invoice.
    assert_eq!(
        (row(13)["PublisherName"].as_str(), row(13)["InvoiceIssuerName"].as_str()),
        ("Acme Software LLC", AWS)
    );
    // A second currency keeps its own.
    assert_eq!(
        (row(14)["BillingCurrency"].as_str(), row(14)["InvoiceIssuerName"].as_str()),
        ("EUR", "Amazon Web Services EMEA SARL")
    );
    // Region from the product map.
    assert_eq!(row(0)["RegionId"], "us-east-1");
    assert_eq!(row(0)["ServiceName"], "Amazon Elastic Compute Cloud");
}

/// Cells of two exports compared by meaning: decimals by value (a double's shortest decimal
/// has its own scale), JSON by value, the rest as text.
fn same_cell(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.parse::<Decimal>(), b.parse::<Decimal>()) {
        return x == y;
    }
    match (serde_json::from_str::<serde_json::Value>(a), serde_json::from_str::<serde_json::Value>(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn assert_same_rows(a: &Path, b: &Path) {
    let (ha, ra) = read_csv(a);
    let (hb, rb) = read_csv(b);
    assert_eq!(ha, hb, "{} vs {}", a.display(), b.display());
    assert_eq!(ra.len(), rb.len());
    for (i, (x, y)) in ra.iter().zip(&rb).enumerate() {
        for (j, h) in ha.iter().enumerate() {
            assert!(
                same_cell(&x[j], &y[j]),
                "line {}: {h}: {:?} vs {:?} ({} vs {})",
                i + 2,
                x[j],
                y[j],
                a.display(),
                b.display()
            );
        }
    }
}

#[test]
fn a_parquet_input_gives_the_rows_of_its_csv() {
    let dir = scratch("focus-parquet-same");
    let focus_csv = dir.join("focus-from-csv.csv");
    export(&sample(FOCUS_SAMPLE), &focus_csv, &["--month", "2024-09", "--owner-tag", "application"]);
    for (amounts, times, map) in
        [(Kind::Decimal, Kind::TimeUtc, true), (Kind::Double, Kind::TimeNaive, false)]
    {
        let input = dir.join("focus.parquet");
        focus_sample_parquet(&input, amounts, times, map);
        let out = dir.join("focus-from-parquet.csv");
        export(&input, &out, &["--month", "2024-09", "--owner-tag", "application"]);
        assert_same_rows(&focus_csv, &out);
    }
    // The CUR sample with the same synthetic team tag, as CSV and as legacy Parquet.
    let (headers, rows) = read_csv(&sample(CUR_SAMPLE));
    let tagged = dir.join("cur-tagged.csv");
    let mut w = csv::Writer::from_path(&tagged).unwrap();
    w.write_record(headers.iter().map(String::as_str).chain(["resourceTags/user:team"])).unwrap();
    for (i, r) in rows.iter().enumerate() {
        w.write_record(r.iter().map(String::as_str).chain([team(i).unwrap_or_default().as_str()])).unwrap();
    }
    w.flush().unwrap();
    let cur_csv = dir.join("cur-from-csv.csv");
    export(&tagged, &cur_csv, &["--owner-tag", "team"]);
    let input = dir.join("cur.parquet");
    cur_sample_legacy_parquet(&input);
    let out = dir.join("cur-from-parquet.csv");
    export(&input, &out, &["--owner-tag", "team"]);
    assert_same_rows(&cur_csv, &out);
}

#[test]
fn a_bad_parquet_row_is_an_error_at_its_row_group_and_row() {
    let dir = scratch("focus-parquet-bad");
    let (headers, mut rows) = read_csv(&sample(FOCUS_SAMPLE));
    let cat = headers.iter().position(|h| h == "ChargeCategory").unwrap();
    // Row 302 of the file: row group 1 (of 300 rows), row 2.
    rows[302][cat] = "Bogus".into();
    let mut cols = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let cells: Vec<Option<String>> = rows.iter().map(|r| null_if_empty(&r[i])).collect();
        cols.push((h.clone(), column(Kind::Text, &cells)));
    }
    let input = dir.join("bad.parquet");
    write_parquet(&input, cols, Some(300));
    let out = dir.join("out.csv");
    let run = tally(&[
        "export",
        "--costs",
        input.to_str().unwrap(),
        "--format",
        "focus",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("bad.parquet")
            && run.stderr.contains("row group 1, row 2")
            && run.stderr.contains("Bogus"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing written on bad input");
}

#[test]
fn focus_export_reads_an_s3_export_and_refuses_athena() {
    const BUCKET: &str = "tally-it-focus-export";
    let dir = scratch("focus-parquet-s3");
    let parquet = dir.join("cur2.parquet");
    shapes_cur2_parquet(&parquet);
    let key = "exports/acme2/data/BILLING_PERIOD=2026-10/acme2-00001.snappy.parquet";
    let manifest = json!({"exportName": "acme2", "dataFiles": [format!("s3://{BUCKET}/{key}")]}).to_string();
    let seeded = moto().seed(
        "210000000017",
        json!({
            "buckets": [{"name": BUCKET, "region": "us-east-1", "tags": null}],
            "objects": [
                {"bucket": BUCKET, "key": key, "file": parquet.to_str().unwrap()},
                {"bucket": BUCKET, "key": "exports/acme2/metadata/BILLING_PERIOD=2026-10/acme2-Manifest.json", "body": manifest},
            ]
        }),
    );
    let cache = TempDir::new("focus-parquet-s3");
    let run = moto().tally_as(
        &seeded,
        &["export", "--costs", &format!("s3://{BUCKET}/exports"), "--format", "focus", "--owner-tag", "team"],
        &cache,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let local = dir.join("local.csv");
    export(&parquet, &local, &["--owner-tag", "team"]);
    assert_eq!(run.stdout, std::fs::read_to_string(&local).unwrap(), "from S3 = from the local file");
    let run = tally(&["export", "--costs", "athena://primary/billing.cur2?format=cur2", "--format", "focus"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("one row per invoice line"), "{}", run.stderr);
}
