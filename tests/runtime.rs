//! The shared runtime over real HTTP on 127.0.0.1: tokens (single flight, refresh after 401, a
//! failure answered for a short interval, then asked again), retries (only what is safe, Retry-After), typed errors for every kind of
//! malformed answer, and secrets kept out of Debug.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bank_runtime::{
    AuthError, BankError, ClientCredentials, ClientCredentialsGrant, Context, ErrorKind,
    InstantSleep, ManualClock, Outcome, PasswordGrant, RetryPolicy, Secret, TokenCache,
    TokenOptions,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const APP: &str = "APP-1";

use bank_testkit::mock::token_body;

fn grant(server: &MockServer) -> ClientCredentialsGrant {
    ClientCredentialsGrant::new(
        reqwest::Client::new(),
        format!("{}/oauth/token", server.uri()),
        "bcc.application.financial",
        ClientCredentials::new("client-id", "client-secret-value"),
    )
}

/// A context whose back-off waits are recorded by `sleep` instead of waited out.
fn context_with(server: &MockServer, retry: RetryPolicy, sleep: InstantSleep) -> Context {
    Context::builder("bcc-financial")
        .client_id(APP)
        .auth(TokenCache::new(grant(server), Duration::from_secs(30)))
        .retry(retry)
        .sleeper(sleep)
        .build()
}

fn context(server: &MockServer, retry: RetryPolicy) -> Context {
    context_with(server, retry, InstantSleep::new())
}

fn client(server: &MockServer, retry: RetryPolicy) -> bcc_financial::Client {
    bcc_financial::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        context(server, retry),
    )
}

fn accounts_ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"accounts": [{"iban": "KZ1"}]}))
}

async fn token_requests(server: &MockServer) -> usize {
    bank_testkit::mock::requests_to(server, "/oauth/token").await
}

#[tokio::test]
async fn a_hundred_concurrent_calls_with_an_expired_token_fetch_exactly_one_new_token() {
    let server = MockServer::start().await;
    // The first token expires at once; the next one is good for an hour.
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("expired", 0))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("fresh", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{APP}/accounts")))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(accounts_ok())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/{APP}/accounts")))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::none());
    let first = client.get_accounts().bank().await.expect("first call");
    assert_eq!(first.accounts.0.len(), 1);
    assert_eq!(
        token_requests(&server).await,
        2,
        "expired token, then one refresh"
    );

    let calls = (0..100).map(|_| client.get_accounts().bank());
    let results = futures::future::join_all(calls).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(
        token_requests(&server).await,
        2,
        "the fresh token is reused by all 100 calls"
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("t", 3600).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(accounts_ok())
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::none());
    let calls = (0..100).map(|_| client.get_accounts().bank());
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        token_requests(&server).await,
        1,
        "exactly one token request for 100 concurrent callers"
    );
}

