//! progenitor (Builder interface) + typify over the normalised document, guarded against panics,
//! then post-processing of the token stream and formatting with prettyplease.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

use progenitor_impl::{
    CrateVers, GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle,
};
use quote::quote;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::normalize::{RUNTIME_CRATE, RUNTIME_VERSION};

/// Run progenitor on an OpenAPI 3.0 document and return the generated items (unformatted).
pub fn client_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    path_templates(path, doc)?;
    let spec = openapi(path, doc)?;
    guarded(path, || Generator::new(&settings()).generate_tokens(&spec)).map_err(|e| locate(e, doc))
}

/// Every path template is one progenitor reads ([`crate::escape::path_template`]: a leading `/`,
/// braces only around a parameter's name): a located error otherwise, where progenitor would
/// panic or fail without a place.
fn path_templates(path: &Path, doc: &Value) -> Result<()> {
    use crate::escape::{PathPiece, line_comment, path_template};
    for route in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys())
    {
        let readable = path_template(route).is_some_and(|pieces| {
            !pieces
                .iter()
                .any(|p| matches!(p, PathPiece::Parameter(name) if name.is_empty()))
        });
        if !readable {
            return Err(Error::invalid(
                path,
                format!("/paths/{}", crate::load::escape_pointer(route)),
                format!(
                    "the path `{}` is no template the generator reads: it starts with `/`, and braces hold a parameter's name",
                    line_comment(route)
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `node` is the schema typify printed as `printed`: the printed copy went through
/// schemars (`example` became `examples`, numbers became floats), so documentation keys are not
/// compared; everything else printed must be there, equal, at every depth.
fn fits(printed: &Value, node: &serde_json::Map<String, Value>) -> bool {
    const DOCUMENTATION: [&str; 4] = ["examples", "example", "description", "title"];
    let Some(printed) = printed.as_object() else {
        return false;
    };
    printed
        .iter()
        .filter(|(k, _)| !DOCUMENTATION.contains(&k.as_str()))
        .all(|(k, v)| {
            let Some(mine) = node.get(k) else {
                return false;
            };
            same(v, mine)
        })
}

fn same(printed: &Value, mine: &Value) -> bool {
    match (printed, mine) {
        (Value::Object(_), Value::Object(m)) => fits(printed, m),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (x, y) => x == y,
    }
}

/// A panic or error whose message shows the schema it failed on (typify prints it as JSON) is
/// located at the first place of the document holding that schema.
fn locate(error: Error, doc: &Value) -> Error {
    let (Error::GeneratorPanic { path, message } | Error::Generate { path, message }) = &error
    else {
        return error;
    };
    let Some(start) = message.find('{') else {
        return error;
    };
    let Some(Ok(schema)) = serde_json::Deserializer::from_str(&message[start..])
        .into_iter::<Value>()
        .next()
    else {
        return error;
    };
    let mut found = None;
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        if found.is_none() && fits(&schema, map) {
            found = Some(at.to_owned());
        }
        Ok(())
    });
    let Some(pointer) = found else { return error };
    let first = message[..start].trim().trim_end_matches(':').trim();
    Error::Invalid {
        path: path.clone(),
        pointer,
        message: format!("the generator cannot take this schema ({first}); reshape it with a fix"),
    }
}

/// Run progenitor's httpmock generator on the same document: per-operation `When` / `Then`
/// wrappers and a `MockServerExt` trait (unformatted; `crate::mocks` reshapes them).
pub fn mock_tokens(path: &Path, doc: &Value) -> Result<proc_macro2::TokenStream> {
    let spec = openapi(path, doc)?;
    guarded(path, || {
        Generator::new(&settings()).httpmock(&spec, "crate")
    })
}

fn openapi(path: &Path, doc: &Value) -> Result<openapiv3::OpenAPI> {
    serde_json::from_value(doc.clone()).map_err(|e| {
        Error::invalid(
            path,
            "/",
            format!("the normalised document is not OpenAPI 3.0 as openapiv3 reads it: {e}"),
        )
    })
}

fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote! { ::bank_runtime::Context })
        .with_derive("PartialEq")
        .with_map_type("::std::collections::BTreeMap")
        .with_crate(
            RUNTIME_CRATE,
            CrateVers::parse(RUNTIME_VERSION).unwrap_or(CrateVers::Any),
            None,
        );
    settings
}

/// Run a progenitor generator, turning its errors and panics into located errors.
///
/// The panic's message comes from its payload and its place from [`quiet_panics`]'s hook, which
/// records it for the panicking thread only; other threads' panics (concurrent tests, a user's
/// own threads) are neither silenced nor mixed in.
fn guarded<T>(
    path: &Path,
    run: impl FnOnce() -> std::result::Result<T, progenitor_impl::Error>,
) -> Result<T> {
    quiet_panics();
    GUARDED.with(|g| g.set(true));
    let result = catch_unwind(AssertUnwindSafe(run));
    GUARDED.with(|g| g.set(false));
    let place = PANIC_PLACE.with(|p| p.take()).unwrap_or_default();
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(Error::Generate {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            Err(Error::GeneratorPanic {
                path: path.to_path_buf(),
                message: format!("{text}{place}"),
            })
        }
    }
}

thread_local! {
    /// Whether this thread is inside [`guarded`].
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Where the last guarded panic of this thread happened (` at file:line`).
    static PANIC_PLACE: Cell<Option<String>> = const { Cell::new(None) };
}

/// Install, once per process, a panic hook that keeps guarded panics off stderr (they become
/// errors) and passes every other panic to the hook that was there before.
fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) {
                let place = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()));
                PANIC_PLACE.with(|p| p.set(place));
            } else {
                previous(info);
            }
        }));
    });
}

