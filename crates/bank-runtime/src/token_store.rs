//! Tokens shared by several processes: the interface a [`TokenCache`](crate::TokenCache)
//! consults before it asks a bank's token endpoint, so that the replicas of a service fetch one
//! token per lifetime between them instead of one each.
//!
//! Without a store (the default) every cache fetches its own tokens, as it always did. With one
//! ([`TokenCache::with_store`](crate::TokenCache::with_store)), a fetch goes:
//!
//! 1. **Read** the shared token under the cache's key: one that is not due for refresh (and is
//!    not the token the bank just rejected) is taken, and nothing is fetched.
//! 2. **Lease**: otherwise take the key's fetch lease (`SET NX PX` in Redis), numbered by a
//!    fence that only grows. The holder fetches from the bank and **puts** the token, which the
//!    store accepts only while the lease is still the holder's and no token of a later fence is
//!    there: a replica whose lease ran out (a slow or stalled fetch) cannot replace a newer token.
//! 3. **Wait**: a replica that finds the lease taken reads the store again every
//!    [`poll_interval`](TokenStore::poll_interval) until the token appears, or takes the lease
//!    when the holder's has run out (the holder died mid-fetch). The wait is bounded by the
//!    cache's fetch timeout plus the lease, and each caller only waits as long as its call's
//!    deadline allows.
//! 4. **Invalidate**: after a 401, the rejected token is deleted from the store only if it is
//!    still the one there (compared by a fingerprint), so a burst of 401s across the fleet
//!    refreshes once.
//!
//! A store that fails or is slow ([`StoreError`]) is never an outage: the cache falls back to its
//! own fetch for that token and tries the store again at the next one. Keys never hold a client
//! id or secret in clear ([`store_key`]); tokens are stored with their wall-clock expiry and
//! each entry expires in the store when its token does.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use sha2::Digest;

use crate::secret::Secret;

/// A token as the store holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The token.
    pub value: Secret,
    /// When it stops being valid (wall-clock time, comparable across processes).
    pub expires_at: SystemTime,
    /// Its whole lifetime as the bank gave it (the refresh margin is computed from it).
    pub lifetime: Duration,
    /// The fence of the lease it was fetched under.
    pub fence: u64,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("value", &self.value)
            .field("expires_at", &self.expires_at)
            .field("lifetime", &self.lifetime)
            .field("fence", &self.fence)
            .finish()
    }
}

/// What a read of the store found.
#[derive(Debug, Clone, Default)]
pub struct StoreRead {
    /// The token under the key, if one is there and readable.
    pub token: Option<StoredToken>,
    /// Whether some replica holds the key's fetch lease now.
    pub leased: bool,
}

/// Why the store could not answer. The cache then fetches on its own: no call fails because
/// the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store did not answer (down, unreachable, slower than its timeout), or answered
    /// something other than what was asked; `message` says which.
    #[error("shared token store {store}: {message}")]
    Unavailable {
        /// The store (its address, without credentials).
        store: String,
        /// What failed.
        message: String,
    },
    /// A stored token could not be opened with the configured sealing key: another key, or an
    /// entry not written by this store.
    #[error("shared token store {store}: a token under {key} cannot be opened: {message}")]
    Sealed {
        /// The store.
        store: String,
        /// The entry's key.
        key: String,
        /// What failed.
        message: String,
    },
}

