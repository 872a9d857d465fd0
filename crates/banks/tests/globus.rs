//! The Globus CFRONT facade against a mock bank on 127.0.0.1: the merchant flow with Basic auth,
//! retries only for read-only POSTs, the callback parser, and the merchant-action table.

use banks::globus::{MerchantAction, cfront};
use banks::{Environment, ErrorKind};
use cfront::types::{Good, OrderCreateRequest, OrderIdRequest, OrderStatus};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BASIC: &str = "Basic bWVyY2hhbnQ6cDRzcw=="; // merchant:p4ss

fn state(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"orderId": "ORD-1", "status": status, "amount": 24999.9}))
}

fn client(server: &MockServer) -> cfront::Client {
    banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new("merchant", "p4ss"))
        .environment(Environment::Custom(server.uri()))
        .build()
        .expect("builds")
}

#[tokio::test]
async fn the_merchant_flow_runs_end_to_end() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/client/validate"))
        .and(header("authorization", BASIC))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"fullName": "Шевченко Тарас Григорович", "identificationCode": "1234567890"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/api/order/create")).and(header("authorization", BASIC))
        .and(body_partial_json(json!({"creditProductName": "Розстрочка 0% 6 міс", "creditTerm": 6, "totalAmount": 24999.9})))
        .respond_with(state("NEW")).expect(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/order/state"))
        .respond_with(state("WAITING_FOR_STORE_CONFIRM"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/order/confirm"))
        .respond_with(state("STORE_CONFIRMED"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/order/check/paid"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"orderId": "ORD-1", "paid": true, "amount": 24999.9, "returnAllowed": true}),
        ))
        .mount(&server)
        .await;

    let c = client(&server);
    let person = c
        .validate_client()
        .body(
            cfront::types::ClientValidateRequest::builder().phone_number("380501234567".to_owned()),
        )
        .bank()
        .await
        .expect("found");
    let order = OrderCreateRequest::builder()
        .merchant_order_id("SHOP-1".to_owned())
        .phone_number("380501234567".to_owned())
        .full_name(person.full_name)
        .identification_code(person.identification_code)
        .sales_point_code("KYIV-001".to_owned())
        .credit_product_name("Розстрочка 0% 6 міс".to_owned())
        .credit_term(6)
        .total_amount("24999.9".parse::<banks::Decimal>().expect("decimal"))
        .goods(vec![
            Good::builder()
                .name("Смартфон")
                .quantity(std::num::NonZeroU32::MIN)
                .price("24999.9".parse::<banks::Decimal>().expect("decimal"))
                .try_into()
                .expect("a good"),
        ]);
    let created = c.create_order().body(order).bank().await.expect("created");
    assert_eq!(
        MerchantAction::for_status(&created.status),
        MerchantAction::Wait
    );
    let id = || OrderIdRequest::builder().order_id(created.order_id.clone());
    let now = c.get_order_state().body(id()).bank().await.expect("state");
    assert_eq!(
        MerchantAction::for_status(&now.status),
        MerchantAction::ConfirmOrReject
    );
    let confirmed = c
        .confirm_order()
        .body(id())
        .bank()
        .await
        .expect("confirmed");
    assert_eq!(confirmed.status, OrderStatus::StoreConfirmed);
    assert!(
        c.check_order_paid()
            .body(id())
            .bank()
            .await
            .expect("paid")
            .paid
    );
}

#[tokio::test]
async fn only_read_only_posts_are_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/order/state"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/order/state"))
        .respond_with(state("ACTIVE"))
        .mount(&server)
        .await;
    Mock::given(path("/api/order/create"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = client(&server);
    let s = c
        .get_order_state()
        .body(OrderIdRequest::builder().order_id("ORD-1".to_owned()))
        .bank()
        .await
        .expect("retried");
    assert_eq!(MerchantAction::for_status(&s.status), MerchantAction::Done);
    let order = OrderCreateRequest::builder()
        .merchant_order_id("S".to_owned())
        .phone_number("3".to_owned())
        .full_name("F".to_owned())
        .identification_code("1".to_owned())
        .sales_point_code("P".to_owned())
        .credit_product_name("N".to_owned())
        .credit_term(6)
        .total_amount(banks::Decimal::from(1))
        .goods(vec![]);
    let err = c.create_order().body(order).bank().await.expect_err("503");
    assert_eq!((err.kind, err.status), (ErrorKind::Status, Some(503)));
    let creates = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/api/order/create")
        .count();
    assert_eq!(creates, 1, "an order-creating POST is never sent twice");
}

#[test]
fn callbacks_parse_keep_unknown_statuses_and_reject_bad_bodies() {
    let s =
        banks::globus::parse_callback(br#"{"orderId":"ORD-1","status":"ON_HOLD","extra":true}"#)
            .expect("parses");
    assert_eq!(s.status, OrderStatus::Unknown("ON_HOLD".into()));
    assert_eq!(
        MerchantAction::for_status(&s.status),
        MerchantAction::Unknown
    );
    assert!(matches!(
        banks::globus::parse_callback(br#"{"orderId":1}"#),
        Err(banks::CallbackError::Malformed { .. })
    ));
    assert!(matches!(
        banks::globus::parse_callback(&vec![b'{'; 70_000]),
        Err(banks::CallbackError::TooLarge { .. })
    ));
}

#[test]
fn the_merchant_action_table_is_the_specs() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../globus-cfront/openapi.json")).expect("spec");
    let groups = spec["components"]["schemas"]["OrderStatus"]["x-merchant-actions"]
        .as_object()
        .expect("x-merchant-actions");
    let mut seen = 0;
    for (group, statuses) in groups {
        let expected = match group.as_str() {
            "wait" => MerchantAction::Wait,
            "confirm-or-reject" => MerchantAction::ConfirmOrReject,
            "done" => MerchantAction::Done,
            "failed" => MerchantAction::Failed,
            other => panic!("unknown group {other}"),
        };
        for s in statuses.as_array().expect("list") {
            let status = OrderStatus::from(s.as_str().expect("string"));
            assert!(status.is_known(), "{s} is in the enum");
            assert_eq!(MerchantAction::for_status(&status), expected, "{s}");
            seen += 1;
        }
    }
    assert_eq!(seen, OrderStatus::KNOWN.len(), "every status has an action");
}

#[test]
fn the_base_url_is_required_and_credentials_stay_out_of_debug() {
    let err = banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new("m", "p4ss"))
        .environment(Environment::Production)
        .build()
        .expect_err("no base URL");
    assert!(err.to_string().contains("Environment::Custom"), "{err}");
    let text = format!(
        "{:?}",
        banks::globus::Cfront::builder()
            .credentials(banks::globus::Credentials::new("m", "s3cr3t"))
    );
    assert!(!text.contains("s3cr3t"), "{text}");
}

#[tokio::test]
async fn your_own_reqwest_client_carries_the_merchant_login_too() {
    // A service's own client (here: a default header it always sends); the facade adds Basic per
    // request, so nothing it set is lost and the credentials still go out.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/order/state"))
        .and(header("authorization", BASIC))
        .and(header("x-service", "shop-42"))
        .respond_with(state("ACTIVE"))
        .expect(1)
        .mount(&server)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-service",
        reqwest::header::HeaderValue::from_static("shop-42"),
    );
    let own = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client");
    let c = banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new("merchant", "p4ss"))
        .environment(Environment::Custom(server.uri()))
        .http(banks::HttpConfig::new().with_client(own))
        .build()
        .expect("builds");
    let s = c
        .get_order_state()
        .body(OrderIdRequest::builder().order_id("ORD-1"))
        .bank()
        .await
        .expect("state");
    assert_eq!(s.status, OrderStatus::Active);
}

