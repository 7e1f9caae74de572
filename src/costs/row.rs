//! One cost row, whatever the file format: the columns every reader looks up **by name**, and
//! the cell normalisation they all share (trimming, `NULL`, the default currency, the service
//! name). Legacy CUR CSV, CUR 2.0 CSV, CUR and CUR 2.0 Parquet, FOCUS CSV and FOCUS Parquet
//! differ only in where a value sits; what a value means is decided here once, so the same
//! bill gives the same records from every format (tested in `tests` below, once for all).

use std::borrow::Cow;

/// How a file names its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// Legacy CUR CSV: `lineItem/UnblendedCost`, `resourceTags/user:team`.
    CurSlash,
    /// Legacy CUR Parquet and CUR 2.0 (CSV or Parquet): `line_item_unblended_cost`, tags in
    /// `resource_tags_user_*` columns (legacy) or the `resource_tags` map (CUR 2.0).
    CurSnake,
    /// FOCUS 1.x: `BilledCost`, `ChargePeriodStart`, `Tags`.
    Focus,
}

/// The logical columns tally reads. CUR and FOCUS share the ones that mean the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    /// CUR `UnblendedCost`, FOCUS `BilledCost`.
    Billed,
    /// FOCUS `EffectiveCost` (CUR computes it from the amortization columns).
    Effective,
    /// CUR line-item type, FOCUS `ChargeCategory`.
    ChargeType,
    Start,
    End,
    Account,
    /// FOCUS `BillingAccountId`: the account when a file has no `SubAccountId`.
    BillingAccount,
    BillingStart,
    ServiceCode,
    ServiceName,
    Resource,
    Currency,
    SpEffective,
    SpCommitment,
    SpUsed,
    RiEffective,
    RiUnusedUpfront,
    RiUnusedRecurring,
    RiArn,
    /// FOCUS `CommitmentDiscountStatus` (`Used` / `Unused`).
    CommitmentStatus,
    /// CUR 2.0 `resource_tags` (a map, JSON text in CSV), FOCUS `Tags`.
    Tags,
    /// CUR 2.0 `product` map (JSON text in CSV): holds `product_name`.
    ProductMap,
    /// CUR `UsageType` (`USE1-BoxUsage:m5.large`), AWS FOCUS `x_UsageType`: what a usage
    /// rate is keyed by. Read only for usage rates ([`super::usage`]).
    UsageType,
    /// CUR `UsageAmount`, FOCUS `PricingQuantity` (else `ConsumedQuantity`).
    UsageAmount,
    /// CUR `pricing/unit`, FOCUS `PricingUnit` (else `ConsumedUnit`).
    PricingUnit,
    /// CUR `product/regionCode` (else `product/region`), CUR 2.0 `product_region_code`,
    /// FOCUS `RegionId`.
    Region,
    /// CUR `lineItem/Operation`, AWS FOCUS `x_Operation`: splits one usage type by what it is
    /// for (`LoadBalancing:Application` and `:Network` share `LoadBalancerUsage`; RDS engines
    /// share `InstanceUsage:*`).
    Operation,
}

/// Every logical column, in a fixed order ([`Layout`] is indexed by it).
pub(crate) const COLS: [Col; 27] = [
    Col::Billed,
    Col::Effective,
    Col::ChargeType,
    Col::Start,
    Col::End,
    Col::Account,
    Col::BillingAccount,
    Col::BillingStart,
    Col::ServiceCode,
    Col::ServiceName,
    Col::Resource,
    Col::Currency,
    Col::SpEffective,
    Col::SpCommitment,
    Col::SpUsed,
    Col::RiEffective,
    Col::RiUnusedUpfront,
    Col::RiUnusedRecurring,
    Col::RiArn,
    Col::CommitmentStatus,
    Col::Tags,
    Col::ProductMap,
    Col::UsageType,
    Col::UsageAmount,
    Col::PricingUnit,
    Col::Region,
    Col::Operation,
];

