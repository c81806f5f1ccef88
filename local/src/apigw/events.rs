//! The proxy events API Gateway hands a function: REST API (payload 1.0)
//! and HTTP API (payload 2.0).

use std::collections::BTreeMap;

use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use super::router::{percent_decode, Match};
use super::{HttpRequest, API_ID};
use crate::template::{Payload, ACCOUNT_ID};
use crate::util;

/// `(name, value)` pairs of a raw query string, decoded, in order: a `+`
/// is a space and `%2B` a `+`, as in the `queryStringParameters` of captured
/// events (`rawQueryString` keeps the text as sent).
pub(super) fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| percent_decode(&text.replace('+', " "));
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
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

/// Whether `content_type` (parameters aside) is one of a REST API's
/// `binary_media_types`, where `*` stands for any run of characters
/// (`image/*`, `*/*`): "Binary media types for REST APIs in API Gateway".
pub(super) fn is_binary_media_type(binary_media_types: &[String], content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    !ct.is_empty() && binary_media_types.iter().any(|pattern| glob(&pattern.trim().to_ascii_lowercase(), &ct))
}

/// `text` matches `pattern`, in which `*` is any run of characters: the
/// usual backtrack to the last `*`, so a long hostile `Content-Type` costs
/// its length times the pattern's, no more.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if i < p.len() && p[i] == t[j] {
            i += 1;
            j += 1;
        } else if let Some((s, mark)) = star {
            star = Some((s, mark + 1));
            i = s + 1;
            j = mark + 1;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// The body as a proxy event carries it: text, or base64 for binary. An
/// HTTP API base64-encodes what is not text; a REST API what its binary
/// media types name ("Binary media types for REST APIs in API Gateway"),
/// else the body passes as the text it is.
fn event_body(req: &HttpRequest, m: &Match<'_>) -> (Option<String>, bool) {
    if req.body.is_empty() {
        return (None, false);
    }
    let content_type = req.header("content-type");
    let text = match &m.route.rest {
        Some(rest) => !is_binary_media_type(&rest.binary_media_types, content_type),
        None => m.route.payload == Payload::V1 || is_text(content_type),
    };
    match std::str::from_utf8(&req.body) {
        Ok(body) if text => (Some(body.to_owned()), false),
        _ => (Some(base64::engine::general_purpose::STANDARD.encode(&req.body)), true),
    }
}

/// What API Gateway adds to a request on its way to the function, as every
/// captured event has them: `x-forwarded-for` (the client's address, appended
/// to one the client sent, as a proxy does), `x-forwarded-proto` and
/// `x-forwarded-port` (API Gateway's own; here plain HTTP on the runner's
/// port, replacing any the client sent), and `x-amzn-trace-id`
/// (`Root=1-<epoch seconds, 8 hex>-<24 hex>`; one the client sent is kept,
/// since a trace id is propagated).
pub fn add_forwarded_headers(req: &mut HttpRequest, port: u16, now_ms: u128) {
    let ip = req.source_ip.clone();
    match req.headers.iter_mut().find(|(k, _)| k == "x-forwarded-for") {
        Some((_, existing)) if !existing.trim().is_empty() => *existing = format!("{existing}, {ip}"),
        Some((_, existing)) => *existing = ip,
        None => req.headers.push(("x-forwarded-for".into(), ip)),
    }
    req.headers.retain(|(k, _)| k != "x-forwarded-proto" && k != "x-forwarded-port");
    req.headers.push(("x-forwarded-proto".into(), "http".into()));
    req.headers.push(("x-forwarded-port".into(), port.to_string()));
    if req.header("x-amzn-trace-id").is_none() {
        let trace = format!("Root=1-{:08x}-{}", (now_ms / 1000) as u64, util::hex(24));
        req.headers.push(("x-amzn-trace-id".into(), trace));
    }
}

/// Path parameters as the events carry them: absent (`null`) when none.
fn params_map(params: &[(String, String)]) -> Option<BTreeMap<String, String>> {
    (!params.is_empty()).then(|| params.iter().cloned().collect())
}

/// An HTTP API payload 2.0 event, field for field as API Gateway sends it
/// (`aws_lambda_events`' `ApiGatewayV2httpRequest` reads it back; its own
/// serializer would add the v1 authorizer fields HTTP APIs never send).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V2Event<'a> {
    version: &'static str,
    route_key: &'a str,
    raw_path: &'a str,
    raw_query_string: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<&'a str>,
    /// Repeated headers joined with commas.
    headers: BTreeMap<&'a str, String>,
    /// Repeated names joined with commas.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    query_string_parameters: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_parameters: Option<BTreeMap<String, String>>,
    request_context: V2Context<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V2Context<'a> {
    account_id: &'static str,
    api_id: &'static str,
    domain_name: &'a str,
    domain_prefix: &'a str,
    http: V2Http<'a>,
    request_id: &'a str,
    route_key: &'a str,
    stage: &'a str,
    time: String,
    time_epoch: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V2Http<'a> {
    method: &'a str,
    path: &'a str,
    protocol: &'a str,
    source_ip: &'a str,
    user_agent: &'a str,
}

