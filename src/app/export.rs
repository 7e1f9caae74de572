//! `tally export`: the rows of one billing month from CUR/FOCUS data, allocated as asked, and
//! checked to reconcile with the input before anything is written. Rendering the rows is
//! [`crate::export::write`]'s.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::load::{check_dir, load_config, load_costs, Loaded};
use super::{coverage, AppError, AwsOptions};
use crate::config::Config;
use crate::costs;
use crate::error::InputError;
use crate::export::{Allocation, Export, ExportOptions, MonthBasis};
use crate::model::TfResource;

/// `tally export`.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// Project directory; its tally.hcl (owner_tag, state) is read when present.
    pub dir: Option<PathBuf>,
    /// CUR or FOCUS cost data: a file, directory, `s3://` export or `athena://` table.
    pub costs: String,
    /// AWS profile and region for `s3://` and `athena://` costs.
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Terraform state, for x_TerraformManaged and x_TerraformAddress.
    pub state: Vec<String>,
    /// Month (its first day) [default: the latest in the data], on `month_basis`.
    pub month: Option<NaiveDate>,
    /// What `month` selects by: the billing period or the charge period.
    pub month_basis: MonthBasis,
    pub owner_tag: Option<String>,
    /// One row per resource as well.
    pub by_resource: bool,
    pub allocate: Allocation,
    /// E-mail addresses and names in owner and tag values hidden.
    pub redact: bool,
}

/// What both exports (rows and FOCUS) take from the project: its config, the owner tag, and
/// the state resources when states are given (flag or `tally.hcl`).
pub(super) fn setup(request: &ExportRequest) -> Result<(Config, String, Option<Vec<TfResource>>), AppError> {
    let dir = request.dir.as_deref().unwrap_or(Path::new("."));
    if request.dir.is_some() {
        check_dir(dir)?;
    }
    let config = load_config(dir)?;
    let owner_tag =
        request.owner_tag.clone().or(config.owner_tag.clone()).unwrap_or_else(|| "owner".to_string());
    let mut states = config.state.clone();
    states.extend(request.state.iter().cloned());
    let terraform = if states.is_empty() {
        None
    } else {
        let mut loaded = Loaded::default();
        loaded.states(&states, &AwsOptions::default())?;
        Some(loaded.states)
    };
    Ok((config, owner_tag, terraform))
}

/// The month an export covers: the one asked for, else the latest month of the data (by the
/// request's month basis).
pub(super) fn month(request: &ExportRequest, data: &costs::CostData) -> Result<NaiveDate, AppError> {
    match request.month {
        Some(m) => Ok(m),
        None => {
            data.records.iter().map(|r| request.month_basis.month_of(r)).max().ok_or_else(|| {
                InputError::Usage(format!("{}: no cost lines to export", request.costs)).into()
            })
        }
    }
}

/// What the export reads: the owner tag and the tags it needs, resource ids only when rows
/// or the Terraform columns need them.
fn read_options(
    request: &ExportRequest,
    config: &Config,
    owner_tag: &str,
    terraform: bool,
) -> costs::ReadOptions {
    let mut tag_keys = config.required_tags.clone();
    tag_keys.push(owner_tag.to_string());
    costs::ReadOptions {
        tag_keys,
        keep_resource_ids: request.by_resource || terraform,
        threads: None,
        exact_tag_keys: config.exact_tag_keys,
        // Rows show the owner tag only, unless they are per resource (then all its tags).
        only_tags: (!request.by_resource).then(|| vec![owner_tag.to_string()]),
        usage_rates: false,
    }
}

/// `tally export`: the rows of one billing month, allocated as asked.
pub fn export(request: &ExportRequest) -> Result<Export, AppError> {
    let (config, owner_tag, terraform) = setup(request)?;
    built(request, &config, owner_tag, terraform)
}

