//! Per-request words, as the API's `userWords` parameter takes them: a list
//! whose entries are a word, or `{"word", "freq", "tag"}`, each applied in
//! order as `jieba.add_word(word, freq, tag)` (`freq: 0` removes a word, as
//! `del_word` does). A query or form string is a comma-separated list of words.

use serde_json::Value;

use crate::{AddedWords, Tokenizer};

/// Most entries one request may add.
pub const MAX_REQUEST_WORDS: usize = 1000;
/// Longest word (UTF-8 bytes) and tag one request may add.
pub const MAX_REQUEST_WORD_BYTES: usize = 64;
pub const MAX_REQUEST_TAG_BYTES: usize = 16;

/// One `add_word` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestWord {
    pub word: String,
    pub freq: Option<u64>,
    pub tag: Option<String>,
}

/// Why `userWords` was refused: too many entries (the functions answer
/// 413), or a bad entry (400), named by its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestWordsError {
    TooMany(usize),
    Invalid(String),
}

impl RequestWordsError {
    /// The HTTP status the functions answer it with.
    pub fn status(&self) -> u16 {
        match self {
            RequestWordsError::TooMany(_) => 413,
            RequestWordsError::Invalid(_) => 400,
        }
    }
}

impl std::fmt::Display for RequestWordsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestWordsError::TooMany(n) => {
                write!(f, "too many userWords: {n}; the maximum is {MAX_REQUEST_WORDS} per request")
            }
            RequestWordsError::Invalid(message) => f.write_str(message),
        }
    }
}

/// Reads the `userWords` parameter's value. The entries are counted before
/// any is copied. A comma-separated string's items are trimmed and empty
/// ones dropped, as for every list a query or form sends; a JSON list's
/// words are taken as given, as `add_word` takes them.
pub fn parse_request_words(value: &Value) -> Result<Vec<RequestWord>, RequestWordsError> {
    let invalid = |message: String| Err(RequestWordsError::Invalid(message));
    let items: Vec<Value> = match value {
        Value::Array(items) if items.len() > MAX_REQUEST_WORDS => return Err(RequestWordsError::TooMany(items.len())),
        Value::Array(items) => items.clone(),
        Value::String(list) => {
            let items = || list.split(',').map(str::trim).filter(|w| !w.is_empty());
            match items().count() {
                count if count > MAX_REQUEST_WORDS => return Err(RequestWordsError::TooMany(count)),
                _ => items().map(|w| Value::String(w.to_string())).collect(),
            }
        }
        _ => return invalid("'userWords' must be a list of words or {\"word\", \"freq\", \"tag\"} objects".into()),
    };
    let mut words = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let name = format!("'userWords'[{i}]");
        let (word, freq, tag) = match item {
            Value::String(word) => (word.as_str(), None, None),
            Value::Object(fields) => {
                if let Some(key) = fields.keys().find(|k| !matches!(k.as_str(), "word" | "freq" | "tag")) {
                    return invalid(format!("{name} has an unknown field '{key}' (expected word, freq, tag)"));
                }
                let Some(Value::String(word)) = fields.get("word") else {
                    return invalid(format!("{name} needs a 'word' string"));
                };
                let freq = match fields.get("freq") {
                    None | Some(Value::Null) => None,
                    // By value, as openapi.yaml's `integer` counts: `3.0` is 3.
                    Some(Value::Number(n)) if whole(n).is_some() => whole(n),
                    Some(_) => return invalid(format!("{name}: 'freq' must be a whole number, 0 or more")),
                };
                let tag = match fields.get("tag") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(tag)) if tag.len() <= MAX_REQUEST_TAG_BYTES => Some(tag.as_str()),
                    Some(_) => {
                        return invalid(format!(
                            "{name}: 'tag' must be a string of at most {MAX_REQUEST_TAG_BYTES} bytes"
                        ))
                    }
                };
                (word.as_str(), freq, tag)
            }
            _ => return invalid(format!("{name} must be a word or a {{\"word\", \"freq\", \"tag\"}} object")),
        };
        if word.chars().all(crate::cut::is_py_space) {
            return invalid(format!("{name}: the word is empty or only whitespace"));
        }
        if word.len() > MAX_REQUEST_WORD_BYTES {
            return invalid(format!(
                "{name}: the word is {} bytes; the maximum is {MAX_REQUEST_WORD_BYTES}",
                word.len()
            ));
        }
        // jieba's add_word ignores an empty tag (`if tag:`).
        let tag = tag.filter(|t| !t.is_empty()).map(str::to_string);
        words.push(RequestWord { word: word.to_string(), freq, tag });
    }
    Ok(words)
}

/// A JSON number's value if it is a whole number from 0 to `u64::MAX`
/// (`3`, `3.0`, `3e0`), as the gateway reads whole-number parameters.
fn whole(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        let f = n.as_f64()?;
        // 2^64 is exactly representable; below it every whole f64 fits a u64.
        (f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f)).then_some(f as u64)
    })
}

