//! The template's `Parameters` against the values given (`--parameter`) or
//! their `Default`s, checked as CloudFormation checks them before it
//! creates a stack: a name the template does not declare, a value outside
//! `AllowedValues`, not matching `AllowedPattern` (the whole value, a Java
//! regular expression), shorter or longer than `MinLength`/`MaxLength`, or,
//! for a `Number`, not a number or outside `MinValue`/`MaxValue`. A list
//! type (`CommaDelimitedList`, `List<Number>`) has each of its values
//! checked. Any of these is an error: a mistyped `JwtIsuer` would otherwise
//! serve every route with no authorizer, without a word.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

use super::{number, scalar_string};

/// Checks every declared parameter's value, and that every given value is
/// for a declared parameter. `declared` is the template's `Parameters`
/// section (absent: none).
pub fn check(declared: Option<&Value>, given: &BTreeMap<String, String>) -> Result<(), String> {
    let empty = Map::new();
    let declared = declared.and_then(Value::as_object).unwrap_or(&empty);
    if let Some(unknown) = given.keys().find(|name| !declared.contains_key(*name)) {
        let names: Vec<&str> = declared.keys().map(String::as_str).collect();
        let known = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
        return Err(format!(
            "--parameter {unknown}: the template has no parameter {unknown} (its parameters: {known})"
        ));
    }
    for (name, parameter) in declared {
        let value = match (given.get(name), parameter.get("Default")) {
            (Some(value), _) => value.clone(),
            (None, Some(default)) => scalar_string(default),
            // Without a value nor a Default, a Ref to it says so.
            (None, None) => continue,
        };
        check_value(parameter, &value).map_err(|rule| {
            let whose = if given.contains_key(name) { "" } else { " (its Default)" };
            format!("parameter {name}{whose}: {rule}")
        })?;
    }
    Ok(())
}

/// Why `value` breaks one of `parameter`'s rules, if it does.
fn check_value(parameter: &Value, value: &str) -> Result<(), String> {
    let kind = parameter.get("Type").and_then(Value::as_str).unwrap_or("String");
    let numeric = kind == "Number" || kind == "List<Number>";
    // A list's values are what the comma separates, as a `Ref` gives them.
    let values: Vec<&str> = match kind == "CommaDelimitedList" || kind.starts_with("List<") {
        true => value.split(',').map(str::trim).collect(),
        false => vec![value],
    };
    let explained = |rule: String| match parameter.get("ConstraintDescription").map(scalar_string) {
        Some(why) if !why.is_empty() => format!("{rule} ({why})"),
        _ => rule,
    };
    let pattern = match parameter.get("AllowedPattern") {
        Some(pattern) => Some(whole_value_pattern(&scalar_string(pattern))?),
        None => None,
    };
    let allowed: Option<Vec<String>> =
        parameter.get("AllowedValues").and_then(Value::as_array).map(|list| list.iter().map(scalar_string).collect());
    let bound = |key: &str| -> Result<Option<f64>, String> {
        match parameter.get(key) {
            None => Ok(None),
            Some(v) => number(v).map(Some).ok_or(format!("its {key} {} is not a number", scalar_string(v))),
        }
    };
    let (min_length, max_length) = (bound("MinLength")?, bound("MaxLength")?);
    let (min_value, max_value) = (bound("MinValue")?, bound("MaxValue")?);
    for value in values {
        if let Some(allowed) = &allowed {
            let same = |a: &String| match numeric {
                true => a.trim().parse::<f64>().ok().zip(value.trim().parse::<f64>().ok()).is_some_and(|(a, v)| a == v),
                false => a == value,
            };
            if !allowed.iter().any(same) {
                return Err(explained(format!("{value:?} is not one of its AllowedValues ({})", allowed.join(", "))));
            }
        }
        if let Some((pattern, source)) = &pattern {
            if !pattern.is_match(value) {
                return Err(explained(format!("{value:?} does not match its AllowedPattern {source}")));
            }
        }
        // Lengths count characters, as CloudFormation does for String.
        let length = value.chars().count() as f64;
        if min_length.is_some_and(|min| length < min) {
            return Err(explained(format!("{value:?} is shorter than its MinLength {}", min_length.unwrap_or(0.0))));
        }
        if max_length.is_some_and(|max| length > max) {
            return Err(explained(format!("{value:?} is longer than its MaxLength {}", max_length.unwrap_or(0.0))));
        }
        if numeric {
            let n = value.trim().parse::<f64>().ok().filter(|n| n.is_finite());
            let Some(n) = n else { return Err(explained(format!("{value:?} is not a number (Type: {kind})"))) };
            if let Some(min) = min_value.filter(|min| n < *min) {
                return Err(explained(format!("{value} is less than its MinValue {min}")));
            }
            if let Some(max) = max_value.filter(|max| n > *max) {
                return Err(explained(format!("{value} is more than its MaxValue {max}")));
            }
        }
    }
    Ok(())
}

