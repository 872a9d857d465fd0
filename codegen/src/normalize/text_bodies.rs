//! Request bodies in a media type progenitor does not take, sent as text or bytes with their
//! documented media type ([`other_bodies_as_text_or_bytes`]).

use bank_openapi::ext;
use serde_json::{Value, json};

use super::places::essence;
use super::record;
use crate::paths::operations;

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
/// `Content-Type` ([`ext::CONTENT_TYPE`]; the generated `send` puts it back). Textual types (`text/*`,
/// XML, JOSE/JWT, `+json`-less JSON-like) become text, others bytes; the documented payload
/// schema is kept as `x-payload-schema`. Recorded ([`ext::CHOICES`](ext::CHOICES)).
pub(super) fn other_bodies_as_text_or_bytes(doc: &mut Value) {
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
            new_media[ext::PAYLOAD_SCHEMA] = payload.clone();
        }
        body["content"] = json!({ taken: new_media });
        let Some(op) = doc.pointer_mut(&at) else {
            continue;
        };
        op["requestBody"] = body;
        op[ext::CONTENT_TYPE] = json!(media);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_choices as choices;

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
        assert_eq!(consent[ext::CONTENT_TYPE], json!("application/jwt"));
        assert_eq!(
            consent["requestBody"]["content"]["text/plain"]["schema"],
            json!({"type": "string"})
        );
        assert_eq!(
            consent["requestBody"]["content"]["text/plain"][ext::PAYLOAD_SCHEMA],
            json!({"$ref": "#/components/schemas/Consent"})
        );
        let scan = &doc["paths"]["/scans"]["post"];
        assert_eq!(scan[ext::CONTENT_TYPE], json!("image/png"));
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
}
