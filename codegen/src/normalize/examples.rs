//! Number and boolean examples of string schemas written as strings ([`stringify_examples`]).

use serde_json::{Value, json};

use bank_openapi::walk::visit_objects_mut;

/// A number or boolean `example` of a `type: string` schema becomes the string it stands for.
pub(super) fn stringify_examples(v: &mut Value) {
    visit_objects_mut(v, &mut |map| {
        if map.get("type") == Some(&json!("string"))
            && let Some(example @ (Value::Number(_) | Value::Bool(_))) = map.get("example")
        {
            let text = example.to_string();
            map.insert("example".into(), Value::String(text));
        }
    });
}
