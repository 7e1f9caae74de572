//! Tag checks: tag policies on every layer (TAG001 required keys, TAG002 values, TAG003 key
//! case, TAG006 prohibited keys), drift between state and live (TAG004), and required keys
//! not activated for cost allocation (TAG005).

use std::collections::{BTreeMap, BTreeSet};

use super::correlate::{
    is_audited, live_ref, normalize_arn, owner_of, short_name, tf_owner, tf_ref, Correlation,
};
use super::findings::Findings;
use super::findings::HashMap;
use super::input::AuditInput;
use super::output::ResourceRef;
use crate::model::{
    EffectiveTags, Layer, LiveResource, SourceLocation, TagMap, Tags, TfResource, AWS_SYSTEM_TAG_PREFIX,
};
use crate::policy::tags::{prohibited, KeyCase, TagPolicy};
use crate::policy::types::{aws_type_of, TypeNames};
use crate::policy::Policy;
use crate::policy::RuleId;
use crate::policy::Scope;
use crate::policy::Severity;
use crate::snapshot::CostAllocationTagStatus;
use crate::terraform::declaration;
use crate::terraform::taggable::is_taggable;

/// Tag policies on every layer: TAG001 (required key missing), TAG002 (value not allowed),
/// TAG003 (key spelled differently from the policy), TAG006 (prohibited key). Each resource is
/// judged once, at the layer closest to the fix: code, else plan, else state, else live (live
/// only for resources in no state). Then TAG003 across the estate: one key used with several
/// capitalisations that no policy pins.
pub(crate) fn policies(input: &AuditInput<'_>, correlation: &Correlation<'_>, out: &mut Findings) {
    let policy = input.policy;
    let tag_policies = effective_tag_policies(policy);
    if tag_policies.is_empty() && policy.rules.prohibited_tags.is_empty() {
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
    // Only state is looked up in the plan's declarations: without state (the plan gate) the
    // set is not built.
    let in_plan: BTreeSet<String> = if input.state.is_empty() {
        BTreeSet::new()
    } else {
        plan.iter().filter(changes).map(|r| declaration(&r.address)).collect()
    };
    let mut spellings = Spellings::default();
    let mut names = NamesCache::default();

    let mut check_tf = |r: &TfResource, out: &mut Findings| {
        if !is_audited(r) || !is_taggable(&r.resource_type) {
            return;
        }
        spellings.add(&r.tags);
        let subject = Subject { of: Of::Tf(r), names: names.terraform(r), layer: r.layer };
        judge(policy, &tag_policies, &subject, &r.tags, out);
    };
    for r in code {
        check_tf(r, out);
    }
    for r in plan
        .iter()
        .filter(changes)
        .filter(|r| in_code.is_empty() || !in_code.contains(&declaration(&r.address)))
    {
        check_tf(r, out);
    }
    let layered = !in_code.is_empty() || !in_plan.is_empty();
    for r in input.state {
        let covered = layered && {
            let decl = declaration(&r.address);
            in_code.contains(&decl) || in_plan.contains(&decl)
        };
        if !covered {
            check_tf(r, out);
        }
    }

    if let Some(snapshot) = input.snapshot {
        for (i, live) in snapshot.resources.iter().enumerate() {
            if correlation.managing(i).is_some() {
                continue;
            }
            spellings.add(&live.tags);
            let subject =
                Subject { of: Of::Live(live), names: names.live(&live.resource_type), layer: Layer::Live };
            judge(policy, &tag_policies, &subject, &live.tags, out);
        }
    }
    spellings.report(&tag_policies, policy, out);
}

/// Type names per resource type, computed once: a million live resources share a few types.
#[derive(Default)]
struct NamesCache {
    terraform: BTreeMap<String, TypeNames>,
    live: BTreeMap<String, TypeNames>,
    /// For a Terraform type the table does not know, where the ARN decides.
    scratch: TypeNames,
}

impl NamesCache {
    fn terraform(&mut self, r: &TfResource) -> &TypeNames {
        if aws_type_of(&r.resource_type).is_none() {
            self.scratch = TypeNames::terraform(&r.resource_type, r.arn.as_deref());
            return &self.scratch;
        }
        cached(&mut self.terraform, &r.resource_type, |t| TypeNames::terraform(t, None))
    }

    fn live(&mut self, aws_type: &str) -> &TypeNames {
        cached(&mut self.live, aws_type, TypeNames::live)
    }
}

fn cached<'c>(
    cache: &'c mut BTreeMap<String, TypeNames>,
    key: &str,
    make: impl Fn(&str) -> TypeNames,
) -> &'c TypeNames {
    if !cache.contains_key(key) {
        cache.insert(key.to_string(), make(key));
    }
    &cache[key]
}

