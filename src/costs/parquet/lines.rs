//! Parquet cost files line by line, for `crate::costs::lines` (the FOCUS export keeps every
//! input line). The aggregating readers of this module turn columns into interned ids; a
//! line-level reader needs every cell as the text a CSV file would hold, so the mapping to
//! FOCUS stays one piece of code whatever the input format.
//!
//! Streaming: a file is read one row group at a time, in batches of [`super::BATCH_ROWS`]
//! rows; nothing outlives its batch. Text cells are borrowed from the Arrow arrays (strings
//! are read as dictionaries, as the aggregating reader reads them); a column of another type
//! is turned into text once per batch, and only when a line asks for it, with the same
//! conversions the aggregating reader applies (doubles to their shortest exact decimal,
//! decimals exactly, timestamps to UTC seconds), so the amounts of a line are the amounts of
//! the records to the last digit. Nested columns (maps, structs, lists) read as JSON text, as
//! CUR 2.0 CSV writes `product` and `resource_tags`.
//!
//! Not here: what a line means (billed, effective, category, tags: `costs::lines`).

use std::cell::{OnceCell, RefCell};
use std::fmt::Write as _;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use rust_decimal::Decimal;

use super::{parquet_error, BATCH_ROWS};
use crate::costs::row;
use crate::costs::values::{decimal_from_f64, parse_decimal};
use crate::error::InputError;

/// A Parquet file opened for reading line by line.
pub(crate) struct ParquetLines {
    /// Column names, in schema order (top-level fields).
    pub names: Vec<String>,
    row_groups: Vec<usize>,
    file: std::fs::File,
    schema: arrow_schema::SchemaRef,
}

impl ParquetLines {
    pub(crate) fn open(path: &Path) -> Result<Self, InputError> {
        let file = crate::source::open_regular(path).map_err(|e| InputError::io(path, e))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file.try_clone().map_err(|e| InputError::io(path, e))?)
                .map_err(|e| parquet_error(path, e))?;
        let schema = super::dictionary_schema(builder.schema());
        let names = schema.fields().iter().map(|f| f.name().clone()).collect();
        let row_groups = builder
            .metadata()
            .row_groups()
            .iter()
            .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
            .collect();
        Ok(Self { names, row_groups, file, schema })
    }

    /// Call `f` on every batch of every row group, in order, with the row group's index and
    /// the batch's first row within it.
    pub(crate) fn for_each_batch(
        &self,
        path: &Path,
        f: &mut dyn FnMut(usize, usize, &Rows) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        for (group, _) in self.row_groups.iter().enumerate() {
            let file = self.file.try_clone().map_err(|e| InputError::io(path, e))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(
                file,
                ArrowReaderOptions::new().with_schema(self.schema.clone()),
            )
            .map_err(|e| parquet_error(path, e))?
            .with_row_groups(vec![group])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| parquet_error(path, e))?;
            let mut first = 0usize;
            for batch in reader {
                let batch = batch.map_err(|e| parquet_error(path, e))?;
                let n = batch.num_rows();
                let rows = Rows::new(batch);
                f(group, first, &rows)?;
                first = first.saturating_add(n);
            }
        }
        Ok(())
    }
}

/// The text of one column of a batch, converted once: all cells in one buffer.
struct TextColumn {
    text: String,
    /// End of each row's cell in `text` (a cell starts where the previous one ends).
    ends: Vec<usize>,
}

impl TextColumn {
    fn get(&self, r: usize) -> &str {
        let end = self.ends.get(r).copied().unwrap_or(0);
        let start = if r == 0 { 0 } else { self.ends.get(r - 1).copied().unwrap_or(end) };
        self.text.get(start..end).unwrap_or("")
    }
}

/// One record batch, cells as text.
pub(crate) struct Rows {
    batch: RecordBatch,
    converted: Vec<OnceCell<Result<TextColumn, String>>>,
    /// The first column that could not be read as text (its message); checked by the caller
    /// after each line, so a cell that cannot be read is an error, never an empty value.
    error: RefCell<Option<String>>,
}

impl Rows {
    fn new(batch: RecordBatch) -> Self {
        let converted = (0..batch.num_columns()).map(|_| OnceCell::new()).collect();
        Self { batch, converted, error: RefCell::new(None) }
    }

    pub(crate) fn len(&self) -> usize {
        self.batch.num_rows()
    }

