//! `tally export`: a finance export of one billing month, one row per day × account × service
//! × owner (× resource with `by_resource`), with FOCUS column names where a column has a FOCUS
//! meaning and `x_` columns for tally's own.
//!
//! Allocation of cost no owner tag claims (untagged usage, and untaggable charges such as tax,
//! support, fees and credits) follows [`Allocation`]; every split is exact to the last digit of
//! the input (largest-remainder rounding), so the export's total always equals the input's.
//! This module builds rows; [`write`] renders them. Reading costs is `crate::costs`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::costs::CostRecord;
use crate::model::{ChargeCategory, Tags, TfResource};

pub mod focus;
pub(crate) mod redact;
pub mod stream;
pub mod write;

pub(crate) use redact::{redact_emails, redact_free_text, redact_owner};

/// How cost without an owner is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// Leave untagged and untaggable cost on rows of their own, without an owner.
    #[default]
    None,
    /// Split each unowned row across owners in proportion to their tagged effective cost in
    /// the month (same currency). Owners with zero or negative tagged cost get no share.
    Proportional,
    /// Split each unowned row evenly across the owners with tagged cost in the month.
    Even,
}

/// `x_AllocationStatus`: why a row has (or lacks) an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationStatus {
    /// Usage carrying the owner tag.
    Allocated,
    /// Usage without the owner tag.
    Untagged,
    /// Charges that cannot carry tags: tax, support, purchases, fees, credits, refunds.
    Untaggable,
}

impl AllocationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationStatus::Allocated => "allocated",
            AllocationStatus::Untagged => "untagged",
            AllocationStatus::Untaggable => "untaggable",
        }
    }
}

/// `x_AllocationMethod`: how the row's owner was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The owner tag on the cost line.
    Tag,
    /// A share of an unowned row, by [`Allocation::Proportional`].
    Proportional,
    /// A share of an unowned row, by [`Allocation::Even`].
    Even,
    /// Not allocated.
    Unallocated,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Tag => "tag",
            Method::Proportional => "proportional",
            Method::Even => "even",
            Method::Unallocated => "",
        }
    }
}

/// What `--month` selects by. Every command states its basis: `audit`, `budgets` and
/// `report` select by charge period (the day a charge was incurred), `export` by billing
/// period unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthBasis {
    /// The billing period (invoice month) a charge is on: FOCUS `BillingPeriodStart`, CUR
    /// `bill/BillingPeriodStartDate`. Late charges and corrections of a month land on a later
    /// invoice; this is what reconciles with invoices.
    #[default]
    Billing,
    /// The month the charge period starts in: FOCUS `ChargePeriodStart`, CUR
    /// `lineItem/UsageStartDate`. What the audit's spend and the review use.
    Charge,
}

