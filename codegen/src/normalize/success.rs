//! One success shape per operation ([`one_success_shape`]).

use bank_openapi::ext;
use serde_json::{Value, json};

use super::record;
use crate::paths::operations;

/// progenitor needs one answer type per operation. Where the 2xx answers differ, every 2xx gets
/// one schema, recorded ([`ext::CHOICES`](ext::CHOICES)):
/// - different typed answers (`200` one schema, `202` another): a `<operationId>-success`
///   component `oneOf` them (an untagged union tried in the document's order; `status()` tells
///   which answer came);
/// - a body-less 2xx beside typed ones (`200` with a body, `204` without): the answer is
///   `Option<T>` (a nullable schema around the typed one), the body-less statuses listed in
///   [`ext::EMPTY_SUCCESS`]; the generated `send` answers `None` for them without reading a body.
///
/// Answers that are not JSON are left to the shape check, which names them.
pub(super) fn one_success_shape(doc: &mut Value) {
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
                    crate::naming::type_name(&name)
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
            op[ext::EMPTY_SUCCESS] = json!(empty);
        }
        if let Some(slot) = doc.pointer_mut(&at) {
            *slot = op;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_choices as choices;

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
            doc["paths"]["/status"]["get"][ext::EMPTY_SUCCESS],
            json!(["204"])
        );
        let same = &doc["paths"]["/same"]["put"];
        assert_eq!(same[ext::EMPTY_SUCCESS], json!(["204"]));
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
}
