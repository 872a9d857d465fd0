//! Call metrics through the [`metrics`](https://docs.rs/metrics/0.24) facade (0.24): what every
//! call, retry and token fetch records, under the names and labels listed here — the one place
//! they are written.
//!
//! | name ([const](self#constants)) | kind | labels | what it counts |
//! |---|---|---|---|
//! | `bank_calls_total` ([`CALLS`]) | counter | `api`, `operation`, `outcome` | calls through [`Context::call`](crate::Context::call), counted once each when they end (retries inside a call are one call) |
//! | `bank_call_duration_seconds` ([`CALL_DURATION`]) | histogram (seconds) | `api`, `operation`, `outcome` | a call's whole time: signature, token, every attempt, the back-off between them |
//! | `bank_call_retries_total` ([`RETRIES`]) | counter | `api`, `operation`, `reason` | attempts sent again inside a call |
//! | `bank_token_fetches_total` ([`TOKEN_FETCHES`]) | counter | `api`, `outcome` | requests to a token endpoint, by how they ended |
//! | `bank_token_fetch_duration_seconds` ([`TOKEN_FETCH_DURATION`]) | histogram (seconds) | `api`, `outcome` | a token request's time |
//!
//! Labels ([`label`]):
//!
//! - `api`: the API's name, its crate's `SPEC.name` (`bcc-financial`, `globus-cfront`, …);
//! - `operation`: the operation's method name in the generated client (`create_payment`);
//! - `outcome` of a call ([`outcome`]): `ok`, or the failure's [`Outcome`]: `not_processed`
//!   (the bank certainly did not act), `unknown` (it may have: reconcile), `refused` (it said no
//!   with its own code); of a token fetch: `ok` or `failed`;
//! - `reason` of a retry ([`reason`]): `transient` (a failure safe to send again, after the
//!   back-off) or `token_rejected` (a 401 `invalid_token`: the token refreshed once and the
//!   request sent again).
//!
//! Nothing is recorded anywhere until the service installs a recorder (an exporter such as
//! `metrics-exporter-prometheus`, of `metrics` 0.24); without one a call costs a look-up of its
//! keys (made once per operation and outcome, and kept by the client) and two calls to the
//! recorder that do nothing: no allocation, no formatting, no hashing. Call [`describe`] after
//! installing the recorder to give it the descriptions and units.
//!
//! Every call is also a `tracing` span `bank_call` (see [`Context::call`](crate::Context::call)),
//! which carries the same facts for logs and traces.

use std::sync::OnceLock;
use std::time::Duration;

use ::metrics::{Key, Label, SharedString, Unit};

use crate::error::{AuthError, Outcome};

/// Calls, counted when they end (counter; labels `api`, `operation`, `outcome`).
pub const CALLS: &str = "bank_calls_total";
/// A call's whole time, in seconds (histogram; labels `api`, `operation`, `outcome`).
pub const CALL_DURATION: &str = "bank_call_duration_seconds";
/// Attempts sent again inside a call (counter; labels `api`, `operation`, `reason`).
pub const RETRIES: &str = "bank_call_retries_total";
/// Token requests, by how they ended (counter; labels `api`, `outcome`: `ok` or `failed`).
pub const TOKEN_FETCHES: &str = "bank_token_fetches_total";
/// A token request's time, in seconds (histogram; labels `api`, `outcome`).
pub const TOKEN_FETCH_DURATION: &str = "bank_token_fetch_duration_seconds";

/// The label keys.
pub mod label {
    /// The API's name (`SPEC.name`: `bcc-financial`).
    pub const API: &str = "api";
    /// The operation's method name (`create_payment`).
    pub const OPERATION: &str = "operation";
    /// How a call or a token fetch ended (see [`outcome`](super::outcome)).
    pub const OUTCOME: &str = "outcome";
    /// Why an attempt was sent again (see [`reason`](super::reason)).
    pub const REASON: &str = "reason";
}

/// The values of the `outcome` label.
pub mod outcome {
    /// The call succeeded, or the token was issued.
    pub const OK: &str = "ok";
    /// [`Outcome::NotProcessed`](crate::Outcome::NotProcessed): the bank certainly did not act.
    pub const NOT_PROCESSED: &str = "not_processed";
    /// [`Outcome::Unknown`](crate::Outcome::Unknown): the bank may have acted.
    pub const UNKNOWN: &str = "unknown";
    /// [`Outcome::Refused`](crate::Outcome::Refused): the bank refused with its own code.
    pub const REFUSED: &str = "refused";
    /// A token fetch that gave no token (unreachable, refused, malformed, too slow).
    pub const FAILED: &str = "failed";
}

