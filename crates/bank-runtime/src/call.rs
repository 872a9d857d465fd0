//! Turning a generated call's result into `Result<T, BankError>`.

use std::future::Future;

use progenitor_client::{Error, ResponseValue};
use serde::Serialize;

use crate::context::PrepareError;
use crate::error::{BankError, ErrorKind, code_and_message, request_id, truncate_body};

/// Convert progenitor's error for one call into a [`BankError`]. Reads the body of undocumented
/// responses; never panics, whatever the bank sent.
pub async fn into_bank_error<E: Serialize>(api: &'static str, error: Error<E>) -> BankError {
    match error {
        Error::InvalidRequest(message) => BankError::new(api, ErrorKind::InvalidRequest, message),
        Error::Custom(message) => {
            // Hook failures: `{api}: auth: …` or `{api}: signing: …` (a `PrepareError`).
            let message = message
                .strip_prefix(&format!("{api}: "))
                .map(str::to_owned)
                .unwrap_or(message);
            let kind = if message.starts_with("signing: ") {
                ErrorKind::Signing
            } else {
                ErrorKind::Auth
            };
            BankError::new(api, kind, message)
        }
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

/// Await a generated call and convert its outcome: `Ok(T)` or a [`BankError`].
pub async fn call<T, E: Serialize>(
    api: &'static str,
    future: impl Future<Output = Result<ResponseValue<T>, Error<E>>>,
) -> Result<T, BankError> {
    match future.await {
        Ok(value) => Ok(value.into_inner()),
        Err(e) => Err(into_bank_error(api, e).await),
    }
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
