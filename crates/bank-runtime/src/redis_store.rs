//! [`RedisTokenStore`]: the replicas of a service share their bank tokens through Redis (feature
//! `redis`). The protocol is [`token_store`](crate::token_store)'s; here is how Redis holds it.
//!
//! Under a key `banks:token:<api>:<environment>:<hash>` ([`store_key`](crate::token_store::store_key)):
//!
//! | key | type | what |
//! |---|---|---|
//! | `<key>` | hash | `fence`, `fp` (the token's fingerprint), `exp` (wall-clock expiry, ms since the epoch), `life` (lifetime, ms), `tok` (the token, sealed when a key is configured); expires with the token (`PEXPIRE`) |
//! | `<key>:lease` | string | the fence of the replica fetching now; `SET NX PX` for the lease time |
//! | `<key>:fence` | integer | the last fence given (`INCR`); only grows |
//!
//! Taking the lease, storing under it and invalidating are Lua scripts, so each is one atomic
//! step: a put is refused unless the lease is still the putter's and no token of a later fence
//! is stored; an invalidation deletes only the rejected token (compared by fingerprint).
//!
//! **Sealing.** With [`seal_with`](RedisTokenStore::seal_with) (32 bytes, e.g. from
//! `BANKS_TOKEN_STORE_SEAL_KEY`), tokens are stored encrypted with AES-256-GCM, a fresh random
//! nonce per write and the entry's key as associated data (an entry copied under another key
//! does not open): a Redis shared with other services holds no usable token. A replica without
//! the key, or with another, cannot open them and fetches on its own (logged).
//!
//! **Failures.** Every operation is bounded by [`timeout`](RedisTokenStore::timeout) (500 ms by
//! default). A failure marks the store down for [`retry_after`](RedisTokenStore::retry_after)
//! (5 s): meanwhile operations fail at once and every cache fetches its own tokens; the first
//! operation after it tries Redis again, and sharing resumes when Redis answers.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::MultiplexedConnection;

use crate::secret::Secret;
use crate::time::{Clock, TokioClock};
use crate::token_store::{
    StoreError, StoreFuture, StoreRead, StoredToken, TokenStore, fingerprint,
};

/// Takes the lease when free: its new fence, or 0 when held.
const LEASE: &str = r"
if redis.call('SET', KEYS[1], 'taking', 'NX', 'PX', ARGV[1]) then
  local fence = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
  return fence
end
return 0
";

/// Stores a token if the lease is still the putter's and no later fence's token is there;
/// releases the lease either way when it is the putter's. 1 stored, 0 refused.
const PUT: &str = r"
local mine = redis.call('GET', KEYS[1]) == ARGV[1]
if mine then redis.call('DEL', KEYS[1]) end
local current = tonumber(redis.call('HGET', KEYS[2], 'fence') or '0')
if not mine or current >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'fence', ARGV[1], 'fp', ARGV[2], 'exp', ARGV[3], 'life', ARGV[4], 'tok', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
";

/// Releases the lease if it is this fence's.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
";

/// Deletes the token if its fingerprint is the rejected one's.
const INVALIDATE: &str = r"
if redis.call('HGET', KEYS[1], 'fp') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
";

/// The tag of a token stored in clear and of a sealed one (`tok`'s first byte).
const PLAIN: u8 = b'p';
const SEALED: u8 = b's';

/// Tokens shared through Redis; cheap to clone (clones share one connection). See the
/// [module docs](self).
#[derive(Clone)]
pub struct RedisTokenStore {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// Until when the store is taken for down (operations fail at once).
    down_until: Mutex<Option<Instant>>,
}

/// What the builder methods set.
#[derive(Clone)]
struct Settings {
    client: redis::Client,
    /// The address shown in errors and logs (no password).
    shown: String,
    seal: Option<Arc<ring::aead::LessSafeKey>>,
    timeout: Duration,
    retry_after: Duration,
    lease_time: Duration,
    poll_interval: Duration,
    clock: Arc<dyn Clock>,
}