/// The values of the `reason` label.
pub mod reason {
    /// A failure safe to send again (see
    /// [`BankError::is_transient`](crate::BankError::is_transient)), sent after the back-off.
    pub const TRANSIENT: &str = "transient";
    /// A 401 `invalid_token`: the token refreshed, the request sent once more.
    pub const TOKEN_REJECTED: &str = "token_rejected";
}

/// Give the installed recorder the metrics' descriptions and units. Call it once after installing
/// the recorder (a recorder installed later does not see them; the metrics are recorded either
/// way).
pub fn describe() {
    ::metrics::describe_counter!(
        CALLS,
        Unit::Count,
        "Calls to a bank, counted when they end."
    );
    ::metrics::describe_histogram!(
        CALL_DURATION,
        Unit::Seconds,
        "A call's whole time: signature, token, every attempt and the back-off."
    );
    ::metrics::describe_counter!(
        RETRIES,
        Unit::Count,
        "Attempts sent again inside a call to a bank."
    );
    ::metrics::describe_counter!(
        TOKEN_FETCHES,
        Unit::Count,
        "Requests to a bank's token endpoint, by how they ended."
    );
    ::metrics::describe_histogram!(
        TOKEN_FETCH_DURATION,
        Unit::Seconds,
        "A request to a bank's token endpoint: its time."
    );
}

/// The keys of the call metrics ([`CALLS`], [`CALL_DURATION`]) of one API's listed operations,
/// each (operation, outcome) pair's made on its first call and kept: a call then builds,
/// hashes and allocates nothing to be counted, and with no recorder installed costs a lookup and
/// two calls that do nothing.
pub(crate) struct CallKeys {
    /// Index: the operation's position in the API's `SPEC.operations` × [`OUTCOMES`] + the
    /// outcome's.
    slots: Box<[OnceLock<Box<[Key; 2]>>]>,
}

/// How many values the `outcome` label of a call takes (`ok` and the three [`Outcome`]s).
const OUTCOMES: usize = 4;

