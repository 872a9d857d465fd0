//! BCC Smart Online Broker: products for a partner and amount, orders with a redirect link and
//! the postLink the bank sends to the merchant when it decides, pre-approved applications.

use bcc_broker::operations::Operation as Op;
use std::collections::BTreeMap;

use bcc_broker::types as t;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::banks::{BuildError, build, build_json};
use crate::bounded::Quota;
use crate::host::Host;
use crate::sim::{BankSim, Call, Change, Effect, Outcome, Reply, Resource, field_message, money};
use crate::spec::Bank;

/// BCC Smart Online Broker's simulation: errors as the document's `httperror.Details`, OAuth2
/// client credentials at its token route.
pub struct Broker;

impl Bank {
    /// BCC Smart Online Broker (`bcc-broker`), simulated by [`Broker`]: this module's row of the registry.
    #[allow(non_upper_case_globals)]
    pub const Broker: Bank = Bank::named("bcc-broker");
}

impl BankSim for Broker {
    fn error(
        &self,
        status: u16,
        _code: &str,
        field: Option<&str>,
        message: &str,
        _envelope_id: Option<&Value>,
    ) -> Reply {
        let reason = axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        Reply::json(
            status,
            &json!({"code": status, "message": field_message(field, message), "status": reason}),
        )
    }

    fn token_route(&self) -> Option<(&'static str, &'static str)> {
        Some(("POST", crate::auth::BCC_TOKEN_PATH))
    }

    fn token_client(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
        crate::auth::bcc_client(headers, body)
    }

    fn token(&self, host: &dyn Host, headers: &axum::http::HeaderMap, body: &[u8]) -> Reply {
        match crate::auth::bcc_token(host, Bank::Broker, headers, body) {
            Ok(token) => Reply::json(200, &token),
            Err(d) => self.denied(&d),
        }
    }

    fn handle(&self, call: &Call<'_>) -> Outcome {
        let mut effects = Vec::new();
        let reply = answer(call, &mut effects);
        Outcome::with(reply, effects)
    }

    fn resources(&self, host: &dyn Host, _bank: Bank) -> Vec<Resource> {
        host.read(|s: &State| {
            s.orders
                .iter()
                .map(|(id, o)| {
                    let mut r = Resource::new("order", id, &o.partner_code, &o.state, 0)
                        .with_history(&o.history)
                        .reference(&o.partner_order_id)
                        .amount(o.amount.to_string())
                        .callback_url(o.post_link.clone())
                        .detail("product", &o.product_code)
                        .declined_by("this order", id)
                        .declined_by("this partner order id", &o.partner_order_id);
                    if !o.client.is_empty() {
                        r = r.owner(&o.client);
                    }
                    r
                })
                .collect()
        })
    }
}

/// A stored broker order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    /// The partner's order id.
    pub partner_order_id: String,
    /// Partner code.
    pub partner_code: String,
    /// Product code.
    pub product_code: String,
    /// Amount.
    pub amount: Decimal,
    /// `NEW`, `APPROVED` or `REJECTED`: the sandbox's values, since the document declares the
    /// postLink's `state` a free string (no list, so no generated enum to hold it).
    pub state: String,
    /// The merchant's postLink.
    pub post_link: Option<String>,
    /// The BCC client that created it (empty in a state file written before it was kept).
    #[serde(default)]
    pub client: String,
    /// Every state it had with its time (the sandbox's clock), oldest first; empty in a state
    /// file written before histories were kept.
    #[serde(default)]
    pub history: Vec<Change>,
}

/// Broker state.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// Orders by pre-approval id.
    pub orders: BTreeMap<String, Order>,
    /// Pre-approved applications by reference id → request UUID.
    pub applications: BTreeMap<String, String>,
    /// Orders created per BCC client (`[limits] orders_per_client`).
    pub orders_created: Quota,
    /// Pre-approved applications made per BCC client (`[limits] applications_per_client`).
    pub applications_created: Quota,
}

fn invalid(field: &str, message: &str) -> Reply {
    Broker.error(400, "400", Some(field), message, None)
}

fn months(host: &dyn Host, code: &str) -> u32 {
    host.config()
        .bcc
        .products
        .iter()
        .find(|p| p.code == code)
        .map(|p| p.months)
        .unwrap_or(12)
}

/// The bank's decision on an order a step later, and the postLink to the merchant.
fn decide(host: &dyn Host, preapp_id: String) -> Effect {
    Effect::after(host.step(), move |host| {
        let max = host.config().bcc.broker_max_amount;
        let Some(order) = host.update(|s: &mut State| {
            let o = s.orders.get_mut(&preapp_id)?;
            let declined = host.declined(Bank::Broker, &[preapp_id.as_str(), &o.partner_order_id]);
            o.state = if o.amount <= max && !declined {
                "APPROVED".into()
            } else {
                "REJECTED".into()
            };
            o.history.push(Change::new(&o.state, host.now_ms()));
            Some(o.clone())
        }) else {
            return Vec::new();
        };
        if let Some(url) = order.post_link.clone() {
            let title = if order.state == "APPROVED" {
                "Заявка одобрена"
            } else {
                "Отказ банка"
            };
            let body = t::MerchantRequestBody::builder()
                .loan_length(months(host, &order.product_code).to_string())
                .product_code(order.product_code.clone())
                .reference_id(order.partner_order_id.clone())
                .state(order.state.clone())
                .state_title(title);
            return match build::<t::MerchantRequestBody>(body) {
                Ok(body) => Effect::notify(url, &body, "postLink")
                    .map(|e| e.about(&preapp_id))
                    .into_iter()
                    .collect(),
                Err(e) => {
                    tracing::error!(%url, error = %e, "postLink not sent: the sandbox's bug");
                    Vec::new()
                }
            };
        }
        Vec::new()
    })
}

