//! API Gateway's side: route matching, REST (v1) and HTTP API (v2) proxy
//! events, proxy responses back to HTTP, CORS, JWT authorizers, and API
//! Gateway's own error answers.

use bytes::Bytes;
use serde_json::json;

use crate::template::Payload;

/// API Gateway's payload limit for a request ("Payload size 10 MB" in the
/// HTTP API quotas, docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// Lambda's limit for a synchronous invocation's event, exactly 6 MiB: Invoke
/// refuses more with "RequestEntityTooLargeException: Request must be smaller
/// than 6291456 bytes for the InvokeFunction operation" (quoted in
/// github.com/awslabs/aws-athena-query-federation/issues/793).
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

pub(crate) const API_ID: &str = "local00000";

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

    /// No answer from the function within the route's integration timeout:
    /// an HTTP API answers 503, a REST API 504 (its INTEGRATION_TIMEOUT
    /// gateway response).
    pub fn integration_timed_out(payload: Payload) -> HttpResponse {
        match payload {
            Payload::V2 => HttpResponse::json_message(503, "Service Unavailable"),
            Payload::V1 => HttpResponse::json_message(504, "Endpoint request timed out"),
        }
    }
}

mod cors;
mod events;
mod jwks;
pub mod jwt;
mod proxy;
mod router;
mod throttle;

pub use cors::{add_cors, preflight};
pub use events::{add_forwarded_headers, v1_event, v2_event};
pub use jwks::Jwks;
pub use proxy::{proxy_response, Integration};
pub use router::{percent_decode, Match, Router};
pub use throttle::{Admission, Bucket};

#[cfg(test)]
pub(crate) mod test_util {
    use bytes::Bytes;

    use super::HttpRequest;
    use crate::template::{Payload, Route};

    pub fn route(method: Option<&str>, path: &str, payload: Payload) -> Route {
        Route {
            function: 0,
            method: method.map(str::to_owned),
            path: path.into(),
            payload,
            stage: if payload == Payload::V1 { "Prod".into() } else { "$default".into() },
            cors: None,
            throttle: None,
            auth: None,
            integration_timeout: crate::template::HTTP_API_INTEGRATION_TIMEOUT,
            rest: (payload == Payload::V1).then(crate::template::RestApi::default),
        }
    }

    pub fn request(method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpRequest {
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
}
