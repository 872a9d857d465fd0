//! A sandbox a team can share: the admin endpoint needs the admin token (401) and JSON bodies
//! (415), only configured host names are answered (421, DNS rebinding), a listening address
//! beyond loopback needs a token set, the clock cannot be pushed past its limit, and callbacks
//! go only to allowed hosts and never follow a redirect (each refusal recorded with its reason).
//!
//! Real HTTP on 127.0.0.1 with ephemeral ports; every wait wakes on the sandbox's own
//! notifications.

mod common;

use common::HANG_GUARD;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::state::Delivery;
use bank_sandbox::{Config, Sandbox, StartError};
use serde_json::{Value, json};

async fn sandbox(config: Config) -> Sandbox {
    Sandbox::start(config, "127.0.0.1:0".parse().expect("an address"), None)
        .await
        .expect("the sandbox starts")
}

async fn create_order(http: &reqwest::Client, s: &Sandbox, id: &str, callback: &str) {
    let answer = http
        .post(format!("{}/api/order/create", s.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&common::order(id, Some(callback)))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        answer.status(),
        200,
        "{}",
        answer.text().await.unwrap_or_default()
    );
}

/// The deliveries to `url`, once there are `n`.
async fn deliveries_to(s: &Sandbox, url: &str, n: usize) -> Vec<Delivery> {
    tokio::time::timeout(
        HANG_GUARD,
        s.until(|st| {
            let to: Vec<Delivery> = st
                .deliveries
                .iter()
                .filter(|d| d.url == url)
                .cloned()
                .collect();
            (to.len() >= n).then_some(to)
        }),
    )
    .await
    .unwrap_or_else(|_| panic!("fewer than {n} deliveries to {url}"))
}

