//! The local aggregation, pushed down to Amazon Athena: one SQL statement per table format
//! that groups by the same key as the file readers (charge day span, billing period, account,
//! service, resource id when asked, the configured tag keys, line-item type / charge
//! category, currency) and sums billed and effective cost as exact decimals; and the mapping
//! of its result rows back into [`CostData`], through the same [`Aggregator`] and category and
//! amortization rules as the files. No I/O: `aws::athena` runs the statement.
//!
//! Amounts are `CAST(x AS DECIMAL(38, 10))` per line before summing, so doubles in the table
//! are rounded to 10 decimals (CUR's own precision) and sums are exact; they come back as
//! text. Identifiers were validated by [`super::source`]; tag keys are escaped literals.

use chrono::NaiveDate;

use super::aggregate::{Aggregator, Key, Sym, NONE, NO_DATE};
use super::charge::{cur_category, focus_category, is_support, unknown_focus_category, CurType};
use super::row;
use super::source::{AthenaTable, TableFormat};
use super::values::{normalize_tag_key, parse_decimal, parse_timestamp, TagKeys};
use super::{CostData, ReadOptions};

/// A statement and what its tag columns mean.
#[derive(Debug, Clone)]
pub struct Query {
    pub sql: String,
    /// Tag keys (as the user spells them) of the columns `tag_0`, `tag_1`, ...
    pub tag_keys: Vec<String>,
    pub keep_resource_ids: bool,
    pub format: TableFormat,
}

/// Output columns, in the order of the SELECT; tag columns follow `KEY_COLUMNS` and precede
/// the aggregates.
const KEY_COLUMNS: [&str; 9] = [
    "start_day",
    "end_day",
    "billing_period",
    "account",
    "service_code",
    "service_name",
    "resource_id",
    "charge_type",
    "currency",
];
const AGGREGATES: [&str; 4] = ["billed", "effective", "line_items", "last_end"];

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn money(column: &str) -> String {
    format!("COALESCE(CAST({column} AS DECIMAL(38, 10)), 0)")
}

/// Columns of one format, as SQL expressions.
struct Spec {
    start: &'static str,
    end: &'static str,
    billing: &'static str,
    account: String,
    service_code: String,
    service_name: String,
    resource: &'static str,
    charge_type: &'static str,
    currency: String,
    billed: String,
    effective: String,
}

fn cur_effective_sql() -> String {
    let u = money("line_item_unblended_cost");
    format!(
        "CASE line_item_line_item_type \
           WHEN 'SavingsPlanCoveredUsage' THEN {sp_eff} \
           WHEN 'SavingsPlanRecurringFee' THEN {sp_total} - {sp_used} \
           WHEN 'SavingsPlanNegation' THEN 0 \
           WHEN 'SavingsPlanUpfrontFee' THEN 0 \
           WHEN 'DiscountedUsage' THEN {ri_eff} \
           WHEN 'RIFee' THEN {ri_upfront} + {ri_recurring} \
           WHEN 'Fee' THEN (CASE WHEN COALESCE(reservation_reservation_a_r_n, '') <> '' THEN 0 ELSE {u} END) \
           ELSE {u} END",
        sp_eff = money("savings_plan_savings_plan_effective_cost"),
        sp_total = money("savings_plan_total_commitment_to_date"),
        sp_used = money("savings_plan_used_commitment"),
        ri_eff = money("reservation_effective_cost"),
        ri_upfront = money("reservation_unused_amortized_upfront_fee_for_billing_period"),
        ri_recurring = money("reservation_unused_recurring_fee"),
    )
}

fn spec(format: TableFormat) -> Spec {
    match format {
        TableFormat::Cur2 | TableFormat::Cur => Spec {
            start: "line_item_usage_start_date",
            end: "line_item_usage_end_date",
            billing: "bill_billing_period_start_date",
            account: "line_item_usage_account_id".into(),
            service_code: "line_item_product_code".into(),
            // CUR 2.0 keeps product attributes in the `product` map.
            service_name: if format == TableFormat::Cur2 {
                "element_at(product, 'product_name')".into()
            } else {
                "product_product_name".into()
            },
            resource: "line_item_resource_id",
            charge_type: "line_item_line_item_type",
            currency: "line_item_currency_code".into(),
            billed: money("line_item_unblended_cost"),
            effective: cur_effective_sql(),
        },
        TableFormat::Focus => Spec {
            start: "ChargePeriodStart",
            end: "ChargePeriodEnd",
            billing: "BillingPeriodStart",
            account: "COALESCE(SubAccountId, BillingAccountId)".into(),
            service_code: "x_ServiceCode".into(),
            service_name: "ServiceName".into(),
            resource: "ResourceId",
            // Unused commitment is a purchase in every format (see `charge`): say so here, as
            // the files' readers read CommitmentDiscountStatus.
            charge_type: "CASE WHEN ChargeCategory = 'Usage' AND CommitmentDiscountStatus = 'Unused' \
                          THEN 'Usage/Unused' ELSE ChargeCategory END",
            currency: "BillingCurrency".into(),
            billed: money("BilledCost"),
            effective: money("EffectiveCost"),
        },
    }
}

