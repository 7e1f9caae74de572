//! CUR and FOCUS ingestion on the real samples in `../shared/corpus/cost`: totals reconcile
//! exactly with an independent sum over the input's cost column, on both bases; Parquet and
//! gzip copies of the same data give the same records as the CSV.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::support::write_parquet;
use arrow_array::builder::{MapBuilder, StringBuilder};
use arrow_array::{ArrayRef, Decimal128Array, Float64Array, StringArray, TimestampMillisecondArray};
use rust_decimal::Decimal;
use tally::costs::{read_costs, CostBasis, CostData, CostFormat, ReadOptions};
use tally::model::ChargeCategory;

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/cost");
pub const CUR_SAMPLE: &str = "aws_cur_legacy_sample_anonymous.csv";
pub const FOCUS_SAMPLE: &str = "focus10_sample_1000.csv";

pub fn sample(name: &str) -> PathBuf {
    Path::new(CORPUS).join(name)
}

/// A fresh scratch directory for one test, kept after the run for a look at what failed.
///
/// The directories are named by test, not by run, so two runs of this binary at once (the suite
/// and a test run alone, two CI jobs sharing a target directory) would clear each other's files:
/// a run's `scratch` removed another run's export between `tally` writing it and the validator
/// reading it (exit 0, then `FileNotFoundError`). The first call takes [`SCRATCH_LOCK`] for the
/// rest of the process, so a second run waits for the first before touching any of them.
pub fn scratch(name: &str) -> PathBuf {
    hold_scratch_lock();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("costs-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The file whose lock a run holds while it uses the scratch directories.
pub const SCRATCH_LOCK: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/costs-scratch.lock");

fn hold_scratch_lock() {
    static HELD: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();
    HELD.get_or_init(|| {
        std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let file = std::fs::File::create(SCRATCH_LOCK).unwrap();
        // Blocks while another run holds it; released when this process ends.
        file.lock().unwrap();
        file
    });
}

fn dec(s: &str) -> Decimal {
    let s = s.trim();
    if s.is_empty() || s == "NULL" {
        Decimal::ZERO
    } else if s.contains(['e', 'E']) {
        Decimal::from_scientific(s).unwrap()
    } else {
        Decimal::from_str(s).unwrap()
    }
}

/// Rows of a CSV as header-keyed maps, read with the csv crate alone.
pub fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| headers.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect())
        .collect()
}

/// Expected CUR totals, computed here line by line from AWS's definitions, independently of
/// the reader: billed = Σ UnblendedCost; effective = Σ amortized cost.
pub fn cur_expected(path: &Path) -> (Decimal, Decimal, usize) {
    let rows = csv_rows(path);
    let mut billed = Decimal::ZERO;
    let mut effective = Decimal::ZERO;
    for row in &rows {
        let get = |k: &str| row.get(k).map(String::as_str).unwrap_or("");
        let unblended = dec(get("lineItem/UnblendedCost"));
        billed += unblended;
        effective += match get("lineItem/LineItemType") {
            "SavingsPlanCoveredUsage" => dec(get("savingsPlan/SavingsPlanEffectiveCost")),
            "SavingsPlanRecurringFee" => {
                dec(get("savingsPlan/TotalCommitmentToDate")) - dec(get("savingsPlan/UsedCommitment"))
            }
            "SavingsPlanNegation" | "SavingsPlanUpfrontFee" => Decimal::ZERO,
            "DiscountedUsage" => dec(get("reservation/EffectiveCost")),
            "RIFee" => {
                dec(get("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"))
                    + dec(get("reservation/UnusedRecurringFee"))
            }
            "Fee" if !get("reservation/ReservationARN").is_empty() => Decimal::ZERO,
            _ => unblended,
        };
    }
    (billed, effective, rows.len())
}

pub fn focus_expected(path: &Path) -> (Decimal, Decimal, usize) {
    let rows = csv_rows(path);
    let billed = rows.iter().map(|r| dec(&r["BilledCost"])).sum();
    let effective = rows.iter().map(|r| dec(&r["EffectiveCost"])).sum();
    (billed, effective, rows.len())
}

