//! Every bank's example flow, run with `--base-url` against the sandbox in-process: each must
//! finish its whole flow without an error. The examples' sources are compiled in here as
//! modules, so the test does not depend on where Cargo puts example binaries.

#![allow(dead_code, clippy::duplicate_mod)] // each example brings its own copy of `common`, as when built alone

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};

#[path = "../examples/baas.rs"]
mod baas;
#[path = "../examples/broker.rs"]
mod broker;
#[path = "../examples/financial.rs"]
mod financial;
#[path = "../examples/globus.rs"]
mod globus;

fn args(base: String) -> Vec<String> {
    vec!["--base-url".into(), base]
}

#[tokio::test(flavor = "multi_thread")]
async fn each_example_runs_its_whole_flow_against_the_sandbox() {
    let sandbox = Sandbox::start(
        Config::default(),
        "127.0.0.1:0".parse().expect("addr"),
        None,
    )
    .await
    .expect("sandbox");
    // The financial example reads the test keys relative to the workspace root, as from `cargo run`.
    std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .expect("workspace root");
    globus::run(globus::common::Args::from(
        args(sandbox.base_url(Bank::Globus)),
        "globus",
    ))
    .await
    .expect("the Globus flow");
    broker::run(broker::common::Args::from(
        args(sandbox.base_url(Bank::Broker)),
        "broker",
    ))
    .await
    .expect("the broker flow");
    financial::run(financial::common::Args::from(
        args(sandbox.base_url(Bank::Financial)),
        "financial",
    ))
    .await
    .expect("the FinancialAPI flow");
    baas::run(baas::common::Args::from(
        args(sandbox.base_url(Bank::Baas)),
        "baas",
    ))
    .await
    .expect("the BaaS flow");
    let (orders, payments) =
        sandbox.inspect(|s| (s.globus.orders.len(), s.financial.payments.len()));
    assert_eq!(
        (orders, payments),
        (1, 1),
        "each flow left its trace in the sandbox"
    );
    sandbox.stop().await;
}
