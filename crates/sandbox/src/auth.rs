//! Authentication as each bank does it: BCC OAuth2 client credentials (HTTP Basic or form
//! fields), the BaaS password grant with Basic consumer key and a JSON body, Globus HTTP Basic on
//! every call. Tokens expire after the configured lifetime; a bad or expired token is a 401 with
//! `WWW-Authenticate`.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use std::collections::BTreeMap;

use crate::config::Credential;
use crate::host::Host;
use crate::spec::{Bank, percent_decode};

/// An issued token.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Token {
    /// The API it was issued for.
    pub bank: Bank,
    /// Who it was issued to (client id, user).
    pub subject: String,
    /// Expiry, Unix milliseconds.
    pub expires_at_ms: u64,
}

/// Issued tokens by value: the part of the state authentication keeps.
pub type Tokens = BTreeMap<String, Token>;

/// An authentication failure: status and `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// 400 or 401.
    pub status: u16,
    /// The challenge header value.
    pub challenge: String,
    /// The OAuth2 `error` code.
    pub error: &'static str,
    /// Explanation.
    pub description: String,
}

impl Denied {
    fn token(description: impl Into<String>) -> Self {
        let description = description.into();
        Denied {
            status: 401,
            challenge: format!(
                r#"Bearer realm="oauth2-resource", error="invalid_token", error_description="{description}""#
            ),
            error: "invalid_token",
            description,
        }
    }

    fn client(description: impl Into<String>) -> Self {
        Denied {
            status: 401,
            challenge: r#"Basic realm="oauth2""#.into(),
            error: "invalid_client",
            description: description.into(),
        }
    }

    /// The OAuth2 error body.
    pub fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// `Authorization: Basic` → (user, password).
pub fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn known(list: &[Credential], id: &str, secret: &str) -> bool {
    list.iter().any(|c| c.id == id && c.secret == secret)
}

/// `application/x-www-form-urlencoded` → pairs.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Issue a token: expired ones are dropped first, and a client holding `[limits]
/// tokens_per_client` live tokens of this API loses its oldest (so tokens are bounded by the
/// configured clients times that limit); with `revoke_previous_tokens` (configured or steered)
/// the client loses all its earlier tokens of this API.
pub(crate) fn issue(shared: &dyn Host, bank: Bank, subject: &str) -> (String, u64) {
    let token = format!("sbx-{}", uuid::Uuid::new_v4().simple());
    let lifetime = shared.config().token_lifetime_secs;
    let now = shared.now_ms();
    let expires_at_ms = now.saturating_add(lifetime.saturating_mul(1000));
    let limit = shared.config().limits.tokens_per_client.max(1);
    let revoke = shared.revokes_previous_tokens();
    shared.update(|tokens: &mut Tokens| {
        tokens.retain(|_, t| {
            t.expires_at_ms > now && !(revoke && t.bank == bank && t.subject == subject)
        });
        // No client can hold `limit` tokens while all of them together hold fewer.
        let mut theirs: Vec<(u64, String)> = if tokens.len() < limit {
            Vec::new()
        } else {
            tokens
                .iter()
                .filter(|(_, t)| t.bank == bank && t.subject == subject)
                .map(|(value, t)| (t.expires_at_ms, value.clone()))
                .collect()
        };
        if theirs.len() >= limit {
            theirs.sort();
            for (_, oldest) in theirs.iter().take(theirs.len() + 1 - limit) {
                tokens.remove(oldest);
            }
        }
        tokens.insert(
            token.clone(),
            Token {
                bank,
                subject: subject.to_owned(),
                expires_at_ms,
            },
        );
    });
    (token, lifetime)
}

/// A token request's `grant_type` must be `grant`.
fn grant_is(field: &dyn Fn(&str) -> Option<String>, grant: &str) -> Result<(), Denied> {
    if field("grant_type").as_deref() == Some(grant) {
        return Ok(());
    }
    Err(Denied {
        status: 400,
        challenge: String::new(),
        error: "unsupported_grant_type",
        description: format!("grant_type must be {grant}"),
    })
}

/// The OAuth2 client of a token request: HTTP Basic, or the `client_id` and `client_secret`
/// fields.
fn client_of(
    headers: &HeaderMap,
    field: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String), Denied> {
    basic(headers)
        .or_else(|| Some((field("client_id")?, field("client_secret")?)))
        .ok_or_else(|| {
            Denied::client("client credentials missing (Basic or client_id/client_secret)")
        })
}

/// Where the sandbox serves BCC's token endpoint under each BCC API's prefix (the bank's own is on
/// another host, the documents' absolute token URL).
pub const BCC_TOKEN_PATH: &str = "/oauth/token";

/// BCC `POST …/oauth/token`: `grant_type=client_credentials`, client id and secret as Basic or
/// as form fields.
pub fn bcc_token(
    shared: &dyn Host,
    bank: Bank,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Denied> {
    let fields = form(body);
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    grant_is(&field, "client_credentials")?;
    let (id, secret) = client_of(headers, &field)?;
    if !known(&shared.config().bcc.clients, &id, &secret) {
        return Err(Denied::client("unknown client or wrong secret"));
    }
    let (token, lifetime) = issue(shared, bank, &id);
    Ok(
        json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": field("scope").unwrap_or_default()}),
    )
}

/// The BCC client asking for a token: the Basic user, or the form's `client_id`.
pub fn bcc_client(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    basic(headers).map(|(id, _)| id).or_else(|| {
        form(body)
            .into_iter()
            .find(|(name, _)| name == "client_id")
            .map(|(_, id)| id)
    })
}

/// BaaS `POST /oauth2/token`: Basic consumer key and secret, JSON `{grant_type: password,
/// username, password}` (already validated against the spec).
pub fn baas_token(shared: &dyn Host, headers: &HeaderMap, body: &Value) -> Result<Value, Denied> {
    let (key, secret) =
        basic(headers).ok_or_else(|| Denied::client("consumer key and secret missing (Basic)"))?;
    if !known(&shared.config().baas.consumers, &key, &secret) {
        return Err(Denied::client("unknown consumer key or wrong secret"));
    }
    let (user, password) = (
        body["username"].as_str().unwrap_or_default(),
        body["password"].as_str().unwrap_or_default(),
    );
    if !known(&shared.config().baas.users, user, password) {
        return Err(Denied {
            status: 401,
            challenge: r#"Bearer realm="oauth2-resource", error="invalid_grant""#.into(),
            error: "invalid_grant",
            description: "wrong username or password".into(),
        });
    }
    let (token, lifetime) = issue(shared, Bank::Baas, user);
    Ok(
        json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": "default"}),
    )
}

/// The fields of a token request: form-encoded, or a JSON object of strings.
fn token_fields(body: &[u8]) -> Vec<(String, String)> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
            .collect(),
        _ => form(body),
    }
}

