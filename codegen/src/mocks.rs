//! Typed mocks for each generated crate (`mod mock`, behind the crate's `test-util` feature):
//! progenitor's httpmock generator gives per-operation `When` / `Then` wrappers; this module
//! points them at the runtime's re-exports, adds what this workspace's documents need (header
//! checks, `signed()` for operations whose body is signed, `params()` / `result()` for envelope
//! operations, a JSON error answer), and replaces progenitor's extension trait with one on
//! [`bank_runtime::mock::MockServer`] that names each operation, so an unmet expectation fails
//! the test naming it.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use serde_json::Value;
use syn::visit_mut::VisitMut;

use crate::paths::operations;

/// What the document says about one operation, by method name.
#[derive(Debug, Default)]
struct Extras {
    /// The header its body's signature travels in.
    signature_header: Option<String>,
    /// Envelope operations: the Rust types of `params` and `result`.
    params: Option<String>,
    result: Option<String>,
}

/// The `mock` module of a generated crate, from progenitor's httpmock output.
pub fn module(tokens: TokenStream, doc: &Value) -> Result<syn::File, String> {
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    RuntimePaths.visit_file_mut(&mut file);
    OptionalBodies.visit_file_mut(&mut file);
    let mut operations_mod = None;
    let mut ops: Vec<(syn::Ident, syn::Ident, syn::Ident)> = Vec::new();
    for item in file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "operations" => operations_mod = Some(m),
            syn::Item::Trait(t) if t.ident == "MockServerExt" => {
                for item in &t.items {
                    if let syn::TraitItem::Fn(f) = item {
                        let (when, then) = wrapper_names(&f.sig)?;
                        ops.push((f.sig.ident.clone(), when, then));
                    }
                }
            }
            _ => {}
        }
    }
    let mut operations_mod = operations_mod.ok_or("progenitor's mocks have no `operations`")?;
    let extras = extras(doc);
    let content = &mut operations_mod
        .content
        .as_mut()
        .ok_or("`operations` has no body")?
        .1;
    for (op, when, then) in &ops {
        let extra = extras.get(&op.to_string());
        content.push(syn::parse2(when_extras(when, extra)).map_err(|e| e.to_string())?);
        content.push(syn::parse2(then_extras(then, extra)).map_err(|e| e.to_string())?);
    }
    let trait_fns = ops.iter().map(|(op, when, then)| {
        let doc = format!(
            " Expect a `{op}` request: set what it must carry on `when`, the answer on `then`."
        );
        quote! {
            #[doc = #doc]
            fn #op<F>(&self, config: F) -> ::bank_runtime::mock::Expectation<'_>
            where
                F: FnOnce(operations::#when, operations::#then);
        }
    });
    let impl_fns = ops.iter().map(|(op, when, then)| {
        let name = op.to_string();
        quote! {
            fn #op<F>(&self, config: F) -> ::bank_runtime::mock::Expectation<'_>
            where
                F: FnOnce(operations::#when, operations::#then),
            {
                self.expect(#name, |when, then| {
                    config(operations::#when::new(when), operations::#then::new(then))
                })
            }
        }
    });
    let tokens = quote! {
        /// Typed mocks of this API for tests of a service (feature `test-util`): start a
        /// [`MockServer`], set per-operation expectations with [`MockServerExt`], point the
        /// client at [`MockServer::base_url`]. An expectation not met when the server is dropped
        /// (or at [`MockServer::verify`]) fails the test naming the operation, with the closest
        /// request received and its difference.
        #[cfg(feature = "test-util")]
        pub mod mock {
            pub use ::bank_runtime::mock::{Expectation, MockServer};

            #operations_mod

            /// One method per operation on [`MockServer`]: a type-checked expectation.
            pub trait MockServerExt {
                #(#trait_fns)*
            }

            impl MockServerExt for ::bank_runtime::mock::MockServer {
                #(#impl_fns)*
            }
        }
    };
    syn::parse2(tokens).map_err(|e| e.to_string())
}

/// `operations::XWhen` and `operations::XThen` from `F: FnOnce(operations::XWhen, operations::XThen)`.
fn wrapper_names(sig: &syn::Signature) -> Result<(syn::Ident, syn::Ident), String> {
    let text = sig
        .generics
        .where_clause
        .as_ref()
        .map(|w| w.to_token_stream().to_string())
        .unwrap_or_default();
    let names: Vec<&str> = text
        .split("operations ::")
        .skip(1)
        .map(|rest| rest.trim().split([' ', ',', ')']).next().unwrap_or(""))
        .collect();
    match names.as_slice() {
        [when, then] if !when.is_empty() && !then.is_empty() => {
            Ok((format_ident!("{when}"), format_ident!("{then}")))
        }
        _ => Err(format!(
            "progenitor's mock method `{}` has an unexpected signature: {text}",
            sig.ident
        )),
    }
}

/// For an envelope operation (`{id, params}` in, `{id, result, error}` out), the Rust types of
/// its `params` and `result`.
pub fn envelope_types(doc: &Value, op: &Value) -> Option<(String, String)> {
    // A `$ref`, or an `allOf` of one `$ref` (a nullable reference).
    let component = |schema: &Value| -> Option<(String, Value)> {
        let reference =
            schema
                .get("$ref")
                .or_else(|| match schema.get("allOf")?.as_array()?.as_slice() {
                    [only] => only.get("$ref"),
                    _ => None,
                })?;
        let name = reference.as_str()?.strip_prefix("#/components/schemas/")?;
        let value = doc.pointer(&format!("/components/schemas/{name}"))?.clone();
        Some((name.to_owned(), value))
    };
    let property_type = |schema: Option<&Value>, property: &str| -> Option<String> {
        let (_, object) = component(schema?)?;
        let (name, _) = component(object.pointer(&format!("/properties/{property}"))?)?;
        Some(crate::generate::rust_type_name(&name))
    };
    let params = property_type(
        op.pointer("/requestBody/content/application~1json/schema"),
        "params",
    )?;
    let result = property_type(
        op.pointer("/responses/200/content/application~1json/schema"),
        "result",
    )?;
    Some((params, result))
}

/// Per method name: the signature header and, for envelope operations, the types of `params`
/// and `result`.
fn extras(doc: &Value) -> BTreeMap<String, Extras> {
    let mut out = BTreeMap::new();
    for op in operations(doc) {
        let Some(id) = op.id() else { continue };
        let (params, result) = match envelope_types(doc, op.op) {
            Some((p, r)) => (Some(p), Some(r)),
            None => (None, None),
        };
        out.insert(
            crate::constants::method_name(id),
            Extras {
                signature_header: op
                    .op
                    .get("x-signature-header")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                params,
                result,
            },
        );
    }
    out
}

fn when_extras(when: &syn::Ident, extra: Option<&Extras>) -> TokenStream {
    let signed = extra
        .and_then(|e| e.signature_header.as_deref())
        .map(|header| {
            let doc = format!(" The body arrives signed: a `{header}` header is present.");
            quote! {
                #[doc = #doc]
                pub fn signed(self) -> Self {
                    Self(self.0.header_exists(#header))
                }
            }
        });
    let params = extra.and_then(|e| e.params.as_deref()).map(|ty| {
        let ty = format_ident!("{ty}");
        quote! {
            /// The envelope's `params` are these (its fresh `id` is not compared).
            pub fn params(self, value: &types::#ty) -> Self {
                let body = ::serde_json::json!({ "params": value });
                Self(self.0.json_body_includes(body.to_string()))
            }
        }
    });
    quote! {
        impl #when {
            /// The request carries header `name` with `value` (e.g. `authorization`).
            pub fn header(self, name: &str, value: &str) -> Self {
                Self(self.0.header(name, value))
            }

            /// The request carries header `name`, whatever its value.
            pub fn header_exists(self, name: &str) -> Self {
                Self(self.0.header_exists(name))
            }

            #signed
            #params
        }
    }
}

fn then_extras(then: &syn::Ident, extra: Option<&Extras>) -> TokenStream {
    let result = extra.and_then(|e| e.result.as_deref()).map(|ty| {
        let ty = format_ident!("{ty}");
        quote! {
            /// Answer 200 with an envelope carrying `value` as its `result`.
            pub fn result(self, value: &types::#ty) -> Self {
                let body = ::serde_json::json!({
                    "id": "00000000-0000-0000-0000-000000000000",
                    "result": value,
                });
                Self(self.0.status(200u16).header("content-type", "application/json").json_body(body))
            }

            /// Answer 200 with an envelope carrying the bank's error `code` and `message`.
            pub fn envelope_error(self, code: i64, message: &str) -> Self {
                let body = ::serde_json::json!({
                    "id": "00000000-0000-0000-0000-000000000000",
                    "error": { "code": code, "message": message },
                });
                Self(self.0.status(200u16).header("content-type", "application/json").json_body(body))
            }
        }
    });
    quote! {
        impl #then {
            /// Answer `status` with a JSON body (the bank's error format, or anything else).
            pub fn json(self, status: u16, body: ::serde_json::Value) -> Self {
                Self(self.0.status(status).header("content-type", "application/json").json_body(body))
            }

            #result
        }
    }
}

/// progenitor's `then` for an answer typed `Option<T>` (a nullable schema) takes
/// `value: Option<&T>` and passes it to `json_body_obj`, which wants a reference: `&value`
/// (`None` is sent as `null`).
struct OptionalBodies;

impl VisitMut for OptionalBodies {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let optional = f.sig.inputs.iter().any(|input| {
            matches!(input, syn::FnArg::Typed(t)
                if matches!(&*t.pat, syn::Pat::Ident(p) if p.ident == "value")
                    && quote::ToTokens::to_token_stream(&t.ty).to_string().starts_with("Option <"))
        });
        if optional {
            struct Arg;
            impl VisitMut for Arg {
                fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
                    if call.method == "json_body_obj"
                        && let Some(syn::Expr::Path(p)) = call.args.first()
                        && p.path.is_ident("value")
                    {
                        call.args[0] = syn::parse_quote!(&value);
                    }
                    syn::visit_mut::visit_expr_method_call_mut(self, call);
                }
            }
            Arg.visit_block_mut(&mut f.block);
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
    }
}

/// `::httpmock::…` and `regex::…` → the runtime's re-exports, so a generated crate needs no
/// dependency of its own for its mocks.
struct RuntimePaths;

impl VisitMut for RuntimePaths {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let first = path.segments.first().map(|s| s.ident.to_string());
        if matches!(first.as_deref(), Some("httpmock" | "regex")) {
            let segments = std::mem::take(&mut path.segments);
            let mut new: syn::punctuated::Punctuated<syn::PathSegment, syn::Token![::]> =
                syn::parse_quote!(bank_runtime::mock);
            new.extend(segments);
            path.segments = new;
            path.leading_colon = Some(Default::default());
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}
