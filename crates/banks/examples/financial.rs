//! BCC FinancialAPI flow: list accounts with balances, pay from one to another with a signed
//! body (`x-jws-signature`), find the payment and read the statement.
//!
//! ```sh
//! cargo run -p bank-sandbox &
//! cargo run -p banks --example financial -- --base-url http://127.0.0.1:8080/bcc-financial \
//!     --key crates/bank-jws/tests/keys/ec.key.pem --cert crates/bank-jws/tests/keys/ec.cert.pem
//! ```
//! (`--token-url` defaults to the sandbox's token route under `--base-url`; the bank's own is in the spec.)

pub mod common;

use banks::bcc::financial::types::{PaymentBeneficiary, PaymentBody, PaymentSender};
use banks::jws::{JwsSigner, KeySigner, Profile};
use banks::{ClientCredentials, Environment};

const USAGE: &str = "usage: financial --base-url URL --key KEY.pem --cert CERT.pem [--profile unprotected-header|protected-header] [--token-url URL] [--client-id ID] [--client-secret S] [--amount 1500.75]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(common::Args::parse(USAGE)).await
}

/// The whole flow; `Ok` only when every step succeeded (a test runs it against the sandbox).
pub async fn run(args: common::Args) -> Result<(), Box<dyn std::error::Error>> {
    let base = args.base_url();
    let client_id = args.get("client-id", "sandbox-client");
    let key = std::fs::read(args.get("key", "crates/bank-jws/tests/keys/ec.key.pem"))?;
    let cert = std::fs::read(args.get("cert", "crates/bank-jws/tests/keys/ec.cert.pem"))?;
    let profile: Profile = args.get("profile", Profile::default().name()).parse()?;
    let financial = banks::bcc::Financial::builder()
        .credentials(ClientCredentials::new(
            client_id.clone(),
            args.get("client-secret", "sandbox-secret"),
        ))
        .environment(Environment::Custom(base.clone()))
        .token_url(args.get(
            "token-url",
            &format!(
                    "{base}{}",
                    bank_sandbox::spec::Bank::Financial
                        .token_path()
                        .unwrap_or_default()
                ),
        ))
        .signer(JwsSigner::new(KeySigner::from_pem(&key, &cert)?, profile))
        .build()?;

    common::step(1, "accounts and balances");
    let accounts = financial.get_accounts().bank().await?;
    for a in &accounts.accounts.0 {
        let info = financial.get_account().iban(&a.iban).bank().await?;
        println!(
            "   {} {:<22} {} {}",
            a.iban,
            a.description.clone().unwrap_or_default(),
            info.balance_account.balance,
            info.balance_account.currency
        );
    }
    let [from, to, ..] = accounts.accounts.0.as_slice() else {
        return Err("two accounts are needed".into());
    };

    let amount: banks::Decimal = args.get("amount", "1500.75").parse()?;
    common::step(
        2,
        &format!(
            "pay {amount} KZT from {} to {} (body signed, {profile:?})",
            from.iban, to.iban
        ),
    );
    let body = PaymentBody::builder()
        .amount(Some(amount))
        .currency(Some("KZT".to_owned()))
        .document_number(Some(std::process::id().to_string()))
        .payment_sender(Some(
            PaymentSender::builder()
                .iban(Some(from.iban.clone()))
                .try_into()?,
        ))
        .payment_beneficiary(Some(
            PaymentBeneficiary::builder()
                .iban(Some(to.iban.clone()))
                .name(Some("ТОО Получатель".to_owned()))
                .try_into()?,
        ));
    let answer = financial.create_payment().body(body).bank().await?;
    println!("   {}", answer.description);
    let reference = banks::bcc::payment_reference(&answer)
        .ok_or("the bank's answer carries no referenceId")?
        .to_owned();

    common::step(3, &format!("payment {reference}"));
    let payment = financial
        .get_payment()
        .reference_id(&reference)
        .bank()
        .await?;
    println!(
        "   {} {} {} → {}",
        payment.status.description.unwrap_or_default(),
        payment.amount,
        payment.payment_payer.iban,
        payment.payment_beneficiary.iban
    );

    let today = chrono_today();
    common::step(4, &format!("statement of {} for {today}", from.iban));
    let statement = financial
        .get_statement_v2()
        .iban(&from.iban)
        .date_from(&today)
        .date_to(&today)
        .bank()
        .await?;
    for t in &statement.transactions {
        println!(
            "   {} {} {} {}",
            t.dbcrfl.clone().unwrap_or_default(),
            t.amount.map(|a| a.to_string()).unwrap_or_default(),
            t.party_account.clone().unwrap_or_default(),
            t.purpose.clone().unwrap_or_default()
        );
    }
    if let Some(out) = statement.out_balance {
        println!(
            "   closing balance {}",
            out.amount.map(|a| a.to_string()).unwrap_or_default()
        );
    }
    Ok(())
}

/// Today in the bank's date layout (`DateDmy`, `dd-MM-yyyy`), in Kazakhstan (UTC+5).
fn chrono_today() -> String {
    banks::DateDmy((chrono::Utc::now() + chrono::Duration::hours(5)).date_naive()).to_string()
}
