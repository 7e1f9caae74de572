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
use crate::app::AwsOptions;
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

/// Where a history lives: a directory, or an S3 prefix. An S3 history is read, never written:
/// tally never writes to AWS (its IAM policy is read-only), so this week's report is written to
/// a local directory (`--history-save`) for the pipeline to upload with its own credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Location {
    Dir(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Dir(d) => write!(f, "{}", d.display()),
            Location::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// `DIR` or `s3://bucket[/prefix]` (the prefix is a folder: a missing final `/` is added).
pub(super) fn location(text: &str) -> Result<Location, AppError> {
    if let Some(rest) = text.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(InputError::Usage(format!("--history {text}: expected s3://bucket/prefix")).into());
        }
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_string()
        } else {
            format!("{prefix}/")
        };
        return Ok(Location::S3 { bucket: bucket.to_string(), prefix });
    }
    if text.contains("://") {
        return Err(InputError::Usage(format!(
            "--history {text}: a history is a directory or s3://bucket/prefix"
        ))
        .into());
    }
    Ok(Location::Dir(PathBuf::from(text)))
}

/// How a review uses its history.
#[derive(Debug, Clone, Default)]
pub(super) struct HistoryOptions {
    /// Weeks of trends.
    pub weeks: usize,
    /// Store this run's report (weekly reviews only).
    pub store: bool,
    /// Where to store it when the history is in S3.
    pub save_dir: Option<PathBuf>,
    /// Store it redacted (`--redact`): a history is kept and shared longer than one page.
    pub redact: bool,
}

/// Store this run's report (when asked), read the history, and put the trends of the last
/// `weeks` weeks into the review. Problems with other files become diagnostics of the report.
pub(super) fn apply(
    location: &Location,
    opts: &HistoryOptions,
    aws: &AwsOptions,
    r: &mut ReviewReport,
) -> Result<(), AppError> {
    let Some(as_of) = r.report.as_of else { return Ok(()) };
    let this_week = week_of(as_of);
    let file_name = format!("{PREFIX}{this_week}.json");
    let store_dir = match location {
        Location::Dir(dir) => Some(dir.as_path()),
        Location::S3 { .. } => opts.save_dir.as_deref(),
    };
    if opts.store {
        match store_dir {
            Some(dir) => store(dir, &file_name, r, opts.redact)?,
            None => tracing::warn!(
                "--history {location}: this week's report was not stored (tally never writes to AWS): \
                 give --history-save DIR and upload DIR/{file_name} to the prefix"
            ),
        }
    }
    let (mut points, diagnostics) = match location {
        Location::Dir(dir) => read(dir)?,
        Location::S3 { bucket, prefix } => read_s3(bucket, prefix, aws)?,
    };
    // This run is this week's point, whether or not it was stored.
    points.insert(this_week.clone(), point(&serde_json::to_value(&r.report).unwrap_or(Value::Null), as_of));
    let points: Vec<TrendPoint> = points.into_values().filter(|p| p.as_of <= as_of).collect();
    let skip = points.len().saturating_sub(opts.weeks.max(1));
    r.review.history = Some(History { weeks: opts.weeks, points: points.into_iter().skip(skip).collect() });
    r.report.diagnostics.extend(diagnostics);
    r.report.finish();
    Ok(())
}

/// Write the report as `dir/name`, atomically (beside and rename: a reader never sees half a
/// report), redacted when asked.
fn store(dir: &Path, name: &str, r: &ReviewReport, redact: bool) -> Result<(), AppError> {
    std::fs::create_dir_all(dir).map_err(|e| InputError::io(dir, e))?;
    let redacted;
    let r = if redact {
        let mut copy = r.clone();
        copy.redact();
        redacted = copy;
        &redacted
    } else {
        r
    };
    let mut text = serde_json::to_string_pretty(r)
        .map_err(|e| InputError::Usage(format!("cannot serialize the report for the history: {e}")))?;
    text.push('\n');
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| InputError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| InputError::io(&path, e))?;
    Ok(())
}

type Points = BTreeMap<String, TrendPoint>;

/// One report per ISO week: the latest `as_of` of a week wins.
fn keep(points: &mut Points, p: TrendPoint) {
    if points.get(&p.week).is_none_or(|old| old.as_of <= p.as_of) {
        points.insert(p.week.clone(), p);
    }
}

fn left_out(name: &str, location: crate::model::SourceLocation, message: &str) -> Diagnostic {
    Diagnostic {
        source: "history".into(),
        location: Some(location),
        account: None,
        region: None,
        message: format!("{name}: {message}; left out of the trends"),
    }
}

/// Every report of the directory, and a diagnostic per file that could not be read.
fn read(dir: &Path) -> Result<(Points, Vec<Diagnostic>), AppError> {
    std::fs::create_dir_all(dir).map_err(|e| InputError::io(dir, e))?;
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_report_name(p.file_name().and_then(|n| n.to_str()).unwrap_or("")))
        .collect();
    names.sort();
    let mut points = Points::new();
    let mut diagnostics = Vec::new();
    for path in names {
        let read = crate::source::read_regular_to_string(&path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| parse_report(&text));
        match read {
            Ok(p) => keep(&mut points, p),
            Err(message) => {
                let name = path.display().to_string();
                diagnostics.push(left_out(&name, crate::model::SourceLocation::file(name.clone()), &message));
            }
        }
    }
    Ok((points, diagnostics))
}

/// Files a history holds: JSON, not hidden (the `.tmp` of a store in progress is hidden).
fn is_report_name(name: &str) -> bool {
    name.ends_with(".json") && !name.starts_with('.')
}

/// Every report directly below an S3 prefix (`ListObjectsV2`, `GetObject`). A prefix that
/// cannot be listed is one diagnostic (the trends are then this run only), an object that
/// cannot be read or parsed another: a history never stops the review.
fn read_s3(bucket: &str, prefix: &str, aws: &AwsOptions) -> Result<(Points, Vec<Diagnostic>), AppError> {
    let url = |key: &str| format!("s3://{bucket}/{key}");
    let fetched: Vec<(String, Result<Vec<u8>, String>)> = super::load::runtime()?.block_on(async {
        let clients = crate::aws::Clients::load(aws.profile.as_deref(), aws.region.as_deref()).await;
        let keys = match crate::aws::s3::list_keys(&clients, bucket, prefix).await {
            Ok(keys) => keys,
            Err(e) => return vec![(prefix.to_string(), Err(format!("cannot list the history: {e}")))],
        };
        let mut keys: Vec<String> =
            keys.into_iter().filter(|k| is_report_name(k.rsplit('/').next().unwrap_or(k))).collect();
        keys.sort();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let body = crate::aws::s3::get_object(&clients, bucket, &key).await.map_err(|e| e.to_string());
            out.push((key, body));
        }
        out
    });
    let mut points = Points::new();
    let mut diagnostics = Vec::new();
    for (key, body) in fetched {
        let parsed = body.and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string()).and_then(|t| parse_report(&t))
        });
        match parsed {
            Ok(p) => keep(&mut points, p),
            Err(message) => {
                let name = url(&key);
                diagnostics.push(left_out(&name, crate::model::SourceLocation::file(name.clone()), &message));
            }
        }
    }
    Ok((points, diagnostics))
}

/// A stored report's trend point, from whichever fields its version has.
fn parse_report(text: &str) -> Result<TrendPoint, String> {
    let text = crate::source::strip_bom(text);
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("not a JSON report (line {}: {e})", e.line()))?;
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
