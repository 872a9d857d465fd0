//! The generated clients over real HTTP on 127.0.0.1: exact money, bank date layouts, tolerance
//! of fields the bank adds, the hooks' header clean-up, and base URLs from the spec.

use std::str::FromStr;

use bank_runtime::{Context, Decimal};
use serde_json::json;
use wiremock::matchers::{body_json, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn decimal(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

fn financial(server: &MockServer) -> bcc_financial::Client {
    bcc_financial::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        Context::new("bcc-financial"),
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
        .appid("APP-1")
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
        .appid("APP-1")
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
        .appid("APP-1")
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
        .appid("APP-1")
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
        "the hooks drop progenitor's api-version header"
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
    use bcc_financial::SendExt;
    let err = financial(&server)
        .get_accounts()
        .appid("APP-1")
        .send()
        .bank()
        .await
        .expect_err("403");
    assert_eq!(err.status, Some(403));
    assert_eq!(err.code.as_deref(), Some("403"));
    assert_eq!(err.message, "Ошибка доступов");
    assert!(
        err.body
            .as_deref()
            .is_some_and(|b| b.contains(r#""extra":1"#)),
        "the raw body is kept: {err}"
    );
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
