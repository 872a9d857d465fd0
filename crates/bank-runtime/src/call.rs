//! Turning a generated call's result into `Result<T, BankError>`.
//!
//! progenitor lets a hook fail only with `Error::Custom(String)`. So that the reason stays typed,
//! [`send`] awaits a call with a task-local slot the hooks put their [`PrepareError`] in
//! ([`refuse`]); the string progenitor carries is only for people reading it, never parsed.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use progenitor_client::{Error, ResponseValue};
use serde::Serialize;

use crate::context::PrepareError;
use crate::error::{BankError, ErrorKind, code_and_message, request_id, truncate_body};

/// What a hook hands to the surrounding [`send`] beside progenitor's own result.
enum Handoff {
    /// The request could not be prepared.
    Prepare(PrepareError),
    /// The call's total deadline passed before an answer.
    Deadline(BankError),
}

tokio::task_local! {
    /// Where a hook leaves what it found, typed, for [`send`] to pick up. Boxed: the scope
    /// moves the slot in and out of the thread on every poll, so it is kept one pointer wide.
    static HANDOFF: RefCell<Option<Box<Handoff>>>;
}

/// Why a call failed: its hooks refused to prepare it (typed), the bank refused inside a
/// successful answer, or progenitor's error.
#[derive(Debug)]
pub enum Failure<E> {
    /// No token, or the body could not be signed.
    Prepare(PrepareError),
    /// No answer within the call's total deadline (attempts and back-off included): an
    /// [`ErrorKind::Transport`] error.
    Deadline(BankError),
    /// Anything else, as progenitor reports it.
    Call(Error<E>),
}

/// Await a generated call; a refusal by its hooks comes back as [`Failure::Prepare`] and a
/// passed total deadline as [`Failure::Deadline`], typed.
pub async fn send<T, E>(
    future: impl Future<Output = Result<ResponseValue<T>, Error<E>>>,
) -> Result<ResponseValue<T>, Failure<E>> {
    HANDOFF
        .scope(RefCell::new(None), async move {
            let result = future.await;
            let handoff = HANDOFF.with(|slot| slot.borrow_mut().take()).map(|h| *h);
            match (result, handoff) {
                (_, Some(Handoff::Deadline(error))) => Err(Failure::Deadline(error)),
                (Ok(value), _) => Ok(value),
                (Err(Error::Custom(_)), Some(Handoff::Prepare(refusal))) => {
                    Err(Failure::Prepare(refusal))
                }
                (Err(other), _) => Err(Failure::Call(other)),
            }
        })
        .await
}

/// What a hook returns when it refuses a request: the typed reason goes into the slot of the
/// surrounding [`send`] (when there is one), the text into progenitor's `Error::Custom`.
pub fn refuse<E>(api: &'static str, error: PrepareError) -> Error<E> {
    let message = format!("{api}: {error}");
    let _ = HANDOFF.try_with(|slot| *slot.borrow_mut() = Some(Box::new(Handoff::Prepare(error))));
    Error::Custom(message)
}

/// Hand a passed deadline to the surrounding [`send`] (when there is one).
pub(crate) fn deadline_passed(error: BankError) {
    let _ = HANDOFF.try_with(|slot| *slot.borrow_mut() = Some(Box::new(Handoff::Deadline(error))));
}

/// Convert progenitor's error for one call into a [`BankError`]. Reads the body of undocumented
/// responses; never panics, whatever the bank sent.
pub async fn into_bank_error<E: Serialize>(api: &'static str, error: Error<E>) -> BankError {
    match error {
        Error::InvalidRequest(message) => BankError::new(api, ErrorKind::InvalidRequest, message),
        // Only a hook refusal awaited outside [`send`] (so untyped) gets here.
        Error::Custom(message) => BankError::new(api, ErrorKind::InvalidRequest, message),
        Error::CommunicationError(e) | Error::InvalidUpgrade(e) => from_transport(api, &e),
        Error::ResponseBodyError(e) => {
            let mut err = BankError::new(
                api,
                ErrorKind::Decode,
                format!("reading the response body: {e}"),
            );
            err.status = e.status().map(|s| s.as_u16());
            err
        }
        Error::InvalidResponsePayload(bytes, e) => {
            let mut err = BankError::new(
                api,
                ErrorKind::Decode,
                format!("the response does not match the documented type: {e}"),
            );
            err.body = Some(truncate_body(&bytes));
            err
        }
        Error::ErrorResponse(response) => {
            let status = response.status().as_u16();
            let request_id = request_id(response.headers());
            let value =
                serde_json::to_value(response.into_inner()).unwrap_or(serde_json::Value::Null);
            let (code, message) = code_and_message(&value);
            BankError {
                api,
                kind: ErrorKind::Status,
                status: Some(status),
                code,
                message: message.unwrap_or_else(|| format!("HTTP {status}")),
                request_id,
                body: Some(truncate_body(value.to_string().as_bytes())),
            }
        }
        Error::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let request_id = request_id(response.headers());
            let bytes = response.bytes().await.unwrap_or_default();
            from_response(api, status, request_id, &bytes)
        }
    }
}

/// The error for a response read in full that is not the documented success: the bank's code and
/// message when the body carries them, the raw body otherwise. A 2xx here means the body could
/// not be read as the documented type ([`ErrorKind::Decode`]); any other status is
/// [`ErrorKind::Status`].
pub fn from_response(
    api: &'static str,
    status: u16,
    request_id: Option<String>,
    bytes: &[u8],
) -> BankError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    let (code, message) = parsed
        .as_ref()
        .map(code_and_message)
        .unwrap_or((None, None));
    let kind = if (200..300).contains(&status) {
        ErrorKind::Decode
    } else {
        ErrorKind::Status
    };
    BankError {
        api,
        kind,
        status: Some(status),
        code,
        message: message.unwrap_or_else(|| {
            if bytes.is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                format!("HTTP {status} not documented for this operation")
            }
        }),
        request_id,
        body: (!bytes.is_empty()).then(|| truncate_body(bytes)),
    }
}

