use serde_json::{json, Value};
use toolbox_gateway::handle;
use toolbox_test_support::fixture;

use super::{playground, OPENAPI_JSON, PAGE};

/// The proxy response's status, content type and body, as sent.
fn answer(event: Value) -> (u64, String, String) {
    let proxy = handle(&(), event, playground);
    let content_type = proxy["headers"]["content-type"].as_str().unwrap_or_default().to_string();
    (proxy["statusCode"].as_u64().unwrap(), content_type, proxy["body"].as_str().unwrap().to_string())
}

#[test]
fn the_root_is_the_page_in_every_event_shape() {
    for event in ["playground/http-v2.json", "playground/direct.json"] {
        let (status, content_type, body) = answer(fixture(event));
        assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"), "{event}");
        assert_eq!(body, PAGE, "{event}");
    }
}

#[test]
fn openapi_json_is_the_document_as_json() {
    let (status, content_type, body) = answer(fixture("playground/rest-v1.json"));
    assert_eq!((status, content_type.as_str()), (200, "application/json; charset=utf-8"));
    assert_eq!(body, OPENAPI_JSON);
    let document: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(document["openapi"], json!("3.1.0"));
    for path in ["/hello", "/calculator", "/random-image", "/segment", "/keywords", "/", "/openapi.json"] {
        assert!(document["paths"][path].is_object(), "{path} is in the document");
    }
}

#[test]
fn the_page_is_self_contained() {
    assert!(PAGE.starts_with("<!doctype html>"), "an HTML5 page");
    // Nothing fetched from elsewhere: no script or stylesheet by URL, no absolute URL at all but examples in text.
    for outside in ["<script src", "<link rel=\"stylesheet\"", "@import", "src=\"http", "href=\"http"] {
        assert!(!PAGE.contains(outside), "the page loads nothing from elsewhere ({outside})");
    }
}
