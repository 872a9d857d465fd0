//! The simulation of an API that has no hand-written module, driven by its documents alone:
//! requests are validated and routed by the router like every bank's; authentication is what the
//! document declares (an OAuth2 client-credentials or password flow at its token URL's path,
//! HTTP Basic, a bearer token, or none), with the `[generic]` accounts of the configuration;
//! answers are the document's examples, or values made to fit its schemas; errors take the shape
//! of the document's own error schema when it declares one.
//!
//! State is kept per resource where the document's paths make it obvious: a `POST /things`
//! beside a `GET /things/{id}` creates a thing (its id from the answer, or a fresh one put into
//! it), and `GET`/`DELETE /things/{id}` then know it — an unknown id is the document's 404 when
//! it declares one. Answers stay each operation's own documented answer (its example with the id
//! put in), so they hold to the published document like every answer.

use std::collections::BTreeMap;

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
        let reply = answer(self.0, call.operation);
        match resource(self.0, call.operation) {
            Some(Resource::Create { collection, id }) => self.create(call, collection, id, reply),
            Some(Resource::Item {
                collection,
                id,
                method,
            }) => self.item(call, collection, id, &method, reply),
            None => reply,
        }
        .into()
    }

    /// The items created and not deleted, per collection route (`/things`).
    fn resources(&self, host: &dyn Host, bank: Bank) -> Vec<crate::sim::Resource> {
        host.read(|s: &State| {
            s.resources
                .get(bank.prefix())
                .into_iter()
                .flatten()
                .flat_map(|(collection, items)| {
                    items.iter().map(move |(id, created)| {
                        crate::sim::Resource::new("resource", id, "", "created", *created)
                            .detail("collection", collection)
                    })
                })
                .collect()
        })
    }
}

/// What the generic simulation remembers: per API, per collection route, the ids created.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct State {
    /// API name → collection route (`/things`) → id → when it was created (sandbox clock, ms).
    pub resources: BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>>,
    /// Ids handed out so far (for fresh ones).
    pub issued: u64,
}

/// How an operation touches a resource, read from the document's paths.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource {
    /// `POST /things` where `GET /things/{id}` exists: creates one; `id` is the item route's
    /// parameter name.
    Create { collection: String, id: String },
    /// An operation on `/things/{id}` of a collection that is created by a `POST`.
    Item {
        collection: String,
        id: String,
        method: String,
    },
}

/// The resource `operation` of `bank` touches, when the paths make it obvious.
fn resource(bank: Bank, operation: &str) -> Option<Resource> {
    let spec = bank.spec();
    let op = spec.operations.iter().find(|o| o.id == operation)?;
    let item_of = |collection: &str| {
        spec.operations.iter().find_map(|o| {
            let rest = o.route.strip_prefix(collection)?.strip_prefix('/')?;
            let param = rest.strip_prefix('{')?.strip_suffix('}')?;
            (o.method == "GET" && !param.contains('/')).then(|| param.to_owned())
        })
    };
    let creates = |collection: &str| {
        spec.operations
            .iter()
            .any(|o| o.method == "POST" && o.route == collection)
    };
    if op.method == "POST"
        && let Some(id) = item_of(&op.route)
    {
        return Some(Resource::Create {
            collection: op.route.clone(),
            id,
        });
    }
    let (collection, last) = op.route.rsplit_once('/')?;
    let id = last.strip_prefix('{')?.strip_suffix('}')?;
    (creates(collection) && item_of(collection).is_some()).then(|| Resource::Item {
        collection: collection.to_owned(),
        id: id.to_owned(),
        method: op.method.clone(),
    })
}

impl Generic {
    /// A creation: the answer's id (the item route's parameter, or `id`), or a fresh one put
    /// into the answer when it has such a property; remembered under the collection.
    fn create(
        &self,
        call: &Call<'_>,
        collection: String,
        param: String,
        mut reply: Reply,
    ) -> Reply {
        if !(200..300).contains(&reply.status) {
            return reply;
        }
        let mut body: Value = reply
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let api = self.0.prefix().to_owned();
        let now = call.host.now_ms();
        let id = call.host.update(|state: &mut State| {
            state.issued += 1;
            let fresh = format!("sandbox-{}", state.issued);
            let key = [param.as_str(), "id"]
                .into_iter()
                .find(|k| body.get(*k).is_some());
            let id = match key {
                // An id of the document's example would be the same for every creation.
                Some(k) if body[k].is_number() => {
                    body[k] = json!(state.issued);
                    state.issued.to_string()
                }
                Some(k) => {
                    body[k] = json!(fresh);
                    fresh
                }
                None => fresh,
            };
            state
                .resources
                .entry(api)
                .or_default()
                .entry(collection)
                .or_default()
                .insert(id.clone(), now);
            id
        });
        tracing::debug!(api = self.0.prefix(), %id, "created");
        if body.is_object() {
            reply = Reply::json(reply.status, &body);
        }
        reply
    }

