//! The BaaS Gateway facade against a mock gateway on 127.0.0.1: the password grant, the envelope
//! with a fresh UUID per call, `error` codes as an enum (unknown codes kept), the 401
//! `invalid_token` refresh, retries only for read-only lookups, the generic `call`, and malformed
//! answers as typed errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use banks::baas::{BaasClient, ErrorCode, gateway};
use banks::{Environment, ErrorKind};
use gateway::types::{ApplicationIdParams, ApplicationStatus, CardApplicationCreateParams};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// `Basic base64(consumer-key:consumer-secret)`.
const CONSUMER_BASIC: &str = "Basic Y29uc3VtZXIta2V5OmNvbnN1bWVyLXNlY3JldA==";
const APPLICATION: &str = "b0c1d2e3-f405-4617-8829-3a4b5c6d7e8f";

fn client(server: &MockServer) -> BaasClient {
    banks::baas::Baas::builder()
        .credentials(banks::baas::Credentials::new(
            "consumer-key",
            "consumer-secret",
            "merchant-user",
            "user-p4ss",
        ))
        .environment(Environment::Custom(server.uri()))
        .build()
        .expect("builds")
}

fn token(value: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"access_token": value, "token_type": "Bearer", "expires_in": 3600, "scope": "default"}),
    )
}

async fn mount_token(server: &MockServer, value: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("authorization", CONSUMER_BASIC))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(
            json!({"grant_type": "password", "username": "merchant-user", "password": "user-p4ss"}),
        ))
        .respond_with(token(value))
        .mount(server)
        .await;
}

fn create_params() -> CardApplicationCreateParams {
    serde_json::from_value(json!({
        "client": {"phone": "998901234567", "pinfl": "30101901234567", "passportSeries": "AA",
                   "passportNumber": "1234567", "birthDate": "1990-01-01"},
        "cardType": "UZCARD"
    }))
    .expect("valid params")
}

fn status_params() -> ApplicationIdParams {
    ApplicationIdParams::builder()
        .application_id(APPLICATION.parse::<uuid::Uuid>().expect("uuid"))
        .try_into()
        .expect("valid params")
}

/// Answers with the request's own id in the envelope, and records the ids it saw.
#[derive(Clone, Default)]
struct Echo {
    ids: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("JSON request");
        let id = body["id"].as_str().expect("id").to_owned();
        self.ids.lock().expect("lock").push(id.clone());
        ResponseTemplate::new(200).set_body_json(json!({
            "id": id,
            "result": {"applicationId": APPLICATION, "status": "NEW", "createdAt": "2024-05-01T10:15:00+05:00"},
            "error": null
        }))
    }
}

#[tokio::test]
async fn a_call_sends_a_fresh_envelope_with_a_bearer_and_returns_the_result() {
    let server = MockServer::start().await;
    mount_token(&server, "jwt-1").await;
    let echo = Echo::default();
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/create"))
        .and(header("authorization", "Bearer jwt-1"))
        .and(body_partial_json(
            json!({"params": {"cardType": "UZCARD", "client": {"pinfl": "30101901234567"}}}),
        ))
        .respond_with(echo.clone())
        .expect(2)
        .mount(&server)
        .await;

    let baas = client(&server);
    let first = baas
        .create_card_application(create_params())
        .await
        .expect("created");
    assert_eq!(first.application_id.to_string(), APPLICATION);
    assert_eq!(first.status, ApplicationStatus::New);
    baas.create_card_application(create_params())
        .await
        .expect("created");

    let ids = echo.ids.lock().expect("lock").clone();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "every call gets its own envelope id");
    for id in &ids {
        let parsed: uuid::Uuid = id.parse().expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
    }
    let token_calls = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/oauth2/token")
        .count();
    assert_eq!(token_calls, 1, "the token is cached between calls");
}