/// A generated call and convert its outcome: `Ok(T)` or a [`BankError`] (what every builder's
/// `bank()` returns).
pub fn call<F, T, E>(api: &'static str, future: F) -> BankCall<F, T>
where
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
{
    BankCall::new(api, None, future)
}

/// A generated call whose answer type is the one the API refuses in (`x-refusal`, generated into
/// `SPEC.refusal`): a 2xx answer that carries the refusal (FinancialAPI: `success: false`) is an
/// [`ErrorKind::Bank`] error with the bank's code and message, not `Ok`. Only the answers of such
/// operations are looked at, after they were read as their type.
pub fn call_refusable<F, T, E>(
    api: &'static str,
    refusal: Option<crate::RefusalSpec>,
    future: F,
) -> BankCall<F, T>
where
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    T: Serialize,
{
    BankCall::new(
        api,
        refusal.map(|spec| (spec, refused::<T> as Refused<T>)),
        future,
    )
}

/// The body of an answer the spec's refusal matches, serialised again for the error.
type Refused<T> = fn(&crate::RefusalSpec, &T) -> Option<Vec<u8>>;

fn refused<T: Serialize>(spec: &crate::RefusalSpec, value: &T) -> Option<Vec<u8>> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    spec.refuses(&body).then_some(body)
}

pin_project_lite::pin_project! {
    /// The future of a builder's `bank()`: the generated call inside the scope its hooks hand
    /// typed failures through, then — only for an error answer — reading that answer into a
    /// [`BankError`]. Written by hand rather than as an `async fn` so that it holds the generated
    /// call once (an `async` wrapper keeps a second copy) and allocates nothing on success.
    #[must_use = "futures do nothing unless awaited"]
    pub struct BankCall<F, T> {
        api: &'static str,
        refusal: Option<(crate::RefusalSpec, Refused<T>)>,
        #[pin]
        sending: tokio::task::futures::TaskLocalFuture<RefCell<Option<Box<Handoff>>>, F>,
        converting: Option<Pin<Box<dyn Future<Output = BankError> + Send>>>,
    }
}

impl<F: Future, T> BankCall<F, T> {
    fn new(
        api: &'static str,
        refusal: Option<(crate::RefusalSpec, Refused<T>)>,
        future: F,
    ) -> Self {
        BankCall {
            api,
            refusal,
            sending: HANDOFF.scope(RefCell::new(None), future),
            converting: None,
        }
    }
}

impl<F, T, E> Future for BankCall<F, T>
where
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    E: Serialize + Send + 'static,
{
    type Output = Result<T, BankError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some(converting) = this.converting.as_mut() {
            return converting.as_mut().poll(cx).map(Err);
        }
        let result = std::task::ready!(this.sending.as_mut().poll(cx));
        let handoff = this
            .sending
            .as_mut()
            .take_value()
            .and_then(RefCell::into_inner)
            .map(|h| *h);
        let api = *this.api;
        match (result, handoff) {
            (_, Some(Handoff::Deadline(error))) => Poll::Ready(Err(error)),
            (Ok(value), _) => {
                if let Some((spec, refused)) = this.refusal
                    && let Some(body) = refused(spec, &value)
                {
                    let status = value.status().as_u16();
                    let mut error = from_response(api, status, request_id(value.headers()), &body);
                    error.kind = ErrorKind::Bank;
                    tracing::info!(api, status, "the bank refused in a successful answer");
                    return Poll::Ready(Err(error));
                }
                Poll::Ready(Ok(value.into_inner()))
            }
            (Err(Error::Custom(_)), Some(Handoff::Prepare(refusal))) => {
                Poll::Ready(Err(from_prepare(api, &refusal)))
            }
            (Err(other), _) => {
                // Boxed: the error path's future stays out of every call's own future.
                let mut converting: Pin<Box<dyn Future<Output = BankError> + Send>> =
                    Box::pin(into_bank_error(api, other));
                let poll = converting.as_mut().poll(cx).map(Err);
                *this.converting = Some(converting);
                poll
            }
        }
    }
}

/// The error for an envelope API's `error` inside an answer (BaaS Gateway): a refusal by the bank
/// ([`ErrorKind::Bank`]) with its code and message, the HTTP status, and the request id of the
/// answer's headers or else the envelope's `id`.
pub fn envelope_refusal(
    api: &'static str,
    status: u16,
    request_id: Option<String>,
    envelope_id: Option<String>,
    code: Option<String>,
    message: String,
) -> BankError {
    let mut error = BankError::new(api, ErrorKind::Bank, message);
    error.status = Some(status);
    error.code = code;
    error.request_id = request_id.or(envelope_id);
    error
}

/// The error for a request that could not be prepared (no token, or the body could not be signed).
pub fn from_prepare(api: &'static str, error: &PrepareError) -> BankError {
    let kind = match error {
        PrepareError::Auth(_) => ErrorKind::Auth,
        PrepareError::Signing(_) => ErrorKind::Signing,
    };
    BankError::new(api, kind, error.to_string())
}

/// The error for a request that got no response (connect, timeout, reset).
pub fn from_transport(api: &'static str, error: &reqwest::Error) -> BankError {
    let mut err = BankError::new(api, ErrorKind::Transport, error.to_string());
    err.status = error.status().map(|s| s.as_u16());
    err
}
