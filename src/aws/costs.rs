//! Spend from Cost Explorer: month-to-date `GetCostAndUsage` turned into disjoint
//! [`CostLine`]s, and `ListCostAllocationTags` for the activation status of tag keys. Every
//! request (every page) costs USD 0.01, so every request goes through the cache (`cache.rs`)
//! and every request actually sent is counted.
//!
//! Two queries per account make the lines disjoint and complete:
//! 1. usage-like record types (`Usage`, `DiscountedUsage`, `SavingsPlanCoveredUsage`,
//!    `SavingsPlanNegation`), grouped by the owner tag and SERVICE: the spend that can carry tags;
//! 2. every other record type, grouped by RECORD_TYPE and SERVICE: tax, support, credits,
//!    refunds, fees and RI/Savings Plan purchases, which carry no tags and are mapped to their
//!    [`ChargeCategory`].
//!
//! Both are filtered to LINKED_ACCOUNT = the account asked, so a management account does not
//! return its members' spend a second time.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition, GroupDefinitionType,
};

use super::cache::Cache;
use super::clients::Clients;
use super::error::describe;
use crate::model::{ChargeCategory, CostLine, Period, Tags};
use crate::snapshot::{CostAllocationTag, CostAllocationTagStatus};

/// Cost Explorer metrics tally accepts for `--metric`.
pub const METRICS: &[&str] =
    &["UnblendedCost", "NetUnblendedCost", "AmortizedCost", "NetAmortizedCost", "BlendedCost"];

/// Record types whose spend belongs to resources (and so carries their tags).
const USAGE_RECORD_TYPES: &[&str] =
    &["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation"];

/// The month to date for `as_of` (`[first of month, as_of)`); on the first of a month, the
/// previous month, as the audit window does.
pub(crate) fn month_to_date(as_of: NaiveDate) -> Period {
    let first = as_of.with_day(1).unwrap_or(as_of);
    let start = if first == as_of {
        let prev = first.pred_opt().unwrap_or(first);
        prev.with_day(1).unwrap_or(prev)
    } else {
        first
    };
    Period { start, end: as_of }
}

/// Which of the two queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Query {
    UsageByTag,
    OtherByRecordType,
}

/// A `GetCostAndUsage` request as tally describes it: the cache key and the SDK request are
/// both made from this.
#[derive(Debug, Clone, Serialize)]
struct CostRequest<'a> {
    account: &'a str,
    query: Query,
    period: Period,
    metric: &'a str,
    owner_tag: &'a str,
    page_token: Option<&'a str>,
}

/// One page of a `GetCostAndUsage` response, as cached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CostPage {
    pub(crate) results: Vec<CostResult>,
    pub(crate) next_page_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CostResult {
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) groups: Vec<CostGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CostGroup {
    pub(crate) keys: Vec<String>,
    pub(crate) amount: String,
    pub(crate) unit: String,
}

/// Both queries, all pages, for one account.
pub(crate) async fn cost_lines(
    clients: &Clients,
    cache: &Cache,
    account: &str,
    as_of: NaiveDate,
    metric: &str,
    owner_tag: &str,
) -> Result<Vec<CostLine>, String> {
    let period = month_to_date(as_of);
    let client = clients.cost_explorer();
    let mut lines = Vec::new();
    for query in [Query::UsageByTag, Query::OtherByRecordType] {
        let mut token: Option<String> = None;
        loop {
            let request =
                CostRequest { account, query, period, metric, owner_tag, page_token: token.as_deref() };
            let page = fetch_page(&client, cache, &request).await?;
            for result in &page.results {
                lines.extend(lines_of(result, query, account, metric, owner_tag)?);
            }
            match page.next_page_token {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t.as_str()) => token = Some(t),
                _ => break,
            }
        }
    }
    Ok(lines)
}

