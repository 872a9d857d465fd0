//! The generated clients over real HTTP on 127.0.0.1: exact money, bank date layouts, tolerance
//! of fields the bank adds, the hooks' header clean-up, and base URLs from the spec.

use std::str::FromStr;

use bank_runtime::{Context, Decimal, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_json, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn decimal(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

/// A signer that always gives the same header value (payments must be signed to leave).
#[derive(Debug)]
struct FixedSignature;

impl bank_runtime::BodySigner for FixedSignature {
    fn header_value(&self, _: &[u8]) -> Result<String, bank_runtime::SignError> {
        Ok("fixed-signature".into())
    }
}

fn financial(server: &MockServer) -> bcc_financial::Client {
    bcc_financial::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        Context::for_api(&bcc_financial::SPEC)
            .client_id("APP-1")
            .signer(std::sync::Arc::new(FixedSignature))
            .build(),
    )
}

#[tokio::test]
async fn a_balance_beyond_f64_precision_arrives_exactly_and_unknown_fields_are_ignored() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/APP-1/accounts/KZ100100100100100100"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"iban":"KZ100100100100100100","type":"CURR","status":"A","dateOpened":"31-03-2020",
                "balanceAccount":{"currency":"KZT","balance":12345678901234567.89,"availableFunds":27508779.81,
                                  "blockedBalance":0,"addedByTheBankLater":true},
                "aFieldTheBankAddedLater":{"nested":[1,2,3]}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let account = financial(&server)
        .get_account()
        .iban("KZ100100100100100100")
        .send()
        .await
        .expect("the call succeeds")
        .into_inner();
    assert_eq!(
        account.balance_account.balance,
        decimal("12345678901234567.89")
    );
    assert_eq!(
        account.balance_account.available_funds,
        Some(decimal("27508779.81"))
    );
    assert_eq!(
        account.date_opened.expect("dateOpened").to_string(),
        "31-03-2020"
    );
    // Written back, the amount is the same JSON number, digit for digit.
    let text = serde_json::to_string(&account.balance_account).expect("serialises");
    assert!(text.contains(r#""balance":12345678901234567.89"#), "{text}");
}

#[tokio::test]
async fn a_balance_sent_as_a_string_is_read_exactly_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/APP-1/accounts/KZ1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "iban": "KZ1", "type": "CURR", "status": "A",
            "balanceAccount": {"currency": "KZT", "balance": "27508779.81"}
        })))
        .mount(&server)
        .await;
    let account = financial(&server)
        .get_account()
        .iban("KZ1")
        .send()
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(account.balance_account.balance, decimal("27508779.81"));
}

#[tokio::test]
async fn a_date_in_the_wrong_layout_is_a_typed_error_naming_the_layout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/APP-1/accounts/KZ1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "iban": "KZ1", "type": "CURR", "status": "A", "dateOpened": "2020-03-31",
            "balanceAccount": {"currency": "KZT", "balance": 1}
        })))
        .mount(&server)
        .await;
    let err = financial(&server)
        .get_account()
        .iban("KZ1")
        .send()
        .await
        .expect_err("bad layout");
    let text = err.to_string();
    assert!(
        text.contains("dd-MM-yyyy") && text.contains("2020-03-31"),
        "{text}"
    );
}

