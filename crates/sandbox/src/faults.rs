//! Fault injection for client testing: per request with the `x-sandbox-fault` header, or from
//! the configuration (`[faults]`: on every request, or on every `n`th).
//!
//! Both use the same list of comma-separated faults: `latency=250` (milliseconds), `status=503`,
//! `status=429` (answered with `Retry-After: 1`), `expired-token`, `malformed` (a truncated body).

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::HeaderMap;

use crate::state::Shared;

/// The request header that asks for faults.
pub const HEADER: &str = "x-sandbox-fault";

/// Faults for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Wait before answering.
    pub latency: Option<Duration>,
    /// Answer with this status instead.
    pub status: Option<u16>,
    /// Treat the bearer token as expired.
    pub expired_token: bool,
    /// Cut the answer's body in half.
    pub malformed: bool,
}

impl Faults {
    /// The faults of a request: the configuration's, then the header's.
    pub fn of(shared: &Shared, headers: &HeaderMap) -> Result<Faults, String> {
        let mut out = Faults::default();
        let config = &shared.config.faults;
        out.add(&config.always, "[faults] always")?;
        let n = shared.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if config.every_nth > 0 && n.is_multiple_of(config.every_nth) {
            out.add(&config.nth, "[faults] nth")?;
        }
        if let Some(value) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
            out.add(value, HEADER)?;
        }
        Ok(out)
    }

    /// Add `other`'s faults to these (its latency and status win where both have one).
    pub fn merge(&mut self, other: Faults) {
        self.latency = other.latency.or(self.latency);
        self.status = other.status.or(self.status);
        self.expired_token |= other.expired_token;
        self.malformed |= other.malformed;
    }

    /// Parse a comma-separated list of faults into these; `source` names where it came from.
    pub fn add(&mut self, list: &str, source: &str) -> Result<(), String> {
        for fault in list.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            match fault.split_once('=') {
                Some(("latency", ms)) => {
                    let ms = ms
                        .parse()
                        .map_err(|_| format!("{source}: latency `{ms}` is not milliseconds"))?;
                    self.latency = Some(Duration::from_millis(ms));
                }
                Some(("status", s)) => match s.parse::<u16>() {
                    Ok(code) if (400..600).contains(&code) => self.status = Some(code),
                    _ => return Err(format!("{source}: status `{s}` is not a 4xx or 5xx code")),
                },
                None if fault == "expired-token" => self.expired_token = true,
                None if fault == "malformed" => self.malformed = true,
                _ => {
                    return Err(format!(
                        "{source}: unknown fault `{fault}` (latency=MS, status=CODE, expired-token, malformed)"
                    ));
                }
            }
        }
        Ok(())
    }
}
