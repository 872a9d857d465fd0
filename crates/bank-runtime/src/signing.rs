//! Request-body signing hook: the runtime asks a [`BodySigner`] for a header value over the exact
//! bytes it is about to send. Implementations (JWS with RS256 / ES256, an external GOST signer)
//! live in the `bank-jws` crate.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Signing a request body failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// The future of [`BodySigner::sign_body`].
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<String, SignError>> + Send + 'a>>;

/// Computes a signature header value over a request body.
pub trait BodySigner: Send + Sync + fmt::Debug {
    /// The header value for these body bytes, computed on the calling thread.
    fn header_value(&self, body: &[u8]) -> Result<String, SignError>;

    /// The header value, as the runtime asks for it inside a call: a signer that waits on
    /// something outside the process (an external program, an HSM) overrides this so that it
    /// never blocks the async runtime; the runtime bounds it by the call's deadline and drops
    /// (cancels) it when that passes. By default, [`header_value`](Self::header_value) at once
    /// (in-process key signing takes well under a millisecond).
    fn sign_body<'a>(&'a self, body: &'a [u8]) -> SignFuture<'a> {
        Box::pin(std::future::ready(self.header_value(body)))
    }
}

/// Which signer signs, in which header (which operations: [`OperationSpec::signed`](crate::OperationSpec::signed)).
#[derive(Clone, Debug)]
pub struct Signing {
    /// The signer.
    pub signer: Arc<dyn BodySigner>,
    /// Header that carries the value (`x-jws-signature`).
    pub header: &'static str,
}
