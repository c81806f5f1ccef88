//! Reading a function's log line as CloudWatch's Embedded Metric Format:
//! what CloudWatch Logs would extract from it, or why it would extract
//! nothing. Independent of the writer (gateway/src/metrics.rs): this side
//! reads any function's records, ours or a user's, by the specification.
//!
//! A line is a record when it is a JSON object with an `_aws` member, as
//! CloudWatch decides; a line that starts like one (`{` and `"_aws"`) but
//! is not valid JSON is reported too, since CloudWatch would drop it
//! silently. Anything else is an ordinary log line.

use serde_json::{Map, Value};

/// CloudWatch's limits: per directive at most 100 metrics, per dimension
/// set at most 30 dimensions, per metric at most 100 values; names and
/// namespaces 1 to 255 characters, dimension values 1 to 1,024 (the
/// limits of PutMetricData, which EMF feeds).
pub const MAX_METRICS: usize = 100;
pub const MAX_DIMENSIONS: usize = 30;
pub const MAX_VALUES: usize = 100;
const MAX_NAME_CHARS: usize = 255;
const MAX_DIMENSION_VALUE_CHARS: usize = 1024;

/// The units a MetricDefinition may name (CloudWatch's StandardUnit).
pub const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// One metric's values in one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    /// `None` when the definition names no unit (CloudWatch's `None`).
    pub unit: Option<String>,
    pub values: Vec<f64>,
}

/// What CloudWatch would extract from one valid record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The first directive's namespace (the others' metrics are listed too).
    pub namespace: String,
    /// The root's `Route` dimension value, when a dimension set names it:
    /// the toolbox's route dimension (`GET /segment`, `direct`).
    pub route: Option<String>,
    /// Each metric once, in the order the directives name them.
    pub metrics: Vec<Metric>,
}

/// `None`: not a record (an ordinary log line). `Some(Err(why))`: a record
/// CloudWatch would reject, `why` saying what is wrong.
pub fn read(line: &str) -> Option<Result<Record, String>> {
    let line = line.trim_end_matches(['\r', '\n']);
    // Only a JSON object can be a record: most lines are not worth a parse.
    if !line.trim_start().starts_with('{') {
        return None;
    }
    let looks_like_one = line.contains("\"_aws\"");
    let root = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(root)) if root.contains_key("_aws") => root,
        Ok(_) => return None,
        Err(e) if looks_like_one => return Some(Err(format!("not valid JSON ({e})"))),
        Err(_) => return None,
    };
    Some(validate(&root))
}

