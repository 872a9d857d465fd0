//! Every failure is one readable error naming file and location, never a panic, and nothing is
//! half-written.

use std::path::{Path, PathBuf};

use bank_codegen::{Error, Timings, discover, generate_api};

/// A throwaway `specs/demo/` with the given document and optional fixes.
fn api(dir: &Path, document: &str, fixes: Option<&str>) -> bank_codegen::Api {
    let api_dir = dir.join("specs/demo");
    std::fs::create_dir_all(&api_dir).expect("mkdir");
    let name = if document.trim_start().starts_with("swagger") {
        "swagger.yaml"
    } else {
        "openapi.yaml"
    };
    std::fs::write(api_dir.join(name), document).expect("write doc");
    let mut toml = format!("[api]\ntitle = \"Demo\"\ndocument = \"{name}\"\nsource = \"test\"\n");
    if let Some(f) = fixes {
        std::fs::write(api_dir.join("fixes.overlay.yaml"), f).expect("write fixes");
        toml.push_str("fixes = \"fixes.overlay.yaml\"\n");
    }
    std::fs::write(api_dir.join("api.toml"), toml).expect("write toml");
    discover(&dir.join("specs")).expect("discover").remove(0)
}

/// A folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("bank-codegen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tempdir");
    TempDir(dir)
}

fn run(name: &str, document: &str, fixes: Option<&str>) -> Error {
    let dir = tempdir(name);
    let api = api(&dir, document, fixes);
    generate_api(&api, &mut Timings::default()).expect_err("must fail")
}

const GOOD: &str = r#"openapi: 3.0.3
info: {title: Demo, version: "1"}
paths:
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
components:
  schemas:
    Order:
      type: object
      properties:
        amount: {type: number, example: 12345678901234567.89}
"#;

