//! What an audit produces, as data: findings (each with its resource, place, owner and money),
//! exempted findings, coverage, the spend split, budget status, and the weekly review's series
//! (spend per day, movers, budget burn). `report` wraps these into the canonical report and
//! renders them; nothing here renders.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Layer, Money, Name, SmallMap, SourceLocation, Tags};
use crate::policy::Severity;

/// What a finding is about. At least one of `arn`, `address` or `name` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arn: Option<String>,
    /// Terraform type (`aws_instance`) or tagging-API type (`ec2:instance`). Type, account
    /// and region are interned: hundreds of thousands of findings share a few hundred values.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub resource_type: Option<Name>,
    /// For things that are neither Terraform nor AWS resources: `budget:payments`, `tag:team`,
    /// `spend:111111111111/Amazon EC2`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<Name>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<Name>,
}

impl ResourceRef {
    /// The one string a person would use to find the resource.
    pub fn label(&self) -> &str {
        self.address.as_deref().or(self.arn.as_deref()).or(self.name.as_deref()).unwrap_or("-")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `rule_id`, `rule_name` and `fix` are the catalog's text, borrowed: a run can have
    /// hundreds of thousands of findings, and three copies each added up.
    pub rule_id: Cow<'static, str>,
    pub rule_name: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<Layer>,
    pub resource: ResourceRef,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<SourceLocation>,
    /// Owner tag key -> value, where the resource has one.
    #[serde(skip_serializing_if = "Tags::is_empty", default)]
    pub owner: Tags,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cost: Option<Money>,
    pub fix: Cow<'static, str>,
    /// Rule-specific facts (missing keys, drifted tags, inferred owner...).
    #[serde(skip_serializing_if = "SmallMap::is_empty", default)]
    pub details: SmallMap<serde_json::Value>,
}

impl Finding {
    /// Total order used for output: rule, then resource, then place, then text.
    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        (&self.rule_id, &self.resource, &self.location, &self.message)
    }
}

/// A finding an approved, unexpired exemption covers, and the exemption that covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exempted {
    pub finding: Finding,
    pub exemption: ExemptionRef,
}

/// Where an exemption is written and who granted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionRef {
    pub name: String,
    pub file: String,
    pub line: u32,
    pub approved_by: String,
    pub reason: String,
    pub expires: NaiveDate,
}

/// How much of the live estate Terraform accounts for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub live_resources: usize,
    /// Live resources found in a Terraform state.
    pub managed: usize,
    /// Live resources created by something Terraform manages or by another owner (ASG,
    /// CloudFormation, Kubernetes, AWS itself): not ClickOps.
    pub owned_elsewhere: usize,
    /// Live resources nobody accounts for.
    pub unmanaged: usize,
    /// Terraform resources in state that are not live.
    pub missing: usize,
    /// `(managed + owned_elsewhere) / live_resources`, in percent, 1 decimal.
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub by_count_pct: Option<Decimal>,
    /// Share of resource-level spend on managed or owned resources, in percent, 1 decimal.
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub by_cost_pct: Option<Decimal>,
    /// What the live count was computed over: the sources, accounts and regions, and whether
    /// never-tagged resources could be seen (the report's `visibility` has the detail).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub computed_over: Option<String>,
}

/// Spend in the report's period, split so that the parts add up to `total` exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    pub period_start: NaiveDate,
    /// Exclusive.
    pub period_end: NaiveDate,
    pub currency: String,
    pub owner_tag: String,
    /// Usage spend per owner tag value.
    pub by_owner: BTreeMap<String, Money>,
    /// Usage spend without the owner tag (CST001).
    pub untagged: Money,
    /// Spend that cannot carry tags, per charge category (tax, support, fees, credits...).
    pub untaggable: BTreeMap<String, Money>,
    /// Usage spend of live resources in no Terraform state (CST002), where resource-level
    /// cost data exists.
    pub unmanaged: Money,
    pub total: Money,
    /// Spend is selected by charge date; the part of `total` invoiced in billing periods other
    /// than the months the period spans (late charges, corrections), when there is any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoiced_in_other_periods: Option<Money>,
}

impl Spend {
    /// Spend that can carry tags: the total less the untaggable categories. Checked, because
    /// amounts come from files and an absurd one must not make a renderer panic; on overflow
    /// the total is returned.
    pub fn usage(&self) -> Decimal {
        self.untaggable
            .values()
            .try_fold(Decimal::ZERO, |acc, m| acc.checked_add(m.amount))
            .and_then(|untaggable| self.total.amount.checked_sub(untaggable))
            .unwrap_or(self.total.amount)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    Ok,
    ForecastOver,
    Over,
    /// No spend data for the budget's scope.
    Unknown,
    /// Spend in the budget's scope, but none in the budget's currency (never converted).
    CurrencyMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetStatus {
    pub name: String,
    pub source: crate::model::BudgetSource,
    pub scope: crate::model::BudgetScope,
    pub period: crate::model::BudgetPeriod,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub limit: Money,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actual: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub forecast: Option<Money>,
    /// How the forecast was made: `aws` (Budgets / Cost Explorer) or `linear` (month-to-date
    /// spend per elapsed day times days in the period).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub forecast_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub actual_pct: Option<Decimal>,
    /// Spend per day at today's pace, rounded to the cent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub daily_pace: Option<Money>,
    /// `last-7-days` (daily cost lines cover each of the 7 days before `as_of`) or
    /// `period-average` (period-to-date spend per elapsed day).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pace_method: Option<String>,
    /// The day spend reaches the limit at that pace, within the period (absent when already
    /// over, when the limit is not reached before the period ends, or with no pace).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub runs_out_on: Option<NaiveDate>,
    pub state: BudgetState,
    /// Monthly budgets the priced plan touches: the plan's monthly delta for the budget's
    /// owners, and the forecast with it (BUD004 when that crosses the limit).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub plan_delta: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub forecast_with_plan: Option<Money>,
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
    /// The days before the period that the movers' earlier week covers (a 7-day review compares
    /// with the 7 days before it), same shape as `daily`, so a chart can show both weeks.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub daily_before: Vec<DailySpend>,
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
    /// Trends over the last weeks, from the reports kept in `--history` (this run's included).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub history: Option<History>,
}

/// The weekly reviews of a history, one point per ISO week, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// How many weeks the trends look back at most (`--history-weeks`, default 12).
    pub weeks: usize,
    pub points: Vec<TrendPoint>,
}

/// One week's figures, as its report recorded them (absent when that report lacks them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// ISO week of the report's `as_of`, `2026-W47`.
    pub week: String,
    pub as_of: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub total: Option<Decimal>,
    /// Usage spend per owner tag value.
    #[serde(default)]
    pub by_owner: BTreeMap<String, Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub untagged: Option<Decimal>,
    /// Untagged usage in percent of usage, 1 decimal.
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub untagged_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub unmanaged: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub coverage_by_count_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "rust_decimal::serde::str_option")]
    pub coverage_by_cost_pct: Option<Decimal>,
    /// Findings per rule (exempted ones not counted).
    #[serde(default)]
    pub findings_by_rule: BTreeMap<String, usize>,
    /// Each budget's state that week (`ok`, `forecast_over`, `over`, ...).
    #[serde(default)]
    pub budgets: BTreeMap<String, String>,
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
