//! API Gateway's JWT authorizer for HTTP APIs, step for step as
//! docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
//! lists it: the token from the identity source, alone or prefixed with
//! `Bearer `; decoded; its algorithm RSA-based ("Currently, only RSA-based
//! algorithms are supported"), its `kid` naming one of the issuer's keys, its
//! signature valid; then its claims: `iss` the authorizer's issuer, `aud` one
//! of its audiences (`client_id` instead when there is no `aud`:
//! http-api-troubleshooting-jwt.html), `exp` after now, `nbf` and `iat` not
//! after now; and, if the route has scopes, its `scope` or `scp` claim names
//! at least one of them. A failed check is 401 `{"message":"Unauthorized"}`,
//! a valid token without the scopes 403 `{"message":"Forbidden"}`.

use std::collections::BTreeMap;

use jsonwebtoken::{Algorithm, AlgorithmFamily, Validation};
use serde_json::{json, Map, Value};

use super::events::{joined_values, query_pairs};
use super::jwks::Jwks;
use super::{HttpRequest, HttpResponse};
use crate::log;
use crate::template::{Authorizer, IdentitySource, JwtAuthorizer, Payload, Route, RouteAuth};

/// A request the route's authorizer let through, and what the function is
/// told about its token.
#[derive(Debug, PartialEq)]
pub struct Authorized {
    /// The token's claims as API Gateway passes them on: every value a
    /// string (see `claim_text`); `null` claims left out.
    pub claims: BTreeMap<String, String>,
    /// The token's scopes when the route asks for some; else `None`, which
    /// events carry as `"scopes": null`.
    pub scopes: Option<Vec<String>>,
}

/// Why a request is refused.
#[derive(Debug, PartialEq)]
enum Refusal {
    /// No token where the identity source points, or nothing to check one
    /// with (no `--jwks`, an authorizer the runner does not emulate): why,
    /// for the runner's log only.
    Unauthorized(&'static str),
    /// A token that fails a check, and which one.
    InvalidToken(&'static str),
    /// A valid token with none of the route's scopes.
    InsufficientScope,
}

/// Lets `req` through `auth`, or answers it as API Gateway would; `now_s` is
/// the time in seconds since the epoch. `keys` is `--jwks`.
pub fn authorize(
    auth: &RouteAuth,
    keys: Option<&Jwks>,
    req: &HttpRequest,
    now_s: f64,
) -> Result<Authorized, HttpResponse> {
    check(auth, keys, req, now_s).map_err(|refusal| {
        let why = match &refusal {
            Refusal::Unauthorized(why) | Refusal::InvalidToken(why) => why,
            Refusal::InsufficientScope => "none of the route's scopes",
        };
        let response = refused(&refusal, &auth.scopes);
        log::info(
            "local",
            &format!(
                "{} {}: {} from authorizer {}: {why}",
                req.method,
                req.path,
                response.status,
                auth.authorizer.name()
            ),
        );
        response
    })
}

fn check(auth: &RouteAuth, keys: Option<&Jwks>, req: &HttpRequest, now_s: f64) -> Result<Authorized, Refusal> {
    let Authorizer::Jwt(jwt) = auth.authorizer.as_ref() else {
        return Err(Refusal::Unauthorized("the runner does not emulate this authorizer"));
    };
    let token = token(&jwt.identity_source, req).ok_or(Refusal::Unauthorized("no token"))?;
    let keys = keys.ok_or(Refusal::Unauthorized("no keys to check the token with (serve --jwks)"))?;
    let claims = verify(&token, keys)?;
    check_claims(jwt, &claims, now_s).map_err(Refusal::InvalidToken)?;
    let granted = token_scopes(&claims);
    if !auth.scopes.is_empty() && !granted.iter().any(|s| auth.scopes.contains(s)) {
        return Err(Refusal::InsufficientScope);
    }
    let claims = claims.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), claim_text(v))).collect();
    Ok(Authorized { claims, scopes: (!auth.scopes.is_empty()).then_some(granted) })
}

/// The token where the identity source points, without a `Bearer ` prefix.
/// A repeated header or query parameter is its values joined with commas,
/// as API Gateway joins them, and as the function gets it: judging the
/// first value alone would pass `<valid token>,Bearer anything` through.
fn token(source: &IdentitySource, req: &HttpRequest) -> Option<String> {
    let raw = match source {
        IdentitySource::Header(name) => {
            joined_values(req.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()))
        }
        IdentitySource::Query(name) => {
            let pairs = query_pairs(&req.query);
            joined_values(pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()))
        }
    }?;
    let token = raw.strip_prefix("Bearer ").unwrap_or(&raw).trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// The token's claims if it is a JWT signed with an RSA-based algorithm by
