//! The generated typed mocks (`<crate>::mock`, feature `test-util`) with the facade's
//! `banks::testing::MockBank`, as a service's unit tests use them: one operation of each bank
//! (a signed FinancialAPI payment and the BaaS envelope among them), the facade's auth answered by
//! the mock, and what a test sees when a request does not match.

use banks::baas::gateway::mock::MockServerExt as _;
use banks::bcc::broker::mock::MockServerExt as _;
use banks::bcc::financial::mock::MockServerExt as _;
use banks::globus::cfront::mock::MockServerExt as _;
use banks::testing::{MockBank, credentials};
use banks::{ErrorKind, Secret};

use banks::baas::gateway::types as baas;
use banks::bcc::broker::types as broker;
use banks::bcc::financial::types as fin;
use banks::globus::cfront::types as cfront;

fn validate_request(phone: &str) -> cfront::ClientValidateRequest {
    cfront::ClientValidateRequest::builder()
        .phone_number(phone)
        .try_into()
        .expect("a request")
}

fn client_info() -> cfront::ClientInfo {
    cfront::ClientInfo::builder()
        .full_name("Тестовий Клієнт")
        .identification_code("1234567890")
        .try_into()
        .expect("an answer")
}

#[tokio::test]
async fn globus_with_basic_auth() {
    let bank = MockBank::<banks::globus::Cfront>::start().await;
    let authorization = bank.authorization();
    assert!(authorization.starts_with("Basic "), "{authorization}");
    bank.validate_client(|when, then| {
        when.body(&validate_request("380501234567"))
            .header("authorization", &authorization);
        then.ok(&client_info());
    })
    .times(1);
    let client = bank.builder().build().expect("builds");
    let info = client
        .validate_client()
        .body(cfront::ClientValidateRequest::builder().phone_number("380501234567"))
        .bank()
        .await
        .expect("the mocked answer");
    assert_eq!(info, client_info());
    assert_eq!(bank.token_requests(), 0, "HTTP Basic: no token endpoint");
}

#[tokio::test]
async fn a_signed_financial_payment_with_a_token_from_the_mock() {
    let bank = MockBank::<banks::bcc::Financial>::start().await;
    let payment: fin::PaymentBody = fin::PaymentBody::builder()
        .amount(banks::Decimal::from(100))
        .currency("KZT".to_owned())
        .try_into()
        .expect("a payment");
    let accepted: fin::Response = fin::Response::builder()
        .success(true)
        .code(0)
        .description("Платёж принят")
        .try_into()
        .expect("an answer");
    let authorization = bank.authorization();
    let expectation = bank.create_payment(|when, then| {
        when.appid("sandbox-client")
            .signed()
            .header("authorization", &authorization)
            .body(&payment);
        then.ok(&accepted);
    });
    let client = bank.builder().build().expect("builds with the test signer");
    let answer = client
        .create_payment()
        .body(payment.clone())
        .bank()
        .await
        .expect("accepted");
    assert!(answer.success);
    assert_eq!(expectation.calls(), 1);
    assert_eq!(bank.token_requests(), 1);
    // The test credentials are the sandbox's: the same builder settings work against it.
    let creds = credentials::<banks::bcc::Financial>();
    assert_eq!(creds.client_id, "sandbox-client");
    assert_eq!(creds.client_secret, Secret::from("sandbox-secret"));
}

/// A path value is matched as itself, not as a pattern: the generated mock escapes it, so `.` and
/// `+` in an account number match only `.` and `+`.
#[tokio::test]
async fn a_path_value_with_regex_metacharacters_matches_itself_only() {
    let bank = MockBank::<banks::bcc::Financial>::start().await;
    let account: fin::AccountInformation = serde_json::from_value(serde_json::json!({
        "iban": "KZ.12+3",
        "type": "current",
        "status": "open",
        "balanceAccount": {"currency": "KZT", "balance": 1, "availableFunds": 1, "blockedBalance": 0}
    }))
    .expect("an account");
    let expectation = bank.get_account(|when, then| {
        when.iban("KZ.12+3");
        then.ok(&account);
    });
    let client = bank.builder().build().expect("builds");
    // As a pattern, `KZ.12+3` would match these and not itself.
    for other in ["KZx1223", "KZ.1223", "KZ.12+3/more"] {
        let refused = client.get_account().iban(other).bank().await;
        assert!(refused.is_err(), "{other}: {refused:?}");
    }
    let answer = client
        .get_account()
        .iban("KZ.12+3")
        .bank()
        .await
        .expect("the account");
    assert_eq!(answer, account);
    assert_eq!(expectation.calls(), 1);
}

