//! Lambda's rules, enforced on misbehaving fixtures (local/test-functions)
//! served from local/tests/fixtures.yaml: v1/v2 payloads, timeouts, memory,
//! crashes, init errors, Runtime API garbage, concurrency and throttling.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{wait_reports, Runner};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures.yaml")
}

fn start() -> Runner {
    Runner::start(&fixtures(), &["--init-timeout", "2", "--queue-timeout", "0.3"])
}

fn echoed(reply: &common::Reply) -> (Value, Value) {
    let outer = reply.json();
    let event: Value = serde_json::from_str(outer["event"].as_str().unwrap()).unwrap();
    (event, outer["env"].clone())
}

#[test]
fn http_api_v2_payload_and_response() {
    let runner = start();
    let reply = runner.request(
        "POST",
        "/echo/b%C3%B6b?x=1&x=2&y=a%20b",
        &[("Content-Type", "application/json"), ("Cookie", "a=1; b=2"), ("X-Custom", "yes")],
        br#"{"k": "v"}"#,
    );
    assert_eq!(reply.status, 200, "{}", runner.log());
    let (event, env) = echoed(&reply);
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "ANY /echo/{name}");
    // An HTTP API hands over the path decoded ("Working with AWS Lambda proxy
    // integrations for HTTP APIs"' events; captured events decode `%2F` too).
    assert_eq!(event["rawPath"], "/echo/böb");
    assert_eq!(event["requestContext"]["http"]["path"], "/echo/böb");
    // The headers API Gateway adds to every request (captured events).
    assert_eq!(event["headers"]["x-forwarded-for"], "127.0.0.1");
    assert_eq!(event["headers"]["x-forwarded-proto"], "http");
    assert_eq!(event["headers"]["x-forwarded-port"], runner.addr.port().to_string());
    let trace = event["headers"]["x-amzn-trace-id"].as_str().unwrap();
    assert!(trace.starts_with("Root=1-") && trace.len() == "Root=1-".len() + 8 + 1 + 24, "{trace}");
    assert_eq!(event["rawQueryString"], "x=1&x=2&y=a%20b");
    assert_eq!(event["pathParameters"], json!({"name": "böb"}));
    assert_eq!(event["queryStringParameters"], json!({"x": "1,2", "y": "a b"}));
    assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(event["headers"]["x-custom"], "yes");
    assert_eq!(event["requestContext"]["http"]["method"], "POST");
    assert_eq!(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(event["body"], r#"{"k": "v"}"#);
    assert_eq!(event["isBase64Encoded"], false);

    // The proxy response back: headers, cookies → Set-Cookie.
    assert_eq!(reply.header("x-echo"), Some("yes"));
    assert_eq!(reply.header_all("set-cookie"), vec!["c1=v1"]);

    // The environment Lambda sets, the template's Environment, the layer.
    for key in [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "LAMBDA_TASK_ROOT",
        "TOOLBOX_LAYER_DIR",
    ] {
        assert!(env[key].as_str().is_some_and(|v| !v.is_empty()), "{key} unset: {env}");
    }
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "EchoFunction");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["_HANDLER"], "bootstrap");
    assert_eq!(env["GREETING"], "from-the-template");
    assert_eq!(env["REGION_SEEN"], "us-east-1");
    assert_eq!(env["ONLY_ECHO"], "1");

    // Binary bodies travel base64-encoded.
    let binary = runner.request("PUT", "/echo/x", &[("Content-Type", "application/octet-stream")], &[0xff, 0x00, 0x01]);
    let (event, _) = echoed(&binary);
    assert_eq!((event["isBase64Encoded"].clone(), event["body"].clone()), (json!(true), json!("/wAB")));

    // The template's CORS, on an origin it allows and one it does not.
    let allowed = runner.request("GET", "/echo/x", &[("Origin", "https://app.example")], b"");
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://app.example"));
    let other = runner.request("GET", "/echo/x", &[("Origin", "https://evil.example")], b"");
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[test]
fn rest_api_v1_payload_and_response() {
    let runner = start();
    let reply = runner.request("GET", "/v1/echo/alice?q=1&q=2", &[("X-Custom", "yes")], b"");
    assert_eq!(reply.status, 200, "{}", runner.log());
    let (event, _) = echoed(&reply);
    assert_eq!(event["resource"], "/v1/echo/{name}");
    assert_eq!(event["path"], "/v1/echo/alice");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(event["pathParameters"], json!({"name": "alice"}));
    assert_eq!(event["queryStringParameters"], json!({"q": "2"}));
    assert_eq!(event["multiValueQueryStringParameters"], json!({"q": ["1", "2"]}));
    assert_eq!(event["headers"]["X-Custom"], "yes");
    assert_eq!(event["headers"]["X-Forwarded-Proto"], "http");
    assert_eq!(event["multiValueHeaders"]["X-Forwarded-For"], json!(["127.0.0.1"]));
    assert_eq!(event["requestContext"]["stage"], "Prod");
    assert_eq!(event["body"], Value::Null);
    // multiValueHeaders come back as repeated headers.
    assert_eq!(reply.header_all("x-multi"), vec!["1", "2"]);

    let greedy = runner.request("DELETE", "/v1/files/a/b/c.txt", &[], b"");
    let (event, _) = echoed(&greedy);
    assert_eq!(event["resource"], "/v1/files/{proxy+}");
    assert_eq!(event["pathParameters"], json!({"proxy": "a/b/c.txt"}));

    // v1 routes are GET only here.
    assert_eq!(runner.request("POST", "/v1/echo/alice", &[], b"").status, 404);
}

