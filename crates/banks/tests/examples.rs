//! Every bank's example flow, run with `--base-url` against the sandbox in-process: each must
//! finish its whole flow without an error, and every request the clients sent and every answer
//! they got must follow the bank's own document (before our fixes), but for the quirks listed in
//! `specs/<api>/known-quirks.yaml`. The examples' sources are compiled in here as modules, so the
//! test does not depend on where Cargo puts example binaries.

#![allow(dead_code, clippy::duplicate_mod)] // each example brings its own copy of `common`, as when built alone

use bank_sandbox::Config;
use bank_sandbox::spec::Bank;

#[path = "../examples/baas.rs"]
mod baas;
#[path = "../examples/broker.rs"]
mod broker;
#[path = "../examples/financial.rs"]
mod financial;
#[path = "../examples/globus.rs"]
mod globus;
#[path = "../examples/service.rs"]
mod service;

fn args(base: String) -> Vec<String> {
    vec!["--base-url".into(), base]
}

#[tokio::test(flavor = "multi_thread")]
async fn each_example_runs_its_whole_flow_against_the_sandbox() {
    let sandbox = bank_testkit::sandbox::start(Config {
        record_exchanges: true,
        ..Config::default()
    })
    .await;
    // The financial example reads the test keys relative to the workspace root, as from `cargo run`.
    std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .expect("workspace root");
    globus::run(globus::common::Args::from(
        args(sandbox.base_url(Bank::Globus)),
        "globus",
    ))
    .await
    .expect("the Globus flow");
    service::run(service::common::Args::from(
        args(sandbox.base_url(Bank::Globus)),
        "service",
    ))
    .await
    .expect("the callback-driven Globus service");
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
        (2, 1),
        "each flow left its trace in the sandbox (two Globus orders: polled, and driven by callbacks)"
    );
    let exchanges = sandbox.exchanges();
    sandbox.stop().await;
    let findings: Vec<_> = exchanges
        .iter()
        .flat_map(|e| bank_sandbox::conformance::check(e, true))
        .collect();
    let broken: Vec<String> = findings
        .iter()
        .filter(|f| !f.excused)
        .map(ToString::to_string)
        .collect();
    assert!(
        broken.is_empty(),
        "{} of {} exchanges break the banks' documents:\n{}",
        broken.len(),
        exchanges.len(),
        broken.join("\n")
    );
    for f in findings.iter().filter(|f| f.excused) {
        assert!(
            listed_quirk(f.bank, &f.violation.schema_at),
            "excused but not in known-quirks.yaml: {f}"
        );
    }
    // Each bank's flow was seen, with its answers checked.
    for bank in Bank::ALL {
        assert!(
            exchanges.iter().any(|e| e.bank == bank),
            "{bank:?} was exercised"
        );
    }
}

/// Whether `specs/<api>/known-quirks.yaml` lists an example at the schema `schema_at` (a pointer
/// into `published.json`, which for a Swagger 2.0 document is `/definitions/…` in the original).
fn listed_quirk(bank: Bank, schema_at: &str) -> bool {
    let path = format!(
        "{}/../../specs/{}/known-quirks.yaml",
        env!("CARGO_MANIFEST_DIR"),
        bank.prefix()
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let swagger2 = schema_at.replacen("/components/schemas/", "/definitions/", 1);
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("- at: "))
        .filter_map(|at| serde_json::from_str::<String>(at).ok())
        .any(|at| {
            at.strip_suffix("/example")
                .is_some_and(|schema| schema == schema_at || schema == swagger2)
        })
}
