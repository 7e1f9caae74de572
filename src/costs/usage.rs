//! Usage kept beside the cost records, for effective unit rates: per (usage type, region,
//! pricing unit, currency), the usage quantity, both amounts, the line count and the span of
//! time the lines cover. What a rate *is* (effective cost / quantity) and what it prices is
//! decided in `src/pricing`; this module only sums, exactly, what the readers hand it.
//!
//! Only usage lines count (`ChargeCategory::Usage`): a Savings Plan fee or a refund has a
//! quantity of its own that says nothing about the price of an hour. The table is kept only
//! when [`super::ReadOptions::usage_rates`] asks for it, so the readers cost nothing more for
//! every other command.

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::exact;
use super::fast::{FastMap, Sym};

/// The usage of one (usage type, region, unit, currency), summed over the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The service as cost records name it (`Amazon Relational Database Service`): DocumentDB
    /// and Neptune share RDS's `InstanceUsage:*` usage types.
    pub service: String,
    /// CUR `lineItem/UsageType` (`USE1-BoxUsage:m5.large`); FOCUS `x_UsageType`, else `SkuId`.
    pub usage_type: String,
    /// Region code (`us-east-1`); empty for global usage.
    pub region: String,
    /// Pricing unit as the bill writes it (`Hrs`, `GB-Mo`, `IOPS-Mo`).
    pub unit: String,
    /// CUR `lineItem/Operation` (`RunInstances`, `LoadBalancing:Application`); empty when the
    /// file has none.
    pub operation: String,
    pub currency: String,
    /// Usage quantity in `unit`.
    pub quantity: Decimal,
    pub billed: Decimal,
    pub effective: Decimal,
    /// Line items summed.
    pub rows: u64,
    /// First day and the day after the last day of the usage.
    pub first: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct UsageKey {
    pub service: Sym,
    pub usage_type: Sym,
    pub region: Sym,
    pub unit: Sym,
    pub operation: Sym,
    pub currency: Sym,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct UsageSums {
    quantity: Decimal,
    billed: Decimal,
    effective: Decimal,
    rows: u64,
    start: i64,
    end: i64,
}

/// The usage table of one aggregator.
#[derive(Default)]
pub(crate) struct UsageTable {
    map: FastMap<UsageKey, UsageSums>,
}

/// One usage line as a reader passes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UsageLine {
    pub quantity: Decimal,
    pub billed: Decimal,
    pub effective: Decimal,
    /// Charge period, seconds since the epoch.
    pub start: i64,
    pub end: i64,
}

impl UsageTable {
    /// Add one line (or a sum of `rows` lines). Fails only past the exact range of a decimal.
    pub(crate) fn add(&mut self, key: UsageKey, line: UsageLine, rows: u64) -> Result<(), String> {
        let sums = UsageSums {
            quantity: line.quantity,
            billed: line.billed,
            effective: line.effective,
            rows,
            start: line.start,
            end: line.end.max(line.start),
        };
        match self.map.get_mut(&key) {
            Some(s) => s.absorb(&sums),
            None => {
                self.map.insert(key, sums);
                Ok(())
            }
        }
    }

    pub(crate) fn entries(self) -> impl Iterator<Item = (UsageKey, UsageSums)> {
        self.map.into_iter()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl UsageSums {
    fn absorb(&mut self, o: &UsageSums) -> Result<(), String> {
        let add = |a, b| exact::add(a, b).map_err(|e| format!("usage: {e}"));
        self.quantity = add(self.quantity, o.quantity)?;
        self.billed = add(self.billed, o.billed)?;
        self.effective = add(self.effective, o.effective)?;
        self.rows = self.rows.saturating_add(o.rows);
        self.start = self.start.min(o.start);
        self.end = self.end.max(o.end);
        Ok(())
    }

    pub(crate) fn line(&self) -> (UsageLine, u64) {
        let line = UsageLine {
            quantity: self.quantity,
            billed: self.billed,
            effective: self.effective,
            start: self.start,
            end: self.end,
        };
        (line, self.rows)
    }

    /// The public record, with the strings resolved by `name`. `None` for a time outside the
    /// calendar (a reader refuses those before they get here).
    pub(crate) fn usage(&self, key: &UsageKey, name: impl Fn(Sym) -> String) -> Option<Usage> {
        let day = |s: i64| DateTime::from_timestamp(s, 0).map(|d| d.date_naive());
        let first = day(self.start)?;
        // The day after the last second of usage: `[first, end)` like every period.
        let last = day(self.end.saturating_sub(1).max(self.start))?;
        Some(Usage {
            service: name(key.service),
            usage_type: name(key.usage_type),
            region: name(key.region),
            unit: name(key.unit),
            operation: name(key.operation),
            currency: name(key.currency),
            quantity: self.quantity,
            billed: self.billed,
            effective: self.effective,
            rows: self.rows,
            first,
            end: last.succ_opt().unwrap_or(last),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn sums_exactly_and_widens_the_span() {
        let mut t = UsageTable::default();
        let key = UsageKey { service: 0, usage_type: 1, region: 2, unit: 3, operation: 0, currency: 4 };
        let line = |q: &str, c: &str, start: i64| UsageLine {
            quantity: d(q),
            billed: d(c),
            effective: d(c),
            start,
            end: start + 3600,
        };
        t.add(key, line("1", "0.096", 1_700_006_400), 1).unwrap();
        t.add(key, line("0.5", "0.048", 1_700_000_000), 1).unwrap();
        let (k, s) = t.entries().next().unwrap();
        let u = s.usage(&k, |id| id.to_string()).unwrap();
        assert_eq!((u.quantity, u.effective, u.rows), (d("1.5"), d("0.144"), 2));
        assert_eq!(u.first.to_string(), "2023-11-14");
        assert_eq!(u.end.to_string(), "2023-11-16");
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let mut t = UsageTable::default();
        let key = UsageKey { service: 0, usage_type: 1, region: 0, unit: 0, operation: 0, currency: 0 };
        let big = UsageLine { quantity: Decimal::MAX, billed: d("1"), effective: d("1"), start: 0, end: 1 };
        t.add(key, big, 1).unwrap();
        assert!(t.add(key, big, 1).is_err());
    }
}
