//! Typed errors: [`AuthError`] from token endpoints, [`BankError`] for any call to a bank.

use std::fmt;

/// Headers banks and their gateways use for a request id, in the order they are looked for.
pub static REQUEST_ID_HEADERS: [reqwest::header::HeaderName; 5] = [
    reqwest::header::HeaderName::from_static("x-request-id"),
    reqwest::header::HeaderName::from_static("x-global-transaction-id"),
    reqwest::header::HeaderName::from_static("x-correlation-id"),
    reqwest::header::HeaderName::from_static("x-b3-traceid"),
    reqwest::header::HeaderName::from_static("request-id"),
];

/// Longest raw body kept in an error (bytes); the rest is cut at a character boundary.
pub const MAX_ERROR_BODY: usize = 4096;

/// Getting a token failed. No variant carries what the token endpoint answered: a token
/// response (or something that looks like one) never reaches an error, a log or `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint could not be reached or did not answer in time.
    #[error("token endpoint {url} unreachable: {message}")]
    Unreachable {
        /// The token URL.
        url: String,
        /// What failed (no URL query, no body).
        message: String,
    },
    /// The token endpoint answered with an error status.
    #[error("token endpoint {url} answered HTTP {status}: {reason}")]
    Rejected {
        /// The token URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The OAuth2 `error` and `error_description` when the answer has them (at most 200
        /// characters), otherwise only the status; never the raw answer.
        reason: String,
    },
    /// The token endpoint answered 2xx with something that is not a usable token.
    #[error("token endpoint {url} sent a malformed token response: {message}")]
    Malformed {
        /// The token URL.
        url: String,
        /// What is wrong with it: the position of the problem, never the answer's values.
        message: String,
    },
}

impl AuthError {
    /// Whether asking again later may succeed: the endpoint was unreachable or slow, or answered
    /// with a status in [`TRANSIENT_STATUSES`](crate::retry::TRANSIENT_STATUSES). A refusal of
    /// the credentials (400, 401) or a malformed answer is not.
    pub fn is_transient(&self) -> bool {
        match self {
            AuthError::Unreachable { .. } => true,
            AuthError::Rejected { status, .. } => crate::retry::TRANSIENT_STATUSES.contains(status),
            AuthError::Malformed { .. } => false,
        }
    }
}

/// What kind of failure a [`BankError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No token could be obtained.
    Auth,
    /// The request body could not be signed.
    Signing,
    /// The request never got a whole answer (connect, timeout, reset, a body cut short).
    Transport,
    /// The call's total deadline passed (token, signing, attempts, back-off and reading the
    /// answer all count).
    Deadline,
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

/// What a failed call did at the bank, as far as anyone can know from the outside. Match on it
/// ([`BankError::outcome`]) to decide what to do after a failure:
///
/// | outcome | what holds | what to do |
/// |---|---|---|
/// | [`NotProcessed`](Outcome::NotProcessed) | the bank certainly did not act | send again when [`BankError::is_transient`], fix the request otherwise |
/// | [`Unknown`](Outcome::Unknown) | the request may have reached the bank and been acted on; the answer was lost | **reconcile** with the bank's read operations before sending again (for a non-idempotent operation, never re-send blindly) |
/// | [`Refused`](Outcome::Refused) | the bank looked at the request and said no, with its own code | no effect happened; act on the code |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Nothing reached the bank's business logic: the connection was refused, no token or
    /// signature could be made, the deadline passed before anything was sent, or the bank (or its
    /// gateway) turned the request away before acting (a 4xx without the bank's own error code,
    /// the statuses of [`NOT_PROCESSED_STATUSES`](crate::retry::NOT_PROCESSED_STATUSES)).
    NotProcessed,
    /// The request was (or may have been) sent and no usable answer came back: a timeout or
    /// reset after sending, the deadline passing mid-call, a 5xx or gateway error, or a
    /// successful answer that could not be read. The bank may have acted.
    Unknown,
    /// The bank processed the request and refused it in its own terms: `success: false` in a
    /// 200, an envelope `error`, a 4xx carrying the bank's error code. No effect happened.
    Refused,
}

