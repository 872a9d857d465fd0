//! Document text reaches generated Rust only as what the generator meant: a document whose path
//! keys, summaries, descriptions, enum values, example labels, schema names, operation ids and
//! merchant actions hold a line break followed by an item, `*/`, quotes, backslashes, U+202E, or
//! names that are no Rust identifiers (`1stCall`, `type`, `fn`, `self`) generates code that
//! parses, declares no injected item, shows no character that hides, and records every renamed
//! identifier as a choice; names that still collide after renaming are located errors naming
//! both. Never a panic.

use std::path::{Path, PathBuf};

use bank_codegen::{Error, OutputFile, Timings, discover, generate_api};
use serde_json::{Value, json};
use syn::visit_mut::VisitMut;

/// A folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Generate a throwaway `specs/demo/` holding `document` (as JSON) and `api.toml` with `title`;
/// nothing is written outside the temp dir.
fn generate(name: &str, document: &Value, title: &str) -> Result<Vec<OutputFile>, Error> {
    let text = serde_json::to_string_pretty(document).expect("JSON");
    generate_text(name, "openapi.json", &text, title)
}

/// [`generate`] for a document's text, in a file named `file_name`.
fn generate_text(
    name: &str,
    file_name: &str,
    text: &str,
    title: &str,
) -> Result<Vec<OutputFile>, Error> {
    let dir = TempDir(std::env::temp_dir().join(format!(
        "bank-codegen-escaping-{name}-{}",
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&dir.0);
    let api_dir = dir.0.join("specs/demo");
    std::fs::create_dir_all(&api_dir).expect("mkdir");
    std::fs::write(api_dir.join(file_name), text).expect("write doc");
    let title = toml::Value::String(title.to_owned());
    let document = toml::Value::String(file_name.to_owned());
    std::fs::write(
        api_dir.join("api.toml"),
        format!("[api]\ntitle = {title}\ndocument = {document}\nsource = \"test\"\n"),
    )
    .expect("write toml");
    let api = discover(&dir.0.join("specs")).expect("discover").remove(0);
    generate_api(&api, &mut Timings::default())
}

fn file<'a>(files: &'a [OutputFile], suffix: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} generated"))
        .content
}

/// Text that ends a comment or a line and then declares an item named `injected`.
const INJECTED: &str = "x */ \" \\ \u{202E}\r\nfn injected() {}\n";

fn ok(status: &str, schema: &str, example: Option<Value>) -> Value {
    let mut media = json!({"schema": {"$ref": format!("#/components/schemas/{schema}")}});
    if let Some(example) = example {
        media["example"] = example;
    }
    json!({status: {"description": INJECTED, "content": {"application/json": media}}})
}

fn path_parameter(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": INJECTED,
           "schema": {"type": "string"}})
}

/// A document with hostile text in every place document text reaches generated code.
fn hostile() -> Value {
    let evil = "Evil\nfn injected() {}";
    json!({
        "openapi": "3.0.3",
        "info": {"title": INJECTED, "version": INJECTED, "description": INJECTED},
        "servers": [{"url": "https://bank.example/v1", "description": INJECTED}],
        "paths": {
            "/orders/{id}": {"get": {
                "operationId": "1stCall",
                "summary": INJECTED,
                "description": INJECTED,
                "parameters": [path_parameter("id")],
                "responses": ok("200", "1stCall", None)
            }},
            "/type": {"post": {
                "operationId": "type",
                "summary": "*/ fn injected() {} /*",
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/type"}}}},
                "responses": ok("200", "1stCall", Some(json!({"type": 5})))
            }},
            "/fn/{fn}": {"get": {
                "operationId": "fn",
                "parameters": [path_parameter("fn")],
                "responses": ok("200", "Self", None)
            }},
            // A path key: quotes, a backslash, `*/`, U+202E and a line break before an item.
            "/say/\"hi\"\\*/\u{202E}\nstruct injected;/{self}": {"put": {
                "operationId": "self",
                "summary": "\u{202E}",
                "parameters": [path_parameter("self")],
                "responses": ok("200", evil, Some(json!({"name": 1})))
            }},
            "/evil": {"get": {
                "operationId": "evil\nfn injected() {}",
                "responses": ok("200", evil, Some(json!({"name": INJECTED})))
            }}
        },
        "components": {"schemas": {
            "1stCall": {
                "type": "object",
                "description": INJECTED,
                "properties": {
                    "type": {"type": "string", "description": INJECTED},
                    "self": {"type": "string"},
                    "1st": {"type": "string", "example": INJECTED},
                    "a\nfn injected() {}": {"type": "string"}
                }
            },
            "type": {"type": "string", "enum": ["1stCall", "type", "fn", "self"]},
            "Self": {"type": "object", "properties": {"fn": {"type": "string"}}},
            "fn": {"type": "string", "enum": ["a\nfn injected() {}", "*/", "\"", "\\", "\u{202E}"]},
            evil: {
                "type": "object",
                "title": INJECTED,
                "properties": {"name": {"type": "string", "example": INJECTED}}
            },
            "Status": {
                "type": "string",
                "enum": ["A", "B", "C"],
                "x-merchant-actions": {"1stCall": ["A"], "type": ["B"], "self": ["C"]}
            }
        }}
    })
}

