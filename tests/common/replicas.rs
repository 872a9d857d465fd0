//! The replicas of `tests/replicas.rs` and `tests/replicas_bench.rs`: the sandbox with
//! [`LIFETIME`]-long tokens, and a FinancialAPI client with its own token cache on a clock the
//! caller moves with the sandbox's, sharing through a Redis store when given one.

use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};
use banks::tokens::{ManualClock, RedisTokenStore};
use banks::{Environment, bcc};

/// How long the sandbox's tokens live.
pub const LIFETIME: Duration = Duration::from_secs(300);

/// The sandbox, its tokens living [`LIFETIME`].
pub async fn sandbox() -> Sandbox {
    let config = Config {
        token_lifetime_secs: LIFETIME.as_secs(),
        ..Config::default()
    };
    Sandbox::start(config, "127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("the sandbox starts")
}

/// A replica's client: its own token cache, on `clock`, sharing through `store` when given.
pub fn replica(
    sandbox: &Sandbox,
    clock: &ManualClock,
    store: Option<RedisTokenStore>,
) -> bcc::financial::Client {
    let mut builder = bcc::Financial::builder()
        .credentials(banks::testing::credentials::<bcc::Financial>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Financial)))
        .token_url(sandbox.token_url(Bank::Financial).expect("a token URL"))
        .token_clock(clock.clone());
    if let Some(store) = store {
        builder = builder.token_store(store);
    }
    builder.build().expect("a client")
}
