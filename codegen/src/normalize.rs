//! Normalisation by the per-API [`Policy`](crate::config::Policy): exact money, the banks' date
//! layouts, open response schemas, and operation ids where the bank left them out.
//!
//! Conversions are expressed as `x-rust-type` on the schema, which typify honours before anything
//! else, so the normalised `openapi.json` says exactly which Rust type each schema became.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value, json};

use bank_openapi::formats;
use bank_openapi::walk::visit_objects_mut;

use crate::config::Policy;
use crate::error::{Error, Result};
use crate::load::escape_pointer;

/// The runtime crate generated code refers to.
pub const RUNTIME_CRATE: &str = "bank-runtime";
/// Its version requirement as written into `x-rust-type`.
pub const RUNTIME_VERSION: &str = "0.1.0";

use crate::paths::{METHODS, operations};

/// Apply the policy to a converted, fixed OpenAPI 3.0 document.
pub fn normalise(path: &Path, doc: &mut Value, policy: &Policy) -> Result<()> {
    choose_json_media(doc);
    leave_out_ungeneratable(doc);
    drop_form_encodings(doc);
    derive_operation_ids(doc);
    other_bodies_as_text_or_bytes(doc);
    one_success_shape(doc);
    tidy_enums(doc);
    enums_without_distinct_names(doc);
    drop_meaningless_formats(doc);
    rename_colliding_schemas(doc);
    if policy.exact_numbers {
        mark_number_parameters(doc);
        mark_numbers(doc);
    }
    mark_formats(doc);
    if policy.stringify_examples {
        stringify_examples(doc);
    }
    if policy.open_responses {
        open_responses(doc);
    }
    if let Some(name) = &policy.client_id_path_parameter {
        client_id_prefix(path, doc, name)?;
    }
    if !policy.typed_errors {
        untype_error_responses(doc);
    }
    Ok(())
}

/// The root key listing every choice the normaliser made where the document allowed several
/// (`{at, choice}`), so that it is never silent: `cargo xtask generate` prints them.
pub const CHOICES: &str = "x-normalisation-choices";

/// Record a choice at `at` (a JSON pointer, or a Rust path for a choice made in the generated
/// code) in the document's [`CHOICES`].
pub fn record(doc: &mut Value, at: String, choice: String) {
    if let Some(root) = doc.as_object_mut() {
        let list = root.entry(CHOICES).or_insert_with(|| json!([]));
        if let Some(list) = list.as_array_mut() {
            list.push(json!({"at": at, "choice": choice}));
        }
    }
}

/// The essence of a media type, lower case, parameters (`; charset=utf-8`) dropped.
fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The JSON media type among `keys`: `application/json` (parameters ignored) first, then a
/// `+json` type (`application/problem+json`), in the document's order.
fn json_media<'a>(keys: impl Iterator<Item = &'a String> + Clone) -> Option<&'a String> {
    keys.clone()
        .find(|k| essence(k) == "application/json")
        .or_else(|| keys.clone().find(|k| essence(k).ends_with("+json")))
}

/// Pointers to the request bodies written in the operations (not `$ref`s to components).
fn operation_bodies(doc: &Value) -> Vec<String> {
    operations(doc)
        .filter(|op| op.op.pointer("/requestBody/content").is_some())
        .map(|op| format!("{}/requestBody", op.pointer()))
        .collect()
}

/// Pointers to every operation's responses, per status.
fn operation_responses(doc: &Value) -> Vec<String> {
    operations(doc)
        .flat_map(|op| {
            let at = op.pointer();
            op.op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(move |(status, _)| format!("{at}/responses/{}", escape_pointer(status)))
        })
        .collect()
}

/// Pointers to the entries of `components/<kind>`.
fn components(doc: &Value, kind: &str) -> Vec<String> {
    doc.pointer(&format!("/components/{kind}"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
        .map(|name| format!("/components/{kind}/{}", escape_pointer(name)))
        .collect()
}

/// Bodies and responses with several media types (JSON beside XML or JOSE), or JSON with
/// parameters (`application/json; charset=utf-8`): the JSON one is kept as `application/json`,
/// the others listed in `x-other-media-types`; a JSON response without a schema reads any JSON
/// value. Every change is recorded ([`CHOICES`]).
fn choose_json_media(doc: &mut Value) {
    let mut places = operation_bodies(doc);
    places.extend(operation_responses(doc));
    // Bodies and responses declared once under `components` and `$ref`'d from operations.
    places.extend(components(doc, "requestBodies"));
    places.extend(components(doc, "responses"));
    let mut choices = Vec::new();
    for place in places {
        let Some(holder) = doc.pointer_mut(&place).and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        let keys: Vec<String> = content.keys().cloned().collect();
        let Some(json) = json_media(keys.iter()).cloned() else {
            continue;
        };
        let others: Vec<String> = keys.iter().filter(|k| **k != json).cloned().collect();
        if others.is_empty() && json == "application/json" {
            if let Some(media) = content.get_mut(&json).and_then(Value::as_object_mut)
                && !media.contains_key("schema")
                && place.contains("/responses/")
            {
                media.insert("schema".into(), json!({}));
                choices.push((
                    format!("{place}/content"),
                    "a JSON response without a schema: read as any JSON value".to_owned(),
                ));
            }
            continue;
        }
        let mut media = content.get(&json).cloned().unwrap_or_else(|| json!({}));
        if media.get("schema").is_none() && place.contains("/responses/") {
            media["schema"] = json!({});
        }
        content.clear();
        content.insert("application/json".into(), media);
        if !others.is_empty() {
            holder.insert("x-other-media-types".into(), json!(others));
        }
        let mut choice = format!("`{json}` used as application/json");
        if !others.is_empty() {
            choice.push_str(&format!(
                "; also documented, not generated: {}",
                others.join(", ")
            ));
        }
        choices.push((format!("{place}/content"), choice));
    }
    for (at, choice) in choices {
        record(doc, at, choice);
    }
}

/// The root key listing the operations left out of the client (`{operation, reason}`).
pub const LEFT_OUT: &str = "x-left-out";

/// Operations progenitor cannot generate at all — a multipart request body, a required cookie or
/// `deepObject` parameter — are left out of the client (the rest of the API is generated), each
/// listed in [`LEFT_OUT`] and recorded ([`CHOICES`]); an optional cookie or `deepObject`
/// parameter (`filter[status]=…`) is dropped from its operation, recorded. A fix can reshape such
/// an operation or parameter to bring it back.
fn leave_out_ungeneratable(doc: &mut Value) {
    let mut left_out: Vec<(String, String, String)> = Vec::new();
    let mut dropped: Vec<(String, usize, String)> = Vec::new();
    for op in operations(doc) {
        let content = op
            .op
            .get("requestBody")
            .map(|b| crate::refs::deref(doc, b))
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object);
        // JSON beside multipart is chosen by `choose_json_media` already: only a body with no
        // other media type is left.
        let multipart = content
            .filter(|c| c.len() == 1)
            .and_then(|c| c.keys().find(|k| essence(k).starts_with("multipart/")));
        let mut reason = multipart.map(|m| format!("a `{m}` request body"));
        for (i, p) in op
            .op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = crate::refs::deref(doc, p);
            let what = if p.get("in").and_then(Value::as_str) == Some("cookie") {
                "cookie parameter"
            } else if p.get("style").and_then(Value::as_str) == Some("deepObject") {
                "`deepObject` parameter"
            } else {
                continue;
            };
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            if p.get("required").and_then(Value::as_bool) == Some(true) {
                reason.get_or_insert_with(|| format!("a required {what} `{name}`"));
            } else {
                dropped.push((op.pointer(), i, format!("{what} `{name}`")));
            }
        }
        if let Some(reason) = reason {
            left_out.push((op.pointer(), op.label(), reason));
        }
    }
    // Later indexes first, so earlier ones stay valid.
    dropped.sort_by_key(|d| std::cmp::Reverse(d.1));
    for (at, i, name) in dropped {
        if left_out.iter().any(|(l, _, _)| *l == at) {
            continue;
        }
        if let Some(list) = doc
            .pointer_mut(&format!("{at}/parameters"))
            .and_then(Value::as_array_mut)
        {
            list.remove(i);
        }
        record(
            doc,
            format!("{at}/parameters/{i}"),
            format!(
                "optional {name} dropped: progenitor cannot send it (a fix can declare it as the \
                 parameters it stands for)"
            ),
        );
    }
    for (at, label, reason) in left_out {
        let Some((item, method)) = at.rsplit_once('/') else {
            continue;
        };
        if let Some(path_item) = doc.pointer_mut(item).and_then(Value::as_object_mut) {
            path_item.remove(method);
        }
        if let Some(root) = doc.as_object_mut() {
            let list = root.entry(LEFT_OUT).or_insert_with(|| json!([]));
            if let Some(list) = list.as_array_mut() {
                list.push(json!({"operation": label, "reason": reason}));
            }
        }
        record(
            doc,
            at,
            format!(
                "{label} left out of the client: {reason} cannot be generated (call it by hand, \
                 or reshape it with a fix)"
            ),
        );
    }
    // A path item left with no operation goes too (its parameters alone generate nothing).
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|_, item| {
            item.as_object()
                .is_none_or(|m| m.keys().any(|k| METHODS.contains(&k.as_str())))
        });
    }
}