/// Every item, impl item and trait item of a file named `injected` (any case).
struct Injected(Vec<String>);

impl Injected {
    fn check(&mut self, ident: &syn::Ident, what: &str) {
        if ident.to_string().eq_ignore_ascii_case("injected") {
            self.0.push(format!("{what} {ident}"));
        }
    }
}

impl VisitMut for Injected {
    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        match item {
            syn::Item::Fn(f) => self.check(&f.sig.ident, "fn"),
            syn::Item::Struct(s) => self.check(&s.ident, "struct"),
            syn::Item::Enum(e) => self.check(&e.ident, "enum"),
            syn::Item::Static(s) => self.check(&s.ident, "static"),
            syn::Item::Const(c) => self.check(&c.ident, "const"),
            syn::Item::Mod(m) => self.check(&m.ident, "mod"),
            syn::Item::Type(t) => self.check(&t.ident, "type"),
            syn::Item::Trait(t) => self.check(&t.ident, "trait"),
            _ => {}
        }
        syn::visit_mut::visit_item_mut(self, item);
    }
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        self.check(&f.sig.ident, "method");
        syn::visit_mut::visit_impl_item_fn_mut(self, f);
    }
    fn visit_trait_item_fn_mut(&mut self, f: &mut syn::TraitItemFn) {
        self.check(&f.sig.ident, "trait method");
        syn::visit_mut::visit_trait_item_fn_mut(self, f);
    }
}

/// `generated.rs` parses and declares nothing named `injected`; no identifier token `injected`
/// appears either, and no character that hides or breaks a comment stands in the text.
fn assert_only_what_was_meant(source: &str) {
    let mut file = syn::parse_file(source).expect("generated code parses");
    let mut injected = Injected(Vec::new());
    injected.visit_file_mut(&mut file);
    assert!(injected.0.is_empty(), "injected items: {:?}", injected.0);
    fn idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Ident(i)
                    if i.to_string().eq_ignore_ascii_case("injected") =>
                {
                    out.push(i.to_string())
                }
                proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    idents(source.parse().expect("tokens"), &mut found);
    assert!(found.is_empty(), "identifier tokens: {found:?}");
    for c in ['\r', '\u{202E}', '\u{2028}', '\u{2029}', '\u{85}'] {
        assert!(!source.contains(c), "{c:?} stands in the generated code");
    }
    assert!(source.starts_with("// @generated"), "one header line");
}

