//! Typed mocks for each generated crate (`mod mock`, behind the crate's `test-util` feature):
//! progenitor's httpmock generator gives per-operation `When` / `Then` wrappers; this module
//! points them at the runtime's re-exports, adds what this workspace's documents need (header
//! checks, `signed()` for operations whose body is signed, `params()` / `result()` for envelope
//! operations, a JSON error answer), and replaces progenitor's extension trait with one on
//! [`bank_runtime::mock::MockServer`] that names each operation, so an unmet expectation fails
//! the test naming it. progenitor matches paths with regexes made of the template and the
//! value given, unescaped, and `.unwrap()`s them; here every path match goes through the
//! runtime's `match_path`, which escapes both and never panics.

use std::collections::BTreeMap;

use bank_openapi::ext;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use serde_json::Value;
use syn::visit_mut::VisitMut;

use crate::escape::{PathPiece, str_lit};
use crate::paths::operations;

/// What the document says about one operation, by method name.
#[derive(Debug, Default)]
struct Extras {
    /// The header its body's signature travels in.
    signature_header: Option<String>,
    /// Envelope operations: the Rust types of `params` and `result`.
    params: Option<String>,
    result: Option<String>,
    /// Documented error answers with a JSON schema that is a component: (status key, Rust type).
    errors: Vec<(String, String)>,
    /// The path template.
    route: String,
    /// Array query parameters sent as one comma-separated pair ([`comma_separated_queries`]).
    comma_separated: Vec<String>,
}

/// The names of `op`'s array query parameters declared `style: form` (the default) with
/// `explode: false`: sent as one pair of comma-separated values (`ids=1,2`), not one pair per
/// value (progenitor's way). Path-item parameters included, `$ref`s followed.
pub fn comma_separated_queries(doc: &Value, op: &crate::paths::Operation<'_>) -> Vec<String> {
    crate::paths::parameters(doc, op)
        .into_iter()
        .filter(|parameter| {
            let schema = parameter
                .get("schema")
                .map(|s| bank_openapi::refs::deref(doc, s));
            parameter.get("in").and_then(Value::as_str) == Some("query")
                && schema.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("array")
                && parameter
                    .get("style")
                    .and_then(Value::as_str)
                    .is_none_or(|s| s == "form")
                && parameter.get("explode").and_then(Value::as_bool) == Some(false)
        })
        .filter_map(|parameter| parameter.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
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
        let route = extra.map(|e| e.route.as_str()).unwrap_or_default();
        for item in content.iter_mut() {
            if let syn::Item::Impl(imp) = item
                && matches!(imp.self_ty.as_ref(), syn::Type::Path(p) if p.path.is_ident(when))
            {
                escape_paths(imp, &op.to_string(), route)?;
                let joined = extra
                    .map(|e| e.comma_separated.as_slice())
                    .unwrap_or_default();
                QueryValues(&op.to_string(), joined).visit_item_impl_mut(imp);
            }
        }
        content.push(syn::parse2(when_extras(when, extra)?).map_err(|e| e.to_string())?);
        content.push(syn::parse2(then_extras(then, extra)?).map_err(|e| e.to_string())?);
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
    let names: Vec<syn::Ident> = sig
        .generics
        .where_clause
        .iter()
        .flat_map(|w| &w.predicates)
        .filter_map(|p| match p {
            syn::WherePredicate::Type(t) => Some(&t.bounds),
            _ => None,
        })
        .flatten()
        .filter_map(|b| match b {
            syn::TypeParamBound::Trait(t) => t.path.segments.last(),
            _ => None,
        })
        .filter_map(|s| match &s.arguments {
            syn::PathArguments::Parenthesized(args) => Some(&args.inputs),
            _ => None,
        })
        .flatten()
        .filter_map(|arg| match &arg.ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        })
        .collect();
    match <[syn::Ident; 2]>::try_from(names) {
        Ok([when, then]) => Ok((when, then)),
        Err(_) => Err(format!(
            "progenitor's mock method `{}` has an unexpected signature",
            sig.ident
        )),
    }
}

