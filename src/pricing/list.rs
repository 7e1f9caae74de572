//! List prices, the fallback for usage the bill has never seen: which AWS Price List Query
//! API (`GetProducts`) questions price a catalog need, how the answer's `PriceList` (JSON
//! strings, one product each) reads as [`ListPrice`]s, and the book they are looked up in.
//!
//! A list price is the public on-demand price: no Savings Plan, Reserved Instance, EDP
//! discount or spot is in it, so a bill rate always wins (`super::price_plan` asks here only
//! when the bill has none). A product is taken only when its answer is unambiguous: one
//! untiered on-demand price in US dollars; several products of one usage type with different
//! prices (ElastiCache's Valkey and Redis nodes) give no price, never a pick.
//!
//! Not here: talking to AWS (`src/aws/price_list.rs`, which returns the raw strings and caches
//! them), deciding when the network may be used (`src/app`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::catalog::Need;
use super::rates::{strip_region, unit_family};
use crate::snapshot::ListPrice;

/// One `GetProducts` question: a service code and `TERM_MATCH` filters (field, value), sorted,
/// so equal questions compare (and cache) equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PriceQuery {
    pub service_code: String,
    pub filters: Vec<(String, String)>,
}

impl PriceQuery {
    fn new(service_code: &str, region: &str, filters: &[(&str, &str)]) -> Self {
        let mut filters: Vec<(String, String)> =
            filters.iter().map(|(f, v)| ((*f).to_string(), (*v).to_string())).collect();
        filters.push(("regionCode".to_string(), region.to_string()));
        filters.sort();
        PriceQuery { service_code: service_code.to_string(), filters }
    }

    /// The product region the query asks about.
    pub fn region(&self) -> &str {
        self.filters.iter().find(|(f, _)| f == "regionCode").map_or("", |(_, v)| v.as_str())
    }
}

/// EC2 on-demand Linux instances with shared or dedicated tenancy, no pre-installed software,
/// running capacity (not reservations): the attributes that make an instance type one product.
fn ec2_instance_filters(tenancy: &'static str) -> [(&'static str, &'static str); 4] {
    [("capacitystatus", "Used"), ("operatingSystem", "Linux"), ("preInstalledSw", "NA"), ("tenancy", tenancy)]
}

/// RDS's `databaseEngine` attribute of an instance-hour operation (catalog::rds_operation).
fn rds_engine(operation: Option<&str>) -> Option<&'static str> {
    Some(match operation? {
        "CreateDBInstance:0002" => "MySQL",
        "CreateDBInstance:0014" => "PostgreSQL",
        "CreateDBInstance:0018" => "MariaDB",
        "CreateDBInstance:0016" => "Aurora MySQL",
        "CreateDBInstance:0021" => "Aurora PostgreSQL",
        _ => return None,
    })
}

/// The EBS `volumeApiName` of a catalog usage type's suffix (`piops` is io1).
fn volume_api_name(suffix: &str) -> &str {
    match suffix {
        "" => "standard",
        "piops" => "io1",
        other => other,
    }
}

