//! The four APIs' documents: the normalised specs (the same `openapi.json` the clients are
//! generated from) for routing and request validation that names the offending field, and the
//! banks' documents as published (`published.json`: no fixes, no normalisation) that every answer
//! is made to follow.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

/// Which bank API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Bank {
    /// BCC Smart Online Broker.
    Broker,
    /// BCC FinancialAPI.
    Financial,
    /// Globus CFRONT.
    Globus,
    /// BaaS Gateway.
    Baas,
}

impl Bank {
    /// Every bank, in routing order.
    pub const ALL: [Bank; 4] = [Bank::Broker, Bank::Financial, Bank::Globus, Bank::Baas];

    /// The token route the sandbox serves under the API's prefix: BCC's `…/oauth/token` (the
    /// bank's own is on another host, `auth::TOKEN_URL`), BaaS's `/oauth2/token` as its spec
    /// declares it, none for Globus (HTTP Basic).
    pub fn token_path(self) -> Option<&'static str> {
        match self {
            Bank::Broker | Bank::Financial => Some("/oauth/token"),
            Bank::Globus => None,
            Bank::Baas => baas_gateway::SPEC
                .oauth2
                .map(|o| o.token_url)
                .filter(|u| u.starts_with('/')),
        }
    }

    /// The API's generated facts (`SPEC` of its crate): operations with their method names,
    /// auth, signing.
    pub fn api(self) -> &'static bank_runtime::ApiSpec {
        match self {
            Bank::Broker => &bcc_broker::SPEC,
            Bank::Financial => &bcc_financial::SPEC,
            Bank::Globus => &globus_cfront::SPEC,
            Bank::Baas => &baas_gateway::SPEC,
        }
    }

    /// The bank served under `prefix` (`globus-cfront`).
    pub fn from_prefix(prefix: &str) -> Option<Bank> {
        Bank::ALL.into_iter().find(|b| b.prefix() == prefix)
    }

    /// The path prefix it is served under (also the API's crate name).
    pub fn prefix(self) -> &'static str {
        match self {
            Bank::Broker => "bcc-broker",
            Bank::Financial => "bcc-financial",
            Bank::Globus => "globus-cfront",
            Bank::Baas => "baas-gateway",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Bank::Broker => bcc_broker::OPENAPI_JSON,
            Bank::Financial => bcc_financial::OPENAPI_JSON,
            Bank::Globus => globus_cfront::OPENAPI_JSON,
            Bank::Baas => baas_gateway::OPENAPI_JSON,
        }
    }

    fn published_text(self) -> &'static str {
        match self {
            Bank::Broker => bcc_broker::PUBLISHED_JSON,
            Bank::Financial => bcc_financial::PUBLISHED_JSON,
            Bank::Globus => globus_cfront::PUBLISHED_JSON,
            Bank::Baas => baas_gateway::PUBLISHED_JSON,
        }
    }

    /// The bank's normalised spec, parsed once.
    pub fn spec(self) -> &'static Spec {
        static SPECS: OnceLock<BTreeMap<Bank, Spec>> = OnceLock::new();
        parsed(&SPECS, self, Bank::text, "openapi.json")
    }

    /// The bank's document as published (converted to OpenAPI 3.0, without our fixes), parsed
    /// once: what its answers must follow.
    pub fn published(self) -> &'static Spec {
        static SPECS: OnceLock<BTreeMap<Bank, Spec>> = OnceLock::new();
        parsed(&SPECS, self, Bank::published_text, "published.json")
    }
}

/// One of the generated documents of every bank, parsed on first use.
fn parsed(
    cell: &'static OnceLock<BTreeMap<Bank, Spec>>,
    bank: Bank,
    text: fn(Bank) -> &'static str,
    file: &str,
) -> &'static Spec {
    &cell.get_or_init(|| {
        Bank::ALL
            .iter()
            .map(|b| {
                let doc = serde_json::from_str(text(*b))
                    .unwrap_or_else(|e| panic!("the generated {file} of {b:?} is not JSON: {e}"));
                (*b, Spec::new(doc))
            })
            .collect()
    })[&bank]
}

/// One operation of a spec.
#[derive(Debug)]
pub struct Operation {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path template (`/{appid}/accounts`).
    pub route: String,
    /// The path template's segments.
    segments: Vec<String>,
    /// The operationId.
    pub id: String,
    /// The Operation Object.
    pub op: Value,
}

/// A parsed spec with its operations.
#[derive(Debug)]
pub struct Spec {
    /// The document.
    pub doc: Value,
    /// Its operations.
    pub operations: Vec<Operation>,
}

