//! `cargo xtask diff`'s engine against fixture pairs: the explicit cases of
//! `tests/diff/cases.yaml`, schema templates applied at every direction and subject, the
//! committed documents against themselves, Swagger 2.0 against its own conversion, and bad input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bank_codegen::diff::{self, Level, rules};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// RFC 7386 JSON merge patch.
fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn cases() -> Value {
    let path = root().join("codegen/tests/diff/cases.yaml");
    let text = std::fs::read_to_string(&path).expect("cases.yaml");
    bank_codegen::load::parse_value(&path, &text).expect("cases.yaml parses")
}

fn level_name(l: Level) -> &'static str {
    l.as_str()
}

fn got(report: &diff::Report) -> BTreeSet<(String, String)> {
    report
        .changes
        .iter()
        .map(|c| (c.id.clone(), level_name(c.level).to_owned()))
        .collect()
}

/// Changes whose id is not in the catalogue, or whose level is not the catalogue's.
fn uncatalogued(name: &str, report: &diff::Report) -> Vec<String> {
    report
        .changes
        .iter()
        .filter(|c| rules::catalogue().get(&c.id).map(|r| r.level) != Some(c.level))
        .map(|c| {
            format!(
                "{name}: `{}` ({}) is not in the catalogue",
                c.id,
                c.level.as_str()
            )
        })
        .collect()
}

#[test]
fn every_fixture_pair_reports_exactly_its_expected_changes() {
    let cases = cases();
    let base = &cases["base"];
    let mut failures = Vec::new();
    for case in cases["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let (mut old, mut new) = (base.clone(), base.clone());
        if let Some(p) = case.get("old") {
            merge(&mut old, p);
        }
        merge(&mut new, &case["new"]);
        let report = diff::diff(&old, &new);
        let expected: BTreeSet<(String, String)> = case["expect"]
            .as_array()
            .expect("expect")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().expect("id").to_owned(),
                    pair[1].as_str().expect("level").to_owned(),
                )
            })
            .collect();
        failures.extend(uncatalogued(name, &report));
        failures.extend(uncatalogued(
            &format!("{name} (reversed)"),
            &diff::diff(&new, &old),
        ));
        let actual = got(&report);
        if actual != expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  got      {actual:?}\n{}",
                report.to_text(name, false)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A schema change, the rule suffix it must produce, and where it applies.
struct Template {
    old: Value,
    new: Value,
    suffix: &'static str,
    /// Only at the top of a body (property-level changes of an object).
    object_level: bool,
}

