//! The facade's BCC builders against a mock bank on 127.0.0.1: credentials, environment, token,
//! and payments signed over the exact bytes sent.

use banks::jws::{JwsSigner, Profile};
use banks::{BuildError, ClientCredentials, Environment};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn signer() -> JwsSigner {
    bank_testkit::keys::ec_signer(Profile::default())
}

/// A FinancialAPI client of the mock bank at `server` (token at `/token`).
fn financial(server: &MockServer) -> banks::bcc::financial::Client {
    banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new("APP", "secret"))
        .environment(Environment::Custom(server.uri()))
        .token_url(format!("{}/token", server.uri()))
        .signer(signer())
        .build()
        .expect("builds")
}

#[tokio::test]
async fn a_payment_goes_out_with_a_token_and_a_signature_over_the_bytes_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "tkn", "expires_in": 3600})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/APP/payments"))
        .and(header("authorization", "Bearer tkn"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "code": 0, "description": "OK"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let financial = financial(&server);
    let body = banks::bcc::financial::types::PaymentBody::builder()
        .amount(banks::Decimal::from(100))
        .currency("KZT".to_owned());
    let result = financial
        .create_payment()
        .body(body)
        .bank()
        .await
        .expect("paid");
    assert!(result.success);

    let requests = server.received_requests().await.expect("recorded");
    let payment = requests
        .iter()
        .find(|r| r.url.path() == "/APP/payments")
        .expect("payment sent");
    let value = payment
        .headers
        .get("x-jws-signature")
        .expect("signed")
        .to_str()
        .expect("ascii");
    let message: serde_json::Value =
        serde_json::from_slice(&STANDARD.decode(value).expect("b64")).expect("JSON");
    let payload = STANDARD
        .decode(message["payload"].as_str().expect("payload"))
        .expect("the bank's form: standard Base64 of the body");
    assert_eq!(
        payload, payment.body,
        "the signature covers exactly the bytes on the wire"
    );

    // Reading operations are not signed.
    Mock::given(method("GET"))
        .and(path("/APP/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accounts": []})))
        .mount(&server)
        .await;
    financial.get_accounts().bank().await.expect("accounts");
    let requests = server.received_requests().await.expect("recorded");
    let get = requests
        .iter()
        .find(|r| r.url.path() == "/APP/accounts")
        .expect("sent");
    assert!(get.headers.get("x-jws-signature").is_none());
}

#[test]
fn builders_say_what_is_missing_and_use_the_specs_base_urls() {
    let err = banks::bcc::Financial::builder()
        .signer(signer())
        .build()
        .expect_err("no credentials");
    assert_eq!(
        err,
        BuildError::Missing {
            api: "bcc-financial",
            what: "credentials"
        }
    );
    // Without a signer it builds (reads need none; payments then fail with ErrorKind::Signing).
    banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new("a", "b"))
        .environment(Environment::Test)
        .build()
        .expect("builds without a signer");
    // No silent production: the environment is an explicit choice.
    let err = banks::bcc::Broker::builder()
        .credentials(ClientCredentials::new("a", "b"))
        .build()
        .expect_err("no environment");
    assert!(
        matches!(err, BuildError::Missing { api: "bcc-broker", what } if what.starts_with("the environment")),
        "{err}"
    );
    let broker = banks::bcc::Broker::builder()
        .credentials(ClientCredentials::new("a", "b"))
        .environment(Environment::Test)
        .build()
        .expect("builds");
    assert_eq!(
        broker.base_url(),
        "https://api-test.bcc.kz/bcc/production/v1/broker"
    );
}

