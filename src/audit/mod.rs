//! The audit engine: cross-references Terraform (code, plan, state), the live inventory and
//! spend into findings, coverage, spend split and budget status.
//!
//! It reads only the in-memory model: loading is the readers' job, rendering the report's. A
//! wrong finding costs users more than a missing one, so every check errs on the side of
//! silence where the data cannot prove a problem (see ARCHITECTURE.md, "Trust").

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::model::{Budget, Diagnostic, TfResource};
use crate::report::{Coverage, Finding, ResourceRef, Severity, Spend};
use crate::rules;
use crate::snapshot::Snapshot;

mod budgets;
mod correlate;
mod spend;
mod tags;

pub use budgets::period_bounds;

/// The tag policy of the foundation: required keys and the key that names an owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub required_tags: Vec<String>,
    pub owner_tag: String,
    /// Severity for required keys whose presence cannot be known before apply; `None` keeps
    /// them silent (they are never reported as missing).
    pub unknown_tags: Option<Severity>,
}

/// Everything one audit looks at, already loaded.
#[derive(Debug, Clone, Copy)]
pub struct AuditInput<'a> {
    pub code: Option<&'a [TfResource]>,
    pub plan: Option<&'a [TfResource]>,
    pub state: &'a [TfResource],
    pub snapshot: Option<&'a Snapshot>,
    pub policy: &'a Policy,
    /// Budgets declared in config; AWS Budgets come from the snapshot.
    pub budgets: &'a [Budget],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOutput {
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
    pub spend: Option<Spend>,
    pub budgets: Vec<crate::report::BudgetStatus>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn run(input: &AuditInput<'_>) -> AuditOutput {
    let mut out = Findings::default();
    let mut diagnostics = Vec::new();

    let correlation = correlate::correlate(input, &mut out);
    tags::required_tags(input, &correlation, &mut out);
    tags::drift(input, &correlation, &mut out);
    tags::cost_allocation(input, &mut out);

    let (spend, budgets) = match input.snapshot {
        Some(snapshot) => {
            let spend = spend::spend(input, snapshot, &correlation, &mut out, &mut diagnostics);
            let budgets = budgets::budgets(input, snapshot, &mut out);
            (spend, budgets)
        }
        None => (None, Vec::new()),
    };

    let mut coverage = correlation.coverage();
    if let Some(spend) = &spend {
        coverage.by_cost_pct = spend::coverage_by_cost(spend);
    }
    AuditOutput { findings: out.0, coverage, spend, budgets, diagnostics }
}

/// Collects findings, filling rule name, default severity and fix hint from the catalog.
#[derive(Default)]
pub(crate) struct Findings(Vec<Finding>);

impl Findings {
    pub(crate) fn push(&mut self, rule_id: &str, resource: ResourceRef, message: String) -> &mut Finding {
        let rule = rules::rule(rule_id);
        self.0.push(Finding {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            severity: rule.severity,
            message,
            layer: None,
            resource,
            location: None,
            owner: BTreeMap::new(),
            cost: None,
            fix: rule.fix.clone(),
            details: BTreeMap::new(),
        });
        let last = self.0.len() - 1;
        &mut self.0[last]
    }
}

/// Builder-style helpers so checks read as one expression per finding.
impl Finding {
    pub(crate) fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    pub(crate) fn detail(&mut self, key: &str, value: impl serde::Serialize) -> &mut Self {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        self.details.insert(key.to_string(), value);
        self
    }
}

/// The month (or longer budget period) the audit's money figures cover, and "today".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start: NaiveDate,
    /// Exclusive: the snapshot's `as_of`, the first day whose costs are not complete.
    pub end: NaiveDate,
}

impl Window {
    /// Month to date of `as_of`. On the first of a month, the whole previous month.
    pub fn month_to_date(as_of: NaiveDate) -> Window {
        let (start, _) = budgets::period_bounds(crate::model::BudgetPeriod::Monthly, as_of);
        if start == as_of {
            let prev = as_of.pred_opt().unwrap_or(as_of);
            let (start, _) = budgets::period_bounds(crate::model::BudgetPeriod::Monthly, prev);
            Window { start, end: as_of }
        } else {
            Window { start, end: as_of }
        }
    }

    /// A cost line counts when its period starts inside the window.
    pub fn includes(&self, period: &crate::model::Period) -> bool {
        self.start <= period.start && period.start < self.end
    }
}
