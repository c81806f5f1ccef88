//! YAML → JSON, keeping CloudFormation's short-form tags.
//!
//! `!Ref X` becomes `{"Ref": "X"}`, `!GetAtt A.B` becomes
//! `{"Fn::GetAtt": ["A", "B"]}` and every other `!Name v` becomes
//! `{"Fn::Name": v}`, exactly the long forms CloudFormation itself converts
//! them to. Built on saphyr-parser's event stream, which reports tags (its
//! loaders, like most YAML libraries', would drop them).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

/// Short-form tags CloudFormation accepts, without the leading `!`.
const INTRINSICS: [&str; 18] = [
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "GetAtt",
];

enum Frame {
    Seq { items: Vec<Value>, tag: Option<Tag>, anchor: usize },
    Map { map: Map<String, Value>, key: Option<String>, tag: Option<Tag>, anchor: usize },
}

/// Parses the first YAML document of `text`. Errors name the line and column.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut root: Option<Value> = None;

    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            format!("YAML error at line {} column {}: {}", e.marker().line(), e.marker().col() + 1, e.info())
        })?;
        let done = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let value = tagged(scalar(&value, style, tag.as_deref()), tag.as_deref());
                Some((value, anchor))
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(value) => Some((value.clone(), 0)),
                None => return Err(format!("YAML error at line {}: unknown alias", span.start.line())),
            },
            Event::SequenceStart(anchor, tag) => {
                stack.push(Frame::Seq { items: Vec::new(), tag: tag.map(|t| t.into_owned()), anchor });
                None
            }
            Event::MappingStart(anchor, tag) => {
                stack.push(Frame::Map { map: Map::new(), key: None, tag: tag.map(|t| t.into_owned()), anchor });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { items, tag, anchor }) => Some((tagged(Value::Array(items), tag.as_ref()), anchor)),
                Some(Frame::Map { map, tag, anchor, .. }) => Some((tagged(Value::Object(map), tag.as_ref()), anchor)),
                None => return Err("YAML error: unbalanced collection".into()),
            },
            Event::DocumentEnd => break,
            _ => None,
        };
        let Some((value, anchor)) = done else { continue };
        if anchor != 0 {
            anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                Some(k) => {
                    map.insert(k, value);
                }
                None => *key = Some(key_string(value)),
            },
            None => {
                root = Some(value);
                break;
            }
        }
    }
    Ok(root.unwrap_or(Value::Null))
}

fn key_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A scalar under YAML 1.2's core schema: plain scalars may be null, booleans
/// or numbers; quoted and block scalars, and any tagged one, are strings.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            return match tag.suffix.as_str() {
                "null" => Value::Null,
                "bool" => Value::Bool(matches!(text, "true" | "True" | "TRUE")),
                "int" | "float" => plain(text),
                _ => Value::String(text.to_owned()),
            };
        }
        return Value::String(text.to_owned());
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_owned());
    }
    plain(text)
}

fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return Value::Number(n.into());
        }
        // Past i64 but within u64 (openapi.yaml's largest `freq`, 2^64 - 1):
        // exact, not rounded to a double.
        if let Ok(n) = text.parse::<u64>() {
            return Value::Number(n.into());
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Value::Number(n.into());
        }
    }
    let looks_float = digits.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if looks_float {
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text.to_owned())
}

/// Wraps a value carrying a CloudFormation short-form tag in its long form.
fn tagged(value: Value, tag: Option<&Tag>) -> Value {
    let Some(tag) = tag else { return value };
    if tag.is_yaml_core_schema() {
        return value;
    }
    let name = tag.suffix.trim_start_matches('!');
    match name {
        "Ref" => single("Ref", value),
        "Condition" => single("Condition", value),
        "GetAtt" => match value {
            Value::String(s) => {
                let parts = match s.split_once('.') {
                    Some((resource, attribute)) => vec![resource.into(), attribute.into()],
                    None => vec![Value::String(s)],
                };
                single("Fn::GetAtt", Value::Array(parts))
            }
            other => single("Fn::GetAtt", other),
        },
        _ if INTRINSICS.contains(&name) => single(&format!("Fn::{name}"), value),
        // An unknown local tag: keep the value, as CloudFormation would reject
        // the template anyway and the runner only needs the rest of it.
        _ => value,
    }
}

fn single(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::parse;

    #[test]
    fn short_tags_become_long_forms() {
        let doc = parse(
            "a: !Ref Stage\n\
             b: !GetAtt Fn.Arn\n\
             c: !Sub 'arn:${AWS::Region}'\n\
             d: !If [IsProd, 1, 2]\n\
             e: !Join\n  - ','\n  - [x, !Ref Y]\n\
             f: !Equals [!Ref Env, prod]\n",
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({
                "a": {"Ref": "Stage"},
                "b": {"Fn::GetAtt": ["Fn", "Arn"]},
                "c": {"Fn::Sub": "arn:${AWS::Region}"},
                "d": {"Fn::If": ["IsProd", 1, 2]},
                "e": {"Fn::Join": [",", ["x", {"Ref": "Y"}]]},
                "f": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            })
        );
    }

    #[test]
    fn core_schema_scalars() {
        let doc = parse("a: 128\nb: '128'\nc: true\nd: ~\ne: 1.5\nf: hello world\ng: |\n  two\n  lines\n").unwrap();
        assert_eq!(
            doc,
            json!({"a": 128, "b": "128", "c": true, "d": null, "e": 1.5, "f": "hello world", "g": "two\nlines\n"})
        );
    }

    #[test]
    fn whole_numbers_keep_every_digit_up_to_u64() {
        let doc = parse("a: 18446744073709551615\nb: -9223372036854775808\nc: 18446744073709551616\n").unwrap();
        assert_eq!(doc["a"].as_u64(), Some(u64::MAX));
        assert_eq!(doc["b"].as_i64(), Some(i64::MIN));
        // Past u64: the nearest double, as YAML's core schema reads a float.
        assert_eq!(doc["c"].as_f64(), Some(18446744073709551616.0));
    }

    #[test]
    fn anchors_and_aliases() {
        let doc = parse("base: &b {x: 1}\ncopy: *b\n").unwrap();
        assert_eq!(doc, json!({"base": {"x": 1}, "copy": {"x": 1}}));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }
}
