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
    found.extend(references_and_types(path, doc));
    for operation in operations(doc) {
        if let Some(name) = undeclared_path_parameter(doc, &operation) {
            found.push(Error::UnsupportedShape {
                path: path.to_path_buf(),
                pointer: operation.pointer(),
                operation: operation.label(),
                reason: format!(
                    "the path names `{{{name}}}`, which no `in: path` parameter of the operation \
                     declares; progenitor panics on it — declare it with a fix"
                ),
            });
        }
    }
    // Two operationIds that give one method name (`getThing`, `get_thing`) would not compile.
    let mut methods: std::collections::BTreeMap<String, (String, String)> = Default::default();
    for operation in operations(doc) {
        let Some(id) = operation.id() else { continue };
        let method = crate::naming::method_name(id);
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

/// A `{name}` of the operation's path template that no `in: path` parameter declares (of the
/// operation or of its path item).
fn undeclared_path_parameter(
    doc: &Value,
    operation: &crate::paths::Operation<'_>,
) -> Option<String> {
    let item = doc
        .get("paths")
        .and_then(|p| p.get(operation.route))
        .unwrap_or(&Value::Null);
    let declared: Vec<&str> = [item.get("parameters"), operation.op.get("parameters")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| crate::refs::deref(doc, p))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    let mut rest = operation.route;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        if !declared.contains(&name) {
            return Some(name.to_owned());
        }
        rest = &rest[start + len + 1..];
    }
    None
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
    if let [only] = media.as_slice()
        && body
            .pointer(&format!("/content/{}/schema", escape_pointer(only)))
            .is_none()
    {
        return Err((
            format!("/requestBody/content/{}", escape_pointer(only)),
            format!(
                "the `{only}` request body has no schema; progenitor needs one (`{{}}` takes any value)"
            ),
        ));
    }
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

/// The kind of component (`schemas`, `responses`, `parameters`, …) the object at `tokens` (a
/// pointer's tokens) is, as far as its place tells; a `$ref` there must point at one of them.
fn component_kind(tokens: &[String]) -> Option<&'static str> {
    if schema_position(tokens) {
        return Some("schemas");
    }
    let t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match t.as_slice() {
        ["components", kind, _] => [
            "responses",
            "parameters",
            "requestBodies",
            "headers",
            "securitySchemes",
            "links",
            "callbacks",
        ]
        .into_iter()
        .find(|k| k == kind),
        ["paths", _, _, "responses", _] => Some("responses"),
        ["paths", _, "parameters", _] | ["paths", _, _, "parameters", _] => Some("parameters"),
        ["paths", _, _, "requestBody"] => Some("requestBodies"),
        [.., "headers", _] => Some("headers"),
        _ => None,
    }
}

/// The types of OpenAPI 3.0 schemas.
const TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

/// Whether the object at `tokens` (a pointer's tokens) sits where a schema sits.
fn schema_position(tokens: &[String]) -> bool {
    match tokens {
        [a, b, _] if a == "components" && b == "schemas" => true,
        [.., last]
            if ["schema", "items", "additionalProperties", "not"].contains(&last.as_str()) =>
        {
            true
        }
        [.., parent, _] => ["properties", "allOf", "anyOf", "oneOf"].contains(&parent.as_str()),
        _ => false,
    }
}

/// What typify and progenitor would panic on or misread, located: a schema's `$ref` to anything
/// but a whole component schema (typify finds a reference by its last segment only, so
/// `#/components/schemas/A/properties/id` would be read as a schema named `id`, or panic),
/// another `$ref` to anything but a whole component of the kind its place takes (a response's to
/// `#/components/responses/<name>`, …), a `pattern` that is no regular expression, a schema
/// `type` that is no OpenAPI 3.0 type, and a `format` (or another keyword of one type: `minimum`,
/// `pattern`, `minItems`, …) without a `type`.
fn references_and_types(path: &Path, doc: &Value) -> Vec<Error> {
    let mut found = Vec::new();
    let _ = crate::json::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        let tokens = bank_openapi::pointer::tokens(at);
        // Extensions are the document's own data: the generator does not read them as schemas.
        if tokens.iter().any(|t| bank_openapi::ext::is_extension(t)) {
            return Ok(());
        }
        let kind = component_kind(&tokens);
        let schema = kind == Some("schemas");
        if let Some(target) = map.get("$ref").and_then(Value::as_str) {
            let segments: Vec<&str> = target.split('/').collect();
            let fits = match segments.as_slice() {
                ["#", "components", found, name] if !name.is_empty() => {
                    kind.is_none_or(|kind| kind == *found)
                }
                _ => false,
            };
            if !fits {
                let kind = kind.unwrap_or("<kind>");
                found.push(Error::invalid(
                    path,
                    format!("{at}/$ref"),
                    format!(
                        "`{target}` is not a whole component of the kind this place takes: the \
                         generator follows references to those only (`#/components/{kind}/Name`); \
                         point it at one with a fix"
                    ),
                ));
            }
        }
        if schema
            && let Some(pattern) = map.get("pattern").and_then(Value::as_str)
            && let Err(e) = regress::Regex::new(pattern)
        {
            found.push(Error::invalid(
                path,
                format!("{at}/pattern"),
                format!("`{pattern}` is not a regular expression the generated code can use: {e}"),
            ));
        }
        if schema
            && let Some(kind) = map.get("type").and_then(Value::as_str)
            && !TYPES.contains(&kind)
        {
            found.push(Error::invalid(
                path,
                format!("{at}/type"),
                format!(
                    "`{kind}` is not an OpenAPI 3.0 schema type ({}); correct it with a fix",
                    TYPES.join(", ")
                ),
            ));
        }
        // typify has no type for a schema that constrains a type it does not name
        // (`{format: int32}`, `{minimum: 0}`): it panics.
        let shaped = [
            "type",
            "$ref",
            "allOf",
            "anyOf",
            "oneOf",
            "not",
            "enum",
            "properties",
            "items",
            "additionalProperties",
        ];
        let typed = [
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "minItems",
            "maxItems",
            "uniqueItems",
        ];
        if schema
            && !shaped.iter().any(|k| map.contains_key(*k))
            && let Some(keyword) = typed.iter().find(|k| map.contains_key(**k))
        {
            found.push(Error::invalid(
                path,
                format!("{at}/{keyword}"),
                format!(
                    "`{keyword}` without a `type`: the generator cannot tell which type it \
                     constrains; add the `type` with a fix"
                ),
            ));
        }
        Ok(())
    });
    found
}
