//! The service against the typed mocks of `banks` (feature `test-util`), as its unit tests.

use std::sync::Arc;

use banks::bcc::financial::mock::MockServerExt as _;
use banks::bcc::financial::types::{AccountBalanceInformation, AccountInformation};
use banks::globus::cfront::mock::MockServerExt as _;
use banks::globus::cfront::types::{ClientInfo, OrderIdRequest, OrderState, OrderStatus};
use banks::testing::MockBank;
use checkout_service::{Checkout, serve};

const IBAN: &str = "KZ76125KZT1001300335";

fn state(order_id: &str, status: OrderStatus) -> OrderState {
    OrderState::builder()
        .order_id(order_id)
        .merchant_order_id(Some("CHECKOUT-1".to_owned()))
        .status(status)
        .try_into()
        .expect("an order state")
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::test]
async fn balance_sale_and_callback_against_the_typed_mocks() {
    let bcc = MockBank::<banks::bcc::Financial>::start().await;
    let globus = MockBank::<banks::globus::Cfront>::start().await;
    // A failure is reported before the mocks drop (their check of unmet expectations would
    // otherwise speak first).
    if let Err(e) = run(&bcc, &globus).await {
        panic!("{e}");
    }
    // Dropping the mocks checks every expectation was met (confirm included).
}

async fn run(
    bcc: &MockBank<banks::bcc::Financial>,
    globus: &MockBank<banks::globus::Cfront>,
) -> Result<(), Error> {
    let balance: banks::Decimal = "1250000.50".parse()?;
    bcc.get_account(|when, then| {
        when.iban(IBAN);
        then.ok(&AccountInformation::builder()
            .iban(IBAN)
            .status("OPEN")
            .type_("CURRENT")
            .balance_account(
                AccountBalanceInformation::builder()
                    .balance(balance)
                    .currency("KZT"),
            )
            .try_into()
            .expect("an account"));
    });
    globus.validate_client(|_, then| {
        then.ok(&ClientInfo::builder()
            .full_name("Тестовий Клієнт")
            .identification_code("1234567890")
            .try_into()
            .expect("a client"));
    });
    globus.create_order(|_, then| {
        then.ok(&state("ORD-1", OrderStatus::New));
    });
    let order = OrderIdRequest::builder().order_id("ORD-1").try_into()?;
    globus.get_order_state(|when, then| {
        when.body(&order);
        then.ok(&state("ORD-1", OrderStatus::WaitingForStoreConfirm));
    });
    globus.confirm_order(|when, then| {
        when.body(&order);
        then.ok(&state("ORD-1", OrderStatus::StoreConfirmed));
    });

    let checkout = Checkout {
        cfront: Arc::new(globus.builder().build()?),
        financial: Arc::new(bcc.builder().build()?),
    };
    assert_eq!(checkout.balance(IBAN).await?, balance);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let (url, mut states, server) = serve(checkout.clone(), listener, "secret").await?;
    let order_id = checkout
        .sell("380501234567", "24999.90".parse()?, 6, url.clone())
        .await?;
    assert_eq!(order_id, "ORD-1");

    // The bank's callback (as the mock bank would send it): re-read, then confirmed.
    let http = reqwest::Client::new();
    let answer = http
        .post(&url)
        .json(&state("ORD-1", OrderStatus::WaitingForStoreConfirm))
        .send()
        .await?;
    assert!(answer.status().is_success(), "{}", answer.status());
    let current = states.recv().await.ok_or("the route reported nothing")?;
    assert_eq!(current.status, OrderStatus::WaitingForStoreConfirm);
    // A callback without the URL's token is refused, and nothing is done.
    let refused = http
        .post(url.replace("secret", "guess"))
        .json(&state("ORD-1", OrderStatus::WaitingForStoreConfirm))
        .send()
        .await?;
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    server.abort();
    Ok(())
}
