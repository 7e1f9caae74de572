//! The canonical, versioned report every command produces and every output format renders.
//!
//! `json` is the report serialized as is; every other format (`table`, `markdown`, `sarif`,
//! `github`, `junit`) reads only this structure, one file each. Nothing here computes findings:
//! that is `audit`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::audit::output::{
    BudgetState, BudgetStatus, Coverage, Exempted, ExemptionRef, Finding, ResourceRef, Spend,
};
use crate::audit::AuditOutput;
use crate::model::Diagnostic;
pub use crate::policy::Severity;

pub mod github;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod place;
mod pricing;
mod redact;
pub mod review;
pub mod review_markdown;
pub mod sarif;
pub mod table;
mod text;
pub mod visibility;

/// Bumped on any incompatible change to the JSON shape; additions keep the version.
pub const REPORT_VERSION: u32 = 1;

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

/// `part` as a share of `whole`, `12.3%`; `-` when there is no whole (or on overflow).
pub(crate) fn percent(part: Decimal, whole: Decimal) -> String {
    match part.checked_mul(Decimal::ONE_HUNDRED).and_then(|p| p.checked_div(whole)) {
        Some(p) => format!("{:.1}%", p.round_dp(1)),
        None => "-".to_string(),
    }
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
    /// The `tally.hcl` read, if any: budgets and tag settings point at it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub config: Option<String>,
    /// `--costs`: CUR/FOCUS files whose lines replaced the snapshot's, with the basis used.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub costs: Option<CostsInput>,
    pub terraform_resources: usize,
    pub live_resources: usize,
    pub cost_lines: usize,
    /// Terraform resources of other providers than AWS (google, azurerm, datadog...), left out
    /// of `terraform_resources` and of every AWS rule.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub other_provider_resources: usize,
    /// Remote module calls (registry, git) with no code installed by `terraform init`: the
    /// resources they create are not checked.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub remote_modules_not_read: usize,
    /// `lint` over several root modules: how many (absent for one root).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub roots: usize,
}

impl Inputs {
    /// What the human formats say about the Terraform read, when there is more to say than
    /// the findings show: several roots, resources of other providers left out, or remote
    /// modules not installed. `None` otherwise, so single-root AWS-only output is unchanged.
    pub fn terraform_line(&self) -> Option<String> {
        if self.roots == 0 && self.other_provider_resources == 0 && self.remote_modules_not_read == 0 {
            return None;
        }
        let mut line = String::new();
        if self.roots > 0 {
            line.push_str(&format!("{} root modules, ", self.roots));
        }
        line.push_str(&format!(
            "{} AWS resource{}",
            self.terraform_resources,
            if self.terraform_resources == 1 { "" } else { "s" }
        ));
        if self.other_provider_resources > 0 {
            line.push_str(&format!(
                "; {} of other providers not checked by AWS rules",
                self.other_provider_resources
            ));
        }
        if self.remote_modules_not_read > 0 {
            line.push_str(&format!(
                "; {} remote module call{} not installed: run `terraform init` so tally checks \
                 what they create",
                self.remote_modules_not_read,
                if self.remote_modules_not_read == 1 { "" } else { "s" }
            ));
        }
        Some(line)
    }
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
    /// What the live inventory could see (runs with live data only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub visibility: Option<visibility::Visibility>,
    /// `plan` only: what the plan creates, updates, replaces and destroys, per owner.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub plan_changes: Vec<PlanChanges>,
    /// `plan --costs` only: the monthly cost of the plan's changes at the bill's rates.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub plan_cost: Option<crate::pricing::PlanCost>,
}

/// Resource changes of a plan for one owner tag value.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlanChanges {
    /// The owner tag value; `(known after apply)` when Terraform computes it, absent when the
    /// resources carry no owner tag.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<String>,
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

