//! JWS signing of request bodies, as BCC's FinancialAPI requires for payments (`x-jws-signature`:
//! Base64 of a JWS JSON message over the payment body).
//!
//! - [`Signer`]: sign bytes → signature, the JWS `alg`, the `x5c` certificate chain.
//! - [`KeySigner`]: RS256 and ES256 on ring (no OpenSSL), keys from PEM or PKCS#12.
//! - [`CommandSigner`]: an external program, e.g. a GOST key (`ECGOST34310`) through Kazakhstan's
//!   NCA tooling, plugged into the same trait.
//! - [`JwsSigner`]: builds the message in one of two [`Profile`]s and implements the runtime's
//!   [`BodySigner`](bank_runtime::BodySigner).

#![warn(missing_docs)]

mod external;
mod keys;
mod message;

pub use external::CommandSigner;
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

use bank_runtime::SignError;

/// Something that signs bytes for a JWS.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The JWS `alg` (`RS256`, `ES256`, `ECGOST34310`).
    fn algorithm(&self) -> &str;
    /// Sign `data`; JWS signature bytes (ES256: the 64-byte `r || s` form).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError>;
    /// The signer's certificate chain, leaf first, DER (goes into `x5c`).
    fn certificate_chain(&self) -> &[Vec<u8>];
}
