//! `pub mod error_codes` of a generated crate: the bank's error table (`x-error-codes`, numbered
//! or named codes) as an enum that keeps the codes it does not list, read from any error of the
//! API that carries the bank's code (`BankError::code_of`).

use std::path::Path;

use bank_openapi::ext;
use quote::quote;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::naming;

/// A code as the table writes it: a number (BaaS: `1001`) or a name (Globus: `CLIENT_NOT_FOUND`).
#[derive(PartialEq)]
enum Code {
    Number(i64),
    Text(String),
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Code::Number(n) => write!(f, "{n}"),
            Code::Text(t) => f.write_str(t),
        }
    }
}

/// One row of a schema's `x-error-codes` table.
struct ErrorCodeRow {
    code: Code,
    name: String,
    group: String,
    message: String,
}

/// `pub mod error_codes`: when a component schema carries `x-error-codes` (the bank's numbered
/// error table, each row `{code, name, group, message}`), an enum with one variant per row and
/// `Unlisted(code)` for the rest, so a new code from the bank is kept, not lost. Without a table
/// every code is `Unlisted`.
pub(super) fn error_code_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let found = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find_map(|(name, s)| s.get(ext::ERROR_CODES).map(|t| (name.as_str(), t)));
    let empty = Value::Array(Vec::new());
    let (schema, table) = found.unwrap_or(("", &empty));
    let pointer = format!(
        "/components/schemas/{}/{}",
        crate::load::escape_pointer(schema),
        ext::ERROR_CODES
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
        let code = match row.get("code") {
            Some(Value::Number(n)) => n.as_i64().map(Code::Number),
            Some(Value::String(t)) if !t.is_empty() => Some(Code::Text(t.clone())),
            _ => None,
        }
        .ok_or_else(|| invalid(at.clone(), "`code` must be an integer or a name".into()))?;
        if parsed.first().is_some_and(|first| {
            matches!(first.code, Code::Number(_)) != matches!(code, Code::Number(_))
        }) {
            return Err(invalid(
                at,
                "the codes must be all numbers or all names".into(),
            ));
        }
        // A named code gives its variant (`CLIENT_NOT_FOUND` → `ClientNotFound`) unless the row
        // names one; a number needs the row's name.
        let name = match (&code, row.get("name")) {
            (Code::Text(t), None) => naming::type_name(&t.to_lowercase()),
            _ => text("name")?,
        };
        if !name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            || !name.chars().all(|c| c.is_ascii_alphanumeric())
            || name == "Unlisted"
            || naming::rust_ident(&name).is_err()
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
    let idents: Vec<_> = parsed
        .iter()
        .enumerate()
        .map(|(i, r)| {
            naming::ident_or_reason(&r.name, "name")
                .map_err(|message| invalid(format!("{pointer}/{i}"), message))
        })
        .collect::<Result<_>>()?;
    let docs = parsed
        .iter()
        .map(|r| format!("`{}` ({}): {}", r.code, r.group, r.message));
    let named = parsed
        .first()
        .is_some_and(|r| matches!(r.code, Code::Text(_)));
    let codes: Vec<proc_macro2::Literal> = parsed
        .iter()
        .map(|r| match &r.code {
            Code::Number(n) => proc_macro2::Literal::i64_unsuffixed(*n),
            Code::Text(t) => proc_macro2::Literal::string(t),
        })
        .collect();
    let groups = parsed.iter().map(|r| r.group.as_str());
    let messages = parsed.iter().map(|r| r.message.as_str());
    let names = parsed.iter().map(|r| r.name.as_str());
    let module_doc = if schema.is_empty() {
        "The bank's error codes: the spec has no `x-error-codes` table, so every code is `Unlisted`."
            .to_owned()
    } else {
        format!("The error codes of `{schema}`, from the spec's `x-error-codes`.")
    };
    let groups: Vec<&str> = groups.collect();
    let messages: Vec<&str> = messages.collect();
    let names: Vec<&str> = names.collect();
    let docs: Vec<String> = docs.collect();
    let table = Table {
        idents: &idents,
        docs: &docs,
        codes: &codes,
        names: &names,
        groups: &groups,
        messages: &messages,
    };
    let body = if named {
        named_codes(&table)
    } else {
        numbered_codes(&table)
    };
    Ok(quote! {
        #[doc = #module_doc]
        pub mod error_codes {
            #body

            impl ::bank_runtime::ApiErrorCode for ErrorCode {
                const API: &'static str = super::SPEC.name;

                fn parse(code: &str) -> ::std::option::Option<Self> {
                    Self::parse_code(code)
                }
            }
        }
        pub use error_codes::ErrorCode;
    })
}

