//! The failure path, end to end over HTTP on 127.0.0.1: what a call that fails says about the
//! bank having acted (`BankError::outcome`), that the runtime never re-sends what may have been
//! processed, that reconciliation finds what the lost answer would have said, that a hanging
//! token endpoint or signer cannot hold a call past its deadline, and that no customer data
//! reaches error text or logs.
//!
//! Where timing matters the tests run on Tokio's paused clock (a deadline of seconds passes at
//! once when nothing else can happen) or bound real waits well under a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bank_runtime::{
    AccessToken, AuthError, ClientCredentials, Context, ErrorKind, Outcome, RetryPolicy,
    TokenCache, TokenOptions, TokenSource,
};
use bank_sandbox::spec::Bank;
use bank_sandbox::steer::Fault;
use bank_testkit::sandbox::{financial, globus, start as sandbox};
use banks::bcc::PaymentLookup;
use banks::globus::{OrderCallbacks, OrderLookup};
use banks::jws::Profile;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A payment with its own document number (the client's reference).
fn payment(document_number: &str) -> banks::bcc::financial::types::builder::PaymentBody {
    bank_testkit::bodies::payment(
        banks::Decimal::from(10),
        "KZ218560000000000001",
        "KZ218560000000000002",
    )
    .document_number(Some(document_number.to_owned()))
}

#[tokio::test]
async fn a_payment_whose_answer_is_lost_after_commit_is_unknown_not_resent_and_reconciled() {
    let s = sandbox(bank_sandbox::Config::default()).await;
    let f = financial(&s, Profile::default());
    let fault = s
        .steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("create_payment")
                .drop_after_commit()
                .once(),
        )
        .expect("a valid fault");

    let err = f
        .create_payment()
        .body(payment("PAY-LOST-1"))
        .bank()
        .await
        .expect_err("the answer is lost");
    assert_eq!(s.steer().hits(fault), 1);
    assert_eq!(err.outcome(), Outcome::Unknown, "{err}");
    assert!(
        !err.is_transient(),
        "a payment is never advertised as retryable: {err}"
    );
    assert_eq!(err.operation(), Some("create_payment"));
    assert!(matches!(
        banks::failures::reconciliation(&err),
        Some(banks::failures::Reconciliation::Lookup { .. })
    ));
    assert_eq!(
        s.effects().count(Bank::Financial, "PAY-LOST-1"),
        1,
        "the runtime did not send it again"
    );

    let today = chrono::Utc::now().date_naive();
    match banks::bcc::reconcile_payment(&f, "PAY-LOST-1", today)
        .await
        .expect("the lookup answers")
    {
        PaymentLookup::Found(found) => {
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].document_number, "PAY-LOST-1");
        }
        other => panic!("the committed payment is found: {other:?}"),
    }
    assert_eq!(
        banks::bcc::reconcile_payment(&f, "PAY-NEVER-SENT", today)
            .await
            .expect("the lookup answers"),
        PaymentLookup::NotFound
    );
    assert!(s.effects().duplicates().is_empty());
}

#[tokio::test]
async fn a_payment_turned_away_before_processing_is_retried_by_the_runtime_once_safe() {
    // 429 means the bank did not act: the runtime sends the payment again (after the wait the
    // bank asks for) and it takes effect once.
    let s = sandbox(bank_sandbox::Config::default()).await;
    let f = banks::bcc::Financial::builder()
        .credentials(banks::testing::credentials::<banks::bcc::Financial>())
        .environment(banks::Environment::Custom(s.base_url(Bank::Financial)))
        .token_url(s.token_url(Bank::Financial).expect("a token route"))
        .signer(bank_testkit::keys::ec_signer(Profile::default()))
        // The sandbox asks for a second; waits are capped here so the test stays short.
        .http(banks::HttpConfig::new().retry(RetryPolicy {
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        }))
        .build()
        .expect("builds");
    s.steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("create_payment")
                .status(429)
                .once(),
        )
        .expect("a valid fault");
    f.create_payment()
        .body(payment("PAY-429"))
        .bank()
        .await
        .expect("sent again after the 429");
    assert_eq!(s.effects().count(Bank::Financial, "PAY-429"), 1);
}

