//! Verification of FinancialAPI payment signatures (`x-jws-signature`): Base64 of a JWS JSON
//! message whose payload must be exactly the body received, signed by the key of the leaf
//! certificate in `x5c`, in either profile of `bank_jws::Profile`:
//! - unprotected header (the form the bank's `jws-message` schema defines, and public Kalkan
//!   integrations send): `header: {x5c, alg}`, Base64 payload, signature over the payload bytes;
//! - protected header (RFC 7515 §7.2.1): `protected` = Base64url of `{alg, x5c}`, signature over
//!   `protected.payload`; accepted only when the sandbox is configured to.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey, VerificationAlgorithm,
};
use serde_json::Value;

/// Which profile a verified signature used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// RFC 7515 JSON serialization with a protected header.
    ProtectedHeader,
    /// Unprotected header, signature over the payload bytes (the bank's documented form).
    UnprotectedHeader,
}

/// Where the bank's document defines the message (`jws-message`, in `published.json`).
pub const MESSAGE_SCHEMA: &str = "/components/schemas/jws-message";

/// Verify a header value against the body bytes; `trusted` (DER certificates) limits which
/// signers are accepted when not empty. Unless `accept_protected_header`, the message must follow
/// the bank's own `jws-message` schema, which has no room for RFC 7515's `protected` member. The
/// error says what is wrong, for the bank's answer.
pub fn verify(
    header: &str,
    body: &[u8],
    trusted: &[Vec<u8>],
    accept_protected_header: bool,
) -> Result<Profile, String> {
    let message = STANDARD
        .decode(header.trim())
        .map_err(|e| format!("not Base64: {e}"))?;
    let message: Value =
        serde_json::from_slice(&message).map_err(|e| format!("not a JWS JSON message: {e}"))?;
    if !accept_protected_header {
        let doc = &crate::spec::Bank::Financial.published().doc;
        if let Some(v) = bank_openapi::validate::validate_at(doc, MESSAGE_SCHEMA, &message).first()
        {
            return Err(format!(
                "the JWS message does not follow the bank's jws-message at {}: {}",
                if v.at.is_empty() { "/" } else { &v.at },
                v.message
            ));
        }
    }
    let payload = message["payload"]
        .as_str()
        .ok_or("the JWS message has no payload")?;
    let signature = message["signatures"]
        .get(0)
        .ok_or("the JWS message has no signatures")?;
    let (profile, header, signed, payload_bytes, sig) =
        if let Some(protected) = signature["protected"].as_str() {
            let header: Value = URL_SAFE_NO_PAD
                .decode(protected)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or("the protected header is not Base64url JSON")?;
            let payload_bytes = URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|e| format!("payload is not Base64url: {e}"))?;
            let sig = URL_SAFE_NO_PAD
                .decode(signature["signature"].as_str().unwrap_or_default())
                .map_err(|e| format!("signature is not Base64url: {e}"))?;
            (
                Profile::ProtectedHeader,
                header,
                format!("{protected}.{payload}").into_bytes(),
                payload_bytes,
                sig,
            )
        } else {
            let header = signature["header"].clone();
            if !header.is_object() {
                return Err("the signature has neither `protected` nor `header`".into());
            }
            let payload_bytes = STANDARD
                .decode(payload)
                .map_err(|e| format!("payload is not Base64: {e}"))?;
            let sig = STANDARD
                .decode(signature["signature"].as_str().unwrap_or_default())
                .map_err(|e| format!("signature is not Base64: {e}"))?;
            (
                Profile::UnprotectedHeader,
                header,
                payload_bytes.clone(),
                payload_bytes,
                sig,
            )
        };
    if payload_bytes != body {
        return Err("the signed payload is not the request body".into());
    }
    let leaf = header["x5c"]
        .get(0)
        .and_then(Value::as_str)
        .ok_or("the header has no x5c certificate")
        .and_then(|c| STANDARD.decode(c).map_err(|_| "x5c[0] is not Base64"))?;
    if !trusted.is_empty() && !trusted.contains(&leaf) {
        return Err("the x5c certificate is not one of the trusted certificates".into());
    }
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf)
        .map_err(|e| format!("x5c[0] is not an X.509 certificate: {e}"))?;
    let key = cert.public_key().subject_public_key.data.to_vec();
    let alg = header["alg"].as_str().unwrap_or_default();
    let algorithm: &dyn VerificationAlgorithm = match alg {
        "RS256" => &RSA_PKCS1_2048_8192_SHA256,
        "ES256" => &ECDSA_P256_SHA256_FIXED,
        other => {
            return Err(format!(
                "alg `{other}` is not supported by the sandbox (RS256, ES256)"
            ));
        }
    };
    UnparsedPublicKey::new(algorithm, key)
        .verify(&signed, &sig)
        .map_err(|_| {
            format!("the {alg} signature does not verify with the x5c certificate's key")
        })?;
    Ok(profile)
}

/// DER certificates from PEM text.
pub fn pem_certificates(pem: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut inside = None::<String>;
    for line in pem.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            inside = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            if let Some(b64) = inside.take()
                && let Ok(der) = STANDARD.decode(b64)
            {
                out.push(der);
            }
        } else if let Some(buf) = inside.as_mut() {
            buf.push_str(line);
        }
    }
    out
}
