//! `toolbox-local`: runs the toolbox's Lambda functions on one machine, the
//! way AWS runs them. See local/README.md and docs/local.md.

mod apigw;
mod body;
mod fds;
mod load;
mod log;
mod peer;
mod pool;
mod process;
mod runtime_api;
mod server;
mod template;
mod util;
mod yaml;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::signal::unix::{signal, SignalKind};

use crate::apigw::MAX_EVENT_BYTES;
use crate::pool::{Outcome, Pool, Settings};
use crate::template::{Context, Payload, Template};

const USAGE: &str = "\
toolbox-local: the toolbox's Lambda functions on 127.0.0.1, no Docker, no AWS

usage:
  toolbox-local serve  [options]                    serve the template's API events over HTTP
  toolbox-local invoke FUNCTION [--event FILE|-] [options]
                                                    run one event, print the function's response
  toolbox-local routes [options]                    list the template's routes and functions
  toolbox-local load URL [--requests N] [--connections C] [--method M] [--body TEXT] [--header 'K: V']
                                                    load generator for benches/runner (prints JSON)

options:
  --template FILE        SAM template (default: template.yaml)
  --host HOST            address to listen on (default: 127.0.0.1)
  --port PORT            port to listen on (default: 3000; 0 picks a free one)
  --bin-dir DIR          where built functions are, <DIR>/<name>/bootstrap or <DIR>/<name>;
                         repeatable (default: target/lambda)
  --layer-dir DIR        the layer tree given as TOOLBOX_LAYER_DIR (default: target/layer/opt)
  --concurrency N        instances per function at most (default: 10; the template's
                         ReservedConcurrentExecutions wins)
  --queue-timeout SECS   how long a request waits for a free instance before 429 (default: 10;
                         0 throttles at once, like Lambda)
  --idle-timeout SECS    stop instances idle this long (default: 300)
  --init-timeout SECS    Lambda's init phase limit (default: 10)
  --header-timeout SECS  a connection's request line and headers must arrive within this,
                         counted from when it is idle (default: 10); past it, it is closed
  --body-timeout SECS    a request's body must arrive within this after its headers
                         (default: 30); past it, 408 and the connection is closed
  --max-connections N    open client connections at most (default: 1024); past it, 503
  --region REGION        AWS_REGION given to functions (default: us-east-1)
  --parameter K=V        a template parameter value (repeatable)
  --quiet                no START/END/REPORT lines and no function output
";

struct Options {
    command: String,
    positional: Vec<String>,
    template: PathBuf,
    host: String,
    port: u16,
    bin_dirs: Vec<PathBuf>,
    layer_dir: PathBuf,
    settings: Settings,
    limits: server::Limits,
    context: Context,
    quiet: bool,
    event: Option<String>,
    load: load::Options,
}

