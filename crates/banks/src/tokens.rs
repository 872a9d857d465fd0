//! Tokens shared by a service's replicas: one token fetch per lifetime across the fleet
//! ([`Builder::token_store`](crate::Builder::token_store)), and the clock token expiry reads
//! ([`Builder::token_clock`](crate::Builder::token_clock)).
//!
//! ```no_run
//! # #[cfg(feature = "redis")]
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = banks::tokens::RedisTokenStore::new("redis://10.0.0.5:6379")?;
//! let financial = banks::bcc::Financial::from_env()?.token_store(store.clone()).build()?;
//! let cfront = banks::globus::Cfront::from_env()?.token_store(store).build()?;
//! # let _ = (financial, cfront); Ok(()) }
//! ```
//!
//! Or with no code change: `BANKS_TOKEN_STORE=redis://10.0.0.5:6379` for `from_env()`
//! (feature `redis`). The protocol (a fenced lease per token, the 401 refresh, what happens
//! when Redis is down) is [`bank_runtime::token_store`]'s; how Redis holds it is
//! `RedisTokenStore`'s (feature `redis`).

use std::sync::Arc;

#[cfg(feature = "redis")]
pub use bank_runtime::redis_store::{RedisTokenStore, StoreConfigError};
pub use bank_runtime::token_store::{MemoryStore, StoreError, TokenStore};
pub use bank_runtime::{Clock, ManualClock, SystemClock};

use crate::config::BuildError;

/// The variable naming the shared token store (`redis://…`).
pub const STORE_VARIABLE: &str = "BANKS_TOKEN_STORE";
/// The variable holding the key that seals tokens in the store (32 bytes, standard base64).
pub const SEAL_KEY_VARIABLE: &str = "BANKS_TOKEN_STORE_SEAL_KEY";

/// The store the variables name, if any.
pub(crate) fn from_lookup(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Arc<dyn TokenStore>>, BuildError> {
    let read = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let Some(url) = read(STORE_VARIABLE) else {
        if read(SEAL_KEY_VARIABLE).is_some() {
            return Err(BuildError::InvalidVariable {
                variable: SEAL_KEY_VARIABLE.into(),
                message: format!("set without {STORE_VARIABLE}: there is no store to seal for"),
            });
        }
        return Ok(None);
    };
    redis(url.trim(), read(SEAL_KEY_VARIABLE))
}

#[cfg(feature = "redis")]
fn redis(url: &str, seal_key: Option<String>) -> Result<Option<Arc<dyn TokenStore>>, BuildError> {
    use base64::Engine;
    let invalid = |variable: &str, message: String| BuildError::InvalidVariable {
        variable: variable.into(),
        message,
    };
    if !url.starts_with("redis://") {
        return Err(invalid(
            STORE_VARIABLE,
            "not a redis:// URL (the one store this build knows)".into(),
        ));
    }
    let mut store = bank_runtime::RedisTokenStore::new(url)
        .map_err(|e| invalid(STORE_VARIABLE, e.to_string()))?;
    if let Some(key) = seal_key {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|e| invalid(SEAL_KEY_VARIABLE, format!("not standard base64: {e}")))?;
        store = store
            .seal_with(&bytes)
            .map_err(|e| invalid(SEAL_KEY_VARIABLE, e.to_string()))?;
    }
    Ok(Some(Arc::new(store)))
}

#[cfg(not(feature = "redis"))]
fn redis(_url: &str, _seal_key: Option<String>) -> Result<Option<Arc<dyn TokenStore>>, BuildError> {
    Err(BuildError::InvalidVariable {
        variable: STORE_VARIABLE.into(),
        message: "set, but `banks` was built without its `redis` feature".into(),
    })
}
