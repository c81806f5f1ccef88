//! Helpers for the functions' tests: load a fixture event, run a handler on
//! it exactly as the Lambda loop would, and read the proxy response back.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{handle, Request, Response};

/// The workspace's `events/` directory, where the fixture events live.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// Reads `events/<name>` (e.g. `"segment/http-v2.json"`).
pub fn fixture(name: &str) -> Value {
    let path = events_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A proxy response as a client sees it: status, content type and parsed body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: serde_json::Map<String, Value>,
    pub body: Value,
}

/// Runs `handler` on `event` through [`handle`], and parses what it returns.
pub fn invoke<S>(state: &S, event: Value, handler: fn(&S, &Request) -> Response) -> Answer {
    let proxy = handle(state, event, handler);
    let headers = proxy["headers"].as_object().cloned().unwrap_or_default();
    let body = proxy["body"].as_str().expect("body is a string");
    Answer {
        status: proxy["statusCode"].as_u64().expect("statusCode") as u16,
        content_type: headers.get("content-type").and_then(Value::as_str).unwrap_or_default().to_string(),
        body: serde_json::from_str(body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}")),
        headers,
    }
}

/// `event` (a v1 or v2 fixture) with its query string replaced by `query`
/// (already URL-encoded, e.g. `num1=1&num2=2`). A direct event gets the pairs as fields.
pub fn with_query(mut event: Value, query: &str) -> Value {
    let pairs: Vec<(String, String)> = crate::form::decode_pairs(query).expect("test query is valid");
    let map: serde_json::Map<String, Value> = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    if event.get("version").and_then(Value::as_str) == Some("2.0") {
        event["rawQueryString"] = query.into();
        event["queryStringParameters"] = if map.is_empty() { Value::Null } else { Value::Object(map) };
    } else if event.get("httpMethod").is_some() {
        let multi: serde_json::Map<String, Value> =
            map.iter().map(|(k, v)| (k.clone(), Value::Array(vec![v.clone()]))).collect();
        event["queryStringParameters"] = if map.is_empty() { Value::Null } else { Value::Object(map) };
        event["multiValueQueryStringParameters"] = if multi.is_empty() { Value::Null } else { Value::Object(multi) };
    } else {
        event = Value::Object(map);
    }
    event
}

/// `event` (v1 or v2) with a body and content type (`None` removes the header).
pub fn with_body(mut event: Value, content_type: Option<&str>, body: &str) -> Value {
    event["body"] = body.into();
    event["isBase64Encoded"] = false.into();
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.retain(|name, _| !name.eq_ignore_ascii_case("content-type"));
        if let Some(content_type) = content_type {
            headers.insert("content-type".into(), content_type.into());
        }
    }
    event
}

/// A one-instance Lambda Runtime API on 127.0.0.1 for tests that run a real
/// `bootstrap`: hands out the queued events on `/invocation/next` and records
/// every POST (`/response`, `/error`, `/init/error`) with its body.
pub struct FakeRuntimeApi {
    pub address: String,
    posts: std::sync::mpsc::Receiver<(String, Value)>,
}

impl FakeRuntimeApi {
    pub fn start(events: Vec<Value>) -> FakeRuntimeApi {
        use std::io::{BufRead, BufReader, Read, Write};

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().unwrap().to_string();
        let (sender, posts) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut events = events.into_iter().enumerate();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                // Answers go out at once: with Nagle's algorithm each one
                // waited ~40 ms for the runtime's delayed ACK.
                let _ = stream.set_nodelay(true);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                // One request per connection is enough for lambda_runtime and our init-error report;
                // keep-alive connections are served in a loop.
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let mut parts = line.split_whitespace();
                    let (method, path) =
                        (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        break;
                    }
                    if method == "GET" {
                        let Some((n, event)) = events.next() else { return };
                        let body = event.to_string();
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: request-{n}\r\n\
                             Lambda-Runtime-Deadline-Ms: 32503680000000\r\n\
                             Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:test\r\n\
                             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(&[head.as_bytes(), body.as_bytes()].concat());
                    } else {
                        let _ = stream.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}");
                        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        if sender.send((path, body)).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        FakeRuntimeApi { address, posts }
    }

    /// The next POST the function made (path, JSON body), waiting up to `seconds`.
    pub fn next_post(&self, seconds: u64) -> Option<(String, Value)> {
        self.posts.recv_timeout(std::time::Duration::from_secs(seconds)).ok()
    }

    /// A command for `bootstrap` with the environment Lambda sets, pointed at this API.
    pub fn command(&self, bootstrap: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(bootstrap);
        command
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdin(std::process::Stdio::null());
        command
    }
}
