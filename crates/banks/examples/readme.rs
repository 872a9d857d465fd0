//! The root README's example, compiled: `xtask/tests/readme.rs` checks that the README shows the
//! lines between the `README` markers below as they are. Run against the sandbox or a bank's test
//! environment with the variables it reads:
//! `BCC_CLIENT_ID`, `BCC_CLIENT_SECRET`, `BCC_KEY_PEM`, `BCC_CERT_PEM` (paths),
//! `GLOBUS_CFRONT_LOGIN`, `GLOBUS_CFRONT_PASSWORD`, `GLOBUS_CFRONT_ENVIRONMENT`.

use std::error::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let (client_id, client_secret) = (var("BCC_CLIENT_ID")?, var("BCC_CLIENT_SECRET")?);
    let key = std::fs::read(var("BCC_KEY_PEM")?)?;
    let cert = std::fs::read(var("BCC_CERT_PEM")?)?;
    // README: begin
    let financial = banks::bcc::Financial::builder()
        .credentials(banks::ClientCredentials::new(client_id, client_secret))
        .environment(banks::Environment::Test)
        .signer(banks::jws::JwsSigner::new(
            banks::jws::KeySigner::from_pem(&key, &cert)?,
            banks::jws::Profile::default(),
        ))
        .build()?;
    let accounts = financial.get_accounts().bank().await?;
    let cfront = banks::globus::Cfront::from_env()?.build()?; // GLOBUS_CFRONT_LOGIN, _PASSWORD, _ENVIRONMENT
    // README: end
    println!("{accounts:?}");
    drop(cfront);
    Ok(())
}
