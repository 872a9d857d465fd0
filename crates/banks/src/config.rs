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

/// HTTP settings of a client, built setter by setter:
///
/// ```
/// use std::time::Duration;
/// let http = banks::HttpConfig::new()
///     .timeout(Duration::from_secs(20))
///     .deadline(Duration::from_secs(45));
/// assert_eq!(http.get_timeout(), Duration::from_secs(20));
/// assert_eq!(http.get_connect_timeout(), banks::HttpConfig::DEFAULT_CONNECT_TIMEOUT); // not set: the default
/// ```
///
/// Every setting is either set or not, and a setting not set takes its default when the client
/// is built. [`Builder::http`](crate::Builder::http) **merges**: each setting this config sets
/// replaces the builder's, and each it leaves unset keeps what the builder had — what
/// [`from_env`](crate::Builder::from_env) read (`…_TIMEOUT_SECS`, `…_DEADLINE_SECS`) or an
/// earlier `http(…)`. So `from_env()?.http(HttpConfig::new().timeout(…))` keeps the deadline of
/// the environment and overrides its timeout. [`merge`](Self::merge) is the same rule on two
/// configs.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    /// `Some(None)`: explicitly no total limit.
    deadline: Option<Option<Duration>>,
    retry: Option<bank_runtime::RetryPolicy>,
    token: Option<bank_runtime::TokenOptions>,
    client: Option<reqwest::Client>,
}

impl HttpConfig {
    /// The connect timeout when none is set.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// The per-attempt timeout when none is set.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A config that sets nothing (every setting takes its default, or, given to
    /// [`Builder::http`](crate::Builder::http), keeps the builder's).
    pub fn new() -> Self {
        Self::default()
    }

    /// Time to establish a connection (default [`DEFAULT_CONNECT_TIMEOUT`](Self::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time for one attempt, response body included (default [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time for a whole call, every attempt and back-off included. By default there is no total
    /// limit: the worst case is then the attempts' timeouts plus back-off.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(Some(deadline));
        self
    }

    /// No total limit per call, even if the environment (`…_DEADLINE_SECS`) or an earlier config
    /// gave one.
    pub fn no_deadline(mut self) -> Self {
        self.deadline = Some(None);
        self
    }

    /// Retries of what is safe to repeat (default [`RetryPolicy::default`](bank_runtime::RetryPolicy)).
    pub fn retry(mut self, retry: bank_runtime::RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How tokens are fetched and kept: the refresh margin, the longest a fetch may take, and
    /// how long a failed fetch is answered before the endpoint is asked again (default
    /// [`TokenOptions::default`](bank_runtime::TokenOptions)).
    pub fn token(mut self, token: bank_runtime::TokenOptions) -> Self {
        self.token = Some(token);
        self
    }

    /// Use your own reqwest client (proxy, mTLS, your roots, your timeouts) as it is, instead of
    /// one built from the timeouts of this config. Tokens, signatures and Basic credentials are
    /// set per request, so any client works; its TLS is then yours (the `rustls` feature is not
    /// required for an `https` URL).
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The connect timeout: the one set, else [`DEFAULT_CONNECT_TIMEOUT`](Self::DEFAULT_CONNECT_TIMEOUT).
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
            .unwrap_or(Self::DEFAULT_CONNECT_TIMEOUT)
    }

    /// The per-attempt timeout: the one set, else [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT).
    pub fn get_timeout(&self) -> Duration {
        self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT)
    }

    /// The total deadline per call (`None`: no total limit, the default).
    pub fn get_deadline(&self) -> Option<Duration> {
        self.deadline.flatten()
    }

    /// The retry policy: the one set, else the default.
    pub fn get_retry(&self) -> bank_runtime::RetryPolicy {
        self.retry.clone().unwrap_or_default()
    }

    /// The token options: the ones set, else the defaults.
    pub fn get_token(&self) -> bank_runtime::TokenOptions {
        self.token.unwrap_or_default()
    }

    /// Your reqwest client, when [`with_client`](Self::with_client) gave one.
    pub fn get_client(&self) -> Option<&reqwest::Client> {
        self.client.as_ref()
    }

    /// `self` with every setting `explicit` sets taken from `explicit`, field by field (explicit
    /// wins; what it leaves unset stays as `self` has it).
    pub fn merge(self, explicit: HttpConfig) -> HttpConfig {
        HttpConfig {
            connect_timeout: explicit.connect_timeout.or(self.connect_timeout),
            timeout: explicit.timeout.or(self.timeout),
            deadline: explicit.deadline.or(self.deadline),
            retry: explicit.retry.or(self.retry),
            token: explicit.token.or(self.token),
            client: explicit.client.or(self.client),
        }
    }

    /// Your client if you gave one, otherwise a reqwest client with these timeouts (TLS: rustls,
    /// chosen by this crate's `rustls` feature).
    pub fn client(&self) -> Result<reqwest::Client, BuildError> {
        match &self.client {
            Some(client) => Ok(client.clone()),
            None => reqwest::Client::builder()
                .connect_timeout(self.get_connect_timeout())
                .timeout(self.get_timeout())
                .build()
                .map_err(|e| BuildError::Http(e.to_string())),
        }
    }

    /// Refuse an `https` `url` that the client built from this config could not call: no TLS in
    /// this build (the `rustls` feature off) and no client of your own.
    pub(crate) fn require_tls(&self, api: &'static str, url: &str) -> Result<(), BuildError> {
        check_tls(api, url, cfg!(feature = "rustls") || self.client.is_some())
    }
}

