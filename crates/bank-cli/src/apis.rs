//! The APIs the CLI calls — every row of the workspace's registry (`bank-apis`, generated from
//! `specs/`), so an API onboarded with `cargo xtask new` is a subcommand at once — and a
//! connection to one of them built by the facade from environment variables or the config file.

/// Every API, in the order `bank --help` lists them.
pub use bank_apis::ALL;
/// One API: its generated facts and title.
pub use bank_apis::Api;

/// Where and how to send a call: the client's base URL, its HTTP client and its context (token
/// cache, signer, retries).
pub type Target = banks::generic::Connection;

/// A connection to the API `name`, configured by `lookup` (the facade's variable names: those of
/// its hand-written module for the API, or the generic ones its document asks for).
pub fn connect(name: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Target, String> {
    let api = bank_apis::find(name).ok_or_else(|| format!("no API `{name}`"))?;
    banks::generic::connect(api.spec, lookup).map_err(|e| e.to_string())
}
