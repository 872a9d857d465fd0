//! Request bodies the workspace's tests send again and again: a Globus order and a FinancialAPI
//! payment, built with the generated builders.

use banks::Decimal;
use banks::bcc::financial::types as fin;
use banks::globus::cfront::types as cfront;

/// A Globus order for one smartphone at `amount` (a decimal text), with an optional callback URL.
pub fn globus_order(
    merchant_order_id: &str,
    phone: &str,
    amount: &str,
    callback: Option<String>,
) -> cfront::builder::OrderCreateRequest {
    let amount: Decimal = amount.parse().expect("decimal");
    cfront::OrderCreateRequest::builder()
        .merchant_order_id(merchant_order_id.to_owned())
        .phone_number(phone.to_owned())
        .full_name("Тестовий Клієнт".to_owned())
        .identification_code("1234567890".to_owned())
        .sales_point_code("KYIV-001".to_owned())
        .credit_product_name("Розстрочка 0% 6 міс".to_owned())
        .credit_term(std::num::NonZeroU32::new(6).expect("non-zero"))
        .total_amount(amount)
        .goods(vec![
            cfront::Good::builder()
                .name("Смартфон")
                .price(amount)
                .quantity(std::num::NonZeroU32::new(1).expect("non-zero"))
                .try_into()
                .expect("a good"),
        ])
        .callback_url(callback)
}

/// A KZT payment of `amount` from one IBAN to another.
pub fn payment(amount: Decimal, from: &str, to: &str) -> fin::builder::PaymentBody {
    fin::PaymentBody::builder()
        .amount(Some(amount))
        .currency(Some("KZT".to_owned()))
        .payment_sender(Some(
            fin::PaymentSender::builder()
                .iban(Some(from.to_owned()))
                .try_into()
                .expect("sender"),
        ))
        .payment_beneficiary(Some(
            fin::PaymentBeneficiary::builder()
                .iban(Some(to.to_owned()))
                .try_into()
                .expect("beneficiary"),
        ))
}
