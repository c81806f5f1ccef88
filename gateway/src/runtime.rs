use std::fmt::Display;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::encode::Encoded;
use crate::log::{Field, Level, Logger};
use crate::metrics::{Measured, Metrics};
use crate::{answer_bounded, Bounded, Request, Response};

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
    let logger = Logger::from_env();
    let missing: Vec<&str> = REQUIRED_ENV.iter().copied().filter(|v| std::env::var_os(v).is_none()).collect();
    if !missing.is_empty() {
        let message = format!(
            "not started by Lambda: {} unset (run it with scripts/serve or toolbox-local invoke)",
            missing.join(", ")
        );
        return fail_init(&logger, "Runtime.MissingEnvironment", &message);
    }

    let state = match init() {
        Ok(state) => state,
        Err(e) => return fail_init(&logger, e.error_type(), &e.to_string()),
    };

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail_init(&logger, "Runtime.InitError", &format!("cannot start the async runtime: {e}")),
    };
    let state = &state;
    let logger = &logger;
    let metrics = &Metrics::from_env();
    // The first event an instance answers is its cold start's.
    let answered = &std::sync::atomic::AtomicBool::new(false);
    // Events are parsed within the JSON budget (json.rs), not into a bare Value.
    let service = service_fn(move |event: LambdaEvent<Bounded>| async move {
        let started = Instant::now();
        let (route, input_bytes) = match &event.payload {
            Bounded::Value(payload) => describe(payload),
            Bounded::TooLarge => ("too large".to_owned(), 0),
        };
        let answer = answer_bounded(state, event.payload, handler);
        let status = u64::from(answer.status);
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let level = if status >= 500 { Level::Error } else { Level::Info };
        if logger.enabled(level) {
            logger.log(
                level,
                Some(&event.context.request_id),
                &format!("{route} {status}"),
                &[
                    ("route", Field::Text(&route)),
                    ("status", Field::Count(status)),
                    ("durationMs", Field::Ms(duration_ms)),
                    ("inputBytes", Field::Count(input_bytes)),
                ],
            );
        }
        // lambda_runtime sets _X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id
        // before each event.
        let trace_header = std::env::var("_X_AMZN_TRACE_ID").ok();
        metrics.emit(&Measured {
            function: &logger.function,
            route: &route,
            status: answer.status,
            input_bytes,
            usage: answer.usage,
            cold_start: !answered.swap(true, std::sync::atomic::Ordering::Relaxed),
            duration_ms,
            request_id: &event.context.request_id,
            trace_header: trace_header.as_deref(),
        });
        Ok::<Encoded, std::convert::Infallible>(Encoded(answer.text))
    });
    match runtime.block_on(lambda_runtime::run(service)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            logger.log(Level::Fatal, None, &format!("lambda runtime loop ended: {e}"), &[]);
            ExitCode::FAILURE
        }
    }
}

/// An event's route (`GET /segment`, or `direct` for a direct invoke) and
/// its input size: the body's bytes as API Gateway passed them, or the
/// whole event's JSON for a direct invoke.
fn describe(event: &Value) -> (String, u64) {
    let text = |name: &str| event.get(name).and_then(Value::as_str);
    let body = text("body").map_or(0, |b| b.len() as u64);
    if let Some(route) = text("routeKey") {
        return (route.to_owned(), body);
    }
    if let (Some(method), Some(resource)) = (text("httpMethod"), text("resource")) {
        return (format!("{method} {resource}"), body);
    }
    ("direct".to_owned(), crate::encoded_len(event) as u64)
}

fn fail_init(logger: &Logger, error_type: &str, message: &str) -> ExitCode {
    logger.log(Level::Fatal, None, &format!("init error: {message}"), &[("errorType", Field::Text(error_type))]);
    if let Err(e) = report_init_error(error_type, message) {
        logger.log(Level::Fatal, None, &format!("could not report the init error to the Runtime API: {e}"), &[]);
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