/// Answer a broker call; the effects it asks for go to `effects`.
fn answer(call: &Call<'_>, effects: &mut Vec<Effect>) -> Reply {
    match call.op::<Op>() {
        Some(Op::GetProducts) => {
            let raw = call.query.get("amount").cloned().unwrap_or_default();
            let amount: Decimal = match raw.parse() {
                Ok(a) if a > Decimal::ZERO => a,
                _ => {
                    return invalid(
                        "query parameter amount",
                        &format!("`{raw}` is not a positive amount"),
                    );
                }
            };
            let products: Result<Vec<t::Product>, BuildError> = call
                .host
                .config()
                .bcc
                .products
                .iter()
                .map(|p| {
                    build(
                        t::Product::builder()
                            .monthly_payment(money(amount / Decimal::from(p.months.max(1))))
                            .name(p.name.clone())
                            .period(i32::try_from(p.months).unwrap_or(i32::MAX))
                            .product_code(p.code.clone()),
                    )
                })
                .collect();
            match products {
                Ok(products) => build_json::<t::ProductListResponse>(
                    200,
                    t::ProductListResponse::builder()
                        .message("OK")
                        .products(products)
                        .status(0),
                ),
                Err(e) => e.into(),
            }
        }
        Some(Op::Orders) => {
            let request: t::OrdersRequestBody = match call.typed() {
                Ok(r) => r,
                Err((f, m)) => return invalid(&f, &m),
            };
            if !call
                .host
                .config()
                .bcc
                .products
                .iter()
                .any(|p| p.code == request.product_code)
            {
                return invalid(
                    "productCode",
                    &format!("unknown product `{}`", request.product_code),
                );
            }
            let preapp_id = uuid::Uuid::new_v4().to_string();
            let order = Order {
                partner_order_id: request.partner_order_id.clone(),
                partner_code: request.partner_code.clone(),
                product_code: request.product_code.clone(),
                amount: request.amount.0,
                state: "NEW".into(),
                post_link: request.post_link.clone(),
                client: call.subject.to_owned(),
                history: vec![Change::new("NEW", call.host.now_ms())],
            };
            let limit = call.host.config().limits.orders_per_client;
            let stored = call.host.update(|s: &mut State| {
                s.orders_created
                    .take(call.subject, limit, "orders", "orders_per_client")?;
                s.orders.insert(preapp_id.clone(), order);
                Ok::<(), String>(())
            });
            if let Err(limit) = stored {
                return Broker.error(400, "400", None, &limit, None);
            }
            effects.push(Effect::created(
                Bank::Broker,
                call.operation,
                request.partner_order_id.clone(),
            ));
            effects.push(decide(call.host, preapp_id.clone()));
            let expires = request
                .expires_at
                .map(|e| e.get())
                .unwrap_or_else(|| call.host.now_rfc3339() + chrono::Duration::hours(1));
            build_json::<t::OrderResponseBody>(
                200,
                t::OrderResponseBody::builder()
                    .expires_at(expires)
                    .partner_order_id(request.partner_order_id)
                    .preapp_id(preapp_id.clone())
                    .redirect_link(format!("{}/bcc-broker/redirect/{preapp_id}", call.origin))
                    .request_id(
                        request
                            .request_id
                            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                    ),
            )
        }
        Some(Op::PreApproved) => {
            let request: t::RequestBody = match call.typed() {
                Ok(r) => r,
                Err((f, m)) => return invalid(&f, &m),
            };
            let request_uuid = uuid::Uuid::new_v4().to_string();
            let limit = call.host.config().limits.applications_per_client;
            let stored = call.host.update(|s: &mut State| {
                s.applications_created.take(
                    call.subject,
                    limit,
                    "pre-approved applications",
                    "applications_per_client",
                )?;
                s.applications
                    .insert(request.reference_id.clone(), request_uuid.clone());
                Ok::<(), String>(())
            });
            if let Err(limit) = stored {
                return Broker.error(400, "400", None, &limit, None);
            }
            effects.push(Effect::created(
                Bank::Broker,
                call.operation,
                request.reference_id.clone(),
            ));
            build_json::<t::ResponseBody>(
                200,
                t::ResponseBody::builder()
                    .code(Some("0".to_owned()))
                    .message(Some("Заявка принята".to_owned()))
                    .redirect_link(Some(format!(
                        "{}/bcc-broker/redirect/{request_uuid}",
                        call.origin
                    )))
                    .request_uuid(Some(request_uuid))
                    .status(Some("NEW".to_owned())),
            )
        }
        Some(Op::MerchantPostLink) => match call.typed::<t::MerchantRequestBody>() {
            Ok(_) => build_json::<t::MerchantResponseBody>(
                200,
                t::MerchantResponseBody::builder()
                    .code(Some("0".to_owned()))
                    .message(Some("OK".to_owned()))
                    .status(Some("OK".to_owned())),
            ),
            Err((f, m)) => invalid(&f, &m),
        },
        _ => Reply::internal(&format!("operation {} is not simulated", call.operation)),
    }
}
