//! Render an [`Export`] as CSV or Parquet. Same columns, same order, same rows in both; bytes
//! depend only on the rows (no clock, no paths), so the same input gives the same file.
//!
//! Columns: FOCUS names where the column means what FOCUS says (`BillingPeriodStart`/`End`,
//! `ChargePeriodStart`, `ChargePeriodEnd`, `SubAccountId`, `ServiceName`, `ResourceId` with
//! `by_resource`, `ChargeCategory`, `BillingCurrency`, `BilledCost`, `EffectiveCost`, `Tags`),
//! then tally's `x_` columns (`x_ChargeKind`, `x_Owner`, `x_AllocationStatus`,
//! `x_AllocationMethod`, and with Terraform state `x_TerraformManaged`, `x_TerraformAddress`).
//! Timestamps are UTC; amounts are exact decimals (Parquet `decimal(38, s)`, `s` the largest
//! scale in the column).

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::stream::RowView;
use super::{Export, Row};
use crate::model::ChargeCategory;

/// Output formats of `tally export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    #[default]
    Csv,
    Parquet,
    /// A FOCUS dataset as CSV: one row per input line (`super::focus`).
    Focus,
    /// A FOCUS dataset as Parquet.
    FocusParquet,
}

/// FOCUS `ChargeCategory` of a tally category. Support and fees are purchases; refunds are
/// adjustments. `x_ChargeKind` keeps tally's finer category.
pub(crate) fn focus_category(c: ChargeCategory) -> &'static str {
    match c {
        ChargeCategory::Usage => "Usage",
        ChargeCategory::Purchase | ChargeCategory::Support | ChargeCategory::Fee => "Purchase",
        ChargeCategory::Tax => "Tax",
        ChargeCategory::Credit => "Credit",
        ChargeCategory::Refund => "Adjustment",
    }
}

fn next_month(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
}

fn timestamp(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

struct Columns {
    names: Vec<&'static str>,
}

fn columns(export: &Export) -> Columns {
    column_names(export.by_resource, export.with_terraform)
}

fn column_names(by_resource: bool, with_terraform: bool) -> Columns {
    let mut names = vec![
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "SubAccountId",
        "ServiceName",
    ];
    if by_resource {
        names.push("ResourceId");
    }
    names.extend([
        "ChargeCategory",
        "BillingCurrency",
        "BilledCost",
        "EffectiveCost",
        "Tags",
        "x_ChargeKind",
        "x_Owner",
        "x_AllocationStatus",
        "x_AllocationMethod",
    ]);
    if with_terraform {
        names.extend(["x_TerraformManaged", "x_TerraformAddress"]);
    }
    Columns { names }
}

/// Text of one cell; `None` is an empty CSV cell / a Parquet null.
fn cell(row: &Row, column: &str) -> Option<String> {
    let k = &row.key;
    Some(match column {
        "BillingPeriodStart" => timestamp(k.billing_period),
        "BillingPeriodEnd" => timestamp(next_month(k.billing_period)),
        "ChargePeriodStart" => timestamp(k.charge_start),
        "ChargePeriodEnd" => timestamp(k.charge_end),
        "SubAccountId" => k.account.clone(),
        "ServiceName" => k.service.clone(),
        "ResourceId" => return k.resource_id.clone(),
        "ChargeCategory" => focus_category(k.category).to_string(),
        "BillingCurrency" => k.currency.clone(),
        "BilledCost" => row.billed.to_string(),
        "EffectiveCost" => row.effective.to_string(),
        "Tags" => serde_json::to_string(&k.tags).unwrap_or_else(|_| "{}".to_string()),
        "x_ChargeKind" => ChargeCategory::as_str(k.category).to_string(),
        "x_Owner" => return k.owner.clone(),
        "x_AllocationStatus" => k.status.as_str().to_string(),
        "x_AllocationMethod" => return Some(k.method.as_str()).filter(|m| !m.is_empty()).map(str::to_string),
        "x_TerraformManaged" => return k.terraform_managed.map(|b| b.to_string()),
        "x_TerraformAddress" => return k.terraform_address.clone(),
        _ => return None,
    })
}

pub fn write_csv(export: &Export, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = CsvRows::new(export.month, export.by_resource, export.with_terraform, out)?;
    for row in &export.rows {
        w.row(row)?;
    }
    w.finish()
}

/// The CSV export written one row at a time: what [`write_csv`] writes for an [`Export`],
/// and what the streaming export (`super::stream`) writes without holding the rows.
pub(crate) struct CsvRows<'a> {
    w: csv::Writer<&'a mut dyn Write>,
    cols: Columns,
    fields: Vec<String>,
    /// Dates repeat on every row (the billing period) or take a month's few values (charge
    /// days): each is formatted once.
    days: std::collections::BTreeMap<NaiveDate, String>,
    /// `Tags` JSON by owner, for [`CsvRows::view`].
    tags: std::collections::HashMap<Box<str>, Box<str>>,
    /// An amount's text, reused.
    text: String,
}

