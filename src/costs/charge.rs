//! What a line item is and what it costs: CUR line-item types and FOCUS charge categories to
//! [`ChargeCategory`], and the amortized (effective) amount of a CUR line.
//!
//! The rules follow AWS's documentation of the CUR columns (see `shared/reference`); they are
//! shared by the CSV and Parquet readers so both formats give the same answer.
//!
//! ## Commitments
//!
//! Reservation and Savings Plan charges are classed the same from every format; the table is
//! what the readers implement, and `commitments_are_classed_alike_in_every_format` holds
//! them to it.
//!
//! | charge | CUR line-item type | FOCUS ChargeCategory / ChargeClass / CommitmentDiscountStatus | Cost Explorer RECORD_TYPE | tally |
//! |---|---|---|---|---|
//! | usage a commitment covers | `DiscountedUsage`, `SavingsPlanCoveredUsage` | Usage / (none) / Used | `DiscountedUsage`, `SavingsPlanCoveredUsage` | usage (taggable) |
//! | on-demand cost a Savings Plan covered | `SavingsPlanNegation` | (folded into EffectiveCost) | `SavingsPlanNegation` | usage |
//! | unused commitment | `RIFee`, `SavingsPlanRecurringFee` (effective = unused part) | Usage / (none) / Unused | `RIFee`, `SavingsPlanRecurringFee` | purchase (untaggable) |
//! | commitment purchase, upfront or recurring fee | `Fee` with a reservation ARN, `SavingsPlanUpfrontFee`, `RIFee`, `SavingsPlanRecurringFee` | Purchase / (none) | `Recurring reservation fee`, `SavingsPlanUpfrontFee`, ... | purchase (untaggable) |
//! | correction of an earlier period | (a line of the new period) | any / Correction | | as its ChargeCategory |

use rust_decimal::Decimal;

use super::row::Col;
use crate::model::ChargeCategory;

/// The CUR line-item types tally knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CurType {
    Usage,
    DiscountedUsage,
    SavingsPlanCoveredUsage,
    SavingsPlanNegation,
    /// BundledDiscount, Discount, PrivateRateDiscount, EdpDiscount and other discounts.
    Discount,
    Fee,
    RiFee,
    SavingsPlanUpfrontFee,
    SavingsPlanRecurringFee,
    Tax,
    Credit,
    Refund,
    /// A type this version does not know; counted and reported, treated as a fee.
    Unknown,
}

impl CurType {
    pub(crate) fn parse(s: &str) -> CurType {
        match s {
            "Usage" => CurType::Usage,
            "DiscountedUsage" => CurType::DiscountedUsage,
            "SavingsPlanCoveredUsage" => CurType::SavingsPlanCoveredUsage,
            "SavingsPlanNegation" => CurType::SavingsPlanNegation,
            "BundledDiscount"
            | "Discount"
            | "PrivateRateDiscount"
            | "EdpDiscount"
            | "DistributorDiscount" => CurType::Discount,
            "Fee" => CurType::Fee,
            "RIFee" => CurType::RiFee,
            "SavingsPlanUpfrontFee" => CurType::SavingsPlanUpfrontFee,
            "SavingsPlanRecurringFee" => CurType::SavingsPlanRecurringFee,
            "Tax" => CurType::Tax,
            "Credit" => CurType::Credit,
            "Refund" => CurType::Refund,
            _ => CurType::Unknown,
        }
    }

    /// Whether the line's usage amount is consumption: on-demand usage and usage a commitment
    /// covers. A Savings Plan negation or a discount line restates the cost of usage another
    /// line already counted; its amount (which AWS may fill with that usage) must not count
    /// twice in a unit rate, while its cost does (an EDP discount lowers the rate).
    pub(crate) fn consumes(self) -> bool {
        matches!(self, CurType::Usage | CurType::DiscountedUsage | CurType::SavingsPlanCoveredUsage)
    }
}

/// Whether a product is AWS Support (`AWSSupportBusiness`, `AWSDeveloperSupport`, "AWS Support
/// (Enterprise)"...). Support carries no resource and no tags.
pub(crate) fn is_support(product_code: &str, service_name: &str) -> bool {
    product_code.starts_with("AWSSupport")
        || product_code == "AWSDeveloperSupport"
        || service_name.starts_with("AWS Support")
}

