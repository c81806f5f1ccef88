//! JSON parsed under a budget, so that no event or body a function accepts
//! can parse into more memory than the function has.
//!
//! A 6 MB body of tiny values (`[{},{},...]`, two million of them) parses
//! into a `serde_json::Value` of well over 100 MB: a 128 MB function ran out
//! of memory before any limit of the tool's was checked. Here every value
//! parsed spends from a [`MAX_JSON_VALUES`] budget; past it, the rest of
//! the input is read through without being kept and the answer is a 413.
//! The largest request the tools accept (1,000 texts and 1,000 `userWords`
//! objects, 10,000 stop words) spends about 31,000.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Response;

/// How many JSON values one event, or one body, may hold once parsed.
pub const MAX_JSON_VALUES: usize = 50_000;

/// What an object costs beyond its entries: serde_json's map allocates a
/// B-tree node of eleven entries (about 640 bytes) for its first one, twenty
/// times what a value in a list costs.
const OBJECT_COST: usize = 16;

/// A parsed JSON value, or the note that it held more than the budget.
#[derive(Debug, Clone, PartialEq)]
pub enum Bounded {
    Value(Value),
    TooLarge,
}

impl Bounded {
    /// The value, or the 413 that says the request held too much.
    pub fn into_value(self) -> Result<Value, Response> {
        match self {
            Bounded::Value(value) => Ok(value),
            Bounded::TooLarge => Err(too_large()),
        }
    }
}

fn too_large() -> Response {
    let message = format!(
        "request too large: more than {MAX_JSON_VALUES} JSON values (an object counts as {OBJECT_COST}); \
         send fewer list items"
    );
    Response::error(413, &message)
}

/// Parses `text` as JSON within the budget: `Err` if it is not JSON.
pub fn parse(text: &str) -> Result<Bounded, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let bounded = Bounded::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(bounded)
}

/// An event as lambda_runtime hands it over: parsed within the budget.
impl<'de> Deserialize<'de> for Bounded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Bounded, D::Error> {
        let mut left = MAX_JSON_VALUES;
        let value = Budgeted { left: &mut left }.deserialize(deserializer)?;
        Ok(value.map_or(Bounded::TooLarge, Bounded::Value))
    }
}

/// Parses one value, spending from `left`; `None` once the budget ran out
/// (the rest of the value is still read, and dropped as it is read).
struct Budgeted<'b> {
    left: &'b mut usize,
}

