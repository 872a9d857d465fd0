//! The surface a service programs against, added to progenitor's output.
//!
//! - Every request builder gets an inherent `bank()`: send, await, and get `Result<T, BankError>`
//!   labelled with the API the builder belongs to (`SPEC.name` of its own crate). Being inherent,
//!   it needs no import, several banks can be called from one module, and the label cannot come
//!   from another bank.
//! - Every builder's doc starts with its operation's summary.
//! - Every struct with named fields and every enum of `types` is `#[non_exhaustive]`, so that a
//!   new optional property or enum value (non-breaking by the diff's rules) does not break a
//!   user's struct literal or exhaustive `match`; users build values with the generated builders.
//! - A type builder's flattened map of extra keys (`extra`, from `additionalProperties`) starts
//!   empty instead of required, so a builder needs only the document's own fields.
//! - A header value progenitor sends with `HeaderValue::from_static` (a body's media type) is
//!   one it takes: a document's text cannot make a request panic
//!   ([`crate::escape::header_value`]).
//! - progenitor's `api-version` header (the document's `info.version`) is not sent: no bank's
//!   document asks for it, and it costs every call a header map.

use std::collections::BTreeMap;

use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Fields, ImplItem, Item, ReturnType, Type};

/// Apply every change of this module to a generated file. `client_id` is the path parameter that
/// carries the client id (`x-client-id-path-parameter`), when the API has one.
/// `notes` holds, per method name, what the normaliser decided about its operation.
pub fn apply(
    file: &mut syn::File,
    client_id: Option<&str>,
    notes: &BTreeMap<String, OperationNotes>,
) {
    StaticHeaderValues.visit_file_mut(file);
    NoApiVersion.visit_file_mut(file);
    progenitor_names_stay_inside(file);
    constructors_out_of_sight(file);
    let summaries = summaries(file);
    let methods = builder_methods(file);
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        let Some((_, items)) = module.content.as_mut() else {
            continue;
        };
        match module.ident.to_string().as_str() {
            "builder" => {
                for item in items.iter_mut() {
                    match item {
                        Item::Struct(s) => {
                            if let Some(summary) = methods
                                .get(&s.ident.to_string())
                                .and_then(|method| summaries.get(method))
                            {
                                s.attrs.insert(0, doc(summary));
                                s.attrs.insert(1, doc(""));
                            }
                        }
                        Item::Impl(imp) => {
                            let method = builder_of(imp).and_then(|b| methods.get(&b));
                            if let Some(notes) = method.and_then(|m| notes.get(m)) {
                                apply_notes(imp, notes);
                            }
                            add_bank_call(imp, method.and_then(|m| summaries.get(m)));
                            if let Some(name) = client_id {
                                default_client_id(imp, name);
                            }
                        }
                        _ => {}
                    }
                }
            }
            "types" => {
                for item in items.iter_mut() {
                    match item {
                        Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => {
                            s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
                        }
                        Item::Enum(e) => e.attrs.push(syn::parse_quote!(#[non_exhaustive])),
                        Item::Mod(m) if m.ident == "builder" => {
                            if let Some((_, builders)) = m.content.as_mut() {
                                builders.iter_mut().for_each(extras_start_empty);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// progenitor re-exports its `Error`, `ResponseValue`, `ClientInfo` and `ByteStream` at the
/// crate's root (`pub use progenitor_client::{…}`): the crate's surface is its client, `types`,
/// `operations`, `SPEC` and `mock`, and one error type (`BankError`), so the names stay imports
/// of the generated code (`ClientInfo` the trait also clashed by name with a bank's `ClientInfo`
/// type). The client's base URL is `Client::base_url`.
fn progenitor_names_stay_inside(file: &mut syn::File) {
    for item in &mut file.items {
        if let Item::Use(import) = item
            && matches!(import.vis, syn::Visibility::Public(_))
            && matches!(&import.tree, syn::UseTree::Path(p) if p.ident == "progenitor_client")
        {
            import.vis = syn::Visibility::Inherited;
        }
    }
}

/// progenitor's `Client::new` and `Client::new_with_client` build a client on a bare
/// `Context`: no token, no credentials, and `new` unwraps reqwest's builder. Clients come from
/// the facade's builders (`banks::…::builder()`, `banks::Generic`); the constructors stay for the
/// generated mocks' tests and the workspace's own tests (`bank_runtime::GeneratedClient::from_parts`
/// is the documented door), hidden from the docs.
fn constructors_out_of_sight(file: &mut syn::File) {
    for item in &mut file.items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !is_client(&imp.self_ty) {
            continue;
        }
        for member in &mut imp.items {
            if let ImplItem::Fn(f) = member
                && (f.sig.ident == "new" || f.sig.ident == "new_with_client")
            {
                f.attrs.push(syn::parse_quote!(#[doc(hidden)]));
            }
        }
    }
}

/// A `#[doc = "…"]` attribute.
/// In a type builder's `Default`, `extra: Err("no value supplied for extra")` (typify's flattened
/// map of additional properties) becomes `extra: Ok(Default::default())`.
fn extras_start_empty(item: &mut Item) {
    let Item::Impl(imp) = item else { return };
    if crate::generate::implemented_trait(imp).is_none_or(|t| t != "Default") {
        return;
    }
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        for stmt in &mut f.block.stmts {
            let syn::Stmt::Expr(syn::Expr::Struct(init), _) = stmt else {
                continue;
            };
            for field in &mut init.fields {
                if matches!(&field.member, syn::Member::Named(name) if name == "extra") {
                    field.expr = syn::parse_quote!(Ok(Default::default()));
                }
            }
        }
    }
}

fn doc(text: &str) -> Attribute {
    if text.is_empty() {
        crate::escape::doc_attr("")
    } else {
        crate::escape::doc_attr(&format!(" {text}"))
    }
}

/// Every string literal passed to `HeaderValue::from_static`, and the one `api_version` returns
/// (passed to it in every request), made a value it takes.
struct StaticHeaderValues;

impl StaticHeaderValues {
    fn fix(expr: &mut syn::Expr) {
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = expr
        {
            let value = text.value();
            let safe = crate::escape::header_value(&value);
            if safe != value {
                *text = crate::escape::str_lit(&safe);
            }
        }
    }
}

impl VisitMut for StaticHeaderValues {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(f) = call.func.as_ref()
            && f.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "from_static")
            && f.path.segments.iter().any(|s| s.ident == "HeaderValue")
            && let Some(arg) = call.args.first_mut()
        {
            Self::fix(arg);
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if f.sig.ident == "api_version"
            && let Some(syn::Stmt::Expr(expr, None)) = f.block.stmts.last_mut()
        {
            Self::fix(expr);
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
    }
}

/// progenitor's `api-version` header (the document's `info.version`, which no bank asks for)
/// taken out of every builder's `send`: the statement that appends it, one less in the header
/// map's capacity, and the map itself when nothing else goes in it.
struct NoApiVersion;

impl NoApiVersion {
    /// Whether `stmt` is `header_map.append(HeaderName::from_static("api-version"), …);`.
    fn appends_api_version(stmt: &syn::Stmt) -> bool {
        let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
            return false;
        };
        let Some(syn::Expr::Call(name)) = call.args.first() else {
            return false;
        };
        call.method == "append"
            && matches!(name.args.first(), Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text), ..
            })) if text.value() == "api-version")
    }

    /// `let mut header_map = HeaderMap::with_capacity(N);` → `Some(&mut N)`.
    fn capacity(stmt: &mut syn::Stmt) -> Option<&mut syn::LitInt> {
        let syn::Stmt::Local(local) = stmt else {
            return None;
        };
        let syn::Pat::Ident(ident) = &local.pat else {
            return None;
        };
        if ident.ident != "header_map" {
            return None;
        }
        let init = local.init.as_mut()?;
        let syn::Expr::Call(call) = init.expr.as_mut() else {
            return None;
        };
        match call.args.first_mut() {
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            })) => Some(n),
            _ => None,
        }
    }
}

/// Replaces `<receiver>.headers(header_map)` by `<receiver>` in a request-building chain.
struct NoHeaderMap;

impl VisitMut for NoHeaderMap {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "headers"
            && matches!(call.args.first(), Some(syn::Expr::Path(p)) if p.path.is_ident("header_map"))
        {
            *expr = (*call.receiver).clone();
            self.visit_expr_mut(expr);
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

impl VisitMut for NoApiVersion {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if f.sig.ident == "send" {
            let stmts = &mut f.block.stmts;
            let before = stmts.len();
            stmts.retain(|s| !Self::appends_api_version(s));
            if stmts.len() < before
                && let Some(index) = stmts.iter_mut().position(|s| Self::capacity(s).is_some())
            {
                let left = Self::capacity(&mut stmts[index])
                    .and_then(|n| n.base10_parse::<usize>().ok())
                    .map(|n| n.saturating_sub(1));
                match left {
                    Some(0) => {
                        stmts.remove(index);
                        for stmt in stmts.iter_mut() {
                            NoHeaderMap.visit_stmt_mut(stmt);
                        }
                    }
                    Some(n) => {
                        if let Some(lit) = Self::capacity(&mut stmts[index]) {
                            *lit = syn::LitInt::new(&format!("{n}usize"), lit.span());
                        }
                    }
                    None => {}
                }
            }
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
    }
}

/// The builder an impl block is for (`builder::GetThing` → `GetThing`).
fn builder_of(imp: &syn::ItemImpl) -> Option<String> {
    match imp.self_ty.as_ref() {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Each request builder's `Client` method, by the builder's name: read from the methods
/// (`fn get_thing(&self) -> builder::GetThing<'_>`), not re-derived from the names, which
/// progenitor makes apart (`type` → `type_` and `Type`).
fn builder_methods(file: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !is_client(&imp.self_ty) {
            continue;
        }
        for item in &imp.items {
            let ImplItem::Fn(f) = item else { continue };
            let ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            let Type::Path(p) = ty.as_ref() else { continue };
            let mut segments = p.path.segments.iter();
            if let (Some(module), Some(builder), None) =
                (segments.next(), segments.next(), segments.next())
                && module.ident == "builder"
            {
                out.insert(builder.ident.to_string(), f.sig.ident.to_string());
            }
        }
    }
    out
}

/// The first paragraph of each `Client` method's doc (progenitor puts the operation's summary
/// there), by method name.
fn summaries(file: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !is_client(&imp.self_ty) {
            continue;
        }
        for item in &imp.items {
            let ImplItem::Fn(f) = item else { continue };
            let text = doc_text(&f.attrs);
            let summary = text
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .trim()
                .replace('\n', " ");
            if !summary.is_empty() && !summary.starts_with("Sends a") {
                out.insert(f.sig.ident.to_string(), summary);
            }
        }
    }
    out
}

fn is_client(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.is_ident("Client"))
}

/// The text of an item's doc attributes.
fn doc_text(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Beside a builder's `send`, an inherent `bank` that converts its result; `summary` is its
/// operation's.
fn add_bank_call(imp: &mut syn::ItemImpl, summary: Option<&String>) {
    let Some(send) = imp.items.iter().find_map(|item| match item {
        ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
        _ => None,
    }) else {
        return;
    };
    let ReturnType::Type(_, ty) = &send.sig.output else {
        return;
    };
    let Some(value) = result_value(ty) else {
        return;
    };
    let summary = summary
        .map(|s| format!(" {s}: send the request and await the answer."))
        .unwrap_or_else(|| " Send the request and await the answer.".to_owned());
    // The call path (`Context::call`, through the client's hooks) checks refusals inside a 2xx
    // (`x-refusal`) and envelope errors for every operation.
    let call = quote! { ::bank_runtime::call::call(super::SPEC.name, self.send()) };
    let body = quote! {
        #[doc = #summary]
        ///
        /// The documented answer, or one [`BankError`](::bank_runtime::BankError) labelled with
        /// this API (`SPEC.name`) for any failure: no token, no signature, no answer, a passed
        /// deadline, an error status, a refusal inside a successful answer, or an answer that
        /// does not match the document. Its `outcome()` says whether the bank may have acted.
        pub fn bank(
            self,
        ) -> impl ::std::future::Future<Output = ::std::result::Result<#value, ::bank_runtime::BankError>> + 'a {
            #call
        }
    };
    let item: ImplItem = syn::parse2(body).expect("a well-formed method");
    imp.items.push(item);
}

/// What the normaliser decided about one operation, applied to its builder's `send`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OperationNotes {
    /// Body-less 2xx statuses beside a typed one (`x-empty-success`): answered `None`.
    pub empty_success: Vec<u16>,
    /// The request body's documented media type where it is sent as text or bytes
    /// (`x-content-type`): the `Content-Type` header sent.
    pub content_type: Option<String>,
    /// Array query parameters declared `explode: false`: sent as one comma-separated pair
    /// (`bank_runtime::query::CommaSeparated`), not one pair per value.
    pub comma_separated: Vec<String>,
}

/// In `send` of a builder: the arms of body-less 2xx statuses answer `None` (the answer type is
/// `Option<T>`) instead of reading a body; a body sent as text or bytes carries its documented
/// `Content-Type` instead of `text/plain` / `application/octet-stream`; an `explode: false` array
/// query parameter goes out as one comma-separated pair.
fn apply_notes(imp: &mut syn::ItemImpl, notes: &OperationNotes) {
    struct Rewrite<'s>(&'s OperationNotes);
    impl VisitMut for Rewrite<'_> {
        fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
            if let syn::Pat::Lit(lit) = &arm.pat
                && let syn::Lit::Int(int) = &lit.lit
                && int
                    .base10_parse::<u16>()
                    .is_ok_and(|n| self.0.empty_success.contains(&n))
            {
                *arm.body = syn::parse_quote! {
                    Ok(ResponseValue::new(None, response.status(), response.headers().clone()))
                };
            }
            syn::visit_mut::visit_arm_mut(self, arm);
        }
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            // `progenitor_client::QueryParam::new("ids", &ids)` of an `explode: false` array.
            if let syn::Expr::Path(f) = call.func.as_ref()
                && f.path.segments.len() >= 2
                && f.path.segments[f.path.segments.len() - 2].ident == "QueryParam"
                && let Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                })) = call.args.first()
                && self.0.comma_separated.contains(&name.value())
            {
                *call.func = syn::parse_quote!(::bank_runtime::query::CommaSeparated::new);
            }
            // `from_static` panics on a value that is no header value: only visible ASCII.
            let media = self
                .0
                .content_type
                .as_ref()
                .filter(|m| !m.is_empty() && m.bytes().all(|b| (0x20..0x7f).contains(&b)));
            if let (Some(media), syn::Expr::Path(f)) = (media, call.func.as_ref())
                && f.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "from_static")
                && let Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                })) = call.args.first()
                && ["text/plain", "application/octet-stream"].contains(&value.value().as_str())
            {
                let media = crate::escape::str_lit(media);
                call.args[0] = syn::parse_quote!(#media);
            }
            syn::visit_mut::visit_expr_call_mut(self, call);
        }
    }
    for item in &mut imp.items {
        if let ImplItem::Fn(f) = item
            && f.sig.ident == "send"
        {
            Rewrite(notes).visit_block_mut(&mut f.block);
        }
    }
}

