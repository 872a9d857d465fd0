//! Everything the sandbox remembers, in one serialisable value: tokens, orders, applications,
//! accounts and payments. Kept in memory; with `--state FILE` written there (atomically, shortly
//! after each change) and read back at start.
//!
//! [`State`] composes the parts the bank modules ([`crate::banks`]) and the authentication
//! ([`crate::auth`]) own; [`Shared`] gives each of them its part through [`Host`], so the
//! dependencies run one way: this module uses theirs, they never use this one.

use std::any::{Any, TypeId};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use crate::auth::Token;
use crate::auth::Tokens;
use crate::banks::{baas, broker, financial, globus};
use crate::config::Config;
use crate::host::Host;

/// The sandbox's state.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Issued tokens.
    pub tokens: Tokens,
    /// Globus orders.
    pub globus: globus::State,
    /// BCC broker orders and applications.
    pub broker: broker::State,
    /// BCC FinancialAPI accounts and payments.
    pub financial: financial::State,
    /// BaaS applications, SMS requests and cards.
    pub baas: baas::State,
    /// Callbacks and postLinks sent to merchants since the start (not kept across restarts).
    #[serde(skip)]
    pub deliveries: Vec<Delivery>,
    /// Creations that took effect and token requests, counted since the start (not kept across
    /// restarts).
    #[serde(skip)]
    pub effects: crate::effects::Effects,
}

impl State {
    /// The parts a [`Host`] hands out by type: the tokens and each bank's state.
    fn parts(&mut self) -> [&mut dyn Any; 5] {
        [
            &mut self.tokens,
            &mut self.globus,
            &mut self.broker,
            &mut self.financial,
            &mut self.baas,
        ]
    }
}

/// One callback or postLink the sandbox sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// What it was (`Globus callback`, `broker postLink`).
    pub what: &'static str,
    /// Where it went.
    pub url: String,
    /// The merchant's HTTP status, or `None` when it got no answer (or a test made the attempt
    /// fail: [`crate::steer::Steering::fail_callbacks`]).
    pub status: Option<u16>,
    /// Which attempt this was (1 for the first; retries as `[callbacks] attempts` allows).
    pub attempt: u32,
}

/// Milliseconds since the Unix epoch, by the system clock (the sandbox reads
/// [`Shared::now_ms`], which tests can move forward).
fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// What every request handler shares.
pub struct Shared {
    /// Settings.
    pub config: Config,
    /// State; hold the lock only to read or change it, never across an await.
    pub state: Mutex<State>,
    /// Requests seen (for `faults.every_nth`).
    pub requests: AtomicU64,
    /// Set when the state changed since it was last written.
    pub dirty: AtomicBool,
    /// Where the state is kept across restarts.
    pub state_file: Option<PathBuf>,
    /// Client for callbacks and postLinks to merchants.
    pub http: reqwest::Client,
    /// DER of the trusted signing certificates (empty: trust the `x5c` that verifies).
    pub trusted: Vec<Vec<u8>>,
    /// Every exchange, when `record_exchanges` is on.
    pub exchanges: Mutex<Vec<crate::conformance::Exchange>>,
    /// How far the sandbox's clock runs ahead of the system's (see `Sandbox::advance_clock`).
    pub clock_offset_ms: AtomicU64,
    /// Bumped on every change of the state, for waiters (`Sandbox::until`).
    pub changes: tokio::sync::watch::Sender<u64>,
    /// What tests steered (faults, declines, failing callbacks).
    pub steering: crate::steer::Steering,
}

impl Shared {
    /// Change the state, mark it for saving and wake whoever waits for a change.
    pub fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut state)
        };
        self.dirty.store(true, Ordering::Release);
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        out
    }

    /// Change what the state counts since the start and never saves (effect counters), and
    /// wake whoever waits for a change; the state file is not rewritten for it.
    pub fn note<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut state)
        };
        self.wake();
        out
    }

    /// Wake whoever waits for a change ([`Sandbox::until`](crate::Sandbox::until)) without a
    /// change of the state: a steered fault struck.
    pub fn wake(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The sandbox's "now", Unix milliseconds: the system clock plus any advance.
    pub fn now_ms(&self) -> u64 {
        system_now_ms() + self.clock_offset_ms.load(Ordering::Acquire)
    }

    /// Read the state.
    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&state)
    }

    /// Write the state file if anything changed (atomically: a temporary file, then rename).
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let text = self
            .read(serde_json::to_vec_pretty)
            .map_err(std::io::Error::other)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    /// Move the sandbox's clock forward by `by` and wake whoever waits for a change.
    pub fn advance_clock(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.clock_offset_ms.fetch_add(ms, Ordering::AcqRel);
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The delay between automatic status changes.
    pub fn step(&self) -> Duration {
        self.config.step_delay()
    }
}

impl Host for Shared {
    fn config(&self) -> &Config {
        &self.config
    }

    fn now_ms(&self) -> u64 {
        Shared::now_ms(self)
    }

    fn declined(&self, bank: crate::spec::Bank, keys: &[&str]) -> bool {
        self.steering.declined(bank, keys)
    }

    fn visit(&self, part: TypeId, changed: bool, f: &mut dyn FnMut(&mut dyn Any)) {
        let mut run = |state: &mut State| {
            if let Some(found) = state
                .parts()
                .into_iter()
                .find(|p| Any::type_id(&**p) == part)
            {
                f(found);
            }
        };
        if changed {
            self.update(run);
        } else {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            run(&mut state);
        }
    }
}

/// Read a state file; a missing file is a fresh state.
pub fn load(path: &Path) -> Result<State, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a sandbox state file: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
