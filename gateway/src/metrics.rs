//! One CloudWatch Embedded Metric Format record a request, on stdout, where
//! Lambda sends it to CloudWatch Logs and CloudWatch extracts the metrics.
//!
//! The record (EMF specification): the metric values and the dimension
//! values in the root, `_aws.Timestamp` in epoch milliseconds, and one
//! directive naming the namespace, the dimension set (`FunctionName`,
//! `Route`) and each metric with its unit. `TOOLBOX_METRICS=off` (the
//! template's `Metrics` parameter) turns it off; `TOOLBOX_METRICS_NAMESPACE`
//! names the namespace (`lambda-toolbox` unless set).
//!
//! Written by hand like log.rs's lines, not through a crate: the record is
//! one short line, and every crate linked in is paid for at cold start.

use std::io::Write;

use crate::log::json_string;
use crate::response::Usage;

/// The namespace when `TOOLBOX_METRICS_NAMESPACE` is unset or empty.
pub const DEFAULT_NAMESPACE: &str = "lambda-toolbox";

/// EMF's limits (CloudWatch's specification): per directive at most 100
/// metrics, per dimension set at most 30 dimensions.
pub const MAX_METRICS: usize = 100;
pub const MAX_DIMENSIONS: usize = 30;

/// Every metric a record can name, in the directive's order (`Texts` and
/// `Words` only from the text tools). template.yaml's dashboard graphs
/// these; tests/it/template.rs checks the two agree.
pub const METRIC_NAMES: [&str; 9] = [
    "Requests",
    "InputBytes",
    "Status4xx",
    "Status5xx",
    "WorkBoundExceeded",
    "ColdStart",
    "Duration",
    "Texts",
    "Words",
];

/// Where records go, if anywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metrics {
    /// `None`: metrics are off.
    pub namespace: Option<String>,
}

/// One request, as its record tells it.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured<'a> {
    pub function: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub input_bytes: u64,
    pub usage: Usage,
    /// The instance's first request.
    pub cold_start: bool,
    pub duration_ms: f64,
    pub request_id: &'a str,
    /// The X-Ray trace header Lambda gave the invocation
    /// (`_X_AMZN_TRACE_ID`: `Root=1-...;Parent=...;Sampled=0`), if any.
    pub trace_header: Option<&'a str>,
}