/// The tag expression for a key the user configured.
fn tag_sql(format: TableFormat, key: &str) -> String {
    match format {
        TableFormat::Cur2 => {
            format!("element_at(resource_tags, {})", literal(&format!("user_{}", normalize_tag_key(key))))
        }
        // Normalized keys are [a-z0-9_]: safe inside double quotes.
        TableFormat::Cur => format!("\"resource_tags_user_{}\"", normalize_tag_key(key)),
        TableFormat::Focus => format!("element_at(Tags, {})", literal(key)),
    }
}

/// The statement for `table`. Tags: the owner and required keys in `opts.tag_keys` (sorted,
/// deduplicated after normalization); other tags are not read.
pub fn query(table: &AthenaTable, opts: &ReadOptions) -> Query {
    let s = spec(table.format);
    let mut tag_keys: Vec<String> = Vec::new();
    for k in &opts.tag_keys {
        let n = normalize_tag_key(k);
        let dup = tag_keys.iter().any(|t| match table.format {
            TableFormat::Focus => t == k,
            _ => normalize_tag_key(t) == n,
        });
        if !dup && !k.is_empty() {
            tag_keys.push(k.clone());
        }
    }
    tag_keys.sort();
    let end = format!("COALESCE({}, {})", s.end, s.start);
    let mut select = vec![
        format!("CAST(CAST({} AS date) AS varchar) AS start_day", s.start),
        // The outer CAST AS date is a no-op in Athena and keeps the day a date in engines
        // where date + interval is a timestamp (DuckDB: see tests/it/athena_sql.rs).
        format!(
            "CAST(CAST(greatest(date_add('day', IF({end} = date_trunc('day', {end}), 0, 1), CAST({end} AS date)), \
             date_add('day', 1, CAST({start} AS date))) AS date) AS varchar) AS end_day",
            start = s.start
        ),
        format!("CAST(CAST({} AS date) AS varchar) AS billing_period", s.billing),
        format!("{} AS account", s.account),
        format!("{} AS service_code", s.service_code),
        format!("{} AS service_name", s.service_name),
        if opts.keep_resource_ids {
            format!("{} AS resource_id", s.resource)
        } else {
            "CAST(NULL AS varchar) AS resource_id".into()
        },
        format!("{} AS charge_type", s.charge_type),
        format!("{} AS currency", s.currency),
    ];
    for (i, k) in tag_keys.iter().enumerate() {
        select.push(format!("{} AS tag_{i}", tag_sql(table.format, k)));
    }
    let groups = (1..=select.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    select.push(format!("CAST(SUM({}) AS varchar) AS billed", s.billed));
    select.push(format!("CAST(SUM({}) AS varchar) AS effective", s.effective));
    select.push("COUNT(*) AS line_items".into());
    select.push(format!("CAST(max({end}) AS varchar) AS last_end"));

    let mut sql =
        format!("SELECT\n  {}\nFROM \"{}\".\"{}\"", select.join(",\n  "), table.database, table.table);
    if let Some(p) = table.period {
        let next = p.checked_add_months(chrono::Months::new(1)).unwrap_or(p);
        let partition = match table.format {
            TableFormat::Cur2 | TableFormat::Focus => {
                format!("billing_period = {} AND ", literal(&p.format("%Y-%m").to_string()))
            }
            // The legacy CUR Athena integration partitions by year and unpadded month.
            TableFormat::Cur => format!(
                "year = {} AND month = {} AND ",
                literal(&p.format("%Y").to_string()),
                literal(&chrono::Datelike::month(&p).to_string())
            ),
        };
        sql.push_str(&format!(
            "\nWHERE {partition}{b} >= TIMESTAMP '{p} 00:00:00' AND {b} < TIMESTAMP '{next} 00:00:00'",
            b = s.billing
        ));
    }
    sql.push_str(&format!("\nGROUP BY {groups}"));
    Query { sql, tag_keys, keep_resource_ids: opts.keep_resource_ids, format: table.format }
}

fn day(text: &str) -> Result<i32, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| chrono::Datelike::num_days_from_ce(&d))
        .map_err(|_| format!("\"{text}\" is not a date"))
}

