//! FOCUS columns derived from legacy CUR and CUR 2.0 lines, following the FinOps Foundation's
//! published AWS mapping (its `focus-converter` conversion configs for AWS), with these
//! deliberate differences (each in `docs/focus.md`):
//! - amounts are tally's: BilledCost is the unblended cost (what every other command calls
//!   billed), EffectiveCost the amortized cost tally computes everywhere, so the export
//!   reconciles with `tally audit` and the input to the cent;
//! - ChargeCategory is the 1.0 vocabulary (credits are `Credit`, not `Adjustment`);
//! - ChargeFrequency follows the line type (usage is `Usage-Based`), not `bill/BillType`;
//! - ServiceName is the service name every other command reports (the product name), not
//!   the product code; ServiceCategory comes from tally's own table
//!   (`data/aws-focus-services.tsv`);
//! - quantities and prices are null where FOCUS requires null (tax, credits).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{charge_category, datetime, month_bounds, other_subcategory, FocusVersion, OutColumn};
use crate::costs::lines::{parse_amount, parse_time, Line};
use crate::model::ChargeCategory;

/// The AWS service table: product code -> (ServiceCategory, ServiceSubcategory).
fn services() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../../../data/aws-focus-services.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?, (f.next()?, f.next()?)))
            })
            .collect()
    })
}

/// ServiceCategory and ServiceSubcategory of an AWS product code.
pub fn service_category(code: &str) -> (&'static str, &'static str) {
    services().get(code).copied().unwrap_or(("Other", other_subcategory("Other")))
}

/// A decimal cell rewritten in plain notation (`1.5E-7` -> `0.00000015`); `None` when empty.
fn decimal(text: &str) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(parse_amount(text)?.to_string()))
}

fn some(s: impl Into<String>) -> Option<String> {
    let s = s.into();
    (!s.is_empty()).then_some(s)
}

/// The line-item type, legacy or CUR 2.0.
fn line_type(line: &Line<'_>) -> String {
    line.cur("lineItem/LineItemType", "line_item_line_item_type", None)
}

