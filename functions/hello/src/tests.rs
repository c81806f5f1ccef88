use toolbox_test_support::{fixture, invoke};

use super::hello;

#[test]
fn answers_hello_world_to_every_event_shape() {
    for event in ["hello/rest-v1.json", "hello/http-v2.json", "hello/direct.json"] {
        let answer = invoke(&(), fixture(event), hello);
        assert_eq!(answer.status, 200, "{event}");
        assert_eq!(answer.content_type, "application/json; charset=utf-8", "{event}");
        assert_eq!(answer.body, serde_json::json!({ "message": "hello world" }), "{event}");
    }
}

#[test]
fn a_non_object_event_is_a_400_not_a_panic() {
    for event in [serde_json::json!("hi"), serde_json::json!(null), serde_json::json!([1, 2])] {
        let answer = invoke(&(), event, hello);
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["error"], "event must be a JSON object");
    }
}

#[test]
fn a_query_string_that_percent_decodes_to_bytes_not_utf8_is_a_400() {
    let mut v2 = fixture("hello/http-v2.json");
    v2["rawQueryString"] = serde_json::json!("x=%FF");
    let mut v1 = fixture("hello/rest-v1.json");
    v1["queryStringParameters"] = serde_json::json!({"x": "%FF"});
    let answer = invoke(&(), v2, hello);
    assert_eq!(
        (answer.status, &answer.body["error"]),
        (400, &serde_json::json!("query string is not valid UTF-8 after percent-decoding"))
    );
    // A REST event's parameters arrive decoded by API Gateway: "%FF" is text.
    assert_eq!(invoke(&(), v1, hello).status, 200);
}
