//! One builder shape for every bank: `builder()` → `credentials(…)` → `environment(…)` →
//! `build()`, or `from_env()` to read the same settings from environment variables.

use std::fmt;
use std::sync::Arc;

use bank_runtime::{ApiSpec, BodySigner, Clock, TokenStore};

use crate::config::{BuildError, Environment, HttpConfig};

mod sealed {
    /// Only this crate's bank markers are [`Api`](super::Api)s.
    pub trait Sealed {}
}

/// One bank API the facade can build a client for (a marker type: [`bcc::Financial`],
/// [`globus::Cfront`], …). Sealed.
///
/// [`bcc::Financial`]: crate::bcc::Financial
/// [`globus::Cfront`]: crate::globus::Cfront
pub trait Api: sealed::Sealed + Sized {
    /// What the bank issues to authenticate (client id and secret, a merchant login, …).
    type Credentials: Clone + fmt::Debug;
    /// The client [`Builder::build`] returns.
    type Client;
    /// The API's facts, generated from its document.
    const SPEC: &'static ApiSpec;
    /// The environment variables [`Builder::from_env`] reads for the credentials, as
    /// `(suffix, what)`; each is `<PREFIX>_<suffix>` with the prefix of [`env_prefix`].
    const CREDENTIAL_VARIABLES: &'static [(&'static str, &'static str)];
    /// The credentials from the values of [`CREDENTIAL_VARIABLES`](Self::CREDENTIAL_VARIABLES),
    /// in the same order.
    #[doc(hidden)]
    fn credentials_from(values: Vec<String>) -> Self::Credentials;
    /// The credentials as the generic kinds ([`generic::Credentials`](crate::generic::Credentials)).
    #[doc(hidden)]
    fn into_generic(credentials: Self::Credentials) -> crate::generic::Credentials;
    /// Build the client.
    #[doc(hidden)]
    fn build(builder: Builder<Self>) -> Result<Self::Client, BuildError>;
}

pub(crate) use sealed::Sealed;

/// The prefix of an API's environment variables: its name in capitals, `-` as `_`
/// (`bcc-financial` → `BCC_FINANCIAL`).
pub fn env_prefix(spec: &ApiSpec) -> String {
    spec.name.to_ascii_uppercase().replace('-', "_")
}

/// Builds a client of the bank API `A`. Every bank has the same required steps — credentials and
/// environment — and the same optional ones; FinancialAPI also requires a payment signer.
pub struct Builder<A: Api> {
    pub(crate) credentials: Option<A::Credentials>,
    pub(crate) environment: Option<Environment>,
    pub(crate) token_url: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) http: HttpConfig,
    pub(crate) signer: Option<Arc<dyn BodySigner>>,
    pub(crate) token_store: Option<Arc<dyn TokenStore>>,
    pub(crate) token_clock: Option<Arc<dyn Clock>>,
}

impl<A: Api> fmt::Debug for Builder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("api", &A::SPEC.name)
            .field("credentials", &self.credentials)
            .field("environment", &self.environment)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field("http", &self.http)
            .field("signer", &self.signer.as_ref().map(|_| "set"))
            .field("token_store", &self.token_store)
            .finish()
    }
}

impl<A: Api> Default for Builder<A> {
    fn default() -> Self {
        Builder {
            credentials: None,
            environment: None,
            token_url: None,
            scope: None,
            http: HttpConfig::default(),
            signer: None,
            token_store: None,
            token_clock: None,
        }
    }
}

impl<A: Api> Builder<A> {
    /// What the bank issued to authenticate this client. Required.
    pub fn credentials(mut self, credentials: A::Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Which of the bank's environments to call. Required: there is no default, so a client
    /// never reaches production by omission.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Another token endpoint than the one the API's document gives (OAuth2 APIs only).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Another scope than the one the API's document gives (OAuth2 APIs only).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Timeouts, a total deadline, retries, or your own reqwest client, **merged** with what the
    /// builder has: each setting `http` sets wins, each it leaves unset keeps the builder's (what
    /// [`from_env`](Self::from_env) read, or an earlier `http(…)`). So
    /// `from_env()?.http(HttpConfig::new().timeout(…))` keeps `…_DEADLINE_SECS` and overrides
    /// `…_TIMEOUT_SECS`; [`HttpConfig::no_deadline`] removes a deadline the environment gave.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = std::mem::take(&mut self.http).merge(http);
        self
    }

