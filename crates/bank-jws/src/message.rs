//! The JWS message and the header value: `x-jws-signature` = Base64(JSON message).

use std::sync::Arc;

use bank_runtime::{BodySigner, SignError};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use crate::Signer;

/// How the JWS JSON message is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// RFC 7515 §7.2.1 general JSON serialization: `payload` = BASE64URL(body),
    /// `signatures[0].protected` = BASE64URL({"alg", "x5c"}), signature over
    /// `ASCII(protected || '.' || payload)`. Verifiable by any JOSE library.
    #[default]
    Rfc7515,
    /// The form public Kalkan integrations send: `payload` = Base64(body), an unprotected
    /// `header: {x5c, alg}`, and the signature (Base64) over the body bytes themselves.
    Legacy,
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rfc7515" => Ok(Profile::Rfc7515),
            "legacy" => Ok(Profile::Legacy),
            other => Err(format!("unknown JWS profile `{other}` (rfc7515 | legacy)")),
        }
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
            Profile::Rfc7515 => {
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
            Profile::Legacy => {
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
