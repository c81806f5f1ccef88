//! What each command does, once its arguments are parsed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use crate::apigw::{jwt, Jwks, MAX_EVENT_BYTES};
use crate::arch::{self, Platform};
use crate::cli::{Command, Invoke, Routes, Serve, Sources, Tools};
use crate::http::{self, fds, App};
use crate::lambda::{find_bootstrap, Outcome, Pool, Settings};
use crate::template::{Function, Payload, Template};
use crate::{function_url, log, metrics, process};

/// Runs a parsed command on one thread, for life: PR_SET_PDEATHSIG follows
/// the thread that forked a child, so every child is forked from this one.
pub fn run(command: Command) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("toolbox-local: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        match command {
            Command::Serve(o) => serve(o).await,
            Command::Invoke(o) => invoke(o).await,
            Command::Routes(o) => routes(o),
            Command::Tools(o) => tools(o),
            Command::Help(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
        }
    });
    process::kill_all();
    code
}

fn load_template(sources: &Sources) -> Result<Template, ExitCode> {
    Template::load(&sources.template, &sources.context).map_err(|e| {
        eprintln!("toolbox-local: {e}");
        ExitCode::from(2)
    })
}

/// Where merged layer views are written: one directory per runner.
fn layer_scratch() -> PathBuf {
    std::env::temp_dir().join(format!("toolbox-local-{}", std::process::id()))
}

/// `settings` with `TOOLBOX_LAYER_DIR` set to the `/opt` the layer dirs make.
fn layer_settings(sources: &Sources, mut settings: Settings) -> Result<Settings, String> {
    settings.layer_dir = toolbox_layer::overlay::opt_dir(&sources.layer_dirs(), &layer_scratch())
        .map_err(|e| format!("cannot merge the layer directories: {e}"))?;
    Ok(settings)
}

fn with_layers(sources: &Sources, settings: Settings) -> Result<Settings, ExitCode> {
    layer_settings(sources, settings).map_err(|e| {
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
            "{:<7} {:<24} -> {} ({}, {kind}, {}, {} MB, {} s, up to {} instances){}",
            route.method.as_deref().unwrap_or("ANY"),
            route.path,
            f.name,
            f.logical_id,
            f.architecture,
            f.memory_mb,
            f.timeout_s,
            pool.limit(),
            if pool.bootstrap().is_none() { "  [not built]" } else { "" }
        ));
        let line = lines.last_mut().expect("just pushed");
        if let Some(throttle) = route.throttle {
            line.push_str(&format!("  [throttled: {}/s, burst {}]", throttle.rate, throttle.burst));
        }
        if let Some(auth) = &route.auth {
            line.push_str(&format!("  [authorizer {}", auth.authorizer.name()));
            if !auth.scopes.is_empty() {
                line.push_str(&format!(", scopes {}", auth.scopes.join(" ")));
            }
            line.push(']');
        }
    }
    for f in &template.functions {
        let Some(url) = &f.url else { continue };
        let path = format!("{}{}/", function_url::PREFIX, f.name);
        let (auth, caveat) = match url.iam_auth {
            true => ("AWS_IAM", "; a SigV4 Authorization header is required, its signature not checked here"),
            false => ("NONE", ""),
        };
        lines.push(format!(
            "URL     {path:<24} -> {} ({}, AuthType {auth}): https://{}/{caveat}",
            f.name,
            f.logical_id,
            function_url::domain(&f.function_name, &url.region)
        ));
    }
    lines
}

fn routes(options: Routes) -> ExitCode {
    let template = match load_template(&options.sources) {
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
            Some(path) => {
                println!("function {} ({}): {} [{}]", f.name, f.logical_id, path.display(), runs_as(f, &path))
            }
            None => println!("function {} ({}): not built", f.name, f.logical_id),
        }
    }
    ExitCode::SUCCESS
}

/// What a built bootstrap runs as here (`arm64 (qemu-aarch64-static)`), and
/// whether that is what the template says, or why it cannot run.
fn runs_as(function: &Function, bootstrap: &Path) -> String {
    let launcher = match arch::launcher(bootstrap) {
        Ok(launcher) => launcher,
        Err(message) => return format!("cannot run: {message}"),
    };
    let platform = Platform::of(function, &launcher).describe();
    match not_as_the_template_says(function, &launcher) {
        Some(mismatch) => format!("{platform}; {mismatch}"),
        None => platform,
    }
}

/// A bootstrap built for another architecture than the template's runs as
/// it is built (Lambda would refuse it): this says so, and how to fix it.
fn not_as_the_template_says(function: &Function, launcher: &arch::Launcher) -> Option<String> {
    let machine = launcher.machine.filter(|m| *m != function.architecture)?;
    let wanted = function.architecture;
    Some(format!("built for {machine}, the template says {wanted} (scripts/build --arch {wanted})"))
}

