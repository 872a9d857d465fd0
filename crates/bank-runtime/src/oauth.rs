//! Token endpoints of the banks.
//!
//! - BCC (IBM API Connect): OAuth2 client credentials with the API's scope; the client id and
//!   secret go as HTTP Basic, and as form fields when the gateway answers 400/401 to Basic (some
//!   API Connect set-ups accept only that). Once form fields worked they are used from then on.
//! - BaaS Gateway: the password grant with a JSON body and HTTP Basic consumer key and secret.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Deserialize;

use crate::error::AuthError;
use crate::secret::Secret;
use crate::token::{AccessToken, TokenFuture, TokenSource};

/// Lifetime assumed when a token response has no `expires_in`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// OAuth2 client credentials (client id and secret).
#[derive(Clone)]
pub struct ClientCredentials {
    /// The client id (not secret; appears in logs).
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
}

impl ClientCredentials {
    /// Client id and secret as the bank issued them.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// BCC's OAuth2 client-credentials grant.
pub struct ClientCredentialsGrant {
    http: reqwest::Client,
    token_url: String,
    scope: String,
    credentials: ClientCredentials,
    form_fields: AtomicBool,
}

impl fmt::Debug for ClientCredentialsGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsGrant")
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl ClientCredentialsGrant {
    /// A grant against `token_url` for `scope`.
    pub fn new(
        http: reqwest::Client,
        token_url: impl Into<String>,
        scope: impl Into<String>,
        credentials: ClientCredentials,
    ) -> Self {
        ClientCredentialsGrant {
            http,
            token_url: token_url.into(),
            scope: scope.into(),
            credentials,
            form_fields: AtomicBool::new(false),
        }
    }

    async fn request(&self, form_fields: bool) -> Result<reqwest::Response, AuthError> {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("scope", self.scope.as_str()),
        ];
        let mut request = self
            .http
            .post(&self.token_url)
            .header("accept", "application/json");
        if form_fields {
            form.push(("client_id", self.credentials.client_id.as_str()));
            form.push(("client_secret", self.credentials.client_secret.expose()));
        } else {
            request = request.basic_auth(
                &self.credentials.client_id,
                Some(self.credentials.client_secret.expose()),
            );
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        send(
            &self.token_url,
            request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }
}

impl TokenSource for ClientCredentialsGrant {
    fn fetch(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let use_form = self.form_fields.load(Ordering::Relaxed);
            let mut response = self.request(use_form).await?;
            if !use_form && matches!(response.status().as_u16(), 400 | 401) {
                tracing::info!(token_url = %self.token_url, status = response.status().as_u16(), "Basic refused; sending client credentials as form fields");
                response = self.request(true).await?;
                if response.status().is_success() {
                    self.form_fields.store(true, Ordering::Relaxed);
                }
            }
            read_token(&self.token_url, response).await
        })
    }

    fn token_url(&self) -> String {
        self.token_url.clone()
    }
}

/// The BaaS Gateway's password grant: `POST /oauth2/token` with Basic consumer key and secret and
/// a JSON body `{grant_type: "password", username, password}`.
pub struct PasswordGrant {
    http: reqwest::Client,
    token_url: String,
    consumer: ClientCredentials,
    username: String,
    password: Secret,
}

impl fmt::Debug for PasswordGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordGrant")
            .field("token_url", &self.token_url)
            .field("consumer", &self.consumer)
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

impl PasswordGrant {
    /// A password grant at `token_url` with the bank's consumer key and secret.
    pub fn new(
        http: reqwest::Client,
        token_url: impl Into<String>,
        consumer: ClientCredentials,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        PasswordGrant {
            http,
            token_url: token_url.into(),
            consumer,
            username: username.into(),
            password: password.into(),
        }
    }
}

impl TokenSource for PasswordGrant {
    fn fetch(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let body = serde_json::json!({
                "grant_type": "password",
                "username": self.username,
                "password": self.password.expose(),
            });
            let request = self
                .http
                .post(&self.token_url)
                .basic_auth(
                    &self.consumer.client_id,
                    Some(self.consumer.client_secret.expose()),
                )
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(body.to_string());
            let response = send(&self.token_url, request).await?;
            read_token(&self.token_url, response).await
        })
    }

    fn token_url(&self) -> String {
        self.token_url.clone()
    }
}

/// Send a token request; no answer at all is [`AuthError::Unreachable`].
async fn send(url: &str, request: reqwest::RequestBuilder) -> Result<reqwest::Response, AuthError> {
    request.send().await.map_err(|e| AuthError::Unreachable {
        url: url.to_owned(),
        message: e.without_url().to_string(),
    })
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

async fn read_token(url: &str, response: reqwest::Response) -> Result<AccessToken, AuthError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| AuthError::Unreachable {
        url: url.to_owned(),
        message: format!("reading the answer: {}", e.without_url()),
    })?;
    if !status.is_success() {
        return Err(AuthError::Rejected {
            url: url.to_owned(),
            status: status.as_u16(),
            reason: oauth_reason(&bytes).unwrap_or_else(|| format!("HTTP {}", status.as_u16())),
        });
    }
    let parsed: TokenResponse =
        serde_json::from_slice(&bytes).map_err(|e| AuthError::Malformed {
            url: url.to_owned(),
            message: format!(
                "expected {{access_token, expires_in}}: {}",
                crate::error::json_problem(&e)
            ),
        })?;
    if parsed.access_token.is_empty() {
        return Err(AuthError::Malformed {
            url: url.to_owned(),
            message: "empty access_token".into(),
        });
    }
    let lifetime = match parsed.expires_in {
        None | Some(serde_json::Value::Null) => DEFAULT_LIFETIME,
        Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => {
            Duration::from_secs(n.as_u64().unwrap_or(0))
        }
        Some(serde_json::Value::String(s)) if s.parse::<u64>().is_ok() => {
            Duration::from_secs(s.parse().unwrap_or(0))
        }
        Some(other) => {
            let what = match other {
                serde_json::Value::String(_) => "a string that is not a whole number",
                serde_json::Value::Number(_) => "a negative or fractional number",
                _ => "neither a number nor a string",
            };
            return Err(AuthError::Malformed {
                url: url.to_owned(),
                message: format!("expires_in is not a number of seconds: {what}"),
            });
        }
    };
    Ok(AccessToken {
        value: Secret::new(parsed.access_token),
        lifetime,
    })
}

/// The OAuth2 `error` and `error_description` of a token endpoint's refusal (RFC 6749 §5.2), at
/// most 200 characters; `None` when the answer has neither. Nothing else of the answer is kept.
fn oauth_reason(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let text = |key: &str| value.get(key).and_then(serde_json::Value::as_str);
    let reason = match (text("error"), text("error_description")) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(e), None) => e.to_owned(),
        (None, Some(d)) => d.to_owned(),
        (None, None) => return None,
    };
    Some(reason.chars().take(200).collect())
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