impl MonthBasis {
    /// The first day of the month `r` belongs to on this basis.
    pub fn month_of(self, r: &CostRecord) -> NaiveDate {
        match self {
            MonthBasis::Billing => r.billing_month(),
            MonthBasis::Charge => r.period.start.with_day0(0).unwrap_or(r.period.start),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MonthBasis::Billing => "billing period",
            MonthBasis::Charge => "charge period",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// First day of the month to export.
    pub month: NaiveDate,
    /// Whether `month` is a billing or a charge month.
    pub month_basis: MonthBasis,
    pub owner_tag: String,
    pub by_resource: bool,
    pub allocation: Allocation,
    pub redact: bool,
    /// Terraform resources (state) for `x_TerraformManaged` / `x_TerraformAddress`; `None`
    /// leaves the columns out.
    pub terraform: Option<Vec<TfResource>>,
}

impl ExportOptions {
    /// Whether the export holds `r`.
    pub fn selects(&self, r: &CostRecord) -> bool {
        self.month_basis.month_of(r) == self.month
    }
}

/// The grouping key of one row; also its sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
    /// First day of the billing period (invoice month) of the row's charges: the export's
    /// month on the billing basis; on the charge basis, charges of one month invoiced in
    /// different periods stay on rows of their own.
    pub billing_period: NaiveDate,
    pub charge_start: NaiveDate,
    pub charge_end: NaiveDate,
    pub account: String,
    pub service: String,
    pub resource_id: Option<String>,
    pub category: ChargeCategory,
    pub currency: String,
    pub owner: Option<String>,
    pub status: AllocationStatus,
    pub method: Method,
    /// Tags shown in `Tags`: the owner tag, or with `by_resource` the resource's tags.
    pub tags: Tags,
    pub terraform_managed: Option<bool>,
    pub terraform_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: RowKey,
    pub billed: Decimal,
    pub effective: Decimal,
}

/// The rows of one export, sorted, with what the writers need to know.
#[derive(Debug, Clone)]
pub struct Export {
    pub month: NaiveDate,
    pub rows: Vec<Row>,
    pub by_resource: bool,
    pub with_terraform: bool,
}

impl Export {
    /// Total billed cost, exact (see [`crate::costs::exact::ExactSum`]).
    pub fn total_billed(&self) -> crate::costs::exact::ExactSum {
        self.rows.iter().map(|r| r.billed).collect()
    }