#[tokio::test]
async fn envelope_errors_become_typed_codes_on_200_and_on_error_statuses() {
    let server = MockServer::start().await;
    mount_token(&server, "jwt-1").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "result": null,
            "error": {"code": 1000, "message": "Application not found"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/create"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "result": null,
            "error": {"code": 4, "message": "Validation Error. Field: params.client.pinfl, message: must match"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/microcredit/application/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "result": null,
            "error": {"code": 1999, "message": "Something the table does not list"}
        })))
        .mount(&server)
        .await;

    let baas = client(&server);
    let err = baas
        .get_card_application_status(status_params())
        .await
        .expect_err("not found");
    assert_eq!(ErrorCode::of(&err), Some(ErrorCode::ApplicationNotFound));
    assert_eq!(ErrorCode::ApplicationNotFound.group(), Some("business"));
    // One method for every bank's codes, typed by the API's own enum; another API's reads None.
    assert_eq!(
        err.code_of::<gateway::ErrorCode>(),
        Some(ErrorCode::ApplicationNotFound)
    );
    assert_eq!(err.code_of::<banks::globus::cfront::ErrorCode>(), None);

    let err = baas
        .create_card_application(create_params())
        .await
        .expect_err("invalid");
    assert_eq!(err.kind, ErrorKind::Bank, "{err}");
    assert_eq!(
        (ErrorCode::of(&err), err.status),
        (Some(ErrorCode::Validation), Some(400))
    );
    assert!(err.message.contains("params.client.pinfl"), "{err}");
    assert_eq!(
        err.request_id.as_deref(),
        Some("e20ba72f-bc54-449f-ae13-7458afef64c6"),
        "the envelope id, when no header carries one"
    );
    assert!(
        !err.is_transient(),
        "a validation refusal is not worth repeating"
    );
    let line = err.to_string();
    assert!(
        line.contains("bank error, HTTP 400, code 4") && line.starts_with("baas-gateway"),
        "{line}"
    );

    let err = baas
        .get_micro_credit_application_status(status_params())
        .await
        .expect_err("unlisted");
    assert_eq!(ErrorCode::of(&err), Some(ErrorCode::Unlisted(1999)));
    assert!(
        err.to_string()
            .contains("Something the table does not list"),
        "{err}"
    );
}

#[tokio::test]
async fn the_error_enum_is_the_specs_table() {
    let spec: Value =
        serde_json::from_str(include_str!("../../baas-gateway/openapi.json")).expect("spec");
    let table = spec
        .pointer("/components/schemas/Error/x-error-codes")
        .and_then(Value::as_array)
        .expect("x-error-codes");
    assert_eq!(table.len(), ErrorCode::KNOWN.len());
    for (row, code) in table.iter().zip(ErrorCode::KNOWN) {
        assert_eq!(row["code"].as_i64(), Some(code.code()));
        assert_eq!(row["name"].as_str(), Some(code.name()));
        assert_eq!(ErrorCode::from_code(code.code()), *code);
    }
    assert_eq!(
        ErrorCode::from_code(1010),
        ErrorCode::Unlisted(1010),
        "1010 is not in the bank's table"
    );
}

/// 401 with `invalid_token` until the token is `jwt-2`.
struct RejectOld;

impl Respond for RejectOld {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth == Some("Bearer jwt-2") {
            ResponseTemplate::new(200).set_body_json(json!({
                "id": "e20ba72f-bc54-449f-ae13-7458afef64c6",
                "result": {"cards": []}, "error": null
            }))
        } else {
            ResponseTemplate::new(401).insert_header(
                "www-authenticate",
                r#"Bearer realm="oauth2-resource", error="invalid_token", error_description="The access token expired""#,
            )
        }
    }
}

/// Hands out `jwt-1`, `jwt-2`, … and counts.
#[derive(Clone, Default)]
struct Tokens(Arc<AtomicUsize>);

impl Respond for Tokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        token(&format!("jwt-{n}"))
    }
}

