//! Cost and usage files: legacy CUR (CSV, gzip CSV, Parquet), CUR 2.0 (Parquet) and FOCUS 1.x
//! (CSV, Parquet), from a file or every matching file below a directory.
//!
//! Readers detect the format from the file's header or schema, map line-item types to
//! [`ChargeCategory`], compute both the billed and the effective amount of every line, and
//! aggregate at read time by (day, account, service, resource, tag set, category, currency)
//! so memory follows the number of distinct keys, not rows. [`CostData::lines`] turns the
//! result into the model's [`CostLine`]s on the [`CostBasis`] a command asks for.
//!
//! The same aggregation runs over files fetched from S3 through the export's manifests
//! ([`read_named`], [`manifest`]) and, pushed down to Athena, over a table ([`athena`] writes
//! the SQL and maps its rows); the S3 and Athena calls themselves live in `src/aws`.
//!
//! Not here: allocation and export (`src/export`), and deciding what any of it means
//! (`src/audit`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::model::{ChargeCategory, CostLine, Period, Tags};

pub(crate) mod aggregate;
pub mod athena;
mod bounded;
mod charge;
mod cur_csv;
pub mod exact;
mod fast;
mod focus_csv;
pub mod lines;
pub mod manifest;
mod parquet;
mod row;
pub(crate) use row::push_utc_seconds;
pub mod source;
pub mod usage;
mod values;

pub use self::source::{AthenaTable, CostSource, TableFormat};

/// Which amount fills [`CostLine::amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostBasis {
    /// What the invoice says: CUR `lineItem/UnblendedCost`, FOCUS `BilledCost`. Reservation
    /// and Savings Plan fees land on the day they are billed; discounts on their own lines.
    Billed,
    /// Amortized: upfront and recurring commitment fees spread over the usage they cover
    /// (CUR amortization columns, FOCUS `EffectiveCost`). The usual basis for showback.
    #[default]
    Effective,
}

impl CostBasis {
    /// The Cost Explorer metric closest to this basis, recorded with the cost lines.
    pub fn metric(self) -> &'static str {
        match self {
            CostBasis::Billed => "UnblendedCost",
            CostBasis::Effective => "AmortizedCost",
        }
    }
}

/// One aggregated cost record with both amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRecord {
    /// Day granularity: `[day, day + 1)` for hourly and daily lines; lines spanning longer
    /// (monthly tax, fees) keep their whole span.
    pub period: Period,
    /// `BillingPeriodStart` / `bill/BillingPeriodStartDate`, when the file has it.
    pub billing_period_start: Option<NaiveDate>,
    pub account: String,
    pub service: String,
    pub resource_id: Option<String>,
    pub tags: Tags,
    pub category: ChargeCategory,
    pub currency: String,
    pub billed: Decimal,
    pub effective: Decimal,
    /// Input line items folded into this record.
    pub rows: u64,
}

impl CostRecord {
    pub fn amount(&self, basis: CostBasis) -> Decimal {
        match basis {
            CostBasis::Billed => self.billed,
            CostBasis::Effective => self.effective,
        }
    }

    /// The billing month this record belongs to: its billing period when known, else the
    /// month its charge period starts in.
    pub fn billing_month(&self) -> NaiveDate {
        let d = self.billing_period_start.unwrap_or(self.period.start);
        d.with_day0(0).unwrap_or(d)
    }

    /// The order of records (by value); the aggregator sorts on ranks that must agree.
    #[cfg(test)]
    pub(crate) fn cmp_key(a: &CostRecord, b: &CostRecord) -> std::cmp::Ordering {
        (
            a.period,
            a.billing_period_start,
            &a.account,
            &a.service,
            &a.resource_id,
            &a.tags,
            a.category,
            &a.currency,
        )
            .cmp(&(
                b.period,
                b.billing_period_start,
                &b.account,
                &b.service,
                &b.resource_id,
                &b.tags,
                b.category,
                &b.currency,
            ))
    }
}

use chrono::Datelike as _;

