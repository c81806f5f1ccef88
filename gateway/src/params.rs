use std::collections::BTreeMap;

use serde_json::Value;

use crate::Response;

/// Most text one request may hold, summed over a batch: 128 KiB of UTF-8
/// (about 43,000 Chinese characters) segments or ranks in well under the 3 s
/// timeout at 128 MB, and the answers it can produce stay below Lambda's
/// 6 MB response limit.
pub const MAX_TEXT_BYTES: usize = 128 * 1024;
/// Most texts in one batch.
pub const MAX_BATCH: usize = 1000;

/// A request's parameters: the query string, overlaid by the body's fields.
/// Query and form values are strings; a JSON body or direct invoke keeps its
/// JSON types, so every getter accepts both `"true"` and `true`, `"3"` and `3`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(BTreeMap<String, Value>);

impl Params {
    pub fn new() -> Params {
        Params::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.0.insert(name.into(), value);
    }

    /// The raw value, for tools that interpret types themselves.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A string parameter; numbers and booleans are not silently converted.
    pub fn string(&self, name: &str) -> Result<Option<&str>, Response> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Response::error(400, &format!("'{name}' must be a string"))),
        }
    }

    /// `true|false|1|0|yes|no` (any case, trimmed), a JSON boolean, or a JSON
    /// number equal to 0 or 1; `default` if absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, Response> {
        let invalid = || Response::error(400, &format!("'{name}' must be true or false"));
        match self.get(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(invalid()),
            },
            // By value, as openapi.yaml's `enum: [0, 1]` compares: `1.0` is 1.
            Some(Value::Number(n)) => match whole(n) {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(invalid()),
            },
            Some(_) => Err(invalid()),
        }
    }

    /// A whole number in `range`; `default` if absent.
    pub fn bounded(&self, name: &str, range: std::ops::RangeInclusive<u64>, default: u64) -> Result<u64, Response> {
        let invalid = || {
            Response::error(400, &format!("'{name}' must be a whole number from {} to {}", range.start(), range.end()))
        };
        let value = match self.get(name) {
            None => return Ok(default),
            Some(Value::Number(n)) => whole(n).ok_or_else(invalid)?,
            Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| invalid())?,
            Some(_) => return Err(invalid()),
        };
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(invalid())
        }
    }

    /// The texts a text tool works on, and whether the request was a batch:
    /// `text` (one text; absent is `""`, like the seed's `event.get('text', '')`)
    /// or `texts` (a JSON list, answered in order). More than [`MAX_BATCH`]
    /// texts or [`MAX_TEXT_BYTES`] bytes in all is a 413.
    pub fn texts(&self) -> Result<(Vec<&str>, bool), Response> {
        let (texts, batch) = match (self.get("text"), self.get("texts")) {
            (Some(_), Some(_)) => return Err(Response::error(400, "send either 'text' or 'texts', not both")),
            (None, Some(Value::Array(items))) => {
                let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                (texts.ok_or_else(|| Response::error(400, "'texts' must be a list of strings"))?, true)
            }
            (None, Some(_)) => return Err(Response::error(400, "'texts' must be a list of strings")),
            _ => (vec![self.string("text")?.unwrap_or("")], false),
        };
        if texts.len() > MAX_BATCH {
            let message = format!("too many texts: {}; the maximum is {MAX_BATCH} per request", texts.len());
            return Err(Response::error(413, &message));
        }
        let bytes: usize = texts.iter().map(|t| t.len()).sum();
        if bytes > MAX_TEXT_BYTES {
            let message = format!("text too large: {bytes} bytes; the maximum is {MAX_TEXT_BYTES} bytes per request");
            return Err(Response::error(413, &message));
        }
        Ok((texts, batch))
    }

    /// A list of at most `max` strings: a JSON list taken as is, or one
    /// string of comma-separated items (how a query string or a form sends
    /// a list), each trimmed, empty ones dropped. More than `max` is a 413,
    /// counted before anything is collected.
    pub fn strings(&self, name: &str, max: usize) -> Result<Option<Vec<&str>>, Response> {
        let invalid =
            || Response::error(400, &format!("'{name}' must be a list of strings or a comma-separated string"));
        let too_many = |count: usize| {
            let message = format!("too many '{name}' entries: {count}; the maximum is {max} per request");
            Response::error(413, &message)
        };
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let items = || s.split(',').map(str::trim).filter(|item| !item.is_empty());
                match items().count() {
                    count if count > max => Err(too_many(count)),
                    _ => Ok(Some(items().collect())),
                }
            }
            Some(Value::Array(items)) if items.len() > max => Err(too_many(items.len())),
            Some(Value::Array(items)) => {
                items.iter().map(Value::as_str).collect::<Option<_>>().map(Some).ok_or_else(invalid)
            }
            Some(_) => Err(invalid()),
        }
    }
}

