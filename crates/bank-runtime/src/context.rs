//! [`Context`]: what a generated client carries besides its base URL and reqwest client, and
//! [`Context::call`], the one path every call to a bank takes — the generated builders' `bank()`
//! (through their hooks), the facade's envelope operations and the CLI alike.
//!
//! The call path owns, in this order and all inside the call's total deadline: the signature
//! over the body (bounded, cancellable), the token (one shared fetch, bounded), each attempt and
//! the whole answer's body, one token refresh after a 401 `invalid_token`, back-off between
//! attempts, the refusal inside a 2xx (`x-refusal`) and the envelope's `error`. Every failure
//! leaves as one [`BankError`] whose [`Outcome`] says whether the bank may have acted; an
//! attempt is repeated only when [`BankError::is_transient`] holds for it (a non-idempotent
//! operation only when it certainly was not processed).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use tracing::Instrument;

use crate::error::{BankError, ErrorKind, Outcome};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::signing::{BodySigner, Signing};
use crate::spec::{ApiSpec, OperationSpec, RefusalSpec};
use crate::time::{Sleeper, TokioSleep};
use crate::token::TokenCache;

/// Per-client runtime state shared by every request of a generated client. Cheap to clone.
///
/// Not part of the facade's surface: generated clients carry it, and [`Context::call`] is the
/// door the facade and the CLI use.
#[doc(hidden)]
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    api: &'static str,
    spec: Option<&'static ApiSpec>,
    auth: Option<TokenCache>,
    retry: RetryPolicy,
    signing: Option<Signing>,
    sleeper: Arc<dyn Sleeper>,
    /// A fixed `Authorization` (Basic, or a bearer token the caller holds).
    authorization: Option<HeaderValue>,
    deadline: Option<std::time::Duration>,
    client_id: Option<String>,
    /// The keys of the call metrics, kept per operation and outcome.
    call_keys: crate::metrics::CallKeys,
}

/// A successful answer as the call path hands it over: a 2xx that is not a refusal, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Its status.
    pub status: u16,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
    /// How many attempts the call took.
    pub attempts: u32,
    /// The URL that answered (kept so that the answer can be handed to a generated client as
    /// the response it is, without making one up).
    url: reqwest::Url,
    /// The API's refusal, when the call path did not look for it in this answer (the
    /// operation's documented answer is not the refusal schema).
    unchecked: Option<RefusalSpec>,
}

impl Answer {
    /// The request id the bank or its gateway sent back.
    pub fn request_id(&self) -> Option<String> {
        crate::error::request_id(&self.headers)
    }

    /// The refusal inside this answer that the call path did not look for: an operation whose
    /// documented answer is not the API's refusal schema answered with one anyway. The
    /// generated clients look here when an answer does not read as its documented type; a
    /// caller reading answers untyped (the CLI) looks here before trusting one.
    pub fn refusal(&self, api: &'static str) -> Option<BankError> {
        self.unchecked
            .filter(|refusal| refusal.refuses(&self.body))
            .map(|_| crate::call::refusal(api, self.status, self.request_id(), &self.body))
    }

    /// The API's refusal when the call path did not look for it in this answer.
    pub(crate) fn unchecked_refusal(&self) -> Option<RefusalSpec> {
        self.unchecked
    }

    /// The answer as a `reqwest::Response` again (for a generated client to read).
    pub fn into_response(self) -> reqwest::Response {
        use reqwest::ResponseBuilderExt;
        let body = self.body;
        let mut response = match http::Response::builder().url(self.url).body(body.clone()) {
            Ok(response) => response,
            // Not reached: a builder fails only for an invalid part set before, and none is.
            Err(_) => http::Response::new(body),
        };
        *response.status_mut() =
            reqwest::StatusCode::from_u16(self.status).unwrap_or(reqwest::StatusCode::OK);
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new("bank")
    }
}

/// What the call path needs to know about the operation being called.
struct Operation {
    /// The operation as the API's document lists it, when it does.
    listed: Option<&'static OperationSpec>,
    /// Its position in the document's list.
    position: Option<usize>,
    idempotent: bool,
    envelope: bool,
    /// Its documented answer is the API's refusal schema (or the document does not list it).
    refusal: bool,
    /// Its name in the metrics' `operation` label.
    label: metrics::SharedString,
}