fn choices(files: &[OutputFile]) -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(file(files, "openapi.json")).expect("openapi.json");
    doc[bank_openapi::ext::CHOICES]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["at"].as_str().unwrap_or_default().to_owned(),
                c["choice"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn hostile_text_becomes_literals_docs_and_renamed_identifiers_only() {
    let title = "Demo \"quoted\"\nname = \"injected\"";
    let files = generate("hostile", &hostile(), title).expect("generates");
    let source = file(&files, "src/generated.rs");
    assert_only_what_was_meant(source);

    // The renamed identifiers, as progenitor and typify name them, used consistently.
    for expected in [
        "pub fn _1st_call(&self) -> builder::_1stCall<'_>",
        "pub fn type_(&self) -> builder::Type<'_>",
        "pub fn fn_(&self) -> builder::Fn<'_>",
        "pub fn self_(&self) -> builder::Self_<'_>",
        "pub fn evil_fn_injected(&self)",
        "pub const _1ST_CALL: &str = \"1stCall\";",
        "pub const TYPE: &str = \"type\";",
        "pub const SELF: &str = \"self\";",
        "pub struct X1stCall",
        "pub struct Self_",
        "pub enum Type",
        "X1stCall,",
        "pub type_: ",
        "pub x1st: ",
        "pub enum MerchantAction",
        "Self_,",
        // The hooks and the signing/retry lists name operations as progenitor does.
        "name: \"_1st_call\"",
        "name: \"self_\"",
        // `info.version` goes out as a header value: one `HeaderValue::from_static` takes.
        "fn api_version() -> &'static str {\n        \"x */ \\\" \\\\ ---fn injected() {}-\"",
    ] {
        assert!(source.contains(expected), "{expected}");
    }
    // A summary's text is a doc comment, escaped where it would hide or end the comment.
    assert!(source.contains("\\u{202E}"), "U+202E shown as its escape");
    // The example of a hostile label contradicting its schema: an ignored test saying why, on
    // one line.
    assert!(
        source.contains("#[ignore = \"the example of PUT /say/"),
        "the contradicting example is ignored with its reason"
    );
    assert!(source.contains("fn components_schemas_evil_fn_injected()"));

    // Every rename a user sees is a recorded choice.
    let choices = choices(&files);
    let has = |at: &str, choice: &str| choices.iter().any(|(a, c)| a == at && c.contains(choice));
    for (at, choice) in [
        (
            "/paths/~1orders~1{id}/get/operationId",
            "method `_1st_call`, builder `builder::_1stCall`, constant `operations::_1ST_CALL`",
        ),
        ("/paths/~1type/post/operationId", "method `type_`"),
        ("/paths/~1fn~1{fn}/get/operationId", "method `fn_`"),
        ("/components/schemas/1stCall", "type `types::X1stCall`"),
        ("/components/schemas/Self", "type `types::Self_`"),
        (
            "/components/schemas/1stCall/properties/type",
            "field `type_`",
        ),
        ("/components/schemas/1stCall/properties/1st", "field `x1st`"),
        (
            "/components/schemas/type/enum",
            "value `1stCall` is the variant `X1stCall`",
        ),
        (
            "/components/schemas/type/enum",
            "value `self` is the variant `Self_`",
        ),
        (
            "/components/schemas/Status/x-merchant-actions/1stCall",
            "variant `MerchantAction::X1stCall`",
        ),
        (
            "/components/schemas/Status/x-merchant-actions/self",
            "variant `MerchantAction::Self_`",
        ),
    ] {
        assert!(has(at, choice), "{at}: {choice}\n{choices:#?}");
    }
    assert!(
        choices.iter().any(|(a, _)| a.starts_with("/paths/~1say~1")),
        "the operation `self` under the hostile path: {choices:#?}"
    );

    // The manifest is TOML whatever the title holds.
    let manifest: toml::Table = file(&files, "Cargo.toml").parse().expect("TOML");
    assert_eq!(manifest["package"]["name"].as_str(), Some("demo"));
    assert!(
        manifest["package"]["description"]
            .as_str()
            .is_some_and(|d| d.contains(title)),
        "{manifest:?}"
    );
}

/// The fixture `xtask/tests/new.rs` turns into a crate and compiles (`cargo xtask new`, then
/// `cargo test`, a typed mock matching a path value with regex metacharacters among its tests)
/// holds hostile names and text too: its code declares nothing it should not.
#[test]
fn the_compiled_fixture_declares_only_what_was_meant() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask/tests/fixtures/new-shapes.yaml");
    let text = std::fs::read_to_string(&fixture).expect("the fixture");
    let files = generate_text("fixture", "openapi.yaml", &text, "Shapes API").expect("generates");
    let source = file(&files, "src/generated.rs");
    assert_only_what_was_meant(source);
    for expected in [
        "pub fn _1st_call(&self) -> builder::_1stCall<'_>",
        "pub fn self_(&self) -> builder::Self_<'_>",
        "::bank_runtime::mock::PathPart::Value",
    ] {
        assert!(source.contains(expected), "{expected}");
    }
}

