//! [`Context`]: what a generated client carries besides its base URL and reqwest client, and the
//! logic its `ClientHooks` delegate to.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument;

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};

use crate::error::AuthError;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::signing::{BodySigner, SignError, Signing};
use crate::spec::ApiSpec;
use crate::time::{Sleeper, TokioSleep};
use crate::token::TokenCache;

/// Per-client runtime state shared by every request of a generated client. Cheap to clone.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    api: &'static str,
    auth: Option<TokenCache>,
    retry: RetryPolicy,
    signing: Option<Signing>,
    sleeper: Arc<dyn Sleeper>,
    basic: Option<HeaderValue>,
    deadline: Option<std::time::Duration>,
    client_id: Option<String>,
}

/// Why a request could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// No token could be obtained.
    #[error("auth: {0}")]
    Auth(#[from] AuthError),
    /// The body could not be signed.
    #[error("signing: {0}")]
    Signing(#[from] SignError),
}

impl Default for Context {
    fn default() -> Self {
        Context::new("bank")
    }
}

impl Context {
    /// A context for the named API with no authentication and the default retry policy.
    pub fn new(api: &'static str) -> Self {
        Context::builder(api).build()
    }

    /// Start building a context.
    pub fn builder(api: &'static str) -> ContextBuilder {
        ContextBuilder {
            api,
            spec: None,
            auth: None,
            retry: RetryPolicy::default(),
            signing: None,
            sleeper: Arc::new(TokioSleep),
            basic: None,
            deadline: None,
            client_id: None,
        }
    }

    /// Start building a context for the API `spec` describes (a generated crate's `SPEC`): its
    /// name, its idempotent operations added to whatever retry policy is set, and the operations
    /// a [`signer`](ContextBuilder::signer) signs.
    pub fn for_api(spec: &'static ApiSpec) -> ContextBuilder {
        ContextBuilder {
            spec: Some(spec),
            ..Context::builder(spec.name)
        }
    }

    /// The API's name.
    pub fn api(&self) -> &'static str {
        self.inner.api
    }

    /// The client id the bank issued, when the API puts it in its paths
    /// ([`ApiSpec::client_id_path_parameter`]): generated builders start with it.
    pub fn client_id(&self) -> Option<&str> {
        self.inner.client_id.as_deref()
    }

    /// The token cache, when the API authenticates.
    pub fn auth(&self) -> Option<&TokenCache> {
        self.inner.auth.as_ref()
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Prepare a request before it is sent: drop progenitor's `api-version` header (no bank knows
    /// it), sign the body of operations that require it, and set the bearer token.
    pub async fn prepare(
        &self,
        request: &mut reqwest::Request,
        operation_id: &str,
    ) -> Result<(), PrepareError> {
        request.headers_mut().remove("api-version");
        if let Some(basic) = &self.inner.basic {
            request.headers_mut().insert(AUTHORIZATION, basic.clone());
        }
        if let Some(signing) = self
            .inner
            .signing
            .as_ref()
            .filter(|s| s.operations.contains(&operation_id))
        {
            let body = request
                .body()
                .and_then(|b| b.as_bytes())
                .unwrap_or_default();
            let value = signing.signer.header_value(body)?;
            let value = HeaderValue::from_str(&value)
                .map_err(|e| SignError(format!("the signature is not a header value: {e}")))?;
            request.headers_mut().insert(signing.header, value);
        }
        if let Some(auth) = &self.inner.auth {
            let token = auth.token().await?;
            set_bearer(request, &token);
        }
        Ok(())
    }

    /// Send a prepared request: one token refresh and one resend after a 401 for an invalid
    /// token; retries with back-off and `Retry-After` for requests that are safe to repeat.
    ///
    /// Each call runs in a `tracing` span `bank_call` with the bank, the operation, the method and,
    /// once known, the final status, the number of attempts and the elapsed time. No header is
    /// logged, so neither tokens nor signatures reach the logs.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::info_span!(
            "bank_call",
            bank = self.inner.api,
            operation = operation_id,
            method = %request.method(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let attempts_so_far = std::sync::atomic::AtomicU32::new(0);
        let work = self
            .send_with_retries(client, request, operation_id, &attempts_so_far)
            .instrument(span.clone());
        let (result, attempts) = match self.inner.deadline {
            None => work.await,
            Some(deadline) => match tokio::time::timeout(deadline, work).await {
                Ok(done) => done,
                Err(_) => {
                    let attempts = attempts_so_far.load(std::sync::atomic::Ordering::Relaxed);
                    crate::call::deadline_passed(crate::BankError::new(
                        self.inner.api,
                        crate::ErrorKind::Transport,
                        format!(
                            "no answer within the call's total deadline of {deadline:?} ({attempts} attempt(s) started)"
                        ),
                    ));
                    // progenitor needs a response; the typed error above is what `.bank()` returns.
                    let mut gateway_timeout = http::Response::new(bytes::Bytes::new());
                    *gateway_timeout.status_mut() = reqwest::StatusCode::GATEWAY_TIMEOUT;
                    (Ok(reqwest::Response::from(gateway_timeout)), attempts)
                }
            },
        };
        span.record("attempts", attempts);
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        span.in_scope(|| match &result {
            Ok(response) => {
                let status = response.status().as_u16();
                span.record("status", status);
                tracing::info!(status, attempts, "bank call finished");
            }
            Err(e) => {
                span.record("status", "no response");
                tracing::warn!(error = %e, attempts, "bank call got no response");
            }
        });
        result
    }

    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &str,
        attempts_so_far: &std::sync::atomic::AtomicU32,
    ) -> (reqwest::Result<reqwest::Response>, u32) {
        let method = request.method().clone();
        let may_retry = self.inner.retry.allows(&method, operation_id);
        let mut attempt = 1u32;
        let mut refreshed = false;
        let mut pending = request;
        loop {
            attempts_so_far.store(attempt, std::sync::atomic::Ordering::Relaxed);
            let spare = pending.try_clone();
            let result = client.execute(pending).await;
            match &result {
                Ok(r) => tracing::debug!(attempt, status = r.status().as_u16(), "attempt answered"),
                Err(e) => tracing::debug!(attempt, error = %e, "attempt got no response"),
            }
            let Some(mut next) = spare else {
                return (result, attempt);
            };
            match &result {
                Ok(response)
                    if response.status() == 401
                        && !refreshed
                        && self.inner.auth.is_some()
                        && token_rejected(response) =>
                {
                    refreshed = true;
                    let auth = self.inner.auth.as_ref().expect("checked above");
                    if let Some(old) = bearer_of(&next) {
                        auth.invalidate(&old).await;
                    }
                    match auth.token().await {
                        Ok(token) => set_bearer(&mut next, &token),
                        Err(e) => {
                            tracing::warn!(error = %e, "token refresh after 401 failed");
                            return (result, attempt);
                        }
                    }
                    tracing::info!(
                        "token rejected (401 invalid_token): refreshed, sending once more"
                    );
                }
                Ok(response)
                    if may_retry
                        && attempt < self.inner.retry.max_attempts
                        && RetryPolicy::retryable_status(response.status().as_u16()) =>
                {
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    self.inner
                        .sleeper
                        .sleep(self.inner.retry.delay(attempt, retry_after.as_deref()))
                        .await;
                    attempt += 1;
                }
                Err(e)
                    if may_retry
                        && attempt < self.inner.retry.max_attempts
                        && (e.is_connect() || e.is_timeout()) =>
                {
                    self.inner
                        .sleeper
                        .sleep(self.inner.retry.delay(attempt, None))
                        .await;
                    attempt += 1;
                }
                _ => return (result, attempt),
            }
            pending = next;
        }
    }
}

