//! The canonical, versioned report every command produces and every output format renders.
//!
//! `json` is the report serialized as is; every other format (`table`, `markdown`, `sarif`,
//! `github`, `junit`) reads only this structure, one file each. Nothing here computes findings:
//! that is `audit`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Diagnostic, Layer, Money, SmallMap, SourceLocation, Tags};

pub mod github;
pub mod html;
pub mod junit;
pub mod markdown;
mod redact;
pub mod review;
pub mod review_markdown;
pub mod sarif;
pub mod table;

/// Bumped on any incompatible change to the JSON shape; additions keep the version.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// Parse a `--fail-on` value; `never` is `None`.
    pub fn from_fail_on(s: &str) -> Result<Option<Severity>, String> {
        match s {
            "error" => Ok(Some(Severity::Error)),
            "warning" => Ok(Some(Severity::Warning)),
            "info" => Ok(Some(Severity::Info)),
            "never" => Ok(None),
            other => Err(format!("\"{other}\" is not one of error, warning, info, never")),
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is about. At least one of `arn`, `address` or `name` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arn: Option<String>,
    /// Terraform type (`aws_instance`) or tagging-API type (`ec2:instance`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none", default)]
    pub resource_type: Option<String>,
    /// For things that are neither Terraform nor AWS resources: `budget:payments`, `tag:team`,
    /// `spend:111111111111/Amazon EC2`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
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
    fn sort_key(&self) -> impl Ord + '_ {
        (&self.rule_id, &self.resource, &self.location, &self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub total: usize,
    pub by_rule: BTreeMap<String, usize>,
    /// Findings an exemption covers (listed under `exempted`, not in `findings`).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub exempted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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

/// `part` as a share of `whole`, `12.3%`; `-` when there is no whole (or on overflow).
pub(crate) fn percent(part: Decimal, whole: Decimal) -> String {
    match part.checked_mul(Decimal::ONE_HUNDRED).and_then(|p| p.checked_div(whole)) {
        Some(p) => format!("{:.1}%", p.round_dp(1)),
        None => "-".to_string(),
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
    /// The day spend reaches the limit at that pace (absent when already over or no pace).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub runs_out_on: Option<NaiveDate>,
    pub state: BudgetState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub findings: FindingCounts,
    pub coverage: Coverage,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub spend: Option<Spend>,
    pub budgets_over: usize,
    pub budgets_forecast_over: usize,
}

/// What the run read, for the record (paths as given, never absolute).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub states: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub plan: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub snapshot: Option<String>,
    /// `--costs`: CUR/FOCUS files whose lines replaced the snapshot's, with the basis used.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub costs: Option<CostsInput>,
    pub terraform_resources: usize,
    pub live_resources: usize,
    pub cost_lines: usize,
}

/// Cost files read for a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostsInput {
    pub path: String,
    pub files: usize,
    /// Input line items read (before aggregation).
    pub rows: u64,
    /// `billed` or `effective`.
    pub basis: String,
    /// What the audit window selects cost lines by: `charge_period` (the day a charge was
    /// incurred), not the billing period it was invoiced in (see docs/cost-data.md).
    #[serde(default)]
    pub period_basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub command: String,
    /// The day the data describes (from the snapshot), not the day tally ran.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub as_of: Option<NaiveDate>,
    /// True when some input could not be read completely; see `diagnostics`.
    pub partial: bool,
    pub inputs: Inputs,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub budgets: Vec<BudgetStatus>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings covered by written exemptions: not in `findings`, never failing a run.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub exempted: Vec<Exempted>,
}

impl Report {
    /// Sort everything that has no natural order, and recount: after this, the same inputs
    /// always serialize to the same bytes.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.budgets.sort_by(|a, b| a.name.cmp(&b.name));
        self.diagnostics.sort();
        self.diagnostics.dedup();
        self.partial = self.partial || !self.diagnostics.is_empty();
        let mut counts = FindingCounts::default();
        for f in &self.findings {
            match f.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Info => counts.info += 1,
            }
            *counts.by_rule.entry(f.rule_id.to_string()).or_default() += 1;
        }
        counts.total = self.findings.len();
        self.exempted.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        counts.exempted = self.exempted.len();
        self.summary.findings = counts;
    }

    /// The highest severity among findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Output formats. Later issues add csv and html. (Plain comments on the variants: doc comments
/// would switch `--help` to clap's long layout for every option.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    // Terminal summary, colour on a TTY.
    Table,
    // The canonical, versioned report: everything, for machines.
    Json,
    // A pull-request comment or chat message, kept under GitHub's comment size limit.
    Markdown,
    // SARIF 2.1.0, for code scanning.
    Sarif,
    // GitHub Actions workflow commands: one annotation per finding.
    Github,
    // JUnit XML: one failing test case per finding.
    Junit,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] =
        [Format::Table, Format::Json, Format::Markdown, Format::Sarif, Format::Github, Format::Junit];
}

/// How to render for a person: colour only on a terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub color: bool,
}

pub fn render(report: &Report, format: Format, opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Table => table::render(report, opts, out),
        Format::Markdown => markdown::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::Junit => junit::render(report, out),
    }
}
