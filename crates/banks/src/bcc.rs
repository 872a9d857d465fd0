//! Bank CenterCredit (Kazakhstan): Smart Online Broker and FinancialAPI.
//!
//! Both authenticate with OAuth2 client credentials at the bank's token URL with the API's scope
//! (from the spec; overridable), cache the token, and retry only what is safe. FinancialAPI signs
//! payment bodies into `x-jws-signature` with the signer you give, and its `appid` path
//! parameter («ClientId») is the client id of the credentials unless a call sets another.

#[cfg(feature = "bcc-financial")]
use std::sync::Arc;

#[cfg(feature = "bcc-financial")]
use bank_runtime::BodySigner;
use bank_runtime::{ApiSpec, ClientCredentials};

use crate::builder::{Api, Builder, Sealed};
use crate::config::BuildError;

/// The Smart Online Broker client crate (types, request builders).
#[cfg(feature = "bcc-broker")]
pub use bcc_broker as broker;
/// The FinancialAPI client crate (types, request builders).
#[cfg(feature = "bcc-financial")]
pub use bcc_financial as financial;

/// What BCC issues on developer.bcc.kz: a client id and secret.
pub type Credentials = ClientCredentials;

/// The credential variables of both BCC APIs.
const CLIENT_VARIABLES: &[(&str, &str)] = &[
    ("CLIENT_ID", "the client id BCC issued"),
    ("CLIENT_SECRET", "the client secret BCC issued"),
];

/// The base URL, HTTP client and context of a BCC builder: the generic ones
/// ([`crate::generic::parts`]) with OAuth2 client credentials, as both documents declare.
fn context<A: Api<Credentials = ClientCredentials>>(
    builder: &Builder<A>,
) -> Result<(String, reqwest::Client, bank_runtime::ContextBuilder), BuildError> {
    crate::generic::parts(
        A::SPEC,
        &builder.settings(),
        A::into_generic(builder.credentials_or_error()?),
    )
}

/// Smart Online Broker (installments, pre-approved loans): `Broker::builder()` or
/// `Broker::from_env()` (variables `BCC_BROKER_*`).
#[cfg(feature = "bcc-broker")]
#[derive(Debug)]
pub enum Broker {}

#[cfg(feature = "bcc-broker")]
impl Sealed for Broker {}

#[cfg(feature = "bcc-broker")]
impl Api for Broker {
    type Credentials = ClientCredentials;
    type Client = bcc_broker::Client;
    const SPEC: &'static ApiSpec = &bcc_broker::SPEC;
    const CREDENTIAL_VARIABLES: &'static [(&'static str, &'static str)] = CLIENT_VARIABLES;

    fn credentials_from(values: Vec<String>) -> ClientCredentials {
        credentials_from(values)
    }

    fn into_generic(credentials: ClientCredentials) -> crate::generic::Credentials {
        crate::generic::Credentials::Client(credentials)
    }

    fn build(builder: Builder<Self>) -> Result<bcc_broker::Client, BuildError> {
        let (base, http, context) = context(&builder)?;
        Ok(bcc_broker::Client::new_with_client(
            &base,
            http,
            context.build(),
        ))
    }
}

#[cfg(feature = "bcc-broker")]
impl Broker {
    /// Start building a Smart Online Broker client.
    pub fn builder() -> Builder<Broker> {
        Builder::default()
    }

    /// A builder from the `BCC_BROKER_*` environment variables ([`Builder::from_lookup`]).
    pub fn from_env() -> Result<Builder<Broker>, BuildError> {
        Builder::from_env()
    }
}

/// FinancialAPI (accounts, statements, signed payments, bank messages, taxpayer lookup):
/// `Financial::builder()` or `Financial::from_env()` (variables `BCC_FINANCIAL_*`).
#[cfg(feature = "bcc-financial")]
#[derive(Debug)]
pub enum Financial {}

#[cfg(feature = "bcc-financial")]
impl Sealed for Financial {}

#[cfg(feature = "bcc-financial")]
impl Api for Financial {
    type Credentials = ClientCredentials;
    type Client = bcc_financial::Client;
    const SPEC: &'static ApiSpec = &bcc_financial::SPEC;
    const CREDENTIAL_VARIABLES: &'static [(&'static str, &'static str)] = CLIENT_VARIABLES;

    fn credentials_from(values: Vec<String>) -> ClientCredentials {
        credentials_from(values)
    }

    fn into_generic(credentials: ClientCredentials) -> crate::generic::Credentials {
        crate::generic::Credentials::Client(credentials)
    }

    /// Without a signer the client reads accounts, statements and messages; a payment then
    /// fails with [`ErrorKind::Signing`](bank_runtime::ErrorKind::Signing) naming what to set,
    /// before anything is sent.
    fn build(builder: Builder<Self>) -> Result<bcc_financial::Client, BuildError> {
        // The signer, when given, is in the builder's settings.
        let (base, http, context) = context(&builder)?;
        Ok(bcc_financial::Client::new_with_client(
            &base,
            http,
            context.build(),
        ))
    }
}

