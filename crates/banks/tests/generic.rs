//! The generic client (`banks::Generic<C>`) against the sandbox: any generated crate's `Client`
//! built from its document alone — the authentication it declares, `.bank()` on every
//! operation — and the typed error when the credentials are not the kind it declares.

use bank_runtime::GeneratedClient;
use bank_sandbox::Config;
use bank_sandbox::spec::Bank;
use bank_testkit::sandbox::start;
use banks::generic::Credentials;
use banks::testing::credentials;
use banks::{Api, BuildError, Environment, Generic};

#[tokio::test]
async fn the_generic_client_calls_each_bank_with_the_authentication_its_document_declares() {
    let s = start(Config::default()).await;

    // Globus CFRONT declares HTTP Basic.
    let globus = Generic::<banks::globus::cfront::Client>::builder()
        .credentials(credentials::<Generic<banks::globus::cfront::Client>>())
        .environment(Environment::Custom(s.base_url(Bank::Globus)))
        .build()
        .expect("builds");
    let person = globus
        .validate_client()
        .body(
            banks::globus::cfront::types::ClientValidateRequest::builder()
                .phone_number("380501234567".to_owned()),
        )
        .bank()
        .await
        .expect("validated");
    assert!(!person.full_name.is_empty());

    // The broker declares OAuth2 client credentials: a token from the (sandbox's) token route.
    let broker = Generic::<banks::bcc::broker::Client>::builder()
        .credentials(credentials::<Generic<banks::bcc::broker::Client>>())
        .environment(Environment::Custom(s.base_url(Bank::Broker)))
        .token_url(s.token_url(Bank::Broker).expect("a token route"))
        .build()
        .expect("builds");
    let products = broker
        .get_products()
        .partner("SHOP")
        .amount("300000")
        .bank()
        .await
        .expect("products");
    assert!(!products.products.is_empty());

    // FinancialAPI: the client id goes into its `appid` path parameter, as the document says.
    let financial = Generic::<banks::bcc::financial::Client>::builder()
        .credentials(credentials::<Generic<banks::bcc::financial::Client>>())
        .environment(Environment::Custom(s.base_url(Bank::Financial)))
        .token_url(s.token_url(Bank::Financial).expect("a token route"))
        .build()
        .expect("builds");
    let accounts = financial.get_accounts().bank().await.expect("accounts");
    assert!(!accounts.accounts.is_empty());

    // BaaS declares the password grant: the facade's BaaS credentials, as the generic kind.
    let baas = Generic::<banks::baas::gateway::Client>::builder()
        .credentials(banks::baas::Baas::into_generic(credentials::<
            banks::baas::Baas,
        >()))
        .environment(Environment::Custom(s.base_url(Bank::Baas)))
        .build()
        .expect("builds");
    let token = GeneratedClient::context(&baas)
        .auth()
        .expect("a token cache")
        .token()
        .await
        .expect("the password grant works");
    assert!(!token.expose().is_empty());
}

#[test]
fn credentials_of_another_kind_than_the_document_declares_are_a_typed_error() {
    let err = Generic::<banks::globus::cfront::Client>::builder()
        .credentials(Credentials::client("id", "secret"))
        .environment(Environment::Custom("http://127.0.0.1:9".into()))
        .build()
        .expect_err("Globus declares HTTP Basic");
    assert!(
        matches!(
            &err,
            BuildError::WrongCredentials { api: "globus-cfront", expected: "HTTP Basic", given }
                if *given == "OAuth2 client credentials"
        ),
        "{err}"
    );
}

#[test]
fn the_generic_variables_follow_the_document() {
    let names = |vars: &[(&'static str, &'static str)]| -> Vec<&'static str> {
        vars.iter().map(|(s, _)| *s).collect()
    };
    assert_eq!(
        names(Generic::<banks::globus::cfront::Client>::CREDENTIAL_VARIABLES),
        ["LOGIN", "PASSWORD"]
    );
    assert_eq!(
        names(Generic::<banks::bcc::broker::Client>::CREDENTIAL_VARIABLES),
        ["CLIENT_ID", "CLIENT_SECRET"]
    );
    assert_eq!(
        names(Generic::<banks::baas::gateway::Client>::CREDENTIAL_VARIABLES),
        ["CLIENT_ID", "CLIENT_SECRET", "USERNAME", "PASSWORD"]
    );
}

/// BCC's documents give one token URL, on the production host: a test-environment client asks
/// the test host for its tokens (same path), alternative production its port, and a custom base
/// URL (a sandbox, a proxy) keeps the document's URL unless `token_url(…)` says otherwise.
#[test]
fn the_token_url_follows_the_environment() {
    use banks::generic::token_url_for;
    let spec = &banks::bcc::financial::SPEC;
    assert_eq!(
        token_url_for(spec, &Environment::Production).as_deref(),
        Some("https://api.bcc.kz/bcc/production/v2/oauth/token")
    );
    assert_eq!(
        token_url_for(spec, &Environment::Test).as_deref(),
        Some("https://api-test.bcc.kz/bcc/production/v2/oauth/token")
    );
    assert_eq!(
        token_url_for(spec, &Environment::AlternativeProduction).as_deref(),
        Some("https://api.bcc.kz:10443/bcc/production/v2/oauth/token")
    );
    assert_eq!(
        token_url_for(spec, &Environment::Custom("http://127.0.0.1:9/x".into())).as_deref(),
        Some("https://api.bcc.kz/bcc/production/v2/oauth/token")
    );
    // A path on the base URL (BaaS) is taken on whichever base URL is chosen.
    assert_eq!(
        token_url_for(
            &banks::baas::gateway::SPEC,
            &Environment::Custom("http://127.0.0.1:9/gw".into())
        )
        .as_deref(),
        Some("http://127.0.0.1:9/gw/oauth2/token")
    );
    // Globus authenticates with Basic: no token endpoint.
    assert_eq!(
        token_url_for(&banks::globus::cfront::SPEC, &Environment::Test),
        None
    );
}
