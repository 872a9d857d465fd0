//! Access tokens and the cache in front of a token endpoint: reuse until shortly before expiry,
//! exactly one refresh while concurrent callers wait (single flight), failures not cached, and a
//! forced refresh after the bank rejects a token.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU64, Ordering};

use crate::time::{Clock, TokioClock};

use reqwest::header::HeaderValue;
use tokio::sync::watch;

use crate::error::AuthError;
use crate::secret::Secret;
use crate::token_store::{StoreError, StoredToken, TokenStore};

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

/// How a [`TokenCache`] treats its token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenOptions {
    /// Refresh this long before a token expires (a lifetime shorter than twice the margin
    /// refreshes at half its lifetime instead, so a short-lived token is not fetched on every
    /// call).
    pub margin: Duration,
    /// The longest one fetch may take; then it fails as [`AuthError::Unreachable`] for every
    /// caller waiting for it.
    pub fetch_timeout: Duration,
    /// After a failed fetch, callers get that failure without asking the endpoint again for this
    /// long (a dead endpoint is asked once per interval, not once per caller).
    pub retry_failures_after: Duration,
}

impl Default for TokenOptions {
    fn default() -> Self {
        TokenOptions {
            margin: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(10),
            retry_failures_after: Duration::from_secs(2),
        }
    }
}

impl TokenOptions {
    /// The defaults with this refresh margin.
    pub fn margin(margin: Duration) -> Self {
        TokenOptions {
            margin,
            ..TokenOptions::default()
        }
    }

    /// With this fetch timeout.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// With this interval between fetches after a failure.
    pub fn retry_failures_after(mut self, interval: Duration) -> Self {
        self.retry_failures_after = interval;
        self
    }
}

/// The longest lifetime a token is believed to have, whatever `expires_in` says (a year-long or
/// `u64::MAX` lifetime is read as a day: the cache refreshes daily).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The shortest lifetime a token is believed to have (`expires_in: 0` is read as one second).
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(1);

/// A usable token and the `Authorization` header that sends it, made once per token.
#[derive(Clone)]
struct Usable {
    value: Secret,
    /// `Bearer <token>`, marked sensitive.
    header: HeaderValue,
}

impl Usable {
    /// The token with its header, or why a header cannot carry it.
    fn new(value: Secret, url: impl FnOnce() -> String) -> Result<Usable, AuthError> {
        match HeaderValue::from_str(&format!("Bearer {}", value.expose())) {
            Ok(mut header) => {
                header.set_sensitive(true);
                Ok(Usable { value, header })
            }
            Err(_) => Err(AuthError::Malformed {
                url: url(),
                message: "`access_token` holds characters an HTTP header cannot carry".into(),
            }),
        }
    }
}

/// A cached token: when (by the cache's clock) to refresh it, and when it stops being usable.
struct Cached {
    token: Usable,
    refresh_at: Instant,
    expires_at: Instant,
}

/// What a fetch in flight hands every caller waiting for it.
type Shared = watch::Receiver<Option<Result<Usable, AuthError>>>;

#[derive(Default)]
struct State {
    current: Option<Cached>,
    /// The last token the bank rejected: not taken again from a shared store.
    rejected: Option<Secret>,
    /// The last fetch's failure, and until when it is answered without asking again.
    failed: Option<(AuthError, Instant)>,
    /// The fetch in flight, when there is one.
    fetching: Option<Shared>,
}

/// Boxed future returned by [`TokenSource::fetch`].
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>> + Send + 'a>>;

/// Something that obtains a fresh token from a bank (OAuth2 client credentials, password grant).
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Ask the token endpoint for a new token.
    fn fetch(&self) -> TokenFuture<'_>;

    /// The token endpoint, in errors (`Debug` of the source when not given).
    fn token_url(&self) -> String {
        format!("{self:?}")
    }
}

