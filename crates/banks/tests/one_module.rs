//! All four banks called from one module, with no trait imported: every error is labelled with
//! the API of the client that made the call (a Globus 401 says `globus-cfront`, never another
//! bank's name, as it could when `.bank()` came from a per-bank trait that had to be imported).

use banks::{ClientCredentials, Environment, ErrorKind};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn every_banks_error_names_its_own_api() {
    let server = MockServer::start().await;
    for token in ["/token", "/oauth2/token"] {
        Mock::given(method("POST"))
            .and(path(token))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "t", "expires_in": 3600})),
            )
            .mount(&server)
            .await;
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let base = Environment::Custom(server.uri());
    let token_url = format!("{}/token", server.uri());

    let broker = banks::bcc::Broker::builder()
        .credentials(ClientCredentials::new("APP", "secret"))
        .environment(base.clone())
        .token_url(&token_url)
        .build()
        .expect("broker");
    let financial = banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new("APP", "secret"))
        .environment(base.clone())
        .token_url(&token_url)
        .signer(bank_testkit::keys::ec_signer(banks::jws::Profile::default()))
        .build()
        .expect("financial");
    let cfront = banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new("merchant", "p4ss"))
        .environment(base.clone())
        .build()
        .expect("cfront");
    let baas = banks::baas::Baas::builder()
        .credentials(banks::baas::Credentials::new("k", "s", "u", "p"))
        .environment(base)
        .build()
        .expect("baas");

    let errors = [
        financial.get_accounts().bank().await.map(drop),
        cfront
            .get_order_state()
            .body(banks::globus::cfront::types::OrderIdRequest::builder().order_id("ORD-1"))
            .bank()
            .await
            .map(drop),
        broker.orders().body_map(|b| b).bank().await.map(drop),
        baas.find_cards(
            banks::baas::gateway::types::CardFindParams::builder().pinfl("30101901234567"),
        )
        .await
        .map(drop),
    ];
    let labels: Vec<_> = errors
        .into_iter()
        .map(|e| {
            let e = e.expect_err("401");
            (e.api, e.kind, e.status)
        })
        .collect();
    let status = |api| (api, ErrorKind::Status, Some(401));
    assert_eq!(
        labels[..2],
        [status("bcc-financial"), status("globus-cfront")]
    );
    // The broker's request body is incomplete: refused before sending, still labelled.
    assert_eq!(labels[2].0, "bcc-broker");
    assert_eq!(labels[3], status("baas-gateway"));
}
