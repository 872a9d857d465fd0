//! The callbacks kit over real HTTP on 127.0.0.1: an axum service receiving Globus callbacks and
//! BCC postLinks, refusing bad input, dropping duplicates, and re-reading the order from a mock
//! Globus before acting; a delivery cut short (the bank hangs up, the handler panics) handled
//! again on redelivery, exactly once; the in-flight bound and the lease of an abandoned claim;
//! receivers mounted on a router with its own state, their handlers seeing the request's headers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use banks::Environment;
use banks::callbacks::{Deliveries, ManualClock, Receiver};
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

/// What a test handler reports when it starts: its delivery's order, and a receiver that fails
/// (the sender dropped) when the run is dropped before completing, or yields when it completes.
struct Run {
    order: String,
    ended: tokio::sync::oneshot::Receiver<()>,
}

/// A handler that reports each run on `started`, waits for `gate` when `wait(order)` says so,
/// then counts its side effect for the order in `effects`.
fn gated_handler(
    started: tokio::sync::mpsc::UnboundedSender<Run>,
    gate: Arc<tokio::sync::Notify>,
    wait: impl Fn(&str) -> bool + Clone + Send + Sync + 'static,
    effects: Arc<Mutex<Vec<String>>>,
) -> impl Fn(OrderState) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |state: OrderState| {
        let (started, gate, wait, effects) =
            (started.clone(), gate.clone(), wait.clone(), effects.clone());
        Box::pin(async move {
            let (ended_tx, ended) = tokio::sync::oneshot::channel();
            let _ = started.send(Run {
                order: state.order_id.clone(),
                ended,
            });
            if wait(&state.order_id) {
                gate.notified().await;
            }
            effects.lock().expect("lock").push(state.order_id);
            let _ = ended_tx.send(());
            Ok(())
        })
    }
}