/// Category of a CUR line. Tax, credits and refunds keep their category whatever the product;
/// any other line of an AWS Support product is support.
pub(crate) fn cur_category(t: CurType, support: bool) -> ChargeCategory {
    match t {
        CurType::Tax => ChargeCategory::Tax,
        CurType::Credit => ChargeCategory::Credit,
        CurType::Refund => ChargeCategory::Refund,
        _ if support => ChargeCategory::Support,
        CurType::Usage
        | CurType::DiscountedUsage
        | CurType::SavingsPlanCoveredUsage
        | CurType::SavingsPlanNegation
        | CurType::Discount => ChargeCategory::Usage,
        CurType::Fee | CurType::RiFee | CurType::SavingsPlanUpfrontFee | CurType::SavingsPlanRecurringFee => {
            ChargeCategory::Purchase
        }
        CurType::Unknown => ChargeCategory::Fee,
    }
}

/// Category of a FOCUS row: `ChargeCategory` (Usage | Purchase | Tax | Credit | Adjustment),
/// with support recognised by service. `Adjustment` (refunds, corrections) becomes `Refund`.
///
/// Commitments are classed the same from every format (see the module documentation): a FOCUS `Usage`
/// row with `CommitmentDiscountStatus` = `Unused` is the unused part of a reservation or
/// Savings Plan, which CUR writes on the `RIFee` / `SavingsPlanRecurringFee` line and Cost
/// Explorer as a fee record: a purchase, untaggable, never "untagged usage".
pub(crate) fn focus_category(
    category: &str,
    service_name: &str,
    service_code: &str,
    commitment_status: &str,
) -> Option<ChargeCategory> {
    let base = match category {
        "Usage" if commitment_status.eq_ignore_ascii_case("Unused") => ChargeCategory::Purchase,
        "Usage" => ChargeCategory::Usage,
        "Purchase" => ChargeCategory::Purchase,
        "Tax" => return Some(ChargeCategory::Tax),
        "Credit" => return Some(ChargeCategory::Credit),
        "Adjustment" => return Some(ChargeCategory::Refund),
        _ => return None,
    };
    Some(if is_support(service_code, service_name) { ChargeCategory::Support } else { base })
}

/// The error for a FOCUS `ChargeCategory` that [`focus_category`] does not know, naming it.
pub(crate) fn unknown_focus_category(value: &str) -> String {
    format!("\"{value}\" is not one of Usage, Purchase, Tax, Credit, Adjustment")
}

/// The amortization columns of one CUR line (zero where absent or empty).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Amortization {
    pub sp_effective_cost: Decimal,
    pub sp_total_commitment_to_date: Decimal,
    pub sp_used_commitment: Decimal,
    pub ri_effective_cost: Decimal,
    pub ri_unused_amortized_upfront: Decimal,
    pub ri_unused_recurring_fee: Decimal,
    /// The line belongs to a reservation (`reservation/ReservationARN` set).
    pub reservation: bool,
}

impl Amortization {
    /// The amortization columns of a CUR line: `money` reads an amount column (zero when the
    /// file lacks it), `text` a text column.
    pub(crate) fn from_columns<'t, E>(
        money: impl Fn(Col) -> Result<Decimal, E>,
        text: impl Fn(Col) -> &'t str,
    ) -> Result<Self, E> {
        Ok(Self {
            sp_effective_cost: money(Col::SpEffective)?,
            sp_total_commitment_to_date: money(Col::SpCommitment)?,
            sp_used_commitment: money(Col::SpUsed)?,
            ri_effective_cost: money(Col::RiEffective)?,
            ri_unused_amortized_upfront: money(Col::RiUnusedUpfront)?,
            ri_unused_recurring_fee: money(Col::RiUnusedRecurring)?,
            reservation: !text(Col::RiArn).is_empty(),
        })
    }
}