#[test]
fn post_link_webhooks_parse_or_fail_typed() {
    let state = banks::bcc::parse_callback(
        r#"{"referenceId":"BGR1231","state":"CUSTOMER_REJECTED","stateTitle":"Клиент отказался","productCode":"INS12","loanLength":"12","new":1}"#
            .as_bytes(),
    )
    .expect("parses, unknown fields tolerated");
    assert_eq!(
        (state.reference_id.as_str(), state.state.as_str()),
        ("BGR1231", "CUSTOMER_REJECTED")
    );

    let missing =
        banks::bcc::parse_callback(br#"{"referenceId":"BGR1231"}"#).expect_err("missing fields");
    assert!(
        matches!(missing, banks::CallbackError::Malformed { .. })
            && missing.to_string().contains("missing field"),
        "{missing}"
    );
    let truncated = banks::bcc::parse_callback(br#"{"referenceId":"BGR"#).expect_err("truncated");
    assert!(
        matches!(truncated, banks::CallbackError::Malformed { line: 1, .. }),
        "{truncated}"
    );
    assert!(matches!(
        banks::bcc::parse_callback(b"  "),
        Err(banks::CallbackError::Empty { .. })
    ));
    let huge = vec![b' '; 65 * 1024];
    assert!(matches!(
        banks::bcc::parse_callback(&huge),
        Err(banks::CallbackError::TooLarge { size: 66560, .. })
    ));
    let html = banks::bcc::parse_callback(b"<html>502</html>").expect_err("html");
    assert!(html.to_string().contains("bcc-broker callback"), "{html}");
}

/// The 0.1 name `parse_post_link` still compiles (deprecated for one release) and is the same
/// function as `parse_callback`, the name every bank's module uses.
#[test]
#[allow(deprecated)]
fn the_deprecated_post_link_name_still_works() {
    let body = br#"{"referenceId":"BGR1","state":"APPROVED","stateTitle":"OK","productCode":"INS12","loanLength":"12"}"#;
    let old = banks::bcc::parse_post_link(body).expect("parses");
    let new = banks::bcc::parse_callback(body).expect("parses");
    assert_eq!(old, new);
    assert!(banks::bcc::parse_post_link(b"").is_err());
}

#[tokio::test]
async fn a_refusal_on_http_200_is_a_bank_error_not_ok() {
    // FinancialAPI answers payments with its `Response`; `success: false` is the bank saying no,
    // whatever the HTTP status (`x-refusal` in the spec's fixes).
    let server = MockServer::start().await;
    bank_testkit::mock::token_endpoint(&server, "/token", "tkn").await;
    Mock::given(method("POST"))
        .and(path("/APP/payments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"success": false, "code": 17, "description": "Недостаточно средств"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = financial(&server)
        .create_payment()
        .body(
            banks::bcc::financial::types::PaymentBody::builder()
                .amount(banks::Decimal::from(100))
                .currency("KZT".to_owned()),
        )
        .bank()
        .await
        .expect_err("refused");
    assert_eq!(err.kind, banks::ErrorKind::Bank, "{err}");
    assert_eq!(
        (err.status, err.code.as_deref(), err.message.as_str()),
        (Some(200), Some("17"), "Недостаточно средств")
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn appid_is_the_client_id_unless_a_call_sets_another_and_the_reference_is_typed() {
    let server = MockServer::start().await;
    bank_testkit::mock::token_endpoint(&server, "/token", "tkn").await;
    for (app, iban) in [("APP", "KZ-OWN"), ("OTHER", "KZ-OTHER")] {
        Mock::given(method("GET"))
            .and(path(format!("/{app}/accounts")))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"accounts": [{"iban": iban}]})),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/healthcheck"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "UP"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/APP/payments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"success": true, "code": 0, "description": "Принят", "referenceId": "PAY-77"}),
        ))
        .mount(&server)
        .await;
    let financial = financial(&server);
    let own = financial.get_accounts().bank().await.expect("own accounts");
    assert_eq!(own.accounts[0].iban, "KZ-OWN");
    let other = financial
        .get_accounts()
        .appid("OTHER")
        .bank()
        .await
        .expect("another application's accounts");
    assert_eq!(other.accounts[0].iban, "KZ-OTHER");
    financial
        .healthcheck()
        .bank()
        .await
        .expect("no appid in this path");
    let body = banks::bcc::financial::types::PaymentBody::builder()
        .amount(banks::Decimal::from(1))
        .currency("KZT".to_owned());
    let accepted = financial
        .create_payment()
        .body(body)
        .bank()
        .await
        .expect("accepted");
    assert_eq!(banks::bcc::payment_reference(&accepted), Some("PAY-77"));
    assert_eq!(accepted.description, "Принят", "nothing else is lost");
}