/// A CSV export: streamed from the cost files' aggregation when each row is a function of one
/// record (see [`crate::export::stream`]), else built whole.
pub enum CsvExport {
    Built(Export),
    Streamed(Box<StreamedExport>),
}

/// The rows of one billing month, not built yet: [`StreamedExport::write`] makes and writes
/// them one at a time, the same CSV bytes as [`crate::export::write::write_csv`] of [`export`].
pub struct StreamedExport {
    table: costs::CostTable,
    month: NaiveDate,
    owner_tag: String,
    costs: String,
}

/// `tally export --format csv`: as [`export`], streamed when it can be.
pub fn export_csv(request: &ExportRequest) -> Result<CsvExport, AppError> {
    let (config, owner_tag, terraform) = setup(request)?;
    let streamable = request.allocate == Allocation::None
        && !request.by_resource
        && !request.redact
        && request.month_basis == MonthBasis::Billing
        && terraform.is_none();
    let path = match costs::CostSource::parse(&request.costs)? {
        costs::CostSource::Local(path) if streamable => path,
        _ => return built(request, &config, owner_tag, terraform).map(CsvExport::Built),
    };
    let opts = read_options(request, &config, &owner_tag, false);
    let table = costs::read_table(&path, &opts)?;
    tracing::info!(files = table.files.len(), rows = table.rows(), "loaded costs");
    for (kind, n) in &table.unknown_line_item_types {
        tracing::warn!(line_item_type = %kind, lines = n, "unknown line item type, counted as a fee");
    }
    let months = crate::export::stream::months(&table);
    let month = match request.month {
        Some(m) => m,
        None => *months.last().ok_or_else(|| {
            AppError::from(InputError::Usage(format!("{}: no cost lines to export", request.costs)))
        })?,
    };
    if !months.contains(&month) {
        return Err(no_lines(request, month, months.iter().copied()));
    }
    Ok(CsvExport::Streamed(Box::new(StreamedExport {
        table,
        month,
        owner_tag,
        costs: request.costs.clone(),
    })))
}

impl StreamedExport {
    /// Threads making rows while this one writes them.
    const MAKERS: usize = 2;

    /// Write the CSV; `Err` as [`export`] fails (a sum beyond a `Decimal`, totals that do not
    /// reconcile) or on a failed write, after which the output must be discarded.
    ///
    /// The rows are made by [`StreamedExport::MAKERS`] threads, a day of rows (a unit of the
    /// [`Walk`]) each in turn, and written on this one in unit order, a chunk at a time:
    /// making the 1.8M rows of a month and writing 300 MB (the kernel copying it into the
    /// page cache) were a serial tail after the reading, a third of the run.
    ///
    /// [`Walk`]: crate::export::stream::Walk
    pub fn write(&self, out: &mut dyn std::io::Write) -> Result<(), StreamError> {
        use crate::export::write::CsvRows;
        let walk = crate::export::stream::Walk::new(&self.table, self.month, &self.owner_tag);
        CsvRows::new(self.month, false, false, &mut *out)
            .and_then(CsvRows::finish)
            .map_err(StreamError::Io)?;
        let units = walk.units();
        let (written, made) = std::thread::scope(|scope| {
            let mut makers = Vec::with_capacity(Self::MAKERS);
            let mut chunks = Vec::with_capacity(Self::MAKERS);
            let mut spent = Vec::with_capacity(Self::MAKERS);
            for first in 0..Self::MAKERS {
                let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, bool)>(4);
                chunks.push(rx);
                // Written chunks go back to their maker to be filled again.
                let (back, reuse) = std::sync::mpsc::channel::<Vec<u8>>();
                spent.push(back);
                let walk = &walk;
                makers
                    .push(scope.spawn(move || self.make(walk, first, Chunks { tx, reuse, buf: Vec::new() })));
            }
            let mut written = Ok(());
            'units: for unit in 0..units {
                loop {
                    // A maker that stopped before the end of its unit failed: its error says why.
                    let Ok((bytes, last)) = chunks[unit % Self::MAKERS].recv() else { break 'units };
                    if let Err(e) = out.write_all(&bytes) {
                        written = Err(e);
                        break 'units;
                    }
                    // A maker that has finished no longer takes them back.
                    let _ = spent[unit % Self::MAKERS].send(bytes);
                    if last {
                        break;
                    }
                }
            }
            // A failed write stops the makers at their next chunk.
            drop(chunks);
            let made: Vec<_> = makers
                .into_iter()
                .map(|m| m.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect();
            (written, made)
        });
        written.map_err(StreamError::Io)?;
        let mut totals = crate::export::stream::Totals::default();
        let mut failed: Option<(usize, StreamError)> = None;
        for m in made {
            match m {
                Ok(t) => totals.absorb(&t),
                // The first failure in row order is the one a single thread would have met.
                Err((unit, e)) if failed.as_ref().is_none_or(|(u, _)| unit < *u) => failed = Some((unit, e)),
                Err(_) => {}
            }
        }
        if let Some((_, e)) = failed {
            return Err(e);
        }
        if !totals.billed.same_as(&totals.input_billed) || !totals.effective.same_as(&totals.input_effective)
        {
            return Err(StreamError::App(AppError::Output(format!(
                "internal error: export totals {} / {} do not reconcile with input {} / {}",
                totals.billed, totals.effective, totals.input_billed, totals.input_effective
            ))));
        }
        tracing::info!(rows = totals.rows, basis = MonthBasis::Billing.as_str(), billed = %totals.billed, effective = %totals.effective, "export");
        Ok(())
    }

