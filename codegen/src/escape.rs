//! Document text on its way into generated Rust: one function per place where it lands, so that
//! the generated code holds only what the generator meant, whatever a bank's document says.
//!
//! - a `//` line comment: [`line_comment`] (one line, nothing after it becomes code);
//! - a doc string: [`doc_text`] and [`doc_attr`] (line breaks as `\n` only, no bare CR, no
//!   control characters, no bidirectional controls that could reorder the source as shown);
//! - a string literal: [`str_lit`] (escaped by construction, never `format!`ed into source) and
//!   [`raw_str_lit`] with [`json_for_source`] for embedded JSON; [`header_value`] for one the
//!   generated code sends as a header (`HeaderValue::from_static` panics on others);
//! - an identifier: [`crate::naming`] validates and renames deterministically the way
//!   progenitor and typify do, and [`record_renamed_identifiers`] records every rename a user sees
//!   as a normalisation choice;
//! - a regular expression: the generated mocks pass path values to the runtime
//!   (`bank_runtime::mock::match_path`), which escapes them; [`path_template`] splits a path into
//!   the text and parameters it matches.
//!
//! Nothing here panics on any input.

use bank_openapi::ext;
use proc_macro2::{Literal, Span};
use serde_json::Value;

use crate::load::escape_pointer;
use crate::naming::{
    Case, builder_name, constant_name, field_name, method_name, plain, rename_reason, type_name,
};
use crate::normalize::record;

/// The Unicode bidirectional controls (U+202A–U+202E, U+2066–U+2069): text holding them can be
/// shown in another order than the compiler reads it, and rustc refuses them in comments and
/// literals (`text_direction_codepoint_in_comment`, `…_in_literal`).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that must not stand as they are in generated source: control characters other
/// than `\n` and `\t` (a bare CR is an error in a doc comment; escapes reach a reader's terminal),
/// the line and paragraph separators (shown as line breaks, read as nothing) and the
/// bidirectional controls.
pub fn is_unsafe_in_source(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || is_bidi_control(c)
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A character written as its escape, visibly: `\u{202E}`.
fn shown(c: char) -> String {
    format!("\\u{{{:X}}}", u32::from(c))
}

/// Text for a `//` line comment: one line (CR, LF, NEL, the line and paragraph separators, vertical
/// tab and form feed become a space), every other unsafe character shown as its escape.
pub fn line_comment(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{B}' | '\u{C}' => " ".to_owned(),
            c if is_unsafe_in_source(c) => shown(c),
            c => c.to_string(),
        })
        .collect()
}

/// Text for a doc string: line breaks become `\n` (CRLF, CR, NEL and the line separator one
/// break, the paragraph separator a blank line), every other unsafe character is shown as its
/// escape. prettyplease prints a doc string as a `///` or `/** */` comment only when it can hold
/// the text, so after this nothing in a doc string ends its comment or hides from a reader.
pub fn doc_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{85}' | '\u{2028}' => out.push('\n'),
            '\u{2029}' => out.push_str("\n\n"),
            c if is_unsafe_in_source(c) => out.push_str(&shown(c)),
            c => out.push(c),
        }
    }
    out
}

/// A `#[doc = "…"]` attribute holding `text` as [`doc_text`] makes it, in a string literal.
pub fn doc_attr(text: &str) -> syn::Attribute {
    let text = str_lit(&doc_text(text));
    syn::parse_quote!(#[doc = #text])
}

/// A string literal whose value is exactly `text`: quotes, backslashes, line breaks, control and
/// bidirectional characters escaped by construction.
pub fn str_lit(text: &str) -> syn::LitStr {
    syn::LitStr::new(text, Span::call_site())
}

/// A raw string literal (`r#"…"#`, with as many `#` as `text` needs) whose value is `text`, when
/// a raw string can hold it readably; otherwise (a CR, a control or bidirectional character) the
/// escaped literal of [`str_lit`].
pub fn raw_str_lit(text: &str) -> Literal {
    if !text.chars().any(is_unsafe_in_source) {
        let mut n = 1;
        while text.contains(&format!("\"{}", "#".repeat(n))) {
            n += 1;
        }
        let hashes = "#".repeat(n);
        if let Ok(literal) = format!("r{hashes}\"{text}\"{hashes}").parse::<Literal>() {
            return literal;
        }
    }
    Literal::string(text)
}

/// Text for a header value the generated code sends with `HeaderValue::from_static` (which panics
/// on anything else): visible ASCII and spaces kept, every other character `-`.
pub fn header_value(text: &str) -> String {
    text.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '-' })
        .collect()
}

