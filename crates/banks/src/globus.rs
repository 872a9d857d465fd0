//! Globus bank CFRONT (merchant installments): validate client → create order → state →
//! confirm / reject → check paid, the order-state callback, and what the merchant may do next.

use std::time::Duration;

use bank_runtime::{ApiSpec, CallbackError, Secret};
use globus_cfront::types::OrderState;

use crate::builder::{Api, Builder, Sealed};
use crate::config::BuildError;

/// The CFRONT client crate (types, request builders).
pub use globus_cfront as cfront;

/// The merchant login and password the bank issues. Authentication is HTTP Basic (inferred: the
/// bank's text does not say; see `specs/globus-cfront/SOURCE.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The merchant login.
    pub login: String,
    /// The password.
    pub password: Secret,
}

impl Credentials {
    /// A merchant login and its password.
    pub fn new(login: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials {
            login: login.into(),
            password: password.into(),
        }
    }
}

/// CFRONT: `Cfront::builder()` or `Cfront::from_env()` (variables `GLOBUS_CFRONT_*`). The bank
/// publishes no host: the environment is `Environment::Custom` with the base URL it gave.
#[derive(Debug)]
pub enum Cfront {}

impl Sealed for Cfront {}

impl Api for Cfront {
    type Credentials = Credentials;
    type Client = cfront::Client;
    const SPEC: &'static ApiSpec = &cfront::SPEC;
    const CREDENTIAL_VARIABLES: &'static [(&'static str, &'static str)] = &[
        ("LOGIN", "the merchant login the bank issued"),
        ("PASSWORD", "the merchant password the bank issued"),
    ];

    fn credentials_from(values: Vec<String>) -> Credentials {
        let mut values = values.into_iter();
        Credentials::new(
            values.next().unwrap_or_default(),
            values.next().unwrap_or_default(),
        )
    }

    fn into_generic(credentials: Credentials) -> crate::generic::Credentials {
        let Credentials { login, password } = credentials;
        crate::generic::Credentials::Basic { login, password }
    }

    fn build(builder: Builder<Self>) -> Result<cfront::Client, BuildError> {
        let credentials = Self::into_generic(builder.credentials_or_error()?);
        let (base, http, context) =
            crate::generic::parts(Self::SPEC, &builder.settings(), credentials)?;
        Ok(cfront::Client::new_with_client(
            &base,
            http,
            context.build(),
        ))
    }
}

impl Cfront {
    /// Start building a CFRONT client.
    pub fn builder() -> Builder<Cfront> {
        Builder::default()
    }

    /// A builder from the `GLOBUS_CFRONT_*` environment variables ([`Builder::from_lookup`]).
    pub fn from_env() -> Result<Builder<Cfront>, BuildError> {
        Builder::from_env()
    }
}

/// Parse the order-state callback CFRONT POSTs to the order's `callbackUrl`: the raw body bytes
/// in, the typed state out (unknown statuses kept); oversize (64 KiB), empty or malformed bodies
/// are a typed [`CallbackError`]. (Every bank module names this `parse_callback`:
/// [`bcc::parse_callback`](crate::bcc) parses BCC's postLinks.)
pub fn parse_callback(body: &[u8]) -> Result<OrderState, CallbackError> {
    bank_runtime::parse_callback(cfront::API, body, bank_runtime::DEFAULT_MAX_CALLBACK)
}

/// The order's state as the bank reports it now, for a callback just received: act on this, not
/// on the callback (the bank does not sign callbacks, so their content is a hint to re-read).
/// Fails with the bank's error, or with [`ErrorKind::Decode`](bank_runtime::ErrorKind::Decode)
/// when the bank answers for another order than the callback's.
pub async fn recheck(
    client: &cfront::Client,
    callback: &OrderState,
) -> Result<OrderState, bank_runtime::BankError> {
    let current = client
        .get_order_state()
        .body(cfront::types::OrderIdRequest::builder().order_id(callback.order_id.clone()))
        .bank()
        .await?;
    if current.order_id != callback.order_id {
        return Err(bank_runtime::BankError::new(
            cfront::API,
            bank_runtime::ErrorKind::Decode,
            format!(
                "order/state for {} answered for order {}",
                callback.order_id, current.order_id
            ),
        ));
    }
    Ok(current)
}