fn read(path: &Path) -> CostData {
    read_costs(path, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_reconciles(data: &CostData, (billed, effective, rows): (Decimal, Decimal, usize)) {
    assert_eq!(data.rows, rows as u64);
    assert_eq!(data.total(CostBasis::Billed), Ok(billed), "billed");
    assert_eq!(data.total(CostBasis::Effective), Ok(effective), "effective");
    let lines_total: Decimal = data.lines(CostBasis::Effective).iter().map(|l| l.amount).sum();
    assert_eq!(lines_total, effective);
}

/// The flaky `focus_exports_of_parquet_inputs_pass_the_validator_and_reconcile` (an export that
/// exited 0, then no file for the validator): another run of this binary cleared the directory.
/// While this run uses its scratch directories, another cannot take the lock `scratch` waits on.
#[test]
fn a_second_run_cannot_clear_this_runs_scratch_directories() {
    let dir = scratch("lock");
    std::fs::write(dir.join("mine"), "x").unwrap();
    // A second open of the file is a second lock holder, as another process's would be.
    let other = std::fs::File::open(SCRATCH_LOCK).unwrap();
    assert!(
        matches!(other.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
        "another run could take the scratch lock and clear {}",
        dir.display()
    );
    assert!(dir.join("mine").exists());
}

#[test]
fn cur_sample_reconciles_on_both_bases() {
    let data = read(&sample(CUR_SAMPLE));
    let expected = cur_expected(&sample(CUR_SAMPLE));
    assert_eq!(data.files[0].1, CostFormat::CurCsv);
    assert_reconciles(&data, expected);
    // The figures the report quotes; rounded to the cent.
    assert_eq!(expected.0.to_string(), "1.68230869740");
    assert_eq!(expected.1, expected.0, "only Usage and Tax lines: nothing to amortize");
    let tax: Decimal =
        data.records.iter().filter(|r| r.category == ChargeCategory::Tax).map(|r| r.billed).sum();
    assert!(data.records.iter().any(|r| r.category == ChargeCategory::Tax));
    assert!(tax >= Decimal::ZERO);
    assert!(data.records.len() < 1281, "aggregated: {}", data.records.len());
    // "Today" is where the usage ends (the sample is month to date), not the end of the tax
    // lines AWS dates to the whole month (2023-12-01).
    assert_eq!(data.as_of().unwrap().to_string(), "2023-11-14");
    assert_eq!(data.last_charge_end.map(|s| s / 86_400), Some(19_692), "tax runs to 2023-12-01");
}

#[test]
fn focus_sample_reconciles_on_both_bases() {
    let data = read(&sample(FOCUS_SAMPLE));
    let expected = focus_expected(&sample(FOCUS_SAMPLE));
    assert_eq!(data.files[0].1, CostFormat::FocusCsv);
    assert_reconciles(&data, expected);
    assert_eq!(expected.0.to_string(), "20.52022672899");
    assert_eq!(expected.1.to_string(), "14.97651418586");
    let credit: Vec<_> = data.records.iter().filter(|r| r.category == ChargeCategory::Credit).collect();
    assert_eq!(credit.len(), 1);
    assert_eq!(credit[0].billed.to_string(), "-2.61370000000");
    let tagged = data.records.iter().find(|r| r.tags.contains_key("business_unit")).unwrap();
    assert!(tagged.tags.contains_key("application"));
    assert_eq!(data.as_of().unwrap().to_string(), "2024-10-01");
}

#[test]
fn gzip_and_directories_read_the_same_records() {
    let dir = scratch("gzip");
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let gz = dir.join("b/cur.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    std::io::copy(&mut std::fs::File::open(sample(CUR_SAMPLE)).unwrap(), &mut enc).unwrap();
    enc.finish().unwrap();
    std::fs::copy(sample(FOCUS_SAMPLE), dir.join("a-focus.csv")).unwrap();
    std::fs::write(dir.join("manifest.json"), "{}").unwrap();
    assert_eq!(read(&gz).records, read(&sample(CUR_SAMPLE)).records);
    let both = read(&dir);
    let names: Vec<_> =
        both.files.iter().map(|(p, _)| p.strip_prefix(&dir).unwrap().display().to_string()).collect();
    assert_eq!(names, ["a-focus.csv", "b/cur.csv.gz"], "sorted, manifest skipped");
    let (cb, ce, cn) = cur_expected(&sample(CUR_SAMPLE));
    let (fb, fe, fn_) = focus_expected(&sample(FOCUS_SAMPLE));
    assert_reconciles(&both, (cb + fb, ce + fe, cn + fn_));
}

// ---------------------------------------------------------------------------------------------
// Parquet: the samples rewritten as legacy CUR Parquet (doubles), CUR 2.0 (map tags) and FOCUS
// Parquet (decimal128, map tags), read back to the same records.
// ---------------------------------------------------------------------------------------------

fn millis(s: &str) -> Option<i64> {
    let s = s.trim_end_matches('Z');
    let fmt = if s.contains('T') { "%Y-%m-%dT%H:%M:%S%.f" } else { "%Y-%m-%d %H:%M:%S" };
    chrono::NaiveDateTime::parse_from_str(s, fmt).ok().map(|d| d.and_utc().timestamp_millis())
}

/// Legacy CUR CSV column -> legacy CUR Parquet column.
pub fn snake(col: &str) -> String {
    let mut out = String::new();
    for (i, ch) in col.replace('/', "_").chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The CUR sample as Parquet: amounts as doubles, timestamps as timestamps. With
/// `map_tags`, a CUR 2.0-style `resource_tags` map column (`user_team`) instead of
/// `resource_tags_user_team`.
pub fn cur_as_parquet(path: &Path, map_tags: bool) {
    let rows = csv_rows(&sample(CUR_SAMPLE));
    let text =
        |k: &str| -> ArrayRef { Arc::new(StringArray::from_iter(rows.iter().map(|r| Some(r[k].clone())))) };
    let float = |k: &str| -> ArrayRef {
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| Some(r[k].parse::<f64>().unwrap_or(0.0)))))
    };
    let time = |k: &str| -> ArrayRef {
        Arc::new(
            TimestampMillisecondArray::from_iter(rows.iter().map(|r| millis(&r[k]))).with_timezone("UTC"),
        )
    };
    // The sample has no tags: give every third line a team, so tags travel through too.
    let team = |i: usize| i.is_multiple_of(3).then(|| format!("team-{}", i % 4));
    let mut cols: Vec<(String, ArrayRef)> = vec![
        (snake("lineItem/UnblendedCost"), float("lineItem/UnblendedCost")),
        (snake("lineItem/LineItemType"), text("lineItem/LineItemType")),
        (snake("lineItem/UsageStartDate"), time("lineItem/UsageStartDate")),
        (snake("lineItem/UsageEndDate"), time("lineItem/UsageEndDate")),
        (snake("lineItem/UsageAccountId"), text("lineItem/UsageAccountId")),
        (snake("bill/BillingPeriodStartDate"), time("bill/BillingPeriodStartDate")),
        (snake("lineItem/ProductCode"), text("lineItem/ProductCode")),
        (snake("product/ProductName"), text("product/ProductName")),
        (snake("lineItem/CurrencyCode"), text("lineItem/CurrencyCode")),
    ];
    if map_tags {
        let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        for i in 0..rows.len() {
            if let Some(t) = team(i) {
                b.keys().append_value("user_team");
                b.values().append_value(t);
            }
            b.append(true).unwrap();
        }
        cols.push(("resource_tags".into(), Arc::new(b.finish())));
    } else {
        cols.push((
            "resource_tags_user_team".into(),
            Arc::new(StringArray::from_iter((0..rows.len()).map(team))),
        ));
    }
    assert_eq!(cols[0].0, "line_item_unblended_cost");
    assert_eq!(cols[5].0, "bill_billing_period_start_date");
    write_parquet(path, cols.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(), Some(500));
}

fn with_teams(mut data: CostData) -> Vec<tally::costs::CostRecord> {
    // Compare to the CSV read with the same synthetic tags: drop tags on both sides.
    for r in &mut data.records {
        r.tags.clear();
    }
    let mut merged: std::collections::BTreeMap<String, tally::costs::CostRecord> = Default::default();
    for r in data.records {
        let key = format!(
            "{:?}",
            (
                r.period,
                r.billing_period_start,
                &r.account,
                &r.service,
                &r.resource_id,
                r.category,
                &r.currency
            )
        );
        match merged.get_mut(&key) {
            Some(m) => {
                m.billed += r.billed;
                m.effective += r.effective;
                m.rows += r.rows;
            }
            None => {
                merged.insert(key, r);
            }
        }
    }
    merged.into_values().collect()
}

#[test]
fn cur_parquet_legacy_and_cur2_match_the_csv() {
    let dir = scratch("cur-parquet");
    let csv = read(&sample(CUR_SAMPLE));
    for (name, map_tags) in [("legacy.parquet", false), ("cur2.parquet", true)] {
        let path = dir.join(name);
        cur_as_parquet(&path, map_tags);
        let opts = ReadOptions { tag_keys: vec!["Team".into()], threads: Some(2), ..ReadOptions::default() };
        let pq = read_costs(&path, &opts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pq.files[0].1, CostFormat::CurParquet);
        assert_reconciles(&pq, cur_expected(&sample(CUR_SAMPLE)));
        assert!(
            pq.records.iter().any(|r| r.tags.get("Team").is_some_and(|v| v == "team-0")),
            "{name}: normalized tag key restored to the configured spelling"
        );
        assert_eq!(with_teams(pq), with_teams(csv.clone()), "{name}");
    }
}

/// The FOCUS sample as Parquet: costs as decimal(38, 11), tags as a map.
fn focus_as_parquet(path: &Path) {
    let rows = csv_rows(&sample(FOCUS_SAMPLE));
    let nullable = |v: &String| (v != "NULL").then(|| v.clone());
    let text =
        |k: &str| -> ArrayRef { Arc::new(StringArray::from_iter(rows.iter().map(|r| nullable(&r[k])))) };
    let money = |k: &str| -> ArrayRef {
        let values = rows.iter().map(|r| {
            let d = dec(&r[k]);
            let mut d = d;
            d.rescale(11);
            Some(d.mantissa())
        });
        Arc::new(Decimal128Array::from_iter(values).with_precision_and_scale(38, 11).unwrap())
    };
    let time = |k: &str| -> ArrayRef {
        Arc::new(
            TimestampMillisecondArray::from_iter(rows.iter().map(|r| millis(&r[k]))).with_timezone("UTC"),
        )
    };
    let mut tags = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for r in &rows {
        if r["Tags"] != "NULL" {
            let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&r["Tags"]).unwrap();
            for (k, v) in map {
                tags.keys().append_value(k);
                tags.values().append_value(v.as_str().unwrap());
            }
            tags.append(true).unwrap();
        } else {
            tags.append(false).unwrap();
        }
    }
    write_parquet(
        path,
        vec![
            ("BilledCost", money("BilledCost")),
            ("EffectiveCost", money("EffectiveCost")),
            ("ChargeCategory", text("ChargeCategory")),
            ("ChargePeriodStart", time("ChargePeriodStart")),
            ("ChargePeriodEnd", time("ChargePeriodEnd")),
            ("BillingPeriodStart", time("BillingPeriodStart")),
            ("SubAccountId", text("SubAccountId")),
            ("ServiceName", text("ServiceName")),
            ("ResourceId", text("ResourceId")),
            ("BillingCurrency", text("BillingCurrency")),
            ("Tags", Arc::new(tags.finish())),
        ],
        Some(300),
    );
}

#[test]
fn focus_parquet_matches_the_csv() {
    let dir = scratch("focus-parquet");
    let path = dir.join("focus.parquet");
    focus_as_parquet(&path);
    let pq = read(&path);
    assert_eq!(pq.files[0].1, CostFormat::FocusParquet);
    assert_reconciles(&pq, focus_expected(&sample(FOCUS_SAMPLE)));
    let mut csv = read(&sample(FOCUS_SAMPLE)).records;
    let mut pq = pq.records;
    // Parquet amounts come back at the column's scale (11), as do the CSV's: equal as values.
    for r in csv.iter_mut().chain(pq.iter_mut()) {
        r.billed = r.billed.normalize();
        r.effective = r.effective.normalize();
    }
    assert_eq!(pq, csv);
}

/// (period, account, service, category and currency, owner) of a record.
type OwnerKey = (String, String, String, String, Option<String>);

/// Sums per (period, account, service, category, currency, value of `key`): what an export
/// without `--by-resource` groups by.
fn by_owner(data: &CostData, key: &str) -> std::collections::BTreeMap<OwnerKey, (Decimal, Decimal, u64)> {
    let mut out = std::collections::BTreeMap::new();
    for r in &data.records {
        let k = (
            format!("{:?}", r.period),
            r.account.clone(),
            r.service.clone(),
            format!("{:?}/{}", r.category, r.currency),
            r.tags.get(key).map(str::to_string),
        );
        let e: &mut (Decimal, Decimal, u64) = out.entry(k).or_default();
        e.0 += r.billed;
        e.1 += r.effective;
        e.2 += r.rows;
    }
    out
}

#[test]
fn only_tags_reads_one_tag_and_keeps_every_cent() {
    let dir = scratch("only-tags");
    let (legacy, cur2, focus_pq) =
        (dir.join("legacy.parquet"), dir.join("cur2.parquet"), dir.join("focus.parquet"));
    cur_as_parquet(&legacy, false);
    cur_as_parquet(&cur2, true);
    focus_as_parquet(&focus_pq);
    let files = [sample(CUR_SAMPLE), legacy, cur2, sample(FOCUS_SAMPLE), focus_pq];
    for path in &files {
        let all = ReadOptions { tag_keys: vec!["Team".into()], threads: Some(2), ..ReadOptions::default() };
        let full = read_costs(path, &all).unwrap_or_else(|e| panic!("{e}"));
        // The tag on most records: the owner tag of this file.
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for k in full.records.iter().flat_map(|r| r.tags.keys()) {
            *counts.entry(k.to_string()).or_default() += 1;
        }
        let several = counts.len() > 1;
        let key = counts.into_iter().max_by_key(|(_, n)| *n).map_or_else(|| "Team".to_string(), |(k, _)| k);
        let one = ReadOptions { only_tags: Some(vec![key.clone()]), ..all.clone() };
        let narrow = read_costs(path, &one).unwrap_or_else(|e| panic!("{e}"));
        let name = path.display();
        assert!(narrow.records.iter().all(|r| r.tags.keys().all(|k| *k == key)), "{name}: only {key}");
        if several {
            assert!(narrow.records.len() < full.records.len(), "{name}: lines differing in other tags fold");
        }
        assert_eq!(narrow.rows, full.rows, "{name}");
        for basis in [CostBasis::Billed, CostBasis::Effective] {
            assert_eq!(narrow.total(basis), full.total(basis), "{name}: {basis:?}");
        }
        assert_eq!(by_owner(&narrow, &key), by_owner(&full, &key), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Amortization, tags, support and bad input on a small hand-written CUR file.
// ---------------------------------------------------------------------------------------------

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/costs");

#[test]
fn amortized_cur_fixture() {
    let path = Path::new(FIXTURES).join("cur-amortized.csv");
    let data = read(&path);
    let expected = cur_expected(&path);
    assert_reconciles(&data, expected);
    assert_eq!((expected.0.to_string(), expected.1.to_string()), ("1169.5000".into(), "117.9000".into()));
    let support: Decimal =
        data.records.iter().filter(|r| r.category == ChargeCategory::Support).map(|r| r.billed).sum();
    assert_eq!(support.to_string(), "100.00");
    let purchase: Decimal =
        data.records.iter().filter(|r| r.category == ChargeCategory::Purchase).map(|r| r.effective).sum();
    assert_eq!(purchase.to_string(), "4.0000", "unused RI and SP commitment only");
    let payments: Decimal = data
        .records
        .iter()
        .filter(|r| r.tags.get("team").is_some_and(|t| t == "payments"))
        .map(|r| r.effective)
        .sum();
    assert_eq!(payments.to_string(), "6.6000");
    assert!(data.records.iter().any(|r| r.resource_id.as_deref() == Some("i-0abc")));
}

#[test]
fn a_bad_amount_names_file_and_line() {
    let path = Path::new(FIXTURES).join("bad-amount.csv");
    let err = read_costs(&path, &ReadOptions::default()).unwrap_err().to_string();
    assert!(
        err.ends_with("bad-amount.csv:3: lineItem/UnblendedCost: \"1,5\" is not a decimal amount"),
        "{err}"
    );
    let err = read_costs(&sample("SOURCES.tsv"), &ReadOptions::default()).unwrap_err().to_string();
    assert!(err.contains("SOURCES.tsv:1: not a cost file"), "{err}");
}
