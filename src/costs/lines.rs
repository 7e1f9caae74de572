//! Cost files line by line, for the exports that keep every input line (the FOCUS dataset of
//! `tally export --format focus`). The aggregating readers fold lines into records; this one
//! hands each line to a callback with every cell by column name, plus what tally decides about
//! the line in exactly the way the aggregating readers decide it (billed and effective amount,
//! charge category, charge and billing period, user tags), so an export built from lines
//! reconciles with the records of the same files to the last digit.
//!
//! CSV and gzip CSV files (legacy CUR, CUR 2.0, FOCUS). Parquet input is refused with a clear
//! error: its cells are typed, and a line-level view of them is not written yet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::charge::{cur_category, cur_effective, focus_category, is_support, Amortization, CurType};
use super::row::{self, Col, Layout, Naming};
use super::values::{parse_decimal, parse_timestamp};
use super::{csv_error_at, csv_format, csv_headers, discover, open_csv, sniff, CostFormat, Kind, Lines};
use crate::error::InputError;
use crate::model::ChargeCategory;

/// Which vocabulary a file's columns are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// Legacy CUR: `lineItem/UnblendedCost`, `resourceTags/user:team`.
    Cur,
    /// CUR 2.0: `line_item_unblended_cost`, `product` and `resource_tags` maps (JSON text).
    Cur2,
    /// FOCUS 1.x.
    Focus,
}

