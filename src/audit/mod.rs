//! The audit engine: cross-references Terraform (code, plan, state), the live inventory and
//! spend into findings, coverage, spend split and budget status.
//!
//! It reads only the in-memory model: loading is the readers' job, rendering the report's. A
//! wrong finding costs users more than a missing one, so every check errs on the side of
//! silence where the data cannot prove a problem (see ARCHITECTURE.md, "Trust").

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;

use rust_decimal::Decimal;

use crate::model::{Budget, Diagnostic, SmallMap, Tags, TfResource};
use crate::report::{Coverage, Exempted, Finding, ResourceRef, Severity, Spend};
use crate::rules;
use crate::rules::exemptions::Exemption;
use crate::rules::policy::PolicySet;
use crate::snapshot::Snapshot;

mod budgets;
mod correlate;
mod exemptions;
pub(crate) mod movers;
pub(crate) mod review;
mod spend;
mod tags;
pub(crate) mod visibility;

pub use budgets::period_bounds;

/// The visibility section of a snapshot (what its inventory could see), for `tally collect`.
pub fn visibility_of(snapshot: &Snapshot) -> Option<crate::report::visibility::Visibility> {
    visibility::visibility(snapshot)
}

/// Hash map for the audit's large indexes (ARNs, ids, owners). Its order never reaches the
/// output: whatever is reported from one is sorted first.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub use movers::MoverThresholds;
pub use review::review;

/// The policy a run applies: required keys, the owner key, tag policies, severity and scope
/// overrides, budget alert settings and written exemptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub required_tags: Vec<String>,
    pub owner_tag: String,
    /// Severity for required keys whose presence cannot be known before apply; `None` keeps
    /// them silent (they are never reported as missing).
    pub unknown_tags: Option<Severity>,
    /// Tag policies, prohibited keys, severity and rule-scope overrides (policy files,
    /// Organizations tag policies, tally.hcl, `--severity`).
    pub rules: PolicySet,
    /// Alert thresholds and AWS Budget links by budget name.
    pub budgets: BTreeMap<String, BudgetSettings>,
    pub exemptions: Vec<Exemption>,
    /// The date exemptions expire against when there is no snapshot (`--today`).
    pub today: Option<NaiveDate>,
    /// Report exemptions that matched nothing (only where the run saw every kind of input
    /// their rules need: `audit`).
    pub report_unmatched_exemptions: bool,
    /// When week-over-week spend changes are reported (CST003).
    pub movers: MoverThresholds,
    /// `--require-visibility`: never-tagged resources of a covered type that could not be seen
    /// somewhere make the run partial.
    pub require_visibility: bool,
}

impl Policy {
    /// Severity of a rule after overrides.
    pub fn severity_of(&self, rule_id: &str) -> Severity {
        self.rules.severity.get(rule_id).copied().unwrap_or_else(|| rules::rule(rule_id).severity)
    }

    /// The resource types a rule looks at, after overrides.
    pub(crate) fn rule_scope(&self, rule_id: &str) -> &rules::Scope {
        self.rules.rule_scopes.get(rule_id).unwrap_or_else(|| &rules::rule(rule_id).scope)
    }
}

/// Budget settings beyond the model's `Budget`: when to alert, and where the numbers come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetSettings {
    /// BUD001 fires when actual reaches this percentage of the limit (default 100).
    pub alert_at_actual: Option<Decimal>,
    /// BUD002 fires when the forecast reaches this percentage of the limit (default 100).
    pub alert_at_forecast: Option<Decimal>,
    /// Read actual and forecast from this AWS Budget in the snapshot instead of computing them.
    pub aws_budget: Option<String>,
    /// No `limit` in tally.hcl: the AWS Budget's limit is used.
    pub limit_from_aws: bool,
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
    /// The days spend, CST001/CST002 and CST003 look at, `[start, end)`; `None` is the month to
    /// date of the snapshot's `as_of` (the review uses its own period).
    pub window: Option<crate::model::Period>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOutput {
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
    pub spend: Option<Spend>,
    pub budgets: Vec<crate::report::BudgetStatus>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings an approved, unexpired exemption covers, with the exemption.
    pub exempted: Vec<Exempted>,
    /// Week-over-week movers (CST003's data), when daily lines cover both weeks.
    pub movers: Option<crate::report::review::Movers>,
    /// What the live inventory could see.
    pub visibility: Option<crate::report::visibility::Visibility>,
}