#[tokio::test]
async fn broker_query_parameters() {
    let bank = MockBank::<banks::bcc::Broker>::start().await;
    let products: broker::ProductListResponse = broker::ProductListResponse::builder()
        .message("OK")
        .status(200)
        .products(vec![
            broker::Product::builder()
                .name("Рассрочка 0-0-3")
                .product_code("INST-3")
                .period(3)
                .monthly_payment("33333.33".parse::<banks::Decimal>().expect("decimal"))
                .try_into()
                .expect("a product"),
        ])
        .try_into()
        .expect("an answer");
    bank.get_products(|when, then| {
        when.partner("PARTNER-1").amount("100000");
        then.ok(&products);
    });
    let client = bank.builder().build().expect("builds");
    let answer = client
        .get_products()
        .partner("PARTNER-1")
        .amount("100000")
        .bank()
        .await
        .expect("products");
    assert_eq!(answer.products[0].product_code, "INST-3");
}

#[tokio::test]
async fn baas_envelope_params_result_and_error() {
    let bank = MockBank::<banks::baas::Baas>::start().await;
    let find = |pinfl: &str| -> baas::CardFindParams {
        baas::CardFindParams::builder()
            .pinfl(pinfl)
            .try_into()
            .expect("params")
    };
    let cards: baas::CardList = baas::CardList::builder()
        .cards(vec![])
        .try_into()
        .expect("a result");
    let authorization = bank.authorization();
    bank.find_cards(|when, then| {
        when.params(&find("30101901234567"))
            .header("authorization", &authorization);
        then.result(&cards);
    });
    bank.find_cards(|when, then| {
        when.params(&find("30101900000003"));
        then.envelope_error(1003, "Высокий риск");
    });
    let client = bank.builder().build().expect("builds");
    let found = client
        .find_cards(find("30101901234567"))
        .await
        .expect("the mocked result");
    assert!(found.cards.is_empty());
    let err = client
        .find_cards(find("30101900000003"))
        .await
        .expect_err("the mocked envelope error");
    assert_eq!(err.kind, ErrorKind::Bank);
    assert_eq!(err.code.as_deref(), Some("1003"));
    assert_eq!(bank.token_requests(), 1, "one token for both calls");
}

#[tokio::test]
async fn a_request_that_matches_nothing_fails_naming_the_operation_and_the_difference() {
    let bank = MockBank::<banks::globus::Cfront>::start().await;
    bank.validate_client(|when, then| {
        when.body(&validate_request("380501234567"));
        then.ok(&client_info());
    });
    let client = bank.builder().build().expect("builds");
    // Another phone: no expectation matches; the client gets the mock's 404 saying so.
    let err = client
        .validate_client()
        .body(cfront::ClientValidateRequest::builder().phone_number("380509999999"))
        .bank()
        .await
        .expect_err("unmatched");
    assert_eq!(err.status, Some(404));
    assert!(err.message.contains("did not match"), "{err}");
    // Verifying names the operation, the count, and shows the closest request with the
    // difference (the other phone).
    let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| bank.verify()));
    let message = verified
        .expect_err("an unmet expectation fails the test")
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(
        message.contains("`validate_client` was expected at least once but matched 0"),
        "{message}"
    );
    assert!(
        message.contains("380509999999"),
        "the closest request: {message}"
    );
    // Satisfy it, so that dropping the mock passes.
    client
        .validate_client()
        .body(cfront::ClientValidateRequest::builder().phone_number("380501234567"))
        .bank()
        .await
        .expect("matched");
    bank.verify();
}

#[test]
fn an_expectation_never_met_fails_when_the_mock_is_dropped() {
    // A test of its own, on its own thread: the panic at the drop is what is checked.
    let dropped = std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let bank = MockBank::<banks::globus::Cfront>::start().await;
            bank.confirm_order(|when, then| {
                when.body(
                    &cfront::OrderIdRequest::builder()
                        .order_id("o-1")
                        .try_into()
                        .expect("a request"),
                );
                then.json(500, serde_json::json!({"code": "500", "message": "unused"}));
            });
            // The test forgets to call `confirm_order`.
        })
    })
    .join();
    let message = dropped
        .expect_err("dropping the mock fails the test")
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(
        message.contains("`confirm_order` was expected at least once but matched 0"),
        "{message}"
    );
}

fn account(iban: &str) -> fin::AccountInformation {
    serde_json::from_value(serde_json::json!({
        "iban": iban,
        "type": "current",
        "status": "open",
        "balanceAccount": {"currency": "KZT", "balance": 1, "availableFunds": 1, "blockedBalance": 0}
    }))
    .expect("an account")
}

