//! Lambda's log lines for an invocation and a failed init: START, END,
//! REPORT and INIT_REPORT as CloudWatch shows them, or, for a function whose
//! `LoggingConfig` says `LogFormat: JSON`, the `platform.start`,
//! `platform.runtimeDone`, `platform.report` and `platform.initReport`
//! records Lambda writes instead.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::{json, Value};
use toolbox_gateway::log::{timestamp, Level};

use super::Outcome;
use crate::arch::Platform;
use crate::template::Logging;

/// What one invocation cost, as REPORT states it.
pub struct Usage {
    pub duration: Duration,
    /// Spawn to the first `/next`, on a cold start only.
    pub init: Option<Duration>,
    pub memory_mb: u64,
    pub peak_mb: u64,
    pub platform: Platform,
}

impl Usage {
    /// Duration, billed duration and init duration, in ms.
    fn figures(&self) -> (f64, u64, Option<f64>) {
        let duration_ms = self.duration.as_secs_f64() * 1000.0;
        let init_ms = self.init.map(|d| d.as_secs_f64() * 1000.0);
        // Custom runtimes (provided.*) are billed for init too.
        let billed = duration_ms.ceil() as u64 + init_ms.map_or(0, |ms| ms.ceil() as u64);
        (duration_ms, billed, init_ms)
    }
}

/// An invocation's status as the platform records state it.
fn status(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Timeout => "timeout",
        Outcome::OutOfMemory | Outcome::Crashed(_) | Outcome::FunctionError(_) | Outcome::ResponseTooLarge => "error",
        _ => "success",
    }
}

/// Whether INFO records (START, END, REPORT) pass `SystemLogLevel`.
fn info_passes(logging: &Logging) -> bool {
    logging.system_level.as_deref().and_then(Level::parse).is_none_or(|level| level <= Level::Info)
}

/// Milliseconds to two decimals, as the text REPORT line prints them.
fn hundredths(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

/// A platform record, its keys in Lambda's order (`time`, `type`, `record`;
/// a `json!` object would sort them).
#[derive(Serialize)]
struct PlatformRecord<'a> {
    time: String,
    #[serde(rename = "type")]
    kind: &'a str,
    record: Value,
}

fn record(kind: &str, record: Value) -> String {
    let line = PlatformRecord { time: timestamp(SystemTime::now()), kind, record };
    serde_json::to_string(&line).expect("a record is plain data")
}

/// `START RequestId: ...`, or `platform.start`.
pub fn start(request_id: &str, logging: &Logging) -> Option<String> {
    info_passes(logging).then(|| match logging.json {
        true => record("platform.start", json!({"requestId": request_id, "version": "$LATEST"})),
        false => format!("START RequestId: {request_id} Version: $LATEST"),
    })
}

/// `END RequestId: ...`, or `platform.runtimeDone`.
pub fn end(request_id: &str, outcome: &Outcome, logging: &Logging) -> Option<String> {
    info_passes(logging).then(|| match logging.json {
        true => record("platform.runtimeDone", json!({"requestId": request_id, "status": status(outcome)})),
        false => format!("END RequestId: {request_id}"),
    })
}

/// `REPORT ...`, or `platform.report`.
pub fn report(request_id: &str, usage: &Usage, outcome: &Outcome, logging: &Logging) -> Option<String> {
    if !info_passes(logging) {
        return None;
    }
    if !logging.json {
        return Some(report_line(request_id, usage, outcome));
    }
    let (duration_ms, billed, init_ms) = usage.figures();
    let mut metrics = json!({
        "durationMs": hundredths(duration_ms),
        "billedDurationMs": billed,
        "memorySizeMB": usage.memory_mb,
        "maxMemoryUsedMB": usage.peak_mb,
    });
    if let Some(ms) = init_ms {
        metrics["initDurationMs"] = json!(hundredths(ms));
    }
    let mut fields = json!({"requestId": request_id, "metrics": metrics, "status": status(outcome),
        "architecture": usage.platform.architecture.name()});
    if let Some(emulator) = usage.platform.emulator {
        fields["emulator"] = json!(emulator);
    }
    if let Some(kind) = outcome.error_type().filter(|_| status(outcome) == "error") {
        fields["errorType"] = json!(kind);
    }
    Some(record("platform.report", fields))
}

