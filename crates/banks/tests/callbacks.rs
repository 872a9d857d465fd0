//! The callbacks kit over real HTTP on 127.0.0.1: an axum service receiving Globus callbacks and
//! BCC postLinks, refusing bad input, dropping duplicates, and re-reading the order from a mock
//! Globus before acting.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use banks::Environment;
use banks::callbacks::{Deliveries, Receiver};
use banks::globus::cfront::types::{OrderState, OrderStatus};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Serve `app` on an ephemeral loopback port (with the peer address known); its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    format!("http://{address}")
}

fn callback(order: &str, status: &str) -> serde_json::Value {
    json!({"orderId": order, "status": status, "updatedAt": "2026-12-03T10:00:00+05:00"})
}

#[tokio::test]
async fn bad_deliveries_are_refused_with_the_right_status_and_never_reach_the_handler() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let receiver = Receiver::<OrderState>::new()
        .url_token("s3cret/+")
        .max_body(1024);
    let app = axum::Router::new().route(
        "/cb",
        receiver.post(move |state: OrderState| {
            let record = record.clone();
            async move {
                record.lock().expect("lock").push(state.order_id);
                Ok::<(), String>(())
            }
        }),
    );
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let post = |query: &'static str, body: Vec<u8>| {
        let http = http.clone();
        let url = format!("{base}/cb{query}");
        async move {
            let r = http.post(url).body(body).send().await.expect("answered");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let good = serde_json::to_vec(&callback("ORD-1", "ACTIVE")).expect("json");
    let token = "?token=s3cret%2F%2B";
    assert_eq!(post("", good.clone()).await.0, 401, "no token");
    assert_eq!(
        post("?token=s3cret", good.clone()).await.0,
        401,
        "wrong token"
    );
    let (status, text) = post(token, Vec::new()).await;
    assert_eq!((status, text.contains("empty")), (400, true), "{text}");
    let (status, text) = post(token, br#"{"orderId": "ORD-1"}"#.to_vec()).await;
    assert_eq!((status, text.contains("status")), (400, true), "{text}");
    let (status, text) = post(token, vec![b' '; 4096]).await;
    assert_eq!(status, 413, "{text}");
    assert!(
        seen.lock().expect("lock").is_empty(),
        "nothing reached the handler"
    );
    assert_eq!(post(token, good).await, (200, "ok".to_owned()));
    assert_eq!(*seen.lock().expect("lock"), ["ORD-1"]);
}

#[tokio::test]
async fn duplicates_are_dropped_and_a_failed_delivery_is_handled_again() {
    let calls = Arc::new(Mutex::new(0usize));
    let count = calls.clone();
    let receiver = Receiver::<OrderState>::new().deduplicate(Arc::new(Deliveries::new(100)));
    let app = axum::Router::new().route(
        "/cb",
        receiver.post(move |state: OrderState| {
            let count = count.clone();
            async move {
                let n = {
                    let mut n = count.lock().expect("lock");
                    *n += 1;
                    *n
                };
                // The first delivery of ORD-2 fails in the merchant's code.
                if state.order_id == "ORD-2" && n == 2 {
                    return Err("database unavailable".to_owned());
                }
                Ok(())
            }
        }),
    );
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let send = |body: serde_json::Value| {
        let request = http.post(format!("{base}/cb")).json(&body);
        async move {
            let r = request.send().await.expect("answered");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    assert_eq!(send(callback("ORD-1", "ACTIVE")).await, (200, "ok".into()));
    assert_eq!(
        send(callback("ORD-1", "ACTIVE")).await,
        (200, "duplicate".into()),
        "the bank's retry of a handled delivery is acknowledged, not handled again"
    );
    assert_eq!(*calls.lock().expect("lock"), 1);
    assert_eq!(
        send(callback("ORD-2", "ACTIVE")).await.0,
        500,
        "handler failed"
    );
    assert_eq!(
        send(callback("ORD-2", "ACTIVE")).await,
        (200, "ok".into()),
        "the bank's retry after a failure is handled"
    );
    assert_eq!(send(callback("ORD-1", "EXPIRED")).await.0, 200);
    assert_eq!(
        *calls.lock().expect("lock"),
        4,
        "a new status is a new event"
    );
}

#[tokio::test]
async fn the_handler_acts_on_the_banks_own_answer_not_on_the_callback() {
    let bank = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/order/state"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"orderId": "ORD-7", "status": "REJECTED_BY_STORE"})),
        )
        .expect(1)
        .mount(&bank)
        .await;
    let cfront = Arc::new(
        banks::globus::Cfront::builder()
            .credentials(banks::globus::Credentials::new("merchant", "p4ss"))
            .environment(Environment::Custom(bank.uri()))
            .build()
            .expect("builds"),
    );
    let acted = Arc::new(Mutex::new(Vec::new()));
    let record = acted.clone();
    let app = axum::Router::new().route(
        "/cb",
        Receiver::<OrderState>::new().post(move |callback: OrderState| {
            let (cfront, record) = (cfront.clone(), record.clone());
            async move {
                let current = banks::globus::recheck(&cfront, &callback).await?;
                record
                    .lock()
                    .expect("lock")
                    .push((callback.status, current.status));
                Ok::<(), banks::BankError>(())
            }
        }),
    );
    let base = serve(app).await;
    let r = reqwest::Client::new()
        .post(format!("{base}/cb"))
        .json(&callback("ORD-7", "ACTIVE"))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    assert_eq!(
        *acted.lock().expect("lock"),
        [(OrderStatus::Active, OrderStatus::RejectedByStore)],
        "a forged or stale 'ACTIVE' is corrected by the bank's answer"
    );
}

#[tokio::test]
async fn post_links_and_the_address_allow_list() {
    use banks::bcc::broker::types::MerchantRequestBody;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let handler = move |body: MerchantRequestBody| {
        let record = record.clone();
        async move {
            record.lock().expect("lock").push(body.state);
            Ok::<(), String>(())
        }
    };
    let app = axum::Router::new()
        .route(
            "/post-link",
            Receiver::<MerchantRequestBody>::new()
                .allow(["127.0.0.1".parse().expect("ip")])
                .post(handler.clone()),
        )
        .route(
            "/elsewhere",
            Receiver::<MerchantRequestBody>::new()
                .allow(["10.0.0.1".parse().expect("ip")])
                .post(handler),
        );
    let base = serve(app).await;
    let body = json!({"referenceId": "BGR1231", "state": "APPROVED", "stateTitle": "Одобрено",
                      "productCode": "INS12", "loanLength": "12"});
    let http = reqwest::Client::new();
    let ok = http
        .post(format!("{base}/post-link"))
        .json(&body)
        .send()
        .await
        .expect("answered");
    assert_eq!(ok.status(), 200);
    let refused = http
        .post(format!("{base}/elsewhere"))
        .json(&body)
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 403);
    assert_eq!(*seen.lock().expect("lock"), ["APPROVED"]);
}
