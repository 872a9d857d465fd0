//! Text made to escape from the generated code's comments and strings: a line break, `*/`,
//! quotes, `"#` (the end of a raw string) and a right-to-left override (U+202E), in summaries,
//! descriptions, path keys, enum values, property, parameter and schema names, servers, examples,
//! error-code tables, merchant actions, the title; operation ids that are the payload, Rust
//! keywords (`type`, `fn`) or start with a digit (`1stCall`). Each must end in a located error,
//! or in output that parses as Rust with no item named `injected`, no raw bidirectional
//! character (rustc refuses those), and a manifest with the generated keys only.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{PAYLOAD, folder, located, safe_output, within};

/// One operation, one schema with an enum, an example, a parameter and a server.
fn base() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Demo", "version": "1", "description": "A demo."},
        "servers": [{"url": "https://bank.example/api", "description": "production"}],
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": "getItem",
                    "summary": "Get an item",
                    "description": "Gets an item.",
                    "parameters": [{
                        "name": "id", "in": "path", "required": true,
                        "description": "The item's id.", "schema": {"type": "string"}
                    }, {
                        "name": "mode", "in": "query",
                        "description": "How.", "schema": {"type": "string"}
                    }],
                    "responses": {"200": {
                        "description": "The item.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
                    }}
                }
            }
        },
        "components": {"schemas": {"Item": {
            "type": "object",
            "description": "An item.",
            "properties": {
                "state": {"type": "string", "enum": ["open", "closed"], "description": "Its state."},
                "name": {"type": "string", "example": "pen", "description": "Its name."}
            },
            "example": {"state": "open", "name": "pen"}
        }}}
    })
}

/// Generate `doc` (with `title` in `api.toml`) and check the outcome; the outcome's text.
fn check(name: &str, doc: Value, title: &str) -> String {
    let dir = folder(name, &[]);
    let api = crate::support::api(&dir, &doc.to_string(), title);
    let case = name.to_owned();
    let (result, took) = within(name, Duration::from_secs(60), move || {
        bank_codegen::generate_api(&api, &mut bank_codegen::Timings::default())
    });
    let outcome = match result {
        Ok(files) => {
            safe_output(&case, &files);
            "safe output".to_owned()
        }
        Err(e) => {
            let text = e.to_string();
            assert!(located(&e), "{name}: not located: {text}");
            assert!(text.contains("openapi.json"), "{name}: {text}");
            text
        }
    };
    eprintln!("[{name}] {took:.2?}: {outcome}");
    outcome
}

/// Set (or add) the value at `pointer`.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let parent = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"));
    match parent {
        Value::Array(items) => items[key.parse::<usize>().expect("an index")] = value,
        other => {
            other[key.replace("~1", "/").replace("~0", "~")] = value;
        }
    }
}

const GET: &str = "/paths/~1items~1{id}/get";

#[test]
fn payload_in_summaries_and_descriptions() {
    let mut doc = base();
    for at in [
        format!("{GET}/summary"),
        format!("{GET}/description"),
        format!("{GET}/parameters/0/description"),
        format!("{GET}/responses/200/description"),
        "/components/schemas/Item/description".to_owned(),
        "/components/schemas/Item/properties/name/description".to_owned(),
        "/info/description".to_owned(),
    ] {
        set(&mut doc, &at, json!(PAYLOAD));
    }
    check("summaries-descriptions", doc, "Demo");
}

#[test]
fn payload_in_a_path_key() {
    let mut doc = base();
    let item = doc["paths"]["/items/{id}"].take();
    doc["paths"] = json!({ format!("/items/{{id}}/{PAYLOAD}"): item });
    check("path-key", doc, "Demo");
}

#[test]
fn payload_in_enum_values() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Item/properties/state/enum",
        json!(["open", PAYLOAD]),
    );
    check("enum-values", doc, "Demo");
}

#[test]
fn payload_as_an_operation_id() {
    let mut doc = base();
    set(&mut doc, &format!("{GET}/operationId"), json!(PAYLOAD));
    check("operation-id-payload", doc, "Demo");
}

#[test]
fn operation_ids_that_are_keywords_or_start_with_a_digit() {
    for id in ["type", "fn", "1stCall"] {
        let mut doc = base();
        set(&mut doc, &format!("{GET}/operationId"), json!(id));
        check(&format!("operation-id-{id}"), doc, "Demo");
    }
}

#[test]
fn payload_in_property_parameter_and_schema_names() {
    let mut doc = base();
    let name = doc["components"]["schemas"]["Item"]["properties"]["name"].take();
    doc["components"]["schemas"]["Item"]["properties"] = json!({ PAYLOAD: name });
    doc["components"]["schemas"]["Item"]["example"] = json!({ PAYLOAD: "pen" });
    check("property-name", doc, "Demo");

    let mut doc = base();
    set(
        &mut doc,
        &format!("{GET}/parameters/1/name"),
        json!(PAYLOAD),
    );
    check("parameter-name", doc, "Demo");

    let mut doc = base();
    let item = doc["components"]["schemas"]["Item"].take();
    doc["components"]["schemas"] = json!({ PAYLOAD: item });
    set(
        &mut doc,
        &format!("{GET}/responses/200/content/application~1json/schema/$ref"),
        json!(format!(
            "#/components/schemas/{}",
            bank_codegen::load::escape_pointer(PAYLOAD)
        )),
    );
    check("schema-name", doc, "Demo");
}

#[test]
fn payload_in_servers() {
    let mut doc = base();
    set(
        &mut doc,
        "/servers",
        json!([{"url": format!("https://bank.example/{PAYLOAD}"), "description": PAYLOAD}]),
    );
    check("servers", doc, "Demo");
}

#[test]
fn payload_in_examples() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Item/properties/name/example",
        json!(PAYLOAD),
    );
    set(
        &mut doc,
        "/components/schemas/Item/example/name",
        json!(PAYLOAD),
    );
    check("examples", doc, "Demo");
}

#[test]
fn payload_in_the_title() {
    check(
        "title",
        base(),
        &format!("{PAYLOAD}\nbuild = \"evil.rs\"\n[dependencies.evil]"),
    );
}

#[test]
fn payload_in_error_codes_and_merchant_actions() {
    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Item/x-error-codes",
        json!([{"code": 1, "name": "Broken", "group": PAYLOAD, "message": PAYLOAD}]),
    );
    check("error-codes", doc, "Demo");

    let mut doc = base();
    set(
        &mut doc,
        "/components/schemas/Item/properties/state/x-merchant-actions",
        json!({"1st": ["open"], (PAYLOAD): ["closed"]}),
    );
    let state = doc["components"]["schemas"]["Item"]["properties"]["state"].take();
    doc["components"]["schemas"]["State"] = state;
    set(
        &mut doc,
        "/components/schemas/Item/properties/state",
        json!({"$ref": "#/components/schemas/State"}),
    );
    check("merchant-actions", doc, "Demo");
}
