//! Fixture events and handlers run on them as the Lambda loop would.

use std::path::PathBuf;

use serde_json::Value;
use toolbox_gateway::{handle, Request, Response};

/// The workspace's `events/` directory, where the fixture events live: the
/// nearest `events/` above the package under test (cargo sets
/// `CARGO_MANIFEST_DIR` when it runs a test), so no repository path is
/// compiled in and a copy of the repository finds its own events.
pub fn events_dir() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let start = package.unwrap_or_else(|| std::env::current_dir().expect("a current directory"));
    start
        .ancestors()
        .map(|dir| dir.join("events"))
        .find(|events| events.is_dir())
        .unwrap_or_else(|| panic!("no events/ directory above {}", start.display()))
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

impl Answer {
    /// Reads a proxy response (`statusCode`, `headers`, a JSON `body`).
    pub fn from_proxy(proxy: &Value) -> Answer {
        let headers = proxy["headers"].as_object().cloned().unwrap_or_default();
        let body = proxy["body"].as_str().expect("body is a string");
        Answer {
            status: proxy["statusCode"].as_u64().expect("statusCode") as u16,
            content_type: headers.get("content-type").and_then(Value::as_str).unwrap_or_default().to_string(),
            body: serde_json::from_str(body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}")),
            headers,
        }
    }
}

/// Runs `handler` on `event` through [`handle`], and parses what it returns.
pub fn invoke<S>(state: &S, event: Value, handler: fn(&S, &Request) -> Response) -> Answer {
    Answer::from_proxy(&handle(state, event, handler))
}

/// `event` (a v1 or v2 fixture) with its query string replaced by `query`
/// (already URL-encoded, e.g. `num1=1&num2=2`). A direct event gets the pairs as fields.
pub fn with_query(mut event: Value, query: &str) -> Value {
    let pairs = toolbox_gateway::decode_pairs(query).expect("test query is valid");
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
