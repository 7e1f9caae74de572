//! How many account-region units run at once, and how tally notices that AWS pushes back.
//!
//! Throttling limits are per account, region and API, so units of different accounts and
//! regions do not compete for the same limit: an organisation's units can nearly all run at
//! once. The bound is adaptive (additive increase, multiplicative decrease): it starts at the
//! ceiling (`--concurrency`, `concurrency` in `tally.hcl`, default [`DEFAULT_CONCURRENCY`]),
//! halves when a unit finishes after any request of the run was throttled since the last
//! decrease, and grows by one with every unit that finishes without. Throttled requests are
//! still retried by the SDK with back-off per service, account and region (`clients.rs`):
//! this bound only keeps a run that is being throttled from adding more load.
//!
//! A throttled request is seen by [`ThrottleCounter`], an SDK interceptor on every client: an
//! HTTP 429, or an error whose code (the `x-amzn-ErrorType` header of JSON protocols, or the
//! body of XML ones) is one of AWS's throttling codes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use aws_sdk_sts::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sts::error::BoxError;
use tokio::sync::Notify;

/// Default ceiling of account-region units in flight. Each unit keeps up to about six requests
/// in flight (Cloud Control's four, the tagging API, Config), so this is also what bounds the
/// open connections (about 600).
pub const DEFAULT_CONCURRENCY: usize = 100;

/// The bound never goes below this: a run always makes progress.
const FLOOR: usize = 1;

/// AWS's error codes for "slow down" (the ones the SDK's retry classifier treats as throttling).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Counts throttled requests of every client it is attached to (shared by clones).
#[derive(Debug, Clone, Default)]
pub(crate) struct ThrottleCounter {
    count: Arc<AtomicU64>,
}

