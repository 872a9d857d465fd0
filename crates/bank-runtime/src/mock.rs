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
//!
//! Answers in sequence (first 503, then 200): a generated `then.once()` / `then.first(n)` answers
//! only the first `n` matching requests, then steps aside for the expectation set after it. The
//! limit travels with the expectation when it is created (no window in which a request could see
//! it unlimited), and the expectation then wants exactly `n` requests.
//!
//! ```ignore
//! bank.get_account(|when, then| { when.iban("KZ1"); then.json(503, json!({})).once(); });
//! bank.get_account(|when, then| { when.iban("KZ1"); then.ok(&account); });
//! ```
//!
//! [`MockServer::start_blocking`] starts it from a plain `#[test]` (the server runs on a thread
//! of its own, so neither constructor needs the caller's runtime).
//!
//! A query parameter is matched as the client sends it (the same serialisation): every value of
//! that name, in order, and no other, so an array parameter `tags = ["a", "b"]` matches
//! `?tags=a&tags=b` exactly.
//!
//! A path parameter's value is matched as the client sends it (percent-encoded) and as text,
//! never as a pattern: `a.b+c` matches `a.b+c` only. A value no pattern can be made of (one
//! beyond the regex size limit) does not panic: the expectation matches nothing and
//! [`MockServer::verify`] names the operation and why.

use std::cell::{Cell, RefCell};
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

/// A piece of an operation's path template, as a generated mock describes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart {
    /// Template text, matched as written (percent-encoded as a URL carries it).
    Text(&'static str),
    /// A path parameter no value is set for: any one segment.
    Any,
    /// The path parameter being set: the value given, as the client sends it.
    Value,
}