impl std::ops::Deref for Inner {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.settings
    }
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("redis", &self.inner.shown)
            .field("sealed", &self.inner.seal.is_some())
            .finish()
    }
}

/// Why a [`RedisTokenStore`] could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {0}")]
pub struct StoreConfigError(pub String);

impl RedisTokenStore {
    /// A store at `url` (`redis://[:password@]host[:port][/db]`, `rediss://` not supported
    /// without a TLS feature of the redis crate). Nothing connects until the first fetch, so a
    /// service starts while Redis is down.
    pub fn new(url: &str) -> Result<Self, StoreConfigError> {
        let client = redis::Client::open(url)
            .map_err(|e| StoreConfigError(format!("`{}` is not a Redis URL: {e}", shown(url))))?;
        Ok(RedisTokenStore::from_settings(Settings {
            client,
            shown: shown(url),
            seal: None,
            timeout: Duration::from_millis(500),
            retry_after: Duration::from_secs(5),
            lease_time: Duration::from_secs(15),
            poll_interval: Duration::from_millis(20),
            clock: Arc::new(TokioClock),
        }))
    }

    fn from_settings(settings: Settings) -> Self {
        RedisTokenStore {
            inner: Arc::new(Inner {
                settings,
                connection: tokio::sync::Mutex::new(None),
                down_until: Mutex::new(None),
            }),
        }
    }

    /// The store with a setting changed (a clone made before keeps the old settings and its
    /// own connection).
    fn with(self, change: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = self.inner.settings.clone();
        change(&mut settings);
        RedisTokenStore::from_settings(settings)
    }

