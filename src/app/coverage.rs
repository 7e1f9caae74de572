//! What the cost data covers and on which basis it is read, said in the report instead of
//! left for the reader to guess (issue 22): a month-to-date bill whose usage has no complete
//! day yet, a period asked for that the data only partly covers, and the charges of a
//! charge-date window that were invoiced in other billing periods.
//!
//! Basis: `audit`, `budgets`, `plan` and `report` select cost by **charge period** (the day a
//! charge was incurred: CUR `lineItem/UsageStartDate`, FOCUS `ChargePeriodStart`); `export
//! --month` selects by billing period unless `--month-basis charge`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::costs::CostData;
use crate::model::{Diagnostic, Period};

/// Refuse cost lines whose amounts tally cannot sum exactly. When the sum of their absolute
/// values is exact, every partial sum the audit takes (by owner, day, budget, mover) is
/// smaller in magnitude with no finer scale, so it is exact too: `Decimal` addition can then
/// neither panic (past about 7.9e28) nor round (past 28 significant digits) anywhere after
/// this check.
pub(crate) fn check_range(
    source: &str,
    lines: &[crate::model::CostLine],
) -> Result<(), crate::error::InputError> {
    crate::costs::exact::sum(lines.iter().map(|l| l.amount.abs())).map(|_| ()).map_err(|e| {
        crate::error::InputError::Usage(format!("{source}: cost amounts cannot be summed exactly: {e}"))
    })
}

fn diagnostic(message: String) -> Diagnostic {
    Diagnostic { source: "costs".into(), location: None, account: None, region: None, message }
}

/// When "today" (`as_of`, from the usage lines) leaves no complete day of usage, or the data
/// has no usage lines to date it by.
pub(crate) fn as_of_diagnostics(source: &str, data: &CostData, as_of: NaiveDate) -> Vec<Diagnostic> {
    match data.usage_days() {
        None => vec![diagnostic(format!(
            "{source}: no usage lines of a day or less, so the data is dated by its latest charge period \
             (tax, fees and credits span their whole billing period): as of {as_of}"
        ))],
        Some((first, _)) if first >= as_of => vec![diagnostic(format!(
            "{source}: the usage starts on {first} and that day is not complete yet: no complete day of \
             spend to report before {as_of}"
        ))],
        Some(_) => Vec::new(),
    }
}

/// A cost line as far as coverage is concerned: charge start, billing month, amount, currency.
pub(crate) type BillingOfLine = (NaiveDate, NaiveDate, Decimal, String);

/// A diagnostic when an audit window asked for starts before the data's usage does.
pub(crate) fn window_diagnostics(
    window: Period,
    coverage: Option<(NaiveDate, NaiveDate)>,
) -> Vec<Diagnostic> {
    let last_day = window.end.pred_opt().unwrap_or(window.end);
    match coverage {
        Some((first, _)) if first > window.start && first <= last_day => vec![diagnostic(format!(
            "the period {}..{last_day} starts before the data's usage, which starts on {first}: \
             spend before it is not in the data",
            window.start
        ))],
        _ => Vec::new(),
    }
}

/// How much of the spend in `currency` dated inside `window` (by charge period) was invoiced
/// in billing periods other than the months the window spans; `None` when nothing was.
pub(crate) fn invoiced_elsewhere(window: Period, lines: &[BillingOfLine], currency: &str) -> Option<Decimal> {
    let last_day = window.end.pred_opt().unwrap_or(window.end);
    let first_month = window.start.with_day(1).unwrap_or(window.start);
    let last_month = last_day.with_day(1).unwrap_or(last_day);
    let amounts = lines.iter().filter(|(start, billing, _, cur)| {
        window.start <= *start
            && *start < window.end
            && cur == currency
            && !(first_month..=last_month).contains(billing)
    });
    // Exact or nothing said: never a panic on absurd amounts.
    let total = crate::costs::exact::sum(amounts.map(|l| l.2)).ok()?;
    (!total.is_zero()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_beyond_exact_sums_are_refused() {
        let line = |amount: Decimal| crate::model::CostLine {
            period: Period { start: day("2025-11-01"), end: day("2025-11-02") },
            account: "1".into(),
            service: "s".into(),
            resource_id: None,
            tags: Default::default(),
            amount,
            currency: "USD".into(),
            charge_category: crate::model::ChargeCategory::Usage,
        };
        assert!(check_range("x", &[line(Decimal::MAX), line(-Decimal::MAX)]).is_err(), "no panic, an error");
        let big: Decimal = "1000000000000000000000000000".parse().unwrap();
        let small: Decimal = "0.001".parse().unwrap();
        assert!(check_range("x", &[line(big), line(small)]).is_err(), "would round");
        assert!(check_range("x", &[line(Decimal::ONE), line(-small)]).is_ok());
    }

    #[test]
    fn charges_invoiced_elsewhere_are_counted() {
        let window = Period { start: day("2025-11-01"), end: day("2025-12-01") };
        let lines = vec![
            (day("2025-11-03"), day("2025-11-01"), Decimal::new(500, 2), "USD".to_string()),
            (day("2025-11-04"), day("2025-12-01"), Decimal::new(125, 2), "USD".to_string()),
            (day("2025-11-05"), day("2026-01-01"), Decimal::new(100, 2), "USD".to_string()),
            (day("2025-11-05"), day("2026-01-01"), Decimal::new(700, 2), "EUR".to_string()),
            (day("2025-10-31"), day("2025-12-01"), Decimal::new(999, 2), "USD".to_string()),
        ];
        assert_eq!(invoiced_elsewhere(window, &lines, "USD"), Some(Decimal::new(225, 2)));
        assert_eq!(invoiced_elsewhere(window, &lines[..1], "USD"), None);
        let late = window_diagnostics(window, Some((day("2025-11-10"), day("2025-11-30"))));
        assert!(late[0].message.contains("starts on 2025-11-10"), "{late:?}");
        assert!(window_diagnostics(window, Some((day("2025-11-01"), day("2025-11-30")))).is_empty());
    }
}