async fn post_json(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> (u16, String) {
    let r = http.post(url).json(body).send().await.expect("answered");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let text = r.text().await.expect("text");
    match retry {
        Some(seconds) => (status, format!("{text} (retry after {seconds})")),
        None => (status, text),
    }
}

#[tokio::test]
async fn a_delivery_cancelled_by_the_banks_hang_up_is_handled_once_on_redelivery() {
    // The test runs on one thread with the server: when the handler's future is dropped, the
    // whole request's future (and its claim) is dropped in the same step, before the test runs on.
    let (started, mut runs) = tokio::sync::mpsc::unbounded_channel();
    let gate = Arc::new(tokio::sync::Notify::new());
    let effects = Arc::new(Mutex::new(Vec::new()));
    let deliveries = Arc::new(Deliveries::new(100));
    let app = axum::Router::new().route(
        "/cb",
        Receiver::<OrderState>::new()
            .deduplicate(deliveries.clone())
            .post(gated_handler(
                started,
                gate.clone(),
                |_| true,
                effects.clone(),
            )),
    );
    let base = serve(app).await;
    let body = callback("ORD-9", "ACTIVE");

    // The bank sends the delivery by hand, so that it can hang up exactly while the handler waits.
    let bytes = serde_json::to_vec(&body).expect("json");
    let mut bank = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .expect("connects");
    let head = format!(
        "POST /cb HTTP/1.1\r\nhost: merchant\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        bytes.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut bank, &[head.as_bytes(), &bytes].concat())
        .await
        .expect("sent");
    let first = runs.recv().await.expect("the handler started");
    assert_eq!(first.order, "ORD-9");
    assert_eq!(deliveries.in_flight(), 1);
    drop(bank); // the bank's timeout: it hangs up before the answer
    assert!(
        first.ended.await.is_err(),
        "the handler was cancelled before its side effect"
    );
    assert!(effects.lock().expect("lock").is_empty());
    assert_eq!(deliveries.in_flight(), 0, "the cancelled claim is released");

    // The bank's redelivery is handled (not refused as in flight), once.
    gate.notify_one();
    let http = reqwest::Client::new();
    let url = format!("{base}/cb");
    assert_eq!(post_json(&http, &url, &body).await, (200, "ok".into()));
    assert!(runs.recv().await.expect("second run").ended.await.is_ok());
    assert_eq!(
        post_json(&http, &url, &body).await,
        (200, "duplicate".into())
    );
    assert_eq!(*effects.lock().expect("lock"), ["ORD-9"], "exactly once");
    assert_eq!((deliveries.finished(), deliveries.in_flight()), (1, 0));
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_redelivery_is_handled_once() {
    let attempts = Arc::new(Mutex::new(0usize));
    let effects = Arc::new(Mutex::new(0usize));
    let deliveries = Arc::new(Deliveries::new(100));
    let (count, done) = (attempts.clone(), effects.clone());
    let app = axum::Router::new().route(
        "/cb",
        Receiver::<OrderState>::new()
            .deduplicate(deliveries.clone())
            .post(move |_: OrderState| {
                let (count, done) = (count.clone(), done.clone());
                async move {
                    let attempt = {
                        let mut n = count.lock().expect("lock");
                        *n += 1;
                        *n
                    };
                    if attempt == 1 {
                        panic!("the merchant's code panics on the first delivery");
                    }
                    *done.lock().expect("lock") += 1;
                    Ok::<(), String>(())
                }
            }),
    );
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let url = format!("{base}/cb");
    let body = callback("ORD-5", "ACTIVE");
    assert_eq!(
        post_json(&http, &url, &body).await,
        (500, "not handled".into()),
        "a panic is answered, so the bank redelivers"
    );
    assert_eq!(deliveries.in_flight(), 0, "the panicked claim is released");
    assert_eq!(post_json(&http, &url, &body).await, (200, "ok".into()));
    assert_eq!(
        post_json(&http, &url, &body).await,
        (200, "duplicate".into())
    );
    assert_eq!(*attempts.lock().expect("lock"), 2);
    assert_eq!(*effects.lock().expect("lock"), 1, "handled exactly once");
}

#[tokio::test]
async fn in_flight_deliveries_are_bounded_and_an_abandoned_claim_is_taken_over_after_its_lease() {
    let clock = ManualClock::new();
    let deliveries = Arc::new(
        Deliveries::new(100)
            .max_in_flight(1)
            .lease(std::time::Duration::from_secs(60))
            .clock(clock.clone()),
    );
    let (started, mut runs) = tokio::sync::mpsc::unbounded_channel();
    let gate = Arc::new(tokio::sync::Notify::new());
    let effects = Arc::new(Mutex::new(Vec::new()));
    // Only the first run of ORD-SLOW waits for the gate.
    let first_slow = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let wait = move |order: &str| {
        order == "ORD-SLOW" && first_slow.swap(false, std::sync::atomic::Ordering::SeqCst)
    };
    let app = axum::Router::new().route(
        "/cb",
        Receiver::<OrderState>::new()
            .deduplicate(deliveries.clone())
            .post(gated_handler(started, gate.clone(), wait, effects.clone())),
    );
    let base = serve(app).await;
    let http = reqwest::Client::new();
    let url = format!("{base}/cb");
    let (slow, fast) = (
        callback("ORD-SLOW", "ACTIVE"),
        callback("ORD-FAST", "ACTIVE"),
    );

    let stuck = tokio::spawn({
        let (http, url, slow) = (http.clone(), url.clone(), slow.clone());
        async move { post_json(&http, &url, &slow).await }
    });
    let first = runs.recv().await.expect("the slow handler started");
    assert_eq!(
        post_json(&http, &url, &fast).await,
        (
            503,
            "too many deliveries are being handled (retry after 5)".into()
        ),
        "the in-flight bound is reached"
    );
    assert_eq!(
        post_json(&http, &url, &slow).await,
        (
            503,
            "the same delivery is being handled (retry after 5)".into()
        )
    );
    assert!(effects.lock().expect("lock").is_empty());

    // A lease later the slow claim is taken for abandoned: swept to make room for another
    // delivery, and the bank's redelivery of it is handled again.
    clock.advance(std::time::Duration::from_secs(60));
    assert_eq!(post_json(&http, &url, &fast).await, (200, "ok".into()));
    assert_eq!(post_json(&http, &url, &slow).await, (200, "ok".into()));
    assert_eq!(
        *effects.lock().expect("lock"),
        ["ORD-FAST", "ORD-SLOW"],
        "the abandoned run has not finished"
    );

    // The stuck handler finishes after all (a lease shorter than the handler: two runs).
    gate.notify_one();
    assert_eq!(stuck.await.expect("joined"), (200, "ok".into()));
    assert!(first.ended.await.is_ok());
    assert_eq!(
        post_json(&http, &url, &slow).await,
        (200, "duplicate".into())
    );
    assert_eq!((deliveries.finished(), deliveries.in_flight()), (2, 0));
}

/// What a handler saw: the route, the request's `x-request-id`, the callback's order.
type Seen = (&'static str, String, String);

/// The service's own state, as an axum application keeps it.
#[derive(Clone, Default)]
struct AppState {
    /// Every delivery handled.
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl AppState {
    fn record(&self, route: &'static str, headers: &axum::http::HeaderMap, order: String) {
        let id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        self.seen.lock().expect("lock").push((route, id, order));
    }
}

/// Receivers mounted on a `Router<AppState>` before `with_state`: the handler sees the request's
/// headers with the typed callback (and the state, or a clone it captured), over real HTTP; the
/// receiver's checks still come first.
#[tokio::test]
async fn a_receiver_mounts_on_a_stateful_router_and_its_handler_sees_the_headers() {
    let state = AppState::default();
    let captured = state.clone();
    let app: axum::Router<AppState> = axum::Router::new()
        .route(
            "/with-state",
            Receiver::<OrderState>::new().url_token("s3cret").post_with_state(
                |app: AppState, headers: axum::http::HeaderMap, callback: OrderState| async move {
                    app.record("with-state", &headers, callback.order_id);
                    Ok::<(), String>(())
                },
            ),
        )
        .route(
            "/with-headers",
            Receiver::<OrderState>::new().post_with_headers(
                move |headers: axum::http::HeaderMap, callback: OrderState| {
                    let app = captured.clone();
                    async move {
                        app.record("with-headers", &headers, callback.order_id);
                        Ok::<(), String>(())
                    }
                },
            ),
        )
        .route(
            "/plain",
            Receiver::<OrderState>::new().post({
                let app = state.clone();
                move |callback: OrderState| {
                    let app = app.clone();
                    async move {
                        app.record("plain", &axum::http::HeaderMap::new(), callback.order_id);
                        Ok::<(), String>(())
                    }
                }
            }),
        );
    let base = serve(app.with_state(state.clone())).await;
    let http = reqwest::Client::new();
    let send = |route: &str, id: &str, order: &str| {
        http.post(format!("{base}{route}"))
            .header("x-request-id", id)
            .json(&callback(order, "ACTIVE"))
            .send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(
            send("/with-state?token=s3cret", "req-1", "ORD-1")
                .await
                .expect("answered")
        ),
        200
    );
    assert_eq!(
        status(
            send("/with-state", "req-0", "ORD-0")
                .await
                .expect("answered")
        ),
        401,
        "the token is checked before the handler"
    );
    assert_eq!(
        status(
            send("/with-headers", "req-2", "ORD-2")
                .await
                .expect("answered")
        ),
        200
    );
    assert_eq!(
        status(send("/plain", "req-3", "ORD-3").await.expect("answered")),
        200
    );
    assert_eq!(
        *state.seen.lock().expect("lock"),
        [
            ("with-state", "req-1".to_owned(), "ORD-1".to_owned()),
            ("with-headers", "req-2".to_owned(), "ORD-2".to_owned()),
            ("plain", "none".to_owned(), "ORD-3".to_owned()),
        ]
    );
}