/// Every built bootstrap of `functions` can start on this machine (a
/// foreign one needs qemu-user), else one line naming what to install and
/// exit 1, before anything is served; one not built for what the template
/// says gets a warning.
fn check_runnable<'a>(functions: impl IntoIterator<Item = &'a Function>, settings: &Settings) -> Result<(), ExitCode> {
    for f in functions {
        let Some(bootstrap) = find_bootstrap(&settings.bin_dirs, &f.name) else { continue };
        match arch::launcher(&bootstrap) {
            Ok(launcher) => {
                if let Some(mismatch) = not_as_the_template_says(f, &launcher) {
                    log::line(&f.name, &format!("warning: {}: {mismatch}", bootstrap.display()));
                }
            }
            Err(message) => {
                eprintln!("toolbox-local: {message}");
                return Err(ExitCode::FAILURE);
            }
        }
    }
    Ok(())
}

fn tools(options: Tools) -> ExitCode {
    let template = match load_template(&options.sources) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let selected: Vec<_> = match &options.logical_id {
        Some(id) => template.functions.iter().filter(|f| &f.logical_id == id).collect(),
        None => template.functions.iter().collect(),
    };
    if let (Some(id), []) = (&options.logical_id, selected.as_slice()) {
        eprintln!("toolbox-local: no function {id} in {}", options.sources.template.display());
        return ExitCode::FAILURE;
    }
    for f in selected {
        match options.architecture {
            true => println!("{}\t{}", f.name, f.architecture),
            false => println!("{}", f.name),
        }
    }
    ExitCode::SUCCESS
}

