//! The FOCUS dataset of `tally export --format focus|focus-parquet`: one row per input cost
//! line, every column of FOCUS 1.0 or 1.2 that applies to the data, then tally's `x_` columns.
//!
//! Where the columns come from (`docs/focus.md` says it column by column):
//! - FOCUS input: carried as written (date/times rewritten to `YYYY-MM-DDTHH:mm:ssZ`, values in
//!   the wrong letter case of an allowed value corrected), so rows of other providers keep
//!   their provider ([`carry`]).
//! - Legacy CUR and CUR 2.0 input: derived following the FinOps Foundation's AWS mapping, with
//!   the amounts tally computes everywhere else ([`aws`]).
//!
//! The column model ([`COLUMNS`]) is the specification's: name, data type, whether nulls are
//! allowed, feature level and allowed values, from the FOCUS_Spec repository at tags `v1.0`
//! and `v1.2` (`specification/columns/*.md`). Every row is checked against it before it is
//! written ([`check_row`]); a line that cannot be made conformant is an error naming its file
//! and line, never a silently wrong row.
//!
//! Not here: reading files (`crate::costs::lines`), rendering ([`write`]), the run and its
//! reconciliation (`crate::app::focus`).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate};
use serde::Serialize;

use crate::costs::lines::{Line, LineFormat};
use crate::model::ChargeCategory;

pub mod aws;
pub mod carry;
pub mod write;

/// The FOCUS version of the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub enum FocusVersion {
    /// FOCUS 1.0 (June 2024): what the FinOps Foundation's `focus-validator` checks.
    #[serde(rename = "1.0")]
    V1_0,
    /// FOCUS 1.2 (May 2025).
    #[default]
    #[serde(rename = "1.2")]
    V1_2,
}

impl FocusVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            FocusVersion::V1_0 => "1.0",
            FocusVersion::V1_2 => "1.2",
        }
    }
}

/// A column's data type (the spec's "Data type").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Decimal,
    /// `YYYY-MM-DDTHH:mm:ssZ`, UTC.
    DateTime,
    /// A JSON object (Tags, SkuPriceDetails).
    Json,
    /// tally's own `x_TerraformManaged`.
    Bool,
}

/// The spec's "Feature level".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Mandatory,
    Conditional,
    Recommended,
}

/// When tally writes a column of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// Always (in every version that has it).
    Always,
    /// Only when a FOCUS input file has it: tally has nothing to derive it from.
    IfCarried,
}

/// One column of the specification.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    /// The spec's "Allows nulls".
    pub nullable: bool,
    pub level: Level,
    /// First version of the two tally writes that has the column.
    pub since: FocusVersion,
    pub emit: Emit,
    /// The spec's allowed values; empty when any value of the type is allowed.
    pub allowed: &'static [&'static str],
}

const CHARGE_CATEGORY: &[&str] = &["Usage", "Purchase", "Tax", "Credit", "Adjustment"];
const CHARGE_CLASS: &[&str] = &["Correction"];
const CHARGE_FREQUENCY: &[&str] = &["One-Time", "Recurring", "Usage-Based"];
const COMMITMENT_CATEGORY: &[&str] = &["Spend", "Usage"];
const COMMITMENT_STATUS: &[&str] = &["Used", "Unused"];
const CAPACITY_STATUS: &[&str] = &["Used", "Unused"];
const PRICING_CATEGORY: &[&str] = &["Standard", "Dynamic", "Committed", "Other"];
/// ServiceCategory (the same list in 1.0 and 1.2).
pub const SERVICE_CATEGORY: &[&str] = &[
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
];