/// One policy for each plain `required_tags` key (required everywhere, spelled exactly), then
/// the explicit tag policies.
fn effective_tag_policies(policy: &Policy) -> Vec<TagPolicy> {
    let mut all = Vec::new();
    for key in &policy.required_tags {
        all.push(TagPolicy {
            key: key.clone(),
            required: Some(Scope::All),
            allowed: Vec::new(),
            pattern: None,
            case: KeyCase::Exact,
            scope: Scope::All,
            enforced: None,
            default: None,
            origin: crate::model::SourceLocation::file("required_tags"),
        });
    }
    all.extend(policy.rules.tags.iter().cloned());
    all
}

/// One resource being judged, at one layer. What a finding needs (label, reference, owner)
/// is made only when there is a finding: most resources pass.
struct Subject<'a> {
    of: Of<'a>,
    names: &'a TypeNames,
    layer: Layer,
}

enum Of<'a> {
    Tf(&'a TfResource),
    Live(&'a LiveResource),
}

impl Subject<'_> {
    fn label(&self) -> String {
        match self.of {
            Of::Tf(r) => format!("{} ({})", r.address, r.layer),
            Of::Live(live) => format!("{} {} (live)", live.resource_type, short_name(&live.arn)),
        }
    }

    fn resource(&self) -> ResourceRef {
        match self.of {
            Of::Tf(r) => tf_ref(r),
            Of::Live(live) => live_ref(live),
        }
    }

    fn location(&self) -> Option<SourceLocation> {
        match self.of {
            Of::Tf(r) => r.tags_location.clone().or_else(|| r.location.clone()),
            Of::Live(_) => None,
        }
    }

    fn owner(&self, owner_tag: &str) -> Tags {
        match self.of {
            Of::Tf(r) => tf_owner(r, owner_tag),
            Of::Live(live) => owner_of(&live.tags, owner_tag),
        }
    }
}

fn judge(
    policy: &Policy,
    tag_policies: &[TagPolicy],
    s: &Subject<'_>,
    tags: &impl TagMap,
    out: &mut Findings,
) {
    let first = out.len();
    judge_tags(policy, tag_policies, s, tags, out);
    if matches!(s.of, Of::Tf(r) if r.may_not_exist) {
        out.if_created(first, policy.unknown_tags);
    }
}

