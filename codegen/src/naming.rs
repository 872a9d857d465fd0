//! Rust naming in the generator, one home for every name generated code gives a document's
//! names: whether a text is an identifier ([`rust_ident`]), the renames progenitor and typify make
//! (methods, parameters, builders, types and enum variants, fields, operation constants), and the
//! names this generator makes itself (environment constants, the tolerant enums' catch-all
//! variant, inline types, example tests). Deterministic, and never a panic on any input.

use std::collections::BTreeSet;
use std::fmt;

use proc_macro2::{Ident, Span};
use quote::format_ident;

use crate::escape::line_comment;

/// Why a text is not a Rust identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentError {
    /// The text is empty.
    Empty,
    /// It starts with a character no identifier starts with (a digit, punctuation).
    BadStart(char),
    /// It holds a character no identifier holds (punctuation, a space, a control character).
    BadChar(char),
    /// A keyword that cannot be a raw identifier either (`self`, `Self`, `super`, `crate`, `_`).
    Reserved(String),
}

impl fmt::Display for IdentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentError::Empty => write!(f, "it is empty"),
            IdentError::BadStart(c) => write!(f, "it starts with {c:?}"),
            IdentError::BadChar(c) => write!(f, "it holds {c:?}"),
            IdentError::Reserved(k) => write!(f, "`{k}` is a Rust keyword that cannot be raw"),
        }
    }
}

impl std::error::Error for IdentError {}

/// Keywords (strict and reserved, edition 2024) that are identifiers only as raw ones (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be identifiers at all, raw or not.
const UNRAWABLE: &[&str] = &["self", "Self", "super", "crate", "_"];

/// `text` as a Rust identifier: as it is when it is one, raw (`r#type`) when it is a keyword that
/// can be raw, an error saying why otherwise (never a panic).
pub fn rust_ident(text: &str) -> Result<Ident, IdentError> {
    let mut chars = text.chars();
    let first = chars.next().ok_or(IdentError::Empty)?;
    if UNRAWABLE.contains(&text) {
        return Err(IdentError::Reserved(text.to_owned()));
    }
    if !(unicode_ident::is_xid_start(first) || first == '_') {
        return Err(IdentError::BadStart(first));
    }
    if let Some(bad) = chars.find(|c| !unicode_ident::is_xid_continue(*c)) {
        return Err(IdentError::BadChar(bad));
    }
    if RAW_KEYWORDS.contains(&text) {
        Ok(Ident::new_raw(text, Span::call_site()))
    } else {
        Ok(Ident::new(text, Span::call_site()))
    }
}

/// Whether typify and progenitor take `name` as an identifier as it is (not a keyword; they add
/// `_` to one): typify's `accept_as_ident`.
fn accepted(name: &str) -> bool {
    name != "_" && !RAW_KEYWORDS.contains(&name) && !UNRAWABLE.contains(&name)
}

/// The two cases generated names come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// `snake_case`.
    Snake,
    /// `PascalCase`.
    Pascal,
}

impl Case {
    /// `text` in this case (heck's conversion, as progenitor and typify use it).
    fn apply(self, text: &str) -> String {
        match self {
            Case::Snake => heck::ToSnakeCase::to_snake_case(text),
            Case::Pascal => heck::ToPascalCase::to_pascal_case(text),
        }
    }
}

/// The name as written, in `case`: apostrophes dropped, characters no identifier holds as word
/// breaks. What a reader expects the name to become.
pub(crate) fn plain(text: &str, case: Case) -> String {
    case.apply(
        &text
            .replace('\'', "")
            .replace(|c| !unicode_ident::is_xid_continue(c), "-"),
    )
}

/// typify's and progenitor's `sanitize`: [`plain`], then `prefix` before a name that cannot
/// start an identifier (or stands for an empty one) and `_` after a keyword.
fn sanitize(text: &str, case: Case, prefix: &str) -> String {
    let out = match text {
        "+1" => case.apply("plus1"),
        "-1" => case.apply("minus1"),
        _ => plain(text, case),
    };
    let out = match out.chars().next() {
        None => case.apply("x"),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("{prefix}{out}"),
    };
    if accepted(&out) {
        out
    } else {
        format!("{out}_")
    }
}

/// The method progenitor gives an operation (and reports to the hooks): its `operationId` in
/// snake case, `_` before one that cannot start an identifier (`1stCall` → `_1st_call`), `_`
/// after a keyword (`type` → `type_`).
pub fn method_name(operation_id: &str) -> String {
    sanitize(operation_id, Case::Snake, "_")
}

/// The name progenitor gives a parameter (its builder method and field: `appid`, `type` →
/// `type_`).
pub fn parameter_name(name: &str) -> String {
    sanitize(name, Case::Snake, "_")
}

/// The request builder progenitor gives an operation (`builder::GetThing`; `1stCall` →
/// `_1stCall`).
pub fn builder_name(operation_id: &str) -> String {
    sanitize(operation_id, Case::Pascal, "_")
}

/// The Rust name typify gives a component schema, an enum value's variant or a merchant action
/// (`httperror.Details` → `HttperrorDetails`, `1st` → `X1st`, `Self` → `Self_`).
pub fn type_name(name: &str) -> String {
    sanitize(name, Case::Pascal, "X")
}

/// The field typify gives a property (`amountDue` → `amount_due`, `type` → `type_`, `1st` →
/// `x1st`).
pub fn field_name(name: &str) -> String {
    sanitize(name, Case::Snake, "x")
}

