//! Central-Asian bank APIs from Rust: typed clients generated from the banks' own documents,
//! with tokens, signatures, envelopes, retries, deadlines and errors handled here.
//!
//! # Calling the banks from a service
//!
//! Every bank has the same shape: `builder()` → `credentials(…)` → `environment(…)` →
//! `build()`. There is no default environment (a client never reaches production by omission);
//! the banks that publish no host need `Environment::Custom` with the URL they gave.
//!
//! Tokens come from the token endpoint the API's document gives, following the environment
//! ([`generic::token_url_for`]): BCC's documents name one on the production host, so a
//! `Test` client asks `api-test.bcc.kz` and a `Custom` one (a sandbox, a proxy) keeps the
//! document's unless the builder's `token_url(…)` says otherwise. An API the facade has no module
//! for is called through [`Generic`], with the authentication its document declares.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use banks::{ClientCredentials, Environment};
//!
//! let key = std::fs::read("key.pem")?;
//! let cert = std::fs::read("cert.pem")?;
//! let financial = banks::bcc::Financial::builder()
//!     .credentials(ClientCredentials::new("client-id", "client-secret"))
//!     .environment(Environment::Test)
//!     .signer(banks::jws::JwsSigner::new(banks::jws::KeySigner::from_pem(&key, &cert)?, banks::jws::Profile::default()))
//!     .build()?;
//! let cfront = banks::globus::Cfront::builder()
//!     .credentials(banks::globus::Credentials::new("merchant", "password"))
//!     .environment(Environment::Custom("https://cfront.example.kz".into()))
//!     .build()?;
//! let baas = banks::baas::Baas::from_env()?.build()?; // BAAS_GATEWAY_CONSUMER_KEY, …
//!
//! // Every request builder ends in `.bank()`: no import, and its error names its own API.
//! let accounts = financial.get_accounts().bank().await?; // appid = the client id
//! let state = cfront
//!     .get_order_state()
//!     .body(banks::globus::cfront::types::OrderIdRequest::builder().order_id("ORD-1"))
//!     .bank()
//!     .await?;
//! // BaaS: params in, result out; the `{id, params}` envelope is handled inside.
//! let cards = baas
//!     .find_cards(banks::baas::gateway::types::CardFindParams::builder().pinfl("30101901234567"))
//!     .await?;
//! # let _ = (accounts, state, cards); Ok(()) }
//! ```
//!
//! Values the banks take are built with the generated builders (`Type::builder().field(…)`):
//! fields take plain strings and numbers and are checked against the document's patterns and
//! ranges; a bad value is an [`ErrorKind::InvalidRequest`] naming the field before anything is
//! sent. Generated types are `#[non_exhaustive]`, so a field or enum value the bank adds later
//! does not break your code: `match` with a wildcard arm, and read fields by name.
//!
//! ## Errors
//!
//! Every call fails with one [`BankError`]: `api` (which client), the operation, [`ErrorKind`]
//! (no token, no signature, no answer, a passed deadline, an error status, a refusal by the bank
//! — FinancialAPI's `success: false` on HTTP 200, a BaaS envelope `error` —, an answer that does
//! not match the document, or an invalid request), the HTTP status, the bank's code and message
//! and the request id. Its `Display` and `Debug` never show the raw answer (after a failure on a
//! 200 it holds a customer's data); [`BankError::raw_body`] does, for whoever needs it. BaaS
//! codes are typed with [`baas::ErrorCode::of`](crate::baas::ErrorCode).
//!
//! ## When a call fails
//!
//! Any call can time out after the bank acted. So every [`BankError`] says what the failure
//! tells about the bank having acted — [`BankError::outcome`]:
//!
//! | [`Outcome`] | what holds | what to do |
//! |---|---|---|
//! | `NotProcessed` | the bank certainly did not act: no connection, no token, no signature, the deadline passed before anything was sent, or the bank turned the request away before acting (a refused token, a request timeout, "too many requests", a 4xx without its own error code) | send again when [`BankError::is_transient`]; otherwise fix what the error names |
//! | `Unknown` | the request was (or may have been) sent and no usable answer came back: a timeout or reset after sending, the deadline passing mid-call, a 5xx or gateway error, a 2xx that could not be read | **reconcile** before anything else; never send a payment or an order again blindly |
//! | `Refused` | the bank processed the request and said no in its own terms (`success: false`, an envelope `error`, a 4xx with the bank's code) | no effect happened: act on the code |
//!
//! [`BankError::is_transient`] means exactly "sending this exact call again is safe and may
//! succeed": true for a not-processed failure that may pass (connection refused, the token
//! endpoint down, a request timeout, "too many requests") and for reads and idempotent operations after a timeout or 5xx;
//! **never** for a payment or an order whose outcome is unknown. The runtime's own retries
//! follow the same rule, so it never re-sends what may have been processed.
//!
//! After an `Unknown` outcome, [`failures::reconciliation`] names the way back for the
//! operation (one table for the four APIs):
//!
//! - **FinancialAPI** `create_payment` (and its MT100 / Base64 forms):
//!   [`bcc::reconcile_payment`](crate::bcc) looks the payment up by its own `documentNumber`
//!   in `getPayments` for the days around it. Found: it took effect. Not found: send it again
//!   **with the same document number** (look again after any new failure).
//! - **Globus** `create_order`: the bank's `orderId` came only in the lost answer, and the
//!   document offers **no lookup by `merchantOrderId`**. Give every order a `callbackUrl`,
//!   record the callbacks in a [`globus::OrderCallbacks`](crate::globus), and call its
//!   `reconcile`: the callback names the merchant order id, and `getOrderState` then gives the
//!   bank's state. No callback: the order may or may not exist; do not create it again — wait,
//!   or ask the bank's support. `confirm_order` / `reject_order`:
//!   [`globus::reconcile_order`](crate::globus) reads `getOrderState`.
//! - **BaaS Gateway** card and micro-credit applications: the application id comes only in the
//!   answer and the document has no lookup by the request or the client — an unknown outcome can
//!   only be settled by the bank's support. `confirm_card_attach_sms`: `findCards` shows whether
//!   the card is attached. Sending an SMS code again sends the customer another code.
//! - **Smart Online Broker** `orders`: no lookup in the document; the postLink callback is the
//!   only sign the order exists.
//!
//! What the documents do not let anyone know is said in the table's `Gap` rows and in the
//! error's operation: nothing in this crate re-sends on your behalf when the outcome is unknown.
//!
//! ## Time limits and retries
//!
//! [`HttpConfig`] sets the connect timeout, the per-attempt timeout, a total `deadline` per call
//! and the [`RetryPolicy`], setter by setter; `.http(…)` on a builder merges it over what the
//! builder has (what `from_env()` read included): each setting given wins, each left out is kept.
//!
//! ```no_run
//! # fn run() -> Result<(), banks::BuildError> {
//! use std::time::Duration;
//! // BCC_FINANCIAL_DEADLINE_SECS=30 stays; the per-attempt timeout is 5 s whatever the
//! // environment says.
//! let financial = banks::bcc::Financial::from_env()?
//!     .http(banks::HttpConfig::new().timeout(Duration::from_secs(5)))
//!     .build()?;
//! # let _ = financial; Ok(()) }
//! ```
//!
//! The deadline is total: the signature (an external signer included),
//! the token (one fetch shared by every caller, bounded by its own timeout; a failed fetch is
//! answered to every caller for a short interval instead of being asked again per caller), every
//! attempt, the back-off and reading the answer all count, and when it passes the call ends with
//! [`ErrorKind::Deadline`] — never a made-up HTTP status. [`HttpConfig::with_client`] takes
//! your own `reqwest::Client` (proxy, mTLS, your roots).
//!
//! ## Observability
//!
//! Every call is a `tracing` span `bank_call` (bank, operation, method, then status, outcome,
//! attempts and time; never a header or a body) and is counted and timed through the
//! [`metrics`](https://docs.rs/metrics/0.24) facade 0.24: `bank_calls_total` and
//! `bank_call_duration_seconds` by `api`, `operation` and `outcome` (`ok`, or the failure's
//! [`Outcome`]: `not_processed`, `unknown`, `refused`), `bank_call_retries_total`, and the token
//! fetches — the names and labels are listed in [`metrics`]. Install any `metrics` recorder
//! (a Prometheus exporter, …) and call [`metrics::describe`]; without one, nothing is recorded
//! and next to nothing is spent.
//!
//! With feature `otel`, each attempt carries the W3C `traceparent` (and `tracestate`) of the
//! call's span to the bank when your service traces with OpenTelemetry through
//! `tracing-opentelemetry` 0.34 (`opentelemetry` 0.33): the trace id is your request's, so a
//! bank's support can be handed it. The sandbox records the header it received
//! (`Exchange::header("traceparent")`).
//!
//! ## Configuration from the environment
//!
//! `from_env()` reads `<API>_…` variables (`BCC_FINANCIAL_CLIENT_ID`, `GLOBUS_CFRONT_LOGIN`,
//! `…_ENVIRONMENT` = `production`, `test`, `alternative-production` or a URL, …); the full list
//! is on [`Builder::from_lookup`]. A missing or unusable variable is a [`BuildError`] naming it.
//!
//! ## Receiving callbacks
//!
//! Globus POSTs order states to the order's `callbackUrl`, BCC's broker POSTs postLinks. Neither
//! is signed: `callbacks::Receiver` (feature `callbacks`) is an axum handler
//! with a body limit, typed parsing (4xx on bad input), a secret URL token, an address allow-list
//! and duplicate dropping, and [`globus::recheck`] re-reads the order from
//! the bank so that the service acts on the bank's answer, not on the callback. A complete axum
//! service that sells through Globus driven by callbacks is `examples/service.rs`
//! (`cargo run -p banks --features callbacks --example service -- --base-url …`).
//!
//! # Testing your integration
//!
//! Three levels, from the fastest:
//!
//! **Unit tests with typed mocks** (feature `test-util`, for `[dev-dependencies]`). Each bank
//! crate has a generated `mock` module: per operation, a `when` that takes the request's typed
//! body and parameters and a `then` that takes the typed answer. `testing::MockBank` starts
//! one on 127.0.0.1, answers the API's token endpoint, and gives a client builder with test
//! credentials (and, for signed payments, the published test key). An expectation not met fails
//! the test when the mock drops, naming the operation and showing the closest request received
//! and how it differs; a request matching nothing gets a 404 saying so.
//!
//! ```no_run
//! # #[cfg(feature = "test-util")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use banks::bcc::financial::mock::MockServerExt;
//! use banks::bcc::financial::types::{PaymentBody, Response};
//! use banks::testing::MockBank;
//!
//! let bank = MockBank::<banks::bcc::Financial>::start().await;
//! let payment: PaymentBody = PaymentBody::builder().amount(banks::Decimal::from(10)).try_into()?;
//! let authorization = bank.authorization();
//! bank.create_payment(|when, then| {
//!     when.appid("sandbox-client").signed().header("authorization", &authorization).body(&payment);
//!     then.ok(&Response::builder().success(true).code(0).description("OK").try_into().unwrap());
//! });
//! let client = bank.builder().build()?;
//! client.create_payment().body(payment).bank().await?;
//! # Ok(()) }
//! ```
//!
//! BaaS envelope operations match on `when.params(&…)` (the fresh envelope id is not compared)
//! and answer with `then.result(&…)` or `then.envelope_error(code, message)`.
//! Errors are answered typed with the document's own error type, `then.error(status, &…)`
//! (`json(status, value)` stays for deliberately wrong answers); a sequence (first 503, then 200)
//! is two expectations, the first ending in `then.once()` (or `first(n)`); a plain `#[test]`
//! starts the mock with `MockBank::start_blocking()`.
//!
//! **End-to-end tests with the sandbox** (`bank-sandbox`): the four APIs with the banks' auth,
//! validation, state and callbacks, started from a test (`Sandbox::start`, port 0). Steer it
//! without raw headers: `sandbox.steer().fault(Fault::on(Bank::Financial).operation(
//! "create_payment").status(503).once())`, `decline(Bank::Globus, "ORDER-1")`,
//! `fail_callbacks(url, 2)`; the same over HTTP under `/_sandbox/` for tests in other languages
//! (see the sandbox's README). `testing::credentials` are the sandbox's default accounts.
//!
//! **By hand, with the `bank` CLI** (`cargo run -p bank-cli --`): every operation of every API,
//! the same variables as [`Builder::from_env`] (or a TOML file), bodies from a file or stdin,
//! JSON out; `bank <api> --help` lists the operations. Against the sandbox:
//!
//! ```sh
//! export GLOBUS_CFRONT_LOGIN=sandbox-merchant GLOBUS_CFRONT_PASSWORD=sandbox-password
//! export GLOBUS_CFRONT_ENVIRONMENT=http://127.0.0.1:8080/globus-cfront
//! echo '{"orderId": "ORD-1"}' | bank globus-cfront get_order_state --body -
//! ```
//!
//! ## Features
//!
//! Each bank API is a cargo feature named after its generated crate (all on by default), and
//! feature `<bank>-<api>` gives the module `banks::<bank>::<api>`:
//!
//! | feature | module (the generated crate) | builder marker | deprecated 0.1 name |
//! |---|---|---|---|
//! | `bcc-broker` | `banks::bcc::broker` (`bcc_broker`) | `bcc::Broker` | — |
//! | `bcc-financial` | `banks::bcc::financial` (`bcc_financial`) | `bcc::Financial` | — |
//! | `globus-cfront` | `banks::globus::cfront` (`globus_cfront`) | `globus::Cfront` | feature `globus` |
//! | `baas-gateway` | `banks::baas::gateway` (`baas_gateway`) | `baas::Baas` | feature `baas` |
//!
//! The deprecated feature names still work (each enables its new name) for one release; cargo
//! cannot warn about a feature, so this table is the notice. A service enables only the banks it
//! calls, e.g. `default-features = false, features = ["rustls", "globus-cfront"]` compiles
//! neither ring nor the PKCS#12 stack. `bcc-financial` brings JWS signing (`jws`, on ring);
//! `pkcs12` adds `.p12` keys; `callbacks` the axum receiver; `rustls` is the one TLS choice;
//! `test-util` the typed mocks (`testing`); `otel` the `traceparent` to the bank (see
//! [Observability](#observability)). Without `rustls`, a client with an `https` base URL
//! or token endpoint is refused at `build()` with [`BuildError::TlsFeatureMissing`] naming the
//! feature, unless you give your own `reqwest::Client` ([`HttpConfig::with_client`]).
//!
//! One idea has one name in every bank's module: `parse_callback` parses what the bank POSTs to
//! you ([`globus::parse_callback`], [`bcc::parse_callback`]; `bcc::parse_post_link` is its
//! deprecated 0.1 name).
//!
//! ```compile_fail
//! // There is no per-bank trait to import any more (once `SendExt`, whose wrong import labelled a
//! // Globus error with another bank's name): `.bank()` is a method of each request builder.
//! use banks::bcc::financial::SendExt;
//! ```

