//! Validation of a JSON value against an OpenAPI 3.0 / Swagger 2.0 Schema Object, enough for the
//! keywords the bank documents use: `$ref`, `type`, `format`, `enum`, `properties`, `required`,
//! `additionalProperties`, `items`, `allOf` / `oneOf` / `anyOf`, `nullable`, string and number
//! constraints. Each violation names the JSON pointer in the value, the JSON pointer of the
//! schema it broke (after `$ref`s), its kind and what was expected.

use serde_json::Value;

use crate::pointer::escape;

/// What kind of rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The JSON type differs from `type`.
    Type,
    /// The text is not in the declared `format` (named).
    Format(String),
    /// A required property is missing.
    Required,
    /// A property `additionalProperties: false` forbids.
    NotAllowed,
    /// Not one of the `enum` values.
    Enum,
    /// `pattern`, `minLength`, `maxLength`, `minimum`, `maximum`, `minItems`, `maxItems`.
    Constraint,
    /// `oneOf` / `anyOf` not satisfied.
    Alternatives,
    /// The schema itself is broken (a `$ref` that does not resolve, an invalid pattern).
    Schema,
}

/// One way a value fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the validated value (`/payments/0/amount`), `""` for the root.
    pub at: String,
    /// JSON pointer of the schema broken, inside the document (`/components/schemas/Account/
    /// properties/balance`); relative to the schema passed to [`validate`] until a `$ref` is
    /// followed.
    pub schema_at: String,
    /// Which rule.
    pub kind: Kind,
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
    validate_with(doc, schema, "", value)
}

/// Validate `value` against the schema at `schema_pointer` in `doc` (a pointer that does not
/// resolve is one [`Kind::Schema`] violation).
pub fn validate_at(doc: &Value, schema_pointer: &str, value: &Value) -> Vec<Violation> {
    match doc.pointer(schema_pointer) {
        Some(schema) => validate_with(doc, schema, schema_pointer, value),
        None => vec![Violation {
            at: String::new(),
            schema_at: schema_pointer.to_owned(),
            kind: Kind::Schema,
            message: format!("no schema at {schema_pointer}"),
        }],
    }
}

/// Validate `value` against `schema`, which sits at `schema_at` in `doc`.
pub fn validate_with(
    doc: &Value,
    schema: &Value,
    schema_at: &str,
    value: &Value,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut cx = Cx { doc, out: &mut out };
    cx.check(schema, schema_at, value, &mut String::new(), 0);
    out
}

struct Cx<'a> {
    doc: &'a Value,
    out: &'a mut Vec<Violation>,
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

fn child(schema_at: &str, tokens: &[&str]) -> String {
    let mut out = schema_at.to_owned();
    for t in tokens {
        out.push('/');
        out.push_str(&escape(t));
    }
    out
}

