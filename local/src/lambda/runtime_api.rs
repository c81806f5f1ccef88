//! The Lambda Runtime API (2018-06-01) one instance's bootstrap talks to.
//!
//! Every instance gets its own server on an ephemeral 127.0.0.1 port, so a
//! request is always about that instance: no routing, and a misbehaving
//! process can only confuse its own server. Everything it sends is checked;
//! nonsense gets a 4xx, never a crash. Only the instance's own process may
//! connect (see `peer`): anyone else on the machine gets a 403, never an
//! event (with its client's headers and cookies) nor a say in the answer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Mutex as AsyncMutex, Semaphore};
use tokio::task::JoinHandle;

use super::peer;
use crate::http::body;
use crate::log::{self, Sparse};

/// Largest response or error a function may post: Lambda's limit for a
/// synchronous invocation's response, 6 MiB + 100 bytes. Lambda's own error
/// past it reads "Response payload size exceeded maximum allowed payload
/// size (6291556 bytes)" (github.com/DataBiosphere/azul/issues/7466); the
/// functions refuse to answer more (toolbox_gateway::MAX_ANSWER_BYTES).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// How long a response may take to arrive once its POST started; the
/// invocation's own timeout (at most Lambda's 900 s) ends it sooner.
const POST_TIMEOUT: Duration = Duration::from_secs(900);

/// How long a connection waits for the instance's pid to be known (it is
/// set right after the spawn, before the instance can have connected).
const OWNER_WAIT: Duration = Duration::from_secs(10);

/// At most this many refused connections are answered (403) at a time;
/// past it a stranger's connection is closed without a word.
const REFUSALS_IN_FLIGHT: usize = 16;

/// Refused connections are logged at most this often (as the throttle's
/// refusals are).
const REFUSALS_LOG_EVERY: Duration = Duration::from_secs(10);

/// How long the accept loop pauses after a failed accept (no descriptor
/// left) before it tries again.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// One event handed to the bootstrap by `/invocation/next`.
#[derive(Debug)]
pub struct Invocation {
    pub request_id: String,
    pub deadline_ms: u128,
    pub function_arn: String,
    pub trace_id: String,
    pub body: Bytes,
}

/// What the bootstrap told us, in order.
#[derive(Debug)]
pub enum ApiEvent {
    /// The runtime asked for the next event (the first one ends init).
    Next(Instant),
    Response {
        request_id: String,
        body: Bytes,
    },
    Error {
        request_id: String,
        error_type: Option<String>,
        body: Bytes,
    },
    InitError {
        error_type: Option<String>,
        body: Bytes,
    },
    /// A response or error larger than Lambda accepts.
    TooLarge {
        request_id: String,
    },
    /// Something that is not the Runtime API: logged, then ignored.
    Garbage(String),
}

struct Shared {
    events: mpsc::UnboundedSender<ApiEvent>,
    invocations: AsyncMutex<mpsc::Receiver<Invocation>>,
    /// The request id handed out by the last `/next`, until answered.
    current: Mutex<Option<String>>,
}

pub struct RuntimeApi {
    pub addr: SocketAddr,
    pub invocations: mpsc::Sender<Invocation>,
    pub events: mpsc::UnboundedReceiver<ApiEvent>,
    /// The pid of the one process allowed to connect.
    owner: watch::Sender<Option<i32>>,
    task: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RuntimeApi {
    /// The Runtime API of one instance of function `label`: serves only the
    /// process named by [`RuntimeApi::set_owner`]; refusals are logged
    /// under `label`.
    pub async fn start(label: &str) -> std::io::Result<RuntimeApi> {
        RuntimeApi::start_with(Some(Refusals::new(label))).await
    }

    /// A Runtime API that serves any local process, for test doubles and
    /// benchmarks whose bootstrap runs under another program (valgrind,
    /// `/usr/bin/time`), where the pid that connects is not the one spawned.
    /// The emulator never uses it.
    pub async fn start_for_any_process() -> std::io::Result<RuntimeApi> {
        RuntimeApi::start_with(None).await
    }

    async fn start_with(refusals: Option<Refusals>) -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (events_tx, events) = mpsc::unbounded_channel();
        let (invocations, invocations_rx) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            events: events_tx,
            invocations: AsyncMutex::new(invocations_rx),
            current: Mutex::new(None),
        });
        let (owner, mut owner_rx) = watch::channel(None);
        let refusing = Arc::new(Semaphore::new(REFUSALS_IN_FLIGHT));
        // Dropped with the task (the instance's end): its last count logged.
        let guard = refusals;
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let (stream, client) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // Out of descriptors, most likely: try again soon, not in a busy loop.
                        tokio::time::sleep(ACCEPT_RETRY).await;
                        continue;
                    }
                };
                while connections.try_join_next().is_some() {}
                // One check at a time, in this loop: a flood of strangers
                // waits in the listen backlog, not as tasks and descriptors.
                if let Some(refusals) = &guard {
                    if !made_by_owner(&mut owner_rx, client, addr).await {
                        refusals.count(client);
                        // Known strangers: the polite 403 for a few at a time,
                        // the rest just closed.
                        if let Ok(permit) = refusing.clone().try_acquire_owned() {
                            connections.spawn(async move {
                                refuse(stream).await;
                                drop(permit);
                            });
                        }
                        continue;
                    }
                }
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(RuntimeApi { addr, invocations, events, owner, task })
    }

    /// The instance's pid, once spawned: from then on only it is served.
    pub fn set_owner(&self, pid: i32) {
        self.owner.send_replace(Some(pid));
    }
}

