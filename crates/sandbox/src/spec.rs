//! Every API's documents: the normalised specs (the same `openapi.json` the clients are
//! generated from) for routing and request validation that names the offending field, and the
//! banks' documents as published (`published.json`: no fixes, no normalisation) that every answer
//! is made to follow.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

/// Which bank API: a row of the workspace's registry (`bank-apis`, generated from `specs/`), so
/// every API there is served. The APIs with a hand-written simulation name their row as a
/// constant in their module of [`crate::banks`] (`Bank::Globus`); any other is
/// [`Bank::named`]`("its-name")`. Shown and written as its name (`globus-cfront`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bank(usize);

/// How many APIs the registry holds.
const COUNT: usize = bank_apis::ALL.len();

impl Bank {
    /// Every API of the registry, sorted by name.
    pub const ALL: [Bank; COUNT] = {
        let mut all = [Bank(0); COUNT];
        let mut i = 0;
        while i < COUNT {
            all[i] = Bank(i);
            i += 1;
        }
        all
    };

    /// The API named `name` (its folder under `specs/`). In a constant, a name the registry does
    /// not hold fails the build; at run time use [`from_prefix`](Self::from_prefix).
    pub const fn named(name: &str) -> Bank {
        let mut i = 0;
        while i < COUNT {
            if same(bank_apis::ALL[i].spec.name.as_bytes(), name.as_bytes()) {
                return Bank(i);
            }
            i += 1;
        }
        panic!("no API of that name in the registry (crates/bank-apis): run cargo xtask generate");
    }

    /// Its place in the registry (and in [`Bank::ALL`]).
    pub const fn index(self) -> usize {
        self.0
    }

    fn row(self) -> &'static bank_apis::Api {
        &bank_apis::ALL[self.0]
    }

    /// The token route the sandbox serves under the API's prefix: its simulation's own
    /// ([`BankSim::token_route`](crate::sim::BankSim::token_route): BCC's `/oauth/token`, whose
    /// real endpoint is on another host), else the path of the document's OAuth2 token URL
    /// (BaaS's `/oauth2/token`); none without an OAuth2 flow (Globus: HTTP Basic).
    pub fn token_path(self) -> Option<&'static str> {
        if let Some((_, path)) = self.sim().token_route() {
            return Some(path);
        }
        let url = self.api().oauth2?.token_url;
        if url.starts_with('/') {
            return Some(url);
        }
        // An absolute URL: its path, served under the prefix.
        let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
        rest.find('/').map(|i| &rest[i..])
    }

    /// Whether a token issued for `self` is good for `other` too: both documents name the same
    /// absolute token endpoint (BCC's two APIs share `api.bcc.kz`'s).
    pub fn shares_tokens_with(self, other: Bank) -> bool {
        if self == other {
            return true;
        }
        match (self.api().oauth2, other.api().oauth2) {
            (Some(a), Some(b)) => !a.token_url.starts_with('/') && a.token_url == b.token_url,
            _ => false,
        }
    }

    /// The API's generated facts (`SPEC` of its crate): operations with their method names,
    /// auth, signing.
    pub fn api(self) -> &'static bank_runtime::ApiSpec {
        self.row().spec
    }

    /// The API's title, as its document gives it (`Globus CFRONT`).
    pub fn title(self) -> &'static str {
        self.row().title
    }

    /// The bank served under `prefix` (`globus-cfront`).
    pub fn from_prefix(prefix: &str) -> Option<Bank> {
        Bank::ALL.into_iter().find(|b| b.prefix() == prefix)
    }

    /// The path prefix it is served under (also the API's name and crate name).
    pub fn prefix(self) -> &'static str {
        self.row().name()
    }

    /// Every prefix served, for messages (`bcc-broker, bcc-financial, …`).
    pub fn prefixes() -> String {
        Bank::ALL
            .iter()
            .map(|b| b.prefix())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The bank's normalised spec, parsed once.
    pub fn spec(self) -> &'static Spec {
        static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
        parsed(&SPECS, self, |row| row.openapi_json, "openapi.json")
    }

    /// The bank's document as published (converted to OpenAPI 3.0, without our fixes), parsed
    /// once: what its answers must follow.
    pub fn published(self) -> &'static Spec {
        static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
        parsed(&SPECS, self, |row| row.published_json, "published.json")
    }
}

impl std::fmt::Debug for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix())
    }
}

impl std::fmt::Display for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix())
    }
}

impl serde::Serialize for Bank {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.prefix())
    }
}

impl<'de> serde::Deserialize<'de> for Bank {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Bank, D::Error> {
        let text = String::deserialize(d)?;
        Bank::from_prefix(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "no API `{text}` (the sandbox serves {})",
                Bank::prefixes()
            ))
        })
    }
}

/// Byte equality usable in a `const fn`.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One of the generated documents of every bank, parsed on first use.
fn parsed(
    cell: &'static OnceLock<Vec<Spec>>,
    bank: Bank,
    text: fn(&bank_apis::Api) -> &'static str,
    file: &str,
) -> &'static Spec {
    &cell.get_or_init(|| {
        bank_apis::ALL
            .iter()
            .map(|row| {
                let doc = serde_json::from_str(text(row)).unwrap_or_else(|e| {
                    panic!("the generated {file} of {} is not JSON: {e}", row.name())
                });
                Spec::new(doc)
            })
            .collect()
    })[bank.0]
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
