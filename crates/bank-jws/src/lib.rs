//! JWS signing of request bodies, as BCC's FinancialAPI requires for payments (`x-jws-signature`:
//! Base64 of a JWS JSON message over the payment body).
//!
//! - [`Signer`]: sign bytes → signature, the JWS `alg`, the `x5c` certificate chain.
//! - [`KeySigner`]: RS256 and ES256 on ring (no OpenSSL), keys from PEM or PKCS#12.
//! - [`CommandSigner`]: an external program, e.g. a GOST key (`ECGOST34310`) through Kazakhstan's
//!   NCA tooling, plugged into the same trait; run as a tokio child process with a timeout, so it
//!   never blocks the async runtime and never outlives its call.
//! - [`JwsSigner`]: builds the message in one of two [`Profile`]s and implements the runtime's
//!   [`BodySigner`](bank_runtime::BodySigner).

#![warn(missing_docs)]

mod external;
mod keys;
mod message;

pub use external::{CommandSigner, DEFAULT_COMMAND_TIMEOUT, MAX_STDERR_IN_ERROR};
pub use keys::{KeyError, KeySigner};
pub use message::{JwsSigner, Profile};

/// A signer with this crate's published EC test key and certificate (`tests/keys/ec.*.pem`),
/// for tests of a service against mocks or the sandbox (feature `test-util`). Its key is public:
/// never use it with a bank.
#[cfg(feature = "test-util")]
pub fn test_signer(profile: Profile) -> JwsSigner {
    const KEY: &[u8] = include_bytes!("../tests/keys/ec.key.pem");
    const CERT: &[u8] = include_bytes!("../tests/keys/ec.cert.pem");
    match KeySigner::from_pem(KEY, CERT) {
        Ok(key) => JwsSigner::new(key, profile),
        // The files ship with the crate and are read at compile time; the end-to-end mock tests
        // (tests/mocks.rs) sign a payment with them, so this cannot happen in a released build.
        Err(e) => unreachable!("the bundled test key does not parse: {e}"),
    }
}

use std::future::Future;
use std::pin::Pin;

use bank_runtime::SignError;

/// The future of [`Signer::sign_async`]: the signature bytes.
pub type SignatureFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, SignError>> + Send + 'a>>;

/// Something that signs bytes for a JWS.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The JWS `alg` (`RS256`, `ES256`, `ECGOST34310`).
    fn algorithm(&self) -> &str;
    /// Sign `data`; JWS signature bytes (ES256: the 64-byte `r || s` form). Blocks the calling
    /// thread for as long as signing takes.
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError>;
    /// Sign `data` without blocking an async runtime: what [`JwsSigner`]'s
    /// [`sign_body`](bank_runtime::BodySigner::sign_body) awaits. A signer that waits on
    /// something outside the process (a program, a token, an HSM) overrides it; dropping the
    /// future cancels the signing. By default, [`sign`](Self::sign) when first polled (in-process
    /// key signing takes well under a millisecond).
    fn sign_async<'a>(&'a self, data: &'a [u8]) -> SignatureFuture<'a> {
        Box::pin(async move { self.sign(data) })
    }
    /// The signer's certificate chain, leaf first, DER (goes into `x5c`).
    fn certificate_chain(&self) -> &[Vec<u8>];
}
