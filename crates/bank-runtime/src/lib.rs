//! Shared runtime of the generated bank clients.
//!
//! Generated crates refer to the exact [`Decimal`] and the bank date types by path (through
//! `x-rust-type` in their normalised spec), and take a [`Context`] as progenitor's inner value so
//! that their `ClientHooks` delegate here.

#![warn(missing_docs)]

mod context;
mod dates;
mod decimal;

pub use context::Context;
pub use dates::{
    DateDmy, DateTime, DateTimeDmyHms, DateTimeDmyHmsDots, DateTimeYmdHms, LayoutError,
};
pub use decimal::{Decimal, DecimalError};

#[doc(hidden)]
pub use progenitor_client as __progenitor_client;
#[doc(hidden)]
pub use reqwest as __reqwest;

/// Implement progenitor's `ClientHooks` for a generated `Client` by delegating to its
/// [`Context`]. It must expand inside the crate that defines `Client` (orphan rule).
#[macro_export]
macro_rules! client_hooks {
    ($client:ty) => {
        impl $crate::__progenitor_client::ClientHooks<$crate::Context> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::__reqwest::Request,
                _info: &$crate::__progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::__progenitor_client::Error<E>> {
                $crate::__progenitor_client::ClientInfo::inner(self).prepare(request);
                Ok(())
            }
        }
    };
}
