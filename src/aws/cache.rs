//! On-disk cache of paid API responses (Cost Explorer: USD 0.01 per request, every page a
//! request), and the counter of requests actually paid for.
//!
//! Entries are keyed by a SHA-256 of (account, operation, request JSON) and expire after a TTL
//! (default 6 h: Cost Explorer refreshes its data up to three times a day). The cache is
//! best-effort: a directory that cannot be read or written only costs money, never the run, so
//! its I/O errors are logged and ignored. The clock is injected so tests never depend on the
//! wall clock. This module knows nothing about the SDK: callers pass and get serde values.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Default time-to-live of a cached response.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// Price of one Cost Explorer API request, in US cents.
const CENTS_PER_REQUEST: u64 = 1;

/// Where "now" comes from: the system clock in the binary, a fixed one in tests.
pub(crate) trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> SystemTime;
}

#[derive(Debug)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The cache directory: `TALLY_CACHE_DIR`, else `$XDG_CACHE_HOME/tally`, else `~/.cache/tally`.
pub fn default_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    non_empty("TALLY_CACHE_DIR")
        .or_else(|| non_empty("XDG_CACHE_HOME").map(|d| d.join("tally")))
        .or_else(|| non_empty("HOME").map(|h| h.join(".cache").join("tally")))
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry<T> {
    /// Seconds since the Unix epoch when the response was stored.
    stored_at: u64,
    operation: String,
    response: T,
}

#[derive(Debug)]
pub(crate) struct Cache {
    /// `None`: caching is off (`--no-cache` or no usable directory).
    dir: Option<PathBuf>,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    paid: AtomicU64,
}

impl Cache {
    pub(crate) fn new(dir: Option<PathBuf>, ttl: Duration, clock: Arc<dyn Clock>) -> Self {
        Self { dir, ttl, clock, paid: AtomicU64::new(0) }
    }

    /// The cache key of one request.
    pub(crate) fn key(account: &str, operation: &str, request: &serde_json::Value) -> String {
        let mut hasher = Sha256::new();
        hasher.update(account.as_bytes());
        hasher.update([0]);
        hasher.update(operation.as_bytes());
        hasher.update([0]);
        // serde_json's Value keeps object keys sorted (no preserve_order), so equal requests
        // give equal bytes.
        hasher.update(request.to_string().as_bytes());
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{key}.json")))
    }

    /// A fresh cached response, if there is one.
    pub(crate) fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let path = self.path(key)?;
        let text = crate::source::read_regular_to_string(&path).ok()?;
        let entry: Entry<T> = match serde_json::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "ignoring unreadable cache entry");
                return None;
            }
        };
        let now = secs(self.clock.now());
        let age = now.saturating_sub(entry.stored_at);
        (entry.stored_at <= now && age < self.ttl.as_secs()).then_some(entry.response)
    }

    pub(crate) fn put<T: Serialize>(&self, key: &str, operation: &str, response: &T) {
        let (Some(dir), Some(path)) = (self.dir.as_deref(), self.path(key)) else { return };
        let entry = Entry { stored_at: secs(self.clock.now()), operation: operation.to_string(), response };
        if let Err(e) = write_atomically(dir, &path, &entry) {
            tracing::debug!(path = %path.display(), error = %e, "could not write cache entry");
        }
    }

    /// Count one request that AWS bills.
    pub(crate) fn count_paid(&self) {
        self.paid.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn paid_requests(&self) -> u64 {
        self.paid.load(Ordering::Relaxed)
    }

    /// "3 paid Cost Explorer requests (USD 0.03)".
    pub(crate) fn paid_summary(&self) -> String {
        let n = self.paid_requests();
        let cents = n * CENTS_PER_REQUEST;
        let s = if n == 1 { "" } else { "s" };
        format!("{n} paid Cost Explorer request{s} (USD {}.{:02})", cents / 100, cents % 100)
    }
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn write_atomically<T: Serialize>(dir: &Path, path: &Path, entry: &T) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Debug)]
    struct FakeClock(Mutex<SystemTime>);

    impl Clock for FakeClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tally-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = Arc::new(FakeClock(Mutex::new(start)));
        let dir = temp_dir("ttl");
        let cache = Cache::new(Some(dir.clone()), Duration::from_secs(3600), clock.clone());
        let key = Cache::key("111111111111", "GetCostAndUsage", &serde_json::json!({"a": 1}));
        assert_eq!(cache.get::<String>(&key), None);
        cache.put(&key, "GetCostAndUsage", &"cached".to_string());
        *clock.0.lock().unwrap() = start + Duration::from_secs(3599);
        assert_eq!(cache.get::<String>(&key).as_deref(), Some("cached"));
        *clock.0.lock().unwrap() = start + Duration::from_secs(3600);
        assert_eq!(cache.get::<String>(&key), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn keys_differ_by_account_operation_and_request() {
        let req = serde_json::json!({"Granularity": "DAILY"});
        let a = Cache::key("111111111111", "GetCostAndUsage", &req);
        assert_eq!(a.len(), 64);
        assert_ne!(a, Cache::key("222222222222", "GetCostAndUsage", &req));
        assert_ne!(a, Cache::key("111111111111", "ListCostAllocationTags", &req));
        assert_ne!(a, Cache::key("111111111111", "GetCostAndUsage", &serde_json::json!({})));
    }

    #[test]
    fn disabled_cache_stores_nothing_but_still_counts() {
        let cache = Cache::new(None, DEFAULT_TTL, Arc::new(SystemClock));
        let key = Cache::key("1", "op", &serde_json::json!(null));
        cache.put(&key, "op", &1u32);
        assert_eq!(cache.get::<u32>(&key), None);
        cache.count_paid();
        cache.count_paid();
        assert_eq!(cache.paid_summary(), "2 paid Cost Explorer requests (USD 0.02)");
    }
}
