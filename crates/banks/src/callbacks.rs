//! Receiving what the banks POST to the merchant: Globus CFRONT order-state callbacks and BCC
//! broker postLinks.
//!
//! The banks sign neither, so a receiver should (1) accept only well-formed bodies of a bounded
//! size, (2) check what the merchant controls — a secret token in the URL it gave the bank, and
//! the sender's address when the bank publishes it — (3) drop deliveries it has already handled,
//! and (4) act on the bank's own answer, not on the callback: for Globus, re-read the order with
//! [`globus::recheck`](crate::globus::recheck) before shipping goods.
//!
//! [`Receiver`] does (1)–(3) as an axum handler (feature `callbacks`):
//!
//! ```no_run
//! # async fn run(cfront: banks::globus::cfront::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use banks::callbacks::{Deliveries, Receiver};
//! use banks::globus::cfront::types::OrderState;
//!
//! let cfront = Arc::new(cfront);
//! let receiver = Receiver::<OrderState>::new()
//!     .url_token("a-long-random-secret")        // callbackUrl = https://shop.example/cb/globus?token=…
//!     .deduplicate(Arc::new(Deliveries::new(10_000)));
//! let app = axum::Router::new().route(
//!     "/cb/globus",
//!     receiver.post(move |callback: OrderState| {
//!         let cfront = cfront.clone();
//!         async move {
//!             let current = banks::globus::recheck(&cfront, &callback).await?;
//!             // … act on `current`, the bank's own answer …
//!             # let _ = current;
//!             Ok::<(), banks::BankError>(())
//!         }
//!     }),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt::Display;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use bank_runtime::{CallbackError, DEFAULT_MAX_CALLBACK, Secret};
use serde::de::DeserializeOwned;

/// A body a bank POSTs to the merchant.
pub trait Callback: DeserializeOwned + Send + 'static {
    /// The API that sends it (in logs and errors).
    const API: &'static str;

    /// What makes two deliveries the same event: a repeat of the same key is a duplicate.
    fn delivery_key(&self) -> String;
}

#[cfg(feature = "globus")]
impl Callback for globus_cfront::types::OrderState {
    const API: &'static str = globus_cfront::API;

    /// The order, its status and the time of the change.
    fn delivery_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.order_id,
            self.status.as_str(),
            self.updated_at
                .map(|t| t.get().to_rfc3339())
                .unwrap_or_default()
        )
    }
}

#[cfg(feature = "bcc-broker")]
impl Callback for bcc_broker::types::MerchantRequestBody {
    const API: &'static str = bcc_broker::API;

    /// The application's reference and its new state.
    fn delivery_key(&self) -> String {
        format!("{}|{}", self.reference_id, self.state)
    }
}

/// Where a delivery stands in a [`Deliveries`] log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not seen before: handle it (then [`Deliveries::finish`]).
    New,
    /// Being handled right now by another request.
    InFlight,
    /// Handled successfully before: a duplicate.
    Done,
}

/// The deliveries this process has handled, to drop duplicates: bounded (the oldest finished keys
/// are forgotten first), in memory. Several service instances behind a load balancer each keep
/// their own, so the handler should still be idempotent (the re-check makes it so for Globus).
#[derive(Debug)]
pub struct Deliveries {
    capacity: usize,
    state: Mutex<DeliveryState>,
}

#[derive(Debug, Default)]
struct DeliveryState {
    keys: HashMap<String, bool>,
    order: VecDeque<String>,
}

impl Deliveries {
    /// A log that remembers up to `capacity` finished deliveries.
    pub fn new(capacity: usize) -> Self {
        Deliveries {
            capacity: capacity.max(1),
            state: Mutex::new(DeliveryState::default()),
        }
    }

    /// Claim `key`: [`Claim::New`] marks it in flight.
    pub fn claim(&self, key: &str) -> Claim {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.keys.get(key) {
            Some(true) => Claim::Done,
            Some(false) => Claim::InFlight,
            None => {
                state.keys.insert(key.to_owned(), false);
                Claim::New
            }
        }
    }

