//! A client for any generated API, built from its document alone: the day a bank is onboarded
//! (`cargo xtask new`), `banks::Generic::<its_crate::Client>::builder()` calls it, with the
//! authentication its document declares, the retries, deadline and token cache every bank has,
//! and `.bank()` on every operation. The hand-written bank modules ([`bcc`](crate::bcc),
//! [`globus`](crate::globus), [`baas`](crate::baas)) build their clients through the same
//! `parts` and only add what a document cannot say (their credential names, BaaS's envelope).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use banks::{Environment, Generic, generic::Credentials};
//! // Any generated crate's `Client`; here FinancialAPI's (OAuth2 client credentials).
//! let client = Generic::<banks::bcc::financial::Client>::builder()
//!     .credentials(Credentials::client("client-id", "client-secret"))
//!     .environment(Environment::Test)
//!     .build()?;
//! let accounts = client.get_accounts().bank().await?;
//! # let _ = accounts; Ok(()) }
//! ```
//!
//! Authentication, by what the document declares (`components.securitySchemes`, read into the
//! crate's `SPEC`): an OAuth2 client-credentials or password flow (the token fetched from the
//! document's token URL, cached and refreshed), else HTTP Basic, else a bearer token you hold.
//! An API whose document declares none takes [`Credentials::None`].

use std::marker::PhantomData;
use std::sync::Arc;

use bank_runtime::{
    ApiSpec, BodySigner, ClientCredentials, ClientCredentialsGrant, Context, ContextBuilder,
    GeneratedClient, Grant, HttpAuth, PasswordGrant, Secret, TokenCache, TokioClock,
};

use crate::builder::{Api, Builder, Sealed};
use crate::config::{BuildError, Environment, HttpConfig};

/// What a bank issued to authenticate, by kind; the kind must be the one the API's document
/// declares ([`Credentials::kind_for`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// OAuth2 client credentials: a client id and secret.
    Client(ClientCredentials),
    /// OAuth2 password grant: the client (sent as HTTP Basic to the token endpoint) and a
    /// user's login and password.
    Password {
        /// The client id and secret.
        client: ClientCredentials,
        /// The user's login.
        username: String,
        /// The user's password.
        password: Secret,
    },
    /// HTTP Basic on every request.
    Basic {
        /// The login.
        login: String,
        /// The password.
        password: Secret,
    },
    /// A bearer token you obtained (an authorization-code flow, a token the bank gave you),
    /// sent on every request as it is.
    Bearer(Secret),
    /// No authentication: the document declares none.
    None,
}

impl Credentials {
    /// OAuth2 client credentials.
    pub fn client(id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Credentials::Client(ClientCredentials::new(id, secret))
    }

    /// OAuth2 password grant credentials.
    pub fn password(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        Credentials::Password {
            client: ClientCredentials::new(client_id, client_secret),
            username: username.into(),
            password: password.into(),
        }
    }

    /// HTTP Basic credentials.
    pub fn basic(login: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Basic {
            login: login.into(),
            password: password.into(),
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Credentials::Bearer(token.into())
    }

    /// The kind of these credentials, as [`kind_for`](Self::kind_for) names them.
    pub fn kind(&self) -> &'static str {
        self.kind_of().name()
    }

    fn kind_of(&self) -> Kind {
        match self {
            Credentials::Client(_) => Kind::Client,
            Credentials::Password { .. } => Kind::Password,
            Credentials::Basic { .. } => Kind::Basic,
            Credentials::Bearer(_) => Kind::Bearer,
            Credentials::None => Kind::None,
        }
    }

