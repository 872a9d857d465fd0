//! The service against the bank sandbox (`bank-sandbox`, from the same registry), end to end:
//! the balance of an account it lists, and a sale driven by the sandbox's callbacks until the
//! order is active.

use std::sync::Arc;
use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};
use banks::Environment;
use banks::globus::MerchantAction;
use banks::testing::credentials;
use checkout_service::{Checkout, serve};

#[tokio::test]
async fn a_sale_completes_through_callbacks_and_the_balance_is_read()
-> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let sandbox = Sandbox::start(Config::default(), "127.0.0.1:0".parse()?, None).await?;
    let cfront = banks::globus::Cfront::builder()
        .credentials(credentials::<banks::globus::Cfront>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Globus)))
        .build()?;
    let financial = banks::bcc::Financial::builder()
        .credentials(credentials::<banks::bcc::Financial>())
        .environment(Environment::Custom(sandbox.base_url(Bank::Financial)))
        .token_url(sandbox.token_url(Bank::Financial).ok_or("a token URL")?)
        .build()?;
    let checkout = Checkout {
        cfront: Arc::new(cfront),
        financial: Arc::new(financial),
    };

    // A read needs no signer; the sandbox's first account and its balance.
    let accounts = checkout.financial.get_accounts().bank().await?;
    let first = accounts
        .accounts
        .0
        .first()
        .ok_or("the sandbox lists accounts")?;
    let balance = checkout.balance(&first.iban).await?;
    assert!(balance >= banks::Decimal::from(0), "{balance}");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let (url, mut states, server) = serve(checkout.clone(), listener, "secret").await?;
    let order_id = checkout
        .sell("380501234567", "24999.90".parse()?, 6, url)
        .await?;

    // The sandbox moves the order on and calls back; the route confirms it when asked. The bound
    // only stops a hung run.
    let last = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(state) = states.recv().await {
            if !matches!(
                MerchantAction::for_status(&state.status),
                MerchantAction::Wait | MerchantAction::ConfirmOrReject
            ) {
                return Some(state);
            }
        }
        None
    })
    .await?
    .ok_or("the route stopped")?;
    assert_eq!(last.order_id, order_id);
    assert!(
        matches!(
            MerchantAction::for_status(&last.status),
            MerchantAction::Done
        ),
        "the sale ended as {}",
        last.status.as_str()
    );
    server.abort();
    sandbox.stop().await;
    Ok(())
}
