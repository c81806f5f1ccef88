//! `toolbox-load URL`: a small keep-alive HTTP/1.1 load generator for
//! benches/runner. Prints one JSON object: requests/s and latency percentiles.
//! It lives beside the benchmarks, not in the emulator it measures.
//!
//! usage: toolbox-load URL [--requests N] [--connections C] [--warmup N]
//!                         [--method M] [--body TEXT] [--header 'K: V']...

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::json;

#[derive(Clone, Debug)]
struct Options {
    requests: usize,
    connections: usize,
    warmup: usize,
    method: String,
    body: String,
    headers: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            requests: 2000,
            connections: 4,
            warmup: 50,
            method: "GET".into(),
            body: String::new(),
            headers: Vec::new(),
        }
    }
}

struct Target {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Target, String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| format!("bad port in {url}"))?),
        None => (authority.to_owned(), 80),
    };
    Ok(Target { host, port, path: path.to_owned() })
}

/// The URL and options, or a usage error.
fn parse_args(args: impl Iterator<Item = String>) -> Result<(String, Options), String> {
    let mut options = Options::default();
    let mut url = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|_| format!("{v:?} is not a whole number"));
        match arg.as_str() {
            "--requests" | "-n" => options.requests = number(value()?)?,
            "--connections" | "-c" => options.connections = number(value()?)?.max(1),
            "--warmup" => options.warmup = number(value()?)?,
            "--method" => options.method = value()?,
            "--body" => options.body = value()?,
            "--header" | "-H" => options.headers.push(value()?),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    Ok((url.ok_or("needs a URL")?, options))
}

fn main() -> ExitCode {
    let (url, options) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("toolbox-load: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("toolbox-load: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(load(&url, &options))
}

async fn load(url: &str, options: &Options) -> ExitCode {
    let target = match parse_url(url) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            eprintln!("toolbox-load: {e}");
            return ExitCode::from(2);
        }
    };
    // Warm up: start the instances (cold starts are not what is measured).
    if options.warmup > 0 {
        run(target.clone(), options, options.warmup).await;
    }
    let started = Instant::now();
    let (latencies, errors, statuses) = run(target, options, options.requests).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut sorted = latencies.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    };
    let report = json!({
        "url": url,
        "requests": options.requests,
        "connections": options.connections,
        "ok": statuses.iter().filter(|s| (200..300).contains(*s)).count(),
        "errors": errors,
        "non_2xx": statuses.iter().filter(|s| !(200..300).contains(*s)).count(),
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "rps": ((latencies.len() as f64 / elapsed) * 10.0).round() / 10.0,
        "p50_ms": (pct(50.0) * 1000.0).round() / 1000.0,
        "p99_ms": (pct(99.0) * 1000.0).round() / 1000.0,
    });
    println!("{report}");
    ExitCode::SUCCESS
}

/// Sends `total` requests over `connections` keep-alive connections.
/// Returns latencies (ms) of answered requests, the error count and statuses.
async fn run(target: Arc<Target>, options: &Options, total: usize) -> (Vec<f64>, usize, Vec<u16>) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.connections {
        let target = target.clone();
        let next = next.clone();
        let options = options.clone();
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let mut statuses = Vec::new();
            let mut errors = 0usize;
            let mut sender = None;
            while next.fetch_add(1, Ordering::Relaxed) < total {
                if sender.is_none() {
                    sender = connect(&target).await;
                    if sender.is_none() {
                        errors += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                }
                let s: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>> = sender.as_mut().expect("connected");
                let mut builder = Request::builder()
                    .method(options.method.as_str())
                    .uri(target.path.as_str())
                    .header("host", format!("{}:{}", target.host, target.port));
                for h in &options.headers {
                    if let Some((k, v)) = h.split_once(':') {
                        builder = builder.header(k.trim(), v.trim());
                    }
                }
                let Ok(request) = builder.body(Full::new(Bytes::from(options.body.clone()))) else {
                    errors += 1;
                    continue;
                };
                let start = Instant::now();
                let result = async {
                    s.ready().await?;
                    let response = s.send_request(request).await?;
                    let status = response.status().as_u16();
                    response.into_body().collect().await?;
                    Ok::<u16, hyper::Error>(status)
                }
                .await;
                match result {
                    Ok(status) => {
                        latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                        statuses.push(status);
                    }
                    Err(_) => {
                        errors += 1;
                        sender = None;
                    }
                }
            }
            (latencies, errors, statuses)
        });
    }
    let mut all = (Vec::new(), 0, Vec::new());
    while let Some(Ok((l, e, s))) = workers.join_next().await {
        all.0.extend(l);
        all.1 += e;
        all.2.extend(s);
    }
    all
}

async fn connect(target: &Target) -> Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port)).await.ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
    tokio::spawn(connection);
    Some(sender)
}
