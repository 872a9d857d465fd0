//! Many replicas, one token: eight clients of FinancialAPI, each with its own token cache (as
//! eight processes would have), share their tokens through a real `redis-server`
//! (`banks::tokens::RedisTokenStore`) against the sandbox, whose clock — and the clients' token
//! clock — the test moves by whole token lifetimes.
//!
//! Measured here, in one test each: token fetches at the sandbox with and without the shared
//! store; with the sandbox revoking a client's earlier tokens on issue; Redis stopped mid-run
//! (every call still succeeds) and restarted (sharing resumes); a lease holder killed mid-fetch
//! (another replica takes over after the lease; no older token replaces a newer one); a fleet
//! of 401s refreshed once; and no client id, secret or token in clear in Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::steer::Fault;
use bank_testkit::redis::{RedisServer, available};
use banks::bcc;
use banks::tokens::{ManualClock, RedisTokenStore};

#[path = "common/replicas.rs"]
mod replicas;

use replicas::{LIFETIME, replica, sandbox};

const REPLICAS: usize = 8;
const CALLS: usize = 2_000;
const LIFETIMES: usize = 3;
/// A store of its own per replica (its own connection, as a process has), on `clock`.
fn store(redis: &RedisServer, clock: &ManualClock) -> RedisTokenStore {
    RedisTokenStore::new(&redis.url())
        .expect("a Redis URL")
        .clock(clock.clone())
        .lease(Duration::from_millis(300))
        .poll_interval(Duration::from_millis(5))
        // A busy 2-core machine answers slowly now and then; down is down, not slow.
        .timeout(Duration::from_secs(2))
}

/// What a run of calls did.
#[derive(Debug, Default)]
struct Run {
    calls: u64,
    failed: u64,
}