fn parse_args(args: Vec<String>) -> Result<Options, String> {
    let mut it = args.into_iter();
    let command = it.next().ok_or("no command")?;
    let mut o = Options {
        command,
        positional: Vec::new(),
        template: PathBuf::from("template.yaml"),
        host: "127.0.0.1".into(),
        port: 3000,
        bin_dirs: Vec::new(),
        layer_dir: PathBuf::from("target/layer/opt"),
        settings: Settings::default(),
        limits: server::Limits::default(),
        context: Context::default(),
        quiet: false,
        event: None,
        load: load::Options::default(),
    };
    fn secs(v: &str) -> Result<Duration, String> {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or(format!("{v} is not a number of seconds"))
    }
    fn num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
        v.parse().map_err(|_| format!("{v} is not a valid number"))
    }
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--template" | "-t" => o.template = value()?.into(),
            "--host" => o.host = value()?,
            "--port" | "-p" => o.port = num(&value()?)?,
            "--bin-dir" => o.bin_dirs.push(value()?.into()),
            "--layer-dir" => o.layer_dir = value()?.into(),
            "--concurrency" => o.settings.concurrency = num::<usize>(&value()?)?.max(1),
            "--queue-timeout" => o.settings.queue_timeout = secs(&value()?)?,
            "--idle-timeout" => o.settings.idle_timeout = secs(&value()?)?,
            "--init-timeout" => o.settings.init_timeout = secs(&value()?)?,
            "--header-timeout" => o.limits.header_timeout = secs(&value()?)?.max(Duration::from_millis(1)),
            "--body-timeout" => o.limits.body_timeout = secs(&value()?)?,
            "--max-connections" => o.limits.max_connections = num::<usize>(&value()?)?.max(1),
            "--region" => o.context.region = value()?,
            "--parameter" | "--parameter-overrides" => {
                let pair = value()?;
                let (k, v) = pair.split_once('=').ok_or(format!("--parameter takes KEY=VALUE, not {pair}"))?;
                o.context.parameters.insert(k.to_owned(), v.to_owned());
            }
            "--event" | "-e" => o.event = Some(value()?),
            "--quiet" | "-q" => o.quiet = true,
            "--requests" | "-n" => o.load.requests = num(&value()?)?,
            "--connections" | "-c" => o.load.connections = num::<usize>(&value()?)?.max(1),
            "--method" => o.load.method = value()?,
            "--body" => o.load.body = value()?,
            "--header" | "-H" => o.load.headers.push(value()?),
            "--warmup" => o.load.warmup = num(&value()?)?,
            "--help" | "-h" => return Err(String::new()),
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option {f}")),
            _ => o.positional.push(arg),
        }
    }
    if o.bin_dirs.is_empty() {
        o.bin_dirs.push(PathBuf::from("target/lambda"));
    }
    o.settings.bin_dirs = o.bin_dirs.clone();
    o.settings.region = o.context.region.clone();
    o.settings.layer_dir = Some(std::fs::canonicalize(&o.layer_dir).unwrap_or_else(|_| o.layer_dir.clone()));
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("toolbox-local: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    log::set_quiet(options.quiet);
    // One thread for life: PR_SET_PDEATHSIG follows the thread that forked a
    // child, so every child is forked from this one.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("toolbox-local: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        match options.command.as_str() {
            "serve" => serve(options).await,
            "invoke" => invoke(options).await,
            "routes" => routes(options),
            "load" => load::main(&options.positional, &options.load).await,
            other => {
                eprintln!("toolbox-local: unknown command {other}\n\n{USAGE}");
                ExitCode::from(2)
            }
        }
    });
    process::kill_all();
    code
}

fn load_template(options: &Options) -> Result<Template, ExitCode> {
    Template::load(&options.template, &options.context).map_err(|e| {
        eprintln!("toolbox-local: {e}");
        ExitCode::from(2)
    })
}

fn pools(template: &Template, settings: &Settings) -> Vec<Arc<Pool>> {
    let settings = Arc::new(settings.clone());
    template.functions.iter().map(|f| Arc::new(Pool::new(f.clone(), settings.clone()))).collect()
}

fn route_lines(template: &Template, pools: &[Arc<Pool>]) -> Vec<String> {
    let mut lines = Vec::new();
    for route in &template.routes {
        let pool = &pools[route.function];
        let f = &pool.function;
        let kind = match route.payload {
            Payload::V1 => "Api v1",
            Payload::V2 => "HttpApi v2",
        };
        lines.push(format!(
            "{:<7} {:<24} -> {} ({}, {kind}, {} MB, {} s, up to {} instances){}",
            route.method.as_deref().unwrap_or("ANY"),
            route.path,
            f.name,
            f.logical_id,
            f.memory_mb,
            f.timeout_s,
            pool.limit(),
            if pool.bootstrap().is_none() { "  [not built]" } else { "" }
        ));
    }
    lines
}

fn routes(options: Options) -> ExitCode {
    let template = match load_template(&options) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let pools = pools(&template, &options.settings);
    for line in route_lines(&template, &pools) {
        println!("{line}");
    }
    for pool in &pools {
        let f = &pool.function;
        match pool.bootstrap() {
            Some(path) => println!("function {} ({}): {}", f.name, f.logical_id, path.display()),
            None => println!("function {} ({}): not built", f.name, f.logical_id),
        }
    }
    ExitCode::SUCCESS
}

