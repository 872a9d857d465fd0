//! Structural validation of a document as written (before conversion): the fields Swagger 2.0 /
//! OpenAPI 3.0 require, path parameters against path templates, and every `$ref`.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::{Document, SpecVersion, escape_pointer};

use crate::paths::METHODS;

/// Validate a loaded document; every problem is reported at once (one error, or
/// [`Error::Several`]), each with its JSON pointer. OpenAPI 3.0
/// documents are also read as `openapiv3` reads them, as the generator will.
pub fn check(doc: &Document) -> Result<()> {
    check_structure(doc)?;
    if doc.version == SpecVersion::OpenApi30 {
        serde_json::from_value::<openapiv3::OpenAPI>(doc.value.clone()).map_err(|e| {
            Error::invalid(
                &doc.path,
                "/",
                format!("not a valid OpenAPI 3.0 document: {e}"),
            )
        })?;
    }
    Ok(())
}

/// The structural part of [`check`]: required fields, parameters against path templates and
/// every `$ref`, located by JSON pointer. Linear in the document's size (the spec diff uses it on
/// multi-megabyte documents, where a typed `openapiv3` read costs ten times more).
pub fn check_structure(doc: &Document) -> Result<()> {
    structure(doc, &mut None)
}

/// [`check_structure`] for reading only (the spec diff): harmless violations — an operation
/// without `responses`, a path parameter not marked `required` — are returned as located
/// warnings instead of refusing the document.
pub fn check_structure_lenient(doc: &Document) -> Result<Vec<String>> {
    let mut warnings = Some(Vec::new());
    structure(doc, &mut warnings)?;
    Ok(warnings.unwrap_or_default())
}

/// The structure check; with `warnings`, the harmless violations go there.
fn structure(doc: &Document, warnings: &mut Option<Vec<String>>) -> Result<()> {
    let path = &doc.path;
    let v = &doc.value;
    let mut found: Vec<Error> = Vec::new();
    match crate::refs::check(path, v) {
        Err(Error::Several(all)) => found.extend(all),
        Err(e) => found.push(e),
        Ok(()) => {}
    }
    for key in ["title", "version"] {
        if v.pointer(&format!("/info/{key}"))
            .and_then(Value::as_str)
            .is_none()
        {
            found.push(Error::invalid(
                path,
                format!("/info/{key}"),
                format!("`info.{key}` is required"),
            ));
        }
    }
    let Some(paths) = v.get("paths").and_then(Value::as_object) else {
        found.push(Error::invalid(path, "/paths", "`paths` is required"));
        return all_of(found);
    };
    let resolve = |p: &'_ Value| -> Value {
        match bank_openapi::refs::target(p) {
            Some(ptr) => v.pointer(ptr).cloned().unwrap_or(Value::Null),
            None => p.clone(),
        }
    };
    for (route, item) in paths {
        let template: Vec<&str> = route
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(resolve)
            .collect();
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let base = format!("/paths/{}/{method}", escape_pointer(route));
            match op.get("responses").and_then(Value::as_object) {
                Some(r) if !r.is_empty() => {}
                _ if warnings.is_some() => {
                    if let Some(w) = warnings.as_mut() {
                        w.push(format!(
                            "{}: {base}/responses: the operation documents no response (read as none)",
                            path.display()
                        ));
                    }
                }
                _ => {
                    found.push(Error::invalid(
                        path,
                        format!("{base}/responses"),
                        "an operation needs at least one response",
                    ));
                }
            }
            let mut params: Vec<Value> = shared.clone();
            params.extend(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(resolve),
            );
            for (i, p) in params.iter().enumerate() {
                let at = format!("{base}/parameters/{i}");
                let (Some(_name), Some(location)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    found.push(Error::invalid(
                        path,
                        at,
                        "a parameter needs `name` and `in`",
                    ));
                    continue;
                };
                let allowed: &[&str] = match doc.version {
                    SpecVersion::Swagger2 => &["query", "header", "path", "formData", "body"],
                    SpecVersion::OpenApi30 => &["query", "header", "path", "cookie"],
                };
                if !allowed.contains(&location) {
                    found.push(Error::invalid(
                        path,
                        at,
                        format!("`in: {location}` is not valid here"),
                    ));
                    continue;
                }
                let has_schema = match (doc.version, location) {
                    (SpecVersion::Swagger2, "body") => p.get("schema").is_some(),
                    (SpecVersion::Swagger2, _) => p.get("type").is_some(),
                    (SpecVersion::OpenApi30, _) => {
                        p.get("schema").is_some() || p.get("content").is_some()
                    }
                };
                if !has_schema {
                    found.push(Error::invalid(
                        path,
                        at,
                        "the parameter declares no type or schema",
                    ));
                    continue;
                }
                if location == "path" && p.get("required") != Some(&Value::Bool(true)) {
                    if let Some(w) = warnings.as_mut() {
                        w.push(format!(
                            "{}: {at}: a path parameter not marked `required: true` (read as required)",
                            path.display()
                        ));
                        continue;
                    }
                    found.push(Error::invalid(
                        path,
                        at,
                        "path parameters must be `required: true`",
                    ));
                }
            }
            for name in &template {
                let declared = params.iter().any(|p| {
                    p.get("in") == Some(&"path".into())
                        && p.get("name").and_then(Value::as_str) == Some(name)
                });
                if !declared {
                    found.push(Error::invalid(
                        path,
                        base.clone(),
                        format!("path parameter `{name}` of the template is not declared"),
                    ));
                }
            }
        }
    }
    all_of(found)
}

