//! Lambda's execution model for one function: instances (execution
//! environments) each running one event at a time, warm ones reused, a new
//! one started when all are busy up to the concurrency limit, idle ones
//! stopped; `Timeout` and `MemorySize` enforced by killing the instance.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::sleep_until;

use crate::process::{self, Child};
use crate::runtime_api::{ApiEvent, Invocation, RuntimeApi};
use crate::template::{Function, ACCOUNT_ID};
use crate::{log, util};

/// How the runner runs functions; shared by every pool.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where built functions are: `<dir>/<name>/bootstrap` or `<dir>/<name>`.
    pub bin_dirs: Vec<PathBuf>,
    /// Given to functions as `TOOLBOX_LAYER_DIR` (Lambda's `/opt`).
    pub layer_dir: Option<PathBuf>,
    pub region: String,
    /// Instances per function at most (unless the template reserves fewer).
    pub concurrency: usize,
    /// How long a request waits for a free instance before a 429.
    pub queue_timeout: Duration,
    pub idle_timeout: Duration,
    /// Lambda's init phase limit (10 s).
    pub init_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bin_dirs: vec![PathBuf::from("target/lambda")],
            layer_dir: None,
            region: "us-east-1".into(),
            concurrency: 10,
            queue_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            init_timeout: Duration::from_secs(10),
        }
    }
}

/// How one invocation ended.
#[derive(Debug)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function posted an error (`{"errorMessage", "errorType"}`).
    FunctionError(Bytes),
    /// The function ran past its `Timeout`; the instance was killed.
    Timeout,
    /// Peak RSS went above `MemorySize`; the instance was killed.
    OutOfMemory,
    /// The process exited during the invocation.
    Crashed(String),
    /// Init failed: the error the runtime posted, or why we gave up.
    InitError(Value),
    /// The function's response was larger than Lambda's 6 MB.
    ResponseTooLarge,
    /// Every instance stayed busy past the queue timeout.
    Throttled,
}

impl Outcome {
    /// The JSON `sam local invoke` / `aws lambda invoke` would show for a failure.
    pub fn error_payload(&self, timeout_s: f64) -> Value {
        let (kind, message) =
            match self {
                Outcome::Response(_) => return Value::Null,
                Outcome::FunctionError(body) => return serde_json::from_slice(body).unwrap_or_else(
                    |_| serde_json::json!({"errorType": "Unhandled", "errorMessage": String::from_utf8_lossy(body)}),
                ),
                Outcome::InitError(v) => return v.clone(),
                Outcome::Timeout => ("Sandbox.Timedout", format!("Task timed out after {timeout_s:.2} seconds")),
                Outcome::OutOfMemory => ("Runtime.OutOfMemory", "Runtime exited with error: signal: killed".into()),
                Outcome::Crashed(why) => ("Runtime.ExitError", format!("Runtime exited with error: {why}")),
                Outcome::ResponseTooLarge => (
                    "Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload size (6291556 bytes).".into(),
                ),
                Outcome::Throttled => ("TooManyRequestsException", "Rate Exceeded.".into()),
            };
        serde_json::json!({ "errorType": kind, "errorMessage": message })
    }
}

struct Instance {
    id: u64,
    child: Child,
    api: RuntimeApi,
    peak_kib: Arc<AtomicU64>,
    out_of_memory: Arc<AtomicBool>,
    monitor: JoinHandle<()>,
    last_used: Instant,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.monitor.abort();
        self.child.kill();
    }
}

pub struct Pool {
    pub function: Function,
    bootstrap: Option<PathBuf>,
    settings: Arc<Settings>,
    permits: Semaphore,
    limit: usize,
    idle: Mutex<Vec<Instance>>,
    next_id: AtomicU64,
    /// Instances started so far (for tests and the shutdown summary).
    pub started: AtomicU64,
}

impl Pool {
    pub fn new(function: Function, settings: Arc<Settings>) -> Pool {
        let bootstrap = find_bootstrap(&settings.bin_dirs, &function.name);
        let limit = function.reserved_concurrency.unwrap_or(settings.concurrency).max(1);
        Pool {
            function,
            bootstrap,
            permits: Semaphore::new(limit),
            limit,
            settings,
            idle: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            started: AtomicU64::new(0),
        }
    }