fn templates() -> Vec<Template> {
    let t = |old: Value, new: Value, suffix: &'static str| Template {
        old,
        new,
        suffix,
        object_level: false,
    };
    let o = |old: Value, new: Value, suffix: &'static str| Template {
        old,
        new,
        suffix,
        object_level: true,
    };
    let mut out = vec![
        t(
            json!({"type": "string"}),
            json!({"type": "integer"}),
            "type-changed",
        ),
        t(
            json!({"type": "string", "format": "date"}),
            json!({"type": "string", "format": "date-time"}),
            "format-changed",
        ),
        t(
            json!({"type": "string", "enum": ["A", "B"]}),
            json!({"type": "string", "enum": ["A", "B", "C"]}),
            "enum-value-added",
        ),
        t(
            json!({"type": "string", "enum": ["A", "B"]}),
            json!({"type": "string", "enum": ["A"]}),
            "enum-value-removed",
        ),
        t(
            json!({"type": "string"}),
            json!({"type": "string", "enum": ["A"]}),
            "enum-restricted",
        ),
        t(
            json!({"type": "string", "enum": ["A"]}),
            json!({"type": "string"}),
            "enum-unrestricted",
        ),
        t(
            json!({"type": "string"}),
            json!({"type": "string", "nullable": true}),
            "became-nullable",
        ),
        t(
            json!({"type": "string", "nullable": true}),
            json!({"type": "string"}),
            "became-not-nullable",
        ),
        t(
            json!({"allOf": [{"type": "object"}]}),
            json!({"allOf": [{"type": "object"}, {"type": "object"}]}),
            "composition-changed",
        ),
        t(
            json!({"$ref": "#/components/schemas/A"}),
            json!({"$ref": "#/components/schemas/B"}),
            "ref-changed",
        ),
        t(
            json!({"type": "object"}),
            json!({"type": "object", "additionalProperties": false}),
            "additional-properties-changed",
        ),
        t(
            json!({"type": "string", "default": "a"}),
            json!({"type": "string", "default": "b"}),
            "default-changed",
        ),
        t(
            json!({"type": "string"}),
            json!({"type": "string", "deprecated": true}),
            "deprecated",
        ),
        t(
            json!({"type": "string"}),
            json!({"type": "string", "readOnly": true}),
            "keyword-changed",
        ),
        o(
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            json!({"type": "object", "required": ["b"], "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}),
            "property-added-required",
        ),
        o(
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}),
            "property-added",
        ),
        o(
            json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}),
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            "property-removed",
        ),
        o(
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}),
            "property-became-required",
        ),
        o(
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}),
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            "property-became-optional",
        ),
    ];
    // (keyword, base schema, tightened, loosened)
    let constraints: [(&str, Value, Value, Value); 13] = [
        (
            "max-length",
            json!({"type": "string", "maxLength": 10}),
            json!({"type": "string", "maxLength": 5}),
            json!({"type": "string", "maxLength": 20}),
        ),
        (
            "min-length",
            json!({"type": "string", "minLength": 1}),
            json!({"type": "string", "minLength": 2}),
            json!({"type": "string", "minLength": 0}),
        ),
        (
            "pattern",
            json!({"type": "string"}),
            json!({"type": "string", "pattern": "^[0-9]+$"}),
            json!({"type": "string"}),
        ),
        (
            "maximum",
            json!({"type": "integer", "maximum": 10}),
            json!({"type": "integer", "maximum": 5}),
            json!({"type": "integer", "maximum": 20}),
        ),
        (
            "minimum",
            json!({"type": "integer", "minimum": 1}),
            json!({"type": "integer", "minimum": 2}),
            json!({"type": "integer", "minimum": 0}),
        ),
        (
            "exclusive-maximum",
            json!({"type": "integer", "maximum": 10}),
            json!({"type": "integer", "maximum": 10, "exclusiveMaximum": true}),
            json!({"type": "integer", "maximum": 10}),
        ),
        (
            "exclusive-minimum",
            json!({"type": "integer", "minimum": 1}),
            json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true}),
            json!({"type": "integer", "minimum": 1}),
        ),
        (
            "multiple-of",
            json!({"type": "integer"}),
            json!({"type": "integer", "multipleOf": 2}),
            json!({"type": "integer"}),
        ),
        (
            "max-items",
            json!({"type": "array", "items": {"type": "string"}, "maxItems": 10}),
            json!({"type": "array", "items": {"type": "string"}, "maxItems": 5}),
            json!({"type": "array", "items": {"type": "string"}, "maxItems": 20}),
        ),
        (
            "min-items",
            json!({"type": "array", "items": {"type": "string"}, "minItems": 1}),
            json!({"type": "array", "items": {"type": "string"}, "minItems": 2}),
            json!({"type": "array", "items": {"type": "string"}, "minItems": 0}),
        ),
        (
            "unique-items",
            json!({"type": "array", "items": {"type": "string"}}),
            json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true}),
            json!({"type": "array", "items": {"type": "string"}}),
        ),
        (
            "max-properties",
            json!({"type": "object", "maxProperties": 10}),
            json!({"type": "object", "maxProperties": 5}),
            json!({"type": "object", "maxProperties": 20}),
        ),
        (
            "min-properties",
            json!({"type": "object", "minProperties": 1}),
            json!({"type": "object", "minProperties": 2}),
            json!({"type": "object", "minProperties": 0}),
        ),
    ];
    for (kw, base, tight, loose) in constraints {
        let tightened: &'static str = Box::leak(format!("{kw}-tightened").into_boxed_str());
        let loosened: &'static str = Box::leak(format!("{kw}-loosened").into_boxed_str());
        // Tightening goes base → tight; loosening goes tight → loose (or back to base).
        out.push(t(base.clone(), tight.clone(), tightened));
        out.push(t(tight, loose, loosened));
    }
    out
}

