use std::collections::BTreeMap;

use serde_json::Value;

use crate::Response;

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

    /// `true|false|1|0|yes|no` (any case) or a JSON boolean; `default` if absent.
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
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(false),
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(true),
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
            Some(Value::Number(n)) => n.as_u64().ok_or_else(invalid)?,
            Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| invalid())?,
            Some(_) => return Err(invalid()),
        };
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(invalid())
        }
    }
}
