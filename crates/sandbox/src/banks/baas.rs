//! BaaS Gateway: card applications (issued cards land on the client's PINFL), micro-credit
//! applications (decided by amount and scoring), card attachment by SMS code (one fixed code in
//! the sandbox), card search, all in the `{id, params}` / `{id, result, error}` envelope with the
//! bank's numbered error codes.

use baas_gateway::operations::Operation as Op;
use std::collections::BTreeMap;
use std::fmt::Display;

use baas_gateway::error_codes::ErrorCode;
use baas_gateway::types as t;
use baas_gateway::types::ApplicationStatus as Status;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::banks::{BuildError, build};
use crate::bounded::Quota;
use crate::host::Host;
use crate::sim::{
    BankSim, Call, Change, Effect, Outcome, Reply, Resource, field_message, is_uuid, money,
};
use crate::spec::Bank;

/// BaaS Gateway's simulation: every error in the `{id, result, error: {code, message}}` envelope
/// with the bank's numbered codes ([`ErrorCode`]); the password grant is the spec's `getToken`.
pub struct Baas;

impl Bank {
    /// BaaS Gateway (`baas-gateway`), simulated by [`Baas`]: this module's row of the registry.
    #[allow(non_upper_case_globals)]
    pub const Baas: Bank = Bank::named("baas-gateway");
}

impl BankSim for Baas {
    fn error(
        &self,
        status: u16,
        code: &str,
        field: Option<&str>,
        message: &str,
        envelope_id: Option<&Value>,
    ) -> Reply {
        let text = field_message(field, message);
        let numeric: i64 = code.parse().unwrap_or(ErrorCode::UnknownError.code());
        let message = if numeric == ErrorCode::Validation.code() {
            format!("Validation Error. {text}")
        } else {
            text
        };
        // The bank answers with "the same ID as in the request, or a new UUID" and declares
        // `id: format uuid`: a request id that is not a UUID is never echoed.
        let id = envelope_id
            .and_then(Value::as_str)
            .filter(|s| is_uuid(s))
            .map_or_else(|| json!(Uuid::new_v4()), |s| json!(s));
        Reply::json(
            status,
            &json!({"id": id, "result": null, "error": {"code": numeric, "message": message}}),
        )
    }

    fn invalid_json(&self, _detail: &str) -> Reply {
        let code = ErrorCode::InvalidJson;
        self.error(
            400,
            &code.code().to_string(),
            None,
            code.documented_message()
                .unwrap_or("Request contains invalid JSON format"),
            None,
        )
    }

    fn validation(&self, field: &str, message: &str, envelope_id: Option<&Value>) -> Reply {
        self.error(
            400,
            &ErrorCode::Validation.code().to_string(),
            Some(field),
            message,
            envelope_id,
        )
    }

    fn is_token_operation(&self, operation: &str) -> bool {
        operation.parse::<Op>() == Ok(Op::GetToken)
    }

    fn token(&self, host: &dyn Host, headers: &axum::http::HeaderMap, body: &[u8]) -> Reply {
        let body = serde_json::from_slice(body).unwrap_or(Value::Null);
        match crate::auth::baas_token(host, headers, &body) {
            Ok(token) => Reply::json(200, &token),
            Err(d) => self.denied(&d),
        }
    }

    fn token_client(&self, _headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
        let body: Value = serde_json::from_slice(body).ok()?;
        body["username"].as_str().map(str::to_owned)
    }

    fn handle(&self, call: &Call<'_>) -> Outcome {
        let mut effects = Vec::new();
        let reply = answer(call, &mut effects);
        Outcome::with(reply, effects)
    }

    /// The applications, with their statuses as last decided (a status is decided when the
    /// client asks for it, as the bank's review would have ended by then).
    fn resources(&self, host: &dyn Host, _bank: Bank) -> Vec<Resource> {
        host.read(|s: &State| {
            s.applications
                .iter()
                .map(|(id, a)| {
                    let kind = if a.kind == "card" {
                        "card application"
                    } else {
                        "micro-credit application"
                    };
                    let mut r = Resource::new(
                        kind,
                        id.to_string(),
                        &a.pinfl,
                        a.status.to_string(),
                        a.created_ms,
                    )
                    .with_history(&a.history)
                    .detail("phone", &a.phone)
                    .detail(
                        if a.kind == "card" {
                            "card type"
                        } else {
                            "currency"
                        },
                        &a.product,
                    )
                    .declined_by("this application", id.to_string())
                    .declined_by("this PINFL", &a.pinfl);
                    if let Some(amount) = a.amount {
                        r = r.amount(format!("{amount} {}", a.product));
                    }
                    if let Some(term) = a.term_months {
                        r = r.detail("term (months)", term.to_string());
                    }
                    r
                })
                .collect()
        })
    }
}

