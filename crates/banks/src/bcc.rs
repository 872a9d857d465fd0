//! Bank CenterCredit (Kazakhstan): Smart Online Broker and FinancialAPI.
//!
//! Both authenticate with OAuth2 client credentials at the bank's token URL with the API's scope
//! (from the spec; overridable), cache the token, and retry only what is safe. FinancialAPI signs
//! payment bodies into `x-jws-signature` with the signer you give.

use std::sync::Arc;
use std::time::Duration;

use bank_runtime::{
    BodySigner, CallbackError, ClientCredentials, ClientCredentialsGrant, Context, Signing,
    TokenCache,
};

use crate::config::{BuildError, Environment, HttpConfig};

/// The Smart Online Broker client crate (types, builders, `SendExt`).
pub use bcc_broker as broker;
/// The FinancialAPI client crate (types, builders, `SendExt`).
pub use bcc_financial as financial;

/// Refresh tokens this long before they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// What differs between the two BCC APIs; all of it comes from their generated crates.
struct Api {
    name: &'static str,
    servers: &'static [(&'static str, &'static str)],
    token_url: &'static str,
    scopes: &'static [&'static str],
}

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
    fn context(
        &self,
        api: &Api,
        http: &reqwest::Client,
    ) -> Result<(String, bank_runtime::ContextBuilder), BuildError> {
        let credentials = self.credentials.clone().ok_or(BuildError::Missing {
            api: api.name,
            what: "credentials",
        })?;
        let base = self.environment.base_url(api.name, api.servers)?;
        let token_url = self
            .token_url
            .clone()
            .unwrap_or_else(|| api.token_url.to_owned());
        let scope = self.scope.clone().unwrap_or_else(|| api.scopes.join(" "));
        let grant = ClientCredentialsGrant::new(http.clone(), token_url, scope, credentials);
        let context = Context::builder(api.name)
            .auth(TokenCache::new(grant, TOKEN_MARGIN))
            .retry(self.http.retry.clone());
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

/// Builds a Smart Online Broker client.
#[derive(Debug, Default)]
pub struct Broker {
    settings: Settings,
}

impl Broker {
    /// Start building.
    pub fn builder() -> Self {
        Broker::default()
    }

    settings_methods!();

    /// The client.
    pub fn build(self) -> Result<bcc_broker::Client, BuildError> {
        let api = Api {
            name: bcc_broker::API,
            servers: bcc_broker::servers::ALL,
            token_url: bcc_broker::auth::TOKEN_URL,
            scopes: bcc_broker::auth::SCOPES,
        };
        let http = self.settings.http.client()?;
        let (base, context) = self.settings.context(&api, &http)?;
        Ok(bcc_broker::Client::new_with_client(
            &base,
            http,
            context.build(),
        ))
    }
}

/// Builds a FinancialAPI client.
#[derive(Debug, Default)]
pub struct Financial {
    settings: Settings,
    signer: Option<Arc<dyn BodySigner>>,
}

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
        let api = Api {
            name: bcc_financial::API,
            servers: bcc_financial::servers::ALL,
            token_url: bcc_financial::auth::TOKEN_URL,
            scopes: bcc_financial::auth::SCOPES,
        };
        let signer = self.signer.ok_or(BuildError::Missing {
            api: api.name,
            what: "a payment signer",
        })?;
        let http = self.settings.http.client()?;
        let (base, context) = self.settings.context(&api, &http)?;
        let signing = Signing {
            signer,
            header: bcc_financial::signing::HEADER,
            operations: bcc_financial::signing::OPERATIONS,
        };
        Ok(bcc_financial::Client::new_with_client(
            &base,
            http,
            context.signing(signing).build(),
        ))
    }
}

/// Parse the postLink webhook BCC sends to the merchant's `postLink` URL (given in `orders`): the
/// order's new state (`MerchantRequestBody`: referenceId, state, stateTitle, productCode,
/// loanLength). Takes the raw body bytes; bodies over 64 KiB, empty or not matching the schema are
/// a typed [`CallbackError`].
pub fn parse_post_link(
    body: &[u8],
) -> Result<bcc_broker::types::MerchantRequestBody, CallbackError> {
    bank_runtime::parse_callback(bcc_broker::API, body, bank_runtime::DEFAULT_MAX_CALLBACK)
}
