//! A mock bank for unit tests of a service (feature `test-util`): an in-process HTTP server on
//! 127.0.0.1 (httpmock) on which each generated crate's `mock::MockServerExt` sets typed,
//! per-operation expectations — "when `create_order` with this body, then 200 with this answer" —
//! and which checks, when the test ends, that every expectation was met.
//!
//! ```ignore
//! use globus_cfront::mock::MockServerExt;
//! let bank = bank_runtime::mock::MockServer::start().await;
//! bank.create_order(|when, then| {
//!     when.body(&request);
//!     then.ok(&answer);
//! });
//! // … point the client at bank.base_url() and run the code under test …
//! bank.verify(); // or let it drop: an unmet expectation fails the test, naming the operation
//! ```
//!
//! A request that matches no expectation is answered 404 `{"message": "Request did not match any
//! route or mock"}` (the client's `BankError` carries that message), and [`MockServer::verify`]
//! shows, for each unmet expectation, the closest request received and how it differs.

use std::sync::Mutex;

#[doc(hidden)]
pub use httpmock;
#[doc(hidden)]
pub use regex;

/// How many calls an expectation wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Times {
    AtLeastOnce,
    Exactly(usize),
}

/// One expectation set, by the operation's method name.
#[derive(Debug)]
struct Expected {
    operation: &'static str,
    id: usize,
    times: Times,
}

/// A mock bank on 127.0.0.1 and a free port, with typed expectations per operation (set through
/// a generated crate's `mock::MockServerExt`).
pub struct MockServer {
    server: httpmock::MockServer,
    expected: Mutex<Vec<Expected>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Start a mock bank on 127.0.0.1 and a free port.
    pub async fn start() -> MockServer {
        MockServer {
            server: httpmock::MockServer::start_async().await,
            expected: Mutex::new(Vec::new()),
        }
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client (`Environment::Custom`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// The httpmock server underneath, for expectations no operation describes.
    pub fn httpmock(&self) -> &httpmock::MockServer {
        &self.server
    }

    /// Set an expectation for `operation` (what generated `MockServerExt` methods call).
    #[doc(hidden)]
    pub fn expect<F>(&self, operation: &'static str, config: F) -> Expectation<'_>
    where
        F: FnOnce(httpmock::When, httpmock::Then),
    {
        let mock = self.server.mock(config);
        self.lock().push(Expected {
            operation,
            id: mock.id(),
            times: Times::AtLeastOnce,
        });
        Expectation {
            owner: self,
            operation,
            mock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Expected>> {
        self.expected.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The expectations not met so far, with how many requests each matched.
    fn missing(&self) -> Vec<(&'static str, usize, Times, usize)> {
        self.lock()
            .iter()
            .filter_map(|e| {
                let calls = httpmock::Mock::new(e.id, &self.server).calls();
                let met = match e.times {
                    Times::AtLeastOnce => calls >= 1,
                    Times::Exactly(n) => calls == n,
                };
                (!met).then_some((e.operation, e.id, e.times, calls))
            })
            .collect()
    }

    /// The expectations not met so far: `(operation, wanted, matched)`.
    pub fn unmet(&self) -> Vec<(&'static str, String, usize)> {
        self.missing()
            .into_iter()
            .map(|(operation, _, times, calls)| (operation, wanted(times), calls))
            .collect()
    }

    /// Fail the test unless every expectation was met: the message names each unmet operation,
    /// how often it was wanted and matched, and the closest request received with its
    /// difference.
    ///
    /// # Panics
    ///
    /// When an expectation was not met.
    pub fn verify(&self) {
        let missing = self.missing();
        if missing.is_empty() {
            return;
        }
        let mut report = String::new();
        for (operation, id, times, calls) in missing {
            report.push_str(&format!(
                "\n- `{operation}` was expected {} but matched {calls} request(s)",
                wanted(times)
            ));
            // httpmock's own assertion holds the closest request and the difference.
            let want = match times {
                Times::AtLeastOnce => 1,
                Times::Exactly(n) => n,
            };
            let mock = httpmock::Mock::new(id, &self.server);
            let checked =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mock.assert_calls(want)));
            if let Err(payload) = checked {
                let text = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                for line in text.lines() {
                    report.push_str("\n    ");
                    report.push_str(line);
                }
            }
        }
        panic!(
            "mock bank at {}: expectations not met:{report}",
            self.base_url()
        );
    }
}

fn wanted(times: Times) -> String {
    match times {
        Times::AtLeastOnce => "at least once".to_owned(),
        Times::Exactly(n) => format!("exactly {n} time(s)"),
    }
}

impl Drop for MockServer {
    /// Checks the expectations when a test ends normally; while a test is already failing, only
    /// lists the unmet ones (a second panic would abort).
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (operation, wanted, calls) in self.unmet() {
                eprintln!(
                    "mock bank: `{operation}` was expected {wanted} but matched {calls} request(s)"
                );
            }
        } else {
            self.verify();
        }
    }
}

/// An expectation on one operation, set by a generated `MockServerExt` method.
pub struct Expectation<'a> {
    owner: &'a MockServer,
    operation: &'static str,
    mock: httpmock::Mock<'a>,
}

impl std::fmt::Debug for Expectation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expectation")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl<'a> Expectation<'a> {
    /// Want exactly `n` matching calls (by default: at least one).
    pub fn times(self, n: usize) -> Self {
        let id = self.mock.id();
        if let Some(e) = self.owner.lock().iter_mut().find(|e| e.id == id) {
            e.times = Times::Exactly(n);
        }
        self
    }

    /// Allow any number of calls, none included (a stub rather than an expectation).
    pub fn any_times(self) -> Self {
        let id = self.mock.id();
        self.owner.lock().retain(|e| e.id != id);
        self
    }

    /// How many requests matched so far.
    pub fn calls(&self) -> usize {
        self.mock.calls()
    }

    /// The operation (the client's method name).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The httpmock mock underneath.
    pub fn httpmock(&self) -> &httpmock::Mock<'a> {
        &self.mock
    }
}