/// The cells of `columns` (spec columns; `None` for the `x_` ones) for one CUR line.
pub fn cells(
    line: &Line<'_>,
    _version: FocusVersion,
    columns: &[OutColumn],
) -> Result<Vec<Option<String>>, String> {
    let ty = line_type(line);
    let category = charge_category(line.category);
    let usage = category == "Usage";
    let tax = line.category == ChargeCategory::Tax;
    let priced = matches!(category, "Usage" | "Purchase");
    let c = |slash: &str, snake: &str| line.cur(slash, snake, None);
    let p = |slash: &str, snake: &str, key: &str| line.cur(slash, snake, Some(key));

    let sp_arn = c("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n");
    let ri_arn = c("reservation/ReservationARN", "reservation_reservation_a_r_n");
    let commitment = if !sp_arn.is_empty() {
        Some((sp_arn, "Spend", "Savings Plan"))
    } else if !ri_arn.is_empty() {
        Some((ri_arn, "Usage", "Reserved Instance"))
    } else {
        None
    };
    // Only lines that apply or buy a commitment name it; a usage line elsewhere carries no id.
    let commitment = commitment.filter(|_| {
        matches!(
            ty.as_str(),
            "SavingsPlanCoveredUsage"
                | "SavingsPlanNegation"
                | "SavingsPlanRecurringFee"
                | "SavingsPlanUpfrontFee"
                | "DiscountedUsage"
                | "RIFee"
                | "Fee"
        )
    });
    let applied =
        matches!(ty.as_str(), "SavingsPlanCoveredUsage" | "DiscountedUsage" | "SavingsPlanNegation");

    let amount = c("lineItem/UsageAmount", "line_item_usage_amount");
    let unit = c("pricing/unit", "pricing_unit");
    let quantity = if priced { decimal(&amount)? } else { None };
    let usage_type = c("lineItem/UsageType", "line_item_usage_type");

    let billing = match (
        c("bill/BillingPeriodStartDate", "bill_billing_period_start_date"),
        c("bill/BillingPeriodEndDate", "bill_billing_period_end_date"),
    ) {
        (s, e) if !s.is_empty() && !e.is_empty() => (datetime(parse_time(&s)?)?, datetime(parse_time(&e)?)?),
        _ => month_bounds(line.billing_start.unwrap_or(line.start))?,
    };
    let public_cost = c("pricing/publicOnDemandCost", "pricing_public_on_demand_cost");
    // A line without a public price (tax, credits, fees) lists at what it bills (the spec:
    // "a charge unrelated to other charges MUST match the BilledCost").
    let list_cost = if public_cost.is_empty() || !priced { line.billed } else { parse_amount(&public_cost)? };
    let code = c("lineItem/ProductCode", "line_item_product_code");
    let (service_category, service_subcategory) = service_category(&code);
    let region = p("product/regionCode", "product_region_code", "region_code");
    let region = if region.is_empty() { p("product/region", "product_region", "region") } else { region };
    let region_name =
        if region.is_empty() { String::new() } else { p("product/location", "product_location", "location") };
    let resource = c("lineItem/ResourceId", "line_item_resource_id");
    let resource_type = if resource.is_empty() {
        String::new()
    } else {
        let family = p("product/productFamily", "product_product_family", "product_family");
        if family.is_empty() {
            arn_type(&resource).unwrap_or_default()
        } else {
            family
        }
    };
    let issuer = c("bill/InvoicingEntity", "bill_invoicing_entity");
    // CUR files before invoicing entities existed: AWS's own entity.
    let issuer = if issuer.is_empty() { "Amazon Web Services, Inc.".to_string() } else { issuer };
    let publisher = c("lineItem/LegalEntity", "line_item_legal_entity");
    let publisher = if publisher.is_empty() { issuer.clone() } else { publisher };
    let payer = c("bill/PayerAccountId", "bill_payer_account_id");
    let payer = if payer.is_empty() { line.account.clone() } else { payer };
    let tags = tags_json(&line.tags);
    let spot = usage_type.contains("SpotUsage");
    let pricing_category = if !priced {
        None
    } else if applied {
        Some("Committed")
    } else if spot {
        Some("Dynamic")
    } else {
        Some("Standard")
    };
    let frequency = match ty.as_str() {
        // Support is billed monthly whatever the line type says.
        _ if line.category == ChargeCategory::Support => "Recurring",
        "RIFee" | "SavingsPlanRecurringFee" => "Recurring",
        "Fee" | "SavingsPlanUpfrontFee" | "Tax" | "Credit" | "Refund" => "One-Time",
        _ if usage => "Usage-Based",
        _ => "One-Time",
    };
    let bill_type = c("bill/BillType", "bill_bill_type");

    let mut out = Vec::with_capacity(columns.len());
    for col in columns {
        out.push(match col.name {
            "AvailabilityZone" => some(c("lineItem/AvailabilityZone", "line_item_availability_zone")),
            "BilledCost" => Some(line.billed.to_string()),
            "BillingAccountId" => some(payer.clone()),
            "BillingAccountName" => some(c("bill/PayerAccountName", "bill_payer_account_name")),
            "BillingCurrency" => Some(line.currency.clone()),
            "BillingPeriodEnd" => Some(billing.1.clone()),
            "BillingPeriodStart" => Some(billing.0.clone()),
            "ChargeCategory" => Some(category.to_string()),
            // A refund bill corrects an earlier invoice.
            "ChargeClass" => (bill_type == "Refund").then(|| "Correction".to_string()),
            "ChargeDescription" => some(c("lineItem/LineItemDescription", "line_item_line_item_description")),
            "ChargeFrequency" => Some(frequency.to_string()),
            "ChargePeriodEnd" => Some(datetime(line.end)?),
            "ChargePeriodStart" => Some(datetime(line.start)?),
            "CommitmentDiscountCategory" => commitment.as_ref().map(|c| c.1.to_string()),
            "CommitmentDiscountId" => commitment.as_ref().map(|c| c.0.clone()),
            "CommitmentDiscountName" => None,
            "CommitmentDiscountStatus" => (commitment.is_some() && applied).then(|| "Used".to_string()),
            "CommitmentDiscountType" => commitment.as_ref().map(|c| c.2.to_string()),
            "ConsumedQuantity" => {
                if usage {
                    decimal(&amount)?
                } else {
                    None
                }
            }
            "ConsumedUnit" => (usage && !amount.is_empty()).then(|| unit.clone()).and_then(some),
            "ContractedCost" => Some(line.billed.to_string()),
            "ContractedUnitPrice" => {
                if priced && quantity.is_some() {
                    decimal(&c("lineItem/UnblendedRate", "line_item_unblended_rate"))?
                } else {
                    None
                }
            }
            "EffectiveCost" => Some(line.effective.to_string()),
            "InvoiceId" => some(c("bill/InvoiceId", "bill_invoice_id")),
            "InvoiceIssuerName" => Some(issuer.clone()),
            "ListCost" => Some(list_cost.to_string()),
            "ListUnitPrice" => {
                if priced && quantity.is_some() {
                    decimal(&c("pricing/publicOnDemandRate", "pricing_public_on_demand_rate"))?
                } else {
                    None
                }
            }
            "PricingCategory" => pricing_category.map(str::to_string),
            "PricingQuantity" => quantity.clone(),
            "PricingUnit" => quantity.as_ref().and_then(|_| some(unit.clone())),
            "ProviderName" => Some("AWS".to_string()),
            "PublisherName" => Some(publisher.clone()),
            "RegionId" => some(region.clone()),
            "RegionName" => some(region_name.clone()),
            "ResourceId" => some(resource.clone()),
            "ResourceName" => None,
            "ResourceType" => some(resource_type.clone()),
            "ServiceCategory" => Some(service_category.to_string()),
            "ServiceName" => Some(line.service.clone()),
            "ServiceSubcategory" => Some(service_subcategory.to_string()),
            "SkuId" => {
                if tax {
                    None
                } else {
                    some(p("product/sku", "product_sku", "sku"))
                }
            }
            "SkuPriceId" => {
                if tax {
                    None
                } else {
                    let code = c("pricing/RateCode", "pricing_rate_code");
                    if code.is_empty() {
                        some(c("pricing/RateId", "pricing_rate_id"))
                    } else {
                        Some(code)
                    }
                }
            }
            "SubAccountId" => some(line.account.clone()),
            "SubAccountName" => some(c("lineItem/UsageAccountName", "line_item_usage_account_name")),
            "Tags" => tags.clone(),
            _ => None,
        });
    }
    Ok(out)
}

