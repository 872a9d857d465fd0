//! Steering the sandbox from a test: faults for the next requests of one operation or one client,
//! a decision forced for an order, an application or a client, and callbacks that fail a number of
//! times. Set from Rust ([`Sandbox::steer`](crate::Sandbox::steer)) or over HTTP under
//! `/_sandbox/` ([`crate::admin`]) for tests written in other languages; cleared with
//! [`Steering::clear`].
//!
//! Beside these, the configuration's `[faults]` and the `x-sandbox-fault` request header still
//! apply; a steered fault adds to them.
//!
//! Faults fail a request the way a real bank does: an error status, latency, an expired token, a
//! truncated body, or the connection itself: dropped after the request was carried out
//! ([`Fault::drop_after_commit`]), reset half-way through the body ([`Fault::reset_mid_body`]),
//! or never answered ([`Fault::hang`]). The operation `token` ([`Fault::token`]) is the API's
//! token route ([`Bank::token_path`]), so a test can take the token endpoint down.
//!
//! What is steered is bounded (`[limits] faults`, `declines`, `callback_failures`): one more is
//! refused with [`SteerError::Limit`] naming the limit.
//!
//! **Lock order.** The steering's lock is a leaf: it is taken after the state's lock or alone,
//! and nothing is called while it is held (see [`crate::state`] for the sandbox's one order,
//! state → steering). [`Steering::strike`] therefore asks for the request's operation and client
//! (which reads the state) before it takes its lock, not under it. In debug builds taking the
//! state's lock while this one is held panics, so a change that breaks the order fails its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Limits;
use crate::faults::Faults;
use crate::spec::Bank;

/// The operation name that stands for an API's token route ([`Bank::token_path`]): BCC's
/// `/oauth/token`, BaaS's `/oauth2/token` (its `getToken`, which is accepted as a name for it).
/// Globus has no token route (HTTP Basic), so a token fault on it is refused.
pub const TOKEN: &str = "token";

/// A fault for the requests a test picks: every request to one API, or only one operation's, or
/// only one client's, for a number of times or until cleared.
///
/// ```
/// use bank_sandbox::spec::Bank;
/// use bank_sandbox::steer::Fault;
/// // The next `create_payment` of the FinancialAPI gets a 503.
/// let fault = Fault::on(Bank::Financial).operation("create_payment").status(503).once();
/// // The next order is created, but its answer never arrives.
/// let fault = Fault::on(Bank::Globus).operation("create_order").drop_after_commit().once();
/// // The BaaS token endpoint never answers.
/// let fault = Fault::on(Bank::Baas).token().hang();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The API (`"bank": "bcc-financial"` over HTTP).
    #[serde(with = "bank_prefix")]
    pub bank: Bank,
    /// Only this operation: the generated client's method name (`create_payment`) or the
    /// document's operationId (`createPayment`), or `token` for the API's token route ([`TOKEN`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Only this client: the BCC client id, the Globus merchant login, or the BaaS user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// How many matching requests get it; none: every one until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Answer with this 4xx or 5xx status (429 comes with `Retry-After: 1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Wait this long before answering, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Treat the request's token as expired (the bank's 401 `invalid_token`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired_token: bool,
    /// Cut the answer's body in half.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub malformed: bool,
    /// Carry the request out (state changed, callbacks scheduled, the exchange recorded and the
    /// effect counted), then close the connection without an answer: the client's `send` fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_after_commit: bool,
    /// Carry the request out, send the status line, the headers and half the body, then abort
    /// the connection: the client gets a status and fails reading the body.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset_mid_body: bool,
    /// Never answer and do not carry the request out: the client waits until its own timeout.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hang: bool,
}

impl Fault {
    /// A fault on every request to `bank`'s API (narrow it with the other methods).
    pub fn on(bank: Bank) -> Self {
        Fault {
            bank,
            operation: None,
            client: None,
            times: None,
            status: None,
            latency_ms: None,
            expired_token: false,
            malformed: false,
            drop_after_commit: false,
            reset_mid_body: false,
            hang: false,
        }
    }

