//! The one data model every reader produces and every check consumes.
//!
//! Terraform readers (HCL code, state, plan) produce [`TfResource`]s; live inventory produces
//! [`LiveResource`]s; spend sources produce [`CostLine`]s and [`Budget`]s. Nothing here does I/O
//! or knows where the data came from beyond the `origin`/`sources` fields it carries.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

mod name;
mod small_map;
mod tags;
pub use name::Name;
pub use small_map::SmallMap;
pub use tags::{Tags, TagsInterner};

/// Prefix of tags AWS sets itself; they are never subject to policy and never count as drift.
pub const AWS_SYSTEM_TAG_PREFIX: &str = "aws:";

// ---------------------------------------------------------------------------------------------
// Source locations
// ---------------------------------------------------------------------------------------------

/// A place in an input file. `file` is as the user named it (relative where they gave it
/// relative), never canonicalised, so reports do not leak absolute paths.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<u32>,
}

impl SourceLocation {
    pub fn file(file: impl Into<String>) -> Self {
        Self { file: file.into(), line: None, column: None }
    }

    pub fn at(file: impl Into<String>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line: Some(line), column: Some(column) }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Terraform
// ---------------------------------------------------------------------------------------------

/// A tag value as Terraform knows it before apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum TagValue {
    /// The value is known statically.
    Known(String),
    /// The key is certainly set, but its value is only known after apply (or depends on
    /// something we cannot evaluate, such as a data source).
    Unknown,
}

impl TagValue {
    pub fn known(&self) -> Option<&str> {
        match self {
            TagValue::Known(v) => Some(v),
            TagValue::Unknown => None,
        }
    }
}

/// What tally can say about one tag key of a Terraform resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagPresence<'a> {
    Present(&'a TagValue),
    Missing,
    /// We cannot tell whether the key is set: part of the tag map is unknown.
    Unknown,
}

/// Effective tags of a Terraform resource: provider `default_tags` merged with the resource's
/// own tags. `complete == false` means some part of the map could not be evaluated, so a key
/// that is absent here may still be set: such a key is *unknown*, never *missing*, unless
/// `bound` says which keys the unknown part can hold and the key is not one of them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EffectiveTags {
    pub tags: SmallMap<TagValue>,
    pub complete: bool,
    /// When incomplete: the only keys the map may hold besides `tags` (`None`: any key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<Vec<KeyShape>>,
}

/// A key that may be present though it is not known, as far as it is known: exactly a key (one
/// branch of a conditional sets it), or a key with a known start and end
/// (`"kubernetes.io/cluster/${var.name}"` can never be `owner`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KeyShape {
    Exact(String),
    Affixes { prefix: String, suffix: String },
}

impl KeyShape {
    /// Whether a key of this shape may be `key` in any case (a key that differs only in case is
    /// a wrong-case variant of it, which the policy counts as present).
    pub fn may_be(&self, key: &str) -> bool {
        let key = key.to_lowercase();
        match self {
            KeyShape::Exact(k) => k.to_lowercase() == key,
            KeyShape::Affixes { prefix, suffix } => {
                let (p, s) = (prefix.to_lowercase(), suffix.to_lowercase());
                key.len() >= p.len() + s.len() && key.starts_with(&p) && key.ends_with(&s)
            }
        }
    }
}

/// Whether a map (`complete`, `bound`) may hold `key` although its known keys do not include it.
pub(crate) fn may_hold(complete: bool, bound: Option<&[KeyShape]>, key: &str) -> bool {
    !complete && bound.is_none_or(|shapes| shapes.iter().any(|s| s.may_be(key)))
}

/// Widen a map's (`complete`, `bound`) by keys another map may hold (`other_complete`,
/// `other_bound`), or by one more shape when `other_bound` is a single shape.
pub(crate) fn widen(
    complete: &mut bool,
    bound: &mut Option<Vec<KeyShape>>,
    other_complete: bool,
    other_bound: Option<&[KeyShape]>,
) {
    if other_complete {
        return;
    }
    match other_bound {
        None => {
            *complete = false;
            *bound = None;
        }
        Some(shapes) => {
            if *complete {
                *complete = false;
                *bound = Some(Vec::new());
            }
            if let Some(mine) = bound {
                for s in shapes {
                    if !mine.contains(s) {
                        mine.push(s.clone());
                    }
                }
            }
        }
    }
}

