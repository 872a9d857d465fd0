//! A local sandbox of the four bank APIs, driven by the same normalised specs the clients are
//! generated from: every request is validated against its operation, authenticated as the bank
//! does it, and answered by a stateful simulation in the bank's own format.
//!
//! | prefix | API | auth |
//! |---|---|---|
//! | `/bcc-broker` | BCC Smart Online Broker | OAuth2 client credentials at `/bcc-broker/oauth/token` |
//! | `/bcc-financial` | BCC FinancialAPI | OAuth2 client credentials at `/bcc-financial/oauth/token`; `x-jws-signature` verified |
//! | `/globus-cfront` | Globus CFRONT | HTTP Basic (merchant login) |
//! | `/baas-gateway` | BaaS Gateway | password grant at `/baas-gateway/oauth2/token` (Basic consumer key) |
//!
//! The router here knows no bank: it finds the bank by its prefix in the registry
//! ([`spec::Bank`]), validates and authenticates the request, hands the call to the bank's
//! simulation ([`sim::BankSim`], one per module of [`banks`]) and runs the effects it asks for
//! (callbacks, delayed transitions).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = bank_sandbox::Sandbox::start(bank_sandbox::Config::default(), "127.0.0.1:0".parse()?, None).await?;
//! println!("Globus CFRONT at {}/globus-cfront", sandbox.url());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod access;
pub mod admin;
pub mod auth;
pub mod banks;
pub mod bounded;
pub mod config;
pub mod conformance;
pub mod effects;
pub mod faults;
pub mod host;
pub mod jws;
pub mod outbound;
pub mod persist;
pub mod published;
pub mod resource;
pub mod sim;
pub mod spec;
pub mod state;
pub mod steer;
pub mod ui;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use serde_json::Value;

pub use config::Config;
use faults::Faults;
use outbound::run;
use sim::{Call, Outcome, Reply};
use spec::Bank;
use state::Shared;

/// Largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

/// A running sandbox.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    app: axum::Router,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// The sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The port could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A state file or certificate could not be read, or the state file is another sandbox's.
    #[error("{0}")]
    Load(String),
    /// Listening beyond loopback without an admin token set.
    #[error(
        "refusing to listen on {0}, which is not a loopback address, without an admin token: \
         set [admin] token (or {env}) so that only those who know it can steer the sandbox",
        env = config::ADMIN_TOKEN_ENV
    )]
    Exposed(SocketAddr),
}