#[test]
fn timeout_kills_the_instance_and_api_gateway_answers_a_function_error() {
    let runner = start();
    // Lambda ends the invocation with an error (Sandbox.Timedout); API
    // Gateway answers it like any function error.
    let slow = runner.get("/sleepy?ms=30000");
    assert_eq!(slow.status, 502, "{}", runner.log());
    assert_eq!(slow.json(), json!({"message": "Internal Server Error"}));
    assert!(runner.wait_for_log("[sleepy] "), "{}", runner.log());
    assert!(runner.wait_for_log("Task timed out after 1.00 seconds"), "{}", runner.log());
    assert!(runner.wait_for_log("Status: timeout"), "{}", runner.log());
    // The killed instance is gone: the next request is a cold start.
    let fast = runner.get("/sleepy?ms=0");
    assert_eq!(fast.status, 200, "{}", runner.log());
    let (count, cold) = wait_reports(&runner, "sleepy", 2);
    assert_eq!((count, cold), (2, 2), "{}", runner.log());
}

#[test]
fn past_the_integration_timeout_api_gateway_answers_and_the_invocation_goes_on() {
    let runner = start();
    // TimeoutInMillis: 1000 on both routes; the function's Timeout is 5 s.
    let started = std::time::Instant::now();
    let v2 = runner.get("/patient?ms=2500");
    assert!(started.elapsed() < Duration::from_millis(2300), "answered after {:?}", started.elapsed());
    assert_eq!((v2.status, v2.json()), (503, json!({"message": "Service Unavailable"})), "{}", runner.log());
    assert!(runner.wait_for_log("integration timeout"), "{}", runner.log());
    let v1 = runner.get("/v1/patient?ms=2500");
    assert_eq!((v1.status, v1.json()), (504, json!({"message": "Endpoint request timed out"})));
    // Lambda itself was not stopped: both invocations finish, without error.
    let (count, _) = wait_reports(&runner, "sleepy", 2);
    assert_eq!(count, 2, "{}", runner.log());
    assert!(!runner.log().contains("Status: timeout"), "{}", runner.log());
    assert_eq!(runner.get("/patient?ms=0").status, 200);
}

#[test]
fn memory_limit_kills_the_instance_with_502() {
    let runner = start();
    let ok = runner.get("/hungry?mb=8");
    assert_eq!(ok.status, 200, "a little memory is fine: {}", runner.log());
    let pig = runner.get("/hungry?mb=512");
    assert_eq!(pig.status, 502, "{}", runner.log());
    assert_eq!(pig.json(), json!({"message": "Internal Server Error"}));
    assert!(runner.wait_for_log("Runtime.OutOfMemory"), "{}", runner.log());
    let again = runner.get("/hungry?mb=8");
    assert_eq!(again.status, 200, "a fresh instance after the kill: {}", runner.log());
    let (_, cold) = wait_reports(&runner, "hungry", 3);
    assert_eq!(cold, 2, "{}", runner.log());
}

