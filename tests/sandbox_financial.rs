//! BCC FinancialAPI through the `banks` facade against the sandbox in-process on 127.0.0.1:
//! payments moving money into lists and statements, and JWS signatures verified in the bank's
//! form (bad ones refused).

mod common;

use bank_sandbox::Config;
use bank_sandbox::spec::Bank;
use banks::jws::{JwsSigner, KeySigner, Profile};
use banks::{ClientCredentials, Environment};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use bank_testkit::bodies::payment;
use bank_testkit::keys::ec_signer as signer;
use bank_testkit::sandbox::{financial, start as sandbox};

use common::{bcc_token, keys};

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
