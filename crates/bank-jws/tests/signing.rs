//! RS256 against a golden vector made by openssl; ES256 verified by RustCrypto's p256 (independent
//! of ring); the bank's documented (unprotected-header) profile as the default; PKCS#12; clear
//! errors for unusable keys; external signers that fail or take large bodies.

use bank_jws::{CommandSigner, JwsSigner, KeyError, KeySigner, Profile, Signer};
use bank_runtime::BodySigner;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn decode_header(value: &str) -> serde_json::Value {
    let json = STANDARD.decode(value).expect("the header value is Base64");
    serde_json::from_slice(&json).expect("of a JSON message")
}

#[test]
fn rs256_matches_the_openssl_golden_vector() {
    let signer =
        KeySigner::from_pem(&fixture("rsa.key.pem"), &fixture("rsa.cert.pem")).expect("RSA key");
    assert_eq!(signer.algorithm(), "RS256");
    let body = fixture("body.json");
    let message = decode_header(
        &JwsSigner::new(signer, Profile::ProtectedHeader)
            .header_value(&body)
            .expect("signs"),
    );
    let golden = String::from_utf8(fixture("rs256.golden.txt")).expect("text");
    assert_eq!(
        message["signatures"][0]["signature"].as_str(),
        Some(golden.trim())
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(message["payload"].as_str().expect("payload"))
            .expect("b64url"),
        body
    );
    let protected: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(
                message["signatures"][0]["protected"]
                    .as_str()
                    .expect("protected"),
            )
            .expect("b64url"),
    )
    .expect("JSON");
    assert_eq!(protected["alg"], "RS256");
    assert_eq!(protected["x5c"].as_array().map(Vec::len), Some(1));
}

#[test]
fn es256_verifies_with_an_independent_implementation() {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePrivateKey;

    let key_pem = fixture("ec.key.pem");
    let signer = KeySigner::from_pem(&key_pem, &fixture("ec.cert.pem")).expect("EC key");
    assert_eq!(signer.algorithm(), "ES256");
    let body = fixture("body.json");
    let message = decode_header(
        &JwsSigner::new(signer, Profile::ProtectedHeader)
            .header_value(&body)
            .expect("signs"),
    );
    let sig = &message["signatures"][0];
    let input = format!(
        "{}.{}",
        sig["protected"].as_str().expect("protected"),
        message["payload"].as_str().expect("payload")
    );
    let raw = URL_SAFE_NO_PAD
        .decode(sig["signature"].as_str().expect("signature"))
        .expect("b64url");
    assert_eq!(raw.len(), 64, "JWS ES256 is r || s");
    let secret = p256::SecretKey::from_pkcs8_pem(std::str::from_utf8(&key_pem).expect("pem"))
        .expect("p256 reads the key");
    let verifying = VerifyingKey::from(secret.public_key());
    let signature = Signature::from_slice(&raw).expect("r || s");
    verifying
        .verify(input.as_bytes(), &signature)
        .expect("p256 verifies ring's signature");
    assert!(verifying.verify(b"tampered", &signature).is_err());
}

#[test]
fn the_default_profile_signs_the_body_with_an_unprotected_header() {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePrivateKey;

    let key_pem = fixture("ec.key.pem");
    let signer = KeySigner::from_pem(&key_pem, &fixture("ec.cert.pem")).expect("EC key");
    let body = fixture("body.json");
    let message = decode_header(
        &JwsSigner::new(signer, Profile::default())
            .header_value(&body)
            .expect("signs"),
    );
    assert_eq!(Profile::default(), Profile::UnprotectedHeader);
    assert_eq!(Profile::BANK_COMPATIBLE, &[Profile::UnprotectedHeader]);
    let sig = &message["signatures"][0];
    assert_eq!(sig["header"]["alg"], "ES256");
    assert_eq!(sig["header"]["x5c"].as_array().map(Vec::len), Some(1));
    assert!(sig.get("protected").is_none());
    assert_eq!(
        STANDARD
            .decode(message["payload"].as_str().expect("payload"))
            .expect("b64"),
        body
    );
    let raw = STANDARD
        .decode(sig["signature"].as_str().expect("signature"))
        .expect("b64");
    let secret =
        p256::SecretKey::from_pkcs8_pem(std::str::from_utf8(&key_pem).expect("pem")).expect("key");
    VerifyingKey::from(secret.public_key())
        .verify(&body, &Signature::from_slice(&raw).expect("sig"))
        .expect("over the body bytes");
}

