//! An HttpApi's `Auth` (SAM's HttpApiAuth): its authorizers, its
//! `DefaultAuthorizer`, and what guards each route once its event's own
//! `Auth` (HttpApiFunctionAuth: `Authorizer`, `AuthorizationScopes`) is
//! applied. A REST API's authorizers are only noted, to refuse their routes.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{scalar_string, string_list};

/// Where API Gateway looks for the token (`IdentitySource`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentitySource {
    /// `$request.header.NAME`, the name lower-cased as requests carry it.
    Header(String),
    /// `$request.querystring.NAME`.
    Query(String),
}

/// A JWT (OAuth 2.0) authorizer: `JwtConfiguration` and `IdentitySource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtAuthorizer {
    /// Its key under `Authorizers`.
    pub name: String,
    /// The token's `iss` must equal it.
    pub issuer: String,
    /// The token's `aud` (or, without one, `client_id`) must be one of them.
    pub audiences: Vec<String>,
    pub identity_source: IdentitySource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authorizer {
    Jwt(JwtAuthorizer),
    /// A Lambda authorizer or `AWS_IAM`: not emulated, so its routes refuse
    /// every request rather than serve it open.
    Unsupported {
        name: String,
        kind: &'static str,
    },
}

impl Authorizer {
    pub fn name(&self) -> &str {
        match self {
            Authorizer::Jwt(jwt) => &jwt.name,
            Authorizer::Unsupported { name, .. } => name,
        }
    }
}

/// What guards one route: its authorizer, shared by the API's routes, and
/// the scopes a token needs one of (none: any token the authorizer accepts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteAuth {
    pub authorizer: Arc<Authorizer>,
    pub scopes: Vec<String>,
}

/// `AWS_IAM` as SAM spells it for `DefaultAuthorizer` and an event's `Authorizer`.
const IAM: &str = "AWS_IAM";

/// An API's resolved `Auth`, read once for all its routes.
#[derive(Debug, Default)]
pub struct ApiAuth {
    /// By name: the authorizer and its own `AuthorizationScopes`.
    authorizers: BTreeMap<String, (Arc<Authorizer>, Vec<String>)>,
    default: Option<String>,
}

impl ApiAuth {
    /// `api` is the API's `Auth` (or `Globals.HttpApi.Auth`), resolved;
    /// `None` when it has none.
    pub fn parse(api: &str, auth: Option<&Value>) -> Result<ApiAuth, String> {
        let Some(auth) = auth else { return Ok(ApiAuth::default()) };
        let auth = auth.as_object().ok_or(format!("{api}: Auth is not a map"))?;
        let mut authorizers = BTreeMap::new();
        if let Some(declared) = auth.get("Authorizers") {
            let declared = declared.as_object().ok_or(format!("{api}: Auth.Authorizers is not a map"))?;
            for (name, settings) in declared {
                let settings =
                    settings.as_object().ok_or(format!("{api}: authorizer {name} is not a map of settings"))?;
                let authorizer = authorizer(name, settings).map_err(|e| format!("{api}: authorizer {name}: {e}"))?;
                let scopes = string_list(settings.get("AuthorizationScopes"));
                authorizers.insert(name.clone(), (Arc::new(authorizer), scopes));
            }
        }
        // SAM's AWS_IAM needs no declaration under Authorizers.
        let iam = Authorizer::Unsupported { name: IAM.into(), kind: "IAM" };
        authorizers.entry(IAM.into()).or_insert((Arc::new(iam), Vec::new()));
        let default = auth.get("DefaultAuthorizer").map(scalar_string).filter(|d| !d.is_empty());
        if let Some(name) = &default {
            if !authorizers.contains_key(name) {
                return Err(format!("{api}: DefaultAuthorizer {name} is not one of Auth.Authorizers"));
            }
        }
        Ok(ApiAuth { authorizers, default })
    }

