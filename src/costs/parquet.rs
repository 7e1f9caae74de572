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

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use rust_decimal::Decimal;

use super::aggregate::{Aggregator, FastMap, Key, Sym, NONE, NO_DATE};
use super::charge::{cur_category, cur_effective, focus_category, is_support, Amortization, CurType};
use super::row::{self, Col, Layout, Naming, COLS};
use super::values::{checked_day_span, day_floor, decimal_from_f64, parse_decimal, parse_timestamp};
use super::{CostFormat, Ctx};
use crate::error::InputError;

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
        for c in USAGE_COLS {
            layout.drop(c);
        }
    }

    // Ask for strings as dictionaries: decoded straight from dictionary pages, interned once.
    let dict_schema = Arc::new(Schema::new_with_metadata(
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Arc::new(Field::new(
                    f.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    f.is_nullable(),
                )),
                _ => f.clone(),
            })
            .collect::<Vec<_>>(),
        schema.metadata().clone(),
    ));
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
        file,
        ArrowReaderOptions::new().with_schema(dict_schema),
    )
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
        result.map_err(|(offset, msg)| {
            InputError::invalid(path, None, format!("row {}: {msg}", row + offset + 1))
        })?;
        row += n;
    }
    Ok(())
}

const USAGE_COLS: [Col; 5] =
    [Col::UsageType, Col::UsageAmount, Col::PricingUnit, Col::Region, Col::Operation];

/// The usage columns of one batch, when the read keeps usage (see [`super::usage`]).
struct UsageCols {
    quantity: Vec<Decimal>,
    usage_type: Vec<Sym>,
    unit: Vec<Sym>,
    region: Vec<Sym>,
    operation: Vec<Sym>,
}

impl UsageCols {
    fn read(
        col: &ColFn<'_>,
        layout: &Layout,
        n: usize,
        agg: &mut Aggregator,
    ) -> Result<Option<Self>, RowError> {
        if layout.get(Col::UsageAmount).is_none() {
            return Ok(None);
        }
        let named = |c: Col| move |(r, m): RowError| (r, format!("{}: {m}", layout.name(c)));
        let mut quantity = Vec::new();
        decimals(col(Col::UsageAmount).as_ref(), n, &mut quantity).map_err(named(Col::UsageAmount))?;
        let mut usage_type = Vec::new();
        syms(col(Col::UsageType).as_ref(), n, agg, &mut usage_type).map_err(named(Col::UsageType))?;
        let mut unit = Vec::new();
        syms(col(Col::PricingUnit).as_ref(), n, agg, &mut unit).map_err(named(Col::PricingUnit))?;
        let mut region = Vec::new();
        syms(col(Col::Region).as_ref(), n, agg, &mut region).map_err(named(Col::Region))?;
        let mut operation = Vec::new();
        syms(col(Col::Operation).as_ref(), n, agg, &mut operation).map_err(named(Col::Operation))?;
        Ok(Some(UsageCols { quantity, usage_type, unit, region, operation }))
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &self,
        agg: &mut Aggregator,
        r: usize,
        category: crate::model::ChargeCategory,
        service: Sym,
        currency: Sym,
        billed: Decimal,
        effective: Decimal,
        start: i64,
        end: i64,
    ) -> Result<(), RowError> {
        let key = super::usage::UsageKey {
            service,
            usage_type: self.usage_type.get(r).copied().unwrap_or(NONE),
            region: self.region.get(r).copied().unwrap_or(NONE),
            unit: self.unit.get(r).copied().unwrap_or(NONE),
            operation: self.operation.get(r).copied().unwrap_or(NONE),
            currency,
        };
        let line = super::usage::UsageLine { quantity: at(&self.quantity, r), billed, effective, start, end };
        agg.add_usage(category, key, line).map_err(|m| (r, m))
    }
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
    /// (line item type, product code, product name) -> what the line is.
    kinds: FastMap<(Sym, Sym, Sym), (CurType, crate::model::ChargeCategory)>,
    /// (product code, product name) -> the service reported ([`row::service`]).
    services: FastMap<(Sym, Sym), Sym>,
}

type RowError = (usize, String);

fn take<T: Default>(pool: &mut Vec<Vec<T>>) -> Vec<T> {
    let mut v = pool.pop().unwrap_or_default();
    v.clear();
    v
}