impl ThrottleCounter {
    /// Throttled responses seen so far.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// Whether an HTTP answer says AWS throttled the request.
pub(crate) fn is_throttling(status: u16, error_type: Option<&str>, body: Option<&[u8]>) -> bool {
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    // `x-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/...`
    if let Some(code) = error_type.map(|t| t.split(':').next().unwrap_or(t)) {
        let code = code.rsplit('#').next().unwrap_or(code);
        return THROTTLING_CODES.contains(&code);
    }
    // JSON `"__type": "...#ThrottlingException"` or XML `<Code>Throttling</Code>`.
    let Some(text) = body.and_then(|b| std::str::from_utf8(b).ok()) else { return false };
    THROTTLING_CODES.iter().any(|code| {
        text.contains(&format!("<Code>{code}</Code>"))
            || text.contains(&format!("#{code}\""))
            || text.contains(&format!("\"{code}\""))
    })
}

impl Intercept for ThrottleCounter {
    fn name(&self) -> &'static str {
        "tally::ThrottleCounter"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(response) = context.response() {
            let status = response.status().as_u16();
            let error_type = response.headers().get("x-amzn-ErrorType");
            if is_throttling(status, error_type, response.body().bytes()) {
                self.count.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

/// The adaptive bound on units in flight.
#[derive(Debug)]
pub(crate) struct Units {
    state: Mutex<State>,
    freed: Notify,
    throttles: ThrottleCounter,
    started: Instant,
}

#[derive(Debug)]
struct State {
    limit: usize,
    ceiling: usize,
    in_flight: usize,
    /// Throttled requests already answered by a decrease.
    answered: u64,
}

impl Units {
    pub(crate) fn new(ceiling: usize, throttles: ThrottleCounter, started: Instant) -> Arc<Self> {
        let ceiling = ceiling.max(FLOOR);
        Arc::new(Self {
            state: Mutex::new(State { limit: ceiling, ceiling, in_flight: 0, answered: 0 }),
            freed: Notify::new(),
            throttles,
            started,
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current bound.
    pub(crate) fn limit(&self) -> usize {
        self.state().limit
    }

    /// Wait for room under the bound.
    pub(crate) async fn acquire(self: &Arc<Self>) -> UnitPermit {
        loop {
            // Registered before the check, so a release between the check and the wait is not
            // missed (`Notify::notify_waiters` wakes futures created before it).
            let freed = self.freed.notified();
            {
                let mut s = self.state();
                if s.in_flight < s.limit {
                    s.in_flight += 1;
                    return UnitPermit { units: self.clone() };
                }
            }
            freed.await;
        }
    }

    fn release(&self) {
        let throttled = self.throttles.count();
        let mut s = self.state();
        s.in_flight = s.in_flight.saturating_sub(1);
        if throttled > s.answered {
            s.answered = throttled;
            let lowered = (s.limit / 2).max(FLOOR);
            if lowered < s.limit {
                tracing::debug!(
                    elapsed = %elapsed(self.started),
                    throttled,
                    "AWS throttled requests: units in flight lowered from {} to {lowered}",
                    s.limit
                );
            }
            s.limit = lowered;
        } else if s.limit < s.ceiling {
            s.limit += 1;
        }
        drop(s);
        self.freed.notify_waiters();
    }
}

/// Room for one unit; given back when dropped.
#[derive(Debug)]
pub(crate) struct UnitPermit {
    units: Arc<Units>,
}

impl Drop for UnitPermit {
    fn drop(&mut self) {
        self.units.release();
    }
}

/// Seconds since `started`, for `-v` logs: relative, so a log reads as a timeline of the run.
pub(crate) fn elapsed(started: Instant) -> String {
    format!("{:.3}s", started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_recognised_in_every_protocol() {
        assert!(is_throttling(429, None, None));
        assert!(is_throttling(400, Some("ThrottlingException:http://internal.amazon.com/"), None));
        assert!(is_throttling(400, Some("com.amazonaws.cloudcontrol#ThrottlingException"), None));
        assert!(is_throttling(400, None, Some(br#"{"__type":"ThrottlingException","message":"x"}"#)));
        assert!(is_throttling(400, None, Some(b"<Error><Code>Throttling</Code></Error>")));
        assert!(is_throttling(503, None, Some(b"<Error><Code>SlowDown</Code></Error>")));
        assert!(!is_throttling(400, Some("AccessDeniedException"), None));
        assert!(!is_throttling(403, None, Some(b"<Error><Code>AccessDenied</Code></Error>")));
        assert!(!is_throttling(200, None, Some(br#"{"Throttling": 1}"#)));
        assert!(!is_throttling(500, None, Some(&[0xff, 0xfe])));
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn the_bound_halves_on_throttling_and_grows_back_one_unit_at_a_time() {
        let throttles = ThrottleCounter::default();
        let units = Units::new(8, throttles.clone(), Instant::now());
        runtime().block_on(async {
            let first = units.acquire().await;
            assert_eq!(units.limit(), 8);
            throttles.count.fetch_add(3, Ordering::Relaxed);
            drop(first);
            assert_eq!(units.limit(), 4, "halved once for the throttles seen");
            drop(units.acquire().await);
            assert_eq!(units.limit(), 5, "a clean unit adds one");
            throttles.count.fetch_add(1, Ordering::Relaxed);
            drop(units.acquire().await);
            assert_eq!(units.limit(), 2);
            throttles.count.fetch_add(1, Ordering::Relaxed);
            drop(units.acquire().await);
            throttles.count.fetch_add(1, Ordering::Relaxed);
            drop(units.acquire().await);
            assert_eq!(units.limit(), 1, "never below one");
            for _ in 0..20 {
                drop(units.acquire().await);
            }
            assert_eq!(units.limit(), 8, "never above the ceiling");
        });
    }

    #[test]
    fn no_more_units_than_the_bound_run_at_once_and_waiters_are_woken() {
        let units = Units::new(3, ThrottleCounter::default(), Instant::now());
        let peak = Arc::new(AtomicU64::new(0));
        let now = Arc::new(AtomicU64::new(0));
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..30 {
                let (units, peak, now) = (units.clone(), peak.clone(), now.clone());
                set.spawn(async move {
                    let _permit = units.acquire().await;
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
            let mut done = 0;
            while set.join_next().await.is_some() {
                done += 1;
            }
            assert_eq!(done, 30);
        });
        assert!(peak.load(Ordering::SeqCst) <= 3, "{}", peak.load(Ordering::SeqCst));
        assert_eq!(units.state().in_flight, 0);
    }
}
