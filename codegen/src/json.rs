//! The one walk over a document's objects: [`bank_openapi::walk`], re-exported for the
//! generator's checks.

pub use bank_openapi::walk::*;