#[tokio::test]
async fn the_banks_named_error_codes_are_typed_by_the_one_method_every_bank_shares() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/client/validate"))
        .and(body_partial_json(json!({"phoneNumber": "380500000000"})))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "CLIENT_NOT_FOUND", "message": "Клиент не найден"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/client/validate"))
        .and(body_partial_json(json!({"phoneNumber": "380500000001"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": "SOMETHING_NEW", "message": "A code the table does not list"}),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let validate = |phone: &'static str| {
        c.validate_client()
            .body(cfront::types::ClientValidateRequest::builder().phone_number(phone))
    };
    let err = validate("380500000000").bank().await.expect_err("404");
    assert_eq!(err.kind, ErrorKind::Status, "{err}");
    assert_eq!(
        err.code_of::<cfront::ErrorCode>(),
        Some(cfront::ErrorCode::ClientNotFound)
    );
    assert_eq!(
        cfront::ErrorCode::of(&err),
        Some(cfront::ErrorCode::ClientNotFound)
    );
    assert_eq!(cfront::ErrorCode::ClientNotFound.code(), "CLIENT_NOT_FOUND");
    assert_eq!(
        cfront::ErrorCode::ClientNotFound.group(),
        Some("documented")
    );
    assert_eq!(
        err.code_of::<banks::baas::ErrorCode>(),
        None,
        "another API's"
    );
    assert_eq!(
        err.outcome(),
        banks::Outcome::Refused,
        "a 4xx with the bank's code: refused"
    );
    // A code the bank adds later is kept as sent.
    let err = validate("380500000001").bank().await.expect_err("400");
    assert_eq!(
        err.code_of::<cfront::ErrorCode>(),
        Some(cfront::ErrorCode::Unlisted("SOMETHING_NEW".into()))
    );
}

#[tokio::test]
async fn a_body_builder_that_cannot_be_built_is_one_bank_error_naming_type_and_field() {
    // A nested builder finished with `?` in a function returning BankError.
    fn goods() -> Result<Vec<Good>, banks::BankError> {
        let phone: Good = Good::builder()
            .name("Phone".to_owned())
            .quantity(std::num::NonZeroU32::MIN)
            .try_into()?;
        Ok(vec![phone])
    }
    let err = goods().expect_err("no price");
    assert_eq!(
        (err.api, err.kind),
        ("globus-cfront", ErrorKind::InvalidRequest)
    );
    assert!(
        err.message.contains("Good.price: no value supplied"),
        "{err}"
    );
    // A body builder passed to `.body(…)` as it is: the same error from `.bank()`, nothing sent.
    let server = MockServer::start().await;
    let err = client(&server)
        .get_order_state()
        .body(OrderIdRequest::builder())
        .bank()
        .await
        .expect_err("no order id");
    assert_eq!(err.kind, ErrorKind::InvalidRequest, "{err}");
    assert!(
        err.message
            .contains("OrderIdRequest.order_id: no value supplied"),
        "{err}"
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing was sent"
    );
}
