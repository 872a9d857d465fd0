//! Token endpoints and other pieces of a mock bank on 127.0.0.1 (wiremock).

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An OAuth2 token answer: `access_token`, `Bearer`, `expires_in` seconds.
pub fn token_body(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in}),
    )
}

/// Mount a token endpoint at `POST {token_path}` answering `token` for an hour.
pub async fn token_endpoint(server: &MockServer, token_path: &str, token: &str) {
    Mock::given(method("POST"))
        .and(path(token_path))
        .respond_with(token_body(token, 3600))
        .mount(server)
        .await;
}

/// How many requests `server` received at `at`.
pub async fn requests_to(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}
