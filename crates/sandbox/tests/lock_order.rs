//! The sandbox's one lock order (state → steering; see the `state` module) holds under load:
//! requests struck by a client-scoped fault (whose client is read from the state while the
//! faults are matched) run concurrently with the banks' decisions (taken under the state's lock,
//! asking the steering whether a test declined the order). Before the order was fixed, the two
//! took the locks the other way round and the whole sandbox could deadlock.
//!
//! Many tasks on a multi-thread runtime, a few hundred iterations, real HTTP on 127.0.0.1; a
//! generous timeout fails the test instead of hanging it.

mod common;

use common::HANG_GUARD;
use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::steer::Fault;
use bank_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// Tasks sending orders, and orders each sends.
const TASKS: usize = 8;
const ORDERS: usize = 40;

async fn token(http: &reqwest::Client, s: &Sandbox) -> String {
    let token: Value = http
        .post(s.token_url(Bank::Broker).expect("a token route"))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    token["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_scoped_faults_and_decisions_run_concurrently_without_deadlock() {
    let s = Sandbox::start(
        Config {
            // Decisions at once: they race the requests as closely as possible.
            step_delay_ms: 0,
            ..Config::default()
        },
        "127.0.0.1:0".parse().expect("an address"),
        None,
    )
    .await
    .expect("the sandbox starts");
    let http = reqwest::Client::new();
    let token = token(&http, &s).await;
    // A fault for one client: matching it reads the request's client from the state (its token).
    // A latency of zero changes nothing else, so every request is still carried out.
    let fault = s
        .steer()
        .fault(
            Fault::on(Bank::Broker)
                .client("sandbox-client")
                .latency(Duration::ZERO),
        )
        .expect("a valid fault");
    // Every decision asks the steering whether a test declined the order, under the state's lock.
    s.steer()
        .decline(Bank::Broker, "LOCK-0-0")
        .expect("a valid decline");

    let run = async {
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let (http, token, url) = (
                http.clone(),
                token.clone(),
                format!("{}/orders", s.base_url(Bank::Broker)),
            );
            tasks.push(tokio::spawn(async move {
                for n in 0..ORDERS {
                    let answer = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({
                            "name": "Shop", "amount": 300000, "posName": "P1", "language": "ru",
                            "pointCode": "P1", "partnerCode": "SHOP", "productCode": "INST-6",
                            "partnerOrderId": format!("LOCK-{task}-{n}")
                        }))
                        .send()
                        .await
                        .expect("answered");
                    assert_eq!(answer.status(), 200);
                }
            }));
        }
        for task in tasks {
            task.await.expect("a task ran to its end");
        }
        // Every order decided: the decisions, too, got both locks.
        s.until(|st| {
            st.broker
                .orders
                .values()
                .all(|o| o.state != "NEW")
                .then_some(())
        })
        .await;
    };
    tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("no deadlock: the requests and the decisions all finished");
    let total = TASKS * ORDERS;
    assert_eq!(s.inspect(|st| st.broker.orders.len()), total);
    assert_eq!(
        s.steer().hits(fault) as usize,
        total,
        "every order was struck"
    );
    let rejected = s.inspect(|st| {
        st.broker
            .orders
            .values()
            .filter(|o| o.state == "REJECTED")
            .count()
    });
    assert_eq!(rejected, 1, "only the declined order");
    s.stop().await;
}
