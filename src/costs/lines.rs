//! Cost files line by line, for the exports that keep every input line (the FOCUS dataset of
//! `tally export --format focus`). The aggregating readers fold lines into records; this one
//! hands each line to a callback with every cell by column name, plus what tally decides about
//! the line in exactly the way the aggregating readers decide it (billed and effective amount,
//! charge category, charge and billing period, user tags), so an export built from lines
//! reconciles with the records of the same files to the last digit.
//!
//! Every format tally reads: CSV and gzip CSV (legacy CUR, CUR 2.0, FOCUS) and Parquet (legacy
//! CUR with Athena's `lower_snake` columns, CUR 2.0 with `product` / `resource_tags` maps,
//! FOCUS). A Parquet cell is seen as the text a CSV file would hold (`costs::parquet::lines`),
//! so what a line means is decided here once for all formats. Where a line is: a CSV line
//! number as an editor counts it, or a Parquet row group and row, both from 0 (as pyarrow's
//! `read_row_group(g).slice(r, 1)` finds it).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::fast::FastMap;

use rust_decimal::Decimal;

use super::charge::{
    cur_category, cur_effective, focus_category, is_support, unknown_focus_category, Amortization, CurType,
};
use super::parquet::lines::{ParquetLines, Rows};
use super::row::{self, Col, Layout, Naming};
use super::values::{parse_decimal, parse_timestamp};
use super::{
    csv_error_at, csv_format, csv_headers, discover, open_csv, sniff, CostFormat, Kind, Lines, NamedFile,
};
use crate::error::InputError;
use crate::model::ChargeCategory;

/// Which vocabulary a file's columns are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// Legacy CUR CSV: `lineItem/UnblendedCost`, `resourceTags/user:team`.
    Cur,
    /// `lower_snake` names: CUR 2.0 (`line_item_unblended_cost`, `product` and
    /// `resource_tags` maps, JSON text in CSV) and legacy CUR Parquet (`resource_tags_user_*`).
    Cur2,
    /// FOCUS 1.x.
    Focus,
}

/// Where a line is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A CSV line number as an editor counts it (the header is line 1); `None` past `u32`.
    Line(Option<u32>),
    /// A Parquet row: row group and row within it, both from 0.
    Row { group: usize, row: usize },
}

/// One input line.
#[derive(Debug)]
pub struct Line<'a> {
    /// The file as messages name it (an `s3://` URL for a downloaded object).
    pub path: &'a Path,
    pub place: Place,
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
    /// `user_`, legacy CUR Parquet without `resource_tags_user_`); FOCUS: every key of `Tags`.
    pub tags: Vec<(String, String)>,
    index: &'a FastMap<String, usize>,
    cells: Cells<'a>,
    product: Product<'a>,
}

/// Where a line's cells are.
enum Cells<'a> {
    Csv(&'a csv::StringRecord),
    Parquet(&'a Rows, usize),
}

impl std::fmt::Debug for Cells<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cells::Csv(r) => write!(f, "Csv({r:?})"),
            Cells::Parquet(_, r) => write!(f, "Parquet(row {r})"),
        }
    }
}

impl Cells<'_> {
    fn at(&self, i: usize) -> &str {
        match self {
            Cells::Csv(record) => record.get(i).map_or("", row::text),
            Cells::Parquet(rows, r) => rows.text(i, *r),
        }
    }
}

/// CUR 2.0's `product` map: JSON text (CSV, parsed once per distinct text) or a map column.
enum Product<'a> {
    None,
    Json(&'a serde_json::Map<String, serde_json::Value>),
    Map(&'a Rows, usize, usize),
}

impl std::fmt::Debug for Product<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Product::None => write!(f, "None"),
            Product::Json(m) => write!(f, "Json({} keys)", m.len()),
            Product::Map(_, c, r) => write!(f, "Map(column {c}, row {r})"),
        }
    }
}

impl Product<'_> {
    fn get(&self, key: &str) -> String {
        match self {
            Product::None => String::new(),
            Product::Json(map) => match map.get(key) {
                Some(serde_json::Value::String(s)) => row::text(s).to_string(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
            // A map row that cannot be read was an error when the line was read (its
            // `product_name`), so this cannot fail silently on a line that got here.
            Product::Map(rows, c, r) => rows.map_get(*c, *r, key).ok().flatten().unwrap_or_default(),
        }
    }
}

impl Line<'_> {
    /// The cell of column `name`, trimmed, `NULL` empty; "" when the file has no such column.
    /// A Parquet cell is its text as a CSV export would write it (nested values as JSON).
    pub fn get(&self, name: &str) -> &str {
        self.index.get(name).map_or("", |&i| self.cells.at(i))
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
        match product_key {
            Some(k) => self.product.get(k),
            None => String::new(),
        }
    }

    /// The file and place, as messages name them: `cur.csv:12`, `cur.parquet: row group 0,
    /// row 7`.
    pub fn location(&self) -> String {
        match self.place {
            Place::Line(Some(l)) => format!("{}:{l}", self.path.display()),
            Place::Line(None) => self.path.display().to_string(),
            Place::Row { group, row } => format!("{}: row group {group}, row {row}", self.path.display()),
        }
    }
}