impl Col {
    /// The column's name in files of `naming`; `None` where that format has no such column.
    pub(crate) fn name(self, naming: Naming) -> Option<&'static str> {
        use Naming::{CurSlash as S, CurSnake as K, Focus as F};
        Some(match (self, naming) {
            (Col::Billed, S) => "lineItem/UnblendedCost",
            (Col::Billed, K) => "line_item_unblended_cost",
            (Col::Billed, F) => "BilledCost",
            (Col::Effective, F) => "EffectiveCost",
            (Col::ChargeType, S) => "lineItem/LineItemType",
            (Col::ChargeType, K) => "line_item_line_item_type",
            (Col::ChargeType, F) => "ChargeCategory",
            (Col::Start, S) => "lineItem/UsageStartDate",
            (Col::Start, K) => "line_item_usage_start_date",
            (Col::Start, F) => "ChargePeriodStart",
            (Col::End, S) => "lineItem/UsageEndDate",
            (Col::End, K) => "line_item_usage_end_date",
            (Col::End, F) => "ChargePeriodEnd",
            (Col::Account, S) => "lineItem/UsageAccountId",
            (Col::Account, K) => "line_item_usage_account_id",
            (Col::Account, F) => "SubAccountId",
            (Col::BillingAccount, F) => "BillingAccountId",
            (Col::BillingStart, S) => "bill/BillingPeriodStartDate",
            (Col::BillingStart, K) => "bill_billing_period_start_date",
            (Col::BillingStart, F) => "BillingPeriodStart",
            (Col::ServiceCode, S) => "lineItem/ProductCode",
            (Col::ServiceCode, K) => "line_item_product_code",
            (Col::ServiceCode, F) => "x_ServiceCode",
            (Col::ServiceName, S) => "product/ProductName",
            (Col::ServiceName, K) => "product_product_name",
            (Col::ServiceName, F) => "ServiceName",
            (Col::Resource, S) => "lineItem/ResourceId",
            (Col::Resource, K) => "line_item_resource_id",
            (Col::Resource, F) => "ResourceId",
            (Col::Currency, S) => "lineItem/CurrencyCode",
            (Col::Currency, K) => "line_item_currency_code",
            (Col::Currency, F) => "BillingCurrency",
            (Col::SpEffective, S) => "savingsPlan/SavingsPlanEffectiveCost",
            (Col::SpEffective, K) => "savings_plan_savings_plan_effective_cost",
            (Col::SpCommitment, S) => "savingsPlan/TotalCommitmentToDate",
            (Col::SpCommitment, K) => "savings_plan_total_commitment_to_date",
            (Col::SpUsed, S) => "savingsPlan/UsedCommitment",
            (Col::SpUsed, K) => "savings_plan_used_commitment",
            (Col::RiEffective, S) => "reservation/EffectiveCost",
            (Col::RiEffective, K) => "reservation_effective_cost",
            (Col::RiUnusedUpfront, S) => "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
            (Col::RiUnusedUpfront, K) => "reservation_unused_amortized_upfront_fee_for_billing_period",
            (Col::RiUnusedRecurring, S) => "reservation/UnusedRecurringFee",
            (Col::RiUnusedRecurring, K) => "reservation_unused_recurring_fee",
            (Col::RiArn, S) => "reservation/ReservationARN",
            (Col::RiArn, K) => "reservation_reservation_a_r_n",
            (Col::CommitmentStatus, F) => "CommitmentDiscountStatus",
            (Col::Tags, K) => "resource_tags",
            (Col::Tags, F) => "Tags",
            (Col::ProductMap, K) => "product",
            (Col::UsageType, S) => "lineItem/UsageType",
            (Col::UsageType, K) => "line_item_usage_type",
            (Col::UsageType, F) => "x_UsageType",
            (Col::UsageAmount, S) => "lineItem/UsageAmount",
            (Col::UsageAmount, K) => "line_item_usage_amount",
            (Col::UsageAmount, F) => "PricingQuantity",
            (Col::PricingUnit, S) => "pricing/unit",
            (Col::PricingUnit, K) => "pricing_unit",
            (Col::PricingUnit, F) => "PricingUnit",
            (Col::Region, S) => "product/regionCode",
            (Col::Region, K) => "product_region_code",
            (Col::Region, F) => "RegionId",
            (Col::Operation, S) => "lineItem/Operation",
            (Col::Operation, K) => "line_item_operation",
            (Col::Operation, F) => "x_Operation",
            _ => return None,
        })
    }

    /// A second name to look for when the first is absent: older CUR files carry only
    /// `product/region` (legacy Parquet `product_region`), and FOCUS files without the
    /// conditional pricing columns still have the consumed ones.
    fn alternate(self, naming: Naming) -> Option<&'static str> {
        use Naming::{CurSlash as S, CurSnake as K, Focus as F};
        Some(match (self, naming) {
            (Col::Region, S) => "product/region",
            (Col::Region, K) => "product_region",
            (Col::UsageAmount, F) => "ConsumedQuantity",
            (Col::PricingUnit, F) => "ConsumedUnit",
            // FOCUS exports other than AWS's have no usage type: the SKU is what a price is
            // for there, so rates are kept per SKU.
            (Col::UsageType, F) => "SkuId",
            _ => return None,
        })
    }

    /// Columns a file of `naming` must have. FOCUS: the columns the specification makes
    /// mandatory that tally needs (an account is `SubAccountId`, else `BillingAccountId`,
    /// checked in [`Layout::find`]); a file without them is refused, never read with a silent
    /// default.
    fn required(self, naming: Naming) -> bool {
        match naming {
            Naming::CurSlash | Naming::CurSnake => {
                matches!(self, Col::Billed | Col::ChargeType | Col::Start | Col::End | Col::Account)
            }
            Naming::Focus => matches!(
                self,
                Col::Billed
                    | Col::Effective
                    | Col::ChargeType
                    | Col::Start
                    | Col::End
                    | Col::ServiceName
                    | Col::Currency
            ),
        }
    }
}