/// The question whose answer holds the list price of `need` in `region`; `None` for usage the
/// Price List prices in tiers (Route 53 zones, CloudWatch alarms, DynamoDB capacity with its
/// free tier).
pub fn query_for(need: &Need, region: &str) -> Option<PriceQuery> {
    let usage = need.usage.as_str();
    let q = |service: &str, filters: &[(&str, &str)]| Some(PriceQuery::new(service, region, filters));
    if let Some(it) = usage.strip_prefix("BoxUsage:") {
        let mut f = ec2_instance_filters("Shared").to_vec();
        f.push(("instanceType", it));
        return q("AmazonEC2", &f);
    }
    if let Some(it) = usage.strip_prefix("DedicatedUsage:") {
        let mut f = ec2_instance_filters("Dedicated").to_vec();
        f.push(("instanceType", it));
        return q("AmazonEC2", &f);
    }
    if let Some(rest) = usage.strip_prefix("EBS:") {
        // Storage, IOPS and throughput of one volume type answer one question.
        let suffix = rest.split_once('.').map_or("", |(_, s)| s);
        return q("AmazonEC2", &[("volumeApiName", volume_api_name(suffix))]);
    }
    let services = need.services.unwrap_or_default();
    if let Some(class) = usage.strip_prefix("InstanceUsage:").or_else(|| usage.strip_prefix("Multi-AZUsage:"))
    {
        if services.contains(&"AmazonDocDB") {
            return q("AmazonDocDB", &[("instanceType", class)]);
        }
        if services.contains(&"AmazonNeptune") {
            return q("AmazonNeptune", &[("instanceType", class)]);
        }
        let deployment = if usage.starts_with("Multi-AZ") { "Multi-AZ" } else { "Single-AZ" };
        let mut f = vec![("instanceType", class), ("deploymentOption", deployment)];
        if let Some(engine) = rds_engine(need.operation) {
            f.push(("databaseEngine", engine));
        }
        return q("AmazonRDS", &f);
    }
    if usage.starts_with("RDS:") {
        let family = if usage.ends_with("PIOPS") { "Provisioned IOPS" } else { "Database Storage" };
        return q("AmazonRDS", &[("productFamily", family)]);
    }
    if let Some(nt) = usage.strip_prefix("NodeUsage:") {
        return q("AmazonElastiCache", &[("instanceType", nt)]);
    }
    if let Some(it) = usage.strip_prefix("ESInstance:") {
        return q("AmazonES", &[("instanceType", it)]);
    }
    if usage.starts_with("ES:") && usage.ends_with("-Storage") {
        return q("AmazonES", &[("productFamily", "Elastic Search Volume")]);
    }
    if let Some(nt) = usage.strip_prefix("Node:") {
        return q("AmazonRedshift", &[("instanceType", nt)]);
    }
    if usage.starts_with("Kafka.") {
        // MSK has few products per region: brokers and storage answer one question.
        return q("AmazonMSK", &[]);
    }
    match usage {
        "NatGateway-Hours" => q("AmazonEC2", &[("productFamily", "NAT Gateway")]),
        // A region has a few dozen load balancer and VPC products: one question each, the
        // operation and usage type tell them apart, and no product family name is assumed.
        "LoadBalancerUsage" => q("AWSELB", &[]),
        "PublicIPv4:InUseAddress"
        | "PublicIPv4:IdleAddress"
        | "VpcEndpoint-Hours"
        | "TransitGateway-Hours"
        | "VPN-Usage-Hours:ipsec.1" => q("AmazonVPC", &[]),
        "AmazonEKS-Hours:perCluster" => q("AmazonEKS", &[]),
        "KMS-Keys" => q("awskms", &[]),
        "AWSSecretsManager-Secrets" => q("AWSSecretsManager", &[]),
        _ => None,
    }
}

/// What `tally collect --list-prices` records for one region: the questions behind the types
/// plans change most, bounded whatever the account holds (14 questions, some 900 EC2
/// instance types, per region). Database, cache and search classes are asked by `tally plan`
/// when a plan needs them.
pub fn collect_queries(region: &str) -> Vec<PriceQuery> {
    let mut out = vec![
        PriceQuery::new("AmazonEC2", region, &ec2_instance_filters("Shared")),
        PriceQuery::new("AmazonEC2", region, &[("productFamily", "NAT Gateway")]),
        PriceQuery::new("AmazonVPC", region, &[]),
        PriceQuery::new("AWSELB", region, &[]),
        PriceQuery::new("AmazonEKS", region, &[]),
        PriceQuery::new("awskms", region, &[]),
        PriceQuery::new("AWSSecretsManager", region, &[]),
    ];
    for v in ["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"] {
        out.push(PriceQuery::new("AmazonEC2", region, &[("volumeApiName", v)]));
    }
    out.sort();
    out
}

