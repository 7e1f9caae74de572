//! `tally report`: the weekly cost review. The same inputs and audit as `tally audit`, with the
//! money figures (spend, CST001/CST002, CST003) over the review period, plus the review's own
//! series (`audit::review`). Nothing here prints; `report::html` and `report::review_markdown`
//! render the result.

use std::path::PathBuf;

use chrono::{Duration, Months, NaiveDate};

use super::{load_audit, AppError, Sources};
use crate::audit::Focus;
use crate::error::InputError;
use crate::model::Period;
use crate::report::review::ReviewReport;

/// `tally report`.
#[derive(Debug, Clone, Default)]
pub struct ReviewRequest {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,
    pub period: ReviewPeriod,
    pub sources: Sources,
    /// `--history DIR|s3://bucket/prefix` (else tally.hcl's `history`): keep this week's
    /// report there (a directory) and show the trends of the reports kept.
    pub history: Option<String>,
    /// Weeks of trends [default: 12].
    pub history_weeks: Option<usize>,
    /// With an `s3://` history: the directory this week's report is written to, for the
    /// pipeline to upload (tally never writes to AWS).
    pub history_save: Option<PathBuf>,
    /// `--redact`: the report stored in the history is redacted too.
    pub redact: bool,
}

/// The period a review covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReviewPeriod {
    /// The 7 days before the data's date.
    #[default]
    LastWeek,
    /// A calendar month (its first day).
    Month(NaiveDate),
    /// From the first day to the last, both included.
    Days { from: NaiveDate, to: NaiveDate },
}

/// The review period `[start, end)` and its label, as of the data's date. Days on or after
/// `as_of` have no complete costs, so a period is cut there.
pub(crate) fn period(asked: ReviewPeriod, as_of: NaiveDate) -> Result<(Period, String), InputError> {
    let usage = |m: String| InputError::Usage(m);
    let (start, end, label) = match asked {
        ReviewPeriod::Month(first) => {
            let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
            (first, next.min(as_of), first.format("%Y-%m").to_string())
        }
        ReviewPeriod::Days { from, to } => {
            if from > to {
                return Err(usage(format!("--from {from} is after --to {to}")));
            }
            (from, (to + Duration::days(1)).min(as_of), "custom".to_string())
        }
        ReviewPeriod::LastWeek => (as_of - Duration::days(7), as_of, "last-week".to_string()),
    };
    if start >= end {
        return Err(usage(format!(
            "the period starting {start} has no complete day of data: the data describes the days before {as_of}"
        )));
    }
    Ok((Period { start, end }, label))
}

/// `tally report`: the audit over the review period, with the review's series.
pub fn report(request: &ReviewRequest) -> Result<ReviewReport, AppError> {
    let (mut loaded, mut resolved) = load_audit(request.dir.as_deref(), &request.sources)?;
    // A review is not a gate: unmatched exemptions belong to `audit`.
    resolved.policy.report_unmatched_exemptions = false;
    let Some(snapshot) = loaded.snapshot.clone() else {
        return Err(InputError::Usage(
            "a review needs spend data: give --snapshot FILE or --costs PATH, or drop --offline".into(),
        )
        .into());
    };
    let (window, label) = period(request.period, snapshot.as_of)?;
    loaded.window = Some(window);
    let (report, movers) = loaded.audit_with_movers("report", &resolved, Focus::Everything);
    let owner_tag = &resolved.policy.owner_tag;
    let review = crate::audit::review(&snapshot, owner_tag, window, &label, &report.budgets, movers);
    let mut result = ReviewReport { report, review };
    let history = match &request.history {
        Some(h) => Some(h.clone()),
        None => super::load_config(request.dir.as_deref().unwrap_or(std::path::Path::new(".")))?.history,
    };
    if let Some(location) = history {
        let location = super::history::location(&location)?;
        let opts = super::history::HistoryOptions {
            weeks: request.history_weeks.unwrap_or(super::history::DEFAULT_WEEKS),
            // Only weekly reviews are kept: a month or a custom range is not a week's point.
            store: request.period == ReviewPeriod::LastWeek,
            save_dir: request.history_save.clone(),
            redact: request.redact,
        };
        super::history::apply(&location, &opts, &request.sources.aws, &mut result)?;
    }
    Ok(result)
}
