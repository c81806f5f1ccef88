//! One execution environment's life: spawned, initializing (until its first
//! `/next`), idle, running one event, and dead (killed, crashed, timed out or
//! out of memory). `start` takes it through init; `invoke` through one event.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::sleep_until;

use super::report::{self, Usage};
use super::runtime_api::{ApiEvent, Invocation, RuntimeApi};
use super::{Outcome, Settings};
use crate::arch::{self, Platform};
use crate::process::{self, Child};
use crate::template::{Function, ACCOUNT_ID};
use crate::{log, util};

pub struct Instance {
    child: Child,
    api: RuntimeApi,
    peak_kib: Arc<AtomicU64>,
    out_of_memory: Arc<AtomicBool>,
    monitor: JoinHandle<()>,
    pub last_used: Instant,
    /// The build it runs (see `Pool::retire`): an instance of an older one
    /// finishes its event and is then stopped.
    pub generation: u64,
    /// What REPORT says it runs on.
    platform: Platform,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.monitor.abort();
        self.child.kill();
    }
}

/// What an instance needs to know about where and how it runs.
pub struct Launch<'a> {
    pub function: &'a Function,
    pub settings: &'a Settings,
    pub bootstrap: &'a Path,
    /// The `/opt` tree, given as `TOOLBOX_LAYER_DIR`.
    pub layer_dir: Option<&'a Path>,
    pub generation: u64,
}

impl Instance {
    pub fn has_exited(&self) -> bool {
        self.child.has_exited()
    }

