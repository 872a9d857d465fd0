//! What to do after a call fails, per operation: the one table of how each bank's
//! non-idempotent operations are reconciled after an [`Outcome::Unknown`], and what the banks'
//! documents give no way to know.
//!
//! [`reconciliation`] answers for a failed call's [`BankError`]; the guide's "When a call
//! fails" chapter is written from the same table.

use bank_runtime::{BankError, OperationSpec, Outcome};

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

/// One row: the API's name, the operation, and how its unknown outcome is reconciled.
pub type Row = (&'static str, &'static OperationSpec, Reconciliation);

/// The BaaS document's gap for both kinds of application.
#[cfg(feature = "baas-gateway")]
const NO_APPLICATION_LOOKUP: &str = "the application's id comes only in the lost answer, and the \
     document offers no lookup by the request's id or the client: ask the bank's support before \
     applying again";

/// Every non-idempotent operation of the enabled APIs, named by their generated `Operation`.
fn rows() -> Vec<Row> {
    #[allow(unused_mut)]
    let mut table = Vec::new();
    #[cfg(feature = "bcc-financial")]
    {
        use bcc_financial::operations::Operation as Op;
        let rows: [(Op, Reconciliation); 3] = [
            (
                Op::CreatePayment,
                Reconciliation::Lookup {
                    how: "banks::bcc::reconcile_payment: getPayments for the days around the payment, \
                      matched by the payment's own documentNumber",
                },
            ),
            (
                Op::CreatePaymentMt,
                Reconciliation::Lookup {
                    how: "banks::bcc::reconcile_payment with the MT100's :20: reference as the \
                      documentNumber",
                },
            ),
            (
                Op::CreatePaymentBase64,
                Reconciliation::Lookup {
                    how: "banks::bcc::reconcile_payment with the packed document's number",
                },
            ),
        ];
        table.extend(rows.map(|(op, how)| (bcc_financial::SPEC.name, op.spec(), how)));
    }
    #[cfg(feature = "globus-cfront")]
    {
        use globus_cfront::operations::Operation as Op;
        let rows: [(Op, Reconciliation); 3] = [
            (
                Op::CreateOrder,
                Reconciliation::Lookup {
                    how: "banks::globus::OrderCallbacks::reconcile: the order's callback carries its \
                      merchantOrderId and orderId; the document offers no lookup by merchantOrderId, \
                      so without a callbackUrl (or when no callback comes) only the bank's support \
                      can tell — do not create the order again",
                },
            ),
            (
                Op::ConfirmOrder,
                Reconciliation::Lookup {
                    how: "banks::globus::reconcile_order: getOrderState shows STORE_CONFIRMED when the \
                      confirmation took effect",
                },
            ),
            (
                Op::RejectOrder,
                Reconciliation::Lookup {
                    how: "banks::globus::reconcile_order: getOrderState shows REJECTED_BY_STORE when the \
                      rejection took effect",
                },
            ),
        ];
        table.extend(rows.map(|(op, how)| (globus_cfront::SPEC.name, op.spec(), how)));
    }
    #[cfg(feature = "baas-gateway")]
    {
        use baas_gateway::operations::Operation as Op;
        let rows: [(Op, Reconciliation); 4] = [
            (
                Op::CreateCardApplication,
                Reconciliation::Gap {
                    why: NO_APPLICATION_LOOKUP,
                },
            ),
            (
                Op::CreateMicroCreditApplication,
                Reconciliation::Gap {
                    why: NO_APPLICATION_LOOKUP,
                },
            ),
            (
                Op::SendCardAttachSms,
                Reconciliation::Gap {
                    why: "the document does not say whether a code was sent; sending again sends the \
                      customer another code (which may invalidate the first)",
                },
            ),
            (
                Op::ConfirmCardAttachSms,
                Reconciliation::Lookup {
                    how: "findCards for the client shows whether the card is attached",
                },
            ),
        ];
        table.extend(rows.map(|(op, how)| (baas_gateway::SPEC.name, op.spec(), how)));
    }
    #[cfg(feature = "bcc-broker")]
    {
        use bcc_broker::operations::Operation as Op;
        let rows: [(Op, Reconciliation); 3] = [
            (
                Op::Orders,
                Reconciliation::Gap {
                    why: "the document offers no order lookup: the postLink callback (referenceId, \
                      state) is the only sign the order exists",
                },
            ),
            (
                Op::PreApproved,
                Reconciliation::Gap {
                    why: "the document does not say whether a pre-approval request has effects; it \
                      offers no lookup",
                },
            ),
            (
                Op::MerchantPostLink,
                Reconciliation::Gap {
                    why: "the document offers no way to read a postLink back",
                },
            ),
        ];
        table.extend(rows.map(|(op, how)| (bcc_broker::SPEC.name, op.spec(), how)));
    }
    table
}

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
    rows()
        .into_iter()
        .find(|(api, op, _)| *api == error.api && op.name == operation)
        .map(|(_, _, how)| how)
}

/// The table's rows, for documentation and tools.
pub fn table() -> impl Iterator<Item = Row> {
    rows().into_iter()
}
