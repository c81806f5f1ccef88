//! `playground`: the page to try the tools in (`GET /`, `text/html`, the one
//! self-contained file `index.html` beside this crate's `Cargo.toml`) and the
//! API's contract (`GET /openapi.json`, the repository's `openapi.yaml` as
//! JSON). Both are compiled in: build.rs converts the YAML at build time, so a
//! cold start reads nothing and parses nothing.

use std::process::ExitCode;

use toolbox_gateway::{Request, Response};

const PAGE: &str = include_str!("../index.html");
const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

fn playground(_: &(), request: &Request) -> Response {
    match request.path.as_str() {
        "/openapi.json" => Response::content("application/json; charset=utf-8", OPENAPI_JSON),
        // `/`, and a direct invoke (no path): the page.
        _ => Response::content("text/html; charset=utf-8", PAGE),
    }
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Ok::<(), String>(()), playground)
}

#[cfg(test)]
mod tests;