/// A [`TokenSource`] behind a cache; cheap to clone, shared by every request of a client.
///
/// - One fetch per expiry: the first caller that needs a token starts a fetch (a task of its
///   own, so it completes even if that caller gives up), and every caller arriving meanwhile
///   waits for the same result, its failure included.
/// - A failure is answered to every caller for [`TokenOptions::retry_failures_after`] without
///   asking the endpoint again; a fetch is bounded by [`TokenOptions::fetch_timeout`].
/// - A caller waits only as long as it wants to: dropping its future (the call's deadline)
///   leaves the fetch running for the others.
/// - `expires_in` is clamped to [`MIN_TOKEN_LIFETIME`]..=[`MAX_TOKEN_LIFETIME`]; while a token
///   is due for refresh but still valid, it is handed out and the refresh runs beside.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    source: Box<dyn TokenSource>,
    options: TokenOptions,
    clock: Arc<dyn Clock>,
    state: std::sync::Mutex<State>,
    fetches: AtomicU64,
    /// The shared store and this cache's key in it, when tokens are shared.
    store: Option<(Arc<dyn TokenStore>, String)>,
    /// When a store failure was last logged (one warning per [`STORE_WARNING_INTERVAL`]).
    store_warned: std::sync::Mutex<Option<Instant>>,
    /// The API its token fetches are counted under (`bank_token_fetches_total`), once a
    /// context takes the cache.
    api: std::sync::OnceLock<&'static str>,
}

/// A failing shared store is logged at most once per this interval (per cache).
pub const STORE_WARNING_INTERVAL: Duration = Duration::from_secs(30);

/// A token just obtained, with when it expires and when to refresh it by the cache's clock.
struct Fresh {
    value: Secret,
    expires_at: Instant,
    refresh_at: Instant,
}

/// Why a fetch through the shared store did not give a token.
enum SharedFailure {
    /// The store failed: fetch on our own.
    Store(StoreError),
    /// The bank's token endpoint failed (for the replica holding the lease).
    Auth(AuthError),
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.inner.source)
            .field("options", &self.inner.options)
            .finish()
    }
}

impl TokenCache {
    /// Cache tokens from `source`, refreshing `margin` before they expire (30 s is a sane
    /// default), with the other [`TokenOptions`] at their defaults.
    pub fn new(source: impl TokenSource + 'static, margin: Duration) -> Self {
        TokenCache::with_options(source, TokenOptions::margin(margin), TokioClock)
    }

    /// A cache like [`new`](Self::new) reading expiry from `clock` (a
    /// [`ManualClock`](crate::ManualClock) in tests, so expiry is tested without waiting).
    pub fn with_clock(
        source: impl TokenSource + 'static,
        margin: Duration,
        clock: impl Clock + 'static,
    ) -> Self {
        TokenCache::with_options(source, TokenOptions::margin(margin), clock)
    }

    /// A cache with every option given.
    pub fn with_options(
        source: impl TokenSource + 'static,
        options: TokenOptions,
        clock: impl Clock + 'static,
    ) -> Self {
        TokenCache::build(Box::new(source), options, Arc::new(clock), None)
    }

    /// A cache like [`with_options`](Self::with_options) that shares its tokens with every
    /// other cache of the same `key` through `store` (other replicas of the service): one fetch
    /// per token lifetime across all of them, see [`token_store`](crate::token_store). A store
    /// that fails is never an outage: this cache then fetches on its own.
    pub fn with_store(
        source: impl TokenSource + 'static,
        options: TokenOptions,
        clock: impl Clock + 'static,
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
    ) -> Self {
        TokenCache::build(
            Box::new(source),
            options,
            Arc::new(clock),
            Some((store, key.into())),
        )
    }