pub fn run(input: &AuditInput<'_>) -> AuditOutput {
    let mut out = Findings::new(input.policy);
    let mut diagnostics = Vec::new();

    let correlation = correlate::correlate(input, &mut out);
    tags::policies(input, &correlation, &mut out);
    tags::drift(input, &correlation, &mut out);
    tags::cost_allocation(input, &mut out);

    let (spend, budgets, movers) = match input.snapshot {
        Some(snapshot) => {
            let spend = spend::spend(input, snapshot, &correlation, &mut out, &mut diagnostics);
            let budgets = budgets::budgets(input, snapshot, &mut out);
            let end = Window::of(input, snapshot).end;
            let owner_tag = &input.policy.owner_tag;
            let movers = movers::movers(&snapshot.costs.lines, end, owner_tag, &input.policy.movers);
            if let Some(m) = &movers {
                movers::report(m, owner_tag, &mut out);
            }
            (spend, budgets, movers)
        }
        None => (None, Vec::new(), None),
    };

    let mut coverage = correlation.coverage();
    if let Some(spend) = &spend {
        coverage.by_cost_pct = spend::coverage_by_cost(spend);
    }
    let visibility = input.snapshot.and_then(visibility::visibility);
    if let (Some(v), Some(snapshot)) = (&visibility, input.snapshot) {
        if coverage.live_resources > 0 {
            coverage.computed_over = Some(visibility::computed_over(snapshot, v));
        }
        if input.policy.require_visibility {
            for gap in &v.gaps {
                diagnostics.push(Diagnostic {
                    source: "visibility".to_string(),
                    location: None,
                    account: Some(gap.account.clone()),
                    region: Some(gap.region.clone()),
                    message: gap.message(),
                });
            }
        }
    }
    let exempted = exemptions::apply(input, &mut out);
    AuditOutput { findings: out.0, coverage, spend, budgets, diagnostics, exempted, movers, visibility }
}

/// Collects findings, filling rule name, severity (default or overridden) and fix hint from
/// the catalog.
pub(crate) struct Findings(Vec<Finding>, BTreeMap<String, Severity>);

impl Findings {
    pub(crate) fn new(policy: &Policy) -> Self {
        Findings(Vec::new(), policy.rules.severity.clone())
    }

    pub(crate) fn push(&mut self, rule_id: &str, resource: ResourceRef, message: String) -> &mut Finding {
        let rule = rules::rule(rule_id);
        self.0.push(Finding {
            rule_id: Cow::Borrowed(&rule.id),
            rule_name: Cow::Borrowed(&rule.name),
            severity: self.1.get(rule_id).copied().unwrap_or(rule.severity),
            message,
            layer: None,
            resource,
            location: None,
            owner: Tags::new(),
            cost: None,
            fix: Cow::Borrowed(&rule.fix),
            details: SmallMap::new(),
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

    /// The window a run asked for, else the month to date of the snapshot's `as_of`.
    pub fn of(input: &AuditInput<'_>, snapshot: &Snapshot) -> Window {
        match input.window {
            Some(p) => Window { start: p.start, end: p.end },
            None => Window::month_to_date(snapshot.as_of),
        }
    }

    /// A cost line counts when its period starts inside the window.
    pub fn includes(&self, period: &crate::model::Period) -> bool {
        self.start <= period.start && period.start < self.end
    }
}
