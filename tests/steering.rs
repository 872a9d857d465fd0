//! Steering the sandbox from a test, through its Rust API and its admin endpoint: a fault on the
//! next payment, a declined order, callbacks that fail and are retried as configured. The clients
//! are the facade's, exactly as a service builds them; no raw fault headers.

mod common;

use common::HANG_GUARD;

use bank_sandbox::spec::Bank;
use bank_sandbox::steer::Fault;
use bank_sandbox::{Config, Sandbox};
use banks::ErrorKind;
use banks::globus::cfront;
use banks::jws::Profile;
use cfront::types::OrderStatus;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use bank_testkit::sandbox::{financial, globus, start as sandbox};

fn payment() -> banks::bcc::financial::types::builder::PaymentBody {
    bank_testkit::bodies::payment(
        banks::Decimal::from(10),
        "KZ218560000000000001",
        "KZ218560000000000002",
    )
}

fn order(
    merchant_order_id: &str,
    phone: &str,
    callback: Option<String>,
) -> cfront::types::builder::OrderCreateRequest {
    bank_testkit::bodies::globus_order(merchant_order_id, phone, "1000.00", callback)
}

/// Wait until the sandbox's order `id` has a status in `wanted`.
async fn settled(s: &Sandbox, id: &str, wanted: &[OrderStatus]) -> OrderStatus {
    tokio::time::timeout(
        HANG_GUARD,
        s.until(|st| {
            st.globus
                .orders
                .get(id)
                .map(|o| o.status.clone())
                .filter(|status| wanted.contains(status))
        }),
    )
    .await
    .unwrap_or_else(|_| panic!("order {id} never reached {wanted:?}"))
}

#[tokio::test]
async fn a_503_on_the_next_payment_is_sent_once_and_only_that_payment_fails() {
    let s = sandbox(Config {
        record_exchanges: true,
        ..Config::default()
    })
    .await;
    let f = financial(&s, Profile::default());
    let fault = s
        .steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("create_payment")
                .status(503)
                .once(),
        )
        .expect("a valid fault");
    // Other operations are untouched.
    f.get_accounts().bank().await.expect("accounts");

    let err = f
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect_err("the steered 503");
    assert_eq!((err.kind, err.status), (ErrorKind::Status, Some(503)));
    // A 5xx on a payment: the bank may have acted, so it is not advertised as retryable.
    assert_eq!(err.outcome(), banks::Outcome::Unknown, "{err}");
    assert!(!err.is_transient(), "{err}");
    let payments_sent = |s: &Sandbox| {
        s.exchanges()
            .iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/payments"))
            .count()
    };
    assert_eq!(
        payments_sent(&s),
        1,
        "a payment is not idempotent: the facade must not resend it"
    );
    assert_eq!(s.steer().hits(fault), 1);

    // The fault was for one request: the next payment goes through.
    let paid = f
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect("accepted");
    assert!(paid.success);
    assert_eq!(payments_sent(&s), 2);
    assert_eq!(s.steer().hits(fault), 1);
    s.stop().await;
}

#[tokio::test]
async fn a_fault_for_one_client_leaves_the_others_alone() {
    let mut config = Config::default();
    config
        .globus
        .merchants
        .push(bank_sandbox::config::Credential::new(
            "other-merchant",
            "other-password",
        ));
    let s = sandbox(config).await;
    s.steer()
        .fault(Fault::on(Bank::Globus).client("other-merchant").status(500))
        .expect("valid");
    let ours = globus(&s);
    let theirs = banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new(
            "other-merchant",
            "other-password",
        ))
        .environment(banks::Environment::Custom(s.base_url(Bank::Globus)))
        .build()
        .expect("client");
    async fn ask(c: &cfront::Client) -> Result<cfront::types::ClientInfo, banks::BankError> {
        c.validate_client()
            .body(cfront::types::ClientValidateRequest::builder().phone_number("380501234567"))
            .bank()
            .await
    }
    ask(&ours).await.expect("not steered");
    let err = ask(&theirs).await.expect_err("steered");
    assert_eq!(err.status, Some(500));
    s.stop().await;
}

#[tokio::test]
async fn a_declined_order_is_rejected_by_the_bank_and_others_are_approved() {
    let s = sandbox(Config::default()).await;
    s.steer()
        .decline(Bank::Globus, "SHOP-DECLINED")
        .expect("valid");
    let c = globus(&s);
    let declined = c
        .create_order()
        .body(order("SHOP-DECLINED", "380501234567", None))
        .bank()
        .await
        .expect("created");
    let approved = c
        .create_order()
        .body(order("SHOP-APPROVED", "380501234567", None))
        .bank()
        .await
        .expect("created");
    let terminal = [
        OrderStatus::RejectedByBank,
        OrderStatus::WaitingForStoreConfirm,
    ];
    assert_eq!(
        settled(&s, &declined.order_id, &terminal).await,
        OrderStatus::RejectedByBank
    );
    assert_eq!(
        settled(&s, &approved.order_id, &terminal).await,
        OrderStatus::WaitingForStoreConfirm
    );
    s.stop().await;
}