    /// Only requests of this operation: the client's method name (`create_payment`) or the
    /// operationId (`createPayment`).
    pub fn operation(mut self, id: impl Into<String>) -> Self {
        self.operation = Some(id.into());
        self
    }

    /// Only requests to the API's token route ([`TOKEN`]: BCC's `/oauth/token`, BaaS's
    /// `/oauth2/token`); an API without one (Globus) refuses the fault.
    pub fn token(self) -> Self {
        self.operation(TOKEN)
    }

    /// Only requests of this client (BCC client id, Globus login, BaaS user; on the token
    /// route: the client id or user asking for the token).
    pub fn client(mut self, id: impl Into<String>) -> Self {
        self.client = Some(id.into());
        self
    }

    /// Only the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Only the next matching request.
    pub fn once(self) -> Self {
        self.times(1)
    }

    /// Answer with this status (4xx or 5xx).
    pub fn status(mut self, code: u16) -> Self {
        self.status = Some(code);
        self
    }

    /// Wait before answering.
    pub fn latency(mut self, by: Duration) -> Self {
        self.latency_ms = Some(u64::try_from(by.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Treat the token as expired.
    pub fn expired_token(mut self) -> Self {
        self.expired_token = true;
        self
    }

    /// Cut the answer's body in half.
    pub fn malformed(mut self) -> Self {
        self.malformed = true;
        self
    }

    /// Carry the request out, then close the connection without answering.
    pub fn drop_after_commit(mut self) -> Self {
        self.drop_after_commit = true;
        self
    }

    /// Carry the request out, then abort the connection half-way through the answer's body.
    pub fn reset_mid_body(mut self) -> Self {
        self.reset_mid_body = true;
        self
    }

    /// Never answer, and do not carry the request out.
    pub fn hang(mut self) -> Self {
        self.hang = true;
        self
    }

    /// What is wrong with it, if anything: no effect, a status that is not an error, an
    /// operation the API does not have (with the closest ones), a token route the API does not
    /// have. A method name becomes the operationId it stands for; the token operation (BaaS's
    /// `getToken`) becomes [`TOKEN`].
    fn check(&mut self) -> Result<(), SteerError> {
        if self.status.is_none()
            && self.latency_ms.is_none()
            && !self.expired_token
            && !self.malformed
            && !self.drop_after_commit
            && !self.reset_mid_body
            && !self.hang
        {
            return Err(SteerError::NoEffect);
        }
        if let Some(code) = self.status
            && !(400..600).contains(&code)
        {
            return Err(SteerError::Status(code));
        }
        if self.times == Some(0) {
            return Err(SteerError::ZeroTimes);
        }
        if let Some(given) = &self.operation {
            let operations = self.bank.api().operations;
            let found = operations.iter().find(|o| o.id == given || o.name == given);
            let token =
                given == TOKEN || found.is_some_and(|op| self.bank.sim().is_token_operation(op.id));
            if token && self.bank.token_path().is_none() {
                return Err(SteerError::NoTokenRoute(self.bank.prefix()));
            }
            match found {
                _ if token => self.operation = Some(TOKEN.to_owned()),
                Some(op) => self.operation = Some(op.id.to_owned()),
                None => {
                    let mut methods: Vec<&str> = operations.iter().map(|o| o.name).collect();
                    if self.bank.token_path().is_some() {
                        methods.push(TOKEN);
                    }
                    return Err(SteerError::UnknownOperation {
                        api: self.bank.prefix(),
                        operation: given.clone(),
                        closest: bank_openapi::names::closest(given, &methods),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A steering request the sandbox cannot carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SteerError {
    /// The operation is not one of the API's.
    #[error("{api} has no operation `{operation}`{}", suggestion(closest))]
    UnknownOperation {
        /// The API's prefix.
        api: &'static str,
        /// What was asked for.
        operation: String,
        /// The API's operations closest to it.
        closest: Vec<String>,
    },
    /// The status is not a 4xx or 5xx code.
    #[error("status {0} is not a 4xx or 5xx code")]
    Status(u16),
    /// The fault changes nothing.
    #[error(
        "the fault has no effect: give a status, a latency, expired_token, malformed, \
         drop_after_commit, reset_mid_body or hang"
    )]
    NoEffect,
    /// A token fault on an API that has no token route (Globus: HTTP Basic on every call).
    #[error("{0} has no token route (its document declares no OAuth2 flow)")]
    NoTokenRoute(&'static str),
    /// `times: 0`.
    #[error("times must be at least 1 (leave it out for every request)")]
    ZeroTimes,
    /// An API prefix the sandbox does not serve.
    #[error("no API `{0}` (the sandbox serves {prefixes})", prefixes = crate::spec::Bank::prefixes())]
    UnknownApi(String),
    /// An empty key or URL.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// One more would pass a limit of `[limits]`.
    #[error("the sandbox keeps at most {limit} {what} ([limits] {key}): clear the steering first")]
    Limit {
        /// What (`faults`).
        what: &'static str,
        /// The key in `[limits]`.
        key: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A count past what it can hold (callback failures for one URL beyond `u32::MAX`).
    #[error("{what} would exceed {max}")]
    Overflow {
        /// What.
        what: &'static str,
        /// The largest count.
        max: u64,
    },
}

fn suggestion(closest: &[String]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        format!(" (closest: {})", closest.join(", "))
    }
}

/// The id of a fault set, to ask how often it struck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

/// A fault set and how it has been used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultReport {
    /// Its id.
    pub id: FaultId,
    /// The fault.
    pub fault: Fault,
    /// How many requests it struck.
    pub hits: u32,
    /// How many more it will strike (none: every one).
    pub remaining: Option<u32>,
}

/// Callbacks and postLinks to one URL that fail, as if the merchant could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackFailure {
    /// The merchant URL, exactly as the order gave it.
    pub url: String,
    /// How many attempts fail before deliveries go through again.
    pub times: u32,
}

/// A decision forced: the order, application or client with this key is declined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decline {
    /// The API.
    #[serde(with = "bank_prefix")]
    pub bank: Bank,
    /// Globus: the bank's order id, the merchant's order id or the client's phone; broker: the
    /// partner's order id; BaaS: the application id or the client's PINFL.
    pub key: String,
}

/// Everything a test has steered, as the admin endpoint shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Faults, in the order they were set.
    pub faults: Vec<FaultReport>,
    /// Forced declines.
    pub declines: Vec<Decline>,
    /// Failing callback URLs, with the failures still to come.
    pub callback_failures: Vec<CallbackFailure>,
    /// Whether issuing a token revokes the client's earlier ones (steered; the configuration's
    /// `revoke_previous_tokens` is not shown here).
    pub revoke_previous_tokens: bool,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    faults: Vec<FaultReport>,
    declines: BTreeMap<Bank, BTreeSet<String>>,
    callbacks: BTreeMap<String, u32>,
    revoke_previous_tokens: bool,
}

impl Inner {
    fn declines(&self) -> usize {
        self.declines.values().map(BTreeSet::len).sum()
    }
}

/// What tests steered, shared by every request.
#[derive(Debug)]
pub struct Steering {
    inner: Mutex<Inner>,
    limits: Limits,
}

impl Default for Steering {
    /// Nothing steered, the default [`Limits`].
    fn default() -> Self {
        Steering::with_limits(Limits::default())
    }
}

thread_local! {
    /// Whether this thread holds the steering's lock (the lock-order check).
    static HELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread holds the steering's lock: taking the state's lock then breaks the
/// sandbox's lock order (state → steering), which [`crate::state`] checks in debug builds.
pub fn held() -> bool {
    HELD.with(std::cell::Cell::get)
}

/// The steering's lock, marked held on this thread while it lives.
struct Guard<'a>(std::sync::MutexGuard<'a, Inner>);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        HELD.with(|h| h.set(false));
    }
}

impl std::ops::Deref for Guard<'_> {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::ops::DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        &mut self.0
    }
}

impl Steering {
    /// Nothing steered, within `limits` (`faults`, `declines`, `callback_failures`).
    pub fn with_limits(limits: Limits) -> Self {
        Steering {
            inner: Mutex::new(Inner::default()),
            limits,
        }
    }

