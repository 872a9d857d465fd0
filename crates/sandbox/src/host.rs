//! What a simulation sees of the running sandbox: its settings, its clock and its own part of
//! the state — no more. The router's shared state implements [`Host`]; the authentication and
//! the bank modules take a `&dyn Host`, so they depend on this module and never on
//! [`crate::state`], which composes their state types.

use std::any::{Any, TypeId};
use std::time::Duration;

use crate::config::Config;

/// The sandbox as a simulation sees it.
pub trait Host: Send + Sync {
    /// Settings.
    fn config(&self) -> &Config;

    /// The sandbox's "now", Unix milliseconds: the system clock plus any advance.
    fn now_ms(&self) -> u64;

    /// Whether a test declined one of `keys` (an order id, a phone, a PINFL) of `bank`
    /// ([`crate::steer::Steering::decline`]): the simulation then declines when it decides.
    fn declined(&self, _bank: crate::spec::Bank, _keys: &[&str]) -> bool {
        false
    }

    /// Whether issuing a token revokes the client's earlier ones (configured or steered).
    fn revokes_previous_tokens(&self) -> bool {
        self.config().revoke_previous_tokens
    }

    /// Run `f` on the part of the state whose type is `part`, under the state's lock (hold it
    /// only to read or change the state, never across an await); `changed`: mark the state for
    /// saving and wake whoever waits for a change. `f` is not run when no part has that type.
    fn visit(&self, part: TypeId, changed: bool, f: &mut dyn FnMut(&mut dyn Any));
}

impl dyn Host + '_ {
    /// The sandbox's "now" in the banks' offset (UTC+05:00, Kazakhstan and Uzbekistan).
    pub fn now_rfc3339(&self) -> chrono::DateTime<chrono::FixedOffset> {
        let offset = chrono::FixedOffset::east_opt(5 * 3600).expect("valid offset");
        let ms = i64::try_from(self.now_ms()).unwrap_or(i64::MAX);
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&offset)
    }

    /// The delay between automatic status changes.
    pub fn step(&self) -> Duration {
        self.config().step_delay()
    }

    /// Read the part of the state of type `S`.
    ///
    /// # Panics
    ///
    /// When the state holds no part of type `S` (a sandbox bug: every bank's state is composed
    /// into [`crate::state::State`]).
    pub fn read<S: Any, T>(&self, f: impl FnOnce(&S) -> T) -> T {
        self.with(false, |s: &mut S| f(s))
    }

    /// Change the part of the state of type `S`, mark it for saving and wake waiters.
    ///
    /// # Panics
    ///
    /// As `read`.
    pub fn update<S: Any, T>(&self, f: impl FnOnce(&mut S) -> T) -> T {
        self.with(true, f)
    }

    fn with<S: Any, T>(&self, changed: bool, f: impl FnOnce(&mut S) -> T) -> T {
        let mut f = Some(f);
        let mut out = None;
        self.visit(TypeId::of::<S>(), changed, &mut |part| {
            if let (Some(part), Some(f)) = (part.downcast_mut::<S>(), f.take()) {
                out = Some(f(part));
            }
        });
        out.unwrap_or_else(|| {
            panic!(
                "the sandbox state has no part of type {}",
                std::any::type_name::<S>()
            )
        })
    }
}
