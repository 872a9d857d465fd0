//! Every OpenAPI extension key (`x-…`) the project reads or writes, in one place (as typify's
//! `rust_extension.rs` holds its own): what each means, who writes it (the bank's document, a
//! declared fix in `fixes.overlay.yaml`, the Swagger 2.0 conversion, the normaliser) and who reads
//! it (the generator, the diff, the sandbox, the runtime's validator).
//!
//! Hand-written code names a key only through these constants (`xtask/tests/tidy.rs` checks it);
//! the YAML documents and fixtures write them as they are. HTTP header names that happen to start
//! with `x-` (`x-request-id`, `x-jws-signature`) are not extension keys and are not here.

/// What every extension key starts with: a key with it is the document's own, not OpenAPI's.
pub const PREFIX: &str = "x-";

/// Whether `key` is an extension key (starts with [`PREFIX`]).
pub fn is_extension(key: &str) -> bool {
    key.starts_with(PREFIX)
}

// Written by the bank's document or by a declared fix.

/// On a server: the environment it is (`production`, `test`, … —
/// [`crate::environments::ALL`]). Written by the document or, where the bank names none, a
/// declared fix; read by the generator (the `servers` constants, the facade's `Environment`) and
/// the diff (servers matched by it).
pub const ENVIRONMENT: &str = "x-environment";

/// On a component schema: `{property, equals}`, how the bank refuses inside a 2xx answer
/// (FinancialAPI's `success: false`). Written by a declared fix; read by the generator
/// (`SPEC.refusal`, which the runtime's call path checks).
pub const REFUSAL: &str = "x-refusal";

/// On an operation: the HTTP header carrying the detached JWS of its body (`x-jws-signature`).
/// Written by a declared fix; read by the generator (`signing::HEADER`, `Operation::signed`, the
/// typed mocks' `signed()`) and the sandbox (which verifies the signature).
pub const SIGNATURE_HEADER: &str = "x-signature-header";

/// On a POST operation: `true` when it is safe to send again. Written by the hand-written
/// documents; read by the generator (`OperationSpec::idempotent`, `Operation::idempotent`).
pub const IDEMPOTENT: &str = "x-idempotent";

/// On a component schema: the bank's numbered error table (`{code, name, group, message}` rows).
/// Written by the hand-written BaaS document; read by the generator (the `error_codes` enum) and
/// held as data by the walk ([`crate::walk::DATA_KEYS`]).
pub const ERROR_CODES: &str = "x-error-codes";

/// On a component schema (an order status): the actions a merchant may take per status.
/// Written by the hand-written Globus document; read by the generator (`MerchantAction`) and the
/// escaping of identifiers (each action becomes a variant).
pub const MERCHANT_ACTIONS: &str = "x-merchant-actions";

/// Examples under a vendor key (some documents put them there): data, never a schema. Written by
/// the bank's document; read by the normaliser and the identifier escaping, which skip it.
pub const EXAMPLES: &str = "x-examples";

/// On an enum schema: a description per value. Written by the documents; read by the diff, which
/// treats a change as documentation.
pub const ENUM_DESCRIPTIONS: &str = "x-enum-descriptions";

/// On an enum schema: a generator's variant name per value (openapi-generator's key). Written by
/// documents; read by the diff, which treats a change as documentation (typify names variants
/// itself).
pub const ENUM_VARNAMES: &str = "x-enum-varnames";

// Swagger 2.0 vendor keys, read and written by the conversion to OpenAPI 3.0.

/// On a Swagger 2.0 schema: `nullable` before OpenAPI 3.0 had it. Written by Swagger 2.0
/// documents; read by the conversion (which writes `nullable`) and the validator.
pub const NULLABLE: &str = "x-nullable";

/// At a Swagger 2.0 root (IBM API Connect): the endpoints the API is served on. Written by the
/// BCC documents; read by the conversion, which makes them the `servers`.
pub const IBM_ENDPOINTS: &str = "x-ibm-endpoints";