/// A card or micro-credit application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Application {
    /// `card` or `microcredit`.
    pub kind: String,
    /// The client's PINFL.
    pub pinfl: String,
    /// The client's phone.
    pub phone: String,
    /// The card type or the currency.
    pub product: String,
    /// Micro-credit amount.
    pub amount: Option<Decimal>,
    /// Micro-credit term.
    pub term_months: Option<u32>,
    /// Status: the generated `ApplicationStatus` (stored as its wire value), as last decided.
    pub status: Status,
    /// Creation, Unix milliseconds.
    pub created_ms: u64,
    /// Creation, RFC 3339.
    pub created_at: String,
    /// Every status it had with its time (the sandbox's clock: when its review time ran out),
    /// oldest first; empty in a state file written before histories were kept.
    #[serde(default)]
    pub history: Vec<Change>,
}

/// A pending card attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmsRequest {
    /// Card number.
    pub card_number: String,
    /// Expiry `MM/YY`.
    pub expiry: String,
    /// Phone the code went to.
    pub phone: String,
    /// Expiry of the code, Unix milliseconds.
    pub expires_ms: u64,
}

/// A card of a client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCard {
    /// Id.
    pub card_id: Uuid,
    /// Masked number.
    pub masked_pan: String,
    /// Expiry `MM/YY`.
    pub expiry: String,
    /// Attached to the client's wallet by SMS.
    pub attached: bool,
}

/// BaaS state.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Applications by id.
    pub applications: BTreeMap<Uuid, Application>,
    /// SMS requests by id.
    pub sms: BTreeMap<Uuid, SmsRequest>,
    /// Cards by PINFL (`phone:…` when only the phone is known).
    pub cards: BTreeMap<String, Vec<StoredCard>>,
    /// Phone → PINFL, learnt from applications.
    pub clients: BTreeMap<String, String>,
    /// Applications, SMS requests and attached cards made per user
    /// (`[limits] applications_per_client`).
    pub created: Quota,
}

/// What a user may make: applications, SMS requests and attached cards together.
const CREATED: &str = "applications, SMS requests and attached cards";

/// The limit's key in `[limits]`.
const LIMIT: &str = "applications_per_client";

/// A successful envelope.
#[derive(Serialize)]
struct Answer<'a, T> {
    id: &'a Value,
    result: &'a T,
    error: Option<()>,
}

fn ok<T: Serialize>(id: &Value, result: &T) -> Reply {
    Reply::json(
        200,
        &Answer {
            id,
            result,
            error: None,
        },
    )
}

/// [`ok`] with a generated type `T` made by its builder, or the 500 of its [`BuildError`].
fn ok_built<T: Serialize>(id: &Value, builder: impl TryInto<T, Error: Display>) -> Reply {
    match build::<T>(builder) {
        Ok(result) => ok(id, &result),
        Err(e) => e.into(),
    }
}

fn fail(id: &Value, code: ErrorCode, detail: &str) -> Reply {
    let message = match code.documented_message() {
        Some(m) if m.contains("%s") => m.replace("%s", detail),
        Some(m) if detail.is_empty() => m.to_owned(),
        Some(m) => format!("{m}: {detail}"),
        None => detail.to_owned(),
    };
    Baas.error(200, &code.code().to_string(), None, &message, Some(id))
}

fn invalid(id: &Value, field: &str, message: &str) -> Reply {
    Baas.validation(field, message, Some(id))
}

fn mask(pan: &str) -> String {
    let digits: String = pan.chars().filter(char::is_ascii_digit).collect();
    let (head, tail) = (
        &digits[..digits.len().min(4)],
        &digits[digits.len().saturating_sub(4)..],
    );
    format!("{head}********{tail}")
}