/// Every replica makes `per_replica` calls, the replicas concurrently; each call's failure is
/// counted, not fatal.
async fn calls(clients: &[Arc<bcc::financial::Client>], per_replica: usize) -> Run {
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for client in clients {
        let (client, ok, failed) = (client.clone(), ok.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_replica {
                match client.get_accounts().bank().await {
                    Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        if failed.load(Ordering::Relaxed) < 3 {
                            eprintln!("a call failed: {e}");
                        }
                        failed.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    for task in tasks {
        task.await.expect("a replica's task");
    }
    Run {
        calls: ok.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
    }
}

/// Eight replicas × `CALLS` calls over three token lifetimes: the sandbox's token fetches and
/// the calls that failed.
async fn fleet(redis: Option<&RedisServer>, revoke: bool) -> (u64, Run) {
    let sandbox = sandbox().await;
    sandbox.steer().revoke_previous_tokens(revoke);
    let clock = ManualClock::new();
    let clients: Vec<_> = (0..REPLICAS)
        .map(|_| Arc::new(replica(&sandbox, &clock, redis.map(|r| store(r, &clock)))))
        .collect();
    let mut total = Run::default();
    for lifetime in 0..LIFETIMES {
        let run = calls(
            &clients,
            CALLS / LIFETIMES + usize::from(lifetime < CALLS % LIFETIMES),
        )
        .await;
        total.calls += run.calls;
        total.failed += run.failed;
        clock.advance(LIFETIME);
        sandbox.advance_clock(LIFETIME);
    }
    let fetches = sandbox.token_fetches(Bank::Financial);
    sandbox.stop().await;
    (fetches, total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_replicas_fetch_one_token_per_lifetime_between_them() {
    if !available() {
        return;
    }
    let redis = RedisServer::start();
    let (alone, run) = fleet(None, false).await;
    assert_eq!(run.calls, (REPLICAS * CALLS) as u64);
    assert_eq!(run.failed, 0);
    let (shared, run) = fleet(Some(&redis), false).await;
    assert_eq!(run.failed, 0);
    eprintln!(
        "{REPLICAS} replicas × {CALLS} calls over {LIFETIMES} token lifetimes: \
         {alone} token fetches each on its own, {shared} through Redis"
    );
    assert_eq!(
        alone,
        (REPLICAS * LIFETIMES) as u64,
        "one per replica per lifetime"
    );
    assert_eq!(
        shared, LIFETIMES as u64,
        "one per lifetime across the fleet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_revokes_on_issue_costs_the_shared_fleet_nothing() {
    if !available() {
        return;
    }
    let redis = RedisServer::start();
    let (alone, run_alone) = fleet(None, true).await;
    let (shared, run) = fleet(Some(&redis), true).await;
    eprintln!(
        "revoking on issue: on their own {alone} token fetches and {} of {} calls failed; \
         through Redis {shared} fetches and {} failed",
        run_alone.failed, run_alone.calls, run.failed
    );
    assert_eq!(run.failed, 0, "no call fails with the shared store");
    assert!(shared <= LIFETIMES as u64, "{shared} fetches");
    assert!(
        alone > shared,
        "replicas on their own revoke each other's tokens: {alone} fetches"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_not_an_outage_and_sharing_resumes_when_it_is_back() {
    if !available() {
        return;
    }
    let mut redis = RedisServer::start();
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let clients: Vec<_> = (0..REPLICAS)
        .map(|_| Arc::new(replica(&sandbox, &clock, Some(store(&redis, &clock)))))
        .collect();
    let next_lifetime = || {
        clock.advance(LIFETIME);
        sandbox.advance_clock(LIFETIME);
    };
    let run = calls(&clients, 50).await;
    assert_eq!((run.failed, sandbox.token_fetches(Bank::Financial)), (0, 1));

    // Redis stops: the next lifetime's tokens are fetched by each replica on its own, and
    // every call succeeds.
    redis.stop();
    next_lifetime();
    let run = calls(&clients, 50).await;
    assert_eq!(run.failed, 0, "no call fails because Redis is down");
    assert_eq!(sandbox.token_fetches(Bank::Financial), 1 + REPLICAS as u64);

    // Redis is back (empty): after the store's retry interval (passed with the lifetime on
    // the same clock), the fleet shares again.
    redis.restart();
    next_lifetime();
    let run = calls(&clients, 50).await;
    assert_eq!(run.failed, 0);
    assert_eq!(
        sandbox.token_fetches(Bank::Financial),
        2 + REPLICAS as u64,
        "one fetch for the fleet once Redis answers again"
    );
    sandbox.stop().await;
}

#[test]
fn a_lease_holder_killed_mid_fetch_is_taken_over_and_never_overwrites() {
    if !available() {
        return;
    }
    let redis = RedisServer::start();
    let runtime = |threads| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            .expect("a runtime")
    };
    let main = runtime(2);
    let sandbox = main.block_on(sandbox());
    let clock = ManualClock::new();
    // The first token request never gets an answer: its replica holds the lease, fetching.
    let hang = sandbox
        .steer()
        .fault(Fault::on(Bank::Financial).token().hang().once())
        .expect("a fault");

    // Replica A, in a runtime of its own (its process), starts a call and is killed while its
    // token request hangs.
    let doomed = runtime(1);
    let a = Arc::new(replica(&sandbox, &clock, Some(store(&redis, &clock))));
    let call = {
        let a = a.clone();
        doomed.spawn(async move { a.get_accounts().bank().await.map(|_| ()) })
    };
    main.block_on(async {
        // Polled: a fault's hit is not a state change the sandbox announces.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while sandbox.steer().hits(hang) == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "A never asked for a token"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    doomed.shutdown_background();
    drop(call);

    // Replica B waits out A's lease, takes over and stores its token (a later fence).
    let b = replica(&sandbox, &clock, Some(store(&redis, &clock)));
    main.block_on(async {
        b.get_accounts()
            .bank()
            .await
            .expect("B's call succeeds after A's lease");
    });
    assert_eq!(
        sandbox.token_fetches(Bank::Financial),
        2,
        "A's (hung) and B's"
    );
    let key = main
        .block_on(token_keys(&redis))
        .pop()
        .expect("a stored token");
    let fence = main.block_on(field(&redis, &key, "fence"));
    assert_eq!(fence, "2", "B's token, under the second lease");

    // A stale put under A's (expired) first lease is refused by Redis itself.
    let stale = main.block_on(async {
        use banks::tokens::TokenStore;
        let store = store(&redis, &clock);
        let token = bank_runtime::token_store::StoredToken {
            value: banks::Secret::new("older"),
            expires_at: std::time::SystemTime::now() + LIFETIME,
            lifetime: LIFETIME,
            fence: 1,
        };
        store
            .put(&key, &token, LIFETIME)
            .await
            .expect("Redis answers")
    });
    assert!(!stale, "an older lease's token never replaces a newer one");
    assert_eq!(main.block_on(field(&redis, &key, "fence")), "2");
    main.block_on(sandbox.stop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_401s_refreshes_once() {
    if !available() {
        return;
    }
    let redis = RedisServer::start();
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let clients: Vec<_> = (0..REPLICAS)
        .map(|_| Arc::new(replica(&sandbox, &clock, Some(store(&redis, &clock)))))
        .collect();
    assert_eq!(calls(&clients, 1).await.failed, 0);
    assert_eq!(sandbox.token_fetches(Bank::Financial), 1);
    // The bank rejects the shared token once per replica (`invalid_token`): each replica
    // refreshes, and the fleet fetches one new token.
    sandbox
        .steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("get_accounts")
                .expired_token()
                .times(REPLICAS as u32),
        )
        .expect("a fault");
    assert_eq!(
        calls(&clients, 1).await.failed,
        0,
        "each call refreshed and resent"
    );
    assert_eq!(
        sandbox.token_fetches(Bank::Financial),
        2,
        "one refresh for eight 401s"
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_holds_no_client_id_secret_or_token_in_clear() {
    if !available() {
        return;
    }
    let redis = RedisServer::start();
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let sealed = |r: &RedisServer| store(r, &clock).seal_with(&[42; 32]).expect("a key");
    let clients: Vec<_> = (0..2)
        .map(|_| Arc::new(replica(&sandbox, &clock, Some(sealed(&redis)))))
        .collect();
    assert_eq!(calls(&clients, 5).await.failed, 0);
    assert_eq!(sandbox.token_fetches(Bank::Financial), 1);
    let credentials = banks::testing::variables::<bcc::Financial>();
    let mut connection = connect(&redis).await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .expect("KEYS");
    assert!(!keys.is_empty());
    for key in &keys {
        let kind: String = redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut connection)
            .await
            .expect("TYPE");
        let values: Vec<Vec<u8>> = match kind.as_str() {
            "hash" => {
                redis::cmd("HVALS")
                    .arg(key)
                    .query_async(&mut connection)
                    .await
            }
            _ => redis::cmd("GET")
                .arg(key)
                .query_async::<Option<Vec<u8>>>(&mut connection)
                .await
                .map(|v| v.into_iter().collect()),
        }
        .expect("a value");
        let everything = format!(
            "{key} {}",
            values
                .iter()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        );
        for (_, secret) in &credentials {
            assert!(
                !everything.contains(secret.as_str()),
                "{secret:?} in {everything}"
            );
        }
        assert!(
            !everything.contains("sbx-"),
            "a sandbox token in clear: {everything}"
        );
    }
    // The token key expires with the token.
    let key = token_keys(&redis).await.pop().expect("a token key");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut connection)
        .await
        .expect("PTTL");
    assert!(ttl > 0 && ttl <= LIFETIME.as_millis() as i64, "{ttl} ms");
    sandbox.stop().await;
}

async fn connect(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url())
        .expect("a URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection")
}

/// The keys of stored tokens (not their leases or fences).
async fn token_keys(redis: &RedisServer) -> Vec<String> {
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("banks:token:*")
        .query_async(&mut connect(redis).await)
        .await
        .expect("KEYS");
    keys.into_iter()
        .filter(|k| !k.ends_with(":lease") && !k.ends_with(":fence"))
        .collect()
}

async fn field(redis: &RedisServer, key: &str, name: &str) -> String {
    redis::cmd("HGET")
        .arg(key)
        .arg(name)
        .query_async(&mut connect(redis).await)
        .await
        .expect("HGET")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_entry_in_redis_is_refused_and_calls_go_on() {
    if !available() {
        return;
    }
    let redis = RedisServer::start();
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let clients: Vec<_> = (0..2)
        .map(|_| Arc::new(replica(&sandbox, &clock, Some(store(&redis, &clock)))))
        .collect();
    assert_eq!(calls(&clients, 1).await.failed, 0);
    // Someone with write access to Redis replaces the shared token with garbage.
    let key = token_keys(&redis).await.pop().expect("a stored token");
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("fence")
        .arg("not a number")
        .arg("tok")
        .arg("sforged")
        .arg("exp")
        .arg("x")
        .query_async(&mut connect(&redis).await)
        .await
        .expect("HSET");
    clock.advance(LIFETIME);
    sandbox.advance_clock(LIFETIME);
    // The entry is refused (a typed store error, logged) and each replica fetches its own.
    assert_eq!(
        calls(&clients, 5).await.failed,
        0,
        "no call fails on a forged entry"
    );
    assert_eq!(sandbox.token_fetches(Bank::Financial), 3);
    sandbox.stop().await;
}
