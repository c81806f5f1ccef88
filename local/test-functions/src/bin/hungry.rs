//! Allocates (and touches) `mb` megabytes, default 512: past the function's
//! MemorySize it must be killed like Lambda's out-of-memory, a 502.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use toolbox_gateway::{Request, Response};

fn hungry(_: &(), request: &Request) -> Response {
    let mb = request.params.bounded("mb", 0..=4096, 512).unwrap_or(512);
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    for i in 0..mb {
        // Touch every page so the memory is resident, not just reserved.
        blocks.push(vec![(i % 251) as u8 + 1; 1024 * 1024]);
        if i % 16 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let sum: u64 = blocks.iter().map(|b| u64::from(b[b.len() / 2])).sum();
    Response::ok(&json!({ "allocated_mb": mb, "checksum": sum }))
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Ok::<(), String>(()), hungry)
}
