//! The local picture of issue 23: the metrics table (on SIGUSR1 and at the
//! stop), the Prometheus text on `--metrics-port`, and the warning for a
//! malformed EMF record; the counters checked against a known sequence of
//! requests to the real template's tools.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{send_signal, Runner, SIGTERM};

fn template() -> PathBuf {
    common::built().repo.join("template.yaml")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures.yaml")
}

/// `GET path` on the metrics port: (status, content type, body).
fn scrape(port_line: &str, path: &str) -> (u16, String, String) {
    let addr = port_line.trim_start_matches("http://").trim_end_matches("/metrics");
    let mut stream = TcpStream::connect(addr).expect("connect to the metrics port");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
    let content_type = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.trim()))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

/// The value of the one sample `name{labels}` in a Prometheus text.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    let prefix = format!("{name_and_labels} ");
    let values: Vec<f64> =
        text.lines().filter_map(|l| l.strip_prefix(prefix.as_str())).map(|v| v.parse().unwrap()).collect();
    assert_eq!(values.len(), 1, "{name_and_labels} in:\n{text}");
    values[0]
}

/// The cells of the table row for `function` and `route` after `marker`
/// (the line a table print starts with).
fn row(log: &str, marker: &str, function: &str, route: &str) -> Vec<String> {
    let table = &log[log.rfind(marker).unwrap_or_else(|| panic!("no {marker:?} in:\n{log}"))..];
    let start = format!("[metrics] {function}");
    let line = table
        .lines()
        .find(|l| l.starts_with(&start) && l[start.len()..].trim_start().starts_with(route))
        .unwrap_or_else(|| panic!("no row {function} {route} in:\n{table}"));
    let rest = line[start.len()..].trim_start()[route.len()..].to_owned();
    rest.split_whitespace().map(str::to_owned).collect()
}

