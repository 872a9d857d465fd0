//! The four banks' behaviour behind the spec-driven router: each module takes a validated call
//! and answers in its bank's own format.

pub mod baas;
pub mod broker;
pub mod financial;
pub mod globus;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::state::Shared;

/// A validated call, ready for its bank.
pub struct Call<'a> {
    /// Shared state and settings.
    pub shared: &'a Arc<Shared>,
    /// The operationId.
    pub operation: &'a str,
    /// Path parameters.
    pub path: &'a BTreeMap<String, String>,
    /// Query parameters.
    pub query: &'a BTreeMap<String, String>,
    /// Request headers.
    pub headers: &'a axum::http::HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
    /// The authenticated client, user or merchant.
    pub subject: &'a str,
    /// The sandbox's own base URL (`http://127.0.0.1:PORT`), for redirect links.
    pub origin: &'a str,
}

impl Call<'_> {
    /// The body as the generated request type, exact decimals and bank dates included; an error
    /// names the field.
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, (String, String)> {
        let mut de = serde_json::Deserializer::from_slice(self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let field = e.path().to_string();
            (
                if field == "." { "body".into() } else { field },
                e.inner().to_string(),
            )
        })
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, serialised.
    pub body: Option<Vec<u8>>,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer (serialised directly, so exact decimals stay exact).
    pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status,
                body: Some(body),
                headers: Vec::new(),
            },
            Err(e) => Reply::internal(&format!("serialising the answer: {e}")),
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// The sandbox's own failure.
    pub fn internal(message: &str) -> Reply {
        Reply {
            status: 500,
            body: Some(
                json!({"code": "SANDBOX_ERROR", "message": message})
                    .to_string()
                    .into_bytes(),
            ),
            headers: Vec::new(),
        }
    }

    /// Add a header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// An error in the bank's own format.
pub fn error(
    bank: crate::spec::Bank,
    status: u16,
    code: &str,
    field: Option<&str>,
    message: &str,
    envelope_id: Option<&Value>,
) -> Reply {
    use crate::spec::Bank;
    let text = match field {
        Some(f) => format!("Field: {f}, message: {message}"),
        None => message.to_owned(),
    };
    match bank {
        // The broker document's `httperror.Details`.
        Bank::Broker => {
            let reason = axum::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            Reply::json(
                status,
                &json!({"code": status, "message": text, "status": reason}),
            )
        }
        // The FinancialAPI document's `Response` (`success`, `code`, `description` required).
        Bank::Financial => Reply::json(
            status,
            &json!({"success": false, "code": status, "description": text}),
        ),
        Bank::Globus => Reply::json(status, &json!({"code": code, "message": text})),
        Bank::Baas => {
            let numeric: i64 = code.parse().unwrap_or(1);
            let message = if numeric == 4 {
                format!("Validation Error. {text}")
            } else {
                text
            };
            // The bank answers with "the same ID as in the request, or a new UUID" and declares
            // `id: format uuid`: a request id that is not a UUID is never echoed.
            let id = envelope_id
                .and_then(Value::as_str)
                .filter(|s| is_uuid(s))
                .map_or_else(|| json!(uuid::Uuid::new_v4()), |s| json!(s));
            Reply::json(
                status,
                &json!({"id": id, "result": null, "error": {"code": numeric, "message": message}}),
            )
        }
    }
}

/// A refused authentication in the bank's format: the OAuth2 `error` / `error_description` body
/// (FinancialAPI: inside its documented `Response`, which allows extra attributes) and the
/// `WWW-Authenticate` challenge.
pub fn denied(bank: crate::spec::Bank, d: &crate::auth::Denied) -> Reply {
    let mut body = d.body();
    if bank == crate::spec::Bank::Financial
        && let Some(map) = body.as_object_mut()
    {
        map.insert("success".into(), json!(false));
        map.insert("code".into(), json!(d.status));
        map.insert("description".into(), json!(d.description));
    }
    let mut reply = Reply::json(d.status, &body);
    if !d.challenge.is_empty() {
        reply = reply.with_header("www-authenticate", d.challenge.clone());
    }
    reply
}

/// A UUID in its hyphenated form (`format: uuid`).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// POST a JSON body to a merchant's URL (callbacks, postLinks); failures are logged, not fatal.
pub fn notify<T: Serialize + Send + 'static>(
    shared: &Arc<Shared>,
    url: String,
    body: T,
    what: &'static str,
) {
    let http = shared.http.clone();
    let shared = shared.clone();
    tokio::spawn(async move {
        let bytes = match serde_json::to_vec(&body) {
            Ok(b) => b,
            Err(e) => return tracing::warn!(%url, error = %e, "{what}: serialising"),
        };
        let status = match http
            .post(&url)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => {
                tracing::debug!(%url, "{what} delivered");
                Some(r.status().as_u16())
            }
            Ok(r) => {
                tracing::warn!(%url, status = r.status().as_u16(), "{what}: merchant answered an error");
                Some(r.status().as_u16())
            }
            Err(e) => {
                tracing::warn!(%url, error = %e, "{what}: not delivered");
                None
            }
        };
        shared.update(|s| {
            s.deliveries
                .push(crate::state::Delivery { what, url, status });
        });
    });
}

/// A decimal rounded to two places (banker's rounding is not what banks print: half up).
pub fn money(d: rust_decimal::Decimal) -> rust_decimal::Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}