/// `encoding` of a form (`application/x-www-form-urlencoded`) body makes progenitor stop
/// (`todo!`): dropped, and the form is sent the way serde_urlencoded writes it (flat keys: a
/// nested object or array in such a body is refused when sending — progenitor's `InvalidRequest`
/// "failed to serialize body" — rather than sent in another style than documented). Recorded once, with how many bodies it concerns.
fn drop_form_encodings(doc: &mut Value) {
    let places: Vec<String> = operation_bodies(doc)
        .into_iter()
        .chain(components(doc, "requestBodies"))
        .map(|b| format!("{b}/content"))
        .collect();
    let mut dropped: Vec<(String, Vec<String>)> = Vec::new();
    for place in places {
        let Some(content) = doc.pointer_mut(&place).and_then(Value::as_object_mut) else {
            continue;
        };
        for m in content.values_mut() {
            let Some(m) = m.as_object_mut() else { continue };
            let nonempty = m
                .get("encoding")
                .and_then(Value::as_object)
                .is_some_and(|e| !e.is_empty());
            if let Some(encoding) = m.remove("encoding")
                && nonempty
            {
                let styles: BTreeSet<String> = encoding
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, e)| e.get("style").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                dropped.push((place.clone(), styles.into_iter().collect()));
            }
        }
    }
    if let Some((first, _)) = dropped.first() {
        let styles: BTreeSet<&String> = dropped.iter().flat_map(|(_, s)| s).collect();
        let others = dropped.len() - 1;
        record(
            doc,
            first.clone(),
            format!(
                "`encoding` of form bodies (styles: {}) ignored here{}: fields are sent flat, the way \
                 serde_urlencoded writes them; a nested value is refused when sending",
                styles.into_iter().cloned().collect::<Vec<_>>().join(", "),
                if others > 0 {
                    format!(" and in {others} other body/bodies")
                } else {
                    String::new()
                }
            ),
        );
    }
}

/// The operation key holding a request body's media type as documented, where the generated
/// client sends it as text or bytes ([`other_bodies_as_text_or_bytes`]).
pub const CONTENT_TYPE: &str = "x-content-type";

/// The request media types progenitor generates (parameters aside).
const TAKEN_MEDIA: [&str; 5] = [
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/x-markdown",
];

/// A request body in one media type progenitor does not take (`application/jwt`, XML, a PDF) is
/// sent as the text (a `String`) or the bytes the caller gives, with the documented
/// `Content-Type` ([`CONTENT_TYPE`]; the generated `send` puts it back). Textual types (`text/*`,
/// XML, JOSE/JWT, `+json`-less JSON-like) become text, others bytes; the documented payload
/// schema is kept as `x-payload-schema`. Recorded ([`CHOICES`]).
fn other_bodies_as_text_or_bytes(doc: &mut Value) {
    let mut changes: Vec<(String, String, Value)> = Vec::new();
    for op in operations(doc) {
        let Some(body) = op.op.get("requestBody").map(|b| crate::refs::deref(doc, b)) else {
            continue;
        };
        let Some(content) = body.get("content").and_then(Value::as_object) else {
            continue;
        };
        if content.len() != 1 {
            continue;
        }
        let (media, _) = content.iter().next().expect("one");
        let e = essence(media);
        if TAKEN_MEDIA.contains(&e.as_str()) || e.starts_with("multipart/") {
            continue;
        }
        changes.push((op.pointer(), media.clone(), body.clone()));
    }
    for (at, media, mut body) in changes {
        let e = essence(&media);
        let textual = e.starts_with("text/")
            || ["xml", "jwt", "jose", "jws", "jwe", "json", "csv", "yaml"]
                .iter()
                .any(|t| e.contains(t));
        let (taken, schema, what) = if textual {
            (
                "text/plain",
                json!({"type": "string"}),
                "the text you give (a String)",
            )
        } else {
            (
                "application/octet-stream",
                json!({"type": "string", "format": "binary"}),
                "the bytes you give",
            )
        };
        let payload = body
            .pointer(&format!(
                "/content/{}/schema",
                crate::load::escape_pointer(&media)
            ))
            .cloned();
        let mut new_media = json!({"schema": schema});
        if let Some(payload) = &payload {
            new_media["x-payload-schema"] = payload.clone();
        }
        body["content"] = json!({ taken: new_media });
        let Some(op) = doc.pointer_mut(&at) else {
            continue;
        };
        op["requestBody"] = body;
        op[CONTENT_TYPE] = json!(media);
        let documented = payload
            .as_ref()
            .and_then(|p| p.get("$ref"))
            .and_then(Value::as_str)
            .map(|r| {
                format!(
                    "; its documented payload is `{}`",
                    r.rsplit('/').next().unwrap_or(r)
                )
            })
            .unwrap_or_default();
        record(
            doc,
            format!("{at}/requestBody/content"),
            format!("a `{media}` request body: sent as {what}, Content-Type `{media}`{documented}"),
        );
    }
}

