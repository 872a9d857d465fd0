//! Typed errors: [`AuthError`] from token endpoints, [`BankError`] for any call to a bank.

use std::fmt;

/// Headers banks and their gateways use for a request id, in the order they are looked for.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "x-global-transaction-id",
    "x-correlation-id",
    "x-b3-traceid",
    "request-id",
];

/// Longest raw body kept in an error (bytes); the rest is cut at a character boundary.
pub const MAX_ERROR_BODY: usize = 4096;

/// Getting a token failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint could not be reached or did not answer in time.
    #[error("token endpoint {url} unreachable: {message}")]
    Unreachable {
        /// The token URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The token endpoint refused the credentials.
    #[error("token endpoint {url} answered HTTP {status}: {body}")]
    Rejected {
        /// The token URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The raw answer (no secrets: it is the bank's error text).
        body: String,
    },
    /// The token endpoint answered 2xx with something that is not a token.
    #[error("token endpoint {url} sent a malformed token response ({message}): {body}")]
    Malformed {
        /// The token URL.
        url: String,
        /// What is wrong with it.
        message: String,
        /// The raw answer with any token-looking value removed.
        body: String,
    },
}

/// What kind of failure a [`BankError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No token could be obtained.
    Auth,
    /// The request body could not be signed.
    Signing,
    /// The request never got an answer (connect, timeout, reset).
    Transport,
    /// The bank answered with an error status.
    Status,
    /// The bank refused the request in its own terms: `success: false` on HTTP 200 (BCC
    /// FinancialAPI), an envelope `error` (BaaS Gateway); `code` holds the bank's code.
    Bank,
    /// The answer could not be read as the documented type.
    Decode,
    /// The request could not be built (a missing required field, a bad value).
    InvalidRequest,
}

/// One error type for every bank call: what happened, with the bank's own code and message, the
/// request id and the raw body when there is one. `Display` says all of it on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BankError {
    /// The API (`bcc-financial`).
    pub api: &'static str,
    /// What kind of failure.
    pub kind: ErrorKind,
    /// HTTP status, when the bank answered.
    pub status: Option<u16>,
    /// The bank's error code.
    pub code: Option<String>,
    /// The bank's error message (or ours, for transport and decoding failures).
    pub message: String,
    /// The request id the bank or its gateway sent back.
    pub request_id: Option<String>,
    /// The raw response body, cut at [`MAX_ERROR_BODY`] bytes.
    pub body: Option<String>,
}

impl BankError {
    /// A new error of `kind` with a message; the other fields empty.
    pub fn new(api: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        BankError {
            api,
            kind,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            body: None,
        }
    }

    /// Whether a retry of the same request could succeed: no answer at all, or a status in
    /// [`TRANSIENT_STATUSES`](crate::retry::TRANSIENT_STATUSES).
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Transport)
            || self
                .status
                .is_some_and(|s| crate::retry::TRANSIENT_STATUSES.contains(&s))
    }
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Signing => "signing failed",
            ErrorKind::Transport => "no response",
            ErrorKind::Status => "error response",
            ErrorKind::Bank => "bank error",
            ErrorKind::Decode => "malformed response",
            ErrorKind::InvalidRequest => "invalid request",
        };
        write!(f, "{}: {kind}", self.api)?;
        if let Some(s) = self.status {
            write!(f, ", HTTP {s}")?;
        }
        if let Some(c) = &self.code {
            write!(f, ", code {c}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if let Some(b) = &self.body {
            write!(f, "; body: {}", b.replace(['\n', '\r'], " "))?;
        }
        Ok(())
    }
}

impl std::error::Error for BankError {}

/// Cut a body for an error message at a character boundary.
pub fn truncate_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= MAX_ERROR_BODY {
        return text.into_owned();
    }
    let mut end = MAX_ERROR_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], bytes.len())
}

/// The first request-id header present.
pub fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|h| {
        headers
            .get(*h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// The bank's code and message from an error body, whatever the bank calls them.
pub fn code_and_message(body: &serde_json::Value) -> (Option<String>, Option<String>) {
    let body = body.get("error").filter(|e| e.is_object()).unwrap_or(body);
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let code = ["code", "errorCode", "error_code", "status"]
        .iter()
        .find_map(|k| body.get(*k).and_then(text));
    let message = [
        "message",
        "description",
        "error_description",
        "errorMessage",
        "detail",
        "error",
    ]
    .iter()
    .find_map(|k| body.get(*k).and_then(text));
    (code, message)
}