    fn lock(&self) -> Guard<'_> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        HELD.with(|h| h.set(true));
        Guard(guard)
    }

    /// Set a fault; its id tells how often it struck ([`hits`](Self::hits)).
    pub fn fault(&self, mut fault: Fault) -> Result<FaultId, SteerError> {
        fault.check()?;
        let mut inner = self.lock();
        if inner.faults.len() >= self.limits.faults {
            return Err(SteerError::Limit {
                what: "faults",
                key: "faults",
                limit: self.limits.faults,
            });
        }
        inner.next += 1;
        let id = FaultId(inner.next);
        let remaining = fault.times;
        inner.faults.push(FaultReport {
            id,
            fault,
            hits: 0,
            remaining,
        });
        Ok(id)
    }

    /// How many requests the fault struck (0 for an unknown id).
    pub fn hits(&self, id: FaultId) -> u32 {
        self.lock()
            .faults
            .iter()
            .find(|f| f.id == id)
            .map_or(0, |f| f.hits)
    }

    /// Decline the order, application or client `key` of `bank` when the bank decides.
    pub fn decline(&self, bank: Bank, key: impl Into<String>) -> Result<(), SteerError> {
        let key = key.into();
        if key.is_empty() {
            return Err(SteerError::Empty("key"));
        }
        let mut inner = self.lock();
        let known = inner
            .declines
            .get(&bank)
            .is_some_and(|set| set.contains(&key));
        if !known && inner.declines() >= self.limits.declines {
            return Err(SteerError::Limit {
                what: "declines",
                key: "declines",
                limit: self.limits.declines,
            });
        }
        inner.declines.entry(bank).or_default().insert(key);
        Ok(())
    }