/// In a builder's `new`, start the client-id parameter with the client's id (`Context::client_id`)
/// instead of "not initialized"; the setter still overrides it.
fn default_client_id(imp: &mut syn::ItemImpl, name: &str) {
    let field = crate::naming::parameter_name(name);
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        if f.sig.ident != "new" {
            continue;
        }
        let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = f.block.stmts.last_mut() else {
            continue;
        };
        for value in &mut init.fields {
            if matches!(&value.member, syn::Member::Named(ident) if ident == &field) {
                let missing =
                    format!("{field} was not initialized (and the client has no client id)");
                value.expr = syn::parse_quote! {
                    ::bank_runtime::Context::client_id(ClientInfo::inner(client))
                        .map(::std::borrow::ToOwned::to_owned)
                        .ok_or_else(|| #missing.to_string())
                };
            }
        }
    }
}

/// `T` of `Result<ResponseValue<T>, Error<E>>`.
fn result_value(ty: &Type) -> Option<Type> {
    let args = |ty: &Type, name: &str| -> Option<Vec<Type>> {
        let Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            return None;
        };
        Some(
            a.args
                .iter()
                .filter_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t.clone()),
                    _ => None,
                })
                .collect(),
        )
    };
    let outer = args(ty, "Result")?;
    let [ok, _] = outer.as_slice() else {
        return None;
    };
    args(ok, "ResponseValue")?.into_iter().next()
}
