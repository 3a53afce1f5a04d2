//! Where "now" comes from. Token caches, JWKS refetch limits and token-expiry checks all read
//! a [`Clock`], so tests move a [`ManualClock`] instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time, in whole seconds since the Unix epoch.
///
/// ```
/// use sesame_client::{Clock, SystemClock};
/// assert!(SystemClock.now_secs() > 1_600_000_000);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now_secs(&self) -> i64;
}

/// The operating system's clock; the default everywhere.
///
/// ```
/// use sesame_client::{Clock, SystemClock};
/// let now = SystemClock.now_secs();
/// assert!(now > 0);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_secs(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that stands still until told to move (for tests). It starts at the system time.
///
/// ```
/// use sesame_client::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// let start = clock.now_secs();
/// clock.advance_secs(3600);
/// assert_eq!(clock.now_secs(), start + 3600);
/// ```
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock reading the current system time.
    ///
    /// ```
    /// let clock = sesame_client::ManualClock::new();
    /// # let _ = clock;
    /// ```
    pub fn new() -> Self {
        Self::at(SystemClock.now_secs())
    }

    /// A clock reading `secs` seconds since the Unix epoch.
    ///
    /// ```
    /// use sesame_client::{Clock, ManualClock};
    /// assert_eq!(ManualClock::at(1_700_000_000).now_secs(), 1_700_000_000);
    /// ```
    pub fn at(secs: i64) -> Self {
        Self(AtomicI64::new(secs))
    }

    /// Moves the clock forward (or back, with a negative value).
    ///
    /// ```
    /// use sesame_client::{Clock, ManualClock};
    /// let clock = ManualClock::at(100);
    /// clock.advance_secs(-40);
    /// assert_eq!(clock.now_secs(), 60);
    /// ```
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now_secs(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