    /// Total effective cost, exact.
    pub fn total_effective(&self) -> crate::costs::exact::ExactSum {
        self.rows.iter().map(|r| r.effective).collect()
    }
}

/// `a + b`, or the error every money sum of the export reports.
fn add(a: Decimal, b: Decimal) -> Result<Decimal, String> {
    crate::costs::exact::add(a, b).map_err(|e| format!("export: {e}"))
}

/// Build the export of `opts.month` from aggregated cost records. `Err` only when sums leave
/// what a `Decimal` holds exactly (about 28 significant digits), never a panic or a rounding.
pub fn build(records: &[CostRecord], opts: &ExportOptions) -> Result<Export, String> {
    let terraform = opts.terraform.as_deref().map(TerraformIndex::new);
    let mut groups: BTreeMap<RowKey, (Decimal, Decimal)> = BTreeMap::new();
    // Shares are cut at the finest scale of the input (at least the cent).
    let mut scale = 2;
    for r in records.iter().filter(|r| opts.selects(r)) {
        let owner = r
            .category
            .can_carry_tags()
            .then(|| r.tags.get(&opts.owner_tag))
            .flatten()
            .filter(|v| !v.is_empty());
        let owner = owner.map(|o| if opts.redact { redact_owner(o).into_owned() } else { o.to_string() });
        let status = match (&owner, r.category.can_carry_tags()) {
            (Some(_), _) => AllocationStatus::Allocated,
            (None, true) => AllocationStatus::Untagged,
            (None, false) => AllocationStatus::Untaggable,
        };
        // `owner` is already redacted: redacting it again would hash the hash.
        let tags: Tags = if opts.by_resource {
            if opts.redact {
                r.tags
                    .iter()
                    .map(|(k, v)| {
                        let red = if k == opts.owner_tag { redact_owner(v) } else { redact_free_text(v) };
                        (k.to_string(), red.into_owned())
                    })
                    .collect()
            } else {
                r.tags.clone()
            }
        } else {
            owner.iter().map(|o| (opts.owner_tag.clone(), o.clone())).collect()
        };
        let (managed, address) = match (&terraform, &r.resource_id) {
            (Some(tf), Some(id)) => {
                let address = tf.address(id);
                (Some(address.is_some()), if opts.by_resource { address.map(str::to_string) } else { None })
            }
            _ => (None, None),
        };
        let key = RowKey {
            billing_period: r.billing_month(),
            charge_start: r.period.start,
            charge_end: r.period.end,
            account: r.account.clone(),
            service: r.service.clone(),
            resource_id: if opts.by_resource { r.resource_id.clone() } else { None },
            category: r.category,
            currency: r.currency.clone(),
            owner,
            status,
            method: if status == AllocationStatus::Allocated { Method::Tag } else { Method::Unallocated },
            tags,
            terraform_managed: managed,
            terraform_address: address,
        };
        scale = scale.max(r.billed.scale()).max(r.effective.scale());
        let e = groups.entry(key).or_default();
        e.0 = add(e.0, r.billed)?;
        e.1 = add(e.1, r.effective)?;
    }
    let rows = match opts.allocation {
        Allocation::None => {
            groups.into_iter().map(|(key, (billed, effective))| Row { key, billed, effective }).collect()
        }
        strategy => allocate(groups, strategy, &opts.owner_tag, scale)?,
    };
    Ok(Export {
        month: opts.month,
        rows,
        by_resource: opts.by_resource,
        with_terraform: opts.terraform.is_some(),
    })
}

/// Split the unowned cost across owners; the shares say how they were made in
/// `x_AllocationMethod`.
///
/// The grain of a share is the billing month's unowned cost of one account, service, category
/// and currency (its charge period spans the days it covers), not each day or resource: with
/// 970 owners a per-day split turned a 68,000-line bill into 4 million rows (930 MB, minutes),
/// and a share of one day's untagged cost of one resource is not a figure anyone allocates.
fn allocate(
    groups: BTreeMap<RowKey, (Decimal, Decimal)>,
    strategy: Allocation,
    owner_tag: &str,
    scale: u32,
) -> Result<Vec<Row>, String> {
    // Weights per currency: owners' tagged effective cost in the month.
    let mut weights: BTreeMap<&str, BTreeMap<&str, Decimal>> = BTreeMap::new();
    for (key, (_, effective)) in &groups {
        if let (AllocationStatus::Allocated, Some(owner)) = (key.status, &key.owner) {
            let w = weights.entry(key.currency.as_str()).or_default().entry(owner.as_str()).or_default();
            *w = add(*w, *effective)?;
        }
    }
    let weights: BTreeMap<String, Vec<(String, Decimal)>> = weights
        .into_iter()
        .map(|(cur, owners)| {
            let list = owners
                .into_iter()
                .filter(|(_, w)| strategy == Allocation::Even || *w > Decimal::ZERO)
                .map(|(o, w)| (o.to_string(), if strategy == Allocation::Even { Decimal::ONE } else { w }))
                .collect();
            (cur.to_string(), list)
        })
        .collect();
    let method = if strategy == Allocation::Even { Method::Even } else { Method::Proportional };

    let mut out: BTreeMap<RowKey, (Decimal, Decimal)> = BTreeMap::new();
    // Unowned cost merged to the grain of a share: (billed, effective, first day, end).
    let mut unowned: BTreeMap<RowKey, (Decimal, Decimal, NaiveDate, NaiveDate)> = BTreeMap::new();
    for (key, (billed, effective)) in groups {
        let has_owners = weights.get(&key.currency).is_some_and(|w| !w.is_empty());
        if key.status == AllocationStatus::Allocated || !has_owners {
            let e = out.entry(key).or_default();
            e.0 = add(e.0, billed)?;
            e.1 = add(e.1, effective)?;
            continue;
        }
        let (start, end) = (key.charge_start, key.charge_end);
        let mut coarse = key;
        coarse.charge_start = coarse.billing_period;
        coarse.charge_end = coarse.billing_period;
        coarse.resource_id = None;
        coarse.tags = Tags::new();
        coarse.terraform_address = None;
        let e = unowned.entry(coarse).or_insert((Decimal::ZERO, Decimal::ZERO, start, end));
        e.0 = add(e.0, billed)?;
        e.1 = add(e.1, effective)?;
        e.2 = e.2.min(start);
        e.3 = e.3.max(end);
    }
    for (mut key, (billed, effective, start, end)) in unowned {
        key.charge_start = start;
        key.charge_end = end;
        // Present: only currencies with owners were merged here.
        let owners = weights
            .get(&key.currency)
            .ok_or_else(|| format!("internal error: no owners in {} to allocate to", key.currency))?;
        let w: Vec<Decimal> = owners.iter().map(|(_, w)| *w).collect();
        let billed_shares = split(billed, &w, scale)?;
        let effective_shares = split(effective, &w, scale)?;
        for (i, (owner, _)) in owners.iter().enumerate() {
            let mut share_key = key.clone();
            share_key.owner = Some(owner.clone());
            share_key.method = method;
            share_key.tags = Tags::from([(owner_tag.to_string(), owner.clone())]);
            let e = out.entry(share_key).or_default();
            e.0 = add(e.0, billed_shares[i])?;
            e.1 = add(e.1, effective_shares[i])?;
        }
    }
    Ok(out.into_iter().map(|(key, (billed, effective))| Row { key, billed, effective }).collect())
}

/// Split `amount` by `weights` (positive, non-empty) into shares that add up to `amount`
/// exactly, each a multiple of `10^-scale` (`scale` at least the amount's own, so nothing is
/// cut finer than the input; the caller passes the finest scale of the input). Each share is
/// its exact proportion truncated to that unit; the units left over (an integer count, fewer
/// than the number of owners plus the ratio's rounding) are dealt out in one pass, one each to
/// the largest remainders, ties to the earlier owner (owners are sorted), so the result is the
/// same on every run and the loop always ends, whatever the scale. `Err` only when a sum
/// leaves `Decimal`'s range.
pub(crate) fn split(amount: Decimal, weights: &[Decimal], scale: u32) -> Result<Vec<Decimal>, String> {
    let overflow = || format!("allocating {amount}: amounts beyond the range of a decimal");
    let mut total = Decimal::ZERO;
    for w in weights {
        total = total.checked_add(*w).ok_or_else(overflow)?;
    }
    if weights.is_empty() || total.is_zero() {
        return Ok(Vec::new());
    }
    let mut scale = scale.max(amount.scale()).min(28);
    // An amount with 28 digits at its own scale has no room for finer shares: cut at its own.
    let mut probe = amount;
    probe.rescale(scale);
    if probe.scale() != scale || probe != amount {
        scale = amount.scale();
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut sum = Decimal::ZERO;
    for w in weights {
        // The ratio is in [0, 1], so the product never overflows.
        let ratio = w.checked_div(total).ok_or_else(overflow)?;
        let exact = amount.checked_mul(ratio).ok_or_else(overflow)?;
        let share = exact.round_dp_with_strategy(scale, RoundingStrategy::ToZero);
        sum = sum.checked_add(share).ok_or_else(overflow)?;
        shares.push(share);
        remainders.push(exact.checked_sub(share).ok_or_else(overflow)?.abs());
    }
    // Units of 10^-scale still to deal out: exact integer arithmetic, no loop on a Decimal.
    let mut left = amount.checked_sub(sum).ok_or_else(overflow)?;
    left.rescale(scale);
    let units: i128 = left.mantissa();
    let n = i128::try_from(weights.len()).map_err(|_| overflow())?;
    let (each, extra) = (units / n, (units % n).unsigned_abs());
    let step = Decimal::from_i128_with_scale(units.signum(), scale);
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    let each = Decimal::try_from_i128_with_scale(each, scale).map_err(|_| overflow())?;
    for (rank, &i) in order.iter().enumerate() {
        let mut add = each;
        if (rank as u128) < extra {
            add = add.checked_add(step).ok_or_else(overflow)?;
        }
        shares[i] = shares[i].checked_add(add).ok_or_else(overflow)?;
    }
    Ok(shares)
}

/// Terraform addresses by ARN, by id, and by the ARN's last segment (the bare ids some CUR
/// lines carry: `i-0abc`, a bucket name).
pub(crate) struct TerraformIndex<'a> {
    by_id: BTreeMap<&'a str, &'a str>,
}

impl<'a> TerraformIndex<'a> {
    pub(crate) fn new(resources: &'a [TfResource]) -> Self {
        let mut by_id = BTreeMap::new();
        for r in resources.iter().filter(|r| r.mode == crate::model::ResourceMode::Managed) {
            let address = r.address.as_str();
            if let Some(arn) = r.arn.as_deref() {
                by_id.entry(arn).or_insert(address);
                let short = arn.rsplit(['/', ':']).next().unwrap_or(arn);
                by_id.entry(short).or_insert(address);
            }
            if let Some(id) = r.id.as_deref() {
                by_id.entry(id).or_insert(address);
            }
        }
        Self { by_id }
    }