fn judge_tags(
    policy: &Policy,
    tag_policies: &[TagPolicy],
    s: &Subject<'_>,
    tags: &impl TagMap,
    out: &mut Findings,
) {
    // In policy order, as people wrote them.
    let mut missing: Vec<&str> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    let mut wrong_case: BTreeMap<String, String> = BTreeMap::new();
    let mut enforced_case = false;
    let mut bad_values: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut enforced_value = false;
    for tp in tag_policies {
        let v = tp.check(s.names, tags);
        if v.missing && !missing.contains(&tp.key.as_str()) {
            missing.push(tp.key.as_str());
        }
        if v.unknown && !unknown.contains(&tp.key.as_str()) {
            unknown.push(tp.key.as_str());
        }
        let enforced = tp.enforced_on(s.names);
        for key in v.wrong_case {
            enforced_case |= enforced;
            wrong_case.entry(key).or_insert_with(|| tp.key.clone());
        }
        for (key, value) in v.bad_values {
            enforced_value |= enforced;
            bad_values.entry((key, value)).or_insert_with(|| tp.describe_values());
        }
    }
    // A key missing under one policy but present in another spelling is TAG003, never TAG001.
    let in_scope = |id: RuleId| policy.rule_scope(id).matches(s.names);
    let plural = |n: usize| if n == 1 { "" } else { "s" };

    unknown.retain(|k| !missing.contains(k));
    let tag001 = !missing.is_empty() || (!unknown.is_empty() && policy.unknown_tags.is_some());
    if tag001 && in_scope(RuleId::TAG001) {
        let f = if !missing.is_empty() {
            let message = format!(
                "{} is missing required tag{} {}",
                s.label(),
                plural(missing.len()),
                quote_list(&missing)
            );
            let f = out.push(RuleId::TAG001, s.resource(), message);
            f.detail("missing_keys", &missing);
            Some(f)
        } else if let (false, Some(severity)) = (unknown.is_empty(), policy.unknown_tags) {
            // Part of the tag map is only known after apply: we cannot say the key is missing,
            // and we will not say it is there. Its own outcome, at the configured severity.
            let message = format!(
                "{}: required tag{} {} cannot be verified before apply (part of its tags is unknown)",
                s.label(),
                plural(unknown.len()),
                quote_list(&unknown)
            );
            let f = out.push(RuleId::TAG001, s.resource(), message);
            f.severity(severity).detail("outcome", "unknown");
            Some(f)
        } else {
            None
        };
        if let Some(f) = f {
            if !unknown.is_empty() {
                f.detail("unknown_keys", &unknown);
            }
            place(f, s, policy);
        }
    }
    if !bad_values.is_empty() && in_scope(RuleId::TAG002) {
        let parts: Vec<String> =
            bad_values.iter().map(|((k, v), want)| format!("\"{k}\" = \"{v}\" (expected {want})")).collect();
        let message =
            format!("{}: tag value{} not allowed: {}", s.label(), plural(parts.len()), parts.join("; "));
        let values: Vec<serde_json::Value> =
            bad_values.keys().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect();
        let f = out.push(RuleId::TAG002, s.resource(), message);
        f.detail("values", values);
        if enforced_value {
            f.severity(Severity::Error).detail("enforced", true);
        }
        place(f, s, policy);
    }
    if !wrong_case.is_empty() && in_scope(RuleId::TAG003) {
        let parts: Vec<String> =
            wrong_case.iter().map(|(found, want)| format!("\"{found}\" should be \"{want}\"")).collect();
        let message = format!(
            "{}: tag key{} with the wrong case: {}",
            s.label(),
            plural(parts.len()),
            parts.join(", ")
        );
        let f = out.push(RuleId::TAG003, s.resource(), message);
        f.detail("keys", &wrong_case);
        if enforced_case {
            f.severity(Severity::Error).detail("enforced", true);
        }
        place(f, s, policy);
    }
    let banned = prohibited(&policy.rules.prohibited_tags, tags);
    if !banned.is_empty() && in_scope(RuleId::TAG006) {
        let message =
            format!("{} carries prohibited tag{} {}", s.label(), plural(banned.len()), quote_list(&banned));
        let f = out.push(RuleId::TAG006, s.resource(), message);
        f.detail("keys", &banned);
        place(f, s, policy);
    }
}

fn place(f: &mut super::output::Finding, s: &Subject<'_>, policy: &Policy) {
    f.layer = Some(s.layer);
    f.location = s.location();
    f.owner = s.owner(&policy.owner_tag);
}

/// Spellings of every user tag key across the judged resources, for estate-wide TAG003:
/// resources per exact key, grouped by lower case only when reported (a million resources
/// share a few dozen keys, so counting is one hashed lookup per key).
#[derive(Default)]
struct Spellings(HashMap<String, usize>);

impl Spellings {
    fn add(&mut self, tags: &impl TagMap) {
        for (key, _) in tags.entries().filter(|(k, _)| !k.starts_with(AWS_SYSTEM_TAG_PREFIX)) {
            match self.0.get_mut(key) {
                Some(n) => *n += 1,
                None => {
                    self.0.insert(key.to_string(), 1);
                }
            }
        }
    }

