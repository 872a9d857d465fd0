//! What the sandbox's own tests share: how long a test waits before it calls itself hung, and the
//! Globus order they create (valid against the document; the test-kit's typed body cannot be
//! used here, since the test-kit depends on the sandbox).

use std::time::Duration;

use serde_json::{Value, json};

/// Longest a test waits for the sandbox before it fails: a guard against a hung test, never a
/// synchronisation (every wait wakes on the sandbox's own notifications; the tests normally end
/// in seconds).
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// A Globus order for one smartphone of 1,000, with an optional callback URL.
#[allow(dead_code)]
pub fn order(merchant_order_id: &str, callback: Option<&str>) -> Value {
    let mut order = json!({
        "merchantOrderId": merchant_order_id,
        "phoneNumber": "380501234567",
        "fullName": "Тестовий Клієнт",
        "identificationCode": "1234567890",
        "salesPointCode": "KYIV-001",
        "creditProductName": "Розстрочка 0% 6 міс",
        "creditTerm": 6,
        "totalAmount": 1000,
        "goods": [{"name": "Смартфон", "price": 1000, "quantity": 1}]
    });
    if let Some(url) = callback {
        order["callbackUrl"] = json!(url);
    }
    order
}
