//! The contract between the router and a bank's simulation: the validated [`Call`] a bank
//! receives, the [`Reply`] it gives, the [`Effect`]s it asks the router to run afterwards
//! (callbacks, delayed transitions, creations to count), and [`BankSim`], what each bank module implements: its error
//! format, its refusal of authentication, its token route and its simulation of each operation.
//!
//! The router ([`crate`]) looks a bank's simulation up in the registry ([`crate::banks`]) and
//! never names a bank; the bank modules depend on this module, on [`crate::host`] and on
//! [`crate::auth`], never on the router or on [`crate::state`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::auth::Denied;
use crate::host::Host;
pub use crate::resource::{Change, Resource};

/// What differs from bank to bank; one implementation per bank module.
pub trait BankSim: Send + Sync {
    /// An error in the bank's own format: `code` is the bank's code or kind (`NOT_FOUND`, a
    /// numbered code, the status), `field` the offending field if any, `envelope_id` the request
    /// envelope's id for banks that echo it.
    fn error(
        &self,
        status: u16,
        code: &str,
        field: Option<&str>,
        message: &str,
        envelope_id: Option<&Value>,
    ) -> Reply;

    /// A request body that is not JSON (`detail`: the parser's explanation); by default
    /// `INVALID_JSON` in the bank's error format.
    fn invalid_json(&self, detail: &str) -> Reply {
        self.error(
            400,
            "INVALID_JSON",
            None,
            &format!("the body is not JSON: {detail}"),
            None,
        )
    }

    /// A request that breaks its operation's schema at `field`; by default `VALIDATION_ERROR` in
    /// the bank's error format.
    fn validation(&self, field: &str, message: &str, envelope_id: Option<&Value>) -> Reply {
        self.error(400, "VALIDATION_ERROR", Some(field), message, envelope_id)
    }

    /// A refused authentication in the bank's format: by default the OAuth2 `error` /
    /// `error_description` body and the `WWW-Authenticate` challenge.
    fn denied(&self, denied: &Denied) -> Reply {
        refusal(denied.body(), denied)
    }

    /// The token route served before the spec's operations (method, path under the prefix), for
    /// banks whose token endpoint is not an operation of their document; answered by
    /// [`token`](Self::token).
    fn token_route(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// Whether `operation` (an operationId) is the bank's token operation, answered by
    /// [`token`](Self::token) once the request is validated and before authentication.
    fn is_token_operation(&self, _operation: &str) -> bool {
        false
    }

    /// Who asks for a token in a token request (the BCC client id, the BaaS user), for faults a
    /// test steered to one client ([`crate::steer::Fault::client`]); by default nobody.
    fn token_client(&self, _headers: &axum::http::HeaderMap, _body: &[u8]) -> Option<String> {
        None
    }

    /// Issue a token (the token route or the token operation).
    fn token(&self, _host: &dyn Host, _headers: &axum::http::HeaderMap, _body: &[u8]) -> Reply {
        self.error(404, "NOT_FOUND", None, "this API issues no tokens", None)
    }

    /// Check a call's credentials (the subject on success): by default a bearer token this
    /// sandbox issued for `bank`, refused as expired when `expired_fault` is set.
    fn authenticate(
        &self,
        host: &dyn Host,
        bank: crate::spec::Bank,
        headers: &axum::http::HeaderMap,
        expired_fault: bool,
    ) -> Result<String, Denied> {
        crate::auth::bearer(host, bank, headers, expired_fault)
    }

    /// Answer a validated, authenticated call.
    fn handle(&self, call: &Call<'_>) -> Outcome;

    /// What to re-schedule at start for work under way when the state was saved.
    fn resume(&self, _host: &dyn Host) -> Vec<Effect> {
        Vec::new()
    }

    /// The resources this simulation keeps for `bank` (orders, payments, applications), as the
    /// console lists them; by default none.
    fn resources(&self, _host: &dyn Host, _bank: crate::spec::Bank) -> Vec<Resource> {
        Vec::new()
    }
}

/// A refusal: `body` with the `WWW-Authenticate` challenge of `denied`, if any.
pub fn refusal(body: Value, denied: &Denied) -> Reply {
    let mut reply = Reply::json(denied.status, &body);
    if !denied.challenge.is_empty() {
        reply = reply.with_header("www-authenticate", denied.challenge.clone());
    }
    reply
}

/// A validated call, ready for its bank.
pub struct Call<'a> {
    /// Settings, clock and the bank's part of the state.
    pub host: &'a dyn Host,
    /// The operationId.
    pub operation: &'a str,
    /// Path parameters.
    pub path: &'a BTreeMap<String, String>,
    /// Query parameters.
    pub query: &'a BTreeMap<String, String>,
    /// Request headers.
    pub headers: &'a axum::http::HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
    /// The authenticated client, user or merchant.
    pub subject: &'a str,
    /// The sandbox's own base URL (`http://127.0.0.1:PORT`), for redirect links.
    pub origin: &'a str,
}

impl Call<'_> {
    /// The operation as its generated crate's `operations::Operation` (`None` for one the
    /// crate does not know, which the router never passes).
    pub fn op<O: std::str::FromStr>(&self) -> Option<O> {
        self.operation.parse().ok()
    }

