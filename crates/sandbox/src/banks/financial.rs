//! BCC FinancialAPI: accounts with balances, payments (JSON, MT100 and Base64 forms, each signed
//! in `x-jws-signature`) that move money between sandbox accounts and show up in the payments
//! list and in both statement versions, bank messages, taxpayer lookup, healthcheck.

use bcc_financial::operations::Operation as Op;
use std::collections::BTreeMap;

use bank_runtime::{DateDmy, DateTimeDmyHms, DateTimeYmdHms};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bcc_financial::types as t;
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use serde_json::{Value, json};

use crate::auth::Denied;
use crate::banks::{BuildError, build, build_json};
use crate::bounded::Quota;
use crate::host::Host;
use crate::sim::{BankSim, Call, Effect, Outcome, Reply, Resource, field_message, refusal};
use crate::spec::Bank;

/// BCC FinancialAPI's simulation: errors and refusals in the document's `Response` (`success`,
/// `code`, `description`), OAuth2 client credentials at its token route.
pub struct Financial;

impl Bank {
    /// BCC FinancialAPI (`bcc-financial`), simulated by [`Financial`]: this module's row of the registry.
    #[allow(non_upper_case_globals)]
    pub const Financial: Bank = Bank::named("bcc-financial");
}

impl BankSim for Financial {
    fn error(
        &self,
        status: u16,
        _code: &str,
        field: Option<&str>,
        message: &str,
        _envelope_id: Option<&Value>,
    ) -> Reply {
        Reply::json(
            status,
            &json!({"success": false, "code": status, "description": field_message(field, message)}),
        )
    }

    /// The OAuth2 body inside the documented `Response` (which allows extra attributes).
    fn denied(&self, denied: &Denied) -> Reply {
        let mut body = denied.body();
        if let Some(map) = body.as_object_mut() {
            map.insert("success".into(), json!(false));
            map.insert("code".into(), json!(denied.status));
            map.insert("description".into(), json!(denied.description));
        }
        refusal(body, denied)
    }

    fn token_route(&self) -> Option<(&'static str, &'static str)> {
        Some(("POST", crate::auth::BCC_TOKEN_PATH))
    }

    fn token_client(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
        crate::auth::bcc_client(headers, body)
    }

    fn token(&self, host: &dyn Host, headers: &axum::http::HeaderMap, body: &[u8]) -> Reply {
        match crate::auth::bcc_token(host, Bank::Financial, headers, body) {
            Ok(token) => Reply::json(200, &token),
            Err(d) => self.denied(&d),
        }
    }

    fn handle(&self, call: &Call<'_>) -> Outcome {
        let mut effects = Vec::new();
        let reply = answer(call, &mut effects);
        Outcome::with(reply, effects)
    }

    /// The payments: each is executed when it is accepted (one status, at its execution time).
    fn resources(&self, host: &dyn Host, _bank: Bank) -> Vec<Resource> {
        host.read(|s: &State| {
            s.payments
                .iter()
                .map(|p| {
                    // `executed` is the banks' local time (UTC+05:00, as `now_rfc3339` gives it).
                    let at = p.executed.and_utc().timestamp_millis() - 5 * 3600 * 1000;
                    Resource::new(
                        "payment",
                        &p.reference,
                        &p.payer.0,
                        "EXECUTED",
                        u64::try_from(at).unwrap_or(0),
                    )
                    .name(&p.payer.1)
                    .reference(&p.document_number)
                    .amount(format!("{} {}", p.amount, p.currency))
                    .detail(
                        "beneficiary",
                        format!("{} ({})", p.beneficiary.0, p.beneficiary.1),
                    )
                    .detail("purpose code (KNP)", &p.knp)
                    .detail("details", &p.details)
                    .detail("received as", &p.form)
                })
                .collect()
        })
    }
}

/// A sandbox account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// Description.
    pub description: String,
    /// Currency.
    pub currency: String,
    /// Balance.
    pub balance: Decimal,
}

/// An executed payment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payment {
    /// The bank's reference.
    pub reference: String,
    /// The client's document number.
    pub document_number: String,
    /// When it was executed.
    pub executed: NaiveDateTime,
    /// Amount.
    pub amount: Decimal,
    /// Currency.
    pub currency: String,
    /// Payer `(iban, name, bin)`.
    pub payer: (String, String, String),
    /// Beneficiary `(iban, name, bin)`.
    pub beneficiary: (String, String, String),
    /// Purpose code (KNP).
    pub knp: String,
    /// Purpose text.
    pub details: String,
    /// The form it arrived in: `json`, `mt100`, `base64`.
    pub form: String,
}