/// How far a call got, read when its deadline passes.
#[derive(Default)]
struct Progress {
    attempts: AtomicU32,
    /// A request that may have been processed was sent (and is in flight or got no answer).
    maybe_processed: AtomicBool,
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
            authorization: None,
            deadline: None,
            client_id: None,
        }
    }

    /// Start building a context for the API `spec` describes (a generated crate's `SPEC`): its
    /// name, its operations (which are idempotent, which a [`signer`](ContextBuilder::signer)
    /// signs, which answer with a refusal or in an envelope).
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

    /// The call's total deadline, when one is set.
    pub fn deadline(&self) -> Option<std::time::Duration> {
        self.inner.deadline
    }

    fn operation(&self, request: &reqwest::Request, name: &str) -> Operation {
        let operations = self.inner.spec.map_or(&[][..], |s| s.operations);
        let position = operations.iter().position(|o| o.name == name);
        let listed = position.and_then(|i| operations.get(i));
        let envelope = match listed {
            Some(op) => op.envelope,
            // An operation the document does not list yet, of an API whose operations are
            // envelopes (its token endpoint aside), is one too.
            None => self
                .inner
                .spec
                .is_some_and(|s| s.operations.iter().any(|o| o.envelope)),
        };
        Operation {
            listed,
            position,
            refusal: listed.is_none_or(|op| op.refusal),
            idempotent: self.inner.retry.allows(request.method(), listed),
            envelope,
            label: crate::metrics::operation_label(listed.map(|op| op.name), name),
        }
    }

    /// Send one call to the bank: the one path (see the module docs). `operation` is the method
    /// name the generated client gives it (`create_payment`); an operation the API's document
    /// does not list is treated as not idempotent.
    ///
    /// Each call runs in a `tracing` span `bank_call` with the bank, the operation, the method and,
    /// once known, the final status, the outcome, the number of attempts and the elapsed time.
    /// No header and no body is logged, so neither tokens, signatures nor customer data reach the
    /// logs. Each call is counted and timed, and each retry counted, through the `metrics` facade
    /// ([`crate::metrics`]: names and labels); with feature `otel`, each attempt carries the
    /// span's W3C `traceparent` to the bank.
    pub async fn call(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &str,
    ) -> Result<Answer, BankError> {
        let op = self.operation(&request, operation);
        let span = tracing::info_span!(
            "bank_call",
            bank = self.inner.api,
            operation = operation,
            method = %request.method(),
            status = tracing::field::Empty,
            outcome = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let progress = Progress::default();
        let work = self.attempts(http, request, &op, &progress);
        let result = match self.inner.deadline {
            None => work.instrument(span.clone()).await,
            Some(deadline) => {
                match tokio::time::timeout(deadline, work.instrument(span.clone())).await {
                    Ok(done) => done,
                    Err(_) => Err(self.deadline_passed(deadline, &op, &progress)),
                }
            }
        }
        .map_err(|e| match op.listed {
            Some(listed) => e.with_operation(listed.name),
            None => e,
        });
        self.inner.call_keys.call_finished(
            self.inner.api,
            op.position,
            &op.label,
            result.as_ref().err().map(BankError::outcome),
            started.elapsed(),
        );
        let attempts = progress.attempts.load(Ordering::Relaxed);
        let finished = || match &result {
            Ok(answer) => tracing::info!(status = answer.status, attempts, "bank call finished"),
            Err(e) => tracing::warn!(error = %e, attempts, "bank call failed"),
        };
        if span.is_disabled() {
            // No subscriber wants the span: its fields are not worth computing.
            finished();
        } else {
            span.record("attempts", attempts);
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(answer) => {
                    span.record("status", answer.status);
                    span.record("outcome", "ok");
                }
                Err(e) => {
                    if let Some(status) = e.status {
                        span.record("status", status);
                    }
                    span.record("outcome", tracing::field::debug(e.outcome()));
                }
            }
            span.in_scope(finished);
        }
        result
    }

    /// The error for a call whose total deadline passed: not processed when nothing that may
    /// have been processed was sent yet (the token or the signature was still awaited, or
    /// every attempt so far was certainly refused), unknown otherwise.
    fn deadline_passed(
        &self,
        deadline: std::time::Duration,
        op: &Operation,
        progress: &Progress,
    ) -> BankError {
        let attempts = progress.attempts.load(Ordering::Relaxed);
        let sent = progress.maybe_processed.load(Ordering::Relaxed);
        let outcome = if sent {
            Outcome::Unknown
        } else {
            Outcome::NotProcessed
        };
        let stage = if sent {
            "a request that may have reached the bank was in flight"
        } else {
            "nothing the bank could act on had been sent"
        };
        BankError::new(
            self.inner.api,
            ErrorKind::Deadline,
            format!(
                "no answer within the call's total deadline of {deadline:?} ({attempts} attempt(s) started; {stage})"
            ),
        )
        .with_outcome(outcome, !sent || op.idempotent)
    }

    async fn attempts(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        op: &Operation,
        progress: &Progress,
    ) -> Result<Answer, BankError> {
        let api = self.inner.api;
        if let Some(fixed) = &self.inner.authorization {
            request.headers_mut().insert(AUTHORIZATION, fixed.clone());
        }
        let signed = op.listed.is_some_and(|o| o.signed);
        let must_sign = self.inner.spec.and_then(|s| s.signing).filter(|_| signed);
        if let Some(required) = must_sign
            && self.inner.signing.is_none()
        {
            // Nothing is sent unsigned that the document says must be signed.
            return Err(BankError::new(
                api,
                ErrorKind::Signing,
                format!(
                    "the document requires this operation's body to be signed ({}), and the \
                     client has no signer: configure one (the builder's `signer(…)`, or the \
                     signing key and certificate variables)",
                    required.header
                ),
            ));
        }
        if let Some(signing) = self.inner.signing.as_ref().filter(|_| signed) {
            let body = request
                .body()
                .and_then(|b| b.as_bytes())
                .unwrap_or_default();
            let value = signing
                .signer
                .sign_body(body)
                .await
                .map_err(|e| BankError::new(api, ErrorKind::Signing, e.to_string()))?;
            let value = HeaderValue::from_str(&value).map_err(|e| {
                BankError::new(
                    api,
                    ErrorKind::Signing,
                    format!("the signature is not a header value: {e}"),
                )
            })?;
            request.headers_mut().insert(signing.header, value);
        }
        #[cfg(feature = "otel")]
        crate::trace::inject(request.headers_mut());
        let mut attempt = 0u32;
        let mut refreshed = false;
        let mut earlier_unknown = false;
        loop {
            attempt += 1;
            progress.attempts.store(attempt, Ordering::Relaxed);
            // The copy for a next attempt; a streamed body cannot be copied and is sent once.
            let spare = request.try_clone();
            let mut sending = request;
            // The token's header sent, kept to invalidate exactly that token after a 401.
            let mut bearer = None;
            if let Some(auth) = &self.inner.auth {
                let header = auth.authorization().await.map_err(|e| {
                    let transient = e.is_transient();
                    BankError::new(api, ErrorKind::Auth, format!("auth: {e}"))
                        .with_outcome(Outcome::NotProcessed, transient)
                })?;
                sending.headers_mut().insert(AUTHORIZATION, header.clone());
                bearer = Some(header);
            }
            progress.maybe_processed.store(true, Ordering::Relaxed);
            let result = self.attempt(http, sending, op).await;
            let Failed {
                error,
                token_rejected,
                retry_after,
            } = match result {
                Ok(answer) => {
                    return Ok(Answer {
                        attempts: attempt,
                        ..answer
                    });
                }
                Err(failed) => failed,
            };
            earlier_unknown |= error.outcome() == Outcome::Unknown;
            progress
                .maybe_processed
                .store(earlier_unknown, Ordering::Relaxed);
            let Some(next) = spare else {
                return Err(error);
            };
            request = next;
            if token_rejected
                && !refreshed
                && let Some(auth) = &self.inner.auth
            {
                refreshed = true;
                if let Some(old) = bearer {
                    auth.invalidate_authorization(&old).await;
                }
                tracing::info!("token rejected (401 invalid_token): refreshing, sending once more");
                crate::metrics::retry(api, &op.label, crate::metrics::reason::TOKEN_REJECTED);
                attempt -= 1;
                continue;
            }
            if !error.is_transient() || attempt >= self.inner.retry.max_attempts {
                return Err(error);
            }
            let wait = self.inner.retry.delay(attempt, retry_after.as_deref());
            tracing::debug!(attempt, ?wait, error = %error, "retrying");
            crate::metrics::retry(api, &op.label, crate::metrics::reason::TRANSIENT);
            self.inner.sleeper.sleep(wait).await;
        }
    }

    /// One attempt: send, read the whole answer, and judge it.
    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        op: &Operation,
    ) -> Result<Answer, Failed> {
        let api = self.inner.api;
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(e) => return Err(transport_error(api, op, &e, None).into()),
        };
        let status = response.status().as_u16();
        let url = response.url().clone();
        let mut response = response;
        // Taken, not copied: the body is read from the stream whatever the headers hold now.
        let headers = std::mem::take(response.headers_mut());
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Err(transport_error(api, op, &e, Some(status)).into()),
        };
        tracing::debug!(status, "attempt answered");
        // An envelope's `error` is the bank's refusal (with its code) — unless the status it
        // came with says the request may not have been looked at (a request timeout, too many
        // requests) or may have been acted on before a failure (5xx): then the status decides
        // the outcome, as for any answer.
        let envelope = op
            .envelope
            .then(|| crate::call::envelope_error(api, status, &headers, &body))
            .flatten();
        let status_decides = crate::retry::TRANSIENT_STATUSES.contains(&status) || status >= 500;
        if let Some(error) = envelope.as_ref()
            && !status_decides
        {
            return Err(error.clone().into());
        }
        if !(200..300).contains(&status) {
            let mut error = match envelope {
                Some(error) => {
                    let outcome = Outcome::of(ErrorKind::Status, Some(status), false);
                    error.with_outcome(outcome, false)
                }
                None => crate::call::from_response(
                    api,
                    status,
                    crate::error::request_id(&headers),
                    &body,
                ),
            };
            let transient = match error.outcome() {
                Outcome::NotProcessed => crate::retry::TRANSIENT_STATUSES.contains(&status),
                Outcome::Unknown => {
                    op.idempotent && crate::retry::TRANSIENT_STATUSES.contains(&status)
                }
                Outcome::Refused => false,
            };
            let outcome = error.outcome();
            error = error.with_outcome(outcome, transient);
            return Err(Failed {
                error,
                token_rejected: status == 401 && token_rejected(&headers),
                retry_after: headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            });
        }
        let refusal = self.inner.spec.and_then(|s| s.refusal);
        let unchecked = refusal.filter(|_| !op.refusal);
        if let Some(refusal) = refusal.filter(|_| op.refusal)
            && refusal.refuses(&body)
        {
            let error =
                crate::call::refusal(api, status, crate::error::request_id(&headers), &body);
            tracing::info!(api, status, "the bank refused in a successful answer");
            return Err(error.into());
        }
        Ok(Answer {
            status,
            headers,
            body,
            attempts: 1,
            url,
            unchecked,
        })
    }
}

