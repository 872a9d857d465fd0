//! Request-body signing hook: the runtime asks a [`BodySigner`] for a header value over the exact
//! bytes it is about to send. Implementations (JWS with RS256 / ES256, an external GOST signer)
//! live in the `bank-jws` crate.

use std::fmt;
use std::sync::Arc;

/// Signing a request body failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// Computes a signature header value over a request body.
pub trait BodySigner: Send + Sync + fmt::Debug {
    /// The header value for these body bytes.
    fn header_value(&self, body: &[u8]) -> Result<String, SignError>;
}

/// Which operations are signed, in which header, by which signer.
#[derive(Clone, Debug)]
pub struct Signing {
    /// The signer.
    pub signer: Arc<dyn BodySigner>,
    /// Header that carries the value (`x-jws-signature`).
    pub header: &'static str,
    /// Operations whose body is signed, by method name as the hooks see them (`create_payment`).
    pub operations: &'static [&'static str],
}
