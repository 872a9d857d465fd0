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
    /// Issuing a token revokes the earlier tokens of the same client and API: what some OAuth
    /// servers do (not a claim about any of these banks), so that a service's replicas that
    /// each fetch their own token invalidate each other's. Off by default; also steerable
    /// (`steer().revoke_previous_tokens(true)`, `POST /_sandbox/token-revocation`).
    pub revoke_previous_tokens: bool,
    /// Delay between automatic status changes (bank decisions, payouts), in milliseconds.
    pub step_delay_ms: u64,
    /// BCC (both APIs).
    pub bcc: BccConfig,
    /// Globus CFRONT.
    pub globus: GlobusConfig,
    /// BaaS Gateway.
    pub baas: BaasConfig,
    /// The accounts of every API served by the generic simulation (no hand-written module).
    pub generic: GenericConfig,
    /// Faults applied to every request (a request's `x-sandbox-fault` header adds its own).
    pub faults: FaultConfig,
    /// How callbacks and postLinks are delivered.
    pub callbacks: CallbackConfig,
    /// Keep the latest requests and answers in memory
    /// ([`Sandbox::exchanges`](crate::Sandbox::exchanges)), for tests that hold them to the banks'
    /// documents; a ring buffer bounded by `[limits] exchanges` and `exchange_bytes`, with
    /// credentials redacted. Off by default.
    pub record_exchanges: bool,
    /// Who may steer the sandbox over HTTP (`/_sandbox/`).
    pub admin: AdminConfig,
    /// What the HTTP server answers for.
    pub server: ServerConfig,
    /// Bounds of every in-memory collection.
    pub limits: Limits,
    /// How the `--state` file is written.
    pub state: StateConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token_lifetime_secs: 300,
            revoke_previous_tokens: false,
            step_delay_ms: 20,
            bcc: BccConfig::default(),
            globus: GlobusConfig::default(),
            baas: BaasConfig::default(),
            generic: GenericConfig::default(),
            faults: FaultConfig::default(),
            callbacks: CallbackConfig::default(),
            record_exchanges: false,
            admin: AdminConfig::default(),
            server: ServerConfig::default(),
            limits: Limits::default(),
            state: StateConfig::default(),
        }
    }
}

/// The accounts of the APIs served by the generic simulation, by the authentication their
/// documents declare (the same test values the facade's `banks::testing` uses).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenericConfig {
    /// OAuth2 `(client id, client secret)` pairs (client credentials; the client of a password
    /// grant).
    pub clients: Vec<Credential>,
    /// OAuth2 password grant `(username, password)` pairs.
    pub users: Vec<Credential>,
    /// HTTP Basic `(login, password)` pairs.
    pub logins: Vec<Credential>,
    /// Bearer tokens accepted as they are (`type: http, scheme: bearer`).
    pub tokens: Vec<String>,
}

impl Default for GenericConfig {
    fn default() -> Self {
        GenericConfig {
            clients: vec![Credential::new("sandbox-client", "sandbox-secret")],
            users: vec![Credential::new("sandbox-user", "sandbox-password")],
            logins: vec![Credential::new("sandbox-merchant", "sandbox-password")],
            tokens: vec!["sandbox-token".into()],
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
///
/// A client names the URL, so the sandbox POSTs only to the hosts listed here (by default the
/// loopback ones), never follows a redirect, and gives up after `timeout_ms`; a URL whose host is
/// not listed is not contacted and is recorded as a delivery with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackConfig {
    /// Attempts per callback, the first included (at least 1).
    pub attempts: u32,
    /// Wait between attempts, in milliseconds.
    pub retry_delay_ms: u64,
    /// Hosts callbacks and postLinks may go to, as the URL names them (a name or an IP address,
    /// any port, compared without case; IPv6 with or without brackets); `"*"` allows every host.
    /// Default: `localhost`, `127.0.0.1`, `::1`.
    pub allowed_hosts: Vec<String>,
    /// Longest a delivery attempt may take (connecting, sending, the merchant's answer), in
    /// milliseconds. Default 5 000.
    pub timeout_ms: u64,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            attempts: 1,
            retry_delay_ms: 1000,
            allowed_hosts: loopback_hosts(),
            timeout_ms: 5000,
        }
    }
}

