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
        TokenCache {
            inner: Arc::new(CacheInner {
                source: Box::new(source),
                options,
                clock: Arc::new(clock),
                state: std::sync::Mutex::new(State::default()),
                fetches: AtomicU64::new(0),
            }),
        }
    }

    /// How many fetches this cache has started.
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
        tracing::debug!("fetching a new access token");
        tokio::spawn(async move {
            // Expiry counts from before the request, so a slow token endpoint errs on the safe side.
            let asked = inner.clock.now();
            let timeout = inner.options.fetch_timeout;
            let result = match tokio::time::timeout(timeout, inner.source.fetch()).await {
                Ok(result) => result,
                Err(_) => Err(AuthError::Unreachable {
                    url: inner.source.token_url(),
                    message: format!("no token within {timeout:?}"),
                }),
            };
            let shared = {
                let mut state = inner.state.lock().unwrap_or_else(|p| p.into_inner());
                state.fetching = None;
                let url = || inner.source.token_url();
                match result.and_then(|fresh| Ok((Usable::new(fresh.value, url)?, fresh.lifetime)))
                {
                    Ok((token, lifetime)) => {
                        let lifetime = lifetime.clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME);
                        let margin = inner.options.margin.min(lifetime / 2);
                        let expires_at = asked.checked_add(lifetime).unwrap_or(asked);
                        state.current = Some(Cached {
                            token: token.clone(),
                            refresh_at: expires_at.checked_sub(margin).unwrap_or(asked),
                            expires_at,
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
    pub async fn invalidate(&self, rejected: &Secret) {
        self.invalidate_if(|t| &t.value == rejected);
    }

    /// [`invalidate`](Self::invalidate) the token an [`authorization`](Self::authorization)
    /// header carried.
    pub async fn invalidate_authorization(&self, rejected: &HeaderValue) {
        self.invalidate_if(|t| t.header == rejected);
    }

    fn invalidate_if(&self, rejected: impl Fn(&Usable) -> bool) {
        let mut state = self.lock();
        if state.current.as_ref().is_some_and(|t| rejected(&t.token)) {
            state.current = None;
            state.failed = None;
        }
    }
}
