//! Bank CenterCredit (Kazakhstan): Smart Online Broker and FinancialAPI.
//!
//! Both authenticate with OAuth2 client credentials at the bank's token URL with the API's scope
//! (from the spec; overridable), cache the token, and retry only what is safe. FinancialAPI signs
//! payment bodies into `x-jws-signature` with the signer you give.

#[cfg(feature = "bcc-financial")]
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "bcc-financial")]
use bank_runtime::BodySigner;
#[cfg(feature = "bcc-broker")]
use bank_runtime::CallbackError;
use bank_runtime::{ApiSpec, ClientCredentials, ClientCredentialsGrant, Context, TokenCache};

use crate::config::{BuildError, Environment, HttpConfig};

/// The Smart Online Broker client crate (types, builders, `SendExt`).
#[cfg(feature = "bcc-broker")]
pub use bcc_broker as broker;
/// The FinancialAPI client crate (types, builders, `SendExt`).
#[cfg(feature = "bcc-financial")]
pub use bcc_financial as financial;

/// Refresh tokens this long before they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// Settings shared by both BCC builders.
#[derive(Debug, Default)]
struct Settings {
    credentials: Option<ClientCredentials>,
    environment: Environment,
    token_url: Option<String>,
    scope: Option<String>,
    http: HttpConfig,
}

impl Settings {
    /// The base URL and the context for `api` (a generated crate's `SPEC`: servers, OAuth2 flow,
    /// idempotent and signed operations all come from it).
    fn context(
        &self,
        api: &'static ApiSpec,
        http: &reqwest::Client,
    ) -> Result<(String, bank_runtime::ContextBuilder), BuildError> {
        let credentials = self.credentials.clone().ok_or(BuildError::Missing {
            api: api.name,
            what: "credentials",
        })?;
        let base = self.environment.base_url(api)?;
        let oauth2 = api.oauth2.ok_or(BuildError::Missing {
            api: api.name,
            what: "an OAuth2 flow in the spec",
        })?;
        let token_url = self
            .token_url
            .clone()
            .unwrap_or_else(|| oauth2.token_url_on(&base));
        let scope = self
            .scope
            .clone()
            .unwrap_or_else(|| oauth2.scopes.join(" "));
        let grant = ClientCredentialsGrant::new(http.clone(), token_url, scope, credentials);
        let context = Context::for_api(api)
            .auth(TokenCache::new(grant, TOKEN_MARGIN))
            .retry(self.http.retry.clone())
            .deadline(self.http.deadline);
        Ok((base, context))
    }
}

macro_rules! settings_methods {
    () => {
        /// The client id and secret the bank issued (developer.bcc.kz).
        pub fn credentials(mut self, credentials: ClientCredentials) -> Self {
            self.settings.credentials = Some(credentials);
            self
        }

        /// Which environment to call (production by default).
        pub fn environment(mut self, environment: Environment) -> Self {
            self.settings.environment = environment;
            self
        }

        /// Another token endpoint than the spec's.
        pub fn token_url(mut self, url: impl Into<String>) -> Self {
            self.settings.token_url = Some(url.into());
            self
        }

        /// Another scope than the spec's.
        pub fn scope(mut self, scope: impl Into<String>) -> Self {
            self.settings.scope = Some(scope.into());
            self
        }

        /// Timeouts and retries.
        pub fn http(mut self, http: HttpConfig) -> Self {
            self.settings.http = http;
            self
        }
    };
}

#[cfg(feature = "bcc-broker")]
/// Builds a Smart Online Broker client.
#[derive(Debug, Default)]
pub struct Broker {
    settings: Settings,
}

#[cfg(feature = "bcc-broker")]
impl Broker {
    /// Start building.
    pub fn builder() -> Self {
        Broker::default()
    }

    settings_methods!();

    /// The client.
    pub fn build(self) -> Result<bcc_broker::Client, BuildError> {
        let http = self.settings.http.client()?;
        let (base, context) = self.settings.context(&bcc_broker::SPEC, &http)?;
        Ok(bcc_broker::Client::new_with_client(
            &base,
            http,
            context.build(),
        ))
    }
}

#[cfg(feature = "bcc-financial")]
/// Builds a FinancialAPI client.
#[derive(Debug, Default)]
pub struct Financial {
    settings: Settings,
    signer: Option<Arc<dyn BodySigner>>,
}

#[cfg(feature = "bcc-financial")]
impl Financial {
    /// Start building.
    pub fn builder() -> Self {
        Financial::default()
    }

    settings_methods!();

    /// The signer of payment bodies (`x-jws-signature`), e.g. a [`JwsSigner`](crate::jws::JwsSigner).
    /// Required: without it the bank refuses every payment.
    pub fn signer(mut self, signer: impl BodySigner + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// The client.
    pub fn build(self) -> Result<bcc_financial::Client, BuildError> {
        let signer = self.signer.ok_or(BuildError::Missing {
            api: bcc_financial::API,
            what: "a payment signer",
        })?;
        let http = self.settings.http.client()?;
        let (base, context) = self.settings.context(&bcc_financial::SPEC, &http)?;
        Ok(bcc_financial::Client::new_with_client(
            &base,
            http,
            context.signer(signer).build(),
        ))
    }
}

#[cfg(feature = "bcc-broker")]
/// Parse the postLink webhook BCC sends to the merchant's `postLink` URL (given in `orders`): the
/// order's new state (`MerchantRequestBody`: referenceId, state, stateTitle, productCode,
/// loanLength). Takes the raw body bytes; bodies over 64 KiB, empty or not matching the schema are
/// a typed [`CallbackError`].
pub fn parse_post_link(
    body: &[u8],
) -> Result<bcc_broker::types::MerchantRequestBody, CallbackError> {
    bank_runtime::parse_callback(bcc_broker::API, body, bank_runtime::DEFAULT_MAX_CALLBACK)
}