impl Sandbox {
    /// Start serving on `addr` (port 0: any free port), with state kept in `state_file` if given
    /// (locked for this sandbox: a second one on the same file is refused).
    ///
    /// An address that is not loopback needs `[admin] token` set ([`StartError::Exposed`]);
    /// without one, the sandbox makes a random token ([`admin_token`](Self::admin_token)).
    pub async fn start(
        config: Config,
        addr: SocketAddr,
        state_file: Option<PathBuf>,
    ) -> Result<Sandbox, StartError> {
        if !addr.ip().is_loopback() && config.admin.token.is_none() {
            return Err(StartError::Exposed(addr));
        }
        let admin_token = access::admin_token(&config).map_err(StartError::Load)?;
        let limits = config.limits;
        let state_file = match &state_file {
            Some(path) => Some(persist::StateFile::open(path).map_err(StartError::Load)?),
            None => None,
        };
        let mut state = match &state_file {
            Some(file) => state::load(file.path()).map_err(StartError::Load)?,
            None => state::State::default(),
        };
        state.deliveries = bounded::Ring::new(limits.deliveries, limits.delivery_bytes);
        for (list, name) in [
            (&config.faults.always, "[faults] always"),
            (&config.faults.nth, "[faults] nth"),
        ] {
            Faults::default()
                .add(list, name)
                .map_err(StartError::Load)?;
        }
        let mut trusted = Vec::new();
        for path in &config.bcc.trusted_certificates {
            let pem = std::fs::read_to_string(path)
                .map_err(|e| StartError::Load(format!("{}: {e}", path.display())))?;
            let certs = jws::pem_certificates(&pem);
            if certs.is_empty() {
                return Err(StartError::Load(format!(
                    "{}: no PEM certificate",
                    path.display()
                )));
            }
            trusted.extend(certs);
        }
        let http = outbound::client(std::time::Duration::from_millis(
            config.callbacks.timeout_ms.max(1),
        ))
        .map_err(|e| StartError::Load(format!("callback client: {e}")))?;
        let save_every = std::time::Duration::from_millis(config.state.save_interval_ms.max(1));
        let shared = Arc::new(Shared {
            config,
            state: std::sync::Mutex::new(state),
            requests: AtomicU64::new(0),
            dirty: AtomicBool::new(false),
            state_file,
            http,
            trusted,
            exchanges: std::sync::Mutex::new(bounded::Ring::new(
                limits.exchanges,
                limits.exchange_bytes,
            )),
            admin_token,
            clock_offset_ms: AtomicU64::new(0),
            changes: tokio::sync::watch::Sender::new(0),
            steering: steer::Steering::with_limits(limits),
            console: ui::Console::default(),
        });
        for bank in Bank::ALL {
            run(&shared, bank.sim().resume(&*shared));
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let saver = shared.clone();
        let served = app.clone();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, served).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            let saving = async {
                loop {
                    tokio::time::sleep(save_every).await;
                    if let Err(e) = saver.save() {
                        tracing::warn!(error = %e, "saving the sandbox state");
                    }
                }
            };
            tokio::select! {
                result = server => if let Err(e) = result { tracing::error!(error = %e, "sandbox server stopped") },
                () = saving => {}
            }
            if let Err(e) = saver.save() {
                tracing::warn!(error = %e, "saving the sandbox state");
            }
            if let Some(file) = &saver.state_file {
                file.release();
            }
        });
        Ok(Sandbox {
            addr,
            shared,
            app,
            stop: Some(stop),
            task,
        })
    }

    /// The token admin requests under `/_sandbox/` carry as `Authorization: Bearer <token>`:
    /// `[admin] token`, or the random one made at start. (The Rust API, [`steer`](Self::steer)
    /// and the rest, needs none.)
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// The sandbox's router, to call in-process without a socket (e.g. with
    /// `tower::ServiceExt::oneshot`): the same handler as over HTTP, `Host` checks included.
    pub fn router(&self) -> axum::Router {
        self.app.clone()
    }

    /// How full each in-memory collection is, to hold it to [`config::Limits`].
    pub fn stats(&self) -> bounded::Stats {
        let (exchanges, exchange_bytes) = {
            let ring = self
                .shared
                .exchanges
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            (ring.len(), ring.bytes())
        };
        let report = self.shared.steering.report();
        let mut stats = self.shared.read(|s| bounded::Stats {
            exchanges,
            exchange_bytes,
            deliveries: s.deliveries.len(),
            delivery_bytes: s.deliveries.bytes(),
            tokens: s.tokens.len(),
            globus_orders: s.globus.orders.len(),
            broker_orders: s.broker.orders.len(),
            broker_applications: s.broker.applications.len(),
            payments: s.financial.payments.len(),
            baas_applications: s.baas.applications.len(),
            baas_sms: s.baas.sms.len(),
            baas_cards: s.baas.cards.values().map(Vec::len).sum(),
            effects: s.effects.entries().len(),
            state_bytes: serde_json::to_vec(s).map_or(0, |v| v.len()),
            ..bounded::Stats::default()
        });
        stats.faults = report.faults.len();
        stats.declines = report.declines.len();
        stats.callback_failures = report.callback_failures.len();
        stats
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of one API (`http://127.0.0.1:PORT/globus-cfront`).
    pub fn base_url(&self, bank: Bank) -> String {
        format!("{}/{}", self.url(), bank.prefix())
    }

    /// The URL of the token route the sandbox serves for `bank` (`None`: Globus, HTTP Basic).
    pub fn token_url(&self, bank: Bank) -> Option<String> {
        bank.token_path()
            .map(|p| format!("{}{p}", self.base_url(bank)))
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Read the state (for tests and tools).
    pub fn inspect<T>(&self, f: impl FnOnce(&state::State) -> T) -> T {
        self.shared.read(f)
    }

    /// Move the sandbox's clock forward: tokens, SMS codes and applications age by `by` at once
    /// (tests of expiry without waiting).
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.shared.advance_clock(by);
    }

    /// Wait until `ready` finds what it looks for in the state, re-checking after every change
    /// and every time a steered fault strikes (no polling interval, no deadline: wrap it in a
    /// timeout to bound it).
    pub async fn until<T>(&self, mut ready: impl FnMut(&state::State) -> Option<T>) -> T {
        let mut changes = self.shared.changes.subscribe();
        loop {
            changes.mark_unchanged();
            if let Some(found) = self.shared.read(&mut ready) {
                return found;
            }
            // The sender lives in `shared`, which this borrow of the sandbox keeps alive, so the
            // channel cannot close while we wait.
            let _ = changes.changed().await;
        }
    }

    /// Steer the sandbox from a test: faults for the next requests of an operation or a client,
    /// forced declines, failing callbacks ([`steer::Steering`]; the same over HTTP under
    /// `/_sandbox/`, see [`admin`]).
    ///
    /// ```no_run
    /// # async fn run(sandbox: &bank_sandbox::Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    /// use bank_sandbox::spec::Bank;
    /// use bank_sandbox::steer::Fault;
    /// let fault = sandbox.steer().fault(Fault::on(Bank::Financial).operation("create_payment").status(503).once())?;
    /// sandbox.steer().decline(Bank::Globus, "380501234567")?;
    /// sandbox.steer().fail_callbacks("http://127.0.0.1:3000/callback", 2)?;
    /// // … run the service under test …
    /// assert_eq!(sandbox.steer().hits(fault), 1);
    /// # Ok(()) }
    /// ```
    pub fn steer(&self) -> &steer::Steering {
        &self.shared.steering
    }

    /// The effect counters since the start: how many times each creating operation took effect
    /// per client reference (a payment's document number, a merchant's order id, …; see
    /// [`effects`]), and the token requests per API. The same as JSON: `GET /_sandbox/effects`.
    ///
    /// ```no_run
    /// # fn run(sandbox: &bank_sandbox::Sandbox) {
    /// use bank_sandbox::spec::Bank;
    /// assert_eq!(sandbox.effects().count(Bank::Globus, "SHOP-1"), 1);
    /// assert!(sandbox.effects().duplicates().is_empty(), "a creation was carried out twice");
    /// # }
    /// ```
    pub fn effects(&self) -> effects::Effects {
        self.shared.read(|s| s.effects.clone())
    }

    /// How many requests reached `bank`'s token route ([`Bank::token_path`]), those struck by a
    /// fault (a status, a hang, a dropped connection) included; 0 for Globus, which has none.
    pub fn token_fetches(&self, bank: Bank) -> u64 {
        self.shared.read(|s| s.effects.tokens(bank).requests)
    }

    /// How many of `bank`'s token requests the sandbox answered with a token (issued, even when a
    /// `drop_after_commit` or `reset_mid_body` fault kept the answer from the client).
    pub fn tokens_issued(&self, bank: Bank) -> u64 {
        self.shared.read(|s| s.effects.tokens(bank).issued)
    }

    /// The latest callback and postLink attempts (URL, merchant's status, attempt number, why
    /// not delivered), oldest first: at most `[limits] deliveries`.
    pub fn deliveries(&self) -> Vec<state::Delivery> {
        self.shared.read(|s| s.deliveries.to_vec())
    }

    /// The latest requests received and answers given, oldest first (empty unless
    /// `record_exchanges` is on): at most `[limits] exchanges`, credentials redacted
    /// ([`conformance::Exchange::recorded`]).
    pub fn exchanges(&self) -> Vec<conformance::Exchange> {
        self.shared
            .exchanges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .to_vec()
    }

    /// Stop serving and write the state file one last time (the console's live-update streams
    /// end first, so that the server's graceful shutdown does not wait on them).
    pub async fn stop(mut self) {
        self.shared.console.close();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The HTTP answer for `reply`, broken as `faults` ask: the body cut in half (`malformed`, still a
/// complete answer), the connection closed before anything was written (`drop_after_commit`), or
/// aborted after the head and half the body (`reset_mid_body`).
fn respond(reply: Reply, faults: &Faults) -> Response<Body> {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (name, value) in &reply.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            builder = builder.header(*name, v);
        }
    }
    let mut bytes = reply.body;
    if let Some(bytes) = bytes.as_mut() {
        builder = builder.header("content-type", "application/json");
        if faults.malformed {
            bytes.truncate(bytes.len() / 2);
        }
    }
    let body = if faults.drop_after_commit {
        Body::new(faults::Broken::at_once())
    } else if faults.reset_mid_body {
        Body::new(faults::Broken::half_of(bytes))
    } else {
        bytes.map_or_else(Body::empty, Body::from)
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn query(raw: Option<&str>) -> BTreeMap<String, String> {
    auth::form(raw.unwrap_or_default().as_bytes())
        .into_iter()
        .collect()
}

async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request<Body>,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let (prefix, rest) = path
        .trim_start_matches('/')
        .split_once('/')
        .map(|(p, r)| (p.to_owned(), format!("/{r}")))
        .unwrap_or((path.trim_start_matches('/').to_owned(), "/".into()));
    if let Err(message) = access::host_allowed(&shared.config, &parts.uri, &parts.headers) {
        tracing::warn!(%message, "misdirected request");
        return match Bank::from_prefix(&prefix) {
            Some(bank) => respond(
                bank.sim()
                    .error(421, "MISDIRECTED_REQUEST", None, &message, None),
                &Faults::default(),
            ),
            None => admin::error(StatusCode::MISDIRECTED_REQUEST, &message),
        };
    }
    if prefix == admin::PREFIX && ui::is_console(&rest) {
        return ui::handle(&shared, &parts, &rest, body).await;
    }
    if prefix == admin::PREFIX {
        return admin::handle(&shared, &parts.method, &parts.headers, &rest, body).await;
    }
    let Some(bank) = Bank::from_prefix(&prefix) else {
        let known: Vec<&str> = Bank::ALL.iter().map(|b| b.prefix()).collect();
        return respond(
            Reply::json(
                404,
                &serde_json::json!({"code": "NOT_FOUND", "message": format!("no API at /{prefix}; the sandbox serves /{}", known.join(", /"))}),
            ),
            &Faults::default(),
        );
    };
    let sim = bank.sim();
    let n = shared
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1;
    let mut faults = match Faults::of(&shared.config.faults, n, &parts.headers) {
        Ok(f) => f,
        Err(message) => {
            return respond(
                sim.validation(faults::HEADER, &message, None),
                &Faults::default(),
            );
        }
    };
    // The body is read before a fault strikes: a token request's client is in its body (BaaS),
    // and a hung request must have been read whole for hyper to notice the client leaving.
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return respond(
                sim.error(
                    413,
                    "413",
                    None,
                    &format!("the body exceeds {MAX_BODY} bytes"),
                    None,
                ),
                &Faults::default(),
            );
        }
    };
    let method = parts.method.as_str().to_owned();
    let token_request = method == "POST" && bank.token_path() == Some(rest.as_str());
    if token_request {
        // Counted before any fault strikes: a test that saw the fault's hit sees the request.
        shared.note(|s| s.effects.token_requested(bank));
    }
    let steered = shared.steering.strike(
        bank,
        || {
            if token_request {
                Some(steer::TOKEN)
            } else {
                bank.spec()
                    .route(&method, &rest)
                    .map(|(op, _)| op.id.as_str())
            }
        },
        || {
            if token_request {
                sim.token_client(&parts.headers, &bytes)
            } else {
                sim.authenticate(&*shared, bank, &parts.headers, false).ok()
            }
        },
    );
    if steered != Faults::default() {
        // Every steered fault has an effect, so one struck: wake tests waiting for its hits.
        shared.wake();
    }
    faults.merge(steered);
    if faults.hang {
        tracing::info!(api = bank.prefix(), %method, path = %rest, "hanging as a fault asks");
        // No lock is held here; hyper drops this future when the client disconnects.
        return std::future::pending().await;
    }
    if let Some(latency) = faults.latency {
        tokio::time::sleep(latency).await;
    }
    let outcome = match faults.status {
        // An injected status answers instead of the bank (and is recorded like any answer).
        Some(status) => {
            let mut reply = sim.error(
                status,
                &status.to_string(),
                None,
                "fault injected by the sandbox",
                None,
            );
            if status == 429 {
                reply = reply.with_header("retry-after", "1".into());
            }
            Outcome::from(reply)
        }
        None => {
            let origin = parts
                .headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .map(|h| format!("http://{h}"))
                .unwrap_or_default();
            // A bug in a simulation must not drop the client's connection: it becomes a 500
            // naming it.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                dispatch(
                    &shared,
                    bank,
                    &method,
                    &rest,
                    parts.uri.query(),
                    &parts.headers,
                    &bytes,
                    &faults,
                    &origin,
                )
            }))
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                tracing::error!(%method, path = %rest, panic = %what, "sandbox bug");
                Outcome::from(Reply::internal(&format!(
                    "sandbox bug while answering {method} {rest}: {what}"
                )))
            })
        }
    };
    let Outcome { reply, effects } = outcome;
    if token_request && reply.status == 200 {
        shared.note(|s| s.effects.token_issued(bank));
    }
    run(&shared, effects);
    if faults.drop_after_commit || faults.reset_mid_body {
        tracing::info!(api = bank.prefix(), path = %rest, status = reply.status, "breaking the connection as a fault asks");
    }
    if shared.config.record_exchanges {
        let mut exchange = conformance::Exchange::recorded(
            bank,
            method,
            rest,
            parts.uri.query(),
            &parts.headers,
            &bytes,
            reply.status,
            reply.body.as_deref(),
        );
        exchange.at_ms = shared.now_ms();
        shared
            .exchanges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(exchange);
    }
    respond(reply, &faults)
}

