//! Reads an AWS SAM template: its functions (with Globals applied) and the
//! API routes their `HttpApi` / `Api` events declare.
//!
//! Intrinsic functions are resolved the way a deploy would, as far as one
//! machine can: `Ref` to parameters (their defaults or `--parameter` values)
//! and pseudo parameters, `Fn::Sub`, `Fn::Join`, `Fn::If` with the template's
//! `Conditions`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`.
//! A `Ref`/`Fn::GetAtt` to a resource yields a stand-in (its logical id or a
//! fake ARN): nothing is deployed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::arch::Architecture;
use crate::files;

mod auth;
mod intrinsics;
mod parameters;
pub mod yaml;

use auth::{rest_route, ApiAuth};
pub use auth::{Authorizer, IdentitySource, JwtAuthorizer, RouteAuth};
use intrinsics::Resolver;

/// The largest template read: CloudFormation's quota for a template body
/// from S3, 1 MB (51,200 bytes when sent inline). A SAM template's
/// transform output must fit too, so a real one is far smaller.
pub const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// The account id used in ARNs and request contexts (AWS's documentation one).
pub const ACCOUNT_ID: &str = "123456789012";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// API Gateway REST API (`Api` events, or `HttpApi` with format 1.0).
    V1,
    /// HTTP API payload format 2.0.
    V2,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<i64>,
    pub allow_credentials: bool,
}

#[derive(Clone, Debug)]
pub struct Function {
    /// Logical id in the template, e.g. `HelloFunction`.
    pub logical_id: String,
    /// Directory under `functions/` and name of the built bootstrap.
    pub name: String,
    /// `AWS_LAMBDA_FUNCTION_NAME`: `FunctionName` if set, else the logical id.
    pub function_name: String,
    pub memory_mb: u64,
    pub timeout_s: f64,
    pub handler: String,
    pub runtime: String,
    /// `Architectures` (one entry, as Lambda allows); Lambda's default is x86_64.
    pub architecture: Architecture,
    pub environment: BTreeMap<String, String>,
    /// `ReservedConcurrentExecutions`, the per-function concurrency cap.
    pub reserved_concurrency: Option<usize>,
    pub logging: Logging,
    /// `FunctionUrlConfig`: the function's own HTTPS endpoint, if it has one.
    pub url: Option<FunctionUrl>,
}

/// `FunctionUrlConfig`: how the function's URL is called.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionUrl {
    /// `AuthType: AWS_IAM` (else `NONE`): callers must sign requests (SigV4).
    pub iam_auth: bool,
    pub cors: Option<Cors>,
    /// The Region the URL's domain names (`<id>.lambda-url.<region>.on.aws`).
    pub region: String,
}

/// `LoggingConfig`: Lambda's advanced logging controls.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logging {
    /// `LogFormat: JSON` (else `Text`): the function is told so
    /// (`AWS_LAMBDA_LOG_FORMAT`) and the platform's own lines are JSON records.
    pub json: bool,
    /// `ApplicationLogLevel`, passed as `AWS_LAMBDA_LOG_LEVEL`.
    pub application_level: Option<String>,
    /// `SystemLogLevel`: START/END/REPORT are INFO records, dropped above it.
    pub system_level: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Route {
    /// Index into [`Template::functions`].
    pub function: usize,
    /// Upper-case method, or `None` for `ANY`.
    pub method: Option<String>,
    /// `/segment`, `/hello/{name}`, `/{proxy+}`, or `$default`.
    pub path: String,
    pub payload: Payload,
    /// The API's stage name as it appears in request contexts.
    pub stage: String,
    pub cors: Option<Cors>,
    /// The HTTP API's throttling for this route (`RouteSettings` for its
    /// route key, else `DefaultRouteSettings`); `None`: not throttled.
    pub throttle: Option<Throttle>,
    /// The authorizer its API's `Auth` and its event's `Auth` give it, if any.
    pub auth: Option<RouteAuth>,
    /// How long API Gateway waits for the function before it answers the
    /// client itself: the event's `TimeoutInMillis`, else 30 s (HTTP API) or
    /// 29 s (REST API).
    pub integration_timeout: Duration,
    /// `Some` on a REST API's route (an `Api` event), `None` on an HTTP API's.
    pub rest: Option<RestApi>,
}

/// What a REST API (`AWS::Serverless::Api`, or `Globals.Api`) sets that an
/// HTTP API has no counterpart for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestApi {
    /// `BinaryMediaTypes`, with SAM's `~1` read as `/` (`image~1png` is
    /// `image/png`): the content types the API treats as binary.
    pub binary_media_types: Vec<String>,
}

