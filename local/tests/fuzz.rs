//! A seeded random fuzzer against every function, at both doors:
//! - events (REST v1, HTTP API v2, direct) handed straight to each real
//!   `bootstrap` through a Runtime API, fields of any type or none;
//! - HTTP requests through `toolbox-local serve` to every route.
//!
//! Whatever comes in: never a 5xx, never a hang, never a function error or a
//! crash, and every 4xx is JSON with an `error`. `FUZZ_SEED=N` replays a run;
//! `FUZZ_CASES=N` changes how many events per function.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use common::{built, Runner};
use serde_json::{json, Map, Value};
use toolbox_test_support::{fixture, FakeRuntimeApi};

/// SplitMix64: small, seedable, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_121)
}

const NAMES: [&str; 13] =
    ["text", "texts", "mode", "hmm", "offsets", "pos", "num1", "num2", "operator", "count", "redirect", "x", ""];
const WORDS: [&str; 24] = [
    "我来到北京清华大学",
    "永和服装饰品有限公司",
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "default",
    "all",
    "search",
    "true",
    "false",
    "1",
    "0",
    "-0",
    "1e308",
    "inf",
    "nan",
    "1_000",
    "１２",
    " 3 ",
    "100",
    "101",
    "0x10",
];

fn word(rng: &mut Rng) -> &'static str {
    WORDS[rng.below(WORDS.len())]
}

fn random_text(rng: &mut Rng) -> String {
    let len = if rng.chance(5) { 500 + rng.below(1500) } else { rng.below(40) };
    let mut out = String::new();
    while out.chars().count() < len {
        match rng.below(7) {
            0 => out.push_str(word(rng)),
            1 => out.push(char::from_u32(0x4E00 + rng.below(0x5000) as u32).unwrap()),
            2 => out.push(*rng.pick(&['\0', '\u{1}', '\n', '\r', '\t', '"', '\\', '%', '&', '=', '+', ' '])),
            3 => out.push(*rng.pick(&['😀', '\u{FEFF}', '\u{10FFFF}', 'é', 'ß', '\u{200B}', 'Ω'])),
            _ => out.push((b'a' + rng.below(26) as u8) as char),
        }
    }
    out
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 2 { 6 } else { 9 }) {
        0 | 1 => Value::String(rng.pick(&WORDS).to_string()),
        2 => Value::String(random_text(rng)),
        3 => json!(rng.next() as i64 >> rng.below(64)),
        4 => json!(*rng.pick(&[0.5, -1.0, 1e308, -1e-308, 3.0, 1e16, 2.5e-7])),
        5 => Value::Bool(rng.chance(50)),
        6 => Value::Null,
        7 => {
            let n = if rng.chance(3) { 1001 } else { rng.below(6) };
            Value::Array((0..n).map(|_| random_value(rng, depth + 1)).collect())
        }
        _ => Value::Object(random_params(rng, depth + 1)),
    }
}

fn random_params(rng: &mut Rng, depth: usize) -> Map<String, Value> {
    let mut params: Map<String, Value> =
        (0..rng.below(6)).map(|_| (rng.pick(&NAMES).to_string(), random_value(rng, depth))).collect();
    // Often a plausible calculation too, so the cases reach past validation.
    if depth <= 1 && rng.chance(40) {
        for name in ["num1", "num2"] {
            let number =
                if rng.chance(50) { json!(rng.below(2000) as f64 / 7.0) } else { json!(rng.pick(&WORDS[12..])) };
            params.insert(name.into(), number);
        }
        params.insert("operator".into(), json!(rng.pick(&WORDS[2..7])));
    }
    params
}

/// A string for a query string or form: every value as text.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn random_query(rng: &mut Rng) -> String {
    if rng.chance(5) {
        return rng.pick(&["%", "%zz", "a=%FF%FE", "&&==&", "=x", "text=%E4%B8", "+++", "a=1&a=2&a=3"]).to_string();
    }
    let params = random_params(rng, 1);
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(&as_text(v))))
        .collect::<Vec<_>>()
        .join("&")
}

const CONTENT_TYPES: [&str; 11] = [
    "application/json",
    "application/json; charset=utf-8",
    "application/vnd.api+json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/html; charset=utf-8",
    "application/octet-stream",
    "image/png",
    "",
    "x/y;;;=",
    "APPLICATION/JSON",
];