/// Decide an application once its review time has passed; issued cards are added to the client.
fn settle(
    now_ms: u64,
    app: &mut Application,
    step_ms: u64,
    declined: bool,
    cards: &mut BTreeMap<String, Vec<StoredCard>>,
) {
    let age = now_ms.saturating_sub(app.created_ms);
    if app.status == Status::New && age >= step_ms {
        app.status = Status::InProgress;
        app.history.push(Change::new(
            app.status.to_string(),
            app.created_ms.saturating_add(step_ms),
        ));
    }
    if app.status == Status::InProgress && age >= step_ms.saturating_mul(2) {
        app.status = if declined {
            Status::Rejected
        } else if app.kind == "card" {
            Status::Completed
        } else {
            Status::Approved
        };
        app.history.push(Change::new(
            app.status.to_string(),
            app.created_ms.saturating_add(step_ms.saturating_mul(2)),
        ));
        if app.status == Status::Completed {
            let pan = format!("8600{:012}", now_ms % 1_000_000_000_000);
            cards
                .entry(app.pinfl.clone())
                .or_default()
                .push(StoredCard {
                    card_id: Uuid::new_v4(),
                    masked_pan: mask(&pan),
                    expiry: "12/29".into(),
                    attached: false,
                });
        }
    }
}

fn card_application(id: &Uuid, app: &Application) -> t::builder::CardApplication {
    t::CardApplication::builder()
        .application_id(*id)
        .created_at(
            chrono::DateTime::parse_from_rfc3339(&app.created_at)
                .ok()
                .map(Into::into),
        )
        .status(app.status.clone())
}

fn micro_credit(id: &Uuid, app: &Application) -> t::builder::MicroCreditApplication {
    let amount = app.amount.unwrap_or_default();
    let term = app.term_months.unwrap_or(1).max(1);
    t::MicroCreditApplication::builder()
        .amount(Some(amount.into()))
        .application_id(*id)
        .monthly_payment(Some(money(amount / Decimal::from(term)).into()))
        .status(app.status.clone())
        .term_months(i32::try_from(term).ok())
}

/// A sandbox card as the bank's `Card`, to build.
fn card_of(c: &StoredCard) -> t::builder::Card {
    t::Card::builder()
        .attached(Some(c.attached))
        .card_id(c.card_id)
        .expiry(c.expiry.clone())
        .masked_pan(c.masked_pan.clone())
}

/// Parse `{id, params}` as the generated request type.
fn params<T: serde::de::DeserializeOwned>(call: &Call<'_>) -> Result<T, Reply> {
    #[derive(Deserialize)]
    struct Envelope<P> {
        params: P,
    }
    call.typed::<Envelope<T>>()
        .map(|e| e.params)
        .map_err(|(field, message)| {
            let id = serde_json::from_slice::<Value>(call.body)
                .ok()
                .map(|v| v["id"].clone())
                .unwrap_or(Value::Null);
            invalid(&id, &field, &message)
        })
}