/// Why one `PriceList` entry gave no price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// Not JSON, or without the fields every product has.
    Malformed(String),
    /// Priced in tiers, or in another currency than US dollars, or with no on-demand term.
    NotOnePrice,
}

/// The list prices of one answer (the `PriceList` strings of every page of one question).
/// Entries that do not read are returned apart: an answer AWS changed the shape of must say so,
/// not pass for "no price".
pub fn parse_answer(price_list: &[String]) -> (Vec<ListPrice>, Vec<Skipped>) {
    let mut prices = Vec::new();
    let mut skipped = Vec::new();
    for text in price_list {
        match parse_product(text) {
            Ok(Some(p)) => prices.push(p),
            Ok(None) => skipped.push(Skipped::NotOnePrice),
            Err(e) => skipped.push(Skipped::Malformed(e)),
        }
    }
    prices.sort();
    prices.dedup();
    (prices, skipped)
}

fn parse_product(text: &str) -> Result<Option<ListPrice>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let product = v.get("product").ok_or("no \"product\"")?;
    let attrs = product.get("attributes").ok_or("no \"product.attributes\"")?;
    let attr = |k: &str| attrs.get(k).and_then(Value::as_str).unwrap_or_default();
    let sku = product.get("sku").and_then(Value::as_str).ok_or("no \"product.sku\"")?;
    let service_code = v
        .get("serviceCode")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| attr("servicecode"));
    let usage_type = attr("usagetype");
    let region = attr("regionCode");
    if usage_type.is_empty() || region.is_empty() {
        // Global products (Route 53) and products without a usage type price nothing tally
        // looks up by region.
        return Ok(None);
    }
    let published = v
        .get("publicationDate")
        .and_then(Value::as_str)
        .and_then(|d| d.get(..10))
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .ok_or("no readable \"publicationDate\"")?;
    let Some(on_demand) = v.get("terms").and_then(|t| t.get("OnDemand")).and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut dims = Vec::new();
    for term in on_demand.values() {
        let Some(pd) = term.get("priceDimensions").and_then(Value::as_object) else { continue };
        dims.extend(pd.values());
    }
    // One dimension, from 0 to infinity: an untiered price.
    let [dim] = dims.as_slice() else { return Ok(None) };
    let begin = dim.get("beginRange").and_then(Value::as_str).unwrap_or("0");
    let end = dim.get("endRange").and_then(Value::as_str).unwrap_or("Inf");
    if begin != "0" || end != "Inf" {
        return Ok(None);
    }
    let Some(usd) = dim.get("pricePerUnit").and_then(|p| p.get("USD")).and_then(Value::as_str) else {
        return Ok(None);
    };
    let usd = crate::money::parse_amount(usd).map_err(|e| format!("pricePerUnit.USD {usd:?}: {e}"))?;
    if usd.is_sign_negative() {
        return Err(format!("pricePerUnit.USD {usd} is negative"));
    }
    let unit = dim.get("unit").and_then(Value::as_str).unwrap_or_default();
    // KMS writes the region code itself as the prefix (`us-east-1-KMS-Keys`).
    let bare = match usage_type.strip_prefix(region).and_then(|r| r.strip_prefix('-')) {
        Some(rest) => rest,
        None => strip_region(usage_type),
    };
    Ok(Some(ListPrice {
        region: region.to_string(),
        usage_type: bare.to_string(),
        operation: attr("operation").to_string(),
        service_code: service_code.to_string(),
        unit: unit.to_string(),
        usd,
        sku: sku.to_string(),
        published,
    }))
}

/// A list price found for a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub usd: Decimal,
    pub unit: String,
    pub published: NaiveDate,
}

/// Every list price known to a run (recorded in the snapshot, answered now), by usage type and
/// region.
#[derive(Debug, Clone, Default)]
pub struct ListBook {
    prices: BTreeMap<(String, String), Vec<ListPrice>>,
    /// Questions already answered (recorded or asked), so none is asked twice.
    asked: BTreeSet<PriceQuery>,
}

