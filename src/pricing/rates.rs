//! Effective unit rates from the bill: per (usage type, region, pricing unit), the effective
//! cost divided by the usage quantity, so Savings Plans, Reserved Instances, EDP discounts and
//! spot are in the rate. Each rate keeps what it came from (period, line count, quantity) so
//! an estimate can say so.
//!
//! Usage types carry a region prefix outside us-east-1 (`EUC1-BoxUsage:m5.large`); rates are
//! looked up by the usage type without it and the region code the bill states, so a plan
//! resource in `eu-central-1` finds `EUC1-BoxUsage:m5.large` and one in `us-east-1` finds
//! `BoxUsage:m5.large`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::costs::usage::Usage;

/// Region prefixes of usage types (as the AWS price list writes them). Only these are
/// stripped: `KMS-Keys` or `NatGateway-Hours` start with a word, not a region.
const REGION_PREFIXES: &[(&str, &str)] = &[
    ("AFS1", "af-south-1"),
    ("APE1", "ap-east-1"),
    ("APN1", "ap-northeast-1"),
    ("APN2", "ap-northeast-2"),
    ("APN3", "ap-northeast-3"),
    ("APS1", "ap-southeast-1"),
    ("APS2", "ap-southeast-2"),
    ("APS3", "ap-south-1"),
    ("APS4", "ap-southeast-3"),
    ("APS5", "ap-south-2"),
    ("APS6", "ap-southeast-4"),
    ("CAN1", "ca-central-1"),
    ("CAN2", "ca-west-1"),
    ("EU", "eu-west-1"),
    ("EUC1", "eu-central-1"),
    ("EUC2", "eu-central-2"),
    ("EUN1", "eu-north-1"),
    ("EUS1", "eu-south-1"),
    ("EUS2", "eu-south-2"),
    ("EUW1", "eu-west-1"),
    ("EUW2", "eu-west-2"),
    ("EUW3", "eu-west-3"),
    ("ILC1", "il-central-1"),
    ("MEC1", "me-central-1"),
    ("MES1", "me-south-1"),
    ("SAE1", "sa-east-1"),
    ("UGE1", "us-gov-east-1"),
    ("UGW1", "us-gov-west-1"),
    ("USE1", "us-east-1"),
    ("USE2", "us-east-2"),
    ("USW1", "us-west-1"),
    ("USW2", "us-west-2"),
];

/// A usage type without its region prefix (`EUC1-BoxUsage:m5.large` -> `BoxUsage:m5.large`).
pub fn strip_region(usage_type: &str) -> &str {
    match usage_type.split_once('-') {
        Some((head, rest)) if REGION_PREFIXES.iter().any(|(p, _)| *p == head) => rest,
        _ => usage_type,
    }
}

