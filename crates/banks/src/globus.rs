//! Globus bank CFRONT (merchant installments): validate client → create order → state →
//! confirm / reject → check paid, the order-state callback, and what the merchant may do next.

use std::time::Duration;

use bank_runtime::{CallbackError, Context, Secret};
use globus_cfront::types::OrderState;

use crate::config::{BuildError, Environment, HttpConfig};

/// The CFRONT client crate (types, builders, `SendExt`).
pub use globus_cfront as cfront;

/// Builds a CFRONT client. Authentication is HTTP Basic with the merchant login and password the
/// bank issues (inferred: the bank's text does not say; see `specs/globus-cfront/SOURCE.md`).
#[derive(Debug, Default)]
pub struct Cfront {
    login: Option<(String, Secret)>,
    environment: Environment,
    http: HttpConfig,
}

impl Cfront {
    /// Start building.
    pub fn builder() -> Self {
        Cfront::default()
    }

    /// Merchant login and password.
    pub fn credentials(mut self, login: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.login = Some((login.into(), password.into()));
        self
    }

    /// The base URL the bank gave at onboarding: `Environment::Custom(url)` (the spec has no host).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Timeouts and retries (the read-only POSTs are added to the retry policy's safe list).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// The client.
    pub fn build(self) -> Result<cfront::Client, BuildError> {
        let api = cfront::API;
        let (login, password) = self.login.ok_or(BuildError::Missing {
            api,
            what: "credentials",
        })?;
        let base = match self.environment {
            Environment::Custom(url) => url.trim_end_matches('/').to_owned(),
            _ => {
                return Err(BuildError::Missing {
                    api,
                    what: "the base URL the bank gave (Environment::Custom)",
                });
            }
        };
        let http = self.http.client()?;
        Ok(cfront::Client::new_with_client(
            &base,
            http,
            Context::for_api(&cfront::SPEC)
                .basic_auth(&login, &password)
                .retry(self.http.retry.clone())
                .deadline(self.http.deadline)
                .build(),
        ))
    }
}

/// Parse the order-state callback CFRONT POSTs to the order's `callbackUrl`: the raw body bytes
/// in, the typed state out (unknown statuses kept); oversize (64 KiB), empty or malformed bodies
/// are a typed [`CallbackError`].
pub fn parse_callback(body: &[u8]) -> Result<OrderState, CallbackError> {
    bank_runtime::parse_callback(cfront::API, body, bank_runtime::DEFAULT_MAX_CALLBACK)
}

/// What the merchant may do with an order in a given status, generated from the spec's
/// `OrderStatus.x-merchant-actions` (`MerchantAction::for_status`).
pub use globus_cfront::MerchantAction;

/// How long to wait between `order/state` polls when no callback URL is used.
pub const SUGGESTED_POLL_INTERVAL: Duration = Duration::from_secs(5);
