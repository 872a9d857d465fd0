//! [`KeySigner`]: RS256 / ES256 with a private key held in memory, on ring.

use std::fmt;

use bank_runtime::SignError;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::Signer;

/// A key or certificate could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The PEM text holds no usable item.
    #[error("{what}: {message}")]
    Pem {
        /// What was being read (`private key`, `certificate`).
        what: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The key is not an RSA or P-256 key ring can use.
    #[error("unsupported private key: {0}")]
    Unsupported(String),
    /// A PKCS#12 file could not be opened.
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
}

enum Key {
    Rs256(RsaKeyPair),
    Es256(EcdsaKeyPair),
}

/// An RS256 or ES256 signer with its certificate chain.
pub struct KeySigner {
    key: Key,
    chain: Vec<Vec<u8>>,
    rng: SystemRandom,
}

impl fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySigner")
            .field("algorithm", &self.algorithm())
            .field("private_key", &"[redacted]")
            .field("certificates", &self.chain.len())
            .finish()
    }
}

impl KeySigner {
    /// A signer from a PEM private key (PKCS#8, or PKCS#1 for RSA) and a PEM certificate chain
    /// (leaf first; may be empty when the bank does not ask for `x5c`).
    pub fn from_pem(key_pem: &[u8], certificates_pem: &[u8]) -> Result<Self, KeyError> {
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| KeyError::Pem {
            what: "private key",
            message: e.to_string(),
        })?;
        let chain = if certificates_pem.is_empty() {
            Vec::new()
        } else {
            CertificateDer::pem_slice_iter(certificates_pem)
                .map(|c| c.map(|c| c.as_ref().to_vec()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| KeyError::Pem {
                    what: "certificate",
                    message: e.to_string(),
                })?
        };
        if !certificates_pem.is_empty() && chain.is_empty() {
            return Err(KeyError::Pem {
                what: "certificate",
                message: "no CERTIFICATE block found".into(),
            });
        }
        Self::from_key_der(key, chain)
    }

    #[cfg(feature = "pkcs12")]
    /// A signer from a PKCS#12 (`.p12` / `.pfx`) file: its first private key and that key's chain.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Self, KeyError> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            data,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| KeyError::Pkcs12(e.to_string()))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| KeyError::Pkcs12("no private key in the file".into()))?;
        let certs = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
        let der = PrivateKeyDer::Pkcs8(chain.key().as_der().to_vec().into());
        Self::from_key_der(der, certs)
    }

    fn from_key_der(key: PrivateKeyDer<'_>, chain: Vec<Vec<u8>>) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let key = match &key {
            PrivateKeyDer::Pkcs1(der) => Key::Rs256(
                RsaKeyPair::from_der(der.secret_pkcs1_der())
                    .map_err(|e| KeyError::Unsupported(format!("RSA: {e}")))?,
            ),
            PrivateKeyDer::Pkcs8(der) => {
                let bytes = der.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(bytes) {
                    Ok(k) => Key::Rs256(k),
                    Err(rsa) => match EcdsaKeyPair::from_pkcs8(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        bytes,
                        &rng,
                    ) {
                        Ok(k) => Key::Es256(k),
                        Err(ec) => {
                            return Err(KeyError::Unsupported(format!(
                                "neither an RSA key ({rsa}) nor a P-256 key ({ec}); GOST keys need an external signer"
                            )));
                        }
                    },
                }
            }
            PrivateKeyDer::Sec1(_) => {
                return Err(KeyError::Unsupported(
                    "SEC1 `EC PRIVATE KEY`: convert it to PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`)"
                        .into(),
                ));
            }
            _ => return Err(KeyError::Unsupported("unknown private key encoding".into())),
        };
        if let Key::Rs256(k) = &key
            && k.public().modulus_len() < 256
        {
            return Err(KeyError::Unsupported(format!(
                "RSA keys under 2048 bits ({} bits)",
                k.public().modulus_len() * 8
            )));
        }
        Ok(KeySigner { key, chain, rng })
    }
}

impl Signer for KeySigner {
    fn algorithm(&self) -> &str {
        match self.key {
            Key::Rs256(_) => "RS256",
            Key::Es256(_) => "ES256",
        }
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.key {
            Key::Rs256(k) => {
                let mut out = vec![0; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &self.rng, data, &mut out)
                    .map_err(|e| SignError(format!("RS256: {e}")))?;
                Ok(out)
            }
            Key::Es256(k) => k
                .sign(&self.rng, data)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| SignError(format!("ES256: {e}"))),
        }
    }

    fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
}
