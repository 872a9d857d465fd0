//! The JWS message and the header value: `x-jws-signature` = Base64(JSON message).

use std::sync::Arc;

use bank_runtime::{BodySigner, SignError};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use crate::Signer;

/// How the JWS JSON message is built.
///
/// BCC's FinancialAPI document defines the message it accepts (`jws-message`, `jws-signature`,
/// `jose-header` in `specs/bcc-financial/swagger.yaml`): `{payload, signatures}` where `payload` is
/// the source JSON in standard Base64 and each signature is exactly `{header: {x5c, alg},
/// signature}` (`required: [header, signature]`, `additionalProperties: false`). Only
/// [`Profile::UnprotectedHeader`] produces that form, so it is the default; see
/// [`Profile::BANK_COMPATIBLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The form BCC's document defines (and public Kalkan integrations send): `payload` =
    /// Base64(body), an unprotected `header: {x5c, alg}`, and the signature (Base64) over the
    /// body bytes themselves.
    #[default]
    UnprotectedHeader,
    /// RFC 7515 §7.2.1 general JSON serialization: `payload` = BASE64URL(body),
    /// `signatures[0].protected` = BASE64URL({"alg", "x5c"}), signature over
    /// `ASCII(protected || '.' || payload)`. Verifiable by any JOSE library, but its `protected`
    /// member is not allowed by the bank's `jws-signature` schema: use it only where the bank has
    /// confirmed it accepts RFC 7515 messages.
    ProtectedHeader,
}

impl Profile {
    /// The profiles whose messages match the bank's documented `jws-message` schema.
    pub const BANK_COMPATIBLE: &'static [Profile] = &[Profile::UnprotectedHeader];
    /// Every profile, in the order [`Profile::name`]s are listed in help texts.
    pub const ALL: &'static [Profile] = &[Profile::UnprotectedHeader, Profile::ProtectedHeader];

    /// The profile's name on a command line (`unprotected-header`, `protected-header`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::UnprotectedHeader => "unprotected-header",
            Profile::ProtectedHeader => "protected-header",
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
                format!("unknown JWS profile `{s}` ({})", names.join(" | "))
            })
    }
}

/// Signs request bodies into `x-jws-signature` header values.
#[derive(Debug, Clone)]
pub struct JwsSigner {
    signer: Arc<dyn Signer>,
    profile: Profile,
}

impl JwsSigner {
    /// Use `signer` with `profile`.
    pub fn new(signer: impl Signer + 'static, profile: Profile) -> Self {
        JwsSigner {
            signer: Arc::new(signer),
            profile,
        }
    }

    /// The JWS JSON message over `body`.
    pub fn message(&self, body: &[u8]) -> Result<serde_json::Value, SignError> {
        let x5c: Vec<String> = self
            .signer
            .certificate_chain()
            .iter()
            .map(|c| STANDARD.encode(c))
            .collect();
        let alg = self.signer.algorithm();
        Ok(match self.profile {
            Profile::ProtectedHeader => {
                let protected =
                    URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "x5c": x5c }).to_string());
                let payload = URL_SAFE_NO_PAD.encode(body);
                let signature = self
                    .signer
                    .sign(format!("{protected}.{payload}").as_bytes())?;
                json!({
                    "payload": payload,
                    "signatures": [{ "protected": protected, "signature": URL_SAFE_NO_PAD.encode(signature) }],
                })
            }
            Profile::UnprotectedHeader => {
                let signature = self.signer.sign(body)?;
                json!({
                    "payload": STANDARD.encode(body),
                    "signatures": [{ "header": { "x5c": x5c, "alg": alg }, "signature": STANDARD.encode(signature) }],
                })
            }
        })
    }
}

impl BodySigner for JwsSigner {
    fn header_value(&self, body: &[u8]) -> Result<String, SignError> {
        Ok(STANDARD.encode(self.message(body)?.to_string()))
    }
}
