//! BaaS Gateway flow: order a card, follow the application, attach a card by SMS code, find the
//! client's cards, apply for a micro-credit. Tokens and envelopes are the facade's business.
//!
//! ```sh
//! cargo run -p bank-sandbox &
//! cargo run -p banks --example baas -- --base-url http://127.0.0.1:8080/baas-gateway
//! ```

pub mod common;

use std::time::Duration;

use banks::Environment;
use banks::baas::ErrorCode;
use banks::baas::gateway::types as t;

const USAGE: &str = "usage: baas --base-url URL [--consumer-key K] [--consumer-secret S] [--user U] [--password P] [--sms-code 111111]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(common::Args::parse(USAGE)).await
}

/// The whole flow; `Ok` only when every step succeeded (a test runs it against the sandbox).
pub async fn run(args: common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let baas = banks::baas::Baas::builder()
        .credentials(banks::baas::Credentials::new(
            args.get("consumer-key", "sandbox-consumer"),
            args.get("consumer-secret", "sandbox-consumer-secret"),
            args.get("user", "sandbox-user"),
            args.get("password", "sandbox-password"),
        ))
        .environment(Environment::Custom(args.base_url()))
        .build()?;
    let pinfl = format!("301019{:08}", std::process::id() % 100_000_000);
    let client = t::ClientData::builder()
        .phone("998901234567")
        .pinfl(pinfl.as_str())
        .passport_series("AA")
        .passport_number("1234567")
        .birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).ok_or("date")?);

    common::step(1, "order a card");
    let app = baas
        .create_card_application(
            t::CardApplicationCreateParams::builder()
                .card_type("UZCARD")
                .client(client.clone()),
        )
        .await?;
    println!(
        "   application {}: {}",
        app.application_id,
        app.status.as_str()
    );
    common::step(2, "follow the application");
    loop {
        let app = baas
            .get_card_application_status(
                t::ApplicationIdParams::builder().application_id(app.application_id),
            )
            .await?;
        println!("   {}", app.status.as_str());
        if !matches!(
            app.status,
            t::ApplicationStatus::New | t::ApplicationStatus::InProgress
        ) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    common::step(3, "attach an existing card by SMS code");
    let sent = baas
        .send_card_attach_sms(
            t::CardAttachSendParams::builder()
                .card_number("8600123412341234")
                .expiry("12/29")
                .phone("998901234567"),
        )
        .await?;
    println!(
        "   code sent to {} (valid {} s)",
        sent.masked_phone.unwrap_or_default(),
        sent.expires_in
    );
    let card = baas
        .confirm_card_attach_sms(
            t::CardAttachConfirmParams::builder()
                .request_id(sent.request_id)
                .sms_code(args.get("sms-code", "111111")),
        )
        .await?;
    println!("   attached {}", card.masked_pan);

    common::step(4, "find the client's cards");
    let cards = baas
        .find_cards(t::CardFindParams::builder().pinfl(pinfl.as_str()))
        .await?;
    for c in &cards.cards {
        println!(
            "   {} {} attached={}",
            c.masked_pan,
            c.expiry,
            c.attached.unwrap_or(false)
        );
    }

    common::step(
        5,
        "apply for a micro-credit of 1 200 000 UZS over 12 months",
    );
    match baas
        .create_micro_credit_application(
            t::MicroCreditApplicationCreateParams::builder()
                .amount(banks::Decimal::from(1_200_000))
                .client(client)
                .currency("UZS")
                .term_months(std::num::NonZeroU32::new(12).ok_or("term")?),
        )
        .await
    {
        Ok(credit) => println!(
            "   {}: monthly payment {}",
            credit.status.as_str(),
            credit
                .monthly_payment
                .map(|m| m.to_string())
                .unwrap_or_default()
        ),
        Err(e) => println!("   refused: {e} (code {:?})", ErrorCode::of(&e)),
    }
    Ok(())
}
