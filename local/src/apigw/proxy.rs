//! A function's proxy response back to HTTP, or why API Gateway would
//! reject it.

use base64::Engine;
use bytes::Bytes;
use serde_json::Value;

use super::events::is_binary_media_type;
use super::{HttpRequest, HttpResponse};
use crate::template::{Payload, Route};

fn header_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whose answer a function's payload is: it decides how the payload reads.
#[derive(Clone, Copy, Debug)]
pub struct Integration<'a> {
    pub payload: Payload,
    /// A REST API's: its binary media types, and the request's `Accept`.
    pub rest: Option<(&'a [String], Option<&'a str>)>,
}

impl<'a> Integration<'a> {
    /// An HTTP API's (or a function URL's) integration.
    pub fn http_api(payload: Payload) -> Integration<'static> {
        Integration { payload, rest: None }
    }

    /// The integration of `route`, answering `req`.
    pub fn of(route: &'a Route, req: &'a HttpRequest) -> Integration<'a> {
        Integration {
            payload: route.payload,
            rest: route.rest.as_ref().map(|rest| (&rest.binary_media_types[..], req.header("accept"))),
        }
    }
}

/// The keys of a REST API's Lambda proxy response; any other makes it
/// malformed ("Set up a proxy integration with a proxy resource", output
/// format of a Lambda function for proxy integration).
const REST_PROXY_KEYS: [&str; 5] = ["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"];

