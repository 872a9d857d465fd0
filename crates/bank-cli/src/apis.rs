//! The four APIs the CLI calls, and a client for one of them built by the facade from
//! environment variables or the config file.

use banks::{Builder, Context};
use progenitor_client::ClientInfo;

/// One API: its generated facts and a one-line title.
pub struct Api {
    /// The generated `SPEC` (operations, auth, refusal, client-id parameter).
    pub spec: &'static bank_runtime::ApiSpec,
    /// What it is.
    pub title: &'static str,
}

/// Every API, in the order `bank --help` lists them.
pub const ALL: [&Api; 4] = [
    &Api {
        spec: &banks::bcc::broker::SPEC,
        title: "BCC Smart Online Broker: installments and pre-approved loans",
    },
    &Api {
        spec: &banks::bcc::financial::SPEC,
        title: "BCC FinancialAPI: accounts, statements, signed payments, messages",
    },
    &Api {
        spec: &banks::globus::cfront::SPEC,
        title: "Globus CFRONT: merchant installment orders",
    },
    &Api {
        spec: &banks::baas::gateway::SPEC,
        title: "BaaS Gateway: cards and micro-credits (envelope API)",
    },
];

/// Where and how to send a call: the client's base URL, its HTTP client and its context (token
/// cache, signer, retries).
pub struct Target {
    /// The base URL.
    pub base: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The facade's context for the API.
    pub context: Context,
}

fn target<C: ClientInfo<Context>>(client: &C) -> Target {
    Target {
        base: client.baseurl().to_owned(),
        http: client.client().clone(),
        context: client.inner().clone(),
    }
}

fn build<A: banks::Api>(lookup: &dyn Fn(&str) -> Option<String>) -> Result<A::Client, String> {
    Builder::<A>::from_lookup(lookup)
        .and_then(Builder::build)
        .map_err(|e| e.to_string())
}

/// A client for the API `name`, configured by `lookup` (the facade's variable names).
pub fn connect(name: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Target, String> {
    match name {
        "bcc-broker" => Ok(target(&build::<banks::bcc::Broker>(lookup)?)),
        "bcc-financial" => Ok(target(&build::<banks::bcc::Financial>(lookup)?)),
        "globus-cfront" => Ok(target(&build::<banks::globus::Cfront>(lookup)?)),
        "baas-gateway" => Ok(target(build::<banks::baas::Baas>(lookup)?.generated())),
        other => Err(format!("no API `{other}`")),
    }
}
