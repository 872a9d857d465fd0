//! What the console ([`crate::ui`]) shows of a simulation's resources (orders, payments,
//! applications): each simulation describes its own through
//! [`BankSim::resources`](crate::sim::BankSim::resources) as [`Resource`]s, so the console names
//! no bank. A status
//! history ([`Change`]) is kept in the banks' state (and its state file) as the statuses change.

use serde::{Deserialize, Serialize};

/// One change of a resource's status, at the sandbox's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The status it moved to (the bank's wire value).
    pub status: String,
    /// When, Unix milliseconds by the sandbox's clock (tests may move it forward).
    pub at_ms: u64,
}

impl Change {
    /// A change to `status` at `at_ms`.
    pub fn new(status: impl Into<String>, at_ms: u64) -> Self {
        Change {
            status: status.into(),
            at_ms,
        }
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 time (0 when it is not one).
pub fn rfc3339_ms(text: &str) -> u64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp_millis()).ok())
        .unwrap_or(0)
}

/// A resource as the console lists it: an order, a payment, an application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resource {
    /// What it is (`order`, `payment`, `card application`).
    pub kind: &'static str,
    /// The bank's id (the one the resource's page is found by).
    pub id: String,
    /// The customer it is for, as the bank knows them (a phone, a PINFL, a partner, an account).
    pub client: String,
    /// The customer's name, where the bank has one.
    pub name: Option<String>,
    /// The API client that made it (the merchant login, the BCC client id, the BaaS user).
    pub owner: Option<String>,
    /// The client's own reference (the merchant's order id, the document number).
    pub reference: Option<String>,
    /// The status now (the bank's wire value).
    pub status: String,
    /// The amount, as text (exact decimal), with its currency where the bank gives one.
    pub amount: Option<String>,
    /// Every status it had, oldest first (at least one).
    pub history: Vec<Change>,
    /// Where the bank sends its callbacks or postLinks for it.
    pub callback_url: Option<String>,
    /// Other facts worth showing (label, value).
    pub details: Vec<(&'static str, String)>,
    /// The keys a decline can be steered by (label, key): [`crate::steer::Steering::decline`].
    pub decline_keys: Vec<(&'static str, String)>,
}

impl Resource {
    /// A resource of `kind` with `id`, for `client`, in `status` since `at_ms` (its history until
    /// [`with_history`](Self::with_history) gives the whole).
    pub fn new(
        kind: &'static str,
        id: impl Into<String>,
        client: impl Into<String>,
        status: impl Into<String>,
        at_ms: u64,
    ) -> Self {
        let status = status.into();
        Resource {
            kind,
            id: id.into(),
            client: client.into(),
            name: None,
            owner: None,
            reference: None,
            history: vec![Change::new(status.clone(), at_ms)],
            status,
            amount: None,
            callback_url: None,
            details: Vec::new(),
            decline_keys: Vec::new(),
        }
    }

    /// The status history kept in the state (left as it is when `history` is empty: a state
    /// file written before histories were kept).
    pub fn with_history(mut self, history: &[Change]) -> Self {
        if !history.is_empty() {
            self.history = history.to_vec();
        }
        self
    }

    /// When it was created (its first status), Unix milliseconds.
    pub fn created_ms(&self) -> u64 {
        self.history.first().map_or(0, |c| c.at_ms)
    }

    /// When its status last changed, Unix milliseconds.
    pub fn updated_ms(&self) -> u64 {
        self.history.last().map_or(0, |c| c.at_ms)
    }

    /// With the customer's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With the API client that made it.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// With the client's own reference.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// With an amount (text).
    pub fn amount(mut self, amount: impl Into<String>) -> Self {
        self.amount = Some(amount.into());
        self
    }

    /// With the URL its callbacks go to.
    pub fn callback_url(mut self, url: Option<String>) -> Self {
        self.callback_url = url;
        self
    }

    /// With one more fact.
    pub fn detail(mut self, label: &'static str, value: impl Into<String>) -> Self {
        self.details.push((label, value.into()));
        self
    }

    /// With one more key a decline can be steered by.
    pub fn declined_by(mut self, label: &'static str, key: impl Into<String>) -> Self {
        self.decline_keys.push((label, key.into()));
        self
    }
}
