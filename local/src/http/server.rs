//! The HTTP front: API Gateway on 127.0.0.1, handing events to the pools.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use tokio::sync::watch;

use super::body::{self, BodyError};
use crate::apigw::{
    self, jwt, Admission, Bucket, HttpRequest, HttpResponse, Integration, Jwks, Router, MAX_EVENT_BYTES,
    MAX_REQUEST_BYTES,
};
use crate::lambda::{Outcome, Pool};
use crate::metrics::METRICS;
use crate::template::{Payload, Route, Template, Throttle};
use crate::{function_url, log, util};

/// What one client may hold of the server: time and connections. API Gateway
/// publishes no client read timeouts (only its 30 s integration timeout and
/// its 10 MB payload and 10,240-byte header quotas), so the defaults are ours;
/// docs/local.md has the reasoning.
#[derive(Clone, Debug)]
pub struct Limits {
    /// From the connection being idle to the end of the request's headers.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub body_timeout: Duration,
    /// Open client connections at most; past it a connection gets a 503.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { header_timeout: Duration::from_secs(10), body_timeout: Duration::from_secs(30), max_connections: 1024 }
    }
}

/// Request line and headers at most, in bytes: API Gateway's quota is 10,240
/// bytes of request line and header *values*; hyper counts the names too, so
/// allow some more. Past it hyper answers 431 and closes.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// hyper's read buffer per connection at most (its default is ~400 KB).
const MAX_READ_BUFFER: usize = 64 * 1024;

/// Refusals (503 past the connection cap) being written at once at most;
/// past that a connection is closed without a word.
const MAX_REFUSALS: usize = 64;

/// What the front serves: the template's routes and a pool per function.
/// `serve` reads the current one for every request, so a reloaded template
/// (serve --watch) takes effect without dropping a connection.
pub struct App {
    pub router: Router,
    pub pools: Vec<Arc<Pool>>,
    pub limits: Limits,
    /// Each route's token bucket (by its place in the template), if throttled.
    buckets: Vec<Option<Bucket>>,
    /// `--jwks`: the keys JWT authorizers check tokens with.
    pub keys: Option<Arc<Jwks>>,
}

impl App {
    pub fn new(template: &Template, pools: Vec<Arc<Pool>>, limits: Limits) -> App {
        let buckets = template.routes.iter().map(|r| r.throttle.map(Bucket::new)).collect();
        App { router: Router::new(&template.routes), pools, limits, buckets, keys: None }
    }

    pub fn with_keys(self, keys: Option<Arc<Jwks>>) -> App {
        App { keys, ..self }
    }

    /// Answers one request the way API Gateway + Lambda would, and counts
    /// it in [`METRICS`] by its function and route.
    pub async fn answer(&self, req: HttpRequest) -> HttpResponse {
        let started = Instant::now();
        let mut seen = Seen::default();
        let response = self.answer_seen(req, &mut seen).await;
        let (function, route) = match seen.route {
            Some(route) => (seen.function, route),
            None => ("-".to_owned(), NO_ROUTE.to_owned()),
        };
        METRICS.request(&function, &route, response.status, started.elapsed(), seen.cold_start);
        response
    }