/// Format a file: `// @generated` header, prettyplease layout.
/// The header is made one line ([`crate::escape::line_comment`]): nothing after a line break in
/// it could become code.
pub fn format_file(header: &str, file: &syn::File) -> String {
    format!(
        "{}\n{}",
        crate::escape::line_comment(header),
        prettyplease::unparse(file)
    )
}

/// The items of the generated `types` module.
pub fn types_items_mut(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The name a type item declares (struct, enum or type alias).
pub fn declared_name(item: &syn::Item) -> Option<&syn::Ident> {
    match item {
        syn::Item::Struct(s) => Some(&s.ident),
        syn::Item::Enum(e) => Some(&e.ident),
        syn::Item::Type(t) => Some(&t.ident),
        _ => None,
    }
}

/// The trait an impl block implements, by its last path segment (`From` for
/// `impl ::std::convert::From<T> for U`); `None` for an inherent impl.
pub fn implemented_trait(imp: &syn::ItemImpl) -> Option<&syn::Ident> {
    imp.trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .map(|s| &s.ident)
}

/// Type names the generated `types` module declares more than once (a schema's name and the name
/// typify gives another schema; E0428 at `cargo check`), in name order: found before compiling.
pub fn duplicate_type_names(file: &syn::File) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    for item in file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .flat_map(|(_, items)| items)
    {
        if let Some(name) = declared_name(item)
            && !seen.insert(name.to_string())
        {
            twice.insert(name.to_string());
        }
    }
    twice.into_iter().collect()
}

/// The type names declared in the generated `types` module.
pub fn type_names(file: &syn::File) -> BTreeSet<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .flat_map(|(_, items)| items)
        .filter_map(|item| Some(declared_name(item)?.to_string()))
        .collect()
}

