//! Time as the runtime sees it: a [`Clock`] for token expiry and a [`Sleeper`] for back-off,
//! both injectable so that expiry and retry behaviour can be tested without waiting.
//!
//! Production uses [`SystemClock`] and [`TokioSleep`]; tests use [`ManualClock`] and
//! [`InstantSleep`] (which records each wait and moves a manual clock forward by it).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Where "now" comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;

    /// The current wall-clock time, for what several processes compare (a token shared through
    /// a [`TokenStore`](crate::TokenStore) expires at a wall-clock time). The system's, unless
    /// the clock is a test's.
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A boxed future returned by [`Sleeper::sleep`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How the runtime waits (between retries).
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn wall(&self) -> SystemTime {
        (**self).wall()
    }
}

/// The system's monotonic clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Tokio's clock: the system's monotonic clock, except in a test runtime whose time is paused
/// (`#[tokio::test(start_paused = true)]`), where it moves with Tokio's timers, so expiry,
/// deadlines and back-off can be tested without waiting. The runtime's default.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// Tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleep;

impl Sleeper for TokioSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when told to ([`advance`](ManualClock::advance)). Clones share it.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Instant>>,
    /// The instant and the wall-clock time it stood at when made: its wall clock moves with it.
    origin: (Instant, SystemTime),
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl ManualClock {
    /// A clock standing at the current instant.
    pub fn new() -> Self {
        let now = Instant::now();
        ManualClock {
            now: Arc::new(Mutex::new(now)),
            origin: (now, SystemTime::now()),
        }
    }

    /// Move the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The wall-clock time it stood at when made, moved as far as the clock was advanced.
    fn wall(&self) -> SystemTime {
        let (instant, wall) = self.origin;
        wall + self.now().saturating_duration_since(instant)
    }
}

/// A sleeper that returns at once, remembering every wait asked of it and, when given a
/// [`ManualClock`], moving that clock forward by the wait. Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct InstantSleep {
    slept: Arc<Mutex<Vec<Duration>>>,
    clock: Option<ManualClock>,
}

impl InstantSleep {
    /// A sleeper that records waits.
    pub fn new() -> Self {
        InstantSleep::default()
    }

    /// A sleeper that also advances `clock` by each wait.
    pub fn advancing(clock: ManualClock) -> Self {
        InstantSleep {
            slept: Arc::default(),
            clock: Some(clock),
        }
    }

    /// Every wait asked for so far, in order.
    pub fn slept(&self) -> Vec<Duration> {
        self.slept.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Sleeper for InstantSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.slept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(duration);
        if let Some(clock) = &self.clock {
            clock.advance(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_instant_sleep_moves_its_manual_clock_and_remembers() {
        let clock = ManualClock::new();
        let start = clock.now();
        let sleep = InstantSleep::advancing(clock.clone());
        sleep.sleep(Duration::from_secs(5)).await;
        sleep.clone().sleep(Duration::from_millis(250)).await;
        assert_eq!(clock.now() - start, Duration::from_millis(5250));
        assert_eq!(
            sleep.slept(),
            [Duration::from_secs(5), Duration::from_millis(250)]
        );
    }
}