fn validate(root: &Map<String, Value>) -> Result<Record, String> {
    let aws = root["_aws"].as_object().ok_or("_aws is not an object")?;
    match aws.get("Timestamp") {
        None => return Err("_aws.Timestamp is missing".into()),
        Some(t) if !t.as_f64().is_some_and(|ms| ms >= 0.0 && ms.fract() == 0.0) => {
            return Err(format!("_aws.Timestamp is not a whole number of epoch milliseconds: {t}"))
        }
        Some(_) => {}
    }
    let directives = match aws.get("CloudWatchMetrics") {
        None => return Err("_aws.CloudWatchMetrics is missing".into()),
        Some(Value::Array(directives)) => directives,
        Some(_) => return Err("_aws.CloudWatchMetrics is not an array".into()),
    };
    let mut record = Record { namespace: String::new(), route: None, metrics: Vec::new() };
    for (i, directive) in directives.iter().enumerate() {
        let at = format!("CloudWatchMetrics[{i}]");
        let directive = directive.as_object().ok_or_else(|| format!("{at} is not an object"))?;
        let namespace = directive
            .get("Namespace")
            .and_then(Value::as_str)
            .ok_or(format!("{at}.Namespace is missing or not a string"))?;
        check_name(namespace, &format!("{at}.Namespace"))?;
        if i == 0 {
            record.namespace = namespace.to_owned();
        }
        let sets = directive
            .get("Dimensions")
            .and_then(Value::as_array)
            .ok_or(format!("{at}.Dimensions is missing or not an array"))?;
        for (j, set) in sets.iter().enumerate() {
            let set = set.as_array().ok_or_else(|| format!("{at}.Dimensions[{j}] is not an array"))?;
            if set.len() > MAX_DIMENSIONS {
                return Err(format!("{at}.Dimensions[{j}] has {} dimensions (at most {MAX_DIMENSIONS})", set.len()));
            }
            for name in set {
                let name = name.as_str().ok_or_else(|| format!("{at}.Dimensions[{j}] holds a non-string: {name}"))?;
                let value = match root.get(name) {
                    None => return Err(format!("dimension {name:?} is named but missing from the root")),
                    Some(Value::String(value)) => value,
                    Some(other) => return Err(format!("dimension {name:?} is not a string in the root: {other}")),
                };
                let chars = value.chars().count();
                if chars == 0 || chars > MAX_DIMENSION_VALUE_CHARS {
                    return Err(format!(
                        "dimension {name:?}'s value has {chars} characters (1 to {MAX_DIMENSION_VALUE_CHARS})"
                    ));
                }
                if name == "Route" {
                    record.route = Some(value.clone());
                }
            }
        }
        let metrics = directive
            .get("Metrics")
            .and_then(Value::as_array)
            .ok_or(format!("{at}.Metrics is missing or not an array"))?;
        if metrics.len() > MAX_METRICS {
            return Err(format!("{at}.Metrics has {} metrics (at most {MAX_METRICS})", metrics.len()));
        }
        for (j, definition) in metrics.iter().enumerate() {
            let metric = read_metric(root, definition).map_err(|why| format!("{at}.Metrics[{j}]: {why}"))?;
            if !record.metrics.iter().any(|m| m.name == metric.name) {
                record.metrics.push(metric);
            }
        }
    }
    Ok(record)
}

fn read_metric(root: &Map<String, Value>, definition: &Value) -> Result<Metric, String> {
    let definition = definition.as_object().ok_or("not an object")?;
    let name = definition.get("Name").and_then(Value::as_str).ok_or("Name is missing or not a string")?;
    check_name(name, "Name")?;
    let unit = match definition.get("Unit") {
        None => None,
        Some(Value::String(unit)) if UNITS.contains(&unit.as_str()) => Some(unit.clone()),
        Some(unit) => return Err(format!("{name}: Unit {unit} is not a CloudWatch unit")),
    };
    match definition.get("StorageResolution") {
        None => {}
        Some(r) if r.as_u64() == Some(1) || r.as_u64() == Some(60) => {}
        Some(r) => return Err(format!("{name}: StorageResolution {r} is neither 1 nor 60")),
    }
    let values = match root.get(name) {
        None => return Err(format!("metric {name:?} is named but missing from the root")),
        Some(Value::Number(n)) => vec![n.as_f64().unwrap_or(f64::NAN)],
        Some(Value::Array(values)) => {
            if values.len() > MAX_VALUES {
                return Err(format!("metric {name:?} has {} values (at most {MAX_VALUES})", values.len()));
            }
            values
                .iter()
                .map(|v| v.as_f64().ok_or_else(|| format!("metric {name:?} holds a non-number: {v}")))
                .collect::<Result<_, _>>()?
        }
        Some(other) => return Err(format!("metric {name:?} is neither a number nor an array of numbers: {other}")),
    };
    Ok(Metric { name: name.to_owned(), unit, values })
}