impl Outcome {
    /// What a failure of `kind` (with this `status`, when the bank answered, and the bank's
    /// `code`, when its answer carried one) says about the bank having acted.
    pub fn of(kind: ErrorKind, status: Option<u16>, has_code: bool) -> Outcome {
        match kind {
            ErrorKind::Auth | ErrorKind::Signing | ErrorKind::InvalidRequest => {
                Outcome::NotProcessed
            }
            ErrorKind::Bank => Outcome::Refused,
            ErrorKind::Transport | ErrorKind::Deadline | ErrorKind::Decode => Outcome::Unknown,
            ErrorKind::Status => match status {
                Some(s) if crate::retry::NOT_PROCESSED_STATUSES.contains(&s) => {
                    Outcome::NotProcessed
                }
                Some(400..=499) if has_code => Outcome::Refused,
                Some(400..=499) => Outcome::NotProcessed,
                _ => Outcome::Unknown,
            },
        }
    }
}

/// The error codes of one API (each generated crate's `ErrorCode`), read from a [`BankError`] by
/// [`BankError::code_of`].
pub trait ApiErrorCode: Sized {
    /// The API whose codes these are (its `SPEC.name`).
    const API: &'static str;

    /// The code as the bank wrote it in an error; `None` when it cannot be one of this API's
    /// (a numbered API's code that is no number).
    fn parse(code: &str) -> Option<Self>;
}

/// One error type for every bank call: what happened, the bank's own code and message, the
/// request id, and what the failure says about the bank having acted ([`outcome`](Self::outcome),
/// [`is_transient`](Self::is_transient)).
///
/// `Display` and `Debug` show the API, kind, status, code, the bank's message and the request id,
/// never the raw answer: after a failure on a 200, that answer holds a customer's data, and error
/// text ends up in every log. The raw answer stays reachable by [`raw_body`](Self::raw_body).
#[derive(Clone, PartialEq, Eq)]
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
    outcome: Outcome,
    transient: bool,
    /// Rarely needed details, boxed so that `Result<T, BankError>` stays small.
    detail: Option<Box<Detail>>,
}

/// What a [`BankError`] keeps beside its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Detail {
    raw_body: Option<Box<str>>,
    operation: Option<&'static str>,
}

impl BankError {
    /// A new error of `kind` with a message; the other fields empty, the outcome the one `kind`
    /// implies ([`Outcome::of`]) and not transient.
    pub fn new(api: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        BankError {
            api,
            kind,
            status: None,
            code: None,
            message: message.into(),
            request_id: None,
            outcome: Outcome::of(kind, None, false),
            transient: false,
            detail: None,
        }
    }

    /// The bank's code as `C`, the error code type of one API (each generated crate's
    /// `ErrorCode`), for an error of that API that carries the bank's code: a refusal inside a
    /// successful answer or an envelope ([`ErrorKind::Bank`]), or an error status whose body is
    /// the bank's error ([`ErrorKind::Status`]). `None` for an error of another API, of another
    /// kind (a token refused, a timeout), or with no code.
    ///
    /// ```
    /// # use bank_runtime::{ApiErrorCode, BankError, ErrorKind};
    /// #[derive(Debug, PartialEq)]
    /// enum Code { ClientNotFound, Other(String) }
    /// impl ApiErrorCode for Code {
    ///     const API: &'static str = "globus-cfront";
    ///     fn parse(code: &str) -> Option<Self> {
    ///         Some(match code { "CLIENT_NOT_FOUND" => Code::ClientNotFound, o => Code::Other(o.into()) })
    ///     }
    /// }
    /// let mut err = BankError::new("globus-cfront", ErrorKind::Status, "Клиент не найден");
    /// err.code = Some("CLIENT_NOT_FOUND".into());
    /// assert_eq!(err.code_of::<Code>(), Some(Code::ClientNotFound));
    /// ```
    pub fn code_of<C: ApiErrorCode>(&self) -> Option<C> {
        if self.api != C::API || !matches!(self.kind, ErrorKind::Bank | ErrorKind::Status) {
            return None;
        }
        C::parse(self.code.as_deref()?)
    }

