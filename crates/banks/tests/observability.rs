//! What a call leaves in the logs (a `bank_call` span with bank, operation and status; no token,
//! secret or signature), a signer that fails (a typed `Signing` error and nothing sent), the
//! metrics of a sandbox flow under a debugging recorder (calls and their time by api, operation
//! and outcome, retries), and the caller's OpenTelemetry trace reaching the bank as `traceparent`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use banks::{BodySigner, ClientCredentials, Environment, ErrorKind};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Log lines collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A signer whose signature is a recognisable secret-looking value.
#[derive(Debug)]
struct FixedSigner(&'static str);

impl BodySigner for FixedSigner {
    fn header_value(&self, _: &[u8]) -> Result<String, banks::SignError> {
        Ok(self.0.to_owned())
    }
}

/// A signer whose key is gone (an HSM offline, an expired certificate).
#[derive(Debug)]
struct BrokenSigner;

impl BodySigner for BrokenSigner {
    fn header_value(&self, _: &[u8]) -> Result<String, banks::SignError> {
        Err(banks::SignError("the HSM does not answer".into()))
    }
}

async fn bank() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "access-token-do-not-log", "expires_in": 3600}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/client-id/payments"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "code": 0, "description": "OK"})),
        )
        .mount(&server)
        .await;
    server
}

fn financial(
    server: &MockServer,
    signer: impl BodySigner + 'static,
) -> banks::bcc::financial::Client {
    banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new(
            "client-id",
            "client-secret-do-not-log",
        ))
        .environment(Environment::Custom(server.uri()))
        .token_url(format!("{}/token", server.uri()))
        .signer(signer)
        .build()
        .expect("builds")
}

fn payment() -> banks::bcc::financial::types::builder::PaymentBody {
    banks::bcc::financial::types::PaymentBody::builder()
        .amount(banks::Decimal::from(100))
        .currency("KZT".to_owned())
}

#[tokio::test]
async fn every_call_has_a_span_with_bank_operation_and_status_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = bank().await;
    let client = financial(&server, FixedSigner("signature-do-not-log"));
    client
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect("paid");

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    let finished = logs
        .lines()
        .find(|l| l.contains("bank call finished"))
        .unwrap_or_else(|| panic!("no finished event in:\n{logs}"));
    for field in [
        "bank_call{",
        "bank=\"bcc-financial\"",
        "operation=\"create_payment\"",
        "method=POST",
        "status=200",
        "attempts=1",
    ] {
        assert!(
            finished.contains(field),
            "{field} missing from: {finished}\n{logs}"
        );
    }
    for secret in [
        "access-token-do-not-log",
        "client-secret-do-not-log",
        "signature-do-not-log",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn a_signer_that_fails_is_a_typed_signing_error_and_nothing_is_sent() {
    // A subscriber here too: tracing caches whether a call site is wanted per process, and a
    // call site first reached on a thread without one would be cached as unwanted while the
    // other test's subscriber is being set up.
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::sink)
            .finish(),
    );
    let server = bank().await;
    let err = financial(&server, BrokenSigner)
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect_err("unsigned");
    assert_eq!(err.kind, ErrorKind::Signing, "{err}");
    assert!(err.to_string().contains("the HSM does not answer"), "{err}");
    let sent = server.received_requests().await.expect("recorded");
    assert!(
        sent.iter().all(|r| r.url.path() != "/client-id/payments"),
        "an unsigned payment must not leave the client"
    );
}

/// The metrics a call path records, read back by name and labels.
mod metrics_seen {
    use metrics::Unit;
    use metrics_util::debugging::{DebugValue, Snapshot};
    use metrics_util::{CompositeKey, MetricKind};

    /// One snapshot of a debugging recorder, as a list.
    pub struct Seen(
        Vec<(
            CompositeKey,
            Option<Unit>,
            Option<metrics::SharedString>,
            DebugValue,
        )>,
    );