    async fn answer_seen(&self, req: HttpRequest, seen: &mut Seen) -> HttpResponse {
        if let Some((name, path)) = function_url::split(&req.path) {
            let (name, path) = (name.to_owned(), path.to_owned());
            return self.answer_url(&name, HttpRequest { path, ..req }, seen).await;
        }
        let Some(m) = self.router.find(&req.method, &req.path) else {
            // No route for this method: a CORS preflight may still be ours to answer.
            if let Some(route) = self.router.any_method(&req.path) {
                if let Some(cors) = &route.cors {
                    if let Some(response) = apigw::preflight(cors, &req) {
                        return response;
                    }
                }
            }
            return HttpResponse::not_found();
        };
        if let Some(cors) = &m.route.cors {
            if let Some(response) = apigw::preflight(cors, &req) {
                return response;
            }
        }
        let route = m.route;
        let Some(pool) = self.pools.get(route.function).cloned() else { return HttpResponse::not_found() };
        seen.function = pool.function.name.clone();
        seen.route = Some(route.route_key());
        let request_id = util::uuid();
        if let Some(bucket) = self.buckets.get(m.index).and_then(Option::as_ref) {
            if let Admission::Refused { log } = bucket.take() {
                if log {
                    let Throttle { rate, burst } = bucket.limits();
                    log::line(
                        &pool.function.name,
                        &format!("throttled: {rate} requests a second, a burst of {burst} (the route's settings): 429 (logged at most every 10 s)"),
                    );
                }
                return finish(route, &req, HttpResponse::throttled(), request_id);
            }
        }
        let now = util::now_ms();
        // After the preflight, which API Gateway answers before any authorizer.
        let authorized = match &route.auth {
            Some(auth) => match jwt::authorize(auth, self.keys.as_deref(), &req, now as f64 / 1000.0) {
                Ok(authorized) => Some(authorized),
                Err(mut refused) => {
                    refused.headers.push((request_id_header(route.payload).into(), request_id));
                    return refused;
                }
            },
            None => None,
        };
        let mut event = match route.payload {
            Payload::V2 => apigw::v2_event(&req, &m, &request_id, now),
            Payload::V1 => apigw::v1_event(&req, &m, &request_id, now),
        };
        if let Some(authorized) = &authorized {
            jwt::add_to_event(&mut event, route.payload, authorized);
        }
        let name = &self.pools[route.function].function.name;
        let response = match invoke(pool, event, Some(route.integration_timeout), trace_header(&req), seen).await {
            Ok(outcome) => outcome.http_answer(Integration::of(route, &req), name),
            Err(Unanswered::TooLarge) => HttpResponse::too_large(),
            Err(Unanswered::IntegrationTimeout) => {
                let answer = HttpResponse::integration_timed_out(route.payload);
                log::line(
                    name,
                    &format!(
                        "integration timeout: no answer within {:.2} s (the route's TimeoutInMillis, else API Gateway's): {}; the invocation goes on",
                        route.integration_timeout.as_secs_f64(),
                        answer.status
                    ),
                );
                answer
            }
        };
        finish(route, &req, response, request_id)
    }

    /// A request to the function URL of the function `name` (`req.path` is
    /// the URL's own path): Lambda's answer, with the URL's CORS headers.
    async fn answer_url(&self, name: &str, req: HttpRequest, seen: &mut Seen) -> HttpResponse {
        let pool = self.pools.iter().find(|p| p.function.name == name);
        let Some((pool, url)) = pool.and_then(|p| Some((p.clone(), p.function.url.clone()?))) else {
            return HttpResponse::not_found();
        };
        seen.function = pool.function.name.clone();
        // A function URL's event names its route `$default`.
        seen.route = Some("$default".to_owned());
        if let Some(cors) = &url.cors {
            if let Some(response) = apigw::preflight(cors, &req) {
                return response;
            }
        }
        let request_id = util::uuid();
        let function_name = &pool.function.function_name;
        let mut response = match function_url::event(&req, function_name, &url, &request_id, util::now_ms()) {
            // A URL waits as long as the function's own Timeout.
            Ok(event) => match invoke(pool, event, None, trace_header(&req), seen).await {
                Ok(outcome) => outcome.http_answer(Integration::http_api(Payload::V2), name),
                Err(_) => HttpResponse::too_large(),
            },
            Err(refusal) => refusal,
        };
        if let Some(cors) = &url.cors {
            apigw::add_cors(cors, &req, &mut response);
        }
        response.headers.push(("x-amzn-requestid".into(), request_id));
        response
    }
}

/// The row of [`METRICS`] a request that matched no route counts in.
const NO_ROUTE: &str = "(no route)";

/// What answering a request found out, for [`METRICS`]: the function and
/// route it reached (`None`: no route), and whether it started an instance.
#[derive(Default)]
struct Seen {
    function: String,
    route: Option<String>,
    cold_start: bool,
}

/// Why API Gateway answers without the invocation's outcome.
enum Unanswered {
    /// Lambda would refuse the event's size (413).
    TooLarge,
    /// The integration timeout passed first.
    IntegrationTimeout,
}

/// Runs `event` on `pool`, waiting at most `integration_timeout` for it.
/// `trace`: the request's `X-Amzn-Trace-Id`, whose Root the function's
/// trace id keeps, as API Gateway and function URLs propagate it.
async fn invoke(
    pool: Arc<Pool>,
    event: serde_json::Value,
    integration_timeout: Option<Duration>,
    trace: Option<String>,
    seen: &mut Seen,
) -> Result<Outcome, Unanswered> {
    let event = Bytes::from(event.to_string());
    if event.len() > MAX_EVENT_BYTES {
        log::line(&pool.function.name, "the event is larger than Lambda's 6 MB invocation limit: 413");
        return Err(Unanswered::TooLarge);
    }
    // Its own task: neither a client hanging up nor the integration timeout
    // cancels the invocation (or kills the instance running it), as API
    // Gateway giving up does not stop Lambda.
    let invocation = tokio::spawn(async move { pool.invoke(event, trace.as_deref()).await });
    let finished = match integration_timeout {
        Some(limit) => tokio::time::timeout(limit, invocation).await.map_err(|_| Unanswered::IntegrationTimeout)?,
        None => invocation.await,
    };
    match finished {
        Ok(invoked) => {
            seen.cold_start = invoked.cold_start;
            Ok(invoked.outcome)
        }
        Err(_) => Ok(Outcome::Crashed("the runner's invocation task failed".into())),
    }
}