impl EffectiveTags {
    pub fn known(tags: Tags) -> Self {
        Self {
            tags: tags.into_iter().map(|(k, v)| (k, TagValue::Known(v))).collect(),
            complete: true,
            bound: None,
        }
    }

    /// Tags whose key set is not known at all (besides `tags`, any key may be present).
    pub fn partial(tags: SmallMap<TagValue>) -> Self {
        Self { tags, complete: false, bound: None }
    }

    /// Tags whose key set is known: `tags` and nothing else.
    pub fn whole(tags: SmallMap<TagValue>) -> Self {
        Self { tags, complete: true, bound: None }
    }

    /// Any key may be set besides `tags`.
    pub fn open_keys(&mut self) {
        self.complete = false;
        self.bound = None;
    }

    /// Whether `key` (in any case), absent from `tags`, may still be set.
    pub fn may_hold(&self, key: &str) -> bool {
        may_hold(self.complete, self.bound.as_deref(), key)
    }

    /// The per-key answer the policy engine needs.
    pub fn presence(&self, key: &str) -> TagPresence<'_> {
        match self.tags.get(key) {
            Some(v) => TagPresence::Present(v),
            None if self.may_hold(key) => TagPresence::Unknown,
            None => TagPresence::Missing,
        }
    }

    /// Known values only, for owner attribution and display.
    pub fn known_values(&self) -> Tags {
        self.tags.iter().filter_map(|(k, v)| v.known().map(|v| (k.clone(), v.to_string()))).collect()
    }
}

/// Read access to a tag map for the policy checks: Terraform's effective tags (values may be
/// unknown) or a live resource's plain tags (all known), without copying either into the other.
pub(crate) trait TagMap {
    /// Keys in order, with the value when it is known.
    fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>)>;
    /// Whether `key` (in any case), absent from the entries, may still be set.
    fn may_hold(&self, key: &str) -> bool;
}

impl TagMap for EffectiveTags {
    fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v.known()))
    }

    fn may_hold(&self, key: &str) -> bool {
        EffectiveTags::may_hold(self, key)
    }
}

impl TagMap for Tags {
    fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.iter().map(|(k, v)| (k, Some(v)))
    }

    fn may_hold(&self, _key: &str) -> bool {
        false
    }
}

/// `resource` or `data`. Only managed resources are audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceMode {
    Managed,
    Data,
}

/// The `count.index` / `each.key` of an expanded resource instance.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged, expecting = "an instance key must be an integer (count) or a string (for_each)")]
pub enum IndexKey {
    Int(i64),
    Str(String),
}

impl fmt::Display for IndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexKey::Int(i) => write!(f, "[{i}]"),
            IndexKey::Str(s) => write!(f, "[{s:?}]"),
        }
    }
}

/// Which Terraform layer a resource was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Code,
    Plan,
    State,
    Live,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Code => "code",
            Layer::Plan => "plan",
            Layer::State => "state",
            Layer::Live => "live",
        })
    }
}

/// Planned action on a resource (plan layer only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    Create,
    Update,
    Replace,
    Delete,
    NoOp,
    Read,
}

/// One Terraform resource instance, from code, plan or state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TfResource {
    /// Full instance address: `module.net.aws_subnet.private["a"]`.
    pub address: String,
    /// Module path, `""` for the root module, else `module.a.module.b` (with instance keys).
    pub module: String,
    pub mode: ResourceMode,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index: Option<IndexKey>,
    /// Provider config key local to the module: `aws` or `aws.west`.
    pub provider: String,
    /// ARN where known (state `arn`, id-is-ARN, or built from a per-type pattern).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arn: Option<String>,
    /// Provider `id` attribute (state and plan).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<String>,
    pub tags: EffectiveTags,
    pub layer: Layer,
    /// Where the resource is declared (code) or the file it was read from (state, plan).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<SourceLocation>,
    /// Where its `tags` attribute (or block header, if none) is, for the narrowest finding.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tags_location: Option<SourceLocation>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub action: Option<PlanAction>,
    /// Code only: the resource exists only if a `count`/`for_each` (its own or a calling
    /// module's) that is unknown before apply allows it. Its findings say "if created".
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub may_not_exist: bool,
}

