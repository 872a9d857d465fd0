//! The generated clients, through the `banks` facade, against the sandbox in-process on
//! 127.0.0.1: every bank's flow, validation in each bank's error format, auth with expiring
//! tokens, JWS verification, callbacks and postLinks, fault injection, and state kept across a
//! restart.

use std::time::Duration;

use bank_sandbox::spec::Bank;
use bank_sandbox::steer::Fault;
use bank_sandbox::{Config, Sandbox};
use banks::baas::ErrorCode;
use banks::globus::{MerchantAction, cfront};
use banks::jws::{JwsSigner, KeySigner, Profile};
use banks::{ClientCredentials, Environment, ErrorKind};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use bank_testkit::bodies::{globus_order as order, payment};
use bank_testkit::keys::ec_signer as signer;
use bank_testkit::sandbox::{baas, financial, globus, start as sandbox};

fn keys(name: &str) -> Vec<u8> {
    bank_testkit::keys::read(name)
}

/// A BCC access token from the sandbox's token route, fetched by hand (the raw requests of these
/// tests bypass the facade).
async fn bcc_token(s: &Sandbox, bank: Bank) -> String {
    let token: Value = reqwest::Client::new()
        .post(s.token_url(bank).expect("a token route"))
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    token["access_token"].as_str().expect("token").to_owned()
}

/// Longest a test waits for the sandbox to move on before it fails (a guard against hangs, not a
/// synchronisation: every wait below wakes on the sandbox's own change notifications).
const HANG_GUARD: Duration = Duration::from_secs(120);

async fn wait_for(
    s: &Sandbox,
    client: &cfront::Client,
    id: &str,
    wanted: &[cfront::types::OrderStatus],
) -> cfront::types::OrderState {
    let status_in =
        |st: &bank_sandbox::state::State| st.globus.orders.get(id).map(|o| o.status.clone());
    let polling = async {
        loop {
            let seen = s.inspect(status_in);
            let state = client
                .get_order_state()
                .body(cfront::types::OrderIdRequest::builder().order_id(id))
                .bank()
                .await
                .expect("state");
            if wanted.contains(&state.status) {
                return state;
            }
            // Asked after `seen` was read: a change in between ends this wait at once.
            s.until(|st| (status_in(st) != seen).then_some(())).await;
        }
    };
    tokio::time::timeout(HANG_GUARD, polling)
        .await
        .unwrap_or_else(|_| panic!("order {id} never reached {wanted:?}"))
}

/// Wait until the sandbox has sent `n` callbacks or postLinks (whatever the merchant answered).
async fn deliveries(s: &Sandbox, n: usize) {
    tokio::time::timeout(
        HANG_GUARD,
        s.until(|st| (st.deliveries.len() >= n).then_some(())),
    )
    .await
    .unwrap_or_else(|_| panic!("fewer than {n} deliveries"));
}

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

