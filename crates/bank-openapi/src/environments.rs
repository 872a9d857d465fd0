//! The names `x-environment` gives a server (set by a declared fix where the bank names none):
//! the one list the generator accepts and the facade's `Environment` maps to.

/// The bank's production endpoint.
pub const PRODUCTION: &str = "production";
/// The bank's alternative production endpoint (BCC: port 10443).
pub const ALTERNATIVE_PRODUCTION: &str = "alternative-production";
/// The bank's test environment.
pub const TEST: &str = "test";

/// Every accepted `x-environment` value.
pub const ALL: &[&str] = &[PRODUCTION, ALTERNATIVE_PRODUCTION, TEST];