impl Metrics {
    pub fn from_env() -> Metrics {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let off = matches!(var("TOOLBOX_METRICS").to_ascii_lowercase().as_str(), "off" | "false" | "0" | "no");
        let namespace = Some(var("TOOLBOX_METRICS_NAMESPACE"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        Metrics { namespace: (!off).then_some(namespace) }
    }

    /// The record for `request` at `at_ms` (epoch milliseconds), without its
    /// newline; `None` when metrics are off.
    pub fn record(&self, at_ms: u64, request: &Measured) -> Option<String> {
        let namespace = self.namespace.as_deref()?;
        let status = request.status;
        let mut metrics: Vec<(&str, &str, String)> = vec![
            ("Requests", "Count", "1".into()),
            ("InputBytes", "Bytes", request.input_bytes.to_string()),
            ("Status4xx", "Count", u8::from((400..500).contains(&status)).to_string()),
            ("Status5xx", "Count", u8::from(status >= 500).to_string()),
            ("WorkBoundExceeded", "Count", u8::from(request.usage.work_bound_exceeded).to_string()),
            ("ColdStart", "Count", u8::from(request.cold_start).to_string()),
            ("Duration", "Milliseconds", format!("{:.3}", finite(request.duration_ms))),
        ];
        if let Some(texts) = request.usage.texts {
            metrics.push(("Texts", "Count", texts.to_string()));
        }
        if let Some(words) = request.usage.words {
            metrics.push(("Words", "Count", words.to_string()));
        }
        debug_assert!(metrics.len() <= MAX_METRICS);
        let dimensions = [("FunctionName", request.function), ("Route", request.route)];
        debug_assert!(dimensions.len() <= MAX_DIMENSIONS);

        let mut out = String::with_capacity(640);
        out.push_str("{\"_aws\":{\"Timestamp\":");
        out.push_str(&at_ms.to_string());
        out.push_str(",\"CloudWatchMetrics\":[{\"Namespace\":");
        json_string(&mut out, namespace);
        out.push_str(",\"Dimensions\":[[");
        for (i, (name, _)) in dimensions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(&mut out, name);
        }
        out.push_str("]],\"Metrics\":[");
        for (i, (name, unit, _)) in metrics.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"Name\":");
            json_string(&mut out, name);
            out.push_str(",\"Unit\":");
            json_string(&mut out, unit);
            out.push('}');
        }
        out.push_str("]}]}");
        for (name, value) in dimensions {
            out.push(',');
            json_string(&mut out, name);
            out.push(':');
            json_string(&mut out, value);
        }
        for (name, _, value) in &metrics {
            out.push(',');
            json_string(&mut out, name);
            out.push(':');
            out.push_str(value);
        }
        // Properties, not metrics: searchable in CloudWatch Logs Insights.
        out.push_str(",\"StatusCode\":");
        out.push_str(&status.to_string());
        out.push_str(",\"requestId\":");
        json_string(&mut out, request.request_id);
        // The trace's Root (`1-<8 hex>-<24 hex>`), as the X-Ray console and
        // Powertools' records name a trace.
        if let Some(root) = request.trace_header.and_then(trace_root) {
            out.push_str(",\"traceId\":");
            json_string(&mut out, root);
        }
        out.push('}');
        Some(out)
    }

    /// Writes [`Metrics::record`] for now to stdout, in one write.
    pub fn emit(&self, request: &Measured) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        if let Some(mut record) = self.record(now.as_millis() as u64, request) {
            record.push('\n');
            let _ = std::io::stdout().lock().write_all(record.as_bytes());
        }
    }
}

/// The `Root=` field of an X-Ray trace header, if it has one.
pub fn trace_root(header: &str) -> Option<&str> {
    header.split(';').find_map(|field| field.trim().strip_prefix("Root=")).filter(|root| !root.is_empty())
}