#[tokio::test]
async fn the_request_body_carries_exact_amounts_and_bank_date_layouts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/APP-1/payments"))
        .and(query_param("type", "PO"))
        .and(body_json(json!({
            "amount": 12345678901234567.89,
            "currency": "KZT",
            "datePayment": "2019-12-10 00:00:00",
            "documentNumber": "123123"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "code": 0, "description": "OK"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let body = bcc_financial::types::PaymentBody::builder()
        .amount(decimal("12345678901234567.89"))
        .currency("KZT".to_owned())
        .date_payment(
            bank_runtime::DateTimeYmdHms::from_str("2019-12-10 00:00:00").expect("layout"),
        )
        .document_number("123123".to_owned());
    let result = financial(&server)
        .create_payment()
        .type_("PO")
        .body(body)
        .send()
        .await
        .expect("ok");
    assert!(result.into_inner().success);
    // The raw bytes on the wire hold the amount's digits exactly.
    let requests: Vec<Request> = server.received_requests().await.expect("recorded");
    let raw = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(raw.contains("12345678901234567.89"), "{raw}");
    assert!(
        requests[0].headers.get("api-version").is_none(),
        "the generated clients do not send progenitor's api-version header"
    );
}

#[tokio::test]
async fn bank_error_bodies_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/APP-1/accounts"))
        .and(header_exists("accept"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"success": false, "code": 403, "description": "Ошибка доступов", "extra": 1}),
        ))
        .mount(&server)
        .await;
    let err = financial(&server)
        .get_accounts()
        .bank()
        .await
        .expect_err("403");
    assert_eq!(err.status, Some(403));
    assert_eq!(err.code.as_deref(), Some("403"));
    assert_eq!(err.message, "Ошибка доступов");
    assert!(
        err.raw_body()
            .is_some_and(|b| b.contains(r#""extra": 1"#) || b.contains(r#""extra":1"#)),
        "the raw body is kept: {err}"
    );
}

/// The call path looks for FinancialAPI's refusal (`success: false` in a 200) only in the answers
/// of the operations the document answers with `Response` (the payments); a read answering with
/// one anyway does not read as its documented type, and is then reported as the refusal it is,
/// not as a decode error.
#[tokio::test]
async fn a_refusal_in_a_read_is_the_banks_refusal_not_a_decode_error() {
    let server = MockServer::start().await;
    let accounts_answering = |body: serde_json::Value| {
        let server = &server;
        async move {
            server.reset().await;
            Mock::given(method("GET"))
                .and(path("/APP-1/accounts"))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(server)
                .await;
            financial(server)
                .get_accounts()
                .bank()
                .await
                .expect_err("not accounts")
        }
    };
    let err = accounts_answering(
        json!({"success": false, "code": 61, "description": "Канал API недоступен"}),
    )
    .await;
    assert_eq!(
        (
            err.kind,
            err.status,
            err.code.as_deref(),
            err.message.as_str(),
            err.outcome()
        ),
        (
            ErrorKind::Bank,
            Some(200),
            Some("61"),
            "Канал API недоступен",
            bank_runtime::Outcome::Refused
        ),
        "{err}"
    );
    // An answer that is neither its type nor a refusal stays a decode error.
    let err = accounts_answering(json!({"success": true})).await;
    assert_eq!(err.kind, ErrorKind::Decode, "{err}");
}

#[tokio::test]
async fn broker_products_and_an_order_round_trip() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/products"))
        .and(query_param("partner", "SHOP"))
        .and(query_param("amount", "300000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "products": [{"name": "Рассрочка 0-0-12", "monthlyPayment": 25000.5, "period": 12, "productCode": "CC12INS"}],
            "message": "Success", "status": 200
        })))
        .mount(&server)
        .await;
    let client = bcc_broker::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        Context::new("bcc-broker"),
    );
    let products = client
        .get_products()
        .partner("SHOP")
        .amount("300000")
        .send()
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(products.products[0].monthly_payment, decimal("25000.5"));
    assert_eq!(products.products[0].period, 12);
}

#[test]
fn base_urls_come_from_the_spec() {
    assert_eq!(
        bcc_broker::servers::PRODUCTION,
        "https://api.bcc.kz/bcc/production/v1/broker"
    );
    assert_eq!(
        bcc_broker::servers::ALTERNATIVE_PRODUCTION,
        "https://api.bcc.kz:10443/bcc/production/v1/broker"
    );
    assert_eq!(
        bcc_financial::servers::TEST,
        "https://api-test.bcc.kz/bcc/production/v1/financial"
    );
    assert_eq!(bcc_financial::servers::ALL.len(), 3);
}