/// Columns of an export without `ResourceId` and the Terraform columns: what a streamed
/// export (`super::stream`) writes.
const STREAMED_COLUMNS: usize = 15;

impl<'a> CsvRows<'a> {
    /// Write the header row.
    pub(crate) fn new(
        month: NaiveDate,
        by_resource: bool,
        with_terraform: bool,
        out: &'a mut dyn Write,
    ) -> std::io::Result<Self> {
        let cols = column_names(by_resource, with_terraform);
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
        w.write_record(&cols.names).map_err(io_error)?;
        let mut days = std::collections::BTreeMap::new();
        for d in [month, next_month(month)] {
            days.insert(d, timestamp(d));
        }
        Ok(CsvRows {
            w,
            fields: Vec::with_capacity(cols.names.len()),
            cols,
            days,
            tags: std::collections::HashMap::new(),
            text: String::new(),
        })
    }

    pub(crate) fn row(&mut self, row: &Row) -> std::io::Result<()> {
        let days = &mut self.days;
        let mut day = |d: NaiveDate| days.entry(d).or_insert_with(|| timestamp(d)).clone();
        self.fields.clear();
        for &c in &self.cols.names {
            self.fields.push(match c {
                "BillingPeriodStart" => day(row.key.billing_period),
                "BillingPeriodEnd" => day(next_month(row.key.billing_period)),
                "ChargePeriodStart" => day(row.key.charge_start),
                "ChargePeriodEnd" => day(row.key.charge_end),
                _ => cell(row, c).unwrap_or_default(),
            });
        }
        self.w.write_record(&self.fields).map_err(io_error)
    }

