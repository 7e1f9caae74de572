//! Policy: what a run checks and how loudly. The built-in rule catalog (`rules/<ID>.hcl`,
//! compiled in), user policy files (HCL tag policies, AWS Organizations tag-policy JSON),
//! written exemptions, severities, budget alert settings and mover thresholds, merged into the
//! one [`Policy`] an audit applies. Reading and merging only: the checks live in `audit`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub mod catalog;
pub mod exemptions;
pub(crate) mod glob;
pub mod org;
pub mod render;
mod rule_id;
mod severity;
pub mod tags;
pub mod types;

pub use catalog::{catalog, rule, Docs, Rule};
pub use rule_id::RuleId;
pub use severity::Severity;
pub use tags::PolicySet;
pub use types::Scope;

use crate::hcl_syntax::reader::{read_text, ConfigErrors};
use crate::source::strip_bom;
use exemptions::Exemption;

/// Read a policy file: an Organizations tag-policy JSON when its content is JSON, else HCL.
pub fn load(path: &Path) -> Result<PolicySet, ConfigErrors> {
    let text = read_text(path)?;
    let text = strip_bom(&text);
    if text.trim_start().starts_with('{') {
        org::parse(path, text)
    } else {
        tags::parse_hcl(path, text)
    }
}

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
    pub fn severity_of(&self, rule_id: RuleId) -> Severity {
        self.rules.severity.get(rule_id.as_str()).copied().unwrap_or_else(|| catalog::rule(rule_id).severity)
    }

    /// The resource types a rule looks at, after overrides.
    pub(crate) fn rule_scope(&self, rule_id: RuleId) -> &Scope {
        self.rules.rule_scopes.get(rule_id.as_str()).unwrap_or_else(|| &catalog::rule(rule_id).scope)
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

/// When a change is a mover (tally.hcl's `movers` block: `min_change_pct`, `min_change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoverThresholds {
    /// Percent of the week before.
    pub min_change_pct: Decimal,
    /// In the spend's currency.
    pub min_change: Decimal,
}

impl Default for MoverThresholds {
    fn default() -> Self {
        MoverThresholds { min_change_pct: Decimal::from(30), min_change: Decimal::from(50) }
    }
}
