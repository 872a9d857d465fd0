//! Normalisation by the per-API [`Policy`](crate::config::Policy): exact money, the banks' date
//! layouts, open response schemas, and operation ids where the bank left them out.
//!
//! Conversions are expressed as `x-rust-type` on the schema, which typify honours before anything
//! else, so the normalised `openapi.json` says exactly which Rust type each schema became.
//!
//! [`PASSES`] is the one ordered list of what the normaliser does; each pass lives in a module of
//! its own, with its tests.

mod client_id;
mod enums;
mod errors;
mod examples;
mod headers;
mod keywords;
mod left_out;
mod media;
mod open;
mod operation_ids;
mod places;
mod rust_types;
mod schema_names;
mod success;
mod text_bodies;

use std::path::Path;

use bank_openapi::ext;
use serde_json::{Value, json};

use crate::config::Policy;
use crate::error::Result;

/// The runtime crate generated code refers to.
pub const RUNTIME_CRATE: &str = "bank-runtime";
/// Its version requirement as written into `x-rust-type`.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// One step of the normalisation.
pub struct Pass {
    /// Its name: the function that makes the change.
    pub name: &'static str,
    /// What it changes in the document and why, in one line.
    pub what: &'static str,
    /// Whether the API's policy asks for it.
    pub applies: fn(&Policy) -> bool,
    /// The change (the document's file, for errors; the document; the policy).
    run: fn(&Path, &mut Value, &Policy) -> Result<()>,
}

/// A pass that changes the document alone, run when `$applies` holds for the policy (always by
/// default).
macro_rules! pass {
    ($run:ident, $what:literal) => {
        pass!($run, $what, |_| true)
    };
    ($run:ident, $what:literal, $applies:expr) => {
        Pass {
            name: stringify!($run),
            what: $what,
            applies: $applies,
            run: |_, doc, _| {
                $run(doc);
                Ok(())
            },
        }
    };
}

use client_id::client_id_prefix;
use enums::{enums_without_distinct_names, tidy_enums};
use errors::untype_error_responses;
use examples::stringify_examples;
use headers::lowercase_header_names;
use keywords::{drop_form_encodings, drop_meaningless_formats};
use left_out::leave_out_ungeneratable;
use media::choose_json_media;
use open::open_responses;
use operation_ids::derive_operation_ids;
use rust_types::{mark_formats, mark_number_parameters, mark_numbers};
use schema_names::rename_colliding_schemas;
use success::one_success_shape;
use text_bodies::other_bodies_as_text_or_bytes;

/// Every pass, in the order [`normalise`] runs them (a later pass sees what the earlier ones
/// made: the operations left out are gone, the JSON media type is the only one, …).
pub const PASSES: &[Pass] = &[
    pass!(
        choose_json_media,
        "keeps one JSON media type per body and response (others listed): progenitor generates one"
    ),
    pass!(
        leave_out_ungeneratable,
        "leaves out operations with a multipart body or a required cookie/deepObject parameter, which progenitor cannot generate, and drops optional such parameters"
    ),
    pass!(
        drop_form_encodings,
        "drops a form body's `encoding`, on which progenitor stops: fields are sent flat"
    ),
    pass!(
        derive_operation_ids,
        "gives operations without an operationId one from their path: progenitor names methods by it"
    ),
    Pass {
        name: "lowercase_header_names",
        what: "names header parameters in lower case (an impossible name is an error): the HTTP library panics on upper case",
        applies: |_| true,
        run: |path, doc, _| lowercase_header_names(path, doc),
    },
    pass!(
        other_bodies_as_text_or_bytes,
        "sends a body in a media type progenitor does not take as text or bytes, its media type kept in x-content-type"
    ),
    pass!(
        one_success_shape,
        "gives every 2xx of an operation one schema (a union, or an Option for body-less ones): progenitor needs one answer type"
    ),
    pass!(
        tidy_enums,
        "lists each enum value once, a string enum's values as strings: typify panics on repeats"
    ),
    pass!(
        enums_without_distinct_names,
        "reads a string enum as a plain string when typify cannot give its values distinct Rust names"
    ),
    pass!(
        drop_meaningless_formats,
        "drops `format` on object, array and boolean schemas: meaningless, and typify panics on it"
    ),
    pass!(
        rename_colliding_schemas,
        "renames component schemas whose Rust name another schema or inline type has, refs following"
    ),
    pass!(
        mark_number_parameters,
        "makes number parameters `DecimalParam` (exact text) under exact-numbers",
        |p| p.exact_numbers
    ),
    pass!(
        mark_numbers,
        "makes number schemas `Decimal` under exact-numbers: money is exact",
        |p| p.exact_numbers
    ),
    pass!(
        mark_formats,
        "gives the banks' date layouts their runtime types (x-rust-type), from the formats table"
    ),
    pass!(
        stringify_examples,
        "writes number and boolean examples of string schemas as strings, as the wire carries them",
        |p| p.stringify_examples
    ),
    pass!(
        open_responses,
        "drops additionalProperties booleans on schemas the bank sends, so a new field does not fail a client",
        |p| p.open_responses
    ),
    Pass {
        name: "client_id_prefix",
        what: "checks and records the client-id path parameter, which the generated builders fill in",
        applies: |p| p.client_id_path_parameter.is_some(),
        run: |path, doc, policy| match &policy.client_id_path_parameter {
            Some(name) => client_id_prefix(path, doc, name),
            None => Ok(()),
        },
    },
    pass!(
        untype_error_responses,
        "moves error responses to x-error-responses, so the runtime reads every error answer whole",
        |p| !p.typed_errors
    ),
];

/// Apply the policy to a converted, fixed OpenAPI 3.0 document: every pass of [`PASSES`] the
/// policy asks for, in order.
pub fn normalise(path: &Path, doc: &mut Value, policy: &Policy) -> Result<()> {
    for pass in PASSES {
        if (pass.applies)(policy) {
            (pass.run)(path, doc, policy)?;
        }
    }
    Ok(())
}

/// Record a choice at `at` (a JSON pointer, or a Rust path for a choice made in the generated
/// code) in the document's [`ext::CHOICES`].
pub fn record(doc: &mut Value, at: String, choice: String) {
    if let Some(root) = doc.as_object_mut() {
        let list = root.entry(ext::CHOICES).or_insert_with(|| json!([]));
        if let Some(list) = list.as_array_mut() {
            list.push(json!({"at": at, "choice": choice}));
        }
    }
}

/// The choices recorded in `doc`, one line each (`at — choice`), for the passes' tests.
#[cfg(test)]
fn test_choices(doc: &Value) -> Vec<String> {
    doc[ext::CHOICES]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} — {}",
                c["at"].as_str().unwrap_or(""),
                c["choice"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pass_has_a_name_of_its_own_and_says_what_it_changes() {
        let mut names: Vec<&str> = PASSES.iter().map(|p| p.name).collect();
        assert!(PASSES.iter().all(|p| !p.what.is_empty()));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PASSES.len());
    }
}
