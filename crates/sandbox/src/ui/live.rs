//! Pages that follow the sandbox without a reload: `GET /_sandbox/ui/events` is a stream of
//! server-sent events, one `change` (its data the state's change counter) after each change of
//! the state (the same notifications `Sandbox::until` waits on, at most one per
//! [`COALESCE`]); the console's script ([`SCRIPT`]) fetches its page again and swaps the part
//! marked `#live`, leaving the forms as they are. Without JavaScript the pages read the same and
//! a reload shows what changed. The stream ends when the sandbox stops ([`super::Console::close`]).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::Response;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};

use crate::state::Shared;

/// The live-update script: no inline code, so the console's CSP allows no other.
pub const SCRIPT: &str = include_str!("console.js");

/// The shortest time between two events of one stream: a burst of changes is one event.
pub const COALESCE: Duration = Duration::from_millis(100);

/// The stream of change events.
pub fn events(shared: &Shared) -> Response<Body> {
    let changes = shared.changes.subscribe();
    let closing = shared.console.closing();
    let stream = futures_util::stream::unfold(
        (changes, closing),
        |(mut changes, mut closing)| async move {
            let changed = tokio::select! {
                changed = changes.changed() => changed.is_ok(),
                _ = closing.wait_for(|closed| *closed) => false,
            };
            if !changed {
                return None;
            }
            tokio::time::sleep(COALESCE).await;
            let n = *changes.borrow_and_update();
            let event = Event::default().event("change").data(n.to_string());
            Some((Ok::<_, Infallible>(event), (changes, closing)))
        },
    );
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    response.headers_mut().insert(
        "cache-control",
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
