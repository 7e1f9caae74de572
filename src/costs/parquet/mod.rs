//! Parquet cost files: legacy CUR (snake_case columns, one `resource_tags_user_*` column per
//! tag), CUR 2.0 (`resource_tags` map column with `user_*` keys) and FOCUS 1.x.
//!
//! Columnar: only the columns tally needs are decoded (projection), string columns are asked
//! for as dictionaries so each distinct value is interned once per batch, and each row group
//! is a unit of work for [`super::run_units`]'s threads.
//!
//! Amounts: `decimal(p, s)` columns are exact; `double` columns (what CUR writes) become the
//! shortest decimal that reads back as the same double (see
//! [`super::values::decimal_from_f64`]); string columns are parsed as decimals.
//!
//! The files of this module, by concern: this one opens a file, detects its format, projects
//! the columns and walks the batches of a row group; `decode.rs` turns Arrow columns into
//! interned ids, amounts and timestamps; `cur.rs` and `focus.rs` read the columns of each
//! format into the aggregation; `map.rs` reads `map<string, string>` columns (CUR 2.0's
//! `resource_tags` and `product`, FOCUS's `Tags`).

use std::path::Path;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use rust_decimal::Decimal;

use super::aggregate::{Aggregator, FastMap, Sym};
use super::charge::CurType;
use super::row::{Col, Layout, Naming, COLS};
use super::{CostFormat, Ctx};
use crate::error::InputError;

mod cur;
mod decode;
mod focus;
pub(crate) mod lines;
mod map;
mod usage;

use cur::cur_batch;
use focus::focus_batch;

/// Rows per record batch. Small enough that the reader's per-batch arrays (128 KB for a
/// column of 8-byte values) come from the allocator's free lists: at 64k rows each batch
/// faulted in fresh pages, and the kernel zeroing them was a tenth of the run.
const BATCH_ROWS: usize = 16 * 1024;
const CUR_TAG_COLUMN_PREFIX: &str = "resource_tags_user_";

fn parquet_error(path: &Path, e: impl std::fmt::Display) -> InputError {
    InputError::invalid(path, None, format!("not a readable Parquet file: {e}"))
}

/// Detect the format from the schema; return it with the number of row groups.
pub(crate) fn plan(path: &Path) -> Result<(CostFormat, usize), InputError> {
    let file = crate::source::open_regular(path).map_err(|e| InputError::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(path, e))?;
    let format = detect(path, builder.schema())?;
    Ok((format, builder.metadata().num_row_groups()))
}

fn detect(path: &Path, schema: &Schema) -> Result<CostFormat, InputError> {
    let has = |n: &str| schema.fields().iter().any(|f| f.name() == n);
    if has("line_item_unblended_cost") {
        Ok(CostFormat::CurParquet)
    } else if has("BilledCost") && has("ChargePeriodStart") {
        Ok(CostFormat::FocusParquet)
    } else {
        Err(InputError::invalid(
            path,
            None,
            "not a cost file: no line_item_unblended_cost (CUR) or BilledCost and ChargePeriodStart (FOCUS) column",
        ))
    }
}

/// Read one row group into `agg`.
pub(crate) fn read_row_group(
    path: &Path,
    format: CostFormat,
    row_group: usize,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), InputError> {
    let file = crate::source::open_regular(path).map_err(|e| InputError::io(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file.try_clone().map_err(|e| InputError::io(path, e))?)
            .map_err(|e| parquet_error(path, e))?;
    let schema = builder.schema().clone();
    let first_row: usize = builder
        .metadata()
        .row_groups()
        .iter()
        .take(row_group)
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .sum();
    let naming = match format {
        CostFormat::FocusParquet => Naming::Focus,
        _ => Naming::CurSnake,
    };
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut layout = Layout::find(naming, &names)
        .map_err(|m| InputError::invalid(path, None, format!("cost file with {m}")))?;
    let tag_columns: Vec<(usize, String)> = if format == CostFormat::CurParquet {
        schema
            .fields()
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                f.name().strip_prefix(CUR_TAG_COLUMN_PREFIX).map(|k| (i, ctx.tag_keys.resolve(k)))
            })
            // Tag columns nothing keeps are not decoded.
            .filter(|(_, k)| ctx.keeps_tag(k))
            .collect()
    } else {
        Vec::new()
    };
    // Resource ids are the widest column: not decoded at all when nothing needs them.
    if !ctx.keep_resource_ids {
        layout.drop(Col::Resource);
    }
    // Usage columns are decoded only for usage rates (plan pricing).
    if !ctx.usage_rates || !layout.has_usage() {
        for c in usage::USAGE_COLS {
            layout.drop(c);
        }
    }

    // A map column the reader cannot give as dictionaries (a layout it does not expect) is
    // read as plain strings, as before.
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
        file.try_clone().map_err(|e| InputError::io(path, e))?,
        ArrowReaderOptions::new().with_schema(with_dictionaries(&schema, true)),
    )
    .or_else(|_| {
        ParquetRecordBatchReaderBuilder::try_new_with_options(
            file,
            ArrowReaderOptions::new().with_schema(dictionary_schema(&schema)),
        )
    })
    .map_err(|e| parquet_error(path, e))?;
    let mut roots: Vec<usize> = COLS.iter().filter_map(|c| layout.get(*c)).collect();
    roots.extend(tag_columns.iter().map(|(i, _)| *i));
    roots.sort_unstable();
    roots.dedup();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
    let reader = builder
        .with_projection(mask)
        .with_row_groups(vec![row_group])
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| parquet_error(path, e))?;

    let mut state = BatchState::default();
    let mut row = first_row;
    for batch in reader {
        let batch = batch.map_err(|e| parquet_error(path, e))?;
        let col = |c: Col| -> Option<ArrayRef> {
            let name = schema.field(layout.get(c)?).name();
            batch.column_by_name(name).cloned()
        };
        let n = batch.num_rows();
        let result = match format {
            CostFormat::FocusParquet => focus_batch(&batch, &col, &layout, &mut state, ctx, agg),
            _ => cur_batch(&batch, &col, &layout, &tag_columns, &schema, &mut state, ctx, agg),
        };
        // Said as the line reader says it (`costs::lines`): row group and row, from 0.
        result.map_err(|(offset, msg)| {
            InputError::invalid(
                path,
                None,
                format!("row group {row_group}, row {} (from 0): {msg}", row - first_row + offset),
            )
        })?;
        row += n;
    }
    Ok(())
}