/// API Gateway's default integration timeouts, which are also an HTTP API's
/// largest: "between 50 and 30,000 milliseconds for HTTP APIs", REST APIs
/// 29,000 by default (raised by quota only for Regional ones).
pub const HTTP_API_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);
pub const REST_API_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);
/// A REST API's largest integration timeout once its quota is raised.
const REST_API_MAX_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(300);

/// An event's `TimeoutInMillis`, within API Gateway's bounds, else `default`.
fn integration_timeout(props: &Value, default: Duration, max: Duration) -> Result<Duration, String> {
    let Some(value) = props.get("TimeoutInMillis") else { return Ok(default) };
    let millis = number(value).filter(|ms| ms.fract() == 0.0);
    match millis.map(|ms| Duration::from_millis(ms as u64)) {
        Some(timeout) if timeout >= Duration::from_millis(50) && timeout <= max => Ok(timeout),
        _ => Err(format!(
            "TimeoutInMillis {} is not a whole number of milliseconds from 50 to {}",
            scalar_string(value),
            max.as_millis()
        )),
    }
}

impl Route {
    /// Its HTTP API route key: `GET /hello/{name}`, `ANY /x`, or `$default`
    /// (the key of `RouteSettings`, and an event's `routeKey`).
    pub fn route_key(&self) -> String {
        match &self.method {
            _ if self.path == "$default" => self.path.clone(),
            method => format!("{} {}", method.as_deref().unwrap_or("ANY"), self.path),
        }
    }
}

/// `ThrottlingRateLimit` and `ThrottlingBurstLimit` of a route's settings:
/// a token bucket of `burst` tokens refilled at `rate` a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttle {
    pub rate: f64,
    pub burst: f64,
}

/// API Gateway's account-level limits in most Regions (10,000 requests a
/// second, a burst of 5,000: "Amazon API Gateway quotas"), which stand in
/// for whichever of the two a route's settings leave out.
const ACCOUNT_RATE: f64 = 10_000.0;
const ACCOUNT_BURST: f64 = 5_000.0;

/// The throttle in `settings` (a route settings object), if it sets one.
fn throttle(settings: Option<&Value>) -> Result<Option<Throttle>, String> {
    let Some(settings) = settings else { return Ok(None) };
    let limit = |name: &str| -> Result<Option<f64>, String> {
        match settings.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match number(v) {
                Some(n) if n >= 0.0 && n.is_finite() => Ok(Some(n)),
                _ => Err(format!("{name} {} is not a number of requests at least 0", scalar_string(v))),
            },
        }
    };
    Ok(match (limit("ThrottlingRateLimit")?, limit("ThrottlingBurstLimit")?) {
        (None, None) => None,
        (rate, burst) => Some(Throttle { rate: rate.unwrap_or(ACCOUNT_RATE), burst: burst.unwrap_or(ACCOUNT_BURST) }),
    })
}

#[derive(Clone, Debug, Default)]
pub struct Template {
    pub functions: Vec<Function>,
    pub routes: Vec<Route>,
}

/// Inputs a deploy would supply: parameter values and the region.
#[derive(Clone, Debug)]
pub struct Context {
    pub region: String,
    pub parameters: BTreeMap<String, String>,
}

impl Default for Context {
    fn default() -> Self {
        Context { region: "us-east-1".into(), parameters: BTreeMap::new() }
    }
}

