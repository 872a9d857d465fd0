//! Globus CFRONT: client validation, orders that move through the bank's statuses (decision by
//! amount and by declined phones), confirm / reject / check-paid / guarantee letter acting on the
//! state, and the order-state callback POSTed to the order's `callbackUrl` on every change.

use globus_cfront::operations::Operation as Op;
use std::collections::BTreeMap;

use globus_cfront::ErrorCode as Code;
use globus_cfront::types as t;
use globus_cfront::types::OrderStatus as Status;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::banks::{build, build_json};
use crate::bounded::Quota;
use crate::host::Host;
use crate::sim::{BankSim, Call, Change, Effect, Outcome, Reply, Resource, field_message};
use crate::spec::Bank;

/// Globus CFRONT's simulation: errors as `{code, message}`, HTTP Basic (no token route).
pub struct Globus;

impl Bank {
    /// Globus CFRONT (`globus-cfront`), simulated by [`Globus`]: this module's row of the registry.
    #[allow(non_upper_case_globals)]
    pub const Globus: Bank = Bank::named("globus-cfront");
}

impl BankSim for Globus {
    /// HTTP Basic with a merchant login (inferred: see `specs/globus-cfront/SOURCE.md`).
    fn authenticate(
        &self,
        host: &dyn Host,
        _bank: crate::spec::Bank,
        headers: &axum::http::HeaderMap,
        _expired_fault: bool,
    ) -> Result<String, crate::auth::Denied> {
        crate::auth::basic_login(headers, &host.config().globus.merchants, "cfront")
    }

    fn error(
        &self,
        status: u16,
        code: &str,
        field: Option<&str>,
        message: &str,
        _envelope_id: Option<&Value>,
    ) -> Reply {
        Reply::json(
            status,
            &json!({"code": code, "message": field_message(field, message)}),
        )
    }

    fn handle(&self, call: &Call<'_>) -> Outcome {
        let mut effects = Vec::new();
        let reply = answer(call, &mut effects);
        Outcome::with(reply, effects)
    }

    fn resume(&self, host: &dyn Host) -> Vec<Effect> {
        resume(host)
    }

    fn resources(&self, host: &dyn Host, _bank: Bank) -> Vec<Resource> {
        host.read(|s: &State| s.orders.values().map(resource).collect())
    }
}

/// An order as the console lists it.
fn resource(order: &Order) -> Resource {
    let mut resource = Resource::new(
        "order",
        &order.id,
        &order.phone,
        order.status.to_string(),
        crate::resource::rfc3339_ms(&order.updated_at),
    )
    .with_history(&order.history)
    .name(&order.full_name)
    .owner(&order.merchant)
    .reference(&order.merchant_order_id)
    .amount(order.amount.to_string())
    .callback_url(order.callback_url.clone())
    .detail("credit term (months)", order.credit_term.to_string())
    .declined_by("this order", &order.id)
    .declined_by("this merchant order id", &order.merchant_order_id)
    .declined_by("this phone", &order.phone);
    if let Some(paid) = &order.paid_at {
        resource = resource.detail("paid at", paid);
    }
    if let Some(reason) = &order.reject_reason {
        resource = resource.detail("rejected by the store", reason);
    }
    resource
}

/// A stored order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    /// The bank's id.
    pub id: String,
    /// The merchant login that created it.
    pub merchant: String,
    /// The merchant's own id.
    pub merchant_order_id: String,
    /// Client phone.
    pub phone: String,
    /// Client name.
    pub full_name: String,
    /// Amount.
    pub amount: Decimal,
    /// Term in months.
    pub credit_term: u32,
    /// Status: the generated `OrderStatus` (stored as its wire value).
    pub status: t::OrderStatus,
    /// Where to POST state changes.
    pub callback_url: Option<String>,
    /// Last change, RFC 3339.
    pub updated_at: String,
    /// When the bank paid the merchant, RFC 3339.
    pub paid_at: Option<String>,
    /// Why the merchant rejected it.
    pub reject_reason: Option<String>,
    /// Every status it had with its time (the sandbox's clock), oldest first; empty in a state
    /// file written before histories were kept.
    #[serde(default)]
    pub history: Vec<Change>,
}