    /// The cell of column `i` at row `r` as [`row::text`] has it: trimmed, `NULL` and nulls
    /// empty.
    pub(crate) fn text(&self, i: usize, r: usize) -> &str {
        let Some(a) = self.batch.columns().get(i) else { return "" };
        if a.is_null(r) {
            return "";
        }
        if let Some(s) = str_at(a.as_ref(), r) {
            return row::text(s);
        }
        let cell = self.converted[i].get_or_init(|| convert(a.as_ref()));
        match cell {
            Ok(c) => row::text(c.get(r)),
            Err(m) => {
                let mut e = self.error.borrow_mut();
                if e.is_none() {
                    *e = Some(format!("{}: {m}", self.batch.schema().field(i).name()));
                }
                ""
            }
        }
    }

    /// Whether column `i` is a map (CUR 2.0 `product`, `resource_tags`, FOCUS `Tags`).
    pub(crate) fn is_map(&self, i: usize) -> bool {
        self.batch.columns().get(i).is_some_and(|a| matches!(a.data_type(), DataType::Map(..)))
    }

    /// The entries of the map in column `i` at row `r` whose value is not null, keys and values
    /// as [`row::text`] has them.
    pub(crate) fn map_entries(
        &self,
        i: usize,
        r: usize,
        f: &mut dyn FnMut(&str, &str),
    ) -> Result<(), String> {
        let Some(map) = self.batch.columns().get(i).and_then(|a| a.as_map_opt()) else { return Ok(()) };
        if map.is_null(r) {
            return Ok(());
        }
        let offsets = map.value_offsets();
        let (a, b) = (offsets[r], offsets[r + 1]);
        let (a, b) = (usize::try_from(a).unwrap_or(0), usize::try_from(b).unwrap_or(0));
        let (keys, values) = (map.keys(), map.values());
        let mut scratch = (String::new(), String::new());
        for j in a..b {
            if values.is_null(j) || keys.is_null(j) {
                continue;
            }
            let k = match str_at(keys.as_ref(), j) {
                Some(k) => k,
                None => {
                    scratch.0.clear();
                    scalar_text(keys.as_ref(), j, &mut scratch.0)?;
                    scratch.0.as_str()
                }
            };
            let v = match str_at(values.as_ref(), j) {
                Some(v) => v,
                None => {
                    scratch.1.clear();
                    cell_text(values.as_ref(), j, &mut scratch.1)?;
                    scratch.1.as_str()
                }
            };
            f(row::text(k), row::text(v));
        }
        Ok(())
    }

    /// The value under `key` of the map in column `i` at row `r`, as text.
    pub(crate) fn map_get(&self, i: usize, r: usize, key: &str) -> Result<Option<String>, String> {
        let mut out = None;
        self.map_entries(i, r, &mut |k, v| {
            if out.is_none() && k == key {
                out = Some(v.to_string());
            }
        })?;
        Ok(out)
    }

    /// The first cell that could not be read as text since the last call, named.
    pub(crate) fn take_error(&self) -> Option<String> {
        self.error.borrow_mut().take()
    }
}