/// A failed attempt: its error, and what decides the next one.
struct Failed {
    error: BankError,
    /// A 401 saying the token itself is bad.
    token_rejected: bool,
    /// The bank's `Retry-After`.
    retry_after: Option<String>,
}

impl From<BankError> for Failed {
    fn from(error: BankError) -> Self {
        Failed {
            error,
            token_rejected: false,
            retry_after: None,
        }
    }
}

/// The error for an attempt that got no whole answer: not processed when the connection was
/// never made, unknown otherwise (the request may have been read and acted on).
fn transport_error(
    api: &'static str,
    op: &Operation,
    error: &reqwest::Error,
    status: Option<u16>,
) -> BankError {
    let not_sent = error.is_connect();
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let text = e.to_string();
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        source = e.source();
    }
    // reqwest names the URL (and with it an account number in the path): left out.
    if let Some(url) = error.url() {
        message = message.replace(&format!(" for url ({url})"), "");
        message = message.replace(url.as_str(), "<url>");
    }
    let what = if status.is_some() {
        "reading the answer"
    } else if not_sent {
        "connecting"
    } else {
        "sending the request"
    };
    let mut err = BankError::new(api, ErrorKind::Transport, format!("{what}: {message}"));
    err.status = status;
    let outcome = if not_sent {
        Outcome::NotProcessed
    } else {
        Outcome::Unknown
    };
    err.with_outcome(outcome, not_sent || op.idempotent)
}

