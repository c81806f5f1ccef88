//! The HttpApi JWT authorizer end to end (local/tests/auth.yaml): tokens
//! signed with RSA keys the test makes (openssl), checked against the JWKS
//! given as `serve --jwks`, over real HTTP; the echo fixture shows what the
//! function is told.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{Reply, Runner};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const ISSUER: &str = "https://issuer.example";

fn template() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/auth.yaml")
}

/// An RSA key pair: the private key to sign with, the modulus for the JWKS.
struct Key {
    /// PKCS#1 DER, what `EncodingKey::from_rsa_der` takes.
    der: Vec<u8>,
    /// base64url, as a JWK's `n`.
    n: String,
}

struct Keys {
    /// In the JWKS as `k1`.
    signing: Key,
    /// Not in the JWKS.
    outsider: Key,
    jwks: PathBuf,
    dir: PathBuf,
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().expect("the openssl command makes the test's RSA keys");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A 2048-bit key from the openssl CLI (fast, unlike RSA key generation in
/// a debug build).
fn rsa_key(dir: &Path, name: &str) -> Key {
    let pem = dir.join(format!("{name}.pem"));
    let pem = pem.to_str().unwrap();
    openssl(&["genrsa", "-traditional", "-out", pem, "2048"]);
    let der = openssl(&["rsa", "-in", pem, "-traditional", "-outform", "DER"]);
    let modulus = String::from_utf8(openssl(&["rsa", "-in", pem, "-noout", "-modulus"])).unwrap();
    let hex = modulus.trim().strip_prefix("Modulus=").expect("openssl prints Modulus=HEX");
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    Key { der, n: URL_SAFE_NO_PAD.encode(bytes) }
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let signing = rsa_key(&dir, "signing");
        let second = rsa_key(&dir, "second");
        let outsider = rsa_key(&dir, "outsider");
        let jwks = dir.join("jwks.json");
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": signing.n, "e": "AQAB"},
            {"kty": "RSA", "kid": "k2", "use": "sig", "alg": "RS256", "n": second.n, "e": "AQAB"},
        ]});
        std::fs::write(&jwks, doc.to_string()).unwrap();
        Keys { signing, outsider, jwks, dir }
    })
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Claims a Cognito-like issuer would sign, with `changes` applied (`null`
/// removes a claim).
fn claims(changes: Value) -> Value {
    let now = now();
    let mut claims = json!({
        "iss": ISSUER,
        "aud": "client-a",
        "sub": "user-1",
        "exp": now + 300,
        "iat": now,
        "nbf": now,
        "scope": "toolbox/read openid",
        "cognito:groups": ["admin", "dev"],
        "email_verified": true,
    });
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn sign(key: &Key, kid: &str, claims: &Value) -> String {
    sign_with(Algorithm::RS256, key, kid, claims)
}

fn sign_with(alg: Algorithm, key: &Key, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&key.der)).unwrap()
}

fn good_token() -> String {
    sign(&keys().signing, "k1", &claims(json!({})))
}

fn get(runner: &Runner, path: &str, token: Option<&str>) -> Reply {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("Authorization", b.as_str())).collect();
    runner.request("GET", path, &headers, b"")
}

/// The event the echo fixture got.
fn echoed(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    serde_json::from_str(reply.json()["event"].as_str().unwrap()).unwrap()
}

