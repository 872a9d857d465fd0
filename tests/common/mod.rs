//! What the end-to-end tests share: how long a test waits before it calls itself hung, the test
//! keys, a BCC token fetched by hand, and waits on the sandbox (an order's status, deliveries).
//!
//! Each test target includes it (`mod common;`) and uses a part of it.
#![allow(dead_code)]

use std::time::Duration;

use bank_sandbox::Sandbox;
use bank_sandbox::spec::Bank;
use banks::globus::cfront;
use serde_json::Value;

/// Longest a test waits for the sandbox to move on before it fails (a guard against hangs, not a
/// synchronisation: every wait wakes on the sandbox's own change notifications).
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// A test key of the test-kit, by file name.
pub fn keys(name: &str) -> Vec<u8> {
    bank_testkit::keys::read(name)
}

/// A BCC access token from the sandbox's token route, fetched by hand (the raw requests of these
/// tests bypass the facade).
pub async fn bcc_token(s: &Sandbox, bank: Bank) -> String {
    let token: Value = reqwest::Client::new()
        .post(s.token_url(bank).expect("a token route"))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    token["access_token"].as_str().expect("token").to_owned()
}

/// Wait until the Globus order `id` has a status in `wanted`, as the client reads it.
pub async fn wait_for(
    s: &Sandbox,
    client: &cfront::Client,
    id: &str,
    wanted: &[cfront::types::OrderStatus],
) -> cfront::types::OrderState {
    let status_in =
        |st: &bank_sandbox::state::State| st.globus.orders.get(id).map(|o| o.status.clone());
    let polling = async {
        loop {
            let seen = s.inspect(status_in);
            let state = client
                .get_order_state()
                .body(cfront::types::OrderIdRequest::builder().order_id(id))
                .bank()
                .await
                .expect("state");
            if wanted.contains(&state.status) {
                return state;
            }
            // Asked after `seen` was read: a change in between ends this wait at once.
            s.until(|st| (status_in(st) != seen).then_some(())).await;
        }
    };
    tokio::time::timeout(HANG_GUARD, polling)
        .await
        .unwrap_or_else(|_| panic!("order {id} never reached {wanted:?}"))
}

/// Wait until the sandbox has sent `n` callbacks or postLinks (whatever the merchant answered).
pub async fn deliveries(s: &Sandbox, n: usize) {
    tokio::time::timeout(
        HANG_GUARD,
        s.until(|st| (st.deliveries.len() >= n).then_some(())),
    )
    .await
    .unwrap_or_else(|_| panic!("fewer than {n} deliveries"));
}
