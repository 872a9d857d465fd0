//! Bounded collections: the ring buffer that keeps the newest recorded exchanges and delivery
//! attempts within a count and a byte budget ([`Ring`]), the per-client creation counter the
//! simulations refuse the next creation by ([`Quota`]), and [`Stats`], how full each collection
//! is (`Sandbox::stats`), for a test to hold to [`Limits`](crate::config::Limits).

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// What an entry costs in memory, approximately: the bytes it owns on the heap plus its own size.
pub trait Weigh {
    /// Approximate bytes.
    fn weight(&self) -> usize;
}

/// The newest entries, at most `capacity` of them and at most `max_bytes` of their
/// [`Weigh::weight`]; pushing past either drops the oldest.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    entries: VecDeque<T>,
    bytes: usize,
    capacity: usize,
    max_bytes: usize,
    dropped: u64,
}

impl<T: Weigh> Ring<T> {
    /// An empty ring keeping at most `capacity` entries and `max_bytes` bytes.
    pub fn new(capacity: usize, max_bytes: usize) -> Self {
        Ring {
            entries: VecDeque::new(),
            bytes: 0,
            capacity,
            max_bytes,
            dropped: 0,
        }
    }

    /// Add `entry` as the newest, dropping the oldest while over a bound (an entry heavier than
    /// `max_bytes` on its own is not kept).
    pub fn push(&mut self, entry: T) {
        let weight = entry.weight();
        if self.capacity == 0 || weight > self.max_bytes {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        while self.entries.len() >= self.capacity || self.bytes + weight > self.max_bytes {
            let Some(old) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= old.weight();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.bytes += weight;
        self.entries.push_back(entry);
    }

    /// The entries kept, oldest first.
    pub fn iter(&self) -> std::collections::vec_deque::Iter<'_, T> {
        self.entries.iter()
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate bytes of the entries kept.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// How many entries were dropped (the oldest, or one too heavy to keep) since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The entries kept, oldest first, as a vector.
    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.entries.iter().cloned().collect()
    }
}

impl<T: Weigh> Default for Ring<T> {
    /// A ring with the default bounds of delivery attempts.
    fn default() -> Self {
        let limits = crate::config::Limits::default();
        Ring::new(limits.deliveries, limits.delivery_bytes)
    }
}

impl<'a, T> IntoIterator for &'a Ring<T> {
    type Item = &'a T;
    type IntoIter = std::collections::vec_deque::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// How many things each client created, for a limit per client ([`Limits`](crate::config::Limits)):
/// kept in the state (and its file), counted up and never down, so it bounds what a client can
/// make the sandbox hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quota(BTreeMap<String, usize>);

impl Quota {
    /// Count one creation by `client` if it stays within `limit`; otherwise the refusal's text,
    /// naming `what` and the limit's key in `[limits]`.
    pub fn take(
        &mut self,
        client: &str,
        limit: usize,
        what: &str,
        key: &str,
    ) -> Result<(), String> {
        let used = self.used(client);
        if used >= limit {
            return Err(format!(
                "{client} has created {used} {what}, the sandbox's limit ([limits] {key} = {limit})"
            ));
        }
        *self.0.entry(client.to_owned()).or_default() = used + 1;
        Ok(())
    }

    /// How many `client` created.
    pub fn used(&self, client: &str) -> usize {
        self.0.get(client).copied().unwrap_or(0)
    }

    /// How many every client created together.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }
}

/// How full the sandbox's collections are (`Sandbox::stats`): counts, and approximate bytes
/// where a collection holds what clients sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Recorded exchanges kept.
    pub exchanges: usize,
    /// Their approximate bytes.
    pub exchange_bytes: usize,
    /// Delivery attempts kept.
    pub deliveries: usize,
    /// Their approximate bytes.
    pub delivery_bytes: usize,
    /// Live tokens (all APIs).
    pub tokens: usize,
    /// Globus orders.
    pub globus_orders: usize,
    /// Broker orders.
    pub broker_orders: usize,
    /// Broker pre-approved applications.
    pub broker_applications: usize,
    /// FinancialAPI payments.
    pub payments: usize,
    /// BaaS applications.
    pub baas_applications: usize,
    /// BaaS SMS requests.
    pub baas_sms: usize,
    /// BaaS cards (all clients).
    pub baas_cards: usize,
    /// Effect counter entries (API, operation, reference).
    pub effects: usize,
    /// Faults set.
    pub faults: usize,
    /// Forced declines.
    pub declines: usize,
    /// URLs with failing callbacks.
    pub callback_failures: usize,
    /// The state as its file would hold it, in bytes of JSON (a measure of the bank state's
    /// memory).
    pub state_bytes: usize,
}

impl Stats {
    /// The approximate bytes of everything counted: the state's JSON and the two ring buffers.
    pub fn approx_bytes(&self) -> usize {
        self.state_bytes + self.exchange_bytes + self.delivery_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weigh for String {
        fn weight(&self) -> usize {
            self.len()
        }
    }

    #[test]
    fn a_ring_keeps_the_newest_within_its_count_and_bytes() {
        let mut ring = Ring::new(3, 10);
        for s in ["aaaa", "bbbb", "cc"] {
            ring.push(s.to_owned());
        }
        assert_eq!((ring.len(), ring.bytes()), (3, 10));
        ring.push("d".to_owned());
        assert_eq!(ring.to_vec(), ["bbbb", "cc", "d"], "the count");
        ring.push("eeeeeeee".to_owned());
        assert_eq!(ring.to_vec(), ["d", "eeeeeeee"], "the bytes");
        assert_eq!(ring.bytes(), 9);
        ring.push("x".repeat(11));
        assert_eq!(ring.to_vec(), ["d", "eeeeeeee"], "too heavy on its own");
        assert_eq!(ring.dropped(), 4);
    }

    #[test]
    fn a_quota_refuses_past_its_limit_naming_it() {
        let mut quota = Quota::default();
        quota
            .take("a", 2, "orders", "orders_per_client")
            .expect("1");
        quota
            .take("a", 2, "orders", "orders_per_client")
            .expect("2");
        quota
            .take("b", 2, "orders", "orders_per_client")
            .expect("b");
        let err = quota
            .take("a", 2, "orders", "orders_per_client")
            .expect_err("3");
        assert!(err.contains("[limits] orders_per_client = 2"), "{err}");
        assert_eq!((quota.used("a"), quota.total()), (2, 3));
    }
}