fn find_params() -> gateway::types::CardFindParams {
    serde_json::from_value(json!({"pinfl": "30101901234567"})).expect("valid params")
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_resent_once() {
    let server = MockServer::start().await;
    let tokens = Tokens::default();
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(tokens.clone())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/find"))
        .respond_with(RejectOld)
        .mount(&server)
        .await;

    let cards = client(&server)
        .find_cards(find_params())
        .await
        .expect("after one refresh");
    assert!(cards.cards.is_empty());
    assert_eq!(
        tokens.0.load(Ordering::SeqCst),
        2,
        "one token, then one refresh"
    );
}

#[tokio::test]
async fn a_token_rejected_again_after_the_refresh_is_a_typed_401() {
    let server = MockServer::start().await;
    let tokens = Tokens::default();
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(tokens.clone())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/find"))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "www-authenticate",
            r#"Bearer realm="oauth2-resource", error="invalid_token", error_description="The token is malformed or invalid.""#,
        ))
        .expect(2)
        .mount(&server)
        .await;

    let err = client(&server)
        .find_cards(find_params())
        .await
        .expect_err("still 401");
    assert_eq!((err.kind, err.status), (ErrorKind::Status, Some(401)));
    assert_eq!(tokens.0.load(Ordering::SeqCst), 2, "exactly one refresh");
}

#[tokio::test]
async fn the_token_endpoint_refusing_is_a_typed_auth_error_and_nothing_else_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/create"))
        .respond_with(Echo::default())
        .expect(0)
        .mount(&server)
        .await;

    let err = client(&server)
        .create_card_application(create_params())
        .await
        .expect_err("no token");
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.to_string().contains("invalid_grant"), "{err}");
}

#[tokio::test]
async fn read_only_lookups_are_retried_and_creating_calls_are_sent_once() {
    let server = MockServer::start().await;
    mount_token(&server, "jwt-1").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/status"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/status"))
        .respond_with(Echo::default())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/application/create"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let baas = client(&server);
    baas.get_card_application_status(status_params())
        .await
        .expect("second attempt");
    let err = baas
        .create_card_application(create_params())
        .await
        .expect_err("503");
    assert_eq!((err.kind, err.status), (ErrorKind::Status, Some(503)));
    assert!(
        err.raw_body()
            .unwrap_or_default()
            .contains("Service Unavailable")
    );
}

#[tokio::test]
async fn the_generic_call_covers_operations_the_spec_does_not_list() {
    #[derive(serde::Serialize)]
    struct BlockCard<'a> {
        #[serde(rename = "cardId")]
        card_id: &'a str,
        reason: &'a str,
    }
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Blocked {
        blocked: bool,
        #[serde(rename = "cardId")]
        card_id: String,
    }
    let server = MockServer::start().await;
    mount_token(&server, "jwt-1").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/block"))
        .and(header("authorization", "Bearer jwt-1"))
        .and(body_partial_json(json!({"params": {"cardId": "C-1", "reason": "lost"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "result": {"blocked": true, "cardId": "C-1"}, "error": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/unblock"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "result": null, "error": {"code": 1008, "message": "Card is not found by params: C-9"}
        })))
        .mount(&server)
        .await;

    let baas = client(&server);
    let blocked: Blocked = baas
        .call(
            "/api/v1/card/block",
            &BlockCard {
                card_id: "C-1",
                reason: "lost",
            },
        )
        .await
        .expect("blocked");
    assert_eq!(
        blocked,
        Blocked {
            blocked: true,
            card_id: "C-1".into()
        }
    );
    let err = baas
        .call::<_, Blocked>(
            "api/v1/card/unblock",
            &BlockCard {
                card_id: "C-9",
                reason: "found",
            },
        )
        .await
        .expect_err("not found");
    assert_eq!(ErrorCode::of(&err), Some(ErrorCode::CardNotFound));
}