/// FinancialAPI state.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Accounts by IBAN (seeded from the configuration on first use).
    pub accounts: BTreeMap<String, Account>,
    /// Whether `accounts` was seeded.
    pub seeded: bool,
    /// Payments, oldest first.
    pub payments: Vec<Payment>,
    /// Payments made per BCC client (`[limits] payments_per_client`).
    pub created: Quota,
}

fn err(status: u16, message: &str) -> Reply {
    Financial.error(status, &status.to_string(), None, message, None)
}

fn invalid(field: &str, message: &str) -> Reply {
    Financial.error(400, "400", Some(field), message, None)
}

fn seed(call: &Call<'_>) {
    let accounts = &call.host.config().bcc.accounts;
    call.host.update(|s: &mut State| {
        if !s.seeded {
            s.seeded = true;
            for a in accounts {
                s.accounts.insert(
                    a.iban.clone(),
                    Account {
                        description: a.description.clone(),
                        currency: a.currency.clone(),
                        balance: a.balance,
                    },
                );
            }
        }
    });
}

/// `dd-MM-yyyy` (the bank's layout) or `yyyy-MM-dd`.
fn date_param(call: &Call<'_>, name: &str) -> Result<NaiveDate, Reply> {
    let raw = call.query.get(name).cloned().unwrap_or_default();
    use bank_openapi::formats::{DATE, DATE_DMY};
    NaiveDate::parse_from_str(&raw, DATE_DMY.pattern())
        .or_else(|_| NaiveDate::parse_from_str(&raw, DATE.pattern()))
        .map_err(|_| {
            invalid(
                &format!("query parameter {name}"),
                &format!("`{raw}` is not a date (dd-MM-yyyy)"),
            )
        })
}

/// What a payment request carries, whichever form it came in.
struct Order {
    /// The client's document number, if it gave one (MT100: `:20:`).
    document_number: Option<String>,
    amount: Decimal,
    currency: String,
    payer_iban: String,
    beneficiary: (String, String, String),
    knp: String,
    details: String,
}

fn from_body(body: t::PaymentBody) -> Result<Order, Reply> {
    let amount = body
        .amount
        .ok_or_else(|| invalid("amount", "is required"))?
        .0;
    let sender = body
        .payment_sender
        .ok_or_else(|| invalid("paymentSender", "is required"))?;
    let beneficiary = body
        .payment_beneficiary
        .ok_or_else(|| invalid("paymentBeneficiary", "is required"))?;
    let details = body.details.unwrap_or_default();
    Ok(Order {
        document_number: body.document_number,
        amount,
        currency: body
            .currency
            .ok_or_else(|| invalid("currency", "is required"))?,
        payer_iban: sender
            .iban
            .ok_or_else(|| invalid("paymentSender.iban", "is required"))?,
        beneficiary: (
            beneficiary
                .iban
                .ok_or_else(|| invalid("paymentBeneficiary.iban", "is required"))?,
            beneficiary.name.unwrap_or_default(),
            beneficiary.bin.unwrap_or_default(),
        ),
        knp: details.knp.unwrap_or_else(|| "890".into()),
        details: details.narrative.unwrap_or_default(),
    })
}

