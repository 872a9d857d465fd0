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