impl Template {
    pub fn load(path: &Path, context: &Context) -> Result<Template, String> {
        let text = files::read_bounded(path, MAX_TEMPLATE_BYTES)?;
        Template::parse(&text, context).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str, context: &Context) -> Result<Template, String> {
        let doc = yaml::parse(text)?;
        parameters::check(doc.get("Parameters"), &context.parameters)?;
        let resolver = Resolver::new(&doc, context);
        let resources = doc.get("Resources").and_then(Value::as_object).ok_or("the template has no Resources")?;
        let globals = doc.get("Globals").cloned().unwrap_or(Value::Null);
        let global_function = globals.get("Function").cloned().unwrap_or(Value::Null);

        // An API's property (else the Globals one at `global`), resolved.
        let api_setting = |api: Option<&Value>, property: &str, global: &str| -> Result<Option<Value>, String> {
            match api.and_then(|a| a.pointer(&format!("/Properties/{property}"))).or_else(|| globals.pointer(global)) {
                Some(value) => resolver.resolve(value),
                None => Ok(None),
            }
        };
        // The API's `StageName` as request contexts show it, else `default`.
        let stage_name = |api: Option<&Value>, default: &str| {
            api.and_then(|a| a.pointer("/Properties/StageName"))
                .and_then(|s| resolver.resolve(s).ok().flatten())
                .map(|s| scalar_string(&s))
                .unwrap_or_else(|| default.into())
        };
        // Each HttpApi's `Auth`, read once: its routes share its authorizers.
        let mut api_auths: BTreeMap<String, ApiAuth> = BTreeMap::new();
        let mut template = Template::default();
        for (logical_id, resource) in resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            if let Some(condition) = resource.get("Condition").and_then(Value::as_str) {
                if !resolver.condition(condition)? {
                    continue;
                }
            }
            let props = resource.get("Properties").cloned().unwrap_or(Value::Null);
            let prop = |key: &str| -> Result<Option<Value>, String> {
                match props.get(key).or_else(|| global_function.get(key)) {
                    Some(v) => resolver.resolve(v),
                    None => Ok(None),
                }
            };
            let memory_mb = match prop("MemorySize")? {
                Some(v) => number(&v).ok_or(format!("{logical_id}: MemorySize is not a number"))? as u64,
                None => 128,
            };
            let timeout_s = match prop("Timeout")? {
                Some(v) => number(&v).ok_or(format!("{logical_id}: Timeout is not a number"))?,
                None => 3.0,
            };
            if !(128..=10240).contains(&memory_mb) {
                return Err(format!("{logical_id}: MemorySize {memory_mb} is outside Lambda's 128..10240 MB"));
            }
            if !(timeout_s > 0.0 && timeout_s <= 900.0) {
                return Err(format!("{logical_id}: Timeout {timeout_s} is outside Lambda's 1..900 seconds"));
            }
            let mut environment = BTreeMap::new();
            for source in [global_function.get("Environment"), props.get("Environment")].into_iter().flatten() {
                let Some(vars) = resolver.resolve(source)? else { continue };
                if let Some(vars) = vars.get("Variables").and_then(Value::as_object) {
                    for (k, v) in vars {
                        environment.insert(k.clone(), scalar_string(v));
                    }
                }
            }
            let metadata = resource.get("Metadata").cloned().unwrap_or(Value::Null);
            let code_uri = prop("CodeUri")?.and_then(|v| v.as_str().map(str::to_owned));
            // A makefile build (SAM runs `make build-<LogicalId>`) usually
            // shares one CodeUri between functions: it names none of them.
            let makefile = metadata.get("BuildMethod").and_then(Value::as_str) == Some("makefile");
            let name = function_dir(
                logical_id,
                metadata.get("ToolboxFunction").and_then(Value::as_str),
                code_uri.as_deref().filter(|_| !makefile),
            );
            let function_name =
                prop("FunctionName")?.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| logical_id.clone());
            let handler = prop("Handler")?.map(|v| scalar_string(&v)).unwrap_or_else(|| "bootstrap".into());
            let runtime = prop("Runtime")?.map(|v| scalar_string(&v)).unwrap_or_else(|| "provided.al2023".into());
            let architecture = match prop("Architectures")? {
                None => Architecture::X86_64,
                Some(Value::Array(list)) if list.len() == 1 => Architecture::parse(&scalar_string(&list[0]))
                    .map_err(|e| format!("{logical_id}: Architectures: {e}"))?,
                Some(other) => {
                    return Err(format!("{logical_id}: Architectures must list one architecture, not {other}"))
                }
            };
            let reserved_concurrency =
                prop("ReservedConcurrentExecutions")?.and_then(|v| number(&v)).map(|n| n as usize);
            let logging = prop("LoggingConfig")?.map(|config| {
                let field = |name: &str| config.get(name).map(scalar_string).filter(|s| !s.is_empty());
                Logging {
                    json: field("LogFormat").is_some_and(|f| f.eq_ignore_ascii_case("json")),
                    application_level: field("ApplicationLogLevel"),
                    system_level: field("SystemLogLevel"),
                }
            });

            let url = match prop("FunctionUrlConfig")? {
                Some(config) => Some(function_url(&config, &context.region).map_err(|e| format!("{logical_id}: {e}"))?),
                None => None,
            };

            let index = template.functions.len();
            template.functions.push(Function {
                logical_id: logical_id.clone(),
                name,
                function_name,
                memory_mb,
                timeout_s,
                handler,
                runtime,
                architecture,
                environment,
                reserved_concurrency,
                logging: logging.unwrap_or_default(),
                url,
            });

