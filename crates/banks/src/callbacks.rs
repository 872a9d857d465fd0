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
//!
//! The route mounts on any `Router<S>` — a service's router with its own state, before
//! `with_state` — and the handler takes the typed callback alone ([`Receiver::post`]), with the
//! request's headers ([`Receiver::post_with_headers`]), or with the router's state and the
//! headers ([`Receiver::post_with_state`]):
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::http::HeaderMap;
//! use banks::callbacks::Receiver;
//! use banks::globus::cfront::types::OrderState;
//!
//! #[derive(Clone)]
//! struct AppState { /* the service's pool, clients, … */ }
//!
//! let app = axum::Router::new()
//!     .route(
//!         "/cb/globus",
//!         Receiver::<OrderState>::new().url_token("a-long-random-secret").post_with_state(
//!             |state: AppState, headers: HeaderMap, callback: OrderState| async move {
//!                 # let _ = (state, headers, callback);
//!                 Ok::<(), banks::BankError>(())
//!             },
//!         ),
//!     )
//!     .with_state(AppState {});
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! The same parse without axum is each bank module's `parse_callback`
//! ([`globus::parse_callback`](crate::globus::parse_callback),
//! [`bcc::parse_callback`](crate::bcc::parse_callback)).
//!
//! # What the receiver remembers
//!
//! Without [`Receiver::deduplicate`], nothing: every accepted delivery runs the handler. With a
//! [`Deliveries`] log, in this process's memory only (lost on restart, not shared between
//! instances), for each delivery's [`Callback::delivery_key`]:
//!
//! - **Finished** keys — the handler returned `Ok` — are remembered until `capacity` newer keys
//!   have finished ([`Deliveries::new`]; oldest finished first out, no time limit). A redelivery
//!   of a remembered key is answered 200 `duplicate` without running the handler; once it is
//!   forgotten, a redelivery is handled again.
//! - **In-flight** keys — the handler is running — are held by a [`ClaimGuard`] at most
//!   [`max_in_flight`](Deliveries::max_in_flight) at once (default [`DEFAULT_MAX_IN_FLIGHT`]).
//!   A redelivery of an in-flight key is answered 503 with `Retry-After`; so is a new key while
//!   the bound is reached (after abandoned claims have been swept), and the bank retries later.
//! - A claim held longer than the [`lease`](Deliveries::lease) (default [`DEFAULT_LEASE`], five
//!   minutes, on an injectable [`Clock`]) is taken for **abandoned**: its key can be claimed
//!   again by a redelivery, and it no longer counts against the bound. Should the old handler
//!   still finish, its key is remembered as finished, and its end does not disturb the newer
//!   claim. A lease shorter than the handler's running time lets two runs overlap: keep it well
//!   above the handler's worst case.
//! - A handler that fails (`Err`), **panics**, or is **cancelled** leaves nothing behind: its
//!   claim is released at once and the bank's next delivery is handled again.
//!
//! Memory is thus bounded by `capacity + max_in_flight` keys.
//!
//! # Panics and cancellation
//!
//! The handler runs inside the request, as any axum handler does. A panic in it (or in the call
//! that makes its future) is caught and answered 500, so the bank redelivers, and the claim is
//! released. When the bank hangs up before the answer (its own timeout), axum drops the request's
//! future: the handler is cancelled at the `.await` it is waiting on and the claim's guard, dropped
//! with it, releases the key, so the bank's redelivery runs the handler again rather than meeting
//! a 503 forever.
//!
//! The alternative — spawning the handler as a task of its own so that it runs to completion
//! even after the bank hangs up (its redelivery then meets a 503, then a `duplicate`) — was not
//! taken: it would need the facade to depend on tokio's executor, leave work running that
//! outlives its request and the server's graceful shutdown, and still not give exactly-once (a
//! restart or a crash cuts a spawned handler just the same, and another instance may take the
//! redelivery). Either way a handler must be safe to run again after being cut short: make its
//! effect one atomic step (one transaction or one conditional update keyed by the delivery), or
//! check the bank's own state first, as [`globus::recheck`](crate::globus::recheck) does.

use std::any::Any;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Display;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use bank_runtime::{CallbackError, DEFAULT_MAX_CALLBACK, Secret};
use serde::de::DeserializeOwned;

/// The clocks a [`Deliveries`] log can measure leases with ([`ManualClock`] in tests), as the
/// runtime defines them.
pub use bank_runtime::{Clock, ManualClock, SystemClock};

/// A body a bank POSTs to the merchant.
pub trait Callback: DeserializeOwned + Send + 'static {
    /// The API that sends it (in logs and errors).
    const API: &'static str;

    /// What makes two deliveries the same event: a repeat of the same key is a duplicate.
    fn delivery_key(&self) -> String;
}