/// ServiceSubcategory (1.2) with its one parent ServiceCategory.
pub const SERVICE_SUBCATEGORY: &[(&str, &str)] = &[
    ("AI and Machine Learning", "AI Platforms"),
    ("AI and Machine Learning", "Bots"),
    ("AI and Machine Learning", "Generative AI"),
    ("AI and Machine Learning", "Machine Learning"),
    ("AI and Machine Learning", "Natural Language Processing"),
    ("AI and Machine Learning", "Other (AI and Machine Learning)"),
    ("Analytics", "Analytics Platforms"),
    ("Analytics", "Business Intelligence"),
    ("Analytics", "Data Processing"),
    ("Analytics", "Search"),
    ("Analytics", "Streaming Analytics"),
    ("Analytics", "Other (Analytics)"),
    ("Business Applications", "Productivity and Collaboration"),
    ("Business Applications", "Other (Business Applications)"),
    ("Compute", "Containers"),
    ("Compute", "End User Computing"),
    ("Compute", "Quantum Compute"),
    ("Compute", "Serverless Compute"),
    ("Compute", "Virtual Machines"),
    ("Compute", "Other (Compute)"),
    ("Databases", "Caching"),
    ("Databases", "Data Warehouses"),
    ("Databases", "Ledger Databases"),
    ("Databases", "NoSQL Databases"),
    ("Databases", "Relational Databases"),
    ("Databases", "Time Series Databases"),
    ("Databases", "Other (Databases)"),
    ("Developer Tools", "Developer Platforms"),
    ("Developer Tools", "Continuous Integration and Deployment"),
    ("Developer Tools", "Development Environments"),
    ("Developer Tools", "Source Code Management"),
    ("Developer Tools", "Quality Assurance"),
    ("Developer Tools", "Other (Developer Tools)"),
    ("Identity", "Identity and Access Management"),
    ("Identity", "Other (Identity)"),
    ("Integration", "API Management"),
    ("Integration", "Messaging"),
    ("Integration", "Workflow Orchestration"),
    ("Integration", "Other (Integration)"),
    ("Internet of Things", "IoT Analytics"),
    ("Internet of Things", "IoT Platforms"),
    ("Internet of Things", "Other (Internet of Things)"),
    ("Management and Governance", "Architecture"),
    ("Management and Governance", "Compliance"),
    ("Management and Governance", "Cost Management"),
    ("Management and Governance", "Data Governance"),
    ("Management and Governance", "Disaster Recovery"),
    ("Management and Governance", "Endpoint Management"),
    ("Management and Governance", "Observability"),
    ("Management and Governance", "Support"),
    ("Management and Governance", "Other (Management and Governance)"),
    ("Media", "Content Creation"),
    ("Media", "Gaming"),
    ("Media", "Media Streaming"),
    ("Media", "Mixed Reality"),
    ("Media", "Other (Media)"),
    ("Migration", "Data Migration"),
    ("Migration", "Resource Migration"),
    ("Migration", "Other (Migration)"),
    ("Mobile", "Other (Mobile)"),
    ("Multicloud", "Multicloud Integration"),
    ("Multicloud", "Other (Multicloud)"),
    ("Networking", "Application Networking"),
    ("Networking", "Content Delivery"),
    ("Networking", "Network Connectivity"),
    ("Networking", "Network Infrastructure"),
    ("Networking", "Network Routing"),
    ("Networking", "Network Security"),
    ("Networking", "Other (Networking)"),
    ("Security", "Secret Management"),
    ("Security", "Security Posture Management"),
    ("Security", "Threat Detection and Response"),
    ("Security", "Other (Security)"),
    ("Storage", "Backup Storage"),
    ("Storage", "Block Storage"),
    ("Storage", "File Storage"),
    ("Storage", "Object Storage"),
    ("Storage", "Storage Platforms"),
    ("Storage", "Other (Storage)"),
    ("Web", "Application Platforms"),
    ("Web", "Other (Web)"),
    ("Other", "Other (Other)"),
];

const fn col(
    name: &'static str,
    ty: Type,
    nullable: bool,
    level: Level,
    since: FocusVersion,
    emit: Emit,
    allowed: &'static [&'static str],
) -> Column {
    Column { name, ty, nullable, level, since, emit, allowed }
}