/// The runtime's pieces of a path template (`PathPart::Text("/orders/")`, `PathPart::Any`), the
/// parameter at `value` (an index of the template's parameters) as `PathPart::Value`.
fn path_parts(pieces: &[PathPiece], value: Option<usize>) -> TokenStream {
    let mut index = 0;
    let parts = pieces.iter().map(|piece| match piece {
        PathPiece::Text(text) => {
            let text = str_lit(text);
            quote! { ::bank_runtime::mock::PathPart::Text(#text) }
        }
        PathPiece::Parameter(_) => {
            index += 1;
            if value == Some(index - 1) {
                quote! { ::bank_runtime::mock::PathPart::Value }
            } else {
                quote! { ::bank_runtime::mock::PathPart::Any }
            }
        }
    });
    let parts: Vec<TokenStream> = parts.collect();
    quote! { &[#(#parts),*] }
}

/// progenitor's regex of a template: its `as_wildcard` (`value` = `None`: every parameter
/// `[^/]*`) or `as_wildcard_param` (the parameter at `value` `{}`, the others `.*`).
fn progenitor_pattern(pieces: &[PathPiece], value: Option<usize>) -> String {
    let mut index = 0;
    let inner: String = pieces
        .iter()
        .map(|piece| match piece {
            PathPiece::Text(text) => text.clone(),
            PathPiece::Parameter(_) => {
                index += 1;
                match value {
                    None => "[^/]*".to_owned(),
                    Some(v) if v == index - 1 => "{}".to_owned(),
                    Some(_) => ".*".to_owned(),
                }
            }
        })
        .collect();
    format!("^{inner}$")
}

/// The first string literal of a token stream, at any depth.
fn first_literal(tokens: TokenStream) -> Option<String> {
    tokens.into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Literal(l) => syn::parse2::<syn::LitStr>(l.into_token_stream())
            .ok()
            .map(|s| s.value()),
        proc_macro2::TokenTree::Group(g) => first_literal(g.stream()),
        _ => None,
    })
}

/// In an operation's `When`: `new`'s path regex and each path parameter's (progenitor's
/// `Regex::new(…).unwrap()` of the template and the value as given) become the runtime's
/// `match_path`, which escapes the template's text and the value and cannot panic.
fn escape_paths(imp: &mut syn::ItemImpl, operation: &str, route: &str) -> Result<(), String> {
    let pieces = crate::escape::path_template(route)
        .ok_or_else(|| format!("`{operation}`: progenitor takes no path template `{route}`"))?;
    let parameters = pieces
        .iter()
        .filter(|p| matches!(p, PathPiece::Parameter(_)))
        .count();
    let name = str_lit(operation);
    for item in &mut imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        let found = first_literal(f.block.to_token_stream());
        let uses_regex = f.block.to_token_stream().to_string().contains("Regex");
        if !uses_regex {
            continue;
        }
        let unexpected = || {
            format!(
                "`{operation}`: progenitor's mock `{}` matches the path in an unexpected way",
                f.sig.ident
            )
        };
        if f.sig.ident == "new" {
            if found.as_deref() != Some(progenitor_pattern(&pieces, None).as_str()) {
                return Err(unexpected());
            }
            let parts = path_parts(&pieces, None);
            let mut rewrite = PathMatches(Some(quote! {
                #name, #parts, ::std::option::Option::None
            }));
            rewrite.visit_block_mut(&mut f.block);
            if rewrite.0.is_some() {
                return Err(unexpected());
            }
        } else {
            let index = (0..parameters)
                .find(|i| found.as_deref() == Some(progenitor_pattern(&pieces, Some(*i)).as_str()))
                .ok_or_else(unexpected)?;
            let parts = path_parts(&pieces, Some(index));
            f.block = syn::parse_quote! {{
                Self(::bank_runtime::mock::match_path(
                    self.0,
                    #name,
                    #parts,
                    ::std::option::Option::Some(&value.to_string()),
                ))
            }};
        }
    }
    Ok(())
}

/// `receiver.path_matches(…)` → `::bank_runtime::mock::match_path(receiver, <the arguments>)`,
/// once (the arguments are taken).
struct PathMatches(Option<TokenStream>);

impl VisitMut for PathMatches {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "path_matches"
            && let Some(arguments) = self.0.take()
        {
            let receiver = &call.receiver;
            *expr = syn::parse_quote! {
                ::bank_runtime::mock::match_path(#receiver, #arguments)
            };
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// In an operation's `When`: progenitor's `self.0.query_param(name, value.to_string())` (which
/// does not compile for an array parameter, and compares one text) becomes the runtime's
/// `match_query`, which writes the value as the client does (`name=a&name=b` for an array) and
/// matches every value of that name, in order.
struct QueryValues<'a>(&'a str, &'a [String]);

impl VisitMut for QueryValues<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "query_param"
            && call.args.len() == 2
            && let Some(syn::Expr::MethodCall(value)) = call.args.last()
            && value.method == "to_string"
            && matches!(&*value.receiver, syn::Expr::Path(p) if p.path.is_ident("value"))
        {
            let receiver = &call.receiver;
            let name = &call.args[0];
            let operation = str_lit(self.0);
            let joined = matches!(name, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(n), .. })
                if self.1.contains(&n.value()));
            *expr = if joined {
                syn::parse_quote! {
                    ::bank_runtime::mock::match_query_comma_separated(#receiver, #operation, #name, &value)
                }
            } else {
                syn::parse_quote! {
                    ::bank_runtime::mock::match_query(#receiver, #operation, #name, &value)
                }
            };
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// The Rust types of an envelope operation (`{id, params}` in, `{id, result, error}` out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeTypes {
    /// The request body (`CreateCardApplicationRequest`).
    pub request: String,
    /// The 200 answer (`CreateCardApplicationResponse`).
    pub response: String,
    /// The request's `params`.
    pub params: String,
    /// The answer's `result`.
    pub result: String,
}

/// For an envelope operation (`{id, params}` in, `{id, result, error}` out), the Rust types of
/// its request, answer, `params` and `result`.
pub fn envelope_types(doc: &Value, op: &Value) -> Option<EnvelopeTypes> {
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
    // The component `schema` names, and the type of its `property`.
    let property_type = |schema: Option<&Value>, property: &str| -> Option<(String, String)> {
        let (outer, object) = component(schema?)?;
        let (name, _) = component(object.pointer(&format!("/properties/{property}"))?)?;
        Some((
            crate::naming::type_name(&outer),
            crate::naming::type_name(&name),
        ))
    };
    let (request, params) = property_type(
        op.pointer("/requestBody/content/application~1json/schema"),
        "params",
    )?;
    let (response, result) = property_type(
        op.pointer("/responses/200/content/application~1json/schema"),
        "result",
    )?;
    Some(EnvelopeTypes {
        request,
        response,
        params,
        result,
    })
}

/// The component a schema names: a `$ref`, or an `allOf` of one `$ref` (a nullable reference).
fn component_name(schema: &Value) -> Option<&str> {
    let reference =
        schema
            .get("$ref")
            .or_else(|| match schema.get("allOf")?.as_array()?.as_slice() {
                [only] => only.get("$ref"),
                _ => None,
            })?;
    reference.as_str()?.strip_prefix("#/components/schemas/")
}

/// An operation's documented error answers whose JSON body is a component schema, by status key
/// (`404`, `4XX`, `default`), with that component's Rust type: those the normaliser moved to
/// `x-error-responses` and any left in `responses`. A nullable component (an `Option` in Rust)
/// is left to `json`.
fn error_types(doc: &Value, op: &Value) -> Vec<(String, String)> {
    let mut out = BTreeMap::new();
    let moved = op.get(ext::ERROR_RESPONSES).and_then(Value::as_object);
    let kept = op.get("responses").and_then(Value::as_object);
    for (status, response) in moved.into_iter().chain(kept).flatten() {
        // `404`, `4XX`, `default`: status keys only (they land in method names and docs).
        let key = status == "default"
            || (status.len() == 3 && status.chars().all(|c| c.is_ascii_digit() || c == 'X'));
        if !key || !bank_openapi::status::is_error(status) {
            continue;
        }
        let Some(name) = response
            .pointer("/content/application~1json/schema")
            .and_then(component_name)
        else {
            continue;
        };
        let Some(schema) = doc
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.get(name))
        else {
            continue;
        };
        if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        out.insert(status.clone(), crate::naming::type_name(name));
    }
    out.into_iter().collect()
}

/// Per method name: the signature header and, for envelope operations, the types of `params`
/// and `result`.
fn extras(doc: &Value) -> BTreeMap<String, Extras> {
    let mut out = BTreeMap::new();
    for op in operations(doc) {
        let Some(id) = op.id() else { continue };
        let (params, result) = match envelope_types(doc, op.op) {
            Some(types) => (Some(types.params), Some(types.result)),
            None => (None, None),
        };
        out.insert(
            crate::naming::method_name(id),
            Extras {
                signature_header: op
                    .op
                    .get(ext::SIGNATURE_HEADER)
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                params,
                result,
                errors: error_types(doc, op.op),
                route: op.route.to_owned(),
                comma_separated: comma_separated_queries(doc, &op),
            },
        );
    }
    out
}

fn when_extras(when: &syn::Ident, extra: Option<&Extras>) -> Result<TokenStream, String> {
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
    let params = extra
        .and_then(|e| e.params.as_deref())
        .map(|name| crate::naming::ident_or_reason(name, "type name"))
        .transpose()?;
    let params = params.map(|ty| {
        quote! {
            /// The envelope's `params` are these (its fresh `id` is not compared).
            pub fn params(self, value: &types::#ty) -> Self {
                let body = ::serde_json::json!({ "params": value });
                Self(self.0.json_body_includes(body.to_string()))
            }
        }
    });
    Ok(quote! {
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
    })
}

fn then_extras(then: &syn::Ident, extra: Option<&Extras>) -> Result<TokenStream, String> {
    let result = extra
        .and_then(|e| e.result.as_deref())
        .map(|name| crate::naming::ident_or_reason(name, "type name"))
        .transpose()?;
    let result = result.map(|ty| {
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
    let errors = error_methods(extra.map(|e| e.errors.as_slice()).unwrap_or_default())?;
    Ok(quote! {
        impl #then {
            /// Answer `status` with any JSON body: a deliberately wrong answer, or an error the
            /// document gives no type for (typed errors: `error`, where the document has one).
            pub fn json(self, status: u16, body: ::serde_json::Value) -> Self {
                Self(self.0.status(status).header("content-type", "application/json").json_body(body))
            }

            #errors

            /// Give this answer to the first matching request only, then step aside for the
            /// expectation set after this one (a sequence: first 503, then 200). The
            /// expectation then wants exactly one request.
            pub fn once(self) -> Self {
                Self(::bank_runtime::mock::answer_times(self.0, 1))
            }

            /// Give this answer to the first `n` matching requests only, then step aside for the
            /// expectation set after this one; the expectation then wants exactly `n`. `n` = 0
            /// answers none and fails the verification naming it.
            pub fn first(self, n: usize) -> Self {
                Self(::bank_runtime::mock::answer_times(self.0, n))
            }

            #result
        }
    })
}

/// The typed error answers of an operation: one `error(status, &T)` when its documented error
/// answers share one type, else one method per status key (`error_404(&T)`, `error_4xx(status,
/// &T)`, `error_default(status, &T)`).
fn error_methods(errors: &[(String, String)]) -> Result<TokenStream, String> {
    let mut types: Vec<&str> = errors.iter().map(|(_, ty)| ty.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let statuses = |ty: &str| {
        errors
            .iter()
            .filter(|(_, t)| t == ty)
            .map(|(s, _)| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let answer = quote! {
        Self(self.0.status(status).header("content-type", "application/json").json_body_obj(body))
    };
    if let [only] = types.as_slice() {
        let ty = crate::naming::ident_or_reason(only, "type name")?;
        let doc = format!(
            " Answer `status` with the API's own error body, `types::{only}` (the document gives \
             it for {}).",
            statuses(only)
        );
        return Ok(quote! {
            #[doc = #doc]
            pub fn error(self, status: u16, body: &types::#ty) -> Self {
                #answer
            }
        });
    }
    let mut out = TokenStream::new();
    for (key, name) in errors {
        let ty = crate::naming::ident_or_reason(name, "type name")?;
        let method = crate::naming::ident_or_reason(
            &format!("error_{}", key.to_ascii_lowercase()),
            "method name",
        )?;
        match key.parse::<u16>() {
            Ok(code) => {
                let doc = format!(
                    " Answer `{key}` with the body the document gives it, `types::{name}`."
                );
                out.extend(quote! {
                    #[doc = #doc]
                    pub fn #method(self, body: &types::#ty) -> Self {
                        let status: u16 = #code;
                        #answer
                    }
                });
            }
            Err(_) => {
                let doc = format!(
                    " Answer `status` (one of `{key}`) with the body the document gives it, `types::{name}`."
                );
                out.extend(quote! {
                    #[doc = #doc]
                    pub fn #method(self, status: u16, body: &types::#ty) -> Self {
                        #answer
                    }
                });
            }
        }
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "components": {"schemas": {
                "Problem": {"type": "object"},
                "Envelope": {"type": "object"},
                "Maybe": {"type": "object", "nullable": true}
            }},
        })
    }

    fn body(name: &str) -> Value {
        json!({"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
    }

    #[test]
    fn error_types_come_from_moved_and_kept_error_answers_only() {
        let op = json!({
            "responses": {"200": body("Envelope"), "5XX": body("Problem")},
            ext::ERROR_RESPONSES: {
                "404": body("Problem"),
                "409": body("Maybe"),
                "400": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "4x4 ": body("Problem"),
                "default": {"content": {"application/json": {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/Problem"}
                ]}}}}
            }
        });
        assert_eq!(
            error_types(&doc(), &op),
            [
                ("404".to_owned(), "Problem".to_owned()),
                ("5XX".to_owned(), "Problem".to_owned()),
                ("default".to_owned(), "Problem".to_owned()),
            ]
        );
    }

    #[test]
    fn one_error_type_is_one_method_and_several_one_per_status() {
        let one = error_methods(&[
            ("400".to_owned(), "Problem".to_owned()),
            ("500".to_owned(), "Problem".to_owned()),
        ])
        .expect("methods")
        .to_string();
        assert!(
            one.contains("pub fn error (self , status : u16 , body : & types :: Problem)"),
            "{one}"
        );
        assert!(one.contains("`400`, `500`"), "{one}");
        let several = error_methods(&[
            ("400".to_owned(), "Envelope".to_owned()),
            ("4XX".to_owned(), "Problem".to_owned()),
        ])
        .expect("methods")
        .to_string();
        assert!(
            several.contains("pub fn error_400 (self , body : & types :: Envelope)"),
            "{several}"
        );
        assert!(
            several.contains("pub fn error_4xx (self , status : u16 , body : & types :: Problem)"),
            "{several}"
        );
        assert!(error_methods(&[]).expect("none").is_empty());
    }
}