/// The fields of an MT100 the sandbox needs: `:20:`, `:32A:`, `:50:`, `:59:`, `:70:`.
fn from_mt100(text: &str) -> Result<Order, Reply> {
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = None::<String>;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix(':')
            && let Some((tag, value)) = rest.split_once(':')
        {
            current = Some(tag.to_owned());
            fields
                .entry(tag.to_owned())
                .or_default()
                .push(value.to_owned());
        } else if let Some(tag) = &current {
            fields.entry(tag.clone()).or_default().push(line.to_owned());
        }
    }
    let field = |tag: &str| {
        fields
            .get(tag)
            .cloned()
            .ok_or_else(|| invalid("bodyMT", &format!("MT100 field :{tag}: is missing")))
    };
    let value = field("32A")?.join("");
    if value.len() < 10 || !value.is_ascii() {
        return Err(invalid(
            "bodyMT",
            ":32A: must be YYMMDD, currency, amount (ASCII)",
        ));
    }
    let (currency, amount) = (&value[6..9], value[9..].replace(',', "."));
    let amount: Decimal = amount.parse().map_err(|_| {
        invalid(
            "bodyMT",
            &format!(":32A: amount `{amount}` is not a number"),
        )
    })?;
    let party = |lines: Vec<String>| -> (String, String) {
        let iban = lines
            .iter()
            .find_map(|l| l.strip_prefix("/D/").or_else(|| l.strip_prefix('/')))
            .unwrap_or_default()
            .to_owned();
        let name = lines
            .iter()
            .find(|l| !l.starts_with('/'))
            .cloned()
            .unwrap_or_default();
        (iban, name)
    };
    let (payer_iban, _) = party(field("50")?);
    let (ben_iban, ben_name) = party(field("59")?);
    Ok(Order {
        document_number: Some(field("20")?.join("")),
        amount,
        currency: currency.to_owned(),
        payer_iban,
        beneficiary: (ben_iban, ben_name, String::new()),
        knp: "890".into(),
        details: fields.get("70").map(|l| l.join(" ")).unwrap_or_default(),
    })
}

/// Execute a payment: funds checked and moved, recorded for the lists and statements, and
/// counted under the client's document number (the bank's reference without one).
fn execute(call: &Call<'_>, order: Order, form: &str, effects: &mut Vec<Effect>) -> Reply {
    if order.amount <= Decimal::ZERO {
        return invalid("amount", "must be positive");
    }
    let now = call.host.now_rfc3339().naive_local();
    let reference = format!(
        "SBX{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase()
    );
    let limit = call.host.config().limits.payments_per_client;
    let outcome = call.host.update(|s: &mut State| {
        let f = s;
        if f.created.used(call.subject) >= limit {
            return f
                .created
                .take(call.subject, limit, "payments", "payments_per_client");
        }
        let payer = f.accounts.get(&order.payer_iban).ok_or(format!(
            "account {} is not a sandbox account of this client",
            order.payer_iban
        ))?;
        if payer.currency != order.currency {
            return Err(format!(
                "account {} is in {}, the payment in {}",
                order.payer_iban, payer.currency, order.currency
            ));
        }
        if payer.balance < order.amount {
            return Err(format!(
                "insufficient funds on {}: {} {} available",
                order.payer_iban, payer.balance, payer.currency
            ));
        }
        let payer_name = payer.description.clone();
        if let Some(p) = f.accounts.get_mut(&order.payer_iban) {
            p.balance -= order.amount;
        }
        if let Some(b) = f.accounts.get_mut(&order.beneficiary.0) {
            b.balance += order.amount;
        }
        f.payments.push(Payment {
            reference: reference.clone(),
            document_number: order.document_number.clone().unwrap_or_else(|| "1".into()),
            executed: now,
            amount: order.amount,
            currency: order.currency.clone(),
            payer: (order.payer_iban.clone(), payer_name, "000000000000".into()),
            beneficiary: order.beneficiary.clone(),
            knp: order.knp.clone(),
            details: order.details.clone(),
            form: form.to_owned(),
        });
        f.created
            .take(call.subject, limit, "payments", "payments_per_client")
    });
    match outcome {
        Ok(()) => {
            effects.push(Effect::created(
                Bank::Financial,
                call.operation,
                order.document_number.unwrap_or_else(|| reference.clone()),
            ));
            // Inferred: the bank's Response «может содержать дополнительные не описанные в документации атрибуты»; the reference is named `referenceId` as everywhere else in the document (PaymentInformationResponse.referenceId, the path parameter).
            let extra = serde_json::Map::from_iter([("referenceId".to_owned(), json!(reference))]);
            build_json::<t::Response>(
                200,
                t::Response::builder()
                    .code(0)
                    .description("Платёж принят")
                    .success(true)
                    .extra(extra),
            )
        }
        Err(message) => err(400, &message),
    }
}