#[test]
fn a_crash_is_a_502_and_the_next_request_starts_fresh() {
    let runner = start();
    let first = runner.get("/crashy?crash=false");
    assert_eq!(first.status, 200);
    let first_pid = first.json()["pid"].as_u64().unwrap();
    let crash = runner.get("/crashy");
    assert_eq!((crash.status, crash.json()), (502, json!({"message": "Internal Server Error"})));
    assert!(runner.wait_for_log("Runtime exited with error: exit status 3"), "{}", runner.log());
    assert!(runner.wait_for_log("[crashy] crashing on purpose"), "function output is prefixed: {}", runner.log());
    let after = runner.get("/crashy?crash=false");
    assert_eq!(after.status, 200);
    assert_ne!(after.json()["pid"].as_u64().unwrap(), first_pid, "a new instance");
    assert!(common::gone(first_pid as u32), "the crashed instance is gone");
}

#[test]
fn init_errors_are_reported_with_their_message() {
    let runner = start();
    let reply = runner.get("/broken-init");
    assert_eq!((reply.status, reply.json()), (502, json!({"message": "Internal Server Error"})));
    assert!(runner.wait_for_log("the fixture's dictionary is missing on purpose"), "{}", runner.log());
    assert!(runner.wait_for_log("INIT_REPORT Init Duration"), "{}", runner.log());
    assert!(runner.wait_for_log("Runtime.InitError"), "{}", runner.log());

    let never = runner.get("/never-polls");
    assert_eq!(never.status, 502, "{}", runner.log());
    assert!(runner.wait_for_log("INIT phase timed out after 2.00 seconds"), "{}", runner.log());

    let missing = runner.get("/missing");
    assert_eq!(missing.status, 502);
    assert!(runner.wait_for_log("no bootstrap for no-such-binary"), "{}", runner.log());
}

#[test]
fn runtime_api_garbage_does_not_hurt_the_runner() {
    let runner = start();
    let reply = runner.get("/garbage");
    assert_eq!(reply.status, 502, "the function answered with bytes that are not JSON: {}", runner.log());
    assert!(runner.wait_for_log("malformed Lambda proxy response"), "{}", runner.log());
    assert!(runner.wait_for_log("bad Runtime API call"), "{}", runner.log());
    // Still serving, that function and others.
    assert_eq!(runner.get("/garbage").status, 502);
    assert_eq!(runner.get("/sleepy?ms=0").status, 200);
}

#[test]
fn concurrent_requests_start_more_instances() {
    let runner = start();
    let pids: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| runner.get("/sleepy?ms=700"))).collect();
        handles
            .into_iter()
            .map(|h| {
                let reply = h.join().unwrap();
                assert_eq!(reply.status, 200, "{}", reply.text());
                reply.json()["pid"].as_u64().unwrap()
            })
            .collect()
    });
    let mut distinct = pids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "one instance per concurrent request: {pids:?}");
    let (count, cold) = wait_reports(&runner, "sleepy", 4);
    assert_eq!((count, cold), (4, 4), "{}", runner.log());

    // Then they are warm: four more in parallel reuse them.
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| runner.get("/sleepy?ms=300"))).collect();
        for h in handles {
            let reply = h.join().unwrap();
            assert!(distinct.contains(&reply.json()["pid"].as_u64().unwrap()));
        }
    });
    assert_eq!(wait_reports(&runner, "sleepy", 8), (8, 4), "{}", runner.log());
}

#[test]
fn beyond_reserved_concurrency_requests_are_throttled() {
    let runner = start();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| runner.get("/throttled?ms=1500"));
        std::thread::sleep(std::time::Duration::from_millis(300));
        let b = s.spawn(|| runner.get("/throttled?ms=0"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a.status, 200);
    assert_eq!((b.status, b.json()), (429, json!({"message": "Too Many Requests"})));
    assert!(runner.wait_for_log("throttled"), "{}", runner.log());
}

#[test]
fn idle_instances_are_stopped() {
    let runner = Runner::start(&fixtures(), &["--idle-timeout", "0.5"]);
    let reply = runner.get("/sleepy?ms=0");
    assert_eq!(reply.status, 200);
    let pid = reply.json()["pid"].as_u64().unwrap() as u32;
    assert!(runner.wait_for_log("[sleepy] stopped 1 idle instance(s)"), "{}", runner.log());
    assert!(common::gone(pid), "the idle instance was not stopped");
    // And the next request is a cold start again.
    assert_eq!(runner.get("/sleepy?ms=0").status, 200);
    assert_eq!(wait_reports(&runner, "sleepy", 2), (2, 2), "{}", runner.log());
}

