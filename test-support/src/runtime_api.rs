//! A Runtime API for a test's `bootstrap`: toolbox-local's own
//! (`lambda::runtime_api`), on a thread of its own so a synchronous test can
//! use it, handing out queued events and recording what the function posts.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::oneshot;
use toolbox_local::lambda::runtime_api::{ApiEvent, Invocation, RuntimeApi};

/// The deadline handed out with every event: far away (year 3000), so a
/// test's bootstrap never times itself out.
const DEADLINE_MS: u128 = 32_503_680_000_000;

/// A one-instance Lambda Runtime API on 127.0.0.1: hands out the queued
/// events on `/invocation/next`, one at a time (`request-0`, `request-1`,
/// ...), and records every POST (`/response`, `/error`, `/init/error`) with
/// its body. Once the events are spent, `/next` waits, as a frozen Lambda
/// instance does, until the test ends the process.
pub struct FakeRuntimeApi {
    pub address: String,
    posts: mpsc::Receiver<(String, Value)>,
    /// Dropped with the double: stops its thread and closes the port.
    _stop: oneshot::Sender<()>,
}

impl FakeRuntimeApi {
    pub fn start(events: Vec<Value>) -> FakeRuntimeApi {
        let (address_tx, address_rx) = mpsc::channel();
        let (posts_tx, posts) = mpsc::channel();
        let (stop, stopped) = oneshot::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
            runtime.block_on(async move {
                // Any process: the test may run the bootstrap under another program.
                let api = RuntimeApi::start_for_any_process().await.expect("bind 127.0.0.1");
                let _ = address_tx.send(api.addr.to_string());
                serve(api, events, posts_tx, stopped).await;
            });
        });
        let address = address_rx.recv().expect("the Runtime API thread started");
        FakeRuntimeApi { address, posts, _stop: stop }
    }

    /// The next POST the function made (path, JSON body), waiting up to `seconds`.
    pub fn next_post(&self, seconds: u64) -> Option<(String, Value)> {
        self.posts.recv_timeout(Duration::from_secs(seconds)).ok()
    }

    /// A command for `bootstrap` with the environment Lambda sets, pointed at this API.
    pub fn command(&self, bootstrap: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(bootstrap);
        command
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdin(std::process::Stdio::null());
        command
    }
}

/// The `n`th event as `/next` hands it out.
pub fn invocation(n: usize, event: &Value) -> Invocation {
    Invocation {
        request_id: format!("request-{n}"),
        deadline_ms: DEADLINE_MS,
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:test".into(),
        trace_id: "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
        body: Bytes::from(event.to_string()),
    }
}

/// The Runtime API path a POST was made to.
fn path(request_id: &str, kind: &str) -> String {
    format!("/2018-06-01/runtime/invocation/{request_id}/{kind}")
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn serve(
    mut api: RuntimeApi,
    events: Vec<Value>,
    posts: mpsc::Sender<(String, Value)>,
    mut stopped: oneshot::Receiver<()>,
) {
    // One event waits in the API at a time; each answer releases the next.
    let mut queue = events.iter().enumerate();
    hand_out(&api, &mut queue).await;
    loop {
        let event = tokio::select! {
            _ = &mut stopped => return,
            event = api.events.recv() => event,
        };
        let post = match event {
            None => return,
            Some(ApiEvent::Response { request_id, body }) => (path(&request_id, "response"), json(&body)),
            Some(ApiEvent::Error { request_id, body, .. }) => (path(&request_id, "error"), json(&body)),
            Some(ApiEvent::TooLarge { request_id }) => {
                (path(&request_id, "response"), Value::String("the response was over Lambda's 6 MB limit".into()))
            }
            Some(ApiEvent::InitError { body, .. }) => ("/2018-06-01/runtime/init/error".into(), json(&body)),
            Some(ApiEvent::Next(_) | ApiEvent::Garbage(_)) => continue,
        };
        let answered = post.0.starts_with("/2018-06-01/runtime/invocation/");
        if posts.send(post).is_err() {
            return;
        }
        if answered {
            hand_out(&api, &mut queue).await;
        }
    }
}

async fn hand_out<'a>(api: &RuntimeApi, queue: &mut impl Iterator<Item = (usize, &'a Value)>) {
    if let Some((n, event)) = queue.next() {
        let _ = api.invocations.send(invocation(n, event)).await;
    }
}