    pub fn bootstrap(&self) -> Option<&Path> {
        self.bootstrap.as_deref()
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    fn label(&self) -> &str {
        &self.function.name
    }

    /// Runs one event on a free instance (warm if possible), with Lambda's
    /// limits, and logs START/END/REPORT.
    pub async fn invoke(&self, event: Bytes) -> Outcome {
        let permit = match tokio::time::timeout(self.settings.queue_timeout, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                log::line(self.label(), "throttled: every instance stayed busy (concurrency limit reached)");
                return Outcome::Throttled;
            }
        };
        let warm = self.take_idle();
        let (mut instance, init) = match warm {
            Some(instance) => (instance, None),
            None => match self.start_instance().await {
                Ok(started) => started,
                Err(outcome) => return outcome,
            },
        };
        let (outcome, keep) = self.run(&mut instance, event, init).await;
        if keep {
            instance.last_used = Instant::now();
            self.idle.lock().expect("poisoned").push(instance);
        }
        drop(permit);
        outcome
    }

    fn take_idle(&self) -> Option<Instance> {
        let mut idle = self.idle.lock().expect("poisoned");
        // Most recently used first, like Lambda's warm reuse; dead ones dropped.
        while let Some(instance) = idle.pop() {
            if !instance.child.has_exited() {
                return Some(instance);
            }
        }
        None
    }

    /// Stops instances idle for longer than the idle timeout.
    pub fn reap_idle(&self) {
        let timeout = self.settings.idle_timeout;
        let mut idle = self.idle.lock().expect("poisoned");
        let before = idle.len();
        idle.retain(|i| i.last_used.elapsed() < timeout && !i.child.has_exited());
        let stopped = before - idle.len();
        if stopped > 0 {
            log::info(self.label(), &format!("stopped {stopped} idle instance(s)"));
        }
    }

    /// Kills every idle instance (busy ones are killed by `process::kill_all`).
    pub fn shutdown(&self) {
        self.idle.lock().expect("poisoned").clear();
    }

    fn environment(&self, api: &str, bootstrap: &Path) -> Vec<(String, String)> {
        let f = &self.function;
        let task_root = bootstrap.parent().unwrap_or(Path::new(".")).display().to_string();
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
            ("AWS_REGION", self.settings.region.clone()),
            ("AWS_DEFAULT_REGION", self.settings.region.clone()),
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
        env.retain(|(k, _)| !reserved.iter().any(|(r, _)| r == k));
        env.extend(reserved.into_iter().map(|(k, v)| (k.to_owned(), v)));
        if let Some(layer) = &self.settings.layer_dir {
            env.retain(|(k, _)| k != "TOOLBOX_LAYER_DIR");
            env.push(("TOOLBOX_LAYER_DIR".into(), layer.display().to_string()));
        }
        env
    }

