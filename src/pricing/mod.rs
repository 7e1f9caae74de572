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
//! Where the bill has no rate, a list price may fill in (`list`): recorded in the snapshot by
//! `tally collect --list-prices`, or asked of the AWS Price List when the caller allows the
//! network. A bill rate always wins; a component priced from the list says so in its source.
//!
//! Not here: reading cost files (`src/costs`, which keeps the usage table this prices from),
//! the budget check (`src/audit/budgets.rs`), rendering (`src/report`).

pub mod catalog;
pub mod list;
mod plan_attrs;
pub mod rates;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::model::{CostLine, PlanAction, TagPresence, TagValue, TfResource};

pub use self::catalog::HOURS_PER_MONTH;
pub use self::list::PriceQuery;
pub use self::plan_attrs::{wanted, KEEP};
pub use self::rates::RateBook;
use crate::snapshot::ListPrice;

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
    /// The latest publication date of the AWS list prices used, when any component is priced
    /// from the Price List (the bill had no rate).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub list_prices_published: Option<chrono::NaiveDate>,
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
    /// Every component priced, at a bill rate or else a list price.
    Priced,
    /// Cost follows usage: no monthly number.
    UsageBased,
    /// An attribute deciding the price is computed at apply.
    UnknownUntilApply,
    /// The bill has no rate for a usage type the resource needs (nor a list price, when list
    /// prices are used).
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
    pub kept: &'a [Box<crate::terraform::plan::ChangeValues>],
    pub aws_regions: &'a [String],
    /// The plan's resources as read (region, owner tag).
    pub resources: &'a [TfResource],
    pub owner_tag: &'a str,
    pub rates: &'a RateBook,
    /// The bill's cost lines, for an owner's spend on a usage-based service.
    pub spend: &'a [CostLine],
    /// List prices for what the bill has no rate for; `None`: bill rates only.
    pub list: Option<ListPrices<'a>>,
}

/// Where list prices come from.
pub struct ListPrices<'a> {
    /// Recorded by `tally collect --list-prices` (the snapshot's), used without the network.
    pub recorded: &'a [ListPrice],
    /// The AWS Price List, when the run may use the network.
    pub ask: Option<&'a dyn AskPriceList>,
}

/// Asks the AWS Price List (`GetProducts`); implemented over the SDK by the caller, since
/// pricing does not talk to AWS.
pub trait AskPriceList {
    /// For each query, in order: the `PriceList` strings of all its pages, or why there are
    /// none (the endpoint cannot be reached, access denied, ...).
    fn ask(&self, queries: &[PriceQuery]) -> Vec<Result<Vec<String>, String>>;
}

/// Round to the cent for display: half away from zero, as invoices do, always two decimals
/// (`0.10`, not `0.1`).
pub fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// Decimal places a component's monthly cost keeps. A rate from the bill is a quotient kept
/// to 28 significant digits (`89 / 820` does not end); its product with a quantity would too,
/// and two such products cannot be added exactly. A ten-billionth of the currency unit is far
/// below the cent every total is shown in, and sums of costs at this scale stay exact.
pub const MONTHLY_DP: u32 = 10;

/// `quantity` x `rate`, kept to [`MONTHLY_DP`] places.
fn monthly_cost(quantity: Decimal, rate: Decimal) -> Result<Decimal, String> {
    let monthly = quantity
        .checked_mul(rate)
        .ok_or_else(|| "a monthly cost beyond the range of a decimal".to_string())?;
    Ok(monthly.round_dp_with_strategy(MONTHLY_DP, RoundingStrategy::MidpointNearestEven))
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
    price_plan_with_problems(input).map(|(cost, _)| cost)
}

