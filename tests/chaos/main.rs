//! Chaos check: flows of the four APIs through the `banks` facade against the sandbox on
//! loopback, with a fault drawn at random (seeded) before every call — the connection dropped
//! after the bank committed, reset half-way through the answer, a hang, a 5xx, a 429, the token
//! endpoint down or hanging, a slow payment signer — and each flow recovering as the facade
//! documents it: a transient failure retried as it is, an unknown outcome reconciled
//! (FinancialAPI: `reconcile_payment`, then the same `documentNumber` again when the bank has
//! none; Globus: the order's callback through `OrderCallbacks::reconcile`), the documents' gaps
//! (BaaS applications, broker orders) listed and never re-sent, a refusal taken as the bank's
//! answer.
//!
//! Prints flows per API, faults per kind, effects the bank applied twice, intents left unknown
//! (with the gap that leaves them so), calls that ended past their deadline, call times and
//! token fetches; exits non-zero on an effect applied twice, a call more than 100 ms past its
//! deadline, a FinancialAPI payment left unknown, a flow whose end disagrees with the bank's
//! effect counters, or a panic.
//!
//! The flows of the four APIs are in `flows.rs`, the run that drives and judges them in `run.rs`.
//!
//! `cargo bench -p e2e --bench chaos [-- --quick]`; `CHAOS_FLOWS` (default 1,000; 50 with
//! `--quick` or when run as a test), `CHAOS_SEED` (default: from the clock; printed).

mod flows;
mod run;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bank_runtime::SignFuture;
use bank_sandbox::spec::Bank;
use bank_sandbox::steer::{Fault, FaultId};
use bank_sandbox::{Config, Sandbox};
use banks::baas::gateway::types as baas_t;
use banks::bcc::financial::types as fin_t;
use banks::failures::{Reconciliation, reconciliation};
use banks::globus::cfront::types as cfront_t;
use banks::globus::{OrderCallbacks, OrderLookup};
use banks::{BankError, BodySigner, Environment, HttpConfig, Outcome, SignError};

/// Every call's total deadline (token, signature, attempts, back-off).
const DEADLINE: Duration = Duration::from_millis(1000);
/// One attempt's timeout, and the longest one token fetch may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);
/// How far past its deadline a call may end before it counts as late.
const SLACK: Duration = Duration::from_millis(100);
/// Flows running at once.
const CONCURRENCY: usize = 32;
/// Tries of one call while it fails transiently (the first included).
const TRIES: u32 = 6;
/// Tries of a reconciliation's read while it fails transiently.
const LOOKUP_TRIES: u32 = 20;
/// Rounds of FinancialAPI payment → lookup → same payment again.
const PAYMENT_ROUNDS: u32 = 5;
/// How long a Globus order whose creation is unknown waits for its callback.
const CALLBACK_WAIT: Duration = Duration::from_secs(2);
/// Chance that a step gets a fault of a request or of the token route.
const FAULT_RATE: f64 = 0.35;
/// Chance that a signed step gets a slow signer (besides any other fault).
const SLOW_SIGNER_RATE: f64 = 0.25;
/// The slow signer sleeps up to this long (a third of its sleeps outlast the deadline).
const SLOWEST_SIGNATURE: Duration = Duration::from_millis(1500);

const IBAN_1: &str = "KZ218560000000000001";
const IBAN_2: &str = "KZ218560000000000002";

tokio::task_local! {
    /// How long the payment signer sleeps in this call (a step's drawn `slow signer` fault).
    static SIGN_DELAY: Option<Duration>;
}

/// SplitMix64: small, seeded, the same draws for the same seed on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn millis(&mut self, upto: Duration) -> Duration {
        Duration::from_millis(self.below(upto.as_millis() as u64 + 1))
    }
}

/// The kinds of fault a step may draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    DropAfterCommit,
    ResetMidBody,
    Hang,
    Status500,
    Status502,
    Status503,
    Status429,
    TokenDown,
    TokenHang,
    SlowSigner,
}

