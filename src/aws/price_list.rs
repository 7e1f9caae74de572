//! The AWS Price List Query API (`pricing:GetProducts`): the public on-demand prices tally
//! falls back on where the bill has no rate. Free, but slow and paged (100 products a page),
//! so every page goes through the same on-disk cache as Cost Explorer answers (`cache.rs`:
//! SHA-256 key of the request, `--no-cache` neither reads nor writes), for 24 hours: AWS
//! publishes new prices a few times a month, and a second run makes no request at all.
//!
//! The API is served only from us-east-1, eu-central-1 and ap-south-1, whatever region the
//! prices are for: the endpoint is chosen apart (`--price-list-region`, default us-east-1).
//! Requests are signed, so the API needs credentials (any identity allowed
//! `pricing:GetProducts`). Tests point `AWS_ENDPOINT_URL_PRICING` at a loopback fake.
//!
//! This module knows requests and pages, not products: reading the `PriceList` JSON strings
//! is `pricing::list`'s.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_pricing::types::{Filter, FilterType};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::cache::{Cache, SystemClock};
use super::error::describe;
use super::{AwsError, Clients};

/// The regions that serve the Price List Query API.
pub const ENDPOINT_REGIONS: &[&str] = &["us-east-1", "eu-central-1", "ap-south-1"];

/// How long a cached Price List page is fresh.
pub const PRICE_LIST_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Questions asked at once (the API throttles bursts; the SDK's retry policy handles the rest).
const CONCURRENCY: usize = 4;

/// Where and how to ask.
#[derive(Debug, Clone)]
pub struct PriceListOptions {
    /// Endpoint region, one of [`ENDPOINT_REGIONS`].
    pub endpoint_region: String,
    pub profile: Option<String>,
    /// Cache directory; `None`: no cache (`--no-cache`).
    pub cache_dir: Option<PathBuf>,
}

/// One `GetProducts` question: a service code and `TERM_MATCH` filters (field, value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductQuery {
    pub service_code: String,
    pub filters: Vec<(String, String)>,
}

/// The answers, in the order of the questions, and the requests actually sent.
#[derive(Debug, Default)]
pub struct Answers {
    pub answers: Vec<Result<Vec<String>, String>>,
    pub requests: u64,
}

/// One page as cached.
#[derive(Debug, Serialize, Deserialize)]
struct Page {
    price_list: Vec<String>,
    next_token: Option<String>,
}

#[derive(Serialize)]
struct PageRequest<'a> {
    endpoint: &'a str,
    query: &'a ProductQuery,
    next_token: Option<&'a str>,
}

/// Check the endpoint region before anything is asked.
pub fn check_endpoint_region(region: &str) -> Result<(), AwsError> {
    if ENDPOINT_REGIONS.contains(&region) {
        Ok(())
    } else {
        Err(AwsError::Usage(format!(
            "--price-list-region: \"{region}\" does not serve the AWS Price List API (one of {})",
            ENDPOINT_REGIONS.join(", ")
        )))
    }
}

/// Ask every question (all pages of each), from the cache where fresh. A question that fails
/// is an `Err` naming why; the others still arrive.
pub async fn get_products(options: &PriceListOptions, queries: &[ProductQuery]) -> Result<Answers, AwsError> {
    check_endpoint_region(&options.endpoint_region)?;
    let clients = Clients::load(options.profile.as_deref(), Some(&options.endpoint_region)).await;
    let client = clients.pricing(&options.endpoint_region);
    let cache = Arc::new(Cache::new(options.cache_dir.clone(), PRICE_LIST_TTL, Arc::new(SystemClock)));
    let sent = Arc::new(AtomicU64::new(0));
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (i, q) in queries.iter().enumerate() {
        let (client, cache, sent, limit, q) =
            (client.clone(), cache.clone(), sent.clone(), limit.clone(), q.clone());
        let endpoint = options.endpoint_region.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (i, all_pages(&client, &cache, &sent, &endpoint, &q).await)
        });
    }
    let mut answers: Vec<Option<Result<Vec<String>, String>>> = vec![None; queries.len()];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((i, answer)) => answers[i] = Some(answer),
            Err(e) => tracing::warn!(error = %e, "a Price List task did not finish"),
        }
    }
    let requests = sent.load(Ordering::Relaxed);
    tracing::info!(requests, questions = queries.len(), "AWS Price List");
    Ok(Answers {
        answers: answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Err("GetProducts: the request did not finish".to_string())))
            .collect(),
        requests,
    })
}

async fn all_pages(
    client: &aws_sdk_pricing::Client,
    cache: &Cache,
    sent: &AtomicU64,
    endpoint: &str,
    q: &ProductQuery,
) -> Result<Vec<String>, String> {
    const OP: &str = "GetProducts";
    // A runaway NextToken (a broken endpoint answering the same token) must end: EC2's Linux
    // instances of one region are about 10 pages.
    const MAX_PAGES: usize = 200;
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let request = PageRequest { endpoint, query: q, next_token: token.as_deref() };
        let json = serde_json::to_value(&request).map_err(|e| e.to_string())?;
        let key = Cache::key("price-list", OP, &json);
        let page = match cache.get::<Page>(&key) {
            Some(page) => page,
            None => {
                let mut filters = Vec::with_capacity(q.filters.len());
                for (field, value) in &q.filters {
                    filters.push(
                        Filter::builder()
                            .r#type(FilterType::TermMatch)
                            .field(field)
                            .value(value)
                            .build()
                            .map_err(|e| format!("{OP}: {e}"))?,
                    );
                }
                sent.fetch_add(1, Ordering::Relaxed);
                let answer = client
                    .get_products()
                    .service_code(&q.service_code)
                    .set_filters(Some(filters))
                    .format_version("aws_v1")
                    .max_results(100)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| describe(OP, &e))?;
                let page = Page {
                    price_list: answer.price_list().to_vec(),
                    next_token: answer.next_token().filter(|t| !t.is_empty()).map(str::to_string),
                };
                cache.put(&key, OP, &page);
                page
            }
        };
        out.extend(page.price_list);
        match page.next_token {
            Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
            Some(_) => return Err(format!("{OP}: the endpoint answered the same NextToken twice")),
            None => return Ok(out),
        }
    }
    Err(format!("{OP}: more than {MAX_PAGES} pages for one question"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_endpoint_regions_serve_the_api() {
        assert!(check_endpoint_region("eu-central-1").is_ok());
        let e = check_endpoint_region("eu-west-1").unwrap_err().to_string();
        assert!(e.contains("us-east-1, eu-central-1, ap-south-1"), "{e}");
    }
}
