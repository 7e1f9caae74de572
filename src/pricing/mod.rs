//! The cost of a plan, priced from the company's own bill: for every created, updated,
//! replaced or destroyed resource of a priced type, the monthly cost before and after the
//! change and the delta, each component priced at the effective unit rate the bill shows for
//! its usage type in its region (`rates`), so discounts and commitments are in the price.
//!
//! What each type uses per month is in `catalog` (730 hours a month). A resource whose usage
//! the bill has never seen is listed with "no rate in the bill", a usage-priced one (Lambda,
//! S3, ...) as usage-based with its owner's current spend on that service, and one whose
//! deciding attribute Terraform computes at apply as "unknown until apply": never a guess.
//!
//! Not here: reading cost files (`src/costs`, which keeps the usage table this prices from),
//! the budget check (`src/audit/budgets.rs`), rendering (`src/report`).

pub mod catalog;
mod plan_attrs;
pub mod rates;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::model::{CostLine, PlanAction, TagPresence, TagValue, TfResource};

pub use self::catalog::HOURS_PER_MONTH;
pub use self::plan_attrs::wanted;
pub use self::rates::RateBook;

/// The pricing section of a plan report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCost {
    /// Hours in the month every estimate assumes (730).
    pub hours_per_month: u32,
    /// Currency of the amounts (the bill's).
    pub currency: String,
    /// The bill the rates come from: first day and the day after the last day of usage.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rates_from: Option<RatesFrom>,
    /// Resources with a cost change, sorted by address.
    pub resources: Vec<ResourceCost>,
    /// Monthly delta per owner tag value, sorted (no owner first).
    pub owners: Vec<OwnerCost>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatesFrom {
    pub first: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

/// How a resource's change was priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostStatus {
    /// Every component priced at a bill rate.
    Priced,
    /// Cost follows usage: no monthly number.
    UsageBased,
    /// An attribute deciding the price is computed at apply.
    UnknownUntilApply,
    /// The bill has no rate for a usage type the resource needs.
    NoRate,
}

/// One resource's cost change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCost {
    pub address: String,
    pub resource_type: String,
    pub action: PlanAction,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    pub status: CostStatus,
    /// Monthly cost before and after the change, and after - before, rounded to the cent
    /// (computed at full precision); absent unless priced.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub monthly_before: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub monthly_after: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub monthly_delta: Option<Decimal>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub components: Vec<Component>,
    /// Why not priced, or what else the resource may cost.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    /// Usage-based: the service, and the owner's spend on it in the bill.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub current_spend: Option<Decimal>,
}

/// Which side of a change a component belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Before,
    After,
}

/// One priced usage of one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub side: Side,
    pub label: String,
    pub usage_type: String,
    pub unit: String,
    /// Quantity per month.
    pub quantity: Decimal,
    /// Effective cost per unit, full precision.
    pub rate: Decimal,
    /// quantity x rate, full precision.
    pub monthly: Decimal,
    /// Where the rate comes from.
    pub source: String,
}

/// What the plan changes per owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnerCost {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<String>,
    /// Sum of the priced resources' monthly deltas, full precision then rounded to the cent.
    pub monthly_delta: Decimal,
    pub priced: usize,
    pub usage_based: usize,
    pub unknown: usize,
    pub no_rate: usize,
}

/// What pricing a plan needs.
pub struct PlanPricing<'a> {
    /// The plan file, named in errors.
    pub plan_path: &'a Path,
    /// The changes the plan reader kept whole for pricing ([`wanted`] types), and the constant
    /// regions of the plan's `aws` provider configurations.
    pub kept: &'a [crate::terraform::plan::ChangeValues],
    pub aws_regions: &'a [String],
    /// The plan's resources as read (region, owner tag).
    pub resources: &'a [TfResource],
    pub owner_tag: &'a str,
    pub rates: &'a RateBook,
    /// The bill's cost lines, for an owner's spend on a usage-based service.
    pub spend: &'a [CostLine],
}

/// Round to the cent for display: half away from zero, as invoices do, always two decimals
/// (`0.10`, not `0.1`).
pub fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, String> {
    crate::costs::exact::add(a, b).map_err(|e| e.to_string())
}