    /// The body as the generated request type, exact decimals and bank dates included; an error
    /// names the field.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, (String, String)> {
        let mut de = serde_json::Deserializer::from_slice(self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let field = e.path().to_string();
            (
                if field == "." { "body".into() } else { field },
                e.inner().to_string(),
            )
        })
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, serialised.
    pub body: Option<Vec<u8>>,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer (serialised directly, so exact decimals stay exact).
    pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status,
                body: Some(body),
                headers: Vec::new(),
            },
            Err(e) => Reply::internal(&format!("serialising the answer: {e}")),
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// The sandbox's own failure.
    pub fn internal(message: &str) -> Reply {
        Reply {
            status: 500,
            body: Some(
                json!({"code": "SANDBOX_ERROR", "message": message})
                    .to_string()
                    .into_bytes(),
            ),
            headers: Vec::new(),
        }
    }

    /// Add a header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// Something a simulation asks the router to do once the answer is given.
pub enum Effect {
    /// POST a JSON body to a merchant's URL (callbacks, postLinks); the router records the
    /// delivery in the state's `deliveries`, and failures are logged, not fatal.
    Notify {
        /// Where.
        url: String,
        /// The serialised JSON body.
        body: Vec<u8>,
        /// What it is (`order-state callback`, `postLink`).
        what: &'static str,
        /// The id of the resource it is about (an order's), for the console.
        about: Option<String>,
    },
    /// Run `then` after `delay` (a bank's automatic status change), then its own effects.
    After {
        /// How long to wait.
        delay: Duration,
        /// The transition.
        then: Transition,
    },
    /// A creating operation took effect for the client's own reference: the router counts it
    /// ([`crate::effects::Effects`], for idempotency audits).
    Created {
        /// The API.
        bank: crate::spec::Bank,
        /// The operationId.
        operation: String,
        /// The client's reference (a payment's document number, a merchant's order id, …).
        reference: String,
    },
}

/// A delayed transition: it changes the state through the host and asks for further effects.
pub type Transition = Box<dyn FnOnce(&dyn Host) -> Vec<Effect> + Send>;

impl Effect {
    /// POST `body` to `url` (`None`, logged, when it cannot be serialised).
    pub fn notify<T: Serialize>(url: String, body: &T, what: &'static str) -> Option<Effect> {
        match serde_json::to_vec(body) {
            Ok(body) => Some(Effect::Notify {
                url,
                body,
                what,
                about: None,
            }),
            Err(e) => {
                tracing::warn!(%url, error = %e, "{what}: serialising");
                None
            }
        }
    }

    /// The same effect, said to be about the resource `id` (a callback's order): the console
    /// lists the deliveries of a resource by it. Other effects are left as they are.
    pub fn about(mut self, id: impl Into<String>) -> Effect {
        if let Effect::Notify { about, .. } = &mut self {
            *about = Some(id.into());
        }
        self
    }

    /// Count a creation of `operation` that took effect for `reference` ([`Effect::Created`]).
    pub fn created(
        bank: crate::spec::Bank,
        operation: &str,
        reference: impl Into<String>,
    ) -> Effect {
        Effect::Created {
            bank,
            operation: operation.to_owned(),
            reference: reference.into(),
        }
    }

    /// Run `then` after `delay`.
    pub fn after(
        delay: Duration,
        then: impl FnOnce(&dyn Host) -> Vec<Effect> + Send + 'static,
    ) -> Effect {
        Effect::After {
            delay,
            then: Box::new(then),
        }
    }
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Notify {
                url, what, about, ..
            } => f
                .debug_struct("Notify")
                .field("url", url)
                .field("what", what)
                .field("about", about)
                .finish_non_exhaustive(),
            Effect::After { delay, .. } => f
                .debug_struct("After")
                .field("delay", delay)
                .finish_non_exhaustive(),
            Effect::Created {
                bank,
                operation,
                reference,
            } => f
                .debug_struct("Created")
                .field("bank", bank)
                .field("operation", operation)
                .field("reference", reference)
                .finish(),
        }
    }
}

/// A simulation's answer and the effects it asks for.
#[derive(Debug)]
pub struct Outcome {
    /// The answer.
    pub reply: Reply,
    /// What to run after answering.
    pub effects: Vec<Effect>,
}

impl Outcome {
    /// An answer with effects.
    pub fn with(reply: Reply, effects: Vec<Effect>) -> Outcome {
        Outcome { reply, effects }
    }
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Outcome {
        Outcome {
            reply,
            effects: Vec::new(),
        }
    }
}

/// `Field: f, message: m`, or the message alone.
pub fn field_message(field: Option<&str>, message: &str) -> String {
    match field {
        Some(f) => format!("Field: {f}, message: {message}"),
        None => message.to_owned(),
    }
}

/// A UUID in its hyphenated form (`format: uuid`).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// A decimal rounded to two places (banker's rounding is not what banks print: half up).
pub fn money(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}