    /// Share this client's tokens with the service's other replicas through `store`
    /// (`banks::tokens::RedisTokenStore`, feature `redis`): one token fetch per
    /// lifetime across the fleet instead of one per replica, one refresh after a 401. Without a
    /// store (the default) each client fetches its own. A store that fails or is slow is never
    /// an outage: the client then fetches its own token (logged), and shares again when the
    /// store answers. The same store (a clone) can serve every API's clients: keys name the API,
    /// the environment and a hash of the token endpoint and client id. From the environment:
    /// `BANKS_TOKEN_STORE=redis://…` ([`from_lookup`](Self::from_lookup)).
    pub fn token_store(mut self, store: impl TokenStore + 'static) -> Self {
        self.token_store = Some(Arc::new(store));
        self
    }

    /// Where token expiry reads the time (default: the system's, through Tokio). For tests: a
    /// [`ManualClock`](crate::tokens::ManualClock) moved with the sandbox's clock
    /// (`Sandbox::advance_clock`) makes tokens expire without waiting.
    pub fn token_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.token_clock = Some(Arc::new(clock));
        self
    }

    /// The client, or which required setting is missing.
    pub fn build(self) -> Result<A::Client, BuildError> {
        A::build(self)
    }

    /// A builder with the settings of environment variables, from the process environment (see
    /// [`from_lookup`](Self::from_lookup) for the variables).
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// A builder with the settings of environment variables, read through `lookup` (a name to
    /// its value). With `P` the API's prefix ([`env_prefix`]: `BCC_FINANCIAL`, `GLOBUS_CFRONT`,
    /// …):
    ///
    /// - the credentials: `P_CLIENT_ID` and `P_CLIENT_SECRET` (BCC), `P_LOGIN` and `P_PASSWORD`
    ///   (Globus), `P_CONSUMER_KEY`, `P_CONSUMER_SECRET`, `P_USERNAME` and `P_PASSWORD` (BaaS);
    /// - `P_ENVIRONMENT`: `production`, `alternative-production`, `test`, or a base URL;
    /// - optional: `P_TOKEN_URL`, `P_SCOPE`, `P_TIMEOUT_SECS`, `P_DEADLINE_SECS`;
    /// - FinancialAPI, optional: `P_SIGNING_KEY` and `P_SIGNING_CERT`, PEM files of the payment
    ///   signing key and its certificate (otherwise give [`signer`](Builder::signer));
    /// - for every API, optional: `BANKS_TOKEN_STORE=redis://…` shares tokens between replicas
    ///   ([`token_store`](Self::token_store); feature `redis`), and
    ///   `BANKS_TOKEN_STORE_SEAL_KEY` (32 bytes in standard base64) seals them in Redis.
    ///
    /// A missing or unreadable variable is a [`BuildError`] naming it.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BuildError> {
        let read = Lookup::read(A::SPEC, A::CREDENTIAL_VARIABLES, &lookup)?;
        Ok(Builder {
            credentials: Some(A::credentials_from(read.credentials)),
            environment: Some(read.environment),
            token_url: read.token_url,
            scope: read.scope,
            http: read.http,
            signer: read.signer,
            token_store: read.token_store,
            token_clock: None,
        })
    }

    /// The credentials, or the error that says they are missing.
    pub(crate) fn credentials_or_error(&self) -> Result<A::Credentials, BuildError> {
        self.credentials.clone().ok_or(BuildError::Missing {
            api: A::SPEC.name,
            what: "credentials",
        })
    }
}

/// The settings environment variables give an API (see [`Builder::from_lookup`]).
pub(crate) struct Lookup {
    /// The credential variables' values, in the order asked for.
    pub(crate) credentials: Vec<String>,
    pub(crate) environment: Environment,
    pub(crate) token_url: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) http: HttpConfig,
    pub(crate) signer: Option<Arc<dyn BodySigner>>,
    pub(crate) token_store: Option<Arc<dyn TokenStore>>,
}

