//! Render FOCUS rows as CSV or Parquet. Same columns, same order, same rows in both; bytes
//! depend only on the rows.
//!
//! CSV: a header of column ids, empty cells for nulls (the spec's null handling: a null is
//! no value, not the text `NULL`), date/times as `YYYY-MM-DDTHH:mm:ssZ`. Parquet: the spec's
//! types as Parquet types: date/times `TIMESTAMP(MILLIS, UTC)`, decimals `DECIMAL(38, s)` with
//! `s` the largest scale in the column (exact: no value is rounded; a value that does not fit
//! is an error), strings and JSON `UTF8`, `x_TerraformManaged` `BOOLEAN`; nullability as the
//! spec's "Allows nulls". Both stream: memory does not grow with the number of rows.

use std::io::Write;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

use super::{OutColumn, Type};
use crate::costs::lines::{parse_amount, parse_time};

/// Where rows go, one at a time.
pub trait FocusSink {
    fn row(&mut self, cells: Vec<Option<String>>) -> Result<(), String>;
}

/// CSV, written as rows come.
pub struct CsvSink<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvSink<W> {
    pub fn new(columns: &[OutColumn], out: W) -> Result<Self, String> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        w.write_record(columns.iter().map(|c| c.name)).map_err(|e| e.to_string())?;
        Ok(Self { w })
    }

    pub fn finish(mut self) -> Result<(), String> {
        self.w.flush().map_err(|e| e.to_string())
    }
}

impl<W: Write> FocusSink for CsvSink<W> {
    fn row(&mut self, cells: Vec<Option<String>>) -> Result<(), String> {
        self.w.write_record(cells.iter().map(|c| c.as_deref().unwrap_or(""))).map_err(|e| e.to_string())
    }
}

/// Parquet, streaming: a decimal column's scale is the largest of its values, known only at
/// the end, so rows are spooled to an anonymous temporary file (length-prefixed cells, nulls
/// kept apart from empty text) and read back in batches of [`PARQUET_BATCH_ROWS`] by
/// [`ParquetSink::finish`]. Memory stays a batch and a row group whatever the row count.
pub struct ParquetSink {
    columns: Vec<OutColumn>,
    spool: std::io::BufWriter<std::fs::File>,
    rows: u64,
    /// Per column: the largest decimal scale seen (decimal columns only).
    scales: Vec<u32>,
}

/// Rows per record batch of the Parquet output: a batch is held as strings, then as arrays.
const PARQUET_BATCH_ROWS: usize = 32 * 1024;

/// Rows per row group. Bounded so the writer's buffers stay small (a row group is held encoded
/// until it is complete); readers read a 128k-row group as fast as a 1M one.
const PARQUET_ROW_GROUP_ROWS: usize = 128 * 1024;

/// A null cell in the spool (a real cell's length is below it: cells come from `String`s
/// that are bounded by the input's line size).
const NULL_CELL: u32 = u32::MAX;

impl ParquetSink {
    pub fn new(columns: &[OutColumn]) -> Result<Self, String> {
        let file = tempfile::tempfile().map_err(|e| format!("a temporary file for the Parquet rows: {e}"))?;
        Ok(Self {
            columns: columns.to_vec(),
            spool: std::io::BufWriter::with_capacity(1 << 20, file),
            rows: 0,
            scales: vec![0; columns.len()],
        })
    }

