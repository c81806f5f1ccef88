//! The metrics as Prometheus's text exposition format (version 0.0.4) on
//! `--metrics-port`, for `curl`, Prometheus or Grafana: `GET /metrics`.

use std::convert::Infallible;
use std::fmt::Write;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use super::{Snapshot, METRICS};
use crate::log;

/// Prometheus's content type for the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Scrapes being answered at once at most; more wait for a free one.
const MAX_CONNECTIONS: usize = 16;

/// Every family, with its HELP and TYPE lines.
pub fn render(seen: &Snapshot) -> String {
    let mut out = String::new();
    family(&mut out, "toolbox_local_requests_total", "counter", "Requests answered, by function, route and status.");
    for ((function, route), r) in &seen.requests {
        for (status, n) in &r.statuses {
            let status = status.to_string();
            sample(
                &mut out,
                "toolbox_local_requests_total",
                &[("function", function), ("route", route), ("status", &status)],
                *n as f64,
            );
        }
    }
    family(
        &mut out,
        "toolbox_local_cold_starts_total",
        "counter",
        "Requests that started an instance (an init phase).",
    );
    for ((function, route), r) in &seen.requests {
        sample(
            &mut out,
            "toolbox_local_cold_starts_total",
            &[("function", function), ("route", route)],
            r.cold_starts as f64,
        );
    }
    let latency = "toolbox_local_latency_milliseconds";
    family(&mut out, latency, "summary", "From the request read to the answer, as API Gateway's Latency.");
    for ((function, route), r) in &seen.requests {
        let labels = [("function", function.as_str()), ("route", route.as_str())];
        summary(&mut out, latency, &labels, true, |q| r.latency.quantile(q), r.latency.sum_ms(), r.latency.count());
    }
    family(&mut out, "toolbox_local_emf_records_total", "counter", "EMF records the functions printed, by route.");
    for ((function, route), reported) in &seen.emf {
        let labels =
            [("function", function.as_str()), ("route", route.as_str()), ("namespace", reported.namespace.as_str())];
        sample(&mut out, "toolbox_local_emf_records_total", &labels, reported.records as f64);
    }
    let emf = "toolbox_local_emf";
    family(
        &mut out,
        emf,
        "summary",
        "Each metric the functions' EMF records name: its sum (CloudWatch's Sum), count, and for durations p50 and p99.",
    );
    for ((function, route), reported) in &seen.emf {
        for reading in &reported.metrics {
            let unit = reading.unit.as_deref().unwrap_or("None");
            let labels = [
                ("function", function.as_str()),
                ("route", route.as_str()),
                ("namespace", reported.namespace.as_str()),
                ("metric", reading.name.as_str()),
                ("unit", unit),
            ];
            // Quantiles of durations only (what would p99 of a count mean).
            let quantile = |q| reading.durations.as_ref().and_then(|d| d.quantile(q));
            summary(&mut out, emf, &labels, reading.durations.is_some(), quantile, reading.sum, reading.count);
        }
    }
    family(
        &mut out,
        "toolbox_local_emf_malformed_total",
        "counter",
        "Malformed EMF records (CloudWatch would drop them).",
    );
    for (function, n) in &seen.malformed {
        sample(&mut out, "toolbox_local_emf_malformed_total", &[("function", function)], *n as f64);
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A summary's samples: p50 and p99 when `quantiles`, then sum and count.
fn summary(
    out: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    quantiles: bool,
    quantile: impl Fn(f64) -> Option<f64>,
    sum: f64,
    count: u64,
) {
    let wanted: &[(f64, &str)] = if quantiles { &[(0.5, "0.5"), (0.99, "0.99")] } else { &[] };
    for &(q, label) in wanted {
        let mut with_q = labels.to_vec();
        with_q.push(("quantile", label));
        sample(out, name, &with_q, quantile(q).unwrap_or(f64::NAN));
    }
    sample(out, &format!("{name}_sum"), labels, sum);
    sample(out, &format!("{name}_count"), labels, count as f64);
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    out.push('{');
    for (i, (label, text)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{label}=\"");
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push_str("} ");
    match value {
        v if v.is_nan() => out.push_str("NaN"),
        v if v == f64::INFINITY => out.push_str("+Inf"),
        v if v == f64::NEG_INFINITY => out.push_str("-Inf"),
        v => {
            let _ = write!(out, "{v}");
        }
    }
    out.push('\n');
}

/// Serves `GET /metrics` until the task is dropped; anything else is a 404
/// (a 405 for another method on /metrics).
pub async fn serve(listener: TcpListener) {
    let open = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = open.clone().acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                log::line("local", &format!("metrics port: accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(answer);
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .max_buf_size(16 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

async fn answer(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => (StatusCode::OK, CONTENT_TYPE, render(&METRICS.snapshot())),
        (_, "/metrics") => (StatusCode::METHOD_NOT_ALLOWED, "text/plain", "GET /metrics\n".to_owned()),
        _ => (StatusCode::NOT_FOUND, "text/plain", "the metrics are at GET /metrics\n".to_owned()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(content_type));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::super::Registry;
    use super::*;

    /// Each line is a comment or `name{labels} value`, labels quoted and
    /// escaped, every sample's family declared before it.
    #[test]
    fn the_text_is_prometheus_exposition_format() {
        let metrics = Registry::new();
        metrics.request("segment", "GET /say \"hi\"\\now", 200, Duration::from_millis(4), true);
        metrics.request("segment", "GET /say \"hi\"\\now", 429, Duration::from_millis(1), false);
        metrics.log_line("segment", r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Route"]],"Metrics":[{"Name":"Words","Unit":"Count"}]}]},"Route":"GET /segment","Words":7}"#);
        metrics.log_line("hello", r#"{"_aws":{}}"#);
        let text = render(&metrics.snapshot());
        let mut declared = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared.push(rest.split(' ').next().unwrap().to_owned());
                continue;
            }
            if line.starts_with("# HELP ") {
                continue;
            }
            let (name, rest) = line.split_once('{').unwrap_or_else(|| panic!("{line}"));
            assert!(
                declared.iter().any(|family| name == family
                    || name.strip_prefix(family.as_str()).is_some_and(|s| s == "_sum" || s == "_count")),
                "{line}"
            );
            let (labels, value) = rest.rsplit_once("} ").unwrap_or_else(|| panic!("{line}"));
            assert!(value == "NaN" || value.parse::<f64>().is_ok(), "{line}");
            assert!(!labels.contains('\n'));
        }
        assert!(text.contains("toolbox_local_requests_total{function=\"segment\",route=\"GET /say \\\"hi\\\"\\\\now\",status=\"429\"} 1\n"), "{text}");
        assert!(
            text.contains(
                "toolbox_local_cold_starts_total{function=\"segment\",route=\"GET /say \\\"hi\\\"\\\\now\"} 1\n"
            ),
            "{text}"
        );
        assert!(text.contains("toolbox_local_latency_milliseconds_count{function=\"segment\",route=\"GET /say \\\"hi\\\"\\\\now\"} 2\n"), "{text}");
        assert!(text.contains("toolbox_local_emf_sum{function=\"segment\",route=\"GET /segment\",namespace=\"n\",metric=\"Words\",unit=\"Count\"} 7\n"), "{text}");
        assert!(text.contains("toolbox_local_emf_malformed_total{function=\"hello\"} 1\n"), "{text}");
    }
}