/// The formats tally reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostFormat {
    /// CUR CSV, plain or gzip: legacy (`lineItem/UnblendedCost`, `resourceTags/user:team`) or
    /// CUR 2.0 (`line_item_unblended_cost`, `resource_tags` as JSON).
    CurCsv,
    /// Legacy CUR Parquet (`line_item_unblended_cost`, `resource_tags_user_team`) or CUR 2.0
    /// Parquet (`resource_tags` map column).
    CurParquet,
    /// FOCUS 1.x CSV (`BilledCost`, `EffectiveCost`, `Tags` as JSON), plain or gzip.
    FocusCsv,
    /// FOCUS 1.x Parquet.
    FocusParquet,
}

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Tag keys as the user spells them (owner tag, required tags): CUR Parquet and CUR 2.0
    /// lower-case and underscore tag keys, and these restore the spelling so they match.
    pub tag_keys: Vec<String>,
    /// Keep resource ids in the aggregation key. Off when nothing downstream needs them: far
    /// fewer records.
    pub keep_resource_ids: bool,
    /// Worker threads; `None` = available parallelism.
    pub threads: Option<usize>,
    /// Match tag keys of formats that keep their spelling (CUR CSV, FOCUS) to `tag_keys`
    /// only as written (`tag_key_match = "exact"`). By default they are compared as CUR
    /// Parquet and CUR 2.0 compare them (case and punctuation aside), the same in every
    /// format.
    pub exact_tag_keys: bool,
    /// Keep only these tag keys (as reported, after the spelling of `tag_keys`); `None` keeps
    /// every tag. A file's other tag columns are then not decoded at all, and lines that
    /// differ only in them fold into one record.
    pub only_tags: Option<Vec<String>>,
    /// Keep the usage table ([`CostData::usage`]: quantity per usage type, region and
    /// unit) for effective unit rates. Off by default: only plan pricing needs it.
    pub usage_rates: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            tag_keys: Vec::new(),
            keep_resource_ids: true,
            threads: None,
            only_tags: None,
            exact_tag_keys: false,
            usage_rates: false,
        }
    }
}

/// Everything read from one `--costs` input.
#[derive(Debug, Clone)]
pub struct CostData {
    pub records: Vec<CostRecord>,
    /// Files read, sorted, with their detected format.
    pub files: Vec<(PathBuf, CostFormat)>,
    /// Input line items read.
    pub rows: u64,
    /// Latest `ChargePeriodEnd` / `lineItem/UsageEndDate` in the data (UTC seconds).
    pub last_charge_end: Option<i64>,
    /// First start and latest end of the usage lines at most a day long (UTC seconds): the
    /// time the data covers. Tax, fees, credits and monthly charges are dated to their whole
    /// billing period by construction, so they are left out.
    pub usage_span: Option<(i64, i64)>,
    /// Line-item types this version does not know (treated as fees), with their counts.
    pub unknown_line_item_types: Vec<(String, u64)>,
    /// Usage per (usage type, region, unit, currency), sorted; empty unless
    /// [`ReadOptions::usage_rates`] asked for it or the files carry no usage columns.
    pub usage: Vec<usage::Usage>,
}

impl CostData {
    /// The model's cost lines with `amount` on `basis`.
    pub fn lines(&self, basis: CostBasis) -> Vec<CostLine> {
        self.records
            .iter()
            .map(|r| CostLine {
                period: r.period,
                account: r.account.clone(),
                service: r.service.clone(),
                resource_id: r.resource_id.clone(),
                tags: r.tags.clone(),
                amount: r.amount(basis),
                currency: r.currency.clone(),
                charge_category: r.category,
            })
            .collect()
    }

    /// "Today" for data read without a snapshot: the day of the last *usage* line's end, i.e.
    /// the first day whose costs are not complete (usage through the last hour of a month
    /// gives the 1st of the next month, so the audit window is that whole month). AWS writes a
    /// month-to-date bill's tax, fees and credits for the whole month (the 1st to the 1st of
    /// the next): they would put "today" at the month's end, past the data. Without usage
    /// lines, the last charge period end of any line.
    pub fn as_of(&self) -> Option<NaiveDate> {
        let secs = self.usage_span.map(|(_, end)| end).or(self.last_charge_end)?;
        DateTime::from_timestamp(secs, 0).map(|dt| dt.date_naive())
    }

    /// The first and the last day holding usage (the last possibly incomplete).
    pub fn usage_days(&self) -> Option<(NaiveDate, NaiveDate)> {
        let (a, b) = self.usage_span?;
        let day = |s: i64| DateTime::from_timestamp(s, 0).map(|dt| dt.date_naive());
        // An end at midnight closes the day before it.
        Some((day(a)?, day(b.saturating_sub(1).max(a))?))
    }