/// Where each logical column sits in one file (by position in its header or schema).
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub naming: Naming,
    at: [Option<usize>; COLS.len()],
}

impl Layout {
    /// Look every column up by name in `headers`. The error names the first missing
    /// required column.
    pub(crate) fn find<S: AsRef<str>>(naming: Naming, headers: &[S]) -> Result<Layout, String> {
        let position = |name: &str| headers.iter().position(|h| h.as_ref() == name);
        let mut at = [None; COLS.len()];
        for (i, col) in COLS.iter().enumerate() {
            at[i] = col.name(naming).and_then(position).or_else(|| col.alternate(naming).and_then(position));
            if at[i].is_none() && col.required(naming) {
                return Err(format!("no {} column", col.name(naming).unwrap_or("?")));
            }
        }
        let mut layout = Layout { naming, at };
        if naming == Naming::Focus && layout.get(Col::Account).is_none() {
            // FOCUS makes BillingAccountId mandatory and SubAccountId conditional.
            layout.at[index(Col::Account)] = Some(
                layout
                    .get(Col::BillingAccount)
                    .ok_or_else(|| "no SubAccountId or BillingAccountId column".to_string())?,
            );
        }
        Ok(layout)
    }

    #[inline]
    pub(crate) fn get(&self, col: Col) -> Option<usize> {
        self.at[index(col)]
    }

    /// Forget a column (resource ids when nothing needs them: never decoded).
    pub(crate) fn drop(&mut self, col: Col) {
        self.at[index(col)] = None;
    }

    /// The name of `col` in this file.
    pub(crate) fn name(&self, col: Col) -> &'static str {
        col.name(self.naming).unwrap_or("?")
    }

    /// Whether the file has what a usage rate needs: a quantity and a usage type (or, in
    /// FOCUS files without `x_UsageType`, nothing to key a rate by: no rates).
    pub(crate) fn has_usage(&self) -> bool {
        self.get(Col::UsageAmount).is_some() && self.get(Col::UsageType).is_some()
    }
}

fn index(col: Col) -> usize {
    COLS.iter().position(|c| *c == col).unwrap_or(0)
}

/// A text cell as every reader sees it: surrounding whitespace trimmed, and `NULL` (how the
/// FOCUS sample data and some exports write a missing value) empty.
#[inline]
pub(crate) fn text(cell: &str) -> &str {
    match cell.trim() {
        "NULL" => "",
        t => t,
    }
}

