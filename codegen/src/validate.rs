//! Validation of values against Schema Objects: [`bank_openapi::validate`], re-exported where the
//! generator's modules and tests have always found it.

pub use bank_openapi::validate::*;