    /// The exact total on `basis`; `Err` past what a `Decimal` holds exactly.
    pub fn total(&self, basis: CostBasis) -> Result<Decimal, exact::MoneyError> {
        exact::sum(self.records.iter().map(|r| r.amount(basis)))
    }
}

/// Read every cost file at `path`: a file, or all CSV (`.csv`, `.csv.gz`) and Parquet
/// (`.parquet`) files below a directory, in sorted path order.
pub fn read_costs(path: &Path, opts: &ReadOptions) -> Result<CostData, InputError> {
    read_table(path, opts)?.into_data()
}

/// A local copy of a remote file, and the name messages and reports use for it.
#[derive(Debug, Clone)]
pub struct NamedFile {
    pub path: PathBuf,
    pub shown: PathBuf,
}

/// Read local copies of remote files (S3 objects fetched to a temporary directory) as
/// [`read_costs`] reads files, naming each by `shown` in errors and in [`CostData::files`].
pub fn read_named(files: &[NamedFile], opts: &ReadOptions) -> Result<CostData, InputError> {
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let shown = |p: &Path| files.iter().find(|f| f.path == p).map(|f| f.shown.clone());
    match read_files(&paths, opts).and_then(CostTable::into_data) {
        Ok(mut data) => {
            for (p, _) in &mut data.files {
                if let Some(s) = shown(p) {
                    *p = s;
                }
            }
            Ok(data)
        }
        Err(InputError::Io { path, source }) => {
            Err(InputError::Io { path: shown(&path).unwrap_or(path), source })
        }
        Err(InputError::Invalid { path, line, message }) => {
            Err(InputError::Invalid { path: shown(&path).unwrap_or(path), line, message })
        }
        Err(e) => Err(e),
    }
}

fn read_files(files: &[PathBuf], opts: &ReadOptions) -> Result<CostTable, InputError> {
    let mut units = Vec::new();
    let mut formats = Vec::new();
    for file in files {
        let kind = sniff(file)?;
        match kind {
            Kind::Parquet => {
                let (format, groups) = parquet::plan(file)?;
                formats.push((file.clone(), format));
                // Row groups in chunks so two threads can share one big file.
                for g in 0..groups {
                    units.push(Unit::Parquet { file: file.clone(), format, row_group: g });
                }
            }
            Kind::Csv { gzip } => {
                let format = csv_format(file, gzip)?;
                formats.push((file.clone(), format));
                units.push(Unit::Csv { file: file.clone(), format, gzip });
            }
        }
    }
    let mut agg = run_units(&units, opts)?;
    let unknown_line_item_types = agg.unknown_types.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let usage = agg.take_usage();
    agg.finish().map_err(sum_error)?;
    Ok(CostTable { agg, files: formats, unknown_line_item_types, usage })
}

fn sum_error(m: String) -> InputError {
    InputError::Usage(format!("cost files: {m}"))
}

/// Cost files as read, still in the aggregation's form (interned strings, day cells): what
/// [`CostData`] is made from, and what a consumer that streams its output (the CSV export)
/// reads without building a [`CostRecord`] per record, each with its own strings (at 1.8M
/// records those were most of the run's memory and a third of its time).
pub struct CostTable {
    pub(crate) agg: aggregate::Aggregator,
    /// Files read, sorted, with their detected format.
    pub files: Vec<(PathBuf, CostFormat)>,
    /// As [`CostData::unknown_line_item_types`].
    pub unknown_line_item_types: Vec<(String, u64)>,
    usage: Vec<usage::Usage>,
}

impl CostTable {
    /// Input line items read.
    pub fn rows(&self) -> u64 {
        self.agg.rows
    }

    /// A table of lines added by hand (tests of its consumers).
    #[cfg(test)]
    pub(crate) fn from_aggregator(agg: aggregate::Aggregator) -> Self {
        CostTable { agg, files: Vec::new(), unknown_line_item_types: Vec::new(), usage: Vec::new() }
    }

    /// The records, as [`read_costs`] returns them.
    pub fn into_data(self) -> Result<CostData, InputError> {
        let CostTable { agg, files, unknown_line_item_types, usage } = self;
        let (rows, last_charge_end, usage_span) = (agg.rows, agg.last_end, agg.usage_span);
        Ok(CostData {
            records: agg.into_records().map_err(sum_error)?,
            files,
            rows,
            last_charge_end,
            usage_span,
            unknown_line_item_types,
            usage,
        })
    }
}

