//! Lambda function URLs (`FunctionUrlConfig`), served on the runner's own
//! port under `/lambda-url/<function>/`, as `cargo lambda watch` serves
//! them: `/lambda-url/hello/a/b?x=1` is `https://<id>.lambda-url.<region>.on.aws/a/b?x=1`.
//!
//! A URL's event is HTTP API payload 2.0 with its own request context
//! (docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html, "Request
//! payload format"): route key and stage `$default`, the URL's id as API id,
//! `<id>.lambda-url.<region>.on.aws` as domain, account `anonymous` for
//! `AuthType: NONE`, and for `AWS_IAM` the caller's key in `authorizer.iam`.

use serde_json::{json, Value};

use crate::apigw::{self, HttpRequest, HttpResponse, Match};
use crate::template::{FunctionUrl, Payload, Route, ACCOUNT_ID};

/// Paths under it are function URLs; a template's routes cannot use it.
pub const PREFIX: &str = "/lambda-url/";

/// `/lambda-url/hello/a/b` → (`hello`, `/a/b`); `/lambda-url/hello` → (`hello`, `/`).
pub fn split(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(PREFIX)?;
    let (name, tail) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    (!name.is_empty()).then_some((name, tail))
}

/// The URL id Lambda would give `function_name` (32 lower-case letters and
/// digits; Lambda's are random, these are stable so a URL survives restarts).
pub fn url_id(function_name: &str) -> String {
    // FNV-1a over the name, then over each position for one digit apiece.
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for byte in function_name.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
    }
    let mut out = String::with_capacity(32);
    for position in 0..32u64 {
        hash = (hash ^ position).wrapping_mul(PRIME);
        out.push(char::from_digit(((hash >> 32) % 36) as u32, 36).expect("below 36"));
    }
    out
}

/// `https://<id>.lambda-url.<region>.on.aws/`'s host.
pub fn domain(function_name: &str, region: &str) -> String {
    id_domain(&url_id(function_name), region)
}

fn id_domain(id: &str, region: &str) -> String {
    format!("{id}.lambda-url.{region}.on.aws")
}

/// A SigV4 `Authorization` header's access key id, if `req` carries one
/// signed for Lambda (`Credential=AKID/DATE/REGION/lambda/aws4_request`).
/// The signature itself is not checked: there is no IAM here.
fn signed_access_key(req: &HttpRequest) -> Option<&str> {
    let header = req.header("authorization")?.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let credential = header.split(',').find_map(|part| part.trim().strip_prefix("Credential="))?;
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [key, _date, _region, "lambda", "aws4_request"] if !key.is_empty() => Some(key),
        _ => None,
    }
}

/// Lambda's answer to an unsigned request to an `AWS_IAM` URL.
pub fn forbidden() -> HttpResponse {
    HttpResponse {
        status: 403,
        headers: vec![("content-type".into(), "application/json".into())],
        body: json!({"Message": "Forbidden"}).to_string().into(),
    }
}