    /// Finish a claimed key: remembered as done when handled, forgotten when the handler failed
    /// (so that the bank's next delivery is handled again).
    pub fn finish(&self, key: &str, handled: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if !handled {
            state.keys.remove(key);
            return;
        }
        state.keys.insert(key.to_owned(), true);
        state.order.push_back(key.to_owned());
        while state.order.len() > self.capacity {
            if let Some(old) = state.order.pop_front() {
                state.keys.remove(&old);
            }
        }
    }
}

/// An axum handler for one kind of callback: body limit, typed parse, optional URL token and
/// address allow-list, optional duplicate dropping, then your handler.
///
/// Answers: 200 when handled (or a duplicate of a delivery already handled), 400 for an empty or
/// malformed body, 413 for an oversize one, 401 without the right token, 403 from an address not
/// allowed, 503 while the same delivery is being handled (the bank retries), 500 when your handler
/// fails (the bank retries; the error is logged, not sent).
pub struct Receiver<C: Callback> {
    max_body: usize,
    token: Option<(String, Secret)>,
    allow: Option<Vec<IpAddr>>,
    deliveries: Option<Arc<Deliveries>>,
    _callback: std::marker::PhantomData<fn() -> C>,
}

impl<C: Callback> Clone for Receiver<C> {
    fn clone(&self) -> Self {
        Receiver {
            max_body: self.max_body,
            token: self.token.clone(),
            allow: self.allow.clone(),
            deliveries: self.deliveries.clone(),
            _callback: std::marker::PhantomData,
        }
    }
}

impl<C: Callback> std::fmt::Debug for Receiver<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("api", &C::API)
            .field("max_body", &self.max_body)
            .field("token", &self.token.as_ref().map(|(name, _)| name))
            .field("allow", &self.allow)
            .field("deduplicate", &self.deliveries.is_some())
            .finish()
    }
}

impl<C: Callback> Default for Receiver<C> {
    fn default() -> Self {
        Receiver {
            max_body: DEFAULT_MAX_CALLBACK,
            token: None,
            allow: None,
            deliveries: None,
            _callback: std::marker::PhantomData,
        }
    }
}

/// Why a delivery was refused before your handler saw it.
#[derive(Debug)]
enum Refusal {
    Body(CallbackError),
    Token,
    Address(Option<IpAddr>),
}

impl<C: Callback> Receiver<C> {
    /// A receiver with a 64 KiB body limit, no token, no allow-list, no deduplication.
    pub fn new() -> Self {
        Self::default()
    }

    /// The largest body accepted, in bytes.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Require `?token=<secret>` on the URL (put it in the callback URL you give the bank). The
    /// comparison takes the same time whatever the guess.
    pub fn url_token(self, secret: impl Into<Secret>) -> Self {
        self.url_parameter("token", secret)
    }

    /// Require the query parameter `name` to equal `secret`.
    pub fn url_parameter(mut self, name: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.token = Some((name.into(), secret.into()));
        self
    }

    /// Accept only these sender addresses. Needs the peer address: serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()`; without it every delivery is refused.
    pub fn allow(mut self, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.allow = Some(addresses.into_iter().collect());
        self
    }

    /// Drop deliveries already handled (by [`Callback::delivery_key`]), using `deliveries`.
    pub fn deduplicate(mut self, deliveries: Arc<Deliveries>) -> Self {
        self.deliveries = Some(deliveries);
        self
    }

