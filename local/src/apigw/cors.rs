//! The API's CORS configuration: preflights answered by API Gateway itself,
//! and the headers HTTP APIs add to answers for allowed origins.

use bytes::Bytes;

use super::{HttpRequest, HttpResponse};
use crate::template::Cors;

fn origin_allowed(cors: &Cors, origin: &str) -> Option<String> {
    if cors.allow_origins.iter().any(|o| o == "*") {
        return Some(if cors.allow_credentials { origin.to_owned() } else { "*".to_owned() });
    }
    cors.allow_origins.iter().any(|o| o.eq_ignore_ascii_case(origin)).then(|| origin.to_owned())
}

/// A CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`) is answered by API Gateway itself.
pub fn preflight(cors: &Cors, req: &HttpRequest) -> Option<HttpResponse> {
    if req.method != "OPTIONS" {
        return None;
    }
    let origin = req.header("origin")?;
    req.header("access-control-request-method")?;
    let mut response = HttpResponse { status: 204, headers: Vec::new(), body: Bytes::new() };
    if let Some(allowed) = origin_allowed(cors, origin) {
        let h = &mut response.headers;
        h.push(("access-control-allow-origin".into(), allowed));
        if !cors.allow_methods.is_empty() {
            h.push(("access-control-allow-methods".into(), cors.allow_methods.join(",")));
        }
        if !cors.allow_headers.is_empty() {
            let headers = if cors.allow_headers.iter().any(|x| x == "*") {
                req.header("access-control-request-headers").unwrap_or("*").to_owned()
            } else {
                cors.allow_headers.join(",")
            };
            h.push(("access-control-allow-headers".into(), headers));
        }
        if let Some(age) = cors.max_age {
            h.push(("access-control-max-age".into(), age.to_string()));
        }
        if cors.allow_credentials {
            h.push(("access-control-allow-credentials".into(), "true".into()));
        }
    }
    Some(response)
}

/// HTTP APIs add the CORS headers to every answer to an allowed origin,
/// replacing the function's own.
pub fn add_cors(cors: &Cors, req: &HttpRequest, response: &mut HttpResponse) {
    let Some(origin) = req.header("origin") else { return };
    let Some(allowed) = origin_allowed(cors, origin) else { return };
    response.headers.retain(|(k, _)| !k.starts_with("access-control-"));
    response.headers.push(("access-control-allow-origin".into(), allowed));
    if !cors.expose_headers.is_empty() {
        response.headers.push(("access-control-expose-headers".into(), cors.expose_headers.join(",")));
    }
    if cors.allow_credentials {
        response.headers.push(("access-control-allow-credentials".into(), "true".into()));
    }
    if !cors.allow_origins.iter().any(|o| o == "*") || cors.allow_credentials {
        response.headers.push(("vary".into(), "Origin".into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigw::test_util::request;

    #[test]
    fn cors_preflight_and_headers() {
        let cors = Cors {
            allow_origins: vec!["https://example.com".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["content-type".into()],
            max_age: Some(600),
            ..Cors::default()
        };
        let req = request(
            "OPTIONS",
            "/x",
            "",
            &[("origin", "https://example.com"), ("access-control-request-method", "POST")],
            b"",
        );
        let r = preflight(&cors, &req).unwrap();
        assert_eq!(r.status, 204);
        assert!(r.headers.contains(&("access-control-allow-origin".into(), "https://example.com".into())));
        assert!(r.headers.contains(&("access-control-allow-methods".into(), "GET,POST".into())));
        assert!(r.headers.contains(&("access-control-max-age".into(), "600".into())));

        let other = request(
            "OPTIONS",
            "/x",
            "",
            &[("origin", "https://evil.test"), ("access-control-request-method", "GET")],
            b"",
        );
        assert!(preflight(&cors, &other).unwrap().headers.is_empty());

        let get = request("GET", "/x", "", &[("origin", "https://example.com")], b"");
        let mut response = HttpResponse::json_message(200, "ok");
        add_cors(&cors, &get, &mut response);
        assert!(response.headers.contains(&("access-control-allow-origin".into(), "https://example.com".into())));
    }
}