/// A string cell borrowed from the array (plain, large, view, or an `Int32` dictionary of
/// strings: what the reader asks for); `None` for other types.
fn str_at(a: &dyn Array, r: usize) -> Option<&str> {
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(r)),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(r)),
        DataType::Utf8View => Some(a.as_string_view().value(r)),
        DataType::Dictionary(k, v) if **k == DataType::Int32 => {
            let dict = a.as_dictionary::<Int32Type>();
            let key = usize::try_from(dict.keys().value(r)).ok()?;
            let values = dict.values();
            if key >= values.len() || values.is_null(key) {
                return Some("");
            }
            match **v {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => str_at(values.as_ref(), key),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Every cell of a column as text (nulls empty).
fn convert(a: &dyn Array) -> Result<TextColumn, String> {
    let mut out = TextColumn { text: String::new(), ends: Vec::with_capacity(a.len()) };
    for r in 0..a.len() {
        if !a.is_null(r) {
            cell_text(a, r, &mut out.text)?;
        }
        out.ends.push(out.text.len());
    }
    Ok(out)
}

/// One cell as text: a scalar as [`scalar_text`], a nested value as JSON.
fn cell_text(a: &dyn Array, r: usize, out: &mut String) -> Result<(), String> {
    match a.data_type() {
        DataType::Map(..) | DataType::Struct(_) | DataType::List(_) | DataType::LargeList(_) => {
            let v = json_value(a, r)?;
            out.push_str(&v.to_string());
            Ok(())
        }
        DataType::Dictionary(..) => {
            let dict = a.as_any_dictionary();
            let key = dict.normalized_keys().get(r).copied().unwrap_or(0);
            cell_text(dict.values().as_ref(), key, out)
        }
        _ => scalar_text(a, r, out),
    }
}

/// A nested cell as a JSON value: maps and structs as objects, lists as arrays, numbers as
/// numbers, everything else as strings.
fn json_value(a: &dyn Array, r: usize) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    if a.is_null(r) {
        return Ok(Value::Null);
    }
    Ok(match a.data_type() {
        DataType::Map(..) => {
            let map = a.as_map();
            let offsets = map.value_offsets();
            let (s, e) =
                (usize::try_from(offsets[r]).unwrap_or(0), usize::try_from(offsets[r + 1]).unwrap_or(0));
            let mut obj = serde_json::Map::new();
            for j in s..e {
                let mut key = String::new();
                cell_text(map.keys().as_ref(), j, &mut key)?;
                obj.insert(key, json_value(map.values().as_ref(), j)?);
            }
            Value::Object(obj)
        }
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let mut obj = serde_json::Map::new();
            for (f, c) in fields.iter().zip(s.columns()) {
                obj.insert(f.name().clone(), json_value(c.as_ref(), r)?);
            }
            Value::Object(obj)
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let v = l.value(r);
            Value::Array((0..v.len()).map(|j| json_value(v.as_ref(), j)).collect::<Result<_, _>>()?)
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let v = l.value(r);
            Value::Array((0..v.len()).map(|j| json_value(v.as_ref(), j)).collect::<Result<_, _>>()?)
        }
        DataType::Boolean => Value::Bool(a.as_boolean().value(r)),
        DataType::Dictionary(..) => {
            let dict = a.as_any_dictionary();
            let key = dict.normalized_keys().get(r).copied().unwrap_or(0);
            json_value(dict.values().as_ref(), key)?
        }
        t if t.is_numeric() => {
            let mut text = String::new();
            scalar_text(a, r, &mut text)?;
            // A number JSON can hold as written; else (a 30-digit decimal) its exact text.
            match serde_json::from_str::<serde_json::Number>(&text) {
                Ok(n) if n.to_string() == text => Value::Number(n),
                _ => Value::String(text),
            }
        }
        _ => {
            let mut text = String::new();
            cell_text(a, r, &mut text)?;
            Value::String(text)
        }
    })
}