/// The operation key listing the 2xx statuses the document gives no body while another 2xx has
/// one (`["204"]`): the answer is `Option<T>`, `None` for these statuses.
pub const EMPTY_SUCCESS: &str = "x-empty-success";

/// progenitor needs one answer type per operation. Where the 2xx answers differ, every 2xx gets
/// one schema, recorded ([`CHOICES`]):
/// - different typed answers (`200` one schema, `202` another): a `<operationId>-success`
///   component `oneOf` them (an untagged union tried in the document's order; `status()` tells
///   which answer came);
/// - a body-less 2xx beside typed ones (`200` with a body, `204` without): the answer is
///   `Option<T>` (a nullable schema around the typed one), the body-less statuses listed in
///   [`EMPTY_SUCCESS`]; the generated `send` answers `None` for them without reading a body.
///
/// Answers that are not JSON are left to the shape check, which names them.
fn one_success_shape(doc: &mut Value) {
    struct Change {
        at: String,
        id: String,
        empty: Vec<String>,
        typed: Vec<(String, Value)>,
    }
    let mut changes: Vec<Change> = Vec::new();
    for op in operations(doc) {
        let Some(responses) = op.op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        let (mut typed, mut empty, mut other) = (Vec::new(), Vec::new(), false);
        for (status, response) in responses {
            if !bank_openapi::status::is_success(status) || status == "default" {
                continue;
            }
            let response = crate::refs::deref(doc, response);
            let content = response.get("content").and_then(Value::as_object);
            match content.filter(|c| !c.is_empty()) {
                None => empty.push(status.clone()),
                Some(c) => match c.get("application/json").and_then(|m| m.get("schema")) {
                    Some(schema) if c.len() == 1 => typed.push((status.clone(), schema.clone())),
                    _ => other = true,
                },
            }
        }
        let mut distinct: Vec<(String, Value)> = Vec::new();
        for (status, schema) in typed {
            if !distinct.iter().any(|(_, s)| *s == schema) {
                distinct.push((status, schema));
            }
        }
        if other || distinct.is_empty() || (distinct.len() == 1 && empty.is_empty()) {
            continue;
        }
        let Some(id) = op.id() else { continue };
        changes.push(Change {
            at: op.pointer(),
            id: id.to_owned(),
            empty,
            typed: distinct,
        });
    }
    for Change {
        at,
        id,
        empty,
        typed,
    } in changes
    {
        let mut schema = typed[0].1.clone();
        if typed.len() > 1 {
            let taken = |name: &str, doc: &Value| {
                doc.pointer(&format!(
                    "/components/schemas/{}",
                    crate::load::escape_pointer(name)
                ))
                .is_some()
            };
            let mut name = format!("{id}-success");
            let mut n = 2;
            while taken(&name, doc) {
                name = format!("{id}-success-{n}");
                n += 1;
            }
            let members: Vec<Value> = typed.iter().map(|(_, s)| s.clone()).collect();
            let described: Vec<String> = typed
                .iter()
                .map(|(status, s)| {
                    let what = s
                        .get("$ref")
                        .and_then(Value::as_str)
                        .map(|r| format!("`{}`", r.rsplit('/').next().unwrap_or(r)))
                        .unwrap_or_else(|| "an inline schema".into());
                    format!("{status} {what}")
                })
                .collect();
            if let Some(root) = doc.as_object_mut() {
                let components = root.entry("components").or_insert_with(|| json!({}));
                components["schemas"][&name] = json!({
                    "oneOf": members,
                    "description": format!("The answers of `{id}`: {}.", described.join(", ")),
                });
            }
            schema = json!({"$ref": format!("#/components/schemas/{}", crate::load::escape_pointer(&name))});
            record(
                doc,
                format!("{at}/responses"),
                format!(
                    "success answers differ ({}): the answer is `{}`, a union of them tried in that \
                     order (its status() tells which came)",
                    described.join(", "),
                    crate::generate::rust_type_name(&name)
                ),
            );
        }
        if !empty.is_empty() {
            schema = json!({"nullable": true, "allOf": [schema]});
            record(
                doc,
                format!("{at}/responses"),
                format!(
                    "{} without a body beside a typed 2xx: the answer is an Option, None for {}",
                    empty.join(", "),
                    empty.join(", ")
                ),
            );
        }
        let Some(mut op) = doc.pointer(&at).cloned() else {
            continue;
        };
        let statuses: Vec<String> = op
            .get("responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        for status in statuses {
            if !bank_openapi::status::is_success(&status) || status == "default" {
                continue;
            }
            let mut response = crate::refs::deref(doc, &op["responses"][&status]).clone();
            if let Some(obj) = response.as_object_mut() {
                obj.insert(
                    "content".into(),
                    json!({"application/json": {"schema": schema.clone()}}),
                );
            }
            op["responses"][&status] = response;
        }
        if !empty.is_empty() {
            op[EMPTY_SUCCESS] = json!(empty);
        }
        if let Some(slot) = doc.pointer_mut(&at) {
            *slot = op;
        }
    }
}

/// `format` on an `object`, `array` or `boolean` schema (PayPal's `format: payer_v1`) means
/// nothing to JSON Schema and makes typify panic: dropped, recorded ([`CHOICES`]). Examples are
/// data, not schemas, and are left alone.
fn drop_meaningless_formats(doc: &mut Value) {
    let mut found: Vec<(String, String, String)> = Vec::new();
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        if at
            .split('/')
            .any(|s| s == "example" || s == "examples" || s == "x-examples")
        {
            return Ok(());
        }
        if let (Some(Value::String(ty)), Some(Value::String(format))) =
            (map.get("type"), map.get("format"))
            && matches!(ty.as_str(), "object" | "array" | "boolean")
        {
            found.push((at.to_owned(), ty.clone(), format.clone()));
        }
        Ok(())
    });
    for (at, ty, format) in found {
        if let Some(map) = doc.pointer_mut(&at).and_then(Value::as_object_mut) {
            map.remove("format");
        }
        record(
            doc,
            format!("{at}/format"),
            format!("`format: {format}` on a `{ty}` schema means nothing to JSON Schema: dropped"),
        );
    }
}

