//! The one place SDK clients are built: the default credential and region chain of
//! `aws-config` (environment, `--profile`, SSO, web identity, ...), `--region`, an endpoint
//! override from `AWS_ENDPOINT_URL` (honoured by the SDK itself), and one retry policy for
//! every client: adaptive mode, exponential back-off with jitter, the attempt count of the
//! environment or profile (`AWS_MAX_ATTEMPTS`, default 3).
//!
//! Retry state (adaptive mode's client-side rate limiter and the retry quota) is kept per
//! service, account and region: the scope AWS throttles in. The SDK's default partition is the
//! service alone, so one throttled region would slow down, and one stormy account could use up
//! the retries of, every other account and region of the run.
//!
//! Every client also has timeouts, so an endpoint that accepts a connection and never answers
//! ends in a failed attempt (a partial result naming account, region and source), not a hang:
//! connect 10 s, read 60 s, one attempt 120 s, a whole operation with its retries 300 s, each
//! overridable in seconds by `TALLY_CONNECT_TIMEOUT`, `TALLY_READ_TIMEOUT`,
//! `TALLY_ATTEMPT_TIMEOUT` and `TALLY_OPERATION_TIMEOUT`.
//!
//! Not here: which calls are made (the source modules) and how errors read (`error.rs`).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::retry::RetryPartition;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};

use super::limit::ThrottleCounter;

/// Region of the global endpoints (Cost Explorer, Budgets, Organizations) in the `aws`
/// partition.
const GLOBAL_REGION: &str = "us-east-1";

/// Timeouts of every client: defaults, overridden by the environment (whole seconds, > 0).
fn timeouts() -> TimeoutConfig {
    let secs = |var: &str, default: u64| {
        Duration::from_secs(timeout_secs(std::env::var(var).ok().as_deref(), default))
    };
    TimeoutConfig::builder()
        .connect_timeout(secs("TALLY_CONNECT_TIMEOUT", 10))
        .read_timeout(secs("TALLY_READ_TIMEOUT", 60))
        .operation_attempt_timeout(secs("TALLY_ATTEMPT_TIMEOUT", 120))
        .operation_timeout(secs("TALLY_OPERATION_TIMEOUT", 300))
        .build()
}

/// A timeout setting in seconds; an unset, empty, zero or unparsable value keeps the default
/// (with a warning when set but unusable): a typo must not turn timeouts off.
fn timeout_secs(value: Option<&str>, default: u64) -> u64 {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 && n <= 86_400 => n,
            _ => {
                tracing::warn!(
                    "timeout \"{v}\" is not a whole number of seconds from 1 to 86400: using {default}"
                );
                default
            }
        },
    }
}

/// The HTTP client every SDK client of the run shares, built as the SDK builds its default
/// (rustls with aws-lc, proxy settings from the environment). Left to itself the SDK gives
/// each service client its own client: its own connection pool and TLS configuration, so an
/// organisation's run (accounts x regions x services, ~350 clients for 84 units) opened a
/// connection and did a TLS handshake per client and host instead of reusing them across
/// accounts: connections are per endpoint host, credentials are per request.
fn shared_http_client() -> aws_sdk_sts::config::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// SDK configuration for one set of credentials; cheap to clone.
#[derive(Debug, Clone)]
pub struct Clients {
    config: SdkConfig,
    /// Whose credentials these are, for retry partitions: `caller` or an account id.
    account: String,
    /// Throttled requests of every client built from these settings (and their clones).
    throttles: ThrottleCounter,
}

