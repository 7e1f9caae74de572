//! Live AWS: everything `tally collect` (and `tally audit` without `--snapshot`) reads from AWS,
//! through the AWS SDK for Rust, into one [`Snapshot`]. Read-only: every call is a
//! Describe/List/Get (the exact list is `docs/iam-policy.json`, checked by a test).
//!
//! Accounts and regions are independent units of work, run concurrently: regions (the tagging
//! API beside AWS Config then Cloud Control for the types Config does not record) under one
//! semaphore, account-wide sources (Cost Explorer,
//! Budgets) under another (default 8 at a time each). One that fails becomes an
//! `Attempt { status: error }` and the others still arrive. Only a run that cannot start (bad
//! flags, no identity at all) is an error.
//!
//! Rooms: `clients` (the one SDK client builder and retry policy), `accounts` (STS,
//! Organizations), `inventory` (tagging API + AWS Config), `cloudcontrol` (Cloud Control API),
//! `aggregator` (AWS Config aggregators), `costs` (Cost Explorer), `budgets`
//! (AWS Budgets), `forecast` (Cost Explorer forecasts of tally.hcl budgets), `cache`
//! (paid-request cache and counter), `price_list` (AWS Price List `GetProducts`, cached the
//! same way), `regions` (`--regions all`), `s3` (state objects, cost
//! exports through their manifests), `athena` (cost queries pushed down), `error` (messages).

mod accounts;
mod aggregator;
pub mod athena;
mod budgets;
mod cache;
mod clients;
pub(crate) mod cloudcontrol;
pub(crate) mod costs;
mod error;
#[cfg(test)]
mod fake;
mod forecast;
mod gather;
pub(crate) mod inventory;
mod limit;
pub mod price_list;
mod profiles;
mod progress;
mod regions;
pub mod s3;
mod unit;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use self::cache::{default_dir as default_cache_dir, DEFAULT_TTL};
use self::cache::{Cache, Clock, SystemClock};
pub use self::clients::Clients;
pub use self::cloudcontrol::{
    read_actions as cloud_control_read_actions, NOT_COVERED as CLOUD_CONTROL_NOT_COVERED,
};
pub use self::costs::METRICS;
pub use self::error::AwsError;
use self::inventory::Seen;
use crate::model::{Budget, CostLine, LiveSource};
use crate::snapshot::{
    Attempt, AttemptStatus, Collection, CostAllocationTag, Costs, Forecast, Snapshot, TypeAttempt,
    SNAPSHOT_FORMAT, SNAPSHOT_VERSION,
};

pub use self::limit::DEFAULT_CONCURRENCY;

/// Region name used in attempts of account-wide sources.
const GLOBAL: &str = "global";

/// What to collect, after flags and `tally.hcl` are merged.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// `--regions`: names and/or `all`; empty means the configured region.
    pub regions: Vec<String>,
    /// `--accounts`: account ids to assume `role` in.
    pub accounts: Vec<String>,
    pub role: Option<String>,
    /// `--org`: every active account of the organization.
    pub org: bool,
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Cost Explorer metric (`UnblendedCost`, ...).
    pub metric: String,
    /// The tag key Cost Explorer groups spend by.
    pub owner_tag: String,
    /// Keys whose cost-allocation activation is checked (`ListCostAllocationTags`); none: not
    /// asked.
    pub required_tags: Vec<String>,
    /// "Today" of the data; `None`: today (UTC).
    pub as_of: Option<NaiveDate>,
    /// Cache directory; `None`: no cache (`--no-cache`).
    pub cache_dir: Option<PathBuf>,
    pub cache_ttl: Duration,
    /// Ceiling of account-region units in flight (`--concurrency`, `tally.hcl`); the bound
    /// adapts below it when AWS throttles (`limit.rs`).
    pub concurrency: usize,
    /// Budgets declared in `tally.hcl` (not linked to an AWS Budget): one `GetCostForecast`
    /// each, in the caller's account.
    pub budgets: Vec<Budget>,
    /// Progress bars on stderr (the caller decides: a TTY and not `--quiet`).
    pub progress: bool,
    /// Ask Cost Explorer for spend lines (paid per request). Off when cost files replace them.
    pub cost_explorer: bool,
    /// `--config-aggregator`: read AWS Config through this aggregator (in the configured
    /// region), once, instead of in every account and region.
    pub config_aggregator: Option<String>,
    /// Ask Cloud Control (the third inventory source). Off (`--no-cloud-control`): its types
    /// count as not seen where Config does not record them.
    pub cloud_control: bool,
}