    pub(crate) fn address(&self, resource_id: &str) -> Option<&'a str> {
        self.by_id.get(resource_id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn split2(amount: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
        split(amount, weights, 2).unwrap()
    }

    #[test]
    fn split_is_exact_and_deterministic() {
        let shares = split2(d("100.00"), &[d("1"), d("1"), d("1")]);
        assert_eq!(shares, [d("33.34"), d("33.33"), d("33.33")]);
        let shares = split2(d("-0.05"), &[d("2"), d("1")]);
        assert_eq!(shares.iter().copied().sum::<Decimal>(), d("-0.05"));
        assert_eq!(shares, [d("-0.03"), d("-0.02")]);
        let tiny = split2(d("0.00000080000"), &[d("3"), d("7"), d("11")]);
        assert_eq!(tiny.iter().copied().sum::<Decimal>(), d("0.00000080000"));
        assert_eq!(split2(d("5"), &[d("1")]), [d("5.00")]);
        assert!(split2(d("5"), &[]).is_empty());
        // Issue 22: 21+ decimals never reached zero when the scale was capped at 20.
        let fine = split2(d("0.000000000000000000000123"), &[d("1"), d("2")]);
        assert_eq!(fine, [d("0.000000000000000000000041"), d("0.000000000000000000000082")]);
    }

    /// Random amounts at every scale 0..=28 over 1..=1000 owners with random weights: the
    /// shares always add up to the amount to the last digit, never finer than the unit, each
    /// within one unit of its exact proportion.
    #[test]
    fn split_terminates_and_reconciles_at_every_scale() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..400u32 {
            let scale = case % 29;
            let owners = 1 + (next() % 1000) as usize;
            // Mantissas up to 2^96 - 1: the whole range a Decimal holds.
            let hi = u128::from(next() % (1 << 32));
            let mantissa = (hi << 64 | u128::from(next())) as i128 * if next() % 2 == 0 { 1 } else { -1 };
            let mantissa = mantissa >> (next() % 96);
            let amount = Decimal::from_i128_with_scale(mantissa, scale);
            let weights: Vec<Decimal> = (0..owners)
                .map(|_| Decimal::new((next() % 1_000_000_000) as i64 + 1, (next() % 11) as u32))
                .collect();
            let shares = split(amount, &weights, 2).unwrap();
            assert_eq!(shares.len(), owners);
            let total: Decimal = shares.iter().copied().sum();
            assert_eq!(total, amount, "case {case}: scale {scale}, {owners} owners");
            let unit = Decimal::new(1, scale.clamp(2, 28));
            let wsum: Decimal = weights.iter().copied().sum();
            for (s, w) in shares.iter().zip(&weights) {
                assert!(s.scale() <= scale.max(2), "{s} finer than the input");
                let exact = amount * (*w / wsum);
                // The ratio has 28 significant digits: allow for its rounding on huge amounts.
                let slack = unit * Decimal::from(2)
                    + amount.abs() / Decimal::from(10u64.pow(18)) / Decimal::from(10_000_000u64);
                assert!((exact - s).abs() <= slack, "{s} vs {exact}");
            }
        }
    }
}
