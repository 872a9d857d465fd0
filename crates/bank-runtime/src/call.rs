//! Turning a generated call's result into `Result<T, BankError>`.

use std::future::Future;

use progenitor_client::{Error, ResponseValue};
use serde::Serialize;

use crate::error::{BankError, ErrorKind, code_and_message, request_id, truncate_body};

/// Convert progenitor's error for one call into a [`BankError`]. Reads the body of undocumented
/// responses; never panics, whatever the bank sent.
pub async fn into_bank_error<E: Serialize>(api: &'static str, error: Error<E>) -> BankError {
    match error {
        Error::InvalidRequest(message) => BankError::new(api, ErrorKind::InvalidRequest, message),
        Error::Custom(message) => {
            // Hook failures: the only one the runtime produces is getting a token.
            let message = message
                .strip_prefix(&format!("{api}: "))
                .map(str::to_owned)
                .unwrap_or(message);
            BankError::new(api, ErrorKind::Auth, message)
        }
        Error::CommunicationError(e) | Error::InvalidUpgrade(e) => {
            let mut err = BankError::new(api, ErrorKind::Transport, e.to_string());
            err.status = e.status().map(|s| s.as_u16());
            err
        }
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
            let parsed: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
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
                body: (!bytes.is_empty()).then(|| truncate_body(&bytes)),
            }
        }
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
