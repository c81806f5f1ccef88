//! The adapter every tool function shares.
//!
//! A function is `init` (runs once per instance, at cold start) plus a
//! `handler` from a parsed [`Request`] to a [`Response`]. This crate turns any
//! of the three event shapes a function can receive (API Gateway REST v1
//! proxy, HTTP API v2, or a direct invoke with plain JSON) into a [`Request`],
//! turns the [`Response`] into a proxy response, and runs the Lambda loop.

mod event;
mod form;
mod json;
mod limit;
pub mod log;
pub mod metrics;
mod params;
mod response;
mod runtime;

pub use event::{parse_event, Request, Source};
pub use form::decode_pairs;
pub use json::{Bounded, MAX_JSON_VALUES};
pub use limit::{encoded_len, proxy_string_len, AnswerBudget, MAX_ANSWER_BYTES};
pub use params::{Params, MAX_BATCH, MAX_TEXT_BYTES};
pub use response::{Response, Usage};
pub use runtime::{report_init_error, run, InitError};

/// Handles one raw event end to end: parse, call `handler`, and render the
/// proxy response. Malformed events get a 400 here, before `handler` runs;
/// an answer larger than Lambda returns becomes a 413 here, after it.
pub fn handle<S>(state: &S, event: serde_json::Value, handler: fn(&S, &Request) -> Response) -> serde_json::Value {
    handle_bounded(state, Bounded::Value(event), handler)
}

/// [`handle`] for an event parsed within the JSON budget (as the run loop
/// parses every event): one that held too much is a 413 here.
pub fn handle_bounded<S>(state: &S, event: Bounded, handler: fn(&S, &Request) -> Response) -> serde_json::Value {
    answer_bounded(state, event, handler).0
}

/// [`handle_bounded`], with what the answer tells the metrics.
fn answer_bounded<S>(state: &S, event: Bounded, handler: fn(&S, &Request) -> Response) -> (serde_json::Value, Usage) {
    let response = match event.into_value().and_then(parse_event) {
        Ok(request) => handler(state, &request),
        Err(rejection) => rejection,
    };
    let proxy = limit::within_limit(response.to_proxy());
    // An answer replaced by the size limit's 413 counts no words.
    let same = proxy.get("statusCode").and_then(serde_json::Value::as_u64) == Some(u64::from(response.status));
    (proxy, if same { response.usage } else { Usage::default() })
}
