//! API Gateway's side: route matching, REST (v1) and HTTP API (v2) proxy
//! events, proxy responses back to HTTP, CORS, and API Gateway's own error
//! answers.

use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::template::{Cors, Payload, Route, ACCOUNT_ID};
use crate::util;

/// API Gateway's payload limit for a request ("Payload size 10 MB" in the
/// HTTP API quotas, docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// Lambda's limit for a synchronous invocation's event, exactly 6 MiB: Invoke
/// refuses more with "RequestEntityTooLargeException: Request must be smaller
/// than 6291456 bytes for the InvokeFunction operation" (quoted in
/// github.com/awslabs/aws-athena-query-federation/issues/793).
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

const API_ID: &str = "local00000";

/// An HTTP request as the runner received it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// As received, still percent-encoded.
    pub path: String,
    pub query: String,
    /// Lower-case names, in arrival order, repeated names kept.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub source_ip: String,
    pub protocol: String,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An HTTP response to send back.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn json_message(status: u16, message: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(json!({ "message": message }).to_string()),
        }
    }

    pub fn not_found() -> HttpResponse {
        HttpResponse::json_message(404, "Not Found")
    }

    /// Also closes the connection: the rest of the body is never read.
    pub fn too_large() -> HttpResponse {
        let mut response = HttpResponse::json_message(413, "Request Entity Too Large");
        response.headers.push(("connection".into(), "close".into()));
        response
    }

    /// The body did not arrive within `--body-timeout`; the connection is closed.
    pub fn body_timed_out() -> HttpResponse {
        let mut response = HttpResponse::json_message(408, "Request Timeout");
        response.headers.push(("connection".into(), "close".into()));
        response
    }

    /// Past `--max-connections` (written by hand: see `server::refuse`).
    pub fn too_many_connections() -> HttpResponse {
        HttpResponse::json_message(503, "Too many open connections: retry later")
    }

    pub fn throttled() -> HttpResponse {
        HttpResponse::json_message(429, "Too Many Requests")
    }

    /// A failed invocation (crash, function error, bad proxy response).
    pub fn bad_gateway(payload: Payload) -> HttpResponse {
        match payload {
            Payload::V2 => HttpResponse::json_message(502, "Internal Server Error"),
            Payload::V1 => HttpResponse::json_message(502, "Internal server error"),
        }
    }

    pub fn timed_out(payload: Payload) -> HttpResponse {
        match payload {
            Payload::V2 => HttpResponse::json_message(504, "Service Unavailable"),
            Payload::V1 => HttpResponse::json_message(504, "Endpoint request timed out"),
        }
    }
}

enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

struct Compiled {
    route: Route,
    segments: Vec<Segment>,
    default: bool,
}

pub struct Router {
    routes: Vec<Compiled>,
}

/// A matched route and its path parameters.
pub struct Match<'a> {
    pub route: &'a Route,
    pub params: Vec<(String, String)>,
}

fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

impl Router {
    pub fn new(routes: &[Route]) -> Router {
        let routes = routes
            .iter()
            .map(|route| {
                let default = route.path == "$default";
                let segments = if default {
                    Vec::new()
                } else {
                    split_path(&route.path)
                        .into_iter()
                        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => match name.strip_suffix('+') {
                                Some(greedy) => Segment::Greedy(greedy.to_owned()),
                                None => Segment::Param(name.to_owned()),
                            },
                            None => Segment::Literal(s.to_owned()),
                        })
                        .collect()
                };
                Compiled { route: route.clone(), segments, default }
            })
            .collect();
        Router { routes }
    }

    /// The most specific route for `method` and `path`: literal segments beat
    /// parameters, parameters beat greedy `{proxy+}`, an exact method beats
    /// `ANY`, and `$default` comes last.
    pub fn find(&self, method: &str, path: &str) -> Option<Match<'_>> {
        let parts = split_path(path);
        let mut best: Option<((bool, bool, usize, bool), Match<'_>)> = None;
        for compiled in &self.routes {
            let method_ok = match &compiled.route.method {
                None => true,
                Some(m) => m == method,
            };
            if !method_ok {
                continue;
            }
            let Some((params, literals, greedy)) = match_segments(compiled, &parts) else { continue };
            let rank = (!compiled.default, !greedy, literals, compiled.route.method.is_some());
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((rank, Match { route: &compiled.route, params }));
            }
        }
        best.map(|(_, m)| m)
    }

    /// Routes whose path matches, whatever their method (for preflights).
    pub fn any_method(&self, path: &str) -> Option<&Route> {
        let parts = split_path(path);
        self.routes
            .iter()
            .filter(|c| !c.default)
            .find(|c| match_segments(c, &parts).is_some())
            .or_else(|| self.routes.iter().find(|c| c.default))
            .map(|c| &c.route)
    }
}

