//! Who may reach the sandbox and where it may reach out to, so that a team can share one:
//!
//! - **Host names** ([`host_allowed`]): every request (the bank APIs and the admin endpoint)
//!   must name one of `[server] hosts` in its `Host` (default `localhost`, `127.0.0.1`, `[::1]`,
//!   any port), or it gets a 421 Misdirected Request: a web page whose name a DNS rebinding
//!   pointed at 127.0.0.1 reaches nothing.
//! - **The admin token** ([`admin_refusal`]): every request under `/_sandbox/` carries
//!   `Authorization: Bearer <token>` (401 otherwise), and a request with a body sends it as
//!   `application/json` (415 otherwise: a web page can send a form or `text/plain` without a
//!   CORS preflight, never JSON). The token comes from `[admin] token`, the environment
//!   variable [`ADMIN_TOKEN_ENV`](crate::config::ADMIN_TOKEN_ENV) (read by the binary) or is
//!   made at start ([`new_token`]: 32 random bytes, hex).
//! - **Callback targets** ([`callback_refusal`]): callbacks and postLinks go only to
//!   `[callbacks] allowed_hosts` (default: loopback), over http or https, without following
//!   redirects and within `[callbacks] timeout_ms`.

use axum::http::{HeaderMap, Method, StatusCode};

use crate::config::{Config, MIN_ADMIN_TOKEN};

/// A new admin token: 32 bytes from the system's secure random source, in hex (64 characters).
pub fn new_token() -> Result<String, String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system's random source failed".to_owned())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The admin token to use: the configured one (checked), or a new one.
pub fn admin_token(config: &Config) -> Result<String, String> {
    match &config.admin.token {
        Some(token) if token.trim().len() < MIN_ADMIN_TOKEN => Err(format!(
            "[admin] token: an admin token has at least {MIN_ADMIN_TOKEN} characters"
        )),
        Some(token) => Ok(token.trim().to_owned()),
        None => new_token(),
    }
}