use Emit::{Always as A, IfCarried as C};
use FocusVersion::{V1_0 as V10, V1_2 as V12};
use Level::{Conditional as Cond, Mandatory as Mand, Recommended as Rec};
use Type::{DateTime as Dt, Decimal as Dec, Json, String as Str};

/// Every column of FOCUS 1.0 and 1.2, in the spec's (alphabetical) order. Sources: FOCUS_Spec
/// `specification/columns/*.md` at tag `v1.2` (commit 7296e31) and `v1.0`; the table's
/// "Feature level", "Allows nulls", "Data type" and "Allowed values".
pub const COLUMNS: &[Column] = &[
    col("AvailabilityZone", Str, true, Rec, V10, A, &[]),
    col("BilledCost", Dec, false, Mand, V10, A, &[]),
    col("BillingAccountId", Str, false, Mand, V10, A, &[]),
    col("BillingAccountName", Str, true, Mand, V10, A, &[]),
    col("BillingAccountType", Str, false, Cond, V12, C, &[]),
    col("BillingCurrency", Str, false, Mand, V10, A, &[]),
    col("BillingPeriodEnd", Dt, false, Mand, V10, A, &[]),
    col("BillingPeriodStart", Dt, false, Mand, V10, A, &[]),
    col("CapacityReservationId", Str, true, Cond, V12, C, &[]),
    col("CapacityReservationStatus", Str, true, Cond, V12, C, CAPACITY_STATUS),
    col("ChargeCategory", Str, false, Mand, V10, A, CHARGE_CATEGORY),
    col("ChargeClass", Str, true, Mand, V10, A, CHARGE_CLASS),
    col("ChargeDescription", Str, true, Mand, V10, A, &[]),
    col("ChargeFrequency", Str, false, Rec, V10, A, CHARGE_FREQUENCY),
    col("ChargePeriodEnd", Dt, false, Mand, V10, A, &[]),
    col("ChargePeriodStart", Dt, false, Mand, V10, A, &[]),
    col("CommitmentDiscountCategory", Str, true, Cond, V10, A, COMMITMENT_CATEGORY),
    col("CommitmentDiscountId", Str, true, Cond, V10, A, &[]),
    col("CommitmentDiscountName", Str, true, Cond, V10, A, &[]),
    col("CommitmentDiscountQuantity", Dec, true, Cond, V12, C, &[]),
    col("CommitmentDiscountStatus", Str, true, Cond, V10, A, COMMITMENT_STATUS),
    col("CommitmentDiscountType", Str, true, Cond, V10, A, &[]),
    col("CommitmentDiscountUnit", Str, true, Cond, V12, C, &[]),
    col("ConsumedQuantity", Dec, true, Cond, V10, A, &[]),
    col("ConsumedUnit", Str, true, Cond, V10, A, &[]),
    col("ContractedCost", Dec, false, Mand, V10, A, &[]),
    col("ContractedUnitPrice", Dec, true, Cond, V10, A, &[]),
    col("EffectiveCost", Dec, false, Mand, V10, A, &[]),
    col("InvoiceId", Str, true, Rec, V12, A, &[]),
    col("InvoiceIssuerName", Str, false, Mand, V10, A, &[]),
    col("ListCost", Dec, false, Mand, V10, A, &[]),
    col("ListUnitPrice", Dec, true, Cond, V10, A, &[]),
    col("PricingCategory", Str, true, Cond, V10, A, PRICING_CATEGORY),
    col("PricingCurrency", Str, true, Cond, V12, C, &[]),
    col("PricingCurrencyContractedUnitPrice", Dec, true, Cond, V12, C, &[]),
    col("PricingCurrencyEffectiveCost", Dec, true, Cond, V12, C, &[]),
    col("PricingCurrencyListUnitPrice", Dec, true, Cond, V12, C, &[]),
    col("PricingQuantity", Dec, true, Mand, V10, A, &[]),
    col("PricingUnit", Str, true, Mand, V10, A, &[]),
    col("ProviderName", Str, false, Mand, V10, A, &[]),
    col("PublisherName", Str, false, Mand, V10, A, &[]),
    col("RegionId", Str, true, Cond, V10, A, &[]),
    col("RegionName", Str, true, Cond, V10, A, &[]),
    col("ResourceId", Str, true, Cond, V10, A, &[]),
    col("ResourceName", Str, true, Cond, V10, A, &[]),
    col("ResourceType", Str, true, Cond, V10, A, &[]),
    col("ServiceCategory", Str, false, Mand, V10, A, SERVICE_CATEGORY),
    col("ServiceName", Str, false, Mand, V10, A, &[]),
    col("ServiceSubcategory", Str, false, Rec, V12, A, &[]),
    col("SkuId", Str, true, Cond, V10, A, &[]),
    col("SkuMeter", Str, true, Cond, V12, C, &[]),
    col("SkuPriceDetails", Json, true, Cond, V12, C, &[]),
    col("SkuPriceId", Str, true, Cond, V10, A, &[]),
    col("SubAccountId", Str, true, Cond, V10, A, &[]),
    col("SubAccountName", Str, true, Cond, V10, A, &[]),
    col("SubAccountType", Str, true, Cond, V12, C, &[]),
    col("Tags", Json, true, Cond, V10, A, &[]),
];