/// The `example_roundtrips` test module of a generated crate: every example of the normalised spec must
/// deserialise into its generated type and serialise back to equal JSON. An example the document
/// gets wrong is an ignored test whose reason says so. Document text reaches the module only as
/// string literals ([`crate::escape`]).
pub fn examples_test(doc: &Value, type_names: &BTreeSet<String>) -> proc_macro2::TokenStream {
    use crate::escape::{json_for_source, line_comment, raw_str_lit, str_lit};
    use crate::naming::rust_ident;
    let mut tests = Vec::new();
    let mut seen = BTreeSet::new();
    for example in crate::examples::collect(doc) {
        let name = crate::naming::type_name(&example.schema);
        let Ok(ty) = rust_ident(&name) else { continue };
        if !type_names.contains(&name) {
            continue;
        }
        let fn_name = crate::naming::example_test_name(&example.label, &mut seen);
        // An example the document gets wrong (it contradicts its own schema: a known quirk, or a
        // new one the quirks check reports) is an ignored test saying why, not one that fails.
        let schema = doc
            .pointer(&format!(
                "/components/schemas/{}",
                crate::load::escape_pointer(&example.schema)
            ))
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(violation) = crate::validate::validate(doc, &schema, &example.value).first() {
            let reason = str_lit(&line_comment(&format!(
                "the example of {} contradicts its schema ({violation})",
                example.label
            )));
            tests.push(quote! {
                #[test]
                #[ignore = #reason]
                fn #fn_name() {}
            });
            continue;
        }
        // A property the example leaves out that has a `default` comes back with it.
        let expected = crate::examples::with_defaults(doc, &schema, &example.value);
        let expected = if expected == example.value {
            quote! { None }
        } else {
            let json = raw_str_lit(&json_for_source(&expected));
            quote! { Some(#json) }
        };
        let label = str_lit(&example.label);
        let json = raw_str_lit(&json_for_source(&example.value));
        tests.push(quote! {
            #[test]
            fn #fn_name() {
                roundtrip::<types::#ty>(#label, #json, #expected);
            }
        });
    }
    quote! {
        /// Every example of the normalised spec (`openapi.json`) deserialises into its generated
        /// type and serialises back to equal JSON.
        #[cfg(test)]
        mod example_roundtrips {
            use super::types;
            /// `expected`, when given, is the example as the type reads it: defaults filled, undeclared properties left out.
            /// Run on a thread with the 2 MiB stack a tokio worker gets (whatever RUST_MIN_STACK
            /// says): a type whose debug-build deserialiser needs more fails here, not in a service.
            fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize + 'static>(label: &'static str, json: &'static str, expected: Option<&'static str>) {
                let run = move || {
                    let expected: serde_json::Value = serde_json::from_str(expected.unwrap_or(json)).expect("the example is JSON");
                    let typed: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{label}: does not deserialise: {e}"));
                    let text = serde_json::to_string(&typed).expect("serialises");
                    let back: serde_json::Value = serde_json::from_str(&text).expect("serialised JSON parses");
                    assert_eq!(without_nulls(back), without_nulls(expected), "{label}: does not round-trip");
                };
                let outcome = std::thread::Builder::new().stack_size(2 << 20).spawn(run).expect("a test thread").join();
                if let Err(panic) = outcome {
                    std::panic::resume_unwind(panic);
                }
            }
            /// An optional property written `null` and one left out mean the same.
            fn without_nulls(v: serde_json::Value) -> serde_json::Value {
                match v {
                    serde_json::Value::Object(m) => m.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
                    serde_json::Value::Array(a) => a.into_iter().map(without_nulls).collect(),
                    other => other,
                }
            }
            #(#tests)*
        }
    }
}

#[cfg(test)]
mod example_test_tests {

    #[test]
    fn a_type_declared_twice_is_found_before_compiling() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct ListItem { pub q: String }
                pub struct Other;
                pub enum ListItem { A }
                pub mod builder { pub struct ListItem; }
            }
        };
        assert_eq!(duplicate_type_names(&file), ["ListItem"]);
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn an_example_that_contradicts_its_schema_is_skipped_with_the_reason() {
        let doc = json!({
            "paths": {"/orders": {"post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Order"},
                    "example": {"id": 42}
                }}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Order"},
                    "example": {"id": "o-1"}
                }}}}
            }}},
            "components": {"schemas": {"Order": {
                "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}
            }}}
        });
        let names: BTreeSet<String> = ["Order".to_owned()].into();
        let file: syn::File = syn::parse2(examples_test(&doc, &names)).expect("parses");
        let code = prettyplease::unparse(&file);
        assert!(
            code.contains(
                "#[ignore = \"the example of POST /orders request contradicts its schema"
            ),
            "{code}"
        );
        assert!(
            code.contains("POST /orders 200 response"),
            "the valid one stays: {code}"
        );
    }
}