#[tokio::test]
async fn the_admin_endpoint_needs_the_token_and_json() {
    let s = sandbox(Config::default()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/_sandbox/faults", s.url());
    let fault = json!({"bank": "globus-cfront", "status": 503, "times": 1});

    let anonymous = http.post(&url).json(&fault).send().await.expect("answered");
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let text = anonymous.text().await.expect("text");
    assert!(text.contains("Authorization: Bearer"), "{text}");
    let wrong = http
        .get(format!("{}/_sandbox/steering", s.url()))
        .bearer_auth("not-the-token")
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), 401);

    // What a web page can send without a CORS preflight: a form, text/plain.
    for media in ["application/x-www-form-urlencoded", "text/plain"] {
        let refused = http
            .post(&url)
            .bearer_auth(s.admin_token())
            .header("content-type", media)
            .body(fault.to_string())
            .send()
            .await
            .expect("answered");
        assert_eq!(refused.status(), 415, "{media}");
        let text = refused.text().await.expect("text");
        assert!(text.contains("application/json"), "{text}");
    }
    assert!(s.steer().report().faults.is_empty(), "nothing was set");

    let created = http
        .post(&url)
        .bearer_auth(s.admin_token())
        .json(&fault)
        .send()
        .await
        .expect("answered");
    assert_eq!(created.status(), 201);
    assert_eq!(s.steer().report().faults.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn only_configured_host_names_are_answered() {
    let s = sandbox(Config::default()).await;
    let http = reqwest::Client::new();
    // A page on evil.example whose name was rebound to 127.0.0.1 sends its own name.
    let bank = http
        .post(format!("{}/api/client/validate", s.base_url(Bank::Globus)))
        .header("host", "evil.example")
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&json!({"phoneNumber": "380501234567"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(bank.status(), 421);
    let body: Value = bank.json().await.expect("the bank's error format");
    assert_eq!(body["code"], "MISDIRECTED_REQUEST", "{body}");
    let admin = http
        .get(format!("{}/_sandbox/steering", s.url()))
        .header("host", "evil.example:8080")
        .bearer_auth(s.admin_token())
        .send()
        .await
        .expect("answered");
    assert_eq!(admin.status(), 421);
    // The names of loopback, with any port, are answered.
    for host in ["localhost:1234", "127.0.0.1", "[::1]:8080"] {
        let ok = http
            .get(format!("{}/_sandbox/steering", s.url()))
            .header("host", host)
            .bearer_auth(s.admin_token())
            .send()
            .await
            .expect("answered");
        assert_eq!(ok.status(), 200, "{host}");
    }
    s.stop().await;

    // A configured name is answered.
    let mut config = Config::default();
    config.server.hosts.push("sandbox.team.internal".into());
    let s = sandbox(config).await;
    let ok = http
        .get(format!("{}/_sandbox/steering", s.url()))
        .header("host", "sandbox.team.internal:8080")
        .bearer_auth(s.admin_token())
        .send()
        .await
        .expect("answered");
    assert_eq!(ok.status(), 200);
    s.stop().await;
}

#[tokio::test]
async fn a_public_address_needs_an_admin_token_set() {
    let err = Sandbox::start(
        Config::default(),
        "0.0.0.0:0".parse().expect("an address"),
        None,
    )
    .await
    .err()
    .expect("refused without a token");
    assert!(matches!(err, StartError::Exposed(_)), "{err}");
    assert!(err.to_string().contains("[admin] token"), "{err}");

    let mut config = Config::default();
    config.admin.token = Some("a-team-secret-of-some-length".into());
    let s = sandbox(config.clone()).await;
    assert_eq!(s.admin_token(), "a-team-secret-of-some-length");
    s.stop().await;
    config.admin.token = Some("short".into());
    let err = Sandbox::start(config, "127.0.0.1:0".parse().expect("an address"), None)
        .await
        .err()
        .expect("too short");
    assert!(err.to_string().contains("at least 16"), "{err}");
}

#[tokio::test]
async fn the_clock_cannot_be_pushed_past_its_limit() {
    let s = sandbox(Config::default()).await;
    let http = reqwest::Client::new();
    let advance = |ms: u64| {
        http.post(format!("{}/_sandbox/clock", s.url()))
            .bearer_auth(s.admin_token())
            .json(&json!({ "advance_ms": ms }))
            .send()
    };
    let refused = advance(u64::MAX).await.expect("answered");
    assert_eq!(refused.status(), 400);
    let text = refused.text().await.expect("text");
    assert!(text.contains("100 years"), "{text}");
    assert_eq!(advance(1_000).await.expect("answered").status(), 204);
    // The Rust API stops at the limit instead of overflowing.
    s.advance_clock(Duration::MAX);
    let refused = advance(1).await.expect("answered");
    assert_eq!(refused.status(), 400);
    s.stop().await;
}

/// A merchant answering every POST with `status` (and `location`), counting what it received.
async fn merchant(status: u16, location: Option<String>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        let location = location.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut answer = axum::http::Response::builder().status(status);
            if let Some(location) = location {
                answer = answer.header("location", location);
            }
            answer.body(axum::body::Body::empty()).expect("an answer")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, hits)
}

#[tokio::test]
async fn callbacks_go_only_to_allowed_hosts_and_never_follow_a_redirect() {
    let s = sandbox(Config::default()).await;
    let http = reqwest::Client::new();

    // A host that is not allowed (here, a documentation address): not contacted, recorded.
    let outside = "http://203.0.113.7/callback";
    create_order(&http, &s, "SHOP-OUT", outside).await;
    let refused = deliveries_to(&s, outside, 2).await;
    for d in &refused {
        assert!(!d.sent, "{d:?}");
        assert_eq!(d.status, None);
        let reason = d.reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("not in [callbacks] allowed_hosts"),
            "{reason}"
        );
    }

    // A merchant that redirects elsewhere: its 302 is its answer; the other server sees nothing.
    let (elsewhere, elsewhere_hits) = merchant(200, None).await;
    let (redirecting, redirect_hits) = merchant(302, Some(format!("{elsewhere}/stolen"))).await;
    let callback = format!("{redirecting}/callback");
    create_order(&http, &s, "SHOP-REDIRECT", &callback).await;
    let redirected = deliveries_to(&s, &callback, 2).await;
    for d in &redirected {
        assert!(d.sent && !d.delivered(), "{d:?}");
        assert_eq!(d.status, Some(302));
        let reason = d.reason.as_deref().unwrap_or_default();
        assert!(reason.contains("redirects are not followed"), "{reason}");
        assert!(reason.contains("/stolen"), "{reason}");
    }
    assert_eq!(redirect_hits.load(Ordering::SeqCst), 2);
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );

    // The same over HTTP.
    let listed: Value = http
        .get(format!("{}/_sandbox/deliveries", s.url()))
        .bearer_auth(s.admin_token())
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let first = &listed[0];
    assert_eq!(
        (first["url"].as_str(), first["sent"].as_bool()),
        (Some(outside), Some(false))
    );
    s.stop().await;
}