/// Every byte outside ASCII letters and digits as `%XX`, for a query string.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A known sequence of requests: the table and the Prometheus counters
/// count each by route and status, cold starts once, and the EMF sums are
/// what the answers say (texts, words).
#[test]
fn the_counters_add_up_in_the_table_and_on_the_metrics_port() {
    let mut runner = Runner::start(&template(), &["--metrics-port", "0"]);
    let log = runner.log();
    let port_line = log
        .split("metrics (Prometheus text) on ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no metrics port in:\n{log}"))
        .to_owned();

    let mut words = 0;
    for text in ["我来到北京清华大学", "他来到了网易杭研大厦", "小明硕士毕业于中国科学院计算所"]
    {
        let answer = runner.get(&format!("/segment?text={}", percent_encode(text)));
        assert_eq!(answer.status, 200);
        words += answer.json()["words"].as_array().unwrap().len();
    }
    assert_eq!(runner.get("/segment?text=x&mode=nonsense").status, 400);
    let body = r#"{"texts": ["我来到北京清华大学", "他来到了网易杭研大厦"]}"#;
    let batch = runner.request("POST", "/segment", &[("content-type", "application/json")], body.as_bytes());
    assert_eq!(batch.status, 200);
    let batch_words: usize =
        batch.json()["results"].as_array().unwrap().iter().map(|r| r["words"].as_array().unwrap().len()).sum();
    assert_eq!(runner.get("/hello").status, 200);
    assert_eq!(runner.get("/no/such/route").status, 404);

    // Six requests reached a tool, so six records; then the scrape.
    wait_until("six EMF records", || runner.log().matches("{\"_aws\"").count() == 6);
    let (status, content_type, text) = scrape(&port_line, "/metrics");
    assert_eq!((status, content_type.as_str()), (200, "text/plain; version=0.0.4; charset=utf-8"));
    let get = r#"function="segment",route="GET /segment""#;
    let post = r#"function="segment",route="POST /segment""#;
    assert_eq!(sample(&text, &format!("toolbox_local_requests_total{{{get},status=\"200\"}}")), 3.0);
    assert_eq!(sample(&text, &format!("toolbox_local_requests_total{{{get},status=\"400\"}}")), 1.0);
    assert_eq!(sample(&text, &format!("toolbox_local_requests_total{{{post},status=\"200\"}}")), 1.0);
    assert_eq!(sample(&text, r#"toolbox_local_requests_total{function="-",route="(no route)",status="404"}"#), 1.0);
    // One instance served both segment routes: its first request was cold.
    let cold = sample(&text, &format!("toolbox_local_cold_starts_total{{{get}}}"))
        + sample(&text, &format!("toolbox_local_cold_starts_total{{{post}}}"));
    assert_eq!(cold, 1.0);
    assert_eq!(sample(&text, &format!("toolbox_local_latency_milliseconds_count{{{get}}}")), 4.0);
    let emf = |route: &str, metric: &str| {
        let labels =
            format!(r#"function="segment",route="{route}",namespace="lambda-toolbox",metric="{metric}",unit="Count""#);
        sample(&text, &format!("toolbox_local_emf_sum{{{labels}}}"))
    };
    assert_eq!(emf("GET /segment", "Requests"), 4.0);
    assert_eq!(emf("GET /segment", "Texts"), 3.0);
    assert_eq!(emf("GET /segment", "Words"), words as f64);
    assert_eq!(emf("GET /segment", "Status4xx"), 1.0);
    assert_eq!(emf("POST /segment", "Texts"), 2.0);
    assert_eq!(emf("POST /segment", "Words"), batch_words as f64);
    assert_eq!(emf("GET /segment", "ColdStart") + emf("POST /segment", "ColdStart"), 1.0);
    assert!(!text.contains("toolbox_local_emf_malformed_total{"), "our tools' records are all valid:\n{text}");
    assert_eq!(scrape(&port_line, "/other").0, 404);

    // On demand: SIGUSR1 prints the table, and the server goes on.
    send_signal(runner.child.id() as i32, libc::SIGUSR1);
    let marker = "[metrics] SIGUSR1: the metrics since the server started";
    assert!(runner.wait_for_log(marker), "{}", runner.log());
    wait_until("the table's last row", || runner.log().contains("[metrics] segment   POST /segment"));
    let log = runner.log();
    // requests, 2xx, 4xx, 5xx, cold, p50, p99, statuses
    let cells = row(&log, marker, "segment", "GET /segment");
    assert_eq!(cells[..3], ["4", "3", "1"], "{log}");
    assert_eq!(cells.last().map(String::as_str), Some("400×1"), "{log}");
    assert_eq!(row(&log, marker, "-", "(no route)")[..4], ["1", "0", "1", "0"], "{log}");
    assert_eq!(row(&log, marker, "hello", "GET /hello")[..5], ["1", "1", "0", "0", "1"], "{log}");
    assert_eq!(runner.get("/hello").status, 200);

    // At the stop, the table once more, with the request since.
    assert!(runner.stop(SIGTERM).success());
    let log = runner.log();
    let marker = "[metrics] SIGTERM: the metrics since the server started";
    assert_eq!(row(&log, marker, "hello", "GET /hello")[..2], ["2", "2"], "{log}");
    let emf_header = log[log.rfind(marker).unwrap()..].lines().find(|l| l.contains("namespace")).unwrap().to_owned();
    for name in ["Requests", "InputBytes", "Texts", "Words", "Duration p50/p99"] {
        assert!(emf_header.contains(name), "{emf_header}");
    }
}

/// A function printing broken records: each kind is a warning naming the
/// function and what is wrong, counted on the metrics port; a valid record
/// and ordinary lines pass quietly.
#[test]
fn a_malformed_emf_record_is_reported_with_the_function_and_the_fault() {
    let runner = Runner::start(&fixtures(), &["--metrics-port", "0"]);
    let log = runner.log();
    let port_line =
        log.split("metrics (Prometheus text) on ").nth(1).and_then(|r| r.lines().next()).unwrap().to_owned();
    let valid = r#"{"_aws":{"Timestamp":1764700000000,"CloudWatchMetrics":[{"Namespace":"mine","Dimensions":[["Route"]],"Metrics":[{"Name":"Hits","Unit":"Count"}]}]},"Route":"POST /echo/{name}","Hits":2}"#;
    let missing = r#"{"_aws":{"Timestamp":1764700000000,"CloudWatchMetrics":[{"Namespace":"mine","Dimensions":[["Route"]],"Metrics":[{"Name":"Hits","Unit":"Count"}]}]},"Route":"x"}"#;
    let broken = r#"{"_aws":{"Timestamp":17"#;
    for printed in [valid, "just a log line", missing, broken] {
        let body = format!("print:{printed}");
        let answer = runner.request("POST", "/echo/x", &[("content-type", "text/plain")], body.as_bytes());
        assert_eq!(answer.status, 200);
    }
    // The first warning comes at once; the second, within 10 s of it, is
    // counted rather than printed.
    assert!(runner.wait_for_log("[echo] warning: malformed EMF record"), "{}", runner.log());
    let log = runner.log();
    assert!(log.contains("metric \"Hits\" is named but missing from the root"), "{log}");
    let (_, _, text) = scrape(&port_line, "/metrics");
    assert_eq!(sample(&text, r#"toolbox_local_emf_malformed_total{function="echo"}"#), 2.0);
    let hits = r#"toolbox_local_emf_sum{function="echo",route="POST /echo/{name}",namespace="mine",metric="Hits",unit="Count"}"#;
    assert_eq!(sample(&text, hits), 2.0);
}

/// The record of every tool, for each of its fixture events (direct, HTTP
/// API, REST API), checked twice, by readers that share nothing with the
/// writer (gateway/src/metrics.rs): `emf.schema.json`, our JSON Schema of
/// the EMF specification, with Python's jsonschema (and the references
/// from directive to root checked beside it), and toolbox-local's own
/// reader. The Python check is shown to catch a broken record.
#[test]
fn every_tools_records_fit_the_emf_specification() {
    let b = common::built();
    let mut records = Vec::new();
    let mut functions = 0;
    for dir in std::fs::read_dir(b.repo.join("events")).unwrap() {
        let dir = dir.unwrap().path();
        let function = dir.file_name().unwrap().to_string_lossy().into_owned();
        functions += 1;
        for event in ["direct.json", "http-v2.json", "rest-v1.json"] {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
                .current_dir(&b.repo)
                .args(["invoke", &function, "--event"])
                .arg(dir.join(event))
                .arg("--bin-dir")
                .arg(&b.bin_dir)
                .arg("--layer-dir")
                .arg(&b.layer_dir)
                .output()
                .unwrap();
            let log = String::from_utf8_lossy(&output.stderr).into_owned();
            let printed: Vec<&str> = log
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("[{function}] ")))
                .filter(|l| l.contains("\"_aws\""))
                .collect();
            assert_eq!(printed.len(), 1, "{function} {event}: one record:\n{log}");
            let record = toolbox_local::metrics::emf::read(printed[0]);
            assert!(matches!(record, Some(Ok(_))), "{function} {event}: {record:?}");
            records.push(serde_json::from_str::<serde_json::Value>(printed[0]).unwrap());
        }
    }
    assert!(functions >= 6, "{functions} tools with fixture events");
    assert_eq!(python_emf_problems(&records), Vec::<String>::new());

    // Teeth: a metric named but missing, an extra member in a directive,
    // 31 dimensions, a unit CloudWatch lacks.
    let mut broken = records[0].clone();
    let name = broken["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"].as_str().unwrap().to_owned();
    broken.as_object_mut().unwrap().remove(&name);
    let mut extra = records[0].clone();
    extra["_aws"]["CloudWatchMetrics"][0]["Extra"] = serde_json::json!(1);
    let mut wide = records[0].clone();
    wide["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = serde_json::json!([vec!["FunctionName"; 31]]);
    let mut unit = records[0].clone();
    unit["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = serde_json::json!("Furlongs");
    assert_eq!(python_emf_problems(&[broken, extra, wide, unit]).len(), 4);
}

/// What jsonschema (the openapi venv's, scripts/setup openapi) finds wrong
/// with each record: one line for each record with a fault.
fn python_emf_problems(records: &[serde_json::Value]) -> Vec<String> {
    const SCRIPT: &str = r#"
import json, sys
import jsonschema
schema_path, records = sys.argv[1], json.load(sys.stdin)
schema = json.load(open(schema_path, encoding="utf-8"))
validator = jsonschema.Draft202012Validator(schema)
bad = []
for i, record in enumerate(records):
    faults = [e.message for e in validator.iter_errors(record)]
    for directive in (record.get("_aws", {}).get("CloudWatchMetrics") or []):
        if not isinstance(directive, dict):
            continue
        for metric in directive.get("Metrics", []):
            value = record.get(metric.get("Name"))
            numbers = value if isinstance(value, list) else [value]
            if not (0 < len(numbers) <= 100 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers)):
                faults.append(f"metric {metric.get('Name')!r} is not a number or up to 100 numbers in the root")
        for dimensions in directive.get("Dimensions", []):
            for name in dimensions:
                if not isinstance(record.get(name), str):
                    faults.append(f"dimension {name!r} is not a string in the root")
    if faults:
        bad.append(f"record {i}: " + "; ".join(faults))
print(json.dumps(bad))
"#;
    let repo = &common::built().repo;
    let python = repo.join(".venv/openapi/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/setup openapi", python.display());
    let mut child = std::process::Command::new(python)
        .args(["-c", SCRIPT])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/emf.schema.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(serde_json::Value::from(records.to_vec()).to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}