async fn serve(options: Serve) -> ExitCode {
    log::set_quiet(options.quiet);
    let template = match load_template(&options.sources) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let keys = match &options.jwks {
        Some(path) => match Jwks::load(path) {
            Ok(keys) => Some(Arc::new(keys)),
            Err(e) => {
                eprintln!("toolbox-local: serve: --jwks: {e} (see toolbox-local serve --help)");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let settings = match with_layers(&options.sources, options.settings.clone()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = check_runnable(&template.functions, &settings) {
        return code;
    }
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
    for layer in options.sources.layer_dirs() {
        if !layer.is_dir() {
            log::line("local", &format!("warning: no layer at {} (run scripts/build-layer)", layer.display()));
        }
    }
    let mut limits = options.limits.clone();
    limits.max_connections = fds::fit_connections(limits.max_connections);
    let app = Arc::new(announce(&options, &template, &settings, limits.clone(), keys.clone()));
    log::line("local", &format!("listening on http://{addr}"));
    let (apps_tx, apps) = watch::channel(app);
    let watcher = options.watch.clone().map(|builds| {
        let root = options.sources.template.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let (options, limits) = (options.clone(), limits.clone());
        tokio::spawn(crate::watch::watch(root, builds, move || swap(&options, &limits, &keys, &apps_tx)))
    });

    let reaper_apps = apps.clone();
    let reaper = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let app = reaper_apps.borrow().clone();
            for pool in &app.pools {
                pool.reap_idle();
            }
        }
    });
    let metrics_server = match options.metrics_port {
        Some(port) => match tokio::net::TcpListener::bind((options.host.as_str(), port)).await {
            Ok(metrics_listener) => {
                if let Ok(at) = metrics_listener.local_addr() {
                    log::line("local", &format!("metrics (Prometheus text) on http://{at}/metrics"));
                }
                Some(tokio::spawn(metrics::prometheus::serve(metrics_listener)))
            }
            Err(e) => {
                eprintln!("toolbox-local: cannot listen on {}:{port} (--metrics-port): {e}", options.host);
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let server = tokio::spawn(http::serve(listener, apps.clone()));
    let tables = match signal(SignalKind::user_defined1()) {
        Ok(mut usr1) => tokio::spawn(async move {
            while usr1.recv().await.is_some() {
                print_metrics("SIGUSR1");
            }
        }),
        Err(e) => {
            eprintln!("toolbox-local: cannot install a SIGUSR1 handler: {e}");
            return ExitCode::FAILURE;
        }
    };
    log::line("local", &format!("kill -USR1 {} prints the metrics table", std::process::id()));

    let name = match wait_for_stop_signal().await {
        Ok(name) => name,
        Err(code) => return code,
    };
    server.abort();
    reaper.abort();
    tables.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    print_metrics(name);
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    let live = process::live_groups();
    log::line("local", &format!("{name}: stopping {live} instance(s)"));
    for pool in &apps.borrow().pools {
        pool.shutdown();
    }
    reap_all().await;
    let _ = std::fs::remove_dir_all(layer_scratch());
    log::line("local", "stopped");
    ExitCode::SUCCESS
}

/// The front for `template`: warns about what will not run as on Lambda
/// (or refuses every request: authorizers), logs the routes, and builds a
/// pool per function.
fn announce(
    options: &Serve,
    template: &Template,
    settings: &Settings,
    limits: http::Limits,
    keys: Option<Arc<Jwks>>,
) -> App {
    let pools = pools(template, settings);
    for f in &template.functions {
        if !f.runtime.starts_with("provided") {
            log::line(
                &f.name,
                &format!("warning: Runtime {} is not an OS-only runtime; running its bootstrap anyway", f.runtime),
            );
        }
    }
    for route in template.routes.iter().filter(|r| r.path.starts_with(function_url::PREFIX)) {
        log::line(
            "local",
            &format!("warning: route {} is under {}, where function URLs are served", route.path, function_url::PREFIX),
        );
    }
    log::line(
        "local",
        &format!(
            "{}: {} function(s), {} route(s)",
            options.sources.template.display(),
            template.functions.len(),
            template.routes.len()
        ),
    );
    for line in route_lines(template, &pools) {
        log::line("local", &format!("  {line}"));
    }
    if let (Some(path), Some(keys)) = (&options.jwks, &keys) {
        log::line("local", &format!("JWT keys from {}: kid {}", path.display(), keys.kids().join(", ")));
    }
    for warning in jwt::warnings(&template.routes, keys.as_deref()) {
        log::line("local", &warning);
    }
    App::new(template, pools, limits).with_keys(keys)
}

/// After a rebuild: reads the template again, merges the layers again, and
/// serves them with new pools. The old pools are retired: their idle
/// instances stop now, busy ones after the event they are running, so a
/// request in flight finishes on the old build and the next one cold-starts
/// the new. On an error the old app keeps serving.
fn swap(
    options: &Serve,
    limits: &http::Limits,
    keys: &Option<Arc<Jwks>>,
    apps: &watch::Sender<Arc<App>>,
) -> Result<String, String> {
    let template = Template::load(&options.sources.template, &options.sources.context)
        .map_err(|e| format!("the template does not load: {e}"))?;
    let settings = layer_settings(&options.sources, options.settings.clone())?;
    for warning in jwt::warnings(&template.routes, keys.as_deref()) {
        log::line("local", &warning);
    }
    let app = Arc::new(App::new(&template, pools(&template, &settings), limits.clone()).with_keys(keys.clone()));
    let old = apps.send_replace(app);
    for pool in &old.pools {
        pool.retire();
    }
    Ok(format!(
        "{} function(s), {} route(s); new instances from the next request on",
        template.functions.len(),
        template.routes.len()
    ))
}

/// The metrics table on stderr, one `[metrics]` line a row, after a line
/// naming why (`SIGUSR1`, or the stop signal).
fn print_metrics(why: &str) {
    log::line("metrics", &format!("{why}: the metrics since the server started"));
    for line in metrics::table::render(&metrics::METRICS.snapshot()).lines() {
        log::line("metrics", line);
    }
}

/// The name of the first of SIGINT, SIGTERM or SIGHUP.
async fn wait_for_stop_signal() -> Result<&'static str, ExitCode> {
    let (mut int, mut term, mut hup) =
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup())) {
            (Ok(i), Ok(t), Ok(h)) => (i, t, h),
            _ => {
                eprintln!("toolbox-local: cannot install signal handlers");
                return Err(ExitCode::FAILURE);
            }
        };
    Ok(tokio::select! {
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
    })
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

async fn invoke(options: Invoke) -> ExitCode {
    log::set_quiet(options.quiet);
    let template = match load_template(&options.sources) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let name = &options.function;
    let Some(function) = template.function(name).cloned() else {
        let known: Vec<&str> = template.functions.iter().map(|f| f.name.as_str()).collect();
        eprintln!(
            "toolbox-local: no function {name} in {} (known: {})",
            options.sources.template.display(),
            known.join(", ")
        );
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
    let settings = match with_layers(&options.sources, options.settings.clone()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = check_runnable([&function], &settings) {
        return code;
    }
    let pool = Pool::new(function, Arc::new(settings));
    let timeout_s = pool.function.timeout_s;
    let outcome = pool.invoke(Bytes::from(event), None).await.outcome;
    pool.shutdown();
    // The instance was killed; reap it before exiting, or it lingers as a
    // zombie wherever nothing adopts and reaps orphans.
    reap_all().await;
    let _ = std::fs::remove_dir_all(layer_scratch());
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