/// The currency of a row: ISO code as written, USD when the file has none (legacy CUR files
/// written before `lineItem/CurrencyCode` existed).
#[inline]
pub(crate) fn currency(cell: &str) -> &str {
    if cell.is_empty() {
        "USD"
    } else {
        cell
    }
}

/// The service a row is reported under, in the vocabulary Cost Explorer shows (its
/// `SERVICE` dimension): the product name when the file has one, else the name of the
/// product code from [`service_for_code`], else the code itself. Legacy CUR, CUR 2.0
/// (`product['product_name']`) and CUR without product columns so agree. FOCUS input keeps
/// its own `ServiceName` (the readers pass it as the name). One exception Cost Explorer makes
/// and files cannot: it splits EC2 into "Amazon Elastic Compute Cloud - Compute" and "EC2 -
/// Other" by usage type; files report "Amazon Elastic Compute Cloud" for both.
pub(crate) fn service<'a>(code: &'a str, name: &'a str) -> Cow<'a, str> {
    if !name.is_empty() {
        Cow::Borrowed(name)
    } else {
        service_for_code(code).map_or(Cow::Borrowed(code), Cow::Borrowed)
    }
}

/// Cost Explorer's service name for a CUR product code (`line_item_product_code`), for the
/// services a bill commonly holds. Codes not listed keep the code.
pub(crate) fn service_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "AmazonEC2" => "Amazon Elastic Compute Cloud",
        "AmazonS3" => "Amazon Simple Storage Service",
        "AmazonRDS" => "Amazon Relational Database Service",
        "AmazonDynamoDB" => "Amazon DynamoDB",
        "AWSLambda" => "AWS Lambda",
        "AmazonCloudFront" => "Amazon CloudFront",
        "AmazonCloudWatch" => "AmazonCloudWatch",
        "AmazonVPC" => "Amazon Virtual Private Cloud",
        "AmazonEKS" => "Amazon Elastic Container Service for Kubernetes",
        "AmazonECS" => "Amazon Elastic Container Service",
        "AmazonECR" => "Amazon EC2 Container Registry (ECR)",
        "AmazonEFS" => "Amazon Elastic File System",
        "AmazonElastiCache" => "Amazon ElastiCache",
        "AmazonES" => "Amazon OpenSearch Service",
        "AmazonRedshift" => "Amazon Redshift",
        "AmazonRoute53" => "Amazon Route 53",
        "AmazonSNS" => "Amazon Simple Notification Service",
        "AWSQueueService" => "Amazon Simple Queue Service",
        "AmazonSQS" => "Amazon Simple Queue Service",
        "AmazonKinesis" => "Amazon Kinesis",
        "AmazonKinesisFirehose" => "Amazon Kinesis Firehose",
        "AmazonApiGateway" => "Amazon API Gateway",
        "AmazonSageMaker" => "Amazon SageMaker",
        "AmazonAthena" => "Amazon Athena",
        "AmazonGuardDuty" => "Amazon GuardDuty",
        "AmazonInspectorV2" => "Amazon Inspector",
        "AmazonMSK" => "Amazon Managed Streaming for Apache Kafka",
        "AmazonMQ" => "Amazon MQ",
        "AmazonLightsail" => "Amazon Lightsail",
        "AmazonWorkSpaces" => "Amazon WorkSpaces",
        "AmazonGlacier" => "Amazon Glacier",
        "AmazonDocDB" => "Amazon DocumentDB (with MongoDB compatibility)",
        "AmazonNeptune" => "Amazon Neptune",
        "AmazonQuickSight" => "Amazon QuickSight",
        "AmazonStates" => "AWS Step Functions",
        "AWSGlue" => "AWS Glue",
        "AWSCloudTrail" => "AWS CloudTrail",
        "AWSConfig" => "AWS Config",
        "AWSCodeBuild" => "CodeBuild",
        "AWSCodePipeline" => "AWS CodePipeline",
        "AWSBackup" => "AWS Backup",
        "AWSELB" => "Elastic Load Balancing",
        "AWSEvents" => "CloudWatch Events",
        "AWSKMS" | "awskms" => "AWS Key Management Service",
        "AWSSecretsManager" => "AWS Secrets Manager",
        "AWSSystemsManager" => "AWS Systems Manager",
        "AWSXRay" => "AWS X-Ray",
        "AWSDataTransfer" => "AWS Data Transfer",
        "AWSCostExplorer" => "AWS Cost Explorer",
        "AWSShield" => "AWS Shield",
        "awswaf" => "AWS WAF",
        "AWSDirectConnect" => "AWS Direct Connect",
        "AWSTransfer" => "AWS Transfer Family",
        "AWSAmplify" => "AWS Amplify",
        "AWSSupportBusiness" => "AWS Support (Business)",
        "AWSSupportEnterprise" => "AWS Support (Enterprise)",
        "AWSDeveloperSupport" => "AWS Support (Developer)",
        "AmazonCognito" => "Amazon Cognito",
        "AmazonSES" => "Amazon Simple Email Service",
        "AmazonTimestream" => "Amazon Timestream",
        "AmazonMWAA" => "Amazon Managed Workflows for Apache Airflow",
        "ElasticMapReduce" => "Amazon Elastic MapReduce",
        "AmazonBedrock" => "Amazon Bedrock",
        "ComputeSavingsPlans" => "Savings Plans for AWS Compute usage",
        _ => return None,
    })
}