/// Amortized cost of a CUR line, as AWS defines `AmortizedCost`:
/// covered usage at its effective rate, unused commitment as the fee's cost, upfront payments
/// (already spread over usage) and SP negations (the covered usage's on-demand cost) at zero.
pub(crate) fn cur_effective(t: CurType, unblended: Decimal, a: &Amortization) -> Decimal {
    match t {
        CurType::SavingsPlanCoveredUsage => a.sp_effective_cost,
        CurType::SavingsPlanRecurringFee => {
            a.sp_total_commitment_to_date.saturating_sub(a.sp_used_commitment)
        }
        CurType::SavingsPlanNegation | CurType::SavingsPlanUpfrontFee => Decimal::ZERO,
        CurType::DiscountedUsage => a.ri_effective_cost,
        CurType::RiFee => a.ri_unused_amortized_upfront.saturating_add(a.ri_unused_recurring_fee),
        CurType::Fee if a.reservation => Decimal::ZERO,
        _ => unblended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn categories() {
        assert_eq!(cur_category(CurType::parse("SavingsPlanCoveredUsage"), false), ChargeCategory::Usage);
        assert_eq!(cur_category(CurType::parse("RIFee"), false), ChargeCategory::Purchase);
        assert_eq!(cur_category(CurType::parse("Fee"), true), ChargeCategory::Support);
        assert_eq!(cur_category(CurType::parse("Tax"), true), ChargeCategory::Tax);
        assert_eq!(cur_category(CurType::parse("Credit"), false), ChargeCategory::Credit);
        assert_eq!(cur_category(CurType::parse("Refund"), false), ChargeCategory::Refund);
        assert_eq!(cur_category(CurType::parse("EdpDiscount"), false), ChargeCategory::Usage);
        assert_eq!(cur_category(CurType::parse("Something new"), false), ChargeCategory::Fee);
        assert_eq!(focus_category("Usage", "AWS Support (Business)", "", ""), Some(ChargeCategory::Support));
        assert_eq!(focus_category("Adjustment", "COMPUTE", "", ""), Some(ChargeCategory::Refund));
        assert_eq!(focus_category("usage", "", "", ""), None);
    }

    /// The rows of [`COMMITMENTS`]: one commitment, three formats, one class.
    #[test]
    fn commitments_are_classed_alike_in_every_format() {
        use crate::aws::costs::charge_category as ce;
        let purchase = ChargeCategory::Purchase;
        // Unused commitment.
        assert_eq!(cur_category(CurType::parse("RIFee"), false), purchase);
        assert_eq!(cur_category(CurType::parse("SavingsPlanRecurringFee"), false), purchase);
        assert_eq!(
            focus_category("Usage", "Amazon Elastic Compute Cloud", "AmazonEC2", "Unused"),
            Some(purchase)
        );
        assert_eq!(ce("RIFee"), purchase);
        assert_eq!(ce("SavingsPlanRecurringFee"), purchase);
        // Covered usage.
        let usage = ChargeCategory::Usage;
        assert_eq!(cur_category(CurType::parse("SavingsPlanCoveredUsage"), false), usage);
        assert_eq!(cur_category(CurType::parse("DiscountedUsage"), false), usage);
        assert_eq!(focus_category("Usage", "Amazon Elastic Compute Cloud", "AmazonEC2", "Used"), Some(usage));
        assert_eq!(ce("SavingsPlanCoveredUsage"), usage);
        assert_eq!(ce("DiscountedUsage"), usage);
        // Purchases.
        assert_eq!(cur_category(CurType::parse("SavingsPlanUpfrontFee"), false), purchase);
        assert_eq!(focus_category("Purchase", "Savings Plans for AWS Compute usage", "", ""), Some(purchase));
        assert_eq!(ce("SavingsPlanUpfrontFee"), purchase);
    }

    #[test]
    fn amortization_rules() {
        let a = Amortization {
            sp_effective_cost: d("0.7"),
            sp_total_commitment_to_date: d("10"),
            sp_used_commitment: d("8.5"),
            ri_effective_cost: d("0.3"),
            ri_unused_amortized_upfront: d("1.25"),
            ri_unused_recurring_fee: d("0.5"),
            reservation: true,
        };
        let u = d("1");
        assert_eq!(cur_effective(CurType::SavingsPlanCoveredUsage, u, &a), d("0.7"));
        assert_eq!(cur_effective(CurType::SavingsPlanRecurringFee, u, &a), d("1.5"));
        assert_eq!(cur_effective(CurType::SavingsPlanNegation, d("-1"), &a), Decimal::ZERO);
        assert_eq!(cur_effective(CurType::SavingsPlanUpfrontFee, d("100"), &a), Decimal::ZERO);
        assert_eq!(cur_effective(CurType::DiscountedUsage, u, &a), d("0.3"));
        assert_eq!(cur_effective(CurType::RiFee, u, &a), d("1.75"));
        assert_eq!(cur_effective(CurType::Fee, d("500"), &a), Decimal::ZERO);
        let plain = Amortization::default();
        assert_eq!(cur_effective(CurType::Fee, d("12"), &plain), d("12"));
        assert_eq!(cur_effective(CurType::Usage, u, &a), u);
        assert_eq!(cur_effective(CurType::Tax, d("2"), &a), d("2"));
    }
}