/// A request that does not match the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field, in the bank's words: `params.client.pinfl`, `query dateFrom`, `body`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Spec {
    /// A spec over an OpenAPI 3.0 document.
    pub fn new(doc: Value) -> Self {
        let operations = bank_openapi::operations::operations(&doc)
            .map(|o| Operation {
                method: o.method.to_uppercase(),
                route: o.route.to_owned(),
                segments: o
                    .route
                    .trim_start_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect(),
                id: o.id().unwrap_or_default().to_owned(),
                op: o.op.clone(),
            })
            .collect();
        Spec { doc, operations }
    }

    /// The operation for a method and a path (below the bank's prefix), with its path parameters.
    pub fn route(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(&Operation, BTreeMap<String, String>)> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.operations
            .iter()
            .filter(|o| o.method == method)
            .find_map(|o| {
                if o.segments.len() != parts.len() {
                    return None;
                }
                let mut params = BTreeMap::new();
                for (seg, part) in o.segments.iter().zip(&parts) {
                    match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) if !part.is_empty() => {
                            params.insert(name.to_owned(), percent_decode(part));
                        }
                        Some(_) => return None,
                        None if seg == part => {}
                        None => return None,
                    }
                }
                Some((o, params))
            })
    }

    fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        bank_openapi::refs::deref(&self.doc, v)
    }

    /// Check parameters and body against the operation: required, types, formats, enums,
    /// patterns. The first problem is returned, naming the field.
    pub fn validate(
        &self,
        op: &Operation,
        path: &BTreeMap<String, String>,
        query: &BTreeMap<String, String>,
        headers: &axum::http::HeaderMap,
        body: Option<&Value>,
    ) -> Result<(), Invalid> {
        for p in op.op["parameters"].as_array().into_iter().flatten() {
            let p = self.deref(p);
            let (Some(name), Some(location)) = (p["name"].as_str(), p["in"].as_str()) else {
                continue;
            };
            let raw = match location {
                "path" => path.get(name).cloned(),
                "query" => query.get(name).cloned(),
                "header" => headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                _ => None,
            };
            let field = format!("{location} parameter {name}");
            let Some(raw) = raw else {
                if p["required"].as_bool() == Some(true) {
                    return Err(Invalid {
                        field,
                        message: "is required".into(),
                    });
                }
                continue;
            };
            let schema = self.deref(&p["schema"]);
            let value = param_value(&self.doc, schema, &raw).map_err(|message| Invalid {
                field: field.clone(),
                message,
            })?;
            if let Some(v) = bank_openapi::validate::validate(&self.doc, schema, &value)
                .into_iter()
                .next()
            {
                return Err(Invalid {
                    field,
                    message: v.message,
                });
            }
        }
        let request_body = self.deref(&op.op["requestBody"]);
        let schema = request_body.pointer("/content/application~1json/schema");
        match (schema, body) {
            (Some(_), None) if request_body["required"].as_bool() == Some(true) => Err(Invalid {
                field: "body".into(),
                message: "a JSON body is required".into(),
            }),
            (Some(schema), Some(body)) => {
                match bank_openapi::validate::validate(&self.doc, schema, body)
                    .into_iter()
                    .next()
                {
                    Some(v) => Err(Invalid {
                        field: dotted(&v.at),
                        message: v.message,
                    }),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Check a response this sandbox is about to send against the spec: the sandbox's own bugs
    /// surface as a 500 naming the field instead of as a client-side decoding error.
    pub fn check_response(&self, op: &Operation, status: u16, body: &Value) -> Result<(), Invalid> {
        let response = self.deref(&op.op["responses"][status.to_string()]);
        let Some(schema) = response.pointer("/content/application~1json/schema") else {
            return Ok(());
        };
        match bank_openapi::validate::validate(&self.doc, schema, body)
            .into_iter()
            .next()
        {
            Some(v) => Err(Invalid {
                field: dotted(&v.at),
                message: v.message,
            }),
            None => Ok(()),
        }
    }
}

/// A parameter's text as the JSON value its schema types it (`integer`, `number`, `boolean`;
/// anything else stays a string); the error says why the text is not of that type.
pub fn param_value(doc: &Value, schema: &Value, raw: &str) -> Result<Value, String> {
    let schema = bank_openapi::refs::deref(doc, schema);
    match schema["type"].as_str() {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{raw}` is not an integer")),
        Some("number") => match raw.parse::<f64>() {
            // The text as a JSON number (exact as written); never through the float.
            Ok(_) => Ok(serde_json::from_str(raw).unwrap_or(Value::String(raw.to_owned()))),
            Err(_) => Err(format!("`{raw}` is not a number")),
        },
        Some("boolean") => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{raw}` is not true or false")),
        },
        _ => Ok(Value::String(raw.to_owned())),
    }
}

/// `/params/client/pinfl` → `params.client.pinfl` (`body` for the root).
pub fn dotted(pointer: &str) -> String {
    if pointer.is_empty() {
        return "body".into();
    }
    bank_openapi::pointer::tokens(pointer).join(".")
}

/// Decode `%XX` escapes (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