/// A content type (or none) and a body that may or may not match it.
fn random_body(rng: &mut Rng) -> (Option<&'static str>, Option<String>) {
    let content_type = if rng.chance(15) { None } else { Some(*rng.pick(&CONTENT_TYPES)) };
    let body = match rng.below(8) {
        0 => None,
        1 | 2 => Some(Value::Object(random_params(rng, 0)).to_string()),
        3 => Some(random_query(rng)),
        4 => Some(random_text(rng)),
        5 => Some(rng.pick(&["[1,2]", "\"x\"", "3", "null", "{", "{\"text\":", "{}}", "\u{0}"]).to_string()),
        6 => Some(json!({"texts": (0..rng.below(30)).map(|_| random_text(rng)).collect::<Vec<_>>(), "offsets": rng.chance(50), "pos": rng.chance(50)}).to_string()),
        _ => Some(String::new()),
    };
    (content_type, body)
}

/// Sets the body, maybe base64-encoded (or wrongly marked as such).
fn put_body(rng: &mut Rng, event: &mut Value, body: Option<String>) {
    let encoded = rng.chance(15);
    event["isBase64Encoded"] = json!(encoded);
    event["body"] = match body {
        None => Value::Null,
        Some(body) if encoded && rng.chance(80) => json!(base64::engine::general_purpose::STANDARD.encode(body)),
        Some(body) => json!(body),
    };
}

/// Replaces a few fields by values of the wrong type, or removes them.
fn break_fields(rng: &mut Rng, event: &mut Value) {
    let Some(object) = event.as_object_mut() else { return };
    let keys: Vec<String> = object.keys().cloned().collect();
    for _ in 0..1 + rng.below(3) {
        let key = rng.pick(&keys).clone();
        if rng.chance(50) {
            object.remove(&key);
        } else {
            object.insert(key, random_value(rng, 2));
        }
    }
}

fn set_content_type(event: &mut Value, content_type: Option<&str>) {
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.retain(|name, _| !name.eq_ignore_ascii_case("content-type"));
        if let Some(content_type) = content_type {
            headers.insert("content-type".into(), json!(content_type));
        }
    }
}

fn v2_event(rng: &mut Rng, function: &str) -> Value {
    let mut event = fixture(&format!("{function}/http-v2.json"));
    let query = random_query(rng);
    event["rawQueryString"] = json!(query);
    event["queryStringParameters"] = Value::Null;
    let (content_type, body) = random_body(rng);
    set_content_type(&mut event, content_type);
    put_body(rng, &mut event, body);
    if rng.chance(10) {
        break_fields(rng, &mut event);
    }
    event
}

fn v1_event(rng: &mut Rng, function: &str) -> Value {
    let mut event = fixture(&format!("{function}/rest-v1.json"));
    let params = random_params(rng, 1);
    let single: Map<String, Value> = params.iter().map(|(k, v)| (k.clone(), json!(as_text(v)))).collect();
    let multi: Map<String, Value> = params.iter().map(|(k, v)| (k.clone(), json!([as_text(v)]))).collect();
    event["queryStringParameters"] = if single.is_empty() { Value::Null } else { Value::Object(single) };
    event["multiValueQueryStringParameters"] = if multi.is_empty() { Value::Null } else { Value::Object(multi) };
    let (content_type, body) = random_body(rng);
    set_content_type(&mut event, content_type);
    put_body(rng, &mut event, body);
    if rng.chance(10) {
        break_fields(rng, &mut event);
    }
    event
}

fn direct_event(rng: &mut Rng) -> Value {
    if rng.chance(5) {
        return random_value(rng, 3);
    }
    Value::Object(random_params(rng, 0))
}

/// What every answer must be: a proxy response below 500, JSON, and for a
/// 4xx an `error` string.
fn check_proxy(proxy: &Value) -> Result<(), String> {
    let status = proxy["statusCode"].as_u64().ok_or("no statusCode")?;
    let body = proxy["body"].as_str().ok_or("no string body")?;
    check_answer(status, body.as_bytes())
}

fn check_answer(status: u64, body: &[u8]) -> Result<(), String> {
    if status >= 500 {
        return Err(format!("status {status}"));
    }
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("{status} body is not JSON: {e}"))?;
    if (400..500).contains(&status) && !body["error"].is_string() {
        return Err(format!("{status} without an error: {body}"));
    }
    Ok(())
}

