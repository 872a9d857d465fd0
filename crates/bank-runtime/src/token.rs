//! Access tokens and the cache in front of a token endpoint: reuse until shortly before expiry,
//! exactly one refresh while concurrent callers wait (single flight), failures not cached, and a
//! forced refresh after the bank rejects a token.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::time::{Clock, SystemClock};

use tokio::sync::Mutex;

use crate::error::AuthError;
use crate::secret::Secret;

/// A bearer token and how long the bank said it lives (`expires_in`).
#[derive(Clone)]
pub struct AccessToken {
    /// The token.
    pub value: Secret,
    /// Its lifetime from when it was asked for.
    pub lifetime: Duration,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &self.value)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// A cached token and the instant (by the cache's clock) it stops being usable.
struct Cached {
    value: Secret,
    expires_at: Instant,
}

/// Boxed future returned by [`TokenSource::fetch`].
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>> + Send + 'a>>;

/// Something that obtains a fresh token from a bank (OAuth2 client credentials, password grant).
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Ask the token endpoint for a new token.
    fn fetch(&self) -> TokenFuture<'_>;
}

/// A [`TokenSource`] behind a cache; cheap to clone, shared by every request of a client.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    source: Box<dyn TokenSource>,
    margin: Duration,
    clock: Arc<dyn Clock>,
    current: Mutex<Option<Cached>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.inner.source)
            .field("margin", &self.inner.margin)
            .finish()
    }
}

impl TokenCache {
    /// Cache tokens from `source`, refreshing `margin` before they expire (30 s is a sane default).
    pub fn new(source: impl TokenSource + 'static, margin: Duration) -> Self {
        TokenCache::with_clock(source, margin, SystemClock)
    }

    /// A cache like [`new`](Self::new) reading expiry from `clock` (a
    /// [`ManualClock`](crate::ManualClock) in tests, so expiry is tested without waiting).
    pub fn with_clock(
        source: impl TokenSource + 'static,
        margin: Duration,
        clock: impl Clock + 'static,
    ) -> Self {
        TokenCache {
            inner: Arc::new(CacheInner {
                source: Box::new(source),
                margin,
                clock: Arc::new(clock),
                current: Mutex::new(None),
            }),
        }
    }

    /// A usable token: the cached one, or one fresh fetch shared by every caller waiting now.
    ///
    /// The lock is held across the fetch, so concurrent callers queue behind the single refresh and
    /// then find the new token. A failed fetch leaves the cache empty; the next caller tries again.
    pub async fn token(&self) -> Result<Secret, AuthError> {
        let mut current = self.inner.current.lock().await;
        if let Some(t) = current.as_ref()
            && t.expires_at > self.inner.clock.now() + self.inner.margin
        {
            return Ok(t.value.clone());
        }
        tracing::debug!("fetching a new access token");
        // Expiry counts from before the request, so a slow token endpoint errs on the safe side.
        let asked = self.inner.clock.now();
        let fresh = self.inner.source.fetch().await?;
        let value = fresh.value.clone();
        *current = Some(Cached {
            value: fresh.value,
            expires_at: asked + fresh.lifetime,
        });
        Ok(value)
    }

    /// Drop `rejected` (the bank answered 401 to it) so the next [`token`](Self::token) fetches a
    /// new one. A token another caller already replaced is left alone, so a burst of 401s for the
    /// same stale token causes one refresh, not one per request.
    pub async fn invalidate(&self, rejected: &Secret) {
        let mut current = self.inner.current.lock().await;
        if current.as_ref().is_some_and(|t| &t.value == rejected) {
            *current = None;
        }
    }
}
