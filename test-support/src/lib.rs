//! What the tools' tests and the benchmarks share, in one dev-only crate:
//! fixture events (`events/`), running a handler exactly as the Lambda loop
//! would ([`invoke`]), and a Lambda Runtime API for a real `bootstrap`
//! ([`FakeRuntimeApi`]), which is toolbox-local's own Runtime API, so the
//! emulator, the tests and the benchmark speak one implementation; and a
//! plain [`http_get`] and [`http_post_json`] for tests that start a runner.
//!
//! Depend on it under `[dev-dependencies]` only.

mod events;
mod http;
mod runtime_api;

pub use events::{events_dir, fixture, invoke, with_body, with_query, Answer};
pub use http::{http_get, http_post_json};
pub use runtime_api::{invocation, FakeRuntimeApi};