#[test]
fn profiles_are_named_by_what_they_are() {
    for p in Profile::ALL {
        assert_eq!(p.name().parse::<Profile>(), Ok(*p));
    }
    let err = "legacy".parse::<Profile>().expect_err("no such profile");
    assert!(
        err.contains("unprotected-header | protected-header"),
        "{err}"
    );
}

#[test]
fn pkcs12_files_load_with_their_chain_and_a_wrong_password_is_a_clear_error() {
    let signer = KeySigner::from_pkcs12(&fixture("ec.p12"), "test-password").expect("opens");
    assert_eq!(signer.algorithm(), "ES256");
    assert_eq!(signer.certificate_chain().len(), 1);
    let err = KeySigner::from_pkcs12(&fixture("ec.p12"), "wrong").expect_err("wrong password");
    assert!(matches!(err, KeyError::Pkcs12(_)), "{err}");
}

#[test]
fn unusable_keys_are_named_not_panicked_on() {
    let sec1 = KeySigner::from_pem(&fixture("ec.sec1.pem"), b"").expect_err("SEC1");
    assert!(sec1.to_string().contains("PKCS#8"), "{sec1}");
    let garbage = KeySigner::from_pem(b"not a pem", b"").expect_err("garbage");
    assert!(garbage.to_string().contains("private key"), "{garbage}");
    let bad_cert = KeySigner::from_pem(&fixture("ec.key.pem"), b"-----BEGIN NOTHING-----\n")
        .expect_err("no cert");
    assert!(bad_cert.to_string().contains("certificate"), "{bad_cert}");
}

#[test]
fn secrets_stay_out_of_debug() {
    let signer =
        KeySigner::from_pem(&fixture("rsa.key.pem"), &fixture("rsa.cert.pem")).expect("RSA key");
    let mut text = format!("{signer:?}");
    text.push_str(&format!(
        "{:?}",
        JwsSigner::new(signer, Profile::ProtectedHeader)
    ));
    assert!(text.contains("redacted") && !text.contains("MII"), "{text}");
}

#[test]
fn an_external_signer_plugs_into_the_same_trait() {
    // A stand-in for an NCA/Kalkan GOST tool: prints a fixed Base64 "signature" of what it read.
    let signer = CommandSigner::new(
        "sh",
        vec!["-c".into(), "cat >/dev/null; printf c2lnbmVk".into()],
        "ECGOST34310",
        vec![b"cert".to_vec()],
    );
    let message = decode_header(
        &JwsSigner::new(signer, Profile::UnprotectedHeader)
            .header_value(b"{}")
            .expect("signs"),
    );
    assert_eq!(message["signatures"][0]["header"]["alg"], "ECGOST34310");
    assert_eq!(
        message["signatures"][0]["signature"],
        STANDARD.encode(b"signed")
    );
}

/// More than any pipe buffer (64 KiB on Linux), so a writer that does not run beside the readers
/// would block.
const LARGE: usize = (1 << 20) + 17;

#[test]
fn a_signer_that_exits_at_once_is_reported_with_its_status_and_stderr_every_time() {
    // A missing token or a wrong PIN: the tool exits before reading its input. Whether the write
    // fails (broken pipe) or completes into the pipe buffer depends on scheduling; the error must
    // not. 200 runs with a body larger than a pipe buffer, and 20 with a tiny one.
    let failing = CommandSigner::new(
        "sh",
        vec!["-c".into(), "echo token not inserted >&2; exit 3".into()],
        "ECGOST34310",
        vec![],
    );
    let large = vec![b'x'; LARGE];
    for (i, body) in std::iter::repeat_n(&large[..], 200)
        .chain(std::iter::repeat_n(&b"x"[..], 20))
        .enumerate()
    {
        let err = failing.sign(body).expect_err("exit 3");
        let text = err.to_string();
        assert!(
            text.contains("token not inserted") && text.contains("exit status: 3"),
            "run {i}: {text}"
        );
        assert!(!text.contains("Broken pipe"), "run {i}: {text}");
    }
}

