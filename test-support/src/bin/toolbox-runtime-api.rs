//! `toolbox-runtime-api EVENT_FILE`: a one-shot Lambda Runtime API for
//! benches/cold-start. Prints its address (`127.0.0.1:PORT`) on the first
//! line of stdout, hands out the event once, and when the function answers
//! prints one JSON line, `{"kind": "response"|"error"|"init-error", "answer":
//! ..., "answered_ns": N}` (N: CLOCK_MONOTONIC, which Python's
//! `time.monotonic_ns()` reads too), then exits, so the function's next
//! poll fails and it exits as well.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{json, Value};
use toolbox_local::lambda::runtime_api::{ApiEvent, RuntimeApi};

fn monotonic_ns() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: toolbox-runtime-api EVENT_FILE");
        return ExitCode::from(2);
    };
    let event: Value = match std::fs::read(&path).map(|bytes| serde_json::from_slice(&bytes)) {
        Ok(Ok(event)) => event,
        Ok(Err(e)) => {
            eprintln!("toolbox-runtime-api: {path} is not JSON: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("toolbox-runtime-api: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let result = runtime.block_on(async move {
        // The bootstrap runs under valgrind or /usr/bin/time: any process may connect.
        let mut api = RuntimeApi::start_for_any_process().await.expect("bind 127.0.0.1");
        println!("{}", api.addr);
        let _ = std::io::stdout().flush();
        let _ = api.invocations.send(toolbox_test_support::invocation(0, &event)).await;
        loop {
            let (kind, body) = match api.events.recv().await {
                None => return json!({"kind": "closed", "answer": null, "answered_ns": monotonic_ns()}),
                Some(ApiEvent::Response { body, .. }) => ("response", body),
                Some(ApiEvent::Error { body, .. }) => ("error", body),
                Some(ApiEvent::InitError { body, .. }) => ("init-error", body),
                Some(_) => continue,
            };
            let answered_ns = monotonic_ns();
            return json!({"kind": kind, "answer": String::from_utf8_lossy(&body), "answered_ns": answered_ns});
        }
    });
    println!("{result}");
    ExitCode::SUCCESS
}
