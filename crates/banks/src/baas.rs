//! BaaS Gateway (Ipoteka Bank, Uzbekistan): the password grant with the consumer key and secret
//! as HTTP Basic, a Bearer token on every call, and the `{id, params}` / `{id, result, error}`
//! envelope handled here, so that a call takes its params and returns its result or a
//! [`BaasError`] carrying the bank's error code.

use std::time::Duration;

use bank_runtime::{
    BankError, ClientCredentials, Context, ErrorKind, PasswordGrant, Secret, TokenCache,
};
use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::config::{BuildError, Environment, HttpConfig};

/// The BaaS Gateway client crate (types, builders, `SendExt`).
pub use baas_gateway as gateway;
/// The bank's error codes (generated from the spec's `x-error-codes` table).
pub use baas_gateway::error_codes::ErrorCode;

/// Refresh tokens this long before they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// Builds a BaaS Gateway client.
#[derive(Debug, Default)]
pub struct Baas {
    consumer: Option<ClientCredentials>,
    user: Option<(String, Secret)>,
    environment: Environment,
    token_url: Option<String>,
    http: HttpConfig,
}

impl Baas {
    /// Start building.
    pub fn builder() -> Self {
        Baas::default()
    }

    /// The consumer key and secret the bank issued (sent as HTTP Basic to the token endpoint).
    pub fn consumer(mut self, consumer: ClientCredentials) -> Self {
        self.consumer = Some(consumer);
        self
    }

    /// The user login and password the bank issued with them (the password grant).
    pub fn user(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.user = Some((username.into(), password.into()));
        self
    }

    /// The base URL the bank gave: `Environment::Custom(url)` (the bank publishes no host).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Another token endpoint than the spec's (`/oauth2/token` on the base URL).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Timeouts and retries (the spec's read-only lookups are added to the safe list).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// The client.
    pub fn build(self) -> Result<BaasClient, BuildError> {
        let api = gateway::API;
        let consumer = self.consumer.ok_or(BuildError::Missing {
            api,
            what: "the consumer key and secret",
        })?;
        let (username, password) = self.user.ok_or(BuildError::Missing {
            api,
            what: "the user login and password",
        })?;
        let base = match &self.environment {
            Environment::Custom(_) => self.environment.base_url(&gateway::SPEC)?,
            _ => {
                return Err(BuildError::Missing {
                    api,
                    what: "the base URL the bank gave (Environment::Custom)",
                });
            }
        };
        let oauth2 = gateway::SPEC.oauth2.ok_or(BuildError::Missing {
            api,
            what: "an OAuth2 flow in the spec",
        })?;
        let token_url = self.token_url.unwrap_or_else(|| oauth2.token_url_on(&base));
        let http = self.http.client()?;
        let grant = PasswordGrant::new(http.clone(), token_url, consumer, username, password);
        let context = Context::for_api(&gateway::SPEC)
            .auth(TokenCache::new(grant, TOKEN_MARGIN))
            .retry(self.http.retry.clone())
            .deadline(self.http.deadline)
            .build();
        Ok(BaasClient {
            client: gateway::Client::new_with_client(&base, http, context),
        })
    }
}

/// A BaaS Gateway client: each operation takes its `params` and returns its `result`; the
/// envelope, its fresh UUID, the token and the bank's `error` are handled inside. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BaasClient {
    client: gateway::Client,
}

/// A BaaS call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BaasError {
    /// The gateway answered with an `error` in the envelope (on HTTP 200 or an error status).
    #[error("{api}: error {code}: {message} (HTTP {status}{})", id.map(|id| format!(", envelope id {id}")).unwrap_or_default(), api = gateway::API)]
    Gateway {
        /// The bank's code; codes the spec does not list are kept in `ErrorCode::Unlisted`.
        code: ErrorCode,
        /// The bank's message, as sent (it often names the offending field).
        message: String,
        /// The envelope's `id`, when the answer had one.
        id: Option<Uuid>,
        /// The HTTP status of the answer.
        status: u16,
    },
    /// Everything else: no token, no answer, an error status without an envelope, or an answer
    /// that is not a well-formed envelope.
    #[error(transparent)]
    Call(#[from] BankError),
}

impl BaasError {
    /// The bank's error code, when the gateway sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            BaasError::Gateway { code, .. } => Some(*code),
            BaasError::Call(_) => None,
        }
    }
}

/// The `error` member of an envelope.
#[derive(serde::Deserialize)]
struct EnvelopeError {
    code: i64,
    message: Option<String>,
}

/// An answer envelope with the result left as raw JSON, then read as the caller's type.
#[derive(serde::Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    result: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    error: Option<EnvelopeError>,
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
                pub async fn $method(
                    &self,
                    params: gateway::types::$params,
                ) -> Result<gateway::types::$result, BaasError> {
                    let body = gateway::types::$request { id: Uuid::new_v4(), params };
                    let outcome = bank_runtime::call::send(self.client.$method().body(body).send()).await;
                    unwrap_typed(outcome).await
                }
            )*
        }
    };
}

