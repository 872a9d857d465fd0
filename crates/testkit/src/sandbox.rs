//! The sandbox started in-process on a free port, and the facade's clients pointed at it with
//! the sandbox's test credentials (see `crates/sandbox/README.md`).

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};
use banks::Environment;
use banks::jws::Profile;
use banks::testing::credentials;

/// Start a sandbox with `config` on 127.0.0.1 and a free port.
pub async fn start(config: Config) -> Sandbox {
    Sandbox::start(config, "127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("the sandbox starts")
}

/// A Globus CFRONT client for the sandbox's merchant.
pub fn globus(s: &Sandbox) -> banks::globus::cfront::Client {
    banks::globus::Cfront::builder()
        .credentials(credentials::<banks::globus::Cfront>())
        .environment(Environment::Custom(s.base_url(Bank::Globus)))
        .build()
        .expect("builds")
}

/// A FinancialAPI client for the sandbox's client, signing with the EC test key in `profile`.
pub fn financial(s: &Sandbox, profile: Profile) -> banks::bcc::financial::Client {
    banks::bcc::Financial::builder()
        .credentials(credentials::<banks::bcc::Financial>())
        .environment(Environment::Custom(s.base_url(Bank::Financial)))
        .token_url(s.token_url(Bank::Financial).expect("a token route"))
        .signer(crate::keys::ec_signer(profile))
        .build()
        .expect("builds")
}

/// A Smart Online Broker client for the sandbox's client.
pub fn broker(s: &Sandbox) -> banks::bcc::broker::Client {
    banks::bcc::Broker::builder()
        .credentials(credentials::<banks::bcc::Broker>())
        .environment(Environment::Custom(s.base_url(Bank::Broker)))
        .token_url(s.token_url(Bank::Broker).expect("a token route"))
        .build()
        .expect("builds")
}

/// A BaaS Gateway client for the sandbox's consumer and user.
pub fn baas(s: &Sandbox) -> banks::baas::BaasClient {
    banks::baas::Baas::builder()
        .credentials(credentials::<banks::baas::Baas>())
        .environment(Environment::Custom(s.base_url(Bank::Baas)))
        .build()
        .expect("builds")
}