/// One interned id per row; null and empty cells are [`NONE`].
fn syms(
    array: Option<&ArrayRef>,
    n: usize,
    agg: &mut Aggregator,
    out: &mut Vec<Sym>,
) -> Result<(), RowError> {
    out.clear();
    let Some(array) = array else {
        out.resize(n, NONE);
        return Ok(());
    };
    // Every text cell as [`row::text`] has it: trimmed, `NULL` empty.
    let intern = |agg: &mut Aggregator, s: &str| match row::text(s) {
        "" => NONE,
        s => agg.strings.intern(s),
    };
    if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
        // What the reader asks for: map each dictionary value once, then copy ids.
        let mut values = Vec::new();
        syms(Some(dict.values()), dict.values().len(), agg, &mut values)?;
        let id = |k: i32| usize::try_from(k).ok().and_then(|k| values.get(k)).copied().unwrap_or(NONE);
        let keys = dict.keys();
        match keys.nulls() {
            None => out.extend(keys.values().iter().map(|&k| id(k))),
            Some(valid) => {
                out.extend(
                    keys.values()
                        .iter()
                        .zip(valid.iter())
                        .map(|(&k, valid)| if valid { id(k) } else { NONE }),
                )
            }
        }
        return Ok(());
    }
    if let Some(dict) = array.as_any_dictionary_opt() {
        let mut values = Vec::new();
        syms(Some(dict.values()), dict.values().len(), agg, &mut values)?;
        let keys = dict.normalized_keys();
        for (i, k) in keys.into_iter().enumerate() {
            out.push(if array.is_null(i) { NONE } else { values.get(k).copied().unwrap_or(NONE) });
        }
        return Ok(());
    }
    match array.data_type() {
        DataType::Utf8 => {
            for v in array.as_string::<i32>() {
                out.push(v.map_or(NONE, |s| intern(agg, s)));
            }
        }
        DataType::LargeUtf8 => {
            for v in array.as_string::<i64>() {
                out.push(v.map_or(NONE, |s| intern(agg, s)));
            }
        }
        DataType::Utf8View => {
            for v in array.as_string_view() {
                out.push(v.map_or(NONE, |s| intern(agg, s)));
            }
        }
        DataType::Null => out.resize(n, NONE),
        DataType::Int64 | DataType::Int32 | DataType::Decimal128(_, 0) => {
            // Account ids written as numbers.
            for i in 0..n {
                if array.is_null(i) {
                    out.push(NONE);
                    continue;
                }
                let text = match array.data_type() {
                    DataType::Int64 => array.as_primitive::<Int64Type>().value(i).to_string(),
                    DataType::Int32 => array.as_primitive::<Int32Type>().value(i).to_string(),
                    _ => array.as_primitive::<Decimal128Type>().value(i).to_string(),
                };
                out.push(intern(agg, &text));
            }
        }
        other => return Err((0, format!("column of type {other} where text was expected"))),
    }
    Ok(())
}

/// One amount per row; null cells are zero.
fn decimals(array: Option<&ArrayRef>, n: usize, out: &mut Vec<Decimal>) -> Result<(), RowError> {
    out.clear();
    let Some(array) = array else {
        out.resize(n, Decimal::ZERO);
        return Ok(());
    };
    match array.data_type() {
        DataType::Float64 => {
            for (i, v) in array.as_primitive::<Float64Type>().iter().enumerate() {
                out.push(v.map_or(Ok(Decimal::ZERO), decimal_from_f64).map_err(|m| (i, m))?);
            }
        }
        DataType::Float32 => {
            for (i, v) in array.as_primitive::<Float32Type>().iter().enumerate() {
                // Via its own shortest decimal, not the f64 widening (0.1f32 is 0.1).
                let d = v.map_or(Ok(Decimal::ZERO), |f| parse_decimal(&f.to_string())).map_err(|m| (i, m))?;
                out.push(d);
            }
        }
        DataType::Decimal128(_, scale) => {
            let scale = u32::try_from(*scale).ok().filter(|s| *s <= 28);
            for (i, v) in array.as_primitive::<Decimal128Type>().iter().enumerate() {
                let d = match (v, scale) {
                    (None, _) => Decimal::ZERO,
                    (Some(v), Some(scale)) => Decimal::try_from_i128_with_scale(v, scale)
                        .map_err(|_| (i, format!("decimal {v}e-{scale} is out of range")))?,
                    (Some(_), None) => return Err((i, "decimal scale outside 0..=28".to_string())),
                };
                out.push(d);
            }
        }
        DataType::Int64 => out
            .extend(array.as_primitive::<Int64Type>().iter().map(|v| v.map_or(Decimal::ZERO, Decimal::from))),
        DataType::Int32 => out
            .extend(array.as_primitive::<Int32Type>().iter().map(|v| v.map_or(Decimal::ZERO, Decimal::from))),
        DataType::Null => out.resize(n, Decimal::ZERO),
        _ => {
            if let Some(dict) = array.as_any_dictionary_opt() {
                let mut values = Vec::new();
                decimals(Some(dict.values()), dict.values().len(), &mut values)?;
                for (i, k) in dict.normalized_keys().into_iter().enumerate() {
                    out.push(if array.is_null(i) {
                        Decimal::ZERO
                    } else {
                        values.get(k).copied().unwrap_or_default()
                    });
                }
            } else if matches!(array.data_type(), DataType::Utf8) {
                for (i, v) in array.as_string::<i32>().iter().enumerate() {
                    out.push(v.map_or(Ok(Decimal::ZERO), parse_decimal).map_err(|m| (i, m))?);
                }
            } else {
                return Err((0, format!("amount column of type {}", array.data_type())));
            }
        }
    }
    Ok(())
}