/// A callback receiver on 127.0.0.1 that feeds `callbacks`; its URL.
async fn receiver(callbacks: Arc<OrderCallbacks>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route(
        "/cb",
        banks::callbacks::Receiver::<banks::globus::cfront::types::OrderState>::new().post(
            move |state: banks::globus::cfront::types::OrderState| {
                let callbacks = callbacks.clone();
                async move {
                    callbacks.record(&state);
                    Ok::<(), banks::BankError>(())
                }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/cb")
}

#[tokio::test]
async fn an_order_whose_answer_is_lost_is_found_by_its_callback_not_created_twice() {
    let s = sandbox(bank_sandbox::Config::default()).await;
    let c = globus(&s);
    let callbacks = Arc::new(OrderCallbacks::new(100));
    let url = receiver(callbacks.clone()).await;
    s.steer()
        .fault(
            Fault::on(Bank::Globus)
                .operation("create_order")
                .drop_after_commit()
                .once(),
        )
        .expect("a valid fault");
    let order =
        bank_testkit::bodies::globus_order("SHOP-LOST-1", "380501234567", "1000", Some(url));
    let err = c
        .create_order()
        .body(order)
        .bank()
        .await
        .expect_err("the answer is lost");
    assert_eq!(err.outcome(), Outcome::Unknown, "{err}");
    assert!(!err.is_transient(), "{err}");
    match callbacks
        .reconcile(&c, "SHOP-LOST-1", Duration::from_secs(60))
        .await
        .expect("the order state answers")
    {
        OrderLookup::Found(state) => {
            assert_eq!(state.merchant_order_id.as_deref(), Some("SHOP-LOST-1"));
        }
        OrderLookup::NoCallback => panic!("the committed order's callback arrives"),
    }
    assert_eq!(s.effects().count(Bank::Globus, "SHOP-LOST-1"), 1);
    assert!(s.effects().duplicates().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_order_never_created_has_no_callback_and_says_so() {
    let s = sandbox(bank_sandbox::Config::default()).await;
    let c = globus(&s);
    let callbacks = OrderCallbacks::new(10);
    assert_eq!(
        callbacks
            .reconcile(&c, "SHOP-NEVER", Duration::from_secs(30))
            .await
            .expect("nothing to read"),
        OrderLookup::NoCallback
    );
}

/// A token endpoint that never answers, counting how often it is asked.
#[derive(Debug, Default)]
struct Hanging(AtomicUsize);

/// The source the cache holds (the test keeps the other handle to count).
#[derive(Debug)]
struct HangingSource(Arc<Hanging>);

impl TokenSource for HangingSource {
    fn fetch(&self) -> bank_runtime::token::TokenFuture<'_> {
        self.0.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending::<Result<AccessToken, AuthError>>())
    }

    fn token_url(&self) -> String {
        "http://127.0.0.1:9/hanging-token".into()
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_token_endpoint_holds_no_call_past_its_deadline_and_is_asked_once_per_interval() {
    let endpoint = Arc::new(Hanging::default());
    let options = TokenOptions::default()
        .fetch_timeout(Duration::from_secs(10))
        .retry_failures_after(Duration::from_secs(5));
    let context = Context::builder("bcc-financial")
        .client_id("APP-1")
        .auth(TokenCache::with_options(
            HangingSource(endpoint.clone()),
            options,
            bank_runtime::TokioClock,
        ))
        .retry(RetryPolicy::default())
        .deadline(Some(Duration::from_secs(2)))
        .build();
    let client = Arc::new(bcc_financial::Client::new_with_client(
        "http://127.0.0.1:9",
        reqwest::Client::new(),
        context,
    ));
    let round = |client: Arc<bcc_financial::Client>| async move {
        let calls = (0..100).map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let started = tokio::time::Instant::now();
                let result = client.get_accounts().bank().await;
                (result, started.elapsed())
            })
        });
        futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|r| r.expect("no call panics"))
            .collect::<Vec<_>>()
    };

    for (result, elapsed) in round(client.clone()).await {
        let err = result.expect_err("no token");
        assert_eq!(err.kind, ErrorKind::Deadline, "{err}");
        assert_eq!(err.outcome(), Outcome::NotProcessed, "{err}");
        assert!(err.is_transient(), "{err}");
        assert!(elapsed <= Duration::from_secs(2), "{elapsed:?}");
    }
    assert_eq!(
        endpoint.0.load(Ordering::SeqCst),
        1,
        "one fetch for 100 callers"
    );

    // The fetch gives up at its own timeout; its failure is then answered without asking.
    tokio::time::sleep(Duration::from_secs(9)).await;
    for (result, elapsed) in round(client.clone()).await {
        let err = result.expect_err("the fetch's failure");
        assert_eq!(err.kind, ErrorKind::Auth, "{err}");
        assert!(err.is_transient(), "{err}");
        assert!(
            elapsed < Duration::from_secs(2),
            "answered at once: {elapsed:?}"
        );
    }
    assert_eq!(
        endpoint.0.load(Ordering::SeqCst),
        1,
        "not asked again within the interval"
    );

    tokio::time::sleep(Duration::from_secs(6)).await;
    for (result, _) in round(client).await {
        assert_eq!(result.expect_err("hangs again").kind, ErrorKind::Deadline);
    }
    assert_eq!(
        endpoint.0.load(Ordering::SeqCst),
        2,
        "asked again after the interval"
    );
}