/// A boxed future of a [`TokenStore`] operation.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Somewhere several processes share tokens: Redis (`RedisTokenStore`, feature `redis`), or
/// [`MemoryStore`] within one process. See the [module docs](self) for the protocol.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The token under `key` and whether its lease is held.
    fn read<'a>(&'a self, key: &'a str) -> StoreFuture<'a, StoreRead>;

    /// Take `key`'s fetch lease for [`lease_time`](Self::lease_time): its fence when taken,
    /// `None` when another holds it.
    fn lease<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<u64>>;

    /// Store `token` (fetched under the lease numbered `token.fence`) and release the lease:
    /// `false`, and nothing stored, when the lease is no longer this fence's or a token of a
    /// later fence is there. The entry expires from the store at `token.expires_at`, `ttl` from
    /// now.
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Release the lease numbered `fence` without storing (the fetch failed), so that another
    /// replica need not wait for it to run out.
    fn release<'a>(&'a self, key: &'a str, fence: u64) -> StoreFuture<'a, ()>;

    /// Delete the token under `key` if it is `rejected` (the bank answered 401 to it); a newer
    /// token is left alone.
    fn invalidate<'a>(&'a self, key: &'a str, rejected: &'a Secret) -> StoreFuture<'a, ()>;

    /// How long a lease lasts: a holder that dies mid-fetch delays the others this long.
    fn lease_time(&self) -> Duration {
        Duration::from_secs(15)
    }

    /// How often a replica waiting for another's fetch reads the store again.
    fn poll_interval(&self) -> Duration {
        Duration::from_millis(20)
    }
}

/// The key a token is shared under: the API, a label for its environment, and a hash of the
/// token endpoint and the identities that obtain the token (client id, user), so that neither
/// a client id nor a user name appears in the store.
pub fn store_key(api: &str, environment: &str, token_url: &str, identities: &[&str]) -> String {
    let mut material = Vec::new();
    for part in std::iter::once(token_url).chain(identities.iter().copied()) {
        material.extend_from_slice(&(part.len() as u64).to_be_bytes());
        material.extend_from_slice(part.as_bytes());
    }
    let digest = sha2::Sha256::digest(&material);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let label = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("banks:token:{}:{}:{hex}", label(api), label(environment))
}

