//! Testing a service that calls the banks (feature `test-util`): a typed mock of each bank API
//! with its authentication answered, and the test credentials the sandbox accepts.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use banks::globus::cfront::mock::MockServerExt;
//! use banks::globus::cfront::types::{ClientInfo, ClientValidateRequest};
//! use banks::testing::MockBank;
//!
//! let bank = MockBank::<banks::globus::Cfront>::start().await;
//! let authorization = bank.authorization();
//! bank.validate_client(|when, then| {
//!     when.body(&ClientValidateRequest::builder().phone_number("380501234567").try_into().unwrap())
//!         .header("authorization", &authorization);
//!     then.ok(&ClientInfo::builder()
//!         .full_name("Тестовий Клієнт")
//!         .identification_code("1234567890")
//!         .try_into()
//!         .unwrap());
//! });
//! let client = bank.builder().build()?;
//! // … run the code under test with `client` …
//! # Ok(()) }
//! // Dropping `bank` checks that `validate_client` was called; an unmet expectation fails the
//! // test naming the operation and showing the closest request it received.
//! ```
//!
//! Error answers are typed where the document gives an error type for the operation:
//! `then.error(404, &types::Error { … })` (Globus), `then.error(400, &types::Response { … })`
//! (FinancialAPI); `then.json(status, value)` stays for deliberately wrong answers. A sequence
//! (first 503, then 200) is two expectations, the first limited with `then.once()` or
//! `then.first(n)`: it answers that many matching requests and then steps aside (the limit is part
//! of the expectation as it is created, so no request can slip past it). From a plain `#[test]`,
//! [`MockBank::start_blocking`] / [`MockServer::start_blocking`]. Query parameters, arrays
//! included, match every value the client sends, in order (`tags=a&tags=b`).

use std::marker::PhantomData;

use base64::Engine;

pub use bank_runtime::mock::{Expectation, MockServer};

use crate::builder::{Api, Builder};
use crate::config::Environment;

/// The access token every [`MockBank`] issues.
pub const MOCK_TOKEN: &str = "mock-access-token";

/// The test value of each credential variable (`Api::CREDENTIAL_VARIABLES` suffixes): the
/// sandbox's default accounts, so one set of credentials works against mocks and the sandbox.
const TEST_VALUES: &[(&str, &str)] = &[
    ("CLIENT_ID", "sandbox-client"),
    ("CLIENT_SECRET", "sandbox-secret"),
    ("LOGIN", "sandbox-merchant"),
    ("PASSWORD", "sandbox-password"),
    ("CONSUMER_KEY", "sandbox-consumer"),
    ("CONSUMER_SECRET", "sandbox-consumer-secret"),
    ("USERNAME", "sandbox-user"),
];

/// The test value of one credential variable.
fn test_value(suffix: &str) -> &'static str {
    TEST_VALUES
        .iter()
        .find(|(s, _)| *s == suffix)
        .map_or("", |(_, v)| v)
}

/// Test credentials for `A` (the sandbox's default accounts).
pub fn credentials<A: Api>() -> A::Credentials {
    A::credentials_from(
        A::CREDENTIAL_VARIABLES
            .iter()
            .map(|(suffix, _)| test_value(suffix).to_owned())
            .collect(),
    )
}

/// The credential variables `Builder::from_env` reads for `A`, with their test values
/// (`GLOBUS_CFRONT_LOGIN=sandbox-merchant`, …), for tests that configure a client or the `bank`
/// CLI through the environment.
pub fn variables<A: Api>() -> Vec<(String, String)> {
    let prefix = crate::env_prefix(A::SPEC);
    A::CREDENTIAL_VARIABLES
        .iter()
        .map(|(suffix, _)| (format!("{prefix}_{suffix}"), test_value(suffix).to_owned()))
        .collect()
}

