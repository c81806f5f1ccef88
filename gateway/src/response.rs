use serde::Serialize;
use serde_json::{json, Value};

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What a tool answers; rendered as an API Gateway proxy response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Extra headers; `content-type` is JSON unless one of them sets it.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// What the request's metrics say beside its status (metrics.rs); not sent.
    pub usage: Usage,
}

/// A text tool's counts for the request's metrics record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Texts answered (`Texts`), if the tool works on texts.
    pub texts: Option<u64>,
    /// Words in the answer (`Words`).
    pub words: Option<u64>,
    /// A 413 from a work bound (`WorkBoundExceeded`), not from size.
    pub work_bound_exceeded: bool,
}

impl Response {
    /// 200 with `value` as the JSON body.
    pub fn ok(value: &impl Serialize) -> Response {
        Response::json(200, value)
    }

    pub fn json(status: u16, value: &impl Serialize) -> Response {
        // Serializing our own response types cannot fail: they are maps of
        // strings and finite numbers. Be safe anyway and never panic.
        match serde_json::to_string(value) {
            Ok(body) => Response { status, headers: Vec::new(), body, usage: Usage::default() },
            Err(e) => Response::error(500, &format!("cannot encode response: {e}")),
        }
    }

    /// `{"error": message}` with a 4xx/5xx status.
    pub fn error(status: u16, message: &str) -> Response {
        Response { status, headers: Vec::new(), body: json!({ "error": message }).to_string(), usage: Usage::default() }
    }

    /// This answer covers `texts` texts and `words` words (the metrics' `Texts`, `Words`).
    pub fn counting(mut self, texts: usize, words: usize) -> Response {
        self.usage.texts = Some(texts as u64);
        self.usage.words = Some(words as u64);
        self
    }

    /// This (413) answer is a work bound's, not a size limit's (`WorkBoundExceeded`).
    pub fn work_bound_exceeded(mut self) -> Response {
        self.usage.work_bound_exceeded = true;
        self
    }

    /// 200 with a body that is not JSON (a web page, a document) of `content_type`.
    pub fn content(content_type: &str, body: impl Into<String>) -> Response {
        Response {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            usage: Usage::default(),
        }
    }

    /// 302 to `location`, with `body` as JSON for clients that do not follow it.
    pub fn redirect(location: &str, body: &impl Serialize) -> Response {
        let mut response = Response::json(302, body);
        response.headers.push(("location".into(), location.into()));
        response.headers.push(("cache-control".into(), "no-store".into()));
        response
    }

    /// The proxy-integration response both API Gateway payload versions accept.
    pub fn to_proxy(&self) -> Value {
        let mut headers = serde_json::Map::new();
        headers.insert("content-type".into(), JSON_CONTENT_TYPE.into());
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone().into());
        }
        json!({
            "statusCode": self.status,
            "headers": headers,
            "body": self.body,
            "isBase64Encoded": false,
        })
    }
}
