//! Lambda's limit on what a synchronous invocation may answer, checked on the
//! encoded proxy response so that no input a function accepts can make it
//! answer something Lambda would turn into a 502.

use serde_json::Value;

use crate::Response;

/// The largest invocation response Lambda returns, in bytes: the JSON the
/// runtime posts to `/invocation/{id}/response`, here the proxy response with
/// its body string escaped. Lambda's own error for a larger one reads
/// "Response payload size (9706999 bytes) exceeded maximum allowed payload
/// size (6291556 bytes). Function.ResponseSizeTooLarge"
/// (github.com/umihico/pythonista-chromeless/issues/11, and the same figure in
/// github.com/DataBiosphere/azul/issues/7466): 6 MiB + 100 bytes, not 6 MiB.
pub const MAX_ANSWER_BYTES: usize = 6_291_556;

/// Counts what serde_json would write, without keeping it.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of `proxy` as lambda_runtime sends it (`serde_json::to_vec`).
pub fn encoded_len(proxy: &Value) -> usize {
    let mut counter = Counter(0);
    // Writing a Value to a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut counter, proxy);
    counter.0
}

/// What `text` adds to the proxy response as a JSON string of the answer:
/// its bytes escaped once in the answer's JSON and again in the proxy's
/// `body` string, quotes included (`"` and `\` become four bytes, `\n`
/// three, another control character seven).
pub fn proxy_string_len(text: &str) -> usize {
    let escaped: usize = text
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' => 4,
            b'\x08' | b'\t' | b'\n' | b'\x0c' | b'\r' => 3,
            0..=0x1f => 7,
            _ => 1,
        })
        .sum();
    escaped + 4
}

/// What an answer will weigh, counted while it is built, so a tool stops
/// holding an answer as soon as it is surely too large for Lambda: the
/// check on the finished answer ([`within_limit`]) comes after it exists
/// whole, which a large enough answer never does within 128 MB.
#[derive(Debug, Clone)]
pub struct AnswerBudget {
    left: usize,
}

impl Default for AnswerBudget {
    fn default() -> AnswerBudget {
        AnswerBudget { left: MAX_ANSWER_BYTES }
    }
}

impl AnswerBudget {
    /// Spends `bytes` of the answer; false once they are more than is left.
    /// Counting less than an answer weighs is safe (the finished answer is
    /// checked again); counting more would refuse an answer that fits.
    pub fn spend(&mut self, bytes: usize) -> bool {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                true
            }
            None => false,
        }
    }

    /// The 413 for an answer this budget could not hold.
    pub fn too_large(&self) -> Response {
        Response::error(
            413,
            &format!(
                "answer too large: more than {MAX_ANSWER_BYTES} bytes before it was finished; \
                 the limit is {MAX_ANSWER_BYTES} (send less text or fewer options)"
            ),
        )
    }
}

/// `proxy` itself, or, when Lambda would refuse to return it, a 413 that says
/// how large it was. Computing a bound per function from its input would
/// have to be redone for every option a function grows; the encoded size is
/// exact for all of them.
pub fn within_limit(proxy: Value) -> Value {
    let size = encoded_len(&proxy);
    if size <= MAX_ANSWER_BYTES {
        return proxy;
    }
    Response::error(
        413,
        &format!("answer too large: {size} bytes; the limit is {MAX_ANSWER_BYTES} (send less text or fewer options)"),
    )
    .to_proxy()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{handle, Request};

    /// 1.1 MB of U+0001, which is 6.6 MB once each becomes "\u0001".
    fn control_characters(_: &(), _: &Request) -> Response {
        Response { status: 200, headers: Vec::new(), body: "\u{1}".repeat(1_100_000), usage: Default::default() }
    }

    /// The same length of plain letters (a JSON string): far from the limit.
    fn letters(_: &(), _: &Request) -> Response {
        Response::ok(&"a".repeat(1_100_000))
    }

    fn answer(body_len: usize) -> Value {
        Response { status: 200, headers: Vec::new(), body: "a".repeat(body_len), usage: Default::default() }.to_proxy()
    }

    #[test]
    fn the_encoded_size_is_what_lambda_runtime_sends() {
        let proxy = Response::error(400, "quote \" and \u{1}").to_proxy();
        assert_eq!(encoded_len(&proxy), serde_json::to_vec(&proxy).unwrap().len());
    }

    #[test]
    fn an_answer_at_the_limit_passes_one_byte_over_is_a_413() {
        let overhead = encoded_len(&answer(0));
        let exact = answer(MAX_ANSWER_BYTES - overhead);
        assert_eq!(encoded_len(&exact), MAX_ANSWER_BYTES);
        assert_eq!(within_limit(exact.clone()), exact);

        let refused = within_limit(answer(MAX_ANSWER_BYTES - overhead + 1));
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
    fn a_strings_proxy_length_is_what_it_adds_to_the_proxy_response() {
        for text in ["", "我来到北京", "a\"b\\c", "\n\t\r\x08\x0c", "\u{1}\u{1f}\u{7f}", "字\"\n\u{0}é"] {
            let with = |items: &[&str]| encoded_len(&Response::ok(&items).to_proxy());
            assert_eq!(with(&[text, text]) - with(&[text]), proxy_string_len(text) + 1, "{text:?}");
        }
    }

    #[test]
    fn an_answer_budget_refuses_past_the_limit() {
        let mut budget = AnswerBudget::default();
        assert!(budget.spend(MAX_ANSWER_BYTES - 1));
        assert!(budget.spend(1));
        assert!(!budget.spend(1));
        assert_eq!(budget.too_large().status, 413);
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