    /// The kind of credentials an API's document asks for (`"OAuth2 client credentials"`,
    /// `"OAuth2 password grant"`, `"HTTP Basic"`, `"a bearer token"`): its OAuth2 flow, else its
    /// HTTP scheme; `"none"` when it declares neither (a bearer token is then accepted too).
    pub const fn kind_for(spec: &ApiSpec) -> &'static str {
        Kind::of(spec).name()
    }

    /// The environment variables (`(suffix, what)`) holding the credentials an API's document
    /// asks for, for [`Builder::from_lookup`].
    pub const fn variables_for(spec: &ApiSpec) -> &'static [(&'static str, &'static str)] {
        match Kind::of(spec) {
            Kind::Client => &[
                ("CLIENT_ID", "the OAuth2 client id the bank issued"),
                ("CLIENT_SECRET", "the OAuth2 client secret the bank issued"),
            ],
            Kind::Password => &[
                ("CLIENT_ID", "the OAuth2 client id the bank issued"),
                ("CLIENT_SECRET", "the OAuth2 client secret the bank issued"),
                ("USERNAME", "the user login the bank issued"),
                ("PASSWORD", "the user password the bank issued"),
            ],
            Kind::Basic => &[
                ("LOGIN", "the login the bank issued (HTTP Basic)"),
                ("PASSWORD", "the password the bank issued (HTTP Basic)"),
            ],
            Kind::Bearer => &[("TOKEN", "the bearer token to send")],
            Kind::None => &[],
        }
    }

    /// The credentials of the kind `spec` asks for from the values of
    /// [`variables_for`](Self::variables_for), in their order.
    pub fn from_values(spec: &ApiSpec, values: Vec<String>) -> Self {
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or_default();
        match Kind::of(spec) {
            Kind::Client => Credentials::client(next(), next()),
            Kind::Password => {
                let (id, secret, user, password) = (next(), next(), next(), next());
                Credentials::password(id, secret, user, password)
            }
            Kind::Basic => Credentials::basic(next(), next()),
            Kind::Bearer => Credentials::bearer(next()),
            Kind::None => Credentials::None,
        }
    }
}

/// The kinds of [`Credentials`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Client,
    Password,
    Basic,
    Bearer,
    None,
}

impl Kind {
    const fn of(spec: &ApiSpec) -> Kind {
        match (spec.oauth2, spec.http_auth) {
            (Some(oauth2), _) => match oauth2.grant {
                Grant::ClientCredentials => Kind::Client,
                Grant::Password => Kind::Password,
            },
            (None, Some(HttpAuth::Basic)) => Kind::Basic,
            (None, Some(HttpAuth::Bearer)) => Kind::Bearer,
            (None, None) => Kind::None,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Kind::Client => "OAuth2 client credentials",
            Kind::Password => "OAuth2 password grant",
            Kind::Basic => "HTTP Basic",
            Kind::Bearer => "a bearer token",
            Kind::None => "none",
        }
    }
}

/// The settings of a builder that every API shares, by reference.
pub(crate) struct Settings<'a> {
    pub(crate) environment: Option<&'a Environment>,
    pub(crate) token_url: Option<&'a str>,
    pub(crate) scope: Option<&'a str>,
    pub(crate) http: &'a HttpConfig,
    pub(crate) signer: Option<&'a Arc<dyn BodySigner>>,
    pub(crate) token_store: Option<&'a Arc<dyn bank_runtime::TokenStore>>,
    pub(crate) token_clock: Option<&'a Arc<dyn bank_runtime::Clock>>,
}

impl<A: Api> Builder<A> {
    pub(crate) fn settings(&self) -> Settings<'_> {
        Settings {
            environment: self.environment.as_ref(),
            token_url: self.token_url.as_deref(),
            scope: self.scope.as_deref(),
            http: &self.http,
            signer: self.signer.as_ref(),
            token_store: self.token_store.as_ref(),
            token_clock: self.token_clock.as_ref(),
        }
    }
}