impl Kind {
    const REQUEST: [Kind; 7] = [
        Kind::DropAfterCommit,
        Kind::ResetMidBody,
        Kind::Hang,
        Kind::Status500,
        Kind::Status502,
        Kind::Status503,
        Kind::Status429,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::DropAfterCommit => "commit, then drop",
            Kind::ResetMidBody => "reset mid-body",
            Kind::Hang => "hang",
            Kind::Status500 => "HTTP 500",
            Kind::Status502 => "HTTP 502",
            Kind::Status503 => "HTTP 503",
            Kind::Status429 => "HTTP 429",
            Kind::TokenDown => "token endpoint 503",
            Kind::TokenHang => "token endpoint hangs",
            Kind::SlowSigner => "slow signer",
        }
    }

    /// The sandbox fault for this kind on `bank`'s `operation`, for the next matching request.
    fn fault(self, bank: Bank, operation: &str) -> Option<Fault> {
        let on = Fault::on(bank).operation(operation);
        let fault = match self {
            Kind::DropAfterCommit => on.drop_after_commit(),
            Kind::ResetMidBody => on.reset_mid_body(),
            Kind::Hang => on.hang(),
            Kind::Status500 => on.status(500),
            Kind::Status502 => on.status(502),
            Kind::Status503 => on.status(503),
            Kind::Status429 => on.status(429),
            Kind::TokenDown => Fault::on(bank).token().status(503),
            Kind::TokenHang => Fault::on(bank).token().hang(),
            Kind::SlowSigner => return None,
        };
        Some(fault.once())
    }
}

/// What the whole run observed, shared by the flows.
#[derive(Default)]
struct Stats {
    inner: Mutex<Observed>,
    signer_slept: AtomicU64,
    signer_beyond_deadline: AtomicU64,
    callbacks: AtomicU64,
}

#[derive(Default)]
struct Observed {
    /// Every bank call's wall time (a payment lookup included).
    calls: Vec<Duration>,
    /// Every Globus reconciliation's wall time (a callback wait, then a read).
    waits: Vec<Duration>,
    /// Calls that ended more than [`SLACK`] past their bound: what, how long, the bound.
    late: Vec<(String, Duration, Duration)>,
    /// Faults set in the sandbox, by kind.
    steered: Vec<(Kind, FaultId)>,
    /// Slow-signer faults drawn.
    slow_signers: u64,
}

impl Stats {
    fn lock(&self) -> std::sync::MutexGuard<'_, Observed> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn call(&self, what: String, took: Duration, bound: Duration) {
        let mut o = self.lock();
        if bound > DEADLINE {
            o.waits.push(took);
        } else {
            o.calls.push(took);
        }
        if took > bound + SLACK {
            o.late.push((what, took, bound));
        }
    }
}

/// The test signer, sleeping first as long as the step's `slow signer` fault says.
#[derive(Debug)]
struct ChaosSigner {
    inner: banks::jws::JwsSigner,
    stats: Arc<Stats>,
}

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stats")
    }
}

impl BodySigner for ChaosSigner {
    fn header_value(&self, body: &[u8]) -> Result<String, SignError> {
        self.inner.header_value(body)
    }

    fn sign_body<'a>(&'a self, body: &'a [u8]) -> SignFuture<'a> {
        let delay = SIGN_DELAY.try_with(|d| *d).ok().flatten();
        Box::pin(async move {
            if let Some(delay) = delay {
                self.stats.signer_slept.fetch_add(1, Ordering::Relaxed);
                if delay > DEADLINE {
                    self.stats
                        .signer_beyond_deadline
                        .fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(delay).await;
            }
            self.inner.sign_body(body).await
        })
    }
}

/// The sandbox, the shared clients, the callback receiver.
struct Env {
    sandbox: Arc<Sandbox>,
    stats: Arc<Stats>,
    financial: banks::bcc::financial::Client,
    globus: banks::globus::cfront::Client,
    baas: banks::baas::BaasClient,
    broker: banks::bcc::broker::Client,
    callbacks: Arc<OrderCallbacks>,
    callback_url: String,
    seed: u64,
}

fn http() -> HttpConfig {
    HttpConfig::new()
        .connect_timeout(ATTEMPT_TIMEOUT)
        .timeout(ATTEMPT_TIMEOUT)
        .deadline(DEADLINE)
        .token(bank_runtime::TokenOptions::default().fetch_timeout(ATTEMPT_TIMEOUT))
}

/// Clients with the sandbox's test credentials and the chaos timeouts; each call makes a new
/// client with its own token cache (used after a token fault is drawn, so that it strikes).
fn financial_client(sandbox: &Sandbox, stats: &Arc<Stats>) -> banks::bcc::financial::Client {
    banks::bcc::Financial::builder()
        .credentials(banks::testing::credentials::<banks::bcc::Financial>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Financial)))
        .token_url(sandbox.token_url(Bank::Financial).expect("a token route"))
        .signer(ChaosSigner {
            inner: bank_testkit::keys::ec_signer(banks::jws::Profile::default()),
            stats: stats.clone(),
        })
        .http(http())
        .build()
        .expect("builds")
}

