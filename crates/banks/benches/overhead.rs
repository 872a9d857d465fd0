//! The facade's overhead per call over a bare reqwest call, on loopback: the same GET against the
//! same mock server, once through `banks` (token from the cache, hooks, typed decoding, retry
//! bookkeeping) and once with reqwest + serde_json by hand. Target: within 5%.
//!
//! First a paired measurement, the one the target is judged by: many short rounds of `CALLS`
//! calls per path, the order rotating between rounds, so that machine drift hits every path
//! alike; it prints the median of the per-round ratios (facade / bare) with its spread. Short
//! rounds and many of them: on a busy 2-core machine a round of 200 calls drifts by ±10 %, and
//! 60 such rounds left the median a few percent apart from one run to the next. Then criterion's
//! two groups, run one after the other (not paired: drift between them shows as overhead).
//!
//! The call metrics (`banks::metrics`) cost nothing measurable without a recorder, which is how
//! this runs; a fourth path, `.bank()` with a recorder installed (metrics-util's debugging
//! recorder: a registry of atomic counters and histogram buckets, as an exporter keeps), shows
//! what recording them costs.
//!
//! For instruction counts, which do not drift: `OVERHEAD_LOOP=bare|bank OVERHEAD_CALLS=n` under
//! `valgrind --tool=callgrind`, twice with different `n`; the difference over the difference in
//! `n` is the cost of one call.

use std::time::Duration;

use banks::{ClientCredentials, Environment};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The mock bank, a facade client and a bare client calling the same URL.
struct Setup {
    server: MockServer,
    facade: banks::bcc::financial::Client,
    bare: reqwest::Client,
    url: String,
}

fn setup(runtime: &tokio::runtime::Runtime) -> Setup {
    let body = json!({"accounts": [{"iban": "KZ100100100100100100", "description": "Счет"}, {"iban": "KZ200200200200200200"}]});
    let server = runtime.block_on(async {
        // Requests not recorded: a log growing by every call would time the mock, not the client.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
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
    Setup {
        server,
        facade,
        bare,
        url,
    }
}

async fn bare_call(bare: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = bare.get(url).bearer_auth("t").send().await.expect("sent");
    response.json().await.expect("json")
}

/// Rounds of bare calls, facade calls through `.send()` (progenitor + the runtime's hooks),
/// through `.bank()` (plus the typed error conversion) and through `.bank()` with a metrics
/// recorder installed, the order rotating between rounds; prints the median per-round ratio of
/// each facade path to the bare call.
fn paired(runtime: &tokio::runtime::Runtime, setup: &Setup) {
    const ROUNDS: usize = 400;
    const CALLS: u32 = 25;
    const PATHS: [&str; 4] = ["bare", "send", "bank", "bank, recorder"];
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let time = |which: usize| {
        // The recorder for this thread (the runtime's only one) while the path runs.
        let _recorder = (which == 3).then(|| metrics::set_default_local_recorder(&recorder));
        runtime.block_on(async {
            let started = std::time::Instant::now();
            for _ in 0..CALLS {
                match which {
                    0 => drop(std::hint::black_box(
                        bare_call(&setup.bare, &setup.url).await,
                    )),
                    1 => drop(std::hint::black_box(
                        setup.facade.get_accounts().send().await.expect("ok"),
                    )),
                    _ => drop(std::hint::black_box(
                        setup.facade.get_accounts().bank().await.expect("ok"),
                    )),
                }
            }
            started.elapsed() / CALLS
        })
    };
    // Warm up every path (connections, token).
    for which in 0..PATHS.len() {
        time(which);
    }
    let mut ratios = [
        Vec::with_capacity(ROUNDS),
        Vec::with_capacity(ROUNDS),
        Vec::with_capacity(ROUNDS),
    ];
    let mut totals = [Duration::ZERO; 4];
    for round in 0..ROUNDS {
        let mut took = [Duration::ZERO; 4];
        for k in 0..PATHS.len() {
            let which = (round + k) % PATHS.len();
            took[which] = time(which);
        }
        for which in 0..PATHS.len() {
            totals[which] += took[which];
        }
        ratios[0].push(took[1].as_secs_f64() / took[0].as_secs_f64());
        ratios[1].push(took[2].as_secs_f64() / took[0].as_secs_f64());
        ratios[2].push(took[3].as_secs_f64() / took[0].as_secs_f64());
    }
    let mean = |which: usize| totals[which].as_secs_f64() * 1e6 / ROUNDS as f64;
    println!(
        "paired overhead over {ROUNDS} rounds of {CALLS} calls per path; mean per call: bare {:.1} µs, .send() {:.1} µs, .bank() {:.1} µs, .bank() with a metrics recorder {:.1} µs",
        mean(0),
        mean(1),
        mean(2),
        mean(3)
    );
    for (name, mut r) in [
        "facade .send() / bare",
        "facade .bank() / bare",
        "facade .bank() with a metrics recorder / bare",
    ]
    .into_iter()
    .zip(ratios)
    {
        r.sort_by(f64::total_cmp);
        let at = |q: f64| r[((r.len() - 1) as f64 * q).round() as usize];
        println!(
            "  {name}: median {:.3} (quartiles {:.3}–{:.3})",
            at(0.5),
            at(0.25),
            at(0.75)
        );
    }
}

fn overhead(c: &mut Criterion) {
    // The calling side on one thread that drives its own I/O (wiremock serves from a thread of
    // its own): on a multi-thread runtime every wake-up of `block_on` crosses threads, and that
    // scheduling noise (±10 % per round on a 2-core machine) drowns the few microseconds measured.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let setup = setup(&runtime);
    println!(
        "future sizes: .send() {} bytes, .bank() {} bytes",
        std::mem::size_of_val(&setup.facade.get_accounts().send()),
        std::mem::size_of_val(&setup.facade.get_accounts().bank())
    );
    // `OVERHEAD_LOOP=bare|send|bank`: only that path, `OVERHEAD_CALLS` times (20,000 by
    // default), for `perf stat` or `valgrind --tool=callgrind` (instruction counts).
    if let Ok(path) = std::env::var("OVERHEAD_LOOP") {
        let calls: usize = std::env::var("OVERHEAD_CALLS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        runtime.block_on(async {
            for _ in 0..calls {
                match path.as_str() {
                    "bare" => drop(bare_call(&setup.bare, &setup.url).await),
                    "send" => drop(setup.facade.get_accounts().send().await.expect("ok")),
                    _ => drop(setup.facade.get_accounts().bank().await.expect("ok")),
                }
            }
        });
        return;
    }
    paired(&runtime, &setup);
    if std::env::var_os("OVERHEAD_PAIRED_ONLY").is_some() {
        return;
    }
    let Setup {
        server: _server,
        facade,
        bare,
        url,
    } = setup;

    let mut group = c.benchmark_group("GET accounts on loopback");
    group.bench_function("bare reqwest + serde_json", |b| {
        b.to_async(&runtime).iter(|| bare_call(&bare, &url))
    });
    group.bench_function("banks facade", |b| {
        b.to_async(&runtime)
            .iter(|| async { facade.get_accounts().bank().await.expect("ok") })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