impl CollectOptions {
    fn validate(&self) -> Result<(), AwsError> {
        if let Some(bad) =
            self.accounts.iter().find(|a| a.len() != 12 || !a.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(AwsError::Usage(format!("--accounts: \"{bad}\" is not a 12-digit account id")));
        }
        if (self.org || !self.accounts.is_empty()) && self.role.is_none() {
            return Err(AwsError::Usage(
                "--accounts and --org need --role NAME: the role to assume in each account".to_string(),
            ));
        }
        if !METRICS.contains(&self.metric.as_str()) {
            return Err(AwsError::Usage(format!(
                "--metric: \"{}\" is not one of {}",
                self.metric,
                METRICS.join(", ")
            )));
        }
        Ok(())
    }
}

/// Collect with the system clock (for the TTL of cached responses and `collected_at`).
pub async fn collect(options: &CollectOptions) -> Result<Snapshot, AwsError> {
    collect_with_clock(options, Arc::new(SystemClock)).await
}

/// One task's result.
enum Output {
    Inventory {
        account: String,
        region: String,
        source: LiveSource,
        status: AttemptStatus,
        error: Option<String>,
        types: BTreeMap<String, TypeAttempt>,
        found: Vec<Seen>,
    },
    Aggregator {
        result: Result<aggregator::Aggregated, String>,
    },
    Costs {
        account: String,
        result: Result<Vec<CostLine>, String>,
    },
    Budgets {
        account: String,
        result: Result<Vec<Budget>, String>,
    },
    AllocationTags {
        account: String,
        result: Result<Vec<CostAllocationTag>, String>,
    },
    Forecasts {
        account: String,
        result: Result<Vec<Forecast>, String>,
    },
}

pub(crate) async fn collect_with_clock(
    options: &CollectOptions,
    clock: Arc<dyn Clock>,
) -> Result<Snapshot, AwsError> {
    options.validate()?;
    // A profile that does not exist would otherwise surface as "no region" or a dispatch
    // failure: say so first.
    if let Some(profile) = options.profile.as_deref() {
        if let Some(message) = profiles::unknown_profile(profile, &profiles::defined_profiles()) {
            return Err(AwsError::Setup(message));
        }
    }
    let base = Clients::load(options.profile.as_deref(), options.region.as_deref()).await;
    let profile = options.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok());
    collect_from(base, options, clock).await.map_err(|e| match e {
        AwsError::Setup(text) => match profiles::credentials_problem(&text, profile.as_deref()) {
            Some(plain) => AwsError::Setup(format!("cannot establish the AWS identity: {plain}")),
            None => AwsError::Setup(text),
        },
        other => other,
    })
}

