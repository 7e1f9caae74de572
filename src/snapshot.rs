//! Snapshot file format v1: everything tally reads from live AWS, recorded in one JSON file so
//! every command can run offline (`--snapshot FILE`). See `docs/snapshot.md`.
//!
//! This module owns the on-disk shape and its validation; it does not talk to AWS.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::model::{Budget, CostLine, LiveResource};

mod stream;

pub const SNAPSHOT_FORMAT: &str = "tally-snapshot";
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always `tally-snapshot`.
    pub format: String,
    /// Major version of the format; readers refuse a major they do not know.
    pub version: u32,
    /// When collection finished (informational).
    pub collected_at: DateTime<Utc>,
    /// The day the data describes: "today" for month-to-date spend, forecasts and burn rates.
    /// Costs are complete for days before `as_of`.
    pub as_of: NaiveDate,
    pub collection: Collection,
    #[serde(default)]
    pub resources: Vec<LiveResource>,
    #[serde(default)]
    pub costs: Costs,
    #[serde(default)]
    pub budgets: Vec<Budget>,
    /// Cost allocation tag keys and their activation status (`ListCostAllocationTags`).
    #[serde(default)]
    pub cost_allocation_tags: Vec<CostAllocationTag>,
    /// Cost Explorer forecasts (`GetCostForecast`) of the budgets declared in `tally.hcl`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forecasts: Vec<Forecast>,
    /// On-demand list prices from the AWS Price List Query API (`tally collect --list-prices`),
    /// so `tally plan --snapshot` can price usage the bill has never seen without the network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list_prices: Vec<ListPrice>,
}

/// One on-demand list price of the AWS Price List (`GetProducts`): the price of one unit of a
/// usage type in a region, in US dollars, as published on `published`. Only untiered prices
/// are kept (a tiered price depends on the account's whole usage, which one resource cannot
/// say).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPrice {
    /// The region code of the product (`eu-central-1`), not the endpoint that answered.
    pub region: String,
    /// Usage type without its region prefix (`BoxUsage:m5.large`), as the bill's rates are.
    pub usage_type: String,
    /// The product's operation (`RunInstances`, `CreateDBInstance:0002`), empty when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub operation: String,
    /// Price List service code (`AmazonEC2`).
    pub service_code: String,
    /// Pricing unit as published (`Hrs`, `GB-Mo`).
    pub unit: String,
    /// US dollars per unit, exactly as published.
    #[serde(with = "rust_decimal::serde::str")]
    pub usd: rust_decimal::Decimal,
    /// The product's SKU, to find it again in the price list.
    pub sku: String,
    /// `publicationDate` of the answer.
    pub published: NaiveDate,
}

/// AWS's forecast of the spend still to come in a `tally.hcl` budget's period: `amount` is
/// for `period` = `[as_of, end of the budget's period)`, in the budget's scope. The audit adds
/// the actual spend before `as_of` to make the period's forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forecast {
    /// The name of the budget in `tally.hcl`.
    pub budget: String,
    pub period: crate::model::Period,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: rust_decimal::Decimal,
    pub currency: String,
}

/// What was asked of AWS, and what failed. Any `error` attempt makes a run using this snapshot
/// *partial*.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    #[serde(default)]
    pub attempts: Vec<Attempt>,
    /// Paid Cost Explorer requests made while collecting (USD 0.01 each).
    #[serde(default)]
    pub paid_requests: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    pub account: String,
    /// `global` for account-wide APIs (Cost Explorer, Budgets, Organizations).
    pub region: String,
    /// `tagging-api`, `config`, `cloud-control`, `config-aggregator`, `cost-explorer`,
    /// `budgets`, ...
    pub source: String,
    pub status: AttemptStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Sources that enumerate type by type (`config`, `cloud-control`, `config-aggregator`):
    /// the outcome per resource type asked (CloudFormation names, `AWS::EC2::Instance`). A type
    /// `ok` here was enumerated whole, never-tagged resources included. Added in 0.x (issue 15);
    /// absent in older snapshots.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, TypeAttempt>,
}