    /// A cold start: spawn the bootstrap, wait for its first `/next` (the end
    /// of init). Returns the instance and its init duration, or the init
    /// failure (logged, with Lambda's INIT_REPORT line).
    pub async fn start(launch: Launch<'_>) -> Result<(Instance, Duration), Outcome> {
        let label = launch.function.name.as_str();
        let api = match RuntimeApi::start(label).await {
            Ok(api) => api,
            Err(e) => {
                let message = format!("cannot start the Runtime API: {e}");
                log::line(label, &message);
                return Err(Outcome::init_error("Runtime.Unknown", message));
            }
        };
        let env = environment(&launch, &api.addr.to_string());
        let cwd = launch.bootstrap.parent().unwrap_or(Path::new(".")).to_owned();
        // An arm64 bootstrap on an x86_64 machine runs under qemu-user; no
        // emulator is no start (never the wrong binary, never silently).
        let launcher = match arch::launcher(launch.bootstrap) {
            Ok(launcher) => launcher,
            Err(message) => {
                log::line(label, &message);
                return Err(Outcome::init_error("Runtime.InvalidEntrypoint", message));
            }
        };
        let spawned_at = Instant::now();
        let child = match process::spawn(&launcher.program, &launcher.args, &cwd, &env, label, log::quiet()) {
            Ok(child) => child,
            Err(e) => {
                let message = format!("cannot start {}: {e}", launch.bootstrap.display());
                log::line(label, &message);
                return Err(Outcome::init_error("Runtime.InvalidEntrypoint", message));
            }
        };
        api.set_owner(child.pid);
        let peak_kib = Arc::new(AtomicU64::new(0));
        let out_of_memory = Arc::new(AtomicBool::new(false));
        let monitor = tokio::spawn(watch_memory(
            child.pid,
            launch.function.memory_mb * 1024,
            peak_kib.clone(),
            out_of_memory.clone(),
            child.exited.clone(),
        ));
        let mut instance = Instance {
            child,
            api,
            peak_kib,
            out_of_memory,
            monitor,
            last_used: Instant::now(),
            generation: launch.generation,
            platform: Platform::of(launch.function, &launcher),
        };
        let init_timeout = launch.settings.init_timeout;
        let deadline = tokio::time::Instant::from_std(spawned_at + init_timeout);
        let mut exited = instance.child.exited.clone();
        let (outcome, status) = loop {
            tokio::select! {
                event = instance.api.events.recv() => match event {
                    Some(ApiEvent::Next(at)) => return Ok((instance, at.saturating_duration_since(spawned_at))),
                    Some(ApiEvent::InitError { error_type, body }) => {
                        let mut payload: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
                            serde_json::json!({"errorMessage": String::from_utf8_lossy(&body)})
                        });
                        if payload.get("errorType").is_none() {
                            payload["errorType"] = error_type.unwrap_or_else(|| "Runtime.Unknown".into()).into();
                        }
                        break (Outcome::InitError(payload), "error");
                    }
                    Some(ApiEvent::Garbage(what)) => log::line(label, &format!("bad Runtime API call during init: {what}")),
                    Some(_) => log::line(label, "bad Runtime API call during init: response before any event"),
                    None => break (Outcome::Crashed("Runtime API closed".into()), "error"),
                },
                _ = exited.wait_for(Option::is_some) => {
                    if instance.out_of_memory.load(Ordering::Relaxed) {
                        break (Outcome::OutOfMemory, "error");
                    }
                    let status = instance.child.exited.borrow().map(describe_exit).unwrap_or_default();
                    break (Outcome::init_error(
                        "Runtime.ExitError",
                        format!("Runtime exited without providing a reason: {status}"),
                    ), "error");
                }
                _ = sleep_until(deadline) => {
                    break (Outcome::init_error(
                        "Sandbox.Timedout",
                        format!("INIT phase timed out after {:.2} seconds", init_timeout.as_secs_f64()),
                    ), "timeout");
                }
            }
        };
        instance.child.kill();
        let error_type = outcome.error_type().unwrap_or_default();
        let message = outcome.error_payload(launch.function.timeout_s);
        let message = message.get("errorMessage").and_then(Value::as_str).unwrap_or_default();
        log::line(label, &format!("init error: {error_type} {message}"));
        log::line(label, &report::init_report(spawned_at.elapsed(), status, &error_type, &launch.function.logging));
        let _ = instance.child.wait().await;
        Err(outcome)
    }

    /// One event, with the function's `Timeout`, logged with START, END and
    /// REPORT. After an outcome that does not keep the instance
    /// ([`Outcome::keeps_instance`]) it has been killed and reaped.
    /// `trace` is the request's `X-Amzn-Trace-Id`, whose Root the
    /// invocation's trace id keeps ([`trace_id`]).
    pub async fn invoke(
        &mut self,
        function: &Function,
        region: &str,
        event: Bytes,
        init: Option<Duration>,
        trace: Option<&str>,
    ) -> Outcome {
        let label = function.name.as_str();
        let request_id = util::uuid();
        let timeout = Duration::from_secs_f64(function.timeout_s);
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started + timeout);
        let invocation = Invocation {
            request_id: request_id.clone(),
            deadline_ms: util::now_ms() + timeout.as_millis(),
            function_arn: format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{}", function.function_name),
            trace_id: trace_id(trace, util::now_ms()),
            body: event,
        };
        if let Some(line) = report::start(&request_id, &function.logging) {
            log::info(label, &line);
        }
        // Anything left over from before this event (e.g. the runtime's
        // second /next) is stale.
        while let Ok(event) = self.api.events.try_recv() {
            if let ApiEvent::Garbage(what) = event {
                log::line(label, &format!("bad Runtime API call: {what}"));
            }
        }
        if self.api.invocations.try_send(invocation).is_err() {
            self.child.kill();
            let _ = self.child.wait().await;
            return Outcome::Crashed("the instance is not accepting events".into());
        }
        let mut exited = self.child.exited.clone();
        let outcome = loop {
            tokio::select! {
                event = self.api.events.recv() => match event {
                    Some(ApiEvent::Response { request_id: id, body }) if id == request_id => break Outcome::Response(body),
                    Some(ApiEvent::Error { request_id: id, error_type, body }) if id == request_id => {
                        let mut body = body;
                        if serde_json::from_slice::<Value>(&body).is_err() {
                            body = Bytes::from(serde_json::json!({
                                "errorType": error_type.unwrap_or_else(|| "Unhandled".into()),
                                "errorMessage": String::from_utf8_lossy(&body),
                            }).to_string());
                        }
                        break Outcome::FunctionError(body);
                    }
                    Some(ApiEvent::TooLarge { request_id: id }) if id == request_id => break Outcome::ResponseTooLarge,
                    Some(ApiEvent::Next(_)) => {}
                    Some(ApiEvent::Garbage(what)) => log::line(label, &format!("bad Runtime API call: {what}")),
                    Some(other) => log::line(label, &format!("bad Runtime API call: unexpected {other:?}")),
                    None => break Outcome::Crashed("Runtime API closed".into()),
                },
                _ = exited.wait_for(Option::is_some) => {
                    if self.out_of_memory.load(Ordering::Relaxed) {
                        break Outcome::OutOfMemory;
                    }
                    let status = self.child.exited.borrow().map(describe_exit).unwrap_or_default();
                    break Outcome::Crashed(status);
                }
                _ = sleep_until(deadline) => break Outcome::Timeout,
            }
        };
        let duration = started.elapsed();
        if let Some(line) = report::failure_line(&request_id, &outcome, function.timeout_s, function.memory_mb) {
            log::line(label, &line);
        }
        if !outcome.keeps_instance() || self.child.has_exited() {
            self.child.kill();
            let _ = self.child.wait().await;
        }
        let peak_mb = self
            .peak_kib
            .load(Ordering::Relaxed)
            .max(process::peak_rss_kib(self.child.pid).unwrap_or(0))
            .div_ceil(1024);
        let usage = Usage { duration, init, memory_mb: function.memory_mb, peak_mb, platform: self.platform };
        for line in [
            report::end(&request_id, &outcome, &function.logging),
            report::report(&request_id, &usage, &outcome, &function.logging),
        ]
        .into_iter()
        .flatten()
        {
            log::info(label, &line);
        }
        outcome
    }
}