    /// What guards a route whose event has `event_auth` (its `Auth`, if
    /// any): its `Authorizer` (`NONE`: open), else the API's default; its
    /// `AuthorizationScopes`, else the authorizer's.
    pub fn route(&self, event_auth: Option<&Value>) -> Result<Option<RouteAuth>, String> {
        let chosen = match event_auth.and_then(|a| a.get("Authorizer")).map(scalar_string) {
            Some(name) if name == "NONE" => return Ok(None),
            Some(name) => Some(name),
            None => self.default.clone(),
        };
        let Some(name) = chosen else { return Ok(None) };
        let (authorizer, own_scopes) =
            self.authorizers.get(&name).ok_or(format!("Auth.Authorizer {name} is not one of the API's authorizers"))?;
        let scopes = match event_auth.and_then(|a| a.get("AuthorizationScopes")) {
            Some(scopes) => string_list(Some(scopes)),
            None => own_scopes.clone(),
        };
        Ok(Some(RouteAuth { authorizer: authorizer.clone(), scopes }))
    }
}

/// What guards a REST API (`Api` event) route: the runner emulates none of
/// its authorizers (Cognito, Lambda, IAM), so a route that names one, or
/// falls under the API's `DefaultAuthorizer`, gets one it cannot satisfy
/// and refuses every request rather than serve it open.
pub fn rest_route(api_auth: Option<&Value>, event_auth: Option<&Value>) -> Option<RouteAuth> {
    let chosen = match event_auth.and_then(|a| a.get("Authorizer")).map(scalar_string) {
        Some(name) if name == "NONE" => return None,
        Some(name) => name,
        None => api_auth.and_then(|a| a.get("DefaultAuthorizer")).map(scalar_string).filter(|d| !d.is_empty())?,
    };
    let authorizer = Authorizer::Unsupported { name: chosen, kind: "REST API" };
    Some(RouteAuth { authorizer: Arc::new(authorizer), scopes: Vec::new() })
}

/// One entry of `Authorizers`: a JWT authorizer has `JwtConfiguration`, a
/// Lambda authorizer `FunctionArn`.
fn authorizer(name: &str, settings: &Map<String, Value>) -> Result<Authorizer, String> {
    if settings.contains_key("FunctionArn") {
        return Ok(Authorizer::Unsupported { name: name.into(), kind: "Lambda" });
    }
    let config = settings
        .get("JwtConfiguration")
        .ok_or("has neither JwtConfiguration (JWT) nor FunctionArn (Lambda)")?
        .as_object()
        .ok_or("JwtConfiguration is not a map")?;
    // SAM: "issuer and audience are case insensitive and can be used either
    // lowercase as in OpenAPI or uppercase Issuer and Audience as in
    // AWS::ApiGatewayV2::Authorizer" (sam-property-httpapi-oauth2authorizer).
    let field = |key: &str| config.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
    let issuer =
        field("issuer").map(scalar_string).filter(|i| !i.is_empty()).ok_or("JwtConfiguration has no issuer")?;
    let audiences = string_list(field("audience"));
    let identity_source = match settings.get("IdentitySource") {
        Some(source) => identity_source(&scalar_string(source))?,
        None => IdentitySource::Header("authorization".into()),
    };
    Ok(Authorizer::Jwt(JwtAuthorizer { name: name.into(), issuer, audiences, identity_source }))
}