impl Attempt {
    /// Whether the source answered (`ok`), as opposed to failing, being denied or not enabled.
    pub fn answered(&self) -> bool {
        self.status == AttemptStatus::Ok
    }

    /// Whether this attempt enumerated `cfn_type` whole (a source that lists type by type
    /// can be refused one type and answer the others).
    pub fn listed(&self, cfn_type: &str) -> bool {
        self.types.get(cfn_type).is_some_and(|t| t.status == AttemptStatus::Ok)
    }
}

/// What one source did with one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeAttempt {
    pub status: AttemptStatus,
    /// Why it failed, was skipped or is not enabled; or a note (`not available in this region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl TypeAttempt {
    pub fn ok() -> Self {
        Self { status: AttemptStatus::Ok, message: None }
    }

    pub fn with(status: AttemptStatus, message: impl Into<String>) -> Self {
        Self { status, message: Some(message.into()) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    Ok,
    Error,
    /// The caller's credentials were refused (`AccessDenied...`): the run is partial, like an
    /// error, but the fix is a permission, not a retry.
    Denied,
    /// Nothing to ask: AWS Config has no recorder (or it is stopped) in the region, or a type
    /// was left to another source (`message` says which). Not a failure.
    NotEnabled,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Ok => "ok",
            AttemptStatus::Error => "error",
            AttemptStatus::Denied => "denied",
            AttemptStatus::NotEnabled => "not_enabled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Cost Explorer metric the amounts are in (`UnblendedCost`, `AmortizedCost`, ...).
    #[serde(default = "default_metric")]
    pub metric: String,
    #[serde(default)]
    pub lines: Vec<CostLine>,
}

fn default_metric() -> String {
    "UnblendedCost".to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostAllocationTag {
    pub key: String,
    pub status: CostAllocationTagStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CostAllocationTagStatus {
    Active,
    Inactive,
}

impl Snapshot {
    /// A snapshot with nothing collected, describing `as_of`: the container for data read from
    /// elsewhere (cost files).
    pub fn empty(as_of: NaiveDate) -> Self {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            version: SNAPSHOT_VERSION,
            collected_at: as_of.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            as_of,
            collection: Collection::default(),
            resources: Vec::new(),
            costs: Costs::default(),
            budgets: Vec::new(),
            cost_allocation_tags: Vec::new(),
            forecasts: Vec::new(),
            list_prices: Vec::new(),
        }
    }

    /// Read and validate a snapshot file. Every error names the file, and the line where
    /// serde_json knows it.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        // Streamed when it can be (see `stream`): the text of a large snapshot is not held
        // next to what it parses into. Any problem is reported by the text read below.
        if let Some(snapshot) = stream::load(path) {
            return Ok(snapshot);
        }
        let text = crate::source::read_regular_to_string(path).map_err(|e| InputError::io(path, e))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, InputError> {
        let snapshot = Self::parse_body(path, text)?;
        snapshot.validate(path)?;
        Ok(snapshot)
    }

    /// [`Snapshot::parse`] short of the checks on the parsed whole (`validate`).
    fn parse_body(path: &Path, text: &str) -> Result<Self, InputError> {
        // A UTF-8 BOM (Windows editors) is accepted, as for state and plan files.
        let text = crate::source::strip_bom(text);
        // The body is read first and the header only looked at apart when the body does not
        // read: reading the header alone still scans the whole file (serde_json checks what it
        // skips), a second pass over a snapshot of hundreds of megabytes. A future major version
        // or another file still gets a clear message rather than a confusing "unknown field".
        let snapshot: Snapshot = match serde_json::from_str(text) {
            Ok(snapshot) => snapshot,
            Err(e) => {
                Self::check_header(path, text)?;
                // An amount serde refuses gets the amount rule's message and line.
                strict_amounts(path, text)?;
                return Err(InputError::json(path, &e));
            }
        };
        if snapshot.format != SNAPSHOT_FORMAT || snapshot.version != SNAPSHOT_VERSION {
            Self::check_header(path, text)?;
        }
        strict_amounts(path, text)?;
        Ok(snapshot)
    }

    /// [`Snapshot::parse_body`] where only success counts (the streamed read: any failure is
    /// the text read's to report): the body and the strict reading of its amounts, each a pass
    /// over the text, on two threads where there are two cores.
    fn parse_body_ok(path: &Path, text: &str) -> Option<Self> {
        let text = crate::source::strip_bom(text);
        let (snapshot, amounts_ok) = crate::parallel::join(
            || serde_json::from_str::<Snapshot>(text).ok(),
            || strict_amounts(path, text).is_ok(),
        );
        // A full read with another format or version is the header check's error.
        snapshot.filter(|s| amounts_ok && s.format == SNAPSHOT_FORMAT && s.version == SNAPSHOT_VERSION)
    }

    /// The format and major version, checked before anything else the file says.
    fn check_header(path: &Path, text: &str) -> Result<(), InputError> {
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<serde_json::Value>,
        }
        let header: Header = serde_json::from_str(text).map_err(|e| InputError::json(path, &e))?;
        if header.format.as_deref() != Some(SNAPSHOT_FORMAT) {
            return Err(InputError::invalid(
                path,
                None,
                format!("not a tally snapshot: expected \"format\": \"{SNAPSHOT_FORMAT}\""),
            ));
        }
        match header.version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SNAPSHOT_VERSION) => Ok(()),
            Some(v) => Err(InputError::invalid(
                path,
                None,
                format!(
                    "snapshot version {v} is not supported (this tally reads version {SNAPSHOT_VERSION})"
                ),
            )),
            None => Err(InputError::invalid(path, None, "snapshot has no numeric \"version\"")),
        }
    }

    /// Checks serde cannot express: date ranges, currencies, duplicate ARNs.
    fn validate(&self, path: &Path) -> Result<(), InputError> {
        self.validate_head(path)?;
        Self::check_arns(path, &self.resources)?;
        self.validate_rest(path)
    }

    /// [`Self::validate`] before the resources' ARNs: the as-of date, the money, then the
    /// resources' accounts, regions and tag keys.
    fn validate_head(&self, path: &Path) -> Result<(), InputError> {
        self.validate_head_money(path)?;
        Self::check_resources(path, &self.resources)
    }

    /// [`Self::validate_head`] short of the resources' checks ([`Self::check_resources`]): the
    /// streamed read runs those on another thread, beside the rest of the file.
    fn validate_head_money(&self, path: &Path) -> Result<(), InputError> {
        // Dates past 9999 print as `+10000-01-01`; nothing tally reads is that far out.
        let year = chrono::Datelike::year(&self.as_of);
        if !(1970..=9000).contains(&year) {
            return Err(InputError::invalid(
                path,
                None,
                format!("as_of {} is outside the years 1970 to 9000", self.as_of),
            ));
        }
        self.validate_money(path)
    }

    /// Every resource's ARN looks like one and is listed once.
    fn check_arns(path: &Path, resources: &[LiveResource]) -> Result<(), InputError> {
        // Hashed: a million ARNs sharing a 50-byte prefix made a B-tree's comparisons a
        // `memcmp` storm. Only lookups; the first duplicate in file order is the one named.
        let mut seen: std::collections::HashMap<&str, usize, foldhash::fast::RandomState> =
            std::collections::HashMap::with_capacity_and_hasher(resources.len(), Default::default());
        for (i, r) in resources.iter().enumerate() {
            if !r.arn.starts_with("arn:") {
                return Err(InputError::invalid(
                    path,
                    None,
                    format!("resources[{i}]: \"{}\" is not an ARN", r.arn),
                ));
            }
            if let Some(first) = seen.insert(r.arn.as_str(), i) {
                return Err(InputError::invalid(
                    path,
                    None,
                    format!("resources[{i}]: ARN {} already listed at resources[{first}]", r.arn),
                ));
            }
        }
        Ok(())
    }

    /// [`Self::validate`] after the money and the resources' ARNs: periods, currencies, budgets.
    fn validate_rest(&self, path: &Path) -> Result<(), InputError> {
        for (i, line) in self.costs.lines.iter().enumerate() {
            if line.period.end <= line.period.start {
                return Err(InputError::invalid(
                    path,
                    None,
                    format!(
                        "costs.lines[{i}]: period end {} is not after start {}",
                        line.period.end, line.period.start
                    ),
                ));
            }
            if line.currency.len() != 3 || !line.currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(InputError::invalid(
                    path,
                    None,
                    format!("costs.lines[{i}]: currency \"{}\" is not an ISO 4217 code", line.currency),
                ));
            }
        }
        for (i, b) in self.budgets.iter().enumerate() {
            if b.limit.amount.is_sign_negative() {
                return Err(InputError::invalid(
                    path,
                    None,
                    format!("budgets[{i}] ({}): negative limit", b.name),
                ));
            }
        }
        Ok(())
    }

    /// Amounts within `money::MAX_AMOUNT`, real currencies, no negative forecast, one entry per
    /// budget name.
    fn validate_money(&self, path: &Path) -> Result<(), InputError> {
        let bad = |message: String| InputError::invalid(path, None, message);
        for (i, line) in self.costs.lines.iter().enumerate() {
            crate::money::check_amount(line.amount).map_err(|e| bad(format!("costs.lines[{i}]: {e}")))?;
            if !crate::money::is_known_currency(&line.currency) {
                return Err(bad(format!(
                    "costs.lines[{i}]: currency \"{}\" is not an ISO 4217 code",
                    line.currency
                )));
            }
        }
        let mut names = BTreeMap::new();
        for (i, b) in self.budgets.iter().enumerate() {
            let what = format!("budgets[{i}] ({})", b.name);
            if let Some(first) = names.insert((b.name.as_str(), format!("{:?}", b.source)), i) {
                return Err(bad(format!("{what}: the same budget is already listed at budgets[{first}]")));
            }
            for amount in [Some(b.limit.amount), b.actual, b.forecast].into_iter().flatten() {
                crate::money::check_amount(amount).map_err(|e| bad(format!("{what}: {e}")))?;
            }
            if b.forecast.is_some_and(|f| f.is_sign_negative() && !f.is_zero()) {
                return Err(bad(format!("{what}: negative forecast")));
            }
            if !crate::money::is_known_currency(&b.limit.currency) {
                return Err(bad(format!(
                    "{what}: currency \"{}\" is not an ISO 4217 code",
                    b.limit.currency
                )));
            }
        }
        for (i, f) in self.forecasts.iter().enumerate() {
            crate::money::check_amount(f.amount).map_err(|e| bad(format!("forecasts[{i}]: {e}")))?;
            if f.amount.is_sign_negative() && !f.amount.is_zero() {
                return Err(bad(format!("forecasts[{i}] ({}): negative forecast {}", f.budget, f.amount)));
            }
            if f.period.end <= f.period.start {
                return Err(bad(format!(
                    "forecasts[{i}]: period end {} is not after start {}",
                    f.period.end, f.period.start
                )));
            }
        }
        Ok(())
    }

    /// Every resource's ARN agrees with its account and region, its region looks like one and
    /// no tag key is empty.
    fn check_resources(path: &Path, resources: &[LiveResource]) -> Result<(), InputError> {
        let bad = |message: String| InputError::invalid(path, None, message);
        // Regions repeat (interned, in runs): each distinct one is checked when it changes.
        let mut region_ok: Option<&str> = None;
        for (i, r) in resources.iter().enumerate() {
            if let Some((region, account)) = arn_region_account(&r.arn) {
                if !account.is_empty() && account != r.account {
                    return Err(bad(format!(
                        "resources[{i}]: account {} differs from the account {account} in its ARN {}",
                        r.account, r.arn
                    )));
                }
                if !region.is_empty() && region != r.region {
                    return Err(bad(format!(
                        "resources[{i}]: region {} differs from the region {region} in its ARN {}",
                        r.region, r.arn
                    )));
                }
            }
            if !r.region.is_empty() && region_ok != Some(r.region.as_str()) {
                if !is_region_like(&r.region) {
                    return Err(bad(format!("resources[{i}]: \"{}\" is not an AWS region", r.region)));
                }
                region_ok = Some(r.region.as_str());
            }
            if r.tags.iter().any(|(k, _)| k.is_empty()) {
                return Err(bad(format!("resources[{i}]: a tag with an empty key")));
            }
        }
        Ok(())
    }

    /// Whether any collection attempt failed or was denied.
    pub fn failed_attempts(&self) -> impl Iterator<Item = &Attempt> {
        self.collection
            .attempts
            .iter()
            .filter(|a| matches!(a.status, AttemptStatus::Error | AttemptStatus::Denied))
    }
}