#[tokio::test]
async fn malformed_answers_are_typed_errors() {
    let server = MockServer::start().await;
    mount_token(&server, "jwt-1").await;
    let cases: [(&str, ResponseTemplate, ErrorKind); 5] = [
        (
            "/html",
            ResponseTemplate::new(502).set_body_string("<html><body>Bad Gateway</body></html>"),
            ErrorKind::Status,
        ),
        ("/empty", ResponseTemplate::new(200), ErrorKind::Decode),
        (
            "/truncated",
            ResponseTemplate::new(200).set_body_raw(
                r#"{"id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "res"#,
                "application/json",
            ),
            ErrorKind::Decode,
        ),
        (
            "/neither",
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "e20ba72f-bc54-449f-ae13-7458afef64c6"})),
            ErrorKind::Decode,
        ),
        (
            "/wrong-type",
            ResponseTemplate::new(200).set_body_json(json!({"result": {"blocked": "yes"}})),
            ErrorKind::Decode,
        ),
    ];
    for (route, response, _) in &cases {
        Mock::given(method("POST"))
            .and(path(*route))
            .respond_with(response.clone())
            .mount(&server)
            .await;
    }
    let baas = client(&server);
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Blocked {
        blocked: bool,
    }
    for (route, _, kind) in cases {
        let err = baas
            .call::<_, Blocked>(route, &json!({}))
            .await
            .expect_err(route);
        assert_eq!(err.kind, kind, "{route}: {err}");
    }

    // The typed methods too: an HTML page with a 200 and an envelope with neither part.
    Mock::given(method("POST"))
        .and(path("/api/v1/card/find"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
        )
        .mount(&server)
        .await;
    let err = baas.find_cards(find_params()).await.expect_err("HTML");
    assert_eq!(err.kind, ErrorKind::Decode, "{err}");
}

#[test]
fn builders_say_what_is_missing_and_hide_secrets() {
    let credentials = || {
        banks::baas::Credentials::new(
            "consumer-key",
            "consumer-secret",
            "merchant-user",
            "user-p4ss",
        )
    };
    let missing = banks::baas::Baas::builder()
        .credentials(credentials())
        .build()
        .expect_err("no environment");
    assert!(
        missing.to_string().contains("the environment") && missing.to_string().contains("required"),
        "{missing}"
    );
    let no_host = banks::baas::Baas::builder()
        .credentials(credentials())
        .environment(Environment::Production)
        .build()
        .expect_err("the bank publishes no host");
    assert!(
        no_host.to_string().contains("Environment::Custom"),
        "{no_host}"
    );
    let builder = banks::baas::Baas::builder().credentials(credentials());
    let debug = format!("{builder:?}");
    assert!(
        !debug.contains("consumer-secret") && !debug.contains("user-p4ss"),
        "{debug}"
    );
    let no_credentials = banks::baas::Baas::builder()
        .environment(Environment::Custom("http://127.0.0.1:1".into()))
        .build()
        .expect_err("no credentials");
    assert!(
        no_credentials.to_string().contains("credentials"),
        "{no_credentials}"
    );
}

#[tokio::test]
async fn params_from_plain_values_and_a_forbidden_value_is_refused_before_sending() {
    let server = MockServer::start().await;
    mount_token(&server, "jwt-1").await;
    Mock::given(method("POST"))
        .and(path("/api/v1/card/find"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "result": {"cards": []}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let baas = client(&server);
    let found = baas
        .find_cards(gateway::types::CardFindParams::builder().pinfl("30101901234567"))
        .await
        .expect("a plain string where the document wants 14 digits");
    assert!(found.cards.is_empty());
    let err = baas
        .find_cards(gateway::types::CardFindParams::builder().pinfl("12"))
        .await
        .expect_err("not 14 digits");
    assert_eq!(err.kind, ErrorKind::InvalidRequest, "{err}");
    assert!(err.to_string().contains("pinfl"), "{err}");
    // The one request the mock saw is the valid one (`expect(1)` is checked when it drops).
}
