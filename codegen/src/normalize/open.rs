//! Schemas the bank sends, opened to properties they do not list ([`open_responses`]).

use std::collections::BTreeSet;

use serde_json::Value;

use bank_openapi::walk::visit_objects_mut;

use crate::load::escape_pointer;
use crate::paths::operations;

/// Remove `additionalProperties` booleans from every schema the bank sends to us: responses and
/// callback request bodies, followed through `$ref`s.
pub(super) fn open_responses(doc: &mut Value) {
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