/// The hostile document with `change` applied.
fn hostile_with(change: impl FnOnce(&mut Value)) -> Value {
    let mut doc = hostile();
    change(&mut doc);
    doc
}

fn message(result: Result<Vec<OutputFile>, Error>) -> String {
    result.map(|_| ()).expect_err("refused").to_string()
}

#[test]
fn operation_ids_that_collide_after_renaming_are_located_naming_both() {
    // `type` → `type_`, the name `type_` already has.
    let text = message(generate(
        "method",
        &hostile_with(|d| {
            d["paths"]["/again"] = json!({"get": {"operationId": "type_",
                "responses": {"204": {"description": "none"}}}});
        }),
        "Demo",
    ));
    assert!(text.contains("/paths/~1again/get/operationId"), "{text}");
    assert!(
        text.contains("`type_`") && text.contains("`type`"),
        "{text}"
    );

    // `straße` and `strasse`: two methods, one constant `STRASSE`.
    let text = message(generate(
        "constant",
        &hostile_with(|d| {
            for (path, id) in [("/a", "straße"), ("/b", "strasse")] {
                d["paths"][path] = json!({"get": {"operationId": id,
                    "responses": {"204": {"description": "none"}}}});
            }
        }),
        "Demo",
    ));
    assert!(text.contains("/paths/~1b/get/operationId"), "{text}");
    assert!(text.contains("`operations::STRASSE`"), "{text}");
    assert!(
        text.contains("`straße` at /paths/~1a/get/operationId"),
        "{text}"
    );
}

#[test]
fn merchant_actions_that_collide_after_renaming_are_located_naming_both() {
    let text = message(generate(
        "actions",
        &hostile_with(|d| {
            d["components"]["schemas"]["Status"][bank_openapi::ext::MERCHANT_ACTIONS] =
                json!({"pay-now": ["A"], "payNow": ["B"]});
        }),
        "Demo",
    ));
    assert!(
        text.contains("/components/schemas/Status/x-merchant-actions/payNow"),
        "{text}"
    );
    assert!(
        text.contains("`MerchantAction::PayNow`") && text.contains("`pay-now`"),
        "{text}"
    );
    let text = message(generate(
        "unknown-action",
        &hostile_with(|d| {
            d["components"]["schemas"]["Status"][bank_openapi::ext::MERCHANT_ACTIONS] =
                json!({"unknown": ["A"]});
        }),
        "Demo",
    ));
    assert!(text.contains("the catch-all"), "{text}");
}

#[test]
fn a_path_key_progenitor_cannot_read_is_located() {
    // A `}` outside a parameter: progenitor fails on it without saying where.
    let text = message(generate(
        "braces",
        &hostile_with(|d| {
            d["paths"]["/x}/y\nstruct injected;"] = json!({"get": {"operationId": "braces",
                "responses": {"204": {"description": "none"}}}});
        }),
        "Demo",
    ));
    assert!(text.contains("/paths/~1x}~1y"), "{text}");
    assert!(text.contains("no template the generator reads"), "{text}");
}

#[test]
fn error_code_names_that_are_keywords_are_refused_where_they_stand() {
    let text = message(generate(
        "codes",
        &hostile_with(|d| {
            d["components"]["schemas"]["Status"][bank_openapi::ext::ERROR_CODES] =
                json!([{"code": 1, "name": "Self", "group": "g", "message": "m"}]);
        }),
        "Demo",
    ));
    assert!(
        text.contains("/components/schemas/Status/x-error-codes/0"),
        "{text}"
    );
}

#[test]
fn an_error_table_mixing_numbered_and_named_codes_is_refused_where_it_mixes() {
    let text = message(generate(
        "codes",
        &hostile_with(|d| {
            d["components"]["schemas"]["Status"][bank_openapi::ext::ERROR_CODES] = json!([
                {"code": "CLIENT_NOT_FOUND", "group": "g", "message": "m"},
                {"code": 2, "name": "Two", "group": "g", "message": "m"}
            ]);
        }),
        "Demo",
    ));
    assert!(
        text.contains("/components/schemas/Status/x-error-codes/1"),
        "{text}"
    );
    assert!(text.contains("all numbers or all names"), "{text}");
}