/// A column of the spec by name.
pub fn spec_column(name: &str) -> Option<&'static Column> {
    // Looked up for every cell of every row. An export's column names are this table's own
    // `&'static str`s (see [`schema`]): found by address, with no string compared; tally's
    // `x_` columns are none of the spec's; any other name by a binary search of the sorted
    // table. Hashing the name, or comparing the names, was a tenth of the export.
    if let Some(c) = COLUMNS.iter().find(|c| std::ptr::eq(c.name, name)) {
        return Some(c);
    }
    if name.starts_with("x_") {
        return None;
    }
    COLUMNS.binary_search_by(|c| c.name.cmp(name)).ok().map(|i| &COLUMNS[i])
}

/// One column of an export: a spec column or one of tally's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutColumn {
    pub name: &'static str,
    pub ty: Type,
    pub nullable: bool,
}

/// tally's columns, after the spec's.
pub const X_OWNER: &str = "x_Owner";
pub const X_ALLOCATION_STATUS: &str = "x_AllocationStatus";
pub const X_CHARGE_KIND: &str = "x_ChargeKind";
pub const X_TERRAFORM_MANAGED: &str = "x_TerraformManaged";
pub const X_TERRAFORM_ADDRESS: &str = "x_TerraformAddress";

/// The columns of an export of `version`: every column of the version tally always writes,
/// those only FOCUS input has when an input file has them (`input_columns`), then the `x_`
/// columns.
pub fn schema(version: FocusVersion, input_columns: &BTreeSet<String>, terraform: bool) -> Vec<OutColumn> {
    let mut out: Vec<OutColumn> = COLUMNS
        .iter()
        .filter(|c| c.since <= version)
        .filter(|c| c.emit == Emit::Always || input_columns.contains(c.name))
        .map(|c| OutColumn { name: c.name, ty: c.ty, nullable: c.nullable })
        .collect();
    out.push(OutColumn { name: X_OWNER, ty: Type::String, nullable: true });
    out.push(OutColumn { name: X_ALLOCATION_STATUS, ty: Type::String, nullable: false });
    out.push(OutColumn { name: X_CHARGE_KIND, ty: Type::String, nullable: false });
    if terraform {
        out.push(OutColumn { name: X_TERRAFORM_MANAGED, ty: Type::Bool, nullable: true });
        out.push(OutColumn { name: X_TERRAFORM_ADDRESS, ty: Type::String, nullable: true });
    }
    out
}