/// A fingerprint of a token (16 hex digits of its SHA-256): how a store compares tokens
/// without reading them (a sealed token's bytes differ at every write).
pub fn fingerprint(token: &Secret) -> String {
    sha2::Sha256::digest(token.expose().as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A [`TokenStore`] in this process's memory: caches of one process (clients of one API built
/// separately) share tokens through it, and it is the reference the Redis store is tested
/// against. Leases run out by its [`Clock`](crate::Clock).
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: std::sync::Arc<std::sync::Mutex<MemoryState>>,
    clock: std::sync::Arc<dyn crate::Clock>,
    lease_time: Duration,
}

#[derive(Debug, Default)]
struct MemoryState {
    tokens: std::collections::HashMap<String, (StoredToken, SystemTime)>,
    leases: std::collections::HashMap<String, (u64, SystemTime)>,
    fences: std::collections::HashMap<String, u64>,
}

impl MemoryStore {
    /// An empty store whose leases last `lease_time` by `clock`.
    pub fn new(lease_time: Duration, clock: impl crate::Clock + 'static) -> Self {
        MemoryStore {
            inner: std::sync::Arc::default(),
            clock: std::sync::Arc::new(clock),
            lease_time,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drop what has run out by the store's clock.
    fn expire(&self, state: &mut MemoryState) {
        let now = self.clock.wall();
        state.tokens.retain(|_, (_, until)| *until > now);
        state.leases.retain(|_, (_, until)| *until > now);
    }
}

fn ready<T: Send + 'static>(value: T) -> StoreFuture<'static, T> {
    Box::pin(std::future::ready(Ok(value)))
}

impl TokenStore for MemoryStore {
    fn read<'a>(&'a self, key: &'a str) -> StoreFuture<'a, StoreRead> {
        let mut state = self.state();
        self.expire(&mut state);
        ready(StoreRead {
            token: state.tokens.get(key).map(|(t, _)| t.clone()),
            leased: state.leases.contains_key(key),
        })
    }

    fn lease<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<u64>> {
        let mut state = self.state();
        self.expire(&mut state);
        if state.leases.contains_key(key) {
            return ready(None);
        }
        let fence = state.fences.entry(key.to_owned()).or_default();
        *fence += 1;
        let fence = *fence;
        let until = self.clock.wall() + self.lease_time;
        state.leases.insert(key.to_owned(), (fence, until));
        ready(Some(fence))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let mut state = self.state();
        self.expire(&mut state);
        let holds = state
            .leases
            .get(key)
            .is_some_and(|(f, _)| *f == token.fence);
        let newer = state
            .tokens
            .get(key)
            .is_some_and(|(t, _)| t.fence >= token.fence);
        if holds {
            state.leases.remove(key);
        }
        if !holds || newer {
            return ready(false);
        }
        let until = self.clock.wall() + ttl;
        state.tokens.insert(key.to_owned(), (token.clone(), until));
        ready(true)
    }

    fn release<'a>(&'a self, key: &'a str, fence: u64) -> StoreFuture<'a, ()> {
        let mut state = self.state();
        if state.leases.get(key).is_some_and(|(f, _)| *f == fence) {
            state.leases.remove(key);
        }
        ready(())
    }

    fn invalidate<'a>(&'a self, key: &'a str, rejected: &'a Secret) -> StoreFuture<'a, ()> {
        let mut state = self.state();
        if state
            .tokens
            .get(key)
            .is_some_and(|(t, _)| &t.value == rejected)
        {
            state.tokens.remove(key);
        }
        ready(())
    }

    fn lease_time(&self) -> Duration {
        self.lease_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn token(value: &str, fence: u64) -> StoredToken {
        StoredToken {
            value: Secret::new(value),
            expires_at: SystemTime::now() + Duration::from_secs(60),
            lifetime: Duration::from_secs(60),
            fence,
        }
    }

    #[tokio::test]
    async fn a_lease_that_ran_out_cannot_replace_a_newer_token() {
        let clock = ManualClock::new();
        let store = MemoryStore::new(Duration::from_secs(5), clock.clone());
        let key = "k";
        let first = store.lease(key).await.expect("lease").expect("taken");
        assert_eq!(store.lease(key).await.expect("lease"), None, "held");
        // The first holder stalls past its lease; a second takes over and stores its token.
        clock.advance(Duration::from_secs(6));
        let second = store.lease(key).await.expect("lease").expect("taken");
        assert!(second > first);
        let newer = token("newer", second);
        assert!(
            store
                .put(key, &newer, Duration::from_secs(60))
                .await
                .expect("put")
        );
        // The stalled holder's older token is refused.
        let older = token("older", first);
        assert!(
            !store
                .put(key, &older, Duration::from_secs(60))
                .await
                .expect("put")
        );
        let read = store.read(key).await.expect("read");
        assert_eq!(read.token.map(|t| t.value), Some(Secret::new("newer")));
        assert!(!read.leased);
    }

    #[tokio::test]
    async fn only_the_rejected_token_is_invalidated() {
        let store = MemoryStore::new(Duration::from_secs(5), ManualClock::new());
        let fence = store.lease("k").await.expect("lease").expect("taken");
        let current = token("current", fence);
        assert!(
            store
                .put("k", &current, Duration::from_secs(60))
                .await
                .expect("put")
        );
        store
            .invalidate("k", &Secret::new("stale"))
            .await
            .expect("invalidate");
        assert!(store.read("k").await.expect("read").token.is_some());
        store
            .invalidate("k", &Secret::new("current"))
            .await
            .expect("invalidate");
        assert!(store.read("k").await.expect("read").token.is_none());
    }

    #[test]
    fn keys_hold_no_identity_in_clear() {
        let key = store_key(
            "bcc-financial",
            "test",
            "https://t/oauth",
            &["my-client-id"],
        );
        assert!(key.starts_with("banks:token:bcc-financial:test:"), "{key}");
        assert!(!key.contains("my-client-id"));
        assert_ne!(
            key,
            store_key("bcc-financial", "test", "https://t/oauth", &["other"])
        );
        assert_ne!(
            store_key("a", "e", "u", &["ab", "c"]),
            store_key("a", "e", "u", &["a", "bc"]),
            "parts are delimited"
        );
    }
}