/// The environment Lambda gives a `provided.*` runtime, the template's
/// variables under Lambda's reserved ones, and `TOOLBOX_LAYER_DIR`.
fn environment(launch: &Launch<'_>, api: &str) -> Vec<(String, String)> {
    let f = launch.function;
    let region = &launch.settings.region;
    let task_root = launch.bootstrap.parent().unwrap_or(Path::new(".")).display().to_string();
    let mut env: Vec<(String, String)> = f.environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for pass in ["RUST_BACKTRACE", "RUST_LOG"] {
        if let Ok(v) = std::env::var(pass) {
            env.push((pass.into(), v));
        }
    }
    let now = util::now_ms();
    let reserved = [
        ("AWS_LAMBDA_RUNTIME_API", api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", f.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", f.function_name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", format!("{}/[$LATEST]{}", util::log_date(now), util::hex(32))),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_LAMBDA_LOG_FORMAT", if f.logging.json { "JSON" } else { "Text" }.into()),
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region.clone()),
        ("_HANDLER", f.handler.clone()),
        ("LAMBDA_TASK_ROOT", task_root.clone()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
        ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin".into()),
        (
            "LD_LIBRARY_PATH",
            format!("/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:{task_root}:{task_root}/lib:/opt/lib"),
        ),
        ("LANG", "en_US.UTF-8".into()),
        ("TZ", ":UTC".into()),
    ];
    // Lambda's reserved variables win over the template's.
    env.retain(|(k, _)| !reserved.iter().any(|(r, _)| r == k) && k != "AWS_LAMBDA_LOG_LEVEL");
    env.extend(reserved.into_iter().map(|(k, v)| (k.to_owned(), v)));
    if let Some(level) = &f.logging.application_level {
        env.push(("AWS_LAMBDA_LOG_LEVEL".into(), level.clone()));
    }
    if let Some(layer) = launch.layer_dir {
        env.retain(|(k, _)| k != "TOOLBOX_LAYER_DIR");
        env.push(("TOOLBOX_LAYER_DIR".into(), layer.display().to_string()));
    }
    env
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("signal: {signal}"),
        _ => "unknown exit".into(),
    }
}

