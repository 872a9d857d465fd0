//! The sandbox fails the way a real bank fails: a connection dropped after the request was
//! carried out, reset half-way through the answer's body, a request never answered, a token
//! endpoint down or hanging; and the effect counters show what took effect (per client
//! reference) so a test can audit a client's idempotency.
//!
//! Plain reqwest over real HTTP on 127.0.0.1 (ephemeral ports), the sandbox in-process. What a
//! client observes, as these tests pin it down:
//! - `drop_after_commit`: `send()` fails (`is_request()`: hyper's connection closed before
//!   message completed);
//! - `reset_mid_body`: `send()` gives the status and headers (`content-length` of the whole body),
//!   reading the body fails (`is_decode()`: hyper's incomplete body);
//! - `hang`: nothing arrives; the client's own timeout ends the wait.

mod common;

use common::HANG_GUARD;
use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::steer::Fault;
use bank_sandbox::{Config, Sandbox};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// How long a client waits for a hung request: real waiting, kept well under a second.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

async fn sandbox() -> Sandbox {
    sandbox_with(Config::default()).await
}

async fn sandbox_with(config: Config) -> Sandbox {
    Sandbox::start(config, "127.0.0.1:0".parse().expect("an address"), None)
        .await
        .expect("the sandbox starts")
}

/// Stop the sandbox; it must not wait for a hung request whose client has gone.
async fn stop(s: Sandbox) {
    tokio::time::timeout(HANG_GUARD, s.stop())
        .await
        .expect("the sandbox stops: no request keeps it waiting once its client left");
}

/// Wait until `ready` holds, re-checked on every change of the sandbox and every fault struck.
/// `ready` runs under the state's lock: it may ask the steering (hits), not read the state.
async fn until(s: &Sandbox, what: &str, ready: impl Fn(&Sandbox) -> bool) {
    tokio::time::timeout(HANG_GUARD, s.until(|_| ready(s).then_some(())))
        .await
        .unwrap_or_else(|_| panic!("never happened: {what}"));
}

async fn create_order(
    http: &reqwest::Client,
    s: &Sandbox,
    merchant_order_id: &str,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{}/api/order/create", s.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&common::order(merchant_order_id, None))
        .send()
        .await
}

/// The sandbox's orders with this merchant order id.
fn orders(s: &Sandbox, merchant_order_id: &str) -> Vec<String> {
    s.inspect(|st| {
        st.globus
            .orders
            .values()
            .filter(|o| o.merchant_order_id == merchant_order_id)
            .map(|o| o.id.clone())
            .collect()
    })
}

async fn bcc_token_request(
    http: &reqwest::Client,
    s: &Sandbox,
    bank: Bank,
) -> reqwest::Result<reqwest::Response> {
    http.post(s.token_url(bank).expect("a token route"))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
}

async fn baas_token_request(
    http: &reqwest::Client,
    s: &Sandbox,
) -> reqwest::Result<reqwest::Response> {
    http.post(s.token_url(Bank::Baas).expect("a token route"))
        .basic_auth("sandbox-consumer", Some("sandbox-consumer-secret"))
        .json(&json!({"grant_type": "password", "username": "sandbox-user", "password": "sandbox-password"}))
        .send()
        .await
}

