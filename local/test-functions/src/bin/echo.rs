//! Answers every event with the event itself, as the JSON body of a 200
//! proxy response: lets the tests see exactly the v1/v2 payloads the runner
//! builds. Speaks the Runtime API by hand, with no library in between. A
//! request body starting `print:` has the rest printed on stdout first
//! (one line a `\n`), as a function's log lines.

use std::io::{Read, Write};
use std::net::TcpStream;

fn exchange(api: &str, raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(api)?;
    stream.write_all(raw)?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out)?;
    Ok(out)
}

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").expect("AWS_LAMBDA_RUNTIME_API");
    loop {
        let Ok(next) =
            exchange(&api, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        else {
            return;
        };
        let split = next.windows(4).position(|w| w == b"\r\n\r\n").map_or(next.len(), |i| i + 4);
        let head = String::from_utf8_lossy(&next[..split]).into_owned();
        let event = String::from_utf8_lossy(&next[split..]).into_owned();
        let Some(id) = head.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("lambda-runtime-aws-request-id"))
                .map(|(_, v)| v.trim().to_owned())
        }) else {
            return;
        };
        let parsed = serde_json::from_str::<serde_json::Value>(&event).unwrap_or_default();
        if let Some(lines) = parsed["body"].as_str().and_then(|b| b.strip_prefix("print:")) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{lines}");
            let _ = out.flush();
        }
        let env: serde_json::Map<String, serde_json::Value> =
            std::env::vars().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        let body = serde_json::json!({ "event": event, "env": env }).to_string();
        // Each payload format's own fields: a REST API refuses a `cookies`
        // field, an HTTP API ignores `multiValueHeaders`.
        let v2 = parsed["version"] == "2.0";
        let mut proxy = serde_json::json!({
            "statusCode": 200,
            "headers": { "content-type": "application/json", "x-echo": "yes" },
            "body": body,
        });
        if v2 {
            proxy["cookies"] = serde_json::json!(["c1=v1"]);
        } else {
            proxy["multiValueHeaders"] = serde_json::json!({ "x-multi": ["1", "2"] });
        }
        let proxy = proxy.to_string();
        let request = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{proxy}",
            proxy.len()
        );
        if exchange(&api, request.as_bytes()).is_err() {
            return;
        }
    }
}
