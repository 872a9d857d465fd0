//! 100,000 requests leave every in-memory collection within its documented bound
//! ([`bank_sandbox::config::Limits`], defaults): orders and tokens past their limits are refused
//! or revoked, recorded exchanges and deliveries are ring buffers, steering past its limit is
//! refused. Calls go to the router in-process (`tower::ServiceExt::oneshot`), so the test stays
//! fast in a debug build; the figures are printed (`Sandbox::stats`).

mod common;

use common::HANG_GUARD;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use bank_sandbox::config::Limits;
use bank_sandbox::{Config, Sandbox};
use base64::Engine;
use serde_json::{Value, json};
use tower::ServiceExt;

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Send one request to the router; its status and body.
async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "localhost");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = app
        .clone()
        .oneshot(request.body(Body::from(body)).expect("a request"))
        .await
        .expect("the router answers");
    let status = answer.status().as_u16();
    let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    (status, bytes)
}

fn globus_order(n: usize) -> Vec<u8> {
    json!({
        "merchantOrderId": format!("BOUND-{n}"),
        "phoneNumber": "380501234567",
        "fullName": "Тестовий Клієнт",
        "identificationCode": "1234567890",
        "salesPointCode": "KYIV-001",
        "creditProductName": "Розстрочка 0% 6 міс",
        "creditTerm": 6,
        "totalAmount": 1000,
        "goods": [{"name": "Смартфон", "price": 1000, "quantity": 1}],
        // A host callbacks may not go to: recorded as refused deliveries, nothing sent.
        "callbackUrl": "http://203.0.113.7/callback"
    })
    .to_string()
    .into_bytes()
}