    /// The operation that failed, by the client's method name (`create_payment`), when the call
    /// path knew it.
    pub fn operation(&self) -> Option<&'static str> {
        self.detail.as_ref().and_then(|d| d.operation)
    }

    /// Name the operation that failed.
    #[doc(hidden)]
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        self.detail.get_or_insert_default().operation = Some(operation);
        self
    }

    /// What the failure says about the bank having acted (see [`Outcome`]).
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether sending this exact call again is safe **and** may succeed: the bank certainly did
    /// not act and the cause may pass (no connection, the token endpoint down, a request timeout or "too many requests", the
    /// deadline passing before anything was sent), or the operation is safe to repeat (a read,
    /// or one the bank makes idempotent) and the cause may pass (a timeout, a 5xx). Never true
    /// for a non-idempotent operation whose outcome is [`Outcome::Unknown`]: reconcile first.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// The raw answer the error was made from, cut at [`MAX_ERROR_BODY`] bytes, when there was
    /// one. It may hold a customer's personal data: do not log it.
    pub fn raw_body(&self) -> Option<&str> {
        self.detail.as_ref().and_then(|d| d.raw_body.as_deref())
    }

    /// Set the raw answer (cut at [`MAX_ERROR_BODY`] bytes).
    #[doc(hidden)]
    pub fn with_raw_body(mut self, bytes: &[u8]) -> Self {
        let raw_body = (!bytes.is_empty()).then(|| truncate_body(bytes).into_boxed_str());
        self.detail.get_or_insert_default().raw_body = raw_body;
        self
    }

    /// Set the status and the outcome it implies.
    #[doc(hidden)]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self.outcome = Outcome::of(self.kind, self.status, self.code.is_some());
        self
    }

    /// Set the outcome and whether a retry is safe and may succeed (the call path decides both).
    #[doc(hidden)]
    pub fn with_outcome(mut self, outcome: Outcome, transient: bool) -> Self {
        self.outcome = outcome;
        self.transient = transient;
        self
    }
}

impl fmt::Debug for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankError")
            .field("api", &self.api)
            .field("kind", &self.kind)
            .field("operation", &self.operation())
            .field("outcome", &self.outcome)
            .field("transient", &self.transient)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field(
                "raw_body",
                &self
                    .raw_body()
                    .map(|b| format!("<{} bytes, see raw_body()>", b.len())),
            )
            .finish()
    }
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Signing => "signing failed",
            ErrorKind::Transport => "no response",
            ErrorKind::Deadline => "deadline passed",
            ErrorKind::Status => "error response",
            ErrorKind::Bank => "bank error",
            ErrorKind::Decode => "malformed response",
            ErrorKind::InvalidRequest => "invalid request",
        };
        write!(f, "{}", self.api)?;
        if let Some(op) = self.operation() {
            write!(f, " {op}")?;
        }
        write!(f, ": {kind}")?;
        if let Some(s) = self.status {
            write!(f, ", HTTP {s}")?;
        }
        if let Some(c) = &self.code {
            write!(f, ", code {c}")?;
        }
        write!(f, ": {}", self.message.replace(['\n', '\r'], " "))?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        match self.outcome {
            Outcome::NotProcessed => write!(f, " [not processed")?,
            Outcome::Unknown => write!(f, " [outcome unknown")?,
            Outcome::Refused => write!(f, " [refused")?,
        }
        if self.transient {
            write!(f, ", retry is safe")?;
        }
        write!(f, "]")
    }
}

impl std::error::Error for BankError {}

/// Where a JSON document stopped being what was expected, without any of its values: serde's
/// own message names the value it met (a customer's name, a token), so only the category and
/// the position are kept.
pub fn json_problem(error: &serde_json::Error) -> String {
    let what = match error.classify() {
        serde_json::error::Category::Io => "an I/O error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "a value of another type or shape than documented",
        serde_json::error::Category::Eof => "cut short",
    };
    format!("{what} at line {} column {}", error.line(), error.column())
}

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
    // One pass over the (few) headers of the answer rather than a hashed look-up per name.
    let mut best: Option<(usize, &str)> = None;
    for (name, value) in headers {
        if let Some(rank) = REQUEST_ID_HEADERS.iter().position(|h| h == name)
            && best.is_none_or(|(b, _)| rank < b)
            && let Ok(value) = value.to_str()
        {
            best = Some((rank, value));
        }
    }
    best.map(|(_, value)| value.to_owned())
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
