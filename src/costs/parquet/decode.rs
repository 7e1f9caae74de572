//! Arrow columns to what the aggregation keeps: interned ids for text, exact amounts, UTC
//! seconds for timestamps. One value per row, nulls as the caller's "none".

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use rust_decimal::Decimal;

use super::RowError;
use crate::costs::aggregate::{Aggregator, Sym, NONE};
use crate::costs::row;
use crate::costs::values::{decimal_from_f64, parse_decimal, parse_timestamp};

/// One interned id per row; null and empty cells are [`NONE`].
pub(super) fn syms(
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

/// [`syms`] of the cells where `keep` holds; the others are [`NONE`] without being read. The
/// values of map keys nothing reads (every product attribute but the name, tags the run does
/// not keep) are most of a CUR 2.0 file's text: hashing them to intern them was wasted.
pub(super) fn syms_where(
    array: &ArrayRef,
    keep: impl Fn(usize) -> bool,
    agg: &mut Aggregator,
    out: &mut Vec<Sym>,
) -> Result<(), RowError> {
    let n = array.len();
    out.clear();
    let intern = |agg: &mut Aggregator, s: &str| match row::text(s) {
        "" => NONE,
        s => agg.strings.intern(s),
    };
    macro_rules! strings {
        ($a:expr) => {{
            let a = $a;
            for i in 0..n {
                out.push(if keep(i) && a.is_valid(i) { intern(agg, a.value(i)) } else { NONE });
            }
        }};
    }
    match array.data_type() {
        DataType::Utf8 => strings!(array.as_string::<i32>()),
        DataType::LargeUtf8 => strings!(array.as_string::<i64>()),
        DataType::Utf8View => strings!(array.as_string_view()),
        _ => {
            syms(Some(array), n, agg, out)?;
            for (i, s) in out.iter_mut().enumerate() {
                if !keep(i) {
                    *s = NONE;
                }
            }
        }
    }
    Ok(())
}

/// Whether each cell, as [`row::text`] has it, is `wanted`: keys compared without interning.
pub(super) fn text_is(array: &ArrayRef, wanted: &str, agg: &mut Aggregator) -> Result<Vec<bool>, RowError> {
    let n = array.len();
    macro_rules! strings {
        ($a:expr) => {{
            let a = $a;
            (0..n).map(|i| a.is_valid(i) && row::text(a.value(i)) == wanted).collect()
        }};
    }
    Ok(match array.data_type() {
        DataType::Utf8 => strings!(array.as_string::<i32>()),
        DataType::LargeUtf8 => strings!(array.as_string::<i64>()),
        DataType::Utf8View => strings!(array.as_string_view()),
        _ => {
            let mut ids = Vec::new();
            syms(Some(array), n, agg, &mut ids)?;
            let wanted = agg.strings.intern(wanted);
            ids.into_iter().map(|id| id != NONE && id == wanted).collect()
        }
    })
}

/// One amount per row; null cells are zero.
pub(super) fn decimals(array: Option<&ArrayRef>, n: usize, out: &mut Vec<Decimal>) -> Result<(), RowError> {
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
pub(super) fn timestamps(array: Option<&ArrayRef>, n: usize, out: &mut Vec<i64>) -> Result<(), RowError> {
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