/// Collect with the base credentials given (the caller's): resolve the accounts, assume the
/// role in each, start every unit of work, gather the answers, then put them in order.
async fn collect_from(
    base: Clients,
    options: &CollectOptions,
    clock: Arc<dyn Clock>,
) -> Result<Snapshot, AwsError> {
    let started = Instant::now();
    let regions = regions::resolve(&options.regions, base.region()).map_err(AwsError::Usage)?;
    let caller = accounts::caller_account(&base).await?;
    let as_of = options.as_of.unwrap_or_else(|| DateTime::<Utc>::from(clock.now()).date_naive());
    let cache = Arc::new(Cache::new(options.cache_dir.clone(), options.cache_ttl, clock.clone()));
    let mut attempts: Vec<Attempt> = Vec::new();

    let account_ids = account_ids(&base, options, &caller, &mut attempts).await;
    let ceiling = options.concurrency.max(1);
    tracing::info!(
        elapsed = %limit::elapsed(started),
        accounts = account_ids.len(),
        regions = regions.len(),
        units = account_ids.len() * regions.len(),
        concurrency = ceiling,
        "collecting from AWS"
    );

    let semaphore = Arc::new(Semaphore::new(ceiling));
    let targets = assume_roles(&base, &caller, &account_ids, options.role.as_deref(), &semaphore).await?;
    tracing::debug!(elapsed = %limit::elapsed(started), accounts = targets.len(), "credentials ready");

    // Regional work (inventory) and account-wide work (Cost Explorer, Budgets) are bounded
    // separately: throttling limits are per region and API, and a slow region must not hold
    // up the account's spend.
    let mut run = Run {
        set: JoinSet::new(),
        tasks: BTreeMap::new(),
        regional: limit::Units::new(ceiling, base.throttles().clone(), started),
        account_wide: semaphore,
        started,
    };
    for target in targets {
        let clients = match target.clients {
            Ok(c) => c,
            Err(e) => {
                attempts.push(failed(&target.account, GLOBAL, "sts", e));
                continue;
            }
        };
        run.spawn_account(&clients, &target.account, &regions, options, &cache, as_of);
    }
    run.spawn_caller_wide(&base, &caller, &account_ids, options, &cache, as_of);

    let mut gathered = gather::gather(run, options.progress, &caller).await?;
    attempts.append(&mut gathered.attempts);
    if let (Some(result), Some(name)) = (gathered.aggregated.take(), options.config_aggregator.as_deref()) {
        gather::record_aggregator(
            result,
            name,
            &caller,
            &account_ids,
            &regions,
            &mut attempts,
            &mut gathered.seen,
        );
    }
    let paid = gather::finish(&mut attempts, &mut gathered, &cache);

    let gather::Gathered { seen, lines, budgets, allocation_tags, forecasts, .. } = gathered;
    Ok(Snapshot {
        format: SNAPSHOT_FORMAT.to_string(),
        version: SNAPSHOT_VERSION,
        collected_at: DateTime::<Utc>::from(clock.now()),
        as_of,
        collection: Collection { accounts: account_ids, regions, attempts, paid_requests: paid },
        resources: inventory::merge(seen.into_iter().flat_map(|(_, _, _, s)| s)),
        costs: Costs { metric: options.metric.clone(), lines },
        budgets,
        cost_allocation_tags: allocation_tags,
        forecasts,
        list_prices: Vec::new(),
    })
}