    /// An operation on one item: an id never created is the document's 404 when it declares
    /// one; a `DELETE` forgets it; the answer carries the id asked for.
    fn item(
        &self,
        call: &Call<'_>,
        collection: String,
        param: String,
        method: &str,
        reply: Reply,
    ) -> Reply {
        let Some(id) = call.path.get(&param).cloned() else {
            return reply;
        };
        let api = self.0.prefix().to_owned();
        let known = call.host.update(|state: &mut State| {
            let items = state
                .resources
                .entry(api)
                .or_default()
                .entry(collection)
                .or_default();
            if method == "DELETE" {
                items.remove(&id).is_some()
            } else {
                items.contains_key(&id)
            }
        });
        if !known && declares(self.0, call.operation, "404") {
            return self.error(
                404,
                "NOT_FOUND",
                Some(&param),
                &format!("no {param} {id}"),
                None,
            );
        }
        let Some(mut body) = reply
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        else {
            return reply;
        };
        for key in [param.as_str(), "id"] {
            if let Some(slot) = body.get_mut(key) {
                *slot = match slot {
                    Value::Number(_) => id.parse::<u64>().map_or(slot.clone(), |n| json!(n)),
                    _ => json!(id),
                };
                break;
            }
        }
        Reply::json(reply.status, &body)
    }
}

/// Whether the document declares the response `status` for `operation`.
fn declares(bank: Bank, operation: &str, status: &str) -> bool {
    bank.spec()
        .operations
        .iter()
        .find(|o| o.id == operation)
        .is_some_and(|o| o.op["responses"].get(status).is_some())
}

/// The answer to a validated, authenticated call: the operation's first documented success, its
/// body the document's first example that fits its schema, or a value made to fit it.
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
    let schema = media.get("schema");
    // The document's example when it fits the schema (documents carry examples their own
    // schema refuses: Xero writes a `type: number` amount as "100.0000"), else a value made to.
    let fits = |example: &Value| {
        schema.is_none_or(|s| bank_openapi::validate::validate(&spec.doc, s, example).is_empty())
    };
    let examples = media.get("example").cloned().into_iter().chain(
        media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|e| {
                bank_openapi::refs::deref(&spec.doc, e)
                    .get("value")
                    .cloned()
            }),
    );
    let body = examples
        .into_iter()
        .find(|e| fits(e))
        .or_else(|| schema.map(|schema| bank_openapi::sample::value(&spec.doc, schema)))
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

    /// The resources the paths make obvious: FinancialAPI's payments (`POST /{appid}/payments`
    /// beside `GET /{appid}/payments/{referenceId}`); Globus's POST-only operations touch none.
    #[test]
    fn resources_are_read_from_the_paths() {
        let collection = "/{appid}/payments".to_owned();
        assert_eq!(
            resource(Bank::Financial, "createPayment"),
            Some(Resource::Create {
                collection: collection.clone(),
                id: "referenceId".into()
            })
        );
        assert_eq!(
            resource(Bank::Financial, "getPayment"),
            Some(Resource::Item {
                collection,
                id: "referenceId".into(),
                method: "GET".into()
            })
        );
        assert_eq!(resource(Bank::Financial, "getAccounts"), None);
        assert_eq!(resource(Bank::Globus, "createOrder"), None);
    }

    /// A host holding only the generic simulation's state.
    struct TestHost {
        config: crate::config::Config,
        state: std::sync::Mutex<State>,
    }

    impl Host for TestHost {
        fn config(&self) -> &crate::config::Config {
            &self.config
        }

        fn now_ms(&self) -> u64 {
            1_700_000_000_000
        }

        fn visit(
            &self,
            _part: std::any::TypeId,
            _changed: bool,
            f: &mut dyn FnMut(&mut dyn std::any::Any),
        ) {
            let mut state = self.state.lock().expect("state");
            f(&mut *state);
        }
    }

    fn call<'a>(
        host: &'a TestHost,
        operation: &'a str,
        path: &'a BTreeMap<String, String>,
        empty: &'a BTreeMap<String, String>,
        headers: &'a axum::http::HeaderMap,
    ) -> Call<'a> {
        Call {
            host,
            operation,
            path,
            query: empty,
            headers,
            body: b"{}",
            subject: "sandbox-client",
            origin: "http://127.0.0.1:1",
        }
    }

    /// FinancialAPI's payments served generically: each creation is remembered under a fresh
    /// id, which the item's answer then carries.
    #[test]
    fn a_created_resource_is_known_by_its_id() {
        let host = TestHost {
            config: crate::config::Config::default(),
            state: Default::default(),
        };
        let sim = for_bank(Bank::Financial);
        let empty = BTreeMap::new();
        let headers = axum::http::HeaderMap::new();
        let path: BTreeMap<String, String> = [("appid".to_owned(), "APP".to_owned())].into();
        let created = sim.handle(&call(&host, "createPayment", &path, &empty, &headers));
        assert!((200..300).contains(&created.reply.status));
        let remembered =
            host.state.lock().expect("state").resources["bcc-financial"]["/{appid}/payments"]
                .keys()
                .cloned()
                .collect::<Vec<_>>();
        assert_eq!(remembered, ["sandbox-1"]);
        let again = sim.handle(&call(&host, "createPayment", &path, &empty, &headers));
        assert!((200..300).contains(&again.reply.status));
        assert_eq!(
            host.state.lock().expect("state").resources["bcc-financial"]["/{appid}/payments"].len(),
            2,
            "each creation under its own id"
        );
        let item: BTreeMap<String, String> = [
            ("appid".to_owned(), "APP".to_owned()),
            ("referenceId".to_owned(), "sandbox-1".to_owned()),
        ]
        .into();
        let read = sim.handle(&call(&host, "getPayment", &item, &empty, &headers));
        assert_eq!(read.reply.status, 200);
        let body: Value =
            serde_json::from_slice(read.reply.body.as_deref().expect("body")).expect("JSON");
        assert_eq!(body["referenceId"], "sandbox-1", "{body}");
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
