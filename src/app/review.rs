//! `tally report`: the weekly cost review. The same inputs and audit as `tally audit`, with the
//! money figures (spend, CST001/CST002, CST003) over the review period, plus the review's own
//! series (`audit::review`). Nothing here prints; `report::html` and `report::review_markdown`
//! render the result.

use std::path::PathBuf;

use chrono::{Duration, Months, NaiveDate};
use clap::Args;

use super::{load_audit, AppError, SourceArgs};
use crate::error::InputError;
use crate::model::Period;
use crate::report::review::ReviewReport;

/// `tally report` flags.
#[derive(Debug, Clone, Args)]
pub struct ReviewArgs {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,

    /// The period to review: last-week (the 7 days before the data's date) or a month, YYYY-MM
    /// [default: last-week].
    #[arg(long, value_name = "last-week|YYYY-MM", value_parser = parse_period, conflicts_with_all = ["from", "to"], help_heading = "Period")]
    pub period: Option<PeriodArg>,

    /// First day of a custom period (with --to).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to", help_heading = "Period")]
    pub from: Option<NaiveDate>,

    /// Last day of a custom period, included (with --from).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from", help_heading = "Period")]
    pub to: Option<NaiveDate>,

    #[command(flatten, next_help_heading = "Inputs")]
    pub sources: SourceArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Html, help_heading = "Output")]
    pub format: ReviewFormat,

    /// Write the result to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// Formats of the review. (Plain comments on the variants, as for `report::Format`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    // One self-contained page: inline CSS and SVG charts, no scripts, no network.
    Html,
    // A short summary for chat or e-mail.
    Markdown,
    // The canonical report with its `review` section.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodArg {
    LastWeek,
    /// The first day of the month.
    Month(NaiveDate),
}

fn parse_period(s: &str) -> Result<PeriodArg, String> {
    if s == "last-week" {
        return Ok(PeriodArg::LastWeek);
    }
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .map(PeriodArg::Month)
        .map_err(|_| format!("\"{s}\" is neither last-week nor a month like 2026-11"))
}

/// The review period `[start, end)` and its label, as of the data's date. Days on or after
/// `as_of` have no complete costs, so a period is cut there.
pub(crate) fn period(args: &ReviewArgs, as_of: NaiveDate) -> Result<(Period, String), InputError> {
    let usage = |m: String| InputError::Usage(m);
    let (start, end, label) = match (args.period, args.from, args.to) {
        (Some(PeriodArg::Month(first)), _, _) => {
            let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
            (first, next.min(as_of), first.format("%Y-%m").to_string())
        }
        (_, Some(from), Some(to)) => {
            if from > to {
                return Err(usage(format!("--from {from} is after --to {to}")));
            }
            (from, (to + Duration::days(1)).min(as_of), "custom".to_string())
        }
        _ => (as_of - Duration::days(7), as_of, "last-week".to_string()),
    };
    if start >= end {
        return Err(usage(format!(
            "the period starting {start} has no complete day of data: the data describes the days before {as_of}"
        )));
    }
    Ok((Period { start, end }, label))
}

/// `tally report`: the audit over the review period, with the review's series.
pub fn report(args: &ReviewArgs) -> Result<ReviewReport, AppError> {
    let (mut loaded, mut resolved) = load_audit(args.dir.as_deref(), &args.sources)?;
    // A review is not a gate: unmatched exemptions belong to `audit`.
    resolved.policy.report_unmatched_exemptions = false;
    let Some(snapshot) = loaded.snapshot.clone() else {
        return Err(InputError::Usage(
            "a review needs spend data: give --snapshot FILE or --costs PATH, or drop --offline".into(),
        )
        .into());
    };
    let (window, label) = period(args, snapshot.as_of)?;
    loaded.window = Some(window);
    let outcome = loaded.finish("report", &resolved);
    let owner_tag = &resolved.policy.owner_tag;
    let movers =
        crate::audit::movers::movers(&snapshot.costs.lines, window.end, owner_tag, &resolved.policy.movers);
    let review = crate::audit::review(&snapshot, owner_tag, window, &label, &outcome.report.budgets, movers);
    Ok(ReviewReport { report: outcome.report, review })
}
