//! The weekly cost review (`tally report`): the canonical [`Report`] plus what a review needs
//! beyond it, as data: spend per day per owner, week-over-week movers (CST003), budget burn per
//! day. Serialized as the report's JSON with one more key, `review`, so every reader of the
//! report JSON still reads it. The HTML and Markdown renderers read only this.
//!
//! Nothing here computes: `audit::review` and `audit::movers` fill these structures.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Report;

/// A report with its review: `{ ...report, "review": {...} }` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewReport {
    #[serde(flatten)]
    pub report: Report,
    pub review: Review,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// How the period was asked for: `last-week`, `2026-11`, or `custom`.
    pub label: String,
    pub period_start: NaiveDate,
    /// Exclusive.
    pub period_end: NaiveDate,
    /// The currency of every amount below (the main currency of the period's cost lines).
    pub currency: String,
    pub owner_tag: String,
    /// One entry per day of the period, zeros included, from daily cost lines only. Empty when
    /// the data has no daily lines in the period (month-to-date aggregates).
    pub daily: Vec<DailySpend>,
    /// Spend in the period in lines longer than a day: part of the totals, not of `daily`.
    #[serde(with = "rust_decimal::serde::str")]
    pub not_daily: Decimal,
    /// Week-over-week movers ending at the period's end; absent when daily lines do not cover
    /// both weeks.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub movers: Option<Movers>,
    /// Cumulative spend per day of each budget computed from daily cost lines.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub burn: Vec<BudgetBurn>,
}

/// Spend of one day, split as the report's spend is: owners, untagged usage, untaggable charges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySpend {
    pub date: NaiveDate,
    /// Usage spend per owner tag value.
    pub by_owner: BTreeMap<String, Decimal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub untagged: Decimal,
    /// Tax, support, fees, credits...: spend that cannot carry tags.
    #[serde(with = "rust_decimal::serde::str")]
    pub untaggable: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
}

/// Two consecutive 7-day weeks compared, and what moved beyond both thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movers {
    pub previous_start: NaiveDate,
    pub last_start: NaiveDate,
    /// Exclusive end of the last week.
    pub last_end: NaiveDate,
    pub currency: String,
    /// A mover changed by at least this percentage of the week before...
    #[serde(with = "rust_decimal::serde::str")]
    pub min_change_pct: Decimal,
    /// ...and by at least this amount.
    #[serde(with = "rust_decimal::serde::str")]
    pub min_change: Decimal,
    /// Total spend of each week (daily lines, main currency).
    #[serde(with = "rust_decimal::serde::str")]
    pub previous_total: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub last_total: Decimal,
    /// Largest absolute change first.
    pub rows: Vec<Mover>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mover {
    /// The owner tag value; absent for untagged usage and for untaggable charges.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<String>,
    /// True for charges that cannot carry tags (tax, support, fees...).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub untaggable: bool,
    pub service: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub previous: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub last: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub delta: Decimal,
    /// Change in percent of the week before, 1 decimal; absent when that week had no spend.
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub change_pct: Option<Decimal>,
}

impl Mover {
    /// Who the spend belongs to, as people read it.
    pub fn who(&self) -> String {
        match (&self.owner, self.untaggable) {
            (Some(owner), _) => owner.clone(),
            (None, true) => "(untaggable)".to_string(),
            (None, false) => "(untagged)".to_string(),
        }
    }
}

/// A budget's spend per day of its period so far (cumulative), for the burn chart. The budget's
/// limit, pace and run-out day are in the report's `budgets`, under the same name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetBurn {
    pub name: String,
    pub days: Vec<BurnDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurnDay {
    pub date: NaiveDate,
    /// Spend from the start of the budget period through the end of this day.
    #[serde(with = "rust_decimal::serde::str")]
    pub cumulative: Decimal,
}
