//! The simulation of an API that has no hand-written module, driven by its documents alone:
//! requests are validated and routed by the router like every bank's; authentication is what the
//! document declares (an OAuth2 client-credentials or password flow at its token URL's path,
//! HTTP Basic, a bearer token, or none), with the `[generic]` accounts of the configuration;
//! answers are the document's examples, or values made to fit its schemas; errors take the shape
//! of the document's own error schema when it declares one.

use serde_json::{Map, Value, json};

use crate::auth::Denied;
use crate::host::Host;
use crate::sim::{BankSim, Call, Outcome, Reply, field_message};
use crate::spec::Bank;

/// The generic simulation of every API the registry holds: one value per API
/// ([`for_bank`]), so that each knows its documents.
pub struct Generic(Bank);

/// The generic simulation of `bank`.
pub fn for_bank(bank: Bank) -> &'static Generic {
    static SIMS: std::sync::OnceLock<Vec<Generic>> = std::sync::OnceLock::new();
    let sims = SIMS.get_or_init(|| Bank::ALL.into_iter().map(Generic).collect());
    &sims[bank.index()]
}

impl BankSim for Generic {
    fn error(
        &self,
        status: u16,
        code: &str,
        field: Option<&str>,
        message: &str,
        _envelope_id: Option<&Value>,
    ) -> Reply {
        Reply::json(status, &error_body(self.0, status, code, field, message))
    }

    fn token_client(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
        crate::auth::generic_client(headers, body)
    }

    fn token(&self, host: &dyn Host, headers: &axum::http::HeaderMap, body: &[u8]) -> Reply {
        match crate::auth::generic_token(host, self.0, headers, body) {
            Ok(token) => Reply::json(200, &token),
            Err(denied) => self.denied(&denied),
        }
    }

    fn authenticate(
        &self,
        host: &dyn Host,
        bank: Bank,
        headers: &axum::http::HeaderMap,
        expired_fault: bool,
    ) -> Result<String, Denied> {
        let api = bank.api();
        match (api.oauth2, api.http_auth) {
            (Some(_), _) => crate::auth::bearer(host, bank, headers, expired_fault),
            (None, Some(bank_runtime::HttpAuth::Basic)) => {
                crate::auth::basic_login(headers, &host.config().generic.logins, bank.prefix())
            }
            (None, Some(bank_runtime::HttpAuth::Bearer)) => {
                crate::auth::static_bearer(headers, &host.config().generic.tokens)
            }
            (None, None) => Ok(String::new()),
        }
    }

    fn handle(&self, call: &Call<'_>) -> Outcome {
        answer(self.0, call.operation).into()
    }
}

/// The answer to a validated, authenticated call: the operation's first documented success, its
/// body the document's example or a value made to fit its schema.
fn answer(bank: Bank, operation: &str) -> Reply {
    let spec = bank.spec();
    let Some(op) = spec.operations.iter().find(|o| o.id == operation) else {
        return Reply::internal(&format!("no operation {operation} in the document"));
    };
    let responses = op.op["responses"].as_object();
    let Some((status, response)) = responses
        .into_iter()
        .flatten()
        .find(|(status, _)| bank_openapi::status::is_success(status))
    else {
        return Reply::empty(204);
    };
    let status: u16 = status.parse().unwrap_or(200);
    let response = bank_openapi::refs::deref(&spec.doc, response);
    let Some(media) = response.pointer("/content/application~1json") else {
        return Reply::empty(status);
    };
    let body = media
        .get("example")
        .cloned()
        .or_else(|| {
            media
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|m| m.values().next())
                .map(|e| bank_openapi::refs::deref(&spec.doc, e))
                .and_then(|e| e.get("value").cloned())
        })
        .or_else(|| {
            media
                .get("schema")
                .map(|schema| bank_openapi::sample::value(&spec.doc, schema))
        })
        .unwrap_or(Value::Null);
    Reply::json(status, &body)
}

/// An error body in the shape of the document's own error schema (the first JSON schema of an
/// error response that is an object): its properties named for a code, a message or a field
/// take those; the others, when required, values made to fit. Without one: `{code, message}`.
fn error_body(bank: Bank, status: u16, code: &str, field: Option<&str>, message: &str) -> Value {
    let spec = bank.spec();
    let schema = spec
        .operations
        .iter()
        .filter_map(|o| o.op["responses"].as_object())
        .flatten()
        .filter(|(status, _)| bank_openapi::status::is_error(status))
        .filter_map(|(_, r)| {
            bank_openapi::refs::deref(&spec.doc, r).pointer("/content/application~1json/schema")
        })
        .map(|s| bank_openapi::refs::deref(&spec.doc, s))
        .find(|s| s.get("properties").is_some_and(Value::is_object));
    let Some(schema) = schema else {
        return json!({"code": code, "message": field_message(field, message)});
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut body = Map::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let property = bank_openapi::refs::deref(&spec.doc, property);
        let lower = name.to_ascii_lowercase();
        let numeric = matches!(property["type"].as_str(), Some("integer" | "number"));
        let value = if lower.contains("code") || lower == "error" || lower == "status" {
            if numeric {
                Some(json!(status))
            } else {
                Some(json!(code))
            }
        } else if lower.contains("message") || lower.contains("description") || lower == "detail" {
            Some(json!(field_message(field, message)))
        } else if lower == "field" || lower == "path" {
            field.map(|f| json!(f))
        } else {
            None
        };
        match value {
            Some(v) => {
                body.insert(name.clone(), v);
            }
            None if required.contains(&name.as_str()) => {
                body.insert(
                    name.clone(),
                    bank_openapi::sample::value(&spec.doc, property),
                );
            }
            None => {}
        }
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of every API, answered by the generic simulation, is valid against the
    /// bank's document as published (the examples it has, values made to fit where it has none).
    #[test]
    fn every_generic_answer_follows_the_published_document() {
        let mut problems = Vec::new();
        for bank in Bank::ALL {
            let published = bank.published();
            for op in &bank.spec().operations {
                let reply = answer(bank, &op.id);
                let Some(bytes) = reply.body.as_deref() else {
                    continue;
                };
                let Some((target, _)) = published.route(&op.method, &op.route) else {
                    continue;
                };
                let Some((schema, at)) =
                    crate::published::response_schema(published, target, reply.status)
                else {
                    continue;
                };
                // What the router sends: the answer in the published document's forms.
                let bytes = crate::published::conform(&published.doc, schema, bytes);
                let body: Value = serde_json::from_slice(&bytes).expect("JSON");
                for bug in crate::published::check(&published.doc, schema, &at, &body) {
                    problems.push(format!("{bank} {}: {} {}", op.id, bug.at, bug.message));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// An error in the shape of the document's error schema: Globus's `{code, message}`.
    #[test]
    fn errors_take_the_documents_error_shape() {
        let body = error_body(
            Bank::Globus,
            400,
            "VALIDATION_ERROR",
            Some("phoneNumber"),
            "bad",
        );
        assert_eq!(body["code"], "VALIDATION_ERROR", "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("phoneNumber")),
            "{body}"
        );
    }
}