fn owner_of(r: Option<&TfResource>, owner_tag: &str) -> Option<String> {
    match r?.tags.presence(owner_tag) {
        TagPresence::Present(TagValue::Known(v)) => Some(v.clone()),
        TagPresence::Present(TagValue::Unknown) | TagPresence::Unknown => Some("(known after apply)".into()),
        TagPresence::Missing => None,
    }
}

/// Price every change of the plan. Errors: a sum leaves the exact range of a decimal.
pub fn price_plan(input: &PlanPricing<'_>) -> Result<PlanCost, InputError> {
    let attrs = plan_attrs::from_plan(input.kept, input.aws_regions);
    let changes = &attrs.changes;
    let by_address: HashMap<&str, &TfResource> =
        input.resources.iter().map(|r| (r.address.as_str(), r)).collect();
    let templates = plan_attrs::TemplateIndex::new(changes);
    let money_err = |m: String| InputError::invalid(input.plan_path, None, format!("pricing: {m}"));
    let mut currency: Option<String> = None;
    let mut resources = Vec::new();
    for c in changes {
        let Some(action) = c.action else { continue };
        if matches!(action, PlanAction::NoOp | PlanAction::Read) || !catalog::is_priced(c.resource_type) {
            continue;
        }
        let tf = by_address.get(c.address).copied();
        // The resource's own region, else the one the reader found, else the provider's.
        let region = c
            .own_region()
            .map(str::to_string)
            .or_else(|| tf.and_then(|r| r.region.clone()))
            .or_else(|| attrs.region.clone());
        let owner = owner_of(tf, input.owner_tag);
        let before = (action != PlanAction::Create)
            .then(|| catalog::shape(c.resource_type, c.before(), &templates))
            .flatten();
        let after = (action != PlanAction::Delete)
            .then(|| catalog::shape(c.resource_type, c.after(), &templates))
            .flatten();
        let free = |s: &Option<catalog::Shape>| matches!(s, None | Some(catalog::Shape::Free));
        if (action == PlanAction::Update && before == after) || (free(&before) && free(&after)) {
            // Nothing that decides the price changes.
            continue;
        }
        let mut rc = ResourceCost {
            address: c.address.to_string(),
            resource_type: c.resource_type.to_string(),
            action,
            owner: owner.clone(),
            region: region.clone(),
            status: CostStatus::Priced,
            monthly_before: None,
            monthly_after: None,
            monthly_delta: None,
            components: Vec::new(),
            note: None,
            service: None,
            current_spend: None,
        };
        let mut totals = [Decimal::ZERO, Decimal::ZERO];
        for (side, shape) in [(Side::Before, &before), (Side::After, &after)] {
            let Some(shape) = shape else { continue };
            match shape {
                catalog::Shape::Free => {}
                catalog::Shape::UsageBased(service) => {
                    rc.status = rc.status.max(CostStatus::UsageBased);
                    rc.service = Some(service.to_string());
                }
                catalog::Shape::Unknown(attr) => {
                    rc.status = rc.status.max(CostStatus::UnknownUntilApply);
                    rc.note = Some(format!("unknown until apply: {attr}"));
                }
                catalog::Shape::Fixed(needs) => {
                    let Some(region) = &region else {
                        rc.status = rc.status.max(CostStatus::UnknownUntilApply);
                        rc.note = Some(
                            "unknown until apply: region (the provider's region is not a constant)".into(),
                        );
                        continue;
                    };
                    for need in needs {
                        if need.quantity.is_zero() {
                            continue;
                        }
                        let rate = input
                            .rates
                            .rate_of(&need.usage, region, need.unit, need.operation, need.services)
                            .filter(|r| currency.as_ref().is_none_or(|c| *c == r.currency));
                        let Some(rate) = rate else {
                            rc.status = rc.status.max(CostStatus::NoRate);
                            let op = need.operation.map(|o| format!(" ({o})")).unwrap_or_default();
                            rc.note = Some(format!("no rate in the bill for {}{op} in {region}", need.usage));
                            continue;
                        };
                        currency.get_or_insert_with(|| rate.currency.clone());
                        let monthly = need.quantity.checked_mul(rate.per_unit).ok_or_else(|| {
                            money_err("a monthly cost beyond the range of a decimal".into())
                        })?;
                        let i = usize::from(side == Side::After);
                        totals[i] = add(totals[i], monthly).map_err(money_err)?;
                        let ops = if rate.operations.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", rate.operations.join(", "))
                        };
                        rc.components.push(Component {
                            side,
                            label: need.label.to_string(),
                            usage_type: need.usage.clone(),
                            unit: rate.unit.clone(),
                            quantity: need.quantity,
                            rate: rate.per_unit,
                            monthly,
                            source: format!(
                                "bill rate: {}{ops} in {}, {} to {}, {} lines",
                                rate.usage_type, rate.region, rate.first, rate.end, rate.lines
                            ),
                        });
                    }
                }
            }
        }
        if rc.status == CostStatus::Priced {
            let has = |s: &Option<catalog::Shape>| s.is_some();
            rc.monthly_before = has(&before).then(|| cents(totals[0]));
            rc.monthly_after = has(&after).then(|| cents(totals[1]));
            let delta =
                crate::costs::exact::sub(totals[1], totals[0]).map_err(|e| money_err(e.to_string()))?;
            rc.monthly_delta = Some(cents(delta));
            if rc.components.is_empty() && delta.is_zero() && action == PlanAction::Update {
                continue;
            }
        } else {
            rc.components.clear();
        }
        if rc.status == CostStatus::UsageBased {
            rc.note = Some("cost follows usage".into());
            rc.current_spend =
                owner_spend(input.spend, input.owner_tag, owner.as_deref(), rc.service.as_deref())
                    .map_err(money_err)?;
        }
        resources.push(rc);
    }
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let owners = by_owner(&resources).map_err(money_err)?;
    let rates_from = rates_period(input.rates);
    Ok(PlanCost {
        hours_per_month: HOURS_PER_MONTH,
        currency: currency.unwrap_or_else(|| "USD".into()),
        rates_from,
        resources,
        owners,
    })
}