/// One input line.
#[derive(Debug)]
pub struct Line<'a> {
    pub path: &'a Path,
    /// Line number as an editor counts it (the header is line 1).
    pub line: Option<u32>,
    pub format: LineFormat,
    /// CUR `UnblendedCost`, FOCUS `BilledCost`.
    pub billed: Decimal,
    /// Amortized as the aggregating readers amortize (CUR), FOCUS `EffectiveCost`.
    pub effective: Decimal,
    pub category: ChargeCategory,
    /// Charge period, UTC seconds.
    pub start: i64,
    pub end: i64,
    /// Billing period start, UTC seconds, when the file has it.
    pub billing_start: Option<i64>,
    /// The service as every other command reports it.
    pub service: String,
    /// The account as every other command reports it (FOCUS: `SubAccountId`, else
    /// `BillingAccountId`).
    pub account: String,
    /// The currency code (USD when a legacy CUR file has none).
    pub currency: String,
    /// User tags, keys as the file writes them (legacy CUR without `user:`, CUR 2.0 without
    /// `user_`); FOCUS: every key of `Tags`.
    pub tags: Vec<(String, String)>,
    index: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    product: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Line<'_> {
    /// The cell of column `name`, trimmed, `NULL` empty; "" when the file has no such column.
    pub fn get(&self, name: &str) -> &str {
        self.index.get(name).and_then(|&i| self.record.get(i)).map_or("", row::text)
    }

    /// Whether the file has column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Legacy CUR column `slash`, else CUR 2.0 column `snake`, else CUR 2.0 `product` map
    /// key `product_key` (CUR 2.0 keeps most product attributes in that map).
    pub fn cur(&self, slash: &str, snake: &str, product_key: Option<&str>) -> String {
        let v = match self.format {
            LineFormat::Cur => self.get(slash),
            _ => self.get(snake),
        };
        if !v.is_empty() {
            return v.to_string();
        }
        match (product_key, &self.product) {
            (Some(k), Some(map)) => match map.get(k) {
                Some(serde_json::Value::String(s)) => row::text(s).to_string(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
            _ => String::new(),
        }
    }

    /// Every column of the file with this line's cell, in file order.
    pub fn cells(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut cols: Vec<(&str, usize)> = self.index.iter().map(|(k, &i)| (k.as_str(), i)).collect();
        cols.sort_by_key(|&(_, i)| i);
        cols.into_iter().map(|(k, i)| (k, self.record.get(i).map_or("", row::text)))
    }
}

/// Call `f` on every line of every cost file at `path` (a file, or the CSV files below a
/// directory, in sorted order). An `Err` from `f` stops the reading and comes back naming the
/// file and line. Returns the files read with their format.
pub fn for_each_line(
    path: &Path,
    f: &mut dyn FnMut(&Line<'_>) -> Result<(), String>,
) -> Result<Vec<(PathBuf, CostFormat)>, InputError> {
    let mut files = Vec::new();
    for file in discover(path)? {
        match sniff(&file)? {
            Kind::Parquet => {
                return Err(InputError::invalid(
                    &file,
                    None,
                    "a Parquet cost file: the FOCUS export reads CSV or gzip CSV cost files (the other exports read Parquet too)",
                ))
            }
            Kind::Csv { gzip } => {
                let format = csv_format(&file, gzip)?;
                read_file(&file, gzip, format, f)?;
                files.push((file, format));
            }
        }
    }
    Ok(files)
}

/// The column names of every CSV cost file at `path`, for a writer that must fix its columns
/// before the first line (Parquet files are refused as [`for_each_line`] refuses them).
pub fn columns_of(path: &Path) -> Result<std::collections::BTreeSet<String>, InputError> {
    let mut out = std::collections::BTreeSet::new();
    for file in discover(path)? {
        if let Kind::Csv { gzip } = sniff(&file)? {
            let mut reader = open_csv(&file, gzip)?;
            out.extend(csv_headers(&file, &mut reader)?);
        }
    }
    Ok(out)
}

fn read_file(
    path: &Path,
    gzip: bool,
    format: CostFormat,
    f: &mut dyn FnMut(&Line<'_>) -> Result<(), String>,
) -> Result<(), InputError> {
    let mut reader = open_csv(path, gzip)?;
    let headers = csv_headers(path, &mut reader)?;
    let lines = Lines::after_header(&reader);
    let (naming, line_format) = match format {
        CostFormat::FocusCsv => (Naming::Focus, LineFormat::Focus),
        _ if headers.iter().any(|h| h == "lineItem/UnblendedCost") => (Naming::CurSlash, LineFormat::Cur),
        _ => (Naming::CurSnake, LineFormat::Cur2),
    };
    let cols = Layout::find(naming, &headers).map_err(|m| InputError::invalid(path, Some(1), m))?;
    let mut index = HashMap::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        // A repeated name keeps its first column, as the aggregating readers do.
        index.entry(h.clone()).or_insert(i);
    }
    let tag_columns: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match line_format {
            LineFormat::Cur => h.strip_prefix("resourceTags/user:").map(|k| (i, k.to_string())),
            LineFormat::Cur2 => h.strip_prefix("resource_tags_user_").map(|k| (i, k.to_string())),
            LineFormat::Focus => None,
        })
        .collect();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error_at(path, &e, lines)),
        }
        let line = lines.of(record.position());
        let bad = |m: String| InputError::invalid(path, line, m);
        let get = |i: usize| row::text(record.get(i).unwrap_or(""));
        let opt = |c: Col| cols.get(c).map_or("", get);
        let named = |c: Col, m: String| format!("{}: {m}", cols.name(c));
        let money = |c: Col| -> Result<Decimal, InputError> {
            cols.get(c).map_or(Ok(Decimal::ZERO), |i| parse_decimal(get(i)).map_err(|m| bad(named(c, m))))
        };
        let billed = money(Col::Billed)?;
        let start = parse_timestamp(opt(Col::Start)).map_err(|m| bad(named(Col::Start, m)))?;
        let end = parse_timestamp(opt(Col::End)).map_err(|m| bad(named(Col::End, m)))?;
        let billing_start = match opt(Col::BillingStart) {
            "" => None,
            s => Some(parse_timestamp(s).map_err(|m| bad(named(Col::BillingStart, m)))?),
        };
        let mut product = None;
        let mut tags = Vec::new();
        let (effective, category, service) = match line_format {
            LineFormat::Focus => {
                let effective = money(Col::Effective)?;
                let service = opt(Col::ServiceName);
                let charge = opt(Col::ChargeType);
                let category =
                    focus_category(charge, service, opt(Col::ServiceCode), opt(Col::CommitmentStatus))
                        .ok_or_else(|| {
                            bad(named(
                                Col::ChargeType,
                                format!(
                                    "\"{charge}\" is not one of Usage, Purchase, Tax, Credit, Adjustment"
                                ),
                            ))
                        })?;
                tags = json_object(opt(Col::Tags), false).map_err(|m| bad(named(Col::Tags, m)))?;
                (effective, category, service.to_string())
            }
            LineFormat::Cur | LineFormat::Cur2 => {
                let line_type = CurType::parse(opt(Col::ChargeType));
                let amort = Amortization {
                    sp_effective_cost: money(Col::SpEffective)?,
                    sp_total_commitment_to_date: money(Col::SpCommitment)?,
                    sp_used_commitment: money(Col::SpUsed)?,
                    ri_effective_cost: money(Col::RiEffective)?,
                    ri_unused_amortized_upfront: money(Col::RiUnusedUpfront)?,
                    ri_unused_recurring_fee: money(Col::RiUnusedRecurring)?,
                    reservation: !opt(Col::RiArn).is_empty(),
                };
                let effective = cur_effective(line_type, billed, &amort);
                let code = opt(Col::ServiceCode);
                let name = match cols.get(Col::ProductMap) {
                    Some(i) => {
                        let map = json_map(get(i)).map_err(|m| bad(named(Col::ProductMap, m)))?;
                        let name = map
                            .get("product_name")
                            .and_then(|v| v.as_str())
                            .map(|s| row::text(s).to_string())
                            .unwrap_or_default();
                        product = Some(map);
                        name
                    }
                    None => opt(Col::ServiceName).to_string(),
                };
                let category = cur_category(line_type, is_support(code, &name));
                for (i, k) in &tag_columns {
                    let v = get(*i);
                    if !v.is_empty() {
                        tags.push((k.clone(), v.to_string()));
                    }
                }
                if cols.get(Col::Tags).is_some() {
                    tags.extend(json_object(opt(Col::Tags), true).map_err(|m| bad(named(Col::Tags, m)))?);
                }
                (effective, category, row::service(code, &name).into_owned())
            }
        };
        let l = Line {
            path,
            line,
            format: line_format,
            billed,
            effective,
            category,
            start,
            end,
            billing_start,
            service,
            account: opt(Col::Account).to_string(),
            currency: row::currency(opt(Col::Currency)).to_string(),
            tags,
            index: &index,
            record: &record,
            product,
        };
        f(&l).map_err(bad)?;
    }
    Ok(())
}