/// A non-fatal problem met while reading inputs. Any diagnostic makes the run *partial*.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Which input: `hcl`, `state`, `plan`, `inventory`, `costs`, ...
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<SourceLocation>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Live AWS
// ---------------------------------------------------------------------------------------------

/// Which AWS API saw a live resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LiveSource {
    /// Resource Groups Tagging API `GetResources`.
    TaggingApi,
    /// AWS Config `ListDiscoveredResources` / `BatchGetResourceConfig`, or an aggregator's
    /// `ListAggregateDiscoveredResources` / `BatchGetAggregateResourceConfig`.
    Config,
    /// AWS Cloud Control API `ListResources` / `GetResource`.
    CloudControl,
}

impl LiveSource {
    /// Every source, in their order (the order of a set of them).
    const ALL: [LiveSource; 3] = [LiveSource::TaggingApi, LiveSource::Config, LiveSource::CloudControl];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The APIs that saw a live resource: a set of [`LiveSource`]s in one byte. It behaves as the
/// `BTreeSet` it replaces where it shows (order, JSON as a sorted array, duplicates merged), which
/// allocated a tree node for each of a million resources.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LiveSources(u8);

impl LiveSources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn contains(&self, source: &LiveSource) -> bool {
        self.0 & source.bit() != 0
    }

    /// Adds `source`; whether it was new, as `BTreeSet::insert`.
    pub fn insert(&mut self, source: LiveSource) -> bool {
        let new = !self.contains(&source);
        self.0 |= source.bit();
        new
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The sources in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &'static LiveSource> + '_ {
        LiveSource::ALL.iter().filter(|s| self.contains(s))
    }
}

impl FromIterator<LiveSource> for LiveSources {
    fn from_iter<I: IntoIterator<Item = LiveSource>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

impl Extend<LiveSource> for LiveSources {
    fn extend<I: IntoIterator<Item = LiveSource>>(&mut self, iter: I) {
        for source in iter {
            self.insert(source);
        }
    }
}

impl<const N: usize> From<[LiveSource; N]> for LiveSources {
    fn from(sources: [LiveSource; N]) -> Self {
        sources.into_iter().collect()
    }
}

impl fmt::Debug for LiveSources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for LiveSources {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for LiveSources {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourcesVisitor;

        impl<'de> serde::de::Visitor<'de> for SourcesVisitor {
            type Value = LiveSources;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<LiveSources, A::Error> {
                let mut set = LiveSources::new();
                while let Some(source) = seq.next_element::<LiveSource>()? {
                    set.insert(source);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SourcesVisitor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveResource {
    pub arn: String,
    /// Account, region and type are interned: a million resources share a few hundred values.
    pub account: Name,
    pub region: Name,
    /// Tagging API resource type: `ec2:instance`, `s3`, `rds:db`.
    #[serde(rename = "type")]
    pub resource_type: Name,
    #[serde(default)]
    pub tags: Tags,
    pub sources: LiveSources,
    /// Facts the inventory learned beyond tags (AWS Config's configuration items), used to
    /// infer owners. Known keys: `is_default` (`"true"` for a default VPC and its default
    /// subnets, a security group named `default`, the `default` event bus), `managed_by`
    /// (`"aws"` for AWS-managed KMS keys), `name`, `attached_to` (the instance an EBS volume is
    /// attached to). From AWS Config and Cloud Control.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------------
// Money, spend and budgets
// ---------------------------------------------------------------------------------------------

/// An amount with its currency. Never `f64`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: String,
}

impl Money {
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Self { amount, currency: currency.into() }
    }
}

/// `1,234.56 USD`: rounded half away from zero to the cent, thousands grouped. The one way
/// money is shown to people, in every format.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded =
            self.amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let text = format!("{rounded:.2}");
        let (sign, digits) = text.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", text.as_str()));
        let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
        f.write_str(sign)?;
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                f.write_str(",")?;
            }
            write!(f, "{ch}")?;
        }
        write!(f, ".{frac} {}", self.currency)
    }
}

/// What kind of charge a cost line is. Only `Usage` can carry resource tags; everything else
/// is *untaggable* spend and is never reported as "untagged".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeCategory {
    Usage,
    /// RI / Savings Plan fees and upfront payments.
    Purchase,
    Tax,
    Support,
    /// Other fees (domain registration, marketplace subscription fees, ...).
    Fee,
    Credit,
    Refund,
}

impl ChargeCategory {
    /// The name used in reports and exports (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeCategory::Usage => "usage",
            ChargeCategory::Purchase => "purchase",
            ChargeCategory::Tax => "tax",
            ChargeCategory::Support => "support",
            ChargeCategory::Fee => "fee",
            ChargeCategory::Credit => "credit",
            ChargeCategory::Refund => "refund",
        }
    }

    pub fn can_carry_tags(self) -> bool {
        matches!(self, ChargeCategory::Usage)
    }
}