    /// A `POST` route that runs `handler` for every accepted delivery.
    pub fn post<H, F, E>(self, handler: H) -> axum::routing::MethodRouter
    where
        H: Fn(C) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        axum::routing::post(move |request: Request<Body>| {
            let receiver = self.clone();
            let handler = handler.clone();
            async move { receiver.receive(request, handler).await }
        })
    }

    /// Handle one request: checks, parse, duplicates, then `handler`.
    async fn receive<H, F, E>(&self, request: Request<Body>, handler: H) -> Response
    where
        H: Fn(C) -> F,
        F: Future<Output = Result<(), E>>,
        E: Display,
    {
        let callback = match self.accept(request).await {
            Ok(callback) => callback,
            Err(refusal) => return refusal_response(C::API, refusal),
        };
        let key = callback.delivery_key();
        if let Some(deliveries) = &self.deliveries {
            match deliveries.claim(&key) {
                Claim::New => {}
                Claim::Done => {
                    tracing::debug!(api = C::API, key, "duplicate callback dropped");
                    return (StatusCode::OK, "duplicate").into_response();
                }
                Claim::InFlight => {
                    return (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("retry-after", "5")],
                        "the same delivery is being handled",
                    )
                        .into_response();
                }
            }
        }
        let outcome = handler(callback).await;
        if let Some(deliveries) = &self.deliveries {
            deliveries.finish(&key, outcome.is_ok());
        }
        match outcome {
            Ok(()) => (StatusCode::OK, "ok").into_response(),
            Err(e) => {
                tracing::error!(api = C::API, key, error = %e, "callback handler failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "not handled").into_response()
            }
        }
    }

    /// The checks and the parse.
    async fn accept(&self, request: Request<Body>) -> Result<C, Refusal> {
        if let Some(allowed) = &self.allow {
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            if !peer.is_some_and(|ip| allowed.contains(&ip)) {
                return Err(Refusal::Address(peer));
            }
        }
        if let Some((name, secret)) = &self.token {
            let given = request.uri().query().and_then(|q| query_value(q, name));
            if !given.is_some_and(|g| same(g.as_bytes(), secret.expose().as_bytes())) {
                return Err(Refusal::Token);
            }
        }
        let limit = self.max_body;
        let bytes = axum::body::to_bytes(request.into_body(), limit.saturating_add(1))
            .await
            .map_err(|_| {
                Refusal::Body(CallbackError::TooLarge {
                    api: C::API,
                    size: limit.saturating_add(1),
                    max: limit,
                })
            })?;
        bank_runtime::parse_callback(C::API, &bytes, limit).map_err(Refusal::Body)
    }
}

fn refusal_response(api: &'static str, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Body(e) => {
            let status = match e {
                CallbackError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            tracing::warn!(api, error = %e, "callback refused");
            (status, e.to_string()).into_response()
        }
        Refusal::Token => {
            tracing::warn!(api, "callback without the right URL token refused");
            (StatusCode::UNAUTHORIZED, "unauthorized").into_response()
        }
        Refusal::Address(peer) => {
            tracing::warn!(api, ?peer, "callback from an address not allowed refused");
            (StatusCode::FORBIDDEN, "forbidden").into_response()
        }
    }
}

/// The value of `name` in a query string (percent-decoded).
fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == name).then(|| decode(v))
    })
}

/// Percent-decode a query component (`+` is a space); invalid escapes are kept as they are.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Compare two secrets in time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_and_secrets_compare() {
        assert_eq!(
            query_value("a=1&token=s%2Fx+y", "token").as_deref(),
            Some("s/x y")
        );
        assert_eq!(query_value("token", "token").as_deref(), Some(""));
        assert_eq!(query_value("a=%zz", "a").as_deref(), Some("%zz"));
        assert_eq!(query_value("a=%4", "a").as_deref(), Some("%4"));
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }

    #[test]
    fn deliveries_are_claimed_finished_and_forgotten_oldest_first() {
        let log = Deliveries::new(2);
        assert_eq!(log.claim("a"), Claim::New);
        assert_eq!(log.claim("a"), Claim::InFlight);
        log.finish("a", false);
        assert_eq!(log.claim("a"), Claim::New, "a failure is handled again");
        log.finish("a", true);
        assert_eq!(log.claim("a"), Claim::Done);
        for k in ["b", "c"] {
            assert_eq!(log.claim(k), Claim::New);
            log.finish(k, true);
        }
        assert_eq!(log.claim("a"), Claim::New, "the oldest was forgotten");
        assert_eq!(log.claim("c"), Claim::Done);
    }
}
