//! The test keys and certificates kept in `crates/bank-jws/tests/keys/`, and JWS signers made
//! from them.

use banks::jws::{JwsSigner, KeySigner, Profile};

/// The folder holding the test keys.
pub fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bank-jws/tests/keys")
}

/// The bytes of one test key or certificate (`ec.key.pem`, `rsa.cert.pem`, …).
pub fn read(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test key {}: {e}", path.display()))
}

/// An ES256 signer (the EC test key with its certificate) in `profile`.
pub fn ec_signer(profile: Profile) -> JwsSigner {
    JwsSigner::new(
        KeySigner::from_pem(&read("ec.key.pem"), &read("ec.cert.pem")).expect("the EC test key"),
        profile,
    )
}

/// An RS256 signer (the RSA test key with its certificate) in `profile`.
pub fn rsa_signer(profile: Profile) -> JwsSigner {
    JwsSigner::new(
        KeySigner::from_pem(&read("rsa.key.pem"), &read("rsa.cert.pem")).expect("the RSA test key"),
        profile,
    )
}
