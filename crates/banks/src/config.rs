//! What every bank builder shares: the environment, HTTP settings and the one TLS choice.

use std::time::Duration;

/// Which of the bank's environments to call. Named environments take their base URL from the
/// API's document; banks that publish no host need `Custom` with the URL they gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// The production endpoint.
    Production,
    /// The bank's alternative production endpoint (BCC: port 10443).
    AlternativeProduction,
    /// The bank's test environment.
    Test,
    /// Any other base URL (a sandbox, a mock, a proxy), path stem included.
    Custom(String),
}

impl Environment {
    /// The `x-environment` name of a named environment (`None` for `Custom`), from the one list
    /// of environment names ([`bank_openapi::environments`]).
    pub fn name(&self) -> Option<&'static str> {
        use bank_openapi::environments as env;
        match self {
            Environment::Production => Some(env::PRODUCTION),
            Environment::AlternativeProduction => Some(env::ALTERNATIVE_PRODUCTION),
            Environment::Test => Some(env::TEST),
            Environment::Custom(_) => None,
        }
    }

    /// An environment by its `x-environment` name (`production`, `alternative-production`,
    /// `test`) or an `http://` / `https://` base URL; `None` for anything else.
    pub fn parse(text: &str) -> Option<Environment> {
        use bank_openapi::environments as env;
        let text = text.trim();
        match text {
            t if t == env::PRODUCTION => Some(Environment::Production),
            t if t == env::ALTERNATIVE_PRODUCTION => Some(Environment::AlternativeProduction),
            t if t == env::TEST => Some(Environment::Test),
            t if t.starts_with("https://") || t.starts_with("http://") => {
                Some(Environment::Custom(t.to_owned()))
            }
            _ => None,
        }
    }

    /// The base URL from the API's spec (`servers`, named by `x-environment`), or the custom one.
    pub fn base_url(&self, api: &bank_runtime::ApiSpec) -> Result<String, BuildError> {
        if let Environment::Custom(url) = self {
            let invalid = |message: &str| BuildError::InvalidBaseUrl {
                api: api.name,
                message: message.to_owned(),
            };
            let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
                invalid(&format!(
                    "not an absolute URL ({e}); give the scheme and host, e.g. https://bank.example/api"
                ))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(invalid("the scheme must be http or https"));
            }
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(invalid("it names no host"));
            }
            if parsed.query().is_some() || parsed.fragment().is_some() {
                return Err(invalid("a base URL takes no query or fragment"));
            }
            return Ok(url.trim().trim_end_matches('/').to_owned());
        }
        let name = self.name().unwrap_or_default();
        api.server(name)
            .map(str::to_owned)
            .ok_or(BuildError::NoSuchEnvironment {
                api: api.name,
                environment: name,
            })
    }
}

/// HTTP settings of a client.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for one attempt, response body included.
    pub timeout: Duration,
    /// Time for a whole call, every attempt and back-off included (`None`: no total limit; the
    /// worst case is then the attempts' timeouts plus back-off).
    pub deadline: Option<Duration>,
    /// Retries of what is safe to repeat.
    pub retry: bank_runtime::RetryPolicy,
    /// How tokens are fetched and kept: the refresh margin, the longest a fetch may take, and
    /// how long a failed fetch is answered before the endpoint is asked again.
    pub token: bank_runtime::TokenOptions,
    /// Your own reqwest client (proxy, mTLS, your roots, your timeouts), used as it is instead of
    /// one built from the timeouts above. Tokens, signatures and Basic credentials are set per
    /// request, so any client works.
    pub client: Option<reqwest::Client>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            deadline: None,
            retry: bank_runtime::RetryPolicy::default(),
            token: bank_runtime::TokenOptions::default(),
            client: None,
        }
    }
}

impl HttpConfig {
    /// Use your own reqwest client for every request of the bank client built with this config.
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Your client if you gave one, otherwise a reqwest client with these timeouts (TLS: rustls,
    /// chosen by this crate's `rustls` feature).
    pub fn client(&self) -> Result<reqwest::Client, BuildError> {
        match &self.client {
            Some(client) => Ok(client.clone()),
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .build()
                .map_err(|e| BuildError::Http(e.to_string())),
        }
    }
}

/// A client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required setting was not given.
    #[error("{api}: {what} is required")]
    Missing {
        /// The API.
        api: &'static str,
        /// The setting.
        what: &'static str,
    },
    /// The spec has no server for that environment.
    #[error(
        "{api}: the document names no `{environment}` server; use Environment::Custom with the base URL the bank gave"
    )]
    NoSuchEnvironment {
        /// The API.
        api: &'static str,
        /// The environment asked for.
        environment: &'static str,
    },
    /// `Environment::Custom` holds no usable base URL (not an absolute http(s) URL with a
    /// host): refused when the client is built, not at every call.
    #[error("{api}: Environment::Custom: {message}")]
    InvalidBaseUrl {
        /// The API.
        api: &'static str,
        /// What is wrong with it (the URL itself is not repeated: it may carry credentials).
        message: String,
    },
    /// A required environment variable is not set (or empty).
    #[error("environment variable {variable} is not set: {what}")]
    MissingVariable {
        /// The variable.
        variable: String,
        /// What it holds.
        what: &'static str,
    },
    /// An environment variable holds something unusable.
    #[error("environment variable {variable}: {message}")]
    InvalidVariable {
        /// The variable.
        variable: String,
        /// What is wrong.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
    /// The credentials are not of the kind the API's document declares.
    #[error("{api}: the document asks for {expected} credentials, these are {given}")]
    WrongCredentials {
        /// The API.
        api: &'static str,
        /// What the document declares (`OAuth2 client credentials`, `HTTP Basic`, …).
        expected: &'static str,
        /// What was given.
        given: &'static str,
    },
    /// The credentials cannot be used as they are.
    #[error("{api}: {message}")]
    InvalidCredentials {
        /// The API.
        api: &'static str,
        /// What is wrong (never the credentials themselves).
        message: String,
    },
}