/// An HTTP API payload 2.0 event.
pub fn v2_event(req: &HttpRequest, m: &Match<'_>, request_id: &str, now_ms: u128) -> Value {
    let route_key = m.route.route_key();
    let mut headers: BTreeMap<&str, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &req.headers {
        if name == "cookie" {
            cookies.extend(value.split(';').map(str::trim).filter(|c| !c.is_empty()));
            continue;
        }
        joined(headers.entry(name.as_str()).or_default(), value);
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in query_pairs(&req.query) {
        joined(query.entry(k).or_default(), &v);
    }
    let host = req.header("host").unwrap_or("127.0.0.1");
    let (body, is_base64_encoded) = event_body(req, m);
    // An HTTP API hands over the path percent-decoded (`/a%2Fb` is `/a/b`),
    // in rawPath as in requestContext.http.path, as captured events show.
    let path = percent_decode(&req.path);
    let event = V2Event {
        version: "2.0",
        route_key: &route_key,
        raw_path: &path,
        raw_query_string: &req.query,
        cookies,
        headers,
        query_string_parameters: query,
        path_parameters: params_map(&m.params),
        request_context: V2Context {
            account_id: ACCOUNT_ID,
            api_id: API_ID,
            domain_name: host,
            domain_prefix: host.split('.').next().unwrap_or(host),
            http: V2Http {
                method: &req.method,
                path: &path,
                protocol: &req.protocol,
                source_ip: &req.source_ip,
                user_agent: req.header("user-agent").unwrap_or(""),
            },
            request_id,
            route_key: &route_key,
            stage: &m.route.stage,
            time: util::apigw_time(now_ms),
            time_epoch: now_ms as u64,
        },
        body,
        is_base64_encoded,
    };
    serde_json::to_value(event).expect("an event is plain data")
}

/// A repeated header's or query parameter's values as one, the way an
/// event carries them (see [`joined`]); `None` when there is none.
pub(super) fn joined_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut out: Option<String> = None;
    for value in values {
        joined(out.get_or_insert_with(String::new), value);
    }
    out
}

/// `value` appended to `existing`, comma-separated, as API Gateway joins repeats.
fn joined(existing: &mut String, value: &str) {
    if !existing.is_empty() {
        existing.push(',');
    }
    existing.push_str(value);
}

/// A REST API (payload 1.0) proxy event, field for field as API Gateway
/// sends it, header names Title-Cased (`aws_lambda_events`' `HeaderMap`
/// would lower-case them).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Event<'a> {
    resource: &'a str,
    path: &'a str,
    http_method: &'a str,
    headers: Option<BTreeMap<String, &'a str>>,
    multi_value_headers: Option<BTreeMap<String, Vec<&'a str>>>,
    /// The last value of a repeated name.
    query_string_parameters: Option<BTreeMap<String, String>>,
    multi_value_query_string_parameters: Option<BTreeMap<String, Vec<String>>>,
    path_parameters: Option<BTreeMap<String, String>>,
    stage_variables: Option<BTreeMap<String, String>>,
    request_context: V1Context<'a>,
    body: Option<String>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Context<'a> {
    resource_id: &'static str,
    resource_path: &'a str,
    http_method: &'a str,
    extended_request_id: &'a str,
    request_time: String,
    path: String,
    account_id: &'static str,
    protocol: &'a str,
    stage: &'a str,
    domain_prefix: &'a str,
    request_time_epoch: u64,
    request_id: &'a str,
    identity: V1Identity<'a>,
    domain_name: &'a str,
    api_id: &'static str,
}

