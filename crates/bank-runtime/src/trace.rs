//! W3C Trace Context to the bank (feature `otel`): every attempt of a call carries the
//! `traceparent` (and the `tracestate`, when there is one) of the call's `bank_call` span, as
//! OpenTelemetry sees it through `tracing-opentelemetry` — so its trace id is the trace the
//! service's own span belongs to, and a bank's support can be handed that id.
//!
//! The header is written in the W3C form (`00-<trace id>-<span id>-<flags>`) whatever text-map
//! propagator the service installed globally (its default is none). Nothing is sent when the
//! span has no OpenTelemetry context: no OpenTelemetry layer in the service's subscriber, or
//! one of another `tracing-opentelemetry` version than this crate's (0.34, on `opentelemetry`
//! 0.33), whose spans this crate cannot read.

use opentelemetry::trace::TraceContextExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The W3C Trace Context header naming the trace and the calling span.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The W3C Trace Context header carrying vendors' trace state.
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Set `traceparent` (and `tracestate`) in `headers` from the current span's OpenTelemetry
/// context; leave them alone when it has none.
pub(crate) fn inject(headers: &mut HeaderMap) {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span = span.span_context();
    if !span.is_valid() {
        return;
    }
    let parent = format!(
        "00-{}-{}-{:02x}",
        span.trace_id(),
        span.span_id(),
        span.trace_flags().to_u8()
    );
    if let Ok(value) = HeaderValue::from_str(&parent) {
        headers.insert(TRACEPARENT, value);
    }
    let state = span.trace_state().header();
    if !state.is_empty()
        && let Ok(value) = HeaderValue::from_str(&state)
    {
        headers.insert(TRACESTATE, value);
    }
}