/// Whether a 401 says the token itself is bad (expired, malformed): `WWW-Authenticate` with
/// `error="invalid_token"`, or no `WWW-Authenticate` at all (BCC's gateway sends none).
fn token_rejected(headers: &HeaderMap) -> bool {
    match headers.get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()) {
        Some(challenge) => challenge.contains("invalid_token"),
        None => true,
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("api", &self.inner.api)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("signing", &self.inner.signing)
            .field("deadline", &self.inner.deadline)
            .finish()
    }
}

/// Builder of a [`Context`].
#[doc(hidden)]
#[derive(Debug)]
pub struct ContextBuilder {
    api: &'static str,
    spec: Option<&'static ApiSpec>,
    auth: Option<TokenCache>,
    retry: RetryPolicy,
    signing: Option<Signing>,
    sleeper: Arc<dyn Sleeper>,
    authorization: Option<HeaderValue>,
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

    /// Authenticate every request with a bearer token the caller holds (`Authorization: Bearer`,
    /// set on each request, marked sensitive). Check the token first (`HeaderValue::from_str`):
    /// one no header can carry is not set.
    pub fn bearer(mut self, token: &Secret) -> Self {
        if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.expose())) {
            value.set_sensitive(true);
            self.authorization = Some(value);
        }
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
            self.authorization = Some(value);
        }
        self
    }

    /// Authenticate every request with tokens from this cache.
    pub fn auth(mut self, cache: TokenCache) -> Self {
        cache.label(self.api);
        self.auth = Some(cache);
        self
    }

    /// Use this retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sign the bodies of the operations the API's spec marks ([`OperationSpec::signed`]).
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
        let retry = self.retry;
        Context {
            inner: Arc::new(Inner {
                api: self.api,
                spec: self.spec,
                auth: self.auth,
                retry,
                signing: self.signing,
                sleeper: self.sleeper,
                authorization: self.authorization,
                deadline: self.deadline,
                client_id: self.client_id,
                call_keys: crate::metrics::CallKeys::new(
                    self.spec.map_or(0, |s| s.operations.len()),
                ),
            }),
        }
    }
}