/// The caller as a REST API without authorizers sees it: all `null` but
/// the source IP and user agent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Identity<'a> {
    cognito_identity_pool_id: Option<&'a str>,
    account_id: Option<&'a str>,
    cognito_identity_id: Option<&'a str>,
    caller: Option<&'a str>,
    source_ip: &'a str,
    principal_org_id: Option<&'a str>,
    access_key: Option<&'a str>,
    cognito_authentication_type: Option<&'a str>,
    cognito_authentication_provider: Option<&'a str>,
    user_arn: Option<&'a str>,
    user_agent: Option<&'a str>,
    user: Option<&'a str>,
}

/// A REST API (payload 1.0) proxy event.
pub fn v1_event(req: &HttpRequest, m: &Match<'_>, request_id: &str, now_ms: u128) -> Value {
    let mut headers = BTreeMap::new();
    let mut multi_headers: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, value) in &req.headers {
        let name = title_case(name);
        headers.insert(name.clone(), value.as_str());
        multi_headers.entry(name).or_default().push(value);
    }
    let mut query = BTreeMap::new();
    let mut multi_query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in query_pairs(&req.query) {
        query.insert(k.clone(), v.clone());
        multi_query.entry(k).or_default().push(v);
    }
    fn some<M: IsEmpty>(map: M) -> Option<M> {
        (!map.is_empty()).then_some(map)
    }
    let host = req.header("host").unwrap_or("127.0.0.1");
    let (body, is_base64_encoded) = event_body(req, m);
    // A REST API's `path` is the path as sent, still percent-encoded; an
    // HTTP API's payload 1.0 `path` is decoded like its 2.0 rawPath (both as
    // published captures show them).
    let path = match m.route.rest {
        Some(_) => req.path.clone(),
        None => percent_decode(&req.path),
    };
    let resource = if m.route.path == "$default" { "/{proxy+}".to_owned() } else { m.route.path.clone() };
    let event = V1Event {
        resource: &resource,
        path: &path,
        http_method: &req.method,
        headers: some(headers),
        multi_value_headers: some(multi_headers),
        query_string_parameters: some(query),
        multi_value_query_string_parameters: some(multi_query),
        path_parameters: params_map(&m.params),
        stage_variables: None,
        request_context: V1Context {
            resource_id: "local0",
            resource_path: &resource,
            http_method: &req.method,
            extended_request_id: request_id,
            request_time: util::apigw_time(now_ms),
            path: format!("/{}{}", m.route.stage, path),
            account_id: ACCOUNT_ID,
            protocol: &req.protocol,
            stage: &m.route.stage,
            domain_prefix: host.split('.').next().unwrap_or(host),
            request_time_epoch: now_ms as u64,
            request_id,
            identity: V1Identity {
                cognito_identity_pool_id: None,
                account_id: None,
                cognito_identity_id: None,
                caller: None,
                source_ip: &req.source_ip,
                principal_org_id: None,
                access_key: None,
                cognito_authentication_type: None,
                cognito_authentication_provider: None,
                user_arn: None,
                user_agent: req.header("user-agent"),
                user: None,
            },
            domain_name: host,
            api_id: API_ID,
        },
        body,
        is_base64_encoded,
    };
    serde_json::to_value(event).expect("an event is plain data")
}

/// Maps that become `null` when empty, as REST API events have them.
trait IsEmpty {
    fn is_empty(&self) -> bool;
}

