//! The report's visibility section: what the live inventory could see, so a coverage figure
//! never silently leaves out what tally could not look at. Per account and region, which
//! inventory sources answered, were denied or were not enabled; per covered resource type,
//! whether never-tagged resources of it were visible (only sources that enumerate a type whole
//! can show them: AWS Config and Cloud Control, not the tagging API).
//!
//! Computed by `audit::visibility`; every human format shows [`Visibility::summary_line`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
