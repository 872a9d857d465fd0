//! A merchant's checkout: sells in installments through Globus CFRONT, driven by the bank's
//! callbacks (each one re-read from the bank, the order confirmed when the bank asks the store
//! to), and reads the shop's balance at BCC's FinancialAPI.

use std::sync::Arc;

use banks::callbacks::{Deliveries, Receiver};
use banks::globus::MerchantAction;
use banks::globus::cfront::types::{
    ClientValidateRequest, Good, OrderCreateRequest, OrderIdRequest, OrderState,
};
use banks::{BankError, Decimal};
use tokio::sync::mpsc;

/// The bank clients the service holds.
#[derive(Clone)]
pub struct Checkout {
    /// Globus CFRONT: the installment sales.
    pub cfront: Arc<banks::globus::cfront::Client>,
    /// BCC FinancialAPI: the shop's accounts.
    pub financial: Arc<banks::bcc::financial::Client>,
}

/// What the callback route reports: the order's state as the bank gave it on re-reading, after
/// the service acted on it.
pub type Seen = mpsc::UnboundedSender<OrderState>;

impl Checkout {
    /// The shop's balance on the account `iban`.
    pub async fn balance(&self, iban: &str) -> Result<Decimal, BankError> {
        let account = self.financial.get_account().iban(iban).bank().await?;
        Ok(account.balance_account.balance)
    }

    /// Sell one item of `price` to the customer with `phone`, in `months` installments; the
    /// bank's callbacks go to `callback_url`. The bank's order id.
    pub async fn sell(
        &self,
        phone: &str,
        price: Decimal,
        months: u32,
        callback_url: String,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let person = self
            .cfront
            .validate_client()
            .body(ClientValidateRequest::builder().phone_number(phone.to_owned()))
            .bank()
            .await?;
        let order = OrderCreateRequest::builder()
            .merchant_order_id(format!("CHECKOUT-{}", uuid::Uuid::new_v4().simple()))
            .phone_number(phone.to_owned())
            .full_name(person.full_name)
            .identification_code(person.identification_code)
            .sales_point_code("CHECKOUT-1".to_owned())
            .credit_product_name("Розстрочка 0%".to_owned())
            .credit_term(std::num::NonZeroU32::new(months).ok_or("months: at least 1")?)
            .total_amount(price)
            .callback_url(Some(callback_url))
            .goods(vec![
                Good::builder()
                    .name("Смартфон")
                    .price(price)
                    .quantity(std::num::NonZeroU32::MIN)
                    .try_into()?,
            ]);
        Ok(self
            .cfront
            .create_order()
            .body(order)
            .bank()
            .await?
            .order_id)
    }

    /// What to do on a callback: re-read the order, confirm it when the bank asks the store to.
    async fn on_callback(&self, callback: OrderState, seen: &Seen) -> Result<(), BankError> {
        let current = banks::globus::recheck(&self.cfront, &callback).await?;
        if matches!(
            MerchantAction::for_status(&current.status),
            MerchantAction::ConfirmOrReject
        ) {
            self.cfront
                .confirm_order()
                .body(OrderIdRequest::builder().order_id(current.order_id.clone()))
                .bank()
                .await?;
        }
        let _ = seen.send(current);
        Ok(())
    }
}

/// The service's routes: the Globus callback at `/callbacks/globus?token=<token>`, mounted on
/// the service's own router state.
pub fn routes(checkout: Checkout, token: String, seen: Seen) -> axum::Router {
    axum::Router::new()
        .route(
            "/callbacks/globus",
            Receiver::<OrderState>::new()
                .url_token(token)
                .deduplicate(Arc::new(Deliveries::new(10_000)))
                .post_with_state(
                    |(checkout, seen): (Checkout, Seen), _headers, callback: OrderState| async move {
                        checkout.on_callback(callback, &seen).await
                    },
                ),
        )
        .with_state((checkout, seen))
}

/// The service listening on `listener` with the callback route: the callback URL to give the
/// bank (with `token`), what the route reports, and the server's task.
pub async fn serve(
    checkout: Checkout,
    listener: tokio::net::TcpListener,
    token: &str,
) -> std::io::Result<(
    String,
    mpsc::UnboundedReceiver<OrderState>,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let (seen, states) = mpsc::unbounded_channel();
    let url = format!(
        "http://{}/callbacks/globus?token={token}",
        listener.local_addr()?
    );
    let app = routes(checkout, token.to_owned(), seen);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, states, server))
}
