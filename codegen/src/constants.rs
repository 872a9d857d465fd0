//! Constants a generated crate carries beside progenitor's client, each read from one place in
//! the normalised spec so that the hand-written layer never repeats a bank fact:
//! `servers` (base URLs per environment), `auth` (token URL, grant, scopes), `signing` (which
//! bodies to sign), `retry` (which POSTs are safe to repeat) and `error_codes` (the bank's
//! numbered error table as an enum).

use std::path::Path;

use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::paths::operations;

/// Every constant module of a generated crate, in a stable order.
pub fn tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let servers = server_tokens(doc);
    let signing = signing_tokens(doc);
    let auth = auth_tokens(doc);
    let retry = retry_tokens(doc);
    let error_codes = error_code_tokens(path, doc)?;
    Ok(quote! { #servers #signing #auth #retry #error_codes })
}

/// `pub mod servers`: one constant per server of the document, named by its `x-environment`
/// (added by a fix where the bank names none), plus `ALL`.
fn server_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let mut items = Vec::new();
    let mut names = Vec::new();
    for (i, server) in doc
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(template) = server.get("url").and_then(Value::as_str) else {
            continue;
        };
        // `https://{host}` → the variable's default, as the spec defines it.
        let mut url = template.to_owned();
        for (name, var) in server
            .get("variables")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
        let url = url.as_str();
        let env = server
            .get("x-environment")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("server-{i}"));
        let ident = format_ident!("{}", env.replace(['-', ' '], "_").to_uppercase());
        let mut doc_line = format!("`{env}`: {url}");
        if let Some(d) = server.get("description").and_then(Value::as_str) {
            doc_line.push_str("\n\n");
            doc_line.push_str(d);
        }
        items.push(quote! {
            #[doc = #doc_line]
            pub const #ident: &str = #url;
        });
        names.push((env, ident));
    }
    let pairs = names.iter().map(|(env, ident)| quote! { (#env, #ident) });
    quote! {
        /// Base URLs of this API per environment, from the spec's `servers` (path stem included).
        pub mod servers {
            #(#items)*
            /// Every environment as `(name, base URL)`, in the spec's order.
            pub const ALL: &[(&str, &str)] = &[#(#pairs),*];
        }
    }
}

/// `pub mod auth` when the spec declares an OAuth2 flow (client credentials, or password): its
/// token URL (absolute, or relative to the base URL), the grant and the scopes.
fn auth_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let flows = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|s| s.get("flows").and_then(Value::as_object))
        .flat_map(|flows| flows.iter());
    let Some((grant, flow)) = flows
        .into_iter()
        .find(|(name, _)| matches!(name.as_str(), "clientCredentials" | "password"))
    else {
        return quote! {};
    };
    let grant = match grant.as_str() {
        "password" => "password",
        _ => "client_credentials",
    };
    let url = flow
        .get("tokenUrl")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scopes: Vec<&str> = flow
        .get("scopes")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    quote! {
        /// OAuth2 as the spec declares it.
        pub mod auth {
            /// The token endpoint: a full URL, or a path on the API's base URL when it starts with `/`.
            pub const TOKEN_URL: &str = #url;
            /// The grant type (`client_credentials` or `password`).
            pub const GRANT: &str = #grant;
            /// The scopes of this API.
            pub const SCOPES: &[&str] = &[#(#scopes),*];
        }
    }
}

/// `pub mod signing` when operations carry `x-signature-header` (set by a fix): the header and
/// the operation ids whose request body the runtime must sign.
fn signing_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let mut header = None;
    let mut names = Vec::new();
    for op in operations(doc) {
        if let (Some(h), Some(id)) = (
            op.op.get("x-signature-header").and_then(Value::as_str),
            op.op.get("operationId").and_then(Value::as_str),
        ) {
            header = Some(h.to_owned());
            names.push(method_name(id));
        }
    }
    let Some(header) = header else {
        return quote! {};
    };
    quote! {
        /// Operations whose request body must be signed, from the spec (`x-signature-header`).
        pub mod signing {
            /// The header that carries the signature.
            pub const HEADER: &str = #header;
            /// Operations whose body is signed, named as the hooks see them (the method names).
            pub const OPERATIONS: &[&str] = &[#(#names),*];
        }
    }
}

/// `pub mod retry` when operations other than GET are marked `x-idempotent: true` (read-only
/// lookups a bank takes as POST): the runtime may repeat them like a GET.
fn retry_tokens(doc: &Value) -> proc_macro2::TokenStream {
    let names: Vec<String> = operations(doc)
        .filter(|op| op.op.get("x-idempotent").and_then(Value::as_bool) == Some(true))
        .filter_map(|op| op.op.get("operationId").and_then(Value::as_str))
        .map(method_name)
        .collect();
    if names.is_empty() {
        return quote! {};
    }
    quote! {
        /// Which operations are safe to repeat besides GET, from the spec (`x-idempotent`).
        pub mod retry {
            /// Operations a retry may send again, named as the hooks see them (the method names).
            pub const IDEMPOTENT_OPERATIONS: &[&str] = &[#(#names),*];
        }
    }
}

/// The method name progenitor gives an operation, which is also what it reports to the hooks.
fn method_name(operation_id: &str) -> String {
    heck::ToSnakeCase::to_snake_case(operation_id)
}

/// One row of a schema's `x-error-codes` table.
struct ErrorCodeRow {
    code: i64,
    name: String,
    group: String,
    message: String,
}

/// `pub mod error_codes` when a component schema carries `x-error-codes` (the bank's numbered
/// error table, each row `{code, name, group, message}`): an enum with one variant per row and
/// `Unlisted(code)` for the rest, so a new code from the bank is kept, not lost.
fn error_code_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let Some((schema, table)) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find_map(|(name, s)| s.get("x-error-codes").map(|t| (name, t)))
    else {
        return Ok(quote! {});
    };
    let pointer = format!(
        "/components/schemas/{}/x-error-codes",
        crate::load::escape_pointer(schema)
    );
    let invalid = |at: String, message: String| Error::Invalid {
        path: path.to_path_buf(),
        pointer: at,
        message,
    };
    let rows = table.as_array().ok_or_else(|| {
        invalid(
            pointer.clone(),
            "must be a list of {code, name, group, message}".into(),
        )
    })?;
    let mut parsed: Vec<ErrorCodeRow> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let at = format!("{pointer}/{i}");
        let text = |key: &str| {
            row.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| invalid(at.clone(), format!("`{key}` must be a string")))
        };
        let code = row
            .get("code")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid(at.clone(), "`code` must be an integer".into()))?;
        let name = text("name")?;
        if !name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            || !name.chars().all(|c| c.is_ascii_alphanumeric())
            || name == "Unlisted"
        {
            return Err(invalid(
                at,
                format!("`name` {name:?} must be a PascalCase identifier other than `Unlisted`"),
            ));
        }
        if let Some(dup) = parsed.iter().find(|r| r.code == code || r.name == name) {
            return Err(invalid(
                at,
                format!(
                    "code {code} / name {name} repeats row code {} / name {}",
                    dup.code, dup.name
                ),
            ));
        }
        parsed.push(ErrorCodeRow {
            code,
            name,
            group: text("group")?,
            message: text("message")?,
        });
    }
    let idents: Vec<_> = parsed.iter().map(|r| format_ident!("{}", r.name)).collect();
    let docs = parsed
        .iter()
        .map(|r| format!("`{}` ({}): {}", r.code, r.group, r.message));
    let codes: Vec<_> = parsed
        .iter()
        .map(|r| proc_macro2::Literal::i64_unsuffixed(r.code))
        .collect();
    let groups = parsed.iter().map(|r| r.group.as_str());
    let messages = parsed.iter().map(|r| r.message.as_str());
    let names = parsed.iter().map(|r| r.name.as_str());
    let module_doc = format!("The error codes of `{schema}`, from the spec's `x-error-codes`.");
    Ok(quote! {
        #[doc = #module_doc]
        pub mod error_codes {
            /// A bank error code: one variant per documented code, `Unlisted` for any other (kept
            /// as sent, so a code the bank adds later is not lost).
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum ErrorCode {
                #( #[doc = #docs] #idents, )*
                /// A code the spec does not list.
                Unlisted(i64),
            }

            impl ErrorCode {
                /// Every documented code, in the spec's order.
                pub const KNOWN: &[ErrorCode] = &[#(ErrorCode::#idents),*];

                /// The variant for a code as the bank sends it.
                pub fn from_code(code: i64) -> Self {
                    match code {
                        #( #codes => ErrorCode::#idents, )*
                        other => ErrorCode::Unlisted(other),
                    }
                }

                /// The numeric code.
                pub fn code(self) -> i64 {
                    match self {
                        #( ErrorCode::#idents => #codes, )*
                        ErrorCode::Unlisted(code) => code,
                    }
                }

                /// The variant's name (`Unlisted` for codes the spec does not list).
                pub fn name(self) -> &'static str {
                    match self {
                        #( ErrorCode::#idents => #names, )*
                        ErrorCode::Unlisted(_) => "Unlisted",
                    }
                }

                /// The group the bank files the code under (`system`, `business`); `None` when unlisted.
                pub fn group(self) -> Option<&'static str> {
                    match self {
                        #( ErrorCode::#idents => Some(#groups), )*
                        ErrorCode::Unlisted(_) => None,
                    }
                }

                /// The message the bank documents for the code (a template; the bank's actual
                /// message may fill in details). `None` when unlisted.
                pub fn documented_message(self) -> Option<&'static str> {
                    match self {
                        #( ErrorCode::#idents => Some(#messages), )*
                        ErrorCode::Unlisted(_) => None,
                    }
                }

                /// Whether the spec lists this code.
                pub fn is_known(self) -> bool {
                    !matches!(self, ErrorCode::Unlisted(_))
                }
            }

            impl ::std::fmt::Display for ErrorCode {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    write!(f, "{} ({})", self.code(), self.name())
                }
            }

            impl From<i64> for ErrorCode {
                fn from(code: i64) -> Self {
                    ErrorCode::from_code(code)
                }
            }

            impl From<i32> for ErrorCode {
                fn from(code: i32) -> Self {
                    ErrorCode::from_code(i64::from(code))
                }
            }
        }
    })
}