/// The event for `req` (its path already the URL's own, `/a/b`) to the
/// function `function_name` (`AWS_LAMBDA_FUNCTION_NAME`), or Lambda's refusal.
pub fn event(
    req: &HttpRequest,
    function_name: &str,
    url: &FunctionUrl,
    request_id: &str,
    now_ms: u128,
) -> Result<Value, HttpResponse> {
    let caller = match url.iam_auth {
        true => Some(signed_access_key(req).ok_or_else(forbidden)?),
        false => None,
    };
    // An HTTP API event for a `$default` route is the same shape; then the
    // context is the URL's.
    let route = Route {
        function: 0,
        method: None,
        path: "$default".into(),
        payload: Payload::V2,
        stage: "$default".into(),
        cors: None,
        throttle: None,
        auth: None,
        // No API Gateway in front of a URL: only the event's shape is used.
        integration_timeout: crate::template::HTTP_API_INTEGRATION_TIMEOUT,
        rest: None,
    };
    let matched = Match { route: &route, index: 0, params: Vec::new() };
    let mut event = apigw::v2_event(req, &matched, request_id, now_ms);
    let id = url_id(function_name);
    let domain = id_domain(&id, &url.region);
    let context = &mut event["requestContext"];
    context["apiId"] = json!(id);
    context["domainPrefix"] = json!(id);
    context["domainName"] = json!(domain);
    context["accountId"] = json!(if caller.is_some() { ACCOUNT_ID } else { "anonymous" });
    if let Some(key) = caller {
        context["authorizer"] = json!({"iam": {
            "accessKey": key,
            "accountId": ACCOUNT_ID,
            "callerId": key,
            "cognitoIdentity": null,
            "principalOrgId": null,
            "userArn": format!("arn:aws:iam::{ACCOUNT_ID}:user/local"),
            "userId": key,
        }});
    }
    // A function URL, unlike an HTTP API, hands over the path as sent, still
    // percent-encoded (published captures of URL events).
    event["rawPath"] = json!(req.path);
    event["requestContext"]["http"]["path"] = json!(req.path);
    // The Host a client sent names the runner; the function sees the URL's.
    event["headers"]["host"] = json!(domain);
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigw::test_util::request;

    fn url(iam_auth: bool) -> FunctionUrl {
        FunctionUrl { iam_auth, cors: None, region: "eu-west-1".into() }
    }

    #[test]
    fn paths_split_into_function_and_url_path() {
        assert_eq!(split("/lambda-url/hello/a/b"), Some(("hello", "/a/b")));
        assert_eq!(split("/lambda-url/hello"), Some(("hello", "/")));
        assert_eq!(split("/lambda-url/hello/"), Some(("hello", "/")));
        assert_eq!(split("/lambda-url/"), None);
        assert_eq!(split("/hello"), None);
    }

    #[test]
    fn url_ids_look_like_lambdas_and_stay_put() {
        let id = url_id("hello");
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{id}");
        assert_eq!(id, url_id("hello"));
        assert_ne!(id, url_id("segment"));
        assert_eq!(domain("hello", "eu-west-1"), format!("{id}.lambda-url.eu-west-1.on.aws"));
    }

    #[test]
    fn an_open_url_event() {
        let req = request("POST", "/a/b", "x=1", &[("host", "127.0.0.1:3000"), ("cookie", "c=1")], b"{}");
        let e = event(&req, "hello", &url(false), "rid", 1_795_241_400_000).unwrap();
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "$default");
        assert_eq!(e["rawPath"], "/a/b");
        assert_eq!(e["rawQueryString"], "x=1");
        assert_eq!(e["cookies"], json!(["c=1"]));
        assert_eq!(e["headers"]["host"], domain("hello", "eu-west-1"));
        assert!(e.get("pathParameters").is_none());
        let c = &e["requestContext"];
        assert_eq!(c["accountId"], "anonymous");
        assert_eq!(c["apiId"], url_id("hello"));
        assert_eq!(c["domainName"], domain("hello", "eu-west-1"));
        assert_eq!((c["routeKey"].as_str(), c["stage"].as_str()), (Some("$default"), Some("$default")));
        assert_eq!(c["http"]["path"], "/a/b");
        assert!(c.get("authorizer").is_none());
    }

    #[test]
    fn an_iam_url_needs_a_sigv4_header_for_lambda() {
        let unsigned = request("GET", "/", "", &[], b"");
        assert_eq!(event(&unsigned, "hello", &url(true), "rid", 0).unwrap_err(), forbidden());
        let for_s3 = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=ab";
        let wrong_service = request("GET", "/", "", &[("authorization", for_s3)], b"");
        assert!(event(&wrong_service, "hello", &url(true), "rid", 0).is_err());
        let signed = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=ab";
        let req = request("GET", "/", "", &[("authorization", signed)], b"");
        let e = event(&req, "hello", &url(true), "rid", 0).unwrap();
        assert_eq!(e["requestContext"]["accountId"], ACCOUNT_ID);
        assert_eq!(e["requestContext"]["authorizer"]["iam"]["accessKey"], "AKIDEXAMPLE");
    }
}