impl<K, V> IsEmpty for BTreeMap<K, V> {
    fn is_empty(&self) -> bool {
        BTreeMap::is_empty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigw::router::Router;
    use crate::apigw::test_util::{request, route};
    use crate::template::Payload;
    use serde_json::json;

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

    /// What the functions parse the events with reads every field back.
    #[test]
    fn aws_lambda_events_reads_the_events() {
        use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};

        let router = Router::new(&[route(Some("POST"), "/items/{id}", Payload::V2)]);
        let req = request(
            "POST",
            "/items/42",
            "a=1&b=x%20y",
            &[("content-type", "text/plain"), ("user-agent", "t"), ("cookie", "s=1")],
            b"hi",
        );
        let m = router.find("POST", "/items/42").unwrap();
        let v2: ApiGatewayV2httpRequest = serde_json::from_value(v2_event(&req, &m, "rid", 0)).unwrap();
        assert_eq!(v2.route_key.as_deref(), Some("POST /items/{id}"));
        assert_eq!(v2.raw_query_string.as_deref(), Some("a=1&b=x%20y"));
        assert_eq!(v2.query_string_parameters.first("b"), Some("x y"));
        assert_eq!(v2.path_parameters["id"], "42");
        assert_eq!(v2.cookies, Some(vec!["s=1".to_owned()]));
        assert_eq!(v2.headers["content-type"], "text/plain");
        assert_eq!(v2.request_context.http.method.as_str(), "POST");
        assert_eq!(v2.request_context.http.source_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!((v2.body.as_deref(), v2.is_base64_encoded), (Some("hi"), false));

        let v1: ApiGatewayProxyRequest = serde_json::from_value(v1_event(&req, &m, "rid", 0)).unwrap();
        assert_eq!(v1.http_method.as_str(), "POST");
        assert_eq!(v1.path.as_deref(), Some("/items/42"));
        assert_eq!(v1.query_string_parameters.first("a"), Some("1"));
        assert_eq!(v1.multi_value_headers.get_all("user-agent").iter().count(), 1);
        assert_eq!(v1.request_context.stage.as_deref(), Some("$default"));
        assert_eq!(v1.body.as_deref(), Some("hi"));
    }

    fn rest_route(path: &str, binary_media_types: &[&str]) -> crate::template::Route {
        let mut r = route(None, path, Payload::V1);
        r.rest = Some(crate::template::RestApi {
            binary_media_types: binary_media_types.iter().map(|t| t.to_string()).collect(),
        });
        r
    }

    /// A `+` in a query string is a space, `%2B` a `+`, in
    /// queryStringParameters and multiValueQueryStringParameters (v1 and
    /// v2; captured events show `a+b` as `a b`); rawQueryString is as sent.
    #[test]
    fn a_plus_in_the_query_is_a_space() {
        let query = "q=a+b&r=a%2Bb&q=c";
        let router = Router::new(&[route(None, "/s", Payload::V2)]);
        let req = request("GET", "/s", query, &[], b"");
        let e = v2_event(&req, &router.find("GET", "/s").unwrap(), "rid", 0);
        assert_eq!(e["rawQueryString"], query);
        assert_eq!(e["queryStringParameters"], json!({"q": "a b,c", "r": "a+b"}));
        let router = Router::new(&[rest_route("/s", &[])]);
        let e = v1_event(&req, &router.find("GET", "/s").unwrap(), "rid", 0);
        assert_eq!(e["queryStringParameters"], json!({"q": "c", "r": "a+b"}));
        assert_eq!(e["multiValueQueryStringParameters"], json!({"q": ["a b", "c"], "r": ["a+b"]}));
    }

    /// An HTTP API's rawPath and requestContext.http.path are the decoded
    /// path, `%2F` included (captured HTTP API events: `/a%2Fb` arrives as
    /// `/a/b`); a REST API's `path` stays as sent (captured REST events keep
    /// the encoding), an HTTP API's payload 1.0 `path` is decoded.
    #[test]
    fn paths_are_decoded_as_each_api_does() {
        let sent = "/files/a%2Fb/c%20d";
        let req = request("GET", sent, "", &[], b"");
        let router = Router::new(&[route(None, "/files/{proxy+}", Payload::V2)]);
        let e = v2_event(&req, &router.find("GET", sent).unwrap(), "rid", 0);
        assert_eq!(
            (&e["rawPath"], &e["requestContext"]["http"]["path"]),
            (&json!("/files/a/b/c d"), &json!("/files/a/b/c d"))
        );
        let router = Router::new(&[rest_route("/files/{proxy+}", &[])]);
        let e = v1_event(&req, &router.find("GET", sent).unwrap(), "rid", 0);
        assert_eq!((&e["path"], &e["requestContext"]["path"]), (&json!(sent), &json!(format!("/Prod{sent}"))));
        let mut http_v1 = route(None, "/files/{proxy+}", Payload::V1);
        http_v1.rest = None;
        let router = Router::new(&[http_v1]);
        let e = v1_event(&req, &router.find("GET", sent).unwrap(), "rid", 0);
        assert_eq!(e["path"], "/files/a/b/c d");
    }

    /// A REST API hands a body whose content type is one of its binary media
    /// types (wildcards allowed) to the function base64-encoded, with
    /// isBase64Encoded true; any other body as text ("Binary media types for
    /// REST APIs in API Gateway").
    #[test]
    fn rest_binary_media_types_decide_request_bodies() {
        let router = Router::new(&[rest_route("/up", &["image/*", "application/octet-stream"])]);
        let m = router.find("POST", "/up").unwrap();
        for (content_type, body, encoded) in [
            ("image/png", "YWJj", true),
            ("Application/Octet-Stream; charset=x", "YWJj", true),
            ("text/plain", "abc", false),
            ("application/json", "abc", false),
        ] {
            let req = request("POST", "/up", "", &[("content-type", content_type)], b"abc");
            let e = v1_event(&req, &m, "rid", 0);
            assert_eq!((&e["body"], &e["isBase64Encoded"]), (&json!(body), &json!(encoded)), "{content_type}");
        }
        let router = Router::new(&[rest_route("/up", &["*/*"])]);
        let req = request("POST", "/up", "", &[("content-type", "text/plain")], b"abc");
        assert_eq!(v1_event(&req, &router.find("POST", "/up").unwrap(), "rid", 0)["isBase64Encoded"], true);
        assert!(glob("application/vnd.*+json", "application/vnd.api+json") && !glob("image/*", "text/image"));
        assert!(is_binary_media_type(&["*/*".into()], Some(&"/".repeat(20_000))), "a long type matches at once");
        // Without binary media types, text stays text.
        let router = Router::new(&[rest_route("/up", &[])]);
        let req = request("POST", "/up", "", &[("content-type", "image/png")], b"abc");
        assert_eq!(v1_event(&req, &router.find("POST", "/up").unwrap(), "rid", 0)["body"], "abc");
    }

    /// API Gateway adds x-forwarded-for (the client's address, appended to
    /// one the client sent), x-forwarded-proto, x-forwarded-port and
    /// x-amzn-trace-id (`Root=1-<8 hex epoch seconds>-<24 hex>`) to every
    /// request, as captured events of both payload formats show.
    #[test]
    fn api_gateway_adds_its_forwarding_headers() {
        let mut req = request("GET", "/s", "", &[("x-forwarded-proto", "https")], b"");
        add_forwarded_headers(&mut req, 3000, 1_795_241_400_000);
        assert_eq!(req.header("x-forwarded-for"), Some("127.0.0.1"));
        assert_eq!(req.header("x-forwarded-proto"), Some("http"));
        assert_eq!(req.header("x-forwarded-port"), Some("3000"));
        let trace = req.header("x-amzn-trace-id").unwrap();
        let random = trace.strip_prefix("Root=1-6b0135b8-").unwrap_or_else(|| panic!("{trace}"));
        assert_eq!(format!("{:08x}", 1_795_241_400u64), "6b0135b8");
        assert!(random.len() == 24 && random.chars().all(|c| c.is_ascii_hexdigit()), "{trace}");
        assert_eq!(req.headers.iter().filter(|(k, _)| k.starts_with("x-forwarded-proto")).count(), 1);

        let mut req =
            request("GET", "/s", "", &[("x-forwarded-for", "203.0.113.7"), ("x-amzn-trace-id", "Root=1-a-b")], b"");
        add_forwarded_headers(&mut req, 3000, 0);
        assert_eq!(req.header("x-forwarded-for"), Some("203.0.113.7, 127.0.0.1"));
        assert_eq!(req.header("x-amzn-trace-id"), Some("Root=1-a-b"));
        let router = Router::new(&[rest_route("/s", &[])]);
        let e = v1_event(&req, &router.find("GET", "/s").unwrap(), "rid", 0);
        assert_eq!(e["headers"]["X-Forwarded-For"], "203.0.113.7, 127.0.0.1");
        assert_eq!(e["headers"]["X-Forwarded-Port"], "3000");
    }
}