#[test]
fn a_signer_that_stops_reading_but_exits_zero_is_not_trusted() {
    // It signed (at most) part of the body: its output is not a signature of these bytes.
    let partial = CommandSigner::new(
        "sh",
        vec!["-c".into(), "head -c 10 >/dev/null; printf c2lnbmVk".into()],
        "ECGOST34310",
        vec![],
    );
    let err = partial
        .sign(&vec![b'x'; LARGE])
        .expect_err("did not read it all");
    assert!(
        err.to_string().contains("before reading the whole input"),
        "{err}"
    );
}

#[test]
fn a_body_larger_than_a_pipe_buffer_is_signed_without_deadlock() {
    // The tool writes to stderr before reading (filling that pipe too), reads everything, and only
    // then prints its "signature": the number of bytes it read, Base64-encoded.
    let counting = CommandSigner::new(
        "sh",
        vec![
            "-c".into(),
            "head -c 200000 /dev/zero >&2; n=$(wc -c); printf %s \"$n\" | base64".into(),
        ],
        "ECGOST34310",
        vec![],
    );
    let signature = counting.sign(&vec![b'{'; LARGE]).expect("signs");
    assert_eq!(
        String::from_utf8(signature).expect("text").trim(),
        LARGE.to_string()
    );
}

/// The bank's own definition of the message, in the published FinancialAPI document.
fn published_financial() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bcc-financial/published.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("published.json")).expect("JSON")
}

#[test]
fn every_bank_compatible_profile_follows_the_documents_jws_message_and_verifies_with_x5c() {
    use ring::signature::{
        ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
        VerificationAlgorithm,
    };
    let doc = published_financial();
    let body = fixture("body.json");
    assert!(!Profile::BANK_COMPATIBLE.is_empty());
    for profile in Profile::BANK_COMPATIBLE {
        for (key, cert) in [
            ("ec.key.pem", "ec.cert.pem"),
            ("rsa.key.pem", "rsa.cert.pem"),
        ] {
            let signer = KeySigner::from_pem(&fixture(key), &fixture(cert)).expect("key");
            let message = decode_header(
                &JwsSigner::new(signer, *profile)
                    .header_value(&body)
                    .expect("signs"),
            );
            let violations = bank_openapi::validate::validate_at(
                &doc,
                "/components/schemas/jws-message",
                &message,
            );
            assert!(violations.is_empty(), "{profile} ({key}): {violations:?}");
            // The payload is the body, and the signature verifies with the key of x5c[0].
            let sig = &message["signatures"][0];
            assert_eq!(
                STANDARD
                    .decode(message["payload"].as_str().expect("payload"))
                    .expect("Base64"),
                body
            );
            let leaf = STANDARD
                .decode(sig["header"]["x5c"][0].as_str().expect("x5c[0]"))
                .expect("Base64 DER");
            let (_, parsed) = x509_parser::parse_x509_certificate(&leaf).expect("X.509");
            let public_key = parsed.public_key().subject_public_key.data.to_vec();
            let algorithm: &dyn VerificationAlgorithm = match sig["header"]["alg"].as_str() {
                Some("ES256") => &ECDSA_P256_SHA256_FIXED,
                Some("RS256") => &RSA_PKCS1_2048_8192_SHA256,
                other => panic!("unexpected alg {other:?}"),
            };
            let signature = STANDARD
                .decode(sig["signature"].as_str().expect("signature"))
                .expect("Base64");
            UnparsedPublicKey::new(algorithm, &public_key)
                .verify(&body, &signature)
                .unwrap_or_else(|_| panic!("{profile} ({key}): the x5c key verifies"));
            assert!(
                UnparsedPublicKey::new(algorithm, &public_key)
                    .verify(b"{\"amount\": 2}", &signature)
                    .is_err()
            );
        }
    }
    // The RFC 7515 profile is not offered as bank-compatible because the document forbids it.
    let signer = KeySigner::from_pem(&fixture("ec.key.pem"), &fixture("ec.cert.pem")).expect("key");
    let rfc = decode_header(
        &JwsSigner::new(signer, Profile::ProtectedHeader)
            .header_value(&body)
            .expect("signs"),
    );
    let violations =
        bank_openapi::validate::validate_at(&doc, "/components/schemas/jws-message", &rfc);
    assert!(
        violations
            .iter()
            .any(|v| v.message.contains("`protected` is not allowed")),
        "{violations:?}"
    );
}