/// `schema` with its string columns asked for as dictionaries: decoded straight from
/// dictionary pages, each distinct value once (interned once by the aggregating reader,
/// borrowed by the line reader).
fn dictionary_schema(schema: &Schema) -> Arc<Schema> {
    with_dictionaries(schema, false)
}

/// [`dictionary_schema`], and with `maps` the keys and values of `map<string, string>`
/// columns too (CUR 2.0's `resource_tags` and `product`, FOCUS's `Tags`): as plain strings
/// every key and value of every row was hashed to be interned or compared, two to a dozen a
/// line; as dictionaries each distinct one is, once per batch.
fn with_dictionaries(schema: &Schema, maps: bool) -> Arc<Schema> {
    let dict = |f: &Field| -> Option<Field> {
        matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View).then(|| {
            Field::new(
                f.name(),
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                f.is_nullable(),
            )
            .with_metadata(f.metadata().clone())
        })
    };
    let map = |f: &Field| -> Option<Field> {
        let DataType::Map(entries, sorted) = f.data_type() else { return None };
        let DataType::Struct(kv) = entries.data_type() else { return None };
        let [k, v] = &kv.iter().collect::<Vec<_>>()[..] else { return None };
        let entries = Field::new_struct(entries.name(), vec![dict(k)?, dict(v)?], entries.is_nullable())
            .with_metadata(entries.metadata().clone());
        Some(
            Field::new(f.name(), DataType::Map(Arc::new(entries), *sorted), f.is_nullable())
                .with_metadata(f.metadata().clone()),
        )
    };
    Arc::new(Schema::new_with_metadata(
        schema
            .fields()
            .iter()
            .map(|f| match dict(f).or_else(|| if maps { map(f) } else { None }) {
                Some(f) => Arc::new(f),
                None => f.clone(),
            })
            .collect::<Vec<_>>(),
        schema.metadata().clone(),
    ))
}

/// Scratch buffers and caches reused across batches.
#[derive(Default)]
struct BatchState {
    syms: Vec<Vec<Sym>>,
    decimals: Vec<Vec<Decimal>>,
    times: Vec<Vec<i64>>,
    pairs: Vec<(Sym, Sym)>,
    /// Raw tag key (as the file spells it) -> key as reported.
    tag_key: FastMap<Sym, Sym>,
    /// Tags JSON text -> tag set.
    tag_json: FastMap<Sym, Sym>,
    /// Values of up to four legacy tag columns, packed -> tag set: most rows repeat a few
    /// combinations, and building a set (sort, dedup, lookup) per row was a tenth of the time.
    tag_rows: FastMap<u128, Sym>,
    /// Up to two (key, value) pairs of a map tag column's row, packed -> tag set: with only the
    /// kept tags read, most rows of a CUR 2.0 file have none, one or two, in few combinations.
    map_rows: FastMap<u128, Sym>,
    /// (line item type, product code, product name) -> what the line is, and the service
    /// reported ([`row::service`]): one lookup a line for both.
    kinds: FastMap<(Sym, Sym, Sym), (CurType, crate::model::ChargeCategory, Sym)>,
}

type RowError = (usize, String);

fn take<T: Default>(pool: &mut Vec<Vec<T>>) -> Vec<T> {
    let mut v = pool.pop().unwrap_or_default();
    v.clear();
    v
}

type ColFn<'a> = dyn Fn(Col) -> Option<ArrayRef> + 'a;

/// The interned text columns `cols` of a batch, in order, errors naming the column.
fn sym_columns(
    cols: &[Col],
    col: &ColFn<'_>,
    layout: &Layout,
    n: usize,
    st: &mut BatchState,
    agg: &mut Aggregator,
) -> Result<Vec<Vec<Sym>>, RowError> {
    let mut out = Vec::with_capacity(cols.len());
    for &c in cols {
        let mut v = take(&mut st.syms);
        decode::syms(col(c).as_ref(), n, agg, &mut v)
            .map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        out.push(v);
    }
    Ok(out)
}

/// The charge period and billing period start columns of a batch.
fn period_columns(
    col: &ColFn<'_>,
    layout: &Layout,
    n: usize,
    st: &mut BatchState,
) -> Result<Vec<Vec<i64>>, RowError> {
    let mut out = Vec::with_capacity(3);
    for c in [Col::Start, Col::End, Col::BillingStart] {
        let mut v = take(&mut st.times);
        decode::timestamps(col(c).as_ref(), n, &mut v)
            .map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        out.push(v);
    }
    Ok(out)
}

/// Row `r` of an amount column; an empty column (absent from the file) is zero.
#[inline]
fn at(column: &[Decimal], r: usize) -> Decimal {
    column.get(r).copied().unwrap_or_default()
}
