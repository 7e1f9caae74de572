//! The Athena path checked against a real SQL engine, not only moto's canned answers: the exact
//! statement tally sends to Athena (CUR 2.0, legacy CUR and FOCUS tables, with and without
//! `period=`) is parsed in Athena's dialect (Trino) by `sqlglot`, written as DuckDB SQL and run
//! by DuckDB over the same Parquet files tally reads locally (`scripts/athena_duckdb.py`, in
//! the `.sql-venv` `scripts/test` installs, pinned). Its rows, mapped back by
//! `tally::costs::athena::records`, must equal tally's local read of the files to the last
//! digit: every key, every sum, every line count.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::builder::{MapBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampMillisecondArray};
use tally::costs::athena;
use tally::costs::{read_costs, AthenaTable, CostRecord, CostSource, ReadOptions};

use crate::costs::scratch;
use crate::support::{repo, write_parquet};

/// One generated line item, in the terms of every format.
struct Line {
    start: i64,
    end: i64,
    billing: i64,
    account: String,
    code: &'static str,
    name: &'static str,
    cur_type: &'static str,
    focus_category: &'static str,
    commitment_status: Option<&'static str>,
    cost: f64,
    effective: f64,
    sp_effective: Option<f64>,
    sp_total: Option<f64>,
    sp_used: Option<f64>,
    ri_effective: Option<f64>,
    ri_upfront: Option<f64>,
    ri_recurring: Option<f64>,
    ri_arn: Option<String>,
    resource: Option<String>,
    team: Option<String>,
    currency: &'static str,
}

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
/// 2026-10-01T00:00:00Z and 2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z in milliseconds.
const OCT: i64 = 1_790_812_800_000;
const NOV: i64 = OCT + 31 * DAY;
const DEC: i64 = NOV + 30 * DAY;

/// A two-month bill: hourly usage over 6 accounts and 5 services with a team tag on most
/// lines, Savings Plan covered usage and recurring fees, RI usage and fees, month-long tax,
/// credits and a refund; amounts with up to 10 decimals, as CUR writes them.
fn bill() -> Vec<Line> {
    let services = [
        ("AmazonEC2", "Amazon Elastic Compute Cloud"),
        ("AmazonS3", "Amazon Simple Storage Service"),
        ("AmazonRDS", "Amazon Relational Database Service"),
        ("AWSLambda", "AWS Lambda"),
        ("AmazonDynamoDB", "Amazon DynamoDB"),
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut lines = Vec::new();
    for (month, next_month) in [(OCT, NOV), (NOV, DEC)] {
        let days = (next_month - month) / DAY;
        for i in 0..900u64 {
            let r = next();
            let (code, name) = services[(r % 5) as usize];
            let start = month + ((r >> 8) % (days as u64 * 24)) as i64 * HOUR;
            let cost = ((r >> 20) % 20_000_000_000) as f64 / 1e10;
            let kind = (r >> 40) % 20;
            let (cur_type, effective, sp_effective, ri_effective, commitment) = match kind {
                0 => ("SavingsPlanCoveredUsage", cost * 0.5, Some(cost * 0.5), None, Some("Used")),
                1 => ("DiscountedUsage", cost * 0.25, None, Some(cost * 0.25), Some("Used")),
                _ => ("Usage", cost, None, None, None),
            };
            let round = |v: f64| (v * 1e10).round() / 1e10;
            let team = ((r >> 50) % 5 != 0).then(|| format!("team-{}", (r >> 52) % 4));
            lines.push(Line {
                start,
                end: start + HOUR,
                billing: month,
                account: format!("{:012}", 111_122_223_333u64 + (i % 6)),
                code,
                name,
                cur_type,
                focus_category: "Usage",
                commitment_status: commitment,
                cost,
                effective: round(effective),
                sp_effective: sp_effective.map(round),
                sp_total: None,
                sp_used: None,
                ri_effective: ri_effective.map(round),
                ri_upfront: None,
                ri_recurring: None,
                ri_arn: (kind == 1)
                    .then(|| "arn:aws:ec2:eu-west-1:111122223333:reserved-instances/r-1".into()),
                resource: Some(format!("arn:aws:svc:eu-west-1:1:res/r-{}", r % 40)),
                team,
                currency: "USD",
            });
        }
        let monthly = |cur_type, focus_category, cost: f64, effective: f64| Line {
            start: month,
            end: next_month,
            billing: month,
            account: "111122223333".into(),
            code: "AmazonEC2",
            name: "Amazon Elastic Compute Cloud",
            cur_type,
            focus_category,
            commitment_status: None,
            cost,
            effective,
            sp_effective: None,
            sp_total: None,
            sp_used: None,
            ri_effective: None,
            ri_upfront: None,
            ri_recurring: None,
            ri_arn: None,
            resource: None,
            team: None,
            currency: "USD",
        };
        lines.push(monthly("Tax", "Tax", 41.23, 41.23));
        lines.push(monthly("Credit", "Credit", -12.5, -12.5));
        lines.push(monthly("Refund", "Adjustment", -3.0000000001, -3.0000000001));
        // Unused Savings Plan commitment: the recurring fee's unused part is its cost.
        let mut sp = monthly("SavingsPlanRecurringFee", "Usage", 100.0, 7.25);
        sp.commitment_status = Some("Unused");
        sp.sp_total = Some(100.0);
        sp.sp_used = Some(92.75);
        lines.push(sp);
        let mut ri = monthly("RIFee", "Usage", 50.0, 3.5);
        ri.commitment_status = Some("Unused");
        ri.ri_upfront = Some(2.0);
        ri.ri_recurring = Some(1.5);
        ri.ri_arn = Some("arn:aws:ec2:eu-west-1:111122223333:reserved-instances/r-1".into());
        lines.push(ri);
    }
    lines
}

fn times(lines: &[&Line], f: impl Fn(&Line) -> i64) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from_iter(lines.iter().map(|l| Some(f(l)))).with_timezone("UTC"))
}