/// A typed mock of the bank API `A` on 127.0.0.1: its operations' expectations through the
/// generated crate's `mock::MockServerExt` (this derefs to [`MockServer`]), its token endpoint
/// answered with [`MOCK_TOKEN`], and [`builder`](Self::builder) for a client pointed at it with
/// test credentials (and, for the FinancialAPI, the published test signing key).
pub struct MockBank<A: Api> {
    server: MockServer,
    token: Option<usize>,
    api: PhantomData<A>,
}

impl<A: Api> std::fmt::Debug for MockBank<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockBank")
            .field("api", &A::SPEC.name)
            .field("server", &self.server)
            .finish()
    }
}

impl<A: Api> std::ops::Deref for MockBank<A> {
    type Target = MockServer;

    fn deref(&self) -> &MockServer {
        &self.server
    }
}

impl<A: Api> MockBank<A> {
    /// Start the mock, with the API's token endpoint answering (OAuth2 APIs).
    pub async fn start() -> Self {
        MockBank::on(MockServer::start().await)
    }

    /// [`start`](Self::start) from a plain `#[test]` (no async runtime needed to start the mock,
    /// set expectations or verify them; the client under test still needs one to run).
    pub fn start_blocking() -> Self {
        MockBank::on(MockServer::start_blocking())
    }

    fn on(server: MockServer) -> Self {
        let token = A::SPEC.oauth2.map(|_| {
            let path = token_path::<A>();
            let body = serde_json::json!({
                "access_token": MOCK_TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": "default",
            });
            server
                .httpmock()
                .mock(|when, then| {
                    when.method("POST").path(path);
                    then.status(200)
                        .header("content-type", "application/json")
                        .json_body(body);
                })
                .id()
        });
        MockBank {
            server,
            token,
            api: PhantomData,
        }
    }

    /// A client builder for this mock: test credentials, the mock as the environment (and its
    /// token endpoint), and for an API whose payments are signed, a signer with the published
    /// test key. Add what the test needs (`http`, `scope`) and `build()`.
    pub fn builder(&self) -> Builder<A> {
        let mut builder = Builder::<A>::default()
            .credentials(credentials::<A>())
            .environment(Environment::Custom(self.server.base_url()));
        if A::SPEC.oauth2.is_some() {
            builder = builder.token_url(self.server.url(&token_path::<A>()));
        }
        #[cfg(feature = "jws")]
        if A::SPEC.signing.is_some() {
            builder.signer = Some(std::sync::Arc::new(bank_jws::test_signer(
                bank_jws::Profile::default(),
            )));
        }
        builder
    }

    /// The `authorization` header a client built by [`builder`](Self::builder) sends on API
    /// calls: `Bearer mock-access-token`, or HTTP Basic with the test login.
    pub fn authorization(&self) -> String {
        if A::SPEC.oauth2.is_some() {
            return format!("Bearer {MOCK_TOKEN}");
        }
        let values: Vec<&str> = A::CREDENTIAL_VARIABLES
            .iter()
            .map(|(suffix, _)| test_value(suffix))
            .collect();
        let pair = format!(
            "{}:{}",
            values.first().copied().unwrap_or_default(),
            values.get(1).copied().unwrap_or_default()
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    /// How many tokens clients fetched from this mock (0 for an API without OAuth2).
    pub fn token_requests(&self) -> usize {
        self.token
            .map_or(0, |id| httpmock_mock(&self.server, id).calls())
    }
}

fn httpmock_mock(server: &MockServer, id: usize) -> bank_runtime::mock::httpmock::Mock<'_> {
    bank_runtime::mock::httpmock::Mock::new(id, server.httpmock())
}

/// Where the mock serves `A`'s token endpoint: the document's path when it gives one on the API's
/// base URL, the mock's own `/token` otherwise (BCC's is on another host).
fn token_path<A: Api>() -> String {
    match A::SPEC.oauth2 {
        Some(o) if o.token_url.starts_with('/') => o.token_url.to_owned(),
        _ => "/token".to_owned(),
    }
}
