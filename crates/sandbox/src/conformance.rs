//! Exchanges held to the banks' own documents.
//!
//! With `record_exchanges = true` the sandbox keeps every request it received and every answer it
//! gave ([`Exchange`]); [`check`] validates them against the bank's document as published
//! (`published.json`: before our fixes), the request's parameters and body and the answer's body,
//! and reports each violation — marking those [`bank_openapi::quirks::shown_by_example`]
//! excuses, so a test can hold them to `specs/<api>/known-quirks.yaml`.

use serde_json::Value;

use bank_openapi::validate::{Violation, validate_with};

use crate::published::response_schema;
use crate::spec::{Bank, param_value};

/// One request and its answer, as they crossed the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The API.
    pub bank: Bank,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path below the API's prefix (`/sandbox-client/accounts`).
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// Request headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
    /// The answer's status.
    pub status: u16,
    /// The answer's body.
    pub answer: Option<Vec<u8>>,
}

/// Which half of an exchange a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// What the client sent.
    Request,
    /// What the sandbox answered.
    Answer,
}

/// One way an exchange departs from the bank's document.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The API.
    pub bank: Bank,
    /// `bcc-financial GET /sandbox-client/accounts → 200`.
    pub exchange: String,
    /// Request or answer.
    pub direction: Direction,
    /// Where (`query parameter dateFrom`, `body`, …) and what.
    pub violation: Violation,
    /// Where it sits: the parameter or the body.
    pub part: String,
    /// Excused: the document's own example is written the same way.
    pub excused: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:?} {}{}): {} [schema {}]{}",
            self.exchange,
            self.direction,
            self.part,
            self.violation.at,
            self.violation.message,
            self.violation.schema_at,
            if self.excused {
                " — excused by the document's own example"
            } else {
                ""
            }
        )
    }
}

/// Validate one exchange against its bank's published document; `requests`: the request too.
/// An exchange the document has no operation for (the sandbox's own token routes) gives nothing.
pub fn check(exchange: &Exchange, requests: bool) -> Vec<Finding> {
    let spec = exchange.bank.published();
    let doc = &spec.doc;
    let Some((op, path_params)) = spec.route(&exchange.method, &exchange.path) else {
        return Vec::new();
    };
    let label = format!(
        "{} {} {} → {}",
        exchange.bank.prefix(),
        exchange.method,
        exchange.path,
        exchange.status
    );
    let mut out = Vec::new();
    let mut push = |direction, part: String, found: Vec<Violation>, value: &Value| {
        for violation in found {
            let excused = bank_openapi::quirks::shown_by_example(doc, &violation, value);
            out.push(Finding {
                bank: exchange.bank,
                exchange: label.clone(),
                direction,
                violation,
                part: part.clone(),
                excused,
            });
        }
    };
    if requests {
        let query: std::collections::BTreeMap<String, String> =
            crate::auth::form(exchange.query.as_deref().unwrap_or_default().as_bytes())
                .into_iter()
                .collect();
        let op_at = format!(
            "/paths/{}/{}",
            bank_openapi::pointer::escape(&op.route),
            op.method.to_lowercase()
        );
        for (i, p) in op.op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (p, via) = bank_openapi::refs::resolve(doc, p);
            let p_at = via
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{op_at}/parameters/{i}"));
            let (Some(name), Some(location)) = (p["name"].as_str(), p["in"].as_str()) else {
                continue;
            };
            let raw = match location {
                "path" => path_params.get(name).cloned(),
                "query" => query.get(name).cloned(),
                "header" => exchange
                    .headers
                    .iter()
                    .find(|(h, _)| h.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone()),
                _ => None,
            };
            let part = format!("{location} parameter {name}");
            let Some(raw) = raw else {
                if p["required"].as_bool() == Some(true) {
                    push(
                        Direction::Request,
                        part,
                        vec![Violation {
                            at: String::new(),
                            schema_at: p_at,
                            kind: bank_openapi::validate::Kind::Required,
                            message: "is required".into(),
                        }],
                        &Value::Null,
                    );
                }
                continue;
            };
            let schema = &p["schema"];
            let schema_at = format!("{p_at}/schema");
            match param_value(doc, schema, &raw) {
                Ok(value) => {
                    let found = validate_with(doc, schema, &schema_at, &value);
                    push(Direction::Request, part, found, &value);
                }
                Err(message) => push(
                    Direction::Request,
                    part,
                    vec![Violation {
                        at: String::new(),
                        schema_at,
                        kind: bank_openapi::validate::Kind::Type,
                        message,
                    }],
                    &Value::Null,
                ),
            }
        }
        let body_at = format!("{op_at}/requestBody");
        let (request_body, via) = bank_openapi::refs::resolve(doc, &op.op["requestBody"]);
        let body_at = via.map(str::to_owned).unwrap_or(body_at);
        if let Some(schema) = request_body.pointer("/content/application~1json/schema")
            && !exchange.body.is_empty()
        {
            match serde_json::from_slice::<Value>(&exchange.body) {
                Ok(value) => {
                    let found = validate_with(
                        doc,
                        schema,
                        &format!("{body_at}/content/application~1json/schema"),
                        &value,
                    );
                    push(Direction::Request, "body".into(), found, &value);
                }
                Err(e) => push(
                    Direction::Request,
                    "body".into(),
                    vec![Violation {
                        at: String::new(),
                        schema_at: body_at,
                        kind: bank_openapi::validate::Kind::Type,
                        message: format!("not JSON: {e}"),
                    }],
                    &Value::Null,
                ),
            }
        }
    }
    if let (Some((schema, schema_at)), Some(bytes)) = (
        response_schema(spec, op, exchange.status),
        exchange.answer.as_ref(),
    ) {
        let value: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        let found = validate_with(doc, schema, &schema_at, &value);
        push(Direction::Answer, "body".into(), found, &value);
    }
    out
}