    fn build(
        source: Box<dyn TokenSource>,
        options: TokenOptions,
        clock: Arc<dyn Clock>,
        store: Option<(Arc<dyn TokenStore>, String)>,
    ) -> Self {
        TokenCache {
            inner: Arc::new(CacheInner {
                source,
                options,
                clock,
                state: std::sync::Mutex::new(State::default()),
                fetches: AtomicU64::new(0),
                store,
                store_warned: std::sync::Mutex::new(None),
                api: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The API this cache's fetches are counted under in the metrics (the first name given
    /// stays; a context gives its API's when it takes the cache).
    pub(crate) fn label(&self, api: &'static str) {
        let _ = self.inner.api.set(api);
    }

    /// How many fetches this cache has started (with a shared store, a fetch may end with a
    /// token another replica fetched).
    pub fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A usable token: the cached one, or the result of the one fetch every caller waiting now
    /// shares (see the type's docs).
    pub async fn token(&self) -> Result<Secret, AuthError> {
        self.usable().await.map(|t| t.value)
    }

    /// The `Authorization` header for a usable token (`Bearer <token>`, marked sensitive so no
    /// log shows it), made once per token; the same rules as [`token`](Self::token).
    pub async fn authorization(&self) -> Result<HeaderValue, AuthError> {
        self.usable().await.map(|t| t.header)
    }

    async fn usable(&self) -> Result<Usable, AuthError> {
        let mut waiting = {
            let mut state = self.lock();
            let now = self.inner.clock.now();
            let valid = state
                .current
                .as_ref()
                .filter(|t| now < t.expires_at)
                .map(|t| (t.token.clone(), now < t.refresh_at));
            match valid {
                Some((value, true)) => return Ok(value),
                Some((value, false)) => {
                    // Due for refresh but still valid: hand it out, refresh beside.
                    if state.fetching.is_none() {
                        state.fetching = Some(self.start_fetch());
                    }
                    return Ok(value);
                }
                None => {}
            }
            if let Some((error, until)) = &state.failed
                && now < *until
            {
                return Err(error.clone());
            }
            match &state.fetching {
                Some(shared) => shared.clone(),
                None => {
                    let shared = self.start_fetch();
                    state.fetching = Some(shared.clone());
                    shared
                }
            }
        };
        let result = waiting
            .wait_for(Option::is_some)
            .await
            .map(|r| r.clone())
            .ok()
            .flatten();
        result.unwrap_or_else(|| {
            Err(AuthError::Unreachable {
                url: self.inner.source.token_url(),
                message: "the token fetch ended without a result".into(),
            })
        })
    }

    /// Start the one fetch on a task of its own; its result goes to every waiter and the cache.
    fn start_fetch(&self) -> Shared {
        let (sender, receiver) = watch::channel(None);
        let inner = self.inner.clone();
        inner.fetches.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let result = inner.obtain().await;
            let shared = {
                let mut state = inner.state.lock().unwrap_or_else(|p| p.into_inner());
                state.fetching = None;
                let url = || inner.source.token_url();
                match result.and_then(|fresh| Ok((Usable::new(fresh.value.clone(), url)?, fresh))) {
                    Ok((token, fresh)) => {
                        state.current = Some(Cached {
                            token: token.clone(),
                            refresh_at: fresh.refresh_at,
                            expires_at: fresh.expires_at,
                        });
                        state.failed = None;
                        Ok(token)
                    }
                    Err(error) => {
                        tracing::warn!(%error, "token fetch failed");
                        let until = inner
                            .clock
                            .now()
                            .checked_add(inner.options.retry_failures_after)
                            .unwrap_or_else(|| inner.clock.now());
                        state.failed = Some((error.clone(), until));
                        Err(error)
                    }
                }
            };
            let _ = sender.send(Some(shared));
        });
        receiver
    }

    /// Drop `rejected` (the bank answered 401 to it) so the next [`token`](Self::token) fetches a
    /// new one. A token another caller already replaced is left alone, so a burst of 401s for the
    /// same stale token causes one refresh, not one per request.
    ///
    /// With a shared store, the token is also deleted there if it is still the one stored (a
    /// newer token another replica stored is left alone), and it is not taken from the store
    /// again: a burst of 401s across the fleet refreshes once.
    pub async fn invalidate(&self, rejected: &Secret) {
        self.invalidate_if(|t| &t.value == rejected);
        self.invalidate_shared(rejected).await;
    }

    /// [`invalidate`](Self::invalidate) the token an [`authorization`](Self::authorization)
    /// header carried.
    pub async fn invalidate_authorization(&self, rejected: &HeaderValue) {
        self.invalidate_if(|t| t.header == rejected);
        if let Some(token) = rejected
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
        {
            self.invalidate_shared(&Secret::new(token)).await;
        }
    }

    async fn invalidate_shared(&self, rejected: &Secret) {
        let Some((store, key)) = &self.inner.store else {
            return;
        };
        self.lock().rejected = Some(rejected.clone());
        if let Err(error) = store.invalidate(key, rejected).await {
            self.inner.store_failed(&error);
        }
    }

    fn invalidate_if(&self, rejected: impl Fn(&Usable) -> bool) {
        let mut state = self.lock();
        if state.current.as_ref().is_some_and(|t| rejected(&t.token)) {
            state.current = None;
            state.failed = None;
        }
    }
}

impl CacheInner {
    /// A token: through the shared store when there is one (falling back to our own fetch when
    /// it fails), from the token endpoint otherwise.
    async fn obtain(&self) -> Result<Fresh, AuthError> {
        let Some((store, key)) = &self.store else {
            return self.fetch_own().await;
        };
        let rejected = self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .rejected
            .clone();
        // Bounded: a holder's lease runs out, then this replica fetches itself.
        let bound = self.options.fetch_timeout + store.lease_time() * 2;
        let shared = tokio::time::timeout(bound, self.through(store.as_ref(), key, rejected));
        match shared.await {
            Ok(Ok(fresh)) => Ok(fresh),
            Ok(Err(SharedFailure::Auth(error))) => Err(error),
            Ok(Err(SharedFailure::Store(error))) => {
                self.store_failed(&error);
                self.fetch_own().await
            }
            Err(_) => {
                self.store_failed(&StoreError::Unavailable {
                    store: format!("{store:?}"),
                    message: format!("no shared token within {bound:?}"),
                });
                self.fetch_own().await
            }
        }
    }

    /// One fetch from the token endpoint, bounded by the fetch timeout, as a [`Fresh`] token.
    async fn fetch_own(&self) -> Result<Fresh, AuthError> {
        let asked = self.clock.now();
        let token = self.fetch_from_bank().await?;
        let lifetime = token.lifetime.clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME);
        Ok(self.fresh(token.value, asked, lifetime, lifetime))
    }

    /// Ask the token endpoint (counted and timed in the metrics).
    async fn fetch_from_bank(&self) -> Result<AccessToken, AuthError> {
        tracing::debug!("fetching a new access token");
        let timeout = self.options.fetch_timeout;
        let started = Instant::now();
        let result = match tokio::time::timeout(timeout, self.source.fetch()).await {
            Ok(result) => result,
            Err(_) => Err(AuthError::Unreachable {
                url: self.source.token_url(),
                message: format!("no token within {timeout:?}"),
            }),
        };
        let api = self.api.get().copied().unwrap_or("unknown");
        crate::metrics::token_fetch(api, result.as_ref().map(|_| ()), started.elapsed());
        result
    }

    /// A token valid for `remaining` from `at`, of a whole `lifetime` (which sets the margin).
    /// Expiry counts from before the request, so a slow token endpoint errs on the safe side.
    fn fresh(&self, value: Secret, at: Instant, remaining: Duration, lifetime: Duration) -> Fresh {
        let margin = self.options.margin.min(lifetime / 2);
        let expires_at = at.checked_add(remaining).unwrap_or(at);
        Fresh {
            value,
            expires_at,
            refresh_at: expires_at.checked_sub(margin).unwrap_or(at),
        }
    }

    /// A stored token as ours, unless it is due for refresh (or expired) by our clock.
    fn adopt(&self, token: &StoredToken) -> Option<Fresh> {
        let remaining = token.expires_at.duration_since(self.clock.wall()).ok()?;
        let margin = self.options.margin.min(token.lifetime / 2);
        (remaining > margin).then(|| {
            self.fresh(
                token.value.clone(),
                self.clock.now(),
                remaining,
                token.lifetime,
            )
        })
    }

    /// The shared fetch: read, or lease and fetch and put, or wait for the holder.
    async fn through(
        &self,
        store: &dyn TokenStore,
        key: &str,
        rejected: Option<Secret>,
    ) -> Result<Fresh, SharedFailure> {
        loop {
            let read = store.read(key).await.map_err(SharedFailure::Store)?;
            if let Some(fresh) = read
                .token
                .as_ref()
                .filter(|t| rejected.as_ref() != Some(&t.value))
                .and_then(|t| self.adopt(t))
            {
                return Ok(fresh);
            }
            if !read.leased
                && let Some(fence) = store.lease(key).await.map_err(SharedFailure::Store)?
            {
                return self.fetch_under_lease(store, key, fence).await;
            }
            // Another replica is fetching (or just took the lease): read again shortly.
            tokio::time::sleep(store.poll_interval()).await;
        }
    }

    /// Holding the lease numbered `fence`: fetch, store, and hand out the token (a newer one
    /// from the store if this lease ran out meanwhile).
    async fn fetch_under_lease(
        &self,
        store: &dyn TokenStore,
        key: &str,
        fence: u64,
    ) -> Result<Fresh, SharedFailure> {
        // A token stored between our read and our lease (its holder finished in between) is
        // taken: the lease is released, nothing is fetched.
        match store.read(key).await {
            Ok(read) => {
                if let Some(fresh) = read.token.as_ref().and_then(|t| self.adopt(t)) {
                    if let Err(e) = store.release(key, fence).await {
                        self.store_failed(&e);
                    }
                    return Ok(fresh);
                }
            }
            Err(error) => {
                let _ = store.release(key, fence).await;
                return Err(SharedFailure::Store(error));
            }
        }
        let (asked, asked_wall) = (self.clock.now(), self.clock.wall());
        let token = match self.fetch_from_bank().await {
            Ok(token) => token,
            Err(error) => {
                if let Err(e) = store.release(key, fence).await {
                    self.store_failed(&e);
                }
                return Err(SharedFailure::Auth(error));
            }
        };
        let lifetime = token.lifetime.clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME);
        let stored = StoredToken {
            value: token.value,
            expires_at: asked_wall + lifetime,
            lifetime,
            fence,
        };
        let ttl = lifetime.saturating_sub(self.clock.now().saturating_duration_since(asked));
        match store.put(key, &stored, ttl).await {
            Ok(true) => {}
            Ok(false) => {
                // The lease ran out and another replica stored a token: the newer one wins.
                tracing::info!("the token fetch outlived its lease; taking the newer shared token");
                if let Ok(read) = store.read(key).await
                    && let Some(fresh) = read
                        .token
                        .filter(|t| t.fence > fence)
                        .and_then(|t| self.adopt(&t))
                {
                    return Ok(fresh);
                }
            }
            Err(error) => self.store_failed(&error),
        }
        Ok(self.fresh(stored.value, asked, lifetime, lifetime))
    }

    /// Log a store failure, at most once per [`STORE_WARNING_INTERVAL`].
    fn store_failed(&self, error: &StoreError) {
        let now = self.clock.now();
        let mut warned = self.store_warned.lock().unwrap_or_else(|p| p.into_inner());
        if warned.is_none_or(|at| now.saturating_duration_since(at) >= STORE_WARNING_INTERVAL) {
            *warned = Some(now);
            tracing::warn!(%error, "shared token store failed; fetching tokens locally until it answers again");
        }
    }
}