/// The span of the bill behind the rates (all of the usage read, not only what priced).
fn rates_period(rates: &RateBook) -> Option<RatesFrom> {
    let all = rates.all();
    let first = all.iter().map(|r| r.first).min()?;
    let end = all.iter().map(|r| r.end).max()?;
    Some(RatesFrom { first, end })
}

/// The owner's spend on `service` in the bill, rounded to the cent; `None` without an owner
/// or service.
fn owner_spend(
    lines: &[CostLine],
    owner_tag: &str,
    owner: Option<&str>,
    service: Option<&str>,
) -> Result<Option<Decimal>, String> {
    let (Some(owner), Some(service)) = (owner, service) else { return Ok(None) };
    let mut sum = Decimal::ZERO;
    for l in lines {
        if l.service == service && l.tags.get(owner_tag) == Some(owner) {
            sum = add(sum, l.amount)?;
        }
    }
    Ok(Some(cents(sum)))
}

fn by_owner(resources: &[ResourceCost]) -> Result<Vec<OwnerCost>, String> {
    let mut full: BTreeMap<Option<String>, (Decimal, OwnerCost)> = BTreeMap::new();
    for r in resources {
        let (sum, o) = full
            .entry(r.owner.clone())
            .or_insert_with(|| (Decimal::ZERO, OwnerCost { owner: r.owner.clone(), ..OwnerCost::default() }));
        match r.status {
            CostStatus::Priced => {
                o.priced += 1;
                // Sum the full-precision components, not the rounded deltas.
                for c in &r.components {
                    *sum = match c.side {
                        Side::After => add(*sum, c.monthly)?,
                        Side::Before => {
                            crate::costs::exact::sub(*sum, c.monthly).map_err(|e| e.to_string())?
                        }
                    };
                }
            }
            CostStatus::UsageBased => o.usage_based += 1,
            CostStatus::UnknownUntilApply => o.unknown += 1,
            CostStatus::NoRate => o.no_rate += 1,
        }
    }
    Ok(full
        .into_values()
        .map(|(sum, mut o)| {
            o.monthly_delta = cents(sum);
            o
        })
        .collect())
}