/// A scalar cell as a CSV export would write it. Amounts exactly as the aggregating reader
/// reads them (`decode::decimals`), timestamps as `YYYY-MM-DDTHH:MM:SSZ` in UTC seconds
/// (`decode::timestamps` drops fractions of a second too).
fn scalar_text(a: &dyn Array, r: usize, out: &mut String) -> Result<(), String> {
    if let Some(s) = str_at(a, r) {
        out.push_str(s);
        return Ok(());
    }
    let w = |out: &mut String, v: &dyn std::fmt::Display| {
        let _ = write!(out, "{v}");
    };
    let secs = |out: &mut String, s: Option<i64>| -> Result<(), String> {
        use chrono::Datelike;
        let t = s
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .filter(|t| (0..=9999).contains(&t.year()))
            .ok_or_else(|| "a timestamp out of range".to_string())?;
        crate::costs::row::push_utc_seconds(out, &t);
        Ok(())
    };
    match a.data_type() {
        DataType::Boolean => w(out, &a.as_boolean().value(r)),
        DataType::Int8 => w(out, &a.as_primitive::<Int8Type>().value(r)),
        DataType::Int16 => w(out, &a.as_primitive::<Int16Type>().value(r)),
        DataType::Int32 => w(out, &a.as_primitive::<Int32Type>().value(r)),
        DataType::Int64 => w(out, &a.as_primitive::<Int64Type>().value(r)),
        DataType::UInt8 => w(out, &a.as_primitive::<UInt8Type>().value(r)),
        DataType::UInt16 => w(out, &a.as_primitive::<UInt16Type>().value(r)),
        DataType::UInt32 => w(out, &a.as_primitive::<UInt32Type>().value(r)),
        DataType::UInt64 => w(out, &a.as_primitive::<UInt64Type>().value(r)),
        DataType::Float64 => w(out, &decimal_from_f64(a.as_primitive::<Float64Type>().value(r))?),
        DataType::Float32 => {
            // Via its own shortest decimal, not the f64 widening (0.1f32 is 0.1), as
            // `decode::decimals` reads it.
            let f = a.as_primitive::<Float32Type>().value(r);
            w(out, &parse_decimal(&f.to_string())?);
        }
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().value(r);
            match u32::try_from(*scale).ok().filter(|s| *s <= 28) {
                Some(s) => w(
                    out,
                    &Decimal::try_from_i128_with_scale(v, s)
                        .map_err(|_| format!("decimal {v}e-{s} is out of range"))?,
                ),
                None => return Err("decimal scale outside 0..=28".to_string()),
            }
        }
        DataType::Timestamp(unit, _) => {
            let s = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(r),
                TimeUnit::Millisecond => {
                    a.as_primitive::<TimestampMillisecondType>().value(r).div_euclid(1_000)
                }
                TimeUnit::Microsecond => {
                    a.as_primitive::<TimestampMicrosecondType>().value(r).div_euclid(1_000_000)
                }
                TimeUnit::Nanosecond => {
                    a.as_primitive::<TimestampNanosecondType>().value(r).div_euclid(1_000_000_000)
                }
            };
            secs(out, Some(s))?;
        }
        DataType::Date32 => {
            let d = i64::from(a.as_primitive::<Date32Type>().value(r));
            let t = chrono::DateTime::from_timestamp(d.saturating_mul(86_400), 0)
                .ok_or_else(|| "a date out of range".to_string())?;
            let _ = write!(out, "{}", t.format("%Y-%m-%d"));
        }
        DataType::Date64 => secs(out, Some(a.as_primitive::<Date64Type>().value(r).div_euclid(1_000)))?,
        DataType::Binary => out.push_str(&String::from_utf8_lossy(a.as_binary::<i32>().value(r))),
        DataType::LargeBinary => out.push_str(&String::from_utf8_lossy(a.as_binary::<i64>().value(r))),
        DataType::Null => {}
        other => return Err(format!("a column of type {other}, which tally cannot read as text")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow_array::builder::{MapBuilder, StringBuilder};
    use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampMillisecondArray};

    #[test]
    fn cells_read_as_the_aggregating_reader_reads_them() {
        let mut tags = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        tags.keys().append_value("user_team");
        tags.values().append_value("web");
        tags.keys().append_value("user_env");
        tags.values().append_null();
        tags.append(true).unwrap();
        tags.append(false).unwrap();
        let batch = RecordBatch::try_from_iter([
            ("cost", Arc::new(Float64Array::from(vec![Some(0.1 + 0.2), None])) as ArrayRef),
            (
                "start",
                Arc::new(
                    TimestampMillisecondArray::from(vec![Some(1_727_740_800_500), Some(0)])
                        .with_timezone("UTC"),
                ) as ArrayRef,
            ),
            ("name", Arc::new(StringArray::from(vec![Some(" EC2 "), Some("NULL")])) as ArrayRef),
            ("tags", Arc::new(tags.finish()) as ArrayRef),
        ])
        .unwrap();
        let rows = Rows::new(batch);
        assert_eq!(rows.text(0, 0), "0.30000000000000004");
        assert_eq!(rows.text(0, 1), "");
        assert_eq!(rows.text(1, 0), "2024-10-01T00:00:00Z");
        assert_eq!(rows.text(2, 0), "EC2");
        assert_eq!(rows.text(2, 1), "");
        assert_eq!(rows.text(3, 0), r#"{"user_env":null,"user_team":"web"}"#);
        assert_eq!(rows.text(3, 1), "");
        let mut seen = Vec::new();
        rows.map_entries(3, 0, &mut |k, v| seen.push((k.to_string(), v.to_string()))).unwrap();
        assert_eq!(seen, [("user_team".to_string(), "web".to_string())]);
        assert_eq!(rows.map_get(3, 0, "user_team").unwrap().as_deref(), Some("web"));
        assert!(rows.take_error().is_none());
    }
}