/// The Rust variant name typify gives an enum value (its `sanitize`, Pascal case).
fn variant_name(value: &str) -> String {
    use heck::ToPascalCase;
    let out = match value {
        "+1" => "plus1".to_pascal_case(),
        "-1" => "minus1".to_pascal_case(),
        _ => value
            .replace('\'', "")
            .replace(|c| !unicode_ident::is_xid_continue(c), "-")
            .to_pascal_case(),
    };
    match out.chars().next() {
        Some(c) if unicode_ident::is_xid_start(c) => out,
        _ => format!("X{out}"),
    }
}

/// The values of `values` whose variant names clash after both of typify's namings (the plain
/// one, then the one writing elided characters as `X`); none when it can name them all.
fn clashing_variant_names(values: &[&str]) -> Vec<String> {
    let clashes = |name: &dyn Fn(&str) -> String| {
        let mut seen: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
        for v in values {
            seen.entry(name(v)).or_default().push(v);
        }
        seen.into_values()
            .filter(|vs| vs.len() > 1)
            .flatten()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    if clashes(&variant_name).is_empty() {
        return Vec::new();
    }
    clashes(&|v: &str| {
        variant_name(&v.replace(
            |c: char| c == '_' || !unicode_ident::is_xid_continue(c),
            "X",
        ))
    })
}

/// A string enum whose values typify cannot give distinct Rust names (`Etc/GMT+1` and
/// `Etc/GMT-1` are both `EtcGmt1`; typify panics) is read as a plain string, its values kept in
/// `x-enum-values`. Recorded ([`CHOICES`]).
fn enums_without_distinct_names(doc: &mut Value) {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        if at
            .split('/')
            .any(|s| s == "example" || s == "examples" || s == "x-examples")
        {
            return Ok(());
        }
        let Some(values) = map.get("enum").and_then(Value::as_array) else {
            return Ok(());
        };
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let clashing = clashing_variant_names(&strings);
        if !clashing.is_empty() {
            found.push((at.to_owned(), clashing));
        }
        Ok(())
    });
    for (at, clashing) in found {
        if let Some(map) = doc.pointer_mut(&at).and_then(Value::as_object_mut)
            && let Some(values) = map.remove("enum")
        {
            map.insert("x-enum-values".into(), values);
        }
        let shown: Vec<String> = clashing.iter().take(6).map(|v| format!("`{v}`")).collect();
        record(
            doc,
            format!("{at}/enum"),
            format!(
                "enum values that give one Rust name ({}{}): read as a plain string, the values kept in x-enum-values",
                shown.join(", "),
                if clashing.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
        );
    }
}

/// A schema name `name_2`, `name_3`, … whose Rust name is free.
fn free_name(
    name: &str,
    schemas: &Map<String, Value>,
    taken: &BTreeSet<String>,
    inline: &std::collections::BTreeMap<String, String>,
) -> String {
    let rust = crate::generate::rust_type_name;
    let mut n = 2;
    loop {
        let candidate = format!("{name}_{n}");
        if !schemas.contains_key(&candidate)
            && !taken.contains(&rust(&candidate))
            && !inline.contains_key(&rust(&candidate))
        {
            return candidate;
        }
        n += 1;
    }
}

/// The Rust names typify gives the inline schemas of component properties that become types of
/// their own (objects with properties, string enums, unions, intersections; array items), with
/// the pointer of the first schema named so: `<Parent>_<property>` in Pascal case (`Item` added
/// for an array's items), or the schema's `title`.
fn inline_type_names(doc: &Value) -> std::collections::BTreeMap<String, String> {
    fn makes_type(schema: &Value) -> bool {
        let many = |k: &str| {
            schema
                .get(k)
                .and_then(Value::as_array)
                .is_some_and(|a| a.len() > 1)
        };
        schema.get("$ref").is_none()
            && (schema
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty())
                || schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().any(Value::is_string))
                || many("oneOf")
                || many("anyOf")
                || many("allOf"))
    }
    fn walk(
        parent: &str,
        schema: &Value,
        at: &str,
        depth: usize,
        out: &mut std::collections::BTreeMap<String, String>,
    ) {
        if depth > 12 {
            return;
        }
        for (prop, p) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let suggested = format!(
                "{parent}_{}",
                heck::ToSnakeCase::to_snake_case(prop.as_str())
            );
            let here = format!("{at}/properties/{}", escape_pointer(prop));
            let (schema, suggested, here) = match p.get("items") {
                Some(items) if p.get("type").and_then(Value::as_str) == Some("array") => {
                    (items, format!("{suggested}Item"), format!("{here}/items"))
                }
                _ => (p, suggested, here),
            };
            if !makes_type(schema) {
                continue;
            }
            let name = crate::generate::rust_type_name(
                schema
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or(&suggested),
            );
            out.entry(name.clone()).or_insert_with(|| here.clone());
            walk(&name, schema, &here, depth + 1, out);
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let rust = crate::generate::rust_type_name(name);
        walk(
            &rust,
            schema,
            &format!("/components/schemas/{}", escape_pointer(name)),
            0,
            &mut out,
        );
    }
    out
}

/// `enum` lists the generators cannot take: a value listed twice (typify panics) is listed once;
/// a `type: string` enum with unquoted numbers or booleans (`[1, 2]`, YAML's `yes`) lists them as
/// the strings they stand for. Recorded ([`CHOICES`]).
fn tidy_enums(doc: &mut Value) {
    // Found first (the walk is read-only), then changed by pointer.
    let mut fixes: Vec<(String, Vec<Value>, Vec<String>)> = Vec::new();
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        let Some(values) = map.get("enum").and_then(Value::as_array) else {
            return Ok(());
        };
        let is_string = map.get("type").and_then(Value::as_str) == Some("string");
        let mut notes = Vec::new();
        let mut tidy: Vec<Value> = values.clone();
        if is_string && tidy.iter().any(|v| !v.is_string() && !v.is_null()) {
            let before: Vec<String> = tidy.iter().map(Value::to_string).collect();
            for v in tidy.iter_mut() {
                let text = match &*v {
                    Value::String(_) | Value::Null => continue,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => other.to_string(),
                };
                *v = Value::String(text);
            }
            notes.push(format!(
                "values of a string enum read as strings: [{}]",
                before.join(", ")
            ));
        }
        let mut seen: Vec<Value> = Vec::new();
        let mut dropped = Vec::new();
        tidy.retain(|v| {
            if seen.contains(v) {
                dropped.push(v.to_string());
                false
            } else {
                seen.push(v.clone());
                true
            }
        });
        if !dropped.is_empty() {
            notes.push(format!("listed twice, kept once: {}", dropped.join(", ")));
        }
        if !notes.is_empty() {
            fixes.push((at.to_owned(), tidy, notes));
        }
        Ok(())
    });
    for (at, tidy, notes) in fixes {
        if let Some(map) = doc.pointer_mut(&at).and_then(Value::as_object_mut) {
            map.insert("enum".into(), Value::Array(tidy));
        }
        for note in notes {
            record(doc, format!("{at}/enum"), note);
        }
    }
}