/// On a server made from an [`IBM_ENDPOINTS`] entry: the entry's `type`. Written by the
/// conversion; read by no code (a reader of the converted document sees it).
pub const IBM_ENDPOINT_TYPE: &str = "x-ibm-endpoint-type";

/// On an operation converted from Swagger 2.0: the name of its `in: body` parameter. Written by
/// the conversion (as openapi-generator's converter does); read by no code.
pub const CODEGEN_REQUEST_BODY_NAME: &str = "x-codegen-request-body-name";

// Written by the normaliser (into the generated crates' `openapi.json`).

/// At the root: every choice the normaliser made where the document allowed several
/// (`{at, choice}`). Written by the normaliser and the identifier escaping; read by
/// `cargo xtask generate` and `new` (printed) and the escaping (which skips it).
pub const CHOICES: &str = "x-normalisation-choices";

/// At the root: the operations left out of the client (`{operation, reason}`). Written by the
/// normaliser; read by a user of `openapi.json` (no code).
pub const LEFT_OUT: &str = "x-left-out";

/// On a body or response: the media types documented beside the JSON one, not generated.
/// Written by the normaliser; read by no code.
pub const OTHER_MEDIA_TYPES: &str = "x-other-media-types";

/// On an operation: a request body's media type as documented, where the client sends it as
/// text or bytes. Written by the normaliser; read by the generator (the generated `send` sets
/// that `Content-Type`).
pub const CONTENT_TYPE: &str = "x-content-type";

/// On a text or bytes body's media type: the payload schema the document gave it. Written by the
/// normaliser; read by no code.
pub const PAYLOAD_SCHEMA: &str = "x-payload-schema";

/// On an operation: the 2xx statuses without a body beside a typed 2xx (`["204"]`): the answer
/// is `Option<T>`, `None` for these. Written by the normaliser; read by the generator (the
/// generated `send`).
pub const EMPTY_SUCCESS: &str = "x-empty-success";

/// On a string schema: the values of an enum typify cannot give distinct Rust names, kept while
/// the schema is read as a plain string. Written by the normaliser; read by no code.
pub const ENUM_VALUES: &str = "x-enum-values";

/// At the root: the path parameter that is the client's id (`appid`), from `api.toml`. Written by
/// the normaliser; read by the generator (builders start with the client's id in it).
pub const CLIENT_ID_PATH_PARAMETER: &str = "x-client-id-path-parameter";

/// On a schema: the Rust type that holds it (`{crate, version, path}`), typify's own extension.
/// Written by the normaliser (exact numbers, the banks' date layouts); read by typify.
pub const RUST_TYPE: &str = "x-rust-type";

/// On an operation: its error responses, moved out of `responses` so that progenitor hands every
/// error answer over whole. Written by the normaliser; read by no code (the runtime reads the raw
/// answer into `BankError`).
pub const ERROR_RESPONSES: &str = "x-error-responses";

/// On an operation: where its derived `operationId` comes from (`derived from GET /x`). Written
/// by the normaliser; read by no code.
pub const OPERATION_ID_DERIVED: &str = "x-operation-id-derived";

/// Every key above.
pub const ALL: &[&str] = &[
    ENVIRONMENT,
    REFUSAL,
    SIGNATURE_HEADER,
    IDEMPOTENT,
    ERROR_CODES,
    MERCHANT_ACTIONS,
    EXAMPLES,
    ENUM_DESCRIPTIONS,
    ENUM_VARNAMES,
    NULLABLE,
    IBM_ENDPOINTS,
    IBM_ENDPOINT_TYPE,
    CODEGEN_REQUEST_BODY_NAME,
    CHOICES,
    LEFT_OUT,
    OTHER_MEDIA_TYPES,
    CONTENT_TYPE,
    PAYLOAD_SCHEMA,
    EMPTY_SUCCESS,
    ENUM_VALUES,
    CLIENT_ID_PATH_PARAMETER,
    RUST_TYPE,
    ERROR_RESPONSES,
    OPERATION_ID_DERIVED,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_an_extension_and_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for key in ALL {
            assert!(is_extension(key), "{key}");
            assert!(seen.insert(key), "{key} listed twice");
        }
    }
}