/// `AllowedPattern` as CloudFormation applies it: Java's `String.matches`,
/// the pattern against the whole value (not a match somewhere in it).
fn whole_value_pattern(source: &str) -> Result<(Regex, String), String> {
    // Java's lookarounds, back references and possessive quantifiers have
    // no equivalent here: say so rather than skip the check.
    Regex::new(&format!("^(?:{source})$")).map(|pattern| (pattern, source.to_owned())).map_err(|e| {
        let why = e.to_string().lines().last().unwrap_or_default().trim().to_owned();
        format!("its AllowedPattern {source} is not a pattern toolbox-local can check ({why})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(yaml: &str) -> Value {
        crate::template::yaml::parse(yaml).unwrap()
    }

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const PARAMETERS: &str = r#"
Name: {Type: String, Default: abc, MinLength: 2, MaxLength: 5}
Issuer: {Type: String, Default: "", AllowedPattern: "^$|^https://.+", ConstraintDescription: an https URL}
Digits: {Type: String, Default: "123", AllowedPattern: "[0-9]+"}
Rate: {Type: Number, Default: 10, MinValue: 0, MaxValue: 100}
Size: {Type: Number, Default: 1, AllowedValues: [1, 2]}
Ids: {Type: CommaDelimitedList, Default: "", AllowedPattern: "^$|^[0-9]{3}$"}
Ports: {Type: "List<Number>", Default: "80,443", MaxValue: 65535}
Required: {Type: String}
"#;

    fn error(pairs: &[(&str, &str)]) -> String {
        check(Some(&declared(PARAMETERS)), &given(pairs)).unwrap_err()
    }

    #[test]
    fn the_defaults_and_good_values_pass() {
        let ok = [
            ("Name", "ab"),
            ("Issuer", "https://issuer.example"),
            ("Digits", "0042"),
            ("Rate", "2.5"),
            ("Size", "2.0"),
            ("Ids", "123, 456"),
            ("Ports", "1,65535"),
            ("Required", "anything"),
        ];
        assert_eq!(check(Some(&declared(PARAMETERS)), &given(&[])), Ok(()));
        assert_eq!(check(Some(&declared(PARAMETERS)), &given(&ok)), Ok(()));
        assert_eq!(check(None, &given(&[])), Ok(()));
    }

    #[test]
    fn each_rule_names_the_parameter_and_itself() {
        let cases = [
            (("Nmae", "x"), "--parameter Nmae: the template has no parameter Nmae (its parameters: Digits, Ids,"),
            (("Name", "a"), "parameter Name: \"a\" is shorter than its MinLength 2"),
            (("Name", "abcdef"), "parameter Name: \"abcdef\" is longer than its MaxLength 5"),
            (
                ("Issuer", "http://x"),
                "parameter Issuer: \"http://x\" does not match its AllowedPattern ^$|^https://.+ (an https URL)",
            ),
            // The whole value must match, not a part of it.
            (("Issuer", "https://ok.example\nevil"), "does not match its AllowedPattern"),
            (("Digits", "12a"), "parameter Digits: \"12a\" does not match its AllowedPattern [0-9]+"),
            (("Rate", "fast"), "parameter Rate: \"fast\" is not a number (Type: Number)"),
            (("Rate", "inf"), "is not a number"),
            (("Rate", "-1"), "parameter Rate: -1 is less than its MinValue 0"),
            (("Rate", "101"), "parameter Rate: 101 is more than its MaxValue 100"),
            (("Size", "3"), "parameter Size: \"3\" is not one of its AllowedValues (1, 2)"),
            (("Ids", "123,45"), "parameter Ids: \"45\" does not match its AllowedPattern"),
            (("Ports", "80,http"), "parameter Ports: \"http\" is not a number (Type: List<Number>)"),
            (("Ports", "80,70000"), "parameter Ports: 70000 is more than its MaxValue 65535"),
        ];
        for ((name, value), expected) in cases {
            let e = error(&[(name, value)]);
            assert!(e.contains(expected), "{name}={value:?}: {e:?} lacks {expected:?}");
        }
    }

    #[test]
    fn a_default_breaking_its_own_rules_is_an_error_too() {
        let e =
            check(Some(&declared("Level: {Type: String, Default: LOUD, AllowedValues: [INFO, WARN]}")), &given(&[]))
                .unwrap_err();
        assert_eq!(e, "parameter Level (its Default): \"LOUD\" is not one of its AllowedValues (INFO, WARN)");
    }

    #[test]
    fn a_pattern_this_engine_cannot_check_is_said_to_be_so() {
        let e = check(Some(&declared(r#"P: {Type: String, Default: x, AllowedPattern: "(?=x)x"}"#)), &given(&[]))
            .unwrap_err();
        assert!(e.contains("its AllowedPattern (?=x)x is not a pattern toolbox-local can check"), "{e}");
    }
}
