//! What the snapshot's inventory could see, from its collection attempts: per account and
//! region the inventory sources' outcomes, and per covered resource type whether a source that
//! enumerates the type whole (AWS Config, an aggregator, Cloud Control) answered for it. The
//! tagging API never counts for that: it lists only resources that carry tags.
//!
//! Also the question IAC002 asks: was a state resource's type enumerable where it lives?

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::aws::cloudcontrol::{CcType as CoveredType, TYPES};
use crate::snapshot::{Attempt, AttemptStatus, Snapshot};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    /// One entry per account and region collected.
    pub units: Vec<UnitVisibility>,
    /// One entry per covered resource type, sorted by type.
    pub types: Vec<TypeVisibility>,
    /// Where never-tagged resources of some covered types could not be seen.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub gaps: Vec<VisibilityGap>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitVisibility {
    pub account: String,
    pub region: String,
    /// Inventory source (`tagging-api`, `config`, `config-aggregator`, `cloud-control`) ->
    /// `ok`, `error`, `denied`, `not_enabled`, or `not_asked`.
    pub sources: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeVisibility {
    /// tally's type name (`ec2:instance`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The CloudFormation name Config and Cloud Control know it by.
    pub cloudformation_type: String,
    /// Whether never-tagged resources of this type were visible everywhere tally looked.
    pub never_tagged_visible: bool,
    /// `ACCOUNT/REGION` where they were not.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub not_visible_in: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilityGap {
    pub account: String,
    pub region: String,
    /// tally type names whose never-tagged resources were not visible here.
    pub types: Vec<String>,
    /// The sources' outcomes here (`cloud-control denied, config not_enabled`).
    pub reason: String,
}

impl VisibilityGap {
    /// The diagnostic's text: the account, region and types that were not seen.
    pub fn message(&self) -> String {
        format!(
            "never-tagged resources of {} type{} were not visible in account {} region {} ({}): {}",
            self.types.len(),
            if self.types.len() == 1 { "" } else { "s" },
            self.account,
            self.region,
            self.reason,
            self.types.join(", ")
        )
    }
}

impl Visibility {
    /// The one line every human format prints.
    pub fn summary_line(&self) -> String {
        let units = self.units.len();
        let where_ = format!("{units} account-region{}", if units == 1 { "" } else { "s" });
        if self.gaps.is_empty() {
            return format!(
                "never-tagged resources of all {} covered types were visible in {where_}",
                self.types.len()
            );
        }
        let invisible = self.types.iter().filter(|t| !t.never_tagged_visible).count();
        let mut places: Vec<String> =
            self.gaps.iter().map(|g| format!("{} {}", g.account, g.region)).collect();
        if places.len() > 3 {
            let more = places.len() - 3;
            places.truncate(3);
            places.push(format!("{more} more"));
        }
        format!(
            "never-tagged resources of {invisible} of {} covered types were NOT visible in {} of {where_} ({}); coverage leaves them out",
            self.types.len(),
            self.gaps.len(),
            places.join(", ")
        )
    }
}

/// Inventory sources, in the order the report lists them.
const SOURCES: &[&str] = &["tagging-api", "config", "config-aggregator", "cloud-control"];