/// Read every cost file at `path` as [`read_costs`] does, without building its records.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<CostTable, InputError> {
    read_files(&discover(path)?, opts)
}

enum Unit {
    Csv { file: PathBuf, format: CostFormat, gzip: bool },
    Parquet { file: PathBuf, format: CostFormat, row_group: usize },
}

/// Run units on worker threads, each with its own aggregator, merged once at the end. The
/// error reported is the one of the first failing unit in input order, so it is the same on
/// every run.
fn run_units(units: &[Unit], opts: &ReadOptions) -> Result<aggregate::Aggregator, InputError> {
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let threads = threads.min(units.len()).max(1);
    let next = AtomicUsize::new(0);
    let errors: Mutex<Vec<(usize, InputError)>> = Mutex::new(Vec::new());
    let tag_keys = values::TagKeys::with_match(&opts.tag_keys, opts.exact_tag_keys);
    let ctx = Ctx {
        tag_keys: &tag_keys,
        keep_resource_ids: opts.keep_resource_ids,
        only_tags: opts.only_tags.as_deref(),
        usage_rates: opts.usage_rates,
    };
    let parts: Vec<aggregate::Aggregator> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut agg = aggregate::Aggregator::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(unit) = units.get(i) else { break };
                        let result = match unit {
                            Unit::Csv { file, format, gzip } => {
                                read_csv_file(file, *format, *gzip, &ctx, &mut agg)
                            }
                            Unit::Parquet { file, format, row_group } => {
                                parquet::read_row_group(file, *format, *row_group, &ctx, &mut agg)
                            }
                        };
                        if let Err(e) = result {
                            if let Ok(mut errs) = errors.lock() {
                                errs.push((i, e));
                            }
                            // Later units cannot change the outcome; stop taking them.
                            next.store(units.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                    agg
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    let mut errs = errors.into_inner().unwrap_or_default();
    errs.sort_by_key(|(i, _)| *i);
    if let Some((_, e)) = errs.into_iter().next() {
        return Err(e);
    }
    let mut parts = parts.into_iter();
    let mut agg = parts.next().unwrap_or_default();
    for p in parts {
        agg.merge(p).map_err(|m| InputError::Usage(format!("cost files: {m}")))?;
    }
    Ok(agg)
}

/// What every reader needs besides its file.
pub(crate) struct Ctx<'a> {
    pub tag_keys: &'a values::TagKeys,
    pub keep_resource_ids: bool,
    pub only_tags: Option<&'a [String]>,
    pub usage_rates: bool,
}

impl Ctx<'_> {
    /// Whether the tag `key` (as reported) is kept.
    pub(crate) fn keeps_tag(&self, key: &str) -> bool {
        self.only_tags.is_none_or(|keys| keys.iter().any(|k| k == key))
    }

    /// Drop the pairs of tags not kept.
    pub(crate) fn retain_tags(
        &self,
        agg: &aggregate::Aggregator,
        pairs: &mut Vec<(aggregate::Sym, aggregate::Sym)>,
    ) {
        if self.only_tags.is_some() {
            pairs.retain(|&(k, _)| self.keeps_tag(agg.strings.get(k)));
        }
    }
}

enum Kind {
    Csv { gzip: bool },
    Parquet,
}