/// Path parameters, how many literal segments matched, and whether a greedy one did.
type Matched = (Vec<(String, String)>, usize, bool);

fn match_segments(compiled: &Compiled, parts: &[&str]) -> Option<Matched> {
    if compiled.default {
        return Some((Vec::new(), 0, true));
    }
    let mut params = Vec::new();
    let mut literals = 0;
    for (i, segment) in compiled.segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                if i >= parts.len() {
                    return None;
                }
                params.push((name.clone(), percent_decode(&parts[i..].join("/"))));
                return Some((params, literals, true));
            }
            Segment::Literal(lit) => {
                if parts.get(i) != Some(&lit.as_str()) {
                    return None;
                }
                literals += 1;
            }
            Segment::Param(name) => {
                let part = parts.get(i)?;
                if part.is_empty() {
                    return None;
                }
                params.push((name.clone(), percent_decode(part)));
            }
        }
    }
    (parts.len() == compiled.segments.len()).then_some((params, literals, false))
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

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

fn header_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Turns a function's payload into the HTTP response API Gateway would send,
/// or says why API Gateway would reject it (a 502).
pub fn proxy_response(payload: Payload, raw: &[u8]) -> Result<HttpResponse, String> {
    let value: Value = serde_json::from_slice(raw).map_err(|e| format!("the response is not JSON: {e}"))?;
    let proxy = value.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(obj) = proxy else {
        return match payload {
            // HTTP APIs take any other JSON as the body of a 200.
            Payload::V2 => Ok(HttpResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: Bytes::copy_from_slice(raw),
            }),
            Payload::V1 => Err("a REST API proxy response needs a statusCode".into()),
        };
    };
    let status = match &obj["statusCode"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|s| (100..=599).contains(s))
    .ok_or("statusCode is not an HTTP status")? as u16;

    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(h) = obj.get("headers").filter(|h| !h.is_null()) {
        let h = h.as_object().ok_or("headers is not an object")?;
        for (k, v) in h {
            let v = header_value(v).ok_or_else(|| format!("header {k} is not a string"))?;
            headers.push((k.to_ascii_lowercase(), v));
        }
    }
    if let Some(h) = obj.get("multiValueHeaders").filter(|h| !h.is_null()) {
        let h = h.as_object().ok_or("multiValueHeaders is not an object")?;
        for (k, values) in h {
            let key = k.to_ascii_lowercase();
            let values = values.as_array().ok_or_else(|| format!("multiValueHeaders.{k} is not a list"))?;
            // multiValueHeaders win over headers of the same name.
            headers.retain(|(name, _)| *name != key);
            for v in values {
                headers.push((key.clone(), header_value(v).ok_or_else(|| format!("header {k} is not a string"))?));
            }
        }
    }
    if payload == Payload::V2 {
        if let Some(cookies) = obj.get("cookies").filter(|c| !c.is_null()) {
            for c in cookies.as_array().ok_or("cookies is not a list")? {
                headers.push(("set-cookie".into(), c.as_str().ok_or("a cookie is not a string")?.to_owned()));
            }
        }
    }
    let base64 = obj.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let body = match obj.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if base64 => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .map_err(|e| format!("body is not valid base64: {e}"))?,
        ),
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(_) => return Err("body is not a string".into()),
    };
    headers.retain(|(k, _)| k != "content-length" && k != "transfer-encoding" && k != "connection");
    Ok(HttpResponse { status, headers, body })
}