/// The base URL, HTTP client and context of a client of `spec` with `credentials`: the
/// environment's base URL, the document's authentication (a token cache over its OAuth2 flow,
/// or Basic, or a bearer token), the client id in the document's client-id path parameter, the
/// signer when the document signs bodies, the retries and deadline of the settings.
pub(crate) fn parts(
    spec: &'static ApiSpec,
    settings: &Settings<'_>,
    credentials: Credentials,
) -> Result<(String, reqwest::Client, ContextBuilder), BuildError> {
    let base = settings
        .environment
        .ok_or(BuildError::Missing {
            api: spec.name,
            what: "the environment (Environment::Production, ::Test, ::AlternativeProduction or ::Custom(url))",
        })?
        .base_url(spec)?;
    settings.http.require_tls(spec.name, &base)?;
    let expected = Kind::of(spec);
    let given = credentials.kind_of();
    if given != expected && !(expected == Kind::None && given == Kind::Bearer) {
        return Err(BuildError::WrongCredentials {
            api: spec.name,
            expected: expected.name(),
            given: given.name(),
        });
    }
    let http = settings.http.client()?;
    let mut context = Context::for_api(spec)
        .retry(settings.http.get_retry())
        .deadline(settings.http.get_deadline());
    if let Some(signer) = settings.signer {
        context = context.signer(signer.clone());
    }
    let environment = settings.environment;
    // The token endpoint is called by the same client: an https one needs TLS too.
    let token_url = || {
        let url = settings
            .token_url
            .map(str::to_owned)
            .or_else(|| environment.and_then(|env| token_url_for(spec, env)))
            .unwrap_or_default();
        settings.http.require_tls(spec.name, &url).map(|()| url)
    };
    let options = settings.http.get_token();
    let tokens = Tokens {
        spec,
        environment: settings.environment,
        store: settings.token_store,
        clock: settings.token_clock,
    };
    context = match credentials {
        Credentials::Client(client) => {
            if spec.client_id_path_parameter.is_some() {
                context = context.client_id(client.client_id.clone());
            }
            let scope = settings
                .scope
                .map(str::to_owned)
                .or_else(|| spec.oauth2.map(|o| o.scopes.join(" ")))
                .unwrap_or_default();
            let url = token_url()?;
            let identities = [client.client_id.as_str()];
            let key = tokens.key(&url, &identities);
            let grant = ClientCredentialsGrant::new(http.clone(), url, scope, client);
            context.auth(tokens.cache(grant, options, key))
        }
        Credentials::Password {
            client,
            username,
            password,
        } => {
            let url = token_url()?;
            let key = tokens.key(&url, &[client.client_id.as_str(), username.as_str()]);
            let grant = PasswordGrant::new(http.clone(), url, client, username, password);
            context.auth(tokens.cache(grant, options, key))
        }
        Credentials::Basic { login, password } => context.basic_auth(&login, &password),
        Credentials::Bearer(token) => {
            if reqwest::header::HeaderValue::from_str(token.expose()).is_err() {
                return Err(BuildError::InvalidCredentials {
                    api: spec.name,
                    message: "the bearer token holds characters an HTTP header cannot carry".into(),
                });
            }
            context.bearer(&token)
        }
        Credentials::None => context,
    };
    Ok((base, http, context))
}

/// How a client's token cache is made: shared through the store when one is set, on the given
/// clock.
struct Tokens<'a> {
    spec: &'static ApiSpec,
    environment: Option<&'a Environment>,
    store: Option<&'a Arc<dyn bank_runtime::TokenStore>>,
    clock: Option<&'a Arc<dyn bank_runtime::Clock>>,
}

impl Tokens<'_> {
    /// The shared-store key of a token from `token_url` for these identities.
    fn key(&self, token_url: &str, identities: &[&str]) -> String {
        let environment = self
            .environment
            .and_then(Environment::name)
            .unwrap_or("custom");
        bank_runtime::token_store::store_key(self.spec.name, environment, token_url, identities)
    }

    fn cache(
        &self,
        source: impl bank_runtime::TokenSource + 'static,
        options: bank_runtime::TokenOptions,
        key: String,
    ) -> TokenCache {
        let clock: Arc<dyn bank_runtime::Clock> = match self.clock {
            Some(clock) => clock.clone(),
            None => Arc::new(TokioClock),
        };
        match self.store {
            Some(store) => TokenCache::with_store(source, options, clock, store.clone(), key),
            None => TokenCache::with_options(source, options, clock),
        }
    }
}

/// The token endpoint of `spec` for `environment`, when the document declares an OAuth2 flow: a
/// path is taken on the environment's base URL; an absolute URL on the origin of the document's
/// production server follows the environment to its server's origin (same path), so test
/// credentials go to the test host. (An inference: BCC's documents give one token URL, on the
/// production host `api.bcc.kz`, and a test server on `api-test.bcc.kz` for applications in
/// development mode; sending those credentials to production is what it avoids.) Any other
/// absolute URL, and every URL for `Environment::Custom`, is used as the document gives it.
pub fn token_url_for(spec: &ApiSpec, environment: &Environment) -> Option<String> {
    let oauth2 = spec.oauth2?;
    let base = environment.base_url(spec).ok()?;
    if oauth2.token_url.starts_with('/') {
        return Some(oauth2.token_url_on(&base));
    }
    let parse = |url: &str| reqwest::Url::parse(url).ok();
    let production = spec
        .server(bank_openapi::environments::PRODUCTION)
        .and_then(parse);
    let moved = match (
        environment,
        production,
        parse(oauth2.token_url),
        parse(&base),
    ) {
        (Environment::Custom(_), ..) => None,
        (_, Some(production), Some(mut token), Some(target))
            if production.origin() == token.origin() =>
        {
            let moved = token.set_scheme(target.scheme()).is_ok()
                && token.set_host(target.host_str()).is_ok()
                && token.set_port(target.port()).is_ok();
            moved.then(|| token.to_string())
        }
        _ => None,
    };
    Some(moved.unwrap_or_else(|| oauth2.token_url.to_owned()))
}

