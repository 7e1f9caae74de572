//! What a line item is and what it costs: CUR line-item types and FOCUS charge categories to
//! [`ChargeCategory`], and the amortized (effective) amount of a CUR line.
//!
//! The rules follow AWS's documentation of the CUR columns (see `shared/reference`); they are
//! shared by the CSV and Parquet readers so both formats give the same answer.

use rust_decimal::Decimal;

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
pub(crate) fn focus_category(
    category: &str,
    service_name: &str,
    service_code: &str,
) -> Option<ChargeCategory> {
    let base = match category {
        "Usage" => ChargeCategory::Usage,
        "Purchase" => ChargeCategory::Purchase,
        "Tax" => return Some(ChargeCategory::Tax),
        "Credit" => return Some(ChargeCategory::Credit),
        "Adjustment" => return Some(ChargeCategory::Refund),
        _ => return None,
    };
    Some(if is_support(service_code, service_name) { ChargeCategory::Support } else { base })
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
        assert_eq!(focus_category("Usage", "AWS Support (Business)", ""), Some(ChargeCategory::Support));
        assert_eq!(focus_category("Adjustment", "COMPUTE", ""), Some(ChargeCategory::Refund));
        assert_eq!(focus_category("usage", "", ""), None);
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