/// `INIT_REPORT ...`, or `platform.initReport`, for an init that failed.
pub fn init_report(init: Duration, status: &str, error_type: &str, logging: &Logging) -> String {
    match logging.json {
        true => record(
            "platform.initReport",
            json!({
                "initializationType": "on-demand",
                "phase": "init",
                "status": status,
                "errorType": error_type,
                "metrics": {"durationMs": hundredths(init.as_secs_f64() * 1000.0)},
            }),
        ),
        false => init_report_line(init, status, error_type),
    }
}

/// `REPORT RequestId: ...\tDuration: ...` with the status of a failure.
pub fn report_line(request_id: &str, usage: &Usage, outcome: &Outcome) -> String {
    let (duration_ms, billed, init_ms) = usage.figures();
    let mut report = format!(
        "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
        usage.memory_mb, usage.peak_mb
    );
    if let Some(ms) = init_ms {
        report.push_str(&format!("\tInit Duration: {ms:.2} ms"));
    }
    report.push_str(&format!("\tArchitecture: {}", usage.platform.describe()));
    match outcome {
        Outcome::Timeout => report.push_str("\tStatus: timeout"),
        Outcome::OutOfMemory | Outcome::Crashed(_) => {
            let kind = outcome.error_type().unwrap_or_default();
            report.push_str(&format!("\tStatus: error\tError Type: {kind}"));
        }
        _ => {}
    }
    report
}

/// `INIT_REPORT ...` for an init that failed (`status` is `error` or `timeout`).
pub fn init_report_line(init: Duration, status: &str, error_type: &str) -> String {
    let init_ms = init.as_secs_f64() * 1000.0;
    format!("INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: {status}\tError Type: {error_type}")
}

