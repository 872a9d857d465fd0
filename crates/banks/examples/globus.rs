//! Globus CFRONT merchant flow: validate the client, create an installment order, wait for the
//! bank's decision, confirm (hand over the goods), wait for the payout, check it was paid.
//!
//! ```sh
//! cargo run -p bank-sandbox &                       # or the base URL the bank gave you
//! cargo run -p banks --example globus -- --base-url http://127.0.0.1:8080/globus-cfront
//! ```

pub mod common;

use std::time::Duration;

use banks::Environment;
use banks::globus::{MerchantAction, SUGGESTED_POLL_INTERVAL, cfront};
use cfront::types::{ClientValidateRequest, Good, OrderCreateRequest, OrderIdRequest};

const USAGE: &str = "usage: globus --base-url URL [--login L] [--password P] [--phone 380501234567] [--amount 24999.90]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(common::Args::parse(USAGE)).await
}

/// The whole flow; `Ok` only when every step succeeded (a test runs it against the sandbox).
pub async fn run(args: common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new(
            args.get("login", "sandbox-merchant"),
            args.get("password", "sandbox-password"),
        ))
        .environment(Environment::Custom(args.base_url()))
        .build()?;
    let phone = args.get("phone", "380501234567");
    let amount: banks::Decimal = args.get("amount", "24999.90").parse()?;

    common::step(1, &format!("validate client {phone}"));
    let person = client
        .validate_client()
        .body(ClientValidateRequest::builder().phone_number(phone.clone()))
        .bank()
        .await?;
    println!("   {} ({})", person.full_name, person.identification_code);

    common::step(2, &format!("create an order for {amount}"));
    let order = OrderCreateRequest::builder()
        .merchant_order_id(format!("EXAMPLE-{}", std::process::id()))
        .phone_number(phone)
        .full_name(person.full_name)
        .identification_code(person.identification_code)
        .sales_point_code("EXAMPLE-POS".to_owned())
        .credit_product_name("Розстрочка 0% 6 міс".to_owned())
        .credit_term(std::num::NonZeroU32::new(6).ok_or("term")?)
        .total_amount(amount)
        .goods(vec![
            Good::builder()
                .name("Смартфон")
                .price(amount)
                .quantity(std::num::NonZeroU32::new(1).ok_or("quantity")?)
                .try_into()?,
        ]);
    let state = client.create_order().body(order).bank().await?;
    let id = state.order_id.clone();
    println!("   order {id}: {}", state.status.as_str());

    let poll = if args.base_url().contains("127.0.0.1") {
        Duration::from_millis(50)
    } else {
        SUGGESTED_POLL_INTERVAL
    };
    let mut confirmed = false;
    for n in 3.. {
        let state = client
            .get_order_state()
            .body(OrderIdRequest::builder().order_id(id.clone()))
            .bank()
            .await?;
        let action = MerchantAction::for_status(&state.status);
        common::step(
            n,
            &format!("order is {} → {action:?}", state.status.as_str()),
        );
        match action {
            MerchantAction::Wait => tokio::time::sleep(poll).await,
            MerchantAction::ConfirmOrReject if !confirmed => {
                let state = client
                    .confirm_order()
                    .body(OrderIdRequest::builder().order_id(id.clone()))
                    .bank()
                    .await?;
                println!("   confirmed: {}", state.status.as_str());
                confirmed = true;
            }
            MerchantAction::ConfirmOrReject => tokio::time::sleep(poll).await,
            MerchantAction::Done => break,
            MerchantAction::Failed | MerchantAction::Unknown => {
                println!("   the order ended without a sale");
                return Ok(());
            }
        }
    }
    let paid = client
        .check_order_paid()
        .body(OrderIdRequest::builder().order_id(id.clone()))
        .bank()
        .await?;
    println!(
        "paid: {} (amount {})",
        paid.paid,
        paid.amount.map(|a| a.to_string()).unwrap_or_default()
    );
    let letter = client
        .get_guarantee_letter_data()
        .body(OrderIdRequest::builder().order_id(id))
        .bank()
        .await?;
    println!(
        "contract {} of {}",
        letter.contract_number, letter.contract_date
    );
    Ok(())
}
