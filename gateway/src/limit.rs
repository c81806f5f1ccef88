//! Lambda's limit on what a synchronous invocation may answer, checked on the
//! encoded proxy response so that no input a function accepts can make it
//! answer something Lambda would turn into a 502.

use serde_json::Value;

use crate::encode::json_string_len;
use crate::Response;

/// The largest invocation response Lambda returns, in bytes: the JSON the
/// runtime posts to `/invocation/{id}/response`, here the proxy response with
/// its body string escaped. Lambda's own error for a larger one reads
/// "Response payload size (9706999 bytes) exceeded maximum allowed payload
/// size (6291556 bytes). Function.ResponseSizeTooLarge"
/// (github.com/umihico/pythonista-chromeless/issues/11, and the same figure in
/// github.com/DataBiosphere/azul/issues/7466): 6 MiB + 100 bytes, not 6 MiB.
pub const MAX_ANSWER_BYTES: usize = 6_291_556;

/// The size of `value` as `serde_json::to_vec` writes it, added up without
/// writing it: a direct invoke's event is measured so for its `InputBytes`,
/// on every request (serializing it to count cost 9 instructions a byte).
pub fn encoded_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => json_string_len(s),
        // Brackets, and a comma between items.
        Value::Array(items) => 2 + items.len().saturating_sub(1) + items.iter().map(encoded_len).sum::<usize>(),
        // Braces, a colon per entry, and a comma between entries.
        Value::Object(fields) => {
            let entries: usize = fields.iter().map(|(k, v)| json_string_len(k) + 1 + encoded_len(v)).sum();
            2 + fields.len().saturating_sub(1) + entries
        }
    }
}

/// The 413 for an answer a tool stopped writing once it was longer than
/// Lambda returns ([`crate::BodyWriter::len`] past [`MAX_ANSWER_BYTES`]):
/// the check on the finished answer ([`render_within_limit`]) comes after it
/// exists whole, which a large enough answer never does within 128 MB.
pub fn answer_too_large() -> Response {
    Response::error(
        413,
        &format!(
            "answer too large: more than {MAX_ANSWER_BYTES} bytes before it was finished; \
             the limit is {MAX_ANSWER_BYTES} (send less text or fewer options)"
        ),
    )
}

/// `response` rendered ([`Response::render`]), or, when Lambda would refuse
/// to return it, a 413 that says how large it was. Computing a bound per
/// function from its input would have to be redone for every option a
/// function grows; the rendered size is exact for all of them. Returns the
/// status sent.
pub(crate) fn render_within_limit(response: &Response) -> (String, u16) {
    let rendered = response.render();
    if rendered.len() <= MAX_ANSWER_BYTES {
        return (rendered, response.status);
    }
    let message = format!(
        "answer too large: {} bytes; the limit is {MAX_ANSWER_BYTES} (send less text or fewer options)",
        rendered.len()
    );
    (Response::error(413, &message).render(), 413)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{handle, Request};

    /// 1.1 MB of U+0001, which is 6.6 MB once each becomes "\u0001".
    fn control_characters(_: &(), _: &Request) -> Response {
        Response::content("text/plain", "\u{1}".repeat(1_100_000))
    }

    /// The same length of plain letters (a JSON string): far from the limit.
    fn letters(_: &(), _: &Request) -> Response {
        Response::ok(&"a".repeat(1_100_000))
    }

    fn answer(body_len: usize) -> Response {
        Response::content("text/plain", "a".repeat(body_len))
    }

    #[test]
    fn the_encoded_size_is_what_serde_json_writes() {
        let values = [
            Response::error(400, "quote \" and \u{1}").to_proxy(),
            json!({"text": "我来到北京", "texts": ["a\"b", "\n", ""], "n": [1, -2, 0.5, 1e300, null, true, false]}),
            json!({}),
            json!([]),
            json!({"\u{1}": [{}, []]}),
        ];
        for value in values {
            assert_eq!(encoded_len(&value), serde_json::to_vec(&value).unwrap().len(), "{value}");
        }
    }

    #[test]
    fn an_answer_at_the_limit_passes_one_byte_over_is_a_413() {
        let overhead = answer(0).render().len();
        let exact = answer(MAX_ANSWER_BYTES - overhead);
        let (rendered, status) = render_within_limit(&exact);
        assert_eq!((rendered.len(), status), (MAX_ANSWER_BYTES, 200));
        assert_eq!(rendered, exact.render());

        let (refused, status) = render_within_limit(&answer(MAX_ANSWER_BYTES - overhead + 1));
        assert_eq!(status, 413);
        let refused: Value = serde_json::from_str(&refused).unwrap();
        assert_eq!(refused["statusCode"], 413);
        let body: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body["error"],
            format!(
                "answer too large: {} bytes; the limit is 6291556 (send less text or fewer options)",
                MAX_ANSWER_BYTES + 1
            )
        );
    }

    #[test]
    fn escaping_counts_a_small_raw_body_can_be_too_large() {
        let refused = handle(&(), json!({}), control_characters);
        assert_eq!(refused["statusCode"], 413, "{refused}");
        let body: Value = serde_json::from_str(refused["body"].as_str().unwrap()).unwrap();
        assert!(body["error"].as_str().unwrap().starts_with("answer too large: "));
        assert_eq!(handle(&(), json!({}), letters)["statusCode"], 200);
    }
}