/// A FOCUS date/time: `YYYY-MM-DDTHH:mm:ssZ`.
pub fn datetime(secs: i64) -> Result<String, String> {
    let t = DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("{secs}: a time out of range"))?;
    if !(0..=9999).contains(&t.year()) {
        return Err(format!("{secs}: a time outside the years 0000 to 9999"));
    }
    let mut out = String::with_capacity(20);
    crate::costs::push_utc_seconds(&mut out, &t);
    Ok(out)
}

/// Whether `v` is a FOCUS date/time, `YYYY-MM-DDTHH:mm:ssZ`, of a real day and time.
pub fn is_datetime(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return false;
    }
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    i32::try_from(y).ok().and_then(|y| NaiveDate::from_ymd_opt(y, mo, d)).is_some()
        && h < 24
        && mi < 60
        && s < 60
}

/// The first instant of the month of `secs` and of the month after, as FOCUS date/times (the
/// billing period of a file that does not say it).
pub fn month_bounds(secs: i64) -> Result<(String, String), String> {
    let day =
        DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("{secs}: a time out of range"))?.date_naive();
    let first = day.with_day(1).unwrap_or(day);
    let next =
        first.checked_add_months(chrono::Months::new(1)).ok_or_else(|| format!("{day}: out of range"))?;
    let at = |d: NaiveDate| datetime(d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()));
    Ok((at(first)?, at(next)?))
}

/// FOCUS `ChargeCategory` of a tally category: support and fees are purchases, refunds
/// adjustments (as the aggregated export says it).
pub fn charge_category(c: ChargeCategory) -> &'static str {
    super::write::focus_category(c)
}

/// The spec columns of one line, by the line's format; tally's columns are added by the
/// caller. `Err` names what is wrong; the caller adds file and line.
pub fn spec_cells(
    line: &Line<'_>,
    version: FocusVersion,
    columns: &[OutColumn],
    fixes: &mut carry::Fixes,
) -> Result<Vec<Option<String>>, String> {
    match line.format {
        LineFormat::Focus => carry::cells(line, version, columns, fixes),
        LineFormat::Cur | LineFormat::Cur2 => aws::cells(line, version, columns),
    }
}

/// Check one row against the spec: nulls where the spec allows none, values outside the
/// allowed ones, types (decimals parse, date/times are `YYYY-MM-DDTHH:mm:ssZ`, JSON is an
/// object), ServiceSubcategory under its ServiceCategory. The first problem, named.
pub fn check_row(columns: &[OutColumn], cells: &[Option<String>]) -> Result<(), String> {
    let get = |name: &str| columns.iter().position(|c| c.name == name).and_then(|i| cells[i].as_deref());
    for (c, v) in columns.iter().zip(cells) {
        let Some(spec) = spec_column(c.name) else { continue };
        let Some(v) = v.as_deref() else {
            if !spec.nullable {
                return Err(format!("{}: empty, and FOCUS allows no null there", c.name));
            }
            continue;
        };
        if !spec.allowed.is_empty() && !spec.allowed.contains(&v) {
            return Err(format!("{}: \"{v}\" is not one of {}", c.name, spec.allowed.join(", ")));
        }
        match spec.ty {
            Type::Decimal => {
                crate::costs::lines::parse_amount(v).map_err(|m| format!("{}: {m}", c.name))?;
            }
            Type::DateTime => {
                if !is_datetime(v) {
                    return Err(format!("{}: \"{v}\" is not a date/time like 2024-09-01T00:00:00Z", c.name));
                }
            }
            Type::Json => match serde_json::from_str::<serde_json::Value>(v) {
                Ok(serde_json::Value::Object(_)) => {}
                _ => return Err(format!("{}: not a JSON object", c.name)),
            },
            Type::String | Type::Bool => {}
        }
    }
    if let (Some(cat), Some(sub)) = (get("ServiceCategory"), get("ServiceSubcategory")) {
        if !SERVICE_SUBCATEGORY.contains(&(cat, sub)) {
            return Err(format!("ServiceSubcategory: \"{sub}\" is not a subcategory of \"{cat}\""));
        }
    }
    Ok(())
}