impl Tokenizer {
    /// The words `words` add, in order, over this dictionary (and its user
    /// layer); refused if their frequencies sum past what jieba's total may hold here.
    pub fn request_words(&self, words: &[RequestWord]) -> Result<AddedWords, RequestWordsError> {
        let mut added = self.added_words();
        // Half the bytes: about the characters of Chinese words (three bytes
        // a character) with room to spare, and cheaper than counting them;
        // more Latin ones grow the trie as they go.
        added.reserve(words.len(), words.iter().map(|w| w.word.len() / 2).sum());
        self.add_words(&mut added, words.iter().map(|w| (w.word.as_str(), w.freq, w.tag.as_deref())))
            .map_err(|e| RequestWordsError::Invalid(format!("'userWords': {e}")))?;
        Ok(added)
    }

    /// The words a request's `userWords` parameter adds (none if absent).
    pub fn added_by(&self, user_words: Option<&Value>) -> Result<AddedWords, RequestWordsError> {
        match user_words {
            None => Ok(self.added_words()),
            Some(value) => self.request_words(&parse_request_words(value)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_objects_and_comma_separated_lists() {
        let words = parse_request_words(
            &json!(["云计算", {"word": "李小福", "freq": 3, "tag": "nr"}, {"word": "的", "freq": 0}]),
        )
        .unwrap();
        assert_eq!(words[1], RequestWord { word: "李小福".into(), freq: Some(3), tag: Some("nr".into()) });
        assert_eq!(words[2].freq, Some(0));
        // A whole number written with a fraction or an exponent is that number.
        let words = parse_request_words(&json!([{"word": "a", "freq": 3.0}, {"word": "b", "freq": 2e3}])).unwrap();
        assert_eq!((words[0].freq, words[1].freq), (Some(3), Some(2000)));
        let words = parse_request_words(&json!([{"word": "a", "freq": u64::MAX}])).unwrap();
        assert_eq!(words[0].freq, Some(u64::MAX));
        let words = parse_request_words(&json!("云计算, 创新办,,")).unwrap();
        let names: Vec<&str> = words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(names, ["云计算", "创新办"]);
        assert!(parse_request_words(&json!("")).unwrap().is_empty());
        assert!(parse_request_words(&json!(" , ")).unwrap().is_empty());
        // A JSON list's words are add_word's: a space is part of the word.
        assert_eq!(parse_request_words(&json!([" 云计算"])).unwrap()[0].word, " 云计算");
    }

    #[test]
    fn bad_entries_are_named_by_index() {
        let cases = [
            (json!(["ok", 7]), "'userWords'[1] must be a word"),
            (json!(["ok", ""]), "'userWords'[1]: the word is empty"),
            (json!([" \u{3000}"]), "'userWords'[0]: the word is empty or only whitespace"),
            (json!([{"word": "a", "freq": -1}]), "'userWords'[0]: 'freq' must be a whole number"),
            (json!([{"word": "a", "freq": 1.5}]), "'userWords'[0]: 'freq' must be a whole number"),
            (json!([{"word": "a", "freq": "3"}]), "'userWords'[0]: 'freq' must be a whole number"),
            (json!([{"word": "a", "freq": 1.8446744073709552e19}]), "'userWords'[0]: 'freq' must be a whole number"),
            (json!([{"freq": 3}]), "'userWords'[0] needs a 'word'"),
            (json!([{"word": "a", "weight": 3}]), "'userWords'[0] has an unknown field 'weight'"),
            (json!([{"word": "a", "tag": 5}]), "'userWords'[0]: 'tag' must be a string"),
            (json!(["字".repeat(22)]), "'userWords'[0]: the word is 66 bytes"),
            (json!(42), "'userWords' must be a list"),
        ];
        for (value, start) in cases {
            let error = parse_request_words(&value).unwrap_err().to_string();
            assert!(error.starts_with(start), "{value}: {error}");
        }
        let many: Vec<String> = (0..1001).map(|i| format!("w{i}")).collect();
        assert_eq!(parse_request_words(&json!(many)), Err(RequestWordsError::TooMany(1001)));
        // Counted before anything is copied or checked: the two million
        // empty objects, and six million commas, are too many, not bad entries.
        let objects = Value::Array(vec![json!({}); 2_090_000]);
        assert_eq!(parse_request_words(&objects), Err(RequestWordsError::TooMany(2_090_000)));
        let commas = "a,".repeat(1001);
        assert_eq!(parse_request_words(&json!(commas)), Err(RequestWordsError::TooMany(1001)));
        assert_eq!(parse_request_words(&json!(",".repeat(6_000_000))), Ok(Vec::new()));
    }
}