async fn access_token(response: reqwest::Result<reqwest::Response>) -> String {
    let token: Value = response
        .expect("sent")
        .error_for_status()
        .expect("a token")
        .json()
        .await
        .expect("JSON");
    token["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn a_dropped_answer_leaves_the_order_created_and_counted() {
    let s = sandbox().await;
    let http = reqwest::Client::new();
    let fault = s
        .steer()
        .fault(
            Fault::on(Bank::Globus)
                .operation("create_order")
                .drop_after_commit()
                .once(),
        )
        .expect("a valid fault");

    let err = create_order(&http, &s, "SHOP-DROP")
        .await
        .expect_err("no answer: send fails");
    // reqwest: a request error, hyper's "connection closed before message completed".
    assert!(err.is_request() && !err.is_timeout(), "{err:?}");
    assert!(err.status().is_none());
    assert_eq!(s.steer().hits(fault), 1);

    // The bank carried it out: the order exists, is answered by getOrderState, and was counted.
    let created = orders(&s, "SHOP-DROP");
    assert_eq!(created.len(), 1, "{created:?}");
    let state: Value = http
        .post(format!("{}/api/order/state", s.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&json!({"orderId": created[0]}))
        .send()
        .await
        .expect("sent")
        .error_for_status()
        .expect("the order is there")
        .json()
        .await
        .expect("JSON");
    assert_eq!(state["merchantOrderId"], "SHOP-DROP");
    assert_eq!(s.effects().count(Bank::Globus, "SHOP-DROP"), 1);
    assert!(s.effects().duplicates().is_empty());

    // A client that resends after the lost answer gets the same order (Globus keys orders by
    // merchantOrderId), and the audit shows the creation was sent twice.
    let again: Value = create_order(&http, &s, "SHOP-DROP")
        .await
        .expect("answered this time")
        .json()
        .await
        .expect("JSON");
    assert_eq!(again["orderId"], created[0].as_str());
    assert_eq!(orders(&s, "SHOP-DROP").len(), 1);
    assert_eq!(s.effects().count(Bank::Globus, "SHOP-DROP"), 2);
    stop(s).await;
}

#[tokio::test]
async fn a_reset_mid_body_gives_a_status_then_a_body_read_error_and_counts() {
    let s = sandbox().await;
    let http = reqwest::Client::new();
    s.steer()
        .fault(
            Fault::on(Bank::Globus)
                .operation("createOrder")
                .reset_mid_body()
                .once(),
        )
        .expect("a valid fault");

    let response = create_order(&http, &s, "SHOP-RESET")
        .await
        .expect("the status line and the headers arrive");
    assert_eq!(response.status(), 200);
    let announced = response.content_length().expect("a content-length");
    assert!(announced > 0);
    let err = response.bytes().await.expect_err("the body stops half-way");
    // reqwest classes a body cut short as a decode error (hyper's IncompleteBody).
    assert!(err.is_decode(), "{err:?}");

    assert_eq!(orders(&s, "SHOP-RESET").len(), 1);
    assert_eq!(s.effects().count(Bank::Globus, "SHOP-RESET"), 1);
    // The connection is gone, not the sandbox: the next request is answered whole.
    let next = create_order(&http, &s, "SHOP-AFTER")
        .await
        .expect("answered");
    assert_eq!(next.status(), 200);
    next.bytes().await.expect("a whole body");
    stop(s).await;
}

#[tokio::test]
async fn a_hung_request_is_never_answered_nor_carried_out() {
    let s = sandbox().await;
    let fault = s
        .steer()
        .fault(
            Fault::on(Bank::Globus)
                .operation("create_order")
                .hang()
                .once(),
        )
        .expect("a valid fault");
    let impatient = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .expect("a client");
    let err = create_order(&impatient, &s, "SHOP-HANG")
        .await
        .expect_err("no answer");
    assert!(err.is_timeout(), "{err:?}");
    until(&s, "the hang struck", |s| s.steer().hits(fault) == 1).await;
    assert!(orders(&s, "SHOP-HANG").is_empty(), "not carried out");
    assert_eq!(s.effects().count(Bank::Globus, "SHOP-HANG"), 0);
    // The client left; the sandbox still answers others and stops without waiting for it.
    drop(impatient);
    let answered = create_order(&reqwest::Client::new(), &s, "SHOP-HANG")
        .await
        .expect("the fault was for one request");
    assert_eq!(answered.status(), 200);
    assert_eq!(s.effects().count(Bank::Globus, "SHOP-HANG"), 1);
    stop(s).await;
}

#[tokio::test]
async fn the_header_and_the_admin_endpoint_ask_for_the_same_connection_faults() {
    let s = sandbox().await;
    let http = reqwest::Client::new();
    let post = |id: &str, fault: &str| {
        http.post(format!("{}/api/order/create", s.base_url(Bank::Globus)))
            .basic_auth("sandbox-merchant", Some("sandbox-password"))
            .header("x-sandbox-fault", fault)
            .json(&common::order(id, None))
            .send()
    };
    post("SHOP-H1", "drop-after-commit")
        .await
        .expect_err("dropped");
    let reset = post("SHOP-H2", "reset-mid-body").await.expect("a head");
    reset.bytes().await.expect_err("reset");
    let refused = post("SHOP-H3", "drop_after_commit").await.expect("a 400");
    assert_eq!(refused.status(), 400);
    let text = refused.text().await.expect("text");
    assert!(text.contains("drop-after-commit"), "{text}");

    let admin = format!("{}/_sandbox", s.url());
    let created = http
        .post(format!("{admin}/faults"))
        .bearer_auth(s.admin_token())
        .json(&json!({"bank": "globus-cfront", "operation": "create_order", "drop_after_commit": true, "times": 1}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), 201);
    post("SHOP-H1", "").await.expect_err("dropped again");
    let refused = http
        .post(format!("{admin}/faults"))
        .bearer_auth(s.admin_token())
        .json(&json!({"bank": "globus-cfront", "operation": "token", "hang": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 400, "Globus has no token route");
    let effects: Value = http
        .get(format!("{admin}/effects"))
        .bearer_auth(s.admin_token())
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        effects["duplicates"],
        json!([{"api": "globus-cfront", "operation": "createOrder", "reference": "SHOP-H1", "count": 2}]),
        "{effects}"
    );
    assert_eq!(effects["created"].as_array().map(Vec::len), Some(2));
    stop(s).await;
}

#[tokio::test]
async fn the_token_endpoint_can_be_down_or_hang_and_its_requests_are_counted() {
    let s = sandbox().await;
    let http = reqwest::Client::new();

    // Down: a 503 in the bank's own error format; no token issued.
    let down = s
        .steer()
        .fault(Fault::on(Bank::Financial).token().status(503).once())
        .expect("a valid fault");
    let refused = bcc_token_request(&http, &s, Bank::Financial)
        .await
        .expect("answered");
    assert_eq!(refused.status(), 503);
    assert_eq!(s.steer().hits(down), 1);
    assert_eq!(
        (
            s.token_fetches(Bank::Financial),
            s.tokens_issued(Bank::Financial)
        ),
        (1, 0)
    );
    // A fault on the API's other operations leaves the token route alone, and back up it issues.
    s.steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("get_accounts")
                .status(500),
        )
        .expect("a valid fault");
    access_token(bcc_token_request(&http, &s, Bank::Financial).await).await;
    assert_eq!(
        (
            s.token_fetches(Bank::Financial),
            s.tokens_issued(Bank::Financial)
        ),
        (2, 1)
    );

    // Hanging, for one client only (the BaaS user asking for the token, named in the JSON body).
    let hang = s
        .steer()
        .fault(
            Fault::on(Bank::Baas)
                .operation("get_token")
                .client("sandbox-user")
                .hang(),
        )
        .expect("getToken is the token route");
    assert_eq!(
        s.steer()
            .report()
            .faults
            .last()
            .and_then(|f| f.fault.operation.clone()),
        Some("token".to_owned())
    );
    let impatient = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .expect("a client");
    let err = baas_token_request(&impatient, &s)
        .await
        .expect_err("no answer");
    assert!(err.is_timeout(), "{err:?}");
    until(&s, "the token request hung", |s| s.steer().hits(hang) == 1).await;
    assert_eq!(
        (s.token_fetches(Bank::Baas), s.tokens_issued(Bank::Baas)),
        (1, 0)
    );
    drop(impatient);
    s.steer().clear();

    // Dropped after the token was issued: the client has none, the sandbox counts it issued.
    s.steer()
        .fault(Fault::on(Bank::Broker).token().drop_after_commit().once())
        .expect("a valid fault");
    bcc_token_request(&http, &s, Bank::Broker)
        .await
        .expect_err("dropped");
    assert_eq!(
        (s.token_fetches(Bank::Broker), s.tokens_issued(Bank::Broker)),
        (1, 1)
    );
    assert_eq!(s.token_fetches(Bank::Globus), 0);
    stop(s).await;
}

#[tokio::test]
async fn the_same_merchant_order_id_created_twice_is_a_duplicate() {
    let s = sandbox().await;
    let http = reqwest::Client::new();
    for id in ["SHOP-TWICE", "SHOP-ONCE", "SHOP-TWICE"] {
        let created = create_order(&http, &s, id).await.expect("answered");
        assert_eq!(created.status(), 200);
    }
    // Invalid (totalAmount is not the goods' sum): refused, so not counted.
    let mut invalid = common::order("SHOP-INVALID", None);
    invalid["totalAmount"] = json!(5);
    let refused = http
        .post(format!("{}/api/order/create", s.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&invalid)
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 400);
    // An injected status is not carried out either.
    s.steer()
        .fault(
            Fault::on(Bank::Globus)
                .operation("create_order")
                .status(503)
                .once(),
        )
        .expect("a valid fault");
    let struck = create_order(&http, &s, "SHOP-503").await.expect("answered");
    assert_eq!(struck.status(), 503);

    let effects = s.effects();
    let duplicates = effects.duplicates();
    assert_eq!(duplicates.len(), 1, "{duplicates:?}");
    assert_eq!(
        (
            duplicates[0].api,
            duplicates[0].operation.as_str(),
            duplicates[0].reference.as_str(),
            duplicates[0].count
        ),
        (Bank::Globus, "createOrder", "SHOP-TWICE", 2)
    );
    assert_eq!(effects.count(Bank::Globus, "SHOP-ONCE"), 1);
    assert_eq!(effects.count(Bank::Globus, "SHOP-INVALID"), 0);
    assert_eq!(effects.count(Bank::Globus, "SHOP-503"), 0);
    stop(s).await;
}

/// An `x-jws-signature` in the bank's form (unprotected header, ES256) with the EC test key.
fn sign(body: &[u8]) -> String {
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bank-jws/tests/keys");
    let der = |name: &str| {
        let pem = std::fs::read_to_string(keys.join(name)).expect("a test key");
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        STANDARD.decode(b64).expect("PEM")
    };
    let rng = ring::rand::SystemRandom::new();
    let key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &der("ec.key.pem"),
        &rng,
    )
    .expect("the EC test key");
    let signature = key.sign(&rng, body).expect("signed");
    let message = json!({
        "payload": STANDARD.encode(body),
        "signatures": [{
            "header": {"x5c": [STANDARD.encode(der("ec.cert.pem"))], "alg": "ES256"},
            "signature": STANDARD.encode(signature.as_ref()),
        }]
    });
    STANDARD.encode(message.to_string())
}

#[tokio::test]
async fn payments_orders_and_applications_are_counted_by_the_clients_reference() {
    // Applications stay under way for the whole test, so the second one is refused.
    let s = sandbox_with(Config {
        step_delay_ms: 600_000,
        ..Config::default()
    })
    .await;
    let http = reqwest::Client::new();

    // FinancialAPI: by documentNumber; a payment refused for want of funds is not counted.
    let token = access_token(bcc_token_request(&http, &s, Bank::Financial).await).await;
    let pay = |document_number: &str, amount: u64| {
        let body = serde_json::to_vec(&json!({
            "documentNumber": document_number,
            "amount": amount,
            "currency": "KZT",
            "paymentSender": {"iban": "KZ218560000000000001"},
            "paymentBeneficiary": {"iban": "KZ218560000000000002"}
        }))
        .expect("JSON");
        http.post(format!(
            "{}/sandbox-client/payments",
            s.base_url(Bank::Financial)
        ))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .header("x-jws-signature", sign(&body))
        .body(body)
        .send()
    };
    for (document, amount, status) in [
        ("DOC-1", 10, 200),
        ("DOC-1", 10, 200),
        ("DOC-2", 10, 200),
        ("DOC-3", 1_000_000_000_000, 400),
    ] {
        let answer = pay(document, amount).await.expect("answered");
        assert_eq!(answer.status(), status, "{document}");
    }
    let effects = s.effects();
    assert_eq!(effects.of(Bank::Financial, "create_payment", "DOC-1"), 2);
    assert_eq!(effects.count(Bank::Financial, "DOC-2"), 1);
    assert_eq!(effects.count(Bank::Financial, "DOC-3"), 0);

    // Broker: by partnerOrderId.
    let token = access_token(bcc_token_request(&http, &s, Bank::Broker).await).await;
    let answer = http
        .post(format!("{}/orders", s.base_url(Bank::Broker)))
        .bearer_auth(&token)
        .json(&json!({
            "name": "Shop", "amount": 300000, "posName": "P1", "language": "ru",
            "pointCode": "P1", "partnerCode": "SHOP", "productCode": "INST-6",
            "partnerOrderId": "PARTNER-1"
        }))
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
    assert_eq!(s.effects().of(Bank::Broker, "orders", "PARTNER-1"), 1);

    // BaaS: by the applicant's PINFL; a second application while one is under way is refused
    // (in the envelope) and not counted.
    let token = access_token(baas_token_request(&http, &s).await).await;
    let apply = || {
        http.post(format!(
            "{}/api/v1/card/application/create",
            s.base_url(Bank::Baas)
        ))
        .bearer_auth(&token)
        .json(&json!({
            "id": uuid::Uuid::new_v4(),
            "params": {
                "client": {
                    "phone": "998901234567", "pinfl": "30101901234567",
                    "passportSeries": "AA", "passportNumber": "1234567", "birthDate": "1990-01-01"
                },
                "cardType": "UZCARD"
            }
        }))
        .send()
    };
    let first: Value = apply().await.expect("answered").json().await.expect("JSON");
    assert!(first["error"].is_null(), "{first}");
    let second: Value = apply().await.expect("answered").json().await.expect("JSON");
    assert!(!second["error"].is_null(), "already under way: {second}");
    let effects = s.effects();
    assert_eq!(
        effects.of(Bank::Baas, "create_card_application", "30101901234567"),
        1
    );
    assert!(
        effects
            .duplicates()
            .iter()
            .all(|d| d.api == Bank::Financial)
    );
    stop(s).await;
}