#[tokio::test]
async fn failing_callbacks_are_retried_as_configured_and_each_arrives_once() {
    let mut config = Config::default();
    config.callbacks.attempts = 3;
    config.callbacks.retry_delay_ms = 0;
    let s = sandbox(config).await;
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/callback"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&merchant)
        .await;
    let url = format!("{}/callback", merchant.uri());
    s.steer().fail_callbacks(&url, 2).expect("valid");
    let c = globus(&s);
    let created = c
        .create_order()
        .body(order("SHOP-CB", "380501234567", Some(url.clone())))
        .bank()
        .await
        .expect("created");
    settled(
        &s,
        &created.order_id,
        &[OrderStatus::WaitingForStoreConfirm],
    )
    .await;
    // Two status changes (IN_PROGRESS, WAITING_FOR_STORE_CONFIRM), each delivered in the end.
    let delivered = |st: &bank_sandbox::state::State| {
        let ok = st
            .deliveries
            .iter()
            .filter(|d| d.status == Some(200))
            .count();
        (ok == 2).then(|| st.deliveries.clone())
    };
    let deliveries = tokio::time::timeout(HANG_GUARD, s.until(delivered))
        .await
        .expect("both callbacks delivered");
    let failed: Vec<_> = deliveries.iter().filter(|d| d.status.is_none()).collect();
    assert_eq!(failed.len(), 2, "{deliveries:?}");
    assert!(deliveries.iter().all(|d| d.url == url && d.attempt <= 3));
    assert!(
        deliveries
            .iter()
            .any(|d| d.attempt > 1 && d.status == Some(200)),
        "a retry went through: {deliveries:?}"
    );
    let received = merchant.received_requests().await.unwrap_or_default();
    let statuses: Vec<String> = received
        .iter()
        .map(|r| {
            banks::globus::parse_callback(&r.body)
                .expect("a valid callback")
                .status
                .to_string()
        })
        .collect();
    assert_eq!(statuses.len(), 2, "each change arrived once: {statuses:?}");
    assert!(statuses.contains(&"IN_PROGRESS".to_owned()), "{statuses:?}");
    assert!(
        statuses.contains(&"WAITING_FOR_STORE_CONFIRM".to_owned()),
        "{statuses:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_admin_endpoint_steers_as_the_rust_api_does_and_names_bad_input() {
    let s = sandbox(Config::default()).await;
    let http = reqwest::Client::new();
    let admin = format!("{}/_sandbox", s.url());
    // Admin requests carry the sandbox's admin token.
    let token = s.admin_token().to_owned();
    let post = |what: &str, body: Value| {
        http.post(format!("{admin}/{what}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let created: Value = post(
        "faults",
        // 403: not transient, so the facade does not retry this read-only lookup.
        json!({"bank": "globus-cfront", "operation": "validate_client", "status": 403, "times": 1}),
    )
    .await
    .expect("sent")
    .json()
    .await
    .expect("JSON");
    let id = created["id"].as_u64().expect("an id");
    let c = globus(&s);
    let err = c
        .validate_client()
        .body(cfront::types::ClientValidateRequest::builder().phone_number("380501234567"))
        .bank()
        .await
        .expect_err("steered over HTTP");
    assert_eq!(err.status, Some(403));
    let report: Value = http
        .get(format!("{admin}/faults/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        (report["hits"].as_u64(), report["remaining"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(report["fault"]["operation"], "validateClient");

    // Bad input names what is wrong.
    let refused = post(
        "faults",
        json!({"bank": "globus-cfront", "operation": "validate_clint", "status": 503}),
    )
    .await
    .expect("sent");
    assert_eq!(refused.status(), 400);
    let message = refused.json::<Value>().await.expect("JSON")["error"].to_string();
    assert!(message.contains("closest: validate_client"), "{message}");
    let refused = post("faults", json!({"bank": "globus", "status": 503}))
        .await
        .expect("sent");
    assert_eq!(refused.status(), 400);
    let message = refused.json::<Value>().await.expect("JSON")["error"].to_string();
    assert!(message.contains("bank: no API `globus`"), "{message}");
    let unknown = http
        .get(format!("{admin}/nothing"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown.status(), 404);

    // Declines and the report, then clearing.
    assert_eq!(
        post(
            "declines",
            json!({"bank": "globus-cfront", "key": "SHOP-X"})
        )
        .await
        .expect("sent")
        .status(),
        204
    );
    assert_eq!(
        post(
            "callback-failures",
            json!({"url": "http://127.0.0.1:9/cb", "times": 2})
        )
        .await
        .expect("sent")
        .status(),
        204
    );
    let steering: Value = http
        .get(format!("{admin}/steering"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(steering["declines"][0]["key"], "SHOP-X");
    assert_eq!(steering["callback_failures"][0]["times"], 2);
    let cleared = http
        .delete(format!("{admin}/steering"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(cleared.status(), 204);
    assert_eq!(s.steer().report(), bank_sandbox::steer::Report::default());
    s.stop().await;
}
