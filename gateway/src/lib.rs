//! The adapter every tool function shares.
//!
//! A function is `init` (runs once per instance, at cold start) plus a
//! `handler` from a parsed [`Request`] to a [`Response`]. This crate turns any
//! of the three event shapes a function can receive (API Gateway REST v1
//! proxy, HTTP API v2, or a direct invoke with plain JSON) into a [`Request`],
//! turns the [`Response`] into a proxy response, and runs the Lambda loop.

mod encode;
mod event;
mod form;
mod json;
mod limit;
pub mod log;
pub mod metrics;
mod params;
mod response;
mod runtime;

pub use encode::{needs_escape, BodyWriter};
pub use event::{parse_event, Request, Source};
pub use form::decode_pairs;
pub use json::{Bounded, MAX_JSON_VALUES};
pub use limit::{answer_too_large, encoded_len, MAX_ANSWER_BYTES};
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
    // What lambda_runtime sends, read back as API Gateway reads it.
    serde_json::from_str(&answer_bounded(state, event, handler).text).unwrap_or(serde_json::Value::Null)
}

/// What a run of the handler sends, and what it tells the metrics.
struct Answer {
    /// The proxy response's JSON text (encode.rs).
    text: String,
    status: u16,
    usage: Usage,
}

fn answer_bounded<S>(state: &S, event: Bounded, handler: fn(&S, &Request) -> Response) -> Answer {
    let response = match event.into_value().and_then(parse_event) {
        Ok(request) => handler(state, &request),
        Err(rejection) => rejection,
    };
    let (text, status) = limit::render_within_limit(&response);
    // An answer replaced by the size limit's 413 counts no words.
    let usage = if status == response.status { response.usage } else { Usage::default() };
    Answer { text, status, usage }
}