    /// Write the Parquet file to `out`.
    pub fn finish(self, out: &mut dyn Write) -> Result<(), String> {
        use std::io::{Read, Seek};
        let io = |e: std::io::Error| format!("the temporary file of the Parquet rows: {e}");
        let mut spool = self.spool.into_inner().map_err(|e| io(e.into_error()))?;
        spool.rewind().map_err(io)?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, spool);
        let mut fields = Vec::with_capacity(self.columns.len());
        for (c, scale) in self.columns.iter().zip(&self.scales) {
            fields.push(Field::new(c.name, data_type(c.ty, *scale)?, c.nullable));
        }
        let schema = Arc::new(Schema::new(fields));
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(PARQUET_ROW_GROUP_ROWS))
            // No version string: the bytes depend on the rows only.
            .set_created_by("tally".to_string())
            .build();
        // The writer wants a `Send` sink: an anonymous file, copied to `out` at the end.
        let file =
            tempfile::tempfile().map_err(|e| format!("a temporary file for the Parquet output: {e}"))?;
        let mut w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| e.to_string())?;
        let mut left = self.rows;
        let mut batch: Vec<Vec<Option<String>>> = Vec::new();
        let mut len = [0u8; 4];
        while left > 0 {
            batch.clear();
            let n = usize::try_from(left).unwrap_or(usize::MAX).min(PARQUET_BATCH_ROWS);
            for _ in 0..n {
                let mut row = Vec::with_capacity(self.columns.len());
                for _ in &self.columns {
                    reader.read_exact(&mut len).map_err(io)?;
                    let l = u32::from_le_bytes(len);
                    if l == NULL_CELL {
                        row.push(None);
                        continue;
                    }
                    let mut bytes = vec![0u8; usize::try_from(l).map_err(|e| e.to_string())?];
                    reader.read_exact(&mut bytes).map_err(io)?;
                    row.push(Some(String::from_utf8(bytes).map_err(|e| e.to_string())?));
                }
                batch.push(row);
            }
            left -= n as u64;
            let arrays = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    column(c, self.scales[i], batch.iter().map(|r| r.get(i).and_then(|v| v.as_deref())))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let rb = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
            w.write(&rb).map_err(|e| e.to_string())?;
        }
        if self.rows == 0 {
            // No rows: still a file with the schema.
            let arrays = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| column(c, self.scales[i], std::iter::empty()))
                .collect::<Result<Vec<_>, _>>()?;
            let rb = RecordBatch::try_new(schema, arrays).map_err(|e| e.to_string())?;
            w.write(&rb).map_err(|e| e.to_string())?;
        }
        let mut file = w.into_inner().map_err(|e| e.to_string())?;
        file.rewind().map_err(io)?;
        std::io::copy(&mut file, out).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// The Parquet (Arrow) type of a column of `ty`; decimals at `scale`.
fn data_type(ty: Type, scale: u32) -> Result<DataType, String> {
    Ok(match ty {
        // Milliseconds: Parquet has no seconds unit (a seconds column is written as a bare
        // INT64, which is what readers then see).
        Type::DateTime => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        Type::Decimal => {
            DataType::Decimal128(38, i8::try_from(scale).map_err(|_| format!("scale {scale} too large"))?)
        }
        Type::Bool => DataType::Boolean,
        Type::String | Type::Json => DataType::Utf8,
    })
}

/// One column of a batch.
fn column<'a>(
    c: &OutColumn,
    scale: u32,
    cells: impl Iterator<Item = Option<&'a str>>,
) -> Result<ArrayRef, String> {
    let array: ArrayRef = match c.ty {
        Type::DateTime => {
            let mut values = Vec::new();
            for v in cells {
                let secs = v.map(parse_time).transpose().map_err(|m| format!("{}: {m}", c.name))?;
                let millis = secs
                    .map(|s| s.checked_mul(1000).ok_or_else(|| format!("{}: {s} s is out of range", c.name)))
                    .transpose()?;
                values.push(millis);
            }
            Arc::new(TimestampMillisecondArray::from(values).with_timezone("UTC"))
        }
        Type::Decimal => {
            let mut mantissas = Vec::new();
            for v in cells {
                mantissas.push(match v {
                    Some(v) => {
                        let mut d = parse_amount(v).map_err(|m| format!("{}: {m}", c.name))?;
                        d.rescale(scale);
                        // A rescale that cannot keep every digit changes the scale instead.
                        if d.scale() != scale {
                            return Err(format!("{}: {d} does not fit DECIMAL(38, {scale})", c.name));
                        }
                        Some(d.mantissa())
                    }
                    None => None,
                });
            }
            let s = i8::try_from(scale).map_err(|_| format!("{}: scale {scale} too large", c.name))?;
            Arc::new(
                Decimal128Array::from(mantissas)
                    .with_precision_and_scale(38, s)
                    .map_err(|e| format!("{}: {e}", c.name))?,
            )
        }
        Type::Bool => Arc::new(cells.map(|v| v.map(|b| b == "true")).collect::<BooleanArray>()),
        Type::String | Type::Json => Arc::new(cells.collect::<StringArray>()),
    };
    if !c.nullable && array.null_count() > 0 {
        return Err(format!("{}: a null in a column FOCUS does not allow nulls in", c.name));
    }
    Ok(array)
}