/// Whether a 401 says the token itself is bad (expired, malformed): `WWW-Authenticate` with
/// `error="invalid_token"`, or no `WWW-Authenticate` at all (BCC's gateway sends none).
fn token_rejected(response: &reqwest::Response) -> bool {
    match response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
    {
        Some(challenge) => challenge.contains("invalid_token"),
        None => true,
    }
}

fn set_bearer(request: &mut reqwest::Request, token: &Secret) {
    if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.expose())) {
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
}

fn bearer_of(request: &reqwest::Request) -> Option<Secret> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(Secret::new)
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("api", &self.inner.api)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("signing", &self.inner.signing)
            .finish()
    }
}

/// Builder of a [`Context`].
#[derive(Debug)]
pub struct ContextBuilder {
    api: &'static str,
    spec: Option<&'static ApiSpec>,
    auth: Option<TokenCache>,
    retry: RetryPolicy,
    signing: Option<Signing>,
    sleeper: Arc<dyn Sleeper>,
    basic: Option<HeaderValue>,
    deadline: Option<std::time::Duration>,
    client_id: Option<String>,
}

impl ContextBuilder {
    /// The client id generated builders put in the API's client-id path parameter
    /// ([`ApiSpec::client_id_path_parameter`], FinancialAPI's `appid`) unless a call sets another.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// A total deadline per call, every attempt and back-off included (`None`: only the
    /// per-attempt timeout of the HTTP client applies). When it passes, the call ends with an
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) error saying so.
    pub fn deadline(mut self, deadline: Option<std::time::Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Authenticate every request with HTTP Basic `login:password` (set on each request, marked
    /// sensitive, so any reqwest client can carry it and no log shows it).
    pub fn basic_auth(mut self, login: &str, password: &Secret) -> Self {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{login}:{}", password.expose()));
        if let Ok(mut value) = HeaderValue::from_str(&format!("Basic {encoded}")) {
            value.set_sensitive(true);
            self.basic = Some(value);
        }
        self
    }

    /// Authenticate every request with tokens from this cache.
    pub fn auth(mut self, cache: TokenCache) -> Self {
        self.auth = Some(cache);
        self
    }

    /// Use this retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sign the bodies of some operations.
    pub fn signing(mut self, signing: Signing) -> Self {
        self.signing = Some(signing);
        self
    }

    /// Sign with `signer` the operations the API's spec marks, in its header (see
    /// [`Context::for_api`]); without a spec, or when the spec signs nothing, nothing is signed.
    pub fn signer(mut self, signer: Arc<dyn BodySigner>) -> Self {
        if let Some(spec) = self.spec.and_then(|s| s.signing) {
            self.signing = Some(Signing {
                signer,
                header: spec.header,
                operations: spec.operations,
            });
        }
        self
    }

    /// Wait between attempts with `sleeper` (Tokio's timer by default; an
    /// [`InstantSleep`](crate::InstantSleep) in tests records the waits instead of waiting).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The context.
    pub fn build(self) -> Context {
        let mut retry = self.retry;
        for op in self
            .spec
            .map(|s| s.idempotent_operations)
            .unwrap_or_default()
        {
            if !retry.idempotent_operations.contains(op) {
                retry.idempotent_operations.push(op);
            }
        }
        Context {
            inner: Arc::new(Inner {
                api: self.api,
                auth: self.auth,
                retry,
                signing: self.signing,
                sleeper: self.sleeper,
                basic: self.basic,
                deadline: self.deadline,
                client_id: self.client_id,
            }),
        }
    }
}
