//! The effects simulations ask the router to run ([`run`]): creations counted, delayed
//! transitions, and callbacks and postLinks POSTed to merchants ([`notify`]).
//!
//! A client names a callback's URL, so the sandbox reaches out only where `[callbacks]
//! allowed_hosts` lets it (default: loopback), never follows a redirect (a 3xx answer is the
//! merchant's answer: not delivered) and gives up after `[callbacks] timeout_ms`. Every attempt,
//! sent or refused, is recorded in the state's `deliveries` ring with the reason it was not
//! delivered.

use std::sync::Arc;

use crate::access::callback_refusal;
use crate::sim::Effect;
use crate::state::{Delivery, Shared};

/// The client for callbacks: no redirects followed, `timeout` for a whole attempt.
pub fn client(timeout: std::time::Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
}

/// Run the effects a simulation asked for: creations are counted at once (the state's
/// `effects`); in the background, callbacks and postLinks are POSTed (and recorded in the state's
/// `deliveries`), delayed transitions run after their delay and their own effects after them.
pub fn run(shared: &Arc<Shared>, effects: Vec<Effect>) {
    for effect in effects {
        let shared = shared.clone();
        match effect {
            Effect::Notify {
                url,
                body,
                what,
                about,
            } => {
                tokio::spawn(notify(shared, url, body, what, about));
            }
            Effect::After { delay, then } => {
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let next = then(&*shared);
                    run(&shared, next);
                });
            }
            Effect::Created {
                bank,
                operation,
                reference,
            } => shared.note(|s| s.effects.record(bank, &operation, &reference)),
        }
    }
}

/// POST a JSON body to a merchant's URL, as many times as `[callbacks] attempts` allows until the
/// merchant answers 2xx; every attempt is recorded in the state's `deliveries`. Failures are
/// logged, not fatal. A URL whose host is not allowed is recorded once, not sent, and not
/// retried. An attempt a test made fail ([`crate::steer::Steering::fail_callbacks`]) is not sent
/// and counts as unanswered. `about`: the resource the body is about (an order's id), recorded
/// with each attempt.
pub async fn notify(
    shared: Arc<Shared>,
    url: String,
    body: Vec<u8>,
    what: &'static str,
    about: Option<String>,
) {
    let about = about.as_deref();
    if let Some(reason) = callback_refusal(&shared.config, &url) {
        tracing::warn!(%url, %reason, "{what}: refused");
        let delivery =
            Delivery::new(what, &url, 1, false, None, Some(reason)).at(shared.now_ms(), about);
        shared.update(|s| s.deliveries.push(delivery));
        return;
    }
    let attempts = shared.config.callbacks.attempts.max(1);
    let delay = std::time::Duration::from_millis(shared.config.callbacks.retry_delay_ms);
    for attempt in 1..=attempts {
        if attempt > 1 {
            tokio::time::sleep(delay).await;
        }
        let at_ms = shared.now_ms();
        let delivery = if shared.steering.callback_fails(&url) {
            tracing::info!(%url, attempt, "{what}: failed as a test asked");
            Delivery::new(
                what,
                &url,
                attempt,
                false,
                None,
                Some("failed as a test asked (fail_callbacks)".to_owned()),
            )
        } else {
            deliver(&shared, &url, &body, what, attempt).await
        }
        .at(at_ms, about)
        .with_body(&body);
        let delivered = delivery.delivered();
        shared.update(|s| s.deliveries.push(delivery));
        if delivered {
            return;
        }
    }
}

/// One delivery attempt, as recorded.
async fn deliver(
    shared: &Shared,
    url: &str,
    body: &[u8],
    what: &'static str,
    attempt: u32,
) -> Delivery {
    match shared
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => {
            tracing::debug!(%url, "{what} delivered");
            Delivery::new(what, url, attempt, true, Some(r.status().as_u16()), None)
        }
        Ok(r) if r.status().is_redirection() => {
            let to = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("nowhere");
            let reason = format!(
                "the merchant answered {} redirecting to {to}: redirects are not followed",
                r.status().as_u16()
            );
            tracing::warn!(%url, %reason, "{what}: not delivered");
            Delivery::new(
                what,
                url,
                attempt,
                true,
                Some(r.status().as_u16()),
                Some(reason),
            )
        }
        Ok(r) => {
            tracing::warn!(%url, status = r.status().as_u16(), "{what}: merchant answered an error");
            Delivery::new(
                what,
                url,
                attempt,
                true,
                Some(r.status().as_u16()),
                Some(format!("the merchant answered {}", r.status().as_u16())),
            )
        }
        Err(e) => {
            tracing::warn!(%url, error = %e, "{what}: not delivered");
            let reason = if e.is_timeout() {
                format!(
                    "no answer within [callbacks] timeout_ms = {}",
                    shared.config.callbacks.timeout_ms
                )
            } else {
                format!("no answer: {e}")
            };
            Delivery::new(what, url, attempt, true, None, Some(reason))
        }
    }
}