/// Turns a function's payload into the HTTP response API Gateway would send,
/// or says why API Gateway would reject it (a 502).
pub fn proxy_response(integration: Integration<'_>, raw: &[u8]) -> Result<HttpResponse, String> {
    let payload = integration.payload;
    let value: Value = serde_json::from_slice(raw).map_err(|e| format!("the response is not JSON: {e}"))?;
    let proxy = value.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(obj) = proxy else {
        return match payload {
            // HTTP APIs take any other JSON as the body of a 200, a string
            // as its text ("Working with AWS Lambda proxy integrations for
            // HTTP APIs": `"Hello from Lambda!"` becomes the body
            // `Hello from Lambda!`, content-type application/json).
            Payload::V2 => Ok(HttpResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: match &value {
                    Value::String(text) => Bytes::from(text.clone()),
                    _ => Bytes::copy_from_slice(raw),
                },
            }),
            Payload::V1 => Err("a REST API proxy response needs a statusCode".into()),
        };
    };
    if integration.rest.is_some() {
        if let Some(key) = obj.keys().find(|k| !REST_PROXY_KEYS.contains(&k.as_str())) {
            return Err(format!("{key} is not a field of a REST API proxy response"));
        }
    }
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
    // Payload 2.0 has no multiValueHeaders: an HTTP API ignores the field
    // ("Working with AWS Lambda proxy integrations for HTTP APIs").
    let multi = obj.get("multiValueHeaders").filter(|h| !h.is_null() && payload == Payload::V1);
    if let Some(h) = multi {
        let h = h.as_object().ok_or("multiValueHeaders is not an object")?;
        for (k, values) in h {
            let key = k.to_ascii_lowercase();
            let values = values.as_array().ok_or_else(|| format!("multiValueHeaders.{k} is not a list"))?;
            // Merged with headers into one list, a name-value pair in both
            // kept once (output format of a Lambda function for proxy
            // integration).
            for v in values {
                let v = header_value(v).ok_or_else(|| format!("header {k} is not a string"))?;
                if !headers.iter().any(|(name, value)| *name == key && *value == v) {
                    headers.push((key.clone(), v));
                }
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
    // A REST API answers application/json when the function names no type.
    if integration.rest.is_some() && !headers.iter().any(|(k, _)| k == "content-type") {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let content_type = headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.as_str());
    // A REST API decodes a base64 body only when the answer's content type,
    // or the first media type the request Accepts, is a binary media type;
    // else the base64 text is the body ("Binary media types for REST APIs
    // in API Gateway", "Content type conversions in API Gateway").
    let decode = match integration.rest {
        None => true,
        Some((types, accept)) => {
            let first_accepted = accept.and_then(|a| a.split(',').next());
            is_binary_media_type(types, content_type) || is_binary_media_type(types, first_accepted)
        }
    };
    let base64 = obj.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let body = match obj.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if base64 && decode => Bytes::from(
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

#[cfg(test)]
mod tests {
    use super::*;

    const V2: Integration<'static> = Integration { payload: Payload::V2, rest: None };
    const HTTP_V1: Integration<'static> = Integration { payload: Payload::V1, rest: None };

    #[test]
    fn proxy_responses() {
        let r = proxy_response(
            V2,
            br#"{"statusCode":201,"headers":{"x-a":"1","x-n":5},"cookies":["a=b"],"body":"aGk=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(&r.body[..], b"hi");
        assert!(r.headers.contains(&("x-n".into(), "5".into())));
        assert!(r.headers.contains(&("set-cookie".into(), "a=b".into())));

        let r = proxy_response(V2, br#"{"bare":true}"#).unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &br#"{"bare":true}"#[..]));
        assert!(proxy_response(HTTP_V1, br#"{"bare":true}"#).is_err());

        let r = proxy_response(HTTP_V1, br#"{"statusCode":200,"multiValueHeaders":{"X-M":["1","2"]},"body":"ok"}"#)
            .unwrap();
        assert_eq!(r.headers.iter().filter(|(k, _)| k == "x-m").count(), 2);

        assert!(proxy_response(V2, b"not json").is_err());
        assert!(proxy_response(V2, br#"{"statusCode":"abc"}"#).is_err());
        assert!(proxy_response(V2, br#"{"statusCode":200,"body":{"x":1}}"#).is_err());
        assert!(proxy_response(V2, br#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#).is_err());
    }

    fn rest<'a>(types: &'a [String], accept: Option<&'a str>) -> Integration<'a> {
        Integration { payload: Payload::V1, rest: Some((types, accept)) }
    }

    fn values<'a>(r: &'a HttpResponse, name: &str) -> Vec<&'a str> {
        r.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Payload 2.0 has no multiValueHeaders: an HTTP API ignores the field
    /// ("Working with AWS Lambda proxy integrations for HTTP APIs",
    /// response format 2.0).
    #[test]
    fn payload_2_ignores_multi_value_headers() {
        let r = proxy_response(
            V2,
            br#"{"statusCode":200,"headers":{"x-a":"1"},"multiValueHeaders":{"x-a":["2"],"x-m":["3"]}}"#,
        )
        .unwrap();
        assert_eq!((values(&r, "x-a"), values(&r, "x-m")), (vec!["1"], vec![]));
    }

    /// Payload 1.0: with both headers and multiValueHeaders, API Gateway
    /// merges them into one list, a name-value pair present in both kept
    /// once ("Set up a proxy integration with a proxy resource", output
    /// format of a Lambda function for proxy integration).
    #[test]
    fn payload_1_merges_headers_and_multi_value_headers() {
        let raw =
            br#"{"statusCode":200,"headers":{"X-A":"1","X-B":"b"},"multiValueHeaders":{"x-a":["1","2"],"X-C":["c"]}}"#;
        for integration in [HTTP_V1, rest(&[], None)] {
            let r = proxy_response(integration, raw).unwrap();
            assert_eq!(values(&r, "x-a"), ["1", "2"]);
            assert_eq!((values(&r, "x-b"), values(&r, "x-c")), (vec!["b"], vec!["c"]));
        }
    }

    /// A REST API's Lambda proxy response has statusCode, headers,
    /// multiValueHeaders, body and isBase64Encoded; with any other key it is
    /// malformed, a 502 ("Set up a proxy integration with a proxy
    /// resource": output format; "Malformed Lambda proxy response").
    #[test]
    fn rest_refuses_keys_outside_the_proxy_format() {
        for raw in [&br#"{"statusCode":200,"cookies":["a=b"]}"#[..], br#"{"statusCode":200,"bodyy":"x"}"#] {
            let e = proxy_response(rest(&[], None), raw).unwrap_err();
            assert!(e.contains("is not a field of a REST API proxy response"), "{e}");
        }
        let full = br#"{"statusCode":200,"headers":{},"multiValueHeaders":{},"body":"x","isBase64Encoded":false}"#;
        assert!(proxy_response(rest(&[], None), full).is_ok());
    }

    /// A REST API answers `content-type: application/json` when the function
    /// names none (REST proxy integrations' default response content type).
    #[test]
    fn rest_answers_json_without_a_content_type() {
        let r = proxy_response(rest(&[], None), br#"{"statusCode":200,"body":"{}"}"#).unwrap();
        assert_eq!(values(&r, "content-type"), ["application/json"]);
        let r =
            proxy_response(rest(&[], None), br#"{"statusCode":200,"headers":{"Content-Type":"text/html"}}"#).unwrap();
        assert_eq!(values(&r, "content-type"), ["text/html"]);
    }

    /// "Working with AWS Lambda proxy integrations for HTTP APIs", format
    /// 2.0 response inference: the output `"Hello from Lambda!"` is
    /// interpreted as statusCode 200, content-type application/json and the
    /// body `Hello from Lambda!` (the string, not its JSON); other JSON
    /// without a statusCode is the body as returned.
    #[test]
    fn payload_2_takes_a_bare_string_as_the_body() {
        let r = proxy_response(V2, br#""hello""#).unwrap();
        assert_eq!((r.status, &r.body[..]), (200, &b"hello"[..]));
        assert_eq!(values(&r, "content-type"), ["application/json"]);
        for raw in [&b"[1,2]"[..], b"42", br#"{"message":"hi"}"#] {
            assert_eq!(&proxy_response(V2, raw).unwrap().body[..], raw);
        }
    }

    /// A REST API decodes a base64 body (isBase64Encoded) only when the
    /// answer's content type or the request's first Accept type is one of its
    /// binary media types; else the base64 text is the body ("Binary media
    /// types for REST APIs in API Gateway": "API Gateway uses the first Accept
    /// header from clients"; "Content type conversions in API Gateway").
    /// HTTP APIs always decode.
    #[test]
    fn rest_decodes_base64_only_for_binary_media_types() {
        let png = br#"{"statusCode":200,"headers":{"content-type":"image/png"},"body":"aGk=","isBase64Encoded":true}"#;
        let text =
            br#"{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"aGk=","isBase64Encoded":true}"#;
        let types = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (image, all, none) = (types(&["image/*"]), types(&["*/*"]), types(&[]));
        let body = |integration, raw: &[u8]| proxy_response(integration, raw).unwrap().body;
        assert_eq!(&body(rest(&image, None), png)[..], b"hi");
        assert_eq!(&body(rest(&all, None), text)[..], b"hi");
        assert_eq!(&body(rest(&none, None), png)[..], b"aGk=");
        assert_eq!(&body(rest(&image, None), text)[..], b"aGk=");
        assert_eq!(&body(rest(&image, Some("image/webp, text/html")), text)[..], b"hi");
        assert_eq!(&body(rest(&image, Some("text/html, image/webp")), text)[..], b"aGk=");
        assert_eq!(&body(V2, text)[..], b"hi");
    }
}