fn globus_client(sandbox: &Sandbox) -> banks::globus::cfront::Client {
    banks::globus::Cfront::builder()
        .credentials(banks::testing::credentials::<banks::globus::Cfront>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Globus)))
        .http(http())
        .build()
        .expect("builds")
}

fn baas_client(sandbox: &Sandbox) -> banks::baas::BaasClient {
    banks::baas::Baas::builder()
        .credentials(banks::testing::credentials::<banks::baas::Baas>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Baas)))
        .http(http())
        .build()
        .expect("builds")
}

fn broker_client(sandbox: &Sandbox) -> banks::bcc::broker::Client {
    banks::bcc::Broker::builder()
        .credentials(banks::testing::credentials::<banks::bcc::Broker>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Broker)))
        .token_url(sandbox.token_url(Bank::Broker).expect("a token route"))
        .http(http())
        .build()
        .expect("builds")
}

/// How a flow ended.
#[derive(Debug, Clone)]
enum End {
    /// Every step done (after recovery where needed).
    Done,
    /// The bank refused (a business outcome): the status and the bank's code.
    Refused {
        operation: String,
        status: Option<u16>,
        code: String,
    },
    /// An intent whose outcome is still unknown after reconciliation, and why.
    Unknown {
        operation: &'static str,
        reason: String,
    },
    /// A call still failing (not processed) after every try, or failing in a way that is
    /// neither transient, unknown nor a refusal.
    GaveUp { operation: String, error: String },
}

/// One flow's report.
struct Report {
    api: Bank,
    end: End,
    /// The client's reference of the flow's creating call (documentNumber, merchantOrderId, …).
    reference: String,
    /// Calls sent again after a transient failure.
    retries: u32,
    /// Reconciliations made (lookups, callback waits).
    reconciliations: u32,
    /// FinancialAPI payments sent again after the lookup found none.
    resends: u32,
    /// Reconciliations that found the intent applied.
    found: u32,
    /// How many times the bank's effect counters must show the flow's creation (`None`: not
    /// known, an unknown outcome or a flow that creates nothing).
    expected: Option<u64>,
}

/// What a drawn fault asks of the flow itself.
#[derive(Default)]
struct Injected {
    /// Use a client with an empty token cache, so that the token fault strikes this step.
    fresh_client: bool,
    /// Sleep this long in the signer.
    sign_delay: Option<Duration>,
}

/// What one step calls, and how patiently.
#[derive(Debug, Clone, Copy)]
struct Step {
    bank: Bank,
    /// The client's method name (what the sandbox's faults are set on).
    operation: &'static str,
    /// Whether the payment signer signs it (a `slow signer` may be drawn).
    signed: bool,
    /// The longest the call may take: its deadline, or a callback wait plus one.
    bound: Duration,
    /// Tries while it fails transiently, the first included.
    tries: u32,
}

impl Step {
    /// A call: [`TRIES`] tries, each within [`DEADLINE`].
    fn call(bank: Bank, operation: &'static str) -> Self {
        Step {
            bank,
            operation,
            signed: false,
            bound: DEADLINE,
            tries: TRIES,
        }
    }

    /// A reconciliation: reads only, so it is tried as long as it fails transiently
    /// ([`LOOKUP_TRIES`]); an intent is not left unknown because a lookup met a fault.
    fn lookup(bank: Bank, operation: &'static str, bound: Duration) -> Self {
        Step {
            bound,
            tries: LOOKUP_TRIES,
            ..Step::call(bank, operation)
        }
    }

    fn signed(self) -> Self {
        Step {
            signed: true,
            ..self
        }
    }
}

struct Flow {
    env: Arc<Env>,
    rng: Rng,
    n: usize,
    retries: u32,
    reconciliations: u32,
    resends: u32,
    found: u32,
}

