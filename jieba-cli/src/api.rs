//! `--api URL`: the lines segmented by a deployed (or local) `segment`
//! endpoint instead of here, in batches within the API's limits, with the
//! same output byte for byte.
//!
//! Each worker of [`crate::parallel`] sends its chunk as one request (or a
//! few, to stay within [`MAX_TEXT_BYTES`]), so `--concurrency N` workers are
//! N requests in flight, and the writer keeps the input's order. A 429, a
//! 5xx or a connection error is retried with exponential backoff and full
//! jitter, honouring `Retry-After`; a batch answered 413 (the tagging work
//! bound) is split in halves until it fits; anything else, or a request
//! still failing after the retries, stops the run after the lines before it
//! (the error names the lines).
//!
//! Bytes that are not UTF-8 on stdin travel as the stand-ins of
//! [`crate::text`] (private-use characters, which the API cuts as jieba
//! cuts the surrogates) and are written back as the bytes they stand for.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::args::{Api, Options};
use crate::input::Newlines;
use crate::parallel::{Answer, Chunk};
use crate::segmenter;
use crate::text::{self, Decoded};
use crate::Failure;

/// The most UTF-8 a request's texts may hold in all (gateway's `MAX_TEXT_BYTES`).
pub const MAX_TEXT_BYTES: usize = 128 * 1024;

/// The first retry waits up to this long, each next one twice as long, up
/// to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// A `Retry-After` longer than this is waited this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// A request's whole time at most: API Gateway gives up at 30 s.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// An answer larger than this is not a segment answer (Lambda's is 6 MB).
const MAX_ANSWER_BYTES: u64 = 16 << 20;

/// What the progress bar shows of the requests.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub in_flight: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
}

impl Stats {
    pub fn summary(&self) -> String {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        format!(
            "{} requests, {} in flight, {} retried, {} throttled (429)",
            get(&self.requests),
            get(&self.in_flight),
            get(&self.retries),
            get(&self.throttled)
        )
    }
}

/// The client every worker shares.
pub struct Client<'a> {
    agent: ureq::Agent,
    api: &'a Api,
    name: &'a str,
    newlines: Newlines,
    delimiter: &'a [u8],
    pos: Option<&'a [u8]>,
    mode: Option<&'static str>,
    hmm: bool,
    dictionary: Option<String>,
    pub stats: Arc<Stats>,
}

/// The request's body.
#[derive(Serialize)]
struct SegmentRequest<'a> {
    texts: &'a [&'a str],
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    hmm: bool,
    pos: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    dictionary: Option<&'a str>,
}

/// The answer to a batch: `{"results": [{"words": [...], "tags": [...]}]}`.
#[derive(Deserialize)]
struct SegmentAnswer {
    results: Vec<Segmented>,
}

#[derive(Deserialize)]
struct Segmented {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    tags: Option<Vec<Tagged>>,
}

#[derive(Deserialize)]
struct Tagged {
    word: String,
    tag: String,
}

/// How one batch went.
enum Sent {
    Answered(Vec<Segmented>),
    /// 413: too much for one request (the tagging work bound, or a text
    /// over the size limit); the API's words.
    TooLarge(String),
}

