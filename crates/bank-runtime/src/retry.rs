//! Which requests may be repeated, and how long to wait between attempts.

use std::time::Duration;

use crate::OperationSpec;

/// The HTTP statuses after which the same request may succeed: request timeout, too many
/// requests, and the server and gateway failures that say nothing about the request itself (not
/// 501 Not Implemented or 505). The one list: retries and
/// [`BankError::is_transient`](crate::BankError::is_transient) both read it.
pub const TRANSIENT_STATUSES: &[u16] = &[408, 429, 500, 502, 503, 504];

/// The HTTP statuses that say the bank did not act on the request, whatever its body: a token
/// refused, the request not received in time, too many requests. The one list:
/// [`Outcome::of`](crate::Outcome::of) reads it (any other 4xx is not processed too, unless it
/// carries the bank's own error code: then it is the bank's refusal).
pub const NOT_PROCESSED_STATUSES: &[u16] = &[401, 408, 429];

/// The HTTP methods that are safe to send again whatever the operation: the one list (retries and
/// [`OperationSpec::repeatable`] read it).
pub const REPEATABLE_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS"];

/// Retry policy of a client. Only what is safe to repeat is retried: GET / HEAD / OPTIONS, the
/// operations the document marks idempotent ([`OperationSpec::idempotent`]: read-only lookups
/// sent as POST), and those added here. A payment or an order-creating POST is never sent twice
/// automatically.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// First back-off; doubled each attempt, with full jitter.
    pub base_delay: Duration,
    /// Longest wait between attempts, `Retry-After` included.
    pub max_delay: Duration,
    /// Operations to repeat besides the document's idempotent ones (see
    /// [`idempotent`](Self::idempotent)).
    pub idempotent_operations: Vec<&'static OperationSpec>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            idempotent_operations: Vec::new(),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Also repeat `operation` (a generated crate's `operations::Operation`, or its
    /// [`OperationSpec`]), which the document does not mark idempotent: only for an operation the
    /// bank deduplicates by a reference of yours.
    pub fn idempotent(mut self, operation: impl Into<&'static OperationSpec>) -> Self {
        let operation = operation.into();
        if !self.idempotent_operations.contains(&operation) {
            self.idempotent_operations.push(operation);
        }
        self
    }

    /// Whether a request with this method, of `operation` when the document lists it, may be
    /// sent again.
    pub fn allows(&self, method: &reqwest::Method, operation: Option<&OperationSpec>) -> bool {
        REPEATABLE_METHODS.contains(&method.as_str())
            || operation.is_some_and(|op| op.idempotent || self.idempotent_operations.contains(&op))
    }

    /// Whether a response status is worth another attempt ([`TRANSIENT_STATUSES`]).
    pub fn retryable_status(status: u16) -> bool {
        TRANSIENT_STATUSES.contains(&status)
    }

    /// Wait before attempt `attempt` (1 = the first retry): `Retry-After` when the bank sent one
    /// (seconds or an HTTP date), otherwise exponential back-off with full jitter; capped.
    pub fn delay(&self, attempt: u32, retry_after: Option<&str>) -> Duration {
        if let Some(value) = retry_after.map(str::trim) {
            if let Ok(secs) = value.parse::<u64>() {
                return Duration::from_secs(secs).min(self.max_delay);
            }
            if let Ok(when) = httpdate::parse_http_date(value) {
                let wait = when
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or_default();
                return wait.min(self.max_delay);
            }
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}