/// The region and account fields of an ARN (`arn:partition:service:region:account:resource`),
/// when it has all six; `None` when it has fewer.
fn arn_region_account(arn: &str) -> Option<(&str, &str)> {
    let mut colons = arn.bytes().enumerate().filter(|&(_, b)| b == b':').map(|(i, _)| i);
    let (_, _, third, fourth, fifth) =
        (colons.next()?, colons.next()?, colons.next()?, colons.next()?, colons.next()?);
    Some((&arn[third + 1..fourth], &arn[fourth + 1..fifth]))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `aws-global`, `global` (AWS Config's label for
/// IAM): lower-case letters, digits and dashes only, so a region can never be a path
/// (`../../etc`) or markup.
fn is_region_like(region: &str) -> bool {
    region.len() <= 32
        && region
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Every amount string read as strictly as cost files read theirs (`money::parse_amount`):
/// `rust_decimal`'s own parser takes `"1_000.00"` as 1000 and rounds a 29th decimal away.
fn strict_amounts(path: &Path, text: &str) -> Result<(), InputError> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        costs: Option<RawCosts>,
        #[serde(default)]
        budgets: Vec<RawBudget>,
        #[serde(default)]
        forecasts: Vec<RawAmount>,
    }
    #[derive(Deserialize)]
    struct RawCosts {
        #[serde(default)]
        lines: Vec<RawAmount>,
    }
    #[derive(Deserialize)]
    struct RawAmount {
        amount: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct RawBudget {
        limit: Option<RawAmount>,
        actual: Option<serde_json::Value>,
        forecast: Option<serde_json::Value>,
    }
    // A shape error is the full parse's to report, with its line.
    let Ok(raw) = serde_json::from_str::<Raw>(text) else { return Ok(()) };
    let check = |what: String, v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => crate::money::parse_amount(s).map(|_| ()).map_err(|e| {
            // The line of the first occurrence of this exact string: where it almost surely is.
            let at =
                text.find(&format!("\"{s}\"")).map(|o| crate::source::LineIndex::new(text).line_col(o).0);
            InputError::invalid(path, at, format!("{what}: {e}"))
        }),
        _ => Ok(()),
    };
    for (i, l) in raw.costs.iter().flat_map(|c| c.lines.iter()).enumerate() {
        check(format!("costs.lines[{i}].amount"), l.amount.as_ref())?;
    }
    for (i, b) in raw.budgets.iter().enumerate() {
        check(format!("budgets[{i}].limit.amount"), b.limit.as_ref().and_then(|l| l.amount.as_ref()))?;
        check(format!("budgets[{i}].actual"), b.actual.as_ref())?;
        check(format!("budgets[{i}].forecast"), b.forecast.as_ref())?;
    }
    for (i, f) in raw.forecasts.iter().enumerate() {
        check(format!("forecasts[{i}].amount"), f.amount.as_ref())?;
    }
    Ok(())
}
