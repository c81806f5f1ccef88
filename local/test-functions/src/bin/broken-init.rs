//! Fails its init (as segment does without its layer): posts
//! `/runtime/init/error` and exits 1. The runner must show the message and
//! answer 502.

use std::process::ExitCode;

use toolbox_gateway::{Request, Response};

fn never(_: &(), _: &Request) -> Response {
    Response::error(500, "unreachable: init always fails")
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Err::<(), String>("the fixture's dictionary is missing on purpose".into()), never)
}