impl Lookup {
    /// Read the variables of `spec` (prefix [`env_prefix`]) with these credential variables.
    pub(crate) fn read(
        spec: &'static ApiSpec,
        credential_variables: &[(&str, &'static str)],
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Lookup, BuildError> {
        let prefix = env_prefix(spec);
        let var = |suffix: &str| -> (String, Option<String>) {
            let name = format!("{prefix}_{suffix}");
            let value = lookup(&name).filter(|v| !v.is_empty());
            (name, value)
        };
        let required = |suffix: &str, what: &'static str| -> Result<String, BuildError> {
            match var(suffix) {
                (_, Some(value)) => Ok(value),
                (variable, None) => Err(BuildError::MissingVariable { variable, what }),
            }
        };
        let mut credentials = Vec::new();
        for (suffix, what) in credential_variables {
            credentials.push(required(suffix, what)?);
        }
        let text = required(
            "ENVIRONMENT",
            "the environment (production, alternative-production, test or a base URL)",
        )?;
        let environment = Environment::parse(&text).ok_or_else(|| BuildError::InvalidVariable {
            variable: format!("{prefix}_ENVIRONMENT"),
            message: format!(
                "{text:?} is neither production, alternative-production, test nor an http(s) URL"
            ),
        })?;
        let seconds = |suffix: &str| -> Result<Option<std::time::Duration>, BuildError> {
            match var(suffix) {
                (_, None) => Ok(None),
                (variable, Some(text)) => text
                    .trim()
                    .parse::<u64>()
                    .map(|s| Some(std::time::Duration::from_secs(s)))
                    .map_err(|e| BuildError::InvalidVariable {
                        variable,
                        message: format!("{text:?} is not a whole number of seconds: {e}"),
                    }),
            }
        };
        // Only what the variables set is set, so that `Builder::http` merges over it.
        let mut http = HttpConfig::new();
        if let Some(timeout) = seconds("TIMEOUT_SECS")? {
            http = http.timeout(timeout);
        }
        if let Some(deadline) = seconds("DEADLINE_SECS")? {
            http = http.deadline(deadline);
        }
        #[cfg(feature = "jws")]
        let signer = match spec.signing {
            Some(_) => signer_from_env(&var("SIGNING_KEY"), &var("SIGNING_CERT"))?,
            None => None,
        };
        #[cfg(not(feature = "jws"))]
        let signer = None;
        Ok(Lookup {
            credentials,
            environment,
            token_url: var("TOKEN_URL").1,
            scope: var("SCOPE").1,
            http,
            signer,
            token_store: crate::tokens::from_lookup(lookup)?,
        })
    }

    /// These settings as a builder's.
    pub(crate) fn as_settings(&self) -> crate::generic::Settings<'_> {
        crate::generic::Settings {
            environment: Some(&self.environment),
            token_url: self.token_url.as_deref(),
            scope: self.scope.as_deref(),
            http: &self.http,
            signer: self.signer.as_ref(),
            token_store: self.token_store.as_ref(),
            token_clock: None,
        }
    }
}

/// A PEM key and certificate signer from two file variables, when both are set.
#[cfg(feature = "jws")]
fn signer_from_env(
    key: &(String, Option<String>),
    cert: &(String, Option<String>),
) -> Result<Option<Arc<dyn BodySigner>>, BuildError> {
    let read =
        |(variable, path): &(String, Option<String>)| -> Result<Option<Vec<u8>>, BuildError> {
            match path {
                None => Ok(None),
                Some(path) => {
                    std::fs::read(path)
                        .map(Some)
                        .map_err(|e| BuildError::InvalidVariable {
                            variable: variable.clone(),
                            message: format!("reading {path}: {e}"),
                        })
                }
            }
        };
    match (read(key)?, read(cert)?) {
        (None, None) => Ok(None),
        (Some(k), Some(c)) => {
            let signer =
                bank_jws::KeySigner::from_pem(&k, &c).map_err(|e| BuildError::InvalidVariable {
                    variable: key.0.clone(),
                    message: format!("the key and certificate do not make a signer: {e}"),
                })?;
            Ok(Some(Arc::new(bank_jws::JwsSigner::new(
                signer,
                bank_jws::Profile::default(),
            ))))
        }
        (Some(_), None) => Err(BuildError::MissingVariable {
            variable: cert.0.clone(),
            what: "the certificate of the signing key (PEM file)",
        }),
        (None, Some(_)) => Err(BuildError::MissingVariable {
            variable: key.0.clone(),
            what: "the signing key (PEM file)",
        }),
    }
}