/// A parsed table, row by row, as the templates interpolate it.
struct Table<'a> {
    idents: &'a [proc_macro2::Ident],
    docs: &'a [String],
    codes: &'a [proc_macro2::Literal],
    names: &'a [&'a str],
    groups: &'a [&'a str],
    messages: &'a [&'a str],
}

/// The enum of a numbered table (`Unlisted(i64)`, `Copy`).
fn numbered_codes(table: &Table<'_>) -> proc_macro2::TokenStream {
    let Table {
        idents,
        docs,
        codes,
        names,
        groups,
        messages,
    } = table;
    quote! {
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

                /// The code as the bank writes it in an error (`None` when it is no number).
                fn parse_code(code: &str) -> ::std::option::Option<Self> {
                    code.trim().parse::<i64>().ok().map(ErrorCode::from_code)
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

                /// The bank's code in an error of this API: a refusal, an error status with the
                /// bank's error body, an envelope error (the same as
                /// [`BankError::code_of`](::bank_runtime::BankError::code_of)); `None` for any
                /// other error, or one of another API.
                pub fn of(error: &::bank_runtime::BankError) -> Option<Self> {
                    error.code_of::<Self>()
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
}

/// The enum of a table of named codes (`Unlisted(String)`).
fn named_codes(table: &Table<'_>) -> proc_macro2::TokenStream {
    let Table {
        idents,
        docs,
        codes,
        names,
        groups,
        messages,
    } = table;
    quote! {
            /// A bank error code: one variant per documented code, `Unlisted` for any other (kept
            /// as sent, so a code the bank adds later is not lost).
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum ErrorCode {
                #( #[doc = #docs] #idents, )*
                /// A code the spec does not list, as sent.
                Unlisted(::std::string::String),
            }

            impl ErrorCode {
                /// Every documented code, in the spec's order.
                pub const KNOWN: &[ErrorCode] = &[#(ErrorCode::#idents),*];

                /// The variant for a code as the bank sends it.
                pub fn from_code(code: &str) -> Self {
                    match code {
                        #( #codes => ErrorCode::#idents, )*
                        other => ErrorCode::Unlisted(other.to_owned()),
                    }
                }

                /// The code as the bank writes it in an error.
                fn parse_code(code: &str) -> ::std::option::Option<Self> {
                    ::std::option::Option::Some(ErrorCode::from_code(code))
                }

                /// The code as the bank sends it (`CLIENT_NOT_FOUND`).
                pub fn code(&self) -> &str {
                    match self {
                        #( ErrorCode::#idents => #codes, )*
                        ErrorCode::Unlisted(code) => code,
                    }
                }

                /// The variant's name (`Unlisted` for codes the spec does not list).
                pub fn name(&self) -> &'static str {
                    match self {
                        #( ErrorCode::#idents => #names, )*
                        ErrorCode::Unlisted(_) => "Unlisted",
                    }
                }

                /// The group the table files the code under; `None` when unlisted.
                pub fn group(&self) -> Option<&'static str> {
                    match self {
                        #( ErrorCode::#idents => Some(#groups), )*
                        ErrorCode::Unlisted(_) => None,
                    }
                }

                /// The message the table documents for the code (the bank's actual message may
                /// differ). `None` when unlisted.
                pub fn documented_message(&self) -> Option<&'static str> {
                    match self {
                        #( ErrorCode::#idents => Some(#messages), )*
                        ErrorCode::Unlisted(_) => None,
                    }
                }

                /// Whether the spec lists this code.
                pub fn is_known(&self) -> bool {
                    !matches!(self, ErrorCode::Unlisted(_))
                }

                /// The bank's code in an error of this API: a refusal, an error status with the
                /// bank's error body, an envelope error (the same as
                /// [`BankError::code_of`](::bank_runtime::BankError::code_of)); `None` for any
                /// other error, or one of another API.
                pub fn of(error: &::bank_runtime::BankError) -> Option<Self> {
                    error.code_of::<Self>()
                }
            }

            impl ::std::fmt::Display for ErrorCode {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.code())
                }
            }

            impl From<&str> for ErrorCode {
                fn from(code: &str) -> Self {
                    ErrorCode::from_code(code)
                }
            }
    }
}
