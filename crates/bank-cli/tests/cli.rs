//! The `bank` binary against the sandbox started in-process on 127.0.0.1: one read and one write
//! call for each bank (a signed payment among them), `--help`, mistyped operations and
//! parameters, a bank error, and that nothing printed carries a token, a secret or a signature.

use std::path::PathBuf;
use std::process::Output;

use bank_sandbox::spec::Bank;
use bank_sandbox::{Config, Sandbox};
use banks::testing::variables;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

/// The secrets the runs below are given.
const SECRETS: &[&str] = &[
    "sandbox-secret",
    "sandbox-password",
    "sandbox-consumer-secret",
];

fn keys() -> PathBuf {
    bank_testkit::keys::dir()
}

/// The environment for one API of the sandbox `s` (the facade's variable names, the test
/// credentials of `banks::testing`).
fn env(s: &Sandbox, bank: Bank) -> Vec<(String, String)> {
    let mut vars = match bank {
        Bank::Broker => variables::<banks::bcc::Broker>(),
        Bank::Financial => variables::<banks::bcc::Financial>(),
        Bank::Globus => variables::<banks::globus::Cfront>(),
        Bank::Baas => variables::<banks::baas::Baas>(),
        other => panic!("these tests cover the hand-written APIs, not {other}"),
    };
    let prefix = banks::env_prefix(bank.api());
    let mut set = |suffix: &str, value: String| vars.push((format!("{prefix}_{suffix}"), value));
    set("ENVIRONMENT", s.base_url(bank));
    if let Some(token_url) = s.token_url(bank).filter(|_| {
        bank.api()
            .oauth2
            .is_some_and(|o| !o.token_url.starts_with('/'))
    }) {
        set("TOKEN_URL", token_url);
    }
    if bank.api().signing.is_some() {
        set(
            "SIGNING_KEY",
            keys().join("ec.key.pem").display().to_string(),
        );
        set(
            "SIGNING_CERT",
            keys().join("ec.cert.pem").display().to_string(),
        );
    }
    vars
}

/// Run `bank args…` with `vars` (and nothing else of the caller's bank variables), `stdin` fed.
async fn bank(args: &[&str], vars: &[(String, String)], stdin: Option<&[u8]>) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bank"));
    command
        .args(args)
        .env_remove("BANK_CONFIG")
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("bank runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        // A run that fails before reading its input (a missing credential) closes the pipe
        // first: that is not the test's failure.
        match input.write_all(bytes).await {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.expect("stdin written"),
        }
    }
    drop(input);
    child.wait_with_output().await.expect("bank ends")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A successful run's JSON answer.
fn answer(output: &Output) -> Value {
    let (stdout, stderr) = text(output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// A JSON file holding `value`.
fn file(dir: &tempfile::TempDir, name: &str, value: &Value) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec(value).expect("JSON")).expect("written");
    path.display().to_string()
}

async fn sandbox() -> Sandbox {
    bank_testkit::sandbox::start(Config {
        record_exchanges: true,
        ..Config::default()
    })
    .await
}