async fn fetch_page(
    client: &aws_sdk_costexplorer::Client,
    cache: &Cache,
    request: &CostRequest<'_>,
) -> Result<CostPage, String> {
    const OP: &str = "GetCostAndUsage";
    let json = serde_json::to_value(request).map_err(|e| e.to_string())?;
    let key = Cache::key(request.account, OP, &json);
    if let Some(page) = cache.get::<CostPage>(&key) {
        tracing::debug!(account = request.account, query = ?request.query, "Cost Explorer page from cache");
        return Ok(page);
    }
    let interval = DateInterval::builder()
        .start(request.period.start.to_string())
        .end(request.period.end.to_string())
        .build()
        .map_err(|e| format!("{OP}: {e}"))?;
    let (first_group, record_types) = match request.query {
        Query::UsageByTag => (
            GroupDefinition::builder().r#type(GroupDefinitionType::Tag).key(request.owner_tag).build(),
            record_type_filter(),
        ),
        Query::OtherByRecordType => (
            GroupDefinition::builder().r#type(GroupDefinitionType::Dimension).key("RECORD_TYPE").build(),
            Expression::builder().not(record_type_filter()).build(),
        ),
    };
    let account_filter = Expression::builder()
        .dimensions(DimensionValues::builder().key(Dimension::LinkedAccount).values(request.account).build())
        .build();
    let filter = Expression::builder().and(account_filter).and(record_types).build();
    cache.count_paid();
    let out = client
        .get_cost_and_usage()
        .time_period(interval)
        .granularity(Granularity::Daily)
        .metrics(request.metric)
        .group_by(first_group)
        .group_by(GroupDefinition::builder().r#type(GroupDefinitionType::Dimension).key("SERVICE").build())
        .filter(filter)
        .set_next_page_token(request.page_token.map(str::to_string))
        .send()
        .await
        .map_err(|e| describe(OP, &e))?;
    let page = CostPage {
        results: out
            .results_by_time()
            .iter()
            .map(|r| CostResult {
                start: r.time_period().map(|p| p.start().to_string()).unwrap_or_default(),
                end: r.time_period().map(|p| p.end().to_string()).unwrap_or_default(),
                groups: r
                    .groups()
                    .iter()
                    .filter_map(|g| {
                        let value = g.metrics()?.get(request.metric)?;
                        Some(CostGroup {
                            keys: g.keys().to_vec(),
                            amount: value.amount()?.to_string(),
                            unit: value.unit().unwrap_or("USD").to_string(),
                        })
                    })
                    .collect(),
            })
            .collect(),
        next_page_token: out.next_page_token().map(str::to_string),
    };
    cache.put(&key, OP, &page);
    Ok(page)
}

fn record_type_filter() -> Expression {
    let mut values = DimensionValues::builder().key(Dimension::RecordType);
    for t in USAGE_RECORD_TYPES {
        values = values.values(*t);
    }
    Expression::builder().dimensions(values.build()).build()
}

/// Cost lines of one result (one day). Zero amounts are dropped: Cost Explorer lists groups
/// that had usage but no cost, which only add noise.
pub(crate) fn lines_of(
    result: &CostResult,
    query: Query,
    account: &str,
    metric: &str,
    owner_tag: &str,
) -> Result<Vec<CostLine>, String> {
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("GetCostAndUsage: bad date \"{s}\""))
    };
    let period = Period { start: date(&result.start)?, end: date(&result.end)? };
    let mut lines = Vec::new();
    for group in &result.groups {
        let amount: Decimal = group
            .amount
            .parse()
            .or_else(|_| Decimal::from_scientific(&group.amount))
            .map_err(|_| format!("GetCostAndUsage: {metric} \"{}\" is not a number", group.amount))
            .and_then(|d| crate::money::check_amount(d).map_err(|e| format!("GetCostAndUsage: {e}")))?;
        if amount.is_zero() {
            continue;
        }
        let first = group.keys.first().map(String::as_str).unwrap_or_default();
        let service = group.keys.get(1).cloned().unwrap_or_default();
        let (tags, charge_category) = match query {
            Query::UsageByTag => (owner_tags(first, owner_tag), ChargeCategory::Usage),
            Query::OtherByRecordType => (Tags::new(), charge_category(first)),
        };
        lines.push(CostLine {
            period,
            account: account.to_string(),
            service,
            resource_id: None,
            tags,
            amount: amount.normalize(),
            currency: group.unit.clone(),
            charge_category,
        });
    }
    Ok(lines)
}

/// `team$payments` -> `{team: payments}`; `team$` (no tag) -> `{}`.
fn owner_tags(group_key: &str, owner_tag: &str) -> Tags {
    let value = match group_key.split_once('$') {
        Some((_, value)) => value,
        None => group_key,
    };
    if value.is_empty() {
        Tags::new()
    } else {
        [(owner_tag.to_string(), value.to_string())].into_iter().collect()
    }
}

