//! Everything the sandbox remembers, in one serialisable value: tokens, orders, applications,
//! accounts and payments. Kept in memory; with `--state FILE` written there (atomically, shortly
//! after each change) and read back at start.
//!
//! [`State`] composes the parts the bank modules ([`crate::banks`]) and the authentication
//! ([`crate::auth`]) own; [`Shared`] gives each of them its part through [`Host`], so the
//! dependencies run one way: this module uses theirs, they never use this one.
//!
//! # Lock order
//!
//! The sandbox has one lock order: **state → steering**. The state's lock ([`Shared::state`],
//! taken by [`Shared::update`], [`Shared::note`], [`Shared::read`] and [`Host::visit`]) may be
//! held while the steering's lock is taken (a simulation deciding under the state's lock asks
//! [`Host::declined`]; a test's `Sandbox::until` condition may ask for a fault's hits); the
//! steering's lock ([`crate::steer::Steering`]) is a leaf: nothing is called under it, so it is
//! never held while the state's lock is taken (`Steering::strike` reads the request's client
//! before taking it). The recorded exchanges' lock ([`Shared::exchanges`]) and the state file's
//! ([`crate::persist::StateFile`]) are leaves too, never held with another. No lock is held
//! across an await. Debug builds check the first rule: taking the state's lock while this thread
//! holds the steering's panics.

use std::any::{Any, TypeId};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use crate::auth::Token;
use crate::auth::Tokens;
use crate::banks::{baas, broker, financial, generic, globus};
use crate::bounded::{Ring, Weigh};
use crate::config::Config;
use crate::host::Host;
use crate::persist::StateFile;

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
    /// The resources of the APIs served by the generic simulation.
    pub generic: generic::State,
    /// The latest callback and postLink attempts since the start (not kept across restarts): a
    /// ring buffer of `[limits] deliveries` entries and `delivery_bytes` bytes.
    #[serde(skip)]
    pub deliveries: Ring<Delivery>,
    /// Creations that took effect and token requests, counted since the start (not kept across
    /// restarts).
    #[serde(skip)]
    pub effects: crate::effects::Effects,
}

impl State {
    /// The parts a [`Host`] hands out by type: the tokens and each bank's state.
    fn parts(&mut self) -> [&mut dyn Any; 6] {
        [
            &mut self.tokens,
            &mut self.globus,
            &mut self.broker,
            &mut self.financial,
            &mut self.baas,
            &mut self.generic,
        ]
    }
}

/// One callback or postLink attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Delivery {
    /// What it was (`Globus callback`, `broker postLink`).
    pub what: &'static str,
    /// Where it went.
    pub url: String,
    /// The merchant's HTTP status, or `None` when it got no answer (or a test made the attempt
    /// fail: [`crate::steer::Steering::fail_callbacks`], or it was not sent).
    pub status: Option<u16>,
    /// Which attempt this was (1 for the first; retries as `[callbacks] attempts` allows).
    pub attempt: u32,
    /// Whether the request left the sandbox (false: refused by `[callbacks] allowed_hosts`, or
    /// failed as a test asked).
    pub sent: bool,
    /// Why it was not delivered, when it was not: a host that is not allowed, a redirect not
    /// followed, the merchant's error status, no answer, a failure a test asked for.
    pub reason: Option<String>,
    /// When the attempt was made, Unix milliseconds by the sandbox's clock (0: not said).
    pub at_ms: u64,
    /// The id of the resource it is about (an order's), when the simulation said.
    pub about: Option<String>,
    /// The JSON body sent, when the request left the sandbox (not kept for attempts that were
    /// not sent: a refused host, a failure a test asked for).
    pub body: Option<String>,
}

impl Delivery {
    /// An attempt's record.
    pub fn new(
        what: &'static str,
        url: &str,
        attempt: u32,
        sent: bool,
        status: Option<u16>,
        reason: Option<String>,
    ) -> Self {
        Delivery {
            what,
            url: url.to_owned(),
            status,
            attempt,
            sent,
            reason,
            at_ms: 0,
            about: None,
            body: None,
        }
    }

    /// The same, made at `at_ms` (the sandbox's clock), about the resource `about`.
    pub fn at(mut self, at_ms: u64, about: Option<&str>) -> Self {
        self.at_ms = at_ms;
        self.about = about.map(str::to_owned);
        self
    }

    /// The same, with the body that was sent (kept only when the attempt was sent).
    pub fn with_body(mut self, body: &[u8]) -> Self {
        if self.sent {
            self.body = Some(String::from_utf8_lossy(body).into_owned());
        }
        self
    }