    impl Seen {
        pub fn new(snapshot: Snapshot) -> Self {
            Seen(snapshot.into_vec())
        }

        /// The value of the metric of `kind` named `name` with exactly these labels.
        pub fn value(
            &self,
            kind: MetricKind,
            name: &str,
            labels: &[(&str, &str)],
        ) -> Option<&DebugValue> {
            let mut wanted: Vec<(&str, &str)> = labels.to_vec();
            wanted.sort();
            self.0.iter().find_map(|(key, _, _, value)| {
                let mut has: Vec<(&str, &str)> =
                    key.key().labels().map(|l| (l.key(), l.value())).collect();
                has.sort();
                (key.kind() == kind && key.key().name() == name && has == wanted).then_some(value)
            })
        }

        /// A counter's count (0 when it was never incremented).
        pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
            match self.value(MetricKind::Counter, name, labels) {
                Some(DebugValue::Counter(n)) => *n,
                _ => 0,
            }
        }

        /// A histogram's samples (none when nothing was recorded).
        pub fn samples(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
            match self.value(MetricKind::Histogram, name, labels) {
                Some(DebugValue::Histogram(samples)) => {
                    samples.iter().map(|s| s.into_inner()).collect()
                }
                _ => Vec::new(),
            }
        }

        /// The unit a metric was described with.
        pub fn unit(&self, name: &str) -> Option<Unit> {
            self.0
                .iter()
                .find(|(key, ..)| key.key().name() == name)
                .and_then(|(_, unit, ..)| *unit)
        }

        /// Every metric seen, for failure messages.
        pub fn all(&self) -> String {
            self.0
                .iter()
                .map(|(key, _, _, value)| format!("{:?} {:?} {value:?}\n", key.kind(), key.key()))
                .collect()
        }
    }
}

fn sandbox_payment(document_number: &str) -> banks::bcc::financial::types::builder::PaymentBody {
    bank_testkit::bodies::payment(
        banks::Decimal::from(10),
        "KZ218560000000000001",
        "KZ218560000000000002",
    )
    .document_number(Some(document_number.to_owned()))
}