/// No problem, one, or [`Error::Several`].
fn all_of(mut found: Vec<Error>) -> Result<()> {
    match found.len() {
        0 => Ok(()),
        1 => Err(found.remove(0)),
        _ => Err(Error::Several(found)),
    }
}

/// The examples a `known-quirks.yaml` lists, `pointer → quirk` (none when the file is absent).
pub fn listed_quirks(path: &std::path::Path) -> Result<std::collections::BTreeMap<String, String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(Error::io(path, "read", e)),
    };
    let value = crate::load::parse_value(path, &text)?;
    Ok(value
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| {
            let text = |key: &str| q[key].as_str().unwrap_or_default().to_owned();
            (text("at"), text("quirk"))
        })
        .collect())
}

/// The text of a `known-quirks.yaml` listing `found` (`(pointer of the example, violation)`, as
/// [`example_violations`] gives them).
pub fn known_quirks_yaml(found: &[(String, String)]) -> String {
    let mut text = String::from(
        "# Examples in the bank's document that contradict their own schema, kept as published.\n\
         # Checked by codegen/tests/specs.rs: a new contradiction fails, and so does one listed here that\n\
         # has gone. Regenerate with UPDATE_KNOWN_QUIRKS=1 cargo test -p bank-codegen --test specs.\n",
    );
    if found.is_empty() {
        text.push_str("[]\n");
    }
    for (at, why) in found {
        text.push_str(&format!("- at: {at:?}\n  quirk: {why:?}\n"));
    }
    text
}

/// Every example of the document checked against the schema it sits in: `(pointer of the
/// example, violation)`. Media types and parameters check `example` against their `schema`;
/// schema objects against themselves.
pub fn example_violations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let _ = crate::json::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        if let Some(example) = map.get("example") {
            let schema = map.get("schema").cloned().unwrap_or_else(|| {
                let mut s = map.clone();
                s.shift_remove("example");
                Value::Object(s)
            });
            for violation in crate::validate::validate(doc, &schema, example) {
                out.push((format!("{at}/example"), violation.to_string()));
            }
        }
        Ok(())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_structural_problem_is_reported_in_one_run() {
        let doc = Document {
            path: "bad.yaml".into(),
            version: SpecVersion::OpenApi30,
            value: serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t"},
                "paths": {"/things/{id}": {"get": {
                    "parameters": [{"name": "q", "in": "body", "schema": {"type": "string"}}]
                }}},
                "components": {"schemas": {"A": {"$ref": "#/components/schemas/Gone"}}}
            }),
            notes: Vec::new(),
        };
        let Err(Error::Several(all)) = check_structure(&doc) else {
            panic!("several problems expected");
        };
        let text: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 5, "{text:#?}");
        for expected in [
            "bad.yaml: /components/schemas/A/$ref: dangling $ref",
            "bad.yaml: /info/version: `info.version` is required",
            "bad.yaml: /paths/~1things~1{id}/get/responses: an operation needs at least one response",
            "bad.yaml: /paths/~1things~1{id}/get/parameters/0: `in: body` is not valid here",
            "bad.yaml: /paths/~1things~1{id}/get: path parameter `id` of the template is not declared",
        ] {
            assert!(
                text.iter().any(|t| t.starts_with(expected)),
                "{expected}: {text:#?}"
            );
        }
    }
}
