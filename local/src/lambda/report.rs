//! Lambda's log lines for an invocation and a failed init: the REPORT and
//! INIT_REPORT lines CloudWatch shows.

use std::time::Duration;

use super::Outcome;

/// What one invocation cost, as REPORT states it.
pub struct Usage {
    pub duration: Duration,
    /// Spawn to the first `/next`, on a cold start only.
    pub init: Option<Duration>,
    pub memory_mb: u64,
    pub peak_mb: u64,
}

/// `REPORT RequestId: ...\tDuration: ...` with the status of a failure.
pub fn report_line(request_id: &str, usage: &Usage, outcome: &Outcome) -> String {
    let duration_ms = usage.duration.as_secs_f64() * 1000.0;
    let init_ms = usage.init.map(|d| d.as_secs_f64() * 1000.0);
    // Custom runtimes (provided.*) are billed for init too.
    let billed = duration_ms.ceil() as u64 + init_ms.map_or(0, |ms| ms.ceil() as u64);
    let mut report = format!(
        "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
        usage.memory_mb, usage.peak_mb
    );
    if let Some(ms) = init_ms {
        report.push_str(&format!("\tInit Duration: {ms:.2} ms"));
    }
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

    #[test]
    fn cold_start_reports_bill_init_too() {
        let usage = Usage {
            duration: Duration::from_micros(1_250),
            init: Some(Duration::from_micros(2_190)),
            memory_mb: 128,
            peak_mb: 4,
        };
        let line = report_line("r-1", &usage, &Outcome::Response(Default::default()));
        assert_eq!(
            line,
            "REPORT RequestId: r-1\tDuration: 1.25 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 4 MB\tInit Duration: 2.19 ms"
        );
    }

    #[test]
    fn failures_carry_their_status() {
        let usage = Usage { duration: Duration::from_secs(3), init: None, memory_mb: 128, peak_mb: 129 };
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
}