/// An error at a place of a file.
fn error_at(path: &Path, place: Place, message: String) -> InputError {
    match place {
        Place::Line(line) => InputError::invalid(path, line, message),
        Place::Row { group, row } => {
            InputError::invalid(path, None, format!("row group {group}, row {row} (from 0): {message}"))
        }
    }
}

/// Call `f` on every line of every cost file at `path` (a file, or the cost files below a
/// directory, in sorted order). An `Err` from `f` stops the reading and comes back naming the
/// file and line (or row). Returns the files read with their format.
pub fn for_each_line(
    path: &Path,
    f: &mut dyn FnMut(&Line<'_>) -> Result<(), String>,
) -> Result<Vec<(PathBuf, CostFormat)>, InputError> {
    let files: Vec<NamedFile> =
        discover(path)?.into_iter().map(|p| NamedFile { shown: p.clone(), path: p }).collect();
    for_each_line_of(&files, f)
}

/// [`for_each_line`] over local copies of files (S3 objects in a temporary directory), each
/// named by its `shown` name in lines, errors and the files returned.
pub fn for_each_line_of(
    files: &[NamedFile],
    f: &mut dyn FnMut(&Line<'_>) -> Result<(), String>,
) -> Result<Vec<(PathBuf, CostFormat)>, InputError> {
    let mut out = Vec::new();
    for file in files {
        let rename = |e| shown_in(e, file);
        match sniff(&file.path).map_err(rename)? {
            Kind::Parquet => {
                let format = read_parquet(&file.path, &file.shown, f).map_err(rename)?;
                out.push((file.shown.clone(), format));
            }
            Kind::Csv { gzip } => {
                let format = csv_format(&file.path, gzip).map_err(rename)?;
                read_csv(&file.path, &file.shown, gzip, format, f).map_err(rename)?;
                out.push((file.shown.clone(), format));
            }
        }
    }
    Ok(out)
}

/// The column names of every cost file at `path`, for a writer that must fix its columns
/// before the first line.
pub fn columns_of(path: &Path) -> Result<std::collections::BTreeSet<String>, InputError> {
    let files: Vec<NamedFile> =
        discover(path)?.into_iter().map(|p| NamedFile { shown: p.clone(), path: p }).collect();
    columns_of_files(&files)
}

/// [`columns_of`] for local copies of files.
pub fn columns_of_files(files: &[NamedFile]) -> Result<std::collections::BTreeSet<String>, InputError> {
    let mut out = std::collections::BTreeSet::new();
    for file in files {
        let rename = |e| shown_in(e, file);
        match sniff(&file.path).map_err(rename)? {
            Kind::Csv { gzip } => {
                let mut reader = open_csv(&file.path, gzip).map_err(rename)?;
                out.extend(csv_headers(&file.path, &mut reader).map_err(rename)?);
            }
            Kind::Parquet => out.extend(ParquetLines::open(&file.path).map_err(rename)?.names),
        }
    }
    Ok(out)
}

/// An error about the local copy of `file`, naming the file as the user knows it.
fn shown_in(e: InputError, file: &NamedFile) -> InputError {
    match e {
        InputError::Io { source, .. } => InputError::Io { path: file.shown.clone(), source },
        InputError::Invalid { line, message, .. } => {
            InputError::Invalid { path: file.shown.clone(), line, message }
        }
        e => e,
    }
}

/// What a file's columns say about how to read its lines.
struct FileInfo {
    line_format: LineFormat,
    cols: Layout,
    /// Column by name: looked up for every cell a line is asked for, so a fast hash.
    index: FastMap<String, usize>,
    /// One column per tag: (column, key as reported).
    tag_columns: Vec<(usize, String)>,
}

impl FileInfo {
    fn new(
        naming: Naming,
        line_format: LineFormat,
        headers: &[String],
        tag_prefix: Option<&str>,
    ) -> Result<Self, String> {
        let cols = Layout::find(naming, headers)?;
        let mut index = FastMap::default();
        for (i, h) in headers.iter().enumerate() {
            // A repeated name keeps its first column, as the aggregating readers do.
            index.entry(h.clone()).or_insert(i);
        }
        let tag_columns = match tag_prefix {
            Some(prefix) => headers
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.strip_prefix(prefix).map(|k| (i, k.to_string())))
                .collect(),
            None => Vec::new(),
        };
        Ok(Self { line_format, cols, index, tag_columns })
    }

    /// The tags held one per column (`resource_tags_user_*`), the empty ones left out.
    fn column_tags<'a>(&self, get: impl Fn(usize) -> &'a str) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        for (i, k) in &self.tag_columns {
            let v = get(*i);
            if !v.is_empty() {
                tags.push((k.clone(), v.to_string()));
            }
        }
        tags
    }
}