/// Nothing any run printed carries a secret, a token the sandbox issued, or a signature it
/// received.
fn assert_no_secrets(s: &Sandbox, outputs: &[&Output]) {
    let tokens: Vec<String> = s.inspect(|st| st.tokens.keys().cloned().collect());
    let signatures: Vec<String> = s
        .exchanges()
        .iter()
        .filter_map(|e| {
            e.headers
                .iter()
                .find(|(n, _)| n == "x-jws-signature")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert!(!tokens.is_empty(), "tokens were issued");
    assert!(!signatures.is_empty(), "a payment was signed");
    for output in outputs {
        let (stdout, stderr) = text(output);
        for printed in [&stdout, &stderr] {
            for secret in SECRETS
                .iter()
                .copied()
                .chain(tokens.iter().map(String::as_str))
            {
                assert!(!printed.contains(secret), "printed a secret: {printed}");
            }
            for signature in &signatures {
                assert!(!printed.contains(signature.as_str()), "printed a signature");
            }
            assert!(
                !printed.contains("Bearer"),
                "printed an authorization: {printed}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_read_and_one_write_per_bank_and_no_secret_printed() {
    let s = sandbox().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();

    // Globus: validate a client (read), create an order (write).
    let globus = env(&s, Bank::Globus);
    let found = bank(
        &[
            "globus-cfront",
            "validate_client",
            "--body",
            &file(&dir, "client.json", &json!({"phoneNumber": "380501234567"})),
        ],
        &globus,
        None,
    )
    .await;
    assert!(answer(&found)["fullName"].is_string());
    let order = json!({
        "merchantOrderId": "CLI-1", "phoneNumber": "380501234567", "fullName": "Тестовий Клієнт",
        "identificationCode": "1234567890", "salesPointCode": "KYIV-001",
        "creditProductName": "Розстрочка 0% 6 міс", "creditTerm": 6, "totalAmount": 1000.5,
        "goods": [{"name": "Смартфон", "price": 1000.5, "quantity": 1}]
    });
    let created = bank(
        &[
            "globus-cfront",
            "create_order",
            "--body",
            &file(&dir, "order.json", &order),
        ],
        &globus,
        None,
    )
    .await;
    assert_eq!(answer(&created)["status"], "NEW");
    outputs.extend([found, created]);

    // FinancialAPI: accounts (read, appid from the client id), a signed payment from stdin.
    let financial = env(&s, Bank::Financial);
    let accounts = bank(&["bcc-financial", "get_accounts"], &financial, None).await;
    assert!(
        answer(&accounts)
            .to_string()
            .contains("KZ218560000000000001")
    );
    let payment = json!({
        "amount": 10, "currency": "KZT",
        "paymentSender": {"iban": "KZ218560000000000001"},
        "paymentBeneficiary": {"iban": "KZ218560000000000002"}
    });
    let paid = bank(
        &["bcc-financial", "create_payment", "--body", "-"],
        &financial,
        Some(payment.to_string().as_bytes()),
    )
    .await;
    assert_eq!(answer(&paid)["success"], true);
    outputs.extend([accounts, paid]);

    // Broker: products (read, query parameters), an order (write).
    let broker = env(&s, Bank::Broker);
    let products = bank(
        &[
            "bcc-broker",
            "get_products",
            "--partner",
            "SHOP",
            "--amount",
            "300000",
        ],
        &broker,
        None,
    )
    .await;
    let product = answer(&products)["products"][0]["productCode"].clone();
    let broker_order = json!({
        "amount": 300000, "language": "ru", "name": "Смартфон", "partnerCode": "SHOP",
        "partnerOrderId": "CLI-ORDER-1", "pointCode": "P1", "posName": "Магазин",
        "productCode": product
    });
    let ordered = bank(
        &[
            "bcc-broker",
            "orders",
            "--body",
            &file(&dir, "broker.json", &broker_order),
        ],
        &broker,
        None,
    )
    .await;
    assert!(answer(&ordered)["redirectLink"].is_string());
    outputs.extend([products, ordered]);

    // BaaS: order a card (write), then find the client's cards (read); envelopes as files.
    let baas = env(&s, Bank::Baas);
    let card = json!({
        "id": "e20ba72f-bc54-449f-ae13-7458afef64c6",
        "params": {"client": {"phone": "998901234567", "pinfl": "30101901234567",
            "passportSeries": "AA", "passportNumber": "1234567", "birthDate": "1990-01-01"},
            "cardType": "UZCARD"}
    });
    let applied = bank(
        &[
            "baas-gateway",
            "create_card_application",
            "--body",
            &file(&dir, "card.json", &card),
        ],
        &baas,
        None,
    )
    .await;
    let application = answer(&applied)["result"]["applicationId"].clone();
    assert!(application.is_string());
    let status = json!({"id": "e20ba72f-bc54-449f-ae13-7458afef64c7", "params": {"applicationId": application}});
    let cards = bank(
        &[
            "baas-gateway",
            "get_card_application_status",
            "--body",
            &file(&dir, "status.json", &status),
        ],
        &baas,
        None,
    )
    .await;
    assert_eq!(answer(&cards)["result"]["applicationId"], application);
    // An envelope error on HTTP 200 is the bank's refusal: exit status 1, code and message.
    let find = json!({"id": "e20ba72f-bc54-449f-ae13-7458afef64c8", "params": {"pinfl": "30101909999999"}});
    let none = bank(
        &[
            "baas-gateway",
            "find_cards",
            "--body",
            &file(&dir, "find.json", &find),
        ],
        &baas,
        None,
    )
    .await;
    let (_, stderr) = text(&none);
    assert_eq!(none.status.code(), Some(1), "{stderr}");
    let refused: Value = serde_json::from_str(&stderr).expect("the error as JSON");
    assert_eq!(refused["error"]["kind"], "Bank");
    assert!(refused["error"]["code"].is_string(), "{stderr}");
    outputs.push(none);
    outputs.extend([applied, cards]);

    // A bank error: exit status 1, the bank's error as JSON on standard error.
    let missing = bank(
        &[
            "bcc-financial",
            "get_account",
            "--iban",
            "KZ000000000000000000",
        ],
        &financial,
        None,
    )
    .await;
    let (_, stderr) = text(&missing);
    assert_eq!(missing.status.code(), Some(1), "{stderr}");
    let error: Value = serde_json::from_str(&stderr).expect("the error as JSON");
    assert_eq!(error["error"]["api"], "bcc-financial");
    assert!(error["error"]["status"].as_u64().is_some(), "{stderr}");
    outputs.push(missing);

    let refs: Vec<&Output> = outputs.iter().collect();
    assert_no_secrets(&s, &refs);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_every_operation_with_its_summary_and_mistakes_name_the_closest() {
    let help = bank(&["globus-cfront", "--help"], &[], None).await;
    let (stdout, _) = text(&help);
    assert!(help.status.success());
    for op in Bank::Globus.api().operations {
        assert!(
            stdout.contains(op.name) && stdout.contains(op.summary),
            "{} / {} in {stdout}",
            op.name,
            op.summary
        );
    }
    let top = bank(&["--help"], &[], None).await;
    assert!(text(&top).0.contains("bcc-financial"));

    let typo = bank(&["bcc-financial", "get_acounts"], &[], None).await;
    let (_, stderr) = text(&typo);
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr.contains("get_accounts"), "{stderr}");

    let wrong = bank(
        &[
            "bcc-financial",
            "get_account",
            "--ibn",
            "KZ218560000000000001",
        ],
        &[],
        None,
    )
    .await;
    let (_, stderr) = text(&wrong);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr.contains("--iban"), "{stderr}");

    let unknown_api = bank(&["globus", "create_order"], &[], None).await;
    assert_eq!(unknown_api.status.code(), Some(2));
    assert!(text(&unknown_api).1.contains("globus-cfront"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_only_from_files_or_stdin_and_settings_from_a_config_file() {
    let s = sandbox().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Inline JSON is refused before anything is sent.
    let inline = bank(
        &[
            "globus-cfront",
            "validate_client",
            "--body",
            r#"{"phoneNumber": "380501234567"}"#,
        ],
        &env(&s, Bank::Globus),
        None,
    )
    .await;
    assert_eq!(inline.status.code(), Some(2));
    assert!(text(&inline).1.contains("standard input"));
    // A body that is not JSON names its file.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{not json").expect("written");
    let bad = bank(
        &[
            "globus-cfront",
            "validate_client",
            "--body",
            &broken.display().to_string(),
        ],
        &env(&s, Bank::Globus),
        None,
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).1.contains("broken.json: not JSON"));
    // Missing credentials name the variable.
    let unconfigured = bank(
        &["globus-cfront", "validate_client", "--body", "-"],
        &[],
        Some(b"{}"),
    )
    .await;
    assert_eq!(unconfigured.status.code(), Some(2));
    assert!(
        text(&unconfigured).1.contains("GLOBUS_CFRONT_"),
        "{}",
        text(&unconfigured).1
    );
    // The same settings from a config file.
    let config = dir.path().join("bank.toml");
    std::fs::write(
        &config,
        format!(
            "[globus-cfront]\nlogin = \"sandbox-merchant\"\npassword = \"sandbox-password\"\nenvironment = \"{}\"\n",
            s.base_url(Bank::Globus)
        ),
    )
    .expect("written");
    // Readable by others: refused, naming the fix.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let shared = bank(
        &[
            "--config",
            &config.display().to_string(),
            "globus-cfront",
            "validate_client",
            "--body",
            "-",
        ],
        &[],
        Some(br#"{"phoneNumber": "380501234567"}"#),
    )
    .await;
    assert_eq!(shared.status.code(), Some(2));
    assert!(text(&shared).1.contains("chmod 600"), "{}", text(&shared).1);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    // The token endpoint is not an operation of the CLI: it would print a token.
    let token = bank(
        &[
            "--config",
            &config.display().to_string(),
            "baas-gateway",
            "get_token",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(token.status.code(), Some(2), "{:?}", text(&token));
    let configured = bank(
        &[
            "--config",
            &config.display().to_string(),
            "globus-cfront",
            "validate_client",
            "--body",
            "-",
        ],
        &[],
        Some(br#"{"phoneNumber": "380501234567"}"#),
    )
    .await;
    assert!(answer(&configured)["fullName"].is_string());
    s.stop().await;
}