impl<'a> Client<'a> {
    pub fn new(options: &'a Options, api: &'a Api, name: &'a str, newlines: Newlines) -> Client<'a> {
        // aws-lc-rs: the crypto toolbox-local's JWT checks already build.
        let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(crypto)
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .tls_config(tls)
            .user_agent(format!("toolbox-jieba/{}", env!("CARGO_PKG_VERSION")))
            .max_idle_connections_per_host(api.concurrency.max(3))
            .build()
            .new_agent();
        let pos = options.pos.as_deref();
        Client {
            agent,
            api,
            name,
            newlines,
            delimiter: &options.delimiter,
            pos,
            // jieba ignores -a when tagging.
            mode: (options.cut_all && pos.is_none()).then_some("all"),
            hmm: options.hmm,
            dictionary: options.dict.as_ref().map(|d| d.display().to_string()),
            stats: Arc::new(Stats::default()),
        }
    }

    /// Segments `texts` (lines `first..`), splitting the batch in halves on
    /// a 413 until each part fits; appends the answers in order to `out`.
    fn batch(&self, texts: &[Decoded<'_>], first: usize, out: &mut Vec<u8>) -> Result<(), Failure> {
        let plain: Vec<&str> = texts.iter().map(Decoded::as_str).collect();
        match self.send(&plain, first)? {
            Sent::Answered(results) => {
                if results.len() != texts.len() {
                    return Err(self.failure(
                        first,
                        texts.len(),
                        &format!("{} answers to {} texts", results.len(), texts.len()),
                    ));
                }
                for (text, result) in texts.iter().zip(results) {
                    self.write(text.escaped(), result, out).map_err(|why| self.failure(first, texts.len(), &why))?;
                }
                Ok(())
            }
            Sent::TooLarge(why) if texts.len() == 1 => Err(self.failure(first, 1, &format!("413 {why}"))),
            Sent::TooLarge(_) => {
                let half = texts.len() / 2;
                self.batch(&texts[..half], first, out)?;
                self.batch(&texts[half..], first + half, out)
            }
        }
    }

    /// One line's answer, as [`crate::segmenter::Segmenter::line`] writes it.
    fn write(&self, escaped: bool, result: Segmented, out: &mut Vec<u8>) -> Result<(), String> {
        match self.pos {
            Some(pos_delimiter) => {
                let tags = result.tags.ok_or("an answer without tags to pos=true")?;
                let pairs = tags.iter().map(|t| (t.word.as_str(), t.tag.as_str()));
                segmenter::join_tagged(out, pairs, self.delimiter, pos_delimiter, escaped);
            }
            None => segmenter::join_words(out, result.words.iter().map(String::as_str), self.delimiter, escaped),
        }
        out.push(b'\n');
        Ok(())
    }

    /// POSTs one batch, retrying what may pass on a second try.
    fn send(&self, texts: &[&str], first: usize) -> Result<Sent, Failure> {
        let body = serde_json::to_vec(&SegmentRequest {
            texts,
            mode: self.mode,
            hmm: self.hmm,
            pos: self.pos.is_some(),
            dictionary: self.dictionary.as_deref(),
        })
        .expect("strings and flags serialize");
        let mut attempt = 0;
        loop {
            let (why, retry_after) = match self.post(&body) {
                Posted::Answer(status, answer) => match status {
                    200 => {
                        return serde_json::from_slice::<SegmentAnswer>(&answer)
                            .map(|a| Sent::Answered(a.results))
                            .map_err(|e| {
                                self.failure(
                                    first,
                                    texts.len(),
                                    &format!("an answer that is not a segment answer ({e})"),
                                )
                            })
                    }
                    413 => return Ok(Sent::TooLarge(message(&answer))),
                    401 | 403 => {
                        let hint =
                            "the API's JWT authorizer refused the request: give a token with --token or TOOLBOX_TOKEN";
                        return Err(self.failure(
                            first,
                            texts.len(),
                            &format!("{status} {}; {hint}", message(&answer)),
                        ));
                    }
                    _ => return Err(self.failure(first, texts.len(), &format!("{status} {}", message(&answer)))),
                },
                Posted::Retry { why, retry_after } => (why, retry_after),
                Posted::Fatal(why) => return Err(self.failure(first, texts.len(), &why)),
            };
            if attempt >= self.api.retries {
                let tries = self.api.retries + 1;
                return Err(self.failure(
                    first,
                    texts.len(),
                    &format!("{why}, {tries} time(s) (--retries {})", self.api.retries),
                ));
            }
            attempt += 1;
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(backoff(attempt, retry_after, rand::random::<f64>()));
        }
    }

    fn post(&self, body: &[u8]) -> Posted {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        self.stats.in_flight.fetch_add(1, Ordering::Relaxed);
        let mut request = self.agent.post(&self.api.url).header("content-type", "application/json");
        if let Some(token) = &self.api.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let sent = request.send(body);
        let posted = match sent {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
                match response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec() {
                    Ok(answer) if status == 429 || (500..600).contains(&status) => {
                        if status == 429 {
                            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                        }
                        Posted::Retry { why: format!("{status} {}", message(&answer)), retry_after }
                    }
                    Ok(answer) => Posted::Answer(status, answer),
                    Err(e) => Posted::Retry { why: format!("the answer broke off ({e})"), retry_after: None },
                }
            }
            Err(e) => match e {
                ureq::Error::HostNotFound
                | ureq::Error::BadUri(_)
                | ureq::Error::Tls(_)
                | ureq::Error::Rustls(_)
                | ureq::Error::TooManyRedirects
                | ureq::Error::RedirectFailed => Posted::Fatal(format!("cannot reach {} ({e})", self.api.url)),
                e => Posted::Retry { why: format!("no answer ({e})"), retry_after: None },
            },
        };
        self.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
        posted
    }

    fn failure(&self, first: usize, count: usize, why: &str) -> Failure {
        let lines = match count {
            1 => format!("line {first}"),
            n => format!("lines {first}-{}", first + n - 1),
        };
        Failure(format!("{}: {lines}: {}: {why}", self.name, self.api.url))
    }
}

/// What one POST came to.
enum Posted {
    Answer(u16, Vec<u8>),
    Retry { why: String, retry_after: Option<Duration> },
    Fatal(String),
}

/// The API's own words: the `error` (ours) or `message` (API Gateway's)
/// of a JSON answer, else the start of the body.
fn message(answer: &[u8]) -> String {
    let json: Option<serde_json::Value> = serde_json::from_slice(answer).ok();
    let said = json.as_ref().and_then(|v| v.get("error").or_else(|| v.get("message"))).and_then(|v| v.as_str());
    match said {
        Some(said) => said.to_owned(),
        None => String::from_utf8_lossy(&answer[..answer.len().min(200)]).trim().to_owned(),
    }
}

/// The wait before retry `attempt` (from 1): `Retry-After` when the API
/// gave one, else a uniformly random share (`jitter`, 0 to 1) of the
/// doubling backoff ("full jitter": retries of many workers spread out
/// rather than arriving together).
pub fn backoff(attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    if let Some(wait) = retry_after {
        return wait;
    }
    let ceiling = FIRST_BACKOFF.saturating_mul(1 << (attempt - 1).min(16)).min(MAX_BACKOFF);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
}

impl Answer for Client<'_> {
    fn answer(&self, chunk: &Chunk, out: &mut Vec<u8>) -> (u64, Option<Failure>) {
        // Decoded as here: a file's line must be UTF-8, stdin's bytes pass.
        let (mut texts, mut line_bytes) = (Vec::with_capacity(chunk.len()), Vec::with_capacity(chunk.len()));
        let mut failure = None;
        for (number, line) in chunk.lines() {
            match text::decode(line, self.newlines) {
                Ok(decoded) => {
                    texts.push(decoded);
                    line_bytes.push(line.len() as u64 + 1);
                }
                Err(error) => {
                    failure = Some(crate::decode_failure(self.name, number, error));
                    break;
                }
            }
        }
        // Batches within the API's limits, in order.
        let (mut input, mut start) = (0, 0);
        while start < texts.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < texts.len()
                && end - start < self.api.batch
                && (end == start || bytes + texts[end].as_str().len() <= MAX_TEXT_BYTES)
            {
                bytes += texts[end].as_str().len();
                end += 1;
            }
            if let Err(stop) = self.batch(&texts[start..end], chunk.first_line + start, out) {
                return (input, Some(stop));
            }
            input += line_bytes[start..end].iter().sum::<u64>();
            start = end;
        }
        (input, failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_with_full_jitter_unless_the_api_says() {
        assert_eq!(backoff(1, None, 1.0), Duration::from_millis(200));
        assert_eq!(backoff(2, None, 1.0), Duration::from_millis(400));
        assert_eq!(backoff(4, None, 0.5), Duration::from_millis(800));
        assert_eq!(backoff(30, None, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(3, None, 0.0), Duration::ZERO);
        assert_eq!(backoff(3, Some(Duration::from_secs(7)), 0.1), Duration::from_secs(7));
    }

    #[test]
    fn the_apis_words_come_from_its_error_or_message() {
        assert_eq!(message(br#"{"error":"text too large"}"#), "text too large");
        assert_eq!(message(br#"{"message":"Too Many Requests"}"#), "Too Many Requests");
        assert_eq!(message(b"  <html>Bad Gateway</html>\n"), "<html>Bad Gateway</html>");
    }
}