impl CallKeys {
    /// Room for the keys of `operations` listed operations.
    pub(crate) fn new(operations: usize) -> Self {
        CallKeys {
            slots: (0..operations.saturating_mul(OUTCOMES))
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// A call ended: counted, and its time recorded. `listed` is the operation's position in the
    /// API's `SPEC.operations` (its keys are kept), `None` for an operation the document does not
    /// list (its keys are made for this call).
    pub(crate) fn call_finished(
        &self,
        api: &'static str,
        listed: Option<usize>,
        operation: &SharedString,
        outcome: Option<Outcome>,
        took: Duration,
    ) {
        let (index, value) = match outcome {
            None => (0, outcome::OK),
            Some(Outcome::NotProcessed) => (1, outcome::NOT_PROCESSED),
            Some(Outcome::Unknown) => (2, outcome::UNKNOWN),
            Some(Outcome::Refused) => (3, outcome::REFUSED),
        };
        let make = || {
            let labels = [
                Label::from_static_parts(label::API, api),
                Label::new(label::OPERATION, operation.clone()),
                Label::from_static_parts(label::OUTCOME, value),
            ];
            Box::new([
                Key::from_parts(CALLS, labels.iter()),
                Key::from_parts(CALL_DURATION, labels.iter()),
            ])
        };
        let slot = listed.and_then(|op| self.slots.get(op * OUTCOMES + index));
        let made;
        let keys = match slot {
            Some(slot) => slot.get_or_init(make),
            None => {
                made = make();
                &made
            }
        };
        ::metrics::with_recorder(|recorder| {
            recorder.register_counter(&keys[0], &METADATA).increment(1);
            recorder
                .register_histogram(&keys[1], &METADATA)
                .record(took.as_secs_f64());
        });
    }
}

/// The call metrics' metadata, as the `metrics` macros would give it here.
static METADATA: ::metrics::Metadata<'static> =
    ::metrics::Metadata::new(module_path!(), ::metrics::Level::INFO, Some(module_path!()));

/// An attempt is sent again for `reason` (a [`reason`] value).
pub(crate) fn retry(api: &'static str, operation: &SharedString, reason: &'static str) {
    ::metrics::counter!(
        RETRIES,
        label::API => api,
        label::OPERATION => operation.clone(),
        label::REASON => reason,
    )
    .increment(1);
}

/// A token request to `api`'s token endpoint ended, with this result, after `took`. The token
/// cache calls it once per request it sends (not per caller served from the cache).
pub(crate) fn token_fetch(api: &'static str, result: Result<(), &AuthError>, took: Duration) {
    let outcome = match result {
        Ok(()) => outcome::OK,
        Err(_) => outcome::FAILED,
    };
    let labels = [
        Label::from_static_parts(label::API, api),
        Label::from_static_parts(label::OUTCOME, outcome),
    ];
    ::metrics::counter!(TOKEN_FETCHES, labels.iter()).increment(1);
    ::metrics::histogram!(TOKEN_FETCH_DURATION, labels.iter()).record(took.as_secs_f64());
}

/// An operation's label value: the generated client's static name when the document lists it,
/// otherwise a copy of the name the caller gave.
pub(crate) fn operation_label(listed: Option<&'static str>, given: &str) -> SharedString {
    match listed {
        Some(name) => SharedString::const_str(name),
        None => SharedString::from_owned(given.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::metrics::Recorder;

    /// A recorder that keeps the keys registered with it.
    #[derive(Default)]
    struct Keys(std::sync::Mutex<Vec<Key>>);

    impl Recorder for Keys {
        fn describe_counter(&self, _: ::metrics::KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: ::metrics::KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: ::metrics::KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &::metrics::Metadata<'_>) -> ::metrics::Counter {
            self.0.lock().expect("lock").push(key.clone());
            ::metrics::Counter::noop()
        }
        fn register_gauge(&self, key: &Key, _: &::metrics::Metadata<'_>) -> ::metrics::Gauge {
            self.0.lock().expect("lock").push(key.clone());
            ::metrics::Gauge::noop()
        }
        fn register_histogram(
            &self,
            key: &Key,
            _: &::metrics::Metadata<'_>,
        ) -> ::metrics::Histogram {
            self.0.lock().expect("lock").push(key.clone());
            ::metrics::Histogram::noop()
        }
    }

    fn labels(key: &Key) -> Vec<(String, String)> {
        key.labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect()
    }

    #[test]
    fn each_outcome_has_its_label_and_kept_keys_are_the_right_ones() {
        let keys = CallKeys::new(2);
        let recorder = Keys::default();
        let op = SharedString::const_str("get_accounts");
        ::metrics::with_local_recorder(&recorder, || {
            for outcome in [
                None,
                Some(Outcome::NotProcessed),
                Some(Outcome::Unknown),
                Some(Outcome::Refused),
            ] {
                // Twice from the kept keys, once made for the call (an unlisted operation).
                for listed in [Some(1), Some(1), None] {
                    keys.call_finished("api", listed, &op, outcome, Duration::ZERO);
                }
            }
        });
        let seen = recorder.0.lock().expect("lock");
        assert_eq!(seen.len(), 4 * 3 * 2);
        for (outcomes, value) in seen
            .chunks(6)
            .zip(["ok", "not_processed", "unknown", "refused"])
        {
            for pair in outcomes.chunks(2) {
                assert_eq!(pair[0].name(), CALLS);
                assert_eq!(pair[1].name(), CALL_DURATION);
                for key in pair {
                    assert_eq!(
                        labels(key),
                        [
                            ("api".to_owned(), "api".to_owned()),
                            ("operation".to_owned(), "get_accounts".to_owned()),
                            ("outcome".to_owned(), value.to_owned()),
                        ]
                    );
                }
            }
        }
    }

    #[test]
    fn a_position_beyond_the_listed_operations_makes_its_keys() {
        let keys = CallKeys::new(0);
        let recorder = Keys::default();
        ::metrics::with_local_recorder(&recorder, || {
            keys.call_finished(
                "api",
                Some(7),
                &SharedString::const_str("x"),
                None,
                Duration::ZERO,
            );
        });
        assert_eq!(recorder.0.lock().expect("lock").len(), 2);
    }
}