#[test]
fn a_function_url_gets_lambdas_url_payload() {
    use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;

    let runner = start();
    let reply = runner.request(
        "POST",
        "/lambda-url/echo/a/b%20c?x=1&x=2",
        &[("Content-Type", "application/json"), ("Cookie", "a=1"), ("Origin", "https://url.example")],
        br#"{"k": "v"}"#,
    );
    assert_eq!(reply.status, 200, "{}", runner.log());
    assert!(reply.header("x-amzn-requestid").is_some());
    assert_eq!(reply.header("access-control-allow-origin"), Some("https://url.example"), "the URL's own CORS");
    let (event, env) = echoed(&reply);
    assert_eq!(env["ONLY_ECHO"], "1");
    // The function URL request type of aws_lambda_events reads it.
    let typed: LambdaFunctionUrlRequest = serde_json::from_value(event.clone()).unwrap();
    let context = &typed.request_context;
    assert_eq!(context.account_id.as_deref(), Some("anonymous"), "AuthType NONE");
    let id = context.apiid.clone().unwrap();
    assert_eq!(id.len(), 32, "{id}");
    assert_eq!(context.domain_name.as_deref(), Some(format!("{id}.lambda-url.us-east-1.on.aws").as_str()));
    assert_eq!(context.domain_prefix.as_deref(), Some(id.as_str()));
    assert_eq!(context.http.method.as_deref(), Some("POST"));
    assert_eq!(context.http.path.as_deref(), Some("/a/b%20c"));
    assert_eq!(event["version"], "2.0");
    assert_eq!(
        (event["routeKey"].as_str(), event["requestContext"]["stage"].as_str()),
        (Some("$default"), Some("$default"))
    );
    assert_eq!(event["rawPath"], "/a/b%20c");
    assert_eq!(event["rawQueryString"], "x=1&x=2");
    assert_eq!(event["queryStringParameters"], json!({"x": "1,2"}));
    assert_eq!(event["cookies"], json!(["a=1"]));
    assert_eq!(event["headers"]["host"], format!("{id}.lambda-url.us-east-1.on.aws"));
    assert_eq!(event["body"], r#"{"k": "v"}"#);
    assert!(event.get("pathParameters").is_none() && event["requestContext"].get("authorizer").is_none());

    // The URL answers the preflight its CORS allows, without the function.
    let preflight = runner.request(
        "OPTIONS",
        "/lambda-url/echo/",
        &[("Origin", "https://url.example"), ("Access-Control-Request-Method", "POST")],
        b"",
    );
    assert_eq!(preflight.status / 100, 2, "{}", preflight.text());
    assert_eq!(preflight.header("access-control-allow-origin"), Some("https://url.example"));
    // A function without a URL has none; nor has an unknown one.
    assert_eq!(runner.get("/lambda-url/sleepy/").status, 404);
    assert_eq!(runner.get("/lambda-url/nope/").status, 404);
}

#[test]
fn an_iam_function_url_refuses_unsigned_requests() {
    let runner = Runner::start(&fixtures(), &["--parameter", "EchoUrlAuth=AWS_IAM"]);
    let unsigned = runner.get("/lambda-url/echo/");
    assert_eq!(unsigned.status, 403, "{}", unsigned.text());
    assert_eq!(unsigned.json(), json!({"Message": "Forbidden"}));
    let signature = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/lambda/aws4_request, \
                     SignedHeaders=host;x-amz-date, Signature=0123abcd";
    let signed = runner.request("GET", "/lambda-url/echo/", &[("Authorization", signature)], b"");
    assert_eq!(signed.status, 200, "{}", signed.text());
    let (event, _) = echoed(&signed);
    assert_eq!(event["requestContext"]["accountId"], "123456789012");
    assert_eq!(event["requestContext"]["authorizer"]["iam"]["accessKey"], "AKIDEXAMPLE");
    // Nothing reached the function but the signed request.
    let (count, _) = wait_reports(&runner, "echo", 1);
    assert_eq!(count, 1, "{}", runner.log());
}
