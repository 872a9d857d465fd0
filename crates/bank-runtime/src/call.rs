//! How a generated builder's `bank()` goes through [`Context::call`](crate::Context::call), the
//! one call path, and turns its result into `Result<T, BankError>`.
//!
//! progenitor owns the builders: they build the request, hand it to the client's hooks and read
//! the answer as the documented type. The hooks ([`exec`], [`post`]) run the whole call path and
//! leave its typed result in a task-local slot that [`BankCall`] (the future of `bank()`) sets up
//! around the builder's `send()`; progenitor only ever reads an answer the call path accepted.
//! None of this is for users: they call `.bank()`.
//!
//! A builder's `send()` awaited directly (outside `bank()`) still goes through the call path;
//! a failure then comes back as progenitor's `Error::Custom` carrying the [`BankError`]'s text —
//! never a made-up status.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use progenitor_client::{Error, ResponseValue};
use serde::Serialize;

use crate::error::{BankError, ErrorKind, code_and_message, json_problem, request_id};

/// What the call path hands to the surrounding [`BankCall`]: the accepted answer, or the typed
/// failure.
type Handoff = Result<Accepted, BankError>;

/// What [`BankCall`] needs to know of an answer the call path accepted.
struct Accepted {
    status: u16,
    request_id: Option<String>,
    /// The API's refusal, when the call path did not look for it (see [`Answer::refusal`]):
    /// looked for when the answer does not read as its documented type.
    ///
    /// [`Answer::refusal`]: crate::Answer::refusal
    unchecked_refusal: Option<crate::RefusalSpec>,
}

tokio::task_local! {
    /// Where the hooks leave the call path's result for [`BankCall`]. Boxed: the scope moves
    /// the slot in and out of the thread on every poll, so it is kept one pointer wide.
    static HANDOFF: RefCell<Option<Box<Handoff>>>;
}

/// Marks the stand-in response [`exec`] gives progenitor for a failed call, so that [`post`]
/// turns it into an error before progenitor reads it.
#[derive(Clone)]
struct Failed(BankError);

/// The `exec` hook of every generated client: the call path, its result left for
/// [`BankCall`]; an accepted answer given back to progenitor to read.
#[doc(hidden)]
pub async fn exec(
    context: &crate::Context,
    http: &reqwest::Client,
    request: reqwest::Request,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    let result = context.call(http, request, operation).await;
    let handoff: Handoff = match &result {
        Ok(answer) => Ok(Accepted {
            status: answer.status,
            request_id: answer.request_id(),
            unchecked_refusal: answer.unchecked_refusal(),
        }),
        Err(error) => Err(error.clone()),
    };
    let _ = HANDOFF.try_with(|slot| *slot.borrow_mut() = Some(Box::new(handoff)));
    Ok(match result {
        Ok(answer) => answer.into_response(),
        Err(error) => {
            let mut stand_in = http::Response::new(bytes::Bytes::new());
            stand_in.extensions_mut().insert(Failed(error));
            reqwest::Response::from(stand_in)
        }
    })
}

/// The `post` hook of every generated client: a failed call becomes `Error::Custom` with the
/// error's text (what a direct `send()` returns; `bank()` returns the typed error).
#[doc(hidden)]
#[allow(clippy::result_large_err)] // progenitor's hook signature
pub fn post<E>(result: &reqwest::Result<reqwest::Response>) -> Result<(), Error<E>> {
    match result
        .as_ref()
        .ok()
        .and_then(|r| r.extensions().get::<Failed>())
    {
        Some(Failed(error)) => Err(Error::Custom(error.to_string())),
        None => Ok(()),
    }
}

/// A generated call and its conversion: `Ok(T)` or a [`BankError`] (what every builder's
/// `bank()` returns).
#[doc(hidden)]
pub fn call<F, T, E>(api: &'static str, future: F) -> BankCall<F>
where
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
{
    BankCall {
        api,
        sending: HANDOFF.scope(RefCell::new(None), future),
    }
}

pin_project_lite::pin_project! {
    /// The future of a builder's `bank()`: the generated call inside the scope its hooks hand
    /// the call path's typed result through. Written by hand rather than as an `async fn` so that
    /// it holds the generated call once (an `async` wrapper keeps a second copy) and allocates
    /// nothing on success.
    #[doc(hidden)]
    #[must_use = "futures do nothing unless awaited"]
    pub struct BankCall<F> {
        api: &'static str,
        #[pin]
        sending: tokio::task::futures::TaskLocalFuture<RefCell<Option<Box<Handoff>>>, F>,
    }
}

impl<F, T, E> Future for BankCall<F>
where
    F: Future<Output = Result<ResponseValue<T>, Error<E>>>,
    E: Serialize,
{
    type Output = Result<T, BankError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = std::task::ready!(this.sending.as_mut().poll(cx));
        let handoff = this
            .sending
            .as_mut()
            .take_value()
            .and_then(RefCell::into_inner)
            .map(|h| *h);
        let api = *this.api;
        Poll::Ready(match (result, handoff) {
            (_, Some(Err(error))) => Err(error),
            (Ok(value), _) => Ok(value.into_inner()),
            // An answer that is not its documented type may be the API's refusal.
            (
                Err(Error::InvalidResponsePayload(bytes, _)),
                Some(Ok(Accepted {
                    status,
                    request_id,
                    unchecked_refusal: Some(spec),
                })),
            ) if spec.refuses(&bytes) => Err(refusal(api, status, request_id, &bytes)),
            (Err(error), answered) => Err(into_bank_error(
                api,
                error,
                answered
                    .and_then(Result::ok)
                    .map(|a| (a.status, a.request_id)),
            )),
        })
    }
}

