//! The facade's overhead per call over a bare reqwest call, on loopback: the same GET against the
//! same mock server, once through `banks` (token from the cache, hooks, typed decoding, retry
//! bookkeeping) and once with reqwest + serde_json by hand. Target: within 5% at the median.

use std::time::Duration;

use banks::{ClientCredentials, Environment};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let body = json!({"accounts": [{"iban": "KZ100100100100100100", "description": "Счет"}, {"iban": "KZ200200200200200200"}]});
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "t", "expires_in": 86400})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/APP/accounts"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        server
    });
    let uri = server.uri();
    let signer = {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../bank-jws/tests/keys");
        let key = std::fs::read(format!("{dir}/ec.key.pem")).expect("key");
        banks::jws::JwsSigner::new(
            banks::jws::KeySigner::from_pem(&key, b"").expect("key"),
            banks::jws::Profile::default(),
        )
    };
    let facade = banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new("APP", "secret"))
        .environment(Environment::Custom(uri.clone()))
        .token_url(format!("{uri}/token"))
        .signer(signer)
        .build()
        .expect("builds");
    let bare = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let url = format!("{uri}/APP/accounts");

    let mut group = c.benchmark_group("GET accounts on loopback");
    group.bench_function("bare reqwest + serde_json", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = bare.get(&url).bearer_auth("t").send().await.expect("sent");
            let value: serde_json::Value = response.json().await.expect("json");
            value
        })
    });
    group.bench_function("banks facade", |b| {
        b.to_async(&runtime)
            .iter(|| async { facade.get_accounts().bank().await.expect("ok") })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
