//! Fault injection for client testing: per request with the `x-sandbox-fault` header, or from
//! the configuration (`[faults]`: on every request, or on every `n`th).
//!
//! Both use the same list of comma-separated faults: `latency=250` (milliseconds), `status=503`,
//! `status=429` (answered with `Retry-After: 1`), `expired-token`, `malformed` (a truncated body),
//! and the ways a real bank's connection fails: `drop-after-commit` (the request is carried out,
//! then the connection closes without an answer), `reset-mid-body` (carried out; the status line,
//! the headers and half the body arrive, then the connection is aborted) and `hang` (never
//! answered, not carried out).

use std::time::Duration;

use axum::http::HeaderMap;

use crate::config::FaultConfig;

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
    /// Carry the request out (state changed, effects run, exchange recorded), then close the
    /// connection without answering: the client's `send` fails.
    pub drop_after_commit: bool,
    /// Carry the request out, send the status line, the headers (with the whole body's
    /// `content-length`) and half the body, then abort the connection: the client's body read
    /// fails.
    pub reset_mid_body: bool,
    /// Never answer and do not carry the request out; the handler waits until the client
    /// disconnects.
    pub hang: bool,
}

impl Faults {
    /// The faults of the sandbox's `n`th request (counting from 1): the configuration's, then
    /// the header's.
    pub fn of(config: &FaultConfig, n: u64, headers: &HeaderMap) -> Result<Faults, String> {
        let mut out = Faults::default();
        out.add(&config.always, "[faults] always")?;
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
        self.drop_after_commit |= other.drop_after_commit;
        self.reset_mid_body |= other.reset_mid_body;
        self.hang |= other.hang;
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
                None if fault == "drop-after-commit" => self.drop_after_commit = true,
                None if fault == "reset-mid-body" => self.reset_mid_body = true,
                None if fault == "hang" => self.hang = true,
                _ => {
                    return Err(format!(
                        "{source}: unknown fault `{fault}` (latency=MS, status=CODE, expired-token, \
                         malformed, drop-after-commit, reset-mid-body, hang)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// An answer's body that breaks the connection on purpose: `first` (if any), then one pause so
/// that hyper writes out what it holds (the status line, the headers and `first`), then an error,
/// on which hyper aborts the connection.
///
/// hyper writes a response's head together with the body's first bytes: a body that fails at its
/// first poll ([`Broken::at_once`]) means the client receives nothing at all.
pub(crate) struct Broken {
    first: Option<axum::body::Bytes>,
    paused: bool,
    length: Option<u64>,
}

impl Broken {
    /// Nothing reaches the client: the error comes before hyper wrote anything.
    pub(crate) fn at_once() -> Self {
        Broken {
            first: None,
            paused: true,
            length: None,
        }
    }

    /// The head with the whole body's `content-length` (chunked when there is no body) and the
    /// first half of `body`, then the abort.
    pub(crate) fn half_of(body: Option<Vec<u8>>) -> Self {
        let length = body.as_ref().map(|b| b.len() as u64);
        let first = body
            .map(|mut b| {
                b.truncate(b.len() / 2);
                b
            })
            .filter(|b| !b.is_empty())
            .map(axum::body::Bytes::from);
        Broken {
            first,
            paused: false,
            length,
        }
    }
}

impl http_body::Body for Broken {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(first))));
        }
        if !self.paused {
            // hyper flushes what it holds when the body is not ready; wake at once to fail next.
            self.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection broken by a fault the sandbox injected",
        ))))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.length.map_or_else(
            http_body::SizeHint::default,
            http_body::SizeHint::with_exact,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_faults_are_spelt_like_the_others() {
        let mut faults = Faults::default();
        faults
            .add("drop-after-commit, reset-mid-body,hang", HEADER)
            .expect("known faults");
        assert!(faults.drop_after_commit && faults.reset_mid_body && faults.hang);
        let err = Faults::default()
            .add("drop_after_commit", HEADER)
            .expect_err("the header spells faults with hyphens");
        assert!(err.contains("unknown fault `drop_after_commit`"), "{err}");
        assert!(
            err.contains("drop-after-commit, reset-mid-body, hang"),
            "{err}"
        );
        let mut merged = Faults::default();
        merged.merge(faults);
        assert!(merged.drop_after_commit && merged.reset_mid_body && merged.hang);
    }
}