operations! {
    /// Order a card (`createCardApplication`).
    create_card_application(CardApplicationCreateParams) -> CardApplication
        = CreateCardApplicationRequest / CreateCardApplicationResponse;
    /// The status of a card application (`getCardApplicationStatus`; retried when safe).
    get_card_application_status(ApplicationIdParams) -> CardApplication
        = GetCardApplicationStatusRequest / GetCardApplicationStatusResponse;
    /// Apply for a micro-credit (`createMicroCreditApplication`).
    create_micro_credit_application(MicroCreditApplicationCreateParams) -> MicroCreditApplication
        = CreateMicroCreditApplicationRequest / CreateMicroCreditApplicationResponse;
    /// The status of a micro-credit application (`getMicroCreditApplicationStatus`; retried when safe).
    get_micro_credit_application_status(ApplicationIdParams) -> MicroCreditApplication
        = GetMicroCreditApplicationStatusRequest / GetMicroCreditApplicationStatusResponse;
    /// Send the SMS code that attaches a card (`sendCardAttachSms`).
    send_card_attach_sms(CardAttachSendParams) -> CardAttachSendResult
        = SendCardAttachSmsRequest / SendCardAttachSmsResponse;
    /// Confirm the SMS code and attach the card (`confirmCardAttachSms`).
    confirm_card_attach_sms(CardAttachConfirmParams) -> Card
        = ConfirmCardAttachSmsRequest / ConfirmCardAttachSmsResponse;
    /// Find a client's cards (`findCards`; retried when safe).
    find_cards(CardFindParams) -> CardList
        = FindCardsRequest / FindCardsResponse;
}

impl BaasClient {
    /// The generated client underneath (same token cache and retry policy), for anything the
    /// envelope methods do not cover.
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
    ) -> Result<R, BaasError> {
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
        let mut request = http
            .post(&url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(body)
            .build()
            .map_err(|e| BankError::new(api, ErrorKind::InvalidRequest, format!("{url}: {e}")))?;
        let context = self.client.inner();
        context
            .prepare(&mut request, path)
            .await
            .map_err(|e| bank_runtime::call::from_prepare(api, &e))?;
        let response = context
            .execute(http, request, path)
            .await
            .map_err(|e| bank_runtime::call::from_transport(api, &e))?;
        let status = response.status().as_u16();
        let request_id = bank_runtime::error::request_id(response.headers());
        let bytes = response.bytes().await.map_err(|e| {
            let mut err = BankError::new(
                api,
                ErrorKind::Decode,
                format!("reading the response body: {e}"),
            );
            err.status = Some(status);
            err
        })?;
        let envelope = read_envelope(status, request_id.clone(), &bytes)?;
        let result = envelope
            .result
            .ok_or_else(|| no_result(status, request_id.clone(), &bytes))?;
        serde_json::from_str(result.get()).map_err(|e| {
            let mut err = bank_runtime::call::from_response(api, status, request_id, &bytes);
            err.kind = ErrorKind::Decode;
            err.message = format!("`result` is not the expected type: {e}");
            err.into()
        })
    }
}

/// Read an envelope from a whole answer: its `error` becomes [`BaasError::Gateway`] whatever the
/// status; an error status without one, or a body that is no envelope, a [`BankError`].
fn read_envelope(
    status: u16,
    request_id: Option<String>,
    bytes: &[u8],
) -> Result<RawEnvelope, BaasError> {
    match serde_json::from_slice::<RawEnvelope>(bytes) {
        Ok(RawEnvelope {
            id,
            error: Some(error),
            ..
        }) => Err(gateway_error(status, id, error)),
        _ if !(200..300).contains(&status) => {
            Err(bank_runtime::call::from_response(gateway::API, status, request_id, bytes).into())
        }
        Ok(envelope) => Ok(envelope),
        Err(e) => {
            let mut err =
                bank_runtime::call::from_response(gateway::API, status, request_id, bytes);
            err.message = format!("the answer is not a {{id, result, error}} envelope: {e}");
            Err(err.into())
        }
    }
}

fn gateway_error(status: u16, id: Option<Uuid>, error: EnvelopeError) -> BaasError {
    BaasError::Gateway {
        code: ErrorCode::from_code(error.code),
        message: error.message.unwrap_or_default(),
        id,
        status,
    }
}

fn no_result(status: u16, request_id: Option<String>, bytes: &[u8]) -> BaasError {
    let mut err = bank_runtime::call::from_response(gateway::API, status, request_id, bytes);
    err.kind = ErrorKind::Decode;
    err.message = "the envelope has neither `result` nor `error`".into();
    err.into()
}

/// Unwrap what a generated envelope call returned.
async fn unwrap_typed<T: Envelope, E: Serialize>(
    outcome: Result<ResponseValue<T>, bank_runtime::call::Failure<E>>,
) -> Result<T::Result, BaasError> {
    use bank_runtime::call::Failure;
    let api = gateway::API;
    match outcome {
        Ok(value) => {
            let status = value.status().as_u16();
            let request_id = bank_runtime::error::request_id(value.headers());
            let (id, result, error) = value.into_inner().into_parts();
            if let Some(error) = error {
                return Err(BaasError::Gateway {
                    code: ErrorCode::from(error.code),
                    message: error.message,
                    id: Some(id),
                    status,
                });
            }
            result.ok_or_else(|| {
                let mut err = BankError::new(
                    api,
                    ErrorKind::Decode,
                    "the envelope has neither `result` nor `error`",
                );
                err.status = Some(status);
                err.request_id = request_id;
                err.into()
            })
        }
        Err(Failure::Call(progenitor_client::Error::UnexpectedResponse(response))) => {
            let status = response.status().as_u16();
            let request_id = bank_runtime::error::request_id(response.headers());
            let bytes = response.bytes().await.unwrap_or_default();
            match read_envelope(status, request_id.clone(), &bytes) {
                Err(e) => Err(e),
                Ok(_) => {
                    Err(bank_runtime::call::from_response(api, status, request_id, &bytes).into())
                }
            }
        }
        Err(Failure::Prepare(e)) => Err(bank_runtime::call::from_prepare(api, &e).into()),
        Err(Failure::Refused(e) | Failure::Deadline(e)) => Err(e.into()),
        Err(Failure::Call(other)) => {
            Err(bank_runtime::call::into_bank_error(api, other).await.into())
        }
    }
}
