//! List prices for the runs that want them: the Price List asked through the SDK for
//! `pricing` (which does not talk to AWS), each question answered from the cache when fresh,
//! and what `tally collect --list-prices` records in the snapshot.
//!
//! When the network is used for prices is decided here and in the request: never by default
//! (the plan gate stays offline and fast in CI), with `--list-prices` or `list_prices = true`
//! in tally.hcl. List prices recorded in a snapshot are used without asking.

use std::cell::Cell;

use crate::aws::price_list::{self, PriceListOptions, ProductQuery};
use crate::pricing::{list, AskPriceList, PriceQuery};
use crate::snapshot::{Attempt, AttemptStatus, ListPrice, Snapshot};

use super::load::runtime;
use super::AppError;

/// The Price List through the SDK, counting the requests sent (cached answers are free).
pub(super) struct SdkPriceList {
    options: PriceListOptions,
    requests: Cell<u64>,
}

impl SdkPriceList {
    pub(super) fn new(options: PriceListOptions) -> Self {
        SdkPriceList { options, requests: Cell::new(0) }
    }
}

fn product_query(q: &PriceQuery) -> ProductQuery {
    ProductQuery { service_code: q.service_code.clone(), filters: q.filters.clone() }
}

/// Every question's answer, or the reason all failed for each of them.
fn ask_all(options: &PriceListOptions, queries: &[PriceQuery]) -> (Vec<Result<Vec<String>, String>>, u64) {
    let asked: Vec<ProductQuery> = queries.iter().map(product_query).collect();
    let result = runtime()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(price_list::get_products(options, &asked)).map_err(|e| e.to_string()));
    match result {
        Ok(a) => (a.answers, a.requests),
        Err(e) => (queries.iter().map(|_| Err(e.clone())).collect(), 0),
    }
}

impl AskPriceList for SdkPriceList {
    fn ask(&self, queries: &[PriceQuery]) -> Vec<Result<Vec<String>, String>> {
        let (answers, requests) = ask_all(&self.options, queries);
        self.requests.set(self.requests.get().saturating_add(requests));
        answers
    }
}

/// `tally collect --list-prices`: the list prices of every region the snapshot collected
/// (`list::collect_queries`: bounded per region), recorded in it. A question that fails is a
/// `price-list` attempt with its error (the snapshot is then partial), as every other source.
pub(super) fn record_list_prices(
    snapshot: &mut Snapshot,
    options: &PriceListOptions,
) -> Result<(), AppError> {
    price_list::check_endpoint_region(&options.endpoint_region)?;
    let mut regions: Vec<String> = snapshot
        .collection
        .attempts
        .iter()
        .map(|a| a.region.clone())
        .filter(|r| r != "global" && !r.is_empty())
        .collect();
    regions.extend(snapshot.collection.regions.iter().cloned());
    regions.sort();
    regions.dedup();
    let queries: Vec<PriceQuery> = regions.iter().flat_map(|r| list::collect_queries(r)).collect();
    let (answers, requests) = ask_all(options, &queries);
    tracing::info!(requests, questions = queries.len(), "list prices for the snapshot");
    let mut prices: Vec<ListPrice> = Vec::new();
    let mut errors: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for (q, answer) in queries.iter().zip(answers) {
        match answer {
            Ok(strings) => {
                let (mut found, skipped) = list::parse_answer(&strings);
                let bad = skipped.iter().filter(|s| matches!(s, list::Skipped::Malformed(_))).count();
                if bad > 0 {
                    errors
                        .entry(q.region().to_string())
                        .or_default()
                        .push(format!("{}: {bad} products unreadable", q.service_code));
                }
                prices.append(&mut found);
            }
            Err(e) => {
                errors.entry(q.region().to_string()).or_default().push(format!("{}: {e}", q.service_code))
            }
        }
    }
    prices.sort();
    prices.dedup();
    snapshot.list_prices = prices;
    let account = snapshot.collection.attempts.first().map(|a| a.account.clone()).unwrap_or_default();
    for region in &regions {
        let error = errors.get(region).map(|e| {
            let mut e = e.clone();
            e.dedup();
            e.join("; ")
        });
        snapshot.collection.attempts.push(Attempt {
            account: account.clone(),
            region: region.clone(),
            source: "price-list".to_string(),
            status: if error.is_some() { AttemptStatus::Error } else { AttemptStatus::Ok },
            error,
            types: Default::default(),
        });
    }
    snapshot
        .collection
        .attempts
        .sort_by(|a, b| (&a.account, &a.region, &a.source).cmp(&(&b.account, &b.region, &b.source)));
    Ok(())
}