fn shorten(value: &Value) -> String {
    value.to_string().chars().take(400).collect()
}

#[test]
fn random_events_against_every_function() {
    let cases: usize = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1500);
    let b = built();
    let seed = seed();
    let mut rng = Rng(seed);
    for function in common::tools() {
        let function = function.as_str();
        let events: Vec<Value> = (0..cases)
            .map(|i| match i % 3 {
                0 => v1_event(&mut rng, function),
                1 => v2_event(&mut rng, function),
                _ => direct_event(&mut rng),
            })
            .collect();
        let api = FakeRuntimeApi::start(events.clone());
        let mut child = api
            .command(&b.bin_dir.join(function))
            .env("TOOLBOX_LAYER_DIR", &b.layer_dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut statuses = std::collections::BTreeMap::<u64, usize>::new();
        for (i, event) in events.iter().enumerate() {
            let context = || format!("{function}, FUZZ_SEED={seed}, case {i}: {}", shorten(event));
            let Some((path, proxy)) = api.next_post(10) else {
                let _ = child.kill();
                panic!("no answer within 10 s (exited: {:?}); {}", child.try_wait(), context());
            };
            if !path.ends_with("/response") {
                let _ = child.kill();
                panic!("{path} {proxy}; {}", context());
            }
            if let Err(why) = check_proxy(&proxy) {
                let _ = child.kill();
                panic!("{why}: {}; {}", shorten(&proxy), context());
            }
            *statuses.entry(proxy["statusCode"].as_u64().unwrap_or(0)).or_default() += 1;
        }
        eprintln!("{function}: {cases} events, statuses {statuses:?}");
        // The cases reach both the answers and the refusals.
        assert!(statuses.keys().any(|s| *s < 400) && statuses.keys().any(|s| *s >= 400), "{function}: {statuses:?}");
        assert!(child.try_wait().unwrap().is_none(), "{function} exited after the fuzzed events");
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// One raw HTTP/1.1 exchange; the status and body of the answer.
fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> Option<(u64, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    stream.write_all(raw).ok()?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).ok()?;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let status = std::str::from_utf8(&out[..split]).ok()?.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out[split..].to_vec()))
}

#[test]
fn random_requests_through_the_runner_to_every_route() {
    const REQUESTS: usize = 800;
    const CLIENTS: usize = 4;
    // The template's throttle lifted: 800 requests in a few seconds would
    // mostly get 429 (tools.rs checks the throttle).
    let lifted = ["--parameter", "ThrottlingRateLimit=1000000", "--parameter", "ThrottlingBurstLimit=1000000"];
    let runner = Runner::start(&built().repo.join("template.yaml"), &[&["--quiet"][..], &lifted].concat());
    let tools = &common::tools();
    let seed = seed();
    std::thread::scope(|s| {
        for client in 0..CLIENTS {
            let runner = &runner;
            s.spawn(move || {
                let mut rng = Rng(seed ^ (client as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
                for i in 0..REQUESTS / CLIENTS {
                    let function = rng.pick(tools);
                    let method = if rng.chance(50) { "GET" } else { "POST" };
                    // Within the runner's 16 KiB head (past it: hyper's empty 431).
                    let query = Some(random_query(&mut rng)).filter(|q| q.len() < 8000).unwrap_or_default();
                    let (content_type, body) = random_body(&mut rng);
                    let body = body.unwrap_or_default();
                    let mut raw = format!(
                        "{method} /{function}{}{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
                        if query.is_empty() { "" } else { "?" },
                        body.len()
                    );
                    if let Some(content_type) = content_type {
                        raw.push_str(&format!("Content-Type: {content_type}\r\n"));
                    }
                    raw.push_str("\r\n");
                    raw.push_str(&body);
                    let context = || format!("FUZZ_SEED={seed}, client {client}, case {i}: {}", raw.chars().take(400).collect::<String>());
                    let Some((status, answer)) = exchange(runner.addr, raw.as_bytes()) else {
                        panic!("no answer; {}\n{}", context(), runner.log());
                    };
                    if let Err(why) = check_answer(status, &answer) {
                        panic!("{why}: {}; {}\n{}", String::from_utf8_lossy(&answer).chars().take(400).collect::<String>(), context(), runner.log());
                    }
                }
            });
        }
    });
}