/// The visibility section; `None` when the snapshot holds no inventory attempt (cost files
/// alone, or nothing collected).
pub(crate) fn visibility(snapshot: &Snapshot) -> Option<Visibility> {
    let inventory: Vec<&Attempt> =
        snapshot.collection.attempts.iter().filter(|a| SOURCES.contains(&a.source.as_str())).collect();
    if inventory.is_empty() {
        return None;
    }
    let mut units: BTreeSet<(&str, &str)> = BTreeSet::new();
    for a in &inventory {
        if a.region != "global" {
            units.insert((a.account.as_str(), a.region.as_str()));
        }
    }
    let index = Index::new(&inventory);
    let types = TYPES;
    let mut out = Visibility::default();
    let mut not_visible: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &(account, region) in &units {
        let mut sources = BTreeMap::new();
        for source in SOURCES {
            let status = index.status(account, region, source);
            if let Some(status) = status {
                sources.insert(source.to_string(), status.as_str().to_string());
            } else if *source != "config-aggregator" {
                sources.insert(source.to_string(), "not_asked".to_string());
            }
        }
        let mut missing: Vec<String> = types
            .iter()
            .filter(|t| !index.lists(account, region, t))
            .map(|t| {
                not_visible.entry(t.kind).or_default().push(format!("{account}/{region}"));
                t.kind.to_string()
            })
            .collect();
        missing.sort();
        if !missing.is_empty() {
            let reason = sources
                .iter()
                .filter(|(s, _)| s.as_str() != "tagging-api")
                .map(|(s, status)| format!("{s} {status}"))
                .collect::<Vec<_>>()
                .join(", ");
            out.gaps.push(VisibilityGap {
                account: account.to_string(),
                region: region.to_string(),
                types: missing,
                reason,
            });
        }
        out.units.push(UnitVisibility { account: account.to_string(), region: region.to_string(), sources });
    }
    out.types = types
        .iter()
        .map(|t| {
            let not_visible_in = not_visible.remove(t.kind).unwrap_or_default();
            TypeVisibility {
                kind: t.kind.to_string(),
                cloudformation_type: t.name.to_string(),
                never_tagged_visible: not_visible_in.is_empty(),
                not_visible_in,
            }
        })
        .collect();
    out.types.sort_by(|a, b| a.kind.cmp(&b.kind));
    Some(out)
}

/// "live resources seen by cloud-control, tagging-api in 1 account x 2 regions; never-tagged
/// resources of 3 of 43 covered types not visible somewhere".
pub(crate) fn computed_over(snapshot: &Snapshot, v: &Visibility) -> String {
    let sources: BTreeSet<&str> = snapshot
        .resources
        .iter()
        .flat_map(|r| r.sources.iter())
        .map(|s| match s {
            crate::model::LiveSource::TaggingApi => "tagging-api",
            crate::model::LiveSource::Config => "config",
            crate::model::LiveSource::CloudControl => "cloud-control",
        })
        .collect();
    let accounts: BTreeSet<&str> = v.units.iter().map(|u| u.account.as_str()).collect();
    let regions: BTreeSet<&str> = v.units.iter().map(|u| u.region.as_str()).collect();
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let invisible = v.types.iter().filter(|t| !t.never_tagged_visible).count();
    let never_tagged = if invisible == 0 {
        "never-tagged resources of every covered type visible".to_string()
    } else {
        format!(
            "never-tagged resources of {invisible} of {} covered types not visible somewhere",
            v.types.len()
        )
    };
    format!(
        "live resources seen by {} in {} x {}; {never_tagged}",
        if sources.is_empty() {
            "no source".to_string()
        } else {
            sources.into_iter().collect::<Vec<_>>().join(", ")
        },
        plural(accounts.len(), "account"),
        plural(regions.len(), "region"),
    )
}

/// Whether attempt `a` enumerated `t` whole. Snapshots from before per-type outcomes were
/// recorded have a `config` attempt that is `ok` without `types`: Config answered for the types
/// tally asked it then (a region without a recorder looked the same; that ambiguity is theirs).
fn enumerated(a: &Attempt, t: &CoveredType) -> bool {
    a.listed(t.name)
        || (a.source == "config"
            && a.answered()
            && a.types.is_empty()
            && crate::aws::inventory::CONFIG_RESOURCE_TYPES.contains(&t.name))
}