/// Component schemas whose names give one Rust name (`OBRate1_0` and `OB_Rate1_0` are both
/// `ObRate10`): the later ones, in name order, are renamed (`OB_Rate1_0_2`) and every `$ref` to
/// them follows. A component whose `title` is its own name loses the title (typify would
/// otherwise wrap the type in itself). Recorded ([`CHOICES`]).
fn rename_colliding_schemas(doc: &mut Value) {
    let rust = crate::generate::rust_type_name;
    let inline = inline_type_names(doc);
    let mut inline_clashes: Vec<(String, String)> = Vec::new();
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut choices = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        if let Some(map) = schema.as_object_mut()
            && map
                .get("title")
                .and_then(Value::as_str)
                .is_some_and(|t| rust(t) == rust(name))
        {
            map.remove("title");
            choices.push((
                format!(
                    "/components/schemas/{}/title",
                    crate::load::escape_pointer(name)
                ),
                "a title that is the schema's own name, dropped".to_owned(),
            ));
        }
    }
    let mut names: Vec<String> = schemas.keys().cloned().collect();
    names.sort();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut renames: Vec<(String, String)> = Vec::new();
    for name in &names {
        if let Some(at) = inline.get(&rust(name)) {
            // typify names an inline schema this way too (both types would be declared).
            let new = free_name(name, schemas, &taken, &inline);
            taken.insert(rust(&new));
            inline_clashes.push((name.clone(), at.clone()));
            renames.push((name.clone(), new));
            continue;
        }
        if taken.insert(rust(name)) {
            continue;
        }
        let new = free_name(name, schemas, &taken, &inline);
        taken.insert(rust(&new));
        renames.push((name.clone(), new));
    }
    for (old, new) in &renames {
        if let Some(schema) = schemas.shift_remove(old) {
            schemas.insert(new.clone(), schema);
        }
        let whose = match inline_clashes.iter().find(|(n, _)| n == old) {
            Some((_, at)) => format!("the name typify gives the inline schema at {at}"),
            None => "another schema's".to_owned(),
        };
        choices.push((
            format!("/components/schemas/{}", crate::load::escape_pointer(old)),
            format!(
                "renamed `{new}` (Rust `{}`): its Rust name `{}` is {whose}",
                rust(new),
                rust(old)
            ),
        ));
    }
    if !renames.is_empty() {
        let targets: Vec<(String, String)> = renames
            .iter()
            .map(|(o, n)| {
                (
                    format!("#/components/schemas/{}", crate::load::escape_pointer(o)),
                    format!("#/components/schemas/{}", crate::load::escape_pointer(n)),
                )
            })
            .collect();
        visit_objects_mut(doc, &mut |map| {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some((_, new)) = targets.iter().find(|(old, _)| old == r)
            {
                *r = new.clone();
            }
        });
    }
    for (at, choice) in choices {
        record(doc, at, choice);
    }
}

/// The root key recording the path parameter taken out by [`client_id_prefix`].
pub const CLIENT_ID_PATH_PARAMETER: &str = "x-client-id-path-parameter";

/// Check that the client-id parameter is a path parameter of at least one operation, and record
/// it at the root: the generated builders then start with the client's id in it.
fn client_id_prefix(path: &Path, doc: &mut Value, name: &str) -> Result<()> {
    let found = operations(doc).any(|o| {
        let mut params: Vec<&Value> =
            o.op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
        if let Some(item) = doc
            .pointer(&format!("/paths/{}/parameters", escape_pointer(o.route)))
            .and_then(Value::as_array)
        {
            params.extend(item);
        }
        params.into_iter().any(|p| {
            let p = bank_openapi::refs::deref(doc, p);
            p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(name)
        })
    });
    if !found {
        return Err(Error::invalid(
            path,
            "/paths",
            format!(
                "api.toml names `{name}` as the client-id path parameter, but no operation has a path parameter `{name}`"
            ),
        ));
    }
    if let Some(root) = doc.as_object_mut() {
        root.insert(
            CLIENT_ID_PATH_PARAMETER.into(),
            Value::String(name.to_owned()),
        );
    }
    Ok(())
}

fn rust_type(name: &str) -> Value {
    json!({
        "crate": RUNTIME_CRATE,
        "version": RUNTIME_VERSION,
        "path": format!("{}::{name}", RUNTIME_CRATE.replace('-', "_")),
    })
}

/// Query, path and header values are written as text (`serde_urlencoded`, `to_string`), where an
/// exact decimal cannot be a JSON number: with `exact-numbers`, `type: number` parameters —
/// operation, path-item and `components/parameters` ones — become `bank_runtime::DecimalParam`
/// (sent as its exact text); without it they stay `f64`.
fn mark_number_parameters(doc: &mut Value) {
    let mut places: Vec<String> = vec!["/components/parameters".to_owned()];
    for (route, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let base = format!("/paths/{}", escape_pointer(route));
        places.push(format!("{base}/parameters"));
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            places.push(format!("{base}/{}/parameters", escape_pointer(method)));
        }
    }
    for place in places {
        let Some(holder) = doc.pointer_mut(&place) else {
            continue;
        };
        let params: Vec<&mut Value> = match holder {
            Value::Array(list) => list.iter_mut().collect(),
            Value::Object(map) => map.values_mut().collect(),
            _ => continue,
        };
        for p in params {
            if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut)
                && schema.get("type") == Some(&json!("number"))
                && !schema.contains_key("x-rust-type")
            {
                schema.insert("format".into(), json!(formats::DECIMAL.name));
                schema.insert("x-rust-type".into(), rust_type("DecimalParam"));
            }
        }
    }
}

/// Every schema with `type: number` (any format) becomes `bank_runtime::Decimal`.
fn mark_numbers(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        if map.get("type") == Some(&json!("number")) && !map.contains_key("x-rust-type") {
            map.insert("format".into(), json!(formats::DECIMAL.name));
            map.insert(
                "x-rust-type".into(),
                rust_type(formats::DECIMAL.runtime_type.unwrap_or("Decimal")),
            );
        }
    });
}

fn mark_formats(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        let (Some(Value::String(ty)), Some(Value::String(format))) =
            (map.get("type"), map.get("format"))
        else {
            return;
        };
        // The formats table says which runtime type holds each format exactly.
        if let Some(rust) = formats::find(format)
            .filter(|f| f.json_type == ty)
            .and_then(|f| f.runtime_type)
            && !map.contains_key("x-rust-type")
        {
            let rt = rust_type(rust);
            map.insert("x-rust-type".into(), rt);
        }
    });
}