/// What tally decides about a line, whatever its format.
struct Decided {
    billed: Decimal,
    effective: Decimal,
    category: ChargeCategory,
    start: i64,
    end: i64,
    billing_start: Option<i64>,
    service: String,
    account: String,
    currency: String,
}

/// Decide a line from its cells. `product_name`: CUR 2.0's `product` map's `product_name`,
/// when the file has the map (it has no product name column then).
fn decide<'r>(
    info: &FileInfo,
    cell: &dyn Fn(usize) -> &'r str,
    product_name: &dyn Fn(usize) -> Result<String, String>,
) -> Result<Decided, String> {
    let cols = &info.cols;
    let opt = |c: Col| cols.get(c).map_or("", cell);
    let named = |c: Col, m: String| format!("{}: {m}", cols.name(c));
    let money = |c: Col| -> Result<Decimal, String> {
        cols.get(c).map_or(Ok(Decimal::ZERO), |i| parse_decimal(cell(i)).map_err(|m| named(c, m)))
    };
    let billed = money(Col::Billed)?;
    let start = parse_timestamp(opt(Col::Start)).map_err(|m| named(Col::Start, m))?;
    let end = parse_timestamp(opt(Col::End)).map_err(|m| named(Col::End, m))?;
    let billing_start = match opt(Col::BillingStart) {
        "" => None,
        s => Some(parse_timestamp(s).map_err(|m| named(Col::BillingStart, m))?),
    };
    let (effective, category, service) = match info.line_format {
        LineFormat::Focus => {
            let effective = money(Col::Effective)?;
            let service = opt(Col::ServiceName);
            let charge = opt(Col::ChargeType);
            let category = focus_category(charge, service, opt(Col::ServiceCode), opt(Col::CommitmentStatus))
                .ok_or_else(|| named(Col::ChargeType, unknown_focus_category(charge)))?;
            (effective, category, service.to_string())
        }
        LineFormat::Cur | LineFormat::Cur2 => {
            let line_type = CurType::parse(opt(Col::ChargeType));
            let amort = Amortization::from_columns(money, opt)?;
            let effective = cur_effective(line_type, billed, &amort);
            let code = opt(Col::ServiceCode);
            let name = match cols.get(Col::ProductMap) {
                Some(i) => product_name(i).map_err(|m| named(Col::ProductMap, m))?,
                None => opt(Col::ServiceName).to_string(),
            };
            let category = cur_category(line_type, is_support(code, &name));
            (effective, category, row::service(code, &name).into_owned())
        }
    };
    Ok(Decided {
        billed,
        effective,
        category,
        start,
        end,
        billing_start,
        service,
        account: opt(Col::Account).to_string(),
        currency: row::currency(opt(Col::Currency)).to_string(),
    })
}

/// Parsed `product` JSON texts, by text: a CUR 2.0 CSV repeats a few hundred product maps over
/// millions of lines, and parsing each line's was most of the time. Cleared when it grows past
/// this many entries, so memory stays bounded on any input.
const PRODUCT_CACHE: usize = 4096;

fn read_csv(
    path: &Path,
    shown: &Path,
    gzip: bool,
    format: CostFormat,
    f: &mut dyn FnMut(&Line<'_>) -> Result<(), String>,
) -> Result<(), InputError> {
    let mut reader = open_csv(path, gzip)?;
    let headers = csv_headers(path, &mut reader)?;
    let lines = Lines::after_header(&reader);
    let (naming, line_format, prefix) = match format {
        CostFormat::FocusCsv => (Naming::Focus, LineFormat::Focus, None),
        _ if headers.iter().any(|h| h == "lineItem/UnblendedCost") => {
            (Naming::CurSlash, LineFormat::Cur, Some("resourceTags/user:"))
        }
        _ => (Naming::CurSnake, LineFormat::Cur2, Some("resource_tags_user_")),
    };
    let info = FileInfo::new(naming, line_format, &headers, prefix)
        .map_err(|m| InputError::invalid(path, Some(1), m))?;
    let mut products: HashMap<String, serde_json::Map<String, serde_json::Value>> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error_at(path, &e, lines)),
        }
        let place = Place::Line(lines.of(record.position()));
        let bad = |m: String| error_at(path, place, m);
        let get = |i: usize| record.get(i).map_or("", row::text);
        let product_text = info.cols.get(Col::ProductMap).map(get);
        if let Some(text) = product_text {
            if !products.contains_key(text) {
                let map =
                    json_map(text).map_err(|m| bad(format!("{}: {m}", info.cols.name(Col::ProductMap))))?;
                if products.len() >= PRODUCT_CACHE {
                    products.clear();
                }
                products.insert(text.to_string(), map);
            }
        }
        let product = product_text.and_then(|t| products.get(t));
        let decided = decide(&info, &get, &|_| Ok(product_name(product))).map_err(bad)?;
        let mut tags = info.column_tags(get);
        if let Some(i) = info.cols.get(Col::Tags) {
            let cur2 = line_format != LineFormat::Focus;
            tags.extend(
                json_object(get(i), cur2).map_err(|m| bad(format!("{}: {m}", info.cols.name(Col::Tags))))?,
            );
        }
        let l = line(
            shown,
            place,
            &info,
            decided,
            tags,
            Cells::Csv(&record),
            product.map_or(Product::None, Product::Json),
        );
        f(&l).map_err(bad)?;
    }
    Ok(())
}

