//! BaaS Gateway (Ipoteka Bank, Uzbekistan): the password grant with the consumer key and secret
//! as HTTP Basic, a Bearer token on every call, and the `{id, params}` / `{id, result, error}`
//! envelope handled here, so that a call takes its params and returns its result or a
//! [`BankError`]; a gateway `error` is [`ErrorKind::Bank`] with the bank's code, typed by
//! [`ErrorCode::of`].

use bank_runtime::{ApiSpec, BankError, ClientCredentials, ErrorKind, Secret};
use progenitor_client::ClientInfo;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::builder::{Api, Builder, Sealed};
use crate::config::BuildError;

/// The BaaS Gateway client crate (types, request builders).
pub use baas_gateway as gateway;
/// The bank's error codes (generated from the spec's `x-error-codes` table):
/// `ErrorCode::of(&error)` on a [`BankError`].
pub use baas_gateway::error_codes::ErrorCode;

/// What the bank issues: a consumer key and secret (HTTP Basic at the token endpoint) and a user
/// login and password (the password grant).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The consumer key and secret.
    pub consumer: ClientCredentials,
    /// The user login.
    pub username: String,
    /// The user password.
    pub password: Secret,
}

impl Credentials {
    /// The consumer key and secret, and the user login and password issued with them.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<Secret>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        Credentials {
            consumer: ClientCredentials::new(consumer_key, consumer_secret),
            username: username.into(),
            password: password.into(),
        }
    }
}

/// BaaS Gateway: `Baas::builder()` or `Baas::from_env()` (variables `BAAS_GATEWAY_*`). The bank
/// publishes no host: the environment is `Environment::Custom` with the base URL it gave.
#[derive(Debug)]
pub enum Baas {}

impl Sealed for Baas {}

impl Api for Baas {
    type Credentials = Credentials;
    type Client = BaasClient;
    const SPEC: &'static ApiSpec = &gateway::SPEC;
    const CREDENTIAL_VARIABLES: &'static [(&'static str, &'static str)] = &[
        ("CONSUMER_KEY", "the consumer key the bank issued"),
        ("CONSUMER_SECRET", "the consumer secret the bank issued"),
        ("USERNAME", "the user login the bank issued"),
        ("PASSWORD", "the user password the bank issued"),
    ];

    fn credentials_from(values: Vec<String>) -> Credentials {
        let mut values = values.into_iter();
        let mut next = || values.next().unwrap_or_default();
        let (key, secret, user, password) = (next(), next(), next(), next());
        Credentials::new(key, secret, user, password)
    }

    fn into_generic(credentials: Credentials) -> crate::generic::Credentials {
        let Credentials {
            consumer,
            username,
            password,
        } = credentials;
        crate::generic::Credentials::Password {
            client: consumer,
            username,
            password,
        }
    }

    fn build(builder: Builder<Self>) -> Result<BaasClient, BuildError> {
        let credentials = Self::into_generic(builder.credentials_or_error()?);
        let (base, http, context) =
            crate::generic::parts(Self::SPEC, &builder.settings(), credentials)?;
        Ok(BaasClient {
            client: gateway::Client::new_with_client(&base, http, context.build()),
        })
    }
}

impl Baas {
    /// Start building a BaaS Gateway client.
    pub fn builder() -> Builder<Baas> {
        Builder::default()
    }

    /// A builder from the `BAAS_GATEWAY_*` environment variables ([`Builder::from_lookup`]).
    pub fn from_env() -> Result<Builder<Baas>, BuildError> {
        Builder::from_env()
    }
}

/// A BaaS Gateway client: each operation takes its `params` and returns its `result`; the
/// envelope, its fresh UUID, the token and the bank's `error` are handled inside. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BaasClient {
    client: gateway::Client,
}

/// An answer envelope with the result left as raw JSON, then read as the caller's type (the
/// call path already turned an `error` into a [`BankError`]).
#[derive(serde::Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    result: Option<Box<serde_json::value::RawValue>>,
}

/// The parts of a typed answer envelope (implemented for the generated `…Response` types).
trait Envelope {
    type Result;
    fn into_parts(self) -> (Uuid, Option<Self::Result>, Option<gateway::types::Error>);
}

