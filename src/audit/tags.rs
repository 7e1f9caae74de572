//! Tag checks: required keys on every layer (TAG001), drift between state and live (TAG004),
//! and required keys not activated for cost allocation (TAG005).

use std::collections::BTreeSet;

use super::correlate::{is_audited, live_ref, normalize_arn, owner_of, short_name, tf_ref, Correlation};
use super::{AuditInput, Findings};
use crate::model::{Layer, TagPresence, TfResource, AWS_SYSTEM_TAG_PREFIX};
use crate::snapshot::CostAllocationTagStatus;
use crate::terraform::declaration;
use crate::terraform::taggable::is_taggable;

/// TAG001 on every layer, reported once per resource at the layer closest to the fix:
/// code, else plan, else state, else live.
pub(crate) fn required_tags(input: &AuditInput<'_>, correlation: &Correlation<'_>, out: &mut Findings) {
    let policy = input.policy;
    if policy.required_tags.is_empty() {
        return;
    }
    let code = input.code.unwrap_or(&[]);
    let plan = input.plan.unwrap_or(&[]);
    let in_code: BTreeSet<String> = code.iter().map(|r| declaration(&r.address)).collect();
    // Only changes the plan will apply are checked at the plan layer, so only they take
    // precedence over state; a no-op entry says nothing new.
    let changes = |r: &&TfResource| {
        use crate::model::PlanAction::{Create, Replace, Update};
        matches!(r.action, Some(Create | Update | Replace))
    };
    let in_plan: BTreeSet<String> = plan.iter().filter(changes).map(|r| declaration(&r.address)).collect();

    let check = |r: &TfResource, out: &mut Findings| {
        if !is_audited(r) || !is_taggable(&r.resource_type) {
            return;
        }
        let keys_where = |want: TagPresence<'static>| -> Vec<&str> {
            policy.required_tags.iter().filter(|k| r.tags.presence(k) == want).map(String::as_str).collect()
        };
        let missing = keys_where(TagPresence::Missing);
        let unknown = keys_where(TagPresence::Unknown);
        let plural = |keys: &[&str]| if keys.len() == 1 { "" } else { "s" };
        let f = if !missing.is_empty() {
            let message = format!(
                "{} ({}) is missing required tag{} {}",
                r.address,
                r.layer,
                plural(&missing),
                quote_list(&missing)
            );
            let f = out.push("TAG001", tf_ref(r), message);
            f.detail("missing_keys", &missing);
            f
        } else if let (false, Some(severity)) = (unknown.is_empty(), policy.unknown_tags) {
            // Part of the tag map is only known after apply: we cannot say the key is missing,
            // and we will not say it is there. Its own outcome, at the configured severity.
            let message = format!(
                "{} ({}): required tag{} {} cannot be verified before apply (part of its tags is unknown)",
                r.address,
                r.layer,
                plural(&unknown),
                quote_list(&unknown)
            );
            let f = out.push("TAG001", tf_ref(r), message);
            f.severity(severity).detail("outcome", "unknown");
            f
        } else {
            return;
        };
        if !unknown.is_empty() {
            f.detail("unknown_keys", &unknown);
        }
        f.layer = Some(r.layer);
        f.location = r.tags_location.clone().or_else(|| r.location.clone());
        f.owner = owner_of(&r.tags.known_values(), &policy.owner_tag);
    };

    for r in code {
        check(r, out);
    }
    for r in plan.iter().filter(changes).filter(|r| !in_code.contains(&declaration(&r.address))) {
        check(r, out);
    }
    for r in input.state {
        let decl = declaration(&r.address);
        if !in_code.contains(&decl) && !in_plan.contains(&decl) {
            check(r, out);
        }
    }

    let Some(snapshot) = input.snapshot else { return };
    for live in &snapshot.resources {
        if correlation.managed.contains_key(live.arn.as_str()) {
            continue;
        }
        let missing: Vec<&str> = policy
            .required_tags
            .iter()
            .filter(|k| live.tags.get(k.as_str()).is_none_or(|v| v.is_empty()))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            continue;
        }
        let message = format!(
            "{} {} (live) is missing required tag{} {}",
            live.resource_type,
            short_name(&live.arn),
            if missing.len() == 1 { "" } else { "s" },
            quote_list(&missing)
        );
        let f = out.push("TAG001", live_ref(live), message);
        f.detail("missing_keys", &missing);
        f.layer = Some(Layer::Live);
        f.owner = owner_of(&live.tags, &policy.owner_tag);
    }
}

/// TAG004: the tags Terraform last applied (`tags_all` in state) against the live tags.
pub(crate) fn drift(input: &AuditInput<'_>, correlation: &Correlation<'_>, out: &mut Findings) {
    let Some(snapshot) = input.snapshot else { return };
    for live in &snapshot.resources {
        let Some(tf) = correlation.managed.get(live.arn.as_str()) else { continue };
        let declared = tf.tags.known_values();
        let user = |k: &String| !k.starts_with(AWS_SYSTEM_TAG_PREFIX);
        let keys: BTreeSet<&String> = declared.keys().chain(live.tags.keys()).filter(|k| user(k)).collect();
        let mut changes = Vec::new();
        for key in keys {
            match (declared.get(key), live.tags.get(key)) {
                (Some(a), Some(b)) if a != b => {
                    changes.push(serde_json::json!({"key": key, "state": a, "live": b}));
                }
                (Some(a), None) => changes.push(serde_json::json!({"key": key, "state": a, "live": null})),
                (None, Some(b)) => changes.push(serde_json::json!({"key": key, "state": null, "live": b})),
                _ => {}
            }
        }
        if changes.is_empty() {
            continue;
        }
        let summary: Vec<String> = changes
            .iter()
            .map(|c| {
                let key = c["key"].as_str().unwrap_or_default();
                match (c["state"].as_str(), c["live"].as_str()) {
                    (Some(_), Some(_)) => format!("{key} changed"),
                    (Some(_), None) => format!("{key} removed"),
                    _ => format!("{key} added"),
                }
            })
            .collect();
        let message = format!(
            "{} tags drifted from state: {} (live {})",
            tf.address,
            summary.join(", "),
            short_name(normalize_arn(&live.arn))
        );
        let f = out.push("TAG004", tf_ref(tf), message);
        f.detail("changes", &changes);
        f.layer = Some(Layer::Live);
        f.location = tf.location.clone();
        f.owner = owner_of(&declared, &input.policy.owner_tag);
    }
}

/// TAG005: required keys that Cost Explorer cannot group by because they are not activated.
/// Silent when the snapshot does not know the activation status.
pub(crate) fn cost_allocation(input: &AuditInput<'_>, out: &mut Findings) {
    let Some(snapshot) = input.snapshot else { return };
    if snapshot.cost_allocation_tags.is_empty() {
        return;
    }
    for key in &input.policy.required_tags {
        let status = snapshot.cost_allocation_tags.iter().find(|t| &t.key == key).map(|t| t.status);
        if status == Some(CostAllocationTagStatus::Active) {
            continue;
        }
        let state = if status.is_some() { "inactive" } else { "not listed" };
        let message = format!(
            "required tag key \"{key}\" is {state} as a cost allocation tag: spend cannot be grouped by it"
        );
        let resource = crate::report::ResourceRef { name: Some(format!("tag:{key}")), ..Default::default() };
        out.push("TAG005", resource, message).detail("status", state);
    }
}

fn quote_list(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
}
