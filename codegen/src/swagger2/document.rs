//! The document-level parts of a Swagger 2.0 conversion: the `servers` (from IBM API Connect's
//! endpoints or `schemes`/`host`/`basePath`) and the security schemes.

use std::path::Path;

use bank_openapi::ext;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::load::escape_pointer;

/// Servers from the bank's `x-ibm-endpoints` (IBM API Connect) when present, otherwise from
/// `schemes` / `host` / `basePath`. Each endpoint URL gets the document's `basePath` appended.
pub(super) fn servers(root: &Map<String, Value>) -> Option<Value> {
    let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = base.trim_end_matches('/');
    if let Some(endpoints) = root.get(ext::IBM_ENDPOINTS).and_then(Value::as_array) {
        let list: Vec<Value> = endpoints
            .iter()
            .filter_map(|e| {
                let url = e.get("endpointUrl")?.as_str()?;
                let mut server = Map::new();
                server.insert(
                    "url".into(),
                    json!(format!("{}{}", url.trim_end_matches('/'), base)),
                );
                if let Some(d) = e.get("description") {
                    server.insert("description".into(), d.clone());
                }
                if let Some(t) = e.get("type") {
                    server.insert(ext::IBM_ENDPOINT_TYPE.into(), t.clone());
                }
                Some(Value::Object(server))
            })
            .collect();
        if !list.is_empty() {
            return Some(Value::Array(list));
        }
    }
    let host = root.get("host").and_then(Value::as_str);
    let schemes: Vec<&str> = root
        .get("schemes")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let list: Vec<Value> = match host {
        Some(host) if schemes.is_empty() => vec![json!({ "url": format!("//{host}{base}") })],
        Some(host) => schemes
            .iter()
            .map(|s| json!({ "url": format!("{s}://{host}{base}") }))
            .collect(),
        None if !base.is_empty() => vec![json!({ "url": base })],
        None => return None,
    };
    Some(Value::Array(list))
}

/// A Swagger 2.0 security definition as an OpenAPI 3.0 security scheme (`basic`, `apiKey`,
/// `oauth2` with its flow); another type is a located error.
pub(super) fn security_scheme(path: &Path, name: &str, s: &Value) -> Result<Value> {
    let pointer = format!("/securityDefinitions/{}", escape_pointer(name));
    let kind = s.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = Map::new();
    match kind {
        "basic" => {
            out.insert("type".into(), json!("http"));
            out.insert("scheme".into(), json!("basic"));
        }
        "apiKey" => {
            out.insert("type".into(), json!("apiKey"));
            out.insert("name".into(), s.get("name").cloned().unwrap_or(Value::Null));
            out.insert("in".into(), s.get("in").cloned().unwrap_or(Value::Null));
        }
        "oauth2" => {
            out.insert("type".into(), json!("oauth2"));
            let flow = s.get("flow").and_then(Value::as_str).unwrap_or("");
            let key = match flow {
                "implicit" => "implicit",
                "password" => "password",
                "application" => "clientCredentials",
                "accessCode" => "authorizationCode",
                other => {
                    return Err(Error::invalid(
                        path,
                        format!("{pointer}/flow"),
                        format!("unknown oauth2 flow `{other}`"),
                    ));
                }
            };
            let mut f = Map::new();
            for k in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = s.get(k) {
                    f.insert(k.into(), v.clone());
                }
            }
            f.insert(
                "scopes".into(),
                s.get("scopes").cloned().unwrap_or_else(|| json!({})),
            );
            out.insert("flows".into(), json!({ key: Value::Object(f) }));
        }
        other => {
            return Err(Error::invalid(
                path,
                format!("{pointer}/type"),
                format!("unknown security scheme type `{other}`"),
            ));
        }
    }
    for (k, v) in s.as_object().into_iter().flatten() {
        if k == "description" || ext::is_extension(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}