impl Report {
    /// The canonical report of one command's audit. `diagnostics` are the readers'; the
    /// audit's own follow them.
    pub fn new(
        command: &str,
        as_of: Option<NaiveDate>,
        inputs: Inputs,
        output: AuditOutput,
        mut diagnostics: Vec<Diagnostic>,
    ) -> Report {
        diagnostics.extend(output.diagnostics);
        let mut report = Report {
            version: REPORT_VERSION,
            tool: Tool { name: "tally".into(), version: env!("CARGO_PKG_VERSION").into() },
            command: command.into(),
            as_of,
            partial: false,
            inputs,
            summary: Summary {
                findings: FindingCounts::default(),
                coverage: output.coverage,
                spend: output.spend,
                budgets_over: 0,
                budgets_forecast_over: 0,
            },
            findings: output.findings,
            budgets: output.budgets,
            diagnostics,
            exempted: output.exempted,
            visibility: output.visibility,
            plan_changes: Vec::new(),
            plan_cost: None,
        };
        report.finish();
        report
    }

    /// Sort everything that has no natural order, and derive every count of the summary from
    /// the lists: the one place they are counted, so after this the same inputs always
    /// serialize to the same bytes and no figure can disagree with its list.
    pub fn finish(&mut self) {
        crate::parallel::sort_moving_once(&mut self.findings, |a, b| a.sort_key().cmp(&b.sort_key()));
        self.budgets.sort_by(|a, b| a.name.cmp(&b.name));
        self.plan_changes.sort();
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
        crate::parallel::sort_moving_once(&mut self.exempted, |a, b| {
            a.finding.sort_key().cmp(&b.finding.sort_key())
        });
        counts.exempted = self.exempted.len();
        self.summary.findings = counts;
        self.summary.budgets_over = self.budgets.iter().filter(|b| b.state == BudgetState::Over).count();
        self.summary.budgets_forecast_over =
            self.budgets.iter().filter(|b| b.state == BudgetState::ForecastOver).count();
    }

    /// The highest severity among findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Output formats of a report (`--format`; its command-line face is in `cli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal summary, colour on a TTY.
    Table,
    /// The canonical, versioned report: everything, for machines.
    Json,
    /// A pull-request comment or chat message, kept under GitHub's comment size limit.
    Markdown,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// JUnit XML: one failing test case per finding.
    Junit,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] =
        [Format::Table, Format::Json, Format::Markdown, Format::Sarif, Format::Github, Format::Junit];
}

/// How to render: for a person (colour only on a terminal, the terminal's width) and for the
/// system the output feeds (repository-relative paths, links, the gate's threshold).
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub color: bool,
    /// Columns of the terminal, when stdout is one: the table wraps long lines to it.
    pub width: Option<usize>,
    /// Where tally ran in the repository, for paths another system resolves from its root.
    pub repo: place::RepoPaths,
    /// The `--fail-on` threshold: JUnit reports findings below it as passing cases.
    pub fail_on: Option<Severity>,
    /// How long the run took, for JUnit's `time` (absent: `0`).
    pub elapsed: Option<std::time::Duration>,
    /// Links into the repository, from the GitHub Actions environment when present.
    pub links: Option<markdown::Links>,
}

impl Default for RenderOptions {
    /// Plain output, paths as given, and tally's default gate (`--fail-on error`).
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: None,
            repo: place::RepoPaths::default(),
            fail_on: Some(Severity::Error),
            elapsed: None,
            links: None,
        }
    }
}

/// The JSON renderer's own buffer: large enough that each write through to the output's is a
/// large one.
const JSON_BUFFER: usize = 256 << 10;

pub fn render(report: &Report, format: Format, opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Json => {
            // serde_json writes a pretty report in pieces of a few bytes (a quote, a key, an
            // indent): through `dyn Write` each was a call that could not be inlined. Buffered
            // here, each piece is a copy into a buffer whose type is known.
            let mut out = io::BufWriter::with_capacity(JSON_BUFFER, out);
            serde_json::to_writer_pretty(&mut out, report)?;
            writeln!(out)?;
            out.flush()
        }
        // Data (tag values, names, messages) may carry ANSI escapes or line breaks: the table
        // prints a copy where every control character is a visible escape.
        Format::Table => table::render(report, &opts, out),
        Format::Markdown => markdown::render(report, &opts, out),
        Format::Sarif => sarif::render(report, &opts.repo, out),
        Format::Github => github::render(report, &opts.repo, out),
        Format::Junit => junit::render(report, &opts, out),
    }
}