    /// Whether a test declined any of `keys` of `bank`.
    pub fn declined(&self, bank: Bank, keys: &[&str]) -> bool {
        self.lock()
            .declines
            .get(&bank)
            .is_some_and(|set| keys.iter().any(|k| set.contains(*k)))
    }

    /// Make the next `times` callbacks or postLinks to `url` fail.
    pub fn fail_callbacks(&self, url: impl Into<String>, times: u32) -> Result<(), SteerError> {
        let url = url.into();
        if url.is_empty() {
            return Err(SteerError::Empty("url"));
        }
        if times == 0 {
            return Err(SteerError::ZeroTimes);
        }
        let mut inner = self.lock();
        let known = inner.callbacks.get(&url).copied();
        if known.is_none() && inner.callbacks.len() >= self.limits.callback_failures {
            return Err(SteerError::Limit {
                what: "URLs with failing callbacks",
                key: "callback_failures",
                limit: self.limits.callback_failures,
            });
        }
        let total = known
            .unwrap_or(0)
            .checked_add(times)
            .ok_or(SteerError::Overflow {
                what: "the failing callbacks of one URL",
                max: u64::from(u32::MAX),
            })?;
        inner.callbacks.insert(url, total);
        Ok(())
    }

    /// Whether this delivery attempt to `url` is to fail (counting it).
    pub fn callback_fails(&self, url: &str) -> bool {
        let mut inner = self.lock();
        match inner.callbacks.get_mut(url) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// From now on, issuing a token revokes the earlier tokens of the same client and API (or
    /// stops doing so): what some OAuth servers do, so that replicas of a service that each
    /// fetch their own token invalidate each other's. Not a claim about any of these banks.
    /// The configuration's `revoke_previous_tokens` turns it on from the start.
    pub fn revoke_previous_tokens(&self, on: bool) {
        self.lock().revoke_previous_tokens = on;
    }

    /// Whether [`revoke_previous_tokens`](Self::revoke_previous_tokens) is on.
    pub fn revokes_previous_tokens(&self) -> bool {
        self.lock().revoke_previous_tokens
    }

    /// Forget every fault, decline and failing URL, and stop revoking tokens.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// What is steered now.
    pub fn report(&self) -> Report {
        let inner = self.lock();
        Report {
            faults: inner.faults.clone(),
            declines: inner
                .declines
                .iter()
                .flat_map(|(bank, keys)| {
                    keys.iter().map(|key| Decline {
                        bank: *bank,
                        key: key.clone(),
                    })
                })
                .collect(),
            callback_failures: inner
                .callbacks
                .iter()
                .map(|(url, times)| CallbackFailure {
                    url: url.clone(),
                    times: *times,
                })
                .collect(),
            revoke_previous_tokens: inner.revoke_previous_tokens,
        }
    }

    /// The faults for one request to `bank`: every active fault whose operation and client
    /// match, each counted. `operation` gives the request's operationId, or [`TOKEN`] for the
    /// API's token route; `client` who sent it. The operation and the client are asked for only when a fault of the
    /// bank names one, so that an unsteered sandbox does no extra work per request.
    ///
    /// `operation` and `client` run before the steering's lock is taken (finding the client
    /// reads the state: the lock order is state → steering), so the faults are matched against
    /// what is set when the lock is taken again.
    pub fn strike(
        &self,
        bank: Bank,
        operation: impl FnOnce() -> Option<&'static str>,
        client: impl FnOnce() -> Option<String>,
    ) -> Faults {
        let mut out = Faults::default();
        let (needs_operation, needs_client) = {
            let inner = self.lock();
            if !inner.faults.iter().any(|f| f.fault.bank == bank) {
                return out;
            }
            let needs = |named: fn(&Fault) -> bool| {
                inner
                    .faults
                    .iter()
                    .any(|f| f.fault.bank == bank && named(&f.fault))
            };
            (
                needs(|f| f.operation.is_some()),
                needs(|f| f.client.is_some()),
            )
        };
        let operation = if needs_operation { operation() } else { None };
        let client = if needs_client { client() } else { None };
        let mut inner = self.lock();
        for report in inner.faults.iter_mut() {
            let fault = &report.fault;
            let matches = fault.bank == bank
                && report.remaining != Some(0)
                && fault
                    .operation
                    .as_deref()
                    .is_none_or(|op| Some(op) == operation)
                && fault
                    .client
                    .as_deref()
                    .is_none_or(|c| Some(c) == client.as_deref());
            if !matches {
                continue;
            }
            report.hits = report.hits.saturating_add(1);
            if let Some(left) = report.remaining.as_mut() {
                *left = left.saturating_sub(1);
            }
            if let Some(ms) = fault.latency_ms {
                out.latency = Some(Duration::from_millis(ms));
            }
            out.status = fault.status.or(out.status);
            out.expired_token |= fault.expired_token;
            out.malformed |= fault.malformed;
            out.drop_after_commit |= fault.drop_after_commit;
            out.reset_mid_body |= fault.reset_mid_body;
            out.hang |= fault.hang;
        }
        out
    }
}

/// `Bank` as its API prefix (`"globus-cfront"`), for the admin endpoint's JSON.
pub(crate) mod bank_prefix {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::spec::Bank;