    /// Seal tokens with this 32-byte key (AES-256-GCM). Every replica sharing the store needs
    /// the same key.
    pub fn seal_with(self, key: &[u8]) -> Result<Self, StoreConfigError> {
        let unbound = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, key).map_err(|_| {
            StoreConfigError(format!(
                "a sealing key is 32 bytes (AES-256-GCM), not {}",
                key.len()
            ))
        })?;
        let sealed = ring::aead::LessSafeKey::new(unbound);
        Ok(self.with(|settings| settings.seal = Some(Arc::new(sealed))))
    }

    /// The longest one Redis operation (connecting included) may take (default 500 ms).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.with(|settings| settings.timeout = timeout)
    }

    /// After a failure, how long the store is left alone before Redis is tried again
    /// (default 5 s).
    pub fn retry_after(self, interval: Duration) -> Self {
        self.with(|settings| settings.retry_after = interval)
    }

    /// How long a fetch lease lasts (default 15 s; more than the token endpoint's timeout).
    pub fn lease(self, lease_time: Duration) -> Self {
        self.with(|settings| settings.lease_time = lease_time)
    }

    /// How often a replica waiting for another's fetch reads Redis (default 20 ms).
    pub fn poll_interval(self, interval: Duration) -> Self {
        self.with(|settings| settings.poll_interval = interval)
    }

    /// Where the down interval reads the time (a [`ManualClock`](crate::ManualClock) in tests).
    pub fn clock(self, clock: impl Clock + 'static) -> Self {
        let clock: Arc<dyn Clock> = Arc::new(clock);
        self.with(|settings| settings.clock = clock)
    }

    fn unavailable(&self, message: impl Into<String>) -> StoreError {
        StoreError::Unavailable {
            store: self.inner.shown.clone(),
            message: message.into(),
        }
    }

    /// A connection, made when there is none; fails at once while the store is taken for down.
    async fn connection(&self) -> Result<MultiplexedConnection, StoreError> {
        let now = self.inner.clock.now();
        if let Some(until) = *lock(&self.inner.down_until)
            && now < until
        {
            return Err(self.unavailable("down; fetching locally until it is tried again"));
        }
        let mut slot = self.inner.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.inner.timeout))
            .set_response_timeout(Some(self.inner.timeout));
        let connecting = self
            .inner
            .client
            .get_multiplexed_async_connection_with_config(&config);
        let connection = tokio::time::timeout(self.inner.timeout, connecting)
            .await
            .map_err(|_| self.unavailable(format!("no connection within {:?}", self.inner.timeout)))
            .and_then(|r| r.map_err(|e| self.unavailable(format!("cannot connect: {e}"))))
            .inspect_err(|_| self.went_down())?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Run one operation, bounded; a failure drops the connection and marks the store down.
    async fn run<T>(
        &self,
        what: &str,
        operation: impl AsyncFnOnce(MultiplexedConnection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let connection = self.connection().await?;
        let result = match tokio::time::timeout(self.inner.timeout, operation(connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.unavailable(format!("{what}: {e}"))),
            Err(_) => {
                Err(self.unavailable(format!("{what}: no answer within {:?}", self.inner.timeout)))
            }
        };
        match &result {
            Ok(_) => self.came_back(),
            Err(_) => {
                *self.inner.connection.lock().await = None;
                self.went_down();
            }
        }
        result
    }

    fn went_down(&self) {
        let until = self.inner.clock.now() + self.inner.retry_after;
        *lock(&self.inner.down_until) = Some(until);
    }

    fn came_back(&self) {
        if lock(&self.inner.down_until).take().is_some() {
            tracing::info!(store = %self.inner.shown, "shared token store answers again");
        }
    }

    /// The stored form of a token: sealed with the key (bound to `key`) when one is set.
    fn seal(&self, key: &str, token: &Secret) -> Result<Vec<u8>, StoreError> {
        let Some(sealing) = &self.inner.seal else {
            let mut out = vec![PLAIN];
            out.extend_from_slice(token.expose().as_bytes());
            return Ok(out);
        };
        use ring::rand::SecureRandom;
        let mut nonce = [0u8; 12];
        ring::rand::SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| self.unavailable("the system's random source failed"))?;
        let mut sealed = token.expose().as_bytes().to_vec();
        sealing
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(key.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| self.unavailable("sealing failed"))?;
        let mut out = vec![SEALED];
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// A stored token opened, or why it cannot be.
    fn open(&self, key: &str, stored: &[u8]) -> Result<Secret, StoreError> {
        let refused = |message: &str| StoreError::Sealed {
            store: self.inner.shown.clone(),
            key: key.to_owned(),
            message: message.to_owned(),
        };
        let text = |bytes: &[u8]| {
            String::from_utf8(bytes.to_vec())
                .map(Secret::new)
                .map_err(|_| refused("not text"))
        };
        match (stored.split_first(), &self.inner.seal) {
            (Some((&PLAIN, token)), None) => text(token),
            (Some((&PLAIN, _)), Some(_)) => Err(refused(
                "stored in clear, but this replica seals: every replica needs the same key",
            )),
            (Some((&SEALED, _)), None) => Err(refused(
                "sealed, and this replica has no sealing key (BANKS_TOKEN_STORE_SEAL_KEY)",
            )),
            (Some((&SEALED, rest)), Some(sealing)) if rest.len() > 12 => {
                let (nonce, sealed) = rest.split_at(12);
                let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce)
                    .map_err(|_| refused("a malformed nonce"))?;
                let mut sealed = sealed.to_vec();
                let opened = sealing
                    .open_in_place(nonce, ring::aead::Aad::from(key.as_bytes()), &mut sealed)
                    .map_err(|_| refused("sealed with another key, or altered"))?;
                text(opened)
            }
            _ => Err(refused("not a token this store wrote")),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A Redis URL without its password.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl TokenStore for RedisTokenStore {
    fn read<'a>(&'a self, key: &'a str) -> StoreFuture<'a, StoreRead> {
        Box::pin(async move {
            let lease = format!("{key}:lease");
            let (fields, leased): (HashMap<String, Vec<u8>>, bool) = self
                .run("read", async move |mut c| {
                    redis::pipe()
                        .cmd("HGETALL")
                        .arg(key)
                        .cmd("EXISTS")
                        .arg(&lease)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            if fields.is_empty() {
                return Ok(StoreRead {
                    token: None,
                    leased,
                });
            }
            let number = |name: &str| {
                fields
                    .get(name)
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| self.unavailable(format!("{key}: no number `{name}`")))
            };
            let stored = fields
                .get("tok")
                .ok_or_else(|| self.unavailable(format!("{key}: no token")))?;
            let token = StoredToken {
                value: self.open(key, stored)?,
                expires_at: UNIX_EPOCH + Duration::from_millis(number("exp")?),
                lifetime: Duration::from_millis(number("life")?),
                fence: number("fence")?,
            };
            Ok(StoreRead {
                token: Some(token),
                leased,
            })
        })
    }

    fn lease<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            let ms = self.inner.lease_time.as_millis().max(1) as u64;
            let fence: u64 = self
                .run("lease", async move |mut c| {
                    redis::Script::new(LEASE)
                        .key(format!("{key}:lease"))
                        .key(format!("{key}:fence"))
                        .arg(ms)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok((fence > 0).then_some(fence))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        token: &'a StoredToken,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let sealed = self.seal(key, &token.value)?;
            let stored: i64 = self
                .run("put", async move |mut c| {
                    redis::Script::new(PUT)
                        .key(format!("{key}:lease"))
                        .key(key)
                        .arg(token.fence)
                        .arg(fingerprint(&token.value))
                        .arg(millis(token.expires_at))
                        .arg(token.lifetime.as_millis() as u64)
                        .arg(sealed)
                        .arg(ttl.as_millis().max(1) as u64)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(stored == 1)
        })
    }

    fn release<'a>(&'a self, key: &'a str, fence: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: i64 = self
                .run("release", async move |mut c| {
                    redis::Script::new(RELEASE)
                        .key(format!("{key}:lease"))
                        .arg(fence)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(())
        })
    }

    fn invalidate<'a>(&'a self, key: &'a str, rejected: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: i64 = self
                .run("invalidate", async move |mut c| {
                    redis::Script::new(INVALIDATE)
                        .key(key)
                        .arg(fingerprint(rejected))
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(())
        })
    }

    fn lease_time(&self) -> Duration {
        self.inner.lease_time
    }

    fn poll_interval(&self) -> Duration {
        self.inner.poll_interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            shown("redis://:hunter2@10.0.0.1:6379/0"),
            "redis://…@10.0.0.1:6379/0"
        );
        assert_eq!(shown("redis://127.0.0.1"), "redis://127.0.0.1");
    }

    #[test]
    fn a_sealed_token_opens_only_under_its_key_with_its_key() {
        let store = RedisTokenStore::new("redis://127.0.0.1:1")
            .expect("url")
            .seal_with(&[7; 32])
            .expect("key");
        let token = Secret::new("t0ken");
        let sealed = store.seal("k1", &token).expect("seal");
        assert!(!sealed.windows(5).any(|w| w == b"t0ken"), "sealed in clear");
        assert_eq!(store.open("k1", &sealed).expect("open"), token);
        assert!(matches!(
            store.open("k2", &sealed),
            Err(StoreError::Sealed { .. })
        ));
        let other = RedisTokenStore::new("redis://127.0.0.1:1")
            .expect("url")
            .seal_with(&[8; 32])
            .expect("key");
        assert!(matches!(
            other.open("k1", &sealed),
            Err(StoreError::Sealed { .. })
        ));
        let plain = RedisTokenStore::new("redis://127.0.0.1:1").expect("url");
        assert!(matches!(
            plain.open("k1", &sealed),
            Err(StoreError::Sealed { .. })
        ));
        assert!(matches!(
            store.open("k1", b"pclear"),
            Err(StoreError::Sealed { .. })
        ));
        assert!(
            RedisTokenStore::new("redis://127.0.0.1:1")
                .expect("url")
                .seal_with(&[0; 16])
                .is_err()
        );
    }
}