#[tokio::test]
async fn invalid_token_means_one_refresh_and_one_retry_then_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("old", 3600))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("new", 3600))
        .mount(&server)
        .await;
    let invalid = ResponseTemplate::new(401).insert_header(
        "www-authenticate",
        r#"Bearer realm="oauth2-resource", error="invalid_token", error_description="The access token expired""#,
    );
    Mock::given(path(format!("/{APP}/accounts")))
        .and(header("authorization", "Bearer old"))
        .respond_with(invalid.clone())
        .mount(&server)
        .await;
    Mock::given(path(format!("/{APP}/accounts")))
        .and(header("authorization", "Bearer new"))
        .respond_with(accounts_ok())
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::none());
    client
        .get_accounts()
        .bank()
        .await
        .expect("refreshed and retried");
    assert_eq!(token_requests(&server).await, 2);

    // When the bank keeps refusing, the caller gets a typed 401 after one refresh and one retry.
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("any", 3600))
        .mount(&server)
        .await;
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(invalid)
        .mount(&server)
        .await;
    let client = self::client(&server, RetryPolicy::none());
    let err = client
        .get_accounts()
        .bank()
        .await
        .expect_err("persistent 401");
    assert_eq!(err.status, Some(401));
    let api_calls = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with("/accounts"))
        .count();
    assert_eq!(api_calls, 2, "one request and one retry");
    assert_eq!(
        token_requests(&server).await,
        2,
        "one token and one refresh"
    );
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_is_a_transient_auth_error_answered_for_an_interval() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("t", 3600))
        .mount(&server)
        .await;
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(accounts_ok())
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let options =
        TokenOptions::margin(Duration::from_secs(30)).retry_failures_after(Duration::from_secs(5));
    let ctx = Context::builder("bcc-financial")
        .client_id(APP)
        .auth(TokenCache::with_options(
            grant(&server),
            options,
            clock.clone(),
        ))
        .retry(RetryPolicy::none())
        .build();
    let client = bcc_financial::Client::new_with_client(&server.uri(), reqwest::Client::new(), ctx);
    let err = client
        .get_accounts()
        .bank()
        .await
        .expect_err("token endpoint fails");
    assert_eq!(err.kind, ErrorKind::Auth, "{err}");
    assert_eq!(err.outcome(), Outcome::NotProcessed, "{err}");
    assert!(
        err.is_transient(),
        "a token endpoint outage is transient: {err}"
    );
    assert!(
        err.to_string().contains("503") && !err.to_string().contains("maintenance"),
        "the status, not the endpoint's answer: {err}"
    );
    let again = client
        .get_accounts()
        .bank()
        .await
        .expect_err("answered from the failure");
    assert_eq!(again.kind, ErrorKind::Auth);
    assert_eq!(token_requests(&server).await, 1, "asked once per interval");
    clock.advance(Duration::from_secs(6));
    client
        .get_accounts()
        .bank()
        .await
        .expect("asked again after the interval");
    assert_eq!(token_requests(&server).await, 2);

    // Nothing listening at all.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let grant = ClientCredentialsGrant::new(
        reqwest::Client::new(),
        format!("http://{closed}/token"),
        "s",
        ClientCredentials::new("id", "secret"),
    );
    let ctx = Context::builder("bcc-financial")
        .client_id(APP)
        .auth(TokenCache::new(grant, Duration::from_secs(30)))
        .build();
    let client = bcc_financial::Client::new_with_client(&server.uri(), reqwest::Client::new(), ctx);
    let err = client.get_accounts().bank().await.expect_err("unreachable");
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("unreachable"), "{err}");
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn basic_refused_falls_back_to_form_fields_and_remembers() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .and(header(
            "authorization",
            "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQtdmFsdWU=",
        ))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("t", 0))
        .mount(&server)
        .await;
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(accounts_ok())
        .mount(&server)
        .await;
    // `expires_in: 0` is read as the shortest lifetime (1 s), refreshed at half of it.
    let clock = ManualClock::new();
    let ctx = Context::builder("bcc-financial")
        .client_id(APP)
        .auth(TokenCache::with_clock(
            grant(&server),
            Duration::from_secs(30),
            clock.clone(),
        ))
        .retry(RetryPolicy::none())
        .build();
    let client = bcc_financial::Client::new_with_client(&server.uri(), reqwest::Client::new(), ctx);
    client
        .get_accounts()
        .bank()
        .await
        .expect("form fields work");
    client.get_accounts().bank().await.expect("the same token");
    assert_eq!(token_requests(&server).await, 2, "Basic, form");
    clock.advance(Duration::from_secs(2));
    client.get_accounts().bank().await.expect("again");
    let tokens: Vec<Request> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .collect();
    assert_eq!(tokens.len(), 3, "Basic, form; then form only");
    let form = String::from_utf8_lossy(&tokens[1].body).into_owned();
    assert!(
        form.contains("grant_type=client_credentials")
            && form.contains("client_id=client-id")
            && form.contains("scope=bcc.application.financial"),
        "{form}"
    );
    assert!(
        tokens[2].headers.get("authorization").is_none(),
        "the working mode is remembered"
    );
}