/// A signer program that never finishes, as a hung HSM tool or a PIN prompt would.
fn hung_signer() -> banks::jws::JwsSigner {
    let signer = banks::jws::CommandSigner::new(
        "sh",
        vec!["-c".into(), "exec sleep 600".into()],
        "ES256",
        Vec::new(),
    );
    banks::jws::JwsSigner::new(signer, Profile::default())
}

#[test]
fn a_hung_external_signer_ends_the_call_at_its_deadline_and_the_runtime_keeps_serving() {
    // A current-thread runtime: a signer that blocked the thread would stop everything, the
    // other call and the deadline's timer included. A real-time guard turns that into a failure.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let s = sandbox(bank_sandbox::Config::default()).await;
            let signed = banks::bcc::Financial::builder()
                .credentials(banks::testing::credentials::<banks::bcc::Financial>())
                .environment(banks::Environment::Custom(s.base_url(Bank::Financial)))
                .token_url(s.token_url(Bank::Financial).expect("a token route"))
                .signer(hung_signer())
                .http(banks::HttpConfig::new().deadline(Duration::from_secs(2)))
                .build()
                .expect("builds");
            let other = globus(&s);
            let started = tokio::time::Instant::now();
            let payment = tokio::spawn(async move {
                let result = signed
                    .create_payment()
                    .body(payment("PAY-HSM"))
                    .bank()
                    .await;
                (result, started.elapsed())
            });
            other
                .validate_client()
                .body(
                    banks::globus::cfront::types::ClientValidateRequest::builder()
                        .phone_number("380501234567".to_owned()),
                )
                .bank()
                .await
                .expect("another call is served while the signer hangs");
            let (result, elapsed) = payment.await.expect("no panic");
            let err = result.expect_err("never signed");
            assert_eq!(err.kind, ErrorKind::Deadline, "{err}");
            assert_eq!(
                err.outcome(),
                Outcome::NotProcessed,
                "nothing was sent: {err}"
            );
            assert!(
                elapsed <= Duration::from_secs(2) + Duration::from_millis(100),
                "{elapsed:?}"
            );
            assert_eq!(s.effects().count(Bank::Financial, "PAY-HSM"), 0);
        });
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(120))
        .expect("the runtime was not blocked by the signer");
}