/// One timestamp (UTC seconds) per row; `i64::MIN` for nulls.
fn timestamps(array: Option<&ArrayRef>, n: usize, out: &mut Vec<i64>) -> Result<(), RowError> {
    out.clear();
    let Some(array) = array else {
        out.resize(n, i64::MIN);
        return Ok(());
    };
    macro_rules! prim {
        ($t:ty, $f:expr) => {
            out.extend(array.as_primitive::<$t>().iter().map(|v| v.map_or(i64::MIN, $f)))
        };
    }
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => prim!(TimestampSecondType, |v| v),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            prim!(TimestampMillisecondType, |v| v.div_euclid(1_000))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            prim!(TimestampMicrosecondType, |v| v.div_euclid(1_000_000))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            prim!(TimestampNanosecondType, |v| v.div_euclid(1_000_000_000))
        }
        DataType::Date32 => prim!(Date32Type, |d| i64::from(d) * 86_400),
        DataType::Date64 => prim!(Date64Type, |v| v.div_euclid(1_000)),
        DataType::Null => out.resize(n, i64::MIN),
        _ => {
            let mut texts = Vec::new();
            let mut scratch = Aggregator::default();
            syms(Some(array), n, &mut scratch, &mut texts)?;
            for (i, s) in texts.into_iter().enumerate() {
                out.push(if s == NONE {
                    i64::MIN
                } else {
                    parse_timestamp(scratch.strings.get(s)).map_err(|m| (i, m))?
                });
            }
        }
    }
    Ok(())
}

type ColFn<'a> = dyn Fn(Col) -> Option<ArrayRef> + 'a;

