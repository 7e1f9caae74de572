//! `tally export`: a finance export of one billing month, one row per day × account × service
//! × owner (× resource with `by_resource`), with FOCUS column names where a column has a FOCUS
//! meaning and `x_` columns for tally's own.
//!
//! Allocation of cost no owner tag claims (untagged usage, and untaggable charges such as tax,
//! support, fees and credits) follows [`Allocation`]; every split is exact to the last digit of
//! the input (largest-remainder rounding), so the export's total always equals the input's.
//! This module builds rows; [`write`] renders them. Reading costs is `crate::costs`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::costs::CostRecord;
use crate::model::{ChargeCategory, Tags, TfResource};

pub(crate) mod redact;
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

#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// First day of the billing month to export.
    pub month: NaiveDate,
    pub owner_tag: String,
    pub by_resource: bool,
    pub allocation: Allocation,
    pub redact: bool,
    /// Terraform resources (state) for `x_TerraformManaged` / `x_TerraformAddress`; `None`
    /// leaves the columns out.
    pub terraform: Option<Vec<TfResource>>,
}

/// The grouping key of one row; also its sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
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
    pub fn total_billed(&self) -> Decimal {
        self.rows.iter().map(|r| r.billed).sum()
    }

    pub fn total_effective(&self) -> Decimal {
        self.rows.iter().map(|r| r.effective).sum()
    }
}

/// Build the export of `opts.month` from aggregated cost records.
pub fn build(records: &[CostRecord], opts: &ExportOptions) -> Export {
    let terraform = opts.terraform.as_deref().map(TerraformIndex::new);
    let mut groups: BTreeMap<RowKey, (Decimal, Decimal)> = BTreeMap::new();
    for r in records.iter().filter(|r| r.billing_month() == opts.month) {
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
        let e = groups.entry(key).or_default();
        e.0 += r.billed;
        e.1 += r.effective;
    }
    let rows = match opts.allocation {
        Allocation::None => {
            groups.into_iter().map(|(key, (billed, effective))| Row { key, billed, effective }).collect()
        }
        strategy => allocate(groups, strategy, &opts.owner_tag, opts.by_resource),
    };
    Export {
        month: opts.month,
        rows,
        by_resource: opts.by_resource,
        with_terraform: opts.terraform.is_some(),
    }
}

/// Split every unowned row across owners; the shares keep the row's day, account, service
/// and category, take the owner, and say how they were made in `x_AllocationMethod`.
fn allocate(
    groups: BTreeMap<RowKey, (Decimal, Decimal)>,
    strategy: Allocation,
    owner_tag: &str,
    by_resource: bool,
) -> Vec<Row> {
    // Weights per currency: owners' tagged effective cost in the month.
    let mut weights: BTreeMap<&str, BTreeMap<&str, Decimal>> = BTreeMap::new();
    for (key, (_, effective)) in &groups {
        if let (AllocationStatus::Allocated, Some(owner)) = (key.status, &key.owner) {
            *weights.entry(key.currency.as_str()).or_default().entry(owner.as_str()).or_default() +=
                *effective;
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
    for (key, (billed, effective)) in groups {
        let owners = weights.get(&key.currency).filter(|w| !w.is_empty());
        let (true, Some(owners)) = (key.status != AllocationStatus::Allocated, owners) else {
            let e = out.entry(key).or_default();
            e.0 += billed;
            e.1 += effective;
            continue;
        };
        let w: Vec<Decimal> = owners.iter().map(|(_, w)| *w).collect();
        let billed_shares = split(billed, &w);
        let effective_shares = split(effective, &w);
        for (i, (owner, _)) in owners.iter().enumerate() {
            let mut share_key = key.clone();
            share_key.owner = Some(owner.clone());
            share_key.method = method;
            if !by_resource {
                share_key.tags = Tags::from([(owner_tag.to_string(), owner.clone())]);
            }
            let e = out.entry(share_key).or_default();
            e.0 += billed_shares[i];
            e.1 += effective_shares[i];
        }
    }
    out.into_iter().map(|(key, (billed, effective))| Row { key, billed, effective }).collect()
}

/// Split `amount` by `weights` (positive, non-empty) into shares that add up to `amount`
/// exactly. Shares are cut at the amount's own precision (at least the cent); the units left
/// over go one each to the largest remainders, ties to the earlier owner (owners are sorted),
/// so the result is the same on every run.
pub(crate) fn split(amount: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let total: Decimal = weights.iter().sum();
    if weights.is_empty() || total.is_zero() {
        return Vec::new();
    }
    let scale = amount.scale().clamp(2, 20);
    let unit = Decimal::new(1, scale);
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for w in weights {
        // The ratio is in [0, 1], so the product never overflows.
        let exact = amount * (*w / total);
        let share = exact.round_dp_with_strategy(scale, RoundingStrategy::ToZero);
        shares.push(share);
        remainders.push((exact - share).abs());
    }
    let mut left = amount - shares.iter().copied().sum::<Decimal>();
    let step = if left.is_sign_negative() { -unit } else { unit };
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    let mut i = 0;
    while !left.is_zero() {
        shares[order[i % order.len()]] += step;
        left -= step;
        i += 1;
    }
    shares
}

/// Terraform addresses by ARN, by id, and by the ARN's last segment (the bare ids some CUR
/// lines carry: `i-0abc`, a bucket name).
struct TerraformIndex<'a> {
    by_id: BTreeMap<&'a str, &'a str>,
}

impl<'a> TerraformIndex<'a> {
    fn new(resources: &'a [TfResource]) -> Self {
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

    fn address(&self, resource_id: &str) -> Option<&'a str> {
        self.by_id.get(resource_id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn split_is_exact_and_deterministic() {
        let shares = split(d("100.00"), &[d("1"), d("1"), d("1")]);
        assert_eq!(shares, [d("33.34"), d("33.33"), d("33.33")]);
        let shares = split(d("-0.05"), &[d("2"), d("1")]);
        assert_eq!(shares.iter().copied().sum::<Decimal>(), d("-0.05"));
        assert_eq!(shares, [d("-0.03"), d("-0.02")]);
        let tiny = split(d("0.00000080000"), &[d("3"), d("7"), d("11")]);
        assert_eq!(tiny.iter().copied().sum::<Decimal>(), d("0.00000080000"));
        assert_eq!(split(d("5"), &[d("1")]), [d("5.00")]);
        assert!(split(d("5"), &[]).is_empty());
    }
}