    /// Make units `first`, `first + MAKERS`, ... of `walk` into `out`, each unit's last chunk
    /// marked; the totals, or the failed unit and why.
    fn make(
        &self,
        walk: &crate::export::stream::Walk<'_>,
        first: usize,
        mut out: Chunks,
    ) -> Result<crate::export::stream::Totals, (usize, StreamError)> {
        use crate::export::write::CsvRows;
        let mut w = CsvRows::headless(self.month, false, false, &mut out);
        let mut totals = crate::export::stream::Totals::default();
        let mut scratch = crate::export::stream::Scratch::default();
        for unit in (first..walk.units()).step_by(Self::MAKERS) {
            let t = walk
                .unit(unit, &mut scratch, |row| w.view(row).map_err(Failure::Io))
                .map_err(|f| match f {
                    Failure::Io(e) => StreamError::Io(e),
                    // Said as the built export says it.
                    Failure::Sum(m) => {
                        StreamError::App(InputError::Usage(format!("{}: {m}", self.costs)).into())
                    }
                })
                .and_then(|t| w.flush().map(|()| t).map_err(StreamError::Io))
                .map_err(|e| (unit, e))?;
            totals.absorb(&t);
        }
        Ok(totals)
    }
}

/// Bytes sent on in chunks of about [`Chunks::SIZE`]; on `flush`, the rest marked as the end
/// of a unit. A chunk is filled in a buffer the writer sent back when there is one: a fresh
/// megabyte per chunk (340 of them at 10M CUR 2.0 lines) was pages faulted in each time.
struct Chunks {
    tx: std::sync::mpsc::SyncSender<(Vec<u8>, bool)>,
    reuse: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
}

impl Chunks {
    const SIZE: usize = 1 << 20;

    fn send(&mut self, last: bool) -> std::io::Result<()> {
        let next = match self.reuse.try_recv() {
            Ok(mut spent) => {
                spent.clear();
                spent
            }
            Err(_) => Vec::with_capacity(Self::SIZE + 4096),
        };
        let chunk = std::mem::replace(&mut self.buf, next);
        self.tx
            .send((chunk, last))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the output was closed"))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= Self::SIZE {
            self.send(false)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send(true)
    }
}

