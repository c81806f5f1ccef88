//! `hello`: the SAM hello-world API (seed 004): `{"message": "hello world"}`.

use std::process::ExitCode;

use serde_json::json;
use toolbox_gateway::{Request, Response};

fn hello(_: &(), _: &Request) -> Response {
    Response::ok(&json!({ "message": "hello world" }))
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Ok::<(), String>(()), hello)
}

#[cfg(test)]
mod tests;