/// The accounts to collect: the organization's (`--org`), the ones named (`--accounts`,
/// sorted), or the caller's own.
async fn account_ids(
    base: &Clients,
    options: &CollectOptions,
    caller: &str,
    attempts: &mut Vec<Attempt>,
) -> Vec<String> {
    if options.org {
        match accounts::organization_accounts(base).await {
            Ok(ids) if !ids.is_empty() => {
                attempts.push(ok(caller, GLOBAL, "organizations"));
                ids
            }
            Ok(_) => {
                attempts.push(failed(
                    caller,
                    GLOBAL,
                    "organizations",
                    "ListAccounts: no active accounts".into(),
                ));
                vec![caller.to_string()]
            }
            Err(e) => {
                attempts.push(failed(caller, GLOBAL, "organizations", e));
                vec![caller.to_string()]
            }
        }
    } else if options.accounts.is_empty() {
        vec![caller.to_string()]
    } else {
        let mut ids = options.accounts.clone();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Credentials in every account (the role assumed, or the caller's own), sorted by account.
async fn assume_roles(
    base: &Clients,
    caller: &str,
    account_ids: &[String],
    role: Option<&str>,
    semaphore: &Arc<Semaphore>,
) -> Result<Vec<accounts::Target>, AwsError> {
    let mut targets = Vec::new();
    let mut set = JoinSet::new();
    for account in account_ids {
        let (base, caller, account, role) =
            (base.clone(), caller.to_string(), account.clone(), role.map(str::to_string));
        let semaphore = semaphore.clone();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            accounts::target(&base, &caller, &account, role.as_deref()).await
        });
    }
    while let Some(joined) = set.join_next().await {
        targets.push(joined.map_err(|e| AwsError::Setup(format!("collection task failed: {e}")))?);
    }
    targets.sort_by(|a, b| a.account.cmp(&b.account));
    Ok(targets)
}

/// The tasks of one collection and the limits they run under.
struct Run {
    set: JoinSet<Vec<Output>>,
    /// Results per account, for the progress bars.
    tasks: BTreeMap<String, u64>,
    /// Account-region units: an adaptive bound (throttling limits are per account and region).
    regional: Arc<limit::Units>,
    /// Cost Explorer, Budgets and the caller-wide requests: a fixed bound.
    account_wide: Arc<Semaphore>,
    started: Instant,
}

impl Run {
    /// One account's units: a task per region, Cost Explorer (unless cost files replace it)
    /// and Budgets.
    fn spawn_account(
        &mut self,
        clients: &Clients,
        account: &str,
        regions: &[String],
        options: &CollectOptions,
        cache: &Arc<Cache>,
        as_of: NaiveDate,
    ) {
        *self.tasks.entry(account.to_string()).or_default() += regions.len() as u64 * 3 + 2;
        // A region is one unit of work (one permit): its sources run side by side, so N
        // regions take N permits, not 3N, and 8 regions cost about what 1 does. Types listed
        // once per account (IAM, S3) go with the first region.
        for (i, region) in regions.iter().enumerate() {
            let (clients, account, region) = (clients.clone(), account.to_string(), region.clone());
            let units = self.regional.clone();
            let sources = unit::Sources {
                config: options.config_aggregator.is_none(),
                cloud_control: options.cloud_control,
                account_wide: i == 0,
            };
            let started = self.started;
            self.set.spawn(async move {
                let _permit = units.acquire().await;
                let t0 = limit::elapsed(started);
                let out = unit::collect(&clients, account.clone(), region.clone(), sources).await;
                tracing::debug!(
                    account = %account,
                    region = %region,
                    started = %t0,
                    elapsed = %limit::elapsed(started),
                    in_flight_limit = units.limit(),
                    "unit collected"
                );
                out
            });
        }
        if options.cost_explorer {
            let (clients, account, cache) = (clients.clone(), account.to_string(), cache.clone());
            let (metric, owner_tag) = (options.metric.clone(), options.owner_tag.clone());
            let semaphore = self.account_wide.clone();
            self.set.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let result = costs::cost_lines(&clients, &cache, &account, as_of, &metric, &owner_tag).await;
                vec![Output::Costs { account, result }]
            });
        }
        {
            let (clients, account) = (clients.clone(), account.to_string());
            let semaphore = self.account_wide.clone();
            self.set.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let result = budgets::budgets(&clients, &account).await;
                vec![Output::Budgets { account, result }]
            });
        }
    }

    /// What is asked once, with the caller's own credentials, whatever accounts are collected:
    /// the Config aggregator, cost allocation tags and forecasts of tally.hcl budgets.
    fn spawn_caller_wide(
        &mut self,
        base: &Clients,
        caller: &str,
        account_ids: &[String],
        options: &CollectOptions,
        cache: &Arc<Cache>,
        as_of: NaiveDate,
    ) {
        // An aggregator is read once, with the caller's credentials, whatever accounts are collected.
        if let Some(name) = options.config_aggregator.clone() {
            *self.tasks.entry(caller.to_string()).or_default() += 1;
            let clients = base.clone();
            let semaphore = self.account_wide.clone();
            self.set.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                vec![Output::Aggregator { result: aggregator::aggregated(&clients, &name).await }]
            });
        }

        // Cost allocation tags are activated in the payer (management) account: ask once, with the
        // caller's own credentials, whichever accounts are collected.
        if !options.required_tags.is_empty() {
            *self.tasks.entry(caller.to_string()).or_default() += 1;
            let (clients, account, cache) = (base.clone(), caller.to_string(), cache.clone());
            let mut keys = options.required_tags.clone();
            keys.push(options.owner_tag.clone());
            keys.sort();
            keys.dedup();
            let semaphore = self.account_wide.clone();
            self.set.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let result = costs::cost_allocation_tags(&clients, &cache, &account, &keys).await;
                vec![Output::AllocationTags { account, result }]
            });
        }

        // Forecasts of tally.hcl budgets: one paid request per budget, with the caller's (payer)
        // credentials, over the accounts collected.
        let forecast_budgets: Vec<(Budget, crate::model::Period)> = options
            .budgets
            .iter()
            .filter_map(|b| {
                let (_, end) = b.period.bounds(as_of);
                forecast::remaining(end, as_of).map(|p| (b.clone(), p))
            })
            .collect();
        if !forecast_budgets.is_empty() {
            *self.tasks.entry(caller.to_string()).or_default() += 1;
            let (clients, account, cache) = (base.clone(), caller.to_string(), cache.clone());
            let (metric, accounts) = (options.metric.clone(), account_ids.to_vec());
            let semaphore = self.account_wide.clone();
            self.set.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let result =
                    forecast::forecasts(&clients, &cache, &account, &forecast_budgets, &metric, &accounts)
                        .await;
                vec![Output::Forecasts { account, result }]
            });
        }
    }
}