/// Globus state.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Orders by id.
    pub orders: BTreeMap<String, Order>,
    /// `merchant/merchantOrderId` → id: creating the same sale twice returns the same order.
    pub by_merchant_order: BTreeMap<String, String>,
    /// Orders created per merchant (`[limits] orders_per_client`).
    pub created: Quota,
}

fn err(status: u16, code: &str, message: &str) -> Reply {
    Globus.error(status, code, None, message, None)
}

fn invalid(field: &str, message: &str) -> Reply {
    Globus.validation(field, message, None)
}

/// An order's `OrderState`, as its builder ([`build`] makes it).
fn state_of(order: &Order) -> t::builder::OrderState {
    let status = order.status.clone();
    t::OrderState::builder()
        .amount(Some(order.amount.into()))
        .merchant_order_id(Some(order.merchant_order_id.clone()))
        .order_id(order.id.clone())
        .status_description(Some(describe(&status).to_owned()))
        .status(status)
        .updated_at(
            chrono::DateTime::parse_from_rfc3339(&order.updated_at)
                .ok()
                .map(Into::into),
        )
}

fn describe(status: &t::OrderStatus) -> &'static str {
    use t::OrderStatus::*;
    match status {
        New => "Заявка создана",
        InProgress => "Заявка рассматривается банком",
        WaitingForClientConfirm => "Ожидает подтверждения клиента",
        WaitingForStoreConfirm => "Одобрено банком; ожидает подтверждения магазина",
        StoreConfirmed => "Магазин подтвердил выдачу товара",
        Active => "Кредит выдан, магазину выплачено",
        RejectedByBank => "Отказ банка",
        CancelledByClient => "Отменено клиентом",
        RejectedByStore => "Отклонено магазином",
        Expired => "Срок заявки истёк",
        Returned => "Возврат",
        Unknown(_) => "",
        // A status added to the document after this sandbox was written: no description of its own.
        _ => "",
    }
}

/// Move an order to `status` (only from `from`), store it and ask for its callback.
fn transition(
    host: &dyn Host,
    id: &str,
    from: &[Status],
    status: Status,
    effects: &mut Vec<Effect>,
) -> Option<Order> {
    let now_ms = host.now_ms();
    let now = host.now_rfc3339().to_rfc3339();
    let changed = host.update(|s: &mut State| {
        let order = s.orders.get_mut(id)?;
        if !from.contains(&order.status) {
            return None;
        }
        order.updated_at = now;
        order.history.push(Change::new(status.to_string(), now_ms));
        if status == Status::Active {
            order.paid_at = Some(order.updated_at.clone());
        }
        order.status = status;
        Some(order.clone())
    })?;
    if let Some(url) = changed.callback_url.clone() {
        match build::<t::OrderState>(state_of(&changed)) {
            Ok(state) => effects.extend(
                Effect::notify(url, &state, "order-state callback").map(|e| e.about(&changed.id)),
            ),
            Err(e) => {
                tracing::error!(%url, error = %e, "order-state callback not sent: the sandbox's bug")
            }
        }
    }
    Some(changed)
}

/// The bank's side of an order, after a step each: review, then decision.
fn decide(host: &dyn Host, id: String) -> Effect {
    Effect::after(host.step(), move |host| {
        let mut effects = Vec::new();
        if transition(host, &id, &[Status::New], Status::InProgress, &mut effects).is_some() {
            effects.push(Effect::after(host.step(), move |host| {
                let mut effects = Vec::new();
                let Some(order) = host.read(|s: &State| s.orders.get(&id).cloned()) else {
                    return effects;
                };
                let config = &host.config().globus;
                let steered = [order.id.as_str(), &order.merchant_order_id, &order.phone];
                let approved = order.amount <= config.approve_max_amount
                    && !config.decline_phones.contains(&order.phone)
                    && !host.declined(Bank::Globus, &steered);
                let next = if approved {
                    Status::WaitingForStoreConfirm
                } else {
                    Status::RejectedByBank
                };
                transition(host, &id, &[Status::InProgress], next, &mut effects);
                effects
            }));
        }
        effects
    })
}

/// The payout after the merchant confirmed, a step later.
fn pay(host: &dyn Host, id: String) -> Effect {
    Effect::after(host.step(), move |host| {
        let mut effects = Vec::new();
        transition(
            host,
            &id,
            &[Status::StoreConfirmed],
            Status::Active,
            &mut effects,
        );
        effects
    })
}