fn texts(lines: &[&Line], f: impl Fn(&Line) -> Option<String>) -> ArrayRef {
    Arc::new(StringArray::from_iter(lines.iter().map(|l| f(l))))
}

fn floats(lines: &[&Line], f: impl Fn(&Line) -> Option<f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(lines.iter().map(|l| f(l))))
}

fn map(lines: &[&Line], key: &str, f: impl Fn(&Line) -> Option<String>) -> ArrayRef {
    let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for l in lines {
        if let Some(v) = f(l) {
            b.keys().append_value(key);
            b.values().append_value(v);
        }
        b.append(true).unwrap();
    }
    Arc::new(b.finish())
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Cur2,
    Cur,
    Focus,
}

fn write(shape: Shape, lines: &[&Line], path: &Path) {
    let s = |v: &str| Some(v.to_string());
    let mut cols: Vec<(&str, ArrayRef)> = match shape {
        Shape::Focus => vec![
            ("ChargePeriodStart", times(lines, |l| l.start)),
            ("ChargePeriodEnd", times(lines, |l| l.end)),
            ("BillingPeriodStart", times(lines, |l| l.billing)),
            ("BillingAccountId", texts(lines, |_| s("999988887777"))),
            ("SubAccountId", texts(lines, |l| Some(l.account.clone()))),
            ("x_ServiceCode", texts(lines, |l| s(l.code))),
            ("ServiceName", texts(lines, |l| s(l.name))),
            ("ResourceId", texts(lines, |l| l.resource.clone())),
            ("ChargeCategory", texts(lines, |l| s(l.focus_category))),
            ("CommitmentDiscountStatus", texts(lines, |l| l.commitment_status.map(str::to_string))),
            ("BillingCurrency", texts(lines, |l| s(l.currency))),
            ("BilledCost", floats(lines, |l| Some(l.cost))),
            ("EffectiveCost", floats(lines, |l| Some(l.effective))),
            ("Tags", map(lines, "team", |l| l.team.clone())),
        ],
        _ => vec![
            ("line_item_usage_start_date", times(lines, |l| l.start)),
            ("line_item_usage_end_date", times(lines, |l| l.end)),
            ("bill_billing_period_start_date", times(lines, |l| l.billing)),
            ("line_item_usage_account_id", texts(lines, |l| Some(l.account.clone()))),
            ("line_item_product_code", texts(lines, |l| s(l.code))),
            ("line_item_resource_id", texts(lines, |l| l.resource.clone())),
            ("line_item_line_item_type", texts(lines, |l| s(l.cur_type))),
            ("line_item_currency_code", texts(lines, |l| s(l.currency))),
            ("line_item_unblended_cost", floats(lines, |l| Some(l.cost))),
            ("savings_plan_savings_plan_effective_cost", floats(lines, |l| l.sp_effective)),
            ("savings_plan_total_commitment_to_date", floats(lines, |l| l.sp_total)),
            ("savings_plan_used_commitment", floats(lines, |l| l.sp_used)),
            ("reservation_effective_cost", floats(lines, |l| l.ri_effective)),
            ("reservation_unused_amortized_upfront_fee_for_billing_period", floats(lines, |l| l.ri_upfront)),
            ("reservation_unused_recurring_fee", floats(lines, |l| l.ri_recurring)),
            ("reservation_reservation_a_r_n", texts(lines, |l| l.ri_arn.clone())),
        ],
    };
    match shape {
        Shape::Cur2 => {
            cols.push(("product", map(lines, "product_name", |l| s(l.name))));
            cols.push(("resource_tags", map(lines, "user_team", |l| l.team.clone())));
        }
        Shape::Cur => {
            cols.push(("product_product_name", texts(lines, |l| s(l.name))));
            cols.push(("resource_tags_user_team", texts(lines, |l| l.team.clone())));
        }
        Shape::Focus => {}
    }
    write_parquet(path, cols, None);
}