/// Why a streamed export failed.
#[derive(Debug)]
pub enum StreamError {
    /// As the export fails when built.
    App(AppError),
    /// Writing failed.
    Io(std::io::Error),
}

/// What stops the rows: a sum beyond what a `Decimal` holds exactly, or the write.
enum Failure {
    Sum(String),
    Io(std::io::Error),
}

impl From<String> for Failure {
    fn from(m: String) -> Self {
        Failure::Sum(m)
    }
}

/// "No cost lines in MONTH", with the months the data has.
fn no_lines(request: &ExportRequest, month: NaiveDate, months: impl Iterator<Item = NaiveDate>) -> AppError {
    let months: std::collections::BTreeSet<String> = months.map(|m| m.format("%Y-%m").to_string()).collect();
    let present = if months.is_empty() {
        "none".to_string()
    } else {
        months.into_iter().collect::<Vec<_>>().join(", ")
    };
    InputError::Usage(format!(
        "{}: no cost lines in {} (months in the data: {present})",
        request.costs,
        month.format("%Y-%m")
    ))
    .into()
}

/// [`export`] once the project is set up: every record built, then the rows.
fn built(
    request: &ExportRequest,
    config: &Config,
    owner_tag: String,
    terraform: Option<Vec<TfResource>>,
) -> Result<Export, AppError> {
    let opts = read_options(request, config, &owner_tag, terraform.is_some());
    let aws = AwsOptions {
        profile: request.profile.clone(),
        region: request.region.clone(),
        ..AwsOptions::default()
    };
    let data = load_costs(&request.costs, &opts, &aws, request.month)?;
    let basis = request.month_basis;
    let month = month(request, &data)?;
    let opts = ExportOptions {
        month,
        month_basis: basis,
        owner_tag,
        by_resource: request.by_resource,
        allocation: request.allocate,
        redact: request.redact,
        terraform,
    };
    if !data.records.iter().any(|r| opts.selects(r)) {
        // A header-only file with exit 0 reads as "nothing was spent"; it is "wrong month".
        return Err(no_lines(request, month, data.records.iter().map(|r| basis.month_of(r))));
    }
    let export = crate::export::build(&data.records, &opts)
        .map_err(|m| InputError::Usage(format!("{}: {m}", request.costs)))?;
    // Reconciled by exact integer sums, not by the `Decimal` additions that built the rows: a
    // rounding anywhere in the summing path shows here.
    let selected = || data.records.iter().filter(|r| opts.selects(r));
    let input_billed: crate::costs::exact::ExactSum = selected().map(|r| r.billed).collect();
    let input_effective: crate::costs::exact::ExactSum = selected().map(|r| r.effective).collect();
    if !export.total_billed().same_as(&input_billed) || !export.total_effective().same_as(&input_effective) {
        // Cannot happen: every record lands in rows and splits are exact. Said loudly if it does.
        return Err(AppError::Output(format!(
            "internal error: export totals {} / {} do not reconcile with input {input_billed} / {input_effective}",
            export.total_billed(),
            export.total_effective()
        )));
    }
    if basis == MonthBasis::Charge {
        let next = month.checked_add_months(chrono::Months::new(1)).unwrap_or(month);
        let lines: Vec<coverage::BillingOfLine> = selected()
            .map(|r| (r.period.start, r.billing_month(), r.effective, r.currency.clone()))
            .collect();
        let currencies: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.3.as_str()).collect();
        for currency in currencies {
            let window = crate::model::Period { start: month, end: next };
            if let Some(other) = coverage::invoiced_elsewhere(window, &lines, currency) {
                tracing::warn!(
                    "of the charges dated in {}, {other} {currency} (effective) was invoiced in other billing periods",
                    month.format("%Y-%m")
                );
            }
        }
    }
    tracing::info!(rows = export.rows.len(), basis = basis.as_str(), billed = %export.total_billed(), effective = %export.total_effective(), "export");
    Ok(export)
}