    /// Keys a policy pins (exact case) are judged per resource already; the rest are reported
    /// once per key when spelled more than one way.
    fn report(self, tag_policies: &[TagPolicy], policy: &Policy, out: &mut Findings) {
        let pinned: BTreeSet<String> = tag_policies.iter().map(|t| t.key.to_lowercase()).collect();
        if policy.rules.rule_scopes.contains_key(RuleId::TAG003.as_str()) {
            // Narrowed by the user to some types: estate-wide counting would ignore that.
            return;
        }
        let mut by_lower: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for (key, n) in self.0 {
            by_lower.entry(key.to_lowercase()).or_default().insert(key, n);
        }
        for (lower, variants) in by_lower {
            if variants.len() < 2 || pinned.contains(&lower) {
                continue;
            }
            let parts: Vec<String> = variants
                .iter()
                .map(|(k, n)| format!("\"{k}\" on {n} resource{}", if *n == 1 { "" } else { "s" }))
                .collect();
            let message = format!(
                "tag key \"{lower}\" is spelled {} ways across the estate: {}",
                variants.len(),
                parts.join(", ")
            );
            let resource = ResourceRef { name: Some(format!("tag:{lower}")), ..Default::default() };
            out.push(RuleId::TAG003, resource, message).detail("variants", &variants);
        }
    }
}

/// TAG004: the tags Terraform last applied (`tags_all` in state) against the live tags.
pub(crate) fn drift(input: &AuditInput<'_>, correlation: &Correlation<'_>, out: &mut Findings) {
    let Some(snapshot) = input.snapshot else { return };
    for (i, live) in snapshot.resources.iter().enumerate() {
        let Some(tf) = correlation.managing(i) else { continue };
        if !drifted(&tf.tags, &live.tags) {
            continue;
        }
        let declared = tf.tags.known_values();
        let user = |k: &str| !k.starts_with(AWS_SYSTEM_TAG_PREFIX);
        let keys: BTreeSet<&str> = declared.keys().chain(live.tags.keys()).filter(|k| user(k)).collect();
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
        let f = out.push(RuleId::TAG004, tf_ref(tf), message);
        f.detail("changes", &changes);
        f.layer = Some(Layer::Live);
        f.location = tf.location.clone();
        f.owner = owner_of(&declared, &input.policy.owner_tag);
    }
}

/// Whether the state's known tags and the live tags differ on a user key: the cheap question
/// asked of every managed resource before the changes are spelled out for the few that drifted.
fn drifted(state: &EffectiveTags, live: &Tags) -> bool {
    let user = |k: &str| !k.starts_with(AWS_SYSTEM_TAG_PREFIX);
    let changed_or_removed = state
        .tags
        .iter()
        .filter(|(k, _)| user(k))
        .any(|(k, v)| v.known().is_some_and(|v| live.get(k) != Some(v)));
    changed_or_removed
        || live.keys().filter(|k| user(k)).any(|k| state.tags.get(k).and_then(|v| v.known()).is_none())
}

/// TAG005: required keys that Cost Explorer cannot group by because they are not activated.
/// Silent when the snapshot does not know the activation status.
pub(crate) fn cost_allocation(input: &AuditInput<'_>, out: &mut Findings) {
    let Some(snapshot) = input.snapshot else { return };
    if snapshot.cost_allocation_tags.is_empty() {
        return;
    }
    let mut required: Vec<&String> = input.policy.required_tags.iter().collect();
    for tp in input.policy.rules.tags.iter().filter(|t| t.required.is_some()) {
        if !required.contains(&&tp.key) {
            required.push(&tp.key);
        }
    }
    for key in required {
        let status = snapshot.cost_allocation_tags.iter().find(|t| &t.key == key).map(|t| t.status);
        if status == Some(CostAllocationTagStatus::Active) {
            continue;
        }
        let state = if status.is_some() { "inactive" } else { "not listed" };
        let message = format!(
            "required tag key \"{key}\" is {state} as a cost allocation tag: spend cannot be grouped by it"
        );
        let resource = super::output::ResourceRef { name: Some(format!("tag:{key}")), ..Default::default() };
        out.push(RuleId::TAG005, resource, message).detail("status", state);
    }
}

fn quote_list(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
}
