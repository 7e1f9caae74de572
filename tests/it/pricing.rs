//! Issue #20: the plan gate prices changes at the rates of the company's own bill. Rates from
//! the corpus samples and generated CUR 2.0 files, and golden monthly estimates for a plan of
//! every priced type, each hand-computed from the rates of `tests/fixtures/pricing/bill.csv`
//! (the comments there are the computation).

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use tally::costs::{read_costs, ReadOptions};
use tally::pricing::RateBook;

use crate::support::{repo, tally};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn rates(path: &Path) -> RateBook {
    let opts = ReadOptions { usage_rates: true, threads: Some(2), ..ReadOptions::default() };
    let data = read_costs(path, &opts).unwrap();
    assert!(!data.usage.is_empty(), "{}: no usage read", path.display());
    RateBook::from_usage(&data.usage)
}

#[test]
fn usage_is_read_only_when_asked() {
    let path = Path::new("/work/shared/corpus/cost/aws_cur_legacy_sample_anonymous.csv");
    let path =
        if path.exists() { path.to_path_buf() } else { repo().join("tests/fixtures/pricing/bill.csv") };
    let data = read_costs(&path, &ReadOptions::default()).unwrap();
    assert!(data.usage.is_empty());
}

/// Expected values computed with Python's `decimal` from the sample's own columns (usage
/// lines only: sum of `lineItem/UnblendedCost` over sum of `lineItem/UsageAmount`).
#[test]
fn rates_from_the_legacy_cur_sample() {
    let path = Path::new("/work/shared/corpus/cost/aws_cur_legacy_sample_anonymous.csv");
    if !path.exists() {
        return;
    }
    let book = rates(path);
    let glacier = book.rate("Requests-Tier3", "us-west-2", "Requests", Some("S3-GlacierTransition")).unwrap();
    assert_eq!(glacier.per_unit, d("0.97755") / d("32585.0"));
    assert_eq!(glacier.lines, 10);
    // KMS prefixes its usage type with the region code itself.
    let kms = book.rate("KMS-Keys", "ca-central-1", "Keys", None).unwrap();
    assert_eq!(kms.per_unit, Decimal::ONE);
    assert_eq!(kms.lines, 8);
}

#[test]
fn rates_from_the_focus_sample_are_per_sku() {
    let path = Path::new("/work/shared/corpus/cost/focus10_sample_1000.csv");
    if !path.exists() {
        return;
    }
    let book = rates(path);
    let r = book.rate("4GQWNPC9K2PZAY97", "us-east-1", "Hours", None).unwrap();
    assert_eq!(r.per_unit, d("11.00000000000") / d("6.28305600000"));
    assert_eq!(r.lines, 8);
}