fn sniff(path: &Path) -> Result<Kind, InputError> {
    let mut f = crate::source::open_regular(path).map_err(|e| InputError::io(path, e))?;
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut f, &mut magic).map_err(|e| InputError::io(path, e))?;
    Ok(match &magic[..n] {
        b"PAR1" => Kind::Parquet,
        [0x1f, 0x8b, ..] => Kind::Csv { gzip: true },
        [b'P', b'K', 3, 4] => {
            return Err(InputError::invalid(
                path,
                None,
                "a ZIP archive: unzip it, or deliver the report as GZIP CSV or Parquet",
            ))
        }
        _ => Kind::Csv { gzip: false },
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A CSV reader over a plain or gzip file. Multi-member gzip (concatenated chunks) is read
/// whole.
fn open_csv(path: &Path, gzip: bool) -> Result<csv::Reader<Box<dyn Read>>, InputError> {
    let f = crate::source::open_regular(path).map_err(|e| InputError::io(path, e))?;
    let f = std::io::BufReader::with_capacity(1 << 16, f);
    // Bounded: a gzip bomb or a single endless field fails at a line and size, not at 5 GB.
    let inner: Box<dyn Read> = if gzip {
        Box::new(bounded::Bounded::new(
            flate2::read::MultiGzDecoder::new(f),
            bounded::MAX_DECOMPRESSED_BYTES,
            bounded::MAX_LINE_BYTES,
        ))
    } else {
        Box::new(bounded::Bounded::new(f, u64::MAX, bounded::MAX_LINE_BYTES))
    };
    Ok(csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(inner))
}

fn csv_headers(path: &Path, reader: &mut csv::Reader<Box<dyn Read>>) -> Result<Vec<String>, InputError> {
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?;
    // A UTF-8 byte-order mark before the first column name (Excel-saved files).
    Ok(headers
        .iter()
        .enumerate()
        .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.to_string())
        .collect())
}

fn csv_format(path: &Path, gzip: bool) -> Result<CostFormat, InputError> {
    let mut reader = open_csv(path, gzip)?;
    let headers = csv_headers(path, &mut reader)?;
    let has = |name: &str| headers.iter().any(|h| h == name);
    if has("lineItem/UnblendedCost") || has("line_item_unblended_cost") {
        Ok(CostFormat::CurCsv)
    } else if has("BilledCost") && has("ChargePeriodStart") {
        Ok(CostFormat::FocusCsv)
    } else {
        Err(InputError::invalid(
            path,
            Some(1),
            "not a cost file: no lineItem/UnblendedCost (CUR), line_item_unblended_cost (CUR 2.0) or BilledCost and ChargePeriodStart (FOCUS) column",
        ))
    }
}

fn read_csv_file(
    path: &Path,
    format: CostFormat,
    gzip: bool,
    ctx: &Ctx<'_>,
    agg: &mut aggregate::Aggregator,
) -> Result<(), InputError> {
    let mut reader = open_csv(path, gzip)?;
    let headers = csv_headers(path, &mut reader)?;
    let lines = Lines::after_header(&reader);
    match format {
        CostFormat::FocusCsv => focus_csv::read(path, &headers, reader, lines, ctx, agg),
        _ => {
            // Legacy CUR names columns `lineItem/UnblendedCost`; CUR 2.0 `line_item_unblended_cost`.
            let naming = if headers.iter().any(|h| h == "lineItem/UnblendedCost") {
                row::Naming::CurSlash
            } else {
                row::Naming::CurSnake
            };
            cur_csv::read(path, naming, &headers, reader, lines, ctx, agg)
        }
    }
}

/// Line numbers as an editor counts them (the header is line 1). The csv crate counts a
/// CRLF header as ending on line 0 (its first record then says line 4 for an editor's 5th):
/// the reader's position after the header must be line 2, and the difference is added back.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Lines {
    offset: u64,
}

impl Lines {
    pub(crate) fn after_header<R: Read>(reader: &csv::Reader<R>) -> Lines {
        Lines { offset: 2u64.saturating_sub(reader.position().line()) }
    }

    pub(crate) fn of(&self, p: Option<&csv::Position>) -> Option<u32> {
        p.and_then(|p| u32::try_from(p.line() + self.offset).ok())
    }
}

pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> InputError {
    csv_error_at(path, e, Lines::default())
}

pub(crate) fn csv_error_at(path: &Path, e: &csv::Error, lines: Lines) -> InputError {
    let line = lines.of(e.position());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => e.to_string(),
    };
    InputError::invalid(path, line, message)
}

/// Files to read at `path`, sorted. Hidden files and anything not CSV or Parquet (manifests,
/// checksums) are skipped.
fn discover(path: &Path) -> Result<Vec<PathBuf>, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, e))?;
    if !meta.is_dir() {
        crate::source::check_regular(path).map_err(|e| InputError::io(path, e))?;
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| InputError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| InputError::io(&dir, e))?;
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            let ft = entry.file_type().map_err(|e| InputError::io(&p, e))?;
            if ft.is_dir() {
                stack.push(p);
            } else if [".csv", ".csv.gz", ".parquet"].iter().any(|ext| name.ends_with(ext)) {
                // A FIFO, dangling link or loop in a scanned folder is skipped, loudly: reading
                // it would hang or fail the whole run over a file nobody meant to deliver.
                if let Err(why) = crate::source::scan_entry(&p) {
                    tracing::warn!(path = %p.display(), "skipped: {why}");
                    continue;
                }
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(InputError::Usage(format!(
            "{}: no .csv, .csv.gz or .parquet cost files below it",
            path.display()
        )));
    }
    Ok(out)
}
