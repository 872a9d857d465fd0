//! Where the passes look: the request bodies and responses of the operations and of
//! `components`, and the essence of a media type.

use serde_json::Value;

use crate::load::escape_pointer;
use crate::paths::operations;

/// The essence of a media type, lower case, parameters (`; charset=utf-8`) dropped.
pub(super) fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The JSON media type among `keys`: `application/json` (parameters ignored) first, then a
/// `+json` type (`application/problem+json`), in the document's order.
pub(super) fn json_media<'a>(keys: impl Iterator<Item = &'a String> + Clone) -> Option<&'a String> {
    keys.clone()
        .find(|k| essence(k) == "application/json")
        .or_else(|| keys.clone().find(|k| essence(k).ends_with("+json")))
}

/// Pointers to the request bodies written in the operations (not `$ref`s to components).
pub(super) fn operation_bodies(doc: &Value) -> Vec<String> {
    operations(doc)
        .filter(|op| op.op.pointer("/requestBody/content").is_some())
        .map(|op| format!("{}/requestBody", op.pointer()))
        .collect()
}

/// Pointers to every operation's responses, per status.
pub(super) fn operation_responses(doc: &Value) -> Vec<String> {
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
pub(super) fn components(doc: &Value, kind: &str) -> Vec<String> {
    doc.pointer(&format!("/components/{kind}"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
        .map(|name| format!("/components/{kind}/{}", escape_pointer(name)))
        .collect()
}
