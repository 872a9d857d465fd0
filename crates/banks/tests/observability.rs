//! What a call leaves in the logs (a `bank_call` span with bank, operation and status; no token,
//! secret or signature), and a signer that fails: a typed `Signing` error and nothing sent.

use std::io::Write;
use std::sync::{Arc, Mutex};

use banks::{BodySigner, ClientCredentials, Environment, ErrorKind};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Log lines collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A signer whose signature is a recognisable secret-looking value.
#[derive(Debug)]
struct FixedSigner(&'static str);

impl BodySigner for FixedSigner {
    fn header_value(&self, _: &[u8]) -> Result<String, banks::SignError> {
        Ok(self.0.to_owned())
    }
}

/// A signer whose key is gone (an HSM offline, an expired certificate).
#[derive(Debug)]
struct BrokenSigner;

impl BodySigner for BrokenSigner {
    fn header_value(&self, _: &[u8]) -> Result<String, banks::SignError> {
        Err(banks::SignError("the HSM does not answer".into()))
    }
}

async fn bank() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "access-token-do-not-log", "expires_in": 3600}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/client-id/payments"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "code": 0, "description": "OK"})),
        )
        .mount(&server)
        .await;
    server
}

fn financial(
    server: &MockServer,
    signer: impl BodySigner + 'static,
) -> banks::bcc::financial::Client {
    banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new(
            "client-id",
            "client-secret-do-not-log",
        ))
        .environment(Environment::Custom(server.uri()))
        .token_url(format!("{}/token", server.uri()))
        .signer(signer)
        .build()
        .expect("builds")
}

fn payment() -> banks::bcc::financial::types::builder::PaymentBody {
    banks::bcc::financial::types::PaymentBody::builder()
        .amount(banks::Decimal::from(100))
        .currency("KZT".to_owned())
}

#[tokio::test]
async fn every_call_has_a_span_with_bank_operation_and_status_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = bank().await;
    let client = financial(&server, FixedSigner("signature-do-not-log"));
    client
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect("paid");

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    let finished = logs
        .lines()
        .find(|l| l.contains("bank call finished"))
        .unwrap_or_else(|| panic!("no finished event in:\n{logs}"));
    for field in [
        "bank_call{",
        "bank=\"bcc-financial\"",
        "operation=\"create_payment\"",
        "method=POST",
        "status=200",
        "attempts=1",
    ] {
        assert!(
            finished.contains(field),
            "{field} missing from: {finished}\n{logs}"
        );
    }
    for secret in [
        "access-token-do-not-log",
        "client-secret-do-not-log",
        "signature-do-not-log",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn a_signer_that_fails_is_a_typed_signing_error_and_nothing_is_sent() {
    // A subscriber here too: tracing caches whether a call site is wanted per process, and a
    // call site first reached on a thread without one would be cached as unwanted while the
    // other test's subscriber is being set up.
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::sink)
            .finish(),
    );
    let server = bank().await;
    let err = financial(&server, BrokenSigner)
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect_err("unsigned");
    assert_eq!(err.kind, ErrorKind::Signing, "{err}");
    assert!(err.to_string().contains("the HSM does not answer"), "{err}");
    let sent = server.received_requests().await.expect("recorded");
    assert!(
        sent.iter().all(|r| r.url.path() != "/client-id/payments"),
        "an unsigned payment must not leave the client"
    );
}
