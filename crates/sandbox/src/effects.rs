//! Effect counters for idempotency audits: how many times a creating operation took effect, per
//! API, operation and the client's own reference, and how many token requests reached each API's
//! token route (and how many of them were answered with a token). Kept since the start (not in
//! the state file); read with [`Sandbox::effects`](crate::Sandbox::effects) or
//! `GET /_sandbox/effects`.
//!
//! A creation is counted when the bank's simulation carried it out, whatever happened to the
//! answer afterwards: a request answered normally, or struck by `drop_after_commit` or
//! `reset_mid_body`, counts; a request refused before it was carried out (invalid, unauthorised,
//! an injected `status`, a `hang`, insufficient funds, an application already under way) does not.
//! A decision the bank takes later (a declined order) does not undo the count: the creation took
//! effect.
//!
//! | API | operations | reference |
//! |---|---|---|
//! | `bcc-financial` | `createPayment`, `createPaymentBase64`, `createPaymentMt` | the client's `documentNumber` (MT100: `:20:`); without one, the bank's own reference, so such a payment never shows as a duplicate |
//! | `globus-cfront` | `createOrder` | `merchantOrderId` (a repeated one is answered with the same order, and still counts: the merchant sent it again) |
//! | `bcc-broker` | `orders`, `pre_approved` | the partner's order id: `partnerOrderId`, the pre-approved application's `referenceId` |
//! | `baas-gateway` | `createCardApplication`, `createMicroCreditApplication` | the applicant's `params.client.pinfl` (the operation tells the kind) |
//!
//! BaaS requests carry no client reference of the application: the envelope `id` is one per
//! request (a client may or may not reuse it when it resends), so the applicant's PINFL, which
//! the simulation uses to refuse a second application of a kind under way and to decline, is the
//! key.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::spec::Bank;

/// How many times one creating operation took effect for one reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectCount {
    /// The API (its prefix in JSON: `"globus-cfront"`).
    #[serde(with = "crate::steer::bank_prefix")]
    pub api: Bank,
    /// The operationId (`createOrder`).
    pub operation: String,
    /// The client's reference (see the [module](self) for each API's).
    pub reference: String,
    /// How many times it took effect.
    pub count: u64,
}

/// The token requests of one API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TokenCount {
    /// Requests that reached the token route, those struck by a fault included.
    pub requests: u64,
    /// Requests the sandbox issued a token for (answered 200, even when a `drop_after_commit` or
    /// `reset_mid_body` kept the answer from the client).
    pub issued: u64,
}

/// The effect counters: creations per (API, operation, reference) and token requests per API.
///
/// In JSON (`GET /_sandbox/effects`): `{"created": [EffectCount…], "duplicates":
/// [EffectCount…], "tokens": {"bcc-financial": {"requests": 2, "issued": 1}, …}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    created: BTreeMap<(Bank, String, String), u64>,
    tokens: BTreeMap<Bank, TokenCount>,
}

impl Effects {
    /// Every (API, operation, reference) that took effect, with its count.
    pub fn entries(&self) -> Vec<EffectCount> {
        self.created
            .iter()
            .map(|((api, operation, reference), count)| EffectCount {
                api: *api,
                operation: operation.clone(),
                reference: reference.clone(),
                count: *count,
            })
            .collect()
    }

    /// The entries that took effect more than once: what an idempotent client must never cause.
    pub fn duplicates(&self) -> Vec<EffectCount> {
        self.entries().into_iter().filter(|e| e.count > 1).collect()
    }

    /// How many times creations with `reference` took effect on `api`, over all its creating
    /// operations.
    pub fn count(&self, api: Bank, reference: &str) -> u64 {
        self.created
            .iter()
            .filter(|((a, _, r), _)| *a == api && r == reference)
            .map(|(_, n)| n)
            .sum()
    }

    /// How many times one operation (its operationId or the client's method name) took effect
    /// for `reference`.
    pub fn of(&self, api: Bank, operation: &str, reference: &str) -> u64 {
        let id = api
            .api()
            .operations
            .iter()
            .find(|o| o.name == operation)
            .map_or(operation, |o| o.id);
        self.created
            .get(&(api, id.to_owned(), reference.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// The token requests of `api` (zero for an API without a token route).
    pub fn tokens(&self, api: Bank) -> TokenCount {
        self.tokens.get(&api).copied().unwrap_or_default()
    }

    /// Whether nothing was counted yet.
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.tokens.is_empty()
    }

    /// Count one creation that took effect.
    pub(crate) fn record(&mut self, api: Bank, operation: &str, reference: &str) {
        *self
            .created
            .entry((api, operation.to_owned(), reference.to_owned()))
            .or_default() += 1;
    }

    /// Count one request that reached `api`'s token route.
    pub(crate) fn token_requested(&mut self, api: Bank) {
        self.tokens.entry(api).or_default().requests += 1;
    }

    /// Count one token issued by `api`'s token route.
    pub(crate) fn token_issued(&mut self, api: Bank) {
        self.tokens.entry(api).or_default().issued += 1;
    }
}

impl Serialize for Effects {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json {
            created: Vec<EffectCount>,
            duplicates: Vec<EffectCount>,
            tokens: BTreeMap<&'static str, TokenCount>,
        }
        Json {
            created: self.entries(),
            duplicates: self.duplicates(),
            tokens: self
                .tokens
                .iter()
                .map(|(api, count)| (api.prefix(), *count))
                .collect(),
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_the_references_that_took_effect_more_than_once() {
        let mut effects = Effects::default();
        assert!(effects.is_empty());
        effects.record(Bank::Globus, "createOrder", "SHOP-1");
        effects.record(Bank::Globus, "createOrder", "SHOP-1");
        effects.record(Bank::Globus, "createOrder", "SHOP-2");
        effects.record(Bank::Broker, "orders", "SHOP-1");
        effects.token_requested(Bank::Financial);
        effects.token_requested(Bank::Financial);
        effects.token_issued(Bank::Financial);
        assert_eq!(effects.count(Bank::Globus, "SHOP-1"), 2);
        assert_eq!(effects.count(Bank::Globus, "SHOP-3"), 0);
        assert_eq!(effects.of(Bank::Globus, "create_order", "SHOP-1"), 2);
        assert_eq!(effects.of(Bank::Globus, "createOrder", "SHOP-2"), 1);
        let duplicates = effects.duplicates();
        assert_eq!(duplicates.len(), 1, "{duplicates:?}");
        assert_eq!(
            (duplicates[0].api, duplicates[0].reference.as_str()),
            (Bank::Globus, "SHOP-1")
        );
        assert_eq!(
            effects.tokens(Bank::Financial),
            TokenCount {
                requests: 2,
                issued: 1
            }
        );
        assert_eq!(effects.tokens(Bank::Globus), TokenCount::default());
        let json = serde_json::to_value(&effects).expect("JSON");
        assert_eq!(json["duplicates"][0]["api"], "globus-cfront");
        assert_eq!(json["duplicates"][0]["count"], 2);
        assert_eq!(json["created"].as_array().map(Vec::len), Some(3));
        assert_eq!(json["tokens"]["bcc-financial"]["issued"], 1);
    }
}