/// Tags as a JSON object: keys sorted, a repeated key's last value (as a JSON map built from
/// them would hold); `None` without tags. Written directly: building a `serde_json` map per
/// line was a tenth of the export.
fn tags_json(tags: &[(String, String)]) -> Option<String> {
    if tags.is_empty() {
        return None;
    }
    let mut sorted: Vec<&(String, String)> = tags.iter().collect();
    // Stable: among equal keys the file's order stays, and the last is kept below.
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(16 * tags.len() + 2);
    out.push(b'{');
    let mut first = true;
    for (i, (k, v)) in sorted.iter().map(|p| (&p.0, &p.1)).enumerate() {
        if sorted.get(i + 1).is_some_and(|next| next.0 == *k) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        // Writing a string to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, k);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, v);
    }
    out.push(b'}');
    String::from_utf8(out).ok()
}

/// The resource type of an ARN (`arn:aws:ec2:us-east-1:1:instance/i-1` -> `instance`);
/// `None` for a bare id.
fn arn_type(id: &str) -> Option<String> {
    let rest = id.strip_prefix("arn:")?;
    let resource = rest.splitn(5, ':').nth(4)?;
    let ty = resource.split(['/', ':']).next()?;
    (!ty.is_empty() && ty != resource).then(|| ty.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_table_uses_allowed_values_only() {
        for (code, (cat, sub)) in services() {
            assert!(super::super::SERVICE_SUBCATEGORY.contains(&(cat, sub)), "{code}: {cat} / {sub}");
        }
        assert_eq!(service_category("AmazonEC2"), ("Compute", "Virtual Machines"));
        assert_eq!(service_category("SomethingNew"), ("Other", "Other (Other)"));
    }

    /// One CUR file through the line reader and the mapping: a Savings Plan covered line, its
    /// negation, a support fee, tax; every row conformant.
    #[test]
    fn cur_lines_map_to_conformant_rows() {
        use crate::costs::lines::for_each_line;
        let dir = std::env::temp_dir().join(format!("tally-focus-aws-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("cur.csv");
        std::fs::write(
            &p,
            "lineItem/UnblendedCost,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageAmount,pricing/unit,pricing/publicOnDemandCost,savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,bill/PayerAccountId,resourceTags/user:team\n\
             2.0,SavingsPlanCoveredUsage,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,111,AmazonEC2,1,Hrs,2.0,arn:aws:savingsplans::1:savingsplan/sp-1,1.4,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,999,web\n\
             -2.0,SavingsPlanNegation,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,111,AmazonEC2,1,Hrs,,arn:aws:savingsplans::1:savingsplan/sp-1,,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,999,web\n\
             100,Fee,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,111,AWSSupportBusiness,1,,,,,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,999,\n\
             5.3,Tax,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,111,AmazonEC2,1,,,,,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,999,\n",
        )
        .unwrap();
        let columns = super::super::schema(FocusVersion::V1_2, &Default::default(), false);
        let at = |name: &str| columns.iter().position(|c| c.name == name).unwrap();
        let mut rows = Vec::new();
        for_each_line(&p, &mut |line| {
            let cells = cells(line, FocusVersion::V1_2, &columns)?;
            super::super::check_row(&columns, &cells)?;
            rows.push(cells);
            Ok(())
        })
        .unwrap();
        let get = |r: usize, c: &str| rows[r][at(c)].clone().unwrap_or_default();
        assert_eq!(get(0, "CommitmentDiscountId"), "arn:aws:savingsplans::1:savingsplan/sp-1");
        assert_eq!(get(0, "CommitmentDiscountCategory"), "Spend");
        assert_eq!(get(0, "CommitmentDiscountStatus"), "Used");
        assert_eq!(get(0, "PricingCategory"), "Committed");
        assert_eq!((get(0, "BilledCost").as_str(), get(0, "EffectiveCost").as_str()), ("2.0", "1.4"));
        assert_eq!(get(0, "BillingAccountId"), "999");
        assert_eq!(get(0, "Tags"), r#"{"team":"web"}"#);
        assert_eq!(get(0, "ServiceSubcategory"), "Virtual Machines");
        assert_eq!(get(1, "EffectiveCost"), "0");
        assert_eq!(
            (get(2, "ChargeCategory").as_str(), get(2, "ChargeFrequency").as_str()),
            ("Purchase", "Recurring")
        );
        assert_eq!(get(2, "ServiceSubcategory"), "Support");
        assert_eq!(get(2, "ConsumedQuantity"), "");
        assert_eq!((get(3, "ChargeCategory").as_str(), get(3, "PricingQuantity").as_str()), ("Tax", ""));
        assert_eq!(get(3, "ListCost"), "5.3");
    }

    #[test]
    fn tags_are_the_json_of_a_map_of_them() {
        let tags = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        for pairs in [&[("team", "web")][..], &[("z", "1"), ("a", "2"), ("z", "3"), ("q\"uote", "é\n")][..]]
        {
            let t = tags(pairs);
            let map: serde_json::Map<String, serde_json::Value> =
                t.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            assert_eq!(tags_json(&t), Some(serde_json::Value::Object(map).to_string()));
        }
        assert_eq!(tags_json(&[]), None);
    }

    #[test]
    fn arn_types() {
        assert_eq!(arn_type("arn:aws:ec2:us-east-1:1:instance/i-1").as_deref(), Some("instance"));
        assert_eq!(arn_type("arn:aws:lambda:us-east-1:1:function:f").as_deref(), Some("function"));
        assert_eq!(arn_type("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_type("i-0abc"), None);
    }
}
