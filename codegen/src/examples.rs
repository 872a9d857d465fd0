//! Examples of a document: the ones written on media types, and one per component schema
//! assembled from its properties' examples (as Swagger UI shows them).

use serde_json::{Map, Value};

/// One example body and the component schema it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Where it comes from (`components/schemas/Account`, `POST /orders request`).
    pub label: String,
    /// The component schema name.
    pub schema: String,
    /// The example value.
    pub value: Value,
}

/// Every example of the document whose schema is a named component.
pub fn collect(doc: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        // An example assembled from property examples is emitted only when it is valid against
        // its own schema (a required field without an example, a `pattern` the placeholder
        // misses): the document's own examples are held to their schemas by the quirks check.
        if let Some(value) = synthesise(doc, schema, 0)
            && crate::validate::validate(doc, schema, &value).is_empty()
        {
            out.push(Example {
                label: format!("components/schemas/{name}"),
                schema: name.clone(),
                value,
            });
        }
    }
    for operation in crate::paths::operations(doc) {
        let op = operation.op;
        let op_name = operation.label();
        let mut media = Vec::new();
        if let Some(c) = op
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
        {
            media.extend(c.values().map(|m| ("request".to_owned(), m)));
        }
        for (status, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(c) = r.get("content").and_then(Value::as_object) {
                media.extend(c.values().map(|m| (format!("{status} response"), m)));
            }
        }
        for (what, m) in media {
            let (Some(example), Some(schema)) = (
                m.get("example"),
                m.pointer("/schema/$ref").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(name) = schema.strip_prefix("#/components/schemas/") {
                out.push(Example {
                    label: format!("{op_name} {what}"),
                    schema: name.to_owned(),
                    value: example.clone(),
                });
            }
        }
    }
    out
}

/// Build an example for a schema: its own `example`, else an object of its properties' examples.
pub fn synthesise(doc: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > 16 {
        return None;
    }
    if let Some(pointer) = bank_openapi::refs::target(schema) {
        return synthesise(doc, doc.pointer(pointer)?, depth + 1);
    }
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match synthesise(doc, part, depth + 1)? {
                Value::Object(m) => merged.extend(m),
                other if all.len() == 1 => return Some(other),
                _ => return None,
            }
        }
        return Some(Value::Object(merged));
    }
    if let Some(items) = schema.get("items") {
        return Some(Value::Array(vec![synthesise(doc, items, depth + 1)?]));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.first().cloned();
    }
    let props = schema.get("properties")?.as_object()?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Map::new();
    for (name, p) in props {
        let value = synthesise(doc, p, depth + 1).or_else(|| {
            if required.contains(&name.as_str()) {
                placeholder(doc, p)
            } else {
                None
            }
        });
        if let Some(v) = value {
            out.insert(name.clone(), v);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// A value of the right type for a required property the document gives no example for.
fn placeholder(doc: &Value, schema: &Value) -> Option<Value> {
    if let Some(pointer) = bank_openapi::refs::target(schema) {
        return placeholder(doc, doc.pointer(pointer)?);
    }
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    Some(match schema.get("type").and_then(Value::as_str)? {
        "string" => Value::String(
            bank_openapi::formats::find(format)
                .filter(|f| f.json_type == "string")
                .map_or("string", |f| f.sample)
                .to_owned(),
        ),
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        "array" => Value::Array(Vec::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod validity_tests {
    use serde_json::json;

    #[test]
    fn an_assembled_example_that_breaks_its_schema_is_not_emitted() {
        let doc = json!({"components": {"schemas": {
            "Phone": {"type": "object", "required": ["number"], "properties": {
                "number": {"type": "string", "pattern": "^\\d{1,13}$", "example": "not digits"}
            }},
            "Good": {"type": "object", "required": ["number"], "properties": {
                "number": {"type": "string", "pattern": "^\\d{1,13}$", "example": "380501234567"}
            }}
        }}});
        let labels: Vec<String> = super::collect(&doc).into_iter().map(|e| e.label).collect();
        assert_eq!(labels, ["components/schemas/Good"]);
    }
}