/// A pricing unit in one spelling: CUR writes `Hrs`, FOCUS `Hours`; both are hours.
pub fn unit_family(unit: &str) -> String {
    let u = unit.trim().to_ascii_lowercase();
    match u.as_str() {
        "hrs" | "hr" | "hour" | "hours" => "hours".to_string(),
        "gb-mo" | "gb-month" | "gb-months" | "gigabyte month" | "gibibyte month" => "gb-month".to_string(),
        "iops-mo" | "iops-month" => "iops-month".to_string(),
        _ => u,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RateKey {
    usage: String,
    region: String,
}

/// The usage a rate is computed from, for one unit, operation and currency.
#[derive(Debug, Clone)]
struct Part {
    /// As the bill writes it, and its family ([`unit_family`]).
    unit: String,
    family: String,
    service: String,
    operation: String,
    currency: String,
    quantity: Decimal,
    effective: Decimal,
    rows: u64,
    first: NaiveDate,
    end: NaiveDate,
}

/// Every effective rate a bill gives.
#[derive(Debug, Clone, Default)]
pub struct RateBook {
    parts: BTreeMap<RateKey, Vec<Part>>,
}

/// One rate, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillRate {
    /// Effective cost per unit, full precision (not rounded).
    pub per_unit: Decimal,
    pub currency: String,
    /// Usage type as looked up (without region prefix) and the region.
    pub usage_type: String,
    pub region: String,
    pub unit: String,
    /// The operations whose usage the rate is computed from (empty: the file had none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    pub quantity: Decimal,
    pub effective: Decimal,
    pub lines: u64,
    /// `[first, end)` of the usage.
    pub first: NaiveDate,
    pub end: NaiveDate,
}

/// One spelling per usage type where bills differ: OpenSearch instance hours are written with
/// and without the instance type's `.search` (`.elasticsearch`) suffix
/// (`ESInstance:r6g.large.search`, `ESInstance:r6g.large`).
fn canonical(usage: &str) -> &str {
    match usage.strip_prefix("ESInstance:") {
        Some(it) => {
            let bare = it.strip_suffix(".search").or_else(|| it.strip_suffix(".elasticsearch")).unwrap_or(it);
            &usage[..usage.len() - (it.len() - bare.len())]
        }
        None => usage,
    }
}

impl RateBook {
    pub fn from_usage(usage: &[Usage]) -> RateBook {
        let mut parts: BTreeMap<RateKey, Vec<Part>> = BTreeMap::new();
        for u in usage {
            // KMS writes the region code itself as the prefix (`ca-central-1-KMS-Keys`).
            let usage = match u.usage_type.strip_prefix(u.region.as_str()).and_then(|r| r.strip_prefix('-')) {
                Some(rest) if !u.region.is_empty() => rest,
                _ => strip_region(&u.usage_type),
            };
            let key = RateKey { usage: canonical(usage).to_string(), region: u.region.clone() };
            parts.entry(key).or_default().push(Part {
                unit: u.unit.clone(),
                family: unit_family(&u.unit),
                service: u.service.clone(),
                operation: u.operation.clone(),
                currency: u.currency.clone(),
                quantity: u.quantity,
                effective: u.effective,
                rows: u.rows,
                first: u.first,
                end: u.end,
            });
        }
        RateBook { parts }
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The effective rate of `usage` (no region prefix) in `region` per `unit`. With
    /// `operation`, only usage of that operation (matched whole: `RunInstances` is Linux,
    /// `RunInstances:0002` Windows); without, all of it. A usage type has one pricing unit at
    /// AWS, so when the bill spells it otherwise than `unit` (and has only that one), the
    /// bill's unit is taken and named in the rate. `None` when the bill has no such usage,
    /// its quantity is zero, or it is billed in more than one currency (never converted).
    pub fn rate(&self, usage: &str, region: &str, unit: &str, operation: Option<&str>) -> Option<BillRate> {
        self.rate_of(usage, region, unit, operation, None)
    }

    /// [`RateBook::rate`] of one service only (by the names cost records use), for usage types
    /// several services share (`InstanceUsage:db.r5.large` is RDS, DocumentDB and Neptune).
    pub fn rate_of(
        &self,
        usage: &str,
        region: &str,
        unit: &str,
        operation: Option<&str>,
        services: Option<&[&str]>,
    ) -> Option<BillRate> {
        let key = RateKey { usage: canonical(usage).to_string(), region: region.to_string() };
        let parts = self.parts.get(&key)?;
        let family = unit_family(unit);
        let same_unit = parts.iter().any(|p| p.family == family);
        let one_unit = parts.iter().all(|p| p.family == parts[0].family);
        if !same_unit && !one_unit {
            return None;
        }
        let chosen: Vec<&Part> = parts
            .iter()
            .filter(|p| !same_unit || p.family == family)
            .filter(|p| operation.is_none_or(|op| p.operation.is_empty() || p.operation == op))
            .filter(|p| services.is_none_or(|s| s.contains(&p.service.as_str())))
            .collect();
        let first = *chosen.first()?;
        if chosen.iter().any(|p| p.currency != first.currency) {
            return None;
        }
        let mut quantity = Decimal::ZERO;
        let mut effective = Decimal::ZERO;
        let mut lines = 0u64;
        let (mut from, mut to) = (first.first, first.end);
        let mut operations = Vec::new();
        for p in &chosen {
            quantity = quantity.checked_add(p.quantity)?;
            effective = effective.checked_add(p.effective)?;
            lines = lines.saturating_add(p.rows);
            from = from.min(p.first);
            to = to.max(p.end);
            if !p.operation.is_empty() && !operations.contains(&p.operation) {
                operations.push(p.operation.clone());
            }
        }
        if quantity <= Decimal::ZERO {
            return None;
        }
        operations.sort();
        Some(BillRate {
            per_unit: effective.checked_div(quantity)?,
            currency: first.currency.clone(),
            usage_type: usage.to_string(),
            region: region.to_string(),
            unit: first.unit.clone(),
            operations,
            quantity,
            effective,
            lines,
            first: from,
            end: to,
        })
    }

    /// Every rate, one per (usage type, region, unit), for `tally` to list.
    pub fn all(&self) -> Vec<BillRate> {
        let mut out = Vec::new();
        for (k, parts) in &self.parts {
            let mut units: Vec<&str> = parts.iter().map(|p| p.unit.as_str()).collect();
            units.sort_unstable();
            units.dedup();
            out.extend(units.into_iter().filter_map(|u| self.rate(&k.usage, &k.region, u, None)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn usage(ut: &str, region: &str, unit: &str, op: &str, q: &str, cost: &str) -> Usage {
        Usage {
            service: "svc".into(),
            usage_type: ut.into(),
            region: region.into(),
            unit: unit.into(),
            operation: op.into(),
            currency: "USD".into(),
            quantity: d(q),
            billed: d(cost),
            effective: d(cost),
            rows: 3,
            first: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    #[test]
    fn prefixes_are_regions_only() {
        assert_eq!(strip_region("EUC1-BoxUsage:m5.large"), "BoxUsage:m5.large");
        assert_eq!(strip_region("EU-NatGateway-Hours"), "NatGateway-Hours");
        assert_eq!(strip_region("KMS-Keys"), "KMS-Keys");
        assert_eq!(strip_region("NatGateway-Hours"), "NatGateway-Hours");
        assert_eq!(strip_region("BoxUsage:t3.micro"), "BoxUsage:t3.micro");
    }

    #[test]
    fn rate_is_effective_cost_over_quantity_per_operation() {
        let book = RateBook::from_usage(&[
            usage("USW2-LoadBalancerUsage", "us-west-2", "Hrs", "LoadBalancing:Application", "100", "2.25"),
            usage("USW2-LoadBalancerUsage", "us-west-2", "Hrs", "LoadBalancing:Network", "10", "0.2"),
            usage("USW2-BoxUsage:m5.large", "us-west-2", "Hours", "RunInstances", "3", "0.2"),
        ]);
        let alb =
            book.rate("LoadBalancerUsage", "us-west-2", "Hrs", Some("LoadBalancing:Application")).unwrap();
        assert_eq!(alb.per_unit, d("0.0225"));
        assert_eq!(alb.lines, 3);
        let all = book.rate("LoadBalancerUsage", "us-west-2", "Hrs", None).unwrap();
        assert_eq!(all.per_unit, d("2.45") / d("110"));
        // Hours and Hrs are one unit; full precision is kept.
        let m5 = book.rate("BoxUsage:m5.large", "us-west-2", "Hrs", Some("RunInstances")).unwrap();
        assert_eq!(m5.per_unit, d("0.2") / d("3"));
        assert!(m5.per_unit.scale() > 20);
        assert!(book.rate("BoxUsage:m5.large", "eu-west-1", "Hrs", None).is_none());
    }

    #[test]
    fn zero_quantity_gives_no_rate() {
        let book = RateBook::from_usage(&[usage("KMS-Keys", "us-east-1", "Keys", "", "0", "1")]);
        assert!(book.rate("KMS-Keys", "us-east-1", "Keys", None).is_none());
    }

    #[test]
    fn opensearch_instance_hours_match_with_or_without_the_search_suffix() {
        assert_eq!(canonical("ESInstance:r6g.large.search"), "ESInstance:r6g.large");
        assert_eq!(canonical("ESInstance:m4.large.elasticsearch"), "ESInstance:m4.large");
        assert_eq!(canonical("ESInstance:r6g.large"), "ESInstance:r6g.large");
        assert_eq!(canonical("BoxUsage:m5.large"), "BoxUsage:m5.large");
    }
}
