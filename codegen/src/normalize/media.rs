//! One JSON media type per body and response ([`choose_json_media`]).

use bank_openapi::ext;
use serde_json::{Value, json};

use super::places::{components, json_media, operation_bodies, operation_responses};
use super::record;

/// Bodies and responses with several media types (JSON beside XML or JOSE), or JSON with
/// parameters (`application/json; charset=utf-8`): the JSON one is kept as `application/json`,
/// the others listed in `x-other-media-types`; a JSON response without a schema reads any JSON
/// value. Every change is recorded ([`ext::CHOICES`](ext::CHOICES)).
pub(super) fn choose_json_media(doc: &mut Value) {
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
            holder.insert(ext::OTHER_MEDIA_TYPES.into(), json!(others));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_choices as choices;

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
            op["requestBody"][ext::OTHER_MEDIA_TYPES],
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
        let choices = doc[ext::CHOICES].as_array().expect("recorded");
        assert_eq!(choices.len(), 3, "{choices:?}");
        assert!(choices.iter().all(|c| {
            c["at"]
                .as_str()
                .is_some_and(|a| a.starts_with("/paths/~1things/post/"))
        }));
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
}
