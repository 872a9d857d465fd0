//! Globus C-Front through the `banks` facade against the sandbox in-process on 127.0.0.1: the
//! order flow with callbacks to paid, declines by rule and actions refused out of turn.

mod common;

use bank_sandbox::Config;
use bank_sandbox::spec::Bank;
use banks::globus::{MerchantAction, cfront};
use banks::{Environment, ErrorKind};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use bank_testkit::bodies::globus_order as order;
use bank_testkit::sandbox::{globus, start as sandbox};

use common::{deliveries, wait_for};

#[tokio::test]
async fn globus_order_flow_with_callbacks_runs_to_paid() {
    use cfront::types::OrderStatus as S;
    let s = sandbox(Config::default()).await;
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/callback"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&merchant)
        .await;
    let c = globus(&s);

    let person = c
        .validate_client()
        .body(
            cfront::types::ClientValidateRequest::builder().phone_number("380501234567".to_owned()),
        )
        .bank()
        .await
        .expect("client found");
    assert!(!person.full_name.is_empty());
    let created = c
        .create_order()
        .body(order(
            "SHOP-1",
            "380501234567",
            "24999.90",
            Some(format!("{}/callback", merchant.uri())),
        ))
        .bank()
        .await
        .expect("created");
    assert_eq!(created.status, S::New);
    assert_eq!(
        created.amount.map(|a| a.to_string()).as_deref(),
        Some("24999.90")
    );

    let waiting = wait_for(&s, &c, &created.order_id, &[S::WaitingForStoreConfirm]).await;
    assert_eq!(
        MerchantAction::for_status(&waiting.status),
        MerchantAction::ConfirmOrReject
    );
    let confirmed = c
        .confirm_order()
        .body(cfront::types::OrderIdRequest::builder().order_id(created.order_id.clone()))
        .bank()
        .await
        .expect("confirmed");
    assert_eq!(confirmed.status, S::StoreConfirmed);
    wait_for(&s, &c, &created.order_id, &[S::Active]).await;
    let paid = c
        .check_order_paid()
        .body(cfront::types::OrderIdRequest::builder().order_id(created.order_id.clone()))
        .bank()
        .await
        .expect("checked");
    assert!(paid.paid);
    let letter = c
        .get_guarantee_letter_data()
        .body(cfront::types::OrderIdRequest::builder().order_id(created.order_id.clone()))
        .bank()
        .await
        .expect("letter");
    assert!(letter.contract_number.starts_with("CF-"));

    // The same sale created again is the same order, not a second one.
    let again = c
        .create_order()
        .body(order("SHOP-1", "380501234567", "24999.90", None))
        .bank()
        .await
        .expect("idempotent");
    assert_eq!(again.order_id, created.order_id);

    // Every status change reached the merchant's callback URL, parsed by the facade.
    deliveries(&s, 4).await;
    let statuses: Vec<_> = merchant
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            banks::globus::parse_callback(&r.body)
                .expect("a valid callback")
                .status
        })
        .collect();
    for expected in [
        S::InProgress,
        S::WaitingForStoreConfirm,
        S::StoreConfirmed,
        S::Active,
    ] {
        assert!(
            statuses.contains(&expected),
            "{expected:?} missing from callbacks {statuses:?}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn globus_declines_by_rule_and_refuses_actions_out_of_turn() {
    use cfront::types::OrderStatus as S;
    let s = sandbox(Config::default()).await;
    let c = globus(&s);
    let declined = c
        .create_order()
        .body(order("SHOP-2", "380500000001", "1000", None))
        .bank()
        .await
        .expect("created");
    wait_for(&s, &c, &declined.order_id, &[S::RejectedByBank]).await;
    let too_big = c
        .create_order()
        .body(order("SHOP-3", "380501234567", "500000.01", None))
        .bank()
        .await
        .expect("created");
    let state = wait_for(&s, &c, &too_big.order_id, &[S::RejectedByBank]).await;
    assert_eq!(
        MerchantAction::for_status(&state.status),
        MerchantAction::Failed
    );

    let err = c
        .confirm_order()
        .body(cfront::types::OrderIdRequest::builder().order_id(declined.order_id.clone()))
        .bank()
        .await
        .expect_err("not confirmable");
    assert_eq!(
        (err.kind, err.status, err.code.as_deref()),
        (ErrorKind::Status, Some(400), Some("INVALID_STATE"))
    );

    let rejectable = c
        .create_order()
        .body(order("SHOP-4", "380501234567", "100", None))
        .bank()
        .await
        .expect("created");
    let rejected = c
        .reject_order()
        .body(
            cfront::types::OrderRejectRequest::builder()
                .order_id(rejectable.order_id.clone())
                .reason(Some("out of stock".into())),
        )
        .bank()
        .await
        .expect("rejected");
    assert_eq!(rejected.status, S::RejectedByStore);

    let err = c
        .validate_client()
        .body(
            cfront::types::ClientValidateRequest::builder().phone_number("380500000404".to_owned()),
        )
        .bank()
        .await
        .expect_err("unknown");
    assert_eq!(
        (err.status, err.code.as_deref()),
        (Some(404), Some("CLIENT_NOT_FOUND"))
    );
    let err = c
        .get_order_state()
        .body(cfront::types::OrderIdRequest::builder().order_id("no-such-order"))
        .bank()
        .await
        .expect_err("unknown");
    assert_eq!(err.status, Some(404));

    let wrong = banks::globus::Cfront::builder()
        .credentials(banks::globus::Credentials::new("sandbox-merchant", "wrong"))
        .environment(Environment::Custom(s.base_url(Bank::Globus)))
        .build()
        .expect("builds");
    let err = wrong
        .get_order_state()
        .body(cfront::types::OrderIdRequest::builder().order_id("x"))
        .bank()
        .await
        .expect_err("401");
    assert_eq!(err.status, Some(401));
    s.stop().await;
}
