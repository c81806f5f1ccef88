use std::fmt::Display;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::{handle, Request, Response};

/// Variables Lambda always sets; lambda_runtime panics without them, so they
/// are checked first and reported as an init error instead.
const REQUIRED_ENV: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// An init failure: its message, and the Lambda error type it is posted
/// with (`Runtime.InitError` unless the error says otherwise).
pub trait InitError: Display {
    fn error_type(&self) -> &str {
        "Runtime.InitError"
    }
}

impl InitError for String {}

impl InitError for &str {}

/// A layer that cannot be loaded is `Layer.Missing`, `Layer.VersionMismatch`
/// or `Layer.Corrupt` (docs/deploy.md lists them).
#[cfg(feature = "layer")]
impl InitError for toolbox_layer::LayerError {
    fn error_type(&self) -> &str {
        toolbox_layer::LayerError::error_type(self)
    }
}

/// Runs a function: `init` once (the cold start), then `handler` for every
/// event until Lambda stops the instance.
///
/// An `init` failure is posted to the Runtime API's `/runtime/init/error`
/// (lambda_runtime never does that itself) and the process exits non-zero.
pub fn run<S, E: InitError>(init: impl FnOnce() -> Result<S, E>, handler: fn(&S, &Request) -> Response) -> ExitCode {
    let missing: Vec<&str> = REQUIRED_ENV.iter().copied().filter(|v| std::env::var_os(v).is_none()).collect();
    if !missing.is_empty() {
        let message = format!(
            "not started by Lambda: {} unset (run it with scripts/serve or toolbox-local invoke)",
            missing.join(", ")
        );
        return fail_init("Runtime.MissingEnvironment", &message);
    }

    let state = match init() {
        Ok(state) => state,
        Err(e) => return fail_init(e.error_type(), &e.to_string()),
    };

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail_init("Runtime.InitError", &format!("cannot start the async runtime: {e}")),
    };
    let state = &state;
    let service = service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, std::convert::Infallible>(handle(state, event.payload, handler))
    });
    match runtime.block_on(lambda_runtime::run(service)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambda runtime loop ended: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fail_init(error_type: &str, message: &str) -> ExitCode {
    eprintln!("init error: {message}");
    if let Err(e) = report_init_error(error_type, message) {
        eprintln!("could not report the init error to the Runtime API: {e}");
    }
    ExitCode::FAILURE
}

/// POSTs `{"errorMessage", "errorType"}` to `/2018-06-01/runtime/init/error`
/// on `$AWS_LAMBDA_RUNTIME_API`. A tiny blocking HTTP/1.1 request: the async
/// client is not up yet, and this must work when nothing else did.
pub fn report_init_error(error_type: &str, message: &str) -> std::io::Result<u16> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .map_err(|_| std::io::Error::other("AWS_LAMBDA_RUNTIME_API is unset"))?;
    let body = json!({ "errorMessage": message, "errorType": error_type, "stackTrace": [] }).to_string();
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\n\
         Lambda-Runtime-Function-Error-Type: {error_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(&api)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(request.as_bytes())?;
    let mut head = [0u8; 64];
    let read = stream.read(&mut head)?;
    // "HTTP/1.1 202 Accepted"
    let status = std::str::from_utf8(&head[..read])
        .ok()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("Runtime API answered something that is not HTTP"))?;
    Ok(status)
}