impl ListBook {
    pub fn add(&mut self, prices: impl IntoIterator<Item = ListPrice>) {
        for p in prices {
            let list = self.prices.entry((p.usage_type.clone(), p.region.clone())).or_default();
            if !list.contains(&p) {
                list.push(p);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    pub fn mark_asked(&mut self, q: PriceQuery) {
        self.asked.insert(q);
    }

    pub fn was_asked(&self, q: &PriceQuery) -> bool {
        self.asked.contains(q)
    }

    /// The list price of `need` in `region`, with the rules of the bill's rates
    /// (`RateBook::rate_of`): one unit family (or the only unit the products have), the
    /// operation matched whole when the product has one, the service among the need's. `Err`
    /// says why there is none.
    pub fn find(&self, need: &Need, region: &str) -> Result<Found, String> {
        let none = || format!("no list price for {} in {region}", need.usage);
        let list = self.prices.get(&(need.usage.clone(), region.to_string())).ok_or_else(none)?;
        let family = unit_family(need.unit);
        let same_unit = list.iter().any(|p| unit_family(&p.unit) == family);
        let chosen: Vec<&ListPrice> = list
            .iter()
            .filter(|p| !same_unit || unit_family(&p.unit) == family)
            .filter(|p| need.operation.is_none_or(|op| p.operation.is_empty() || p.operation == op))
            .filter(|p| need.services.is_none_or(|s| s.contains(&p.service_code.as_str())))
            .collect();
        let first = *chosen.first().ok_or_else(none)?;
        if chosen.iter().any(|p| unit_family(&p.unit) != unit_family(&first.unit)) {
            return Err(format!("list prices of {} in {region} are in several units", need.usage));
        }
        if chosen.iter().any(|p| p.usd != first.usd) {
            let skus: BTreeSet<&str> = chosen.iter().map(|p| p.sku.as_str()).collect();
            return Err(format!(
                "{} products of {} in {region} have different list prices ({})",
                skus.len(),
                need.usage,
                skus.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        let published = chosen.iter().map(|p| p.published).max().unwrap_or(first.published);
        Ok(Found { usd: first.usd, unit: first.unit.clone(), published })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn need(usage: &str, unit: &'static str, op: Option<&'static str>) -> Need {
        Need { label: "x", usage: usage.into(), unit, operation: op, services: None, quantity: Decimal::ONE }
    }

    /// A `PriceList` entry shaped as `GetProducts` returns it.
    fn product(
        sku: &str,
        usagetype: &str,
        op: &str,
        unit: &str,
        usd: &str,
        ranges: &[(&str, &str)],
    ) -> String {
        let mut dims = serde_json::Map::new();
        for (i, (b, e)) in ranges.iter().enumerate() {
            dims.insert(
                format!("{sku}.JRTCKXETXF.6YS6EN2CT{i}"),
                json!({"unit": unit, "beginRange": b, "endRange": e, "pricePerUnit": {"USD": usd},
                       "description": "d", "rateCode": "r", "appliesTo": []}),
            );
        }
        json!({
            "product": {"productFamily": "Compute Instance", "sku": sku,
                        "attributes": {"usagetype": usagetype, "operation": op, "regionCode": "eu-central-1",
                                       "servicecode": "AmazonEC2"}},
            "serviceCode": "AmazonEC2",
            "terms": {"OnDemand": {format!("{sku}.JRTCKXETXF"): {"priceDimensions": dims, "sku": sku,
                        "effectiveDate": "2026-11-01T00:00:00Z", "offerTermCode": "JRTCKXETXF", "termAttributes": {}}}},
            "version": "20261101000000",
            "publicationDate": "2026-11-05T18:22:31Z"
        })
        .to_string()
    }

    #[test]
    fn an_untiered_product_is_a_price_without_region_prefix() {
        let (prices, skipped) = parse_answer(&[product(
            "A",
            "EUC1-BoxUsage:m5.large",
            "RunInstances",
            "Hrs",
            "0.1150000000",
            &[("0", "Inf")],
        )]);
        assert!(skipped.is_empty());
        assert_eq!(prices[0].usage_type, "BoxUsage:m5.large");
        assert_eq!(prices[0].usd, "0.1150000000".parse::<Decimal>().unwrap());
        assert_eq!(prices[0].published, NaiveDate::from_ymd_opt(2026, 11, 5).unwrap());
        let mut book = ListBook::default();
        book.add(prices);
        let f = book.find(&need("BoxUsage:m5.large", "Hrs", Some("RunInstances")), "eu-central-1").unwrap();
        assert_eq!(f.usd, "0.115".parse::<Decimal>().unwrap());
        assert!(book
            .find(&need("BoxUsage:m5.large", "Hrs", Some("RunInstances:0002")), "eu-central-1")
            .is_err());
        assert!(book.find(&need("BoxUsage:m5.large", "Hrs", None), "us-east-1").is_err());
    }

    #[test]
    fn tiers_and_bad_entries_give_no_price() {
        let (prices, skipped) = parse_answer(&[
            product("T", "EUC1-HostedZone", "", "HostedZone", "0.5", &[("0", "25"), ("25", "Inf")]),
            "not json".to_string(),
            product("N", "EUC1-BoxUsage:x", "RunInstances", "Hrs", "-1", &[("0", "Inf")]),
        ]);
        assert!(prices.is_empty());
        assert_eq!(skipped[0], Skipped::NotOnePrice);
        assert!(matches!(skipped[1], Skipped::Malformed(_)));
        assert!(matches!(&skipped[2], Skipped::Malformed(m) if m.contains("negative")));
    }

    #[test]
    fn different_prices_of_one_usage_type_are_not_picked_from() {
        let (prices, _) = parse_answer(&[
            product(
                "R",
                "EUC1-NodeUsage:cache.m5.large",
                "CreateCacheCluster:0002",
                "Hrs",
                "0.192",
                &[("0", "Inf")],
            ),
            product(
                "V",
                "EUC1-NodeUsage:cache.m5.large",
                "CreateCacheCluster:0003",
                "Hrs",
                "0.154",
                &[("0", "Inf")],
            ),
        ]);
        let mut book = ListBook::default();
        book.add(prices);
        let e = book.find(&need("NodeUsage:cache.m5.large", "Hrs", None), "eu-central-1").unwrap_err();
        assert!(e.contains("different list prices (R, V)"), "{e}");
    }

    #[test]
    fn queries_name_the_product_attributes() {
        let q = query_for(&need("BoxUsage:m5.large", "Hrs", Some("RunInstances")), "us-east-1").unwrap();
        assert_eq!(q.service_code, "AmazonEC2");
        let f: Vec<String> = q.filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            f,
            [
                "capacitystatus=Used",
                "instanceType=m5.large",
                "operatingSystem=Linux",
                "preInstalledSw=NA",
                "regionCode=us-east-1",
                "tenancy=Shared"
            ]
        );
        // Storage and IOPS of one volume type share one question.
        let a = query_for(&need("EBS:VolumeUsage.piops", "GB-Mo", None), "us-east-1").unwrap();
        let b = query_for(&need("EBS:VolumeP-IOPS.piops", "IOPS-Mo", None), "us-east-1").unwrap();
        assert_eq!(a, b);
        assert!(a.filters.contains(&("volumeApiName".into(), "io1".into())));
        assert!(query_for(&need("HostedZone", "HostedZone", None), "us-east-1").is_none());
        assert_eq!(a.region(), "us-east-1");
    }

    #[test]
    fn collect_asks_a_bounded_set_per_region() {
        let qs = collect_queries("eu-west-1");
        assert!(qs.len() < 20);
        assert!(qs.iter().all(|q| q.region() == "eu-west-1"));
    }
}