/// A half-open date range `[start, end)`, as Cost Explorer and FOCUS use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end
    }
}

/// One line of spend: a Cost Explorer group, or a CUR/FOCUS line item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    pub period: Period,
    pub account: String,
    pub service: String,
    /// ARN (or bare id for services whose CUR lines carry one) where resource-level data exists.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: String,
    pub charge_category: ChargeCategory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetPeriod {
    Monthly,
    Quarterly,
    Annually,
}

impl BudgetPeriod {
    /// The period `[start, end)` that contains `day`: its calendar month, quarter or year.
    pub fn bounds(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        use chrono::Datelike;
        let (months, first_month) = match self {
            BudgetPeriod::Monthly => (1, day.month()),
            BudgetPeriod::Quarterly => (3, (day.month() - 1) / 3 * 3 + 1),
            BudgetPeriod::Annually => (12, 1),
        };
        let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
        let end = start.checked_add_months(chrono::Months::new(months)).unwrap_or(start);
        (start, end)
    }
}

/// Which spend a budget covers. Every non-empty criterion must match (AND); values within one
/// criterion are alternatives (OR), as in AWS Budgets filters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BudgetScope {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

impl BudgetScope {
    pub fn matches(&self, line: &CostLine) -> bool {
        let tags_ok = self
            .tags
            .iter()
            .all(|(k, values)| line.tags.get(k).is_some_and(|v| values.iter().any(|want| want == v)));
        let accounts_ok = self.accounts.is_empty() || self.accounts.contains(&line.account);
        let services_ok = self.services.is_empty() || self.services.contains(&line.service);
        tags_ok && accounts_ok && services_ok
    }
}

/// Where a budget's numbers came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetSource {
    /// Declared in `tally.hcl`; actual and forecast computed by tally from cost lines.
    Config,
    /// AWS Budgets `DescribeBudgets` (`CalculatedSpend`).
    AwsBudgets,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub name: String,
    pub scope: BudgetScope,
    pub period: BudgetPeriod,
    pub limit: Money,
    /// Actual spend in the current period, when the source reports it (AWS Budgets).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    pub actual: Option<Decimal>,
    /// Forecast spend at period end, when the source reports it (AWS Budgets / Cost Explorer).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    pub forecast: Option<Decimal>,
    pub source: BudgetSource,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn live_sources_behave_like_the_set_they_replace() {
        for json in [
            "[]",
            r#"["config"]"#,
            r#"["config","tagging-api","config"]"#,
            r#"["cloud-control","tagging-api"]"#,
        ] {
            let set: BTreeSet<LiveSource> = serde_json::from_str(json).unwrap();
            let packed: LiveSources = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&packed).unwrap(), serde_json::to_string(&set).unwrap());
            assert_eq!(format!("{packed:?}"), format!("{set:?}"));
            assert!(packed.iter().copied().eq(set.iter().copied()));
            assert_eq!(packed.len(), set.len());
            for s in LiveSource::ALL {
                assert_eq!(packed.contains(&s), set.contains(&s));
            }
        }
        let mut packed = LiveSources::new();
        assert!(packed.insert(LiveSource::Config) && !packed.insert(LiveSource::Config));
        assert_eq!(packed, LiveSources::from([LiveSource::Config]));
        let err = serde_json::from_str::<LiveSources>(r#"["nope"]"#).unwrap_err().to_string();
        let want = serde_json::from_str::<BTreeSet<LiveSource>>(r#"["nope"]"#).unwrap_err().to_string();
        assert_eq!(err, want);
        let err = serde_json::from_str::<LiveSources>("{}").unwrap_err().to_string();
        let want = serde_json::from_str::<BTreeSet<LiveSource>>("{}").unwrap_err().to_string();
        assert_eq!(err, want);
    }
}