/// A CUR 2.0 CSV (snake_case columns, `product_region_code`) gives the same rates as the
/// legacy spelling of the same lines.
#[test]
fn cur2_and_legacy_give_the_same_rates() {
    let dir = tempfile::tempdir().unwrap();
    let cur2 = dir.path().join("cur2.csv");
    let legacy = dir.path().join("legacy.csv");
    let lines = [
        ("Usage", "EUC1-BoxUsage:m5.large", "RunInstances", "10", "1.15", "Hrs"),
        ("Usage", "EUC1-BoxUsage:m5.large", "RunInstances", "14", "1.61", "Hrs"),
        ("Usage", "EUC1-EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "100", "9.52", "GB-Mo"),
        ("Tax", "", "", "1", "2.00", ""),
    ];
    let mut a = String::from("line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_usage_account_id,line_item_product_code,line_item_usage_type,line_item_operation,line_item_usage_amount,line_item_unblended_cost,pricing_unit,product_region_code\n");
    let mut b = String::from("lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/UnblendedCost,pricing/unit,product/region\n");
    for (i, (ty, ut, op, q, c, unit)) in lines.iter().enumerate() {
        let row = format!(
            "{ty},2026-10-0{d}T00:00:00Z,2026-10-0{d}T01:00:00Z,111122223333,AmazonEC2,{ut},{op},{q},{c},{unit},eu-central-1\n",
            d = i + 1
        );
        a.push_str(&row);
        b.push_str(&row);
    }
    std::fs::write(&cur2, a).unwrap();
    std::fs::write(&legacy, b).unwrap();
    for path in [&cur2, &legacy] {
        let book = rates(path);
        let m5 = book.rate("BoxUsage:m5.large", "eu-central-1", "Hrs", Some("RunInstances")).unwrap();
        assert_eq!(m5.per_unit, d("2.76") / d("24"), "{}", path.display());
        assert_eq!(
            (m5.lines, m5.first.to_string(), m5.end.to_string()),
            (2, "2026-10-01".into(), "2026-10-03".into())
        );
        let gp3 = book.rate("EBS:VolumeUsage.gp3", "eu-central-1", "GB-Mo", None).unwrap();
        assert_eq!(gp3.per_unit, d("0.0952"));
        assert_eq!(book.all().len(), 2, "the tax line is not usage");
    }
}

fn plan_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["plan", "tests/fixtures/pricing/plan.json", "--format", "json"];
    args.extend_from_slice(extra);
    let run = tally(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Each priced change's monthly delta, else its status, by address.
fn deltas(report: &serde_json::Value) -> BTreeMap<String, String> {
    report["plan_cost"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let v = r["monthly_delta"].as_str().map(str::to_string);
            (
                r["address"].as_str().unwrap().to_string(),
                v.unwrap_or_else(|| r["status"].as_str().unwrap().to_string()),
            )
        })
        .collect()
}

/// Every priced type, hand-computed from the fixture bill's rates (730 hours a month):
/// m5.large = (0.96 + 1.50 + 0 SP-covered effective) / 40 h = 0.0615/h, and so on.
#[test]
fn golden_estimates_for_a_plan_of_each_priced_type() {
    let report = plan_json(&["--costs", "tests/fixtures/pricing/bill.csv"]);
    let cost = &report["plan_cost"];
    assert_eq!(cost["hours_per_month"], 730);
    let got = deltas(&report);
    let want: BTreeMap<String, String> = [
        ("aws_autoscaling_group.app", "134.69"), // 3 x 730 x 0.0615 = 134.685
        ("aws_cloudwatch_log_group.app", "usage_based"),
        ("aws_cloudwatch_metric_alarm.cpu", "0.10"), // 0.3 / 3
        ("aws_db_instance.main", "164.44"), // (730 x 0.356 + 200 x 0.23) - (730 x 0.178 + 100 x 0.115)
        ("aws_docdb_cluster_instance.d", "202.21"), // 730 x 0.277
        ("aws_dynamodb_table.ondemand", "usage_based"),
        ("aws_dynamodb_table.prov", "3.32"), // 7300 x 0.00013 + 3650 x 0.00065 = 3.3215
        ("aws_ebs_volume.data", "18.00"),    // 100 x 0.08 + 1000 x 0.005 + 125/1024 x 40.96
        ("aws_ebs_volume.io", "71.25"),      // 50 x 0.125 + 1000 x 0.065
        ("aws_ec2_transit_gateway_vpc_attachment.t", "36.50"),
        ("aws_eip.a", "3.65"), // idle: 730 x 0.005
        ("aws_eks_cluster.k8s", "73.00"),
        ("aws_eks_node_group.workers", "89.79"),   // 2 x 730 x 0.0615
        ("aws_elasticache_cluster.memc", "24.82"), // 2 x 730 x 0.017
        ("aws_elasticache_replication_group.cache", "300.76"), // 2 x 730 x 0.206
        ("aws_elasticsearch_domain.legacy", "no_rate"),
        ("aws_elb.classic", "18.25"), // 730 x 0.025 (LoadBalancing)
        ("aws_instance.later", "unknown_until_apply"),
        ("aws_instance.nobill", "no_rate"),
        ("aws_instance.old", "-7.59"),     // -730 x 0.0104 = -7.592
        ("aws_instance.resized", "95.27"), // 730 x (0.192 - 0.0615) = 95.265
        ("aws_instance.web", "44.90"),     // 730 x 0.0615 = 44.895
        ("aws_kms_key.k", "1.00"),
        ("aws_lambda_function.fn", "usage_based"),
        ("aws_lb.front", "16.43"),           // 730 x 0.0225 (Application)
        ("aws_lb.nlb", "16.43"),             // 730 x 3.375 / 150 (Network)
        ("aws_msk_cluster.kafka", "759.90"), // 3 x 730 x 0.21 + 3000 x 0.10
        ("aws_nat_gateway.a", "32.85"),
        ("aws_neptune_cluster_instance.n", "no_rate"), // DocumentDB's InstanceUsage is not Neptune's
        ("aws_opensearch_domain.search", "268.22"),    // 2 x 730 x 0.167 + 200 x 0.122
        ("aws_rds_cluster.aurora", "usage_based"),
        ("aws_rds_cluster_instance.aurora", "189.80"), // 730 x 0.26 (aurora-postgresql only)
        ("aws_redshift_cluster.dw", "1585.56"),        // 2 x 730 x 1.086
        ("aws_route53_zone.z", "0.50"),
        ("aws_s3_bucket.logs", "usage_based"),
        ("aws_secretsmanager_secret.s", "0.40"),
        ("aws_vpc_endpoint.api", "14.60"), // 2 subnets x 730 x 0.01
        ("aws_vpn_connection.v", "36.50"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    // Unchanged price (a tag edit) and free resources (a gateway endpoint) are not listed.
    assert!(!got.contains_key("aws_instance.retag") && !got.contains_key("aws_vpc_endpoint.s3"));

    let owners: BTreeMap<String, String> = cost["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (o["owner"].as_str().unwrap_or("-").to_string(), o["monthly_delta"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(owners["data"], "-7.59");
    assert_eq!(owners["-"], "134.69", "the auto scaling group carries no owner tag");
    // Usage-based: the owner's current spend on the service, from the bill.
    let s3 =
        cost["resources"].as_array().unwrap().iter().find(|r| r["address"] == "aws_s3_bucket.logs").unwrap();
    assert_eq!(s3["current_spend"], "2.30");
    assert_eq!(s3["service"], "Amazon Simple Storage Service");
    // Every component names its source.
    let web =
        cost["resources"].as_array().unwrap().iter().find(|r| r["address"] == "aws_instance.web").unwrap();
    let source = web["components"][0]["source"].as_str().unwrap();
    assert!(
        source.starts_with("bill rate: BoxUsage:m5.large [RunInstances] in us-east-1, 2026-11-01 to "),
        "{source}"
    );
    assert_eq!(web["components"][0]["rate"], "0.0615");
}

#[test]
fn plan_without_costs_has_no_pricing_section() {
    let report = plan_json(&[]);
    assert!(report.get("plan_cost").is_none());
}

#[test]
fn the_pull_request_comment_has_a_cost_table_by_owner() {
    let run = tally(&[
        "plan",
        "tests/fixtures/pricing/plan.json",
        "--costs",
        "tests/fixtures/pricing/bill.csv",
        "--format",
        "markdown",
    ]);
    assert!(run.stdout.contains("### What the plan costs per month, by owner"), "{}", run.stdout);
    assert!(run.stdout.contains("| data | -$7.59 | 1 |  |"), "{}", run.stdout);
    assert!(run.stdout.contains("(730 hours a month)"));
}

/// The terminal table's cost lines (by owner and per resource) show control characters in
/// data as visible escapes, as every other line of the table does.
#[test]
fn the_cost_lines_of_the_table_escape_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let text = std::fs::read_to_string(repo().join("tests/fixtures/pricing/plan.json")).unwrap();
    let hostile = text.replace("\"owner\": \"web\"", "\"owner\": \"web\\n::error file=x::pwned\\u001b[2J\"");
    assert_ne!(hostile, text);
    std::fs::write(&plan, hostile).unwrap();
    let run = tally(&[
        "plan",
        plan.to_str().unwrap(),
        "--costs",
        "tests/fixtures/pricing/bill.csv",
        "--format",
        "table",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "raw ESC:\n{}", run.stdout);
    assert!(!run.stdout.lines().any(|l| l.trim_start().starts_with("::error file=x")), "{}", run.stdout);
    assert!(run.stdout.contains("  web\\n::error file=x::pwned\\u{1b}[2J: "), "{}", run.stdout);
}

/// A usage quantity that is not a number is bad input: exit 2, naming the file, line and
/// column, never a silent skip.
#[test]
fn a_bad_usage_amount_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bill = dir.path().join("bill.csv");
    let text = std::fs::read_to_string(repo().join("tests/fixtures/pricing/bill.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen(",10,Hrs,", ",ten,Hrs,", 1);
    assert!(lines[3].contains(",ten,"), "{}", lines[3]);
    std::fs::write(&bill, lines.join("\n")).unwrap();
    let run = tally(&["plan", "tests/fixtures/pricing/plan.json", "--costs", bill.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("bill.csv:4") && run.stderr.contains("lineItem/UsageAmount"),
        "{}",
        run.stderr
    );
}

/// CUR 2.0 as AWS Data Exports writes it (Parquet, amounts as doubles): the same rates as the
/// CSV of the same lines, through the Parquet reader's usage columns.
/// Usage a commitment covers is priced at what the company pays for it: a Savings Plan's
/// effective cost, a reservation's, an EDP discount. Negation and discount lines restate the
/// cost of usage another line counted: AWS may fill their usage amount with that usage, and it
/// must not count twice (a rate of half the real one), while their cost does count.
#[test]
fn commitment_and_discount_lines_do_not_count_usage_twice() {
    let dir = tempfile::tempdir().unwrap();
    let header = "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/UsageAmount,lineItem/UnblendedCost,pricing/unit,product/region,savingsPlan/SavingsPlanEffectiveCost,reservation/EffectiveCost\n";
    // (type, usage type, amount, unblended, SP effective, RI effective)
    let lines = [
        ("Usage", "BoxUsage:m5.large", "24", "2.304", "", ""),
        ("SavingsPlanCoveredUsage", "BoxUsage:m5.large", "48", "4.608", "3.000", ""),
        ("SavingsPlanNegation", "BoxUsage:m5.large", "48", "-4.608", "", ""),
        ("DiscountedUsage", "BoxUsage:m5.large", "24", "0", "", "1.200"),
        ("EdpDiscount", "BoxUsage:m5.large", "96", "-0.250", "", ""),
        ("BundledDiscount", "BoxUsage:m5.large", "96", "-0.054", "", ""),
    ];
    let mut text = String::from(header);
    for (i, (ty, ut, q, c, sp, ri)) in lines.iter().enumerate() {
        text.push_str(&format!(
            "{ty},2026-11-0{d}T00:00:00Z,2026-11-0{d}T23:00:00Z,111122223333,AmazonEC2,{ut},RunInstances,{q},{c},Hrs,us-east-1,{sp},{ri}\n",
            d = i + 1
        ));
    }
    let path = dir.path().join("bill.csv");
    std::fs::write(&path, text).unwrap();
    let book = rates(&path);
    let m5 = book.rate("BoxUsage:m5.large", "us-east-1", "Hrs", Some("RunInstances")).unwrap();
    // Consumed: 24 on demand + 48 under the Savings Plan + 24 reserved = 96 hours, paid
    // 2.304 + 3.000 + 1.200 - 0.250 - 0.054 = 6.200.
    assert_eq!(m5.per_unit, d("6.200") / d("96"));
    assert_eq!(m5.lines, 3, "usage lines: the negation and discounts are not usage of their own");
}

#[test]
fn cur2_parquet_gives_the_rates_of_its_csv() {
    use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampMillisecondArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cur2.parquet");
    let text = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from_iter_values(v.iter())) };
    let start = 1_793_491_200_000i64; // 2026-11-01T00:00:00Z
    let hours: Vec<i64> = (0..4).map(|h| start + h * 3_600_000).collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("line_item_unblended_cost", Arc::new(Float64Array::from(vec![1.15, 1.61, 9.52, 2.0]))),
        ("line_item_line_item_type", text(&["Usage", "Usage", "Usage", "Tax"])),
        (
            "line_item_usage_start_date",
            Arc::new(TimestampMillisecondArray::from(hours.clone()).with_timezone("UTC")),
        ),
        (
            "line_item_usage_end_date",
            Arc::new(
                TimestampMillisecondArray::from(hours.iter().map(|h| h + 3_600_000).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
        ),
        ("line_item_usage_account_id", text(&["111122223333"; 4])),
        ("line_item_product_code", text(&["AmazonEC2"; 4])),
        (
            "line_item_usage_type",
            text(&["EUC1-BoxUsage:m5.large", "EUC1-BoxUsage:m5.large", "EUC1-EBS:VolumeUsage.gp3", ""]),
        ),
        ("line_item_operation", text(&["RunInstances", "RunInstances", "CreateVolume-Gp3", ""])),
        ("line_item_usage_amount", Arc::new(Float64Array::from(vec![10.0, 14.0, 100.0, 1.0]))),
        ("pricing_unit", text(&["Hrs", "Hrs", "GB-Mo", ""])),
        ("product_region_code", text(&["eu-central-1"; 4])),
    ];
    crate::support::write_parquet(&path, columns, None);
    let book = rates(&path);
    let m5 = book.rate("BoxUsage:m5.large", "eu-central-1", "Hrs", Some("RunInstances")).unwrap();
    assert_eq!(m5.per_unit, d("2.76") / d("24"));
    assert_eq!(m5.lines, 2);
    assert_eq!(
        book.rate("EBS:VolumeUsage.gp3", "eu-central-1", "GB-Mo", None).unwrap().per_unit,
        d("0.0952")
    );
    assert_eq!(book.all().len(), 2);
    // Without asking, the usage columns are not decoded at all.
    let data = read_costs(&path, &ReadOptions::default()).unwrap();
    assert!(data.usage.is_empty());
}

/// A plan Terraform itself wrote (`tests/fixtures/pricing/terraform`: `main.tf` and a prior
/// state, planned offline with Terraform 1.11 and the AWS provider 5.100), priced from a bill
/// with on-demand, Savings Plan, reservation and EDP lines. What real plans carry and the
/// hand-written plan of the goldens above does not: two AWS provider configurations (an alias
/// in eu-west-1), attributes the provider computes that the code leaves unset (gp3 IOPS, an
/// ElastiCache cluster's `replication_group_id`), a launch template created in the same plan
/// (its id unknown, the code's reference names it), and rates that do not end (89 / 820).
#[test]
fn a_plan_terraform_wrote_priced_from_a_bill_with_commitments() {
    let dir = "tests/fixtures/pricing/terraform";
    let (plan, bill) = (format!("{dir}/plan.json"), format!("{dir}/bill.csv"));
    let run = tally(&["plan", &plan, "--costs", &bill, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let got = deltas(&report);
    // m5.large: (23.04 on demand + 30.00 under the Savings Plan - 1.50 EDP) / (240 + 480) h;
    // the negation's 480 h and the EDP line's 240 h are not usage of their own.
    let m5 = "52.26"; // 730 x 51.54 / 720 = 52.2558
    let want: BTreeMap<String, String> = [
        ("aws_autoscaling_group.asg", "156.77"), // 3 x 730 x 51.54 / 720, template by reference
        ("aws_db_instance.db", "282.88"),        // 730 x 256.32 / 720 + 100 x 46.00 / 200
        ("aws_dynamodb_table.t", "3.32"),        // 10 x 730 x 0.00013 + 5 x 730 x 0.00065
        ("aws_ebs_volume.az", "-2.00"),          // replaced: 100 GB gp3 x 0.08 - 100 GB gp2 x 0.10
        ("aws_ebs_volume.data", "60.00"),        // 500 x 0.08 + 3000 x 0.005 + 125/1024 x 40.96
        ("aws_ebs_volume.logs", "285.00"),       // 200 x 0.125 + 4000 x 0.065
        ("aws_eks_cluster.k", "73.00"),          // 730 x 0.1
        ("aws_elasticache_cluster.c", "49.93"),  // 730 x 49.248 / 720 = 49.932
        ("aws_instance.batch", "79.23"),         // 730 x (72.00 reserved + 17.00) / (720 + 100) h
        ("aws_instance.eu", "78.11"),            // 730 x 32.10 / 300, the eu-west-1 alias's rate
        ("aws_instance.maybe", "unknown_until_apply"),
        ("aws_instance.rare", "no_rate"),
        ("aws_instance.resize", "124.98"), // replaced: 730 x (38.40 / 200 - 20.80 / 1000) = 124.976
        ("aws_instance.web[0]", m5),
        ("aws_instance.web[1]", m5),
        ("aws_kms_key.k", "1.00"),
        ("aws_lambda_function.f", "usage_based"),
        ("aws_lb.alb", "16.43"), // 730 x 16.20 / 720 = 16.425, half away from zero
        ("aws_lb.nlb", "14.60"),
        ("aws_nat_gateway.nat", "32.85"),
        ("aws_nat_gateway.old", "-32.85"),
        ("aws_s3_bucket.b", "usage_based"),
        ("aws_secretsmanager_secret.s", "0.40"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);
    let eu = report["plan_cost"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_instance.eu");
    assert_eq!(eu.unwrap()["region"], "eu-west-1");
}

/// The other priced types, in a second plan Terraform wrote (`terraform-more`): Aurora,
/// DocumentDB and Neptune instances of one usage type told apart by service, a replication
/// group, OpenSearch (the bill writes its instance hours without `.search`), MSK, Redshift, a
/// node group, a dedicated instance, an elastic IP attached to an instance whose id is not
/// known yet, an interface endpoint per subnet and a free gateway endpoint, alarms, a zone, a
/// launch configuration's group at its minimum size, and two databases in a module.
#[test]
fn every_other_priced_type_in_a_plan_terraform_wrote() {
    let dir = "tests/fixtures/pricing/terraform-more";
    let (plan, bill) = (format!("{dir}/plan.json"), format!("{dir}/bill.csv"));
    let run = tally(&["plan", &plan, "--costs", &bill, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let got = deltas(&report);
    let want: BTreeMap<String, String> = [
        ("aws_autoscaling_group.lcg", "124.10"), // min_size 2 x 730 x 61.20 / 720
        ("aws_cloudwatch_metric_alarm.cpu", "0.10"), // 1.00 / 10 alarms
        ("aws_cloudwatch_metric_alarm.fast", "0.30"), // high resolution: 0.90 / 3
        ("aws_docdb_cluster_instance.d", "201.48"), // 730 x 198.72 / 720, DocumentDB's lines only
        ("aws_dynamodb_table.od", "usage_based"),
        ("aws_ec2_transit_gateway_vpc_attachment.t", "36.50"),
        ("aws_eip.attached", "3.65"), // in use: 730 x 3.60 / 720
        ("aws_eip.idle", "3.65"),
        ("aws_eks_node_group.ng", "182.21"), // 3 x 730 x 59.904 / 720 = 182.208
        ("aws_eks_node_group.templated", "280.32"), // 2 x 730 x 138.24 / 720: its template's m5.xlarge
        ("aws_elasticache_replication_group.r", "300.03"), // 2 x 730 x 147.96 / 720
        ("aws_instance.ded", "76.65"),       // DedicatedUsage: 730 x 75.60 / 720
        ("aws_msk_cluster.k", "489.90"),     // 3 x 730 x 0.21 + 3 x 100 GB x 0.10
        ("aws_neptune_cluster_instance.n", "254.04"), // 730 x 250.56 / 720, Neptune's lines only
        ("aws_opensearch_domain.o", "269.68"), // 2 x 730 x 0.168 + 2 x 100 GB x 0.122
        ("aws_rds_cluster.a", "usage_based"),
        ("aws_rds_cluster_instance.a[0]", "189.07"), // 730 x 186.48 / 720 (aurora-postgresql)
        ("aws_rds_cluster_instance.a[1]", "189.07"),
        ("aws_redshift_cluster.rs", "1585.56"), // 2 x 730 x 781.92 / 720
        ("aws_route53_zone.z", "0.50"),
        ("aws_vpc_endpoint.ssm", "14.60"), // 2 subnets x 730 x 7.20 / 720; the s3 gateway is free
        ("aws_vpn_connection.v", "36.50"),
        ("module.db.aws_db_instance.io", "507.50"), // 730 x 0.25 + 200 GB x 0.125 + 3000 IOPS x 0.10
        ("module.db.aws_db_instance.m", "56.12"),   // 730 x 0.069 + 50 GB x 0.115 = 56.12
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want);
}
