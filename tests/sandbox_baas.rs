//! The BaaS gateway through the `banks` facade against the sandbox in-process on 127.0.0.1: cards,
//! micro-credit and the SMS attachment.

mod common;

use std::time::Duration;

use bank_sandbox::Config;
use banks::baas::ErrorCode;

use bank_testkit::sandbox::{baas, start as sandbox};

#[tokio::test]
async fn baas_cards_micro_credit_and_sms_attachment() {
    use baas_gateway::types as t;
    let s = sandbox(Config::default()).await;
    let b = baas(&s);
    let person = |pinfl: &str| {
        t::ClientData::builder()
            .phone("998901234567")
            .pinfl(pinfl)
            .passport_series("AA")
            .passport_number("1234567")
            .birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).expect("a date"))
    };
    let client = person("30101901234567");
    let app = b
        .create_card_application(
            t::CardApplicationCreateParams::builder()
                .card_type("UZCARD")
                .client(client.clone()),
        )
        .await
        .expect("applied");
    assert_eq!(app.status, t::ApplicationStatus::New);
    let busy = b
        .create_card_application(
            t::CardApplicationCreateParams::builder()
                .card_type("UZCARD")
                .client(client.clone()),
        )
        .await
        .expect_err("one at a time");
    assert_eq!(ErrorCode::of(&busy), Some(ErrorCode::ApplicationInProgress));
    // The bank reviews an application in steps of `step_delay_ms`; the sandbox's clock is moved
    // on instead of waited for.
    let mut seen = Vec::new();
    for _ in 0..4 {
        let status = b
            .get_card_application_status(
                t::ApplicationIdParams::builder().application_id(app.application_id),
            )
            .await
            .expect("status")
            .status;
        seen.push(status.clone());
        if status == t::ApplicationStatus::Completed {
            break;
        }
        s.advance_clock(Duration::from_millis(Config::default().step_delay_ms));
    }
    assert_eq!(
        seen.last(),
        Some(&t::ApplicationStatus::Completed),
        "{seen:?}"
    );
    let find = || b.find_cards(t::CardFindParams::builder().pinfl("30101901234567"));
    let cards = find().await.expect("the issued card");
    assert_eq!(cards.cards.len(), 1);

    let credit = b
        .create_micro_credit_application(
            t::MicroCreditApplicationCreateParams::builder()
                .amount(banks::Decimal::from(1_200_000))
                .client(client.clone())
                .currency("UZS")
                .term_months(std::num::NonZeroU32::new(12).expect("non-zero")),
        )
        .await
        .expect("applied");
    assert_eq!(
        credit.monthly_payment.map(|m| m.to_string()).as_deref(),
        Some("100000")
    );
    let risky = person("30101900000003");
    let declined = b
        .create_micro_credit_application(
            t::MicroCreditApplicationCreateParams::builder()
                .amount(banks::Decimal::from(1000))
                .client(risky)
                .currency("UZS")
                .term_months(std::num::NonZeroU32::new(3).expect("non-zero")),
        )
        .await
        .expect_err("scoring");
    assert_eq!(ErrorCode::of(&declined), Some(ErrorCode::HighRisk));

    let send = || {
        b.send_card_attach_sms(
            t::CardAttachSendParams::builder()
                .card_number("8600123412341234")
                .expiry("12/29")
                .phone("998901234567"),
        )
    };
    let sent = send().await.expect("SMS sent");
    assert_eq!(
        ErrorCode::of(&send().await.expect_err("too soon")),
        Some(ErrorCode::SmsCodeNotExpired)
    );
    let wrong = b
        .confirm_card_attach_sms(
            t::CardAttachConfirmParams::builder()
                .request_id(sent.request_id)
                .sms_code("000000"),
        )
        .await
        .expect_err("wrong code");
    assert_eq!(ErrorCode::of(&wrong), Some(ErrorCode::Validation));
    assert!(wrong.message.contains("params.smsCode"), "{wrong}");
    let card = b
        .confirm_card_attach_sms(
            t::CardAttachConfirmParams::builder()
                .request_id(sent.request_id)
                .sms_code("111111"),
        )
        .await
        .expect("attached");
    assert_eq!(card.attached, Some(true));
    assert_eq!(find().await.expect("cards").cards.len(), 2);
    s.stop().await;
}