    pub fn serialize<S: Serializer>(bank: &Bank, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(bank.prefix())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bank, D::Error> {
        let text = String::deserialize(d)?;
        Bank::from_prefix(&text).ok_or_else(|| {
            serde::de::Error::custom(super::SteerError::UnknownApi(text).to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counted_fault_strikes_that_many_matching_requests_then_stops() {
        let steering = Steering::default();
        let id = steering
            .fault(
                Fault::on(Bank::Financial)
                    .operation("create_payment")
                    .status(503)
                    .times(2),
            )
            .expect("valid");
        // Requests carry the operationId; the fault named the method.
        let strike = |op| {
            steering
                .strike(Bank::Financial, || Some(op), || None)
                .status
        };
        assert_eq!(strike("getAccounts"), None, "another operation");
        assert_eq!(
            steering
                .strike(Bank::Globus, || Some("createPayment"), || None)
                .status,
            None,
            "another API"
        );
        assert_eq!(strike("createPayment"), Some(503));
        assert_eq!(strike("createPayment"), Some(503));
        assert_eq!(strike("createPayment"), None, "used up");
        assert_eq!(steering.hits(id), 2);
    }

    #[test]
    fn a_client_fault_asks_for_the_client_only_when_needed() {
        let steering = Steering::default();
        steering
            .fault(Fault::on(Bank::Globus).expired_token())
            .expect("valid");
        let faults = steering.strike(
            Bank::Globus,
            || panic!("not needed"),
            || panic!("not needed"),
        );
        assert!(faults.expired_token);
        steering
            .fault(Fault::on(Bank::Globus).client("merchant-a").malformed())
            .expect("valid");
        assert!(
            !steering
                .strike(Bank::Globus, || None, || Some("merchant-b".into()))
                .malformed
        );
        assert!(
            steering
                .strike(Bank::Globus, || None, || Some("merchant-a".into()))
                .malformed
        );
    }

    #[test]
    fn bad_faults_are_refused_naming_what_is_wrong() {
        let steering = Steering::default();
        let err = steering
            .fault(
                Fault::on(Bank::Financial)
                    .operation("create_paymnt")
                    .status(503),
            )
            .expect_err("unknown operation");
        assert!(
            err.to_string().contains(
                "bcc-financial has no operation `create_paymnt` (closest: create_payment"
            ),
            "{err}"
        );
        assert_eq!(
            steering.fault(Fault::on(Bank::Globus)),
            Err(SteerError::NoEffect)
        );
        assert_eq!(
            steering.fault(Fault::on(Bank::Globus).status(200)),
            Err(SteerError::Status(200))
        );
        assert_eq!(
            steering.fault(Fault::on(Bank::Globus).status(503).times(0)),
            Err(SteerError::ZeroTimes)
        );
        let err = serde_json::from_str::<Fault>(r#"{"bank": "globus", "status": 503}"#)
            .expect_err("unknown API");
        assert!(err.to_string().contains("no API `globus`"), "{err}");
        let err = serde_json::from_str::<Fault>(r#"{"bank": "globus-cfront", "stat": 503}"#)
            .expect_err("unknown field");
        assert!(err.to_string().contains("unknown field `stat`"), "{err}");
    }

    #[test]
    fn method_names_are_the_generated_clients_and_stand_for_their_operation_ids() {
        for bank in Bank::ALL {
            for op in bank.api().operations {
                let steering = Steering::default();
                let id = steering
                    .fault(Fault::on(bank).operation(op.name).status(500))
                    .expect("every method name is accepted");
                // The token operation (BaaS's getToken) is the token route.
                let expected = if bank.sim().is_token_operation(op.id) {
                    TOKEN
                } else {
                    op.id
                };
                assert_eq!(
                    steering.report().faults[0].fault.operation.as_deref(),
                    Some(expected),
                    "{id:?}"
                );
            }
        }
    }

    #[test]
    fn token_faults_strike_the_token_route_of_the_apis_that_have_one() {
        let steering = Steering::default();
        let id = steering
            .fault(Fault::on(Bank::Financial).token().status(503))
            .expect("BCC has a token route");
        assert_eq!(
            steering
                .strike(Bank::Financial, || Some("getAccounts"), || None)
                .status,
            None,
            "another operation"
        );
        assert_eq!(
            steering
                .strike(Bank::Financial, || Some(TOKEN), || None)
                .status,
            Some(503)
        );
        assert_eq!(steering.hits(id), 1);
        steering
            .fault(
                Fault::on(Bank::Baas)
                    .operation(baas_gateway::operations::GET_TOKEN)
                    .hang(),
            )
            .expect("BaaS's getToken is its token route");
        assert_eq!(
            steering.report().faults[1].fault.operation.as_deref(),
            Some(TOKEN)
        );
        assert!(steering.strike(Bank::Baas, || Some(TOKEN), || None).hang);
        assert_eq!(
            steering.fault(Fault::on(Bank::Globus).token().status(503)),
            Err(SteerError::NoTokenRoute("globus-cfront"))
        );
        let err = steering
            .fault(Fault::on(Bank::Broker).operation("tokn").status(503))
            .expect_err("unknown");
        assert!(err.to_string().contains("closest: token"), "{err}");
    }

    #[test]
    fn the_connection_faults_are_effects_and_read_from_json() {
        let steering = Steering::default();
        for fault in [
            Fault::on(Bank::Globus).drop_after_commit(),
            Fault::on(Bank::Globus).reset_mid_body(),
            Fault::on(Bank::Globus).hang(),
        ] {
            steering.fault(fault).expect("each is an effect");
        }
        let struck = steering.strike(Bank::Globus, || None, || None);
        assert!(struck.drop_after_commit && struck.reset_mid_body && struck.hang);
        let fault: Fault = serde_json::from_str(
            r#"{"bank": "bcc-broker", "operation": "token", "drop_after_commit": true, "reset_mid_body": true, "hang": true}"#,
        )
        .expect("the JSON fields");
        assert_eq!(
            fault,
            Fault::on(Bank::Broker)
                .token()
                .drop_after_commit()
                .reset_mid_body()
                .hang()
        );
        let json = serde_json::to_value(Fault::on(Bank::Broker).hang()).expect("JSON");
        assert_eq!(
            json,
            serde_json::json!({"bank": "bcc-broker", "hang": true})
        );
        assert!(
            SteerError::NoEffect
                .to_string()
                .contains("drop_after_commit, reset_mid_body or hang")
        );
    }

    #[test]
    fn what_is_steered_is_bounded_and_counts_do_not_overflow() {
        let steering = Steering::with_limits(Limits {
            faults: 2,
            declines: 1,
            callback_failures: 1,
            ..Limits::default()
        });
        for _ in 0..2 {
            steering
                .fault(Fault::on(Bank::Globus).status(503))
                .expect("within the limit");
        }
        let err = steering
            .fault(Fault::on(Bank::Globus).status(503))
            .expect_err("past it");
        assert!(err.to_string().contains("[limits] faults"), "{err}");
        steering.decline(Bank::Globus, "A").expect("one");
        steering.decline(Bank::Globus, "A").expect("the same again");
        assert!(matches!(
            steering.decline(Bank::Globus, "B"),
            Err(SteerError::Limit { limit: 1, .. })
        ));
        steering
            .fail_callbacks("http://127.0.0.1:9/cb", u32::MAX)
            .expect("the largest count");
        assert!(matches!(
            steering.fail_callbacks("http://127.0.0.1:9/cb", 1),
            Err(SteerError::Overflow { .. })
        ));
        assert!(matches!(
            steering.fail_callbacks("http://127.0.0.1:9/other", 1),
            Err(SteerError::Limit { .. })
        ));
        steering.clear();
        steering.decline(Bank::Globus, "B").expect("cleared");
    }

    #[test]
    fn the_client_is_asked_for_without_the_steering_lock() {
        let steering = Steering::default();
        steering
            .fault(Fault::on(Bank::Globus).client("merchant-a").malformed())
            .expect("valid");
        let struck = steering.strike(
            Bank::Globus,
            || None,
            || {
                assert!(!held(), "the client is read without the steering's lock");
                Some("merchant-a".into())
            },
        );
        assert!(struck.malformed);
        assert!(!held());
    }

    #[test]
    fn callbacks_fail_the_number_of_times_asked() {
        let steering = Steering::default();
        steering
            .fail_callbacks("http://127.0.0.1:9/cb", 2)
            .expect("valid");
        assert!(steering.callback_fails("http://127.0.0.1:9/cb"));
        assert!(!steering.callback_fails("http://127.0.0.1:9/other"));
        assert!(steering.callback_fails("http://127.0.0.1:9/cb"));
        assert!(!steering.callback_fails("http://127.0.0.1:9/cb"));
        steering
            .decline(Bank::Globus, "380501112233")
            .expect("valid");
        assert!(steering.declined(Bank::Globus, &["o-1", "380501112233"]));
        assert!(!steering.declined(Bank::Baas, &["380501112233"]));
        steering.clear();
        assert_eq!(steering.report(), Report::default());
    }
}