    /// Whether the merchant answered 2xx.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl Weigh for Delivery {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.url.len()
            + self.reason.as_ref().map_or(0, String::len)
            + self.about.as_ref().map_or(0, String::len)
            + self.body.as_ref().map_or(0, String::len)
    }
}

/// How far `POST /_sandbox/clock` and [`Shared::advance_clock`] may move the sandbox's clock
/// ahead of the system's, in total: 100 years, in milliseconds.
pub const MAX_CLOCK_AHEAD_MS: u64 = 100 * 366 * 24 * 3600 * 1000;

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
    /// State; hold the lock only to read or change it, never across an await (see the lock
    /// order in the [module](self)).
    pub state: Mutex<State>,
    /// Requests seen (for `faults.every_nth`).
    pub requests: AtomicU64,
    /// Set when the state changed since it was last written.
    pub dirty: AtomicBool,
    /// Where the state is kept across restarts, locked for this sandbox.
    pub state_file: Option<StateFile>,
    /// Client for callbacks and postLinks to merchants (no redirects, `[callbacks] timeout_ms`).
    pub http: reqwest::Client,
    /// DER of the trusted signing certificates (empty: trust the `x5c` that verifies).
    pub trusted: Vec<Vec<u8>>,
    /// The latest exchanges, when `record_exchanges` is on (`[limits] exchanges`,
    /// `exchange_bytes`), credentials redacted.
    pub exchanges: Mutex<Ring<crate::conformance::Exchange>>,
    /// The token admin requests carry (`Authorization: Bearer …`).
    pub admin_token: String,
    /// How far the sandbox's clock runs ahead of the system's (see `Sandbox::advance_clock`).
    pub clock_offset_ms: AtomicU64,
    /// Bumped on every change of the state, for waiters (`Sandbox::until`).
    pub changes: tokio::sync::watch::Sender<u64>,
    /// What tests steered (faults, declines, failing callbacks).
    pub steering: crate::steer::Steering,
    /// The web console's sessions ([`crate::ui`]).
    pub console: crate::ui::Console,
}

impl Shared {
    /// The state's lock (the lock order: never taken while this thread holds the steering's).
    fn lock(&self) -> MutexGuard<'_, State> {
        debug_assert!(
            !crate::steer::held(),
            "lock order broken: the state's lock taken under the steering's (state → steering)"
        );
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Change the state, mark it for saving and wake whoever waits for a change.
    pub fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = {
            let mut state = self.lock();
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
            let mut state = self.lock();
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
        system_now_ms().saturating_add(self.clock_offset_ms.load(Ordering::Acquire))
    }

    /// Read the state.
    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let state = self.lock();
        f(&state)
    }

    /// Write the state file if anything changed ([`StateFile::write`]: owner-only, atomic,
    /// durable). The state is marked clean before it is serialised, so a change made during the
    /// write marks it again; a failed write marks it again too, so nothing is lost to it.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.state_file else {
            return Ok(());
        };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let written = self
            .read(serde_json::to_vec_pretty)
            .map_err(std::io::Error::other)
            .and_then(|text| file.write(&text));
        if written.is_err() {
            self.dirty.store(true, Ordering::Release);
        }
        written
    }

    /// Move the sandbox's clock forward by `by` and wake whoever waits for a change; the clock
    /// stops at [`MAX_CLOCK_AHEAD_MS`] ahead of the system's.
    pub fn advance_clock(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .clock_offset_ms
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                Some(now.saturating_add(ms).min(MAX_CLOCK_AHEAD_MS))
            });
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Move the sandbox's clock forward by `ms` milliseconds, or say why not: it would go more
    /// than [`MAX_CLOCK_AHEAD_MS`] ahead of the system's (the clock is then left as it is).
    pub fn try_advance_clock(&self, ms: u64) -> Result<(), String> {
        self.clock_offset_ms
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                now.checked_add(ms).filter(|total| *total <= MAX_CLOCK_AHEAD_MS)
            })
            .map_err(|now| {
                format!(
                    "advance_ms: the clock may run at most {MAX_CLOCK_AHEAD_MS} ms (100 years) ahead                      of the system's; it is {now} ms ahead, so at most {} more",
                    MAX_CLOCK_AHEAD_MS - now
                )
            })?;
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
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

    fn revokes_previous_tokens(&self) -> bool {
        self.config().revoke_previous_tokens || self.steering.revokes_previous_tokens()
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
            let mut state = self.lock();
            run(&mut state);
        }
    }
}

/// Read a state file; a missing file is a fresh state. (It takes no lock: the sandbox locks
/// the file with [`StateFile::open`] before it reads it.)
pub fn load(path: &Path) -> Result<State, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a sandbox state file: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