/// The request's `X-Amzn-Trace-Id` (`add_forwarded_headers` gives every
/// request one).
fn trace_header(req: &HttpRequest) -> Option<String> {
    req.header("x-amzn-trace-id").map(str::to_owned)
}

/// The header API Gateway names its request id in: HTTP APIs', REST APIs'.
fn request_id_header(payload: Payload) -> &'static str {
    match payload {
        Payload::V2 => "apigw-requestid",
        Payload::V1 => "x-amzn-requestid",
    }
}

/// What API Gateway adds to every answer on a route, the function's or its
/// own: CORS headers (HTTP APIs) and the request id.
fn finish(route: &Route, req: &HttpRequest, mut response: HttpResponse, request_id: String) -> HttpResponse {
    if let (Payload::V2, Some(cors)) = (route.payload, &route.cors) {
        apigw::add_cors(cors, req, &mut response);
    }
    response.headers.push((request_id_header(route.payload).into(), request_id));
    response
}

fn to_hyper(response: HttpResponse) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(response.body));
    *out.status_mut() = StatusCode::from_u16(response.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::from_bytes(name.as_bytes()), hyper::header::HeaderValue::from_str(&value))
        {
            out.headers_mut().append(name, value);
        }
    }
    out
}

async fn handle(
    apps: watch::Receiver<Arc<App>>,
    peer: SocketAddr,
    port: u16,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return Ok(to_hyper(HttpResponse::too_large()));
    }
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let protocol = match req.version() {
        Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    }
    .to_owned();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let app = apps.borrow().clone();
    let body = match body::collect(req.into_body(), MAX_REQUEST_BYTES, app.limits.body_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return Ok(to_hyper(HttpResponse::too_large())),
        Err(BodyError::TimedOut) => return Ok(to_hyper(HttpResponse::body_timed_out())),
        Err(BodyError::Broken) => return Ok(to_hyper(HttpResponse::json_message(400, "Bad Request"))),
    };
    let mut request = HttpRequest { method, path, query, headers, body, source_ip: peer.ip().to_string(), protocol };
    apigw::add_forwarded_headers(&mut request, port, util::now_ms());
    Ok(to_hyper(app.answer(request).await))
}

/// Accepts connections until the task is dropped. Past the connection cap a
/// connection is answered 503 and closed at once, so it costs a file
/// descriptor for no longer than that answer takes.
pub async fn serve(listener: TcpListener, apps: watch::Receiver<Arc<App>>) {
    // Connection limits are the first app's: a reload changes routes and
    // functions, not the front's limits.
    let app = apps.borrow().clone();
    let open = Arc::new(Semaphore::new(app.limits.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSALS));
    let mut at_cap = false;
    // The port clients reach the runner on, as x-forwarded-port tells functions.
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, never spin or exit.
                log::line("local", &format!("accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let Ok(permit) = open.clone().try_acquire_owned() else {
            if !at_cap {
                at_cap = true;
                let cap = app.limits.max_connections;
                log::line("local", &format!("{cap} connections open (--max-connections): answering 503 to new ones"));
            }
            if let Ok(refusal) = refusing.clone().try_acquire_owned() {
                connections.spawn(async move {
                    refuse(stream).await;
                    drop(refusal);
                });
            }
            continue;
        };
        at_cap = false;
        let _ = stream.set_nodelay(true);
        let apps = apps.clone();
        let limits = app.limits.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(apps.clone(), peer, port, req));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_header_size(MAX_HEAD_BYTES)
                .max_buf_size(MAX_READ_BUFFER)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

/// The whole answer to a connection past the cap, written without reading
/// the request (the client may not have sent it yet).
async fn refuse(mut stream: TcpStream) {
    let body = HttpResponse::too_many_connections().body;
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await?;
        // Read what the client sent until it closes: closing a socket with
        // unread data sends a reset, which can destroy the answer in transit.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}