impl Clients {
    /// Load the default chain, with `--profile` and `--region` applied on top.
    pub async fn load(profile: Option<&str>, region: Option<&str>) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(shared_http_client());
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = region {
            loader = loader.region(Region::new(region.to_string()));
        }
        Self::from_sdk_config(loader.load().await)
    }

    /// Clients from a configuration built elsewhere (tests, embedding), with tally's retry
    /// policy applied.
    pub fn from_sdk_config(config: SdkConfig) -> Self {
        let config = match config.http_client() {
            Some(_) => config,
            None => config.to_builder().http_client(shared_http_client()).build(),
        };
        let attempts = config.retry_config().map_or(3, RetryConfig::max_attempts);
        // Adaptive mode adds client-side rate limiting on throttling errors to the standard
        // exponential back-off: the right policy for fanning out over accounts and regions.
        let retry = RetryConfig::adaptive()
            .with_max_attempts(attempts)
            .with_initial_backoff(Duration::from_millis(500))
            .with_max_backoff(Duration::from_secs(20));
        Self {
            config: config.to_builder().retry_config(retry).timeout_config(timeouts()).build(),
            account: "caller".to_string(),
            throttles: ThrottleCounter::default(),
        }
    }

    /// The same settings with other credentials (an assumed role in `account`).
    pub(crate) fn with_credentials(&self, account: &str, credentials: Credentials) -> Self {
        let config = self
            .config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        Self { config, account: account.to_string(), throttles: self.throttles.clone() }
    }

    /// Retry state shared by this account's clients of one service in one region only.
    fn partition(&self, service: &str, region: &str) -> RetryPartition {
        RetryPartition::new(format!("tally/{service}/{}/{region}", self.account))
    }

    /// The counter of throttled requests shared by every client of the run.
    pub(crate) fn throttles(&self) -> &ThrottleCounter {
        &self.throttles
    }

    /// The region of the configuration (`--region`, `AWS_REGION`, profile), if any.
    pub(crate) fn region(&self) -> Option<&str> {
        self.config.region().map(Region::as_ref)
    }

    pub(crate) fn has_endpoint_override(&self) -> bool {
        self.config.endpoint_url().is_some()
    }

    fn home_region(&self) -> Region {
        Region::new(self.region().unwrap_or(GLOBAL_REGION).to_string())
    }

    pub(crate) fn tagging(&self, region: &str) -> aws_sdk_resourcegroupstagging::Client {
        let conf = aws_sdk_resourcegroupstagging::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(region.to_string()))
            .retry_partition(self.partition("tagging", region))
            .build();
        aws_sdk_resourcegroupstagging::Client::from_conf(conf)
    }

    pub(crate) fn config_service(&self, region: &str) -> aws_sdk_config::Client {
        let conf = aws_sdk_config::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(region.to_string()))
            .retry_partition(self.partition("config", region))
            .build();
        aws_sdk_config::Client::from_conf(conf)
    }

    pub(crate) fn cloud_control(&self, region: &str) -> aws_sdk_cloudcontrol::Client {
        let conf = aws_sdk_cloudcontrol::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(region.to_string()))
            .retry_partition(self.partition("cloudcontrol", region))
            .build();
        aws_sdk_cloudcontrol::Client::from_conf(conf)
    }

    pub(crate) fn cost_explorer(&self) -> aws_sdk_costexplorer::Client {
        let conf = aws_sdk_costexplorer::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(GLOBAL_REGION))
            .retry_partition(self.partition("ce", GLOBAL_REGION))
            .build();
        aws_sdk_costexplorer::Client::from_conf(conf)
    }

    pub(crate) fn budgets(&self) -> aws_sdk_budgets::Client {
        let conf = aws_sdk_budgets::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(GLOBAL_REGION))
            .retry_partition(self.partition("budgets", GLOBAL_REGION))
            .build();
        aws_sdk_budgets::Client::from_conf(conf)
    }

    /// The Price List Query API at one of its endpoint regions (`price_list.rs`).
    pub(crate) fn pricing(&self, endpoint_region: &str) -> aws_sdk_pricing::Client {
        let conf = aws_sdk_pricing::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(endpoint_region.to_string()))
            .retry_partition(self.partition("pricing", endpoint_region))
            .build();
        aws_sdk_pricing::Client::from_conf(conf)
    }

    pub(crate) fn organizations(&self) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(Region::new(GLOBAL_REGION))
            .retry_partition(self.partition("organizations", GLOBAL_REGION))
            .build();
        aws_sdk_organizations::Client::from_conf(conf)
    }

    pub(crate) fn sts(&self) -> aws_sdk_sts::Client {
        let region = self.home_region();
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .retry_partition(self.partition("sts", region.as_ref()))
            .region(region)
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    /// S3 in the configured region. With an endpoint override (a test server, a VPC endpoint
    /// by URL) bucket names cannot be DNS prefixes of the host: path-style addressing.
    pub(crate) fn s3(&self) -> aws_sdk_s3::Client {
        let region = self.home_region();
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .retry_partition(self.partition("s3", region.as_ref()))
            .region(region)
            .force_path_style(self.has_endpoint_override())
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Athena in `region` (the table's), else the configured one.
    pub(crate) fn athena(&self, region: Option<&str>) -> aws_sdk_athena::Client {
        let region = region.map_or_else(|| self.home_region(), |r| Region::new(r.to_string()));
        let conf = aws_sdk_athena::config::Builder::from(&self.config)
            .interceptor(self.throttles.clone())
            .region(region)
            .build();
        aws_sdk_athena::Client::from_conf(conf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_settings() {
        assert_eq!(timeout_secs(None, 10), 10);
        assert_eq!(timeout_secs(Some(" 3 "), 10), 3);
        assert_eq!(timeout_secs(Some("0"), 10), 10, "zero must not disable the timeout");
        assert_eq!(timeout_secs(Some("1.5"), 10), 10);
        assert_eq!(timeout_secs(Some(""), 10), 10);
    }

    #[test]
    fn every_client_has_timeouts() {
        let config = SdkConfig::builder().behavior_version(BehaviorVersion::latest()).build();
        let clients = Clients::from_sdk_config(config);
        let t = clients.config.timeout_config().expect("timeouts");
        assert!(t.connect_timeout().is_some() && t.read_timeout().is_some());
        assert!(t.operation_timeout().is_some() && t.operation_attempt_timeout().is_some());
    }
}
