//! Render FOCUS rows as CSV or Parquet. Same columns, same order, same rows in both; bytes
//! depend only on the rows.
//!
//! CSV: a header of column ids, empty cells for nulls (the spec's null handling: a null is
//! no value, not the text `NULL`), date/times as `YYYY-MM-DDTHH:mm:ssZ`. Parquet: the spec's
//! types as Parquet types: date/times `TIMESTAMP(MILLIS, UTC)`, decimals `DECIMAL(38, s)` with
//! `s` the largest scale in the column (exact: no value is rounded; a value that does not fit
//! is an error), strings and JSON `UTF8`, `x_TerraformManaged` `BOOLEAN`; nullability as the
//! spec's "Allows nulls".

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

/// Parquet: rows are kept until [`ParquetSink::finish`] (a decimal column's scale is the
/// largest of its values, known only at the end).
pub struct ParquetSink {
    columns: Vec<OutColumn>,
    rows: Vec<Vec<Option<String>>>,
}

impl ParquetSink {
    pub fn new(columns: &[OutColumn]) -> Self {
        Self { columns: columns.to_vec(), rows: Vec::new() }
    }

    pub fn finish<W: Write + Send>(self, out: W) -> Result<(), String> {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (i, c) in self.columns.iter().enumerate() {
            let cells = self.rows.iter().map(|r| r.get(i).and_then(|v| v.as_deref()));
            let (ty, array): (DataType, ArrayRef) = match c.ty {
                Type::DateTime => {
                    let mut values = Vec::with_capacity(self.rows.len());
                    for v in cells {
                        let secs = v.map(parse_time).transpose().map_err(|m| format!("{}: {m}", c.name))?;
                        let millis = secs
                            .map(|s| {
                                s.checked_mul(1000)
                                    .ok_or_else(|| format!("{}: {s} s is out of range", c.name))
                            })
                            .transpose()?;
                        values.push(millis);
                    }
                    // Milliseconds: Parquet has no seconds unit (a seconds column is written as a
                    // bare INT64, which is what readers then see).
                    let array = TimestampMillisecondArray::from(values).with_timezone("UTC");
                    (DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), Arc::new(array))
                }
                Type::Decimal => {
                    let mut values = Vec::with_capacity(self.rows.len());
                    for v in cells {
                        values.push(v.map(parse_amount).transpose().map_err(|m| format!("{}: {m}", c.name))?);
                    }
                    let scale = values.iter().flatten().map(|d| d.scale()).max().unwrap_or(0);
                    let mut mantissas = Vec::with_capacity(values.len());
                    for d in values {
                        mantissas.push(match d {
                            Some(mut d) => {
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
                    let s =
                        i8::try_from(scale).map_err(|_| format!("{}: scale {scale} too large", c.name))?;
                    let array = Decimal128Array::from(mantissas)
                        .with_precision_and_scale(38, s)
                        .map_err(|e| format!("{}: {e}", c.name))?;
                    (DataType::Decimal128(38, s), Arc::new(array))
                }
                Type::Bool => {
                    let array: BooleanArray = cells.map(|v| v.map(|b| b == "true")).collect();
                    (DataType::Boolean, Arc::new(array))
                }
                Type::String | Type::Json => {
                    let array: StringArray = cells.collect();
                    (DataType::Utf8, Arc::new(array))
                }
            };
            if !c.nullable && array.null_count() > 0 {
                return Err(format!("{}: a null in a column FOCUS does not allow nulls in", c.name));
            }
            fields.push(Field::new(c.name, ty, c.nullable));
            arrays.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            // No version string: the bytes depend on the rows only.
            .set_created_by("tally".to_string())
            .build();
        let mut w =
            parquet::arrow::ArrowWriter::try_new(out, schema, Some(props)).map_err(|e| e.to_string())?;
        w.write(&batch).map_err(|e| e.to_string())?;
        w.close().map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl FocusSink for ParquetSink {
    fn row(&mut self, cells: Vec<Option<String>>) -> Result<(), String> {
        self.rows.push(cells);
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
        let mut s = ParquetSink::new(&cols());
        s.row(vec![Some("2024-09-01T00:00:00Z".into()), Some("0.00000080000".into()), Some("a".into())])
            .unwrap();
        s.row(vec![Some("2024-09-02T00:00:00Z".into()), Some("-12.5".into()), None]).unwrap();
        let path = std::env::temp_dir().join(format!("tally-focus-write-{}.parquet", std::process::id()));
        s.finish(std::fs::File::create(&path).unwrap()).unwrap();
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
