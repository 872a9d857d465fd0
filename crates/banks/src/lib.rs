//! Central-Asian bank APIs from Rust: typed clients generated from the banks' own documents,
//! with tokens, signatures, envelopes, retries, deadlines and errors handled here.
//!
//! # Calling the banks from a service
//!
//! Every bank has the same shape: `builder()` → `credentials(…)` → `environment(…)` →
//! `build()`. There is no default environment (a client never reaches production by omission);
//! the banks that publish no host need `Environment::Custom` with the URL they gave.
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
//! Every call fails with one [`BankError`]: `api` (which client), [`ErrorKind`] (no token, no
//! signature, no answer, an error status, a refusal by the bank — FinancialAPI's `success: false`
//! on HTTP 200, a BaaS envelope `error` —, an answer that does not match the document, or an
//! invalid request), the HTTP status, the bank's code and message, the request id and the raw
//! body. [`BankError::is_transient`] says whether trying again later could help. BaaS codes are
//! typed with [`baas::ErrorCode::of`](crate::baas::ErrorCode).
//!
//! ## Time limits and retries
//!
//! [`HttpConfig`] sets the connect timeout, the per-attempt timeout, a total `deadline` per call
//! (attempts and back-off included) and the [`RetryPolicy`]; only what is safe to repeat is
//! retried (GETs and the operations the documents mark idempotent). `HttpConfig::with_client`
//! takes your own `reqwest::Client` (proxy, mTLS, your roots).
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
//! is signed: [`callbacks::Receiver`](crate::callbacks) (feature `callbacks`) is an axum handler
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
//! body and parameters and a `then` that takes the typed answer. [`testing::MockBank`] starts
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
//!
//! **End-to-end tests with the sandbox** (`bank-sandbox`): the four APIs with the banks' auth,
//! validation, state and callbacks, started from a test (`Sandbox::start`, port 0). Steer it
//! without raw headers: `sandbox.steer().fault(Fault::on(Bank::Financial).operation(
//! "create_payment").status(503).once())`, `decline(Bank::Globus, "ORDER-1")`,
//! `fail_callbacks(url, 2)`; the same over HTTP under `/_sandbox/` for tests in other languages
//! (see the sandbox's README). [`testing::credentials`] are the sandbox's default accounts.
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
//! Each bank is a cargo feature (`bcc-broker`, `bcc-financial`, `globus`, `baas`; all on by
//! default): a service enables only the banks it calls, e.g. `default-features = false,
//! features = ["rustls", "globus"]` compiles neither ring nor the PKCS#12 stack. `bcc-financial`
//! brings JWS signing (`jws`, on ring); `pkcs12` adds `.p12` keys; `callbacks` the axum receiver;
//! `rustls` is the one TLS choice; `test-util` the typed mocks ([`testing`]).
//!
//! ```compile_fail
//! // There is no per-bank trait to import any more (once `SendExt`, whose wrong import labelled a
//! // Globus error with another bank's name): `.bank()` is a method of each request builder.
//! use banks::bcc::financial::SendExt;
//! ```

#![warn(missing_docs)]

#[cfg(feature = "baas")]
pub mod baas;
#[cfg(any(feature = "bcc-broker", feature = "bcc-financial"))]
pub mod bcc;
mod builder;
#[cfg(feature = "callbacks")]
pub mod callbacks;
mod config;
pub mod failures;
#[cfg(feature = "globus")]
pub mod globus;
#[cfg(feature = "test-util")]
pub mod testing;

/// The runtime state a generated client carries (token cache, retry policy, signer): the door
/// the workspace's CLI and sandbox tests use. Not part of the supported surface.
#[doc(hidden)]
pub use bank_runtime::Context;
pub use bank_runtime::{
    BankError, BodySigner, CallbackError, ClientCredentials, DateDmy, DateTime, DateTimeDmyHms,
    DateTimeDmyHmsDots, DateTimeYmdHms, Decimal, ErrorKind, Outcome, RetryPolicy, Secret,
    SignError,
};
pub use builder::{Api, Builder, env_prefix};
pub use config::{BuildError, Environment, HttpConfig};

/// JWS signing (RS256, ES256, external signers). The default profile is the message form BCC's
/// document defines (unprotected header); RFC 7515 with a protected header is the alternative.
#[cfg(feature = "jws")]
pub mod jws {
    pub use bank_jws::*;
}
