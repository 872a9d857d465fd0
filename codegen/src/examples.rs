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

/// `value` as the generated type reads and writes it back: the `default` of every property it
/// leaves out filled in (typify fills defaults), and properties the schema does not declare left
/// out where the type has no place for them (no `additionalProperties`), at every depth.
pub fn with_defaults(doc: &Value, schema: &Value, value: &Value) -> Value {
    let mut out = value.clone();
    fill_defaults(doc, schema, &mut out, 0);
    out
}

/// `schema` and its `allOf` members, `$ref`s followed.
fn parts<'a>(doc: &'a Value, schema: &'a Value, depth: usize, out: &mut Vec<&'a Value>) {
    if depth > 16 {
        return;
    }
    if let Some(pointer) = bank_openapi::refs::target(schema) {
        if let Some(target) = doc.pointer(pointer) {
            parts(doc, target, depth + 1, out);
        }
        return;
    }
    out.push(schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        parts(doc, part, depth + 1, out);
    }
}

fn fill_defaults(doc: &Value, schema: &Value, value: &mut Value, depth: usize) {
    if depth > 16 {
        return;
    }
    let mut all = Vec::new();
    parts(doc, schema, depth, &mut all);
    match value {
        Value::Object(map) => {
            let mut declared: Vec<&String> = Vec::new();
            for part in &all {
                for (name, p) in part
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    declared.push(name);
                    match map.get_mut(name) {
                        Some(v) => fill_defaults(doc, p, v, depth + 1),
                        // The property's own default: typify does not apply the default
                        // of a schema the property only refers to.
                        None => {
                            if let Some(default) = p.get("default") {
                                map.insert(name.clone(), default.clone());
                            }
                        }
                    }
                }
            }
            let open = declared.is_empty()
                || all.iter().any(|p| {
                    p.get("oneOf").is_some()
                        || p.get("anyOf").is_some()
                        || p.get("additionalProperties")
                            .is_some_and(|a| a != &Value::Bool(false))
                });
            if !open {
                map.retain(|k, _| declared.contains(&k));
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = all.iter().find_map(|p| p.get("items")) {
                for item in items {
                    fill_defaults(doc, item_schema, item, depth + 1);
                }
            }
        }
        _ => {}
    }
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
    fn examples_are_expected_back_with_defaults_and_without_undeclared_properties() {
        let doc = json!({"components": {"schemas": {
            "Address": {"type": "object", "properties": {
                "city": {"type": "string"},
                "country": {"type": "string", "default": "AUS"},
                "support": {"$ref": "#/components/schemas/Support"}
            }},
            "Support": {"type": "string", "enum": ["UNSPECIFIED", "AUTH"], "default": "UNSPECIFIED"}
        }}});
        let schema = json!({"type": "object", "properties": {
            "home": {"$ref": "#/components/schemas/Address"},
            "all": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
            "kind": {"type": "string", "default": "person"}
        }});
        let example = json!({"home": {"city": "Perth", "link": "x"}, "all": [{"country": "NZL"}], "kind": "firm"});
        assert_eq!(
            super::with_defaults(&doc, &schema, &example),
            json!({"home": {"city": "Perth", "country": "AUS"}, "all": [{"country": "NZL"}], "kind": "firm"}),
            "defaults filled, the undeclared `link` left out"
        );
        let open = json!({"allOf": [{"$ref": "#/components/schemas/Address"}, {"additionalProperties": {}}]});
        assert_eq!(
            super::with_defaults(&doc, &open, &json!({"city": "Perth", "link": "x"})),
            json!({"city": "Perth", "link": "x", "country": "AUS"}),
            "a type with a place for extra properties keeps them"
        );
    }

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