/// A document with `schema` placed at one location.
fn placed(dir: &str, subject: &str, schema: &Value) -> Value {
    let wrap = |s: &Value| json!({"type": "object", "properties": {"p": s}});
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "components": {"schemas": {"A": {"type": "string"}, "B": {"type": "string"}}},
        "paths": {"/things": {}}
    });
    let op = match (dir, subject) {
        ("request", "parameter") => {
            json!({"get": {"parameters": [{"name": "q", "in": "query", "schema": schema}], "responses": {"200": {"description": "OK"}}}})
        }
        ("request", "body") => {
            json!({"post": {"requestBody": {"content": {"application/json": {"schema": schema}}}, "responses": {"200": {"description": "OK"}}}})
        }
        ("request", "property") => {
            json!({"post": {"requestBody": {"content": {"application/json": {"schema": wrap(schema)}}}, "responses": {"200": {"description": "OK"}}}})
        }
        ("response", "body") => {
            json!({"get": {"responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}}})
        }
        ("response", "property") => {
            json!({"get": {"responses": {"200": {"description": "OK", "content": {"application/json": {"schema": wrap(schema)}}}}}})
        }
        other => panic!("no location {other:?}"),
    };
    doc["paths"]["/things"] = op;
    doc
}

const LOCATIONS: [(&str, &str); 5] = [
    ("request", "parameter"),
    ("request", "body"),
    ("request", "property"),
    ("response", "body"),
    ("response", "property"),
];

/// Every id a template produces at every location, checked; returns the ids covered.
fn run_templates() -> (BTreeSet<String>, Vec<String>) {
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for template in templates() {
        for (dir, subject) in LOCATIONS {
            if template.object_level && subject != "body" {
                continue;
            }
            let expected_id = if template.object_level {
                format!("{dir}-{}", template.suffix)
            } else {
                format!("{dir}-{subject}-{}", template.suffix)
            };
            let report = diff::diff(
                &placed(dir, subject, &template.old),
                &placed(dir, subject, &template.new),
            );
            let ids: Vec<&str> = report.changes.iter().map(|c| c.id.as_str()).collect();
            if ids != [expected_id.as_str()] {
                failures.push(format!("{expected_id}: got {ids:?}"));
            }
            if rules::catalogue().get(&expected_id).is_none() {
                failures.push(format!("{expected_id}: not in the catalogue"));
            }
            covered.insert(expected_id);
        }
    }
    (covered, failures)
}

#[test]
fn schema_rules_fire_at_every_direction_and_subject() {
    let (_, failures) = run_templates();
    assert!(
        failures.is_empty(),
        "{} template case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_in_the_catalogue_has_a_fixture() {
    let (mut covered, _) = run_templates();
    for case in cases()["cases"].as_array().expect("cases") {
        for pair in case["expect"].as_array().expect("expect") {
            covered.insert(pair[0].as_str().expect("id").to_owned());
        }
    }
    let missing: Vec<&String> = rules::catalogue()
        .keys()
        .filter(|id| !covered.contains(*id))
        .collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
    let declared = rules::declared();
    let unique: BTreeSet<&str> = declared.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(unique.len(), declared.len(), "rule ids are unique");
    assert!(
        declared.iter().all(|r| !r.why.is_empty()),
        "every rule says why"
    );
}

#[test]
fn a_change_in_a_shared_schema_is_reported_once_with_the_operations_it_affects() {
    let cases = cases();
    let base = &cases["base"];
    let mut new = base.clone();
    merge(
        &mut new,
        &json!({"components": {"schemas": {"Order": {"properties": {"id": {"type": "integer"}}}}}}),
    );
    let report = diff::diff(base, &new);
    let response: Vec<_> = report
        .changes
        .iter()
        .filter(|c| c.id == "response-property-type-changed")
        .collect();
    assert_eq!(response.len(), 1, "{}", report.to_text("shared", false));
    assert_eq!(
        response[0].pointer,
        "/components/schemas/Order/properties/id/type"
    );
    assert_eq!(
        response[0].operations,
        ["GET /orders", "GET /orders/{id}", "POST /orders"]
    );
    let request: Vec<_> = report
        .changes
        .iter()
        .filter(|c| c.id == "request-property-type-changed")
        .collect();
    assert_eq!(request.len(), 1);
    assert_eq!(request[0].operations, ["POST /orders"]);
    assert_eq!(report.summary().suggested_bump, diff::Bump::Major);
}

fn committed_documents() -> Vec<PathBuf> {
    let apis = bank_codegen::discover(&root().join("specs")).expect("specs");
    assert_eq!(apis.len(), 4);
    apis.iter().map(|a| a.document_path()).collect()
}

#[test]
fn each_committed_document_against_itself_reports_nothing() {
    for path in committed_documents() {
        let report = diff::diff_files(&path, &path).expect("diffs");
        assert!(
            report.changes.is_empty(),
            "{}:\n{}",
            path.display(),
            report.to_text("self", false)
        );
        assert_eq!(report.summary().suggested_bump, diff::Bump::None);
    }
}

#[test]
fn swagger_2_and_its_openapi_3_conversion_show_no_change() {
    for api in ["bcc-broker", "bcc-financial"] {
        let path = root().join(format!("specs/{api}/swagger.yaml"));
        let text = std::fs::read_to_string(&path).expect("read");
        let swagger = diff::prepare(&path, &text).expect("prepares");
        let json_path = PathBuf::from(format!("{api}.openapi3.json"));
        let as_oas3 = serde_json::to_string_pretty(&swagger).expect("JSON");
        let oas3 = diff::prepare(&json_path, &as_oas3).expect("an OpenAPI 3.0 document");
        let report = diff::diff(&swagger, &oas3);
        assert!(
            report.changes.is_empty(),
            "{api}:\n{}",
            report.to_text(api, false)
        );
    }
}

#[test]
fn reports_render_as_json_markdown_and_text() {
    let cases = cases();
    let base = &cases["base"];
    let mut new = base.clone();
    merge(
        &mut new,
        &json!({"info": {"version": "2"}, "paths": {"/orders": {"post": null}}, "components": {"schemas": {"Customer": {"type": "object"}}}}),
    );
    let report = diff::diff(base, &new);
    let json = report.to_json();
    assert_eq!(json["summary"]["breaking"], 1);
    assert_eq!(json["summary"]["non-breaking"], 1);
    assert_eq!(json["summary"]["info"], 1);
    assert_eq!(json["summary"]["suggested_bump"], "major");
    let first = &json["changes"][0];
    for key in ["id", "level", "operation", "pointer", "message"] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }
    assert_eq!(first["id"], "operation-removed");
    assert_eq!(first["level"], "breaking");
    assert_eq!(first["operation"], "POST /orders");
    let markdown = report.to_markdown("v1 → v2");
    assert!(
        markdown.contains("| breaking | `operation-removed` |"),
        "{markdown}"
    );
    let text = report.to_text("v1 → v2", false);
    let breaking = text.find("operation-removed").expect("listed");
    let info = text.find("info-changed").expect("listed");
    assert!(breaking < info, "breaking changes come first:\n{text}");
    assert!(!text.contains('\x1b'), "no colour unless asked");
    assert!(report.to_text("v", true).contains("\x1b[1;31m"));
}

#[test]
fn bad_input_is_a_located_error() {
    let path = Path::new("broken.yaml");
    let err = diff::prepare(path, "openapi: 3.0.3\npaths: [unclosed").expect_err("malformed YAML");
    assert!(err.to_string().starts_with("broken.yaml:"), "{err}");
    let dangling = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          content: {application/json: {schema: {$ref: '#/components/schemas/Gone'}}}\n";
    let err = diff::prepare(path, dangling).expect_err("dangling ref");
    let text = err.to_string();
    assert!(
        text.contains("broken.yaml") && text.contains("#/components/schemas/Gone"),
        "{text}"
    );
    let err = diff::diff_files(Path::new("no/such/file.yaml"), path).expect_err("unreadable");
    assert!(err.to_string().contains("no/such/file.yaml"), "{err}");
}
