//! `--redact`: personal data out of a [`Report`] before any format renders it, so every format
//! hides the same things the same way. E-mail addresses anywhere in the report (owner values,
//! tag values in details, messages, ARNs, exemption approvers) lose their local part; owner
//! tag values that look like a person's name become a pseudonym, wherever that value appears.
//! The functions are the export's (`export::redact`): one way to redact.
//!
//! Not here: deciding what an owner is (the audit), or source file paths, which are the
//! user's own and kept as given.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Report;
use crate::export::{redact_emails, redact_free_text, redact_owner};

/// Keys whose values are paths to the user's own files: kept.
const PATH_KEYS: &[&str] = &["file", "code", "states", "plan", "snapshot", "path"];

/// Redact through the canonical JSON: every string and key, whatever type holds it. The
/// report's own types round-trip through JSON (it is the canonical format).
fn redact_through_json<T: serde::Serialize + serde::de::DeserializeOwned>(this: &mut T, names: &[String]) {
    let Ok(mut value) = serde_json::to_value(&*this) else { return };
    redact_value(&mut value, names, false);
    if let Ok(redacted) = serde_json::from_value(value) {
        *this = redacted;
    }
}

impl super::review::ReviewReport {
    /// [`Report::redact`] for the weekly review: its daily series, movers and burn lines name
    /// owners too.
    pub fn redact(&mut self) {
        let mut names = self.report.owner_names();
        for day in &self.review.daily {
            for owner in day.by_owner.keys() {
                for name in crate::export::redact::names_in(owner) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
        names.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        redact_through_json(self, &names);
    }
}

impl Report {
    /// Hide e-mail addresses and names of people (see the module docs). Idempotent.
    pub fn redact(&mut self) {
        let names = self.owner_names();
        redact_through_json(self, &names);
    }

    /// Owner tag values that look like names, longest first (so `Jane Doe-Smith` is replaced
    /// before `Jane Doe`).
    fn owner_names(&self) -> Vec<String> {
        let mut names: BTreeSet<&str> = BTreeSet::new();
        let findings = self.findings.iter().chain(self.exempted.iter().map(|e| &e.finding));
        for f in findings {
            names.extend(f.owner.values());
        }
        if let Some(spend) = &self.summary.spend {
            names.extend(spend.by_owner.keys().map(String::as_str));
        }
        // Whole names, and the names beside an address ("John Smith <js@x.org>").
        let mut names: Vec<String> = names.into_iter().flat_map(crate::export::redact::names_in).collect();
        names.dedup();
        names.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        names
    }
}

fn redact_value(value: &mut Value, names: &[String], is_path: bool) {
    match value {
        Value::String(s) if !is_path => {
            if let Some(red) = redact_text(s, names) {
                *s = red;
            }
        }
        Value::Array(items) => {
            for item in items {
                redact_value(item, names, is_path);
            }
        }
        Value::Object(map) => {
            // Keys can be owner values too (spend by owner, tag maps in details).
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                redact_value(&mut v, names, PATH_KEYS.contains(&key.as_str()));
                let key = redact_text(&key, names).unwrap_or(key);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

/// `Some` when something was hidden.
fn redact_text(text: &str, names: &[String]) -> Option<String> {
    let mut out: Option<String> = None;
    for name in names {
        let current = out.as_deref().unwrap_or(text);
        if current.contains(name.as_str()) {
            out = Some(current.replace(name.as_str(), &redact_owner(name)));
        }
    }
    let current = out.as_deref().unwrap_or(text);
    // A name beside an address anywhere (a contact tag in a finding's details).
    if current.contains('@') {
        if let std::borrow::Cow::Owned(s) = redact_free_text(current) {
            return Some(s);
        }
    }
    match redact_emails(current) {
        std::borrow::Cow::Owned(s) => Some(s),
        std::borrow::Cow::Borrowed(_) => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_emails_are_hidden_in_text_and_keys() {
        let names = vec!["Jane Doe".to_string()];
        let mut v = serde_json::json!({
            "message": "owned by Jane Doe <jane.doe@acme.example>",
            "by_owner": {"Jane Doe": "1.00", "payments": "2.00"},
            "location": {"file": "me@home.tf"}
        });
        redact_value(&mut v, &names, false);
        let text = v.to_string();
        assert!(!text.contains("Jane") && !text.contains("jane"), "{text}");
        assert!(text.contains("@acme.example") && text.contains("person-") && text.contains("payments"));
        assert_eq!(v["location"]["file"], "me@home.tf", "paths are the user's own");
    }
}
