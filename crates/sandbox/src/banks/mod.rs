//! The bank registry: one module per bank, each implementing [`BankSim`] with its error format,
//! its authentication refusals, its token route, its simulation of each operation (matched on
//! the generated `operations` constants) and its own state type, which [`crate::state`] composes.
//! `SIMS` is the only place that maps a bank to its simulation (one row per module); an API
//! without one is served by [`generic`]. The generated types are
//! `#[non_exhaustive]`: the bank modules make them with their builders, through [`build`].

pub mod baas;
pub mod broker;
pub mod financial;
pub mod generic;
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

/// The hand-written simulations, one row each. Every other API of the registry is served by
/// [`generic::Generic`], driven by its documents.
const SIMS: &[(Bank, &dyn BankSim)] = &[
    (Bank::Broker, &broker::Broker),
    (Bank::Financial, &financial::Financial),
    (Bank::Globus, &globus::Globus),
    (Bank::Baas, &baas::Baas),
];

impl Bank {
    /// The bank's simulation: its hand-written one, or the generic one.
    pub fn sim(self) -> &'static dyn BankSim {
        SIMS.iter()
            .find(|(bank, _)| *bank == self)
            .map_or(generic::for_bank(self), |(_, sim)| *sim)
    }

    /// Whether a hand-written simulation serves this API.
    pub fn hand_written(self) -> bool {
        SIMS.iter().any(|(bank, _)| *bank == self)
    }
}