async fn serve(options: Options) -> ExitCode {
    let template = match load_template(&options) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let pools = pools(&template, &options.settings);
    let listener = match tokio::net::TcpListener::bind((options.host.as_str(), options.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("toolbox-local: cannot listen on {}:{}: {e}", options.host, options.port);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("toolbox-local: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !addr.ip().is_loopback() {
        log::line("local", &format!("warning: listening on {}, which is not loopback", addr.ip()));
    }
    if let Some(layer) = &options.settings.layer_dir {
        if !layer.is_dir() {
            log::line("local", &format!("warning: no layer at {} (run scripts/build-layer)", layer.display()));
        }
    }
    for f in &template.functions {
        if !f.runtime.starts_with("provided") {
            log::line(
                &f.name,
                &format!("warning: Runtime {} is not an OS-only runtime; running its bootstrap anyway", f.runtime),
            );
        }
    }
    log::line(
        "local",
        &format!(
            "{}: {} function(s), {} route(s)",
            options.template.display(),
            template.functions.len(),
            template.routes.len()
        ),
    );
    for line in route_lines(&template, &pools) {
        log::line("local", &format!("  {line}"));
    }
    log::line("local", &format!("listening on http://{addr}"));

    let mut limits = options.limits.clone();
    limits.max_connections = fds::fit_connections(limits.max_connections);
    let app = Arc::new(server::App::new(&template, pools.clone(), limits));
    let reaper_pools = pools.clone();
    let reaper = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            for pool in &reaper_pools {
                pool.reap_idle();
            }
        }
    });
    let server = tokio::spawn(server::serve(listener, app));

    let (mut int, mut term, mut hup) =
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup())) {
            (Ok(i), Ok(t), Ok(h)) => (i, t, h),
            _ => {
                eprintln!("toolbox-local: cannot install signal handlers");
                return ExitCode::FAILURE;
            }
        };
    let name = tokio::select! {
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
    };
    server.abort();
    reaper.abort();
    let live = process::live_groups();
    log::line("local", &format!("{name}: stopping {live} instance(s)"));
    for pool in &pools {
        pool.shutdown();
    }
    reap_all().await;
    log::line("local", "stopped");
    ExitCode::SUCCESS
}

/// Kills every instance still running and waits (at most 5 s) until each is
/// reaped: no orphan, no zombie.
async fn reap_all() {
    process::kill_all();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while process::live_groups() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Up to `cap` bytes of `reader`.
fn read_capped(reader: impl Read, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    reader.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

async fn invoke(options: Options) -> ExitCode {
    let Some(name) = options.positional.first() else {
        eprintln!("toolbox-local: invoke needs a function name\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let template = match load_template(&options) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let Some(function) = template.function(name).cloned() else {
        let known: Vec<&str> = template.functions.iter().map(|f| f.name.as_str()).collect();
        eprintln!("toolbox-local: no function {name} in {} (known: {})", options.template.display(), known.join(", "));
        return ExitCode::from(2);
    };
    // One byte more than Lambda accepts is enough to know the event is too
    // large; never more is read into memory.
    let cap = MAX_EVENT_BYTES as u64 + 1;
    let event = match options.event.as_deref() {
        None => Ok(b"{}".to_vec()),
        Some("-") => {
            read_capped(std::io::stdin().lock(), cap).map_err(|e| format!("cannot read the event from stdin: {e}"))
        }
        Some(path) => std::fs::File::open(path)
            .and_then(|file| read_capped(file, cap))
            .map_err(|e| format!("cannot read {path}: {e}")),
    };
    let event = match event {
        Ok(event) => event,
        Err(e) => {
            eprintln!("toolbox-local: {e}");
            return ExitCode::from(2);
        }
    };
    if event.len() > MAX_EVENT_BYTES {
        // What Lambda's Invoke answers (HTTP 413), as `invoke` prints errors.
        let error = serde_json::json!({
            "errorType": "RequestEntityTooLargeException",
            "errorMessage": format!("Request must be smaller than {MAX_EVENT_BYTES} bytes for the InvokeFunction operation"),
        });
        println!("{error}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&event) {
        eprintln!("toolbox-local: the event is not JSON: {e}");
        return ExitCode::from(2);
    }
    let pool = Pool::new(function, Arc::new(options.settings.clone()));
    let timeout_s = pool.function.timeout_s;
    let outcome = pool.invoke(Bytes::from(event)).await;
    pool.shutdown();
    // The instance was killed; reap it before exiting, or it lingers as a
    // zombie wherever nothing adopts and reaps orphans.
    reap_all().await;
    let mut out = std::io::stdout().lock();
    match outcome {
        Outcome::Response(body) => {
            let _ = out.write_all(&body);
            let _ = out.write_all(b"\n");
            ExitCode::SUCCESS
        }
        other => {
            let _ = writeln!(out, "{}", other.error_payload(timeout_s));
            ExitCode::FAILURE
        }
    }
}