/// Convert what progenitor reports after the call path accepted an answer (or before anything
/// was sent) into a [`BankError`]; `answered` is the accepted answer's status and request id.
/// Never panics, whatever the bank sent, and keeps the answer's values out of the message.
#[doc(hidden)]
pub fn into_bank_error<E: Serialize>(
    api: &'static str,
    error: Error<E>,
    answered: Option<(u16, Option<String>)>,
) -> BankError {
    let (status, request_id) = answered.unzip();
    let request_id = request_id.flatten();
    let decode = |message: String, bytes: &[u8]| {
        let mut err = BankError::new(api, ErrorKind::Decode, message).with_raw_body(bytes);
        err.status = status;
        err.request_id = request_id.clone();
        err
    };
    match error {
        Error::InvalidRequest(message) => BankError::new(api, ErrorKind::InvalidRequest, message),
        Error::Custom(message) => BankError::new(api, ErrorKind::InvalidRequest, message),
        Error::CommunicationError(e) | Error::InvalidUpgrade(e) | Error::ResponseBodyError(e) => {
            decode(format!("reading the answer: {}", e.without_url()), &[])
        }
        Error::InvalidResponsePayload(bytes, e) => decode(
            format!(
                "the answer does not match the documented type: {}",
                json_problem(&e)
            ),
            &bytes,
        ),
        Error::ErrorResponse(response) => {
            let status = response.status().as_u16();
            let value =
                serde_json::to_value(response.into_inner()).unwrap_or(serde_json::Value::Null);
            decode(
                format!("HTTP {status} read as a documented error"),
                value.to_string().as_bytes(),
            )
        }
        Error::UnexpectedResponse(response) => decode(
            format!(
                "HTTP {} is not an answer the document gives for this operation",
                response.status().as_u16()
            ),
            &[],
        ),
    }
}

/// The error for an answer read in full that is not a success: the bank's code and message
/// when the body carries them ([`ErrorKind::Status`]); a 2xx here could not be read as the
/// documented type ([`ErrorKind::Decode`]) and nothing of its body reaches the message.
#[doc(hidden)]
pub fn from_response(
    api: &'static str,
    status: u16,
    request_id: Option<String>,
    bytes: &[u8],
) -> BankError {
    let success = (200..300).contains(&status);
    let (code, message) = if success {
        (None, None)
    } else {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .as_ref()
            .map(code_and_message)
            .unwrap_or((None, None))
    };
    let kind = if success {
        ErrorKind::Decode
    } else {
        ErrorKind::Status
    };
    let mut error = BankError::new(
        api,
        kind,
        message.unwrap_or_else(|| {
            if bytes.is_empty() {
                format!("HTTP {status} with an empty body")
            } else if success {
                format!("HTTP {status} whose body is not the documented answer")
            } else {
                format!("HTTP {status} not documented for this operation")
            }
        }),
    )
    .with_raw_body(bytes);
    error.code = code;
    error.request_id = request_id;
    error.with_status(status)
}

/// The error for a refusal inside a 2xx answer the document marks (`x-refusal`, FinancialAPI's
/// `success: false`): the bank's code and message.
#[doc(hidden)]
pub fn refusal(
    api: &'static str,
    status: u16,
    request_id: Option<String>,
    bytes: &[u8],
) -> BankError {
    let (code, message) = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .as_ref()
        .map(code_and_message)
        .unwrap_or((None, None));
    let mut error = BankError::new(
        api,
        ErrorKind::Bank,
        message.unwrap_or_else(|| "the bank refused in a successful answer".to_owned()),
    )
    .with_raw_body(bytes);
    error.status = Some(status);
    error.code = code;
    error.request_id = request_id;
    error
}

/// The error in an envelope API's answer (BaaS Gateway: `{id, result, error}`), when its
/// `error` is set: a refusal by the bank ([`ErrorKind::Bank`]) with its code and message, the
/// HTTP status, and the request id of the answer's headers or else the envelope's `id`.
#[doc(hidden)]
pub fn envelope_error(
    api: &'static str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    bytes: &[u8],
) -> Option<BankError> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(default)]
        id: Option<serde_json::Value>,
        #[serde(default)]
        error: Option<serde_json::Value>,
    }
    let envelope: Envelope = serde_json::from_slice(bytes).ok()?;
    let refused = envelope.error.filter(|e| !e.is_null())?;
    let text = |key: &str| match refused.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let envelope_id = envelope.id.and_then(|id| match id {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    });
    let mut error = BankError::new(
        api,
        ErrorKind::Bank,
        text("message").unwrap_or_else(|| "the bank refused in the envelope".to_owned()),
    )
    .with_raw_body(bytes);
    error.status = Some(status);
    error.code = text("code");
    error.request_id = request_id(headers).or(envelope_id);
    Some(error)
}
