//! A merchant's axum service selling in installments through Globus CFRONT, driven by the bank's
//! callbacks instead of polling: it creates an order whose `callbackUrl` points back at itself
//! (with a secret token), and on each callback re-reads the order from the bank, confirms it when
//! the bank asks the store to, and stops once the bank reports it paid.
//!
//! ```sh
//! cargo run -p bank-sandbox &
//! cargo run -p banks --features callbacks --example service -- --base-url http://127.0.0.1:8080/globus-cfront
//! ```

pub mod common;

use std::sync::Arc;
use std::time::Duration;

use banks::Environment;
use banks::callbacks::{Deliveries, Receiver};
use banks::globus::MerchantAction;
use banks::globus::cfront::types::{ClientValidateRequest, Good, OrderCreateRequest, OrderState};
use tokio::sync::mpsc;

const USAGE: &str = "usage: service --base-url URL [--listen 127.0.0.1:0] [--login L] [--password P] [--phone 380501234567]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(common::Args::parse(USAGE)).await
}

/// What the callback handler tells the rest of the service.
#[derive(Debug)]
enum Event {
    /// The bank's state after a callback, and what the service did about it.
    Seen(OrderState, &'static str),
}

/// Start the service, sell one item, and return once the bank reports the order paid (or
/// failed). `Ok` only when the sale completed (a test runs it against the sandbox).
pub async fn run(args: common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let cfront = Arc::new(
        banks::globus::Cfront::builder()
            .credentials(banks::globus::Credentials::new(
                args.get("login", "sandbox-merchant"),
                args.get("password", "sandbox-password"),
            ))
            .environment(Environment::Custom(args.base_url()))
            .build()?,
    );

    // 1. The callback receiver: a random token in the URL the bank is given, duplicates dropped,
    //    and every callback re-checked with the bank before anything is done.
    let token = uuid::Uuid::new_v4().simple().to_string();
    let (events, mut seen) = mpsc::unbounded_channel();
    let handler = {
        let cfront = cfront.clone();
        move |callback: OrderState| {
            let (cfront, events) = (cfront.clone(), events.clone());
            async move {
                let current = banks::globus::recheck(&cfront, &callback).await?;
                let did = match MerchantAction::for_status(&current.status) {
                    MerchantAction::ConfirmOrReject => {
                        cfront
                            .confirm_order()
                            .body(
                                banks::globus::cfront::types::OrderIdRequest::builder()
                                    .order_id(current.order_id.clone()),
                            )
                            .bank()
                            .await?;
                        "confirmed the sale"
                    }
                    MerchantAction::Done => "ship the goods",
                    MerchantAction::Failed => "cancel the sale",
                    _ => "wait",
                };
                let _ = events.send(Event::Seen(current, did));
                Ok::<(), banks::BankError>(())
            }
        }
    };
    let app = axum::Router::new().route(
        "/callbacks/globus",
        Receiver::<OrderState>::new()
            .url_token(token.clone())
            .deduplicate(Arc::new(Deliveries::new(10_000)))
            .post(handler),
    );
    let listener = tokio::net::TcpListener::bind(args.get("listen", "127.0.0.1:0")).await?;
    let callback_url = format!(
        "http://{}/callbacks/globus?token={token}",
        listener.local_addr()?
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    common::step(1, "listening for the bank's callbacks");

    // 2. The sale.
    let phone = args.get("phone", "380501234567");
    let person = cfront
        .validate_client()
        .body(ClientValidateRequest::builder().phone_number(phone.clone()))
        .bank()
        .await?;
    let amount: banks::Decimal = "24999.90".parse()?;
    let order = OrderCreateRequest::builder()
        .merchant_order_id(format!("SERVICE-{}", uuid::Uuid::new_v4().simple()))
        .phone_number(phone)
        .full_name(person.full_name)
        .identification_code(person.identification_code)
        .sales_point_code("SERVICE-POS".to_owned())
        .credit_product_name("Розстрочка 0% 6 міс".to_owned())
        .credit_term(std::num::NonZeroU32::new(6).ok_or("term")?)
        .total_amount(amount)
        .callback_url(Some(callback_url))
        .goods(vec![
            Good::builder()
                .name("Смартфон")
                .price(amount)
                .quantity(std::num::NonZeroU32::MIN)
                .try_into()?,
        ]);
    let created = cfront.create_order().body(order).bank().await?;
    common::step(2, &format!("order {} created", created.order_id));

    // 3. Everything else happens in the callback handler; wait for the end of the sale. The
    //    bound only stops a hung run.
    let outcome = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(Event::Seen(state, did)) = seen.recv().await {
            println!("   bank says {} → {did}", state.status.as_str());
            match MerchantAction::for_status(&state.status) {
                MerchantAction::Done => return Ok(state),
                MerchantAction::Failed => {
                    return Err(format!("the order ended as {}", state.status.as_str()));
                }
                _ => {}
            }
        }
        Err("the service stopped".to_owned())
    })
    .await
    .map_err(|_| "no final callback within 120 s")?;
    server.abort();
    let state = outcome?;
    common::step(
        3,
        &format!("order {} is {}", state.order_id, state.status.as_str()),
    );
    Ok(())
}
