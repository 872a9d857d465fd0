//! Shared runtime of the generated bank clients.
//!
//! Generated crates refer to the exact [`Decimal`] and the bank date types by path (through
//! `x-rust-type` in their normalised spec), and take a [`Context`] as progenitor's inner value so
//! that their `ClientHooks` delegate here.
//!
//! Every call is a `tracing` span `bank_call`, and is counted and timed through the `metrics`
//! facade: the names and labels are listed in [`metrics`]. With feature `otel`, every attempt
//! carries the call's W3C `traceparent` to the bank (`trace`).

#![warn(missing_docs)]

// The one call path's machinery, for the generated code (`client_hooks!`, `.bank()`): not part
// of the supported surface.
#[doc(hidden)]
pub mod call;
pub mod callback;
mod context;
mod dates;
mod decimal;
pub mod error;
pub mod metrics;
#[cfg(feature = "test-util")]
pub mod mock;
pub mod oauth;
pub mod query;
#[cfg(feature = "redis")]
pub mod redis_store;
pub mod retry;
mod secret;
pub mod signing;
pub mod spec;
pub mod time;
pub mod token;
pub mod token_store;
#[cfg(feature = "otel")]
pub mod trace;

pub use callback::{CallbackError, DEFAULT_MAX_CALLBACK, parse_callback};
pub use context::{Answer, Context, ContextBuilder};
pub use dates::{
    DateDmy, DateTime, DateTimeDmyHms, DateTimeDmyHmsDots, DateTimeYmdHms, LayoutError,
};
pub use decimal::{Decimal, DecimalError, DecimalParam};
pub use error::{ApiErrorCode, AuthError, BankError, ErrorKind, Outcome};
pub use oauth::{ClientCredentials, ClientCredentialsGrant, PasswordGrant};
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use signing::{BodySigner, SignError, SignFuture, Signing};
pub use spec::{
    ApiSpec, Grant, HttpAuth, OAuth2Spec, OperationSpec, ParameterSpec, RefusalSpec, SigningSpec,
    UnknownOperation,
};
pub use time::{Clock, InstantSleep, ManualClock, Sleeper, SystemClock, TokioClock, TokioSleep};
pub use token::{AccessToken, TokenCache, TokenOptions, TokenSource};
pub use token_store::{MemoryStore, StoreError, TokenStore};

/// A generated API client (every generated crate's `Client`, through [`client_hooks!`]): what
/// code over any API needs to build one and to call it by operation — the facade's generic
/// builder, the CLI.
pub trait GeneratedClient: Sized {
    /// The API's facts, generated from its document.
    const SPEC: &'static ApiSpec;
    /// A client calling `base_url` with `http`, every call through `context` (token, signing,
    /// retries, deadline).
    fn from_parts(base_url: &str, http: reqwest::Client, context: Context) -> Self;
    /// The base URL it calls.
    fn base_url(&self) -> &str;
    /// Its HTTP client.
    fn http(&self) -> &reqwest::Client;
    /// Its context.
    fn context(&self) -> &Context;
}

#[doc(hidden)]
pub use progenitor_client as __progenitor_client;
#[doc(hidden)]
pub use reqwest as __reqwest;
#[doc(hidden)]
pub use serde as __serde;

/// Implement progenitor's `ClientHooks` for a generated `Client` by delegating to its
/// [`Context`], and define the crate's `API` name (from its generated `SPEC`). It must expand
/// inside the crate that defines `Client` (orphan rule). (Each request builder's `bank()` is
/// generated beside its `send()`.)
#[macro_export]
macro_rules! client_hooks {
    ($client:ty) => {
        /// The name of this API in logs and errors (`SPEC.name`).
        pub const API: &str = SPEC.name;

        impl $client {
            /// The base URL this client calls (the environment's, path stem included).
            pub fn base_url(&self) -> &str {
                $crate::__progenitor_client::ClientInfo::baseurl(self)
            }
        }

        impl $crate::GeneratedClient for $client {
            const SPEC: &'static $crate::ApiSpec = &SPEC;

            fn from_parts(
                base_url: &str,
                http: $crate::__reqwest::Client,
                context: $crate::Context,
            ) -> Self {
                <$client>::new_with_client(base_url, http, context)
            }

            fn base_url(&self) -> &str {
                $crate::__progenitor_client::ClientInfo::baseurl(self)
            }

            fn http(&self) -> &$crate::__reqwest::Client {
                $crate::__progenitor_client::ClientInfo::client(self)
            }

            fn context(&self) -> &$crate::Context {
                $crate::__progenitor_client::ClientInfo::inner(self)
            }
        }

        impl $crate::__progenitor_client::ClientHooks<$crate::Context> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::__reqwest::Request,
                info: &$crate::__progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::__progenitor_client::Error<E>> {
                // Token and signature are the call path's, inside the call's deadline (exec).
                let _ = (request, info);
                ::std::result::Result::Ok(())
            }

            async fn exec(
                &self,
                request: $crate::__reqwest::Request,
                info: &$crate::__progenitor_client::OperationInfo,
            ) -> $crate::__reqwest::Result<$crate::__reqwest::Response> {
                $crate::call::exec(
                    $crate::__progenitor_client::ClientInfo::inner(self),
                    $crate::__progenitor_client::ClientInfo::client(self),
                    request,
                    info.operation_id,
                )
                .await
            }

            async fn post<E>(
                &self,
                result: &$crate::__reqwest::Result<$crate::__reqwest::Response>,
                info: &$crate::__progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::__progenitor_client::Error<E>> {
                let _ = info;
                $crate::call::post(result)
            }
        }
    };
}