#[tokio::test]
async fn a_status_the_spec_does_not_know_is_kept_not_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/order/state"))
        .and(body_json(json!({"orderId": "ORD-1"})))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"orderId": "ORD-1", "status": "PARTIALLY_RETURNED", "amount": 12345678901234567.89,
                "updatedAt": "2024-05-01T10:25:00+03:00", "aNewField": {"x": 1}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = globus_cfront::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        Context::new("globus-cfront"),
    );
    let body = globus_cfront::types::OrderIdRequest::builder().order_id("ORD-1".to_owned());
    let state = client
        .get_order_state()
        .body(body)
        .bank()
        .await
        .expect("tolerated");
    assert_eq!(
        state.status,
        globus_cfront::types::OrderStatus::Unknown("PARTIALLY_RETURNED".into())
    );
    assert!(!state.status.is_known());
    assert_eq!(state.amount, Some(decimal("12345678901234567.89")));
    assert_eq!(
        state.updated_at.expect("updatedAt").to_string(),
        "2024-05-01T10:25:00+03:00"
    );
    let known: globus_cfront::types::OrderStatus = "WAITING_FOR_STORE_CONFIRM".into();
    assert_eq!(
        known,
        globus_cfront::types::OrderStatus::WaitingForStoreConfirm
    );
    assert_eq!(
        serde_json::to_string(&state.status).expect("serialises"),
        r#""PARTIALLY_RETURNED""#
    );
}

#[test]
fn every_api_has_its_base_urls_and_the_baas_error_table_is_complete() {
    assert_eq!(
        globus_cfront::servers::PRODUCTION,
        "https://cfront.globus.invalid"
    );
    // The documents' hosts are placeholders (`.invalid`): documented, but no environment a
    // client can be built for.
    assert!(baas_gateway::servers::ALL.is_empty() && globus_cfront::servers::ALL.is_empty());
    assert_eq!(bcc_financial::servers::ALL.len(), 3);
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../crates/baas-gateway/openapi.json"))
            .expect("normalised spec");
    let codes: Vec<i64> = spec["components"]["schemas"]["Error"]["x-error-codes"]
        .as_array()
        .expect("x-error-codes")
        .iter()
        .filter_map(|c| c["code"].as_i64())
        .collect();
    assert_eq!(
        codes,
        [
            1, 2, 3, 4, 5, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1011
        ]
    );
}

/// Checks one crate's `operations::Operation` against its `SPECS`: one variant per row in the
/// document's order, parsed from either spelling, shown as its id; an unknown name is an error
/// naming the API.
macro_rules! operation_enum_matches_specs {
    ($krate:ident) => {{
        use $krate::operations::{Operation, SPECS};
        assert_eq!(Operation::ALL.len(), SPECS.len(), stringify!($krate));
        for (op, spec) in Operation::ALL.iter().zip(SPECS) {
            assert_eq!(op.spec(), spec);
            assert_eq!(Operation::of(spec), Some(*op));
            assert_eq!(spec.id.parse::<Operation>(), Ok(*op));
            assert_eq!(spec.name.parse::<Operation>(), Ok(*op));
            assert_eq!(op.to_string(), spec.id);
            assert_eq!(op.signed(), spec.signed);
            assert_eq!(op.envelope(), spec.envelope);
            let repeatable = spec.idempotent || spec.method == "GET";
            assert_eq!(op.idempotent(), repeatable, "{}", spec.id);
        }
        let err = "noSuchOperation".parse::<Operation>().expect_err("unknown");
        assert_eq!(err.api, $krate::SPEC.name);
        assert!(err.to_string().contains("noSuchOperation"), "{err}");
    }};
}

#[test]
fn every_crate_names_its_operations_by_one_enum_whose_flags_are_the_documents() {
    operation_enum_matches_specs!(bcc_broker);
    operation_enum_matches_specs!(bcc_financial);
    operation_enum_matches_specs!(globus_cfront);
    operation_enum_matches_specs!(baas_gateway);
    // The flags as the documents (and our declared fixes) set them.
    use bcc_financial::operations::Operation as F;
    assert!(F::CreatePayment.signed() && !F::CreatePayment.idempotent());
    assert!(F::CreatePaymentMt.signed() && F::CreatePaymentBase64.signed());
    assert!(!F::GetAccounts.signed() && F::GetAccounts.idempotent());
    use baas_gateway::operations::Operation as B;
    assert!(B::FindCards.envelope() && B::FindCards.idempotent());
    assert!(B::CreateCardApplication.envelope() && !B::CreateCardApplication.idempotent());
    assert!(!B::GetToken.envelope(), "the token call is plain OAuth2");
    use globus_cfront::operations::Operation as G;
    assert!(G::GetOrderState.idempotent() && !G::CreateOrder.idempotent());
}
