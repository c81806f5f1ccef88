//! A function's proxy response back to HTTP, or why API Gateway would
//! reject it.

use base64::Engine;
use bytes::Bytes;
use serde_json::Value;

use super::HttpResponse;
use crate::template::Payload;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
