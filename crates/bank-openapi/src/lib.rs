//! OpenAPI 3.0 documents held as [`serde_json::Value`]: the one home of the knowledge that the
//! generator, the spec diff, the sandbox and the tests share.
//!
//! - [`pointer`](mod@pointer): JSON pointers (RFC 6901) — escaping, unescaping, building.
//! - [`walk`]: the one walk over a document's objects with their pointers, and which keys hold data
//!   rather than structure.
//! - [`refs`]: following local `$ref`s.
//! - [`operations`]: which keys of a path item are operations, and every operation of a document.
//! - [`environments`]: the `x-environment` names of servers.
//! - [`ext`]: every extension key (`x-…`) the project reads or writes.
//! - [`formats`]: the string formats the banks use (`date`, `dd-MM-yyyy`, …): layout, parser,
//!   Rust type and sample, in one table.
//! - [`sample`]: a value made to fit a schema (answers a document gives no example of).
//! - [`status`]: what a response key (`200`, `4XX`, `default`) means.
//! - [`quirks`]: a `format` the document's own example contradicts.
//! - [`validate`]: a value against a Schema Object, each violation located in the value and in the
//!   document.
//!
//! Architecture invariant: this crate depends on serde_json, chrono and regress only. Whatever
//! runs in a user's service or in the sandbox may depend on it; none of them depends on the
//! generator.

#![warn(missing_docs)]

pub mod environments;
pub mod ext;
pub mod formats;
pub mod names;
pub mod operations;
pub mod pointer;
pub mod quirks;
pub mod refs;
pub mod sample;
pub mod status;
pub mod validate;
pub mod walk;
