//! The admin endpoint under `/_sandbox/`: what [`Sandbox::steer`](crate::Sandbox::steer) does,
//! over HTTP, for tests written in other languages (documented in the sandbox's README).
//!
//! | request | does |
//! |---|---|
//! | `POST /_sandbox/faults` [`Fault`] | set a fault; `201 {"id": N}` |
//! | `GET /_sandbox/faults/N` | the fault with its `hits` and `remaining` |
//! | `POST /_sandbox/declines` [`Decline`] | decline an order, application or client |
//! | `POST /_sandbox/callback-failures` [`CallbackFailure`] | make callbacks to a URL fail |
//! | `GET /_sandbox/steering` | everything steered ([`Report`](crate::steer::Report)) |
//! | `DELETE /_sandbox/steering` | clear it |
//! | `GET /_sandbox/deliveries` | every callback and postLink attempt |
//! | `GET /_sandbox/effects` | the effect counters ([`Effects`](crate::effects::Effects)): creations per reference, duplicates, token requests |
//! | `POST /_sandbox/clock` `{"advance_ms": N}` | move the sandbox's clock forward (at most 100 years ahead in total: [`MAX_CLOCK_AHEAD_MS`](crate::state::MAX_CLOCK_AHEAD_MS)) |
//!
//! A bad request is a 400 `{"error": "…"}` naming what is wrong.
//!
//! Every request carries the sandbox's admin token as `Authorization: Bearer <token>`
//! ([`Sandbox::admin_token`](crate::Sandbox::admin_token); printed by the binary at start, or
//! `[admin] token`): without it, a 401. A body (and every POST) is `application/json`: anything
//! else, such as the form or `text/plain` a web page can send without a CORS preflight, is a
//! 415. The host check of every request (421) comes first ([`crate::access`]).

use axum::body::Body;
use axum::http::{HeaderMap, Method, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::state::Shared;
use crate::steer::{CallbackFailure, Decline, Fault, FaultId};

/// The path prefix of the admin endpoint.
pub const PREFIX: &str = "_sandbox";

/// The endpoints, for the 404 that lists them.
const ENDPOINTS: &str = "POST /_sandbox/faults, GET /_sandbox/faults/{id}, POST /_sandbox/declines, \
     POST /_sandbox/callback-failures, GET|DELETE /_sandbox/steering, GET /_sandbox/deliveries, \
     GET /_sandbox/effects, POST /_sandbox/clock, POST /_sandbox/token-revocation";

/// Answer one admin request (`path` below `/_sandbox`): refused without the admin token (401)
/// or with a body that is not JSON (415).
pub async fn handle(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    body: Body,
) -> Response<Body> {
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "the body exceeds 64 KiB"),
    };
    if let Some((status, message)) =
        crate::access::admin_refusal(&shared.admin_token, method, headers, bytes.len())
    {
        let mut refused = error(status, &message);
        if status == StatusCode::UNAUTHORIZED {
            refused.headers_mut().insert(
                "www-authenticate",
                axum::http::HeaderValue::from_static(r#"Bearer realm="bank-sandbox admin""#),
            );
        }
        return refused;
    }
    let steering = &shared.steering;
    match (method.as_str(), path.trim_end_matches('/')) {
        ("POST", "/faults") => match parse::<Fault>(&bytes)
            .and_then(|f| steering.fault(f).map_err(|e| e.to_string()))
        {
            Ok(id) => reply(StatusCode::CREATED, &json!({ "id": id })),
            Err(message) => error(StatusCode::BAD_REQUEST, &message),
        },
        ("GET", faults) if faults.starts_with("/faults/") => {
            let id = faults.trim_start_matches("/faults/");
            let found = id.parse().ok().and_then(|id: u64| {
                steering
                    .report()
                    .faults
                    .into_iter()
                    .find(|f| f.id == FaultId(id))
            });
            match found {
                Some(fault) => reply(StatusCode::OK, &fault),
                None => error(StatusCode::NOT_FOUND, &format!("no fault {id}")),
            }
        }
        ("POST", "/declines") => match parse::<Decline>(&bytes)
            .and_then(|d| steering.decline(d.bank, d.key).map_err(|e| e.to_string()))
        {
            Ok(()) => no_content(),
            Err(message) => error(StatusCode::BAD_REQUEST, &message),
        },
        ("POST", "/callback-failures") => match parse::<CallbackFailure>(&bytes).and_then(|c| {
            steering
                .fail_callbacks(c.url, c.times)
                .map_err(|e| e.to_string())
        }) {
            Ok(()) => no_content(),
            Err(message) => error(StatusCode::BAD_REQUEST, &message),
        },
        ("POST", "/token-revocation") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Revocation {
                on: bool,
            }
            match parse::<Revocation>(&bytes) {
                Ok(r) => {
                    steering.revoke_previous_tokens(r.on);
                    no_content()
                }
                Err(message) => error(StatusCode::BAD_REQUEST, &message),
            }
        }
        ("GET", "/steering") => reply(StatusCode::OK, &steering.report()),
        ("DELETE", "/steering") => {
            steering.clear();
            no_content()
        }
        ("GET", "/deliveries") => reply(StatusCode::OK, &shared.read(|s| s.deliveries.to_vec())),
        ("GET", "/effects") => reply(StatusCode::OK, &shared.read(|s| s.effects.clone())),
        ("POST", "/clock") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Advance {
                advance_ms: u64,
            }
            match parse::<Advance>(&bytes).and_then(|a| shared.try_advance_clock(a.advance_ms)) {
                Ok(()) => no_content(),
                Err(message) => error(StatusCode::BAD_REQUEST, &message),
            }
        }
        (_, other) => error(
            StatusCode::NOT_FOUND,
            &format!("no admin endpoint {method} /_sandbox{other}; there are: {ENDPOINTS}"),
        ),
    }
}

/// The body as `T`, or a message naming the field that is wrong.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        if at == "." {
            e.inner().to_string()
        } else {
            format!("{at}: {}", e.inner())
        }
    })
}

fn reply<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(bytes))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The admin endpoint's error: `{"error": message}` with `status`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response<Body> {
    reply(status, &json!({ "error": message }))
}

fn no_content() -> Response<Body> {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::empty())
        .unwrap_or_else(|_| Response::new(Body::empty()))
}