fn origin_allowed(cors: &Cors, origin: &str) -> Option<String> {
    if cors.allow_origins.iter().any(|o| o == "*") {
        return Some(if cors.allow_credentials { origin.to_owned() } else { "*".to_owned() });
    }
    cors.allow_origins.iter().any(|o| o.eq_ignore_ascii_case(origin)).then(|| origin.to_owned())
}

/// A CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) is answered by API Gateway itself.
pub fn preflight(cors: &Cors, req: &HttpRequest) -> Option<HttpResponse> {
    if req.method != "OPTIONS" {
        return None;
    }
    let origin = req.header("origin")?;
    req.header("access-control-request-method")?;
    let mut response = HttpResponse { status: 204, headers: Vec::new(), body: Bytes::new() };
    if let Some(allowed) = origin_allowed(cors, origin) {
        let h = &mut response.headers;
        h.push(("access-control-allow-origin".into(), allowed));
        if !cors.allow_methods.is_empty() {
            h.push(("access-control-allow-methods".into(), cors.allow_methods.join(",")));
        }
        if !cors.allow_headers.is_empty() {
            let headers = if cors.allow_headers.iter().any(|x| x == "*") {
                req.header("access-control-request-headers").unwrap_or("*").to_owned()
            } else {
                cors.allow_headers.join(",")
            };
            h.push(("access-control-allow-headers".into(), headers));
        }
        if let Some(age) = cors.max_age {
            h.push(("access-control-max-age".into(), age.to_string()));
        }
        if cors.allow_credentials {
            h.push(("access-control-allow-credentials".into(), "true".into()));
        }
    }
    Some(response)
}

