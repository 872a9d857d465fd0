//! Walking the operations of an OpenAPI document: [`bank_openapi::operations`], re-exported for
//! the generator's modules.

pub use bank_openapi::operations::*;