#[cfg(feature = "bcc-financial")]
impl Financial {
    /// Start building a FinancialAPI client.
    pub fn builder() -> Builder<Financial> {
        Builder::default()
    }

    /// A builder from the `BCC_FINANCIAL_*` environment variables ([`Builder::from_lookup`]).
    pub fn from_env() -> Result<Builder<Financial>, BuildError> {
        Builder::from_env()
    }
}

#[cfg(feature = "bcc-financial")]
impl Builder<Financial> {
    /// The signer of payment bodies (`x-jws-signature`), e.g. a
    /// [`JwsSigner`](crate::jws::JwsSigner). Needed for payments (the bank refuses unsigned
    /// ones): without it a payment fails with `ErrorKind::Signing` before anything is sent, and
    /// every read works.
    pub fn signer(mut self, signer: impl BodySigner + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }
}

fn credentials_from(values: Vec<String>) -> ClientCredentials {
    let mut values = values.into_iter();
    let id = values.next().unwrap_or_default();
    let secret = values.next().unwrap_or_default();
    ClientCredentials::new(id, secret)
}

/// The reference BCC gives a payment it accepted (`referenceId`, one of the attributes the
/// document says its `Response` may carry beside `success`, `code` and `description`): what
/// [`get_payment`](bcc_financial::Client::get_payment) takes. `None` when the answer has none.
#[cfg(feature = "bcc-financial")]
pub fn payment_reference(answer: &bcc_financial::types::Response) -> Option<&str> {
    answer
        .extra
        .get("referenceId")
        .and_then(serde_json::Value::as_str)
}

/// Parse the postLink callback BCC's broker POSTs to the merchant's `postLink` URL (given in
/// `orders`): the order's new state (`MerchantRequestBody`: referenceId, state, stateTitle,
/// productCode, loanLength). Takes the raw body bytes; bodies over 64 KiB, empty or not matching
/// the schema are a typed [`CallbackError`](bank_runtime::CallbackError). The same name as
/// [`globus::parse_callback`](crate::globus) for the same idea.
#[cfg(feature = "bcc-broker")]
pub fn parse_callback(
    body: &[u8],
) -> Result<bcc_broker::types::MerchantRequestBody, bank_runtime::CallbackError> {
    bank_runtime::parse_callback(bcc_broker::API, body, bank_runtime::DEFAULT_MAX_CALLBACK)
}

/// The 0.1 name of [`parse_callback`], kept for one release.
#[cfg(feature = "bcc-broker")]
#[deprecated(note = "renamed `banks::bcc::parse_callback` (one name for one idea across banks)")]
pub fn parse_post_link(
    body: &[u8],
) -> Result<bcc_broker::types::MerchantRequestBody, bank_runtime::CallbackError> {
    parse_callback(body)
}

/// What the bank's payment list says about a payment whose creation ended with an unknown
/// outcome ([`reconcile_payment`]).
#[cfg(feature = "bcc-financial")]
#[derive(Debug, Clone, PartialEq)]
pub enum PaymentLookup {
    /// The bank has a payment with this document number: it took effect (its `status` says how
    /// far it got). More than one means the number was used twice.
    Found(Vec<bcc_financial::types::PaymentInformationResponse>),
    /// The bank lists no payment with this document number in those days: the payment did not
    /// take effect (as of now). Sending it again with the **same** document number is then the
    /// recovery; the document calls the number unique in the caller's system but does not say
    /// that the bank refuses a second payment with it, so look again after any new failure.
    NotFound,
}

/// After a payment ([`create_payment`](bcc_financial::Client::create_payment) and its MT100 /
/// Base64 forms) failed with [`Outcome::Unknown`](bank_runtime::Outcome::Unknown): ask the bank
/// (`getPayments` for the day before to the day after `date`, the payment's date, so a time zone
/// cannot hide it) for payments with the payment's own `documentNumber` — the number the caller
/// gave it, which the document describes as unique in the caller's system.
///
/// Never sends anything but reads. A failure of the lookup itself is its own [`BankError`](crate::BankError)
/// (retry the lookup when it [`is_transient`](bank_runtime::BankError::is_transient)).
#[cfg(feature = "bcc-financial")]
pub async fn reconcile_payment(
    client: &bcc_financial::Client,
    document_number: &str,
    date: chrono::NaiveDate,
) -> Result<PaymentLookup, bank_runtime::BankError> {
    // BCC's day layout (dd-MM-yyyy), as the sandbox and the document's other dates use it.
    let layout = bank_openapi::formats::DATE_DMY.pattern();
    let day = |d: Option<chrono::NaiveDate>| d.unwrap_or(date).format(layout).to_string();
    let answer = client
        .get_payments()
        .date_from(day(date.pred_opt()))
        .date_to(day(date.succ_opt()))
        .bank()
        .await?;
    let found: Vec<_> = answer
        .payments
        .0
        .into_iter()
        .filter(|p| p.document_number == document_number)
        .collect();
    Ok(if found.is_empty() {
        PaymentLookup::NotFound
    } else {
        PaymentLookup::Found(found)
    })
}