thread_local! {
    /// What [`match_path`] could not match, while a [`MockServer::expect`] on this thread
    /// configures its expectation (httpmock calls the configuration on the calling thread).
    static PROBLEMS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The answer limit [`answer_times`] set, while a [`MockServer::expect`] on this thread
    /// configures its expectation.
    static LIMIT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn problem(text: String) {
    PROBLEMS.with(|p| p.borrow_mut().push(text));
}

/// Answer only the first `n` matching requests with this answer, then step aside for the
/// expectation set after this one (what a generated `then.first(n)` calls); the expectation then
/// wants exactly `n`. The limit is part of the expectation as it is created. `n` = 0 answers
/// nothing and fails [`MockServer::verify`] naming it (no panic).
#[doc(hidden)]
pub fn answer_times(then: httpmock::Then, n: usize) -> httpmock::Then {
    if n == 0 {
        problem("an answer limited to 0 requests can answer none (`first(0)`)".to_owned());
        return then;
    }
    LIMIT.with(|l| l.set(Some(n)));
    then.up_to_n_times(n)
}

/// The query pairs the client sends for parameter `name` with `value`: the generated client's own
/// serialisation (progenitor's `QueryParam`, URL-encoded), decoded.
fn query_pairs<T: serde::Serialize + ?Sized>(
    name: &str,
    value: &T,
) -> Result<Vec<(String, String)>, String> {
    decoded(progenitor_client::QueryParam::new(name, &value))
}

/// The pairs the client writes for an `explode: false` array ([`crate::query::CommaSeparated`]).
fn comma_separated_pairs<T: serde::Serialize + ?Sized>(
    name: &'static str,
    value: &T,
) -> Result<Vec<(String, String)>, String> {
    decoded(crate::query::CommaSeparated::new(name, value))
}

/// A query as the client writes it (URL-encoded), decoded back into its pairs.
fn decoded(query: impl serde::Serialize) -> Result<Vec<(String, String)>, String> {
    let text = serde_urlencoded::to_string(query).map_err(|e| e.to_string())?;
    serde_urlencoded::from_str(&text).map_err(|e| e.to_string())
}

/// The request's query carries parameter `name` exactly as the client sends `value`: every pair
/// of that name (and of any other name the value serialises to), in order, and no more. An array
/// matches `name=a&name=b`; an empty one, no `name` at all. A value that cannot be serialised
/// does not panic: the expectation matches nothing and [`MockServer::verify`] says why.
#[doc(hidden)]
pub fn match_query<T: serde::Serialize + ?Sized>(
    when: httpmock::When,
    operation: &'static str,
    name: &'static str,
    value: &T,
) -> httpmock::When {
    matching(when, operation, name, query_pairs(name, value))
}

/// As [`match_query`], for an `explode: false` array: one pair of comma-separated values
/// (`ids=1,2`), as the client sends it.
#[doc(hidden)]
pub fn match_query_comma_separated<T: serde::Serialize + ?Sized>(
    when: httpmock::When,
    operation: &'static str,
    name: &'static str,
    value: &T,
) -> httpmock::When {
    matching(when, operation, name, comma_separated_pairs(name, value))
}

/// The request's query carries exactly the `expected` pairs of their names (and `name`).
fn matching(
    when: httpmock::When,
    operation: &'static str,
    name: &'static str,
    expected: Result<Vec<(String, String)>, String>,
) -> httpmock::When {
    match expected {
        Ok(expected) => {
            let mut names: Vec<String> = expected.iter().map(|(k, _)| k.clone()).collect();
            names.push(name.to_owned());
            when.is_true(move |request| {
                let sent: Vec<(String, String)> = request
                    .query_params()
                    .into_iter()
                    .filter(|(k, _)| names.contains(k))
                    .collect();
                sent == expected
            })
        }
        Err(e) => {
            problem(format!(
                "`{operation}`: query parameter `{name}` cannot be written as the client would: {e}"
            ));
            when.is_true(|_| false)
        }
    }
}

/// The request path of `operation`, as a generated mock's `When` wants it: `parts` in order,
/// `value` (percent-encoded as the client sends a path parameter) at [`PathPart::Value`]; every
/// text is escaped, so a value's `.`, `+` or `(` match themselves. Never panics: when no pattern
/// can be made, the expectation matches nothing and [`MockServer::verify`] says why.
#[doc(hidden)]
pub fn match_path(
    when: httpmock::When,
    operation: &'static str,
    parts: &[PathPart],
    value: Option<&str>,
) -> httpmock::When {
    match path_regex(parts, value) {
        Ok(regex) => when.path_matches(regex),
        Err(e) => {
            problem(format!(
                "`{operation}`: no request path can match the value given: {e}"
            ));
            when.is_true(|_| false)
        }
    }
}

/// The pattern [`match_path`] matches with.
fn path_regex(parts: &[PathPart], value: Option<&str>) -> Result<regex::Regex, regex::Error> {
    let mut pattern = String::from("^");
    for part in parts {
        match (part, value) {
            (PathPart::Text(text), _) => pattern.push_str(&regex::escape(&url_path_text(text))),
            (PathPart::Value, Some(value)) => {
                pattern.push_str(&regex::escape(&progenitor_client::encode_path(value)))
            }
            (PathPart::Any | PathPart::Value, _) => pattern.push_str("[^/]*"),
        }
    }
    pattern.push('$');
    regex::Regex::new(&pattern)
}

/// Template text as a URL carries it in its path: controls, space, `"`, `<`, `>`, `` ` ``, `{`,
/// `}` and every non-ASCII byte percent-encoded (the URL standard's path set).
fn url_path_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() && !" \"<>`{}".contains(c) {
            out.push(c);
        } else {
            let mut bytes = [0u8; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// A mock bank on 127.0.0.1 and a free port, with typed expectations per operation (set through
/// a generated crate's `mock::MockServerExt`).
pub struct MockServer {
    server: httpmock::MockServer,
    expected: Mutex<Vec<Expected>>,
    /// Expectations that can match nothing, and why ([`match_path`]).
    problems: Mutex<Vec<String>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Start a mock bank on 127.0.0.1 and a free port (in a `#[tokio::test]` or any async code).
    pub async fn start() -> MockServer {
        MockServer::on(httpmock::MockServer::start_async().await)
    }

    /// Start a mock bank on 127.0.0.1 and a free port from a plain `#[test]` (or any code without
    /// an async runtime): the server runs on a thread of its own, so none is needed to start it,
    /// set expectations or verify them. Blocks the calling thread while it starts; in async code
    /// use [`MockServer::start`].
    pub fn start_blocking() -> MockServer {
        MockServer::on(httpmock::MockServer::start())
    }

    fn on(server: httpmock::MockServer) -> MockServer {
        MockServer {
            server,
            expected: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
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
        PROBLEMS.with(|p| p.borrow_mut().clear());
        LIMIT.with(|l| l.set(None));
        let mock = self.server.mock(config);
        let problems = PROBLEMS.with(|p| std::mem::take(&mut *p.borrow_mut()));
        let times = match LIMIT.with(|l| l.take()) {
            Some(n) => Times::Exactly(n),
            None => Times::AtLeastOnce,
        };
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(problems);
        self.lock().push(Expected {
            operation,
            id: mock.id(),
            times,
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

    /// Expectations that can match no request, each naming its operation and why (a path value
    /// no pattern can be made of).
    pub fn problems(&self) -> Vec<String> {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
        let problems = self.problems();
        if missing.is_empty() && problems.is_empty() {
            return;
        }
        let mut report = String::new();
        for problem in problems {
            report.push_str("\n- ");
            report.push_str(&problem);
        }
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
            for problem in self.problems() {
                eprintln!("mock bank: {problem}");
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account_path() -> [PathPart; 4] {
        [
            PathPart::Text("/"),
            PathPart::Any,
            PathPart::Text("/accounts/"),
            PathPart::Value,
        ]
    }

    #[test]
    fn a_value_matches_as_text_not_as_a_pattern() {
        let regex = path_regex(&account_path(), Some("a.b+c")).expect("a pattern");
        assert!(regex.is_match("/app/accounts/a.b+c"));
        assert!(!regex.is_match("/app/accounts/aXb+c"));
        assert!(!regex.is_match("/app/accounts/a.bbc"));
        assert!(
            !regex.is_match("/app/other/accounts/a.b+c"),
            "one segment only"
        );
        // Unescaped, `(` would be no pattern at all.
        let regex = path_regex(&account_path(), Some("(x")).expect("a pattern");
        assert!(regex.is_match("/app/accounts/(x"));
        // As the client sends it: percent-encoded.
        let regex = path_regex(&account_path(), Some("a b/c")).expect("a pattern");
        assert!(regex.is_match("/app/accounts/a%20b%2Fc"));
        let regex = path_regex(&account_path(), None).expect("a pattern");
        assert!(regex.is_match("/app/accounts/anything"));
    }

    #[test]
    fn template_text_is_matched_as_written() {
        let parts = [PathPart::Text("/v1.0/счета/"), PathPart::Value];
        let regex = path_regex(&parts, Some("1")).expect("a pattern");
        assert!(regex.is_match("/v1.0/%D1%81%D1%87%D0%B5%D1%82%D0%B0/1"));
        assert!(!regex.is_match("/v1x0/%D1%81%D1%87%D0%B5%D1%82%D0%B0/1"));
    }

    #[test]
    fn query_pairs_are_the_clients_own() {
        let tags = vec!["a b".to_owned(), "c&d".to_owned()];
        assert_eq!(
            query_pairs("tags", &tags).expect("pairs"),
            [("tags".into(), "a b".into()), ("tags".into(), "c&d".into())]
        );
        assert_eq!(
            query_pairs("n", &7u32).expect("pairs"),
            [("n".to_owned(), "7".to_owned())]
        );
        let none: &[String] = &[];
        assert!(query_pairs("tags", none).expect("pairs").is_empty());
    }

    /// From a plain `#[test]`: started, a sequence answered (503 once, then 200) over HTTP on
    /// 127.0.0.1, verified, all without an async runtime of the test's own.
    #[test]
    fn a_plain_test_starts_it_and_a_sequence_answers_in_order() {
        let server = MockServer::start_blocking();
        let first = server.expect("get_thing", |when, then| {
            match_path(when, "get_thing", &[PathPart::Text("/thing")], None);
            answer_times(then.status(503), 1);
        });
        server.expect("get_thing", |when, then| {
            match_path(when, "get_thing", &[PathPart::Text("/thing")], None);
            then.status(200);
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the client");
        let statuses: Vec<u16> = runtime.block_on(async {
            let client = reqwest::Client::new();
            let mut out = Vec::new();
            for _ in 0..3 {
                let answer = client
                    .get(server.url("/thing"))
                    .send()
                    .await
                    .expect("answer");
                out.push(answer.status().as_u16());
            }
            out
        });
        assert_eq!(statuses, [503, 200, 200]);
        assert_eq!(first.calls(), 1);
        server.verify();
    }

    #[test]
    fn a_limit_of_zero_is_a_problem_not_a_panic() {
        let server = MockServer::start_blocking();
        server.expect("get_thing", |when, then| {
            match_path(when, "get_thing", &[PathPart::Text("/thing")], None);
            answer_times(then.status(503), 0);
        });
        let problems = server.problems();
        assert!(problems[0].contains("first(0)"), "{problems:?}");
        let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify()));
        assert!(verified.is_err());
        server.problems.lock().expect("lock").clear();
        server.lock().clear();
    }

    #[test]
    fn a_query_parameter_matches_every_value_in_order_and_no_other() {
        let server = MockServer::start_blocking();
        let tags = vec!["a".to_owned(), "b".to_owned()];
        let mock = server
            .expect("find", |when, then| {
                match_query(when.path("/find"), "find", "tags", &tags);
                then.status(200);
            })
            .any_times();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the client");
        let statuses: Vec<u16> = runtime.block_on(async {
            let client = reqwest::Client::new();
            let mut out = Vec::new();
            for query in [
                "tags=a&tags=b&other=1",
                "tags=a",
                "tags=b&tags=a",
                "tags=a,b",
            ] {
                let url = format!("{}?{query}", server.url("/find"));
                out.push(
                    client
                        .get(url)
                        .send()
                        .await
                        .expect("answer")
                        .status()
                        .as_u16(),
                );
            }
            out
        });
        assert_eq!(statuses, [200, 404, 404, 404]);
        assert_eq!(mock.calls(), 1);
    }

    #[tokio::test]
    async fn a_value_no_pattern_can_be_made_of_fails_its_expectation_naming_it() {
        let server = MockServer::start().await;
        // Far beyond the regex size limit: no pattern, and no panic either.
        let huge = "a".repeat(1 << 20);
        server
            .expect("get_account", |when, then| {
                match_path(when, "get_account", &account_path(), Some(&huge));
                then.status(200);
            })
            .any_times();
        let problems = server.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("`get_account`: "), "{problems:?}");
        let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify()));
        let message = verified.expect_err("verify fails");
        let text = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(
            text.contains("`get_account`: no request path can match"),
            "{text}"
        );
        // Dropped clean: the failure was seen.
        server.problems.lock().expect("lock").clear();
    }
}
