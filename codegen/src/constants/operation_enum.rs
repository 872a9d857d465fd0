//! `pub mod operations` of a generated crate: every operation as a constant, a row, an
//! [`OperationSpec`](bank_runtime::OperationSpec) and a variant of the `Operation` enum (what
//! retries, signing, the sandbox, the mocks and the CLI name operations by), and the envelope
//! operations as a macro the facade expands into its methods.

use std::path::Path;

use bank_openapi::ext;
use quote::{format_ident, quote};
use serde_json::Value;

use super::{answers_with, refusal_schema};
use crate::error::{Error, Result};
use crate::naming;
use crate::paths::operations;

/// `pub mod operations`: each operation's `operationId` as a constant (`CREATE_ORDER =
/// "createOrder"`; [`naming::constant_name`]), and every operation as `(operationId,
/// method name, HTTP method, path)`, and the `Operation` enum over them. Two ids that give one
/// constant or one variant are a located error naming both.
pub(super) fn operation_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let mut consts = Vec::new();
    let mut rows = Vec::new();
    let mut specs = Vec::new();
    let mut variants = Vec::new();
    let mut ids = Vec::new();
    let mut names = Vec::new();
    let mut variant_docs = Vec::new();
    let mut named: std::collections::BTreeMap<String, (String, String)> = Default::default();
    let mut variant_named: std::collections::BTreeMap<String, (String, String)> =
        Default::default();
    let refusal_schema = refusal_schema(doc);
    for op in operations(doc) {
        let Some(id) = op.id() else { continue };
        let at = format!("{}/operationId", op.pointer());
        let constant = naming::constant_name(id);
        let invalid = |message: String| Error::Invalid {
            path: path.to_path_buf(),
            pointer: at.clone(),
            message,
        };
        if let Some((first_id, first_at)) = named.get(&constant) {
            return Err(invalid(format!(
                "operationId `{}` gives the constant `operations::{constant}`, as `{}` at {first_at} does; rename one with a fix",
                crate::escape::line_comment(id),
                crate::escape::line_comment(first_id)
            )));
        }
        named.insert(constant.clone(), (id.to_owned(), at.clone()));
        let variant = naming::type_name(&naming::method_name(id));
        if let Some((first_id, first_at)) = variant_named.get(&variant) {
            return Err(invalid(format!(
                "operationId `{}` gives the variant `operations::Operation::{variant}`, as `{}` at {first_at} does; rename one with a fix",
                crate::escape::line_comment(id),
                crate::escape::line_comment(first_id)
            )));
        }
        variant_named.insert(variant.clone(), (id.to_owned(), at.clone()));
        let variant = naming::ident_or_reason(&variant, "name").map_err(invalid)?;
        let ident = naming::ident_or_reason(&constant, "name").map_err(invalid)?;
        let doc_line = format!(
            "`{}`{}",
            op.label(),
            op.op
                .get("summary")
                .and_then(Value::as_str)
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
        );
        let method = op.method.to_uppercase();
        let route = op.route;
        let name = naming::method_name(id);
        names.push(if name == id {
            quote! { #id }
        } else {
            quote! { #id | #name }
        });
        consts.push(quote! {
            #[doc = #doc_line]
            pub const #ident: &str = #id;
        });
        variant_docs.push(doc_line.clone());
        variants.push(variant);
        ids.push(id.to_owned());
        rows.push(quote! { (#ident, #name, #method, #route) });
        let summary = op
            .op
            .get("summary")
            .or_else(|| op.op.get("description"))
            .and_then(Value::as_str)
            .and_then(|s| s.lines().next())
            .unwrap_or_default();
        let parameters = parameters(doc, op).into_iter().map(|p| {
            let (name, location, required, description) = p;
            quote! {
                ::bank_runtime::ParameterSpec {
                    name: #name, location: #location, required: #required, description: #description,
                }
            }
        });
        let body = match op
            .op
            .get("requestBody")
            .filter(|b| b.pointer("/content/application~1json").is_some())
        {
            Some(b) => {
                let required = b.get("required").and_then(Value::as_bool).unwrap_or(false);
                quote! { ::std::option::Option::Some(#required) }
            }
            None => quote! { ::std::option::Option::None },
        };
        let envelope = crate::mocks::envelope_types(doc, op.op).is_some();
        let refusal = refusal_schema.is_some_and(|schema| answers_with(op.op, schema));
        let idempotent = op.op.get(ext::IDEMPOTENT).and_then(Value::as_bool) == Some(true);
        let signed = op.op.get(ext::SIGNATURE_HEADER).is_some();
        specs.push(quote! {
            ::bank_runtime::OperationSpec {
                id: #ident,
                name: #name,
                method: #method,
                path: #route,
                summary: #summary,
                parameters: &[#(#parameters),*],
                body: #body,
                envelope: #envelope,
                refusal: #refusal,
                idempotent: #idempotent,
                signed: #signed,
            }
        });
    }
    let indices = 0..variants.len();
    let ids = &ids;
    Ok(quote! {
        /// The operations of this API, from the spec.
        pub mod operations {
            #(#consts)*
            /// Every operation as `(operationId, method name, HTTP method, path template)`.
            pub const ALL: &[(&str, &str, &str, &str)] = &[#(#rows),*];
            /// Every operation with its parameters and body, for tools calling them by name.
            pub const SPECS: &[::bank_runtime::OperationSpec] = &[#(#specs),*];

            /// One operation of this API: what retries, signing, the mocks, the sandbox and the
            /// CLI name operations by. Its facts come from the document ([`SPECS`]); parsed from
            /// its `operationId` or the client's method name.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub enum Operation {
                #(#[doc = #variant_docs] #variants,)*
            }

            impl Operation {
                /// Every operation, in the document's order.
                pub const ALL: &'static [Operation] = &[#(Operation::#variants),*];

                /// Its facts from the document.
                pub const fn spec(self) -> &'static ::bank_runtime::OperationSpec {
                    match self {
                        #(Operation::#variants => &SPECS[#indices],)*
                    }
                }

                /// The `operationId` (`createOrder`).
                pub const fn id(self) -> &'static str {
                    self.spec().id
                }

                /// The client's method name (`create_order`).
                pub const fn name(self) -> &'static str {
                    self.spec().name
                }

                /// Safe to repeat: a GET, HEAD or OPTIONS, or marked idempotent by the document
                /// (`x-idempotent`). Only these are retried.
                pub fn idempotent(self) -> bool {
                    self.spec().repeatable()
                }

                /// Its request body is signed (`x-signature-header`).
                pub const fn signed(self) -> bool {
                    self.spec().signed
                }

                /// An envelope operation (`{id, params}` in, `{id, result, error}` out).
                pub const fn envelope(self) -> bool {
                    self.spec().envelope
                }

                /// The operation a spec row describes (one of [`SPECS`]).
                pub fn of(spec: &::bank_runtime::OperationSpec) -> ::std::option::Option<Self> {
                    match spec.id {
                        #(#ids => ::std::option::Option::Some(Operation::#variants),)*
                        _ => ::std::option::Option::None,
                    }
                }
            }

            impl ::std::str::FromStr for Operation {
                type Err = ::bank_runtime::UnknownOperation;

                /// From its `operationId` (`createOrder`) or the client's method name
                /// (`create_order`).
                fn from_str(name: &str) -> ::std::result::Result<Self, Self::Err> {
                    match name {
                        #(#names => ::std::result::Result::Ok(Operation::#variants),)*
                        _ => ::std::result::Result::Err(::bank_runtime::UnknownOperation {
                            api: super::SPEC.name,
                            given: name.to_owned(),
                        }),
                    }
                }
            }

            impl ::std::fmt::Display for Operation {
                /// The `operationId`.
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.id())
                }
            }

            impl ::std::convert::From<Operation> for &'static ::bank_runtime::OperationSpec {
                fn from(op: Operation) -> Self {
                    op.spec()
                }
            }

            impl ::std::convert::From<Operation> for ::std::string::String {
                /// The `operationId`.
                fn from(op: Operation) -> Self {
                    op.id().to_owned()
                }
            }
        }
    })
}

/// An operation's path, query and header parameters (path-item ones first, overridden by the
/// operation's own of the same name and place), `$ref`s followed: `(name, in, required,
/// description)`.
fn parameters(doc: &Value, op: crate::paths::Operation<'_>) -> Vec<(String, String, bool, String)> {
    let mut out = Vec::new();
    for p in crate::paths::parameters(doc, &op) {
        let text = |key: &str| {
            p.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (name, location) = (text("name"), text("in"));
        if name.is_empty() || !matches!(location.as_str(), "path" | "query" | "header") {
            continue;
        }
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let description = text("description")
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        out.push((name, location, required, description));
    }
    out
}

/// For an API with envelope operations (BaaS Gateway), the hidden macro
/// `__envelope_operations!(callback)` that calls `callback! { … }` with one line per envelope
/// operation (`method(Params) -> Result = Request / Response;`, its doc first): the facade
/// expands its typed `params → result` methods from it, so no operation is listed by hand.
/// Nothing for other APIs.
pub(super) fn envelope_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let mut lines = Vec::new();
    for op in operations(doc) {
        let Some(id) = op.id() else { continue };
        let Some(types) = crate::mocks::envelope_types(doc, op.op) else {
            continue;
        };
        let ident = |name: &str, what: &str| {
            naming::ident_or_reason(name, what).map_err(|message| Error::Invalid {
                path: path.to_path_buf(),
                pointer: op.pointer(),
                message,
            })
        };
        let method = ident(&naming::method_name(id), "method name")?;
        let [request, response, params, result] = [
            &types.request,
            &types.response,
            &types.params,
            &types.result,
        ]
        .map(|name| ident(name, "type name"));
        let (request, response, params, result) = (request?, response?, params?, result?);
        let summary = op
            .op
            .get("summary")
            .and_then(Value::as_str)
            .map(|s| format!("{s} "))
            .unwrap_or_default();
        let repeat = if op.op.get(ext::IDEMPOTENT).and_then(Value::as_bool) == Some(true) {
            "; retried when safe"
        } else {
            ""
        };
        let doc_line = format!("{summary}(`{id}`{repeat}).");
        lines.push(quote! {
            #[doc = #doc_line]
            #method(#params) -> #result = #request / #response;
        });
    }
    if lines.is_empty() {
        return Ok(quote! {});
    }
    let callback = format_ident!("callback");
    Ok(quote! {
        /// Every envelope operation as `method(Params) -> Result = Request / Response;`, passed
        /// to the macro named: the facade's typed methods are expanded from it.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __envelope_operations {
            ($#callback:ident) => {
                $#callback! {
                    #(#lines)*
                }
            };
        }
    })
}