#[cfg(feature = "globus-cfront")]
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

/// How long an in-flight claim lasts before it is taken for abandoned (see [`Deliveries::lease`]).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(5 * 60);

/// How many deliveries may be in flight at once by default (see [`Deliveries::max_in_flight`]).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

/// Where a delivery stands in a [`Deliveries`] log.
#[derive(Debug)]
#[must_use = "dropping a `Claim::New` releases the claim at once"]
pub enum Claim<'a> {
    /// Not seen before, or its earlier claim was abandoned (older than the lease): handle it, then
    /// [`ClaimGuard::finish`]. Dropping the guard unfinished (the handler failed, panicked or was
    /// cancelled) releases the claim, so the bank's next delivery is handled again.
    New(ClaimGuard<'a>),
    /// Being handled right now by another request (claimed less than a lease ago).
    InFlight,
    /// Handled successfully before: a duplicate.
    Done,
    /// Not seen before, but as many deliveries as allowed are in flight already: try later.
    Full,
}

impl Claim<'_> {
    /// Whether the delivery is to be handled ([`Claim::New`]).
    pub fn is_new(&self) -> bool {
        matches!(self, Claim::New(_))
    }
}

/// A delivery claimed for handling ([`Claim::New`]): [`finish`](ClaimGuard::finish) it once
/// handled; dropped unfinished, it releases the claim (RAII, so a cancelled or panicking handler
/// cannot leave its delivery in flight).
#[derive(Debug)]
#[must_use = "dropping the guard releases the claim at once"]
pub struct ClaimGuard<'a> {
    log: &'a Deliveries,
    key: String,
    id: u64,
    finished: bool,
}

impl ClaimGuard<'_> {
    /// The delivery's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The delivery was handled: remembered as done (a later delivery of it is a duplicate).
    pub fn finish(mut self) {
        self.finished = true;
        self.log.finish(&self.key, self.id);
    }

    /// The delivery was not handled: forgotten, so that the bank's next delivery is handled
    /// again. The same as dropping the guard.
    pub fn release(self) {}
}

impl Drop for ClaimGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.log.release(&self.key, self.id);
        }
    }
}

/// The deliveries this process has handled or is handling, to drop duplicates: in memory and
/// bounded (see "what the receiver remembers" in the [module documentation](self)). Several
/// service instances behind a load balancer each keep their own, so the handler should still be
/// idempotent (the re-check makes it so for Globus).
#[derive(Debug)]
pub struct Deliveries {
    capacity: usize,
    max_in_flight: usize,
    lease: Duration,
    clock: Arc<dyn Clock>,
    state: Mutex<DeliveryState>,
}

#[derive(Debug, Default)]
struct DeliveryState {
    /// Finished keys, and the order they finished in (oldest first).
    done: HashSet<String>,
    order: VecDeque<String>,
    /// Keys being handled: which claim holds each, since when.
    in_flight: HashMap<String, Lease>,
    next_id: u64,
}

/// One claim of an in-flight key.
#[derive(Debug, Clone, Copy)]
struct Lease {
    id: u64,
    since: Instant,
}

impl Deliveries {
    /// A log that remembers up to `capacity` finished deliveries (at least one), with at most
    /// [`DEFAULT_MAX_IN_FLIGHT`] in flight and a [`DEFAULT_LEASE`], on the system clock.
    pub fn new(capacity: usize) -> Self {
        Deliveries {
            capacity: capacity.max(1),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            lease: DEFAULT_LEASE,
            clock: Arc::new(SystemClock),
            state: Mutex::new(DeliveryState::default()),
        }
    }

    /// At most `max` deliveries in flight at once (at least one); a new delivery beyond it is
    /// [`Claim::Full`] (the receiver answers 503 with `Retry-After`).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// How long a claim holds: a delivery in flight for longer is taken for abandoned and can be
    /// claimed again (and no longer counts against [`max_in_flight`](Self::max_in_flight)).
    /// Make it longer than your handler can take: past it, a slow handler and the bank's
    /// redelivery may both run.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Where leases read the time ([`ManualClock`] in tests).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How many finished deliveries are remembered (at most the capacity).
    pub fn finished(&self) -> usize {
        self.lock().done.len()
    }

