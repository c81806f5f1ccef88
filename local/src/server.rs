//! The HTTP front: API Gateway on 127.0.0.1, handing events to the pools.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::apigw::{self, HttpRequest, HttpResponse, Router, MAX_EVENT_BYTES, MAX_REQUEST_BYTES};
use crate::pool::{Outcome, Pool};
use crate::template::{Payload, Template};
use crate::{log, util};

pub struct App {
    pub router: Router,
    pub pools: Vec<Arc<Pool>>,
}

impl App {
    pub fn new(template: &Template, pools: Vec<Arc<Pool>>) -> App {
        App { router: Router::new(&template.routes), pools }
    }

    /// Answers one request the way API Gateway + Lambda would.
    pub async fn answer(&self, req: HttpRequest) -> HttpResponse {
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
        let request_id = util::uuid();
        let now = util::now_ms();
        let event = match route.payload {
            Payload::V2 => apigw::v2_event(&req, &m, &request_id, now),
            Payload::V1 => apigw::v1_event(&req, &m, &request_id, now),
        };
        let event = Bytes::from(event.to_string());
        if event.len() > MAX_EVENT_BYTES {
            log::line(&pool.function.name, "the event is larger than Lambda's 6 MB invocation limit: 413");
            return HttpResponse::too_large();
        }
        // Its own task: a client hanging up must not cancel the invocation
        // (or kill the instance running it).
        let outcome = match tokio::spawn(async move { pool.invoke(event).await }).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Crashed("the runner's invocation task failed".into()),
        };
        let mut response = match outcome {
            Outcome::Response(body) => match apigw::proxy_response(route.payload, &body) {
                Ok(response) => response,
                Err(why) => {
                    let name = &self.pools[route.function].function.name;
                    log::line(name, &format!("malformed Lambda proxy response ({why}): 502"));
                    HttpResponse::bad_gateway(route.payload)
                }
            },
            Outcome::Timeout => HttpResponse::timed_out(route.payload),
            Outcome::Throttled => HttpResponse::throttled(),
            Outcome::FunctionError(_)
            | Outcome::OutOfMemory
            | Outcome::Crashed(_)
            | Outcome::InitError(_)
            | Outcome::ResponseTooLarge => HttpResponse::bad_gateway(route.payload),
        };
        if route.payload == Payload::V2 {
            if let Some(cors) = &route.cors {
                apigw::add_cors(cors, &req, &mut response);
            }
            response.headers.push(("apigw-requestid".into(), request_id));
        } else {
            response.headers.push(("x-amzn-requestid".into(), request_id));
        }
        response
    }
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

async fn handle(app: Arc<App>, peer: SocketAddr, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
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
    let body = match Limited::new(req.into_body(), MAX_REQUEST_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return Ok(to_hyper(HttpResponse::too_large()));
        }
        Err(_) => return Ok(to_hyper(HttpResponse::json_message(400, "Bad Request"))),
    };
    let request = HttpRequest { method, path, query, headers, body, source_ip: peer.ip().to_string(), protocol };
    Ok(to_hyper(app.answer(request).await))
}

/// Accepts connections until the task is dropped.
pub async fn serve(listener: TcpListener, app: Arc<App>) {
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
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(app.clone(), peer, req));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}