fn stringify_examples(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        if map.get("type") == Some(&json!("string"))
            && let Some(example @ (Value::Number(_) | Value::Bool(_))) = map.get("example")
        {
            let text = example.to_string();
            map.insert("example".into(), Value::String(text));
        }
    });
}

/// Remove `additionalProperties` booleans from every schema the bank sends to us: responses and
/// callback request bodies, followed through `$ref`s.
fn open_responses(doc: &mut Value) {
    let mut named = BTreeSet::new();
    let mut inline_pointers = Vec::new();
    for operation in operations(doc) {
        collect_received(
            operation.op,
            &operation.pointer(),
            &mut named,
            &mut inline_pointers,
        );
    }
    // Close over references between components.
    let mut queue: Vec<String> = named.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        if let Some(schema) = doc.pointer(&format!("/components/schemas/{}", escape_pointer(&name)))
        {
            let mut refs = BTreeSet::new();
            collect_refs(schema, &mut refs);
            for r in refs {
                if named.insert(r.clone()) {
                    queue.push(r);
                }
            }
        }
    }
    for pointer in inline_pointers {
        if let Some(v) = doc.pointer_mut(&pointer) {
            strip_additional(v);
        }
    }
    for name in named {
        if let Some(v) = doc.pointer_mut(&format!("/components/schemas/{}", escape_pointer(&name)))
        {
            strip_additional(v);
        }
    }
}

fn collect_received(
    op: &Value,
    base: &str,
    named: &mut BTreeSet<String>,
    inline: &mut Vec<String>,
) {
    for (status, response) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (media, m) in response
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(schema) = m.get("schema") {
                collect_refs(schema, named);
                inline.push(format!(
                    "{base}/responses/{}/content/{}/schema",
                    escape_pointer(status),
                    escape_pointer(media)
                ));
            }
        }
    }
    for (name, callback) in op
        .get("callbacks")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (expr, item) in callback.as_object().into_iter().flatten() {
            for (method, cb_op) in item.as_object().into_iter().flatten() {
                let cb_base = format!(
                    "{base}/callbacks/{}/{}/{method}",
                    escape_pointer(name),
                    escape_pointer(expr)
                );
                for (media, m) in cb_op
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(schema) = m.get("schema") {
                        collect_refs(schema, named);
                        inline.push(format!(
                            "{cb_base}/requestBody/content/{}/schema",
                            escape_pointer(media)
                        ));
                    }
                }
            }
        }
    }
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.insert(bank_openapi::pointer::unescape(name));
            }
            map.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

fn strip_additional(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        if matches!(map.get("additionalProperties"), Some(Value::Bool(_))) {
            map.shift_remove("additionalProperties");
        }
    });
}

/// Move error responses out of the generated view into `x-error-responses`: progenitor then hands
/// every error answer over whole (status, headers, raw body) and the runtime's `BankError` reads
/// it, whatever its shape. (Documented body-less errors would have their body discarded, and
/// documented typed ones would fail to decode an HTML page or an empty 401, losing the status.)
fn untype_error_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let errors: Vec<String> = responses
                .keys()
                .filter(|s| bank_openapi::status::is_error(s))
                .cloned()
                .collect();
            if errors.is_empty() || errors.len() == responses.len() {
                continue;
            }
            let mut moved = Map::new();
            for status in errors {
                if let Some(r) = responses.shift_remove(&status) {
                    moved.insert(status, r);
                }
            }
            op.insert("x-error-responses".into(), Value::Object(moved));
        }
    }
}

/// Operations without an `operationId` get one from their path: `/pre-approved` → `pre_approved`,
/// prefixed with the method only when the path has more than one operation.
fn derive_operation_ids(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (route, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let count = item
            .keys()
            .filter(|k| METHODS.contains(&k.as_str()))
            .count();
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            if op.contains_key("operationId") {
                continue;
            }
            let stem: Vec<String> = route
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .map(|s| s.replace(['-', '.'], "_").to_lowercase())
                .collect();
            let stem = if stem.is_empty() {
                "root".to_owned()
            } else {
                stem.join("_")
            };
            let id = if count > 1 {
                format!("{method}_{stem}")
            } else {
                stem
            };
            op.insert("operationId".into(), json!(id));
            op.insert(
                "x-operation-id-derived".into(),
                json!(format!("derived from `{} {route}`", method.to_uppercase())),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_chosen_among_media_types_and_every_choice_is_recorded() {
        let mut doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/things": {"post": {
                    "operationId": "putThing",
                    "requestBody": {"content": {
                        "application/jose+jwe": {"schema": {"type": "string"}},
                        "application/json; charset=utf-8": {"schema": {"type": "object"}}
                    }},
                    "responses": {
                        "200": {"description": "ok", "content": {
                            "application/xml": {"schema": {"type": "object"}},
                            "application/problem+json": {"schema": {"type": "object"}}
                        }},
                        "202": {"description": "any", "content": {"application/json": {}}},
                        "204": {"description": "xml only", "content": {"application/xml": {}}}
                    }
                }}
            }
        });
        choose_json_media(&mut doc);
        let op = &doc["paths"]["/things"]["post"];
        let keys = |v: &Value| v.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>());
        assert_eq!(
            keys(&op["requestBody"]["content"]),
            Some(vec!["application/json".to_owned()])
        );
        assert_eq!(
            op["requestBody"]["x-other-media-types"],
            json!(["application/jose+jwe"])
        );
        assert_eq!(
            keys(&op["responses"]["200"]["content"]),
            Some(vec!["application/json".to_owned()])
        );
        assert_eq!(
            op["responses"]["202"]["content"]["application/json"]["schema"],
            json!({})
        );
        // No JSON at all: left alone, for the shape check to name.
        assert_eq!(
            keys(&op["responses"]["204"]["content"]),
            Some(vec!["application/xml".to_owned()])
        );
        let choices = doc[CHOICES].as_array().expect("recorded");
        assert_eq!(choices.len(), 3, "{choices:?}");
        assert!(choices.iter().all(|c| {
            c["at"]
                .as_str()
                .is_some_and(|a| a.starts_with("/paths/~1things/post/"))
        }));
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn string_enums_are_tidied_and_recorded() {
        let mut doc = json!({"components": {"schemas": {
            "Code": {"type": "string", "enum": [1, "2", 2, true, "a", "a"]},
            "Level": {"type": "integer", "enum": [1, 1, 2]}
        }}});
        tidy_enums(&mut doc);
        assert_eq!(
            doc["components"]["schemas"]["Code"]["enum"],
            json!(["1", "2", "true", "a"])
        );
        assert_eq!(
            doc["components"]["schemas"]["Level"]["enum"],
            json!([1, 2]),
            "integers stay"
        );
        let choices = doc[CHOICES].as_array().expect("recorded");
        assert_eq!(choices.len(), 3, "{choices:?}");
    }

    #[test]
    fn schemas_with_one_rust_name_are_renamed_and_refs_follow() {
        let mut doc = json!({
            "paths": {"/r": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OB_Rate1_0"}}}}}}}},
            "components": {"schemas": {
                "OBRate1_0": {"type": "object"},
                "OB_Rate1_0": {"type": "object", "title": "OB_Rate1_0"},
                "Other": {"$ref": "#/components/schemas/OB_Rate1_0"}
            }}
        });
        rename_colliding_schemas(&mut doc);
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        assert!(schemas.contains_key("OBRate1_0") && schemas.contains_key("OB_Rate1_0_2"));
        assert!(!schemas.contains_key("OB_Rate1_0"));
        assert_eq!(
            schemas["Other"]["$ref"],
            "#/components/schemas/OB_Rate1_0_2"
        );
        assert_eq!(
            doc.pointer("/paths/~1r/get/responses/200/content/application~1json/schema/$ref"),
            Some(&json!("#/components/schemas/OB_Rate1_0_2"))
        );
        assert!(
            schemas["OB_Rate1_0_2"].get("title").is_none(),
            "own-name title dropped"
        );
        assert_eq!(doc[CHOICES].as_array().map(Vec::len), Some(2));
    }
}

