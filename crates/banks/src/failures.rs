//! What to do after a call fails, per operation: the one table of how each bank's
//! non-idempotent operations are reconciled after an [`Outcome::Unknown`], and what the banks'
//! documents give no way to know.
//!
//! [`reconciliation`] answers for a failed call's [`BankError`]; the guide's "When a call
//! fails" chapter is written from the same table.

use bank_runtime::{BankError, Outcome};

/// How to learn what happened to a call whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reconciliation {
    /// The bank's own read operations tell: call this (a function of this crate) and act on its
    /// answer; never send the operation again before it answered.
    Lookup {
        /// The function to call (`banks::bcc::reconcile_payment`).
        how: &'static str,
    },
    /// The bank's document gives no way to look the effect up: say so to whoever decides, and
    /// do not send again on the customer's behalf.
    Gap {
        /// What the document lacks, and what is left (a callback, the bank's support).
        why: &'static str,
    },
    /// Sending the same call again is safe (the operation is a read or idempotent).
    Repeat,
}

/// One row: API, the client's method name, and how its unknown outcome is reconciled.
type Row = (&'static str, &'static str, Reconciliation);

/// The BaaS document's gap for both kinds of application.
const NO_APPLICATION_LOOKUP: &str = "the application's id comes only in the lost answer, and the \
     document offers no lookup by the request's id or the client: ask the bank's support before \
     applying again";

/// Every non-idempotent operation of the four APIs.
const TABLE: &[Row] = &[
    (
        "bcc-financial",
        "create_payment",
        Reconciliation::Lookup {
            how: "banks::bcc::reconcile_payment: getPayments for the days around the payment, \
                  matched by the payment's own documentNumber",
        },
    ),
    (
        "bcc-financial",
        "create_payment_mt",
        Reconciliation::Lookup {
            how: "banks::bcc::reconcile_payment with the MT100's :20: reference as the \
                  documentNumber",
        },
    ),
    (
        "bcc-financial",
        "create_payment_base64",
        Reconciliation::Lookup {
            how: "banks::bcc::reconcile_payment with the packed document's number",
        },
    ),
    (
        "globus-cfront",
        "create_order",
        Reconciliation::Lookup {
            how: "banks::globus::OrderCallbacks::reconcile: the order's callback carries its \
                  merchantOrderId and orderId; the document offers no lookup by merchantOrderId, \
                  so without a callbackUrl (or when no callback comes) only the bank's support \
                  can tell — do not create the order again",
        },
    ),
    (
        "globus-cfront",
        "confirm_order",
        Reconciliation::Lookup {
            how: "banks::globus::reconcile_order: getOrderState shows STORE_CONFIRMED when the \
                  confirmation took effect",
        },
    ),
    (
        "globus-cfront",
        "reject_order",
        Reconciliation::Lookup {
            how: "banks::globus::reconcile_order: getOrderState shows REJECTED_BY_STORE when the \
                  rejection took effect",
        },
    ),
    (
        "baas-gateway",
        "create_card_application",
        Reconciliation::Gap {
            why: NO_APPLICATION_LOOKUP,
        },
    ),
    (
        "baas-gateway",
        "create_micro_credit_application",
        Reconciliation::Gap {
            why: NO_APPLICATION_LOOKUP,
        },
    ),
    (
        "baas-gateway",
        "send_card_attach_sms",
        Reconciliation::Gap {
            why: "the document does not say whether a code was sent; sending again sends the \
                  customer another code (which may invalidate the first)",
        },
    ),
    (
        "baas-gateway",
        "confirm_card_attach_sms",
        Reconciliation::Lookup {
            how: "findCards for the client shows whether the card is attached",
        },
    ),
    (
        "bcc-broker",
        "orders",
        Reconciliation::Gap {
            why: "the document offers no order lookup: the postLink callback (referenceId, \
                  state) is the only sign the order exists",
        },
    ),
    (
        "bcc-broker",
        "pre_approved",
        Reconciliation::Gap {
            why: "the document does not say whether a pre-approval request has effects; it \
                  offers no lookup",
        },
    ),
    (
        "bcc-broker",
        "merchant_post_link",
        Reconciliation::Gap {
            why: "the document offers no way to read a postLink back",
        },
    ),
];

/// How to learn what happened after `error`: [`Reconciliation::Repeat`] when sending again is
/// safe ([`BankError::is_transient`]), the table's row for an unknown outcome of a
/// non-idempotent operation, `None` when the bank said no or certainly did not act (act on the
/// error instead).
pub fn reconciliation(error: &BankError) -> Option<Reconciliation> {
    if error.is_transient() {
        return Some(Reconciliation::Repeat);
    }
    if error.outcome() != Outcome::Unknown {
        return None;
    }
    let operation = error.operation()?;
    TABLE
        .iter()
        .find(|(api, op, _)| *api == error.api && *op == operation)
        .map(|(_, _, how)| *how)
}

/// The table's rows, for documentation and tools.
pub fn table() -> impl Iterator<Item = (&'static str, &'static str, Reconciliation)> {
    TABLE.iter().copied()
}