/// HTTP APIs add the CORS headers to every answer to an allowed origin,
/// replacing the function's own.
pub fn add_cors(cors: &Cors, req: &HttpRequest, response: &mut HttpResponse) {
    let Some(origin) = req.header("origin") else { return };
    let Some(allowed) = origin_allowed(cors, origin) else { return };
    response.headers.retain(|(k, _)| !k.starts_with("access-control-"));
    response.headers.push(("access-control-allow-origin".into(), allowed));
    if !cors.expose_headers.is_empty() {
        response.headers.push(("access-control-expose-headers".into(), cors.expose_headers.join(",")));
    }
    if cors.allow_credentials {
        response.headers.push(("access-control-allow-credentials".into(), "true".into()));
    }
    if !cors.allow_origins.iter().any(|o| o == "*") || cors.allow_credentials {
        response.headers.push(("vary".into(), "Origin".into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: Option<&str>, path: &str, payload: Payload) -> Route {
        Route {
            function: 0,
            method: method.map(str::to_owned),
            path: path.into(),
            payload,
            stage: if payload == Payload::V1 { "Prod".into() } else { "$default".into() },
            cors: None,
        }
    }

    fn request(method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: Bytes::copy_from_slice(body),
            source_ip: "127.0.0.1".into(),
            protocol: "HTTP/1.1".into(),
        }
    }

    #[test]
    fn most_specific_route_wins() {
        let router = Router::new(&[
            route(None, "$default", Payload::V2),
            route(None, "/{proxy+}", Payload::V2),
            route(Some("GET"), "/hello/{name}", Payload::V2),
            route(Some("GET"), "/hello/world", Payload::V2),
            route(None, "/hello/world", Payload::V2),
        ]);
        let m = router.find("GET", "/hello/world").unwrap();
        assert_eq!((m.route.method.as_deref(), m.route.path.as_str()), (Some("GET"), "/hello/world"));
        let m = router.find("POST", "/hello/world").unwrap();
        assert_eq!((m.route.method.as_deref(), m.route.path.as_str()), (None, "/hello/world"));
        let m = router.find("GET", "/hello/a%20b").unwrap();
        assert_eq!(m.route.path, "/hello/{name}");
        assert_eq!(m.params, vec![("name".to_string(), "a b".to_string())]);
        let m = router.find("GET", "/x/y/z").unwrap();
        assert_eq!(m.route.path, "/{proxy+}");
        assert_eq!(m.params, vec![("proxy".to_string(), "x/y/z".to_string())]);
        assert_eq!(router.find("GET", "/").unwrap().route.path, "$default");
    }

    #[test]
    fn unknown_routes_and_methods_do_not_match() {
        let router = Router::new(&[route(Some("GET"), "/hello", Payload::V2)]);
        assert!(router.find("GET", "/nope").is_none());
        assert!(router.find("POST", "/hello").is_none());
        assert!(router.find("GET", "/hello/extra").is_none());
        assert!(router.find("GET", "/hello/").is_some(), "a trailing slash is the same resource");
    }

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

    #[test]
    fn proxy_responses() {
        let r = proxy_response(
            Payload::V2,
            br#"{"statusCode":201,"headers":{"x-a":"1","x-n":5},"cookies":["a=b"],"body":"aGk=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(&r.body[..], b"hi");
        assert!(r.headers.contains(&("x-n".into(), "5".into())));
        assert!(r.headers.contains(&("set-cookie".into(), "a=b".into())));

        let r = proxy_response(Payload::V2, br#"{"bare":true}"#).unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &br#"{"bare":true}"#[..]));
        assert!(proxy_response(Payload::V1, br#"{"bare":true}"#).is_err());

        let r = proxy_response(Payload::V1, br#"{"statusCode":200,"multiValueHeaders":{"X-M":["1","2"]},"body":"ok"}"#)
            .unwrap();
        assert_eq!(r.headers.iter().filter(|(k, _)| k == "x-m").count(), 2);

        assert!(proxy_response(Payload::V2, b"not json").is_err());
        assert!(proxy_response(Payload::V2, br#"{"statusCode":"abc"}"#).is_err());
        assert!(proxy_response(Payload::V2, br#"{"statusCode":200,"body":{"x":1}}"#).is_err());
        assert!(proxy_response(Payload::V2, br#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#).is_err());
    }

    #[test]
    fn cors_preflight_and_headers() {
        let cors = Cors {
            allow_origins: vec!["https://example.com".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["content-type".into()],
            max_age: Some(600),
            ..Cors::default()
        };
        let req = request(
            "OPTIONS",
            "/x",
            "",
            &[("origin", "https://example.com"), ("access-control-request-method", "POST")],
            b"",
        );
        let r = preflight(&cors, &req).unwrap();
        assert_eq!(r.status, 204);
        assert!(r.headers.contains(&("access-control-allow-origin".into(), "https://example.com".into())));
        assert!(r.headers.contains(&("access-control-allow-methods".into(), "GET,POST".into())));
        assert!(r.headers.contains(&("access-control-max-age".into(), "600".into())));

        let other = request(
            "OPTIONS",
            "/x",
            "",
            &[("origin", "https://evil.test"), ("access-control-request-method", "GET")],
            b"",
        );
        assert!(preflight(&cors, &other).unwrap().headers.is_empty());

        let get = request("GET", "/x", "", &[("origin", "https://example.com")], b"");
        let mut response = HttpResponse::json_message(200, "ok");
        add_cors(&cors, &get, &mut response);
        assert!(response.headers.contains(&("access-control-allow-origin".into(), "https://example.com".into())));
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b%zz%4"), "a b%zz%4");
        assert_eq!(percent_decode("%你%"), "%你%");
        assert_eq!(percent_decode("%E4%BD%A0"), "你");
    }
}