fn check_name(name: &str, what: &str) -> Result<(), String> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(format!("{what} has {chars} characters (1 to {MAX_NAME_CHARS})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(root: Value) -> Option<Result<Record, String>> {
        read(&root.to_string())
    }

    fn valid() -> Value {
        json!({
            "_aws": {"Timestamp": 1_764_700_000_123u64, "CloudWatchMetrics": [{
                "Namespace": "lambda-toolbox",
                "Dimensions": [["FunctionName", "Route"]],
                "Metrics": [{"Name": "Requests", "Unit": "Count"}, {"Name": "Duration", "Unit": "Milliseconds"},
                            {"Name": "Latencies"}]}]},
            "FunctionName": "segment", "Route": "GET /segment", "Requests": 1, "Duration": 0.25,
            "Latencies": [1, 2.5], "requestId": "x"
        })
    }

    #[test]
    fn a_valid_record_gives_its_namespace_route_and_values() {
        let got = record(valid()).unwrap().unwrap();
        assert_eq!(got.namespace, "lambda-toolbox");
        assert_eq!(got.route.as_deref(), Some("GET /segment"));
        assert_eq!(
            got.metrics,
            [
                Metric { name: "Requests".into(), unit: Some("Count".into()), values: vec![1.0] },
                Metric { name: "Duration".into(), unit: Some("Milliseconds".into()), values: vec![0.25] },
                Metric { name: "Latencies".into(), unit: None, values: vec![1.0, 2.5] },
            ]
        );
    }

    #[test]
    fn ordinary_log_lines_are_not_records() {
        for line in
            ["START RequestId: 1", "{\"level\":\"INFO\",\"message\":\"hi\"}", "[1,2]", "", "{\"_aws\"", "x \"_aws\""]
        {
            let got = read(line);
            // `{"_aws"` alone starts like a record: it is reported, not passed.
            if line == "{\"_aws\"" {
                assert!(matches!(got, Some(Err(ref why)) if why.starts_with("not valid JSON")), "{got:?}");
            } else {
                assert_eq!(got, None, "{line}");
            }
        }
    }

    /// One way to break a record.
    type Break = Box<dyn Fn(&mut Value)>;

    /// Each way a record can break, and the words the warning uses.
    #[test]
    fn a_malformed_record_says_what_is_wrong() {
        let cases: Vec<(Break, &str)> = vec![
            (Box::new(|r| r["_aws"] = json!(1)), "_aws is not an object"),
            (Box::new(|r| drop(r["_aws"].as_object_mut().unwrap().remove("Timestamp"))), "Timestamp is missing"),
            (Box::new(|r| r["_aws"]["Timestamp"] = json!("now")), "Timestamp is not a whole number"),
            (Box::new(|r| r["_aws"]["Timestamp"] = json!(1.5)), "Timestamp is not a whole number"),
            (
                Box::new(|r| drop(r["_aws"].as_object_mut().unwrap().remove("CloudWatchMetrics"))),
                "CloudWatchMetrics is missing",
            ),
            (Box::new(|r| r["_aws"]["CloudWatchMetrics"][0]["Namespace"] = json!("")), "Namespace has 0 characters"),
            (
                Box::new(|r| drop(r.as_object_mut().unwrap().remove("Route"))),
                "dimension \"Route\" is named but missing",
            ),
            (Box::new(|r| r["Route"] = json!(3)), "dimension \"Route\" is not a string"),
            (
                Box::new(|r| drop(r.as_object_mut().unwrap().remove("Requests"))),
                "metric \"Requests\" is named but missing",
            ),
            (Box::new(|r| r["Requests"] = json!("1")), "neither a number nor an array"),
            (Box::new(|r| r["Latencies"] = json!([1, "2"])), "holds a non-number"),
            (Box::new(|r| r["Latencies"] = json!(vec![1; 101])), "has 101 values"),
            (
                Box::new(|r| r["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("Furlongs")),
                "not a CloudWatch unit",
            ),
            (
                Box::new(|r| r["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["StorageResolution"] = json!(5)),
                "neither 1 nor 60",
            ),
            (
                Box::new(|r| {
                    let names: Vec<String> = (0..31).map(|i| format!("d{i}")).collect();
                    for name in &names {
                        r[name] = json!("v");
                    }
                    r["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!([names]);
                }),
                "has 31 dimensions",
            ),
            (
                Box::new(|r| {
                    let metrics: Vec<Value> = (0..101).map(|i| json!({"Name": format!("m{i}")})).collect();
                    for i in 0..101 {
                        r[format!("m{i}")] = json!(1);
                    }
                    r["_aws"]["CloudWatchMetrics"][0]["Metrics"] = json!(metrics);
                }),
                "has 101 metrics",
            ),
        ];
        for (break_it, words) in cases {
            let mut root = valid();
            break_it(&mut root);
            match record(root.clone()) {
                Some(Err(why)) => assert!(why.contains(words), "{why:?} should say {words:?}"),
                other => panic!("{root} gave {other:?}, not an error saying {words:?}"),
            }
        }
    }
}