/// Whether the connection from `client` was made by the owner process (waiting
/// for its pid to be known, which it is right after the spawn). The lookup
/// reads `/proc` and asks the kernel: blocking work, done off the runner's
/// thread.
async fn made_by_owner(owner: &mut watch::Receiver<Option<i32>>, client: SocketAddr, listener: SocketAddr) -> bool {
    let pid = match tokio::time::timeout(OWNER_WAIT, owner.wait_for(Option::is_some)).await {
        Ok(Ok(pid)) => *pid,
        _ => None,
    };
    let Some(pid) = pid else { return false };
    tokio::task::spawn_blocking(move || peer::connected_by(pid, client, listener)).await.unwrap_or(false)
}

/// The connections refused from other processes, logged as they happen:
/// the first, then at most one line every [`REFUSALS_LOG_EVERY`] with how
/// many more there were, and what is left untold when the instance ends.
struct Refusals {
    label: String,
    log: Mutex<Sparse>,
}

impl Refusals {
    fn new(label: &str) -> Refusals {
        Refusals { label: label.to_owned(), log: Mutex::new(Sparse::new(REFUSALS_LOG_EVERY)) }
    }

    fn count(&self, client: SocketAddr) {
        let Some(unlogged) = self.log.lock().expect("poisoned").occur(Instant::now()) else { return };
        let mut line =
            format!("bad Runtime API call: refused a connection from {client}: not made by the instance's process");
        if unlogged > 0 {
            line.push_str(&format!(" ({unlogged} more refused since the last such line)"));
        }
        log::line(&self.label, &line);
    }
}

impl Drop for Refusals {
    fn drop(&mut self) {
        let unlogged = self.log.get_mut().map(Sparse::take_unlogged).unwrap_or(0);
        if unlogged > 0 {
            log::line(
                &self.label,
                &format!(
                    "bad Runtime API call: {unlogged} more connections refused, not made by the instance's process"
                ),
            );
        }
    }
}

/// A 403 for a connection from any other process, written without reading
/// its request, then the request drained so the close is not a reset.
async fn refuse(mut stream: TcpStream) {
    let body = json!({
        "errorType": "AccessDenied",
        "errorMessage": "this Runtime API serves only its own instance's process",
    })
    .to_string();
    let head = format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
    response
}

fn error_reply(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    reply(status, json!({ "errorType": error_type, "errorMessage": message }))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let error_type =
        req.headers().get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        let _ = shared.events.send(ApiEvent::Garbage(format!("{method} {path}")));
        return Ok(error_reply(StatusCode::NOT_FOUND, "InvalidRequest", "not a Runtime API path"));
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match (method, parts.as_slice()) {
        (Method::GET, ["invocation", "next"]) => {
            let _ = shared.events.send(ApiEvent::Next(Instant::now()));
            // One event at a time: a second concurrent /next waits its turn.
            let invocation = shared.invocations.lock().await.recv().await;
            let Some(inv) = invocation else {
                return Ok(error_reply(StatusCode::GONE, "ShutDown", "the instance is shutting down"));
            };
            *shared.current.lock().expect("poisoned") = Some(inv.request_id.clone());
            let mut response = Response::new(Full::new(inv.body));
            let headers = response.headers_mut();
            let pairs = [
                ("lambda-runtime-aws-request-id", inv.request_id),
                ("lambda-runtime-deadline-ms", inv.deadline_ms.to_string()),
                ("lambda-runtime-invoked-function-arn", inv.function_arn),
                ("lambda-runtime-trace-id", inv.trace_id),
                ("content-type", "application/json".into()),
            ];
            for (name, value) in pairs {
                if let Ok(value) = value.parse() {
                    headers.insert(name, value);
                }
            }
            Ok(response)
        }
        (Method::POST, ["invocation", request_id, kind @ ("response" | "error")]) => {
            let request_id = (*request_id).to_owned();
            let known = shared.current.lock().expect("poisoned").as_deref() == Some(request_id.as_str());
            if !known {
                let _ = shared.events.send(ApiEvent::Garbage(format!("{kind} for unknown request id {request_id:?}")));
                return Ok(error_reply(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "unknown or already answered request id",
                ));
            }
            let body = match body::collect(req.into_body(), MAX_RESPONSE_BYTES, POST_TIMEOUT).await {
                Ok(body) => body,
                Err(_) => {
                    shared.current.lock().expect("poisoned").take();
                    let _ = shared.events.send(ApiEvent::TooLarge { request_id });
                    return Ok(error_reply(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
                    ));
                }
            };
            shared.current.lock().expect("poisoned").take();
            let event = if *kind == "response" {
                ApiEvent::Response { request_id, body }
            } else {
                ApiEvent::Error { request_id, error_type, body }
            };
            let _ = shared.events.send(event);
            Ok(reply(StatusCode::ACCEPTED, json!({ "status": "OK" })))
        }
        (Method::POST, ["init", "error"]) => {
            let body = match body::collect(req.into_body(), MAX_RESPONSE_BYTES, POST_TIMEOUT).await {
                Ok(body) => body,
                Err(_) => Bytes::from_static(b"{\"errorMessage\":\"init error too large\"}"),
            };
            let _ = shared.events.send(ApiEvent::InitError { error_type, body });
            Ok(reply(StatusCode::ACCEPTED, json!({ "status": "OK" })))
        }
        (method, _) => {
            let _ = shared.events.send(ApiEvent::Garbage(format!("{method} {path}")));
            Ok(error_reply(StatusCode::NOT_FOUND, "InvalidRequest", "unknown Runtime API call"))
        }
    }
}
