//! The bank registry: one module per bank, each implementing [`BankSim`] with its error format,
//! its authentication refusals, its token route, its simulation of each operation (matched on
//! the generated `operations` constants) and its own state type, which [`crate::state`] composes.
//! [`Bank::sim`] is the only place that maps a bank to its simulation. The generated types are
//! `#[non_exhaustive]`: the bank modules make them with their builders, through [`build`].

pub mod baas;
pub mod broker;
pub mod financial;
pub mod globus;

use std::fmt::Display;

use serde::Serialize;

pub use crate::sim::{BankSim, Call, Effect, Outcome, Reply, is_uuid, money};
use crate::spec::Bank;

/// A generated type its builder could not make: a required field left unset, a mistake of the
/// sandbox's own. A request answers it with the sandbox's 500 ([`Reply::internal`]), naming the
/// type; a callback is logged and not sent.
#[derive(Debug, thiserror::Error)]
#[error("building {type_name}: {message}")]
pub struct BuildError {
    type_name: &'static str,
    message: String,
}

impl From<BuildError> for Reply {
    fn from(e: BuildError) -> Reply {
        Reply::internal(&e.to_string())
    }
}

/// A generated type `T` from its builder (`t::Foo::builder()…`): the generated types are
/// `#[non_exhaustive]`, so this is how the sandbox makes them.
pub fn build<T>(builder: impl TryInto<T, Error: Display>) -> Result<T, BuildError> {
    builder.try_into().map_err(|e| BuildError {
        type_name: std::any::type_name::<T>(),
        message: e.to_string(),
    })
}

/// [`Reply::json`] of a generated type `T` made by its builder, or the 500 of its [`BuildError`].
pub fn build_json<T: Serialize>(status: u16, builder: impl TryInto<T, Error: Display>) -> Reply {
    match build::<T>(builder) {
        Ok(value) => Reply::json(status, &value),
        Err(e) => e.into(),
    }
}

impl Bank {
    /// The bank's simulation.
    pub fn sim(self) -> &'static dyn BankSim {
        match self {
            Bank::Broker => &broker::Broker,
            Bank::Financial => &financial::Financial,
            Bank::Globus => &globus::Globus,
            Bank::Baas => &baas::Baas,
        }
    }
}
