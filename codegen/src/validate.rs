//! Validation of a JSON value against an OpenAPI 3.0 / Swagger 2.0 Schema Object, enough for the
//! keywords the bank documents use: `$ref`, `type`, `format`, `enum`, `properties`, `required`,
//! `additionalProperties`, `items`, `allOf` / `oneOf` / `anyOf`, `nullable`, string and number
//! constraints. Each violation names the JSON pointer in the value and what was expected.

use serde_json::Value;

/// One way a value fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the validated value (`/payments/0/amount`), `""` for the root.
    pub at: String,
    /// What was expected and what was found.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.at.is_empty() { "/" } else { &self.at };
        write!(f, "{at}: {}", self.message)
    }
}

/// Validate `value` against `schema`, resolving local `$ref`s in `doc`.
pub fn validate(doc: &Value, schema: &Value, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check(doc, schema, value, &mut String::new(), &mut out, 0);
    out
}

fn push(out: &mut Vec<Violation>, at: &str, message: String) {
    out.push(Violation {
        at: at.to_owned(),
        message,
    });
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &mut String,
    out: &mut Vec<Violation>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => check(doc, target, value, at, out, depth + 1),
            None => push(out, at, format!("schema $ref `{r}` does not resolve")),
        }
        return;
    }
    if value.is_null()
        && (schema.get("nullable") == Some(&Value::Bool(true))
            || schema.get("x-nullable") == Some(&Value::Bool(true)))
    {
        return;
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(doc, part, value, at, out, depth + 1);
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            let passing = parts
                .iter()
                .filter(|p| validate(doc, p, value).is_empty())
                .count();
            if passing == 0 || (exactly_one && passing > 1) {
                push(
                    out,
                    at,
                    format!("matches {passing} of the {key} alternatives"),
                );
            }
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(value)
    {
        push(
            out,
            at,
            format!("{value} is not one of {}", Value::Array(values.clone())),
        );
    }
    let Some(ty) = schema.get("type").and_then(Value::as_str) else {
        // Untyped schemas with properties are objects in practice (as in the BCC documents).
        if value.is_object() {
            check_object(doc, schema, value, at, out, depth);
        }
        return;
    };
    let actual = type_name(value);
    let ok = match ty {
        "number" => actual == "number" || actual == "integer",
        "integer" => actual == "integer" || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => other == actual,
    };
    if !ok {
        push(out, at, format!("expected {ty}, found {actual} {value}"));
        return;
    }
    match value {
        Value::String(s) => check_string(schema, s, at, out),
        Value::Number(_) => check_number(schema, value, at, out),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    check(doc, item_schema, item, at, out, depth + 1);
                    at.truncate(len);
                }
            }
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                push(
                    out,
                    at,
                    format!("{} items, at least {min} required", items.len()),
                );
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && (items.len() as u64) > max
            {
                push(
                    out,
                    at,
                    format!("{} items, at most {max} allowed", items.len()),
                );
            }
        }
        Value::Object(_) => check_object(doc, schema, value, at, out, depth),
        _ => {}
    }
}

fn check_object(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &mut String,
    out: &mut Vec<Violation>,
    depth: usize,
) {
    let Some(obj) = value.as_object() else { return };
    let props = schema.get("properties").and_then(Value::as_object);
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !obj.contains_key(name) {
            push(out, at, format!("required property `{name}` is missing"));
        }
    }
    for (name, v) in obj {
        let len = at.len();
        at.push('/');
        at.push_str(&crate::load::escape_pointer(name));
        match (
            props.and_then(|p| p.get(name)),
            schema.get("additionalProperties"),
        ) {
            (Some(p), _) => check(doc, p, v, at, out, depth + 1),
            (None, Some(Value::Bool(false))) => {
                push(out, at, format!("property `{name}` is not allowed"))
            }
            (None, Some(extra @ Value::Object(_))) => check(doc, extra, v, at, out, depth + 1),
            _ => {}
        }
        at.truncate(len);
    }
}

fn check_string(schema: &Value, s: &str, at: &str, out: &mut Vec<Violation>) {
    let chars = s.chars().count() as u64;
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && chars > max
    {
        push(
            out,
            at,
            format!("{chars} characters, at most {max} allowed"),
        );
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && chars < min
    {
        push(
            out,
            at,
            format!("{chars} characters, at least {min} required"),
        );
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match regress::Regex::new(pattern) {
            Ok(re) if re.find(s).is_none() => push(
                out,
                at,
                format!("`{s}` does not match the pattern {pattern}"),
            ),
            Err(e) => push(
                out,
                at,
                format!("the schema's pattern {pattern} is invalid: {e}"),
            ),
            _ => {}
        }
    }
    if let Some(format) = schema.get("format").and_then(Value::as_str)
        && let Some(problem) = check_format(format, s)
    {
        push(out, at, problem);
    }
}

/// The formats with a checkable layout; others (`byte`, `password`, bank-specific) pass.
fn check_format(format: &str, s: &str) -> Option<String> {
    let layout = |chrono_fmt: &str, date_only: bool| -> bool {
        if date_only {
            chrono::NaiveDate::parse_from_str(s, chrono_fmt).is_ok()
        } else {
            chrono::NaiveDateTime::parse_from_str(s, chrono_fmt).is_ok()
        }
    };
    let ok = match format {
        "date" => layout("%Y-%m-%d", true),
        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "uuid" => {
            s.len() == 36
                && s.chars().enumerate().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        }
        "dd-MM-yyyy" => layout("%d-%m-%Y", true),
        "yyyy-MM-dd HH:mm:ss" => layout("%Y-%m-%d %H:%M:%S", false),
        "dd-MM-yyyy HH:mm:ss" => layout("%d-%m-%Y %H:%M:%S", false),
        "dd.MM.yyyy HH:mm:ss" => layout("%d.%m.%Y %H:%M:%S", false),
        _ => true,
    };
    (!ok).then(|| format!("`{s}` is not a valid `{format}`"))
}

fn check_number(schema: &Value, value: &Value, at: &str, out: &mut Vec<Violation>) {
    let Some(n) = value.as_f64() else { return };
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let exclusive = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
        if n < min || (exclusive && n == min) {
            push(out, at, format!("{value} is below the minimum {min}"));
        }
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let exclusive = schema.get("exclusiveMaximum") == Some(&Value::Bool(true));
        if n > max || (exclusive && n == max) {
            push(out, at, format!("{value} is above the maximum {max}"));
        }
    }
}