/// Re-schedule what was under way when the state was saved.
fn resume(host: &dyn Host) -> Vec<Effect> {
    let mut effects = Vec::new();
    let pending: Vec<(String, Status)> = host.read(|s: &State| {
        s.orders
            .values()
            .map(|o| (o.id.clone(), o.status.clone()))
            .collect()
    });
    for (id, status) in pending {
        match status {
            Status::New | Status::InProgress => {
                if status == Status::InProgress {
                    host.update(|s: &mut State| {
                        s.orders.get_mut(&id).map(|o| o.status = Status::New)
                    });
                }
                effects.push(decide(host, id))
            }
            Status::StoreConfirmed => effects.push(pay(host, id)),
            _ => {}
        }
    }
    effects
}

fn find(call: &Call<'_>, id: &str) -> Result<Order, Reply> {
    call.host
        .read(|s: &State| {
            s.orders
                .get(id)
                .filter(|o| o.merchant == call.subject)
                .cloned()
        })
        .ok_or_else(|| {
            err(
                404,
                Code::OrderNotFound.code(),
                &format!("Order {id} not found"),
            )
        })
}

fn order_id(call: &Call<'_>) -> Result<String, Reply> {
    call.typed::<t::OrderIdRequest>()
        .map(|r| r.order_id)
        .map_err(|(f, m)| invalid(&f, &m))
}

