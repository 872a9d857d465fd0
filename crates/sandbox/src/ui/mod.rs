//! The sandbox's web console under `/_sandbox/ui`: server-rendered pages of what the sandbox
//! holds — every API's resources ([`BankSim::resources`](crate::sim::BankSim::resources)), a
//! resource's status history, the exchanges and callbacks that touched it, every delivery — and
//! forms that steer it as the admin API does ([`forms`]).
//!
//! | request | page or action |
//! |---|---|
//! | `GET /_sandbox/ui/login`, `POST` (`token`) | log in with the admin token ([`session`]) |
//! | `POST /_sandbox/ui/logout` | end the session |
//! | `GET /_sandbox/ui` | the overview: APIs, deliveries, steering, the clock |
//! | `GET /_sandbox/ui/api/<api>?client=&status=` | an API's resources, newest first |
//! | `GET /_sandbox/ui/api/<api>/<id>` | one resource |
//! | `GET /_sandbox/ui/deliveries` | every callback and postLink attempt |
//! | `GET /_sandbox/ui/steering` | what is steered, and the forms |
//! | `POST /_sandbox/ui/steer/<action>` | [`forms::ACTIONS`]: decline, fail callbacks, fault, clear, clock |
//! | `GET /_sandbox/ui/events` | server-sent events, one per change of the state ([`live`]) |
//! | `GET /_sandbox/ui/static/console.{css,js}` | the style sheet and the live-update script |
//!
//! Safety: the host check of every request comes first (the router's, [`crate::access`]); pages
//! need a session or the admin token; every action is a `POST` of a form with the session's CSRF
//! token (or a request with the admin token), from the console's own origin when the browser
//! names one; every value is escaped by the templates (maud); pages carry a Content-Security-Policy
//! that allows only the console's own style sheet and script, no inline code, no framing. The
//! admin JSON API keeps its own rules (bearer token, JSON bodies only).

pub mod forms;
pub mod live;
pub mod pages;
pub mod session;

use std::sync::Arc;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, Response, StatusCode};
use maud::Markup;

use crate::spec::Bank;
use crate::state::Shared;
use session::{Notice, Sessions, Who};

/// Where the console is served (the admin prefix and `/ui`).
pub const ROOT: &str = "/_sandbox/ui";

/// The path below the admin prefix (`/_sandbox`) the console answers.
const PATH: &str = "/ui";

/// Largest form accepted.
const MAX_FORM: usize = 64 * 1024;

/// The console's Content-Security-Policy: its own style sheet, script and connections only.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// What the console keeps while the sandbox runs: its sessions, and the signal that ends the
/// live-update streams when the sandbox stops.
#[derive(Debug)]
pub struct Console {
    /// Logged-in browsers.
    pub sessions: Sessions,
    closing: tokio::sync::watch::Sender<bool>,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            sessions: Sessions::default(),
            closing: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl Console {
    /// End every live-update stream (the sandbox stops: its server waits for open answers).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Whether the sandbox is stopping.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

/// Whether `path` (below `/_sandbox`) is the console's.
pub fn is_console(path: &str) -> bool {
    path == PATH || path.starts_with("/ui/")
}

/// Answer a console request (`path` below `/_sandbox`; the router checked the host).
pub async fn handle(shared: &Arc<Shared>, parts: &Parts, path: &str, body: Body) -> Response<Body> {
    let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
        Ok(b) => b,
        Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "the form exceeds 64 KiB"),
    };
    let path = path.strip_prefix(PATH).unwrap_or(path);
    let path = if path.is_empty() { "/" } else { path };
    let method = &parts.method;
    if let Some(asset) = path.strip_prefix("/static/") {
        return match (method, asset) {
            (&Method::GET, "console.css") => asset_response("text/css", pages::CSS),
            (&Method::GET, "console.js") => asset_response("text/javascript", live::SCRIPT),
            _ => text(StatusCode::NOT_FOUND, "no such file"),
        };
    }
    if *method == Method::POST && !same_origin(parts) {
        return text(
            StatusCode::FORBIDDEN,
            "the console takes forms from its own pages only (Origin differs from Host)",
        );
    }
    let console = &shared.console;
    if path == "/login" {
        return match *method {
            Method::GET => page(StatusCode::OK, pages::login(None)),
            Method::POST => login(shared, &forms::Form::parse(&bytes)),
            _ => text(StatusCode::METHOD_NOT_ALLOWED, "GET or POST"),
        };
    }
    let Some(who) = console.sessions.who(&shared.admin_token, &parts.headers) else {
        return if *method == Method::GET {
            redirect(&format!("{ROOT}/login"))
        } else {
            text(
                StatusCode::UNAUTHORIZED,
                "log in first (/_sandbox/ui/login), or send the admin token as `Authorization: Bearer …`",
            )
        };
    };
    if *method == Method::POST {
        return post(shared, &who, path, parts, &bytes);
    }
    if *method != Method::GET {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "the console's pages are GET, its actions POST",
        );
    }
    if path == "/events" {
        return live::events(shared);
    }
    let query = crate::auth::form(parts.uri.query().unwrap_or_default().as_bytes());
    let frame = pages::Frame {
        csrf: who.csrf(),
        notice: console.sessions.take_notice(&who),
        back: parts
            .uri
            .path_and_query()
            .map_or(ROOT.to_owned(), |p| p.as_str().to_owned()),
    };
    let rendered = match path.trim_end_matches('/') {
        "" => Some(pages::overview(shared, &frame)),
        "/deliveries" => Some(pages::deliveries(shared, &frame)),
        "/steering" => Some(pages::steering(shared, &frame)),
        api => api.strip_prefix("/api/").and_then(|rest| {
            let (prefix, id) = match rest.split_once('/') {
                Some((prefix, id)) => (prefix, Some(crate::spec::percent_decode(id))),
                None => (rest, None),
            };
            let bank = Bank::from_prefix(prefix)?;
            match id {
                None => Some(pages::api(shared, &frame, bank, &query)),
                Some(id) => pages::resource(shared, &frame, bank, &id),
            }
        }),
    };
    match rendered {
        Some(markup) => page(StatusCode::OK, markup),
        None => page(StatusCode::NOT_FOUND, pages::not_found(&frame, path)),
    }
}