/// Polls the instance's peak RSS; above the limit, kills it like Lambda's
/// out-of-memory handling. VmHWM is a high-water mark, so a spike between
/// two polls is still seen.
async fn watch_memory(
    pid: i32,
    limit_kib: u64,
    peak: Arc<AtomicU64>,
    out_of_memory: Arc<AtomicBool>,
    mut exited: tokio::sync::watch::Receiver<Option<std::process::ExitStatus>>,
) {
    loop {
        if let Some(kib) = process::peak_rss_kib(pid) {
            peak.fetch_max(kib, Ordering::Relaxed);
            if kib > limit_kib {
                out_of_memory.store(true, Ordering::Relaxed);
                process::kill_group(pid);
                return;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            _ = exited.wait_for(Option::is_some) => return,
        }
    }
}

/// The `Lambda-Runtime-Trace-Id` of one invocation, as Lambda sends it:
/// `Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0`. The
/// Root is the one `incoming` (the request's `X-Amzn-Trace-Id`) names, as
/// API Gateway propagates a trace; a new one when there is none, or when it
/// is not an X-Ray trace id. Parent is this invocation's own segment;
/// nothing is sampled, since nothing here records traces.
pub fn trace_id(incoming: Option<&str>, now_ms: u128) -> String {
    let given = incoming
        .and_then(|header| header.split(';').find_map(|field| field.trim().strip_prefix("Root=")))
        .filter(|root| is_trace_root(root));
    let root = match given {
        Some(root) => root.to_owned(),
        None => format!("1-{:08x}-{}", (now_ms / 1000) as u64, util::hex(24)),
    };
    format!("Root={root};Parent={};Sampled=0", util::hex(16))
}

/// `1-<8 hex digits>-<24 hex digits>`: X-Ray's trace id.
fn is_trace_root(root: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut parts = root.split('-');
    matches!((parts.next(), parts.next(), parts.next(), parts.next()), (Some("1"), Some(time), Some(id), None) if hex(time, 8) && hex(id, 24))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape Lambda's header has; `root` the Root it carries.
    fn parts(trace: &str) -> (String, String) {
        let fields: Vec<&str> = trace.split(';').collect();
        assert_eq!(fields.len(), 3, "{trace}");
        let root = fields[0].strip_prefix("Root=").unwrap_or_else(|| panic!("{trace}"));
        assert!(is_trace_root(root), "{trace}");
        let parent = fields[1].strip_prefix("Parent=").unwrap_or_else(|| panic!("{trace}"));
        assert!(parent.len() == 16 && parent.bytes().all(|b| b.is_ascii_hexdigit()), "{trace}");
        assert_eq!(fields[2], "Sampled=0", "{trace}");
        (root.to_owned(), parent.to_owned())
    }

    #[test]
    fn the_trace_id_keeps_the_requests_root_and_makes_one_when_there_is_none() {
        let incoming = "Root=1-6b0135b8-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1";
        let (root, parent) = parts(&trace_id(Some(incoming), 0));
        assert_eq!(root, "1-6b0135b8-0123456789abcdef01234567");
        assert_ne!(parent, "1111111111111111", "the function's segment is a new one");
        // Root need not come first.
        let (root, _) = parts(&trace_id(Some("Sampled=1; Root=1-6b0135b8-0123456789abcdef01234567"), 0));
        assert_eq!(root, "1-6b0135b8-0123456789abcdef01234567");

        // None, or not an X-Ray trace id: a new Root, stamped with the time.
        for incoming in [
            None,
            Some("Root=1-a-b"),
            Some("Parent=1111111111111111"),
            Some("Root=2-6b0135b8-0123456789abcdef01234567"),
        ] {
            let (root, _) = parts(&trace_id(incoming, 1_795_241_400_000));
            assert!(root.starts_with("1-6b0135b8-"), "{incoming:?}: {root}");
        }
        assert_ne!(parts(&trace_id(None, 0)).0, parts(&trace_id(None, 0)).0);
    }
}
