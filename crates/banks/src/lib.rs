//! Central-Asian bank APIs from Rust in a few lines: typed clients generated from the banks'
//! documents, with tokens, signatures, retries and errors handled here.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use banks::{ClientCredentials, Environment};
//!
//! let key = std::fs::read("key.pem")?;
//! let cert = std::fs::read("cert.pem")?;
//! let financial = banks::bcc::Financial::builder()
//!     .credentials(ClientCredentials::new("client-id", "client-secret"))
//!     .environment(Environment::Test)
//!     .signer(banks::jws::JwsSigner::new(banks::jws::KeySigner::from_pem(&key, &cert)?, banks::jws::Profile::default()))
//!     .build()?;
//! let accounts = financial.get_accounts().bank().await?;
//! # let _ = accounts; Ok(()) }
//! ```
//!
//! Each bank is a cargo feature (`bcc-broker`, `bcc-financial`, `globus`, `baas`; all on by
//! default): a service enables only the banks it calls. `bcc-financial` brings JWS signing
//! (`jws`, on ring); `pkcs12` adds `.p12` keys; `rustls` is the one TLS choice.

#![warn(missing_docs)]

#[cfg(feature = "baas")]
pub mod baas;
#[cfg(any(feature = "bcc-broker", feature = "bcc-financial"))]
pub mod bcc;
mod builder;
mod config;
#[cfg(feature = "globus")]
pub mod globus;

pub use bank_runtime::{
    BankError, BodySigner, CallbackError, ClientCredentials, Context, DateDmy, DateTime,
    DateTimeDmyHms, DateTimeDmyHmsDots, DateTimeYmdHms, Decimal, ErrorKind, RetryPolicy, Secret,
    SignError,
};
pub use builder::{Api, Builder, env_prefix};
pub use config::{BuildError, Environment, HttpConfig};

/// JWS signing (RS256, ES256, external signers). The default profile is the message form BCC's
/// document defines (unprotected header); RFC 7515 with a protected header is the alternative.
#[cfg(feature = "jws")]
pub mod jws {
    pub use bank_jws::*;
}