macro_rules! operations {
    ($(
        $(#[$doc:meta])*
        $method:ident($params:ident) -> $result:ident = $request:ident / $response:ident;
    )*) => {
        $(
            impl Envelope for gateway::types::$response {
                type Result = gateway::types::$result;
                fn into_parts(self) -> (Uuid, Option<Self::Result>, Option<gateway::types::Error>) {
                    (self.id, self.result, self.error)
                }
            }
        )*

        impl BaasClient {
            $(
                $(#[$doc])*
                ///
                /// `params` is the typed value or its builder
                #[doc = concat!("(`gateway::types::", stringify!($params), "::builder()`),")]
                /// whose fields take plain strings and numbers; a value the document forbids is an
                /// [`ErrorKind::InvalidRequest`] naming the field, before anything is sent.
                pub async fn $method<P>(&self, params: P) -> Result<gateway::types::$result, BankError>
                where
                    P: TryInto<gateway::types::$params>,
                    P::Error: std::fmt::Display,
                {
                    let params = params.try_into().map_err(|e| {
                        BankError::new(gateway::API, ErrorKind::InvalidRequest, format!("params: {e}"))
                    })?;
                    let body = gateway::types::$request::builder()
                        .id(Uuid::new_v4())
                        .params(params);
                    let answer = self.client.$method().body(body).bank().await?;
                    let (_, result, _) = answer.into_parts();
                    result.ok_or_else(|| no_result(None, None, &[]))
                }
            )*
        }
    };
}

// One method per envelope operation of the document, as the generator lists them.
gateway::__envelope_operations!(operations);

impl BaasClient {
    /// The generated client underneath (its raw envelope builders and the token call the
    /// envelope methods hide): not part of the supported surface.
    #[doc(hidden)]
    pub fn generated(&self) -> &gateway::Client {
        &self.client
    }

    /// Call any envelope operation by path, including ones the spec does not list yet:
    /// `POST {base}{path}` with `{id: fresh UUID, params}`, the `result` read as `R`. Sent once:
    /// an operation unknown to the spec is not assumed safe to repeat.
    pub async fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        params: &P,
    ) -> Result<R, BankError> {
        let api = gateway::API;
        let id = Uuid::new_v4();
        #[derive(Serialize)]
        struct Request<'a, P> {
            id: Uuid,
            params: &'a P,
        }
        let body = serde_json::to_vec(&Request { id, params })
            .map_err(|e| BankError::new(api, ErrorKind::InvalidRequest, format!("params: {e}")))?;
        let url = format!("{}/{}", self.client.baseurl(), path.trim_start_matches('/'));
        let http = self.client.client();
        let request = http
            .post(&url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(body)
            .build()
            .map_err(|e| BankError::new(api, ErrorKind::InvalidRequest, format!("{url}: {e}")))?;
        let answer = self.client.inner().call(http, request, path).await?;
        let request_id = answer.request_id();
        let envelope: RawEnvelope = serde_json::from_slice(&answer.body).map_err(|e| {
            let mut err = bank_runtime::call::from_response(
                api,
                answer.status,
                request_id.clone(),
                &answer.body,
            );
            err.message = format!(
                "the answer is not a {{id, result, error}} envelope: {}",
                bank_runtime::error::json_problem(&e)
            );
            err
        })?;
        let result = envelope
            .result
            .ok_or_else(|| no_result(Some(answer.status), request_id.clone(), &answer.body))?;
        serde_json::from_str(result.get()).map_err(|e| {
            let mut err =
                bank_runtime::call::from_response(api, answer.status, request_id, &answer.body);
            err.message = format!(
                "`result` is not the expected type: {}",
                bank_runtime::error::json_problem(&e)
            );
            err
        })
    }
}

/// The error for an envelope with neither `result` nor `error`: the bank answered 2xx with
/// nothing to read (outcome unknown).
fn no_result(status: Option<u16>, request_id: Option<String>, bytes: &[u8]) -> BankError {
    let mut err = BankError::new(
        gateway::API,
        ErrorKind::Decode,
        "the envelope has neither `result` nor `error`",
    )
    .with_raw_body(bytes);
    err.status = status;
    err.request_id = request_id;
    err
}