    /// How many deliveries are held in flight (at most [`max_in_flight`](Self::max_in_flight)),
    /// abandoned claims included until they are claimed again or swept at the bound.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight.len()
    }

    /// Claim `key`: [`Claim::New`] holds it in flight until its guard is finished or dropped.
    pub fn claim(&self, key: &str) -> Claim<'_> {
        let now = self.clock.now();
        let mut state = self.lock();
        if state.done.contains(key) {
            return Claim::Done;
        }
        let abandoned = |lease: &Lease| now.saturating_duration_since(lease.since) >= self.lease;
        match state.in_flight.get(key) {
            Some(lease) if !abandoned(lease) => return Claim::InFlight,
            Some(_) => {
                tracing::warn!(key, lease = ?self.lease, "an abandoned in-flight delivery is claimed again");
            }
            None if state.in_flight.len() >= self.max_in_flight => {
                let before = state.in_flight.len();
                state.in_flight.retain(|_, lease| !abandoned(lease));
                let swept = before - state.in_flight.len();
                if swept > 0 {
                    tracing::warn!(swept, lease = ?self.lease, "abandoned in-flight deliveries forgotten");
                }
                if state.in_flight.len() >= self.max_in_flight {
                    return Claim::Full;
                }
            }
            None => {}
        }
        state.next_id += 1;
        let id = state.next_id;
        state
            .in_flight
            .insert(key.to_owned(), Lease { id, since: now });
        Claim::New(ClaimGuard {
            log: self,
            key: key.to_owned(),
            id,
            finished: false,
        })
    }

    /// Claim `id` of `key` handled: remembered as done (the oldest finished keys beyond the
    /// capacity forgotten), and no longer in flight if that claim still holds it.
    fn finish(&self, key: &str, id: u64) {
        let mut state = self.lock();
        state.forget_claim(key, id);
        if state.done.insert(key.to_owned()) {
            state.order.push_back(key.to_owned());
        }
        while state.order.len() > self.capacity {
            if let Some(old) = state.order.pop_front() {
                state.done.remove(&old);
            }
        }
    }

    /// Claim `id` of `key` not handled: no longer in flight if that claim still holds it (a
    /// claim taken over after its lease leaves the newer claim alone).
    fn release(&self, key: &str, id: u64) {
        self.lock().forget_claim(key, id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DeliveryState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DeliveryState {
    fn forget_claim(&mut self, key: &str, id: u64) {
        if self.in_flight.get(key).is_some_and(|lease| lease.id == id) {
            self.in_flight.remove(key);
        }
    }
}

/// An axum handler for one kind of callback: body limit, typed parse, optional URL token and
/// address allow-list, optional duplicate dropping, then your handler.
///
/// Answers: 200 when handled (or a duplicate of a delivery already handled), 400 for an empty or
/// malformed body, 413 for an oversize one, 401 without the right token, 403 from an address not
/// allowed, 503 with `Retry-After` while the same delivery is being handled or too many are in
/// flight (the bank retries), 500 when your handler fails or panics (the bank retries; the error
/// or panic message is logged, not sent).
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

    /// A `POST` route that runs `handler` with the typed callback of every accepted delivery.
    /// It mounts on any `Router<S>`, before or after `with_state` (`S` is inferred from the
    /// router); [`post_with_headers`](Self::post_with_headers) also gives the handler the
    /// request's headers, [`post_with_state`](Self::post_with_state) the router's state too.
    pub fn post<S, H, F, E>(self, handler: H) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        H: Fn(C) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        self.post_with_state(move |_: S, _: HeaderMap, callback: C| handler(callback))
    }

    /// A `POST` route like [`post`](Self::post) whose handler also receives the request's
    /// headers (a request id, a delivery number, a signature header the bank may add), after
    /// the receiver's checks passed:
    ///
    /// ```no_run
    /// use banks::callbacks::Receiver;
    /// use banks::globus::cfront::types::OrderState;
    ///
    /// let route = Receiver::<OrderState>::new().post_with_headers(
    ///     |headers: axum::http::HeaderMap, callback: OrderState| async move {
    ///         let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok());
    ///         tracing::info!(?request_id, order = %callback.order_id, "callback");
    ///         Ok::<(), banks::BankError>(())
    ///     },
    /// );
    /// let app: axum::Router = axum::Router::new().route("/cb/globus", route);
    /// # let _ = app;
    /// ```
    pub fn post_with_headers<S, H, F, E>(self, handler: H) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        H: Fn(HeaderMap, C) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        self.post_with_state(move |_: S, headers: HeaderMap, callback: C| {
            handler(headers, callback)
        })
    }

    /// A `POST` route on a `Router<S>` whose handler receives the router's state (what
    /// `with_state` gave, cloned per delivery), the request's headers and the typed callback.
    pub fn post_with_state<S, H, F, E>(self, handler: H) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        H: Fn(S, HeaderMap, C) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + Send + 'static,
    {
        axum::routing::post(move |State(state): State<S>, request: Request<Body>| {
            let receiver = self.clone();
            let handler = handler.clone();
            async move {
                let headers = request.headers().clone();
                receiver
                    .receive(request, move |callback| handler(state, headers, callback))
                    .await
            }
        })
    }

    /// Handle one request: checks, parse, duplicates, then `handler`.
    async fn receive<H, F, E>(&self, request: Request<Body>, handler: H) -> Response
    where
        H: FnOnce(C) -> F,
        F: Future<Output = Result<(), E>>,
        E: Display,
    {
        let callback = match self.accept(request).await {
            Ok(callback) => callback,
            Err(refusal) => return refusal_response(C::API, refusal),
        };
        let key = callback.delivery_key();
        // Held across the handler: finished on success, released when dropped — on a failure, a
        // panic, or when this future is dropped because the bank hung up (cancellation).
        let mut claim = None;
        if let Some(deliveries) = &self.deliveries {
            match deliveries.claim(&key) {
                Claim::New(guard) => claim = Some(guard),
                Claim::Done => {
                    tracing::debug!(api = C::API, key, "duplicate callback dropped");
                    return (StatusCode::OK, "duplicate").into_response();
                }
                Claim::InFlight => {
                    return (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("retry-after", RETRY_AFTER)],
                        "the same delivery is being handled",
                    )
                        .into_response();
                }
                Claim::Full => {
                    tracing::warn!(api = C::API, key, "callback refused: too many in flight");
                    return (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("retry-after", RETRY_AFTER)],
                        "too many deliveries are being handled",
                    )
                        .into_response();
                }
            }
        }
        match catch_panic(|| handler(callback)).await {
            Ok(Ok(())) => {
                if let Some(guard) = claim {
                    guard.finish();
                }
                (StatusCode::OK, "ok").into_response()
            }
            Ok(Err(e)) => {
                tracing::error!(api = C::API, key, error = %e, "callback handler failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "not handled").into_response()
            }
            Err(panic) => {
                tracing::error!(api = C::API, key, panic = %panic, "callback handler panicked");
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

/// Seconds a bank is asked to wait before redelivering while a delivery is in flight.
const RETRY_AFTER: &str = "5";

/// Run `start()` and the future it returns, turning a panic in either into `Err` with the panic's
/// message. The future is not polled again after it panicked, only dropped; what it shares with
/// other code (the merchant's own state) may be left half-updated, as after a panicking task.
async fn catch_panic<F: Future>(start: impl FnOnce() -> F) -> Result<F::Output, String> {
    let future = catch_unwind(AssertUnwindSafe(start)).map_err(panic_message)?;
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload))),
        },
    )
    .await
}