fn refusal(code: i32, description: &str) -> fin::Response {
    fin::Response::builder()
        .success(false)
        .code(code)
        .description(description)
        .try_into()
        .expect("an error body")
}

/// A generated client on the runtime's call path (retries, the API's operations) that never
/// really waits between attempts.
fn financial_client(base_url: &str, sleep: &bank_runtime::InstantSleep) -> bcc_financial::Client {
    let context = bank_runtime::Context::for_api(&bcc_financial::SPEC)
        .client_id("app-1")
        .sleeper(sleep.clone())
        .build();
    bcc_financial::Client::new_with_client(base_url, reqwest::Client::new(), context)
}

/// An answer sequence over HTTP: the first GET is answered 503 with the API's own error body
/// (typed: `then.error(status, &types::Response)`), the runtime retries it (a GET) and the second
/// expectation answers 200. Each expectation saw exactly the requests it was meant for.
#[tokio::test]
async fn a_get_answered_503_once_is_retried_and_gets_the_200() {
    use bcc_financial::mock::{MockServer, MockServerExt as _};
    let server = MockServer::start().await;
    let unavailable = server.get_account(|when, then| {
        when.appid("app-1").iban("KZ01");
        then.error(503, &refusal(503, "Сервис недоступен")).once();
    });
    let available = server.get_account(|when, then| {
        when.appid("app-1").iban("KZ01");
        then.ok(&account("KZ01"));
    });
    let sleep = bank_runtime::InstantSleep::new();
    let client = financial_client(&server.base_url(), &sleep);
    let answer = client
        .get_account()
        .iban("KZ01")
        .bank()
        .await
        .expect("the 200 after one retry");
    assert_eq!(answer, account("KZ01"));
    assert_eq!(unavailable.calls(), 1);
    assert_eq!(available.calls(), 1);
    assert_eq!(
        sleep.slept().len(),
        1,
        "one wait before the retry, not slept"
    );
}

/// A typed error answer reaches the caller as the bank's error: status, code and message from
/// the API's own error type.
#[tokio::test]
async fn a_typed_error_answer_is_the_banks_error() {
    use bcc_financial::mock::{MockServer, MockServerExt as _};
    let server = MockServer::start().await;
    server
        .get_account(|when, then| {
            when.iban("KZ02");
            then.error(403, &refusal(1403, "Доступ запрещён"));
        })
        .times(1);
    let client = financial_client(&server.base_url(), &bank_runtime::InstantSleep::new());
    let err = client
        .get_account()
        .iban("KZ02")
        .bank()
        .await
        .expect_err("the typed error");
    assert_eq!(err.status, Some(403), "{err:?}");
    assert!(err.message.contains("Доступ запрещён"), "{err:?}");
}

/// From a plain `#[test]`: the mock server starts without an async runtime of the test's own,
/// takes typed expectations and verifies them when dropped; only the client runs on one.
#[test]
fn a_plain_test_uses_the_typed_mocks() {
    use bcc_financial::mock::{MockServer, MockServerExt as _};
    let server = MockServer::start_blocking();
    server
        .get_account(|when, then| {
            when.iban("KZ03");
            then.ok(&account("KZ03"));
        })
        .times(1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the client");
    let client = financial_client(&server.base_url(), &bank_runtime::InstantSleep::new());
    let answer = runtime
        .block_on(client.get_account().iban("KZ03").bank())
        .expect("the account");
    assert_eq!(answer, account("KZ03"));
    drop(server);
}

/// The facade's `MockBank` from a plain `#[test]`, with a typed Globus error: the document's
/// `Error` (`CLIENT_NOT_FOUND`) answered by `then.error`, read back as the bank's code.
#[test]
fn a_plain_test_with_mock_bank_and_a_typed_globus_error() {
    let bank = MockBank::<banks::globus::Cfront>::start_blocking();
    let not_found: cfront::Error = cfront::Error::builder()
        .code("CLIENT_NOT_FOUND")
        .message("Клієнта не знайдено")
        .try_into()
        .expect("an error body");
    bank.validate_client(|when, then| {
        when.body(&validate_request("380500000000"));
        then.error(404, &not_found);
    })
    .times(1);
    let client = bank.builder().build().expect("builds");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the client");
    let err = runtime
        .block_on(
            client
                .validate_client()
                .body(cfront::ClientValidateRequest::builder().phone_number("380500000000"))
                .bank(),
        )
        .expect_err("the typed error");
    assert_eq!(err.status, Some(404), "{err:?}");
    assert_eq!(err.code.as_deref(), Some("CLIENT_NOT_FOUND"), "{err:?}");
    drop(runtime);
}
