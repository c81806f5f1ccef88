use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::encode::{escape_into, BodyWriter};

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What a tool answers; rendered as an API Gateway proxy response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Extra headers; `content-type` is JSON unless one of them sets it.
    pub headers: Vec<(String, String)>,
    /// The body as it stands inside the proxy response's `body` string,
    /// already escaped for it (encode.rs); [`Response::body`] reads it back.
    body: String,
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
    /// `status` with the JSON answer a tool wrote itself.
    pub fn from_body(status: u16, body: BodyWriter) -> Response {
        Response { status, headers: Vec::new(), body: body.into_string(), usage: Usage::default() }
    }

    /// 200 with `value` as the JSON body.
    pub fn ok(value: &impl Serialize) -> Response {
        Response::json(200, value)
    }

    pub fn json(status: u16, value: &impl Serialize) -> Response {
        // Serializing our own response types cannot fail: they are maps of
        // strings and finite numbers. Be safe anyway and never panic.
        let mut body = BodyWriter::default();
        match body.value(value) {
            Ok(()) => Response::from_body(status, body),
            Err(e) => Response::error(500, &format!("cannot encode response: {e}")),
        }
    }

    /// `{"error": message}` with a 4xx/5xx status.
    pub fn error(status: u16, message: &str) -> Response {
        #[derive(Serialize)]
        struct Error<'a> {
            error: &'a str,
        }
        let mut body = BodyWriter::default();
        match body.value(&Error { error: message }) {
            Ok(()) => Response::from_body(status, body),
            // Unreachable (a struct of one string), and must not recurse.
            Err(_) => Response { status: 500, headers: Vec::new(), body: String::new(), usage: Usage::default() },
        }
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
    pub fn content(content_type: &str, body: impl AsRef<str>) -> Response {
        let body = body.as_ref();
        let mut escaped = String::with_capacity(body.len() + body.len() / 8);
        escape_into(&mut escaped, body);
        Response {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            body: escaped,
            usage: Usage::default(),
        }
    }

    /// The body, as the client receives it.
    pub fn body(&self) -> String {
        // The body string's contents, read back as the JSON string they are
        // (they were escaped here): a test's and a log's path, not a request's.
        serde_json::from_str(&format!("\"{}\"", self.body)).unwrap_or_default()
    }

    /// 302 to `location`, with `body` as JSON for clients that do not follow it.
    pub fn redirect(location: &str, body: &impl Serialize) -> Response {
        let mut response = Response::json(302, body);
        response.headers.push(("location".into(), location.into()));
        response.headers.push(("cache-control".into(), "no-store".into()));
        response
    }

    /// The proxy-integration response both API Gateway payload versions
    /// accept, as the JSON text lambda_runtime sends: the body copied in as
    /// it is (escaped when it was made), headers by name (a tool's own
    /// `content-type` replaces the JSON one).
    pub fn render(&self) -> String {
        let mut headers = BTreeMap::new();
        headers.insert("content-type", JSON_CONTENT_TYPE);
        for (name, value) in &self.headers {
            headers.insert(name.as_str(), value.as_str());
        }
        let mut out = String::with_capacity(self.body.len() + 128);
        // Writing to a String cannot fail.
        let _ = write!(out, "{{\"statusCode\":{},\"headers\":{{", self.status);
        for (i, (name, value)) in headers.into_iter().enumerate() {
            out.push_str(if i == 0 { "\"" } else { ",\"" });
            escape_into(&mut out, name);
            out.push_str("\":\"");
            escape_into(&mut out, value);
            out.push('"');
        }
        out.push_str("},\"body\":\"");
        out.push_str(&self.body);
        out.push_str("\",\"isBase64Encoded\":false}");
        out
    }

    /// [`Response::render`] parsed: what API Gateway reads.
    pub fn to_proxy(&self) -> Value {
        serde_json::from_str(&self.render()).unwrap_or(Value::Null)
    }
}