#[tokio::test]
async fn requests_are_validated_against_the_spec_in_each_banks_format() {
    let s = sandbox(Config::default()).await;
    let http = reqwest::Client::new();
    // Globus: its own {code, message}.
    let r = http
        .post(format!("{}/api/order/create", s.base_url(Bank::Globus)))
        .basic_auth("sandbox-merchant", Some("sandbox-password"))
        .json(&json!({"merchantOrderId": "X", "phoneNumber": "380501234567"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], "VALIDATION_ERROR");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("fullName"),
        "{body}"
    );

    // BaaS: the envelope's error with code 4, naming the field under params.
    let token: Value = http
        .post(format!("{}/oauth2/token", s.base_url(Bank::Baas)))
        .basic_auth("sandbox-consumer", Some("sandbox-consumer-secret"))
        .json(&json!({"grant_type": "password", "username": "sandbox-user", "password": "sandbox-password"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let r = http
        .post(format!("{}/api/v1/card/find", s.base_url(Bank::Baas)))
        .bearer_auth(&token)
        .json(&json!({"id": "e20ba72f-bc54-449f-ae13-7458afef64c6", "params": {"pinfl": "123"}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], 4);
    assert_eq!(body["id"], "e20ba72f-bc54-449f-ae13-7458afef64c6");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Validation Error. Field: params.pinfl"),
        "{message}"
    );

    // BCC: httperror.Details, naming the query parameter.
    let token = bcc_token(&s, Bank::Broker).await;
    let r = http
        .get(format!(
            "{}/products?partner=SHOP",
            s.base_url(Bank::Broker)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("query parameter amount"),
        "{body}"
    );
    s.stop().await;
}

#[tokio::test]
async fn payments_move_money_and_show_up_in_lists_and_statements() {
    use banks::bcc::financial::types as t;
    let s = sandbox(Config::default()).await;
    let f = financial(&s, Profile::default());
    let (from, to) = ("KZ218560000000000001", "KZ218560000000000002");
    let accounts = f.get_accounts().bank().await.expect("accounts");
    assert_eq!(accounts.accounts.0.len(), 2);
    let before = f
        .get_account()
        .iban(from)
        .bank()
        .await
        .expect("account")
        .balance_account
        .balance;
    // On the wire the balance is what the bank's document declares: a string (`type: string`);
    // the client reads it exactly.
    let token = bcc_token(&s, Bank::Financial).await;
    let raw: Value = reqwest::Client::new()
        .get(format!(
            "{}/sandbox-client/accounts/{from}",
            s.base_url(Bank::Financial)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let wire = raw["balanceAccount"]["balance"]
        .as_str()
        .unwrap_or_else(|| panic!("balance as a string: {raw}"));
    assert_eq!(wire.parse::<banks::Decimal>().expect("decimal"), before);

    let body = t::PaymentBody::builder()
        .amount(Some("1234.56".parse::<banks::Decimal>().expect("decimal")))
        .currency(Some("KZT".to_owned()))
        .document_number(Some("42".to_owned()))
        .payment_sender(Some(
            t::PaymentSender::builder()
                .iban(Some(from.to_owned()))
                .try_into()
                .expect("sender"),
        ))
        .payment_beneficiary(Some(
            t::PaymentBeneficiary::builder()
                .iban(Some(to.to_owned()))
                .name(Some("ТОО Получатель".to_owned()))
                .try_into()
                .expect("beneficiary"),
        ));
    let paid = f
        .create_payment()
        .body(body)
        .bank()
        .await
        .expect("accepted");
    assert!(paid.success, "{paid:?}");
    let reference = banks::bcc::payment_reference(&paid)
        .expect("the answer carries the payment's referenceId")
        .to_owned();

    let after = f
        .get_account()
        .iban(from)
        .bank()
        .await
        .expect("account")
        .balance_account
        .balance;
    assert_eq!(before.0 - after.0, "1234.56".parse().expect("decimal"));
    let credited = f
        .get_account()
        .iban(to)
        .bank()
        .await
        .expect("account")
        .balance_account
        .balance;
    assert_eq!(credited.to_string(), "501234.56");

    let one = f
        .get_payment()
        .reference_id(&reference)
        .bank()
        .await
        .expect("payment");
    assert_eq!(one.amount.to_string(), "1234.56");
    // The bank dates payments in Kazakhstan time (UTC+5), not the test machine's.
    let today = (chrono::Utc::now() + chrono::Duration::hours(5))
        .format("%d-%m-%Y")
        .to_string();
    let list = f
        .get_payments()
        .date_from(&today)
        .date_to(&today)
        .bank()
        .await
        .expect("payments");
    assert!(list.payments.0.iter().any(|p| p.reference_id == reference));
    let v1 = f
        .get_statement()
        .iban(from)
        .date_from(&today)
        .date_to(&today)
        .bank()
        .await
        .expect("statement");
    assert_eq!(v1.statement.len(), 1);
    assert_eq!(
        v1.balance_out.map(|b| b.to_string()),
        Some(after.to_string())
    );
    let v2 = f
        .get_statement_v2()
        .iban(to)
        .date_from(&today)
        .date_to(&today)
        .bank()
        .await
        .expect("statement v2");
    assert_eq!(v2.transactions.len(), 1);
    assert_eq!(v2.transactions[0].dbcrfl.as_deref(), Some("C"));

    // Too much: a typed 400 in httperror.Details.
    let body = payment(banks::Decimal::from(999_999_999), to, from);
    let err = f
        .create_payment()
        .body(body)
        .bank()
        .await
        .expect_err("insufficient");
    assert_eq!(err.status, Some(400));
    assert!(err.message.contains("insufficient funds"), "{err}");
    s.stop().await;
}

#[tokio::test]
async fn signatures_are_verified_in_the_banks_form_and_bad_ones_refused() {
    use banks::bcc::financial::types as t;
    let s = sandbox(Config::default()).await;
    let payment = || {
        payment(
            banks::Decimal::from(10),
            "KZ218560000000000001",
            "KZ218560000000000002",
        )
    };
    let legacy = financial(&s, Profile::UnprotectedHeader);
    assert!(
        legacy
            .create_payment()
            .body(payment())
            .bank()
            .await
            .expect("the bank's documented form accepted")
            .success
    );

    // RFC 7515's protected header has no place in the bank's jws-message schema: refused unless
    // the sandbox is told the bank accepts it.
    let err = financial(&s, Profile::ProtectedHeader)
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect_err("not the bank's form");
    assert_eq!(err.status, Some(400));
    assert!(
        err.message.contains("the bank's jws-message") && err.message.contains("`header`"),
        "{err}"
    );
    let mut lenient = Config::default();
    lenient.bcc.accept_protected_header = true;
    let lenient = sandbox(lenient).await;
    assert!(
        financial(&lenient, Profile::ProtectedHeader)
            .create_payment()
            .body(payment())
            .bank()
            .await
            .expect("accepted when configured")
            .success
    );

    // A signature over other bytes than the body is refused, naming the header.
    let http = reqwest::Client::new();
    let token = bcc_token(&s, Bank::Financial).await;
    let body = json!({"amount": 10, "currency": "KZT", "paymentSender": {"iban": "KZ218560000000000001"}, "paymentBeneficiary": {"iban": "KZ218560000000000002"}}).to_string();
    let other = banks::BodySigner::header_value(&signer(Profile::default()), b"{\"amount\": 1}")
        .expect("signed");
    let r = http
        .post(format!(
            "{}/sandbox-client/payments",
            s.base_url(Bank::Financial)
        ))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .header("x-jws-signature", other)
        .body(body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 400);
    let text = r.text().await.expect("body");
    assert!(
        text.contains("x-jws-signature") && text.contains("not the request body"),
        "{text}"
    );

    // A certificate that is not trusted is refused when trusted certificates are configured.
    let mut config = Config::default();
    let dir = format!(
        "{}/../crates/bank-jws/tests/keys",
        env!("CARGO_MANIFEST_DIR")
    );
    config.bcc.trusted_certificates = vec![format!("{dir}/rsa.cert.pem").into()];
    let strict = sandbox(config).await;
    let err = financial(&strict, Profile::default())
        .create_payment()
        .body(payment())
        .bank()
        .await
        .expect_err("untrusted");
    assert!(
        err.message.contains("not one of the trusted certificates"),
        "{err}"
    );
    let rsa = banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new("sandbox-client", "sandbox-secret"))
        .environment(Environment::Custom(strict.base_url(Bank::Financial)))
        .token_url(strict.token_url(Bank::Financial).expect("a token route"))
        .signer(JwsSigner::new(
            KeySigner::from_pem(&keys("rsa.key.pem"), &keys("rsa.cert.pem")).expect("RSA key"),
            Profile::default(),
        ))
        .build()
        .expect("builds");
    assert!(
        rsa.create_payment()
            .body(payment())
            .bank()
            .await
            .expect("RS256 accepted")
            .success
    );

    // MT100 and Base64 forms are signed and executed too.
    let mt = "{1:F01}{4:\n:20:MT-1\n:32A:261122KZT100,50\n:50:/D/KZ218560000000000001\nТОО Плательщик\n:59:/KZ218560000000000002\nТОО Получатель\n:70:Оплата по договору\n-}";
    let ok = legacy
        .create_payment_mt()
        .body(t::PaymentMt::builder().body_mt(Some(STANDARD.encode(mt))))
        .bank()
        .await
        .expect("MT100");
    assert!(ok.success);
    let inner = json!({"amount": 5.25, "currency": "KZT", "paymentSender": {"iban": "KZ218560000000000001"}, "paymentBeneficiary": {"iban": "KZ218560000000000002"}}).to_string();
    let ok = legacy
        .create_payment_base64()
        .body(t::PaymentBase64::builder().payload(STANDARD.encode(inner)))
        .bank()
        .await
        .expect("Base64");
    assert!(ok.success);
    let forms: Vec<String> = s.inspect(|st| {
        st.financial
            .payments
            .iter()
            .map(|p| p.form.clone())
            .collect()
    });
    assert_eq!(forms, ["json", "mt100", "base64"]);
    s.stop().await;
    strict.stop().await;
}

#[tokio::test]
async fn broker_products_orders_and_the_post_link() {
    use banks::bcc::broker::types as t;
    let s = sandbox(Config::default()).await;
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/post-link"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&merchant)
        .await;
    let broker = banks::bcc::Broker::builder()
        .credentials(ClientCredentials::new("sandbox-client", "sandbox-secret"))
        .environment(Environment::Custom(s.base_url(Bank::Broker)))
        .token_url(s.token_url(Bank::Broker).expect("a token route"))
        .build()
        .expect("builds");
    let products = broker
        .get_products()
        .partner("SHOP")
        .amount("300000")
        .bank()
        .await
        .expect("products");
    let six = products
        .products
        .iter()
        .find(|p| p.period == 6)
        .expect("6 months");
    assert_eq!(six.monthly_payment.to_string(), "50000");
    let order = t::OrdersRequestBody::builder()
        .amount("300000".parse::<banks::Decimal>().expect("decimal"))
        .language("ru".to_owned())
        .name("Смартфон".to_owned())
        .partner_code("SHOP".to_owned())
        .partner_order_id("SHOP-ORDER-1".to_owned())
        .point_code("P1".to_owned())
        .pos_name("Магазин".to_owned())
        .product_code(six.product_code.clone())
        .post_link(Some(format!("{}/post-link", merchant.uri())));
    let created = broker.orders().body(order).bank().await.expect("order");
    assert!(created.redirect_link.contains(&created.preapp_id));
    deliveries(&s, 1).await;
    let received = merchant.received_requests().await.unwrap_or_default();
    let post_link = banks::bcc::parse_post_link(&received.first().expect("postLink sent").body)
        .expect("a valid postLink");
    assert_eq!(
        (
            post_link.reference_id.as_str(),
            post_link.state.as_str(),
            post_link.loan_length.as_str()
        ),
        ("SHOP-ORDER-1", "APPROVED", "6")
    );
    s.stop().await;
}

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

#[tokio::test]
async fn expiring_tokens_and_injected_faults_exercise_the_clients_recovery() {
    // The bank expires a token the client still holds (its clock is ahead, or it revoked it):
    // the bank's 401 invalid_token makes the facade fetch a new one and resend, transparently.
    let s = sandbox(Config {
        record_exchanges: true,
        ..Config::default()
    })
    .await;
    let f = financial(&s, Profile::default());
    f.get_accounts().bank().await.expect("first token");
    s.advance_clock(Duration::from_secs(
        Config::default().token_lifetime_secs + 1,
    ));
    f.get_accounts().bank().await.expect("a fresh token");
    let seen: Vec<(String, u16)> = s
        .exchanges()
        .iter()
        .map(|e| (e.path.clone(), e.status))
        .collect();
    let accounts = "/sandbox-client/accounts".to_owned();
    let token = Bank::Financial
        .token_path()
        .expect("BCC token route")
        .to_owned();
    assert_eq!(
        seen,
        [
            (token.clone(), 200),
            (accounts.clone(), 200),
            (accounts.clone(), 401),
            (token, 200),
            (accounts, 200)
        ],
        "one refresh after the bank's 401, one resend"
    );

    // Faults steered from the test for the API's requests (the token route is another
    // operation, so tokens still come): `expired-token` on every request gives one refresh, one
    // resend, then a typed 401.
    let steered = |fault: Fault| {
        s.steer().clear();
        s.steer()
            .fault(fault.operation("get_accounts"))
            .expect("a valid fault")
    };
    steered(Fault::on(Bank::Financial).expired_token());
    let err = f.get_accounts().bank().await.expect_err("401");
    assert_eq!((err.kind, err.status), (ErrorKind::Status, Some(401)));
    steered(Fault::on(Bank::Financial).malformed());
    let err = f.get_accounts().bank().await.expect_err("truncated");
    assert_eq!(err.kind, ErrorKind::Decode);
    steered(Fault::on(Bank::Financial).latency(Duration::from_millis(500)));
    let impatient = banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new("sandbox-client", "sandbox-secret"))
        .environment(Environment::Custom(s.base_url(Bank::Financial)))
        .token_url(s.token_url(Bank::Financial).expect("a token route"))
        .signer(signer(Profile::default()))
        .http(banks::HttpConfig {
            timeout: Duration::from_millis(100),
            ..banks::HttpConfig::default()
        })
        .build()
        .expect("builds");
    let err = impatient.get_accounts().bank().await.expect_err("timeout");
    assert_eq!(err.kind, ErrorKind::Transport);
    let fault = steered(Fault::on(Bank::Financial).status(503));
    let err = f.get_accounts().bank().await.expect_err("503");
    assert_eq!(err.status, Some(503));
    assert!(
        s.steer().hits(fault) > 1,
        "a GET is retried on 503 (every attempt was struck)"
    );
    s.steer().clear();
    // The raw header still works for clients in other languages.
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/sandbox-client/accounts",
            s.base_url(Bank::Financial)
        ))
        .bearer_auth(bcc_token(&s, Bank::Financial).await)
        .header("x-sandbox-fault", "status=502")
        .send()
        .await
        .expect("sent");
    assert_eq!(raw.status(), 502);
    s.stop().await;

    // Every second request answered 429 with Retry-After: a GET is retried and succeeds.
    let mut config = Config::default();
    config.faults.every_nth = 2;
    config.faults.nth = "status=429".into();
    let s = sandbox(config).await;
    let f = financial(&s, Profile::default());
    f.get_accounts().bank().await.expect("retried after 429");
    s.stop().await;

    // Every third request sees its token as expired: the facade refreshes once and resends.
    let mut config = Config::default();
    config.faults.every_nth = 3;
    config.faults.nth = "expired-token".into();
    let s = sandbox(config).await;
    let f = financial(&s, Profile::default());
    f.get_accounts().bank().await.expect("request 2");
    f.get_accounts()
        .bank()
        .await
        .expect("request 3 refused, refreshed, resent");
    assert_eq!(s.inspect(|st| st.tokens.len()), 2, "exactly one refresh");
    s.stop().await;

    // A fault the sandbox does not know is refused at start, naming it.
    let mut config = Config::default();
    config.faults.nth = "explode".into();
    let err = Sandbox::start(config, "127.0.0.1:0".parse().expect("addr"), None)
        .await
        .err()
        .expect("refused");
    assert!(
        err.to_string()
            .contains("[faults] nth: unknown fault `explode`"),
        "{err}"
    );
}

#[tokio::test]
async fn state_survives_a_restart_with_a_state_file() {
    use cfront::types::OrderStatus as S;
    let file = std::env::temp_dir().join(format!("sandbox-state-{}.json", uuid::Uuid::new_v4()));
    let addr = "127.0.0.1:0".parse().expect("addr");
    let first = Sandbox::start(Config::default(), addr, Some(file.clone()))
        .await
        .expect("starts");
    let c = globus(&first);
    let created = c
        .create_order()
        .body(order("SHOP-P", "380501234567", "100", None))
        .bank()
        .await
        .expect("created");
    wait_for(&first, &c, &created.order_id, &[S::WaitingForStoreConfirm]).await;
    first.stop().await;
    assert!(file.exists(), "the state was written");

    let second = Sandbox::start(Config::default(), addr, Some(file.clone()))
        .await
        .expect("restarts");
    let c = globus(&second);
    let state = c
        .get_order_state()
        .body(cfront::types::OrderIdRequest::builder().order_id(created.order_id.clone()))
        .bank()
        .await
        .expect("still there");
    assert_eq!(state.status, S::WaitingForStoreConfirm);
    c.confirm_order()
        .body(cfront::types::OrderIdRequest::builder().order_id(created.order_id.clone()))
        .bank()
        .await
        .expect("confirmed");
    wait_for(&second, &c, &created.order_id, &[S::Active]).await;
    second.stop().await;
    let _ = std::fs::remove_file(file);
}

/// Replace every string in a JSON value with non-ASCII text of the same length or longer.
fn hostile(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String("ж".repeat(s.chars().count().max(12))),
        Value::Array(a) => Value::Array(a.iter().map(hostile).collect()),
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), hostile(v))).collect(),
        other => other.clone(),
    }
}

