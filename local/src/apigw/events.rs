//! The proxy events API Gateway hands a function: REST API (payload 1.0)
//! and HTTP API (payload 2.0).

use base64::Engine;
use serde_json::{json, Map, Value};

use super::router::{percent_decode, Match};
use super::{HttpRequest, API_ID};
use crate::template::ACCOUNT_ID;
use crate::util;

/// `(name, value)` pairs of a raw query string, decoded, in order.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// `content-type` → `Content-Type`: REST APIs pass header names as the client
/// wrote them; HTTP/1.1 parsing here only keeps lower case, so this is the
/// spelling nearly every client uses.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.ends_with("json")
        || ct.ends_with("xml")
        || ct.ends_with("javascript")
        || ct == "application/x-www-form-urlencoded"
        || ct.is_empty()
}

/// The body as a proxy event carries it: text, or base64 for binary.
fn event_body(req: &HttpRequest, v2: bool) -> (Value, bool) {
    if req.body.is_empty() {
        return (Value::Null, false);
    }
    match std::str::from_utf8(&req.body) {
        Ok(text) if !v2 || is_text(req.header("content-type")) => (Value::String(text.to_owned()), false),
        _ => (Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body)), true),
    }
}

fn params_object(params: &[(String, String)]) -> Value {
    if params.is_empty() {
        return Value::Null;
    }
    Value::Object(params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// An HTTP API payload 2.0 event.
pub fn v2_event(req: &HttpRequest, m: &Match<'_>, request_id: &str, now_ms: u128) -> Value {
    let route_key = if m.route.path == "$default" {
        "$default".to_owned()
    } else {
        format!("{} {}", m.route.method.as_deref().unwrap_or("ANY"), m.route.path)
    };
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &req.headers {
        if name == "cookie" {
            cookies
                .extend(value.split(';').map(|c| c.trim()).filter(|c| !c.is_empty()).map(|c| Value::String(c.into())));
            continue;
        }
        match headers.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(value);
            }
            _ => {
                headers.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    let mut query = Map::new();
    for (k, v) in query_pairs(&req.query) {
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let host = req.header("host").unwrap_or("127.0.0.1");
    let user_agent = req.header("user-agent").unwrap_or("");
    let (body, base64) = event_body(req, true);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": req.path,
        "rawQueryString": req.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(host),
            "http": {
                "method": req.method,
                "path": req.path,
                "protocol": req.protocol,
                "sourceIp": req.source_ip,
                "userAgent": user_agent,
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": m.route.stage,
            "time": util::apigw_time(now_ms),
            "timeEpoch": now_ms as u64,
        },
        "isBase64Encoded": base64,
    });
    let obj = event.as_object_mut().expect("object");
    if !cookies.is_empty() {
        obj.insert("cookies".into(), Value::Array(cookies));
    }
    if !query.is_empty() {
        obj.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !m.params.is_empty() {
        obj.insert("pathParameters".into(), params_object(&m.params));
    }
    if !body.is_null() {
        obj.insert("body".into(), body);
    }
    event
}

/// A REST API (payload 1.0) proxy event.
pub fn v1_event(req: &HttpRequest, m: &Match<'_>, request_id: &str, now_ms: u128) -> Value {
    let mut headers = Map::new();
    let mut multi_headers = Map::new();
    for (name, value) in &req.headers {
        let name = title_case(name);
        headers.insert(name.clone(), Value::String(value.clone()));
        match multi_headers.entry(name).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(values) => values.push(Value::String(value.clone())),
            _ => unreachable!("always an array"),
        }
    }
    let mut query = Map::new();
    let mut multi_query = Map::new();
    for (k, v) in query_pairs(&req.query) {
        query.insert(k.clone(), Value::String(v.clone()));
        if let Value::Array(values) = multi_query.entry(k).or_insert_with(|| Value::Array(Vec::new())) {
            values.push(Value::String(v));
        }
    }
    let or_null = |m: Map<String, Value>| if m.is_empty() { Value::Null } else { Value::Object(m) };
    let host = req.header("host").unwrap_or("127.0.0.1");
    let (body, base64) = event_body(req, false);
    let resource = if m.route.path == "$default" { "/{proxy+}".to_owned() } else { m.route.path.clone() };
    json!({
        "resource": resource,
        "path": req.path,
        "httpMethod": req.method,
        "headers": or_null(headers),
        "multiValueHeaders": or_null(multi_headers),
        "queryStringParameters": or_null(query),
        "multiValueQueryStringParameters": or_null(multi_query),
        "pathParameters": params_object(&m.params),
        "stageVariables": null,
        "requestContext": {
            "resourceId": "local0",
            "resourcePath": resource,
            "httpMethod": req.method,
            "extendedRequestId": request_id,
            "requestTime": util::apigw_time(now_ms),
            "path": format!("/{}{}", m.route.stage, req.path),
            "accountId": ACCOUNT_ID,
            "protocol": req.protocol,
            "stage": m.route.stage,
            "domainPrefix": host.split('.').next().unwrap_or(host),
            "requestTimeEpoch": now_ms as u64,
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": req.source_ip,
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": req.header("user-agent"),
                "user": null,
            },
            "domainName": host,
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": base64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigw::router::Router;
    use crate::apigw::test_util::{request, route};
    use crate::template::Payload;

    #[test]
    fn v2_event_shape() {
        let router = Router::new(&[route(Some("POST"), "/items/{id}", Payload::V2)]);
        let req = request(
            "POST",
            "/items/42",
            "a=1&a=2&b=x%20y",
            &[("content-type", "application/json"), ("x-multi", "1"), ("x-multi", "2"), ("cookie", "s=1; t=2")],
            b"{\"k\":1}",
        );
        let m = router.find("POST", "/items/42").unwrap();
        let e = v2_event(&req, &m, "rid", 1_795_241_400_000);
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "POST /items/{id}");
        assert_eq!(e["rawQueryString"], "a=1&a=2&b=x%20y");
        assert_eq!(e["queryStringParameters"], json!({"a": "1,2", "b": "x y"}));
        assert_eq!(e["pathParameters"], json!({"id": "42"}));
        assert_eq!(e["headers"]["x-multi"], "1,2");
        assert_eq!(e["cookies"], json!(["s=1", "t=2"]));
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["body"], "{\"k\":1}");
        assert_eq!(e["isBase64Encoded"], false);
        assert_eq!(e["requestContext"]["http"]["method"], "POST");
        assert_eq!(e["requestContext"]["time"], "21/Nov/2026:06:10:00 +0000");
    }

    #[test]
    fn v2_binary_bodies_are_base64() {
        let router = Router::new(&[route(None, "/up", Payload::V2)]);
        let req = request("PUT", "/up", "", &[("content-type", "application/octet-stream")], &[0xff, 0, 1]);
        let e = v2_event(&req, &router.find("PUT", "/up").unwrap(), "rid", 0);
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(e["body"], "/wAB");
        let req = request("GET", "/up", "", &[], b"");
        let e = v2_event(&req, &router.find("GET", "/up").unwrap(), "rid", 0);
        assert!(e.get("body").is_none());
        assert!(e.get("queryStringParameters").is_none());
    }

    #[test]
    fn v1_event_shape() {
        let router = Router::new(&[route(Some("GET"), "/hello/{name}", Payload::V1)]);
        let req = request("GET", "/hello/bob", "x=1&x=2", &[("user-agent", "t"), ("accept", "a")], b"");
        let e = v1_event(&req, &router.find("GET", "/hello/bob").unwrap(), "rid", 0);
        assert_eq!(e["resource"], "/hello/{name}");
        assert_eq!(e["httpMethod"], "GET");
        assert_eq!(e["headers"]["User-Agent"], "t");
        assert_eq!(e["multiValueHeaders"]["Accept"], json!(["a"]));
        assert_eq!(e["queryStringParameters"], json!({"x": "2"}));
        assert_eq!(e["multiValueQueryStringParameters"], json!({"x": ["1", "2"]}));
        assert_eq!(e["pathParameters"], json!({"name": "bob"}));
        assert_eq!(e["requestContext"]["path"], "/Prod/hello/bob");
        assert_eq!(e["body"], Value::Null);
    }
}
