//! Every tool of the repository's template.yaml, through the runner over
//! real HTTP on 127.0.0.1, and through `toolbox-local invoke`.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{built, wait_reports, Runner};
use serde_json::{json, Value};

fn template() -> std::path::PathBuf {
    built().repo.join("template.yaml")
}

#[test]
fn every_tool_answers_through_the_runner() {
    let runner = Runner::start(&template(), &[]);

    let hello = runner.get("/hello");
    assert_eq!(hello.status, 200, "{}", runner.log());
    assert_eq!(hello.json(), json!({"message": "hello world"}));
    assert!(hello.header("apigw-requestid").is_some());

    let calc = runner.request(
        "POST",
        "/calculator",
        &[("content-type", "application/json")],
        br#"{"num1": 6, "num2": 7, "operator": "multiply"}"#,
    );
    assert_eq!(calc.status, 200, "{}", calc.text());
    assert_eq!(calc.json()["result"], json!(42.0));
    let calc = runner.get("/calculator?num1=1&num2=0&operator=divide");
    assert_eq!(calc.status / 100, 4, "division by zero is the caller's error: {}", calc.text());

    let image = runner.get("/random-image");
    assert_eq!(image.status, 200);
    assert!(image.json()["imageUrl"].as_str().is_some_and(|u| u.starts_with("https://")), "{}", image.text());

    // The dictionary comes from the layer the runner points TOOLBOX_LAYER_DIR at.
    let segment =
        runner.get("/segment?text=%E6%88%91%E6%9D%A5%E5%88%B0%E5%8C%97%E4%BA%AC%E6%B8%85%E5%8D%8E%E5%A4%A7%E5%AD%A6");
    assert_eq!(segment.status, 200, "{}\n{}", segment.text(), runner.log());
    assert_eq!(segment.json()["words"], json!(["我", "来到", "北京", "清华大学"]));
    let segment = runner.request(
        "POST",
        "/segment",
        &[("content-type", "application/json; charset=utf-8")],
        "{\"text\": \"他来到了网易杭研大厦\"}".as_bytes(),
    );
    assert_eq!(segment.status, 200, "{}", segment.text());
    assert!(segment.json()["words"].as_array().is_some_and(|w| w.len() > 3));

    // A second function on the same layer: keywords reads its IDF table and POS model.
    let keywords = runner
        .get("/keywords?topK=2&text=%E6%88%91%E6%9D%A5%E5%88%B0%E5%8C%97%E4%BA%AC%E6%B8%85%E5%8D%8E%E5%A4%A7%E5%AD%A6");
    assert_eq!(keywords.status, 200, "{}\n{}", keywords.text(), runner.log());
    assert_eq!(
        keywords.json(),
        json!({ "keywords": [
            { "word": "清华大学", "weight": 2.6935315738733334 },
            { "word": "来到", "weight": 1.79522896137 },
        ]})
    );
    let keywords = runner.request(
        "POST",
        "/keywords",
        &[("content-type", "application/json; charset=utf-8")],
        "{\"text\": \"我来到北京清华大学\", \"method\": \"textrank\"}".as_bytes(),
    );
    assert_eq!(keywords.status, 200, "{}", keywords.text());
    assert!(keywords.json()["keywords"].as_array().is_some_and(|k| !k.is_empty()), "{}", keywords.text());

    for (name, requests) in [("hello", 1), ("calculator", 2), ("random-image", 1), ("segment", 2), ("keywords", 2)] {
        let (count, cold) = wait_reports(&runner, name, requests);
        assert_eq!(count, requests, "no REPORT for {name}:\n{}", runner.log());
        assert_eq!(cold, 1, "{name} should have started exactly one instance:\n{}", runner.log());
    }
    // template.yaml's LoggingConfig is JSON by default: the platform's
    // records and the function's own lines are JSON objects.
    let log = runner.log();
    let report: Value = serde_json::from_str(common::report_lines(&log, "hello")[0]).unwrap();
    let metrics = &report["record"]["metrics"];
    for field in ["durationMs", "billedDurationMs", "maxMemoryUsedMB", "initDurationMs"] {
        assert!(metrics[field].is_number(), "{field} missing from {report}");
    }
    assert_eq!((metrics["memorySizeMB"].as_u64(), report["record"]["status"].as_str()), (Some(128), Some("success")));
    let request_id = report["record"]["requestId"].as_str().unwrap();
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|l| l.strip_prefix("[segment] "))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l.get("route").is_some())
        .collect();
    assert_eq!(lines.len(), 2, "one line a request:\n{log}");
    let post = lines.iter().find(|l| l["route"] == "POST /segment").expect("the POST's line");
    assert_eq!((post["level"].as_str(), post["status"].as_u64()), (Some("INFO"), Some(200)));
    assert_eq!(post["inputBytes"], json!("{\"text\": \"他来到了网易杭研大厦\"}".len()));
    assert_eq!(post["functionName"], "SegmentFunction");
    assert!(post["durationMs"].is_number() && post["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(post["requestId"].as_str().is_some_and(|id| id.len() == 36 && id != request_id));
}

#[test]
fn text_logs_when_the_template_says_text() {
    let runner = Runner::start(&template(), &["--parameter", "LogFormat=Text"]);
    assert_eq!(runner.get("/hello").status, 200);
    assert_eq!(wait_reports(&runner, "hello", 1), (1, 1), "{}", runner.log());
    let log = runner.log();
    let report = log.lines().find(|l| l.starts_with("[hello] REPORT RequestId: ")).unwrap();
    for field in ["Duration: ", "Billed Duration: ", "Memory Size: 128 MB", "Max Memory Used: ", "Init Duration: "] {
        assert!(report.contains(field), "{field} missing from {report}");
    }
    assert!(log.contains("[hello] START RequestId: ") && log.contains("[hello] END RequestId: "), "{log}");
    let line = log.lines().find(|l| l.starts_with("[hello] ") && l.contains("GET /hello 200")).expect(&log);
    assert!(line.contains("\tINFO\t") && line.contains(" route=GET /hello status=200 "), "{line}");
}

#[test]
fn warm_instances_are_reused() {
    let runner = Runner::start(&template(), &[]);
    for _ in 0..3 {
        assert_eq!(runner.get("/hello").status, 200);
    }
    let (count, cold) = wait_reports(&runner, "hello", 3);
    assert_eq!((count, cold), (3, 1), "one cold start, then warm:\n{}", runner.log());
    let log = runner.log();
    let second = common::report_lines(&log, "hello")[1];
    assert!(!second.contains("Init Duration") && !second.contains("initDurationMs"), "{second}");
}

#[test]
fn api_gateway_errors_and_cors() {
    let runner = Runner::start(&template(), &[]);

    let missing = runner.get("/no/such/route");
    assert_eq!((missing.status, missing.json()), (404, json!({"message": "Not Found"})));
    let wrong_method = runner.request("DELETE", "/hello", &[], b"");
    assert_eq!(wrong_method.status, 404);

    // The template's Globals.HttpApi.CorsConfiguration.
    let preflight = runner.request(
        "OPTIONS",
        "/segment",
        &[("Origin", "https://somewhere.example"), ("Access-Control-Request-Method", "POST")],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert!(preflight.header("access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert_eq!(preflight.header("access-control-max-age"), Some("600"));
    let cors = runner.request("GET", "/hello", &[("Origin", "https://somewhere.example")], b"");
    assert_eq!(cors.header("access-control-allow-origin"), Some("*"));

    // Over API Gateway's 10 MB payload limit: 413 without reading the body.
    let big = runner
        .raw(b"POST /segment HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11000000\r\n\r\n")
        .expect("an answer");
    assert_eq!(big.status, 413);
    assert_eq!(big.json(), json!({"message": "Request Entity Too Large"}));
    // Just over the limit, actually sent.
    let body = vec![b'a'; 10 * 1024 * 1024 + 1];
    let mut raw = format!("POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n", body.len())
        .into_bytes();
    raw.extend_from_slice(&body);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    if let Some(reply) = runner.raw(&raw) {
        assert_eq!(reply.status, 413);
    }

    // Malformed HTTP gets a 400 (or a closed connection), never a crash.
    for junk in
        [&b"\x00\x01\x02garbage\r\n\r\n"[..], b"GET / HTTP/9.9\r\n\r\n", b"GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"]
    {
        if let Some(reply) = runner.raw(junk) {
            assert_eq!(reply.status / 100, 4, "{junk:?}");
        }
    }
    assert_eq!(runner.get("/hello").status, 200, "still serving:\n{}", runner.log());
}

fn invoke(function: &str, event: Option<&str>, stdin: Option<&[u8]>) -> (bool, Value) {
    let b = built();
    let mut command = Command::new(env!("CARGO_BIN_EXE_toolbox-local"));
    command
        .current_dir(&b.repo)
        .args(["invoke", function, "--quiet", "--bin-dir"])
        .arg(&b.bin_dir)
        .arg("--layer-dir")
        .arg(&b.layer_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(event) = event {
        command.args(["--event", event]);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("invoke printed no JSON ({e}): {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.success(), value)
}

#[test]
fn invoke_runs_the_sample_events() {
    for function in common::tools() {
        let function = function.as_str();
        for kind in ["http-v2", "rest-v1"] {
            let (ok, response) = invoke(function, Some(&format!("events/{function}/{kind}.json")), None);
            assert!(ok, "{function} {kind}: {response}");
            assert_eq!(response["statusCode"], 200, "{function} {kind}: {response}");
        }
        let (ok, response) = invoke(function, Some(&format!("events/{function}/direct.json")), None);
        assert!(ok, "{function} direct: {response}");
    }
    let (ok, response) = invoke("segment", Some("-"), Some("{\"text\": \"我来到北京清华大学\"}".as_bytes()));
    assert!(ok);
    let words = if response.get("statusCode").is_some() {
        serde_json::from_str::<Value>(response["body"].as_str().unwrap()).unwrap()["words"].clone()
    } else {
        response["words"].clone()
    };
    assert_eq!(words, json!(["我", "来到", "北京", "清华大学"]));
}

#[test]
fn segment_answers_past_lambdas_response_limit_are_a_413_not_a_502() {
    let runner = Runner::start(&template(), &[]);
    let spaces = json!({"text": " ".repeat(131_072), "offsets": true});
    let controls = json!({"text": "\u{1}".repeat(131_072), "offsets": true, "pos": true});
    for (name, event) in [("spaces with offsets", spaces), ("U+0001 with offsets and pos", controls)] {
        let reply =
            runner.request("POST", "/segment", &[("content-type", "application/json")], event.to_string().as_bytes());
        assert_eq!(
            reply.status,
            413,
            "{name}: {}\n{}",
            reply.text().chars().take(300).collect::<String>(),
            runner.log()
        );
        let error = reply.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            error.starts_with("answer too large: ")
                && error.ends_with("; the limit is 6291556 (send less text or fewer options)"),
            "{name}: {error}"
        );
    }
    // The instance answered (no crash, no kill): both on one warm instance.
    assert_eq!(wait_reports(&runner, "segment", 2), (2, 1), "{}", runner.log());
}

/// Issue 18's attacks on the text tools, each inside every documented limit
/// of its time, through the runner's 128 MB and 3 s (a 502 or 504 is the
/// defect): a long `allowPOS` (D1), an answer too large to build (D3), and
/// six megabytes of tiny JSON values (D4), in a body and as a direct invoke.
#[test]
fn hostile_text_tool_requests_are_4xx_not_timeouts_or_out_of_memory() {
    let runner = Runner::start(&template(), &[]);
    let post = |path: &str, body: &str| {
        let reply = runner.request("POST", path, &[("content-type", "application/json")], body.as_bytes());
        let shown = reply.text().chars().take(300).collect::<String>();
        (reply.status, reply.json()["error"].as_str().unwrap_or_default().to_owned(), shown)
    };
    let expect = |path: &str, body: String, status: u16, error: &str| {
        let (got, message, shown) = post(path, &body);
        let start: String = body.chars().take(80).collect();
        assert_eq!(got, status, "{path} {start}...: {shown}\n{}", runner.log());
        assert!(message.starts_with(error), "{path}: {message}");
    };
    // D1: 10,000 allowPOS entries over 128 KiB of one-letter words.
    let allow_pos = json!({"text": "a ".repeat(65_536), "allowPOS": vec!["y"; 10_000]});
    expect("/keywords", allow_pos.to_string(), 413, "too many 'allowPOS' entries: 10000");
    // D3: full mode with offsets and twenty long added words: 131,070 bytes, 20 words a character.
    let user_words: Vec<String> = (2..=21).map(|k| "字".repeat(k)).collect();
    let all = json!({"text": "字".repeat(43_690), "mode": "all", "offsets": true, "userWords": user_words});
    expect("/segment", all.to_string(), 413, "answer too large: more than 6291556 bytes before it was finished");
    // D4: two million empty userWords objects (6.2 MB), and as many zeros elsewhere.
    let objects = format!("{{\"text\":\"a\",\"userWords\":[{}{{}}]}}", "{},".repeat(2_060_000));
    let zeros = format!("{{\"text\":\"a\",\"unread\":[{}0]}}", "0,".repeat(3_090_000));
    for path in ["/segment", "/keywords"] {
        expect(path, objects.clone(), 413, "request too large: more than 50000 JSON values");
        expect(path, zeros.clone(), 413, "request too large: more than 50000 JSON values");
    }
    // Each function answered from one warm instance: nothing crashed or was killed.
    assert_eq!(wait_reports(&runner, "segment", 3), (3, 1), "{}", runner.log());
    assert_eq!(wait_reports(&runner, "keywords", 3), (3, 1), "{}", runner.log());
    let log = runner.log();
    assert!(!log.contains("Runtime.OutOfMemory") && !log.contains("Task timed out"), "{log}");

    // The same list as a direct invoke: the event itself is parsed within the budget.
    let (ok, response) = invoke("segment", Some("-"), Some(objects.as_bytes()));
    assert!(ok, "{response}");
    assert_eq!(response["statusCode"], 413, "{response}");
}

/// Two `--layer-dir`s are one `/opt`, as Lambda unpacks every attached
/// layer: the jieba layer and a user-dictionary layer beside it, whose
/// words the function then applies.
#[test]
fn layer_dirs_merge_into_one_opt_like_attached_layers() {
    let built = built();
    let tokenizer = toolbox_layer::Tokenizer::load(&built.layer_dir).expect("load the layer");
    let user = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("user-layer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&user);
    let words = vec![("words.txt".to_owned(), "杭研 10 n\n".as_bytes().to_vec())];
    toolbox_layer::userdict::assemble(&tokenizer, &words, &user).expect("assemble a user layer");
    let ask = |runner: &Runner| {
        let body = json!({"text": "他来到了网易杭研大厦", "hmm": false}).to_string();
        let reply = runner.request("POST", "/segment", &[("content-type", "application/json")], body.as_bytes());
        assert_eq!(reply.status, 200, "{}\n{}", reply.text(), runner.log());
        reply.json()["words"].clone()
    };
    // Runner::start gives the jieba layer first; the user layer comes after it.
    let merged = Runner::start(&template(), &["--layer-dir", user.to_str().unwrap()]);
    assert_eq!(ask(&merged), json!(["他", "来到", "了", "网易", "杭研", "大厦"]), "{}", merged.log());
    let plain = Runner::start(&template(), &[]);
    assert_eq!(ask(&plain), json!(["他", "来到", "了", "网易", "杭", "研", "大厦"]));
    let _ = std::fs::remove_dir_all(&user);
}

/// Requests sent one after another for `duration`: (admitted, refused, elapsed
/// seconds from the first to the last request).
fn hammer(runner: &Runner, path: &str, duration: std::time::Duration) -> (usize, usize, f64) {
    let (mut admitted, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    let mut last = start;
    while start.elapsed() < duration {
        last = std::time::Instant::now();
        let reply = runner.get(path);
        match reply.status {
            200 => admitted += 1,
            429 => {
                refused += 1;
                assert_eq!(reply.json(), json!({"message": "Too Many Requests"}));
                assert!(reply.header("apigw-requestid").is_some());
                assert_eq!(reply.header("access-control-allow-origin"), None, "no Origin was sent");
            }
            other => panic!("{path}: {other} {}", reply.text()),
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    (admitted, refused, (last - start).as_secs_f64())
}

#[test]
fn the_template_throttles_each_route_at_its_parameters_rate() {
    let (rate, burst) = (5.0, 3.0);
    let runner =
        Runner::start(&template(), &["--parameter", "ThrottlingRateLimit=5", "--parameter", "ThrottlingBurstLimit=3"]);
    let (admitted, refused, elapsed) = hammer(&runner, "/hello", std::time::Duration::from_secs(2));
    // A full bucket, then the rate: burst + rate × elapsed, give or take the
    // token being refilled as the last request came.
    let expected = burst + rate * elapsed;
    assert!(
        (admitted as f64 - expected).abs() <= 1.5,
        "{admitted} admitted in {elapsed:.2} s, expected {expected:.1}; {refused} refused\n{}",
        runner.log()
    );
    assert!(refused > admitted, "most of ~100 requests are refused: {admitted} admitted, {refused} refused");
    // Each route has its own bucket: /calculator still has its burst.
    let calc = runner.get("/calculator?num1=1&num2=2&operator=add");
    assert_eq!(calc.status, 200, "{}", calc.text());
    // Logged once per run of refusals, not per request.
    assert_eq!(runner.log().matches("throttled: 5 requests a second, a burst of 3").count(), 1, "{}", runner.log());
    // The function saw only the admitted requests.
    let (count, _) = wait_reports(&runner, "hello", admitted);
    assert_eq!(count, admitted, "{}", runner.log());
}

#[test]
fn the_template_gives_every_tool_a_function_url_when_asked() {
    // By default no URLs: the path is nobody's.
    let runner = Runner::start(&template(), &[]);
    assert_eq!(runner.get("/lambda-url/hello/").status, 404);
    drop(runner);

    let runner = Runner::start(&template(), &["--parameter", "FunctionUrlAuthType=NONE"]);
    let hello = runner.get("/lambda-url/hello/");
    assert_eq!((hello.status, hello.json()), (200, json!({"message": "hello world"})), "{}", runner.log());
    // The tools read a URL's event as they read the API's.
    let segment = runner.get("/lambda-url/segment/?text=%E6%88%91%E6%9D%A5%E5%88%B0%E5%8C%97%E4%BA%AC");
    assert_eq!(segment.status, 200, "{}", segment.text());
    assert_eq!(segment.json()["words"], json!(["我", "来到", "北京"]));
    // Each URL is announced with the domain Lambda would give it.
    let log = runner.log();
    let urls: Vec<&str> = log.lines().filter(|l| l.contains("URL     /lambda-url/")).collect();
    for tool in common::tools() {
        assert!(urls.iter().any(|l| l.contains(&format!("/lambda-url/{tool}/ "))), "{tool}: {log}");
    }
    assert!(urls.iter().all(|l| l.contains("AuthType NONE") && l.contains(".lambda-url.us-east-1.on.aws/")), "{log}");
}

/// Every tool prints one CloudWatch EMF record a request on stdout (gateway
/// metrics.rs), which the runner shows in its log as Lambda sends stdout to
/// CloudWatch Logs; the template's `Metrics=Off` turns them off and
/// `MetricsNamespace` names their namespace. Each record's `traceId` is
/// the Root of the trace id the runner passed (Lambda-Runtime-Trace-Id,
/// which lambda_runtime puts in `_X_AMZN_TRACE_ID`): the client's
/// `X-Amzn-Trace-Id` Root when it sent one, as API Gateway propagates it.
#[test]
fn every_request_leaves_one_metrics_record_unless_metrics_are_off() {
    let runner = Runner::start(&template(), &["--parameter", "MetricsNamespace=team/tools"]);
    let body = r#"{"texts": ["我来到北京清华大学", "他来到了网易杭研大厦"]}"#.as_bytes();
    let root = "1-6b0135b8-0123456789abcdef01234567";
    let trace = format!("Root={root};Parent=53995c3f42cd8ad8;Sampled=1");
    let headers = [("content-type", "application/json"), ("x-amzn-trace-id", trace.as_str())];
    let answer = runner.request("POST", "/segment", &headers, body);
    assert_eq!(answer.status, 200);
    assert_eq!(runner.get("/segment?text=x&mode=nonsense").status, 400);
    assert!(runner.wait_for_log("\"StatusCode\":400"), "{}", runner.log());
    let log = runner.log();
    let records: Vec<Value> = log
        .lines()
        .filter_map(|l| l.strip_prefix("[segment] "))
        .filter(|l| l.starts_with("{\"_aws\""))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(records.len(), 2, "{log}");
    let (first, second) = (&records[0], &records[1]);
    assert_eq!(first["_aws"]["CloudWatchMetrics"][0]["Namespace"], "team/tools");
    assert_eq!(
        (first["FunctionName"].as_str(), first["Route"].as_str()),
        (Some("SegmentFunction"), Some("POST /segment"))
    );
    assert_eq!((first["Texts"].as_u64(), first["Words"].as_u64()), (Some(2), Some(4 + 6)));
    assert_eq!((first["ColdStart"].as_u64(), second["ColdStart"].as_u64()), (Some(1), Some(0)));
    assert_eq!((second["Status4xx"].as_u64(), second["Route"].as_str()), (Some(1), Some("GET /segment")));
    assert_eq!(first["InputBytes"].as_u64(), Some(body.len() as u64));
    assert_eq!(first["traceId"], root, "{first}");
    // No header: a Root of the runner's own, new for each request.
    let own = second["traceId"].as_str().unwrap_or_else(|| panic!("no traceId: {second}"));
    assert!(own.len() == 35 && own.starts_with("1-") && own != root, "{own}");

    let off = Runner::start(&template(), &["--parameter", "Metrics=Off"]);
    assert_eq!(off.get("/segment?text=x").status, 200);
    assert!(off.wait_for_log("GET /segment 200"), "{}", off.log());
    assert!(!off.log().contains("\"_aws\""), "{}", off.log());
}