    /// A cold start: spawn the bootstrap, wait for its first `/next` (the
    /// end of init). Returns the instance and its init duration.
    async fn start_instance(&self) -> Result<(Instance, Option<Duration>), Outcome> {
        let label = self.label().to_owned();
        // Looked up at every cold start, so a rebuild is picked up.
        let Some(bootstrap) = find_bootstrap(&self.settings.bin_dirs, &self.function.name) else {
            let message = format!(
                "no bootstrap for {} (looked in {}): run scripts/build",
                self.function.name,
                self.settings.bin_dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            );
            log::line(&label, &message);
            return Err(Outcome::InitError(
                serde_json::json!({"errorType": "Runtime.InvalidEntrypoint", "errorMessage": message}),
            ));
        };
        let api = match RuntimeApi::start().await {
            Ok(api) => api,
            Err(e) => {
                let message = format!("cannot start the Runtime API: {e}");
                log::line(&label, &message);
                return Err(Outcome::InitError(
                    serde_json::json!({"errorType": "Runtime.Unknown", "errorMessage": message}),
                ));
            }
        };
        let env = self.environment(&api.addr.to_string(), &bootstrap);
        let cwd = bootstrap.parent().unwrap_or(Path::new(".")).to_owned();
        let spawned_at = Instant::now();
        let child = match process::spawn(&bootstrap, &cwd, &env, &label, log::quiet()) {
            Ok(child) => child,
            Err(e) => {
                let message = format!("cannot start {}: {e}", bootstrap.display());
                log::line(&label, &message);
                return Err(Outcome::InitError(
                    serde_json::json!({"errorType": "Runtime.InvalidEntrypoint", "errorMessage": message}),
                ));
            }
        };
        api.set_owner(child.pid);
        self.started.fetch_add(1, Ordering::Relaxed);
        let peak_kib = Arc::new(AtomicU64::new(0));
        let out_of_memory = Arc::new(AtomicBool::new(false));
        let monitor = tokio::spawn(watch_memory(
            child.pid,
            self.function.memory_mb * 1024,
            peak_kib.clone(),
            out_of_memory.clone(),
            child.exited.clone(),
        ));
        let mut instance = Instance {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            child,
            api,
            peak_kib,
            out_of_memory,
            monitor,
            last_used: Instant::now(),
        };

        let deadline = tokio::time::Instant::from_std(spawned_at + self.settings.init_timeout);
        let mut exited = instance.child.exited.clone();
        let failure = loop {
            tokio::select! {
                event = instance.api.events.recv() => match event {
                    Some(ApiEvent::Next(at)) => {
                        let init = at.saturating_duration_since(spawned_at);
                        return Ok((instance, Some(init)));
                    }
                    Some(ApiEvent::InitError { error_type, body }) => {
                        let mut payload: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
                            serde_json::json!({"errorMessage": String::from_utf8_lossy(&body)})
                        });
                        if payload.get("errorType").is_none() {
                            payload["errorType"] = error_type.unwrap_or_else(|| "Runtime.Unknown".into()).into();
                        }
                        break (Outcome::InitError(payload), "error");
                    }
                    Some(ApiEvent::Garbage(what)) => log::line(&label, &format!("bad Runtime API call during init: {what}")),
                    Some(_) => log::line(&label, "bad Runtime API call during init: response before any event"),
                    None => break (Outcome::Crashed("Runtime API closed".into()), "error"),
                },
                _ = exited.wait_for(Option::is_some) => {
                    if instance.out_of_memory.load(Ordering::Relaxed) {
                        break (Outcome::OutOfMemory, "error");
                    }
                    let status = instance.child.exited.borrow().map(describe_exit).unwrap_or_default();
                    break (Outcome::InitError(serde_json::json!({
                        "errorType": "Runtime.ExitError",
                        "errorMessage": format!("Runtime exited without providing a reason: {status}"),
                    })), "error");
                }
                _ = sleep_until(deadline) => {
                    break (Outcome::InitError(serde_json::json!({
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": format!("INIT phase timed out after {:.2} seconds", self.settings.init_timeout.as_secs_f64()),
                    })), "timeout");
                }
            }
        };
        let (outcome, status) = failure;
        instance.child.kill();
        let init_ms = spawned_at.elapsed().as_secs_f64() * 1000.0;
        let error_type = match &outcome {
            Outcome::InitError(v) => v.get("errorType").and_then(Value::as_str).unwrap_or("Runtime.Unknown").to_owned(),
            Outcome::OutOfMemory => "Runtime.OutOfMemory".into(),
            _ => "Runtime.ExitError".into(),
        };
        let message = outcome.error_payload(self.function.timeout_s);
        log::line(
            &label,
            &format!(
                "init error: {} {}",
                error_type,
                message.get("errorMessage").and_then(Value::as_str).unwrap_or_default()
            ),
        );
        log::line(
            &label,
            &format!(
                "INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: {status}\tError Type: {error_type}"
            ),
        );
        let _ = instance.child.wait().await;
        Err(outcome)
    }

    /// One invocation on `instance`. Returns the outcome and whether the
    /// instance may be reused.
    async fn run(&self, instance: &mut Instance, event: Bytes, init: Option<Duration>) -> (Outcome, bool) {
        let label = self.label().to_owned();
        let f = &self.function;
        let request_id = util::uuid();
        let timeout = Duration::from_secs_f64(f.timeout_s);
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started + timeout);
        let invocation = Invocation {
            request_id: request_id.clone(),
            deadline_ms: util::now_ms() + timeout.as_millis(),
            function_arn: format!("arn:aws:lambda:{}:{ACCOUNT_ID}:function:{}", self.settings.region, f.function_name),
            trace_id: format!(
                "Root=1-{:08x}-{};Parent={};Sampled=0",
                (util::now_ms() / 1000) as u64,
                util::hex(24),
                util::hex(16)
            ),
            body: event,
        };
        log::info(&label, &format!("START RequestId: {request_id} Version: $LATEST"));
        // Anything left over from before this event (e.g. the runtime's
        // second /next) is stale.
        while let Ok(event) = instance.api.events.try_recv() {
            if let ApiEvent::Garbage(what) = event {
                log::line(&label, &format!("bad Runtime API call: {what}"));
            }
        }
        if instance.api.invocations.try_send(invocation).is_err() {
            return (Outcome::Crashed("the instance is not accepting events".into()), false);
        }
        let mut exited = instance.child.exited.clone();
        let outcome = loop {
            tokio::select! {
                event = instance.api.events.recv() => match event {
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
                    Some(ApiEvent::Garbage(what)) => log::line(&label, &format!("bad Runtime API call: {what}")),
                    Some(other) => log::line(&label, &format!("bad Runtime API call: unexpected {other:?}")),
                    None => break Outcome::Crashed("Runtime API closed".into()),
                },
                _ = exited.wait_for(Option::is_some) => {
                    if instance.out_of_memory.load(Ordering::Relaxed) {
                        break Outcome::OutOfMemory;
                    }
                    let status = instance.child.exited.borrow().map(describe_exit).unwrap_or_default();
                    break Outcome::Crashed(status);
                }
                _ = sleep_until(deadline) => break Outcome::Timeout,
            }
        };
        let duration = started.elapsed();
        let keep = matches!(outcome, Outcome::Response(_) | Outcome::FunctionError(_)) && !instance.child.has_exited();
        match &outcome {
            Outcome::Timeout => {
                log::line(&label, &format!("{request_id} Task timed out after {:.2} seconds", f.timeout_s));
            }
            Outcome::OutOfMemory => log::line(
                &label,
                &format!(
                    "{request_id} Error: Runtime exited with error: signal: killed (Runtime.OutOfMemory: peak RSS above {} MB)",
                    f.memory_mb
                ),
            ),
            Outcome::Crashed(why) => {
                log::line(&label, &format!("{request_id} Error: Runtime exited with error: {why} (Runtime.ExitError)"))
            }
            Outcome::ResponseTooLarge => log::line(
                &label,
                &format!("{request_id} Error: the response is larger than Lambda's 6 MB limit (Function.ResponseSizeTooLarge)"),
            ),
            Outcome::FunctionError(body) => {
                log::line(&label, &format!("{request_id} function error: {}", String::from_utf8_lossy(body)))
            }
            _ => {}
        }
        if !keep {
            instance.child.kill();
            let _ = instance.child.wait().await;
        }
        let peak_mb = instance
            .peak_kib
            .load(Ordering::Relaxed)
            .max(process::peak_rss_kib(instance.child.pid).unwrap_or(0))
            .div_ceil(1024);
        let duration_ms = duration.as_secs_f64() * 1000.0;
        let init_ms = init.map(|d| d.as_secs_f64() * 1000.0);
        // Custom runtimes (provided.*) are billed for init too.
        let billed = duration_ms.ceil() as u64 + init_ms.map_or(0, |ms| ms.ceil() as u64);
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {peak_mb} MB",
            f.memory_mb
        );
        if let Some(ms) = init_ms {
            report.push_str(&format!("\tInit Duration: {ms:.2} ms"));
        }
        match &outcome {
            Outcome::Timeout => report.push_str("\tStatus: timeout"),
            Outcome::OutOfMemory => report.push_str("\tStatus: error\tError Type: Runtime.OutOfMemory"),
            Outcome::Crashed(_) => report.push_str("\tStatus: error\tError Type: Runtime.ExitError"),
            _ => {}
        }
        log::info(&label, &format!("END RequestId: {request_id}"));
        log::info(&label, &report);
        let _ = instance.id;
        (outcome, keep)
    }
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

/// `<dir>/<name>/bootstrap` (what scripts/build installs) or `<dir>/<name>`
/// (cargo's own output), in the order the directories are given.
pub fn find_bootstrap(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    for dir in dirs {
        for candidate in [dir.join(name).join("bootstrap"), dir.join(name)] {
            if candidate.is_file() {
                return Some(std::fs::canonicalize(&candidate).unwrap_or(candidate));
            }
        }
    }
    None
}