#[tokio::test]
async fn a_payment_post_is_sent_exactly_once_even_on_503() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("t", 3600))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/{APP}/payments")))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::default());
    let body = bcc_financial::types::PaymentBody::builder().currency("KZT".to_owned());
    let err = client
        .create_payment()
        .body(body)
        .bank()
        .await
        .expect_err("503");
    assert_eq!(err.status, Some(503));
    let posts = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/payments"))
        .count();
    assert_eq!(posts, 1, "a payment is never repeated automatically");
}

/// 503 with Retry-After: 1 first, then 200.
struct Flaky(AtomicUsize);

impl Respond for Flaky {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            ResponseTemplate::new(503).insert_header("retry-after", "1")
        } else {
            accounts_ok()
        }
    }
}

#[tokio::test]
async fn a_get_is_retried_after_the_wait_the_bank_asks_for() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("t", 3600))
        .mount(&server)
        .await;
    let flaky = Arc::new(Flaky(AtomicUsize::new(0)));
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(FlakyRef(flaky.clone()))
        .mount(&server)
        .await;
    let sleep = InstantSleep::new();
    let client = bcc_financial::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        context_with(&server, RetryPolicy::default(), sleep.clone()),
    );
    client.get_accounts().bank().await.expect("retried");
    assert_eq!(flaky.0.load(Ordering::SeqCst), 2);
    assert_eq!(
        sleep.slept(),
        [Duration::from_secs(1)],
        "Retry-After: 1 was honoured, once"
    );
}

#[tokio::test]
async fn a_cached_token_is_reused_until_the_margin_before_its_expiry() {
    let server = MockServer::start().await;
    bank_testkit::mock::token_endpoint(&server, "/oauth/token", "t").await;
    let clock = ManualClock::new();
    let cache = TokenCache::with_clock(grant(&server), Duration::from_secs(30), clock.clone());
    cache.token().await.expect("first");
    clock.advance(Duration::from_secs(3569));
    cache.token().await.expect("still cached: 31 s left");
    assert_eq!(token_requests(&server).await, 1);
    clock.advance(Duration::from_secs(2));
    cache
        .token()
        .await
        .expect("29 s left: still handed out, a refresh started beside");
    assert_eq!(cache.fetches(), 2);
    clock.advance(Duration::from_secs(30));
    cache.token().await.expect("expired: the refreshed token");
    assert_eq!(token_requests(&server).await, 2, "one refresh");
}

#[tokio::test]
async fn a_huge_or_tiny_expires_in_is_clamped_and_never_panics() {
    for (expires_in, asked_after_a_minute) in [(u64::MAX, 1), (0, 2)] {
        let server = MockServer::start().await;
        Mock::given(path("/oauth/token"))
            .respond_with(token_body("t", expires_in))
            .mount(&server)
            .await;
        let clock = ManualClock::new();
        let cache = TokenCache::with_clock(grant(&server), Duration::from_secs(30), clock.clone());
        cache.token().await.expect("first");
        cache.token().await.expect("cached");
        clock.advance(Duration::from_secs(60));
        cache.token().await.expect("later");
        // u64::MAX is read as a day; 0 as one second (so a minute later it is fetched again).
        assert_eq!(
            token_requests(&server).await,
            asked_after_a_minute,
            "expires_in {expires_in}"
        );
    }
}

struct FlakyRef(Arc<Flaky>);

impl Respond for FlakyRef {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        self.0.respond(r)
    }
}

async fn error_for(response: ResponseTemplate) -> BankError {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(token_body("t", 3600))
        .mount(&server)
        .await;
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(response)
        .mount(&server)
        .await;
    client(&server, RetryPolicy::none())
        .get_accounts()
        .bank()
        .await
        .expect_err("malformed")
}