/// Who asks for a token at a generic API's token route: the Basic user, or the body's
/// `client_id`.
pub fn generic_client(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    basic(headers).map(|(id, _)| id).or_else(|| {
        token_fields(body)
            .into_iter()
            .find(|(name, _)| name == "client_id")
            .map(|(_, id)| id)
    })
}

/// A token at the token route of an API served by the generic simulation, by the grant its
/// document declares: `client_credentials` (the client as Basic or `client_id` /
/// `client_secret`), or `password` (the client as Basic, `username` and `password`); the body
/// form-encoded or JSON; the accounts of `[generic]`.
pub fn generic_token(
    shared: &dyn Host,
    bank: Bank,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Denied> {
    let Some(oauth2) = bank.api().oauth2 else {
        return Err(Denied::client(
            "this API's document declares no OAuth2 flow",
        ));
    };
    let fields = token_fields(body);
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let grant = match oauth2.grant {
        bank_runtime::Grant::ClientCredentials => "client_credentials",
        bank_runtime::Grant::Password => "password",
    };
    grant_is(&field, grant)?;
    let config = &shared.config().generic;
    let (id, secret) = client_of(headers, &field)?;
    if !known(&config.clients, &id, &secret) {
        return Err(Denied::client("unknown client or wrong secret"));
    }
    let subject = match oauth2.grant {
        bank_runtime::Grant::ClientCredentials => id,
        bank_runtime::Grant::Password => {
            let (user, password) = (field("username"), field("password"));
            match (user, password) {
                (Some(user), Some(password)) if known(&config.users, &user, &password) => user,
                _ => {
                    return Err(Denied {
                        status: 400,
                        challenge: String::new(),
                        error: "invalid_grant",
                        description: "wrong username or password".into(),
                    });
                }
            }
        }
    };
    let (token, lifetime) = issue(shared, bank, &subject);
    Ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime}))
}

/// A bearer token from `accepted` (an API whose document declares `scheme: bearer`: the caller
/// holds its token); the subject is `bearer`.
pub fn static_bearer(headers: &HeaderMap, accepted: &[String]) -> Result<String, Denied> {
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match value.strip_prefix("Bearer ") {
        Some(token) if accepted.iter().any(|t| t == token) => Ok("bearer".to_owned()),
        Some(_) => Err(Denied::token("The token is not one this sandbox accepts.")),
        None => Err(Denied {
            status: 401,
            challenge: "Bearer".into(),
            error: "invalid_request",
            description: "Full authentication is required".into(),
        }),
    }
}

/// HTTP Basic with one of `accepted` logins; the login on success.
pub fn basic_login(
    headers: &HeaderMap,
    accepted: &[Credential],
    realm: &str,
) -> Result<String, Denied> {
    let challenge = format!(r#"Basic realm="{realm}""#);
    let (login, password) = basic(headers).ok_or_else(|| Denied {
        status: 401,
        challenge: challenge.clone(),
        error: "unauthorized",
        description: "login missing".into(),
    })?;
    if !known(accepted, &login, &password) {
        return Err(Denied {
            status: 401,
            challenge,
            error: "unauthorized",
            description: "wrong login or password".into(),
        });
    }
    Ok(login)
}

/// A bearer token issued by this sandbox for `bank` (BCC's two APIs share theirs), unexpired;
/// the subject it was issued to on success.
pub fn bearer(
    shared: &dyn Host,
    bank: Bank,
    headers: &HeaderMap,
    expired_fault: bool,
) -> Result<String, Denied> {
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(token) = value.strip_prefix("Bearer ") else {
        return Err(Denied {
            status: 401,
            challenge: r#"Bearer realm="oauth2-resource""#.into(),
            error: "invalid_request",
            description: "Full authentication is required".into(),
        });
    };
    if expired_fault {
        return Err(Denied::token("The access token expired"));
    }
    let found = shared.read(|tokens: &Tokens| tokens.get(token).cloned());
    match found {
        None => Err(Denied::token("The token is malformed or invalid.")),
        Some(t) if !t.bank.shares_tokens_with(bank) => {
            Err(Denied::token("The token was issued for another API."))
        }
        Some(t) if t.expires_at_ms <= shared.now_ms() => {
            Err(Denied::token("The access token expired"))
        }
        Some(t) => Ok(t.subject),
    }
}