#[tokio::test]
async fn no_request_makes_the_sandbox_fail_or_drop_the_connection() {
    let s = sandbox(Config {
        record_exchanges: true,
        ..Config::default()
    })
    .await;
    let http = reqwest::Client::new();
    let baas_token: Value = http
        .post(format!("{}/oauth2/token", s.base_url(Bank::Baas)))
        .basic_auth("sandbox-consumer", Some("sandbox-consumer-secret"))
        .json(&json!({"grant_type": "password", "username": "sandbox-user", "password": "sandbox-password"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let tokens = [
        (Bank::Broker, bcc_token(&s, Bank::Broker).await),
        (Bank::Financial, bcc_token(&s, Bank::Financial).await),
        (
            Bank::Baas,
            baas_token["access_token"]
                .as_str()
                .expect("token")
                .to_owned(),
        ),
    ];
    let signer = signer(Profile::default());
    let mut failures = Vec::new();
    let mut sent = 0;
    for bank in Bank::ALL {
        let spec = bank.spec();
        for op in &spec.operations {
            let template = spec.doc["paths"]
                .as_object()
                .expect("paths")
                .iter()
                .find(|(_, item)| {
                    item.as_object().is_some_and(|m| {
                        m.values().any(|o| o["operationId"] == op.op["operationId"])
                    })
                })
                .map(|(p, _)| p.clone())
                .expect("path");
            let path: String = template
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        if seg == "{appid}" {
                            "sandbox-client".to_owned()
                        } else {
                            "%D0%B6%D0%B6".to_owned()
                        }
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let example = op
                .op
                .pointer("/requestBody/content/application~1json/example")
                .cloned()
                .unwrap_or(json!({}));
            let bodies = [
                None,
                Some(json!({})),
                Some(json!([])),
                Some(json!("x")),
                Some(json!({"id": 1, "params": "жж"})),
                Some(hostile(&example)),
                // An envelope whose id is not a UUID (schemathesis found the answer echoing it,
                // which breaks the document's `id: format uuid`).
                Some(with_id(&example, "")),
                Some(with_id(&example, "not-a-uuid")),
            ];
            for body in bodies {
                let url = format!(
                    "{}{path}?amount=%D0%B6&partner=%D0%B6&dateFrom=%D0%B6&dateTo=31-02-2026",
                    s.base_url(bank)
                );
                let mut request = http.request(op.method.parse().expect("method"), url);
                request = match bank {
                    Bank::Globus => {
                        request.basic_auth("sandbox-merchant", Some("sandbox-password"))
                    }
                    _ => request.bearer_auth(
                        tokens
                            .iter()
                            .find(|(b, _)| {
                                *b == bank || (*b == Bank::Financial && bank == Bank::Broker)
                            })
                            .map(|(_, t)| t.clone())
                            .unwrap_or_default(),
                    ),
                };
                if let Some(b) = &body {
                    let bytes = b.to_string();
                    if op.op.get("x-signature-header").is_some() {
                        request = request.header(
                            "x-jws-signature",
                            banks::BodySigner::header_value(&signer, bytes.as_bytes())
                                .expect("signed"),
                        );
                    }
                    request = request
                        .header("content-type", "application/json")
                        .body(bytes);
                }
                sent += 1;
                match request.send().await {
                    Ok(r) if r.status().is_server_error() => failures.push(format!(
                        "{} {path} {body:?}: {} {}",
                        op.method,
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )),
                    Ok(r) => {
                        let _ = r.bytes().await;
                    }
                    Err(e) => failures.push(format!("{} {path} {body:?}: {e}", op.method)),
                }
            }
        }
    }
    // Values that pass the spec but are not ASCII, where the sandbox slices text.
    let baas = baas(&s);
    let attach: baas_gateway::types::CardAttachSendParams = serde_json::from_value(
        json!({"cardNumber": "8600123412349999", "expiry": "12/29", "phone": "жжжжжжжжжжжж"}),
    )
    .expect("params");
    let sent_sms = baas
        .send_card_attach_sms(attach)
        .await
        .expect("non-ASCII phone masked, not a panic");
    assert!(
        sent_sms
            .masked_phone
            .unwrap_or_default()
            .starts_with("жжжжж*****")
    );
    let mt = "{4:\n:20:X\n:32A:2611ЖЖKZT1,00\n:50:/D/KZ218560000000000001\n:59:/KZ218560000000000002\n-}";
    let err = financial(&s, Profile::default())
        .create_payment_mt()
        .body(banks::bcc::financial::types::PaymentMt::builder().body_mt(Some(STANDARD.encode(mt))))
        .bank()
        .await
        .expect_err("refused, not a panic");
    assert_eq!(err.status, Some(400), "{err}");
    assert!(sent > 100, "only {sent} requests sent");
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every answer to all of that, refusals included, follows the bank's own document.
    let exchanges = s.exchanges();
    s.stop().await;
    let broken: Vec<String> = exchanges
        .iter()
        .flat_map(|e| bank_sandbox::conformance::check(e, false))
        .filter(|f| !f.excused)
        .map(|f| f.to_string())
        .collect();
    assert!(
        broken.is_empty(),
        "{} answers break the banks' documents:\n{}",
        broken.len(),
        broken.join("\n")
    );
    let baas_ids: Vec<Value> = exchanges
        .iter()
        .filter(|e| e.bank == Bank::Baas && e.body.starts_with(b"{"))
        .filter_map(|e| serde_json::from_slice::<Value>(e.answer.as_deref()?).ok())
        .filter(|answer| answer.get("result").is_some())
        .collect();
    assert!(
        baas_ids.len() > 20,
        "{} BaaS envelopes answered",
        baas_ids.len()
    );
    for answer in baas_ids {
        let id = answer["id"].as_str().unwrap_or_default();
        assert!(
            uuid::Uuid::try_parse(id).is_ok() && id.len() == 36,
            "answer id {id:?}: {answer}"
        );
    }
}

/// `example` (a BaaS envelope) with another `id`; other bodies as they are.
fn with_id(example: &Value, id: &str) -> Value {
    let mut body = example.clone();
    if let Some(map) = body.as_object_mut() {
        map.insert("id".into(), json!(id));
    }
    body
}
