//! Written exemptions applied to the findings: an approved, unexpired entry moves the findings
//! it covers to the report's `exempted` list; an entry that is unapproved, incomplete or
//! expired does not apply and is itself reported (EXM001), and so is a valid entry that
//! matched nothing (`info`, `audit` only: `lint` and `plan` do not see what most rules need).
//!
//! "Today" is the snapshot's `as_of`, else `Policy::today` (`--today`). Never the clock.

use std::collections::BTreeMap;

use super::findings::Findings;
use super::input::AuditInput;
use super::output::{Exempted, ExemptionRef, Finding, ResourceRef};
use crate::model::Tags;
use crate::policy::exemptions::Exemption;
use crate::policy::glob;
use crate::policy::RuleId;
use crate::policy::Severity;

pub(crate) fn apply(input: &AuditInput<'_>, out: &mut Findings) -> Vec<Exempted> {
    let policy = input.policy;
    if policy.exemptions.is_empty() {
        return Vec::new();
    }
    let today = input.snapshot.map(|s| s.as_of).or(policy.today);
    let tags = TagLookup::new(input);

    let mut valid: Vec<(&Exemption, ExemptionRef)> = Vec::new();
    let mut invalid: Vec<(&Exemption, Vec<String>)> = Vec::new();
    for e in &policy.exemptions {
        let mut problems = Vec::new();
        if e.approved_by.is_none() {
            problems.push("it has no approved_by".to_string());
        }
        if e.reason.is_none() {
            problems.push("it gives no reason".to_string());
        }
        match (e.expires, today) {
            (None, _) => problems.push("it has no expires date".to_string()),
            (Some(day), Some(today)) if day < today => problems.push(format!("it expired on {day}")),
            (Some(_), None) => {
                problems.push("its expiry cannot be checked without a date (--today)".to_string())
            }
            _ => {}
        }
        match (problems.is_empty(), &e.approved_by, &e.reason, e.expires) {
            (true, Some(approved_by), Some(reason), Some(expires)) => {
                let exemption = ExemptionRef {
                    name: e.name.clone(),
                    file: e.location.file.clone(),
                    line: e.location.line.unwrap_or(0),
                    approved_by: approved_by.clone(),
                    reason: reason.clone(),
                    expires,
                };
                valid.push((e, exemption));
            }
            _ => invalid.push((e, problems)),
        }
    }

    let mut exempted = Vec::new();
    let mut matched = vec![0usize; valid.len()];
    for f in std::mem::take(&mut out.0) {
        // An exemption cannot hide the report about exemptions.
        let hit = if f.rule_id == RuleId::EXM001.as_str() {
            None
        } else {
            valid.iter().position(|(e, _)| covers(e, &f, &tags))
        };
        match hit {
            Some(i) => {
                matched[i] += 1;
                exempted.push(Exempted { finding: f, exemption: valid[i].1.clone() });
            }
            None => out.0.push(f),
        }
    }

    for (e, problems) in invalid {
        let still = out.0.iter().filter(|f| covers(e, f, &tags)).count();
        let stays = match still {
            0 => String::new(),
            1 => "; the finding it names stays reported".to_string(),
            n => format!("; the {n} findings it names stay reported"),
        };
        let message = format!("exemption \"{}\" does not apply: {}{stays}", e.name, problems.join(", "));
        let f = out.push(RuleId::EXM001, exemption_ref(e), message);
        f.location = Some(e.location.clone());
        f.detail("problems", &problems).detail("findings_not_exempted", still);
    }
    if policy.report_unmatched_exemptions {
        for ((e, _), n) in valid.iter().zip(&matched) {
            if *n > 0 {
                continue;
            }
            let message = format!(
                "exemption \"{}\" matched no finding: remove it, or correct the rules and resources it names",
                e.name
            );
            let f = out.push(RuleId::EXM001, exemption_ref(e), message);
            f.severity(Severity::Info).detail("problems", ["matched nothing"]);
            f.location = Some(e.location.clone());
        }
    }
    exempted
}

fn exemption_ref(e: &Exemption) -> ResourceRef {
    ResourceRef { name: Some(format!("exemption:{}", e.name)), ..ResourceRef::default() }
}

fn covers(e: &Exemption, f: &Finding, tags: &TagLookup<'_>) -> bool {
    if !e.covers_rule(&f.rule_id) {
        return false;
    }
    let r = &f.resource;
    let names = [r.address.as_deref(), r.arn.as_deref(), r.name.as_deref()];
    let resource_ok = e.resources.is_empty()
        || e.resources.iter().any(|p| names.iter().flatten().any(|n| glob::matches(p, n)));
    if !resource_ok {
        return false;
    }
    if e.tags.is_empty() {
        return true;
    }
    let tags = tags.of(f);
    e.tags
        .iter()
        .all(|(k, values)| tags.get(k).is_some_and(|v| values.iter().any(|want| glob::matches(want, v))))
}

/// Tags of the resource a finding is about, for tag-scoped exemptions: the Terraform
/// resource's known tags (same layer first), else the live resource's, plus the finding's
/// owner (which is what budgets and spend findings carry).
struct TagLookup<'a> {
    terraform: BTreeMap<&'a str, Vec<&'a crate::model::TfResource>>,
    live: BTreeMap<&'a str, &'a Tags>,
}

impl<'a> TagLookup<'a> {
    fn new(input: &AuditInput<'a>) -> Self {
        let mut terraform: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        let layers = [input.code.unwrap_or(&[]), input.plan.unwrap_or(&[]), input.state];
        for r in layers.into_iter().flatten() {
            terraform.entry(r.address.as_str()).or_default().push(r);
        }
        let live = input
            .snapshot
            .map(|s| s.resources.iter().map(|r| (r.arn.as_str(), &r.tags)).collect())
            .unwrap_or_default();
        TagLookup { terraform, live }
    }

    fn of(&self, f: &Finding) -> Tags {
        let mut tags = Tags::new();
        if let Some(found) = f.resource.address.as_deref().and_then(|a| self.terraform.get(a)) {
            let best = found.iter().find(|r| Some(r.layer) == f.layer).or(found.first());
            if let Some(r) = best {
                tags = r.tags.known_values();
            }
        } else if let Some(live) = f.resource.arn.as_deref().and_then(|a| self.live.get(a)) {
            tags = (*live).clone();
        }
        tags.extend(f.owner.clone());
        tags
    }
}