/// The charge category of a Cost Explorer RECORD_TYPE other than usage. Discounts (bundled,
/// EDP, private rates) carry no tags either: they are adjustments, reported with credits.
pub(crate) fn charge_category(record_type: &str) -> ChargeCategory {
    let lower = record_type.to_ascii_lowercase();
    match lower.as_str() {
        "tax" => ChargeCategory::Tax,
        "support" => ChargeCategory::Support,
        "credit" => ChargeCategory::Credit,
        "refund" => ChargeCategory::Refund,
        "usage" | "discountedusage" | "savingsplancoveredusage" | "savingsplannegation" => {
            ChargeCategory::Usage
        }
        _ if lower.contains("reservation fee") || lower == "rifee" || lower.starts_with("savingsplan") => {
            ChargeCategory::Purchase
        }
        _ if lower.contains("discount") => ChargeCategory::Credit,
        _ => ChargeCategory::Fee,
    }
}

/// Activation status of `keys` as cost allocation tags, all pages. Keys Cost Explorer has never
/// seen are absent from the answer and so from the result.
pub(crate) async fn cost_allocation_tags(
    clients: &Clients,
    cache: &Cache,
    account: &str,
    keys: &[String],
) -> Result<Vec<CostAllocationTag>, String> {
    const OP: &str = "ListCostAllocationTags";
    let client = clients.cost_explorer();
    let mut out = Vec::new();
    // The API takes at most 100 keys per request.
    for chunk in keys.chunks(100) {
        let mut token: Option<String> = None;
        loop {
            let json = serde_json::json!({"tag_keys": chunk, "next_token": token});
            let key = Cache::key(account, OP, &json);
            let page: CostAllocationTagPage = match cache.get(&key) {
                Some(page) => page,
                None => {
                    cache.count_paid();
                    let resp = client
                        .list_cost_allocation_tags()
                        .set_tag_keys(Some(chunk.to_vec()))
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| describe(OP, &e))?;
                    let page = CostAllocationTagPage {
                        tags: resp
                            .cost_allocation_tags()
                            .iter()
                            .map(|t| (t.tag_key().to_string(), t.status().as_str().to_string()))
                            .collect(),
                        next_token: resp.next_token().map(str::to_string),
                    };
                    cache.put(&key, OP, &page);
                    page
                }
            };
            out.extend(page.tags.iter().filter_map(|(key, status)| {
                let status = match status.as_str() {
                    "Active" => CostAllocationTagStatus::Active,
                    "Inactive" => CostAllocationTagStatus::Inactive,
                    _ => return None,
                };
                Some(CostAllocationTag { key: key.clone(), status })
            }));
            match page.next_token {
                Some(t) if !t.is_empty() && token.as_deref() != Some(t.as_str()) => token = Some(t),
                _ => break,
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    Ok(out)
}

#[derive(Debug, Serialize, Deserialize)]
struct CostAllocationTagPage {
    tags: Vec<(String, String)>,
    next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::cache::{SystemClock, DEFAULT_TTL};
    use super::super::fake::{fixture, FakeAws};
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn cost_allocation_tags_from_recorded_responses_all_pages() {
        let fake = FakeAws::start(|req| {
            assert_eq!(req.target, "AWSInsightsIndexService.ListCostAllocationTags");
            if req.body.contains("AAMA-") {
                fixture("list-cost-allocation-tags.page2.json")
            } else {
                fixture("list-cost-allocation-tags.page1.json")
            }
        });
        let cache = Cache::new(None, DEFAULT_TTL, Arc::new(SystemClock));
        let keys: Vec<String> = ["cost-center", "env", "team"].iter().map(|s| s.to_string()).collect();
        let got = runtime().block_on(async {
            let clients = fake.clients().await;
            cost_allocation_tags(&clients, &cache, "111111111111", &keys).await
        });
        let got: Vec<(String, CostAllocationTagStatus)> =
            got.unwrap().into_iter().map(|t| (t.key, t.status)).collect();
        assert_eq!(
            got,
            vec![
                ("cost-center".to_string(), CostAllocationTagStatus::Inactive),
                ("env".to_string(), CostAllocationTagStatus::Active),
                ("team".to_string(), CostAllocationTagStatus::Active),
            ]
        );
        assert_eq!(cache.paid_requests(), 2, "every page is a paid request");
        let requests = fake.requests.lock().unwrap();
        let first: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
        assert_eq!(first["TagKeys"], serde_json::json!(["cost-center", "env", "team"]));
    }

    #[test]
    fn get_cost_and_usage_request_and_recorded_response() {
        let fake = FakeAws::start(|_| fixture("get-cost-and-usage.json"));
        let cache = Cache::new(None, DEFAULT_TTL, Arc::new(SystemClock));
        let lines = runtime().block_on(async {
            let clients = fake.clients().await;
            cost_lines(&clients, &cache, "111111111111", d("2026-11-18"), "UnblendedCost", "team").await
        });
        let lines = lines.unwrap();
        // The same recorded page answers both queries: 2 non-zero groups each.
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].amount, "41.2283291456".parse::<Decimal>().unwrap());
        assert_eq!(lines[0].service, "Amazon Elastic Compute Cloud - Compute");
        let requests = fake.requests.lock().unwrap();
        assert_eq!(requests.len(), 2);
        let usage: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
        assert_eq!(usage["TimePeriod"], serde_json::json!({"Start": "2026-11-01", "End": "2026-11-18"}));
        assert_eq!(usage["Granularity"], "DAILY");
        assert_eq!(usage["Metrics"], serde_json::json!(["UnblendedCost"]));
        assert_eq!(
            usage["GroupBy"],
            serde_json::json!([{"Type": "TAG", "Key": "team"}, {"Type": "DIMENSION", "Key": "SERVICE"}])
        );
        let filters = usage["Filter"]["And"].as_array().unwrap();
        assert_eq!(filters[0]["Dimensions"]["Key"], "LINKED_ACCOUNT");
        assert_eq!(filters[0]["Dimensions"]["Values"], serde_json::json!(["111111111111"]));
        assert_eq!(filters[1]["Dimensions"]["Key"], "RECORD_TYPE");
        let other: serde_json::Value = serde_json::from_str(&requests[1].body).unwrap();
        assert_eq!(other["GroupBy"][0], serde_json::json!({"Type": "DIMENSION", "Key": "RECORD_TYPE"}));
        assert!(other["Filter"]["And"][1]["Not"]["Dimensions"].is_object());
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_to_date_window() {
        assert_eq!(month_to_date(d("2026-11-18")), Period { start: d("2026-11-01"), end: d("2026-11-18") });
        assert_eq!(month_to_date(d("2026-11-01")), Period { start: d("2026-10-01"), end: d("2026-11-01") });
        assert_eq!(month_to_date(d("2026-01-01")), Period { start: d("2025-12-01"), end: d("2026-01-01") });
    }

    #[test]
    fn group_keys_become_owner_tags() {
        let result = CostResult {
            start: "2026-11-02".into(),
            end: "2026-11-03".into(),
            groups: vec![
                CostGroup {
                    keys: vec!["team$payments".into(), "Amazon S3".into()],
                    amount: "12.5".into(),
                    unit: "USD".into(),
                },
                CostGroup {
                    keys: vec!["team$".into(), "AWS Lambda".into()],
                    amount: "0.30".into(),
                    unit: "USD".into(),
                },
                CostGroup {
                    keys: vec!["team$web".into(), "AWS Lambda".into()],
                    amount: "0".into(),
                    unit: "USD".into(),
                },
            ],
        };
        let lines = lines_of(&result, Query::UsageByTag, "111111111111", "UnblendedCost", "team").unwrap();
        assert_eq!(lines.len(), 2, "zero amounts are dropped");
        assert_eq!(lines[0].tags.get("team"), Some("payments"));
        assert_eq!(lines[0].amount, "12.5".parse::<Decimal>().unwrap());
        assert_eq!(lines[0].period, Period { start: d("2026-11-02"), end: d("2026-11-03") });
        assert!(lines[1].tags.is_empty(), "team$ is untagged");
        assert!(lines.iter().all(|l| l.charge_category == ChargeCategory::Usage));
    }

    #[test]
    fn record_types_become_charge_categories() {
        let cases = [
            ("Tax", ChargeCategory::Tax),
            ("Support", ChargeCategory::Support),
            ("Credit", ChargeCategory::Credit),
            ("Refund", ChargeCategory::Refund),
            ("Recurring reservation fee", ChargeCategory::Purchase),
            ("SavingsPlanUpfrontFee", ChargeCategory::Purchase),
            ("Enterprise Discount Program Discount", ChargeCategory::Credit),
            ("Fee", ChargeCategory::Fee),
            ("Something new", ChargeCategory::Fee),
        ];
        for (record_type, want) in cases {
            assert_eq!(charge_category(record_type), want, "{record_type}");
        }
    }

    #[test]
    fn bad_amounts_are_errors_not_zero() {
        let result = CostResult {
            start: "2026-11-02".into(),
            end: "2026-11-03".into(),
            groups: vec![CostGroup {
                keys: vec!["Tax".into(), "Tax".into()],
                amount: "n/a".into(),
                unit: "USD".into(),
            }],
        };
        assert!(lines_of(&result, Query::OtherByRecordType, "1", "UnblendedCost", "team").is_err());
    }
}
