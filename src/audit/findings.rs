//! The findings collector every check writes to: rule name, severity (default or overridden)
//! and fix hint come from the catalog, so a check states only what it found.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::output::{Finding, ResourceRef};
use crate::model::{SmallMap, Tags};
use crate::policy::{self, Policy, RuleId, Severity};

/// Collects findings, filling rule name, severity (default or overridden) and fix hint from
/// the catalog.
pub(crate) struct Findings(pub(crate) Vec<Finding>, BTreeMap<String, Severity>);

impl Findings {
    pub(crate) fn new(policy: &Policy) -> Self {
        Findings(Vec::new(), policy.rules.severity.clone())
    }

    pub(crate) fn push(&mut self, rule_id: RuleId, resource: ResourceRef, message: String) -> &mut Finding {
        let rule = policy::rule(rule_id);
        self.0.push(Finding {
            rule_id: Cow::Borrowed(&rule.id),
            rule_name: Cow::Borrowed(&rule.name),
            severity: self.1.get(rule_id.as_str()).copied().unwrap_or(rule.severity),
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

    pub(crate) fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The findings pushed since `from` are about a resource that may never be created: they
    /// say so and take `severity` (the `--unknown-tags` one), or are dropped when it is `None`.
    pub(crate) fn if_created(&mut self, from: usize, severity: Option<Severity>) {
        let Some(severity) = severity else {
            self.0.truncate(from);
            return;
        };
        // A resource that may never exist is never an error, whatever `--unknown-tags` says.
        let severity = severity.min(Severity::Warning);
        for f in &mut self.0[from..] {
            f.message.push_str(", if created (its count or for_each is unknown before apply)");
            f.severity = severity;
            f.details.insert("exists".to_string(), serde_json::Value::String("unknown".to_string()));
        }
    }

    /// Keep only the findings `keep` accepts.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&Finding) -> bool) {
        self.0.retain(keep);
    }

    pub(crate) fn into_vec(self) -> Vec<Finding> {
        self.0
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

/// Hash map for the audit's large indexes (ARNs, ids, owners). Its order never reaches the
/// output: whatever is reported from one is sorted first.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