/// Answer a BaaS call; the effects it asks for go to `effects`.
fn answer(call: &Call<'_>, effects: &mut Vec<Effect>) -> Reply {
    let id: Value = serde_json::from_slice::<Value>(call.body)
        .map(|v| v["id"].clone())
        .unwrap_or(Value::Null);
    let shared = call.host;
    let config = &shared.config().baas;
    let step = shared.config().step_delay_ms;
    match call.op::<Op>() {
        Some(Op::CreateCardApplication | Op::CreateMicroCreditApplication) => {
            let card = call.op() == Some(Op::CreateCardApplication);
            let (client, product, amount, term) = if card {
                match params::<t::CardApplicationCreateParams>(call) {
                    Ok(p) => (p.client, p.card_type.to_string(), None, None),
                    Err(r) => return r,
                }
            } else {
                match params::<t::MicroCreditApplicationCreateParams>(call) {
                    Ok(p) => (
                        p.client,
                        p.currency.to_string(),
                        Some(p.amount.0),
                        Some(p.term_months.get()),
                    ),
                    Err(r) => return r,
                }
            };
            let pinfl = client.pinfl.to_string();
            if !card && config.decline_pinfls.contains(&pinfl) {
                return fail(&id, ErrorCode::HighRisk, "");
            }
            if let Some(a) = amount
                && a > config.microcredit_max_amount
            {
                return fail(&id, ErrorCode::OverdueLoans, "");
            }
            let kind = if card { "card" } else { "microcredit" };
            let now = shared.now_rfc3339();
            let app = Application {
                kind: kind.into(),
                pinfl: pinfl.clone(),
                phone: client.phone.to_string(),
                product,
                amount,
                term_months: term,
                status: Status::New,
                created_ms: shared.now_ms(),
                created_at: now.to_rfc3339(),
                history: vec![Change::new(Status::New.to_string(), shared.now_ms())],
            };
            let limit = shared.config().limits.applications_per_client;
            let created = shared.update(|s: &mut State| {
                let busy = s.applications.values().any(|a| {
                    a.kind == kind
                        && a.pinfl == pinfl
                        && matches!(a.status, Status::New | Status::InProgress)
                        && shared.now_ms().saturating_sub(a.created_ms) < step.saturating_mul(2)
                });
                if busy {
                    return Ok::<_, String>(None);
                }
                s.created.take(call.subject, limit, CREATED, LIMIT)?;
                s.clients.insert(app.phone.clone(), pinfl.clone());
                let app_id = Uuid::new_v4();
                s.applications.insert(app_id, app.clone());
                Ok(Some(app_id))
            });
            let created = match created {
                Ok(created) => created,
                Err(limit) => return fail(&id, ErrorCode::UnknownError, &limit),
            };
            if created.is_some() {
                // No client reference of the application exists (the envelope id is one per
                // request): the applicant's PINFL, as the simulation itself identifies them.
                effects.push(Effect::created(Bank::Baas, call.operation, pinfl.clone()));
            }
            match created {
                None => fail(&id, ErrorCode::ApplicationInProgress, ""),
                Some(app_id) if card => {
                    ok_built::<t::CardApplication>(&id, card_application(&app_id, &app))
                }
                Some(app_id) => {
                    ok_built::<t::MicroCreditApplication>(&id, micro_credit(&app_id, &app))
                }
            }
        }
        Some(Op::GetCardApplicationStatus | Op::GetMicroCreditApplicationStatus) => {
            let p: t::ApplicationIdParams = match params(call) {
                Ok(p) => p,
                Err(r) => return r,
            };
            let kind = if call.op() == Some(Op::GetCardApplicationStatus) {
                "card"
            } else {
                "microcredit"
            };
            let declined = |app_id: &str, pinfl: &str, amount: Option<Decimal>| {
                config.decline_pinfls.iter().any(|d| d == pinfl)
                    || amount.is_some_and(|a| a > config.microcredit_max_amount)
                    || shared.declined(Bank::Baas, &[app_id, pinfl])
            };
            let now = shared.now_ms();
            let app = shared.update(|s: &mut State| {
                let baas = s;
                let app = baas
                    .applications
                    .get_mut(&p.application_id)
                    .filter(|a| a.kind == kind)?;
                let no = declined(&p.application_id.to_string(), &app.pinfl, app.amount);
                settle(now, app, step, no, &mut baas.cards);
                Some(app.clone())
            });
            match app {
                None => fail(&id, ErrorCode::ApplicationNotFound, ""),
                Some(app) if kind == "card" => {
                    ok_built::<t::CardApplication>(&id, card_application(&p.application_id, &app))
                }
                Some(app) => ok_built::<t::MicroCreditApplication>(
                    &id,
                    micro_credit(&p.application_id, &app),
                ),
            }
        }
        Some(Op::SendCardAttachSms) => {
            let p: t::CardAttachSendParams = match params(call) {
                Ok(p) => p,
                Err(r) => return r,
            };
            let (card_number, expiry) = (p.card_number.to_string(), p.expiry.to_string());
            let lifetime = config.sms_lifetime_secs;
            let limit = shared.config().limits.applications_per_client;
            let request_id = shared.update(|s: &mut State| {
                let pending = s
                    .sms
                    .values()
                    .any(|r| r.card_number == card_number && r.expires_ms > shared.now_ms());
                if pending {
                    return Ok::<_, String>(None);
                }
                s.created.take(call.subject, limit, CREATED, LIMIT)?;
                let request_id = Uuid::new_v4();
                s.sms.insert(
                    request_id,
                    SmsRequest {
                        card_number,
                        expiry,
                        phone: p.phone.clone(),
                        expires_ms: shared
                            .now_ms()
                            .saturating_add(lifetime.saturating_mul(1000)),
                    },
                );
                Ok(Some(request_id))
            });
            let request_id = match request_id {
                Ok(Some(request_id)) => request_id,
                Ok(None) => return fail(&id, ErrorCode::SmsCodeNotExpired, ""),
                Err(limit) => return fail(&id, ErrorCode::UnknownError, &limit),
            };
            let chars: Vec<char> = p.phone.chars().collect();
            let masked = format!(
                "{}*****{}",
                chars.iter().take(5).collect::<String>(),
                chars[chars.len().saturating_sub(2)..]
                    .iter()
                    .collect::<String>()
            );
            ok_built::<t::CardAttachSendResult>(
                &id,
                t::CardAttachSendResult::builder()
                    .expires_in(i32::try_from(lifetime).unwrap_or(i32::MAX))
                    .masked_phone(Some(masked))
                    .request_id(request_id),
            )
        }
        Some(Op::ConfirmCardAttachSms) => {
            let p: t::CardAttachConfirmParams = match params(call) {
                Ok(p) => p,
                Err(r) => return r,
            };
            let Some(request) = shared.read(|s: &State| s.sms.get(&p.request_id).cloned()) else {
                return invalid(&id, "params.requestId", "no SMS was sent for this request");
            };
            if request.expires_ms <= shared.now_ms() {
                return fail(&id, ErrorCode::SmsCodeExpired, "");
            }
            if *p.sms_code != config.sms_code {
                return invalid(&id, "params.smsCode", "the SMS code is wrong");
            }
            let masked = mask(&request.card_number);
            let limit = shared.config().limits.applications_per_client;
            let card = shared.update(|s: &mut State| {
                let owner = s
                    .clients
                    .get(&request.phone)
                    .cloned()
                    .unwrap_or_else(|| format!("phone:{}", request.phone));
                let cards = s.cards.entry(owner.clone()).or_default();
                if let Some(existing) = cards.iter_mut().find(|c| c.masked_pan == masked) {
                    if existing.attached {
                        return Err::<StoredCard, Option<String>>(None);
                    }
                    existing.attached = true;
                    return Ok(existing.clone());
                }
                s.created
                    .take(call.subject, limit, CREATED, LIMIT)
                    .map_err(Some)?;
                let cards = s.cards.entry(owner).or_default();
                let card = StoredCard {
                    card_id: Uuid::new_v4(),
                    masked_pan: masked.clone(),
                    expiry: request.expiry.clone(),
                    attached: true,
                };
                cards.push(card.clone());
                s.sms.remove(&p.request_id);
                Ok(card)
            });
            match card {
                Err(None) => fail(&id, ErrorCode::CardAlreadyAttached, ""),
                Err(Some(limit)) => fail(&id, ErrorCode::UnknownError, &limit),
                Ok(c) => ok_built::<t::Card>(&id, card_of(&c)),
            }
        }
        Some(Op::FindCards) => {
            let p: t::CardFindParams = match params(call) {
                Ok(p) => p,
                Err(r) => return r,
            };
            let pinfl = p.pinfl.to_string();
            let cards: Result<Vec<t::Card>, BuildError> = shared.read(|s: &State| {
                s.cards
                    .get(&pinfl)
                    .into_iter()
                    .flatten()
                    .filter(|c| p.masked_pan.as_ref().is_none_or(|m| *m == c.masked_pan))
                    .map(|c| build(card_of(c)))
                    .collect()
            });
            let cards = match cards {
                Ok(cards) => cards,
                Err(e) => return e.into(),
            };
            if cards.is_empty() {
                return fail(&id, ErrorCode::CardNotFound, &format!("pinfl={pinfl}"));
            }
            ok_built::<t::CardList>(&id, t::CardList::builder().cards(cards))
        }
        _ => Reply::internal(&format!("operation {} is not simulated", call.operation)),
    }
}
