use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use aws_lambda_events::http::HeaderMap;
use base64::Engine;
use serde_json::Value;

use crate::json::{self, Bounded};
use crate::{form, Params, Response};

/// Which door the event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API, proxy integration (payload v1).
    RestApi,
    /// API Gateway HTTP API (payload v2).
    HttpApi,
    /// `aws lambda invoke` with a plain JSON object, e.g. `{"text": "..."}`.
    Direct,
}

/// An event, whatever its shape, reduced to what the tools need.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub source: Source,
    /// `GET`, `POST`, ...; `INVOKE` for a direct invoke.
    pub method: String,
    pub path: String,
    pub params: Params,
}

/// Parses an event into a [`Request`], or the 4xx response that explains why not.
pub fn parse_event(event: Value) -> Result<Request, Response> {
    let Value::Object(fields) = &event else {
        return Err(Response::error(400, "event must be a JSON object"));
    };
    let is_http_api = fields.get("version").and_then(Value::as_str) == Some("2.0")
        && fields.get("requestContext").and_then(|c| c.get("http")).is_some();
    let is_rest_api = fields.contains_key("httpMethod") && fields.contains_key("requestContext");

    if is_http_api {
        let event: ApiGatewayV2httpRequest = serde_json::from_value(event)
            .map_err(|e| Response::error(400, &format!("malformed API Gateway HTTP API event: {e}")))?;
        // The raw query string, not `queryStringParameters`: API Gateway joins
        // repeated names with commas there, which would split a text containing one.
        let mut params = Params::new();
        let query = event.raw_query_string.as_deref().unwrap_or("");
        for (name, value) in form::decode_pairs(query).ok_or_else(invalid_query)? {
            params.insert(name, Value::String(value));
        }
        add_body(&mut params, &event.headers, event.body.as_deref(), event.is_base64_encoded)?;
        Ok(Request {
            source: Source::HttpApi,
            method: event.request_context.http.method.to_string(),
            path: event.raw_path.unwrap_or_default(),
            params,
        })
    } else if is_rest_api {
        let event: ApiGatewayProxyRequest = serde_json::from_value(event)
            .map_err(|e| Response::error(400, &format!("malformed API Gateway REST event: {e}")))?;
        let mut params = Params::new();
        // As the seed's handler reads it: one (the last) value per name.
        for (name, value) in event.query_string_parameters.iter() {
            params.insert(name, Value::String(value.to_string()));
        }
        add_body(&mut params, &event.headers, event.body.as_deref(), event.is_base64_encoded)?;
        Ok(Request {
            source: Source::RestApi,
            method: event.http_method.to_string(),
            path: event.path.unwrap_or_default(),
            params,
        })
    } else {
        let Value::Object(fields) = event else { unreachable!("checked above") };
        let mut params = Params::new();
        for (name, value) in fields {
            params.insert(name, value);
        }
        Ok(Request { source: Source::Direct, method: "INVOKE".into(), path: String::new(), params })
    }
}

fn invalid_query() -> Response {
    Response::error(400, "query string is not valid UTF-8 after percent-decoding")
}

/// Adds the body's parameters over the query's. JSON objects give their
/// fields, forms their pairs, and plain text becomes the `text` parameter.
fn add_body(params: &mut Params, headers: &HeaderMap, body: Option<&str>, base64: bool) -> Result<(), Response> {
    let Some(body) = body.filter(|b| !b.is_empty()) else { return Ok(()) };
    let decoded;
    let body = if base64 {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| Response::error(400, "body is marked base64 but does not decode"))?;
        decoded = String::from_utf8(bytes).map_err(|_| Response::error(400, "body is not UTF-8 text"))?;
        decoded.as_str()
    } else {
        body
    };

    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match content_type.as_deref() {
        Some("application/json") => add_json(params, body),
        Some(t) if t.ends_with("+json") => add_json(params, body),
        Some("application/x-www-form-urlencoded") => {
            let pairs = form::decode_pairs(body)
                .ok_or_else(|| Response::error(400, "form body is not valid UTF-8 after percent-decoding"))?;
            for (name, value) in pairs {
                params.insert(name, Value::String(value));
            }
            Ok(())
        }
        Some(t) if t.starts_with("text/") => {
            params.insert("text", Value::String(body.to_string()));
            Ok(())
        }
        // No content type (curl -d sends a form type, fetch() often none):
        // a JSON object if it is one, else plain text.
        None | Some("") => {
            if body.trim_start().starts_with('{') {
                if let Ok(parsed) = json::parse(body) {
                    return add_fields(params, parsed);
                }
            }
            params.insert("text", Value::String(body.to_string()));
            Ok(())
        }
        Some(other) => Err(Response::error(
            415,
            &format!("unsupported content-type '{other}': send application/json, application/x-www-form-urlencoded or text/plain"),
        )),
    }
}

fn add_json(params: &mut Params, body: &str) -> Result<(), Response> {
    match json::parse(body) {
        Ok(parsed) => add_fields(params, parsed),
        Err(e) => Err(Response::error(400, &format!("body is not valid JSON: {e}"))),
    }
}

/// A JSON body's fields as parameters: it must be an object, parsed within the budget.
fn add_fields(params: &mut Params, parsed: Bounded) -> Result<(), Response> {
    match parsed.into_value()? {
        Value::Object(fields) => {
            for (name, value) in fields {
                params.insert(name, value);
            }
            Ok(())
        }
        _ => Err(Response::error(400, "JSON body must be an object")),
    }
}