    /// A streamed row (`super::stream`), written from its borrowed text: the bytes [`CsvRows::row`]
    /// writes for [`RowView::to_row`], without its eight strings.
    pub(crate) fn view(&mut self, v: &RowView<'_>) -> std::io::Result<()> {
        if self.cols.names.len() != STREAMED_COLUMNS {
            return self.row(&v.to_row());
        }
        let CsvRows { w, days, tags, text, .. } = self;
        let mut day = |w: &mut csv::Writer<&mut dyn Write>, d: NaiveDate| {
            w.write_field(days.entry(d).or_insert_with(|| timestamp(d)).as_str())
        };
        day(w, v.billing_period).map_err(io_error)?;
        day(w, next_month(v.billing_period)).map_err(io_error)?;
        day(w, v.charge_start).map_err(io_error)?;
        day(w, v.charge_end).map_err(io_error)?;
        w.write_field(v.account).map_err(io_error)?;
        w.write_field(v.service).map_err(io_error)?;
        w.write_field(focus_category(v.category)).map_err(io_error)?;
        w.write_field(v.currency).map_err(io_error)?;
        for amount in [v.billed, v.effective] {
            text.clear();
            write!(text, "{amount}").map_err(std::io::Error::other)?;
            w.write_field(text.as_str()).map_err(io_error)?;
        }
        // The `Tags` JSON of an owner, made once per owner.
        let json = match v.owner {
            None => "{}",
            Some(o) => {
                if !tags.contains_key(o) {
                    let one: crate::model::Tags =
                        [(v.owner_tag.to_string(), o.to_string())].into_iter().collect();
                    let json = serde_json::to_string(&one).unwrap_or_else(|_| "{}".to_string());
                    tags.insert(o.into(), json.into());
                }
                tags.get(o).map_or("{}", |j| j)
            }
        };
        w.write_field(json).map_err(io_error)?;
        w.write_field(ChargeCategory::as_str(v.category)).map_err(io_error)?;
        w.write_field(v.owner.unwrap_or("")).map_err(io_error)?;
        w.write_field(v.status.as_str()).map_err(io_error)?;
        w.write_field(v.method().as_str()).map_err(io_error)?;
        w.write_record(None::<&[u8]>).map_err(io_error)
    }

    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// Keep the I/O error's kind (a closed pipe is not a failure for the caller).
fn io_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

pub fn write_parquet<W: Write + Send>(export: &Export, out: W) -> Result<(), String> {
    let cols = columns(export);
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for &name in &cols.names {
        let (field, array): (Field, ArrayRef) = match name {
            "BillingPeriodStart" | "BillingPeriodEnd" | "ChargePeriodStart" | "ChargePeriodEnd" => {
                let day = |r: &Row| match name {
                    "BillingPeriodStart" => r.key.billing_period,
                    "BillingPeriodEnd" => next_month(r.key.billing_period),
                    "ChargePeriodStart" => r.key.charge_start,
                    _ => r.key.charge_end,
                };
                // Milliseconds: Parquet has no seconds unit, and a seconds column is written as
                // a bare INT64 that readers do not see as a timestamp.
                let values = export
                    .rows
                    .iter()
                    .map(|r| day(r).and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()));
                let array = TimestampMillisecondArray::from_iter(values).with_timezone("UTC");
                (
                    Field::new(name, DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())), false),
                    Arc::new(array),
                )
            }
            "BilledCost" | "EffectiveCost" => {
                let amount = |r: &Row| if name == "BilledCost" { r.billed } else { r.effective };
                let scale = export.rows.iter().map(|r| amount(r).scale()).max().unwrap_or(2).max(2);
                let values = export.rows.iter().map(|r| {
                    let mut d: Decimal = amount(r);
                    d.rescale(scale);
                    Some(d.mantissa())
                });
                let scale_i8 = i8::try_from(scale).map_err(|_| format!("{name}: scale {scale} too large"))?;
                let array = Decimal128Array::from_iter(values)
                    .with_precision_and_scale(38, scale_i8)
                    .map_err(|e| format!("{name}: {e}"))?;
                (Field::new(name, DataType::Decimal128(38, scale_i8), false), Arc::new(array))
            }
            "x_TerraformManaged" => {
                let array = BooleanArray::from_iter(export.rows.iter().map(|r| r.key.terraform_managed));
                (Field::new(name, DataType::Boolean, true), Arc::new(array))
            }
            _ => {
                let array = StringArray::from_iter(export.rows.iter().map(|r| cell(r, name)));
                let nullable = array.null_count() > 0
                    || matches!(name, "ResourceId" | "x_Owner" | "x_AllocationMethod" | "x_TerraformAddress");
                (Field::new(name, DataType::Utf8, nullable), Arc::new(array))
            }
        };
        fields.push(field);
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        // No "created by" version string: the bytes depend on the rows only.
        .set_created_by("tally".to_string())
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(out, schema, Some(props)).map_err(|e| e.to_string())?;
    w.write(&batch).map_err(|e| e.to_string())?;
    w.close().map_err(|e| e.to_string())?;
    Ok(())
}
