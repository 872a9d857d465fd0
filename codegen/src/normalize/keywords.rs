//! Keywords the generators stop on and that change nothing the client does, dropped: a form
//! body's `encoding` ([`drop_form_encodings`]) and `format` on a non-scalar schema
//! ([`drop_meaningless_formats`]).

use std::collections::BTreeSet;

use bank_openapi::ext;
use serde_json::Value;

use super::places::{components, operation_bodies};
use super::record;

/// `encoding` of a form (`application/x-www-form-urlencoded`) body makes progenitor stop
/// (`todo!`): dropped, and the form is sent the way serde_urlencoded writes it (flat keys: a
/// nested object or array in such a body is refused when sending — progenitor's `InvalidRequest`
/// "failed to serialize body" — rather than sent in another style than documented). Recorded once, with how many bodies it concerns.
pub(super) fn drop_form_encodings(doc: &mut Value) {
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

/// `format` on an `object`, `array` or `boolean` schema (PayPal's `format: payer_v1`) means
/// nothing to JSON Schema and makes typify panic: dropped, recorded ([`ext::CHOICES`](ext::CHOICES)). Examples are
/// data, not schemas, and are left alone.
pub(super) fn drop_meaningless_formats(doc: &mut Value) {
    let mut found: Vec<(String, String, String)> = Vec::new();
    let _ = bank_openapi::walk::visit_objects(doc, &mut |map, at| -> std::result::Result<(), ()> {
        if at
            .split('/')
            .any(|s| s == "example" || s == "examples" || s == ext::EXAMPLES)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_choices as choices;
    use serde_json::json;

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
