//! Sandbox settings: credentials each bank accepts, token lifetime, decision rules, accounts,
//! certificates for JWS verification, default faults. Read from TOML; every field has a default,
//! so an empty file (or none) gives a working sandbox.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Everything configurable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Lifetime of every token issued, in seconds (short values exercise clients' refresh).
    pub token_lifetime_secs: u64,
    /// Delay between automatic status changes (bank decisions, payouts), in milliseconds.
    pub step_delay_ms: u64,
    /// BCC (both APIs).
    pub bcc: BccConfig,
    /// Globus CFRONT.
    pub globus: GlobusConfig,
    /// BaaS Gateway.
    pub baas: BaasConfig,
    /// Faults applied to every request (a request's `x-sandbox-fault` header adds its own).
    pub faults: FaultConfig,
    /// How callbacks and postLinks are delivered.
    pub callbacks: CallbackConfig,
    /// Keep every request and answer in memory ([`Sandbox::exchanges`](crate::Sandbox::exchanges)),
    /// for tests that hold them to the banks' documents. Off by default: memory grows with use.
    pub record_exchanges: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token_lifetime_secs: 300,
            step_delay_ms: 20,
            bcc: BccConfig::default(),
            globus: GlobusConfig::default(),
            baas: BaasConfig::default(),
            faults: FaultConfig::default(),
            callbacks: CallbackConfig::default(),
            record_exchanges: false,
        }
    }
}

/// BCC: client credentials, broker products, FinancialAPI accounts and signing certificates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BccConfig {
    /// Accepted `(client id, client secret)` pairs.
    pub clients: Vec<Credential>,
    /// Broker: products offered for any partner.
    pub products: Vec<ProductConfig>,
    /// Broker: largest amount approved; above it the application is declined.
    pub broker_max_amount: Decimal,
    /// FinancialAPI: the accounts of every sandbox client, with opening balances.
    pub accounts: Vec<AccountConfig>,
    /// FinancialAPI: PEM certificates whose keys may sign payments (`x-jws-signature`). Empty:
    /// any well-formed signature whose `x5c` certificate verifies it is accepted.
    pub trusted_certificates: Vec<PathBuf>,
    /// FinancialAPI: also accept RFC 7515 messages with a `protected` header. Off by default: the
    /// bank's `jws-message` schema allows only `{header: {x5c, alg}, signature}` per signature.
    pub accept_protected_header: bool,
}

impl Default for BccConfig {
    fn default() -> Self {
        BccConfig {
            clients: vec![Credential::new("sandbox-client", "sandbox-secret")],
            products: vec![
                ProductConfig {
                    code: "INST-3".into(),
                    name: "Рассрочка 0-0-3".into(),
                    months: 3,
                },
                ProductConfig {
                    code: "INST-6".into(),
                    name: "Рассрочка 0-0-6".into(),
                    months: 6,
                },
                ProductConfig {
                    code: "CRED-12".into(),
                    name: "Кредит 12 месяцев".into(),
                    months: 12,
                },
            ],
            broker_max_amount: Decimal::from(3_000_000),
            accounts: vec![
                AccountConfig {
                    iban: "KZ218560000000000001".into(),
                    description: "Текущий счёт".into(),
                    currency: "KZT".into(),
                    balance: Decimal::from(10_000_000),
                },
                AccountConfig {
                    iban: "KZ218560000000000002".into(),
                    description: "Сберегательный счёт".into(),
                    currency: "KZT".into(),
                    balance: Decimal::from(500_000),
                },
            ],
            trusted_certificates: Vec::new(),
            accept_protected_header: false,
        }
    }
}

/// A login and secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Client id, consumer key or login.
    pub id: String,
    /// Its secret.
    pub secret: String,
}

impl Credential {
    /// A credential.
    pub fn new(id: &str, secret: &str) -> Self {
        Credential {
            id: id.into(),
            secret: secret.into(),
        }
    }
}

/// A broker product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductConfig {
    /// Product code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Term in months.
    pub months: u32,
}

/// A FinancialAPI account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountConfig {
    /// IBAN (20 characters).
    pub iban: String,
    /// Description.
    pub description: String,
    /// Currency code.
    pub currency: String,
    /// Opening balance.
    pub balance: Decimal,
}

/// Globus: merchant logins and the bank's decision rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlobusConfig {
    /// Accepted merchant logins (HTTP Basic).
    pub merchants: Vec<Credential>,
    /// Largest order amount the bank approves.
    pub approve_max_amount: Decimal,
    /// Phones the bank always declines (REJECTED_BY_BANK).
    pub decline_phones: Vec<String>,
    /// Phones `client/validate` does not find (404 CLIENT_NOT_FOUND).
    pub unknown_phones: Vec<String>,
}

impl Default for GlobusConfig {
    fn default() -> Self {
        GlobusConfig {
            merchants: vec![Credential::new("sandbox-merchant", "sandbox-password")],
            approve_max_amount: Decimal::from(500_000),
            decline_phones: vec!["380500000001".into()],
            unknown_phones: vec!["380500000404".into()],
        }
    }
}

/// BaaS: consumer key, users, SMS code and decision rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaasConfig {
    /// Accepted consumer key and secret (HTTP Basic on the token call).
    pub consumers: Vec<Credential>,
    /// Accepted user logins (the password grant).
    pub users: Vec<Credential>,
    /// The SMS code every card attachment accepts.
    pub sms_code: String,
    /// How long an SMS code is valid, in seconds.
    pub sms_lifetime_secs: u64,
    /// Largest micro-credit approved.
    pub microcredit_max_amount: Decimal,
    /// PINFLs scoring declines (error 1003).
    pub decline_pinfls: Vec<String>,
}

impl Default for BaasConfig {
    fn default() -> Self {
        BaasConfig {
            consumers: vec![Credential::new(
                "sandbox-consumer",
                "sandbox-consumer-secret",
            )],
            users: vec![Credential::new("sandbox-user", "sandbox-password")],
            sms_code: "111111".into(),
            sms_lifetime_secs: 120,
            microcredit_max_amount: Decimal::from(50_000_000),
            decline_pinfls: vec!["30101900000003".into()],
        }
    }
}

/// Faults from the configuration, for client testing; the same syntax as the `x-sandbox-fault`
/// header (`latency=250, status=503, expired-token, malformed`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Faults on every request (e.g. `latency=100`).
    pub always: String,
    /// Apply `nth` to every `n`th request (0: never).
    pub every_nth: u64,
    /// Faults on every `every_nth` request (e.g. `status=503` or `expired-token`).
    pub nth: String,
}

/// Delivery of callbacks (Globus) and postLinks (broker) to merchant URLs.
///
/// Neither bank documents retries (marked inference: one attempt by default, as a merchant must
/// expect); set `attempts` above 1 to test a service against a bank that retries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackConfig {
    /// Attempts per callback, the first included (at least 1).
    pub attempts: u32,
    /// Wait between attempts, in milliseconds.
    pub retry_delay_ms: u64,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            attempts: 1,
            retry_delay_ms: 1000,
        }
    }
}

/// The configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid sandbox TOML.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The parser's message (it names the line and the key).
        message: String,
    },
}

impl Config {
    /// Read a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// The token lifetime.
    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.token_lifetime_secs)
    }

    /// The delay between automatic status changes.
    pub fn step_delay(&self) -> Duration {
        Duration::from_millis(self.step_delay_ms)
    }
}