/// A JSON number's value if it is a whole number from 0 to `u64::MAX`: `3`,
/// and also `3.0` or `3e0`, which JSON Schema's `integer` (openapi.yaml's
/// type for these parameters) counts as the same number.
fn whole(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        let f = n.as_f64()?;
        // 2^64 is exactly representable; below it every whole f64 fits a u64.
        (f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f)).then_some(f as u64)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn params(pairs: Value) -> Params {
        let mut params = Params::new();
        for (name, value) in pairs.as_object().unwrap() {
            params.insert(name.clone(), value.clone());
        }
        params
    }

    fn rejection(result: Result<impl std::fmt::Debug, Response>) -> (u16, String) {
        let response = result.expect_err("a rejection");
        let body: Value = serde_json::from_str(&response.body()).unwrap();
        (response.status, body["error"].as_str().unwrap().to_string())
    }

    #[test]
    fn texts_one_or_a_batch_within_the_limits() {
        assert_eq!(params(json!({})).texts().unwrap(), (vec![""], false));
        assert_eq!(params(json!({ "text": "我" })).texts().unwrap(), (vec!["我"], false));
        assert_eq!(params(json!({ "texts": ["a", ""] })).texts().unwrap(), (vec!["a", ""], true));
        assert_eq!(params(json!({ "texts": [] })).texts().unwrap(), (vec![], true));

        let at_limit = "a".repeat(MAX_TEXT_BYTES / 2);
        assert!(params(json!({ "texts": [at_limit, at_limit] })).texts().is_ok());
        let (status, error) = rejection(params(json!({ "texts": [at_limit, at_limit, "a"] })).texts());
        assert_eq!(
            (status, error.as_str()),
            (413, "text too large: 131073 bytes; the maximum is 131072 bytes per request")
        );
        assert!(params(json!({ "texts": vec![""; MAX_BATCH] })).texts().is_ok());
        let (status, error) = rejection(params(json!({ "texts": vec![""; MAX_BATCH + 1] })).texts());
        assert_eq!((status, error.as_str()), (413, "too many texts: 1001; the maximum is 1000 per request"));

        for (bad, error) in [
            (json!({ "text": 42 }), "'text' must be a string"),
            (json!({ "texts": "a" }), "'texts' must be a list of strings"),
            (json!({ "texts": ["a", 7] }), "'texts' must be a list of strings"),
            (json!({ "text": "a", "texts": [] }), "send either 'text' or 'texts', not both"),
        ] {
            assert_eq!(rejection(params(bad.clone()).texts()), (400, error.to_string()), "{bad}");
        }
    }

    #[test]
    fn null_is_absent_for_every_getter() {
        // openapi.yaml's `Absent`: the same rule for every parameter of every tool.
        let nulls = params(json!({ "p": null, "text": null, "texts": null }));
        assert!(!nulls.contains("p") && nulls.get("p").is_none());
        assert_eq!(nulls.string("p").unwrap(), None);
        assert!(nulls.flag("p", true).unwrap() && !nulls.flag("p", false).unwrap());
        assert_eq!(nulls.bounded("p", 1..=100, 7).unwrap(), 7);
        assert_eq!(nulls.strings("p", 3).unwrap(), None);
        assert_eq!(nulls.texts().unwrap(), (vec![""], false));
        assert_eq!(params(json!({ "text": null, "texts": ["a"] })).texts().unwrap(), (vec!["a"], true));
        assert_eq!(params(json!({ "text": "a", "texts": null })).texts().unwrap(), (vec!["a"], false));
    }

    #[test]
    fn flags_in_every_spelling_openapi_yaml_gives() {
        let flag = |value: Value| params(json!({ "p": value })).flag("p", false);
        for yes in
            [json!(true), json!(1), json!(1.0), json!("TRUE"), json!(" yes\u{3000}"), json!("\t1\n"), json!("Yes")]
        {
            assert!(flag(yes.clone()).unwrap(), "{yes}");
        }
        for no in [json!(false), json!(0), json!(-0.0), json!("false"), json!("nO"), json!("\u{a0}0")] {
            assert!(!flag(no.clone()).unwrap(), "{no}");
        }
        for bad in
            [json!(2), json!(0.5), json!(-1), json!("y"), json!("on"), json!(""), json!("\u{1c}1"), json!([true])]
        {
            assert_eq!(rejection(flag(bad.clone())), (400, "'p' must be true or false".to_string()), "{bad}");
        }
    }

    #[test]
    fn whole_numbers_in_every_spelling_openapi_yaml_gives() {
        let count = |value: Value| params(json!({ "p": value })).bounded("p", 1..=100, 1);
        for (value, expected) in [
            (json!(3), 3),
            (json!(3.0), 3),
            (json!(1e2), 100),
            (json!("+7"), 7),
            (json!(" 007\u{2003}"), 7),
            (json!("100"), 100),
        ] {
            assert_eq!(count(value.clone()).unwrap(), expected, "{value}");
        }
        let invalid = (400, "'p' must be a whole number from 1 to 100".to_string());
        for bad in [
            json!(0),
            json!(101),
            json!(2.5),
            json!(-3),
            json!(1e30),
            json!("0"),
            json!("-1"),
            json!("+"),
            json!("1e2"),
            json!("٣"),
            json!("3 4"),
            json!(true),
        ] {
            assert_eq!(rejection(count(bad.clone())), invalid, "{bad}");
        }
    }

    #[test]
    fn strings_from_a_list_or_comma_separated() {
        let owned = |value: Value| -> Result<Option<Vec<String>>, Response> {
            let params = params(json!({ "p": value }));
            Ok(params.strings("p", 3)?.map(|items| items.into_iter().map(String::from).collect()))
        };
        assert_eq!(params(json!({})).strings("p", 3).unwrap(), None);
        assert_eq!(owned(json!("ns, n,,vn ")).unwrap().unwrap(), ["ns", "n", "vn"]);
        assert_eq!(owned(json!("")).unwrap().unwrap(), Vec::<String>::new());
        assert_eq!(owned(json!([" a", "b,c"])).unwrap().unwrap(), [" a", "b,c"]);
        for bad in [json!(3), json!(["a", 1]), json!({ "a": "b" })] {
            let expected = "'p' must be a list of strings or a comma-separated string";
            assert_eq!(rejection(owned(bad.clone())), (400, expected.to_string()), "{bad}");
        }
        // Past the maximum, counted without the empty items; a bad type past it is still too many.
        assert_eq!(owned(json!("a,,b, c,")).unwrap().unwrap(), ["a", "b", "c"]);
        let too_many = (413, "too many 'p' entries: 4; the maximum is 3 per request".to_string());
        assert_eq!(rejection(owned(json!("a,b,c,d"))), too_many);
        assert_eq!(rejection(owned(json!(["a", "b", "c", 4]))), too_many);
    }
}