/// Any generated API client `C` (its crate's `Client`), built from its document alone: see the
/// [module docs](self).
pub struct Generic<C>(PhantomData<fn() -> C>);

impl<C> std::fmt::Debug for Generic<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Generic")
    }
}

impl<C: GeneratedClient> Sealed for Generic<C> {}

impl<C: GeneratedClient> Api for Generic<C> {
    type Credentials = Credentials;
    type Client = C;
    const SPEC: &'static ApiSpec = C::SPEC;
    const CREDENTIAL_VARIABLES: &'static [(&'static str, &'static str)] =
        Credentials::variables_for(C::SPEC);

    fn credentials_from(values: Vec<String>) -> Credentials {
        Credentials::from_values(C::SPEC, values)
    }

    fn into_generic(credentials: Credentials) -> Credentials {
        credentials
    }

    fn build(builder: Builder<Self>) -> Result<C, BuildError> {
        let credentials = builder.credentials_or_error()?;
        let (base, http, context) = parts(C::SPEC, &builder.settings(), credentials)?;
        Ok(C::from_parts(&base, http, context.build()))
    }
}

impl<C: GeneratedClient> Generic<C> {
    /// Start building a client of `C`'s API.
    pub fn builder() -> Builder<Generic<C>> {
        Builder::default()
    }

    /// A builder from the `<API>_*` environment variables ([`Builder::from_lookup`]; the
    /// credential variables by [`Credentials::variables_for`]).
    pub fn from_env() -> Result<Builder<Generic<C>>, BuildError> {
        Builder::from_env()
    }
}

impl<C: GeneratedClient> Builder<Generic<C>> {
    /// The signer of the bodies the API's document says are signed (`x-signature-header`).
    pub fn signer(mut self, signer: impl BodySigner + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }
}

/// What the CLI and other code over an API known only at run time need to call it: its base
/// URL, HTTP client and context (token, signing, retries, deadline).
#[derive(Debug, Clone)]
pub struct Connection {
    /// The base URL.
    pub base: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The context every call goes through ([`Context::call`]).
    pub context: Context,
}

/// How the facade's hand-written modules read their credentials: one row per module (their
/// variable names are the bank's words, `CONSUMER_KEY`, `LOGIN`, …); an API without a row reads
/// the generic ones ([`Credentials::variables_for`]).
struct HandWritten {
    spec: &'static ApiSpec,
    variables: &'static [(&'static str, &'static str)],
    credentials: fn(Vec<String>) -> Credentials,
}

impl HandWritten {
    #[cfg_attr(
        not(any(
            feature = "bcc-broker",
            feature = "bcc-financial",
            feature = "globus-cfront",
            feature = "baas-gateway"
        )),
        allow(dead_code)
    )]
    fn of<A: Api>() -> HandWritten {
        HandWritten {
            spec: A::SPEC,
            variables: A::CREDENTIAL_VARIABLES,
            credentials: |values| A::into_generic(A::credentials_from(values)),
        }
    }
}

/// The facade's hand-written modules, one row each.
fn hand_written() -> Vec<HandWritten> {
    vec![
        #[cfg(feature = "bcc-broker")]
        HandWritten::of::<crate::bcc::Broker>(),
        #[cfg(feature = "bcc-financial")]
        HandWritten::of::<crate::bcc::Financial>(),
        #[cfg(feature = "globus-cfront")]
        HandWritten::of::<crate::globus::Cfront>(),
        #[cfg(feature = "baas-gateway")]
        HandWritten::of::<crate::baas::Baas>(),
    ]
}

/// A connection to the API `spec` describes, configured by environment variables read through
/// `lookup` (the names of [`Builder::from_lookup`]; the credential variables of the API's
/// hand-written module when the facade has one, else [`Credentials::variables_for`]).
pub fn connect(
    spec: &'static ApiSpec,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, BuildError> {
    let row = hand_written()
        .into_iter()
        .find(|row| row.spec.name == spec.name);
    let variables = row
        .as_ref()
        .map_or(Credentials::variables_for(spec), |row| row.variables);
    let read = crate::builder::Lookup::read(spec, variables, lookup)?;
    let credentials = match &row {
        Some(row) => (row.credentials)(read.credentials.clone()),
        None => Credentials::from_values(spec, read.credentials.clone()),
    };
    let (base, http, context) = parts(spec, &read.as_settings(), credentials)?;
    Ok(Connection {
        base,
        http,
        context: context.build(),
    })
}