fn assert_unauthorized(reply: &Reply, why: &str) {
    assert_eq!(reply.status, 401, "{why}: {}", reply.text());
    assert_eq!(reply.json(), json!({"message": "Unauthorized"}), "{why}");
    let challenge = reply.header("www-authenticate").unwrap_or_else(|| panic!("{why}: no www-authenticate"));
    assert!(challenge.starts_with(r#"Bearer scope="" error="invalid_token""#), "{why}: {challenge}");
    assert!(challenge.contains(why), "{challenge} does not say {why:?}");
}

#[test]
fn tokens_are_checked_as_api_gateway_does() {
    let keys = keys();
    let runner = Runner::start(&template(), &["--jwks", keys.jwks.to_str().unwrap()]);

    let none = get(&runner, "/guarded", None);
    assert_eq!((none.status, none.json()), (401, json!({"message": "Unauthorized"})));
    assert!(none.header("apigw-requestid").is_some());

    let good = good_token();
    let event = echoed(&get(&runner, "/guarded", Some(&good)));
    let jwt = &event["requestContext"]["authorizer"]["jwt"];
    assert_eq!(jwt["claims"]["sub"], "user-1");
    assert_eq!(jwt["claims"]["iss"], ISSUER);
    assert!(jwt["claims"]["exp"].as_str().is_some_and(|exp| exp.parse::<u64>().is_ok()), "{jwt}");
    assert_eq!(jwt["claims"]["cognito:groups"], "[admin dev]");
    assert_eq!(jwt["claims"]["email_verified"], "true");
    assert_eq!(jwt["scopes"], Value::Null, "the route asks for no scopes");
    // The functions' own type reads it back.
    let typed: ApiGatewayV2httpRequest = serde_json::from_value(event.clone()).unwrap();
    let typed_jwt = typed.request_context.authorizer.and_then(|a| a.jwt).expect("authorizer.jwt");
    assert_eq!(typed_jwt.claims.get("sub").map(String::as_str), Some("user-1"));

    // The identity source may hold the bare token too.
    let bare = runner.request("GET", "/guarded", &[("Authorization", &good)], b"");
    assert_eq!(bare.status, 200, "{}", bare.text());
    // No aud: client_id is checked instead.
    let client = sign(&keys.signing, "k1", &claims(json!({"aud": null, "client_id": "client-b"})));
    assert_eq!(get(&runner, "/guarded", Some(&client)).status, 200);

    let refused = [
        (sign(&keys.outsider, "k1", &claims(json!({}))), "signature is invalid"),
        (sign(&keys.signing, "k1", &claims(json!({"exp": now() - 10}))), "expired"),
        (sign(&keys.signing, "k1", &claims(json!({"aud": "client-z"}))), "the token does not have a valid audience"),
        (sign(&keys.signing, "k1", &claims(json!({"aud": "client-z", "client_id": "client-a"}))), "valid audience"),
        (sign(&keys.signing, "k1", &claims(json!({"iss": "https://evil.example"}))), "valid issuer"),
        (sign(&keys.signing, "k9", &claims(json!({}))), "kid"),
        (sign(&keys.signing, "k1", &claims(json!({"nbf": now() + 600}))), "not valid yet"),
        (alg_none(&claims(json!({}))), "not a valid JWT"),
        (hs256_with_public_modulus(&claims(json!({}))), "RSA-based"),
    ];
    for (token, why) in &refused {
        assert_unauthorized(&get(&runner, "/guarded", Some(token)), why);
    }
}

#[test]
fn a_second_authorization_header_or_another_algorithm_is_refused() {
    let keys = keys();
    let runner = Runner::start(&template(), &["--jwks", keys.jwks.to_str().unwrap()]);
    let good = format!("Bearer {}", good_token());
    // API Gateway joins a repeated header with a comma, and the function
    // gets "<valid token>,Bearer attacker-chosen": that, not the first
    // value, is what the authorizer must check. It is no JWT.
    for pair in [[good.as_str(), "Bearer attacker-chosen"], ["Bearer attacker-chosen", good.as_str()]] {
        let twice = runner.request("GET", "/guarded", &[("Authorization", pair[0]), ("Authorization", pair[1])], b"");
        assert_unauthorized(&twice, "not a valid JWT");
    }
    assert_eq!(runner.request("GET", "/guarded", &[("Authorization", &good)], b"").status, 200);
    // k1's JWK says "alg": "RS256": the same key signing with another RSA
    // algorithm is not accepted for it.
    for alg in [Algorithm::RS512, Algorithm::PS256] {
        let token = sign_with(alg, &keys.signing, "k1", &claims(json!({})));
        assert_unauthorized(&get(&runner, "/guarded", Some(&token)), "the token's alg is not the one its key names");
    }
}

/// `alg: none`, no signature.
fn alg_none(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// The classic algorithm confusion: HMAC keyed with the public key.
fn hs256_with_public_modulus(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(keys().signing.n.as_bytes())).unwrap()
}

#[test]
fn scopes_payloads_preflights_and_open_routes() {
    let keys = keys();
    let runner = Runner::start(&template(), &["--jwks", keys.jwks.to_str().unwrap()]);
    let good = good_token();

    // /scoped needs toolbox/read or toolbox/admin.
    let event = echoed(&get(&runner, "/scoped", Some(&good)));
    assert_eq!(event["requestContext"]["authorizer"]["jwt"]["scopes"], json!(["toolbox/read", "openid"]));
    let scp = sign(&keys.signing, "k1", &claims(json!({"scope": null, "scp": ["toolbox/admin"]})));
    assert_eq!(get(&runner, "/scoped", Some(&scp)).status, 200);
    let unscoped = sign(&keys.signing, "k1", &claims(json!({"scope": "openid profile"})));
    let forbidden = get(&runner, "/scoped", Some(&unscoped));
    assert_eq!((forbidden.status, forbidden.json()), (403, json!({"message": "Forbidden"})));
    let challenge = forbidden.header("www-authenticate").unwrap_or_default();
    assert!(challenge.contains(r#"scope="toolbox/read toolbox/admin" error="insufficient_scope""#), "{challenge}");
    // A bad token on a scoped route is still 401, not 403.
    let expired = sign(&keys.signing, "k1", &claims(json!({"exp": now() - 10})));
    assert_eq!(get(&runner, "/scoped", Some(&expired)).status, 401);

    // Payload 1.0 on an HttpApi: requestContext.authorizer.claims.
    let v1 = echoed(&get(&runner, "/v1", Some(&good)));
    assert_eq!(v1["requestContext"]["authorizer"]["claims"]["sub"], "user-1");
    assert_eq!(v1["requestContext"]["authorizer"]["scopes"], Value::Null);
    assert_eq!(get(&runner, "/v1", None).status, 401);

    // API Gateway answers a CORS preflight before any authorizer.
    let preflight = runner.request(
        "OPTIONS",
        "/guarded",
        &[
            ("Origin", "https://app.example"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204, "{}", preflight.text());
    assert_eq!(preflight.header("access-control-allow-origin"), Some("https://app.example"));

    // Authorizer: NONE stays open; no token is even looked at.
    let open = echoed(&get(&runner, "/open", None));
    assert_eq!(open["requestContext"].get("authorizer"), None);
    assert_eq!(get(&runner, "/open", Some("garbage")).status, 200);

    // A Lambda authorizer is not emulated: refused, never served open.
    assert_eq!(get(&runner, "/lambda", Some(&good)).status, 401);
    assert!(runner.log().contains("warning: Lambda authorizer Gatekeeper is not emulated"), "{}", runner.log());
}

#[test]
fn without_jwks_jwt_routes_refuse_every_request_and_say_why() {
    let runner = Runner::start(&template(), &[]);
    assert!(runner.log().contains("warning: JWT authorizer Jwt (issuer https://issuer.example) has no keys"));
    let refused = get(&runner, "/guarded", Some(&good_token()));
    assert_eq!((refused.status, refused.json()), (401, json!({"message": "Unauthorized"})));
    assert!(runner.wait_for_log("GET /guarded: 401 from authorizer Jwt: no keys"), "{}", runner.log());
    assert_eq!(get(&runner, "/open", None).status, 200);
}

#[test]
fn an_unreadable_or_invalid_jwks_is_a_usage_error() {
    let dir = &keys().dir;
    let not_json = dir.join("not-json.json");
    std::fs::write(&not_json, "keys").unwrap();
    let no_rsa = dir.join("no-rsa.json");
    std::fs::write(&no_rsa, r#"{"keys": [{"kty": "EC", "kid": "e"}]}"#).unwrap();
    let missing = dir.join("missing.json");
    for (jwks, expected) in [(&missing, "cannot read"), (&not_json, "not JSON"), (&no_rsa, "no RSA signing key")] {
        let out = Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
            .args(["serve", "--port", "0", "--template"])
            .arg(template())
            .arg("--jwks")
            .arg(jwks)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{jwks:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("toolbox-local: serve: --jwks: ") && stderr.contains(expected), "{stderr}");
    }
}