/// What the formatter wrote, for reading after the call.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn customer_data_in_an_answer_reaches_no_error_text_and_no_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    );
    const NAME: &str = "Айгерим Секретова";
    const IBAN: &str = "KZ99SECRET0000000042";
    let server = MockServer::start().await;
    bank_testkit::mock::token_endpoint(&server, "/oauth/token", "t").await;
    // A 200 whose body does not match the documented type: a balance as text.
    Mock::given(path(format!("/APP-1/accounts/{IBAN}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "iban": IBAN, "owner": NAME, "balance": NAME, "currency": 398
        })))
        .mount(&server)
        .await;
    // A token endpoint answering a token of the wrong type.
    let bad_tokens = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"access_token": 4242424242u64, "refresh_token": "r-SECRET"}),
        ))
        .mount(&bad_tokens)
        .await;

    let context = |token_server: &MockServer| {
        Context::builder("bcc-financial")
            .client_id("APP-1")
            .auth(TokenCache::new(
                bank_runtime::ClientCredentialsGrant::new(
                    reqwest::Client::new(),
                    format!("{}/oauth/token", token_server.uri()),
                    "scope",
                    ClientCredentials::new("id", "secret"),
                ),
                Duration::from_secs(30),
            ))
            .build()
    };
    let client = bcc_financial::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        context(&server),
    );
    let decode = client
        .get_account()
        .iban(IBAN)
        .bank()
        .await
        .expect_err("not the documented type");
    assert_eq!(decode.kind, ErrorKind::Decode, "{decode}");
    assert!(
        decode.raw_body().is_some_and(|b| b.contains(NAME)),
        "kept for who asks"
    );

    let bad = bcc_financial::Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        context(&bad_tokens),
    );
    let auth = bad
        .get_accounts()
        .bank()
        .await
        .expect_err("no usable token");
    assert_eq!(auth.kind, ErrorKind::Auth, "{auth}");

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    for text in [
        decode.to_string(),
        format!("{decode:?}"),
        format!("{decode:#?}"),
        auth.to_string(),
        format!("{auth:?}"),
        logs,
    ] {
        for secret in [NAME, IBAN, "4242424242", "r-SECRET"] {
            assert!(!text.contains(secret), "{secret} leaked into: {text}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_direct_send_past_its_deadline_is_an_error_saying_so_never_a_made_up_status() {
    // `send()` (progenitor's own method, below `bank()`) goes through the same call path.
    let endpoint = Arc::new(Hanging::default());
    let context = Context::builder("bcc-financial")
        .client_id("APP-1")
        .auth(TokenCache::with_options(
            HangingSource(endpoint),
            TokenOptions::default(),
            bank_runtime::TokioClock,
        ))
        .deadline(Some(Duration::from_secs(2)))
        .build();
    let client = bcc_financial::Client::new_with_client(
        "http://127.0.0.1:9",
        reqwest::Client::new(),
        context,
    );
    match client.get_accounts().send().await {
        Err(progenitor_client::Error::Custom(message)) => {
            assert!(message.contains("deadline passed"), "{message}");
        }
        other => panic!("a typed failure, not a status: {other:?}"),
    }
}

#[tokio::test]
async fn a_gateway_failure_inside_an_envelope_keeps_the_status_rules() {
    // BaaS answers even its gateway failures as `{id, error}` envelopes: a 503 there says
    // nothing was (or may have been) done, not that the bank refused.
    let s = sandbox(bank_sandbox::Config::default()).await;
    let baas = bank_testkit::sandbox::baas(&s);
    s.steer()
        .fault(
            Fault::on(Bank::Baas)
                .operation("find_cards")
                .status(503)
                .once(),
        )
        .expect("a valid fault");
    let find = baas
        .find_cards(banks::baas::gateway::types::CardFindParams::builder().pinfl("30101901234567"))
        .await;
    assert!(
        !matches!(&find, Err(e) if e.status == Some(503)),
        "a read is sent again after a 503: {find:?}"
    );

    s.steer()
        .fault(
            Fault::on(Bank::Baas)
                .operation("create_card_application")
                .status(503)
                .once(),
        )
        .expect("a valid fault");
    let params: banks::baas::gateway::types::CardApplicationCreateParams =
        serde_json::from_value(serde_json::json!({
            "client": {"phone": "998901234567", "pinfl": "30101901234567", "passportSeries": "AA",
                       "passportNumber": "1234567", "birthDate": "1990-01-01"},
            "cardType": "UZCARD"
        }))
        .expect("valid params");
    let err = baas
        .create_card_application(params)
        .await
        .expect_err("the injected 503");
    assert_eq!(err.status, Some(503), "{err}");
    assert_eq!(err.outcome(), Outcome::Unknown, "{err}");
    assert!(
        !err.is_transient(),
        "an application is not sent twice: {err}"
    );
    assert!(matches!(
        banks::failures::reconciliation(&err),
        Some(banks::failures::Reconciliation::Gap { .. })
    ));
}

#[tokio::test]
async fn a_financial_client_without_a_signer_reads_and_refuses_to_pay_unsigned() {
    let s = sandbox(bank_sandbox::Config::default()).await;
    let f = banks::bcc::Financial::builder()
        .credentials(banks::testing::credentials::<banks::bcc::Financial>())
        .environment(banks::Environment::Custom(s.base_url(Bank::Financial)))
        .token_url(s.token_url(Bank::Financial).expect("a token route"))
        .build()
        .expect("builds without a signer");
    f.get_accounts()
        .bank()
        .await
        .expect("a read needs no signature");
    let err = f
        .create_payment()
        .body(payment("PAY-UNSIGNED"))
        .bank()
        .await
        .expect_err("no signer");
    assert_eq!(err.kind, ErrorKind::Signing, "{err}");
    assert_eq!(err.outcome(), Outcome::NotProcessed, "{err}");
    assert!(err.message.contains("signer"), "{err}");
    assert_eq!(s.effects().count(Bank::Financial, "PAY-UNSIGNED"), 0);
}