/// The constant an operation's id gets in `operations` (`createOrder` → `CREATE_ORDER`,
/// `1stCall` → `_1ST_CALL`): its method name in upper case (no keyword is upper case).
pub fn constant_name(operation_id: &str) -> String {
    let method = method_name(operation_id);
    let upper = method.to_uppercase();
    match upper.strip_suffix('_') {
        // `type_` was a keyword's escape; `TYPE` is none.
        Some(stem) if method.strip_suffix('_').is_some_and(|m| !accepted(m)) => stem.to_owned(),
        _ => upper,
    }
}

/// Why `name` became `renamed` rather than its plain case conversion (for the recorded choice).
pub(crate) fn rename_reason(name: &str, renamed: &str, case: Case) -> String {
    let plain = plain(name, case);
    if matches!(name, "+1" | "-1") {
        format!("`{name}` is written out")
    } else if plain.is_empty() {
        format!("`{}` has no letters", line_comment(name))
    } else if !accepted(&plain) {
        format!("`{plain}` is a Rust keyword")
    } else if plain
        .chars()
        .next()
        .is_some_and(|c| !unicode_ident::is_xid_start(c))
    {
        format!(
            "`{}` starts with {:?}",
            line_comment(name),
            plain.chars().next().unwrap_or('?')
        )
    } else {
        format!("`{}` is not `{renamed}` as written", line_comment(name))
    }
}

/// `name` as an identifier of generated code, or the text of the error saying why it cannot be
/// a Rust `what` (`name`, `type name`).
pub fn ident_or_reason(name: &str, what: &str) -> Result<Ident, String> {
    rust_ident(name).map_err(|e| format!("`{}` cannot be a Rust {what}: {e}", line_comment(name)))
}

/// The constant a server's environment gets in `servers` (`alternative-production` →
/// `ALTERNATIVE_PRODUCTION`).
pub fn environment_constant(environment: &str) -> String {
    environment.replace(['-', ' '], "_").to_uppercase()
}

/// The name typify suggests for the inline schema of `property` of the type `parent` (before
/// [`type_name`]: `Payment` and `cardHolder` → `Payment_card_holder`).
pub fn inline_type_name(parent: &str, property: &str) -> String {
    format!("{parent}_{}", heck::ToSnakeCase::to_snake_case(property))
}

/// The catch-all variant's name: `Unknown`, unless the enum already lists a value named so
/// (`unknown`); then `UnknownValue`, `UnknownValue2`, … — the first that does not clash.
pub fn catch_all_variant(idents: &[&syn::Ident]) -> syn::Ident {
    let taken = |name: &str| idents.iter().any(|i| *i == name);
    if !taken("Unknown") {
        return format_ident!("Unknown");
    }
    let mut n = 1;
    loop {
        let name = if n == 1 {
            "UnknownValue".to_owned()
        } else {
            format!("UnknownValue{n}")
        };
        if !taken(&name) {
            return format_ident!("{name}");
        }
        n += 1;
    }
}

/// The name of an example's test: its label in snake case (`POST /orders 200 response` →
/// `post_orders_200_response`), `_` added until it is unused; `example_` before one that would
/// not be an identifier.
pub fn example_test_name(label: &str, seen: &mut BTreeSet<String>) -> proc_macro2::Ident {
    let mut name: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if rust_ident(&name).is_err() {
        name = format!("example_{name}");
    }
    while !seen.insert(name.clone()) {
        name.push('_');
    }
    // Only ASCII letters, digits and `_`, starting with a letter: always an identifier.
    rust_ident(&name)
        .unwrap_or_else(|_| proc_macro2::Ident::new("example", proc_macro2::Span::call_site()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_validated_or_refused_never_panicking() {
        assert_eq!(
            rust_ident("order").map(|i| i.to_string()),
            Ok("order".into())
        );
        assert_eq!(
            rust_ident("type").map(|i| i.to_string()),
            Ok("r#type".into())
        );
        assert_eq!(rust_ident("1stCall"), Err(IdentError::BadStart('1')));
        assert_eq!(rust_ident("a-b"), Err(IdentError::BadChar('-')));
        assert_eq!(rust_ident(""), Err(IdentError::Empty));
        for reserved in ["self", "Self", "super", "crate", "_"] {
            assert!(matches!(rust_ident(reserved), Err(IdentError::Reserved(_))));
        }
    }

    #[test]
    fn renames_follow_progenitor_and_typify() {
        assert_eq!(method_name("getThing"), "get_thing");
        assert_eq!(method_name("1stCall"), "_1st_call");
        assert_eq!(method_name("type"), "type_");
        assert_eq!(method_name("self"), "self_");
        assert_eq!(method_name(""), "x");
        assert_eq!(builder_name("1stCall"), "_1stCall");
        assert_eq!(constant_name("createOrder"), "CREATE_ORDER");
        assert_eq!(constant_name("type"), "TYPE");
        assert_eq!(constant_name("1stCall"), "_1ST_CALL");
        assert_eq!(type_name("httperror.Details"), "HttperrorDetails");
        assert_eq!(type_name("1st"), "X1st");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(field_name("type"), "type_");
        for name in [
            "1stCall", "type", "fn", "self", "Self", "\u{202E}", "", "a\nb",
        ] {
            for made in [
                method_name(name),
                builder_name(name),
                constant_name(name),
                type_name(name),
                field_name(name),
            ] {
                assert!(rust_ident(&made).is_ok(), "{name:?} → {made:?}");
            }
        }
    }

    #[test]
    fn the_catch_all_never_clashes_with_a_listed_value() {
        let id = |s: &str| format_ident!("{s}");
        let (a, unknown, value) = (id("Active"), id("Unknown"), id("UnknownValue"));
        assert_eq!(catch_all_variant(&[&a]), "Unknown");
        assert_eq!(catch_all_variant(&[&a, &unknown]), "UnknownValue");
        assert_eq!(catch_all_variant(&[&unknown, &value]), "UnknownValue2");
    }
}