/// The bank's error codes (`CLIENT_NOT_FOUND`, …), read from any CFRONT error by
/// `ErrorCode::of(&err)` or `err.code_of::<ErrorCode>()`.
pub use globus_cfront::ErrorCode;
/// What the merchant may do with an order in a given status, generated from the spec's
/// `OrderStatus.x-merchant-actions` (`MerchantAction::for_status`).
pub use globus_cfront::MerchantAction;

/// How long to wait between `order/state` polls when no callback URL is used.
pub const SUGGESTED_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// What the bank says about an order whose call ended with an unknown outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderLookup {
    /// The order exists; its state as `getOrderState` reports it now.
    Found(OrderState),
    /// No callback named this merchant order id within the wait. The document offers no lookup
    /// by `merchantOrderId`: the order may or may not exist. Do **not** create it again; wait
    /// longer for its callback or ask the bank's support.
    NoCallback,
}

/// The orders callbacks have told about, by the merchant's order id: how an order whose
/// `createOrder` answer was lost is found again (the bank's document gives no lookup by
/// `merchantOrderId`, and the bank's `orderId` came only in the lost answer).
///
/// Feed it every callback (`record`, e.g. from a `callbacks::Receiver`
/// handler) and call [`reconcile`](Self::reconcile) after a `createOrder` whose outcome is
/// unknown. It remembers the latest state of at most `capacity` orders (the oldest forgotten
/// first). Orders created without a `callbackUrl` can only be found by the bank's support.
#[derive(Debug)]
pub struct OrderCallbacks {
    capacity: usize,
    orders: std::sync::Mutex<(
        std::collections::HashMap<String, OrderState>,
        std::collections::VecDeque<String>,
    )>,
    arrived: tokio::sync::Notify,
}

impl OrderCallbacks {
    /// Remember up to `capacity` orders (at least one).
    pub fn new(capacity: usize) -> Self {
        OrderCallbacks {
            capacity: capacity.max(1),
            orders: std::sync::Mutex::default(),
            arrived: tokio::sync::Notify::new(),
        }
    }

    /// Remember what a callback said about its order.
    pub fn record(&self, callback: &OrderState) {
        let mut guard = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        let (by_merchant, order) = &mut *guard;
        let Some(key) = callback.merchant_order_id.clone() else {
            return;
        };
        if by_merchant.insert(key.clone(), callback.clone()).is_none() {
            order.push_back(key);
            while order.len() > self.capacity {
                if let Some(oldest) = order.pop_front() {
                    by_merchant.remove(&oldest);
                }
            }
        }
        drop(guard);
        self.arrived.notify_waiters();
    }

    /// The last callback for this merchant order id, if one came.
    pub fn get(&self, merchant_order_id: &str) -> Option<OrderState> {
        let guard = self.orders.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.get(merchant_order_id).cloned()
    }

    /// Find the order created for `merchant_order_id`: wait up to `wait` for a callback naming
    /// it, then read its state from the bank (`getOrderState`). Sends nothing but reads.
    pub async fn reconcile(
        &self,
        client: &cfront::Client,
        merchant_order_id: &str,
        wait: Duration,
    ) -> Result<OrderLookup, bank_runtime::BankError> {
        let found = tokio::time::timeout(wait, async {
            loop {
                let arrived = self.arrived.notified();
                tokio::pin!(arrived);
                arrived.as_mut().enable();
                if let Some(state) = self.get(merchant_order_id) {
                    return state;
                }
                arrived.await;
            }
        })
        .await;
        match found {
            Ok(callback) => Ok(OrderLookup::Found(recheck(client, &callback).await?)),
            Err(_) => Ok(OrderLookup::NoCallback),
        }
    }
}

/// After `confirmOrder` or `rejectOrder` ended with an unknown outcome: the order's state now
/// (`getOrderState`); `STORE_CONFIRMED` / `REJECTED_BY_STORE` say the decision took effect.
pub async fn reconcile_order(
    client: &cfront::Client,
    order_id: &str,
) -> Result<OrderState, bank_runtime::BankError> {
    client
        .get_order_state()
        .body(cfront::types::OrderIdRequest::builder().order_id(order_id.to_owned()))
        .bank()
        .await
}