#[tokio::test]
async fn a_sandbox_flow_is_counted_and_timed_by_api_operation_and_outcome() {
    use bank_sandbox::spec::Bank;
    use bank_sandbox::steer::Fault;
    use banks::metrics::{
        CALL_DURATION, CALLS, RETRIES, TOKEN_FETCH_DURATION, TOKEN_FETCHES, label, outcome, reason,
    };

    let _logs = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::sink)
            .finish(),
    );
    // This thread's recorder only (the test runtime is current-thread: the call path, its
    // token fetch and the sandbox all run here), so parallel tests do not mix in.
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recorder = metrics::set_default_local_recorder(&recorder);
    banks::metrics::describe();

    let sandbox = bank_testkit::sandbox::start(bank_sandbox::Config::default()).await;
    let financial = bank_testkit::sandbox::financial(&sandbox, banks::jws::Profile::default());
    financial.get_accounts().bank().await.expect("accounts");
    // A 503 to a read: sent again after the back-off, and answered.
    sandbox
        .steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("get_accounts")
                .status(503)
                .once(),
        )
        .expect("a valid fault");
    financial
        .get_accounts()
        .bank()
        .await
        .expect("accounts on the second attempt");
    // A 503 to a payment: it may have been processed, so it is not sent again.
    sandbox
        .steer()
        .fault(
            Fault::on(Bank::Financial)
                .operation("create_payment")
                .status(503)
                .once(),
        )
        .expect("a valid fault");
    let err = financial
        .create_payment()
        .body(sandbox_payment("PAY-METRICS-1"))
        .bank()
        .await
        .expect_err("a 503");
    assert_eq!(err.outcome(), banks::Outcome::Unknown, "{err}");

    let seen = metrics_seen::Seen::new(snapshotter.snapshot());
    let all = seen.all();
    let api = banks::bcc::financial::SPEC.name;
    let accounts_ok = [
        (label::API, api),
        (label::OPERATION, "get_accounts"),
        (label::OUTCOME, outcome::OK),
    ];
    assert_eq!(seen.count(CALLS, &accounts_ok), 2, "{all}");
    let times = seen.samples(CALL_DURATION, &accounts_ok);
    assert_eq!(times.len(), 2, "{all}");
    assert!(times.iter().all(|t| *t > 0.0 && *t < 60.0), "{times:?}");
    let accounts_retried = [
        (label::API, api),
        (label::OPERATION, "get_accounts"),
        (label::REASON, reason::TRANSIENT),
    ];
    assert_eq!(seen.count(RETRIES, &accounts_retried), 1, "{all}");

    let payment_unknown = [
        (label::API, api),
        (label::OPERATION, "create_payment"),
        (label::OUTCOME, outcome::UNKNOWN),
    ];
    assert_eq!(seen.count(CALLS, &payment_unknown), 1, "{all}");
    assert_eq!(
        seen.samples(CALL_DURATION, &payment_unknown).len(),
        1,
        "{all}"
    );
    let payment_retried = [
        (label::API, api),
        (label::OPERATION, "create_payment"),
        (label::REASON, reason::TRANSIENT),
    ];
    assert_eq!(
        seen.count(RETRIES, &payment_retried),
        0,
        "a payment is never re-sent: {all}"
    );
    assert_eq!(
        seen.unit(CALL_DURATION),
        Some(metrics::Unit::Seconds),
        "{all}"
    );
    // One token for the whole flow, fetched once and timed.
    let token_ok = [(label::API, api), (label::OUTCOME, outcome::OK)];
    assert_eq!(seen.count(TOKEN_FETCHES, &token_ok), 1, "{all}");
    assert_eq!(
        seen.samples(TOKEN_FETCH_DURATION, &token_ok).len(),
        1,
        "{all}"
    );
    sandbox.stop().await;
}

/// With an OpenTelemetry tracer behind `tracing`, the bank receives the caller's trace.
#[tokio::test]
async fn the_bank_receives_the_traceparent_of_the_callers_span() {
    use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
    use tracing::Instrument;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    use tracing_subscriber::layer::SubscriberExt;

    // A tracer provider with no exporter: spans get real ids, nothing is sent anywhere.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let tracer = provider.tracer("observability-test");
    let subscriber =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
    let _logs = tracing::subscriber::set_default(subscriber);

    let sandbox = bank_testkit::sandbox::start(bank_sandbox::Config {
        record_exchanges: true,
        ..bank_sandbox::Config::default()
    })
    .await;
    let financial = bank_testkit::sandbox::financial(&sandbox, banks::jws::Profile::default());
    let checkout = tracing::info_span!("checkout");
    let trace_id = checkout.context().span().span_context().trace_id();
    let checkout_span_id = checkout.context().span().span_context().span_id();
    assert_ne!(trace_id, opentelemetry::trace::TraceId::INVALID);
    financial
        .get_accounts()
        .bank()
        .instrument(checkout)
        .await
        .expect("accounts");

    let exchanges = sandbox.exchanges();
    let accounts = exchanges
        .iter()
        .find(|e| e.path.ends_with("/accounts"))
        .unwrap_or_else(|| panic!("no accounts request among {exchanges:#?}"));
    let traceparent = accounts
        .header("traceparent")
        .unwrap_or_else(|| panic!("no traceparent in {accounts:#?}"));
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[0], "00", "W3C version: {traceparent}");
    assert_eq!(parts[1], trace_id.to_string(), "the caller's trace id");
    assert_eq!(parts[2].len(), 16, "{traceparent}");
    assert_ne!(
        parts[2],
        checkout_span_id.to_string(),
        "the parent is the call's own span (bank_call), a child of the caller's"
    );
    assert_eq!(parts[3], "01", "sampled: {traceparent}");
    sandbox.stop().await;
    let _ = provider.shutdown();
}