fn finite(ms: f64) -> f64 {
    if ms.is_finite() {
        ms
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn request(usage: Usage, status: u16) -> Measured<'static> {
        Measured {
            function: "segment",
            route: "POST /segment",
            status,
            input_bytes: 42,
            usage,
            cold_start: true,
            duration_ms: 1.25,
            request_id: "id-1",
            trace_header: None,
        }
    }

    fn on(namespace: &str) -> Metrics {
        Metrics { namespace: Some(namespace.into()) }
    }

    /// Each metric the directive names has a number in the root, each
    /// dimension a string, within EMF's limits.
    fn assert_valid_emf(record: &Value) {
        let directive = &record["_aws"]["CloudWatchMetrics"][0];
        assert!(record["_aws"]["Timestamp"].is_u64(), "{record}");
        let metrics = directive["Metrics"].as_array().unwrap();
        assert!(metrics.len() <= MAX_METRICS);
        for metric in metrics {
            let name = metric["Name"].as_str().unwrap();
            assert!(record[name].is_number(), "{name} has no value in the root: {record}");
            assert!(metric["Unit"].is_string());
        }
        for set in directive["Dimensions"].as_array().unwrap() {
            let set = set.as_array().unwrap();
            assert!(set.len() <= MAX_DIMENSIONS);
            for dimension in set {
                assert!(record[dimension.as_str().unwrap()].is_string(), "{dimension}: {record}");
            }
        }
    }

    #[test]
    fn a_text_tools_record_holds_every_metric_in_its_root() {
        let usage = Usage { texts: Some(3), words: Some(17), work_bound_exceeded: false };
        let line = on("lambda-toolbox").record(1_764_000_000_123, &request(usage, 200)).unwrap();
        assert!(!line.contains('\n'));
        let record: Value = serde_json::from_str(&line).unwrap();
        assert_valid_emf(&record);
        assert_eq!(record["_aws"]["Timestamp"], 1_764_000_000_123u64);
        let directive = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "lambda-toolbox");
        assert_eq!(directive["Dimensions"], json!([["FunctionName", "Route"]]));
        let names: Vec<&str> =
            directive["Metrics"].as_array().unwrap().iter().map(|m| m["Name"].as_str().unwrap()).collect();
        // The list the dashboard is checked against is what a record names.
        assert_eq!(names, METRIC_NAMES);
        assert_eq!(directive["Metrics"][1], json!({"Name": "InputBytes", "Unit": "Bytes"}));
        assert_eq!(directive["Metrics"][6], json!({"Name": "Duration", "Unit": "Milliseconds"}));
        for (name, value) in [
            ("Requests", json!(1)),
            ("InputBytes", json!(42)),
            ("Status4xx", json!(0)),
            ("ColdStart", json!(1)),
            ("Duration", json!(1.25)),
            ("Texts", json!(3)),
            ("Words", json!(17)),
            ("FunctionName", json!("segment")),
            ("Route", json!("POST /segment")),
            ("StatusCode", json!(200)),
            ("requestId", json!("id-1")),
        ] {
            assert_eq!(record[name], value, "{name}");
        }
    }

    #[test]
    fn errors_count_by_kind_and_tools_without_texts_have_no_text_metrics() {
        let bound = Usage { work_bound_exceeded: true, ..Usage::default() };
        let record: Value = serde_json::from_str(&on("x").record(1, &request(bound, 413)).unwrap()).unwrap();
        assert_valid_emf(&record);
        assert_eq!((record["Status4xx"].clone(), record["WorkBoundExceeded"].clone()), (json!(1), json!(1)));
        assert_eq!((record["Status5xx"].clone(), record["StatusCode"].clone()), (json!(0), json!(413)));
        assert!(record.get("Texts").is_none() && record.get("Words").is_none(), "{record}");
        let failed: Value = serde_json::from_str(&on("x").record(1, &request(Usage::default(), 502)).unwrap()).unwrap();
        assert_eq!((failed["Status4xx"].clone(), failed["Status5xx"].clone()), (json!(0), json!(1)));
    }

    #[test]
    fn strange_names_stay_valid_json_and_off_means_no_record() {
        let odd = Measured { route: "GET /a\"b\\\n", function: "f\u{1}", ..request(Usage::default(), 200) };
        let record: Value = serde_json::from_str(&on("name\"space").record(1, &odd).unwrap()).unwrap();
        assert_eq!(record["Route"], "GET /a\"b\\\n");
        assert_eq!(record["_aws"]["CloudWatchMetrics"][0]["Namespace"], "name\"space");
        let nan = Measured { duration_ms: f64::NAN, ..request(Usage::default(), 200) };
        let record: Value = serde_json::from_str(&on("x").record(1, &nan).unwrap()).unwrap();
        assert_eq!(record["Duration"], 0.0);
        assert_eq!(Metrics { namespace: None }.record(1, &request(Usage::default(), 200)), None);
    }

    #[test]
    fn the_trace_headers_root_is_the_records_trace_id() {
        let header = "Root=1-5e645f3e-1dfad076a177c5ccc5de12f5;Parent=2c7d6d9c4a0e7f5b;Sampled=0";
        let traced = Measured { trace_header: Some(header), ..request(Usage::default(), 200) };
        let record: Value = serde_json::from_str(&on("x").record(1, &traced).unwrap()).unwrap();
        assert_valid_emf(&record);
        assert_eq!(record["traceId"], "1-5e645f3e-1dfad076a177c5ccc5de12f5");
        let untraced: Value =
            serde_json::from_str(&on("x").record(1, &request(Usage::default(), 200)).unwrap()).unwrap();
        assert!(untraced.get("traceId").is_none(), "{untraced}");
        assert_eq!(trace_root("Parent=1;Root=1-a-b"), Some("1-a-b"));
        assert_eq!(trace_root("Root=;Parent=1"), None);
        assert_eq!(trace_root("Sampled=1"), None);
    }
}
