//! The bank registry: one module per bank, each implementing [`BankSim`] with its error format,
//! its authentication refusals, its token route, its simulation of each operation (matched on
//! the generated `operations` constants) and its own state type, which [`crate::state`] composes.
//! [`Bank::sim`] is the only place that maps a bank to its simulation.

pub mod baas;
pub mod broker;
pub mod financial;
pub mod globus;

pub use crate::sim::{BankSim, Call, Effect, Outcome, Reply, is_uuid, money};
use crate::spec::Bank;

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
