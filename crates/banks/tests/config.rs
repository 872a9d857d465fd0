//! Configuration from environment variables (`from_lookup`, which `from_env` reads through):
//! every bank, the variables named in errors, and the values reaching the built client; an
//! `HttpConfig` given after them merged setting by setting (over real HTTP on 127.0.0.1); the
//! TLS check of an `https` URL.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use banks::{BuildError, Environment, ErrorKind, HttpConfig, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[test]
fn prefixes_come_from_the_api_names() {
    assert_eq!(
        banks::env_prefix(&banks::bcc::financial::SPEC),
        "BCC_FINANCIAL"
    );
    assert_eq!(
        banks::env_prefix(&banks::globus::cfront::SPEC),
        "GLOBUS_CFRONT"
    );
    assert_eq!(
        banks::env_prefix(&banks::baas::gateway::SPEC),
        "BAAS_GATEWAY"
    );
}

#[test]
fn a_missing_variable_is_named() {
    let err = banks::Builder::<banks::baas::Baas>::from_lookup(lookup(&[
        ("BAAS_GATEWAY_CONSUMER_KEY", "k"),
        ("BAAS_GATEWAY_CONSUMER_SECRET", "s"),
        ("BAAS_GATEWAY_USERNAME", "u"),
    ]))
    .expect_err("no password");
    assert_eq!(
        err,
        BuildError::MissingVariable {
            variable: "BAAS_GATEWAY_PASSWORD".into(),
            what: "the user password the bank issued",
        }
    );
    let err = banks::Builder::<banks::globus::Cfront>::from_lookup(lookup(&[
        ("GLOBUS_CFRONT_LOGIN", "m"),
        ("GLOBUS_CFRONT_PASSWORD", "p"),
    ]))
    .expect_err("no environment");
    assert!(
        matches!(&err, BuildError::MissingVariable { variable, .. } if variable == "GLOBUS_CFRONT_ENVIRONMENT"),
        "{err}"
    );
    // An empty value is as good as none.
    let err = banks::Builder::<banks::bcc::Broker>::from_lookup(lookup(&[
        ("BCC_BROKER_CLIENT_ID", ""),
        ("BCC_BROKER_CLIENT_SECRET", "s"),
    ]))
    .expect_err("empty id");
    assert!(err.to_string().contains("BCC_BROKER_CLIENT_ID"), "{err}");
}