/// The error line logged for a failed invocation (none for a response).
pub fn failure_line(request_id: &str, outcome: &Outcome, timeout_s: f64, memory_mb: u64) -> Option<String> {
    Some(match outcome {
        Outcome::Timeout => format!("{request_id} Task timed out after {timeout_s:.2} seconds"),
        Outcome::OutOfMemory => format!(
            "{request_id} Error: Runtime exited with error: signal: killed (Runtime.OutOfMemory: peak RSS above {memory_mb} MB)"
        ),
        Outcome::Crashed(why) => format!("{request_id} Error: Runtime exited with error: {why} (Runtime.ExitError)"),
        Outcome::ResponseTooLarge => format!(
            "{request_id} Error: the response is larger than Lambda's 6 MB limit (Function.ResponseSizeTooLarge)"
        ),
        Outcome::FunctionError(body) => format!("{request_id} function error: {}", String::from_utf8_lossy(body)),
        Outcome::Response(_) | Outcome::InitError(_) | Outcome::Throttled => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::Architecture;

    const ARM64_UNDER_QEMU: Platform =
        Platform { architecture: Architecture::Arm64, emulator: Some("qemu-aarch64-static") };

    #[test]
    fn cold_start_reports_bill_init_too() {
        let usage = Usage {
            duration: Duration::from_micros(1_250),
            init: Some(Duration::from_micros(2_190)),
            memory_mb: 128,
            peak_mb: 4,
            platform: ARM64_UNDER_QEMU,
        };
        let line = report_line("r-1", &usage, &Outcome::Response(Default::default()));
        assert_eq!(
            line,
            "REPORT RequestId: r-1\tDuration: 1.25 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 4 MB\tInit Duration: 2.19 ms\tArchitecture: arm64 (qemu-aarch64-static)"
        );
    }

    #[test]
    fn failures_carry_their_status() {
        let platform = Platform { architecture: Architecture::X86_64, emulator: None };
        let usage = Usage { duration: Duration::from_secs(3), init: None, memory_mb: 128, peak_mb: 129, platform };
        assert!(report_line("r", &usage, &Outcome::Response(Default::default())).ends_with("\tArchitecture: x86_64"));
        assert!(report_line("r", &usage, &Outcome::Timeout).ends_with("\tStatus: timeout"));
        assert!(report_line("r", &usage, &Outcome::OutOfMemory)
            .ends_with("\tStatus: error\tError Type: Runtime.OutOfMemory"));
        assert!(report_line("r", &usage, &Outcome::Crashed("x".into())).ends_with("Error Type: Runtime.ExitError"));
        assert_eq!(
            failure_line("r", &Outcome::Timeout, 3.0, 128).as_deref(),
            Some("r Task timed out after 3.00 seconds")
        );
        assert_eq!(failure_line("r", &Outcome::Response(Default::default()), 3.0, 128), None);
        assert_eq!(
            init_report_line(Duration::from_millis(10), "timeout", "Sandbox.Timedout"),
            "INIT_REPORT Init Duration: 10.00 ms\tPhase: init\tStatus: timeout\tError Type: Sandbox.Timedout"
        );
    }

    #[test]
    fn json_records_follow_lambdas_shapes() {
        let json = Logging { json: true, ..Logging::default() };
        let usage = Usage {
            duration: Duration::from_micros(1_250),
            init: Some(Duration::from_micros(2_190)),
            memory_mb: 128,
            peak_mb: 4,
            platform: ARM64_UNDER_QEMU,
        };
        let parse = |line: Option<String>| -> Value { serde_json::from_str(&line.unwrap()).unwrap() };
        let line = start("r-1", &json).unwrap();
        assert!(
            line.starts_with("{\"time\":\"") && line.contains("\",\"type\":\"platform.start\",\"record\":{"),
            "{line}"
        );
        let started = parse(Some(line));
        assert_eq!(
            (started["type"].as_str(), &started["record"]),
            (Some("platform.start"), &json!({"requestId": "r-1", "version": "$LATEST"}))
        );
        assert!(started["time"].as_str().unwrap().ends_with('Z'));
        let done = parse(end("r-1", &Outcome::Timeout, &json));
        assert_eq!(done["record"], json!({"requestId": "r-1", "status": "timeout"}));
        let reported = parse(report("r-1", &usage, &Outcome::Response(Default::default()), &json));
        assert_eq!(reported["type"], "platform.report");
        assert_eq!(
            reported["record"],
            json!({"requestId": "r-1", "status": "success", "metrics": {"durationMs": 1.25, "billedDurationMs": 5,
                   "memorySizeMB": 128, "maxMemoryUsedMB": 4, "initDurationMs": 2.19},
                   "architecture": "arm64", "emulator": "qemu-aarch64-static"})
        );
        let oom = parse(report("r-1", &usage, &Outcome::OutOfMemory, &json));
        assert_eq!(
            (oom["record"]["status"].as_str(), oom["record"]["errorType"].as_str()),
            (Some("error"), Some("Runtime.OutOfMemory"))
        );
        let init: Value =
            serde_json::from_str(&init_report(Duration::from_millis(10), "error", "Runtime.ExitError", &json)).unwrap();
        assert_eq!(init["record"]["metrics"]["durationMs"], 10.0);
        // SystemLogLevel WARN drops the INFO records; text stays text.
        let warn = Logging { json: true, system_level: Some("WARN".into()), ..Logging::default() };
        assert_eq!(start("r-1", &warn), None);
        assert_eq!(start("r-1", &Logging::default()).unwrap(), "START RequestId: r-1 Version: $LATEST");
    }
}