impl Flow {
    /// Draw this step's faults and set them in the sandbox: for a signed call, a slow signer
    /// (drawn on its own), and for every call, one fault of a request or of the token route.
    fn inject(&mut self, bank: Bank, operation: &str, signed: bool) -> Injected {
        let mut injected = Injected::default();
        if signed && self.rng.chance(SLOW_SIGNER_RATE) {
            self.env.stats.lock().slow_signers += 1;
            injected.sign_delay = Some(self.rng.millis(SLOWEST_SIGNATURE));
        }
        if !self.rng.chance(FAULT_RATE) {
            return injected;
        }
        let mut kinds = Kind::REQUEST.to_vec();
        if bank.token_path().is_some() {
            kinds.extend([Kind::TokenDown, Kind::TokenHang]);
        }
        let kind = kinds[self.rng.below(kinds.len() as u64) as usize];
        let fault = kind.fault(bank, operation).expect("a sandbox fault");
        let id = self
            .env
            .sandbox
            .steer()
            .fault(fault)
            .unwrap_or_else(|e| panic!("{kind:?} on {operation}: {e}"));
        self.env.stats.lock().steered.push((kind, id));
        injected.fresh_client = matches!(kind, Kind::TokenDown | Kind::TokenHang);
        injected
    }

    /// One step: draw a fault, call, and call again while the failure is transient (bounded,
    /// with back-off).
    async fn step<C, T, F, Fut>(
        &mut self,
        client: &mut C,
        fresh: fn(&Env) -> C,
        step: Step,
        mut call: F,
    ) -> Result<T, BankError>
    where
        C: Clone,
        F: FnMut(C) -> Fut,
        Fut: Future<Output = Result<T, BankError>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            let injected = self.inject(step.bank, step.operation, step.signed);
            if injected.fresh_client {
                *client = fresh(&self.env);
            }
            let started = Instant::now();
            let result = SIGN_DELAY
                .scope(injected.sign_delay, call(client.clone()))
                .await;
            self.env.stats.call(
                format!("flow {} {} {}", self.n, step.bank.prefix(), step.operation),
                started.elapsed(),
                step.bound,
            );
            match result {
                Err(e) if e.is_transient() && tries < step.tries => {
                    self.retries += 1;
                    let ceiling = Duration::from_millis(200 << (tries - 1).min(4))
                        .min(Duration::from_secs(2));
                    let wait = ceiling / 2 + self.rng.millis(ceiling / 2);
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// The flow ends with its intent unknown after reconciliation (nothing known to the bank).
    fn unknown(
        self,
        api: Bank,
        reference: String,
        operation: &'static str,
        reason: String,
    ) -> Report {
        self.report(api, reference, None, End::Unknown { operation, reason })
    }

    fn report(self, api: Bank, reference: String, expected: Option<u64>, end: End) -> Report {
        Report {
            api,
            end,
            reference,
            expected,
            retries: self.retries,
            reconciliations: self.reconciliations,
            resends: self.resends,
            found: self.found,
        }
    }
}

/// How a failed read (or a call whose failure needs no reconciliation) ends a flow.
fn ended(operation: &str, e: &BankError) -> End {
    match e.outcome() {
        Outcome::Refused => End::Refused {
            operation: operation.to_owned(),
            status: e.status,
            code: e.code.clone().unwrap_or_else(|| "-".into()),
        },
        _ => End::GaveUp {
            operation: operation.to_owned(),
            error: e.to_string(),
        },
    }
}

/// The effect count a flow's creating call, its last step, must leave.
fn expected_of(end: &End) -> Option<u64> {
    match end {
        End::Done => Some(1),
        End::Refused { .. } | End::GaveUp { .. } => Some(0),
        End::Unknown { .. } => None,
    }
}

/// What the facade's reconciliation table says of an unknown outcome.
fn gap(e: &BankError) -> String {
    match reconciliation(e) {
        Some(Reconciliation::Gap { why }) => format!("gap: {why}"),
        Some(Reconciliation::Lookup { how }) => format!("lookup: {how}"),
        Some(Reconciliation::Repeat) => "repeat".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "no reconciliation for this error".to_owned(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this as a smoke test.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
    let flows: usize = std::env::var("CHAOS_FLOWS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(if quick { 50 } else { 1000 });
    // As a smoke test the draws are the same every run (a fixed seed); the benchmark draws anew.
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .or(quick.then_some(20261207))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    // The bank on its own runtime, as it would be in its own process: a busy client does not
    // starve the sandbox's timers, nor the sandbox the client's deadlines.
    let bank = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sandbox")
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = Arc::new(bank.block_on(bank_testkit::sandbox::start(Config::default())));
    let service = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("service")
        .enable_all()
        .build()
        .expect("runtime");
    let ok = service.block_on(run::run(sandbox.clone(), flows, seed, !quick));
    service.shutdown_timeout(Duration::from_secs(1));
    if let Ok(sandbox) = Arc::try_unwrap(sandbox) {
        bank.block_on(sandbox.stop());
    }
    if !ok {
        std::process::exit(1);
    }
}
