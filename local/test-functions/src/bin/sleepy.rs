//! Sleeps `ms` milliseconds (query string or event field, default 60000) and
//! answers: past the function's Timeout it must be killed (a 502), past a
//! route's shorter integration timeout answered 503/504 and left running.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use toolbox_gateway::{Request, Response};

fn sleepy(_: &(), request: &Request) -> Response {
    let ms = request.params.bounded("ms", 0..=600_000, 60_000).unwrap_or(60_000);
    eprintln!("sleeping {ms} ms in process {}", std::process::id());
    std::thread::sleep(Duration::from_millis(ms));
    Response::ok(&json!({ "slept_ms": ms, "pid": std::process::id() }))
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Ok::<(), String>(()), sleepy)
}
