//! The JWS message and the header value: `x-jws-signature` = Base64(JSON message).

use std::borrow::Cow;
use std::sync::Arc;

use bank_runtime::{BodySigner, SignError, SignFuture};
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

    /// The JWS JSON message over `body`, signed on the calling thread ([`Signer::sign`]).
    pub fn message(&self, body: &[u8]) -> Result<serde_json::Value, SignError> {
        let draft = self.draft(body);
        let signature = self.signer.sign(&draft.input)?;
        Ok(draft.finish(&signature))
    }

    /// The JWS JSON message over `body`, signed by [`Signer::sign_async`] (for a signer that
    /// waits on something outside the process, without blocking the async runtime). The same
    /// message as [`message`](Self::message).
    pub async fn message_async(&self, body: &[u8]) -> Result<serde_json::Value, SignError> {
        let draft = self.draft(body);
        let signature = self.signer.sign_async(&draft.input).await?;
        Ok(draft.finish(&signature))
    }

    /// Everything of the message but the signature, and the bytes to sign.
    fn draft<'a>(&self, body: &'a [u8]) -> Draft<'a> {
        let x5c: Vec<String> = self
            .signer
            .certificate_chain()
            .iter()
            .map(|c| STANDARD.encode(c))
            .collect();
        let alg = self.signer.algorithm().to_owned();
        match self.profile {
            Profile::ProtectedHeader => {
                let protected =
                    URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "x5c": x5c }).to_string());
                let payload = URL_SAFE_NO_PAD.encode(body);
                Draft {
                    input: Cow::Owned(format!("{protected}.{payload}").into_bytes()),
                    form: Form::Protected { protected, payload },
                }
            }
            Profile::UnprotectedHeader => Draft {
                input: Cow::Borrowed(body),
                form: Form::Unprotected { x5c, alg },
            },
        }
    }
}

/// A message waiting for its signature: what to sign (`input`) and how to assemble it.
struct Draft<'a> {
    input: Cow<'a, [u8]>,
    form: Form,
}

/// The profile's parts of a message besides the signature.
enum Form {
    /// RFC 7515: the encoded protected header and payload (the signature is over both).
    Protected { protected: String, payload: String },
    /// The bank's form: the header's members (the signature is over the body itself).
    Unprotected { x5c: Vec<String>, alg: String },
}

impl Draft<'_> {
    /// The JSON message with `signature` over [`input`](Draft::input).
    fn finish(self, signature: &[u8]) -> serde_json::Value {
        match self.form {
            Form::Protected { protected, payload } => json!({
                "payload": payload,
                "signatures": [{ "protected": protected, "signature": URL_SAFE_NO_PAD.encode(signature) }],
            }),
            Form::Unprotected { x5c, alg } => json!({
                "payload": STANDARD.encode(&self.input),
                "signatures": [{ "header": { "x5c": x5c, "alg": alg }, "signature": STANDARD.encode(signature) }],
            }),
        }
    }
}

/// The header value: Base64 of the message's JSON text.
fn header(message: &serde_json::Value) -> String {
    STANDARD.encode(message.to_string())
}

impl BodySigner for JwsSigner {
    fn header_value(&self, body: &[u8]) -> Result<String, SignError> {
        self.message(body).map(|m| header(&m))
    }

    /// The same value as [`header_value`](BodySigner::header_value), signed through
    /// [`Signer::sign_async`]: an external signer neither blocks the runtime nor outlives the
    /// call's deadline (dropping the future cancels it).
    fn sign_body<'a>(&'a self, body: &'a [u8]) -> SignFuture<'a> {
        Box::pin(async move { self.message_async(body).await.map(|m| header(&m)) })
    }
}