#[cfg(test)]
mod parameter_tests {
    use super::*;

    #[test]
    fn number_parameters_are_exact_text_refs_included() {
        let mut doc = json!({
            "paths": {"/q/{amount}": {
                "parameters": [{"name": "amount", "in": "path", "required": true, "schema": {"type": "number"}}],
                "get": {"parameters": [
                    {"name": "rate", "in": "query", "schema": {"type": "number", "format": "double"}},
                    {"$ref": "#/components/parameters/Fee"}
                ]}
            }},
            "components": {
                "parameters": {"Fee": {"name": "fee", "in": "query", "schema": {"type": "number"}}},
                "schemas": {"Total": {"type": "number"}}
            }
        });
        mark_number_parameters(&mut doc);
        mark_numbers(&mut doc);
        let rust = |p: &str| {
            doc.pointer(p)
                .and_then(|s| s["x-rust-type"]["path"].as_str())
                .map(str::to_owned)
        };
        assert_eq!(
            rust("/paths/~1q~1{amount}/parameters/0/schema").as_deref(),
            Some("bank_runtime::DecimalParam")
        );
        assert_eq!(
            rust("/paths/~1q~1{amount}/get/parameters/0/schema").as_deref(),
            Some("bank_runtime::DecimalParam")
        );
        assert_eq!(
            rust("/components/parameters/Fee/schema").as_deref(),
            Some("bank_runtime::DecimalParam")
        );
        assert_eq!(
            rust("/components/schemas/Total").as_deref(),
            Some("bank_runtime::Decimal"),
            "bodies stay JSON numbers"
        );
    }
}

#[cfg(test)]
mod real_world_tests {
    use super::*;