/// [`price_plan`], also returning what went wrong asking the Price List (each a sentence for
/// a diagnostic: the run priced the rest, so it is partial, not failed).
pub fn price_plan_with_problems(input: &PlanPricing<'_>) -> Result<(PlanCost, Vec<String>), InputError> {
    let attrs = plan_attrs::from_plan(input.kept, input.aws_regions);
    let changes = &attrs.changes;
    // Looked up once per change, by address: foldhash, not SipHash.
    let by_address: HashMap<&str, &TfResource, foldhash::fast::RandomState> =
        input.resources.iter().map(|r| (r.address.as_str(), r)).collect();
    let templates = plan_attrs::TemplateIndex::new(changes);
    let money_err = |m: String| InputError::invalid(input.plan_path, None, format!("pricing: {m}"));
    let mut currency: Option<String> = None;
    // Reserved, not grown: a list grown by doubling touches (and the kernel zeroes) every size
    // it passes through; reserved pages that are never written are never touched.
    let mut items = Vec::with_capacity(changes.len());
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
        items.push((c, action, region, owner, before, after));
    }
    let mut problems = Vec::new();
    let mut book = list::ListBook::default();
    let mut failed: HashMap<PriceQuery, String> = HashMap::new();
    if let Some(list) = &input.list {
        // The bill's currency decides, before any list price (USD) is met: a EUR bill's rates
        // must not lose to a USD list price because a list-priced resource came first.
        let mut currencies: Vec<String> = input.rates.all().into_iter().map(|r| r.currency).collect();
        currencies.sort();
        currencies.dedup();
        if let [only] = currencies.as_slice() {
            currency = Some(only.clone());
        }
        book.add(list.recorded.iter().cloned());
        if let Some(ask) = list.ask {
            let queries = list_queries(&items, input.rates, &book);
            ask_list(ask, queries, &mut book, &mut failed, &mut problems);
        }
    }
    let mut list_published: Option<chrono::NaiveDate> = None;
    let mut resources = Vec::with_capacity(items.len());
    // A plan prices thousands of resources from a few dozen distinct needs: each is looked up in
    // the rate book, and its source sentence written, once.
    let mut bill_rates: HashMap<RateQuery<'_>, Option<BillRated>, foldhash::fast::RandomState> =
        HashMap::default();
    for (c, action, region, owner, before, after) in &items {
        let (c, action) = (*c, *action);
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
        for (side, shape) in [(Side::Before, before), (Side::After, after)] {
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
                    let Some(region) = region else {
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
                        let query =
                            (need.usage.as_str(), region.as_str(), need.unit, need.operation, need.services);
                        let rated = bill_rates.entry(query).or_insert_with(|| {
                            let rate = input.rates.rate_of(
                                &need.usage,
                                region,
                                need.unit,
                                need.operation,
                                need.services,
                            )?;
                            let source = bill_rate_source(&rate);
                            Some(BillRated { rate, source })
                        });
                        let rated = rated
                            .as_ref()
                            .filter(|r| currency.as_ref().is_none_or(|c| *c == r.rate.currency));
                        let Some(BillRated { rate, source }) = rated else {
                            let op = need.operation.map(|o| format!(" ({o})")).unwrap_or_default();
                            let no_rate = format!("no rate in the bill for {}{op} in {region}", need.usage);
                            if input.list.is_none() {
                                rc.status = rc.status.max(CostStatus::NoRate);
                                rc.note = Some(no_rate);
                                continue;
                            }
                            match list_price(need, region, &book, &failed, currency.as_deref()) {
                                Ok(found) => {
                                    currency.get_or_insert_with(|| "USD".to_string());
                                    let monthly =
                                        monthly_cost(need.quantity, found.usd).map_err(money_err)?;
                                    let i = usize::from(side == Side::After);
                                    totals[i] = add(totals[i], monthly).map_err(money_err)?;
                                    list_published = list_published.max(Some(found.published));
                                    rc.components.push(Component {
                                        side,
                                        label: need.label.to_string(),
                                        usage_type: need.usage.clone(),
                                        unit: found.unit,
                                        quantity: need.quantity,
                                        rate: found.usd,
                                        monthly,
                                        source: format!("list price (AWS Price List, {})", found.published),
                                    });
                                }
                                Err(why) => {
                                    rc.status = rc.status.max(CostStatus::NoRate);
                                    rc.note = Some(format!("{no_rate}, and {why}"));
                                }
                            }
                            continue;
                        };
                        currency.get_or_insert_with(|| rate.currency.clone());
                        let monthly = monthly_cost(need.quantity, rate.per_unit).map_err(money_err)?;
                        let i = usize::from(side == Side::After);
                        totals[i] = add(totals[i], monthly).map_err(money_err)?;
                        rc.components.push(Component {
                            side,
                            label: need.label.to_string(),
                            usage_type: need.usage.clone(),
                            unit: rate.unit.clone(),
                            quantity: need.quantity,
                            rate: rate.per_unit,
                            monthly,
                            source: source.clone(),
                        });
                    }
                }
            }
        }
        // Kept until the report is written: not in the four places the first push made.
        rc.components.shrink_to_fit();
        if rc.status == CostStatus::Priced {
            let has = |s: &Option<catalog::Shape>| s.is_some();
            rc.monthly_before = has(before).then(|| cents(totals[0]));
            rc.monthly_after = has(after).then(|| cents(totals[1]));
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
    crate::parallel::sort_moving_once(&mut resources, |a, b| a.address.cmp(&b.address));
    let owners = by_owner(&resources).map_err(money_err)?;
    let rates_from = rates_period(input.rates);
    let cost = PlanCost {
        hours_per_month: HOURS_PER_MONTH,
        currency: currency.unwrap_or_else(|| "USD".into()),
        rates_from,
        list_prices_published: list_published,
        resources,
        owners,
    };
    Ok((cost, problems))
}