/// A UTC time as `YYYY-MM-DDTHH:MM:SSZ` (how CUR and FOCUS write one), appended field by field:
/// chrono's `format` parses its pattern on every call, an eighth of an export's time once.
pub(crate) fn push_utc_seconds(out: &mut String, t: &chrono::DateTime<chrono::Utc>) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let headers =
            ["x", "line_item_usage_end_date", "line_item_unblended_cost", "line_item_line_item_type"];
        let err = Layout::find(Naming::CurSnake, &headers).unwrap_err();
        assert_eq!(err, "no line_item_usage_start_date column");
        let headers = [
            "line_item_usage_account_id",
            "line_item_usage_end_date",
            "line_item_unblended_cost",
            "line_item_line_item_type",
            "line_item_usage_start_date",
            "product",
        ];
        let l = Layout::find(Naming::CurSnake, &headers).unwrap();
        assert_eq!(l.get(Col::Billed), Some(2));
        assert_eq!(l.get(Col::Account), Some(0));
        assert_eq!(l.get(Col::ProductMap), Some(5));
        assert_eq!(l.get(Col::Currency), None);
        assert_eq!(l.name(Col::Start), "line_item_usage_start_date");
    }

    #[test]
    fn focus_names_its_missing_mandatory_column() {
        let full = [
            "BilledCost",
            "EffectiveCost",
            "ChargeCategory",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "ServiceName",
            "BillingCurrency",
            "BillingAccountId",
        ];
        let l = Layout::find(Naming::Focus, &full).unwrap();
        assert_eq!(l.get(Col::Account), Some(7), "BillingAccountId stands in for SubAccountId");
        for missing in ["ServiceName", "BillingCurrency", "BillingAccountId"] {
            let headers: Vec<&str> = full.iter().copied().filter(|h| *h != missing).collect();
            let err = Layout::find(Naming::Focus, &headers).unwrap_err();
            assert!(err.contains(missing), "{err}");
        }
    }

    #[test]
    fn cells_and_services() {
        assert_eq!(text("  111122223333 "), "111122223333");
        assert_eq!(text("NULL"), "");
        assert_eq!(currency(""), "USD");
        assert_eq!(currency("EUR"), "EUR");
        assert_eq!(service("AmazonEC2", "Amazon Elastic Compute Cloud"), "Amazon Elastic Compute Cloud");
        assert_eq!(service("AmazonEC2", ""), "Amazon Elastic Compute Cloud");
        assert_eq!(service("AmazonNewThing", ""), "AmazonNewThing");
        assert_eq!(service("", "Virtual Machines"), "Virtual Machines");
    }
}
