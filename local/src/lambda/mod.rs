//! Lambda's side: per-function instance pools, one instance's lifecycle,
//! the Runtime API each instance talks to, how an invocation ended, and the
//! REPORT lines.

mod instance;
mod outcome;
mod peer;
mod pool;
mod report;
pub mod runtime_api;

pub use outcome::Outcome;
pub use pool::{find_bootstrap, Invoked, Pool, Settings};
pub use runtime_api::MAX_RESPONSE_BYTES;