/// One file per billing period, as AWS delivers them (`BILLING_PERIOD=2026-10/...`).
fn files(shape: Shape, dir: &Path) -> Vec<(PathBuf, i64)> {
    let lines = bill();
    [OCT, NOV]
        .iter()
        .map(|&month| {
            let part: Vec<&Line> = lines.iter().filter(|l| l.billing == month).collect();
            let p = dir.join(format!("{}.parquet", if month == OCT { "2026-10" } else { "2026-11" }));
            write(shape, &part, &p);
            (p, month)
        })
        .collect()
}

/// Rows of the statement run by DuckDB, as Athena's GetQueryResults gives them.
fn run_duckdb(
    shape: Shape,
    table: &AthenaTable,
    sql: &str,
    files: &[(PathBuf, i64)],
) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let python = repo().join(".sql-venv/bin/python");
    // Never a silent pass: without the engine this test proves nothing, so it fails.
    assert!(
        python.exists(),
        "{} is not installed: run scripts/test, which installs sqlglot and duckdb (pinned) into .sql-venv",
        python.display()
    );
    let parts: Vec<serde_json::Value> = files
        .iter()
        .map(|(path, month)| {
            let (y, m) = if *month == OCT { ("2026", "10") } else { ("2026", "11") };
            let partitions = match shape {
                Shape::Cur => serde_json::json!({"year": y, "month": m}),
                _ => serde_json::json!({"billing_period": format!("{y}-{m}")}),
            };
            serde_json::json!([path.display().to_string(), partitions])
        })
        .collect();
    let mut child = Command::new(python)
        .arg(repo().join("scripts/athena_duckdb.py"))
        .args([&table.database, &table.table])
        .arg(serde_json::Value::Array(parts).to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(sql.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "DuckDB failed on\n{sql}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let columns = v["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let rows = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().map(str::to_string)).collect())
        .collect();
    (columns, rows)
}

fn local(files: &[(PathBuf, i64)], opts: &ReadOptions, period: Option<i64>) -> Vec<CostRecord> {
    let mut out = Vec::new();
    for (path, month) in files {
        if period.is_some_and(|p| p != *month) {
            continue;
        }
        out.extend(read_costs(path, opts).unwrap().records);
    }
    out.sort_by_key(|r| {
        format!(
            "{:?}",
            (
                r.period,
                r.billing_period_start,
                &r.account,
                &r.service,
                &r.resource_id,
                &r.tags,
                r.category,
                &r.currency
            )
        )
    });
    out
}

#[test]
fn athena_sql_equals_the_local_read_on_a_real_engine() {
    for (shape, name, format) in
        [(Shape::Cur2, "cur2", "cur2"), (Shape::Cur, "cur", "cur"), (Shape::Focus, "focus", "focus")]
    {
        let dir = scratch(&format!("athena-sql-{name}"));
        let files = files(shape, &dir);
        for keep_resource_ids in [false, true] {
            for period in [None, Some(NOV)] {
                let url = match period {
                    Some(_) => format!("athena://primary/billing.{name}?format={format}&period=2026-11"),
                    None => format!("athena://primary/billing.{name}?format={format}"),
                };
                let CostSource::Athena(table) = CostSource::parse(&url).unwrap() else { panic!("{url}") };
                let opts = ReadOptions {
                    tag_keys: vec!["team".into()],
                    keep_resource_ids,
                    ..ReadOptions::default()
                };
                let query = athena::query(&table, &opts);
                let (columns, rows) = run_duckdb(shape, &table, &query.sql, &files);
                let sql = athena::records(&query, &columns, &rows).unwrap();
                let mut sql_records = sql.records.clone();
                sql_records.sort_by_key(|r| {
                    format!(
                        "{:?}",
                        (
                            r.period,
                            r.billing_period_start,
                            &r.account,
                            &r.service,
                            &r.resource_id,
                            &r.tags,
                            r.category,
                            &r.currency
                        )
                    )
                });
                let want = local(&files, &opts, period);
                assert!(want.len() > 20, "{url}: {} records", want.len());
                assert_eq!(sql_records.len(), want.len(), "{url}: record count");
                for (a, b) in sql_records.iter().zip(&want) {
                    assert_eq!(a, b, "{url} (resource ids: {keep_resource_ids})");
                }
                let local_data_rows: u64 = want.iter().map(|r| r.rows).sum();
                assert_eq!(sql.rows, local_data_rows, "{url}: line items");
            }
        }
    }
}