fn line<'a>(
    path: &'a Path,
    place: Place,
    info: &'a FileInfo,
    d: Decided,
    tags: Vec<(String, String)>,
    cells: Cells<'a>,
    product: Product<'a>,
) -> Line<'a> {
    Line {
        path,
        place,
        format: info.line_format,
        billed: d.billed,
        effective: d.effective,
        category: d.category,
        start: d.start,
        end: d.end,
        billing_start: d.billing_start,
        service: d.service,
        account: d.account,
        currency: d.currency,
        tags,
        index: &info.index,
        cells,
        product,
    }
}

fn read_parquet(
    path: &Path,
    shown: &Path,
    f: &mut dyn FnMut(&Line<'_>) -> Result<(), String>,
) -> Result<CostFormat, InputError> {
    let (format, _) = super::parquet::plan(path)?;
    let file = ParquetLines::open(path)?;
    let (naming, line_format, prefix) = match format {
        CostFormat::FocusParquet => (Naming::Focus, LineFormat::Focus, None),
        _ => (Naming::CurSnake, LineFormat::Cur2, Some("resource_tags_user_")),
    };
    let info = FileInfo::new(naming, line_format, &file.names, prefix)
        .map_err(|m| InputError::invalid(path, None, format!("cost file with {m}")))?;
    file.for_each_batch(path, &mut |group, first, rows| {
        for r in 0..rows.len() {
            let place = Place::Row { group, row: first.saturating_add(r) };
            let bad = |m: String| error_at(shown, place, m);
            let decided = decide(&info, &|i| rows.text(i, r), &|i| {
                if rows.is_map(i) {
                    Ok(rows.map_get(i, r, "product_name")?.unwrap_or_default())
                } else {
                    // `product` as JSON text (a Parquet file written from CUR 2.0 CSV).
                    Ok(product_name(Some(&json_map(rows.text(i, r))?)))
                }
            })
            .map_err(bad)?;
            let mut tags = info.column_tags(|i| rows.text(i, r));
            if let Some(i) = info.cols.get(Col::Tags) {
                let named = |m: String| bad(format!("{}: {m}", info.cols.name(Col::Tags)));
                if rows.is_map(i) {
                    let strip = (line_format != LineFormat::Focus).then_some("user_");
                    rows.map_entries(i, r, &mut |k, v| {
                        let k = match strip {
                            Some(p) => match k.strip_prefix(p) {
                                Some(rest) => rest,
                                None => return,
                            },
                            None => k,
                        };
                        tags.push((k.to_string(), v.to_string()));
                    })
                    .map_err(named)?;
                } else {
                    tags.extend(
                        json_object(rows.text(i, r), line_format != LineFormat::Focus).map_err(named)?,
                    );
                }
            }
            let product = match info.cols.get(Col::ProductMap) {
                Some(i) if rows.is_map(i) => Product::Map(rows, i, r),
                _ => Product::None,
            };
            if let Some(m) = rows.take_error() {
                return Err(bad(m));
            }
            let l = line(shown, place, &info, decided, tags, Cells::Parquet(rows, r), product);
            let result = f(&l);
            // A cell the callback asked for that cannot be read is an error at its row.
            if let Some(m) = rows.take_error() {
                return Err(bad(m));
            }
            result.map_err(bad)?;
        }
        Ok(())
    })?;
    Ok(format)
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

/// `product_name` of a CUR 2.0 `product` map, empty when absent.
fn product_name(product: Option<&serde_json::Map<String, serde_json::Value>>) -> String {
    product
        .and_then(|m| m.get("product_name"))
        .and_then(|v| v.as_str())
        .map(|s| row::text(s).to_string())
        .unwrap_or_default()
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
        let err = for_each_line(&p, &mut |l| {
            if l.place == Place::Line(Some(2)) {
                Err("no".into())
            } else {
                Ok(())
            }
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains(":2") && err.contains("no"), "{err}");
    }
}
