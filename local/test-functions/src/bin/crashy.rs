//! Exits mid-invocation without answering (like a segfault or
//! `process::exit`): the client must get a 502 and the next request a fresh
//! instance. `?crash=false` answers normally, with its pid.

use std::process::ExitCode;

use serde_json::json;
use toolbox_gateway::{Request, Response};

fn crashy(_: &(), request: &Request) -> Response {
    if request.params.flag("crash", true).unwrap_or(true) {
        eprintln!("crashing on purpose");
        std::process::exit(3);
    }
    Response::ok(&json!({ "pid": std::process::id() }))
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Ok::<(), String>(()), crashy)
}