/// A decimal cell as every reader parses it (plain or exponent notation, exact).
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    parse_decimal(text)
}

/// A timestamp cell as every reader parses it (ISO 8601 with or without zone, CUR's forms),
/// in UTC seconds.
pub fn parse_time(text: &str) -> Result<i64, String> {
    parse_timestamp(text)
}

/// Whether tag key `key` (as a file writes it) is the key `wanted` (as the user spells it):
/// exactly, or, unless `exact`, as the aggregating readers compare keys (case and punctuation
/// aside), so the owner of a line is the owner every other command sees.
pub fn tag_key_matches(key: &str, wanted: &str, exact: bool) -> bool {
    key == wanted
        || (!exact && super::values::normalize_tag_key(key) == super::values::normalize_tag_key(wanted))
}

/// A JSON object written as text (CUR 2.0 `product`); empty text is an empty map.
fn json_map(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    if text.is_empty() {
        return Ok(Default::default());
    }
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("not a JSON object".to_string()),
        Err(e) => Err(format!("not a JSON object: {e}")),
    }
}

/// Tags written as a JSON object: FOCUS `Tags` (every key), CUR 2.0 `resource_tags` (`user_`
/// keys only, without the prefix, when `cur2_user`). Null values are dropped; other
/// non-string values keep their JSON text.
fn json_object(text: &str, cur2_user: bool) -> Result<Vec<(String, String)>, String> {
    let map = json_map(text).map_err(|m| m.replace("JSON object", "JSON object of tags"))?;
    let mut out = Vec::new();
    for (k, v) in map {
        let k = if cur2_user {
            match k.strip_prefix("user_") {
                Some(rest) => rest.to_string(),
                None => continue,
            }
        } else {
            k
        };
        let v = match v {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        out.push((row::text(&k).to_string(), row::text(&v).to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tally-lines-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn cur_lines_carry_cells_amounts_and_tags() {
        let p = write(
            "cur.csv",
            "lineItem/UnblendedCost,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/ProductCode,product/region,resourceTags/user:team\n\
             1.50,Usage,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,111,AmazonEC2,us-east-1,web\n",
        );
        let mut seen = Vec::new();
        for_each_line(&p, &mut |l| {
            seen.push((
                l.billed,
                l.effective,
                l.category,
                l.cur("product/region", "product_region", None),
                l.tags.clone(),
            ));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [(
                Decimal::new(150, 2),
                Decimal::new(150, 2),
                ChargeCategory::Usage,
                "us-east-1".to_string(),
                vec![("team".to_string(), "web".to_string())]
            )]
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let p = write(
            "bad.csv",
            "BilledCost,EffectiveCost,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,BillingCurrency,SubAccountId\n\
             1,1,Usage,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,S,USD,1\n\
             1,1,Bogus,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,S,USD,1\n",
        );
        let err = for_each_line(&p, &mut |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("bad.csv") && err.contains(":3") && err.contains("Bogus"), "{err}");
        let err = for_each_line(&p, &mut |l| if l.line == Some(2) { Err("no".into()) } else { Ok(()) })
            .unwrap_err()
            .to_string();
        assert!(err.contains(":2") && err.contains("no"), "{err}");
    }
}