/// The message a panic was raised with (`panic!("…")`), when it has one.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
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

    fn new(claim: Claim<'_>) -> ClaimGuard<'_> {
        match claim {
            Claim::New(guard) => guard,
            other => panic!("expected a new claim, got {other:?}"),
        }
    }

    #[test]
    fn deliveries_are_claimed_finished_and_forgotten_oldest_first() {
        let log = Deliveries::new(2);
        let a = new(log.claim("a"));
        assert!(matches!(log.claim("a"), Claim::InFlight));
        a.release();
        let a = new(log.claim("a"));
        drop(new(log.claim("b")));
        a.finish();
        assert!(matches!(log.claim("a"), Claim::Done));
        for k in ["b", "c"] {
            new(log.claim(k)).finish();
        }
        assert_eq!((log.finished(), log.in_flight()), (2, 0));
        assert!(log.claim("a").is_new(), "the oldest was forgotten");
        assert!(matches!(log.claim("c"), Claim::Done));
    }

    #[test]
    fn in_flight_claims_are_bounded_and_abandoned_after_their_lease() {
        let clock = ManualClock::new();
        let log = Deliveries::new(10)
            .max_in_flight(2)
            .lease(Duration::from_secs(60))
            .clock(clock.clone());
        let a = new(log.claim("a"));
        clock.advance(Duration::from_secs(30));
        let b = new(log.claim("b"));
        assert!(matches!(log.claim("c"), Claim::Full));
        assert!(matches!(log.claim("a"), Claim::InFlight));
        clock.advance(Duration::from_secs(30));
        // `a` is abandoned: swept to make room for `c`, and claimable again.
        let c = new(log.claim("c"));
        assert_eq!(log.in_flight(), 2);
        assert!(matches!(log.claim("a"), Claim::Full));
        c.finish();
        let a2 = new(log.claim("a"));
        // The old claim's end leaves the newer one in flight.
        a.release();
        assert!(matches!(log.claim("a"), Claim::InFlight));
        a2.finish();
        assert!(matches!(log.claim("a"), Claim::Done));
        clock.advance(Duration::from_secs(60));
        // `b` is abandoned, then its handler finishes after all: remembered as done.
        let b2 = new(log.claim("b"));
        b.finish();
        assert!(matches!(log.claim("b"), Claim::Done));
        b2.finish();
        assert_eq!((log.finished(), log.in_flight()), (3, 0));
    }
}