            let Some(events) = props.get("Events").and_then(Value::as_object) else { continue };
            for (event_id, event) in events {
                let kind = event.get("Type").and_then(Value::as_str).unwrap_or("");
                let event_props = match event.get("Properties") {
                    Some(p) => resolver.resolve(p)?.unwrap_or(Value::Null),
                    None => Value::Null,
                };
                let path = event_props.get("Path").and_then(Value::as_str).map(str::to_owned);
                let method = event_props.get("Method").and_then(Value::as_str).map(str::to_ascii_uppercase);
                let method = match method.as_deref() {
                    None | Some("ANY") | Some("X-AMAZON-APIGATEWAY-ANY-METHOD") => None,
                    Some(m) => Some(m.to_owned()),
                };
                match kind {
                    "HttpApi" => {
                        let api_id = event_props.get("ApiId").and_then(ref_target);
                        let api = api_id.as_ref().and_then(|id| resources.get(id));
                        let payload = match event_props
                            .get("PayloadFormatVersion")
                            .or_else(|| api.and_then(|a| a.pointer("/Properties/PayloadFormatVersion")))
                        {
                            Some(v) if scalar_string(v) == "1.0" => Payload::V1,
                            _ => Payload::V2,
                        };
                        let cors = api_setting(api, "CorsConfiguration", "/HttpApi/CorsConfiguration")?
                            .and_then(|c| http_api_cors(&c));
                        let stage = stage_name(api, "$default");
                        let mut route = Route {
                            rest: None,
                            function: index,
                            method: if path.is_none() { None } else { method },
                            path: path.unwrap_or_else(|| "$default".into()),
                            payload,
                            stage,
                            cors,
                            throttle: None,
                            auth: None,
                            integration_timeout: integration_timeout(
                                &event_props,
                                HTTP_API_INTEGRATION_TIMEOUT,
                                HTTP_API_INTEGRATION_TIMEOUT,
                            )
                            .map_err(|e| format!("{logical_id}: {event_id}: {e}"))?,
                        };
                        let own = api_setting(api, "RouteSettings", "/HttpApi/RouteSettings")?
                            .and_then(|all| all.get(route.route_key()).cloned());
                        let default = api_setting(api, "DefaultRouteSettings", "/HttpApi/DefaultRouteSettings")?;
                        route.throttle = match throttle(own.as_ref()) {
                            Ok(None) => throttle(default.as_ref()),
                            own => own,
                        }
                        .map_err(|e| format!("{logical_id}: {event_id}: {e}"))?;
                        // Without an ApiId, SAM's implicit API, which has only the Globals.
                        let api_name = api.and(api_id).unwrap_or_else(|| "ServerlessHttpApi".into());
                        if !api_auths.contains_key(&api_name) {
                            let auth = api_setting(api, "Auth", "/HttpApi/Auth")?;
                            api_auths.insert(api_name.clone(), ApiAuth::parse(&api_name, auth.as_ref())?);
                        }
                        route.auth = api_auths[&api_name]
                            .route(event_props.get("Auth"))
                            .map_err(|e| format!("{logical_id}: HttpApi event {event_id}: {e}"))?;
                        template.routes.push(route);
                    }
                    "Api" => {
                        let path = path.ok_or(format!("{logical_id}: Api event {event_id} has no Path"))?;
                        let api = event_props.get("RestApiId").and_then(ref_target).and_then(|id| resources.get(&id));
                        let cors = api_setting(api, "Cors", "/Api/Cors")?.and_then(|c| rest_api_cors(&c));
                        let auth = rest_route(api_setting(api, "Auth", "/Api/Auth")?.as_ref(), event_props.get("Auth"));
                        let stage = stage_name(api, "Prod");
                        let binary_media_types = match api_setting(api, "BinaryMediaTypes", "/Api/BinaryMediaTypes")? {
                            Some(Value::Array(types)) => {
                                types.iter().map(|t| scalar_string(t).replace("~1", "/")).collect()
                            }
                            Some(other) => {
                                return Err(format!(
                                    "{logical_id}: {event_id}: BinaryMediaTypes must be a list, not {other}"
                                ))
                            }
                            None => Vec::new(),
                        };
                        template.routes.push(Route {
                            rest: Some(RestApi { binary_media_types }),
                            function: index,
                            method,
                            path,
                            payload: Payload::V1,
                            stage,
                            cors,
                            // REST API MethodSettings throttling is not emulated (docs/local.md).
                            throttle: None,
                            auth,
                            integration_timeout: integration_timeout(
                                &event_props,
                                REST_API_INTEGRATION_TIMEOUT,
                                REST_API_MAX_INTEGRATION_TIMEOUT,
                            )
                            .map_err(|e| format!("{logical_id}: {event_id}: {e}"))?,
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(template)
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name || f.logical_id == name || f.function_name == name)
    }
}

/// The function's directory under `functions/`: `Metadata.ToolboxFunction`,
/// else the last component of `CodeUri` (`functions/hello`,
/// `target/lambda/hello/`; not for makefile builds), else the logical id
/// minus `Function`, kebab-cased (`RandomImageFunction` → `random-image`).
fn function_dir(logical_id: &str, metadata: Option<&str>, code_uri: Option<&str>) -> String {
    if let Some(name) = metadata.filter(|n| !n.is_empty()) {
        return name.to_owned();
    }
    if let Some(uri) = code_uri {
        let trimmed = uri.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or("");
        let last =
            if last.ends_with(".zip") || last == "bootstrap" { trimmed.rsplit('/').nth(1).unwrap_or("") } else { last };
        if !last.is_empty() && last != "." && last != ".." && !uri.starts_with("s3://") {
            return last.to_owned();
        }
    }
    let base = logical_id.strip_suffix("Function").filter(|b| !b.is_empty()).unwrap_or(logical_id);
    let mut out = String::new();
    for (i, c) in base.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn ref_target(value: &Value) -> Option<String> {
    match value {
        Value::Object(m) => m.get("Ref").and_then(Value::as_str).map(str::to_owned),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn scalar_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().map(scalar_string).collect(),
        Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
        _ => Vec::new(),
    }
}

/// `Globals.HttpApi.CorsConfiguration` / `HttpApi.CorsConfiguration`:
/// `true` allows everything, an object names what is allowed.
fn http_api_cors(value: &Value) -> Option<Cors> {
    match value {
        Value::Bool(true) => Some(Cors {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["*".into()],
            allow_headers: vec!["*".into()],
            ..Cors::default()
        }),
        Value::Object(m) => Some(Cors {
            allow_origins: string_list(m.get("AllowOrigins")),
            allow_methods: string_list(m.get("AllowMethods")),
            allow_headers: string_list(m.get("AllowHeaders")),
            expose_headers: string_list(m.get("ExposeHeaders")),
            max_age: m.get("MaxAge").and_then(number).map(|n| n as i64),
            allow_credentials: m.get("AllowCredentials").and_then(Value::as_bool).unwrap_or(false),
        }),
        _ => None,
    }
}

/// A function's `FunctionUrlConfig`: `AuthType` (`NONE` or `AWS_IAM`, as
/// Lambda requires one of them) and `Cors` (named as an HTTP API's).
fn function_url(config: &Value, region: &str) -> Result<FunctionUrl, String> {
    let iam_auth = match config.get("AuthType").map(scalar_string).as_deref() {
        Some("NONE") => false,
        Some("AWS_IAM") => true,
        Some(other) => return Err(format!("FunctionUrlConfig.AuthType {other} is neither NONE nor AWS_IAM")),
        None => return Err("FunctionUrlConfig needs an AuthType (NONE or AWS_IAM)".into()),
    };
    let cors = config.get("Cors").filter(|c| c.is_object()).and_then(http_api_cors);
    Ok(FunctionUrl { iam_auth, cors, region: region.to_owned() })
}

/// `Globals.Api.Cors` / `Api.Cors`: a quoted origin string (`"'*'"`) or an
/// object whose values are quoted header values, as SAM writes them.
fn rest_api_cors(value: &Value) -> Option<Cors> {
    let unquote = |v: &Value| scalar_string(v).trim().trim_matches('\'').to_owned();
    match value {
        Value::String(_) => Some(Cors {
            allow_origins: vec![unquote(value)],
            allow_methods: vec!["*".into()],
            allow_headers: vec!["*".into()],
            ..Cors::default()
        }),
        Value::Object(m) => {
            let list = |key: &str| {
                m.get(key)
                    .map(|v| unquote(v).split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                    .unwrap_or_default()
            };
            Some(Cors {
                allow_origins: list("AllowOrigin"),
                allow_methods: list("AllowMethods"),
                allow_headers: list("AllowHeaders"),
                expose_headers: Vec::new(),
                max_age: m.get("MaxAge").and_then(|v| unquote(v).parse().ok()),
                allow_credentials: m.get("AllowCredentials").and_then(Value::as_bool).unwrap_or(false),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: provided.al2023
    MemorySize: 128
    Timeout: 3
    Environment:
      Variables:
        GLOBAL_VAR: g
        STAGE: !Ref Stage
  HttpApi:
    CorsConfiguration:
      AllowOrigins: ['*']
      AllowMethods: [GET, POST]
Resources:
  JiebaLayer:
    Type: AWS::Serverless::LayerVersion
  SegmentFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      CodeUri: functions/segment/
      Handler: bootstrap
      MemorySize: !If [IsProd, 512, 256]
      Layers: [!Ref JiebaLayer]
      Environment:
        Variables:
          REGION_ARN: !Sub 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:x'
          LAYER: !GetAtt JiebaLayer.Arn
          LITERAL: !Sub '${!NotReplaced}'
      Events:
        Get:
          Type: HttpApi
          Properties: { Path: /segment, Method: get }
        Post:
          Type: HttpApi
          Properties: { Path: /segment, Method: POST }
        Rest:
          Type: Api
          Properties: { Path: '/v1/segment/{mode}', Method: any }
  RandomImageFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 10
      LoggingConfig:
        LogFormat: !If [IsProd, Text, JSON]
        ApplicationLogLevel: DEBUG
        SystemLogLevel: WARN
  Unused:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: {}
"#;

    #[test]
    fn reads_functions_with_globals_and_intrinsics() {
        let t = Template::parse(SAMPLE, &Context::default()).unwrap();
        assert_eq!(t.functions.len(), 2, "the IsProd-only function is skipped");
        let f = t.function("segment").unwrap();
        assert_eq!(f.logical_id, "SegmentFunction");
        assert_eq!(f.memory_mb, 256);
        assert_eq!(f.timeout_s, 3.0);
        assert_eq!(f.environment["GLOBAL_VAR"], "g");
        assert_eq!(f.environment["STAGE"], "dev");
        assert_eq!(f.environment["REGION_ARN"], "arn:aws:lambda:us-east-1:123456789012:x");
        assert_eq!(f.environment["LITERAL"], "${NotReplaced}");
        assert!(f.environment["LAYER"].contains("JiebaLayer"));
        let r = t.function("RandomImageFunction").unwrap();
        assert_eq!(r.name, "random-image");
        assert_eq!(r.timeout_s, 10.0);
        assert_eq!(f.logging, Logging::default(), "no LoggingConfig: Text, no levels");
        assert_eq!(
            r.logging,
            Logging { json: true, application_level: Some("DEBUG".into()), system_level: Some("WARN".into()) }
        );
    }

    #[test]
    fn parameters_and_conditions_follow_overrides() {
        let mut context = Context::default();
        context.parameters.insert("Stage".into(), "prod".into());
        let t = Template::parse(SAMPLE, &context).unwrap();
        assert_eq!(t.functions.len(), 3);
        assert_eq!(t.function("segment").unwrap().memory_mb, 512);
    }

    #[test]
    fn reads_routes_payloads_and_cors() {
        let t = Template::parse(SAMPLE, &Context::default()).unwrap();
        let routes: Vec<_> = t.routes.iter().map(|r| (r.method.clone(), r.path.as_str(), r.payload)).collect();
        assert!(routes.contains(&(Some("GET".into()), "/segment", Payload::V2)));
        assert!(routes.contains(&(Some("POST".into()), "/segment", Payload::V2)));
        assert!(routes.contains(&(None, "/v1/segment/{mode}", Payload::V1)));
        let cors = t.routes.iter().find(|r| r.payload == Payload::V2).unwrap().cors.clone().unwrap();
        assert_eq!(cors.allow_origins, vec!["*"]);
        assert_eq!(cors.allow_methods, vec!["GET", "POST"]);
    }

    #[test]
    fn function_directories() {
        assert_eq!(function_dir("X", Some("segment"), Some("elsewhere/")), "segment");
        assert_eq!(function_dir("X", None, Some("target/lambda/hello/")), "hello");
        assert_eq!(function_dir("X", None, Some("target/lambda/hello/bootstrap.zip")), "hello");
        assert_eq!(function_dir("RandomImageFunction", None, Some(".")), "random-image");
        assert_eq!(function_dir("Hello", None, None), "hello");
    }

    #[test]
    fn reads_the_repository_template() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        let t = Template::load(&path, &Context::default()).unwrap();
        let mut names: Vec<String> = t.functions.iter().map(|f| f.name.clone()).collect();
        names.sort_unstable();
        // The template is the list of tools: one function per crate under functions/.
        let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
        let mut crates: Vec<String> = std::fs::read_dir(functions)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        crates.sort_unstable();
        assert_eq!(names, crates);
        assert!(names.iter().any(|n| n == "segment"), "{names:?}");
        for f in &t.functions {
            assert_eq!((f.memory_mb, f.timeout_s, f.handler.as_str()), (128, 3.0, "bootstrap"), "{}", f.name);
            assert!(t.routes.iter().any(|r| t.functions[r.function].name == f.name), "{} has no route", f.name);
        }
        let hello = t.routes.iter().find(|r| r.path == "/hello").unwrap();
        assert_eq!(hello.payload, Payload::V2);

        // Every function runs on the Architecture parameter: arm64 unless told otherwise.
        assert!(t.functions.iter().all(|f| f.architecture == Architecture::Arm64));
        let mut x86 = Context::default();
        x86.parameters.insert("Architecture".into(), "x86_64".into());
        let t = Template::load(&path, &x86).unwrap();
        assert!(t.functions.iter().all(|f| f.architecture == Architecture::X86_64));
        assert!(hello.cors.as_ref().is_some_and(|c| c.allow_origins == ["*"]));
    }

    #[test]
    fn the_repository_template_guards_its_routes_when_given_an_issuer() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        let open = Template::load(&path, &Context::default()).unwrap();
        assert!(open.routes.iter().all(|r| r.auth.is_none()), "JwtIssuer empty: the API is open");

        let mut context = Context::default();
        context.parameters.insert("JwtIssuer".into(), "https://issuer.example".into());
        context.parameters.insert("JwtAudience".into(), "client-a, client-b".into());
        let guarded = Template::load(&path, &context).unwrap();
        // The playground's page and contract stay public (`Authorizer: NONE`).
        let public = |r: &Route| r.path == "/" || r.path == "/openapi.json";
        assert_eq!(guarded.routes.iter().filter(|r| public(r) && r.auth.is_none()).count(), 2);
        assert!(guarded.routes.len() > 2);
        for route in guarded.routes.iter().filter(|r| !public(r)) {
            let auth = route.auth.as_ref().unwrap_or_else(|| panic!("{} is open", route.path));
            let Authorizer::Jwt(jwt) = auth.authorizer.as_ref() else { panic!("{:?}", auth.authorizer) };
            assert_eq!(jwt.issuer, "https://issuer.example");
            assert_eq!(jwt.audiences, ["client-a", "client-b"], "a CommaDelimitedList is a list");
            assert_eq!(jwt.identity_source, IdentitySource::Header("authorization".into()));
            assert!(auth.scopes.is_empty(), "JwtScopes empty: any scope");
        }

        context.parameters.insert("JwtScopes".into(), "toolbox/read,toolbox/write".into());
        let scoped = Template::load(&path, &context).unwrap();
        let scoped: Vec<_> = scoped.routes.iter().filter(|r| !public(r)).collect();
        assert!(scoped.iter().all(|r| r.auth.as_ref().unwrap().scopes == ["toolbox/read", "toolbox/write"]));
    }

    #[test]
    fn globals_auth_guards_the_implicit_api() {
        let text = r#"
Globals:
  HttpApi:
    Auth:
      DefaultAuthorizer: Jwt
      Authorizers:
        Jwt: {JwtConfiguration: {issuer: "https://i.example", audience: [a]}}
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Closed: {Type: HttpApi, Properties: {Path: /closed, Method: GET}}
        Open: {Type: HttpApi, Properties: {Path: /open, Method: GET, Auth: {Authorizer: NONE}}}
        Rest: {Type: Api, Properties: {Path: /rest, Method: GET}}
"#;
        let t = Template::parse(text, &Context::default()).unwrap();
        let auth = |path: &str| t.routes.iter().find(|r| r.path == path).unwrap().auth.is_some();
        assert!(auth("/closed"));
        assert!(!auth("/open"));
        assert!(!auth("/rest"), "the HttpApi's authorizer is not the REST API's");
        let bad = text.replace("Auth: {Authorizer: NONE}", "Auth: {Authorizer: Nope}");
        assert!(Template::parse(&bad, &Context::default()).unwrap_err().contains("Open: Auth.Authorizer Nope"));
    }

    #[test]
    fn list_parameters() {
        let text = "Parameters:\n  Ids: {Type: CommaDelimitedList, Default: 'a,b'}\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment:\n        Variables:\n          X: !Join ['+', !Ref Ids]\n          Y: !Select [1, !Ref Ids]\n";
        let t = Template::parse(text, &Context::default()).unwrap();
        assert_eq!(t.functions[0].environment["X"], "a+b");
        assert_eq!(t.functions[0].environment["Y"], "b");
    }

    #[test]
    fn integration_timeouts_come_from_the_event_else_api_gateways_defaults() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        \
                    A: {Type: HttpApi, Properties: {Path: /a, Method: GET, TimeoutInMillis: 1500}}\n        \
                    B: {Type: HttpApi, Properties: {Path: /b, Method: GET}}\n        \
                    C: {Type: Api, Properties: {Path: /c, Method: GET}}\n";
        let t = Template::parse(text, &Context::default()).unwrap();
        let timeouts: Vec<_> = t.routes.iter().map(|r| (r.path.as_str(), r.integration_timeout)).collect();
        assert_eq!(
            timeouts,
            [
                ("/a", Duration::from_millis(1500)),
                ("/b", HTTP_API_INTEGRATION_TIMEOUT),
                ("/c", REST_API_INTEGRATION_TIMEOUT)
            ]
        );
        for bad in ["30001", "49", "1.5", "soon"] {
            let e = Template::parse(&text.replace("1500", bad), &Context::default()).unwrap_err();
            assert!(e.contains("F: A: TimeoutInMillis") && e.contains("from 50 to 30000"), "{bad}: {e}");
        }
    }

    /// A REST API's `BinaryMediaTypes` (its own, else `Globals.Api`'s), SAM's
    /// `~1` read as `/` ("AWS::Serverless::Api": BinaryMediaTypes); HTTP API
    /// routes have none (binary media types are a REST API setting, "Binary
    /// media types for REST APIs in API Gateway").
    #[test]
    fn rest_apis_read_their_binary_media_types() {
        let text = "Globals:\n  Api:\n    BinaryMediaTypes: ['image~1png', '*~1*']\n\
                    Resources:\n  Own:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      \
                    BinaryMediaTypes: [application~1octet-stream]\n  \
                    F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        \
                    A: {Type: Api, Properties: {Path: /a, Method: GET}}\n        \
                    B: {Type: Api, Properties: {Path: /b, Method: GET, RestApiId: !Ref Own}}\n        \
                    C: {Type: HttpApi, Properties: {Path: /c, Method: GET}}\n";
        let t = Template::parse(text, &Context::default()).unwrap();
        let types: Vec<_> = t.routes.iter().map(|r| r.rest.as_ref().map(|r| r.binary_media_types.clone())).collect();
        assert_eq!(
            types,
            [
                Some(vec!["image/png".to_owned(), "*/*".to_owned()]),
                Some(vec!["application/octet-stream".to_owned()]),
                None
            ]
        );
        let bad = text.replace("[application~1octet-stream]", "application~1octet-stream");
        assert!(Template::parse(&bad, &Context::default()).unwrap_err().contains("BinaryMediaTypes must be a list"));
    }

    #[test]
    fn bad_limits_are_refused() {
        let function =
            |props: &str| format!("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {props}\n");
        let default = Template::parse(&function("{}"), &Context::default()).unwrap();
        assert_eq!(default.functions[0].architecture, Architecture::X86_64, "Lambda's default");
        for bad in ["{Architectures: [aarch64]}", "{Architectures: [x86_64, arm64]}", "{Architectures: arm64}"] {
            let error = Template::parse(&function(bad), &Context::default()).unwrap_err();
            assert!(error.starts_with("F: Architectures"), "{bad}: {error}");
        }
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {MemorySize: 64}\n";
        assert!(Template::parse(text, &Context::default()).unwrap_err().contains("MemorySize"));
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Timeout: 0}\n";
        assert!(Template::parse(text, &Context::default()).unwrap_err().contains("Timeout"));
    }

    #[test]
    fn throttling_comes_from_the_route_settings_else_the_defaults() {
        let text = r#"
Parameters:
  Rate: {Type: Number, Default: 20}
Globals:
  HttpApi:
    DefaultRouteSettings: {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefaultRouteSettings: {ThrottlingRateLimit: !Ref Rate, ThrottlingBurstLimit: 40}
      RouteSettings:
        "GET /slow": {ThrottlingRateLimit: 0.5}
  Other:
    Type: AWS::Serverless::HttpApi
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        A: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /a, Method: GET}}
        Slow: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /slow, Method: GET}}
        O: {Type: HttpApi, Properties: {ApiId: !Ref Other, Path: /o, Method: GET}}
        R: {Type: Api, Properties: {Path: /r, Method: GET}}
"#;
        let throttles = |context: &Context| -> Vec<(String, Option<Throttle>)> {
            let t = Template::parse(text, context).unwrap();
            t.routes.into_iter().map(|r| (r.path, r.throttle)).collect()
        };
        let mut context = Context::default();
        assert_eq!(
            throttles(&context),
            vec![
                ("/a".into(), Some(Throttle { rate: 20.0, burst: 40.0 })),
                // Another API without settings of its own: the Globals ones.
                ("/o".into(), Some(Throttle { rate: 1.0, burst: 1.0 })),
                ("/r".into(), None),
                // A route's own settings; the burst it leaves out is the account's.
                ("/slow".into(), Some(Throttle { rate: 0.5, burst: 5_000.0 })),
            ]
        );
        context.parameters.insert("Rate".into(), "7".into());
        assert_eq!(throttles(&context)[0].1, Some(Throttle { rate: 7.0, burst: 40.0 }));
        context.parameters.insert("Rate".into(), "-1".into());
        let error = Template::parse(text, &context).unwrap_err();
        assert!(error.contains("F: A: ThrottlingRateLimit -1 is not a number of requests at least 0"), "{error}");
    }
}