/// `value` as pretty JSON for a raw string in generated source: every character unsafe in source
/// (which can only stand inside a JSON string) written as its JSON escape (`\u202e`), so the
/// text reads back as the same value.
pub fn json_for_source(value: &Value) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c != '\n' && is_unsafe_in_source(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A piece of a path template as progenitor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPiece {
    /// Text matched as written (`/orders/`).
    Text(String),
    /// A parameter (`{id}`), by its name.
    Parameter(String),
}

/// A path template split as progenitor splits it (its `template::parse`: a `/` that follows one
/// is dropped); `None` for one it refuses (no leading `/`, a `}` outside a parameter, an
/// unterminated one).
pub fn path_template(template: &str) -> Option<Vec<PathPiece>> {
    let rest = template.strip_prefix('/')?;
    let mut out = Vec::new();
    let mut text = "/".to_owned();
    let mut parameter: Option<String> = None;
    for c in rest.chars() {
        match parameter.as_mut() {
            Some(name) if c == '}' => {
                if name.contains(['/', '{']) {
                    return None;
                }
                out.push(PathPiece::Parameter(std::mem::take(name)));
                parameter = None;
            }
            Some(name) => name.push(c),
            None if c == '{' => {
                if !text.is_empty() {
                    out.push(PathPiece::Text(std::mem::take(&mut text)));
                }
                parameter = Some(String::new());
            }
            None if c == '}' => return None,
            None if c == '/' && text.ends_with('/') => {}
            None => text.push(c),
        }
    }
    if parameter.is_some() {
        return None;
    }
    if !text.is_empty() {
        out.push(PathPiece::Text(text));
    }
    Some(out)
}

/// The segments of a JSON pointer read as a schema walk reads them: whether the object at `at`
/// is a `properties` map (its keys are property names), and whether it lies inside an example.
fn schema_place(at: &str) -> (bool, bool) {
    let mut name_next = false;
    let mut last_properties = false;
    let mut in_example = false;
    for segment in at.split('/').skip(1) {
        if name_next {
            name_next = false;
            last_properties = false;
            continue;
        }
        last_properties = segment == "properties";
        name_next = last_properties
            || matches!(
                segment,
                "paths"
                    | "schemas"
                    | "responses"
                    | "parameters"
                    | "requestBodies"
                    | "headers"
                    | "content"
                    | "securitySchemes"
                    | "callbacks"
                    | "links"
            );
        in_example |= matches!(segment, "example" | "examples" | ext::EXAMPLES);
    }
    (last_properties, in_example)
}

/// Record, as normalisation choices, every name the generated code gives a document name that is
/// not the name's plain case conversion — an `operationId` that is a keyword or starts with a
/// digit (the method, its builder and its constant), a component schema's type, a string enum's
/// variant, a property's field, a merchant action's variant: `at` is the name's place, the
/// choice names the Rust name and why.
pub fn record_renamed_identifiers(doc: &mut Value) {
    let mut found: Vec<(String, String)> = Vec::new();
    for op in crate::paths::operations(doc) {
        let Some(id) = op.id() else { continue };
        let method = method_name(id);
        if method != plain(id, Case::Snake) {
            found.push((
                format!("{}/operationId", op.pointer()),
                format!(
                    "method `{method}`, builder `builder::{}`, constant `operations::{}`: {}",
                    builder_name(id),
                    constant_name(id),
                    rename_reason(id, &method, Case::Snake)
                ),
            ));
        }
    }
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("/components/schemas/{}", escape_pointer(name));
        let ty = type_name(name);
        if ty != plain(name, Case::Pascal) {
            found.push((
                at.clone(),
                format!(
                    "type `types::{ty}`: {}",
                    rename_reason(name, &ty, Case::Pascal)
                ),
            ));
        }
        for action in schema
            .get(ext::MERCHANT_ACTIONS)
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            let variant = type_name(action);
            if variant != plain(action, Case::Pascal) {
                found.push((
                    format!("{at}/{}/{}", ext::MERCHANT_ACTIONS, escape_pointer(action)),
                    format!(
                        "variant `MerchantAction::{variant}`: {}",
                        rename_reason(action, &variant, Case::Pascal)
                    ),
                ));
            }
        }
    }
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> Result<(), ()> {
        let (is_properties, in_example) = schema_place(at);
        if in_example || at.split('/').nth(1) == Some(ext::CHOICES) {
            return Ok(());
        }
        if is_properties {
            for name in map.keys() {
                let field = field_name(name);
                if field != plain(name, Case::Snake) {
                    found.push((
                        format!("{at}/{}", escape_pointer(name)),
                        format!(
                            "field `{field}`: {}",
                            rename_reason(name, &field, Case::Snake)
                        ),
                    ));
                }
            }
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array)
            && !values.is_empty()
            && values.iter().all(|v| v.is_string() || v.is_null())
        {
            for value in values.iter().filter_map(Value::as_str) {
                let variant = type_name(value);
                if variant != plain(value, Case::Pascal) {
                    found.push((
                        format!("{at}/enum"),
                        format!(
                            "value `{}` is the variant `{variant}`: {}",
                            line_comment(value),
                            rename_reason(value, &variant, Case::Pascal)
                        ),
                    ));
                }
            }
        }
        Ok(())
    });
    for (at, choice) in found {
        record(doc, at, choice);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_comment_stays_one_line_and_shows_what_hides() {
        assert_eq!(
            line_comment("a\nfn injected() {}\r\u{2028}b\u{202E}c\u{1B}"),
            "a fn injected() {}  b\\u{202E}c\\u{1B}"
        );
    }

    #[test]
    fn doc_text_keeps_line_breaks_as_lf_only() {
        assert_eq!(
            doc_text("a\r\nb\rc\u{2028}d\u{2029}e\u{202E}\u{0}"),
            "a\nb\nc\nd\n\ne\\u{202E}\\u{0}"
        );
    }

    #[test]
    fn header_values_hold_visible_ascii_only() {
        assert_eq!(header_value("1.0 – beta\n"), "1.0 - beta-");
        assert_eq!(header_value("text/plain"), "text/plain");
    }

    #[test]
    fn raw_strings_only_when_they_hold_the_text_readably() {
        assert_eq!(raw_str_lit("a\"#b").to_string(), "r##\"a\"#b\"##");
        assert_eq!(raw_str_lit("a\u{202E}").to_string(), "\"a\\u{202e}\"");
        let json = json_for_source(&serde_json::json!({"k": "a\u{202E}\u{2028}b"}));
        assert!(json.contains("a\\u202e\\u2028b"), "{json}");
        assert_eq!(
            serde_json::from_str::<Value>(&json).expect("JSON"),
            serde_json::json!({"k": "a\u{202E}\u{2028}b"})
        );
    }

    #[test]
    fn path_templates_split_as_progenitor_splits_them() {
        assert_eq!(
            path_template("/{appid}/accounts//{iban}.json"),
            Some(vec![
                PathPiece::Text("/".into()),
                PathPiece::Parameter("appid".into()),
                PathPiece::Text("/accounts/".into()),
                PathPiece::Parameter("iban".into()),
                PathPiece::Text(".json".into()),
            ])
        );
        assert_eq!(path_template("orders"), None);
        assert_eq!(path_template("/a}"), None);
        assert_eq!(path_template("/{a"), None);
    }
}
