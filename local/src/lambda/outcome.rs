//! How one invocation ended, and the one place that says what each ending
//! means to `aws lambda invoke` (an error payload), to the log, and to an
//! API Gateway client (an HTTP answer).

use bytes::Bytes;
use serde_json::{json, Value};

use crate::apigw::{self, HttpResponse, Integration};
use crate::log;

/// How one invocation ended.
#[derive(Debug)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function posted an error (`{"errorMessage", "errorType"}`).
    FunctionError(Bytes),
    /// The function ran past its `Timeout`; the instance was killed.
    Timeout,
    /// Peak RSS went above `MemorySize`; the instance was killed.
    OutOfMemory,
    /// The process exited during the invocation.
    Crashed(String),
    /// Init failed: the error the runtime posted, or why we gave up.
    InitError(Value),
    /// The function's response was larger than Lambda's 6 MB.
    ResponseTooLarge,
    /// Every instance stayed busy past the queue timeout.
    Throttled,
}

impl Outcome {
    /// An init failure with Lambda's `{"errorType", "errorMessage"}`.
    pub fn init_error(error_type: &str, message: impl Into<String>) -> Outcome {
        Outcome::InitError(json!({ "errorType": error_type, "errorMessage": message.into() }))
    }

    /// Lambda's error type, for the log and REPORT lines (`None` for a response).
    pub fn error_type(&self) -> Option<String> {
        Some(match self {
            Outcome::Response(_) => return None,
            Outcome::FunctionError(body) => serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("errorType").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| "Unhandled".into()),
            Outcome::InitError(v) => v.get("errorType").and_then(Value::as_str).unwrap_or("Runtime.Unknown").to_owned(),
            Outcome::Timeout => "Sandbox.Timedout".into(),
            Outcome::OutOfMemory => "Runtime.OutOfMemory".into(),
            Outcome::Crashed(_) => "Runtime.ExitError".into(),
            Outcome::ResponseTooLarge => "Function.ResponseSizeTooLarge".into(),
            Outcome::Throttled => "TooManyRequestsException".into(),
        })
    }

    /// The JSON `sam local invoke` / `aws lambda invoke` would show for a failure.
    pub fn error_payload(&self, timeout_s: f64) -> Value {
        let message = match self {
            Outcome::Response(_) => return Value::Null,
            Outcome::FunctionError(body) => {
                return serde_json::from_slice(body).unwrap_or_else(
                    |_| json!({"errorType": "Unhandled", "errorMessage": String::from_utf8_lossy(body)}),
                )
            }
            Outcome::InitError(v) => return v.clone(),
            Outcome::Timeout => format!("Task timed out after {timeout_s:.2} seconds"),
            Outcome::OutOfMemory => "Runtime exited with error: signal: killed".into(),
            Outcome::Crashed(why) => format!("Runtime exited with error: {why}"),
            Outcome::ResponseTooLarge => {
                "Response payload size exceeded maximum allowed payload size (6291556 bytes).".into()
            }
            Outcome::Throttled => "Rate Exceeded.".into(),
        };
        json!({ "errorType": self.error_type(), "errorMessage": message })
    }

    /// Whether the instance that produced this may serve another event:
    /// only after an answer (a response or the function's own error).
    pub fn keeps_instance(&self) -> bool {
        matches!(self, Outcome::Response(_) | Outcome::FunctionError(_))
    }

    /// What API Gateway answers its client for this outcome. A response API
    /// Gateway would reject is logged under `function` and becomes a 502.
    pub fn http_answer(self, integration: Integration<'_>, function: &str) -> HttpResponse {
        let payload = integration.payload;
        match self {
            Outcome::Response(body) => match apigw::proxy_response(integration, &body) {
                Ok(response) => response,
                Err(why) => {
                    log::line(function, &format!("malformed Lambda proxy response ({why}): 502"));
                    HttpResponse::bad_gateway(payload)
                }
            },
            Outcome::Throttled => HttpResponse::throttled(),
            // Lambda ends a timed-out invocation with an error
            // (Sandbox.Timedout): API Gateway answers it as any function
            // error. Its own timeout is the integration's (http::server).
            Outcome::Timeout
            | Outcome::FunctionError(_)
            | Outcome::OutOfMemory
            | Outcome::Crashed(_)
            | Outcome::InitError(_)
            | Outcome::ResponseTooLarge => HttpResponse::bad_gateway(payload),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Payload;

    #[test]
    fn failures_map_to_api_gateways_answers() {
        let cases = [
            (Outcome::Timeout, Payload::V2, 502, "Internal Server Error"),
            (Outcome::Timeout, Payload::V1, 502, "Internal server error"),
            (Outcome::Throttled, Payload::V2, 429, "Too Many Requests"),
            (Outcome::OutOfMemory, Payload::V2, 502, "Internal Server Error"),
            (Outcome::Crashed("exit status 3".into()), Payload::V1, 502, "Internal server error"),
            (Outcome::ResponseTooLarge, Payload::V2, 502, "Internal Server Error"),
            (Outcome::init_error("Runtime.ExitError", "x"), Payload::V2, 502, "Internal Server Error"),
            (Outcome::FunctionError(Bytes::from_static(b"{}")), Payload::V2, 502, "Internal Server Error"),
            (Outcome::Response(Bytes::from_static(b"not json")), Payload::V2, 502, "Internal Server Error"),
        ];
        for (outcome, payload, status, message) in cases {
            let answer = outcome.http_answer(Integration::http_api(payload), "test");
            assert_eq!(answer.status, status);
            let body: Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(body, json!({ "message": message }));
        }
        // A REST API answers a malformed Lambda proxy response, here one with
        // a field outside the proxy format, 502 {"message": "Internal server
        // error"} ("Set up a proxy integration with a proxy resource").
        let types = Vec::new();
        let rest = Integration { payload: Payload::V1, rest: Some((&types[..], None)) };
        let malformed = Outcome::Response(Bytes::from_static(br#"{"statusCode": 200, "cookies": ["a=b"]}"#));
        let answer = malformed.http_answer(rest, "test");
        assert_eq!(answer.status, 502);
        assert_eq!(serde_json::from_slice::<Value>(&answer.body).unwrap(), json!({"message": "Internal server error"}));
        let ok = Outcome::Response(Bytes::from_static(br#"{"statusCode": 201, "body": "made"}"#));
        let answer = ok.http_answer(Integration::http_api(Payload::V1), "test");
        assert_eq!((answer.status, &answer.body[..]), (201, &b"made"[..]));
    }

    #[test]
    fn error_payloads_are_lambdas() {
        assert_eq!(
            Outcome::Timeout.error_payload(3.0),
            json!({"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 3.00 seconds"})
        );
        assert_eq!(
            Outcome::FunctionError(Bytes::from_static(b"oops")).error_payload(3.0),
            json!({"errorType": "Unhandled", "errorMessage": "oops"})
        );
        assert_eq!(
            Outcome::FunctionError(Bytes::from_static(br#"{"errorType":"E","errorMessage":"m"}"#)).error_type(),
            Some("E".into())
        );
        assert_eq!(Outcome::Response(Bytes::new()).error_payload(3.0), Value::Null);
        assert!(Outcome::FunctionError(Bytes::new()).keeps_instance());
        assert!(!Outcome::Timeout.keeps_instance());
    }
}
