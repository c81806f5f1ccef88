use serde_json::{json, Map, Value};
use toolbox_test_support::{fixture, invoke, with_body, with_query, Answer};

use super::{calculator, NOT_FINITE};

/// The seed's Python handler's answers, from `tests/gen_table.py`.
const PYTHON_ANSWERS: &str = include_str!("../tests/python_answers.json");

fn ask(event: Value) -> Answer {
    invoke(&(), event, calculator)
}

#[test]
fn every_fixture_answers_as_the_seed_would() {
    for (event, result) in
        [("calculator/rest-v1.json", 2.0), ("calculator/http-v2.json", 18.0), ("calculator/direct.json", 3.0)]
    {
        let answer = ask(fixture(event));
        assert_eq!(answer.status, 200, "{event}: {:?}", answer.body);
        assert_eq!(answer.content_type, "application/json; charset=utf-8", "{event}");
        assert_eq!(answer.body, json!({ "result": result }), "{event}");
    }
    // ...and no fixture goes untested.
    let dir = toolbox_test_support::events_dir().join("calculator");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("events/calculator")
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["direct.json", "http-v2.json", "rest-v1.json"]);
}

#[test]
fn agrees_with_the_python_handler_through_every_event_shape() {
    let rows: Vec<Map<String, Value>> = serde_json::from_str(PYTHON_ANSWERS).expect("the table is JSON");
    assert!(rows.len() > 500, "the table has only {} rows", rows.len());
    let (rest, http) = (fixture("calculator/rest-v1.json"), fixture("calculator/http-v2.json"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in &rows {
        let params: Map<String, Value> =
            row.iter().filter(|(name, _)| ["num1", "num2", "operator"].contains(&name.as_str())).map(clone).collect();
        let expected = python_answer(row);
        let json_body = Value::Object(params.clone()).to_string();
        let mut events = vec![
            ("direct invoke", Value::Object(params.clone())),
            ("REST v1 JSON body", with_body(with_query(rest.clone(), ""), Some("application/json"), &json_body)),
            ("HTTP v2 JSON body", with_body(with_query(http.clone(), ""), Some("application/json"), &json_body)),
        ];
        if let Some(query) = query_string(&params) {
            let form = with_body(with_query(rest.clone(), ""), Some("application/x-www-form-urlencoded"), &query);
            events.push(("REST v1 query", with_query(rest.clone(), &query)));
            events.push(("HTTP v2 query", with_query(http.clone(), &query)));
            events.push(("REST v1 form body", form));
        }
        for (shape, event) in events {
            let answer = ask(event);
            checked += 1;
            if let Err(why) = same_answer(&expected, &answer) {
                failures.push(format!("{shape} {params:?}: {why}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} answers differ:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 3 * rows.len());
}

fn clone((name, value): (&String, &Value)) -> (String, Value) {
    (name.clone(), value.clone())
}

/// What the Python handler answered to a row, as this function should answer it.
#[derive(Debug)]
enum Expected {
    Result(f64),
    Error(String),
}

fn python_answer(row: &Map<String, Value>) -> Expected {
    let body = row["body"].as_str().expect("body is text");
    match row["status"].as_u64() {
        Some(200) => {
            let bits = u64::from_str_radix(row["result_bits"].as_str().expect("result_bits"), 16).expect("hex");
            match f64::from_bits(bits) {
                // Python's body here is `Infinity`/`NaN`, not JSON: we answer a 400.
                result if !result.is_finite() => Expected::Error(NOT_FINITE.into()),
                result => Expected::Result(result),
            }
        }
        Some(400) => {
            let body: Value = serde_json::from_str(body).expect("Python's 400 body is JSON");
            Expected::Error(body["error"].as_str().expect("an error text").into())
        }
        status => panic!("unexpected status {status:?} in the table"),
    }
}

fn same_answer(expected: &Expected, answer: &Answer) -> Result<(), String> {
    let got = (answer.status, &answer.body);
    match expected {
        Expected::Result(result) => match answer.body["result"].as_f64() {
            Some(ours) if answer.status == 200 && ours.to_bits() == result.to_bits() => Ok(()),
            _ => Err(format!("Python: 200 {result:?}; ours: {got:?}")),
        },
        Expected::Error(text) if answer.status == 400 && answer.body == json!({ "error": text }) => Ok(()),
        Expected::Error(text) => Err(format!("Python: 400 {text:?}; ours: {got:?}")),
    }
}

/// `params` as a URL-encoded query, if all of them are strings.
fn query_string(params: &Map<String, Value>) -> Option<String> {
    let pairs: Option<Vec<String>> =
        params.iter().map(|(name, value)| Some(format!("{name}={}", percent_encode(value.as_str()?)))).collect();
    Some(pairs?.join("&"))
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[test]
fn the_seed_s_error_texts_in_the_seed_s_order() {
    let cases = [
        ("num1=6&num2=0&operator=divide", "Cannot divide by zero"),
        ("num1=6&num2=-0.0&operator=divide", "Cannot divide by zero"),
        ("num1=nan&num2=0&operator=divide", "Cannot divide by zero"),
        ("num1=6&num2=3&operator=power", "Invalid operator"),
        ("num1=6&num2=3&operator=ADD", "Invalid operator"),
        ("num1=6&num2=3&operator=", "Invalid operator"),
        ("num1=6&num2=3", "Invalid input"),
        ("num1=six&num2=3&operator=power", "Invalid input"),
        ("num1=6&operator=add", "Invalid input"),
        ("", "Invalid input"),
        ("num1=1e308&num2=1e308&operator=add", NOT_FINITE),
        ("num1=inf&num2=0&operator=multiply", NOT_FINITE),
    ];
    for (query, error) in cases {
        let answer = ask(with_query(fixture("calculator/http-v2.json"), query));
        assert_eq!((answer.status, answer.body), (400, json!({ "error": error })), "{query}");
    }
}

#[test]
fn infinite_inputs_are_fine_when_the_result_is_finite() {
    let answer = ask(json!({ "num1": "1", "num2": "-inf", "operator": "divide" }));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["result"].as_f64().map(f64::to_bits), Some((-0.0f64).to_bits()));
}

#[test]
fn json_types_are_read_as_python_s_float_reads_them() {
    let answer = ask(json!({ "num1": true, "num2": 2.5, "operator": "multiply" }));
    assert_eq!((answer.status, answer.body), (200, json!({ "result": 2.5 })));
    let answer = ask(json!({ "num1": 1, "num2": false, "operator": "divide" }));
    assert_eq!((answer.status, answer.body), (400, json!({ "error": "Cannot divide by zero" })));
    for num1 in [json!(null), json!([]), json!([1]), json!({ "value": 1 })] {
        let answer = ask(json!({ "num1": num1, "num2": 2, "operator": "add" }));
        assert_eq!((answer.status, answer.body), (400, json!({ "error": "Invalid input" })), "{num1}");
    }
    for operator in [json!(1), json!(true), json!(["add"])] {
        let answer = ask(json!({ "num1": 1, "num2": 2, "operator": operator }));
        assert_eq!((answer.status, answer.body), (400, json!({ "error": "Invalid operator" })), "{operator}");
    }
}

#[test]
fn documented_differences_from_the_python_handler() {
    // A JSON null is an absent parameter here (the gateway's rule for every
    // tool); Python would compare None with 'add' and say "Invalid operator".
    let answer = ask(json!({ "num1": 1, "num2": 2, "operator": null }));
    assert_eq!((answer.status, answer.body), (400, json!({ "error": "Invalid input" })));
    // A JSON number too big for a double is rejected with the body, before the
    // calculator runs; Python's json.loads would have made it inf.
    let event = with_body(fixture("calculator/rest-v1.json"), Some("application/json"), r#"{"num1": 1e400}"#);
    let answer = ask(event);
    assert_eq!(answer.status, 400);
    assert!(
        answer.body["error"].as_str().is_some_and(|e| e.starts_with("body is not valid JSON")),
        "{:?}",
        answer.body
    );
}

#[test]
fn json_minus_zero_is_a_negative_zero() {
    // serde_json reads the literal `-0` as -0.0; Python's json.loads reads the
    // integer 0, so Python answers 0.0 here (documented in docs/calculator.md).
    let body = r#"{"num1": -0, "num2": -0.0, "operator": "add"}"#;
    let answer = ask(with_body(fixture("calculator/http-v2.json"), Some("application/json"), body));
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["result"].as_f64().map(f64::to_bits), Some((-0.0f64).to_bits()));
}

#[test]
fn the_documented_examples() {
    let http = || fixture("calculator/http-v2.json");
    let examples = [
        (with_query(http(), "num1=6&num2=3&operator=divide"), r#"{"result":2.0}"#),
        (with_query(http(), "num1=1_000&num2=%EF%BC%92&operator=multiply"), r#"{"result":2000.0}"#),
        (with_query(http(), "num1=1&num2=0&operator=divide"), r#"{"error":"Cannot divide by zero"}"#),
        (
            with_body(
                with_query(http(), ""),
                Some("application/json"),
                r#"{"num1": 0.1, "num2": 0.2, "operator": "add"}"#,
            ),
            r#"{"result":0.30000000000000004}"#,
        ),
        (with_query(http(), "num1=1e308&num2=10&operator=multiply"), r#"{"error":"Result is not a finite number"}"#),
    ];
    for (event, body) in examples {
        let proxy = toolbox_gateway::handle(&(), event, calculator);
        assert_eq!(proxy["body"], body);
    }
}

#[test]
fn the_body_overrides_the_query_string() {
    let event = with_body(fixture("calculator/rest-v1.json"), Some("application/json"), r#"{"operator": "add"}"#);
    let answer = ask(event);
    assert_eq!((answer.status, answer.body), (200, json!({ "result": 9.0 })));
}

#[test]
fn a_non_object_event_is_a_400_not_a_panic() {
    for event in [json!("6+3"), json!(null), json!([6, 3])] {
        let answer = ask(event);
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["error"], "event must be a JSON object");
    }
}