/// Attempts by account, region and source.
pub(crate) struct Index<'a> {
    by_unit: BTreeMap<(&'a str, &'a str), Vec<&'a Attempt>>,
    by_account: BTreeMap<&'a str, Vec<&'a Attempt>>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(attempts: &[&'a Attempt]) -> Self {
        let mut by_unit: BTreeMap<(&str, &str), Vec<&Attempt>> = BTreeMap::new();
        let mut by_account: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
        for a in attempts {
            by_unit.entry((a.account.as_str(), a.region.as_str())).or_default().push(a);
            by_account.entry(a.account.as_str()).or_default().push(a);
        }
        Self { by_unit, by_account }
    }

    pub(crate) fn of(snapshot: &'a Snapshot) -> Self {
        let attempts: Vec<&Attempt> = snapshot.collection.attempts.iter().collect();
        Self::new(&attempts)
    }

    fn status(&self, account: &str, region: &str, source: &str) -> Option<AttemptStatus> {
        self.by_unit.get(&(account, region))?.iter().find(|a| a.source == source).map(|a| a.status)
    }

    /// Whether a source that enumerates `t` whole answered for it in `account` and `region`
    /// (anywhere in the account for types listed once per account).
    pub(crate) fn lists(&self, account: &str, region: &str, t: &CoveredType) -> bool {
        let attempts =
            if t.account_wide { self.by_account.get(account) } else { self.by_unit.get(&(account, region)) };
        attempts.is_some_and(|list| list.iter().any(|a| enumerated(a, t)))
    }

    /// Whether any region of `account` enumerated `t` whole (global and region-less resources).
    pub(crate) fn lists_anywhere(&self, account: &str, t: &CoveredType) -> bool {
        self.by_account.get(account).is_some_and(|list| list.iter().any(|a| enumerated(a, t)))
    }

    /// Whether the tagging API answered in `account` and `region` (any region of the account
    /// when `region` is `None`).
    pub(crate) fn tagging_answered(&self, account: &str, region: Option<&str>) -> bool {
        let ok = |a: &&Attempt| a.source == "tagging-api" && a.status == AttemptStatus::Ok;
        match region {
            Some(r) => self.by_unit.get(&(account, r)).is_some_and(|l| l.iter().any(ok)),
            None => self.by_account.get(account).is_some_and(|l| l.iter().any(ok)),
        }
    }

    /// Accounts with any attempt.
    pub(crate) fn accounts(&self) -> impl Iterator<Item = &&'a str> {
        self.by_account.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::TypeAttempt;

    fn attempt(source: &str, status: AttemptStatus, types: &[(&str, AttemptStatus)]) -> Attempt {
        Attempt {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            source: source.into(),
            status,
            error: None,
            types: types
                .iter()
                .map(|(t, s)| (t.to_string(), TypeAttempt { status: *s, message: None }))
                .collect(),
        }
    }

    fn snapshot(attempts: Vec<Attempt>) -> Snapshot {
        let mut s = Snapshot::empty("2026-11-20".parse().unwrap());
        s.collection.attempts = attempts;
        s
    }

    #[test]
    fn every_type_visible_when_cloud_control_listed_them_all() {
        let all: Vec<(&str, AttemptStatus)> = TYPES.iter().map(|t| (t.name, AttemptStatus::Ok)).collect();
        let v = visibility(&snapshot(vec![
            attempt("tagging-api", AttemptStatus::Ok, &[]),
            attempt("cloud-control", AttemptStatus::Ok, &all),
        ]))
        .unwrap();
        assert!(v.gaps.is_empty(), "{:?}", v.gaps);
        assert!(v.types.iter().all(|t| t.never_tagged_visible));
        assert_eq!(v.units[0].sources.get("config").map(String::as_str), Some("not_asked"));
        assert!(v.summary_line().starts_with("never-tagged resources of all "));
    }

    #[test]
    fn a_denied_type_is_a_gap_naming_account_region_and_type() {
        let mut types: Vec<(&str, AttemptStatus)> =
            TYPES.iter().map(|t| (t.name, AttemptStatus::Ok)).collect();
        types.retain(|(n, _)| *n != "AWS::EC2::Instance");
        types.push(("AWS::EC2::Instance", AttemptStatus::Denied));
        let v = visibility(&snapshot(vec![
            attempt("tagging-api", AttemptStatus::Ok, &[]),
            attempt("cloud-control", AttemptStatus::Denied, &types),
        ]))
        .unwrap();
        // Only the refused type is hidden: the others were listed.
        assert_eq!(v.gaps.len(), 1);
        assert_eq!(v.gaps[0].types, ["ec2:instance"]);
        let message = v.gaps[0].message();
        assert!(message.contains("account 111111111111 region us-east-1"), "{message}");
        assert!(message.contains("ec2:instance"), "{message}");
        assert!(message.contains("cloud-control denied"), "{message}");
        assert!(v.summary_line().contains("NOT visible"));
        // Tagging API alone sees no never-tagged resource at all.
        let v = visibility(&snapshot(vec![attempt("tagging-api", AttemptStatus::Ok, &[])])).unwrap();
        assert!(v.types.iter().all(|t| !t.never_tagged_visible));
        assert!(visibility(&snapshot(vec![])).is_none());
    }
}
