//! Parsing what a bank POSTs to the merchant (Globus order callbacks, BCC broker postLink): raw
//! body bytes in, typed value or a typed error out. Never a panic, whatever arrives.

use serde::de::DeserializeOwned;

/// Largest callback body accepted by default (64 KiB; the banks' callbacks are a few hundred bytes).
pub const DEFAULT_MAX_CALLBACK: usize = 64 * 1024;

/// A callback body that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The body is larger than allowed.
    #[error("{api} callback: body of {size} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// The API.
        api: &'static str,
        /// Bytes received.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The body is empty.
    #[error("{api} callback: empty body")]
    Empty {
        /// The API.
        api: &'static str,
    },
    /// The body is not the documented JSON.
    #[error("{api} callback: malformed body at line {line}, column {column}: {message}")]
    Malformed {
        /// The API.
        api: &'static str,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong (missing field, wrong type, bad JSON).
        message: String,
    },
}

/// Parse a callback body into `T`, refusing bodies over `max` bytes.
pub fn parse_callback<T: DeserializeOwned>(
    api: &'static str,
    body: &[u8],
    max: usize,
) -> Result<T, CallbackError> {
    if body.len() > max {
        return Err(CallbackError::TooLarge {
            api,
            size: body.len(),
            max,
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(CallbackError::Empty { api });
    }
    serde_json::from_slice(body).map_err(|e| CallbackError::Malformed {
        api,
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}