#[test]
fn a_good_document_generates() {
    let dir = tempdir("good");
    let api = api(&dir, GOOD, None);
    let files = generate_api(&api, &mut Timings::default()).expect("generates");
    assert!(files[0].content.starts_with("// @generated"));
    assert!(files[0].content.contains("::bank_runtime::Decimal"));
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let err = run("yaml", "openapi: 3.0.3\ninfo: {title: [unclosed\n", None);
    let text = err.to_string();
    assert!(
        matches!(
            err,
            Error::Syntax {
                format: "YAML",
                line: 2..=3,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("specs/demo/openapi.yaml:") && text.contains("flow sequence at line 2"),
        "{text}"
    );
}

#[test]
fn openapi_3_1_is_rejected_clearly() {
    let err = run("v31", &GOOD.replace("3.0.3", "3.1.0"), None);
    let text = err.to_string();
    assert!(
        text.contains("/openapi") && text.contains("OpenAPI 3.1.0 is not supported"),
        "{text}"
    );
}

#[test]
fn dangling_ref_names_its_pointer() {
    let err = run(
        "ref",
        &GOOD.replace("#/components/schemas/Order'", "#/components/schemas/Gone'"),
        None,
    );
    let text = err.to_string();
    assert!(matches!(err, Error::DanglingRef { .. }), "{text}");
    assert!(
        text.contains(
            "/paths/~1orders~1{id}/get/responses/200/content/application~1json/schema/$ref"
        ),
        "{text}"
    );
    assert!(text.contains("#/components/schemas/Gone"), "{text}");
    assert!(
        text.contains("define it with a fix (target `$.components.schemas`, update `{Gone: …}`)"),
        "the fix to write: {text}"
    );
}

#[test]
fn a_vanished_fix_target_names_the_fix_and_target() {
    let fixes = r#"overlay: 1.0.0
info: {title: fixes, version: "1"}
actions:
  - target: "$.components.schemas.Order.properties.amount"
    description: amount is money
    update: {format: decimal}
  - target: "$.components.schemas.Invoice.properties.total"
    description: total is money
    update: {format: decimal}
"#;
    let err = run("fix", GOOD, Some(fixes));
    let text = err.to_string();
    assert!(
        matches!(err, Error::FixTargetVanished { index: 2, .. }),
        "{text}"
    );
    assert!(
        text.contains("fixes.overlay.yaml") && text.contains("total is money"),
        "{text}"
    );
    assert!(
        text.contains("$.components.schemas.Invoice.properties.total"),
        "{text}"
    );
}

#[test]
fn every_vanished_fix_target_is_reported_in_one_run() {
    let fixes = r#"overlay: 1.0.0
info: {title: fixes, version: "1"}
actions:
  - target: "$.components.schemas.Invoice.properties.total"
    description: total is money
    update: {format: decimal}
  - target: "$.components.schemas.Order.properties.amount"
    description: amount is money
    update: {format: decimal}
  - target: "$.components.schemas.Refund.properties.sum"
    description: sum is money
    update: {format: decimal}
"#;
    let err = run("fixes", GOOD, Some(fixes));
    let text = err.to_string();
    assert!(
        matches!(err, Error::Several(ref all) if all.len() == 2),
        "{text}"
    );
    assert!(
        text.contains("total is money") && text.contains("sum is money"),
        "{text}"
    );
}

#[test]
fn a_fix_without_a_reason_is_refused() {
    let fixes = "overlay: 1.0.0\ninfo: {title: f, version: \"1\"}\nactions:\n  - target: \"$.info\"\n    update: {x-a: 1}\n";
    let text = run("reason", GOOD, Some(fixes)).to_string();
    assert!(
        text.contains("/actions/0") && text.contains("must say why"),
        "{text}"
    );
}

#[test]
fn unsupported_shapes_name_pointer_and_operation() {
    // 200 JSON beside 201 XML: two answers, one of them not JSON.
    let doc = GOOD.replace(
        "      responses:\n        \"200\":",
        "      responses:\n        \"201\": {description: xml, content: {application/xml: {schema: {type: string}}}}\n        \"200\":",
    );
    let err = run("shape", &doc, None);
    let text = err.to_string();
    assert!(matches!(err, Error::UnsupportedShape { .. }), "{text}");
    assert!(
        text.contains("GET /orders/{id}") && text.contains("/paths/~1orders~1{id}/get/responses"),
        "{text}"
    );

    // Two request media types, neither of them JSON (JSON beside others is chosen, recorded).
    let doc = GOOD.replace("      operationId: getOrder\n", "      operationId: getOrder\n      requestBody:\n        content:\n          text/plain: {schema: {type: string}}\n          application/xml: {schema: {type: object}}\n");
    let text = run("media", &doc, None).to_string();
    assert!(
        text.contains("/requestBody/content") && text.contains("2 media types"),
        "{text}"
    );
}

#[test]
fn a_deep_object_parameter_is_dropped_and_a_required_one_leaves_its_operation_out() {
    let dir = tempdir("deep");
    let doc = GOOD.replace(
        "        - {name: id, in: path, required: true, schema: {type: string}}\n",
        "        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: filter, in: query, style: deepObject, schema: {type: object}}\n",
    );
    let normalised = |doc: &str| {
        generate_api(&api(&dir, doc, None), &mut Timings::default())
            .expect("generates")
            .into_iter()
            .find(|f| f.path.ends_with("openapi.json"))
            .expect("openapi.json")
            .content
    };
    assert!(normalised(&doc).contains("optional `deepObject` parameter `filter` dropped"));
    let required = doc.replace("style: deepObject,", "style: deepObject, required: true,");
    assert!(
        normalised(&required).contains("a required `deepObject` parameter `filter`"),
        "the operation is left out, listed in x-left-out"
    );
}

#[test]
fn every_dangling_ref_is_reported_in_one_run() {
    let doc = GOOD.replace(
        "        amount: {type: number, example: 12345678901234567.89}\n",
        "        amount: {type: number, example: 12345678901234567.89}\n        a: {$ref: '#/components/schemas/Gone'}\n        b: {$ref: '#/components/schemas/AlsoGone'}\n",
    );
    let err = run("dangling-all", &doc, None);
    let text = err.to_string();
    assert!(
        matches!(err, Error::Several(ref all) if all.len() == 2),
        "{text}"
    );
    assert!(
        text.contains("/components/schemas/Order/properties/a/$ref")
            && text.contains("`#/components/schemas/AlsoGone`"),
        "{text}"
    );
}

#[test]
fn operation_ids_that_give_one_method_name_are_located_with_both_places() {
    let doc = GOOD.replace(
        "paths:\n",
        "paths:\n  /latest:\n    get:\n      operationId: get_order\n      responses:\n        \"200\": {description: ok}\n",
    );
    let text = run("methods", &doc, None).to_string();
    assert!(
        text.contains("gives the method name `get_order`") && text.contains("/operationId"),
        "{text}"
    );
}

#[test]
fn every_unsupported_shape_of_a_document_is_reported_in_one_run() {
    // Two problems in one operation list and a second path: all of them, each located.
    let doc = GOOD
        .replace(
            "      responses:\n        \"200\":",
            "      responses:\n        \"201\": {description: xml, content: {application/xml: {schema: {type: string}}}}\n        \"200\":",
        )
        .replace(
            "paths:\n",
            "paths:\n  /notes:\n    post:\n      operationId: addNote\n      requestBody:\n        content:\n          text/plain: {schema: {type: string}}\n          application/xml: {schema: {type: object}}\n      responses:\n        \"200\": {description: ok}\n",
        );
    let err = run("several", &doc, None);
    let text = err.to_string();
    assert!(
        matches!(err, Error::Several(ref all) if all.len() == 2),
        "{text}"
    );
    assert!(text.starts_with("2 problems"), "{text}");
    assert!(
        text.contains("GET /orders/{id}") && text.contains("POST /notes"),
        "{text}"
    );
}

#[test]
fn a_progenitor_panic_becomes_an_error() {
    // Bypass the shape check: 200 JSON + 204 empty makes progenitor 0.15 panic.
    let doc = GOOD.replace(
        "      responses:\n        \"200\":",
        "      responses:\n        \"204\": {description: none}\n        \"200\":",
    );
    let value = bank_codegen::load::parse(Path::new("demo.yaml"), &doc)
        .expect("parses")
        .value;
    let err = bank_codegen::generate::client_tokens(Path::new("demo.yaml"), &value)
        .expect_err("progenitor fails");
    assert!(
        matches!(err, Error::GeneratorPanic { .. } | Error::Generate { .. }),
        "{err}"
    );
}

#[test]
fn writes_are_all_or_nothing() {
    let dir = tempdir("atomic");
    std::fs::write(dir.join("blocker"), "a file where a folder is needed").expect("write");
    let files = vec![
        bank_codegen::OutputFile {
            path: "ok/one.rs".into(),
            content: "new".into(),
        },
        bank_codegen::OutputFile {
            path: "blocker/two.rs".into(),
            content: "new".into(),
        },
    ];
    std::fs::create_dir_all(dir.join("ok")).expect("mkdir");
    std::fs::write(dir.join("ok/one.rs"), "old").expect("write");
    let err = bank_codegen::write(&dir, &files).expect_err("second file cannot be written");
    assert!(err.to_string().contains("blocker"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("ok/one.rs")).expect("read"),
        "old"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("ok"))
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn a_schema_the_generator_cannot_take_is_located() {
    // Bypass the normaliser (which drops a `format` on an object): typify panics on it, and the
    // panic is turned into an error at the schema's place.
    let doc = GOOD.replace(
        "    Order:\n      type: object\n",
        "    Order:\n      type: object\n      format: payer_v1\n",
    );
    let value = bank_codegen::load::parse(Path::new("demo.yaml"), &doc)
        .expect("parses")
        .value;
    let err = bank_codegen::generate::client_tokens(Path::new("demo.yaml"), &value)
        .expect_err("typify refuses it");
    let text = err.to_string();
    assert!(matches!(err, Error::Invalid { .. }), "{text}");
    assert!(
        text.starts_with(
            "demo.yaml: /components/schemas/Order: the generator cannot take this schema"
        ),
        "{text}"
    );
}

#[test]
fn generator_panics_on_many_threads_at_once_are_each_located() {
    // The panic guard once swapped the process-wide panic hook per call, so two generations at
    // once (tests run in parallel, a service generating on several threads) lost each other's
    // messages: "unknown panic", not located. Each thread must get its own schema's place.
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let name = format!("Order{i}");
                let doc =
                    format!("{GOOD}    {name}:\n      type: object\n      format: payer_v{i}\n");
                let value = bank_codegen::load::parse(Path::new("demo.yaml"), &doc)
                    .expect("parses")
                    .value;
                let err = bank_codegen::generate::client_tokens(Path::new("demo.yaml"), &value)
                    .expect_err("typify refuses it");
                (name, err.to_string())
            })
        })
        .collect();
    for thread in threads {
        let (name, text) = thread.join().expect("the thread itself does not panic");
        assert!(
            text.starts_with(&format!(
                "demo.yaml: /components/schemas/{name}: the generator cannot take this schema"
            )),
            "{name}: {text}"
        );
    }
}

#[test]
fn every_problem_of_one_operation_is_reported() {
    // One operation, two problems: a body in two media types neither of them JSON, and two
    // different answers one of which is not JSON.
    let doc = GOOD
        .replace(
            "      operationId: getOrder\n",
            "      operationId: getOrder\n      requestBody:\n        content:\n          text/plain: {schema: {type: string}}\n          application/xml: {schema: {type: object}}\n",
        )
        .replace(
            "      responses:\n        \"200\":",
            "      responses:\n        \"201\": {description: xml, content: {application/xml: {schema: {type: string}}}}\n        \"200\":",
        );
    let err = run("one-op", &doc, None);
    let text = err.to_string();
    let Error::Several(all) = &err else {
        panic!("{text}")
    };
    assert_eq!(all.len(), 2, "{text}");
    for place in ["/get/requestBody/content", "/get/responses"] {
        assert!(text.contains(place), "{place}: {text}");
    }
}