/// A JWT authorizer reads its token from one header or query parameter.
fn identity_source(text: &str) -> Result<IdentitySource, String> {
    let text = text.trim();
    if let Some(name) = text.strip_prefix("$request.header.").filter(|n| !n.is_empty()) {
        return Ok(IdentitySource::Header(name.to_ascii_lowercase()));
    }
    if let Some(name) = text.strip_prefix("$request.querystring.").filter(|n| !n.is_empty()) {
        return Ok(IdentitySource::Query(name.to_owned()));
    }
    Err(format!("IdentitySource {text:?} is neither $request.header.NAME nor $request.querystring.NAME"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jwt(auth: &Option<RouteAuth>) -> (&JwtAuthorizer, &[String]) {
        let auth = auth.as_ref().expect("a guarded route");
        match auth.authorizer.as_ref() {
            Authorizer::Jwt(jwt) => (jwt, &auth.scopes),
            other => panic!("not a JWT authorizer: {other:?}"),
        }
    }

    #[test]
    fn default_authorizer_guards_routes_unless_the_event_says_otherwise() {
        let auth = json!({
            "DefaultAuthorizer": "Main",
            "Authorizers": {
                "Main": {
                    "JwtConfiguration": {"Issuer": "https://issuer.example", "Audience": ["a", "b"]},
                    "AuthorizationScopes": ["read"],
                },
                "Other": {
                    "IdentitySource": "$request.header.X-Token",
                    "JwtConfiguration": {"issuer": "https://other.example", "audience": ["c"]},
                },
            },
        });
        let api = ApiAuth::parse("Api", Some(&auth)).unwrap();

        let by_default = api.route(None).unwrap();
        let (main, scopes) = jwt(&by_default);
        assert_eq!(main.issuer, "https://issuer.example");
        assert_eq!(main.audiences, ["a", "b"]);
        assert_eq!(main.identity_source, IdentitySource::Header("authorization".into()));
        assert_eq!(scopes, ["read"]);

        let overridden = api.route(Some(&json!({"AuthorizationScopes": ["write", "admin"]}))).unwrap();
        assert_eq!(jwt(&overridden).1, ["write", "admin"], "the event's scopes replace the authorizer's");

        let other = api.route(Some(&json!({"Authorizer": "Other"}))).unwrap();
        let (other_jwt, scopes) = jwt(&other);
        assert_eq!(other_jwt.identity_source, IdentitySource::Header("x-token".into()));
        assert!(scopes.is_empty());

        assert_eq!(api.route(Some(&json!({"Authorizer": "NONE"}))).unwrap(), None);
        assert!(api.route(Some(&json!({"Authorizer": "Missing"}))).unwrap_err().contains("Missing"));

        // One authorizer, one Arc, whatever the route.
        let again = api.route(None).unwrap().unwrap();
        assert!(Arc::ptr_eq(&again.authorizer, &by_default.unwrap().authorizer));
    }

    #[test]
    fn no_auth_or_no_default_leaves_routes_open() {
        assert_eq!(ApiAuth::parse("Api", None).unwrap().route(None).unwrap(), None);
        let auth = json!({"Authorizers": {"A": {"JwtConfiguration": {"issuer": "https://i"}}}});
        let api = ApiAuth::parse("Api", Some(&auth)).unwrap();
        assert_eq!(api.route(None).unwrap(), None);
        let chosen = api.route(Some(&json!({"Authorizer": "A"}))).unwrap();
        assert!(jwt(&chosen).0.audiences.is_empty());
    }

    #[test]
    fn lambda_and_iam_authorizers_are_kept_as_unsupported() {
        let auth = json!({
            "DefaultAuthorizer": "Lambda",
            "Authorizers": {"Lambda": {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}},
        });
        let api = ApiAuth::parse("Api", Some(&auth)).unwrap();
        let route = api.route(None).unwrap().unwrap();
        assert_eq!(*route.authorizer, Authorizer::Unsupported { name: "Lambda".into(), kind: "Lambda" });
        let iam = api.route(Some(&json!({"Authorizer": "AWS_IAM"}))).unwrap().unwrap();
        assert_eq!(*iam.authorizer, Authorizer::Unsupported { name: "AWS_IAM".into(), kind: "IAM" });
    }

    #[test]
    fn bad_auth_is_a_template_error() {
        let cases = [
            (json!({"DefaultAuthorizer": "Nope"}), "DefaultAuthorizer Nope"),
            (json!({"Authorizers": {"A": {}}}), "neither JwtConfiguration"),
            (json!({"Authorizers": {"A": {"JwtConfiguration": {"audience": ["x"]}}}}), "no issuer"),
            (
                json!({"Authorizers": {"A": {"IdentitySource": "$context.x", "JwtConfiguration": {"issuer": "https://i"}}}}),
                "IdentitySource",
            ),
            (json!("open"), "not a map"),
        ];
        for (auth, expected) in cases {
            let e = ApiAuth::parse("Api", Some(&auth)).unwrap_err();
            assert!(e.contains(expected), "{auth}: {e}");
        }
        let query = identity_source("$request.querystring.token").unwrap();
        assert_eq!(query, IdentitySource::Query("token".into()));
    }

    #[test]
    fn rest_api_authorizers_refuse_rather_than_serve_open() {
        let api = json!({"DefaultAuthorizer": "Cognito", "Authorizers": {"Cognito": {"UserPoolArn": "arn"}}});
        let route = rest_route(Some(&api), None).unwrap();
        assert_eq!(*route.authorizer, Authorizer::Unsupported { name: "Cognito".into(), kind: "REST API" });
        assert_eq!(rest_route(Some(&api), Some(&json!({"Authorizer": "NONE"}))), None);
        assert!(rest_route(None, Some(&json!({"Authorizer": "AWS_IAM"}))).is_some());
        assert_eq!(rest_route(None, None), None);
    }
}