/// Row `r` of an amount column; an empty column (absent from the file) is zero.
#[inline]
fn at(column: &[Decimal], r: usize) -> Decimal {
    column.get(r).copied().unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn cur_batch(
    batch: &RecordBatch,
    col: &ColFn<'_>,
    layout: &Layout,
    tag_columns: &[(usize, String)],
    schema: &Schema,
    st: &mut BatchState,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), RowError> {
    let n = batch.num_rows();
    let mut d = Vec::with_capacity(7);
    for c in [
        Col::Billed,
        Col::SpEffective,
        Col::SpCommitment,
        Col::SpUsed,
        Col::RiEffective,
        Col::RiUnusedUpfront,
        Col::RiUnusedRecurring,
    ] {
        let mut v = take(&mut st.decimals);
        let array = col(c);
        // An amortization column the file lacks stays empty (zero on every row, see `at`)
        // rather than a batch of zeros written and read again.
        if array.is_some() || c == Col::Billed {
            decimals(array.as_ref(), n, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        }
        d.push(v);
    }
    let mut s = Vec::with_capacity(8);
    for c in [
        Col::ChargeType,
        Col::Account,
        Col::ServiceCode,
        Col::ServiceName,
        Col::Resource,
        Col::Currency,
        Col::RiArn,
    ] {
        let mut v = take(&mut st.syms);
        syms(col(c).as_ref(), n, agg, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        s.push(v);
    }
    let mut t = Vec::with_capacity(3);
    for c in [Col::Start, Col::End, Col::BillingStart] {
        let mut v = take(&mut st.times);
        timestamps(col(c).as_ref(), n, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        t.push(v);
    }
    // Tags: one column per key (legacy), or the CUR 2.0 map.
    let mut tag_cols = Vec::with_capacity(tag_columns.len());
    for (i, key) in tag_columns {
        let mut v = take(&mut st.syms);
        syms(batch.column_by_name(schema.field(*i).name()), n, agg, &mut v)
            .map_err(|(r, m)| (r, format!("{key}: {m}")))?;
        tag_cols.push((agg.strings.intern(key), v));
    }
    let map_tags = match col(Col::Tags) {
        Some(a) => Some(MapTags::new(&a, n, agg, st, ctx, "user_")?),
        None => None,
    };

    let packable = map_tags.is_none() && tag_cols.len() <= 4;
    let (unblended, sp_eff, sp_commit, sp_used, ri_eff, ri_upfront, ri_recurring) =
        (&d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6]);
    // CUR 2.0 keeps the product name in the `product` map, not a column of its own.
    if layout.get(Col::ServiceName).is_none() {
        if let Some(a) = col(Col::ProductMap) {
            map_values(&a, n, "product_name", agg, &mut s[3])
                .map_err(|(r, m)| (r, format!("product: {m}")))?;
        }
    }
    let (line_type, account, code, name, resource, currency, ri_arn) =
        (&s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6]);
    let (start, end, billing) = (&t[0], &t[1], &t[2]);
    let usd = agg.strings.intern("USD");
    let usage = UsageCols::read(col, layout, n, agg)?;
    for r in 0..n {
        let (ty, category) = *st.kinds.entry((line_type[r], code[r], name[r])).or_insert_with(|| {
            let ty = CurType::parse(agg.strings.get(line_type[r]));
            (ty, cur_category(ty, is_support(agg.strings.get(code[r]), agg.strings.get(name[r]))))
        });
        if ty == CurType::Unknown {
            *agg.unknown_types.entry(agg.strings.get(line_type[r]).to_string()).or_default() += 1;
        }
        if start[r] == i64::MIN {
            return Err((r, "line_item_usage_start_date is empty".into()));
        }
        let end_r = if end[r] == i64::MIN { start[r] } else { end[r] };
        let amort = Amortization {
            sp_effective_cost: at(sp_eff, r),
            sp_total_commitment_to_date: at(sp_commit, r),
            sp_used_commitment: at(sp_used, r),
            ri_effective_cost: at(ri_eff, r),
            ri_unused_amortized_upfront: at(ri_upfront, r),
            ri_unused_recurring_fee: at(ri_recurring, r),
            reservation: ri_arn[r] != NONE,
        };
        let effective = cur_effective(ty, unblended[r], &amort);
        let (sd, ed) = checked_day_span(start[r], end_r).map_err(|m| (r, m))?;
        agg.see_period(start[r], end_r, category);
        let packed = packable.then(|| {
            tag_cols.iter().enumerate().fold(0u128, |acc, (i, (_, v))| acc | (u128::from(v[r]) << (32 * i)))
        });
        let cached = packed.and_then(|p| st.tag_rows.get(&p).copied());
        let tags = match cached {
            Some(t) => t,
            None => {
                st.pairs.clear();
                for (key, values) in &tag_cols {
                    if values[r] != NONE {
                        st.pairs.push((*key, values[r]));
                    }
                }
                if let Some(m) = &map_tags {
                    m.row(r, &mut st.pairs);
                }
                let mut pairs = std::mem::take(&mut st.pairs);
                let t = agg.tag_set(&mut pairs);
                st.pairs = pairs;
                if let Some(p) = packed {
                    st.tag_rows.insert(p, t);
                }
                t
            }
        };
        let key = Key {
            start: sd,
            end: ed,
            billing: if billing[r] == i64::MIN { NO_DATE } else { day_floor(billing[r]) },
            account: account[r],
            service: *st.services.entry((code[r], name[r])).or_insert_with(|| {
                let service = row::service(agg.strings.get(code[r]), agg.strings.get(name[r])).into_owned();
                if service.is_empty() {
                    NONE
                } else {
                    agg.strings.intern(&service)
                }
            }),
            resource: if ctx.keep_resource_ids { resource[r] } else { NONE },
            tags,
            category,
            currency: if currency[r] == NONE { usd } else { currency[r] },
        };
        agg.add(key, unblended[r], effective).map_err(|m| (r, m))?;
        if let Some(u) = &usage {
            u.add(agg, r, category, key.service, key.currency, unblended[r], effective, start[r], end_r)?;
        }
    }
    st.decimals.extend(d);
    st.syms.extend(s);
    st.times.extend(t);
    st.syms.extend(tag_cols.into_iter().map(|(_, v)| v));
    Ok(())
}

fn focus_batch(
    batch: &RecordBatch,
    col: &ColFn<'_>,
    layout: &Layout,
    st: &mut BatchState,
    ctx: &Ctx<'_>,
    agg: &mut Aggregator,
) -> Result<(), RowError> {
    let n = batch.num_rows();
    let mut d = Vec::with_capacity(2);
    for c in [Col::Billed, Col::Effective] {
        let mut v = take(&mut st.decimals);
        decimals(col(c).as_ref(), n, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        d.push(v);
    }
    let mut s = Vec::with_capacity(6);
    for c in [
        Col::ChargeType,
        Col::Account,
        Col::ServiceName,
        Col::ServiceCode,
        Col::Resource,
        Col::Currency,
        Col::CommitmentStatus,
    ] {
        let mut v = take(&mut st.syms);
        syms(col(c).as_ref(), n, agg, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        s.push(v);
    }
    let mut t = Vec::with_capacity(3);
    for c in [Col::Start, Col::End, Col::BillingStart] {
        let mut v = take(&mut st.times);
        timestamps(col(c).as_ref(), n, &mut v).map_err(|(r, m)| (r, format!("{}: {m}", layout.name(c))))?;
        t.push(v);
    }
    // Tags: a map column, or JSON text.
    let tags_array = col(Col::Tags);
    let map_tags = match &tags_array {
        Some(a) if matches!(a.data_type(), DataType::Map(..)) => Some(MapTags::new(a, n, agg, st, ctx, "")?),
        _ => None,
    };
    let mut json = take(&mut st.syms);
    if map_tags.is_none() {
        syms(tags_array.as_ref(), n, agg, &mut json).map_err(|(r, m)| (r, format!("Tags: {m}")))?;
    }
    let mut categories: FastMap<(Sym, Sym, Sym, Sym), Option<crate::model::ChargeCategory>> =
        FastMap::default();
    let (billed, effective) = (&d[0], &d[1]);
    let (category, account, service, service_code, resource, currency, commitment) =
        (&s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6]);
    let (start, end, billing) = (&t[0], &t[1], &t[2]);
    let usd = agg.strings.intern("USD");
    let usage = UsageCols::read(col, layout, n, agg)?;
    for r in 0..n {
        let cat = *categories
            .entry((category[r], service[r], service_code[r], commitment[r]))
            .or_insert_with(|| {
                focus_category(
                    agg.strings.get(category[r]),
                    agg.strings.get(service[r]),
                    agg.strings.get(service_code[r]),
                    agg.strings.get(commitment[r]),
                )
            });
        let Some(cat) = cat else {
            return Err((
                r,
                format!(
                    "ChargeCategory: \"{}\" is not one of Usage, Purchase, Tax, Credit, Adjustment",
                    agg.strings.get(category[r])
                ),
            ));
        };
        if start[r] == i64::MIN {
            return Err((r, "ChargePeriodStart is empty".into()));
        }
        let end_r = if end[r] == i64::MIN { start[r] } else { end[r] };
        let (sd, ed) = checked_day_span(start[r], end_r).map_err(|m| (r, m))?;
        agg.see_period(start[r], end_r, cat);
        let tags = if let Some(m) = &map_tags {
            st.pairs.clear();
            m.row(r, &mut st.pairs);
            let mut pairs = std::mem::take(&mut st.pairs);
            let id = agg.tag_set(&mut pairs);
            st.pairs = pairs;
            id
        } else if json[r] == NONE {
            NONE
        } else if let Some(&id) = st.tag_json.get(&json[r]) {
            id
        } else {
            let text = agg.strings.get(json[r]).to_string();
            let mut pairs = Vec::new();
            super::focus_csv::parse_tags_json(&text, ctx, agg, &mut pairs)
                .map_err(|m| (r, format!("Tags: {m}")))?;
            ctx.retain_tags(agg, &mut pairs);
            let id = agg.tag_set(&mut pairs);
            st.tag_json.insert(json[r], id);
            id
        };
        let key = Key {
            start: sd,
            end: ed,
            billing: if billing[r] == i64::MIN { NO_DATE } else { day_floor(billing[r]) },
            account: account[r],
            service: service[r],
            resource: if ctx.keep_resource_ids { resource[r] } else { NONE },
            tags,
            category: cat,
            currency: if currency[r] == NONE { usd } else { currency[r] },
        };
        agg.add(key, billed[r], effective[r]).map_err(|m| (r, m))?;
        if let Some(u) = &usage {
            u.add(agg, r, cat, key.service, key.currency, billed[r], effective[r], start[r], end_r)?;
        }
    }
    st.decimals.extend(d);
    st.syms.extend(s);
    st.times.extend(t);
    st.syms.push(json);
    Ok(())
}

/// The value under `key` of each row of a `map<string, string>` column (CUR 2.0's `product`),
/// [`NONE`] where the row has none.
fn map_values(
    array: &ArrayRef,
    n: usize,
    key: &str,
    agg: &mut Aggregator,
    out: &mut Vec<Sym>,
) -> Result<(), RowError> {
    let Some(map) = array.as_map_opt() else {
        return Err((0, format!("column of type {}, expected a map", array.data_type())));
    };
    let mut keys = Vec::new();
    syms(Some(map.keys()), map.keys().len(), agg, &mut keys)?;
    let mut values = Vec::new();
    syms(Some(map.values()), map.values().len(), agg, &mut values)?;
    let wanted = agg.strings.intern(key);
    let offsets = map.value_offsets();
    out.clear();
    for r in 0..n {
        let mut v = NONE;
        if !map.is_null(r) {
            let a = usize::try_from(offsets[r]).unwrap_or(0);
            let b = usize::try_from(offsets[r + 1]).unwrap_or(0);
            if let Some(i) = (a..b.min(keys.len())).find(|&i| keys[i] == wanted) {
                v = values.get(i).copied().unwrap_or(NONE);
            }
        }
        out.push(v);
    }
    Ok(())
}

/// A `map<string, string>` tag column, keys already mapped to the keys tally reports.
struct MapTags {
    offsets: Vec<usize>,
    keys: Vec<Sym>,
    values: Vec<Sym>,
    null_rows: Vec<bool>,
}

impl MapTags {
    /// `prefix`: only keys with it are user tags (CUR 2.0's `user_`); it is removed.
    fn new(
        array: &ArrayRef,
        n: usize,
        agg: &mut Aggregator,
        st: &mut BatchState,
        ctx: &Ctx<'_>,
        prefix: &str,
    ) -> Result<Self, RowError> {
        let Some(map) = array.as_map_opt() else {
            return Err((0, format!("tags column of type {}, expected a map", array.data_type())));
        };
        let mut raw_keys = Vec::new();
        syms(Some(map.keys()), map.keys().len(), agg, &mut raw_keys)?;
        let mut values = Vec::new();
        syms(Some(map.values()), map.values().len(), agg, &mut values)?;
        let keys = raw_keys
            .into_iter()
            .map(|k| {
                if k == NONE {
                    return NONE;
                }
                *st.tag_key.entry(k).or_insert_with(|| {
                    let raw = agg.strings.get(k).to_string();
                    let key = match raw.strip_prefix(prefix) {
                        Some(rest) if !prefix.is_empty() => agg.strings.intern(&ctx.tag_keys.resolve(rest)),
                        // FOCUS keeps the spelling: compared as the CSV readers compare.
                        Some(_) => agg.strings.intern(&ctx.tag_keys.resolve_spelled(&raw)),
                        None => NONE,
                    };
                    if key != NONE && !ctx.keeps_tag(agg.strings.get(key)) {
                        NONE
                    } else {
                        key
                    }
                })
            })
            .collect();
        let offsets = map.value_offsets().iter().map(|o| usize::try_from(*o).unwrap_or(0)).collect();
        // A null map row may still point at entries: it has no tags.
        let null_rows = (0..n).map(|r| map.is_null(r)).collect();
        Ok(MapTags { offsets, keys, values, null_rows })
    }

    fn row(&self, r: usize, out: &mut Vec<(Sym, Sym)>) {
        if self.null_rows.get(r).copied().unwrap_or(true) {
            return;
        }
        let (a, b) = (self.offsets[r], self.offsets[r + 1]);
        for i in a..b.min(self.keys.len()) {
            if self.keys[i] != NONE && self.values.get(i).is_some_and(|v| *v != NONE) {
                out.push((self.keys[i], self.values[i]));
            }
        }
    }
}