fn information(p: &Payment) -> Result<t::PaymentInformationResponse, BuildError> {
    let member = |(iban, name, bin): &(String, String, String)| {
        t::PaymentMember::builder()
            .bin(bin.clone())
            .iban(iban.clone())
            .name(name.clone())
    };
    let at = DateTimeYmdHms(p.executed);
    build(
        t::PaymentInformationResponse::builder()
            .amount(p.amount)
            .ben_country(Some("KZ".to_owned()))
            .currency(p.currency.clone())
            .date_created(at)
            .date_last_change(at)
            .date_payment(at)
            .document_id(p.reference.clone())
            .document_number(p.document_number.clone())
            .payment_beneficiary(member(&p.beneficiary))
            .payment_details(p.details.clone())
            .payment_payer(member(&p.payer))
            .reference_id(p.reference.clone())
            .signatory_a(t::PaymentSignatory::builder().name("Руководитель"))
            .signatory_b(t::PaymentSignatory::builder().name("Главный бухгалтер"))
            .status(
                t::PaymentStatus::builder()
                    .code(Some("EXECUTED".to_owned()))
                    .description(Some("Исполнен".to_owned())),
            )
            .type_(
                t::PaymentType::builder()
                    .code(Some(p.form.to_uppercase()))
                    .description("Платёжное поручение"),
            )
            .value_date(at),
    )
}

