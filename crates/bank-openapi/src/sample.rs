//! A value made to fit a Schema Object, for answers a document gives no example of (the
//! sandbox's generic simulation): the schema's own `example`, `default` (either only when it fits
//! the schema) or first `enum` value when it has one; otherwise a value of its type that respects its format ([`crate::formats`]'
//! samples), bounds, lengths, pattern (when a simple candidate matches it) and required
//! properties. Deterministic: the same schema always gives the same value.

use serde_json::{Map, Value, json};

/// How deep nested objects and arrays are filled (a recursive schema stops there).
const MAX_DEPTH: usize = 12;

/// A value fitting `schema` (local `$ref`s of `doc` followed).
pub fn value(doc: &Value, schema: &Value) -> Value {
    fill(doc, schema, 0)
}

fn fill(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = crate::refs::deref(doc, schema);
    // The schema's own example or default, when it fits the schema: documents carry examples
    // their own `format` refuses (Xero's feed-connection id, a UUID one digit short).
    for key in ["example", "default"] {
        if let Some(given) = schema.get(key)
            && crate::validate::validate(doc, schema, given).is_empty()
        {
            return given.clone();
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(map) = fill(doc, part, depth) {
                merged.extend(map);
            }
        }
        if let Value::Object(map) = object(doc, schema, depth) {
            merged.extend(map);
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return fill(doc, first, depth);
        }
    }
    let kind = schema.get("type").and_then(Value::as_str).or_else(|| {
        if schema.get("properties").is_some() {
            Some("object")
        } else if schema.get("items").is_some() {
            Some("array")
        } else {
            None
        }
    });
    match kind {
        Some("object") => object(doc, schema, depth),
        Some("array") => {
            let count = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            if depth >= MAX_DEPTH {
                return json!([]);
            }
            let item = fill(doc, schema.get("items").unwrap_or(&Value::Null), depth + 1);
            Value::Array(vec![item; count.min(3) as usize])
        }
        Some("integer") => json!(number(schema).round() as i64),
        Some("number") => json!(number(schema)),
        Some("boolean") => json!(true),
        Some("string") => json!(string(schema)),
        _ => Value::Null,
    }
}

/// An object with every property (required ones always; the others while not too deep).
fn object(doc: &Value, schema: &Value, depth: usize) -> Value {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Map::new();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if depth < MAX_DEPTH || required.contains(&name.as_str()) {
            let value = fill(doc, property, depth + 1);
            let nullable = crate::refs::deref(doc, property)
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if !value.is_null() || nullable || required.contains(&name.as_str()) {
                out.insert(name.clone(), value);
            }
        }
    }
    Value::Object(out)
}

/// A number within the schema's bounds (1 when unbounded), a multiple of `multipleOf` when set.
fn number(schema: &Value) -> f64 {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    let exclusive = schema
        .get("exclusiveMinimum")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut n = match (min, max) {
        (Some(min), _) if exclusive => min + 1.0,
        (Some(min), _) => min.max(1.0).min(max.unwrap_or(f64::MAX)),
        (None, Some(max)) => max.min(1.0),
        (None, None) => 1.0,
    };
    if let Some(step) = schema
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
    {
        n = (n / step).ceil() * step;
    }
    n
}

/// A string in the schema's format, or one that fits its lengths and (when a simple candidate
/// does) its pattern.
fn string(schema: &Value) -> String {
    if let Some(format) = schema
        .get("format")
        .and_then(Value::as_str)
        .and_then(crate::formats::find)
    {
        return format.sample.to_owned();
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => return "00000000-0000-4000-8000-000000000000".to_owned(),
        Some("email") => return "sandbox@example.com".to_owned(),
        Some("uri" | "url") => return "https://example.com/".to_owned(),
        _ => {}
    }
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |m| m as usize);
    let fit = |base: &str| -> String {
        let mut s: String = base.chars().take(max).collect();
        while s.chars().count() < min {
            s.push(base.chars().last().unwrap_or('1'));
        }
        s
    };
    let Some(pattern) = schema.get("pattern").and_then(Value::as_str) else {
        return fit("sample");
    };
    let Ok(regex) = regress::Regex::new(pattern) else {
        return fit("sample");
    };
    ["sample", "1", "A", "a", "12345678", "ABC", "abc123"]
        .iter()
        .map(|candidate| fit(candidate))
        .find(|s| regex.find(s).is_some_and(|m| m.range() == (0..s.len())))
        .unwrap_or_else(|| fit("sample"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_is_used_only_when_it_fits_its_schema() {
        let doc = json!({});
        // Xero's published example: a UUID one digit short.
        let wrong = json!({"type": "string", "format": "uuid", "example": "0d3cf8d-95dc-4466-8dc0-47e6d1197e28"});
        let made = value(&doc, &wrong);
        assert_ne!(made, wrong["example"]);
        assert!(
            crate::validate::validate(&doc, &wrong, &made).is_empty(),
            "{made}"
        );
        let right = json!({"type": "string", "format": "uuid", "example": "00d3cf8d-95dc-4466-8dc0-47e6d1197e28"});
        assert_eq!(value(&doc, &right), right["example"]);
        let default = json!({"type": "integer", "maximum": 5, "default": 9});
        let made = value(&doc, &default);
        assert!(
            crate::validate::validate(&doc, &default, &made).is_empty(),
            "{made}"
        );
    }
}