/// Answer a CFRONT call; the effects it asks for go to `effects`.
fn answer(call: &Call<'_>, effects: &mut Vec<Effect>) -> Reply {
    match call.op::<Op>() {
        Some(Op::ValidateClient) => {
            let request: t::ClientValidateRequest = match call.typed() {
                Ok(r) => r,
                Err((f, m)) => return invalid(&f, &m),
            };
            let phone = request.phone_number.to_string();
            if call.host.config().globus.unknown_phones.contains(&phone) {
                return err(
                    404,
                    Code::ClientNotFound.code(),
                    &format!("Client with phone {phone} not found"),
                );
            }
            let tail = &phone[phone.len().saturating_sub(4)..];
            build_json::<t::ClientInfo>(
                200,
                t::ClientInfo::builder()
                    .full_name(format!("Тестовий Клієнт {tail}"))
                    .identification_code(format!("{:0>10}", tail))
                    .phone_number(Some(phone)),
            )
        }
        Some(Op::CreateOrder) => {
            let request: t::OrderCreateRequest = match call.typed() {
                Ok(r) => r,
                Err((f, m)) => return invalid(&f, &m),
            };
            let goods: Decimal = request
                .goods
                .iter()
                .map(|g| g.price.0 * Decimal::from(g.quantity.get()))
                .sum();
            if goods != request.total_amount.0 {
                return invalid(
                    "totalAmount",
                    &format!(
                        "{} is not the sum of the goods ({goods})",
                        request.total_amount.0
                    ),
                );
            }
            let key = format!("{}/{}", call.subject, request.merchant_order_id);
            let order = Order {
                id: uuid::Uuid::new_v4().to_string(),
                merchant: call.subject.to_owned(),
                merchant_order_id: request.merchant_order_id.clone(),
                phone: request.phone_number.clone(),
                full_name: request.full_name.clone(),
                amount: request.total_amount.0,
                credit_term: request.credit_term.get(),
                status: Status::New,
                callback_url: request.callback_url.clone(),
                updated_at: call.host.now_rfc3339().to_rfc3339(),
                paid_at: None,
                reject_reason: None,
                history: vec![Change::new(Status::New.to_string(), call.host.now_ms())],
            };
            let limit = call.host.config().limits.orders_per_client;
            let stored = call.host.update(|s: &mut State| {
                if let Some(existing) = s
                    .by_merchant_order
                    .get(&key)
                    .and_then(|id| s.orders.get(id))
                {
                    return Ok::<_, String>((existing.clone(), false));
                }
                s.created
                    .take(call.subject, limit, "orders", "orders_per_client")?;
                s.by_merchant_order.insert(key, order.id.clone());
                s.orders.insert(order.id.clone(), order.clone());
                Ok((order, true))
            });
            let (order, created) = match stored {
                Ok(stored) => stored,
                Err(limit) => return err(400, Code::LimitExceeded.code(), &limit),
            };
            // A repeated merchantOrderId is answered with the same order, and still counted: the
            // merchant sent the sale again (the effect counters audit the client).
            effects.push(Effect::created(
                Bank::Globus,
                call.operation,
                request.merchant_order_id.clone(),
            ));
            if created {
                effects.push(decide(call.host, order.id.clone()));
            }
            build_json::<t::OrderState>(200, state_of(&order))
        }
        Some(Op::GetOrderState) => match order_id(call).and_then(|id| find(call, &id)) {
            Ok(order) => build_json::<t::OrderState>(200, state_of(&order)),
            Err(reply) => reply,
        },
        Some(Op::ConfirmOrder) => {
            let order = match order_id(call).and_then(|id| find(call, &id)) {
                Ok(o) => o,
                Err(reply) => return reply,
            };
            match transition(
                call.host,
                &order.id,
                &[Status::WaitingForStoreConfirm],
                Status::StoreConfirmed,
                effects,
            ) {
                Some(order) => {
                    effects.push(pay(call.host, order.id.clone()));
                    build_json::<t::OrderState>(200, state_of(&order))
                }
                None => err(
                    400,
                    Code::InvalidState.code(),
                    &format!(
                        "Order {} is {}; only WAITING_FOR_STORE_CONFIRM can be confirmed",
                        order.id, order.status
                    ),
                ),
            }
        }
        Some(Op::RejectOrder) => {
            let request: t::OrderRejectRequest = match call.typed() {
                Ok(r) => r,
                Err((f, m)) => return invalid(&f, &m),
            };
            let order = match find(call, &request.order_id) {
                Ok(o) => o,
                Err(reply) => return reply,
            };
            match transition(
                call.host,
                &order.id,
                &[
                    Status::New,
                    Status::InProgress,
                    Status::WaitingForClientConfirm,
                    Status::WaitingForStoreConfirm,
                ],
                Status::RejectedByStore,
                effects,
            ) {
                Some(mut order) => {
                    call.host.update(|s: &mut State| {
                        if let Some(o) = s.orders.get_mut(&order.id) {
                            o.reject_reason = request.reason.clone();
                        }
                    });
                    order.reject_reason = request.reason;
                    build_json::<t::OrderState>(200, state_of(&order))
                }
                None => err(
                    400,
                    Code::InvalidState.code(),
                    &format!(
                        "Order {} is {} and can no longer be rejected",
                        order.id, order.status
                    ),
                ),
            }
        }
        Some(Op::CheckOrderPaid) => match order_id(call).and_then(|id| find(call, &id)) {
            Ok(order) => build_json::<t::PaymentCheck>(
                200,
                t::PaymentCheck::builder()
                    .amount(Some(order.amount.into()))
                    .order_id(order.id.clone())
                    .paid(order.status == Status::Active)
                    .paid_at(
                        order
                            .paid_at
                            .as_deref()
                            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
                            .map(Into::into),
                    )
                    .return_allowed(Some(order.status == Status::Active)),
            ),
            Err(reply) => reply,
        },
        Some(Op::GetGuaranteeLetterData) => match order_id(call).and_then(|id| find(call, &id)) {
            Ok(order) if matches!(order.status, Status::StoreConfirmed | Status::Active) => {
                let date = chrono::DateTime::parse_from_rfc3339(&order.updated_at)
                    .map(|d| d.date_naive())
                    .unwrap_or_else(|_| call.host.now_rfc3339().date_naive());
                build_json::<t::GuaranteeLetterData>(
                    200,
                    t::GuaranteeLetterData::builder()
                        .amount(Some(order.amount.into()))
                        .bank_requisites(Some(
                            "АТ «Банк Глобус», МФО 380526, ЄДРПОУ 35591059".to_owned(),
                        ))
                        .client_full_name(Some(order.full_name.clone()))
                        .contract_date(date)
                        .contract_number(format!("CF-{}", &order.id[..8]))
                        .credit_term(i32::try_from(order.credit_term).ok())
                        .order_id(order.id.clone()),
                )
            }
            Ok(order) => err(
                400,
                Code::InvalidState.code(),
                &format!(
                    "Order {} is {}; the contract exists once the store confirmed",
                    order.id, order.status
                ),
            ),
            Err(reply) => reply,
        },
        _ => Reply::internal(&format!("operation {} is not simulated", call.operation)),
    }
}