/// the key its `kid` names. The claims themselves are checked by
/// [`check_claims`], not the crate: API Gateway's rules (`client_id`, no
/// leeway, `iat`) are not its defaults.
fn verify(token: &str, keys: &Jwks) -> Result<Map<String, Value>, Refusal> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| Refusal::InvalidToken("the token is not a valid JWT"))?;
    if header.alg.family() != AlgorithmFamily::Rsa {
        return Err(Refusal::InvalidToken("the token is not signed with an RSA-based algorithm"));
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.key(kid))
        .ok_or(Refusal::InvalidToken("the token's kid matches none of the issuer's keys"))?;
    // A JWK naming its algorithm is used with that one only (RFC 7517 4.4).
    if key.alg.is_some_and(|alg| alg != header.alg) {
        return Err(Refusal::InvalidToken("the token's alg is not the one its key names"));
    }
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &signature_only(header.alg)).map_err(
        |e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                Refusal::InvalidToken("the token's signature is invalid")
            }
            _ => Refusal::InvalidToken("the token is not a valid JWT"),
        },
    )?;
    Ok(data.claims)
}

/// The crate's validation reduced to the algorithm and the signature.
fn signature_only(alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    validation
}

/// The documented claim checks, in the documented order; the error is the
/// `error_description` of the answer's `www-authenticate` header.
fn check_claims(jwt: &JwtAuthorizer, claims: &Map<String, Value>, now_s: f64) -> Result<(), &'static str> {
    if claims.get("iss").and_then(Value::as_str) != Some(jwt.issuer.as_str()) {
        return Err("the token does not have a valid issuer");
    }
    let listed = |v: &Value| v.as_str().is_some_and(|a| jwt.audiences.iter().any(|x| x == a));
    // "API Gateway validates client_id only if aud is not present. When both
    // aud and client_id are present, API Gateway evaluates aud."
    let audience_ok = match claims.get("aud") {
        Some(Value::Array(audiences)) => audiences.iter().any(listed),
        Some(aud) => listed(aud),
        None => claims.get("client_id").is_some_and(listed),
    };
    if !audience_ok {
        // Word for word what API Gateway says (http-api-troubleshooting-jwt.html).
        return Err("the token does not have a valid audience");
    }
    // A time claim of the wrong type fails its check: it never counts as absent.
    let time = |name: &str| claims.get(name).map(Value::as_f64);
    match time("exp") {
        Some(Some(exp)) if exp > now_s => {}
        Some(Some(_)) => return Err("the token is expired"),
        _ => return Err("the token has no numeric exp"),
    }
    if time("nbf").is_some_and(|nbf| !nbf.is_some_and(|nbf| nbf <= now_s)) {
        return Err("the token is not valid yet (nbf)");
    }
    if time("iat").is_some_and(|iat| !iat.is_some_and(|iat| iat <= now_s)) {
        return Err("the token was issued in the future (iat)");
    }
    Ok(())
}

/// The scopes a token carries: its `scope` claim (RFC 6749's space-separated
/// list) and its `scp` claim (a list, or space-separated as some issuers
/// write it), in order, once each.
fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for name in ["scope", "scp"] {
        let listed: Vec<&str> = match claims.get(name) {
            Some(Value::String(text)) => text.split_whitespace().collect(),
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for scope in listed {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
    }
    scopes
}

/// A claim as API Gateway hands it to a function, always a string: numbers
/// as written (`"exp": "1787996002"`), booleans as `true`/`false`, lists as
/// `[a b c]` (both seen in real events), objects as their JSON text (an
/// assumption: no real event with one was found).
fn claim_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(claim_text).collect::<Vec<_>>().join(" ")),
        other => other.to_string(),
    }
}