#[tokio::test]
async fn malformed_answers_are_typed_errors_never_panics() {
    let html = error_for(
        ResponseTemplate::new(502)
            .insert_header("x-global-transaction-id", "abc-123")
            .set_body_raw(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
                "text/html",
            ),
    )
    .await;
    assert_eq!(
        (html.kind, html.status),
        (ErrorKind::Status, Some(502)),
        "{html}"
    );
    assert_eq!(html.request_id.as_deref(), Some("abc-123"));
    assert!(
        html.raw_body()
            .is_some_and(|b| b.contains("502 Bad Gateway"))
            && !html.to_string().contains("<html>")
            && html.to_string().contains("request id abc-123"),
        "{html}"
    );

    let empty = error_for(ResponseTemplate::new(200)).await;
    assert_eq!(empty.kind, ErrorKind::Decode, "{empty}");

    let truncated = error_for(
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"accounts": [{"iban": "KZ1"#, "application/json"),
    )
    .await;
    assert_eq!(truncated.kind, ErrorKind::Decode, "{truncated}");
    assert!(
        truncated.raw_body().is_some_and(|b| b.contains("KZ1"))
            && !truncated.to_string().contains("KZ1")
            && !format!("{truncated:?}").contains("KZ1"),
        "{truncated}"
    );

    let wrong_types =
        error_for(ResponseTemplate::new(200).set_body_json(json!({"accounts": [{"iban": 42}]})))
            .await;
    assert_eq!(wrong_types.kind, ErrorKind::Decode, "{wrong_types}");

    let bank = error_for(
        ResponseTemplate::new(400)
            .set_body_json(json!({"success": false, "code": 17, "description": "Неверный IBAN"})),
    )
    .await;
    assert_eq!(
        (bank.status, bank.code.as_deref(), bank.message.as_str()),
        (Some(400), Some("17"), "Неверный IBAN")
    );
    let line = bank.to_string();
    assert!(
        !line.contains('\n')
            && line.contains("HTTP 400")
            && line.contains("code 17")
            && line.contains("Неверный IBAN"),
        "{line}"
    );
}

#[tokio::test]
async fn the_baas_password_grant_sends_json_with_basic_consumer_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("authorization", "Basic a2V5OnNlY3JldA=="))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"grant_type": "password", "username": "test", "password": "3344122"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "eyJ", "scope": "default", "token_type": "Bearer", "expires_in": 3600})))
        .expect(1)
        .mount(&server)
        .await;
    let grant = baas_grant(&server);
    let cache = TokenCache::new(grant, Duration::from_secs(30));
    assert_eq!(cache.token().await.expect("token").expose(), "eyJ");
    assert_eq!(cache.token().await.expect("cached").expose(), "eyJ");
}

/// BaaS's password grant (consumer `key:secret`, user `test`) against the mock's token route.
fn baas_grant(server: &MockServer) -> PasswordGrant {
    PasswordGrant::new(
        reqwest::Client::new(),
        format!("{}/oauth2/token", server.uri()),
        ClientCredentials::new("key", "secret"),
        "test",
        "3344122",
    )
}

/// A token a header cannot carry (a line break in `access_token`) is a malformed token answer,
/// named so, without the token: never a request sent without authentication.
#[tokio::test]
async fn a_token_no_header_can_carry_is_a_malformed_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "eyJ\r\nX-Injected: 1", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    let grant = baas_grant(&server);
    let cache = TokenCache::new(grant, Duration::from_secs(30));
    let err = cache.authorization().await.expect_err("no header");
    assert!(
        matches!(&err, AuthError::Malformed { message, .. } if message.contains("header")),
        "{err}"
    );
    assert!(!err.to_string().contains("Injected"), "{err}");
    assert!(!err.is_transient());
    assert!(
        cache.token().await.is_err(),
        "the token is not cached either"
    );
}

