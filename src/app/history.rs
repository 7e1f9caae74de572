//! `tally report --history DIR`: the weekly reviews kept in a directory, and the trends they
//! make. Each last-week review stores its canonical report (the `--format json` document,
//! without its own trends) as `tally-review-YYYY-Www.json`, named by the ISO week of the data's
//! `as_of`: running the same week again replaces that file with the same bytes, so storing is
//! idempotent. Then every report in the directory is read back, one point per week, for the
//! trends of the last N weeks.
//!
//! Reports are read as JSON values, field by field, not as today's types: a report written by
//! an older tally (another `version`, a plain `tally audit` report without `review`) still
//! gives what it has. A file that is not a report is named in a diagnostic and left out; it
//! never stops the review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::AppError;
use crate::audit::output::{History, TrendPoint};
use crate::error::InputError;
use crate::model::Diagnostic;
use crate::report::review::ReviewReport;

/// Weeks of trends when none is asked for.
pub const DEFAULT_WEEKS: usize = 12;

const PREFIX: &str = "tally-review-";

/// `2026-W47`: the ISO week of a day.
pub fn week_of(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Where a history lives. Only directories for now: an `s3://` URL is refused with a clear
/// error (storing there would need write access tally's read-only IAM policy does not grant).
pub(super) fn directory(location: &str) -> Result<PathBuf, AppError> {
    if location.contains("://") {
        return Err(InputError::Usage(format!(
            "--history {location}: only a directory is supported; an S3 history is not implemented yet"
        ))
        .into());
    }
    Ok(PathBuf::from(location))
}

/// Store this run's report (when `store`), read the directory, and put the trends of the last
/// `weeks` weeks into the review. Problems with other files become diagnostics of the report.
pub(super) fn apply(dir: &Path, weeks: usize, store: bool, r: &mut ReviewReport) -> Result<(), AppError> {
    let Some(as_of) = r.report.as_of else { return Ok(()) };
    std::fs::create_dir_all(dir).map_err(|e| InputError::io(dir, e))?;
    let this_week = week_of(as_of);
    if store {
        let path = dir.join(format!("{PREFIX}{this_week}.json"));
        let mut text = serde_json::to_string_pretty(r)
            .map_err(|e| InputError::Usage(format!("cannot serialize the report for the history: {e}")))?;
        text.push('\n');
        // Write beside and rename: a reader never sees half a report.
        let tmp = dir.join(format!(".{PREFIX}{this_week}.json.tmp{}", std::process::id()));
        std::fs::write(&tmp, text).map_err(|e| InputError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| InputError::io(&path, e))?;
    }
    let (mut points, diagnostics) = read(dir)?;
    // This run is this week's point, whether or not it was stored.
    points.insert(this_week.clone(), point(&serde_json::to_value(&r.report).unwrap_or(Value::Null), as_of));
    let points: Vec<TrendPoint> = points.into_values().filter(|p| p.as_of <= as_of).collect();
    let skip = points.len().saturating_sub(weeks.max(1));
    r.review.history = Some(History { weeks, points: points.into_iter().skip(skip).collect() });
    r.report.diagnostics.extend(diagnostics);
    r.report.finish();
    Ok(())
}

/// Every report of the directory, one per ISO week (the latest `as_of` of a week wins), and a
/// diagnostic per file that could not be read.
fn read(dir: &Path) -> Result<(BTreeMap<String, TrendPoint>, Vec<Diagnostic>), AppError> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".json") && !name.starts_with('.')
        })
        .collect();
    names.sort();
    let mut points: BTreeMap<String, TrendPoint> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for path in names {
        match read_one(&path) {
            Ok(p) => {
                let keep = points.get(&p.week).is_none_or(|old| old.as_of <= p.as_of);
                if keep {
                    points.insert(p.week.clone(), p);
                }
            }
            Err(message) => diagnostics.push(Diagnostic {
                source: "history".into(),
                location: Some(crate::model::SourceLocation::file(path.display().to_string())),
                account: None,
                region: None,
                message: format!("{}: {message}; left out of the trends", path.display()),
            }),
        }
    }
    Ok((points, diagnostics))
}

fn read_one(path: &Path) -> Result<TrendPoint, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("not a JSON report (line {}: {e})", e.line()))?;
    let as_of = value
        .get("as_of")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<NaiveDate>().ok())
        .ok_or("not a tally report: no `as_of` date")?;
    if value.get("summary").is_none_or(|s| !s.is_object()) {
        return Err("not a tally report: no `summary`".into());
    }
    Ok(point(&value, as_of))
}

fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// A report's figures, from whichever fields its version has.
fn point(report: &Value, as_of: NaiveDate) -> TrendPoint {
    let summary = &report["summary"];
    let spend = &summary["spend"];
    let amount = |v: &Value| decimal(v.get("amount"));
    let mut by_owner = BTreeMap::new();
    if let Some(owners) = spend["by_owner"].as_object() {
        for (owner, money) in owners {
            if let Some(a) = amount(money) {
                by_owner.insert(owner.clone(), a);
            }
        }
    }
    let untagged = amount(&spend["untagged"]);
    // Usage is owners plus untagged (the report's `usage()`): untaggable charges cannot be tagged.
    let usage =
        by_owner.values().chain(untagged.iter()).try_fold(Decimal::ZERO, |sum, a| sum.checked_add(*a));
    let untagged_pct = match (untagged, usage) {
        (Some(u), Some(total)) if !total.is_zero() => u
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|x| x.checked_div(total))
            .map(|p| p.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)),
        _ => None,
    };
    let mut findings_by_rule = BTreeMap::new();
    if let Some(rules) = summary["findings"]["by_rule"].as_object() {
        for (rule, n) in rules {
            if let Some(n) = n.as_u64().and_then(|n| usize::try_from(n).ok()) {
                findings_by_rule.insert(rule.clone(), n);
            }
        }
    }
    let mut budgets = BTreeMap::new();
    for b in report["budgets"].as_array().into_iter().flatten() {
        if let (Some(name), Some(state)) = (b["name"].as_str(), b["state"].as_str()) {
            budgets.insert(name.to_string(), state.to_string());
        }
    }
    TrendPoint {
        week: week_of(as_of),
        as_of,
        currency: spend["total"]["currency"].as_str().map(str::to_string),
        total: amount(&spend["total"]),
        by_owner,
        untagged,
        untagged_pct,
        unmanaged: amount(&spend["unmanaged"]),
        coverage_by_count_pct: decimal(summary["coverage"].get("by_count_pct")),
        coverage_by_cost_pct: decimal(summary["coverage"].get("by_cost_pct")),
        findings_by_rule,
        budgets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_iso_weeks() {
        assert_eq!(week_of("2026-11-18".parse().unwrap()), "2026-W47");
        assert_eq!(week_of("2027-01-01".parse().unwrap()), "2026-W53");
    }

    #[test]
    fn an_older_report_gives_what_it_has() {
        // Version 0 had no coverage by money and no budgets; numbers may be JSON numbers.
        let old = serde_json::json!({
            "version": 0, "as_of": "2026-10-21",
            "summary": {"findings": {"by_rule": {"TAG001": 4}},
                        "spend": {"total": {"amount": 100, "currency": "USD"},
                                  "by_owner": {"web": {"amount": "60", "currency": "USD"}},
                                  "untagged": {"amount": "20", "currency": "USD"}}}
        });
        let p = point(&old, "2026-10-21".parse().unwrap());
        assert_eq!(p.week, "2026-W43");
        assert_eq!(p.total, Some(Decimal::from(100)));
        assert_eq!(p.untagged_pct, Some("25.0".parse().unwrap()), "20 of 80 usage");
        assert_eq!(p.findings_by_rule["TAG001"], 4);
        assert_eq!((p.coverage_by_cost_pct, p.budgets.len()), (None, 0));
    }

    #[test]
    fn a_file_that_is_not_a_report_is_named_and_left_out() {
        let dir = std::env::temp_dir().join(format!("tally-history-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("tally-review-2026-W45.json"),
            "{\"as_of\": \"2026-11-04\", \"summary\": {}}",
        )
        .unwrap();
        std::fs::write(dir.join("tally-review-2026-W46.json"), "{\"as_of\": \"2026-11-1").unwrap();
        std::fs::write(dir.join("notes.txt"), "not json, not read").unwrap();
        let (points, diagnostics) = read(&dir).unwrap();
        assert_eq!(points.keys().collect::<Vec<_>>(), ["2026-W45"]);
        assert_eq!(diagnostics.len(), 1);
        assert!(
            diagnostics[0].message.contains("tally-review-2026-W46.json: not a JSON report"),
            "{:?}",
            diagnostics
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