/// API Gateway's answer to a refused request. The `www-authenticate` value
/// follows the one API Gateway documents (http-api-troubleshooting-jwt.html:
/// `Bearer scope="" error="invalid_token" error_description="the token does
/// not have a valid audience"`); the other descriptions are the runner's.
fn refused(refusal: &Refusal, route_scopes: &[String]) -> HttpResponse {
    let challenge = |error: &str, description: &str| {
        let scope = route_scopes.join(" ");
        format!(r#"Bearer scope="{scope}" error="{error}" error_description="{description}""#)
    };
    let (mut response, challenge) = match refusal {
        Refusal::Unauthorized(_) => (HttpResponse::json_message(401, "Unauthorized"), None),
        Refusal::InvalidToken(why) => {
            (HttpResponse::json_message(401, "Unauthorized"), Some(challenge("invalid_token", why)))
        }
        Refusal::InsufficientScope => (
            HttpResponse::json_message(403, "Forbidden"),
            Some(challenge("insufficient_scope", "the token does not have any of the route's scopes")),
        ),
    };
    if let Some(challenge) = challenge {
        response.headers.push(("www-authenticate".into(), challenge));
    }
    response
}

/// Puts the authorizer's findings where a function reads them: payload 2.0
/// `requestContext.authorizer.jwt.{claims,scopes}`, payload 1.0 (an HttpApi
/// route) `requestContext.authorizer.{claims,scopes}`, as in the Lambda
/// integration page's examples (http-api-develop-integrations-lambda.html).
pub fn add_to_event(event: &mut Value, payload: Payload, authorized: &Authorized) {
    let found = json!({ "claims": authorized.claims, "scopes": authorized.scopes });
    let authorizer = match payload {
        Payload::V2 => json!({ "jwt": found }),
        Payload::V1 => found,
    };
    if let Some(context) = event.get_mut("requestContext").and_then(Value::as_object_mut) {
        context.insert("authorizer".into(), authorizer);
    }
}

/// What to say at startup about the routes' authorizers: the ones that
/// refuse every request, and why.
pub fn warnings(routes: &[Route], keys: Option<&Jwks>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for auth in routes.iter().filter_map(|r| r.auth.as_ref()) {
        let warning = match auth.authorizer.as_ref() {
            Authorizer::Unsupported { name, kind } => Some(format!(
                "warning: {kind} authorizer {name} is not emulated: its routes answer 401 to every request"
            )),
            Authorizer::Jwt(jwt) if keys.is_none() => Some(format!(
                "warning: JWT authorizer {} (issuer {}) has no keys to check tokens with: its routes answer \
                 401 to every request (serve --jwks FILE gives the issuer's JWKS)",
                jwt.name, jwt.issuer
            )),
            Authorizer::Jwt(jwt) if jwt.audiences.is_empty() => {
                Some(format!("warning: JWT authorizer {} has no audience: it refuses every token", jwt.name))
            }
            Authorizer::Jwt(_) => None,
        };
        if let Some(warning) = warning.filter(|w| !out.contains(w)) {
            out.push(warning);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::apigw::test_util::request;

    const NOW: f64 = 1_800_000_000.0;

    fn authorizer() -> JwtAuthorizer {
        JwtAuthorizer {
            name: "Main".into(),
            issuer: "https://issuer.example".into(),
            audiences: vec!["client-a".into(), "client-b".into()],
            identity_source: IdentitySource::Header("authorization".into()),
        }
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn good() -> Value {
        json!({"iss": "https://issuer.example", "aud": "client-a", "exp": NOW + 60.0, "iat": NOW, "nbf": NOW})
    }

    fn with(changes: Value) -> Map<String, Value> {
        let mut out = claims(good());
        for (k, v) in claims(changes) {
            if v.is_null() {
                out.remove(&k);
            } else {
                out.insert(k, v);
            }
        }
        out
    }

    #[test]
    fn claims_are_checked_as_documented() {
        let jwt = authorizer();
        assert_eq!(check_claims(&jwt, &claims(good()), NOW), Ok(()));
        let refused = [
            (json!({"iss": "https://other.example"}), "valid issuer"),
            (json!({"iss": null}), "valid issuer"),
            (json!({"aud": "client-c"}), "valid audience"),
            (json!({"aud": ["client-c", "client-d"]}), "valid audience"),
            (json!({"aud": "client-c", "client_id": "client-a"}), "valid audience"),
            (json!({"aud": null}), "valid audience"),
            (json!({"aud": null, "client_id": "client-c"}), "valid audience"),
            (json!({"exp": NOW}), "expired"),
            (json!({"exp": NOW - 1.0}), "expired"),
            (json!({"exp": null}), "no numeric exp"),
            (json!({"exp": "9999999999"}), "no numeric exp"),
            (json!({"nbf": NOW + 1.0}), "not valid yet"),
            (json!({"nbf": "0"}), "not valid yet"),
            (json!({"iat": NOW + 1.0}), "issued in the future"),
        ];
        for (change, expected) in refused {
            let result = check_claims(&jwt, &with(change.clone()), NOW);
            assert!(result.is_err_and(|e| e.contains(expected)), "{change}: {result:?}");
        }
        let accepted = [
            json!({"aud": ["client-x", "client-b"]}),
            json!({"aud": null, "client_id": "client-b"}),
            json!({"nbf": null, "iat": null}),
        ];
        for change in accepted {
            assert_eq!(check_claims(&jwt, &with(change.clone()), NOW), Ok(()), "{change}");
        }
    }

    #[test]
    fn scopes_come_from_scope_and_scp() {
        let token = claims(json!({"scope": "a b  c", "scp": ["c", "d"]}));
        assert_eq!(token_scopes(&token), ["a", "b", "c", "d"]);
        assert_eq!(token_scopes(&claims(json!({"scp": "x y"}))), ["x", "y"]);
        assert!(token_scopes(&claims(json!({"scope": 5}))).is_empty());
    }

    #[test]
    fn claims_reach_the_function_as_strings() {
        assert_eq!(claim_text(&json!("text")), "text");
        assert_eq!(claim_text(&json!(1787996002)), "1787996002");
        assert_eq!(claim_text(&json!(1.5)), "1.5");
        assert_eq!(claim_text(&json!(true)), "true");
        assert_eq!(claim_text(&json!(["admin", "poweruser"])), "[admin poweruser]");
        assert_eq!(claim_text(&json!({"k": 1})), r#"{"k":1}"#);
    }

    #[test]
    fn tokens_come_from_the_identity_source() {
        let header = IdentitySource::Header("authorization".into());
        let req = request("GET", "/", "", &[("authorization", "Bearer abc.def.ghi")], b"");
        assert_eq!(token(&header, &req).as_deref(), Some("abc.def.ghi"));
        let req = request("GET", "/", "", &[("authorization", "abc.def.ghi")], b"");
        assert_eq!(token(&header, &req).as_deref(), Some("abc.def.ghi"));
        for value in ["", "Bearer ", "Bearer   "] {
            let req = request("GET", "/", "", &[("authorization", value)], b"");
            assert_eq!(token(&header, &req), None, "{value:?}");
        }
        assert_eq!(token(&header, &request("GET", "/", "", &[], b"")), None);
        let query = IdentitySource::Query("access token".into());
        let req = request("GET", "/", "x=1&access%20token=Bearer%20t.u.v", &[], b"");
        assert_eq!(token(&query, &req).as_deref(), Some("t.u.v"));
        // Repeats are judged as the event carries them: joined with commas.
        let twice = request("GET", "/", "", &[("authorization", "Bearer a.b.c"), ("authorization", "Bearer x")], b"");
        assert_eq!(token(&header, &twice).as_deref(), Some("a.b.c,Bearer x"));
        let req = request("GET", "/", "access%20token=t.u.v&access%20token=w", &[], b"");
        assert_eq!(token(&query, &req).as_deref(), Some("t.u.v,w"));
    }

    #[test]
    fn refusals_answer_like_api_gateway() {
        let auth = RouteAuth { authorizer: Arc::new(Authorizer::Jwt(authorizer())), scopes: vec!["read".into()] };
        let no_token = authorize(&auth, None, &request("GET", "/", "", &[], b""), NOW).unwrap_err();
        assert_eq!((no_token.status, no_token.body.as_ref()), (401, &br#"{"message":"Unauthorized"}"#[..]));
        assert!(!no_token.headers.iter().any(|(k, _)| k == "www-authenticate"));

        let garbage = request("GET", "/", "", &[("authorization", "Bearer not-a-jwt")], b"");
        let keys = Jwks::parse(r#"{"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}"#).unwrap();
        let invalid = authorize(&auth, Some(&keys), &garbage, NOW).unwrap_err();
        assert_eq!(invalid.status, 401);
        let challenge = invalid.headers.iter().find(|(k, _)| k == "www-authenticate").map(|(_, v)| v.as_str());
        assert_eq!(
            challenge,
            Some(r#"Bearer scope="read" error="invalid_token" error_description="the token is not a valid JWT""#)
        );

        let forbidden = refused(&Refusal::InsufficientScope, &auth.scopes);
        assert_eq!((forbidden.status, forbidden.body.as_ref()), (403, &br#"{"message":"Forbidden"}"#[..]));

        let lambda = RouteAuth {
            authorizer: Arc::new(Authorizer::Unsupported { name: "L".into(), kind: "Lambda" }),
            scopes: Vec::new(),
        };
        let with_token = request("GET", "/", "", &[("authorization", "Bearer a.b.c")], b"");
        assert_eq!(authorize(&lambda, Some(&keys), &with_token, NOW).unwrap_err().status, 401);
    }

    #[test]
    fn events_carry_the_claims_where_functions_read_them() {
        let authorized = Authorized { claims: BTreeMap::from([("sub".to_string(), "user".to_string())]), scopes: None };
        let mut v2 = json!({"requestContext": {"stage": "$default"}});
        add_to_event(&mut v2, Payload::V2, &authorized);
        assert_eq!(v2["requestContext"]["authorizer"], json!({"jwt": {"claims": {"sub": "user"}, "scopes": null}}));
        let mut v1 = json!({"requestContext": {}});
        let scoped = Authorized { scopes: Some(vec!["read".into()]), ..authorized };
        add_to_event(&mut v1, Payload::V1, &scoped);
        assert_eq!(v1["requestContext"]["authorizer"], json!({"claims": {"sub": "user"}, "scopes": ["read"]}));
        let mut odd = json!([]);
        add_to_event(&mut odd, Payload::V2, &scoped);
        assert_eq!(odd, json!([]), "no requestContext: left alone, no panic");
    }
}
