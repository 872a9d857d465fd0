//! The web console's rules over HTTP (the browser tests are the workspace's `tests/console.rs`):
//! pages need a login with the admin token or the token itself; the session cookie is
//! `HttpOnly; SameSite=Strict` on the console's path; every action needs the session's CSRF
//! token, a form body and the console's own origin; the admin JSON API keeps its own rules (a
//! session cookie opens nothing there); the host check applies; values are escaped; pages carry
//! the CSP; the live-update stream tells of changes and ends when the sandbox stops.
//!
//! Real HTTP on 127.0.0.1 with an ephemeral port; no redirect is followed, so each answer is
//! seen as the browser would get it.

mod common;

use common::HANG_GUARD;

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};
use reqwest::StatusCode;

async fn sandbox() -> Sandbox {
    Sandbox::start(
        Config::default(),
        "127.0.0.1:0".parse().expect("an address"),
        None,
    )
    .await
    .expect("the sandbox starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// The session cookie's `name=value`, from a login.
async fn login(s: &Sandbox) -> String {
    let answer = http()
        .post(format!("{}/_sandbox/ui/login", s.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}", s.admin_token()))
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()["location"], "/_sandbox/ui");
    let cookie = answer.headers()["set-cookie"].to_str().expect("text");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/_sandbox/ui"),
        "{cookie}"
    );
    cookie.split(';').next().expect("name=value").to_owned()
}

/// The CSRF token a page's forms carry.
fn csrf(page: &str) -> String {
    let at = page
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + 19;
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn pages_need_a_login_and_actions_the_sessions_csrf_token() {
    let s = sandbox().await;
    let http = http();
    let ui = format!("{}/_sandbox/ui", s.url());

    let anonymous = http.get(&ui).send().await.expect("answered");
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/_sandbox/ui/login");
    let wrong = http
        .post(format!("{ui}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=not-the-token")
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());

    let cookie = login(&s).await;
    let page = http
        .get(&ui)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answered");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()["content-security-policy"],
        bank_sandbox::ui::CSP
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let token = csrf(&page.text().await.expect("a page"));

    let decline = |body: String, origin: &str, media: &str| {
        http.post(format!("{ui}/steer/decline"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .header("content-type", media)
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    let own = s.url();
    for (body, origin, media, status) in [
        (
            "bank=globus-cfront&key=K".to_owned(),
            own.as_str(),
            form,
            403,
        ),
        (
            format!("bank=globus-cfront&key=K&csrf={}", "0".repeat(64)),
            &own,
            form,
            403,
        ),
        (
            format!("bank=globus-cfront&key=K&csrf={token}"),
            "http://evil.example",
            form,
            403,
        ),
        (
            format!("bank=globus-cfront&key=K&csrf={token}"),
            "null",
            form,
            403,
        ),
        (
            format!("bank=globus-cfront&key=K&csrf={token}"),
            &own,
            "text/plain",
            415,
        ),
    ] {
        let answer = decline(body.clone(), origin, media)
            .await
            .expect("answered");
        assert_eq!(
            answer.status().as_u16(),
            status,
            "{body} from {origin} as {media}"
        );
    }
    assert!(
        s.steer().report().declines.is_empty(),
        "nothing was steered"
    );
    let done = decline(
        format!("bank=globus-cfront&key=K&csrf={token}&back=%2F_sandbox%2Fui%2Fsteering"),
        &own,
        form,
    )
    .await
    .expect("answered");
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], "/_sandbox/ui/steering");
    assert!(s.steer().declined(Bank::Globus, &["K"]));
    // The notice says what was done, once.
    let steering = http
        .get(format!("{ui}/steering"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("a page");
    assert!(
        steering.contains("globus-cfront declines `K` when it decides"),
        "{steering}"
    );

    // A refusal of the admin API is the notice, in its words.
    let refused = decline(format!("bank=nowhere&key=K&csrf={token}"), &own, form)
        .await
        .expect("answered");
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let overview = http
        .get(&ui)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("a page");
    assert!(overview.contains("no API `nowhere`"), "{overview}");

    // The admin token itself opens the console, and its forms need no CSRF token.
    let admin = format!("Bearer {}", s.admin_token());
    let by_token = http
        .post(format!("{ui}/steer/callback-failure"))
        .header("authorization", &admin)
        .header("content-type", form)
        .body("url=http%3A%2F%2F127.0.0.1%3A1%2Fcb&times=2")
        .send()
        .await
        .expect("answered");
    assert_eq!(by_token.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.steer().report().callback_failures.len(), 1);

    // The admin JSON API keeps its rules: a session cookie is no admin token, a form no JSON.
    let by_cookie = http
        .post(format!("{}/_sandbox/declines", s.url()))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(r#"{"bank": "globus-cfront", "key": "X"}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(by_cookie.status(), StatusCode::UNAUTHORIZED);
    let as_form = http
        .post(format!("{}/_sandbox/declines", s.url()))
        .header("authorization", &admin)
        .header("content-type", form)
        .body("bank=globus-cfront&key=X")
        .send()
        .await
        .expect("answered");
    assert_eq!(as_form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // The host check comes first.
    let rebound = http
        .get(&ui)
        .header("host", "evil.example")
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answered");
    assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST);

    // Logging out ends the session.
    let out = http
        .post(format!("{ui}/logout"))
        .header("cookie", &cookie)
        .header("content-type", form)
        .body(format!("csrf={token}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = http
        .get(&ui)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("answered");
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    s.stop().await;
}

#[tokio::test]
async fn values_are_escaped_and_changes_are_streamed_until_the_sandbox_stops() {
    let s = sandbox().await;
    let http = http();
    let admin = format!("Bearer {}", s.admin_token());
    let mut events = http
        .get(format!("{}/_sandbox/ui/events", s.url()))
        .header("authorization", &admin)
        .send()
        .await
        .expect("answered");
    assert_eq!(events.headers()["content-type"], "text/event-stream");

    let mut order = common::order("SHOP-<i>1</i>", None);
    order["fullName"] = "<script>alert(1)</script>".into();
    let created: serde_json::Value = http
        .post(format!("{}/api/order/create", s.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&order)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let id = created["orderId"].as_str().expect("an id");

    // A change of the state is an event on the stream.
    let first = tokio::time::timeout(HANG_GUARD, events.chunk())
        .await
        .expect("an event in time")
        .expect("read")
        .expect("a chunk");
    let first = String::from_utf8_lossy(&first);
    assert!(first.contains("event: change"), "{first}");

    for page in [
        "/_sandbox/ui/api/globus-cfront".to_owned(),
        format!("/_sandbox/ui/api/globus-cfront/{id}"),
    ] {
        let html = http
            .get(format!("{}{page}", s.url()))
            .header("authorization", &admin)
            .send()
            .await
            .expect("answered")
            .text()
            .await
            .expect("a page");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}: {html}"
        );
        assert!(!html.contains("<script>alert"), "{page}");
        assert!(!html.contains("<i>1</i>"), "{page}");
    }
    let missing = http
        .get(format!(
            "{}/_sandbox/ui/api/globus-cfront/no-such-order",
            s.url()
        ))
        .header("authorization", &admin)
        .send()
        .await
        .expect("answered");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The sandbox stops with the stream open: the stream ends rather than hold the server.
    tokio::time::timeout(HANG_GUARD, s.stop())
        .await
        .expect("the sandbox stops with a live-update stream open");
    drop(events);
}