impl Budgeted<'_> {
    fn spend(&mut self, cost: usize) -> bool {
        match self.left.checked_sub(cost) {
            Some(left) => {
                *self.left = left;
                true
            }
            None => {
                *self.left = 0;
                false
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Budgeted<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Value>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Budgeted<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: Error>(mut self, v: bool) -> Result<Option<Value>, E> {
        Ok(self.spend(1).then_some(Value::Bool(v)))
    }

    fn visit_i64<E: Error>(mut self, v: i64) -> Result<Option<Value>, E> {
        Ok(self.spend(1).then(|| Value::from(v)))
    }

    fn visit_u64<E: Error>(mut self, v: u64) -> Result<Option<Value>, E> {
        Ok(self.spend(1).then(|| Value::from(v)))
    }

    fn visit_f64<E: Error>(mut self, v: f64) -> Result<Option<Value>, E> {
        // JSON has no NaN or infinity: serde_json's parser never hands one over.
        Ok(self.spend(1).then(|| Value::from(v)))
    }

    fn visit_str<E: Error>(mut self, v: &str) -> Result<Option<Value>, E> {
        Ok(self.spend(1).then(|| Value::String(v.to_owned())))
    }

    fn visit_string<E: Error>(mut self, v: String) -> Result<Option<Value>, E> {
        Ok(self.spend(1).then_some(Value::String(v)))
    }

    fn visit_unit<E: Error>(mut self) -> Result<Option<Value>, E> {
        Ok(self.spend(1).then_some(Value::Null))
    }

    fn visit_none<E: Error>(self) -> Result<Option<Value>, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Value>, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let mut items = Vec::new();
        let mut within = self.spend(1);
        while within {
            match seq.next_element_seed(Budgeted { left: self.left })? {
                Some(Some(item)) => items.push(item),
                Some(None) => within = false,
                None => return Ok(Some(Value::Array(items))),
            }
        }
        drop(items);
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<Value>, A::Error> {
        let mut fields = Map::new();
        let mut within = self.spend(1);
        while within {
            let Some(key) = map.next_key::<String>()? else { return Ok(Some(Value::Object(fields))) };
            if fields.is_empty() && !self.spend(OBJECT_COST) {
                map.next_value::<IgnoredAny>()?;
                break;
            }
            match map.next_value_seed(Budgeted { left: self.left })? {
                Some(value) => {
                    fields.insert(key, value);
                }
                None => within = false,
            }
        }
        drop(fields);
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parsed(text: &str) -> Bounded {
        parse(text).expect("valid JSON")
    }

    #[test]
    fn within_the_budget_it_is_serde_jsons_value() {
        for text in [
            r#"{"text": "我来到北京清华大学", "userWords": ["云计算", {"word": "a", "freq": 3}], "n": -1.5e3}"#,
            r#"[true, false, null, 18446744073709551615, -9223372036854775808, 0.1, "\u00e9\ud83d\ude00"]"#,
            r#"{}"#,
            r#""just a string""#,
            r#"{"a": {"b": {"c": [[], [{}]]}}}"#,
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(parsed(text), Bounded::Value(expected), "{text}");
        }
    }

    #[test]
    fn past_the_budget_the_rest_is_read_through_and_refused() {
        let at = |n: usize, item: &str| format!("[{}]", vec![item; n].join(","));
        // A list spends one, each item one: the list and MAX - 1 items fit.
        assert!(matches!(parsed(&at(MAX_JSON_VALUES - 1, "1")), Bounded::Value(_)));
        assert_eq!(parsed(&at(MAX_JSON_VALUES, "1")), Bounded::TooLarge);
        // The issue's attack: two million empty objects, then more JSON after the list.
        let attack = format!(r#"{{"text": "a", "userWords": {}, "after": [1, {{"x": 2}}]}}"#, at(2_090_000, "{}"));
        assert_eq!(parsed(&attack), Bounded::TooLarge);
        // A non-empty object counts OBJECT_COST more than an empty one.
        let objects = MAX_JSON_VALUES / (OBJECT_COST + 2);
        assert!(matches!(parsed(&at(objects - 1, r#"{"a":1}"#)), Bounded::Value(_)));
        assert_eq!(parsed(&at(objects + 1, r#"{"a":1}"#)), Bounded::TooLarge);
        // Still JSON is checked through to the end.
        assert!(parse(&format!("{} x", at(MAX_JSON_VALUES, "1"))).is_err());
        assert!(parse("[1, 2").is_err());

        let refused = Bounded::TooLarge.into_value().unwrap_err();
        assert_eq!(refused.status, 413);
        let body: Value = serde_json::from_str(&refused.body()).unwrap();
        assert_eq!(
            body,
            json!({"error": "request too large: more than 50000 JSON values (an object counts as 16); send fewer list items"})
        );
    }

    #[test]
    fn the_largest_request_the_tools_take_fits() {
        let words: Vec<Value> = (0..1000).map(|i| json!({"word": format!("w{i}"), "freq": 3, "tag": "n"})).collect();
        let request = json!({
            "texts": vec!["字"; 1000],
            "userWords": words,
            "stopWords": vec!["的"; 10_000],
            "allowPOS": vec!["n"; 256],
            "topK": 1000,
        });
        assert!(matches!(parsed(&request.to_string()), Bounded::Value(_)));
    }
}