/// Every answer, refusals included, leaves in the form the bank's document declares.
#[allow(clippy::too_many_arguments)]
fn dispatch(
    shared: &Arc<Shared>,
    bank: Bank,
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    faults: &Faults,
    origin: &str,
) -> Outcome {
    let Outcome { reply, effects } = answer(
        shared, bank, method, path, raw_query, headers, body, faults, origin,
    );
    Outcome::with(as_published(bank, method, path, reply), effects)
}

/// Token route, routing, JSON, validation, token operation, authentication, signature, then the
/// bank's simulation; a 200 that breaks the spec is the sandbox's bug.
#[allow(clippy::too_many_arguments)]
fn answer(
    shared: &Arc<Shared>,
    bank: Bank,
    method: &str,
    path: &str,
    raw_query: Option<&str>,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    faults: &Faults,
    origin: &str,
) -> Outcome {
    let sim = bank.sim();
    let host: &dyn host::Host = &**shared;
    if sim.token_route() == Some((method, path)) {
        return sim.token(host, headers, body).into();
    }
    let spec = bank.spec();
    let Some((op, path_params)) = spec.route(method, path) else {
        return sim
            .error(
                404,
                "NOT_FOUND",
                None,
                &format!("{method} {path} is not an operation of {}", bank.prefix()),
                None,
            )
            .into();
    };
    let json: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => Some(v),
            Err(e) => return sim.invalid_json(&e.to_string()).into(),
        }
    };
    let query = query(raw_query);
    let envelope_id = json.as_ref().map(|j| j["id"].clone());
    if let Err(invalid) = spec.validate(op, &path_params, &query, headers, json.as_ref()) {
        return sim
            .validation(&invalid.field, &invalid.message, envelope_id.as_ref())
            .into();
    }
    if sim.is_token_operation(&op.id) {
        return sim.token(host, headers, body).into();
    }
    let subject = match sim.authenticate(host, bank, headers, faults.expired_token) {
        Ok(s) => s,
        Err(d) => return sim.denied(&d).into(),
    };
    if let Some(header) = op.op[bank_openapi::ext::SIGNATURE_HEADER].as_str() {
        let Some(value) = headers.get(header).and_then(|v| v.to_str().ok()) else {
            return sim
                .error(
                    400,
                    "400",
                    Some(header),
                    "the payment must be signed (JWS, Base64)",
                    None,
                )
                .into();
        };
        if let Err(message) = jws::verify(
            value,
            body,
            &shared.trusted,
            shared.config.bcc.accept_protected_header,
        ) {
            return sim.error(400, "400", Some(header), &message, None).into();
        }
    }
    let call = Call {
        host,
        operation: &op.id,
        path: &path_params,
        query: &query,
        headers,
        body,
        subject: &subject,
        origin,
    };
    let outcome = sim.handle(&call);
    if outcome.reply.status == 200
        && let Some(bytes) = &outcome.reply.body
    {
        let value: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        if let Err(bug) = spec.check_response(op, 200, &value) {
            tracing::error!(operation = %op.id, field = %bug.field, message = %bug.message, "the sandbox's answer breaks the spec");
            return Reply::internal(&format!(
                "sandbox answer breaks the spec at {}: {}",
                bug.field, bug.message
            ))
            .into();
        }
    }
    outcome
}

/// The answer as the bank's published document declares it ([`published::conform`]); an answer
/// that still breaks that document is the sandbox's bug and becomes a 500 naming the field.
fn as_published(bank: Bank, method: &str, path: &str, mut reply: Reply) -> Reply {
    let published = bank.published();
    let Some((op, _)) = published.route(method, path) else {
        return reply;
    };
    let Some((schema, schema_at)) = published::response_schema(published, op, reply.status) else {
        return reply;
    };
    let Some(bytes) = reply.body.take() else {
        return reply;
    };
    let bytes = published::conform(&published.doc, schema, &bytes);
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Some(bug) = published::check(&published.doc, schema, &schema_at, &value).first() {
        tracing::error!(operation = %op.id, at = %bug.at, message = %bug.message, "the sandbox's answer breaks the bank's document");
        return Reply::internal(&format!(
            "sandbox answer ({}) breaks the bank's document at {}: {}",
            reply.status,
            spec::dotted(&bug.at),
            bug.message
        ));
    }
    reply.body = Some(bytes);
    reply
}