    fn choices(doc: &Value) -> Vec<String> {
        doc[CHOICES]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{} — {}",
                    c["at"].as_str().unwrap_or(""),
                    c["choice"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn bodies_and_responses_declared_under_components_get_their_json_chosen() {
        let mut doc = json!({
            "paths": {"/p": {"post": {
                "operationId": "p",
                "requestBody": {"$ref": "#/components/requestBodies/Body"},
                "responses": {"200": {"$ref": "#/components/responses/Ok"}}
            }}},
            "components": {
                "requestBodies": {"Body": {"content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/xml": {"schema": {"type": "object"}}
                }}},
                "responses": {"Ok": {"description": "ok", "content": {
                    "application/json; charset=utf-8": {"schema": {"type": "object"}},
                    "application/jose+jwe": {"schema": {"type": "string"}}
                }}}
            }
        });
        choose_json_media(&mut doc);
        let keys = |p: &str| {
            doc.pointer(p)
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(
            keys("/components/requestBodies/Body/content"),
            Some(vec!["application/json".to_owned()])
        );
        assert_eq!(
            keys("/components/responses/Ok/content"),
            Some(vec!["application/json".to_owned()])
        );
        assert_eq!(choices(&doc).len(), 2, "{:?}", choices(&doc));
    }

    #[test]
    fn operations_that_cannot_be_generated_are_left_out_and_listed() {
        let mut doc = json!({"paths": {
            "/files": {"post": {
                "operationId": "upload",
                "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}}
            }},
            "/session": {
                "get": {
                    "operationId": "session",
                    "parameters": [{"name": "sid", "in": "cookie", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}}
                },
                "put": {
                    "operationId": "touch",
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "pref", "in": "cookie", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "ok"}}
                }
            }
        }});
        leave_out_ungeneratable(&mut doc);
        assert!(
            doc.pointer("/paths/~1files").is_none(),
            "a path left with nothing goes"
        );
        assert!(doc.pointer("/paths/~1session/get").is_none());
        assert_eq!(
            doc.pointer("/paths/~1session/put/parameters")
                .and_then(Value::as_array)
                .map(Vec::len),
            Some(1),
            "the optional cookie parameter is dropped, the operation kept"
        );
        assert_eq!(
            doc[LEFT_OUT],
            json!([
                {"operation": "POST /files", "reason": "a `multipart/form-data` request body"},
                {"operation": "GET /session", "reason": "a required cookie parameter `sid`"}
            ])
        );
        let all = choices(&doc);
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(
            all.iter()
                .any(|c| c.contains("POST /files left out of the client")),
            "{all:?}"
        );
        assert!(
            all.iter()
                .any(|c| c.contains("optional cookie parameter `pref` dropped")),
            "{all:?}"
        );
        let mut deep = json!({"paths": {"/charges": {"get": {
            "operationId": "listCharges",
            "parameters": [
                {"name": "created", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer"}}
            ],
            "responses": {"200": {"description": "ok"}}
        }}}});
        leave_out_ungeneratable(&mut deep);
        assert_eq!(
            deep.pointer("/paths/~1charges/get/parameters"),
            Some(&json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}}]))
        );
        assert!(choices(&deep)[0].contains("optional `deepObject` parameter `created` dropped"));
    }

    #[test]
    fn bodies_progenitor_does_not_take_are_sent_as_text_or_bytes_with_their_media_type() {
        let mut doc = json!({"paths": {
            "/consents": {"post": {
                "operationId": "consent",
                "requestBody": {"content": {"application/jwt": {"schema": {"$ref": "#/components/schemas/Consent"}}}},
                "responses": {"201": {"description": "ok"}}
            }},
            "/scans": {"post": {
                "operationId": "scan",
                "requestBody": {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"201": {"description": "ok"}}
            }}
        }});
        other_bodies_as_text_or_bytes(&mut doc);
        let consent = &doc["paths"]["/consents"]["post"];
        assert_eq!(consent[CONTENT_TYPE], json!("application/jwt"));
        assert_eq!(
            consent["requestBody"]["content"]["text/plain"]["schema"],
            json!({"type": "string"})
        );
        assert_eq!(
            consent["requestBody"]["content"]["text/plain"]["x-payload-schema"],
            json!({"$ref": "#/components/schemas/Consent"})
        );
        let scan = &doc["paths"]["/scans"]["post"];
        assert_eq!(scan[CONTENT_TYPE], json!("image/png"));
        assert!(
            scan.pointer("/requestBody/content/application~1octet-stream")
                .is_some()
        );
        let all = choices(&doc);
        assert!(
            all.iter().any(|c| c.contains("sent as the text you give (a String), Content-Type `application/jwt`; its documented payload is `Consent`")),
            "{all:?}"
        );
    }

    #[test]
    fn differing_and_body_less_success_answers_get_one_shape() {
        let mut doc = json!({"paths": {
            "/status": {"get": {
                "operationId": "getStatus",
                "responses": {
                    "200": {"description": "done", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Done"}}}},
                    "202": {"description": "pending", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pending"}}}},
                    "204": {"description": "nothing"}
                }
            }},
            "/same": {"put": {
                "operationId": "putSame",
                "responses": {
                    "200": {"$ref": "#/components/responses/Thing"},
                    "204": {"description": "unchanged"}
                }
            }}
        }, "components": {
            "responses": {"Thing": {"description": "a thing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Done"}}}}},
            "schemas": {"Done": {"type": "object"}, "Pending": {"type": "object"}}
        }});
        one_success_shape(&mut doc);
        assert_eq!(
            doc["components"]["schemas"]["getStatus-success"]["oneOf"],
            json!([{"$ref": "#/components/schemas/Done"}, {"$ref": "#/components/schemas/Pending"}])
        );
        let wrapped = json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/getStatus-success"}]});
        for status in ["200", "202", "204"] {
            assert_eq!(
                doc["paths"]["/status"]["get"]["responses"][status]["content"]["application/json"]
                    ["schema"],
                wrapped,
                "{status}"
            );
        }
        assert_eq!(
            doc["paths"]["/status"]["get"][EMPTY_SUCCESS],
            json!(["204"])
        );
        let same = &doc["paths"]["/same"]["put"];
        assert_eq!(same[EMPTY_SUCCESS], json!(["204"]));
        assert_eq!(
            same["responses"]["200"]["description"],
            json!("a thing"),
            "a $ref'd response is inlined"
        );
        assert_eq!(
            same["responses"]["204"]["content"]["application/json"]["schema"],
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Done"}]})
        );
        let all = choices(&doc);
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all[0].contains("success answers differ (200 `Done`, 202 `Pending`): the answer is `GetStatusSuccess`"), "{all:?}");
    }

    #[test]
    fn enums_whose_values_give_one_rust_name_become_plain_strings() {
        let mut doc = json!({"components": {"schemas": {
            "Zone": {"type": "string", "enum": ["Etc/GMT+1", "Etc/GMT-1", "UTC"]},
            "Sign": {"type": "string", "enum": ["a-b", "a_b"]},
            "Fine": {"type": "string", "enum": ["+1", "-1", "one"]}
        }}});
        enums_without_distinct_names(&mut doc);
        let zone = &doc["components"]["schemas"]["Zone"];
        assert!(zone.get("enum").is_none());
        assert_eq!(
            zone["x-enum-values"],
            json!(["Etc/GMT+1", "Etc/GMT-1", "UTC"])
        );
        // `a-b` and `a_b`: `AB` both, then `AXb` both.
        assert!(doc["components"]["schemas"]["Sign"].get("enum").is_none());
        assert_eq!(
            doc["components"]["schemas"]["Fine"]["enum"],
            json!(["+1", "-1", "one"])
        );
        let all = choices(&doc);
        assert!(
            all[0].contains("enum values that give one Rust name (`Etc/GMT+1`, `Etc/GMT-1`)"),
            "{all:?}"
        );
    }

    #[test]
    fn formats_that_mean_nothing_and_form_encodings_are_dropped() {
        let mut doc = json!({"paths": {"/p": {"post": {
            "operationId": "p",
            "requestBody": {"content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object"},
                "encoding": {"expand": {"style": "deepObject", "explode": true}}
            }}},
            "responses": {"200": {"description": "ok"}}
        }}}, "components": {"schemas": {
            "Payer": {"type": "object", "format": "payer_v1", "example": {"type": "object", "format": "kept"}},
            "Day": {"type": "string", "format": "date"}
        }}});
        drop_meaningless_formats(&mut doc);
        drop_form_encodings(&mut doc);
        assert!(doc.pointer("/components/schemas/Payer/format").is_none());
        assert_eq!(
            doc.pointer("/components/schemas/Payer/example/format"),
            Some(&json!("kept")),
            "examples are data"
        );
        assert_eq!(
            doc.pointer("/components/schemas/Day/format"),
            Some(&json!("date"))
        );
        assert!(
            doc.pointer(
                "/paths/~1p/post/requestBody/content/application~1x-www-form-urlencoded/encoding"
            )
            .is_none()
        );
        let all = choices(&doc);
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[1].contains("styles: deepObject"), "{all:?}");
    }
}

#[cfg(test)]
mod inline_name_tests {
    use super::*;

    #[test]
    fn a_schema_named_like_another_schemas_inline_type_is_renamed() {
        // `payment_options.card` is an inline union: typify names it `PaymentOptionsCard`, the
        // Rust name of the component `payment_options_card` too.
        let mut doc = json!({"components": {"schemas": {
            "payment_options": {"type": "object", "properties": {
                "card": {"anyOf": [
                    {"$ref": "#/components/schemas/payment_options_card"},
                    {"type": "string"}
                ]},
                "plain": {"$ref": "#/components/schemas/payment_options_card"}
            }},
            "payment_options_card": {"type": "object", "properties": {"brand": {"type": "string"}}}
        }}});
        rename_colliding_schemas(&mut doc);
        assert!(
            doc.pointer("/components/schemas/payment_options_card_2")
                .is_some()
        );
        assert_eq!(
            doc.pointer("/components/schemas/payment_options/properties/plain/$ref"),
            Some(&json!("#/components/schemas/payment_options_card_2"))
        );
        let choice = doc[CHOICES][0]["choice"].as_str().expect("recorded");
        assert!(
            choice.contains("is the name typify gives the inline schema at /components/schemas/payment_options/properties/card"),
            "{choice}"
        );
    }
}