/// The cargo feature of this crate that gives its clients TLS.
const TLS_FEATURE: &str = "rustls";

/// `Err(BuildError::TlsFeatureMissing)` when `url` is `https` and `tls` (whether the client to
/// call it has TLS) is false.
pub(crate) fn check_tls(api: &'static str, url: &str, tls: bool) -> Result<(), BuildError> {
    let https = url
        .trim_start()
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    if https && !tls {
        return Err(BuildError::TlsFeatureMissing {
            api,
            feature: TLS_FEATURE,
        });
    }
    Ok(())
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
    /// An `https` URL (the base URL or the token endpoint) with no TLS in this build: the
    /// facade was compiled without its TLS feature (`default-features = false` and no
    /// `rustls`) and no client of your own was given ([`HttpConfig::with_client`]). Refused when
    /// the client is built, not at every call.
    #[error(
        "{api}: an https URL, but this build has no TLS: enable the `{feature}` feature of `banks` (or give your own reqwest client with HttpConfig::with_client)"
    )]
    TlsFeatureMissing {
        /// The API.
        api: &'static str,
        /// The cargo feature of `banks` to turn on.
        feature: &'static str,
    },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_without_tls_is_refused_naming_the_feature() {
        let err =
            check_tls("globus-cfront", "https://cfront.bank.example", false).expect_err("no TLS");
        assert_eq!(
            err,
            BuildError::TlsFeatureMissing {
                api: "globus-cfront",
                feature: "rustls"
            }
        );
        assert!(err.to_string().contains("`rustls` feature"), "{err}");
        assert!(check_tls("globus-cfront", "HTTPS://cfront.bank.example", false).is_err());
        assert!(check_tls("globus-cfront", "https://cfront.bank.example", true).is_ok());
        assert!(check_tls("globus-cfront", "http://127.0.0.1:8080", false).is_ok());
        assert!(check_tls("globus-cfront", "", false).is_ok());
    }

    #[test]
    fn an_own_client_brings_its_own_tls() {
        let own = HttpConfig::new().with_client(reqwest::Client::new());
        assert!(own.require_tls("x", "https://bank.example").is_ok());
        let built = HttpConfig::new().require_tls("x", "https://bank.example");
        assert_eq!(built.is_ok(), cfg!(feature = "rustls"));
    }

    #[test]
    fn merging_takes_what_is_set_field_by_field() {
        let env = HttpConfig::new()
            .timeout(Duration::from_secs(5))
            .deadline(Duration::from_secs(20));
        let merged = env
            .clone()
            .merge(HttpConfig::new().timeout(Duration::from_secs(1)));
        assert_eq!(merged.get_timeout(), Duration::from_secs(1));
        assert_eq!(merged.get_deadline(), Some(Duration::from_secs(20)));
        assert_eq!(
            merged.get_connect_timeout(),
            HttpConfig::DEFAULT_CONNECT_TIMEOUT
        );
        let none = env.clone().merge(HttpConfig::new().no_deadline());
        assert_eq!(none.get_deadline(), None);
        assert_eq!(none.get_timeout(), Duration::from_secs(5));
        let same = env.merge(HttpConfig::new());
        assert_eq!(same.get_deadline(), Some(Duration::from_secs(20)));
        assert_eq!(HttpConfig::new().get_timeout(), HttpConfig::DEFAULT_TIMEOUT);
        assert_eq!(HttpConfig::new().get_retry().max_attempts, 3);
    }
}