/// `localhost`, `127.0.0.1` and `::1`: the default hosts the server answers for and callbacks
/// may go to.
pub fn loopback_hosts() -> Vec<String> {
    vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
}

/// The admin endpoint `/_sandbox/` ([`crate::admin`]).
///
/// Every admin request carries `Authorization: Bearer <token>`. Without a token here (nor in the
/// environment variable [`ADMIN_TOKEN_ENV`], which the binary reads), the sandbox makes a random
/// one at start ([`Sandbox::admin_token`](crate::Sandbox::admin_token); the binary prints it).
/// A sandbox listening on an address that is not loopback requires it to be set.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// The admin token (at least [`MIN_ADMIN_TOKEN`] characters).
    pub token: Option<String>,
}

impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The environment variable the binary reads the admin token from (the configuration's
/// `[admin] token` wins).
pub const ADMIN_TOKEN_ENV: &str = "BANK_SANDBOX_ADMIN_TOKEN";

/// The shortest admin token accepted from the configuration or the environment.
pub const MIN_ADMIN_TOKEN: usize = 16;

/// The HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Host names the sandbox answers for (the request's `Host`, any port, compared without
    /// case; IPv6 with or without brackets); any other is a 421 Misdirected Request, so a page
    /// whose name was rebound to 127.0.0.1 reaches nothing. `"*"` answers for every name.
    /// Default: `localhost`, `127.0.0.1`, `::1`.
    pub hosts: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            hosts: loopback_hosts(),
        }
    }
}

/// How the `--state` file is written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// How often a changed state is written, in milliseconds (at least 1). Default 200.
    pub save_interval_ms: u64,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            save_interval_ms: 200,
        }
    }
}

/// The bound of every collection the sandbox keeps in memory. A ring buffer drops its oldest
/// entries; a limit on what clients create refuses the next creation with an error naming the
/// limit (in the API's own error format; a typed [`SteerError`](crate::steer::SteerError) or a
/// 400 for steering). Counts since the state was started (a state file keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Recorded exchanges kept (the newest). Default 1 000.
    pub exchanges: usize,
    /// Bytes of recorded exchanges kept (headers and bodies). Default 16 MiB.
    pub exchange_bytes: usize,
    /// Delivery attempts kept (the newest). Default 10 000.
    pub deliveries: usize,
    /// Bytes of delivery attempts kept (URLs, reasons and the bodies sent). Default 4 MiB.
    pub delivery_bytes: usize,
    /// Live tokens per API and client; issuing one more revokes that client's oldest. Default 1 000.
    pub tokens_per_client: usize,
    /// Orders per client: Globus orders per merchant, broker orders per BCC client. Default 10 000.
    pub orders_per_client: usize,
    /// FinancialAPI payments per BCC client. Default 10 000.
    pub payments_per_client: usize,
    /// Applications per client: broker pre-approved applications per BCC client; BaaS card and
    /// micro-credit applications, SMS requests and attached cards per user. Default 10 000.
    pub applications_per_client: usize,
    /// Faults set by steering at once. Default 1 000.
    pub faults: usize,
    /// Forced declines at once. Default 10 000.
    pub declines: usize,
    /// URLs with failing callbacks at once. Default 1 000.
    pub callback_failures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            exchanges: 1_000,
            exchange_bytes: 16 * 1024 * 1024,
            deliveries: 10_000,
            delivery_bytes: 4 * 1024 * 1024,
            tokens_per_client: 1_000,
            orders_per_client: 10_000,
            payments_per_client: 10_000,
            applications_per_client: 10_000,
            faults: 1_000,
            declines: 10_000,
            callback_failures: 1_000,
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