#[test]
fn unusable_values_are_named_with_what_is_wrong() {
    let base = [
        ("BCC_BROKER_CLIENT_ID", "id"),
        ("BCC_BROKER_CLIENT_SECRET", "secret"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut vars = base.to_vec();
        vars.extend_from_slice(extra);
        banks::Builder::<banks::bcc::Broker>::from_lookup(lookup(&vars))
    };
    let err = with(&[("BCC_BROKER_ENVIRONMENT", "prod")]).expect_err("unknown name");
    assert!(
        matches!(&err, BuildError::InvalidVariable { variable, message } if variable == "BCC_BROKER_ENVIRONMENT" && message.contains("\"prod\"")),
        "{err}"
    );
    let err = with(&[
        ("BCC_BROKER_ENVIRONMENT", "test"),
        ("BCC_BROKER_TIMEOUT_SECS", "ten"),
    ])
    .expect_err("not a number");
    assert!(
        err.to_string().contains("BCC_BROKER_TIMEOUT_SECS") && err.to_string().contains("\"ten\""),
        "{err}"
    );
    let err = banks::Builder::<banks::bcc::Financial>::from_lookup(lookup(&[
        ("BCC_FINANCIAL_CLIENT_ID", "id"),
        ("BCC_FINANCIAL_CLIENT_SECRET", "secret"),
        ("BCC_FINANCIAL_ENVIRONMENT", "test"),
        ("BCC_FINANCIAL_SIGNING_KEY", "/nonexistent/key.pem"),
    ]))
    .expect_err("no such key file");
    assert!(
        err.to_string().contains("BCC_FINANCIAL_SIGNING_KEY")
            && err.to_string().contains("/nonexistent/key.pem"),
        "{err}"
    );
}

#[test]
fn a_complete_set_builds_the_client_it_describes() {
    let broker = banks::Builder::<banks::bcc::Broker>::from_lookup(lookup(&[
        ("BCC_BROKER_CLIENT_ID", "id"),
        ("BCC_BROKER_CLIENT_SECRET", "secret"),
        ("BCC_BROKER_ENVIRONMENT", "test"),
        ("BCC_BROKER_DEADLINE_SECS", "20"),
    ]))
    .expect("complete")
    .build()
    .expect("builds");
    assert_eq!(
        broker.base_url(),
        "https://api-test.bcc.kz/bcc/production/v1/broker"
    );
    let cfront = banks::Builder::<banks::globus::Cfront>::from_lookup(lookup(&[
        ("GLOBUS_CFRONT_LOGIN", "merchant"),
        ("GLOBUS_CFRONT_PASSWORD", "p4ss"),
        ("GLOBUS_CFRONT_ENVIRONMENT", "http://127.0.0.1:9/cfront/"),
    ]))
    .expect("complete");
    let text = format!("{cfront:?}");
    assert!(
        text.contains("Custom(\"http://127.0.0.1:9/cfront/\")"),
        "{text}"
    );
    assert!(!text.contains("p4ss"), "the password never shows: {text}");
    assert_eq!(
        cfront.build().expect("builds").base_url(),
        "http://127.0.0.1:9/cfront"
    );
    assert_eq!(
        Environment::parse("alternative-production"),
        Some(Environment::AlternativeProduction)
    );
}

/// `Environment::Custom` without a scheme, with another scheme, without a host or with a query
/// is refused when the client is built (it used to build, and then every call failed as a
/// transient transport error); the message does not repeat the URL, which may hold credentials.
#[test]
fn a_custom_base_url_that_cannot_work_is_refused_at_build() {
    let build = |url: &str| {
        banks::globus::Cfront::builder()
            .credentials(banks::globus::Credentials::new("merchant", "password"))
            .environment(Environment::Custom(url.to_owned()))
            .build()
    };
    for (url, says) in [
        ("cfront.bank.example/api", "not an absolute URL"),
        ("ftp://cfront.bank.example", "http or https"),
        (
            "https://user:s3cret@cfront.bank.example/api?x=1",
            "no query",
        ),
    ] {
        let err = build(url).expect_err(url);
        assert!(
            matches!(&err, BuildError::InvalidBaseUrl { api: "globus-cfront", message } if message.contains(says)),
            "{url}: {err}"
        );
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
    assert!(build("https://cfront.bank.example/api/").is_ok());
    assert!(build("http://127.0.0.1:8080").is_ok());
}

/// `.http(…)` after `from_env()` merges: the explicit per-attempt timeout (300 ms) replaces the
/// environment's (60 s), and the environment's deadline (1 s), which the explicit config leaves
/// unset, is kept. Against a bank that takes 10 s to answer, the call ends with
/// `ErrorKind::Deadline` (the env's deadline held; with it replaced by none, the attempts would
/// end in a timeout) after more than one attempt (each cut at 300 ms, not 60 s).
#[tokio::test]
async fn http_after_from_env_keeps_the_env_deadline_and_overrides_the_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "tkn", "expires_in": 3600})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/APP/accounts"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"accounts": []}))
                .set_delay(Duration::from_secs(10)),
        )
        .mount(&server)
        .await;
    let token_url = format!("{}/token", server.uri());
    let financial = banks::Builder::<banks::bcc::Financial>::from_lookup(lookup(&[
        ("BCC_FINANCIAL_CLIENT_ID", "APP"),
        ("BCC_FINANCIAL_CLIENT_SECRET", "secret"),
        ("BCC_FINANCIAL_ENVIRONMENT", &server.uri()),
        ("BCC_FINANCIAL_TOKEN_URL", &token_url),
        ("BCC_FINANCIAL_TIMEOUT_SECS", "60"),
        ("BCC_FINANCIAL_DEADLINE_SECS", "1"),
    ]))
    .expect("complete")
    .http(
        HttpConfig::new()
            .timeout(Duration::from_millis(300))
            .retry(RetryPolicy {
                max_attempts: 100,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(50),
                ..RetryPolicy::default()
            }),
    )
    .build()
    .expect("builds");
    let started = Instant::now();
    let err = financial
        .get_accounts()
        .bank()
        .await
        .expect_err("the bank never answers in time");
    let elapsed = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Deadline, "{err}");
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(5),
        "the environment's 1 s deadline ended the call: {elapsed:?}"
    );
    let attempts = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/APP/accounts")
        .count();
    assert!(
        attempts >= 2,
        "each attempt was cut at the explicit 300 ms, not the environment's 60 s: {attempts}"
    );
}

/// An `https` base URL needs TLS: this crate's `rustls` feature, or a client of your own. The
/// workspace's tests always build `banks` with `rustls` (the dev-dependency `bank-testkit`
/// enables the default features), so the refusal itself is tested by the unit test
/// `config::tests::https_without_tls_is_refused_naming_the_feature`, with the feature as an
/// argument; here the build with it.
#[test]
fn an_https_url_builds_with_the_tls_feature_or_an_own_client() {
    let build = |http: HttpConfig| {
        banks::globus::Cfront::builder()
            .credentials(banks::globus::Credentials::new("merchant", "password"))
            .environment(Environment::Custom("https://cfront.bank.example".into()))
            .http(http)
            .build()
    };
    assert!(build(HttpConfig::new().with_client(reqwest::Client::new())).is_ok());
    let built = build(HttpConfig::new());
    if cfg!(feature = "rustls") {
        assert!(built.is_ok());
    } else {
        assert_eq!(
            built.err(),
            Some(BuildError::TlsFeatureMissing {
                api: "globus-cfront",
                feature: "rustls"
            })
        );
    }
}