/// Answer a FinancialAPI call; the effects it asks for go to `effects`.
fn answer(call: &Call<'_>, effects: &mut Vec<Effect>) -> Reply {
    seed(call);
    if let Some(appid) = call.path.get("appid")
        && appid != call.subject
    {
        return err(
            403,
            &format!("appid {appid} is not the client the token was issued to"),
        );
    }
    let account = |iban: &str| call.host.read(|s: &State| s.accounts.get(iban).cloned());
    match call.op::<Op>() {
        Some(Op::Healthcheck) => Reply::empty(200),
        Some(Op::GetAccounts) => {
            let accounts: Result<Vec<t::Account>, BuildError> = call.host.read(|s: &State| {
                s.accounts
                    .iter()
                    .map(|(iban, a)| {
                        build(
                            t::Account::builder()
                                .description(Some(a.description.clone()))
                                .iban(iban.clone()),
                        )
                    })
                    .collect()
            });
            match accounts {
                Ok(accounts) => build_json::<t::AccountsResponse>(
                    200,
                    t::AccountsResponse::builder().accounts(t::AccountsList(accounts)),
                ),
                Err(e) => e.into(),
            }
        }
        Some(Op::GetAccount) => {
            let iban = call.path.get("iban").cloned().unwrap_or_default();
            let Some(a) = account(&iban) else {
                return err(404, &format!("account {iban} not found"));
            };
            build_json::<t::AccountInformation>(
                200,
                t::AccountInformation::builder()
                    .balance_account(
                        t::AccountBalanceInformation::builder()
                            .available_funds(Some(a.balance.into()))
                            .balance(a.balance)
                            .blocked_balance(Some(Decimal::ZERO.into()))
                            .currency(a.currency.clone()),
                    )
                    .currency(Some(a.currency.clone()))
                    .date_opened(NaiveDate::from_ymd_opt(2024, 1, 15).map(DateDmy))
                    .description(Some(a.description.clone()))
                    .iban(iban)
                    .status("OPEN")
                    .type_("CURRENT"),
            )
        }
        Some(Op::GetStatement | Op::GetStatementV2) => {
            let iban = call.path.get("iban").cloned().unwrap_or_default();
            let Some(a) = account(&iban) else {
                return err(404, &format!("account {iban} not found"));
            };
            let (from, to) = match (date_param(call, "dateFrom"), date_param(call, "dateTo")) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(r), _) | (_, Err(r)) => return r,
            };
            let payments: Vec<Payment> = call.host.read(|s: &State| s.payments.clone());
            let mine: Vec<&Payment> = payments
                .iter()
                .filter(|p| p.payer.0 == iban || p.beneficiary.0 == iban)
                .collect();
            let signed = |p: &Payment| {
                if p.payer.0 == iban {
                    -p.amount
                } else {
                    p.amount
                }
            };
            let after_to: Decimal = mine
                .iter()
                .filter(|p| p.executed.date() > to)
                .map(|p| signed(p))
                .sum();
            let within: Vec<&&Payment> = mine
                .iter()
                .filter(|p| p.executed.date() >= from && p.executed.date() <= to)
                .collect();
            let balance_out = a.balance - after_to;
            let balance_in = balance_out - within.iter().map(|p| signed(p)).sum::<Decimal>();
            if call.op() == Some(Op::GetStatement) {
                let mut rows = Vec::new();
                for p in &within {
                    let debit = p.payer.0 == iban;
                    let row = t::Statement::builder()
                        .date(DateDmy(p.executed.date()))
                        .sender_account(p.payer.0.clone())
                        .sender_bank("АО «Банк ЦентрКредит»".to_owned())
                        .sender_name(Some(p.payer.1.clone()))
                        .beneficiar_account(p.beneficiary.0.clone())
                        .beneficiar_bank("АО «Банк ЦентрКредит»".to_owned())
                        .beneficiar_name(Some(p.beneficiary.1.clone()))
                        .debet(debit.then(|| p.amount.into()))
                        .credit((!debit).then(|| p.amount.into()))
                        .document_id(Some(p.reference.clone()))
                        .document_number(Some(p.document_number.clone()))
                        .purpose_code(Some(p.knp.clone()))
                        .description(Some(p.details.clone()));
                    match build::<t::Statement>(row) {
                        Ok(r) => rows.push(r),
                        Err(e) => return e.into(),
                    }
                }
                return build_json::<t::StatementResponse>(
                    200,
                    t::StatementResponse::builder()
                        .balance_in(Some(balance_in.into()))
                        .balance_in_curr(Some(a.currency.clone()))
                        .balance_out(Some(balance_out.into()))
                        .balance_out_curr(Some(a.currency.clone()))
                        .statement(rows),
                );
            }
            let mut transactions = Vec::new();
            for p in &within {
                let debit = p.payer.0 == iban;
                let (party, name) = if debit {
                    (&p.beneficiary.0, &p.beneficiary.1)
                } else {
                    (&p.payer.0, &p.payer.1)
                };
                let row = t::Transaction::builder()
                    .payment_id(Some(p.reference.clone()))
                    .doc_number(Some(p.document_number.clone()))
                    .value_date(Some(DateDmy(p.executed.date())))
                    .entry_date(Some(DateDmy(p.executed.date())))
                    .execdate(Some(DateTimeDmyHms(p.executed)))
                    .dbcrfl(Some(if debit { "D" } else { "C" }.to_owned()))
                    .amount(Some(p.amount.into()))
                    .bank_reference(Some(p.reference.clone()))
                    .knp(Some(p.knp.clone()))
                    .party_account(Some(party.clone()))
                    .party_name(Some(name.clone()))
                    .purpose(Some(p.details.clone()));
                match build::<t::Transaction>(row) {
                    Ok(r) => transactions.push(r),
                    Err(e) => return e.into(),
                }
            }
            let (debits, credits): (Vec<&&Payment>, Vec<&&Payment>) =
                within.iter().partition(|p| p.payer.0 == iban);
            let turnover_debit: Decimal = debits.iter().map(|p| p.amount).sum();
            let turnover_credit: Decimal = credits.iter().map(|p| p.amount).sum();
            let info = t::StatementV2Info::builder()
                .account_number(Some(iban.clone()))
                .currency(Some(a.currency.clone()))
                .account_name(Some(a.description.clone()))
                .date_from(Some(DateDmy(from)))
                .date_to(Some(DateDmy(to)))
                .statement_date_time(Some(DateTimeDmyHms(call.host.now_rfc3339().naive_local())))
                .pay_count_debit(i32::try_from(debits.len()).ok())
                .pay_count_credit(i32::try_from(credits.len()).ok())
                .turnover_debit(Some(turnover_debit.into()))
                .turnover_credit(Some(turnover_credit.into()))
                .turnover(Some((turnover_credit - turnover_debit).into()));
            let balance = |date: NaiveDate, amount: Decimal| {
                build::<t::BalanceV2Info>(
                    t::BalanceV2Info::builder()
                        .amount(Some(amount.into()))
                        .currency(Some(a.currency.clone()))
                        .date(Some(DateDmy(date)))
                        .eq_amount(Some(amount.into()))
                        .rate(Some(Decimal::ONE.into())),
                )
            };
            let (info, in_balance, out_balance) = match (
                build::<t::StatementV2Info>(info),
                balance(from, balance_in),
                balance(to, balance_out),
            ) {
                (Ok(info), Ok(i), Ok(o)) => (info, i, o),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e.into(),
            };
            build_json::<t::StatementV2Response>(
                200,
                t::StatementV2Response::builder()
                    .in_balance(Some(in_balance))
                    .info(Some(info))
                    .out_balance(Some(out_balance))
                    .transactions(transactions),
            )
        }
        Some(Op::GetPayments) => {
            let (from, to) = match (date_param(call, "dateFrom"), date_param(call, "dateTo")) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(r), _) | (_, Err(r)) => return r,
            };
            let payments: Result<Vec<_>, BuildError> = call.host.read(|s: &State| {
                s.payments
                    .iter()
                    .filter(|p| p.executed.date() >= from && p.executed.date() <= to)
                    .map(information)
                    .collect()
            });
            match payments {
                Ok(payments) => build_json::<t::PaymentsResponse>(
                    200,
                    t::PaymentsResponse::builder().payments(t::PaymentsArray(payments)),
                ),
                Err(e) => e.into(),
            }
        }
        Some(Op::GetPayment) => {
            let reference = call.path.get("referenceId").cloned().unwrap_or_default();
            match call.host.read(|s: &State| {
                s.payments
                    .iter()
                    .find(|p| p.reference == reference)
                    .map(information)
            }) {
                Some(Ok(p)) => Reply::json(200, &p),
                Some(Err(e)) => e.into(),
                None => err(404, &format!("payment {reference} not found")),
            }
        }
        Some(Op::CreatePayment) => match call.typed::<t::PaymentBody>() {
            Ok(body) => match from_body(body) {
                Ok(order) => execute(call, order, "json", effects),
                Err(r) => r,
            },
            Err((f, m)) => invalid(&f, &m),
        },
        Some(Op::CreatePaymentBase64) => {
            let body: t::PaymentBase64 = match call.typed() {
                Ok(b) => b,
                Err((f, m)) => return invalid(&f, &m),
            };
            let Ok(bytes) = STANDARD.decode(body.payload.trim()) else {
                return invalid("payload", "is not Base64");
            };
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            match serde_path_to_error::deserialize::<_, t::PaymentBody>(&mut de) {
                Ok(payment) => match from_body(payment) {
                    Ok(order) => execute(call, order, "base64", effects),
                    Err(r) => r,
                },
                Err(e) => invalid(&format!("payload.{}", e.path()), &e.inner().to_string()),
            }
        }
        Some(Op::CreatePaymentMt) => {
            let body: t::PaymentMt = match call.typed() {
                Ok(b) => b,
                Err((f, m)) => return invalid(&f, &m),
            };
            let Some(text) = body
                .body_mt
                .and_then(|b| STANDARD.decode(b.trim()).ok())
                .and_then(|b| String::from_utf8(b).ok())
            else {
                return invalid("bodyMT", "is required: Base64 of an MT100 message");
            };
            match from_mt100(&text) {
                Ok(order) => execute(call, order, "mt100", effects),
                Err(r) => r,
            }
        }
        Some(Op::GetMessages) => {
            let at = DateTimeYmdHms(call.host.now_rfc3339().naive_local());
            let message = t::Message::builder()
                .clerk("Sandbox")
                .id("1")
                .msg("Добро пожаловать в песочницу FinancialAPI")
                .tm(at);
            match build::<t::Message>(message) {
                Ok(message) => build_json::<t::MessagesList>(
                    200,
                    t::MessagesList::builder().messages(vec![message]),
                ),
                Err(e) => e.into(),
            }
        }
        Some(Op::GetTaxpayer) => {
            let iin = call.path.get("iin").cloned().unwrap_or_default();
            if iin.len() != 12 || !iin.chars().all(|c| c.is_ascii_digit()) {
                return invalid(
                    "path parameter iin",
                    &format!("`{iin}` is not a 12-digit IIN/BIN"),
                );
            }
            let legal = matches!(iin.as_bytes()[4], b'4'..=b'6');
            build_json::<t::TaxpayerInformation>(
                200,
                t::TaxpayerInformation::builder()
                    .inactive(0)
                    .not_resident(0)
                    .person_type(Some(if legal { 2 } else { 1 }))
                    .tax_authority_code(Some(6001))
                    .tax_payer_type(if legal { 2 } else { 1 })
                    .title(if legal {
                        format!("ТОО «Песочница {}»", &iin[8..])
                    } else {
                        format!("ИП Тестов {}", &iin[8..])
                    }),
            )
        }
        _ => Reply::internal(&format!("operation {} is not simulated", call.operation)),
    }
}
