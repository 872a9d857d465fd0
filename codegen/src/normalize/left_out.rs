//! Operations progenitor cannot generate, left out of the client and listed
//! ([`leave_out_ungeneratable`]).

use bank_openapi::ext;
use serde_json::{Value, json};

use super::places::essence;
use super::record;
use crate::paths::{METHODS, operations};

/// Operations progenitor cannot generate at all — a multipart request body, a required cookie or
/// `deepObject` parameter — are left out of the client (the rest of the API is generated), each
/// listed in [`ext::LEFT_OUT`] and recorded ([`ext::CHOICES`](ext::CHOICES)); an optional cookie or `deepObject`
/// parameter (`filter[status]=…`) is dropped from its operation, recorded. A fix can reshape such
/// an operation or parameter to bring it back.
pub(super) fn leave_out_ungeneratable(doc: &mut Value) {
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
            let list = root.entry(ext::LEFT_OUT).or_insert_with(|| json!([]));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_choices as choices;

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
            doc[ext::LEFT_OUT],
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
}