#![warn(missing_docs)]

#[cfg(feature = "baas-gateway")]
pub mod baas;
#[cfg(any(feature = "bcc-broker", feature = "bcc-financial"))]
pub mod bcc;
mod builder;
#[cfg(feature = "callbacks")]
pub mod callbacks;
mod config;
pub mod failures;
pub mod generic;
#[cfg(feature = "globus-cfront")]
pub mod globus;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod tokens;

/// The runtime state a generated client carries (token cache, retry policy, signer): the door
/// the workspace's CLI and sandbox tests use. Not part of the supported surface.
#[doc(hidden)]
pub use bank_runtime::Context;
/// Call metrics through the `metrics` facade: their names, labels and [`describe`](metrics::describe).
pub use bank_runtime::metrics;
pub use bank_runtime::{
    BankError, BodySigner, CallbackError, ClientCredentials, DateDmy, DateTime, DateTimeDmyHms,
    DateTimeDmyHmsDots, DateTimeYmdHms, Decimal, ErrorKind, Outcome, RetryPolicy, Secret,
    SignError, TokenOptions,
};
pub use builder::{Api, Builder, env_prefix};
pub use config::{BuildError, Environment, HttpConfig};
pub use generic::Generic;

/// JWS signing (RS256, ES256, external signers). The default profile is the message form BCC's
/// document defines (unprotected header); RFC 7515 with a protected header is the alternative.
#[cfg(feature = "jws")]
pub mod jws {
    pub use bank_jws::*;
}