/// What a rate is looked up by: usage type, region, unit, operation and services.
type RateQuery<'a> = (&'a str, &'a str, &'static str, Option<&'static str>, Option<&'static [&'static str]>);

/// A bill rate and the sentence saying where it comes from.
struct BillRated {
    rate: rates::BillRate,
    source: String,
}

/// `bill rate: BoxUsage:m5.large [RunInstances] in us-east-1, 2026-11-01 to 2026-12-01, 3 lines`.
fn bill_rate_source(rate: &rates::BillRate) -> String {
    let ops =
        if rate.operations.is_empty() { String::new() } else { format!(" [{}]", rate.operations.join(", ")) };
    format!(
        "bill rate: {}{ops} in {}, {} to {}, {} lines",
        rate.usage_type, rate.region, rate.first, rate.end, rate.lines
    )
}

/// One priced change before its pricing: the change, its action, region, owner and the
/// shapes of both sides.
type Item<'c> = (
    &'c plan_attrs::Change<'c>,
    PlanAction,
    Option<String>,
    Option<String>,
    Option<catalog::Shape>,
    Option<catalog::Shape>,
);

/// The Price List questions the plan needs answered: one per need the bill has no rate for
/// and the recorded list prices do not price, each asked once.
fn list_queries(items: &[Item<'_>], rates: &RateBook, book: &list::ListBook) -> Vec<PriceQuery> {
    let mut out = std::collections::BTreeSet::new();
    for (_, _, region, _, before, after) in items {
        let Some(region) = region else { continue };
        for shape in [before, after] {
            let Some(catalog::Shape::Fixed(needs)) = shape else { continue };
            for need in needs {
                if need.quantity.is_zero()
                    || rates.rate_of(&need.usage, region, need.unit, need.operation, need.services).is_some()
                    || book.find(need, region).is_ok()
                {
                    continue;
                }
                if let Some(q) = list::query_for(need, region) {
                    out.insert(q);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Ask the Price List and put what it answers in the book; a question that failed is kept
/// with its reason (for the notes of the resources it would have priced) and reported once.
fn ask_list(
    ask: &dyn AskPriceList,
    queries: Vec<PriceQuery>,
    book: &mut list::ListBook,
    failed: &mut HashMap<PriceQuery, String>,
    problems: &mut Vec<String>,
) {
    if queries.is_empty() {
        return;
    }
    let answers = ask.ask(&queries);
    for (q, answer) in queries.into_iter().zip(answers) {
        match answer {
            Ok(strings) => {
                let (prices, skipped) = list::parse_answer(&strings);
                let bad: Vec<&String> = skipped
                    .iter()
                    .filter_map(|s| match s {
                        list::Skipped::Malformed(m) => Some(m),
                        list::Skipped::NotOnePrice => None,
                    })
                    .collect();
                if let Some(first) = bad.first() {
                    problems.push(format!(
                        "AWS Price List: {} of {} products of {} unreadable (first: {first})",
                        bad.len(),
                        strings.len(),
                        describe(&q)
                    ));
                }
                book.add(prices);
                book.mark_asked(q);
            }
            Err(why) => {
                failed.insert(q, why);
            }
        }
    }
    // One diagnostic per reason: an endpoint that cannot be reached fails every question
    // the same way, and one line says it better than fifty.
    let mut by_reason: BTreeMap<&str, Vec<&PriceQuery>> = BTreeMap::new();
    for (q, why) in failed.iter() {
        by_reason.entry(why.as_str()).or_default().push(q);
    }
    for (why, mut qs) in by_reason {
        qs.sort();
        let first = describe(qs[0]);
        problems.push(match qs.len() {
            1 => format!("AWS Price List: {first}: {why}"),
            n => format!("AWS Price List: {n} questions not answered (first: {first}): {why}"),
        });
    }
}

/// `AmazonEC2 instanceType=m5.large, regionCode=us-east-1, ...`, for messages.
fn describe(q: &PriceQuery) -> String {
    let filters: Vec<String> = q.filters.iter().map(|(f, v)| format!("{f}={v}")).collect();
    format!("{} {}", q.service_code, filters.join(", "))
}

/// The list price of one need, or why there is none (for the resource's note).
fn list_price(
    need: &catalog::Need,
    region: &str,
    book: &list::ListBook,
    failed: &HashMap<PriceQuery, String>,
    currency: Option<&str>,
) -> Result<list::Found, String> {
    if let Some(c) = currency.filter(|c| *c != "USD") {
        // Never converted, as the bill's second currencies are not.
        return Err(format!("list prices are in USD, the bill in {c}"));
    }
    match book.find(need, region) {
        Ok(found) => Ok(found),
        Err(why) => match list::query_for(need, region) {
            None => Err(format!("no list price query for {}", need.usage)),
            Some(q) => match failed.get(&q) {
                Some(e) => Err(format!("the AWS Price List could not be asked ({e})")),
                None => Err(why),
            },
        },
    }
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