/// Result rows (cells by column name, `None` for SQL NULL) into cost data. Errors name the
/// row (1-based, header excluded) and column.
pub fn records(query: &Query, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<CostData, String> {
    let position = |name: &str| {
        columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("the query result has no {name} column"))
    };
    let keys: Vec<usize> = KEY_COLUMNS.iter().map(|n| position(n)).collect::<Result<_, _>>()?;
    let aggs: Vec<usize> = AGGREGATES.iter().map(|n| position(n)).collect::<Result<_, _>>()?;
    let tags: Vec<usize> =
        (0..query.tag_keys.len()).map(|i| position(&format!("tag_{i}"))).collect::<Result<_, _>>()?;
    let tag_resolver = TagKeys::new(&query.tag_keys);
    let mut agg = Aggregator::default();
    let tag_ids: Vec<Sym> =
        query.tag_keys.iter().map(|k| agg.strings.intern(&tag_resolver.resolve(k))).collect();
    let usd = agg.strings.intern("USD");
    let mut pairs = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let at = |i: usize| row.get(i).and_then(|c| c.as_deref()).map(str::trim).filter(|s| !s.is_empty());
        let err = |col: &str, m: String| format!("row {}: {col}: {m}", r + 1);
        let required = |i: usize, name: &str| at(i).ok_or_else(|| err(name, "is empty".into()));
        let start = day(required(keys[0], "start_day")?).map_err(|m| err("start_day", m))?;
        let end = day(required(keys[1], "end_day")?).map_err(|m| err("end_day", m))?;
        let billing = match at(keys[2]) {
            Some(t) => day(t).map_err(|m| err("billing_period", m))?,
            None => NO_DATE,
        };
        let code = at(keys[4]).unwrap_or("");
        let name = at(keys[5]).unwrap_or("");
        let charge_type = at(keys[7]).unwrap_or("");
        let category = match query.format {
            TableFormat::Focus => {
                let (category, status) = charge_type.split_once('/').unwrap_or((charge_type, ""));
                focus_category(category, name, code, status)
            }
            .ok_or_else(|| err("charge_type", unknown_focus_category(charge_type)))?,
            _ => {
                let t = CurType::parse(charge_type);
                if t == CurType::Unknown {
                    *agg.unknown_types.entry(charge_type.to_string()).or_default() += 1;
                }
                cur_category(t, is_support(code, name))
            }
        };
        let service = row::service(code, name);
        pairs.clear();
        for (i, &col) in tags.iter().enumerate() {
            if let Some(v) = at(col) {
                let v = agg.strings.intern(v);
                pairs.push((tag_ids[i], v));
            }
        }
        let tags = agg.tag_set(&mut pairs);
        let intern = |agg: &mut Aggregator, s: Option<&str>| s.map_or(NONE, |s| agg.strings.intern(s));
        let key = Key {
            start,
            end,
            billing,
            account: intern(&mut agg, at(keys[3])),
            service: intern(&mut agg, Some(service.as_ref()).filter(|s| !s.is_empty())),
            resource: if query.keep_resource_ids { intern(&mut agg, at(keys[6])) } else { NONE },
            tags,
            category,
            currency: at(keys[8]).map_or(usd, |c| agg.strings.intern(c)),
        };
        let billed = parse_decimal(at(aggs[0]).unwrap_or("")).map_err(|m| err("billed", m))?;
        let effective = parse_decimal(at(aggs[1]).unwrap_or("")).map_err(|m| err("effective", m))?;
        let count: u64 =
            at(aggs[2]).unwrap_or("0").parse().map_err(|_| err("line_items", "is not a count".into()))?;
        if let Some(t) = at(aggs[3]) {
            let last = parse_timestamp(t).map_err(|m| err("last_end", m))?;
            agg.see_end(last);
            // A group of one-day usage lines: its latest end is a usage end (for `as_of`).
            if category == crate::model::ChargeCategory::Usage && end - start == 1 {
                agg.see_usage(i64::from(start - super::values::CE_DAY_OF_EPOCH) * 86_400, last);
            }
        }
        agg.add_many(key, billed, effective, count).map_err(|m| err("billed", m))?;
    }
    let unknown_line_item_types = agg.unknown_types.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let (rows, last_charge_end, usage_span) = (agg.rows, agg.last_end, agg.usage_span);
    Ok(CostData {
        records: agg.into_records()?,
        files: Vec::new(),
        rows,
        last_charge_end,
        usage_span,
        unknown_line_item_types,
        // The pushed-down query sums cost only; rates need the files (or a wider query).
        usage: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::costs::source::CostSource;

    fn table(url: &str) -> AthenaTable {
        match CostSource::parse(url).unwrap() {
            CostSource::Athena(t) => t,
            other => panic!("{other:?}"),
        }
    }

    fn opts(keys: &[&str], resources: bool) -> ReadOptions {
        ReadOptions {
            tag_keys: keys.iter().map(|k| k.to_string()).collect(),
            keep_resource_ids: resources,
            threads: None,
            only_tags: None,
            exact_tag_keys: false,
            usage_rates: false,
        }
    }

    #[test]
    fn cur2_sql() {
        let q = query(
            &table("athena://primary/billing.cur2?format=cur2&period=2026-10"),
            &opts(&["team", "cost-center", "Team"], true),
        );
        insta::assert_snapshot!(q.sql);
        assert_eq!(q.tag_keys, ["cost-center", "team"], "Team and team are one CUR column");
    }

    #[test]
    fn legacy_cur_sql() {
        let q = query(
            &table("athena://primary/athenacurcfn_acme.acme?format=cur&period=2026-01"),
            &opts(&["team"], false),
        );
        insta::assert_snapshot!(q.sql);
    }

    #[test]
    fn focus_sql() {
        let q = query(
            &table("athena://wg-1/finops.focus_export?format=focus"),
            &opts(&["team", "o'brien"], false),
        );
        insta::assert_snapshot!(q.sql);
        assert!(q.sql.contains("element_at(Tags, 'o''brien')"), "quotes in keys are escaped");
    }

    fn row(cells: &[&str]) -> Vec<Option<String>> {
        cells.iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect()
    }

    fn columns(q: &Query) -> Vec<String> {
        let mut c: Vec<String> = KEY_COLUMNS.iter().map(|s| s.to_string()).collect();
        c.extend((0..q.tag_keys.len()).map(|i| format!("tag_{i}")));
        c.extend(AGGREGATES.iter().map(|s| s.to_string()));
        c
    }

    #[test]
    fn rows_map_to_records_like_the_file_readers() {
        let q = query(&table("athena://primary/billing.cur2?format=cur2"), &opts(&["team"], false));
        let cols = columns(&q);
        let rows = vec![
            row(&[
                "2026-10-01",
                "2026-10-02",
                "2026-10-01",
                "111122223333",
                "AmazonEC2",
                "Amazon Elastic Compute Cloud",
                "",
                "Usage",
                "USD",
                "payments",
                "1.2500000000",
                "1.0000000000",
                "24",
                "2026-10-02 00:00:00.000",
            ]),
            row(&[
                "2026-10-01",
                "2026-11-01",
                "2026-10-01",
                "111122223333",
                "AWSSupportBusiness",
                "AWS Support (Business)",
                "",
                "Fee",
                "USD",
                "",
                "100.0000000000",
                "100.0000000000",
                "1",
                "2026-11-01 00:00:00.000",
            ]),
            row(&[
                "2026-10-01",
                "2026-11-01",
                "2026-10-01",
                "111122223333",
                "AmazonEC2",
                "",
                "",
                "Tax",
                "",
                "",
                "0.5",
                "0.5",
                "1",
                "",
            ]),
            row(&[
                "2026-10-02",
                "2026-10-03",
                "2026-10-01",
                "111122223333",
                "AmazonEC2",
                "Amazon Elastic Compute Cloud",
                "",
                "NewKind",
                "USD",
                "payments",
                "2",
                "2",
                "3",
                "2026-10-03 00:00:00.000",
            ]),
        ];
        let data = records(&q, &cols, &rows).unwrap();
        assert_eq!(data.rows, 29);
        assert_eq!(data.records.len(), 4);
        assert_eq!(data.total(crate::costs::CostBasis::Billed).unwrap().to_string(), "103.7500000000");
        // "Today" from the usage (the first group's day), not the support fee dated to the
        // whole month.
        assert_eq!(data.as_of(), NaiveDate::from_ymd_opt(2026, 10, 2));
        let r = &data.records[0];
        assert_eq!(
            (r.service.as_str(), r.tags.get("team")),
            ("Amazon Elastic Compute Cloud", Some("payments"))
        );
        use crate::model::ChargeCategory;
        let cats: Vec<ChargeCategory> = data.records.iter().map(|r| r.category).collect();
        assert!(
            cats.contains(&ChargeCategory::Support)
                && cats.contains(&ChargeCategory::Tax)
                && cats.contains(&ChargeCategory::Fee)
        );
        assert_eq!(data.unknown_line_item_types, vec![("NewKind".to_string(), 1)]);
        let tax = data.records.iter().find(|r| r.category == ChargeCategory::Tax).unwrap();
        // No product name: Cost Explorer's name for the code, as from the files.
        assert_eq!((tax.currency.as_str(), tax.service.as_str()), ("USD", "Amazon Elastic Compute Cloud"));

        let bad = vec![row(&[
            "2026-10-01",
            "2026-10-02",
            "",
            "1",
            "x",
            "",
            "",
            "Usage",
            "USD",
            "",
            "1,5",
            "0",
            "1",
            "",
        ])];
        assert_eq!(records(&q, &cols, &bad).unwrap_err(), "row 1: billed: \"1,5\" is not a decimal amount");
        assert!(records(&q, &cols[1..], &bad).unwrap_err().contains("no start_day column"));
    }
}
