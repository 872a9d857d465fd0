//! Shapes progenitor cannot generate, found before it is called.
//!
//! progenitor 0.15 panics (or errors unhelpfully) on: success responses with different schemas
//! (200 vs 201), a typed 2xx beside an empty 2xx (200 + 204), error responses with different
//! schemas or a typed one beside an empty one (400 JSON + 401 empty), a typed `default` beside a
//! typed 2xx, a request body with several media types, a JSON response without a schema, multipart
//! bodies, cookie and `deepObject` parameters. The normaliser gives most of these a default first
//! (recorded in the document's choices: JSON among media types, one success shape, operations and
//! parameters it cannot generate left out); what is left — several non-JSON media types,
//! differing answers not all JSON, a typed `default` beside a typed 2xx — is reported here with
//! file, JSON pointer and operation, every problem of the document in one run.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::escape_pointer;
use crate::paths::operations;

/// Check every operation; every unsupported shape of the document is reported at once (one
/// error, or [`Error::Several`]), each with file, pointer and operation.
pub fn check(path: &Path, doc: &Value) -> Result<()> {
    let mut found: Vec<Error> = operations(doc)
        .flat_map(|operation| {
            check_operation(doc, operation.op)
                .into_iter()
                .map(move |(suffix, reason)| Error::UnsupportedShape {
                    path: path.to_path_buf(),
                    pointer: format!("{}{suffix}", operation.pointer()),
                    operation: operation.label(),
                    reason,
                })
        })
        .collect();
    // Two operationIds that give one method name (`getThing`, `get_thing`) would not compile.
    let mut methods: std::collections::BTreeMap<String, (String, String)> = Default::default();
    for operation in operations(doc) {
        let Some(id) = operation.id() else { continue };
        let method = crate::constants::method_name(id);
        match methods.get(&method) {
            Some((first_id, first_at)) => found.push(Error::UnsupportedShape {
                path: path.to_path_buf(),
                pointer: format!("{}/operationId", operation.pointer()),
                operation: operation.label(),
                reason: format!(
                    "operationId `{id}` gives the method name `{method}`, as `{first_id}` at {first_at} does; \
                     rename one with a fix"
                ),
            }),
            None => {
                methods.insert(method, (id.to_owned(), format!("{}/operationId", operation.pointer())));
            }
        }
    }
    match found.len() {
        0 => Ok(()),
        1 => Err(found.remove(0)),
        _ => Err(Error::Several(found)),
    }
}

type Shape = Option<Value>;

/// Every problem of one operation: each parameter's, the request body's, the responses'.
fn check_operation(doc: &Value, op: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    found.extend(check_body(doc, op).err());
    found.extend(check_responses(doc, op).err());
    found
}

/// A body in several media types, none of them JSON (JSON beside others is chosen by the
/// normaliser; one media type progenitor does not take is sent as text or bytes, multipart left
/// out — all before this check).
fn check_body(doc: &Value, op: &Value) -> Result<(), (String, String)> {
    let Some(body) = op.get("requestBody").map(|b| crate::refs::deref(doc, b)) else {
        return Ok(());
    };
    let media: Vec<&String> = body
        .get("content")
        .and_then(Value::as_object)
        .map(|c| c.keys().collect())
        .unwrap_or_default();
    if media.len() > 1 {
        return Err((
            "/requestBody/content".into(),
            format!(
                "the request body has {} media types ({}); progenitor takes one — keep one with a fix",
                media.len(),
                media
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(())
}

fn check_responses(doc: &Value, op: &Value) -> Result<(), (String, String)> {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Err(("/responses".into(), "the operation has no responses".into()));
    };
    let mut success: Vec<(&str, Shape)> = Vec::new();
    let mut errors: Vec<(&str, Shape)> = Vec::new();
    for (status, response) in responses {
        let response = crate::refs::deref(doc, response);
        let suffix = format!("/responses/{}", escape_pointer(status));
        let shape = response_shape(response).map_err(|r| (format!("{suffix}/content"), r))?;
        if bank_openapi::status::is_success(status) {
            success.push((status, shape));
        } else if bank_openapi::status::is_error(status) {
            errors.push((status, shape));
        }
    }
    uniform(&success, "success (2xx)").map_err(|r| ("/responses".to_string(), r))?;
    uniform(&errors, "error (4xx/5xx/default)").map_err(|r| ("/responses".to_string(), r))?;
    if let (Some((_, Some(_))), Some(("default", Some(_)))) = (
        success.first(),
        errors.iter().find(|(s, _)| *s == "default"),
    ) {
        return Err((
            "/responses/default".into(),
            "a typed `default` beside a typed 2xx makes progenitor panic".into(),
        ));
    }
    Ok(())
}

/// The schema of a response's JSON body, `None` for no body.
fn response_shape(response: &Value) -> Result<Shape, String> {
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Ok(None);
    };
    if content.is_empty() {
        return Ok(None);
    }
    if content.len() > 1 {
        return Err(format!(
            "{} response media types ({}); progenitor takes one",
            content.len(),
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let (media, m) = content.iter().next().expect("one entry");
    match m.get("schema") {
        Some(schema) => Ok(Some(schema.clone())),
        None if media.contains("json") => Err(format!(
            "a `{media}` response without a schema makes progenitor panic"
        )),
        None => Ok(None),
    }
}

fn uniform(list: &[(&str, Shape)], what: &str) -> Result<(), String> {
    let Some((first_status, first)) = list.first() else {
        return Ok(());
    };
    for (status, shape) in &list[1..] {
        if shape != first {
            let describe = |s: &Shape| match s {
                None => "no body".to_owned(),
                Some(v) => v
                    .get("$ref")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| "an inline schema".into()),
            };
            return Err(format!(
                "{what} responses differ: {first_status} has {}, {status} has {}; progenitor needs one shape \
                 (point them at one schema, or drop the body-less one with a fix)",
                describe(first),
                describe(shape)
            ));
        }
    }
    Ok(())
}
