//! Replicas and their tokens, measured: for 1, 4 and 8 replicas of a FinancialAPI client (each
//! its own token cache, as a process has) against the sandbox, with and without the shared Redis
//! store (`banks::tokens::RedisTokenStore` on a real `redis-server`), with the sandbox revoking a
//! client's earlier tokens on issue and without: token fetches, 401s the bank answered (each one
//! a re-sent request or a failed call), failed calls and p99 call time, over three token
//! lifetimes on the sandbox's clock. Then the paired cost of reading a warm shared token: one
//! client with the store against one without, rounds interleaved.
//!
//! `cargo bench -p e2e --bench replicas` (600 calls per replica; `REPLICAS_CALLS` to change).
//! Run by `cargo test` (no `--bench` argument) it makes 30 calls per replica, to keep the bench
//! compiling and running.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bank_sandbox::Sandbox;
use bank_sandbox::spec::Bank;
use bank_testkit::redis::{RedisServer, available};
use banks::bcc;
use banks::tokens::{ManualClock, RedisTokenStore};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

#[path = "common/replicas.rs"]
mod replicas;

use replicas::{LIFETIME, replica, sandbox};

const LIFETIMES: u32 = 3;

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    if !available() {
        return;
    }
    let calls: usize = std::env::var("REPLICAS_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 600 } else { 30 });
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder).expect("the bench's recorder");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let redis = RedisServer::start();
    println!(
        "{calls} calls per replica over {LIFETIMES} token lifetimes ({}-s tokens)\n",
        LIFETIME.as_secs()
    );
    println!(
        "| replicas | store | revoke on issue | token fetches | 401s | failed calls | p99 call |"
    );
    println!("|---:|---|---|---:|---:|---:|---:|");
    for replicas in [1, 4, 8] {
        for revoke in [false, true] {
            for shared in [false, true] {
                let row = runtime.block_on(fleet(
                    &snapshotter,
                    replicas,
                    calls,
                    shared.then_some(&redis),
                    revoke,
                ));
                println!(
                    "| {replicas} | {} | {} | {} | {} | {} | {:.2} ms |",
                    if shared { "Redis" } else { "own cache" },
                    if revoke { "on" } else { "off" },
                    row.fetches,
                    row.rejected,
                    row.failed,
                    row.p99.as_secs_f64() * 1e3
                );
            }
        }
    }
    let (alone, shared) = runtime.block_on(warm(&redis, if benching { 20 } else { 2 }));
    println!(
        "\nwarm token, median per call: own cache {:.1} µs, shared through Redis {:.1} µs \
         (ratio {:.3}; the shared token is read from Redis only when the local copy is due)",
        alone.as_secs_f64() * 1e6,
        shared.as_secs_f64() * 1e6,
        shared.as_secs_f64() / alone.as_secs_f64()
    );
}

struct Row {
    fetches: u64,
    rejected: u64,
    failed: u64,
    p99: Duration,
}

/// A replica's client, sharing through a store on `redis` when given.
fn client(
    sandbox: &Sandbox,
    clock: &ManualClock,
    redis: Option<&RedisServer>,
) -> bcc::financial::Client {
    let store = redis.map(|redis| {
        RedisTokenStore::new(&redis.url())
            .expect("a URL")
            .clock(clock.clone())
            .timeout(Duration::from_secs(2))
    });
    replica(sandbox, clock, store)
}

/// The 401s answered so far: every re-send after a rejected token, and every call that failed
/// with one.
fn rejected(snapshotter: &Snapshotter) -> u64 {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| {
            let key = key.key();
            key.name() == banks::metrics::RETRIES
                && key.labels().any(|l| {
                    l.key() == banks::metrics::label::REASON
                        && l.value() == banks::metrics::reason::TOKEN_REJECTED
                })
        })
        .map(|(.., value)| match value {
            DebugValue::Counter(n) => n,
            _ => 0,
        })
        .sum()
}

async fn fleet(
    snapshotter: &Snapshotter,
    replicas: usize,
    calls: usize,
    redis: Option<&RedisServer>,
    revoke: bool,
) -> Row {
    let sandbox = sandbox().await;
    sandbox.steer().revoke_previous_tokens(revoke);
    let clock = ManualClock::new();
    let clients: Vec<_> = (0..replicas)
        .map(|_| Arc::new(client(&sandbox, &clock, redis)))
        .collect();
    let rejected_before = rejected(snapshotter);
    let failed = Arc::new(AtomicU64::new(0));
    let mut times = Vec::new();
    for lifetime in 0..LIFETIMES as usize {
        let share = calls / LIFETIMES as usize + usize::from(lifetime < calls % LIFETIMES as usize);
        let mut tasks = Vec::new();
        for client in &clients {
            let (client, failed) = (client.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(share);
                for _ in 0..share {
                    let started = Instant::now();
                    let result = client.get_accounts().bank().await;
                    times.push(started.elapsed());
                    if let Err(e) = result {
                        if e.status == Some(401) {
                            // A call that failed with a 401 is a 401 the bank answered too.
                            failed.fetch_add(1 << 32, Ordering::Relaxed);
                        }
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                times
            }));
        }
        for task in tasks {
            times.extend(task.await.expect("a replica"));
        }
        clock.advance(LIFETIME);
        sandbox.advance_clock(LIFETIME);
    }
    times.sort();
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    let fetches = sandbox.token_fetches(Bank::Financial);
    sandbox.stop().await;
    let failed = failed.load(Ordering::Relaxed);
    Row {
        fetches,
        rejected: rejected(snapshotter) - rejected_before + (failed >> 32),
        failed: failed & 0xffff_ffff,
        p99,
    }
}

/// Median per-call time of one client on a warm token, without and with the shared store,
/// over `rounds` interleaved rounds of 200 calls.
async fn warm(redis: &RedisServer, rounds: usize) -> (Duration, Duration) {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let alone = client(&sandbox, &clock, None);
    let shared = client(&sandbox, &clock, Some(redis));
    for c in [&alone, &shared] {
        c.get_accounts().bank().await.expect("a warm-up call");
    }
    let (mut a, mut s) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (c, out) in [(&alone, &mut a), (&shared, &mut s)] {
            let started = Instant::now();
            for _ in 0..200 {
                c.get_accounts().bank().await.expect("a call");
            }
            out.push(started.elapsed() / 200);
        }
    }
    sandbox.stop().await;
    a.sort();
    s.sort();
    (a[a.len() / 2], s[s.len() / 2])
}
