//! The weekly cost review (`tally report`): the canonical [`Report`] plus what a review needs
//! beyond it, as data: spend per day per owner, week-over-week movers (CST003), budget burn per
//! day. Serialized as the report's JSON with one more key, `review`, so every reader of the
//! report JSON still reads it. The HTML and Markdown renderers read only this.
//!
//! Nothing here computes: `audit::review` and `audit::movers` fill these structures.

use serde::{Deserialize, Serialize};

use super::Report;
pub use crate::audit::output::{BudgetBurn, BurnDay, DailySpend, History, Mover, Movers, Review, TrendPoint};

/// A report with its review: `{ ...report, "review": {...} }` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewReport {
    #[serde(flatten)]
    pub report: Report,
    pub review: Review,
}