/// The login form's answer: a session and its cookie for the admin token, else the form again.
fn login(shared: &Shared, form: &forms::Form) -> Response<Body> {
    let given = form.get("token").unwrap_or_default();
    if !crate::access::same(given, &shared.admin_token) {
        return page(
            StatusCode::UNAUTHORIZED,
            pages::login(Some("That is not the sandbox's admin token.")),
        );
    }
    match shared.console.sessions.open() {
        Ok(id) => {
            let mut response = redirect(ROOT);
            if let Ok(cookie) = HeaderValue::from_str(&session::set_cookie(&id)) {
                response.headers_mut().insert("set-cookie", cookie);
            }
            response
        }
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

/// A posted action: the CSRF token checked, then carried out, and back to the page it came from.
fn post(shared: &Shared, who: &Who, path: &str, parts: &Parts, bytes: &[u8]) -> Response<Body> {
    let media = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    {
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the console's actions are forms (application/x-www-form-urlencoded)",
        );
    }
    let form = forms::Form::parse(bytes);
    if !who.allows(form.get("csrf")) {
        return text(
            StatusCode::FORBIDDEN,
            "the form's CSRF token is not this session's: reload the page and try again",
        );
    }
    let sessions = &shared.console.sessions;
    if path == "/logout" {
        if let Who::Session { id, .. } = who {
            sessions.close(id);
        }
        let mut response = redirect(&format!("{ROOT}/login"));
        if let Ok(cookie) = HeaderValue::from_str(&session::clear_cookie()) {
            response.headers_mut().insert("set-cookie", cookie);
        }
        return response;
    }
    let Some(action) = path.strip_prefix("/steer/") else {
        return text(StatusCode::NOT_FOUND, "no such console action");
    };
    let done = forms::act(shared, action, &form);
    match &done {
        Ok(said) => tracing::info!(action, %said, "console"),
        Err(why) => tracing::info!(action, %why, "console: refused"),
    }
    let notice = match done {
        Ok(text) => Notice { ok: true, text },
        Err(text) => Notice { ok: false, text },
    };
    sessions.notify(who, notice);
    redirect(&back(form.get("back")))
}

/// Where to go after an action: the console page it names, else the overview (never elsewhere).
fn back(given: Option<&str>) -> String {
    match given {
        Some(path)
            if (path == ROOT
                || path.starts_with("/_sandbox/ui/")
                || path.starts_with("/_sandbox/ui?"))
                && !path.contains("//")
                && !path.contains('\\')
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => ROOT.to_owned(),
    }
}

/// Whether a browser's `Origin`, when it sends one, is the console's own (the `Host` asked for).
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get("origin").and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|o| o.eq_ignore_ascii_case(host))
}

/// The headers every console answer carries: no caching, no sniffing, no referrer to another
/// site (`same-origin`: with `no-referrer`, browsers send `Origin: null` on the forms), no framing,
/// and the [`CSP`].
fn secure(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn build(status: StatusCode, media: &'static str, body: impl Into<Body>) -> Response<Body> {
    secure(
        Response::builder()
            .status(status)
            .header("content-type", media)
            .body(body.into())
            .unwrap_or_else(|_| Response::new(Body::empty())),
    )
}

/// An HTML page.
fn page(status: StatusCode, markup: Markup) -> Response<Body> {
    build(status, "text/html; charset=utf-8", markup.into_string())
}

/// A plain-text answer (refusals).
fn text(status: StatusCode, message: &str) -> Response<Body> {
    build(status, "text/plain; charset=utf-8", message.to_owned())
}

fn asset_response(media: &'static str, content: &'static str) -> Response<Body> {
    build(StatusCode::OK, media, content)
}

/// 303 See Other to a console path.
fn redirect(to: &str) -> Response<Body> {
    let mut response = build(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert("location", location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_go_back_to_console_pages_only() {
        assert_eq!(
            back(Some("/_sandbox/ui/api/x?client=1")),
            "/_sandbox/ui/api/x?client=1"
        );
        assert_eq!(back(Some("/_sandbox/ui")), "/_sandbox/ui");
        for elsewhere in [
            "https://evil.example/",
            "//evil.example",
            "/_sandbox/ui//x",
            "/_sandbox/uix",
            "/x",
        ] {
            assert_eq!(back(Some(elsewhere)), ROOT, "{elsewhere}");
        }
        assert!(is_console("/ui") && is_console("/ui/login") && !is_console("/uix"));
    }
}