fn broker_order(n: usize) -> Vec<u8> {
    json!({
        "name": "Shop", "amount": 300000, "posName": "P1", "language": "ru",
        "pointCode": "P1", "partnerCode": "SHOP", "productCode": "INST-6",
        "partnerOrderId": format!("BOUND-{n}"),
        "postLink": "http://203.0.113.7/postlink"
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_requests_stay_within_the_documented_bounds() {
    let limits = Limits::default();
    let s = Sandbox::start(
        Config {
            record_exchanges: true,
            ..Config::default()
        },
        "127.0.0.1:0".parse().expect("an address"),
        None,
    )
    .await
    .expect("the sandbox starts");
    let app = s.router();
    let started = Instant::now();
    let merchant = basic("sandbox-merchant", "sandbox-password");
    let bcc = basic("sandbox-client", "sandbox-secret");
    let json_type = ("content-type", "application/json");
    let form_type = ("content-type", "application/x-www-form-urlencoded");

    let run = async {
        // 12,000 Globus orders: 10,000 stored, then refused in the bank's format naming the limit.
        let globus = {
            let (app, merchant) = (app.clone(), merchant.clone());
            tokio::spawn(async move {
                let mut refused = 0;
                for n in 0..12_000 {
                    let (status, body) = call(
                        &app,
                        "POST",
                        "/globus-cfront/api/order/create",
                        &[("authorization", &merchant), json_type],
                        globus_order(n),
                    )
                    .await;
                    if status == 400 {
                        let body: Value = serde_json::from_slice(&body).expect("JSON");
                        assert_eq!(body["code"], "LIMIT_EXCEEDED", "{body}");
                        assert!(
                            body["message"]
                                .as_str()
                                .is_some_and(|m| m.contains("[limits] orders_per_client = 10000")),
                            "{body}"
                        );
                        refused += 1;
                    } else {
                        assert_eq!(status, 200);
                    }
                }
                refused
            })
        };
        // 3,000 token requests: each client keeps at most `tokens_per_client` live tokens.
        let tokens = {
            let (app, bcc) = (app.clone(), bcc.clone());
            tokio::spawn(async move {
                let mut last = String::new();
                for _ in 0..3_000 {
                    let (status, body) = call(
                        &app,
                        "POST",
                        "/bcc-financial/oauth/token",
                        &[("authorization", &bcc), form_type],
                        b"grant_type=client_credentials".to_vec(),
                    )
                    .await;
                    assert_eq!(status, 200);
                    let body: Value = serde_json::from_slice(&body).expect("JSON");
                    last = body["access_token"].as_str().expect("a token").to_owned();
                }
                last
            })
        };
        // 12,000 broker orders with one token: 10,000 stored, the rest refused.
        let broker = {
            let (app, bcc) = (app.clone(), bcc.clone());
            tokio::spawn(async move {
                let (_, body) = call(
                    &app,
                    "POST",
                    "/bcc-broker/oauth/token",
                    &[("authorization", &bcc), form_type],
                    b"grant_type=client_credentials".to_vec(),
                )
                .await;
                let body: Value = serde_json::from_slice(&body).expect("JSON");
                let bearer = format!("Bearer {}", body["access_token"].as_str().expect("a token"));
                let mut refused = 0;
                for n in 0..12_000 {
                    let (status, body) = call(
                        &app,
                        "POST",
                        "/bcc-broker/orders",
                        &[("authorization", &bearer), json_type],
                        broker_order(n),
                    )
                    .await;
                    if status == 400 {
                        let text = String::from_utf8_lossy(&body);
                        assert!(text.contains("[limits] orders_per_client"), "{text}");
                        refused += 1;
                    } else {
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    }
                }
                refused
            })
        };
        // 3,000 faults over the admin endpoint (on an operation nothing else calls): 1,000 set.
        let faults = {
            let (app, token) = (app.clone(), format!("Bearer {}", s.admin_token()));
            tokio::spawn(async move {
                let mut refused = 0;
                let fault =
                    json!({"bank": "baas-gateway", "operation": "find_cards", "status": 503});
                for _ in 0..3_000 {
                    let (status, body) = call(
                        &app,
                        "POST",
                        "/_sandbox/faults",
                        &[("authorization", &token), json_type],
                        fault.to_string().into_bytes(),
                    )
                    .await;
                    if status == 400 {
                        let text = String::from_utf8_lossy(&body);
                        assert!(text.contains("[limits] faults"), "{text}");
                        refused += 1;
                    } else {
                        assert_eq!(status, 201);
                    }
                }
                refused
            })
        };
        // 20,000 requests with 64 KiB bodies: the recorded exchanges stay within their bytes.
        let heavy = {
            let (app, merchant) = (app.clone(), merchant.clone());
            tokio::spawn(async move {
                let body = vec![b'x'; 64 * 1024];
                for _ in 0..20_000 {
                    let (status, _) = call(
                        &app,
                        "POST",
                        "/globus-cfront/api/order/create",
                        &[("authorization", &merchant), json_type],
                        body.clone(),
                    )
                    .await;
                    assert_eq!(status, 400);
                }
            })
        };
        // 50,000 small requests the sandbox records (a path no API has, credentials sent).
        let small = {
            let app = app.clone();
            tokio::spawn(async move {
                for n in 0..50_000 {
                    let (status, _) = call(
                        &app,
                        "GET",
                        &format!("/bcc-financial/nothing?access_token=secret-{n}"),
                        &[
                            ("authorization", "Bearer secret"),
                            ("cookie", "session=secret"),
                        ],
                        Vec::new(),
                    )
                    .await;
                    assert_eq!(status, 404);
                }
            })
        };
        let refused_orders = globus.await.expect("globus");
        let last_token = tokens.await.expect("tokens");
        let refused_broker = broker.await.expect("broker");
        let refused_faults = faults.await.expect("faults");
        heavy.await.expect("heavy");
        small.await.expect("small");
        assert_eq!(refused_orders, 2_000);
        assert_eq!(refused_broker, 2_000);
        assert_eq!(refused_faults, 2_000);
        // The newest token still works after its client's oldest were revoked.
        let (status, _) = call(
            &app,
            "GET",
            "/bcc-financial/sandbox-client/accounts",
            &[("authorization", &format!("Bearer {last_token}"))],
            Vec::new(),
        )
        .await;
        assert_eq!(status, 200);
        // Every order decided and every callback attempt recorded.
        s.until(|st| {
            let decided = st.globus.orders.values().all(|o| {
                matches!(
                    o.status,
                    globus_cfront::types::OrderStatus::WaitingForStoreConfirm
                        | globus_cfront::types::OrderStatus::RejectedByBank
                )
            }) && st.broker.orders.values().all(|o| o.state != "NEW");
            (decided && st.deliveries.dropped() + st.deliveries.len() as u64 >= 30_000)
                .then_some(())
        })
        .await;
    };
    tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the requests finish");
    let elapsed = started.elapsed();
    let stats = s.stats();
    println!(
        "100,000 requests in {:.1} s; {}",
        elapsed.as_secs_f64(),
        serde_json::to_string_pretty(&stats).expect("JSON")
    );
    println!(
        "approximate bytes held: {} (state JSON {}, exchanges {}, deliveries {})",
        stats.approx_bytes(),
        stats.state_bytes,
        stats.exchange_bytes,
        stats.delivery_bytes
    );
    // Recorded exchanges hold no credentials.
    for e in s.exchanges() {
        let text = format!("{:?} {}", e.headers, e.query.unwrap_or_default());
        assert!(!text.contains("secret"), "{text}");
    }
    assert!(stats.exchanges <= limits.exchanges, "{stats:?}");
    assert!(stats.exchange_bytes <= limits.exchange_bytes, "{stats:?}");
    assert!(stats.exchanges > 0);
    assert_eq!(
        stats.deliveries, limits.deliveries,
        "the ring is full, not more"
    );
    assert!(stats.delivery_bytes <= limits.delivery_bytes, "{stats:?}");
    // One BCC client on two APIs: at most its limit on each.
    assert!(stats.tokens <= 2 * limits.tokens_per_client, "{stats:?}");
    assert_eq!(stats.globus_orders, limits.orders_per_client);
    assert_eq!(stats.broker_orders, limits.orders_per_client);
    assert_eq!(stats.faults, limits.faults);
    assert!(stats.effects <= 2 * limits.orders_per_client, "{stats:?}");
    // What clients made the sandbox hold, at the default limits, with these small requests.
    assert!(stats.approx_bytes() < 64 * 1024 * 1024, "{stats:?}");
    s.stop().await;
}