/// A host as compared: lower case, an IPv6 address without brackets.
fn normal(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// Whether `host` (a name or an address, without port) is one of `list` (`"*"`: every host).
pub fn listed(list: &[String], host: &str) -> bool {
    let host = normal(host);
    list.iter().any(|h| h == "*" || normal(h) == host)
}

/// The host a request names, without its port: the URI's authority (absolute form), else the
/// `Host` header.
pub fn request_host(uri: &axum::http::Uri, headers: &HeaderMap) -> Option<String> {
    let authority = match uri.authority() {
        Some(a) => a.as_str().to_owned(),
        None => headers.get("host")?.to_str().ok()?.to_owned(),
    };
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(rest) = authority.strip_prefix('[') {
        // `[::1]:8080`
        rest.split_once(']').map(|(h, _)| h)?
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// `Ok` when the request names a host of `[server] hosts`; otherwise the 421's message.
pub fn host_allowed(
    config: &Config,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<(), String> {
    match request_host(uri, headers) {
        Some(host) if listed(&config.server.hosts, &host) => Ok(()),
        Some(host) => Err(format!(
            "the sandbox does not answer for host `{host}` (it answers for {}; set [server] hosts)",
            config.server.hosts.join(", ")
        )),
        None => Err("the request names no host (Host header)".to_owned()),
    }
}

/// Whether two strings are equal, in time that depends on their lengths only.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The bearer token an `Authorization` header carries (`Bearer` or `bearer`), trimmed.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The admin request's refusal, if any: 401 without the token, 415 with a body (or a method
/// that sends one) that is not `application/json`.
pub fn admin_refusal(
    token: &str,
    method: &Method,
    headers: &HeaderMap,
    body_len: usize,
) -> Option<(StatusCode, String)> {
    if !bearer(headers).is_some_and(|g| same(g, token)) {
        return Some((
            StatusCode::UNAUTHORIZED,
            "the admin endpoint needs `Authorization: Bearer <token>` with the sandbox's admin \
             token (printed at start, or [admin] token)"
                .to_owned(),
        ));
    }
    let sends_body = body_len > 0 || matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    if sends_body {
        let media = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = media.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            let shown = if media.is_empty() { "none" } else { media };
            return Some((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "the admin endpoint takes `content-type: application/json` bodies (got {shown})"
                ),
            ));
        }
    }
    None
}

/// Why the sandbox will not POST to `url`, if it will not: not an http(s) URL, or a host that
/// `[callbacks] allowed_hosts` does not list.
pub fn callback_refusal(config: &Config, url: &str) -> Option<String> {
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("not a URL: {e}")),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some(format!("scheme `{}` is not http or https", parsed.scheme()));
    }
    let host = parsed.host_str().unwrap_or_default();
    if listed(&config.callbacks.allowed_hosts, host) {
        None
    } else {
        Some(format!(
            "host `{host}` is not in [callbacks] allowed_hosts ({}): not sent",
            config.callbacks.allowed_hosts.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("a header value"));
        }
        h
    }

    #[test]
    fn hosts_are_compared_without_port_case_or_brackets() {
        let config = Config::default();
        let uri: axum::http::Uri = "/x".parse().expect("a URI");
        for ok in ["127.0.0.1:8080", "LOCALHOST", "[::1]:9", "localhost:1"] {
            assert!(
                host_allowed(&config, &uri, &headers(&[("host", ok)])).is_ok(),
                "{ok}"
            );
        }
        for bad in ["evil.example", "evil.example:8080", "127.0.0.2", "[::2]:80"] {
            let err = host_allowed(&config, &uri, &headers(&[("host", bad)])).expect_err(bad);
            assert!(err.contains("[server] hosts"), "{err}");
        }
        assert!(host_allowed(&config, &uri, &HeaderMap::new()).is_err());
        let absolute: axum::http::Uri = "http://evil.example/x".parse().expect("a URI");
        assert!(host_allowed(&config, &absolute, &headers(&[("host", "localhost")])).is_err());
    }

    #[test]
    fn the_admin_token_and_json_are_required() {
        let token = new_token().expect("random");
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token().expect("random"));
        let bearer = format!("Bearer {token}");
        let refused = |method: Method, h: &[(&'static str, &str)], len| {
            admin_refusal(&token, &method, &headers(h), len).map(|(s, _)| s.as_u16())
        };
        assert_eq!(refused(Method::GET, &[], 0), Some(401));
        assert_eq!(
            refused(Method::GET, &[("authorization", "Bearer nope")], 0),
            Some(401)
        );
        assert_eq!(refused(Method::GET, &[("authorization", &bearer)], 0), None);
        assert_eq!(
            refused(Method::DELETE, &[("authorization", &bearer)], 0),
            None
        );
        for media in ["application/x-www-form-urlencoded", "text/plain", ""] {
            let mut h = vec![("authorization", bearer.as_str())];
            if !media.is_empty() {
                h.push(("content-type", media));
            }
            assert_eq!(refused(Method::POST, &h, 2), Some(415), "{media}");
        }
        assert_eq!(
            refused(
                Method::POST,
                &[
                    ("authorization", &bearer),
                    ("content-type", "application/json; charset=utf-8")
                ],
                2
            ),
            None
        );
        let short = Config {
            admin: crate::config::AdminConfig {
                token: Some("short".into()),
            },
            ..Config::default()
        };
        assert!(admin_token(&short).is_err());
    }

    #[test]
    fn callbacks_go_to_allowed_hosts_only() {
        let config = Config::default();
        assert_eq!(callback_refusal(&config, "http://127.0.0.1:3000/cb"), None);
        assert_eq!(callback_refusal(&config, "https://[::1]/cb"), None);
        assert_eq!(callback_refusal(&config, "http://localhost/cb"), None);
        for bad in [
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.1/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(callback_refusal(&config, bad).is_some(), "{bad}");
        }
    }
}
