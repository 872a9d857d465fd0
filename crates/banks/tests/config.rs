//! Configuration from environment variables (`from_lookup`, which `from_env` reads through):
//! every bank, the variables named in errors, and the values reaching the built client.

use std::collections::BTreeMap;

use banks::{BuildError, Environment};

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
    use banks::bcc::broker::ClientInfo;
    assert_eq!(
        broker.baseurl(),
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
        cfront.build().expect("builds").baseurl(),
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