/// The subcategory a line gets when nothing finer is known: the category's "Other (...)".
pub fn other_subcategory(category: &str) -> &'static str {
    SERVICE_SUBCATEGORY
        .iter()
        .find(|(c, s)| *c == category && s.starts_with("Other ("))
        .map_or("Other (Other)", |(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_have_the_21_mandatory_columns() {
        let mandatory = |v: FocusVersion| -> Vec<&str> {
            COLUMNS.iter().filter(|c| c.since <= v && c.level == Level::Mandatory).map(|c| c.name).collect()
        };
        assert_eq!(mandatory(FocusVersion::V1_0).len(), 21);
        assert_eq!(mandatory(FocusVersion::V1_0), mandatory(FocusVersion::V1_2));
        let names = schema(FocusVersion::V1_2, &BTreeSet::new(), false);
        for m in mandatory(FocusVersion::V1_2) {
            assert!(names.iter().any(|c| c.name == m), "{m}");
        }
        // Sorted as the spec lists them; x_ columns after.
        let spec: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        let mut sorted = spec.clone();
        sorted.sort_unstable();
        assert_eq!(spec, sorted);
    }

    #[test]
    fn every_subcategory_has_an_allowed_parent_and_every_category_an_other() {
        for (cat, _) in SERVICE_SUBCATEGORY {
            assert!(SERVICE_CATEGORY.contains(cat), "{cat}");
        }
        for cat in SERVICE_CATEGORY {
            assert!(other_subcategory(cat).starts_with("Other ("), "{cat}");
            assert!(SERVICE_SUBCATEGORY.contains(&(cat, other_subcategory(cat))), "{cat}");
        }
    }

    #[test]
    fn rows_are_checked_against_the_spec() {
        let cols = vec![
            OutColumn { name: "ChargeCategory", ty: Type::String, nullable: false },
            OutColumn { name: "BilledCost", ty: Type::Decimal, nullable: false },
            OutColumn { name: "ChargePeriodStart", ty: Type::DateTime, nullable: false },
        ];
        let row = |a: &str, b: Option<&str>, c: &str| {
            vec![Some(a.to_string()), b.map(str::to_string), Some(c.to_string())]
        };
        assert!(check_row(&cols, &row("Usage", Some("1.5"), "2024-09-01T00:00:00Z")).is_ok());
        assert!(check_row(&cols, &row("usage", Some("1.5"), "2024-09-01T00:00:00Z"))
            .unwrap_err()
            .contains("not one of"));
        assert!(check_row(&cols, &row("Usage", None, "2024-09-01T00:00:00Z"))
            .unwrap_err()
            .contains("no null"));
        assert!(check_row(&cols, &row("Usage", Some("x"), "2024-09-01T00:00:00Z")).is_err());
        assert!(check_row(&cols, &row("Usage", Some("1"), "2024-09-01 00:00:00")).is_err());
        // By address or by text, the same column.
        let text = String::from("BilledCost");
        assert!(std::ptr::eq(spec_column(&text).unwrap(), spec_column("BilledCost").unwrap()));
        assert!(spec_column("x_Owner").is_none() && spec_column("Nope").is_none());
        assert_eq!(datetime(1_725_148_800).unwrap(), "2024-09-01T00:00:00Z");
        assert_eq!(datetime(1_725_148_800 + 86_399).unwrap(), "2024-09-01T23:59:59Z");
        assert_eq!(datetime(-1).unwrap(), "1969-12-31T23:59:59Z");
        for ok in ["2024-09-01T00:00:00Z", "2024-02-29T23:59:59Z"] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-09-01T24:00:00Z",
            "2024-09-01 00:00:00Z",
            "2024-09-01T00:00:00",
            "+024-09-01T00:00:00Z",
        ] {
            assert!(!is_datetime(bad), "{bad}");
        }
        assert_eq!(
            month_bounds(1_726_000_000).unwrap(),
            ("2024-09-01T00:00:00Z".to_string(), "2024-10-01T00:00:00Z".to_string())
        );
    }
}
