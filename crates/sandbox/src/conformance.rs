//! Exchanges held to the banks' own documents.
//!
//! With `record_exchanges = true` the sandbox keeps every request it received and every answer it
//! gave ([`Exchange`]); [`check`] validates them against the bank's document as published
//! (`published.json`: before our fixes), the request's parameters and body and the answer's body,
//! and reports each violation — marking those [`bank_openapi::quirks::shown_by_example`]
//! excuses, so a test can hold them to `specs/<api>/known-quirks.yaml`.
//!
//! Recorded exchanges hold no credentials ([`Exchange::recorded`]): the `Authorization`,
//! `Proxy-Authorization`, `Cookie` and `Set-Cookie` headers and the fields [`SECRET_FIELDS`]
//! (in JSON bodies at any depth, form bodies and the query: the token requests' `password` and
//! `client_secret`, the answers' `access_token`) read [`REDACTED`]. A signature
//! (`x-jws-signature`) and the W3C trace context (`traceparent`, `tracestate`: the caller's trace)
//! are kept: they are no secret, and they are what a test checks ([`Exchange::header`]).

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
    /// When it was answered, Unix milliseconds by the sandbox's clock (0: not said).
    pub at_ms: u64,
}

/// What a redacted credential reads in a recorded exchange.
pub const REDACTED: &str = "[redacted]";

/// Headers never recorded as sent.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Body and query fields never recorded as sent.
pub const SECRET_FIELDS: &[&str] = &[
    "password",
    "client_secret",
    "access_token",
    "refresh_token",
    "id_token",
];

impl Exchange {
    /// The value of the request header `name` as recorded (the first, when it came more than
    /// once): `exchange.header("traceparent")` is the trace the caller sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// An exchange as the sandbox records it: credentials redacted (see the [module](self)).
    #[allow(clippy::too_many_arguments)]
    pub fn recorded(
        bank: Bank,
        method: String,
        path: String,
        query: Option<&str>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
        status: u16,
        answer: Option<&[u8]>,
    ) -> Exchange {
        Exchange {
            bank,
            method,
            path,
            query: query.map(|q| String::from_utf8_lossy(&redact_form(q.as_bytes())).into_owned()),
            headers: headers
                .iter()
                .filter_map(|(n, v)| {
                    let value = if SECRET_HEADERS.contains(&n.as_str()) {
                        REDACTED.to_owned()
                    } else {
                        v.to_str().ok()?.to_owned()
                    };
                    Some((n.as_str().to_owned(), value))
                })
                .collect(),
            body: redact_body(body),
            status,
            answer: answer.map(redact_body),
            at_ms: 0,
        }
    }
}

impl crate::bounded::Weigh for Exchange {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + std::mem::size_of::<(String, String)>())
                .sum::<usize>()
            + self.body.len()
            + self.answer.as_ref().map_or(0, Vec::len)
    }
}

/// A body with [`SECRET_FIELDS`] redacted: a JSON value at any depth, or a form.
fn redact_body(body: &[u8]) -> Vec<u8> {
    if let Ok(mut value) = serde_json::from_slice::<Value>(body) {
        if redact_json(&mut value) {
            return serde_json::to_vec(&value).unwrap_or_default();
        }
        return body.to_vec();
    }
    redact_form(body)
}

/// Redact [`SECRET_FIELDS`] in `value`; whether any was there.
fn redact_json(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let mut found = false;
            for (key, v) in map.iter_mut() {
                if SECRET_FIELDS.contains(&key.as_str()) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                    found = true;
                } else {
                    found |= redact_json(v);
                }
            }
            found
        }
        Value::Array(items) => items.iter_mut().fold(false, |f, v| redact_json(v) | f),
        _ => false,
    }
}

/// A form (`a=1&password=…`) with [`SECRET_FIELDS`] redacted; anything else as it is.
fn redact_form(body: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(body) else {
        return body.to_vec();
    };
    if !text.contains('=') {
        return body.to_vec();
    }
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if SECRET_FIELDS.contains(&crate::spec::percent_decode(key).as_str()) =>
            {
                format!("{key}={}", "%5Bredacted%5D")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_exchanges_hold_no_credentials_but_keep_the_signature() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("authorization", "Bearer sbx-secret".parse().expect("value"));
        headers.insert("cookie", "session=1".parse().expect("value"));
        headers.insert("x-jws-signature", "eyJ..sig".parse().expect("value"));
        let form = Exchange::recorded(
            Bank::Broker,
            "POST".into(),
            Bank::Broker.token_path().unwrap_or_default().into(),
            Some("access_token=abc&x=1"),
            &headers,
            b"grant_type=client_credentials&client_id=c&client_secret=s3cret",
            200,
            Some(br#"{"access_token": "sbx-abc", "token_type": "bearer"}"#),
        );
        let header = |name: &str| {
            form.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("authorization"), Some(REDACTED));
        assert_eq!(header("cookie"), Some(REDACTED));
        assert_eq!(header("x-jws-signature"), Some("eyJ..sig"));
        let body = String::from_utf8(form.body.clone()).expect("text");
        assert!(
            !body.contains("s3cret") && body.contains("client_id=c"),
            "{body}"
        );
        assert_eq!(
            form.query.as_deref(),
            Some("access_token=%5Bredacted%5D&x=1")
        );
        let answer: Value =
            serde_json::from_slice(form.answer.as_deref().unwrap_or_default()).expect("JSON");
        assert_eq!(answer["access_token"], REDACTED);
        assert_eq!(answer["token_type"], "bearer");
        let json = Exchange::recorded(
            Bank::Baas,
            "POST".into(),
            "/oauth2/token".into(),
            None,
            &axum::http::HeaderMap::new(),
            br#"{"grant_type": "password", "username": "u", "password": "p4ss"}"#,
            200,
            None,
        );
        let body: Value = serde_json::from_slice(&json.body).expect("JSON");
        assert_eq!(
            (body["password"].as_str(), body["username"].as_str()),
            (Some(REDACTED), Some("u"))
        );
        let untouched = br#"{"amount": 1}"#;
        assert_eq!(redact_body(untouched), untouched.to_vec());
    }
}