#[test]
fn debug_output_never_contains_a_secret() {
    let creds = ClientCredentials::new("client-id", "s3cr3t-value");
    let grant = PasswordGrant::new(
        reqwest::Client::new(),
        "http://127.0.0.1:1/t",
        creds.clone(),
        "user",
        "p4ssw0rd",
    );
    let cache = TokenCache::new(
        ClientCredentialsGrant::new(
            reqwest::Client::new(),
            "http://127.0.0.1:1/t",
            "scope",
            creds.clone(),
        ),
        Duration::from_secs(30),
    );
    let context = Context::builder("x").auth(cache.clone()).build();
    let token = bank_runtime::AccessToken {
        value: Secret::new("tok3n-value"),
        lifetime: Duration::from_secs(300),
    };
    for text in [
        format!("{creds:?}"),
        format!("{grant:?}"),
        format!("{cache:?}"),
        format!("{context:?}"),
        format!("{token:?}"),
        Secret::new("s3cr3t-value").to_string(),
    ] {
        for secret in ["s3cr3t-value", "p4ssw0rd", "tok3n-value"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(
            text.contains("redacted") || text.contains("Context"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_total_deadline_ends_the_call_whatever_the_attempts() {
    // The bank never answers in time (a 30 s delay against a 150 ms deadline): the call ends at
    // the deadline with a typed transport error saying so, not after the per-attempt timeout.
    let server = MockServer::start().await;
    bank_testkit::mock::token_endpoint(&server, "/oauth/token", "t").await;
    Mock::given(path(format!("/{APP}/accounts")))
        .respond_with(accounts_ok().set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let context = Context::builder("bcc-financial")
        .client_id(APP)
        .auth(TokenCache::new(grant(&server), Duration::from_secs(30)))
        .retry(RetryPolicy::default())
        .sleeper(InstantSleep::new())
        .deadline(Some(Duration::from_millis(150)))
        .build();
    let client =
        bcc_financial::Client::new_with_client(&server.uri(), reqwest::Client::new(), context);
    let err = client.get_accounts().bank().await.expect_err("deadline");
    assert_eq!(err.kind, ErrorKind::Deadline, "{err}");
    assert_eq!(err.status, None, "no made-up status: {err}");
    assert_eq!(
        err.outcome(),
        Outcome::Unknown,
        "an attempt was in flight: {err}"
    );
    assert!(err.message.contains("total deadline of 150ms"), "{err}");
    assert!(err.is_transient(), "a GET is safe to repeat");
}

/// 503 to every request, counting them.
struct Always503(Arc<AtomicUsize>);

impl Respond for Always503 {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(503)
    }
}

/// How many requests `send` made to a bank that answers every one 503, under `retry`, with
/// Globus CFRONT's generated spec (so the document's flags apply).
async fn attempts_at_503(
    retry: RetryPolicy,
    send: impl AsyncFnOnce(&globus_cfront::Client) -> Result<(), BankError>,
) -> usize {
    let server = MockServer::start().await;
    let counter = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .respond_with(Always503(counter.clone()))
        .mount(&server)
        .await;
    let context = Context::for_api(&globus_cfront::SPEC)
        .retry(retry)
        .sleeper(InstantSleep::new())
        .build();
    let client =
        globus_cfront::Client::new_with_client(&server.uri(), reqwest::Client::new(), context);
    let err = send(&client).await.expect_err("503 every time");
    assert_eq!(err.status, Some(503), "{err}");
    counter.load(Ordering::SeqCst)
}

#[tokio::test]
async fn retries_follow_the_generated_operation_flags_and_the_policys_additions() {
    use globus_cfront::operations::Operation;
    let body = || globus_cfront::types::OrderIdRequest::builder().order_id("o-1".to_owned());
    // The document marks getOrderState idempotent (a read sent as POST): retried to the limit.
    assert!(Operation::GetOrderState.idempotent());
    let reads = attempts_at_503(RetryPolicy::default(), async |c| {
        c.get_order_state().body(body()).bank().await.map(drop)
    })
    .await;
    assert_eq!(
        reads, 3,
        "an idempotent POST is retried (3 attempts in all)"
    );
    // confirmOrder is not: sent once.
    assert!(!Operation::ConfirmOrder.idempotent());
    let confirms = attempts_at_503(RetryPolicy::default(), async |c| {
        c.confirm_order().body(body()).bank().await.map(drop)
    })
    .await;
    assert_eq!(confirms, 1, "a non-idempotent POST is never repeated");
    // Unless the service says the bank deduplicates it, by the typed operation.
    let confirms = attempts_at_503(
        RetryPolicy::default().idempotent(Operation::ConfirmOrder),
        async |c| c.confirm_order().body(body()).bank().await.map(drop),
    )
    .await;
    assert_eq!(confirms, 3, "added to the policy: retried like a read");
}