impl FocusSink for ParquetSink {
    fn row(&mut self, cells: Vec<Option<String>>) -> Result<(), String> {
        if cells.len() != self.columns.len() {
            return Err(format!(
                "internal error: a row of {} cells for {} columns",
                cells.len(),
                self.columns.len()
            ));
        }
        for (i, (cell, c)) in cells.iter().zip(&self.columns).enumerate() {
            let Some(v) = cell else {
                self.spool.write_all(&NULL_CELL.to_le_bytes()).map_err(|e| e.to_string())?;
                continue;
            };
            if c.ty == Type::Decimal {
                let d = parse_amount(v).map_err(|m| format!("{}: {m}", c.name))?;
                self.scales[i] = self.scales[i].max(d.scale());
            }
            let len = u32::try_from(v.len())
                .ok()
                .filter(|l| *l != NULL_CELL)
                .ok_or_else(|| format!("{}: a cell of {} bytes", c.name, v.len()))?;
            self.spool.write_all(&len.to_le_bytes()).map_err(|e| e.to_string())?;
            self.spool.write_all(v.as_bytes()).map_err(|e| e.to_string())?;
        }
        self.rows = self.rows.saturating_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn cols() -> Vec<OutColumn> {
        vec![
            OutColumn { name: "ChargePeriodStart", ty: Type::DateTime, nullable: false },
            OutColumn { name: "BilledCost", ty: Type::Decimal, nullable: false },
            OutColumn { name: "x_Owner", ty: Type::String, nullable: true },
        ]
    }

    #[test]
    fn csv_writes_nulls_as_empty_cells() {
        let mut buf = Vec::new();
        let mut s = CsvSink::new(&cols(), &mut buf).unwrap();
        s.row(vec![Some("2024-09-01T00:00:00Z".into()), Some("0.5".into()), None]).unwrap();
        s.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "ChargePeriodStart,BilledCost,x_Owner\n2024-09-01T00:00:00Z,0.5,\n"
        );
    }

    #[test]
    fn parquet_has_typed_timestamps_and_exact_decimals() {
        let mut s = ParquetSink::new(&cols()).unwrap();
        s.row(vec![Some("2024-09-01T00:00:00Z".into()), Some("0.00000080000".into()), Some("a".into())])
            .unwrap();
        s.row(vec![Some("2024-09-02T00:00:00Z".into()), Some("-12.5".into()), None]).unwrap();
        let path = std::env::temp_dir().join(format!("tally-focus-write-{}.parquet", std::process::id()));
        s.finish(&mut std::fs::File::create(&path).unwrap()).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&path).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        let batch = reader.into_iter().next().unwrap().unwrap();
        assert_eq!(
            batch.schema().field(0).data_type(),
            &DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
        );
        assert_eq!(batch.schema().field(1).data_type(), &DataType::Decimal128(38, 11));
        let d = batch.column(1).as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!(d.value_as_string(0), "0.00000080000");
        assert_eq!(d.value_as_string(1), "-12.50000000000");
        assert!(!batch.schema().field(1).is_nullable());
        assert_eq!(batch.column(2).null_count(), 1);
    }
}