impl Cx<'_> {
    fn push(&mut self, at: &str, schema_at: &str, kind: Kind, message: String) {
        self.out.push(Violation {
            at: at.to_owned(),
            schema_at: schema_at.to_owned(),
            kind,
            message,
        });
    }

    fn check(
        &mut self,
        schema: &Value,
        schema_at: &str,
        value: &Value,
        at: &mut String,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            match r
                .strip_prefix('#')
                .and_then(|p| self.doc.pointer(p).map(|t| (p, t)))
            {
                Some((pointer, target)) => self.check(target, pointer, value, at, depth + 1),
                None => self.push(
                    at,
                    schema_at,
                    Kind::Schema,
                    format!("schema $ref `{r}` does not resolve"),
                ),
            }
            return;
        }
        if value.is_null()
            && (schema.get("nullable") == Some(&Value::Bool(true))
                || schema.get(crate::ext::NULLABLE) == Some(&Value::Bool(true)))
        {
            return;
        }
        for (i, part) in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            self.check(
                part,
                &child(schema_at, &["allOf", &i.to_string()]),
                value,
                at,
                depth + 1,
            );
        }
        for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
            if let Some(parts) = schema.get(key).and_then(Value::as_array) {
                let passing = parts
                    .iter()
                    .filter(|p| validate(self.doc, p, value).is_empty())
                    .count();
                if passing == 0 || (exactly_one && passing > 1) {
                    self.push(
                        at,
                        &child(schema_at, &[key]),
                        Kind::Alternatives,
                        format!("matches {passing} of the {key} alternatives"),
                    );
                }
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            self.push(
                at,
                schema_at,
                Kind::Enum,
                format!("{value} is not one of {}", Value::Array(values.clone())),
            );
        }
        let Some(ty) = schema.get("type").and_then(Value::as_str) else {
            // Untyped schemas with properties are objects in practice (as in the BCC documents).
            if value.is_object() {
                self.check_object(schema, schema_at, value, at, depth);
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
            self.push(
                at,
                schema_at,
                Kind::Type,
                format!("expected {ty}, found {actual} {value}"),
            );
            return;
        }
        match value {
            Value::String(s) => self.check_string(schema, schema_at, s, at),
            Value::Number(_) => self.check_number(schema, schema_at, value, at),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    let item_at = child(schema_at, &["items"]);
                    for (i, item) in items.iter().enumerate() {
                        let len = at.len();
                        at.push_str(&format!("/{i}"));
                        self.check(item_schema, &item_at, item, at, depth + 1);
                        at.truncate(len);
                    }
                }
                if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < min
                {
                    self.push(
                        at,
                        schema_at,
                        Kind::Constraint,
                        format!("{} items, at least {min} required", items.len()),
                    );
                }
                if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                    && (items.len() as u64) > max
                {
                    self.push(
                        at,
                        schema_at,
                        Kind::Constraint,
                        format!("{} items, at most {max} allowed", items.len()),
                    );
                }
            }
            Value::Object(_) => self.check_object(schema, schema_at, value, at, depth),
            _ => {}
        }
    }

    fn check_object(
        &mut self,
        schema: &Value,
        schema_at: &str,
        value: &Value,
        at: &mut String,
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
                self.push(
                    at,
                    schema_at,
                    Kind::Required,
                    format!("required property `{name}` is missing"),
                );
            }
        }
        for (name, v) in obj {
            let len = at.len();
            at.push('/');
            at.push_str(&escape(name));
            match (
                props.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(p), _) => self.check(
                    p,
                    &child(schema_at, &["properties", name]),
                    v,
                    at,
                    depth + 1,
                ),
                (None, Some(Value::Bool(false))) => self.push(
                    at,
                    schema_at,
                    Kind::NotAllowed,
                    format!("property `{name}` is not allowed"),
                ),
                (None, Some(extra @ Value::Object(_))) => self.check(
                    extra,
                    &child(schema_at, &["additionalProperties"]),
                    v,
                    at,
                    depth + 1,
                ),
                _ => {}
            }
            at.truncate(len);
        }
    }

    fn check_string(&mut self, schema: &Value, schema_at: &str, s: &str, at: &str) {
        let chars = s.chars().count() as u64;
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && chars > max
        {
            self.push(
                at,
                schema_at,
                Kind::Constraint,
                format!("{chars} characters, at most {max} allowed"),
            );
        }
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && chars < min
        {
            self.push(
                at,
                schema_at,
                Kind::Constraint,
                format!("{chars} characters, at least {min} required"),
            );
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            match regress::Regex::new(pattern) {
                Ok(re) if re.find(s).is_none() => self.push(
                    at,
                    schema_at,
                    Kind::Constraint,
                    format!("`{s}` does not match the pattern {pattern}"),
                ),
                Err(e) => self.push(
                    at,
                    schema_at,
                    Kind::Schema,
                    format!("the schema's pattern {pattern} is invalid: {e}"),
                ),
                _ => {}
            }
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str)
            && let Some(f) = crate::formats::find(format)
            && f.json_type == "string"
            && !f.accepts(s)
        {
            self.push(
                at,
                schema_at,
                Kind::Format(format.to_owned()),
                format!("`{s}` is not a valid `{format}`"),
            );
        }
    }

    fn check_number(&mut self, schema: &Value, schema_at: &str, value: &Value, at: &str) {
        let Some(n) = value.as_f64() else { return };
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            let exclusive = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
            if n < min || (exclusive && n == min) {
                self.push(
                    at,
                    schema_at,
                    Kind::Constraint,
                    format!("{value} is below the minimum {min}"),
                );
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            let exclusive = schema.get("exclusiveMaximum") == Some(&Value::Bool(true));
            if n > max || (exclusive && n == max) {
                self.push(
                    at,
                    schema_at,
                    Kind::Constraint,
                    format!("{value} is above the maximum {max}"),
                );
            }
        }
    }
}