fn source_name(source: LiveSource) -> &'static str {
    match source {
        LiveSource::TaggingApi => "tagging-api",
        LiveSource::Config => "config",
        LiveSource::CloudControl => "cloud-control",
    }
}

/// `Denied` when an error message says AWS refused the credentials, else `otherwise`.
fn denied_or(otherwise: AttemptStatus, message: &str) -> AttemptStatus {
    if message.contains("AccessDenied")
        || message.contains("not authorized")
        || message.contains("Unauthorized")
    {
        AttemptStatus::Denied
    } else {
        otherwise
    }
}

fn ok(account: &str, region: &str, source: &str) -> Attempt {
    Attempt {
        account: account.to_string(),
        region: region.to_string(),
        source: source.to_string(),
        status: AttemptStatus::Ok,
        error: None,
        types: BTreeMap::new(),
    }
}

fn failed(account: &str, region: &str, source: &str, error: String) -> Attempt {
    Attempt {
        account: account.to_string(),
        region: region.to_string(),
        source: source.to_string(),
        status: AttemptStatus::Error,
        error: Some(error),
        types: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::fake::{fixture, FakeAws};
    use super::*;

    const STS_IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/ci</Arn><UserId>AIDAEXAMPLE</UserId>
  <Account>111111111111</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;

    /// A whole collection with a tally.hcl budget, against recorded answers: the forecast is
    /// asked once, counted, recorded in the snapshot, and the audit uses it.
    #[test]
    fn a_config_budget_gets_the_cost_explorer_forecast_end_to_end() {
        let fake = FakeAws::start(|req| match req.target.rsplit('.').next().unwrap_or_default() {
            "" if req.body.contains("Action=GetCallerIdentity") => STS_IDENTITY.to_string(),
            "GetResources" => r#"{"ResourceTagMappingList": [], "PaginationToken": ""}"#.to_string(),
            "DescribeConfigurationRecorders" => r#"{"ConfigurationRecorders": []}"#.to_string(),
            "ListResources" => r#"{"ResourceDescriptions": []}"#.to_string(),
            "GetCostAndUsage" => fixture("get-cost-and-usage.json"),
            "DescribeBudgets" => r#"{"Budgets": []}"#.to_string(),
            "GetCostForecast" => fixture("get-cost-forecast.json"),
            other => panic!("unexpected request {other}: {}", req.body),
        });
        let budget = super::forecast::tests::budget("payments", "payments");
        let options = CollectOptions {
            regions: vec!["us-east-1".into()],
            accounts: vec![],
            role: None,
            org: false,
            profile: None,
            region: None,
            metric: "UnblendedCost".into(),
            owner_tag: "team".into(),
            required_tags: vec![],
            as_of: Some("2026-11-18".parse().unwrap()),
            cache_dir: None,
            cache_ttl: DEFAULT_TTL,
            concurrency: 2,
            budgets: vec![budget.clone()],
            progress: false,
            cost_explorer: true,
            config_aggregator: None,
            cloud_control: true,
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let snapshot = runtime
            .block_on(async { collect_from(fake.clients().await, &options, Arc::new(SystemClock)).await })
            .expect("collected");
        assert_eq!(snapshot.forecasts.len(), 1);
        let forecast = &snapshot.forecasts[0];
        assert_eq!(forecast.budget, "payments");
        assert_eq!(forecast.period.start.to_string(), "2026-11-18");
        assert_eq!(forecast.period.end.to_string(), "2026-12-01");
        assert_eq!(forecast.amount, "1873.4205518763".parse::<Decimal>().unwrap());
        assert!(snapshot
            .collection
            .attempts
            .iter()
            .any(|a| a.source == "cost-forecast" && a.status == AttemptStatus::Ok && a.region == GLOBAL));
        assert_eq!(snapshot.collection.paid_requests, 3, "2 GetCostAndUsage + 1 GetCostForecast");
        let forecast_requests =
            fake.requests.lock().unwrap().iter().filter(|r| r.target.ends_with(".GetCostForecast")).count();
        assert_eq!(forecast_requests, 1);

        // The snapshot round-trips, and the audit's forecast for the budget is AWS's.
        let text = serde_json::to_string(&snapshot).unwrap();
        let snapshot = Snapshot::parse(std::path::Path::new("s.json"), &text).expect("valid snapshot");
        let policy = crate::policy::Policy { owner_tag: "team".into(), ..Default::default() };
        let input = crate::audit::AuditInput {
            code: None,
            plan: None,
            state: &[],
            snapshot: Some(&snapshot),
            policy: &policy,
            budgets: std::slice::from_ref(&budget),
            window: None,
            focus: Default::default(),
            plan_cost: None,
        };
        let output = crate::audit::run(&input);
        let status = output.budgets.iter().find(|b| b.name == "payments").expect("budget status");
        assert_eq!(status.forecast_method.as_deref(), Some("aws"));
        let actual = status.actual.as_ref().map_or(Decimal::ZERO, |a| a.amount);
        let want = (actual + forecast.amount)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(status.forecast.as_ref().unwrap().amount, want);

        // With cost files replacing Cost Explorer's lines (`audit --costs`), none are asked for.
        let asked =
            |op: &str| fake.requests.lock().unwrap().iter().filter(|r| r.target.ends_with(op)).count();
        let before = asked(".GetCostAndUsage");
        let options = CollectOptions { cost_explorer: false, ..options };
        let snapshot = runtime
            .block_on(async { collect_from(fake.clients().await, &options, Arc::new(SystemClock)).await })
            .expect("collected");
        assert_eq!(asked(".GetCostAndUsage"), before);
        assert!(snapshot.costs.lines.is_empty());
        assert!(!snapshot.collection.attempts.iter().any(|a| a.source == "cost-explorer"));
        assert_eq!(snapshot.failed_attempts().count(), 0, "nothing skipped counts as failed");
    }
}
