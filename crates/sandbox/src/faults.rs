//! Fault injection for client testing: per request with the `x-sandbox-fault` header, or for
//! every request from the configuration.
//!
//! The header holds comma-separated faults: `latency=250` (milliseconds), `status=503`,
//! `status=429` (with `Retry-After: 1`), `expired-token`, `malformed` (a truncated body).

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
        if config.latency_ms > 0 {
            out.latency = Some(Duration::from_millis(config.latency_ms));
        }
        let n = shared.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if config.every_nth > 0 && n.is_multiple_of(config.every_nth) {
            out.status = Some(config.status.unwrap_or(503));
        }
        let Some(value) = headers.get(HEADER).and_then(|v| v.to_str().ok()) else {
            return Ok(out);
        };
        for fault in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            match fault.split_once('=') {
                Some(("latency", ms)) => {
                    out.latency =
                        Some(Duration::from_millis(ms.parse().map_err(|_| {
                            format!("{HEADER}: latency `{ms}` is not milliseconds")
                        })?))
                }
                Some(("status", s)) => match s.parse::<u16>() {
                    Ok(code) if (400..600).contains(&code) => out.status = Some(code),
                    _ => return Err(format!("{HEADER}: status `{s}` is not a 4xx or 5xx code")),
                },
                None if fault == "expired-token" => out.expired_token = true,
                None if fault == "malformed" => out.malformed = true,
                _ => {
                    return Err(format!(
                        "{HEADER}: unknown fault `{fault}` (latency=MS, status=CODE, expired-token, malformed)"
                    ));
                }
            }
        }
        Ok(out)
    }
}
