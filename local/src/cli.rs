//! The command line: parses arguments into a [`Command`] (every bad value a
//! usage error: one line, exit 2, never a panic), prints `--help`, and runs
//! the command (see `commands`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::commands;
use crate::http::Limits;
use crate::lambda::Settings;
use crate::template::Context;
use crate::watch::Builds;

const MAIN_HELP: &str = "\
toolbox-local: the toolbox's Lambda functions on 127.0.0.1, no Docker, no AWS

usage: toolbox-local COMMAND [options]

commands:
  serve                serve the template's API events over HTTP
  invoke FUNCTION      run one event through one function, print its response
  routes               list the template's routes and functions
  tools                list the template's functions (tools), one name a line

`toolbox-local COMMAND --help` lists a command's options.
";

const SERVE_HELP: &str = "\
usage: toolbox-local serve [options]

Serves the template's HttpApi/Api events on HTTP with Lambda's semantics.

options:
  --template FILE        SAM template (default: template.yaml)
  --host HOST            address to listen on (default: 127.0.0.1)
  --port PORT            port to listen on (default: 3000; 0 picks a free one)
  --bin-dir DIR          where built functions are, DIR/<name>/bootstrap or DIR/<name>;
                         repeatable (default: target/lambda)
  --layer-dir DIR        a layer tree (what Lambda unpacks under /opt); repeatable: the
                         directories are merged in order, a later one winning on the same
                         path, and given to functions as TOOLBOX_LAYER_DIR
                         (default: target/layer/opt)
  --concurrency N        instances per function at most, 1 to 1000 (default: 10; the
                         template's ReservedConcurrentExecutions wins)
  --queue-timeout SECS   how long a request waits for a free instance before 429
                         (default: 10; 0 throttles at once, like Lambda)
  --idle-timeout SECS    stop instances idle this long (default: 300)
  --init-timeout SECS    Lambda's init phase limit (default: 10)
  --header-timeout SECS  a connection's request line and headers must arrive within this,
                         counted from when it is idle (default: 10); past it, it is closed
  --body-timeout SECS    a request's body must arrive within this after its headers
                         (default: 30); past it, 408 and the connection is closed
  --max-connections N    open client connections at most (default: 1024); past it, 503
  --region REGION        AWS_REGION given to functions (default: us-east-1)
  --parameter K=V        a template parameter value (repeatable)
  --jwks FILE            the JWT issuer's keys: a JWKS document ({\"keys\": [...]}, what its
                         jwks_uri serves); HttpApi routes with a JWT authorizer check
                         tokens against them (without it, those routes answer 401)
  --watch                rebuild on a change under the template's directory and swap in
                         new instances without restarting (requests in flight finish on
                         the old ones; a failed build keeps the last good one serving)
  --build CMD            with --watch: rebuilds the functions (default: scripts/build)
  --build-layer CMD      with --watch: rebuilds the layer, run after --build when dict/ or
                         layer/ changed (default: scripts/build-layer)
  --metrics-port PORT    also serve the metrics as Prometheus text on HOST:PORT/metrics
                         (0 picks a free one; default: none)
  --quiet                no START/END/REPORT lines and no function output
  -h, --help             this help
A SECS value is a number of seconds, 0 to 31536000 (a year).

Metrics: each route's requests, statuses, cold starts and p50/p99 latency,
and the sums of the functions' EMF records, print as a table on stderr when
the server stops and whenever it gets SIGUSR1 (kill -USR1 PID). A malformed
EMF record is a warning naming the function. See docs/observability.md.
";

const INVOKE_HELP: &str = "\
usage: toolbox-local invoke FUNCTION [options]

Runs one event through FUNCTION, like `sam local invoke`: the response on
stdout; logs and the REPORT line on stderr. Exits 1 if the invocation failed.

options:
  --event FILE|-         the event (JSON; - reads stdin; default: {})
  --template FILE        SAM template (default: template.yaml)
  --bin-dir DIR          where built functions are (repeatable; default: target/lambda)
  --layer-dir DIR        a layer tree (repeatable, merged in order; default: target/layer/opt)
  --init-timeout SECS    Lambda's init phase limit (default: 10)
  --region REGION        AWS_REGION given to the function (default: us-east-1)
  --parameter K=V        a template parameter value (repeatable)
  --quiet                no START/END/REPORT lines and no function output
  -h, --help             this help
";

const ROUTES_HELP: &str = "\
usage: toolbox-local routes [options]

Lists the template's routes (method, path, function, payload, limits) and
where each function's bootstrap is, or that it is not built.

options:
  --template FILE        SAM template (default: template.yaml)
  --bin-dir DIR          where built functions are (repeatable; default: target/lambda)
  --concurrency N        instances per function at most, 1 to 1000 (default: 10)
  --region REGION        the region intrinsics see (default: us-east-1)
  --parameter K=V        a template parameter value (repeatable)
  -h, --help             this help
";

const TOOLS_HELP: &str = "\
usage: toolbox-local tools [options]

Prints the template's functions, one name a line: the tools, each built from
functions/<name>/ into target/lambda/<name>/bootstrap. scripts/build, the SAM
makefile build and the tests read this list.

options:
  --template FILE        SAM template (default: template.yaml)
  --logical-id ID        print only the name of the function with this logical id
                         (exit 1 if there is none)
  --architecture         after each name a tab and its architecture (x86_64, arm64)
  --region REGION        the region intrinsics see (default: us-east-1)
  --parameter K=V        a template parameter value (repeatable)
  -h, --help             this help
";

/// Most seconds a timeout may be: a year. Larger values would overflow the
/// clock arithmetic; no real limit is near it.
const MAX_SECONDS: f64 = 31_536_000.0;

/// Most instances per function: Lambda's default account concurrency.
const MAX_CONCURRENCY: usize = 1000;

/// Most client connections (the file-descriptor limit lowers it further).
const MAX_CONNECTIONS: usize = 1 << 20;

/// Where a command finds the template and the built functions and layers.
#[derive(Clone, Debug)]
pub struct Sources {
    pub template: PathBuf,
    pub context: Context,
    pub bin_dirs: Vec<PathBuf>,
    pub layer_dirs: Vec<PathBuf>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            template: PathBuf::from("template.yaml"),
            context: Context::default(),
            bin_dirs: Vec::new(),
            layer_dirs: Vec::new(),
        }
    }
}

impl Sources {
    /// The bin dirs, or the default one.
    pub fn bin_dirs(&self) -> Vec<PathBuf> {
        if self.bin_dirs.is_empty() {
            vec![PathBuf::from("target/lambda")]
        } else {
            self.bin_dirs.clone()
        }
    }

    /// The layer dirs, or the default one.
    pub fn layer_dirs(&self) -> Vec<PathBuf> {
        if self.layer_dirs.is_empty() {
            vec![PathBuf::from("target/layer/opt")]
        } else {
            self.layer_dirs.clone()
        }
    }
}

#[derive(Clone, Debug)]
pub struct Serve {
    pub sources: Sources,
    pub host: String,
    pub port: u16,
    pub settings: Settings,
    pub limits: Limits,
    /// `--jwks`: the JWT authorizers' keys (read and checked at startup).
    pub jwks: Option<PathBuf>,
    /// `--watch`: the builds to run on a change.
    pub watch: Option<Builds>,
    /// `--metrics-port`: where to serve the metrics as Prometheus text.
    pub metrics_port: Option<u16>,
    pub quiet: bool,
}

#[derive(Clone, Debug)]
pub struct Invoke {
    pub sources: Sources,
    pub function: String,
    pub event: Option<String>,
    pub settings: Settings,
    pub quiet: bool,
}

#[derive(Clone, Debug)]
pub struct Routes {
    pub sources: Sources,
    pub settings: Settings,
}

#[derive(Clone, Debug)]
pub struct Tools {
    pub sources: Sources,
    pub logical_id: Option<String>,
    /// `--architecture`: each name followed by a tab and its architecture.
    pub architecture: bool,
}

#[derive(Clone, Debug)]
pub enum Command {
    Serve(Serve),
    Invoke(Invoke),
    Routes(Routes),
    Tools(Tools),
    /// `--help` somewhere: print this text, exit 0.
    Help(&'static str),
}

/// Parses `toolbox-local`'s arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut parser = lexopt::Parser::from_args(args);
    let command = match next(&mut parser)? {
        None => return Err("no command given (serve, invoke, routes or tools)".into()),
        Some(Opt::Flag(flag)) if flag == "-h" || flag == "--help" => return Ok(Command::Help(MAIN_HELP)),
        Some(Opt::Value(name)) => name.to_string_lossy().into_owned(),
        Some(other) => return Err(unexpected(other)),
    };
    let parsed = match command.as_str() {
        "serve" => parse_serve(&mut parser),
        "invoke" => parse_invoke(&mut parser),
        "routes" => parse_routes(&mut parser),
        "tools" => parse_tools(&mut parser),
        other => return Err(format!("unknown command {other:?} (serve, invoke, routes or tools)")),
    };
    parsed.map_err(|e| format!("{command}: {e} (see toolbox-local {command} --help)"))
}

/// Why parsing one command failed.
type Parsed = Result<Command, String>;

fn err(e: lexopt::Error) -> String {
    e.to_string()
}

/// One argument, owned, so the parser can be asked for its value.
enum Opt {
    /// `--long` or `-s`, spelled so.
    Flag(String),
    Value(OsString),
}

fn next(parser: &mut lexopt::Parser) -> Result<Option<Opt>, String> {
    Ok(match parser.next().map_err(err)? {
        None => None,
        Some(lexopt::Arg::Short(c)) => Some(Opt::Flag(format!("-{c}"))),
        Some(lexopt::Arg::Long(name)) => Some(Opt::Flag(format!("--{name}"))),
        Some(lexopt::Arg::Value(v)) => Some(Opt::Value(v)),
    })
}

fn unexpected(opt: Opt) -> String {
    match opt {
        Opt::Flag(flag) => format!("invalid option '{flag}'"),
        Opt::Value(v) => format!("unexpected argument {:?}", v.to_string_lossy()),
    }
}

/// A `--flag` value, as a string.
fn text(parser: &mut lexopt::Parser) -> Result<String, String> {
    parser.value().map_err(err)?.into_string().map_err(|v| format!("{v:?} is not UTF-8"))
}

/// Seconds: a finite number from 0 to a year.
fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    let secs: f64 = value.trim().parse().map_err(|_| format!("{flag}: {value:?} is not a number of seconds"))?;
    if !secs.is_finite() || !(0.0..=MAX_SECONDS).contains(&secs) {
        return Err(format!("{flag}: {value} is out of range (0 to {MAX_SECONDS} seconds)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A whole number from `min` to `max`.
fn count(flag: &str, value: &str, min: usize, max: usize) -> Result<usize, String> {
    let n: u128 = value.trim().parse().map_err(|_| format!("{flag}: {value:?} is not a whole number"))?;
    if n < min as u128 || n > max as u128 {
        return Err(format!("{flag}: {value} is out of range ({min} to {max})"));
    }
    Ok(n as usize)
}

/// The options every command reading the template shares; `false` if `arg`
/// is not one of them.
fn source_option(arg: &Opt, parser: &mut lexopt::Parser, sources: &mut Sources) -> Result<bool, String> {
    let Opt::Flag(flag) = arg else { return Ok(false) };
    match flag.as_str() {
        "-t" | "--template" => sources.template = text(parser)?.into(),
        "--region" => sources.context.region = text(parser)?,
        "--parameter" | "--parameter-overrides" => {
            let pair = text(parser)?;
            let (k, v) = pair.split_once('=').ok_or(format!("--parameter takes KEY=VALUE, not {pair:?}"))?;
            sources.context.parameters.insert(k.to_owned(), v.to_owned());
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The next flag that is not one of the options every command reading the
/// template shares (nor, with `dirs`, a directory option), or `None` at the
/// end; a bare value is an error.
fn next_flag(parser: &mut lexopt::Parser, sources: &mut Sources, dirs: bool) -> Result<Option<String>, String> {
    while let Some(arg) = next(parser)? {
        if source_option(&arg, parser, sources)? || (dirs && dir_option(&arg, parser, sources)?) {
            continue;
        }
        return match arg {
            Opt::Flag(flag) => Ok(Some(flag)),
            other => Err(unexpected(other)),
        };
    }
    Ok(None)
}

fn dir_option(arg: &Opt, parser: &mut lexopt::Parser, sources: &mut Sources) -> Result<bool, String> {
    let Opt::Flag(flag) = arg else { return Ok(false) };
    match flag.as_str() {
        "--bin-dir" => sources.bin_dirs.push(parser.value().map_err(err)?.into()),
        "--layer-dir" => sources.layer_dirs.push(parser.value().map_err(err)?.into()),
        _ => return Ok(false),
    }
    Ok(true)
}

fn settings_for(sources: &Sources, settings: Settings) -> Settings {
    Settings { bin_dirs: sources.bin_dirs(), region: sources.context.region.clone(), ..settings }
}

fn parse_serve(parser: &mut lexopt::Parser) -> Parsed {
    let mut o = Serve {
        sources: Sources::default(),
        host: "127.0.0.1".into(),
        port: 3000,
        settings: Settings::default(),
        limits: Limits::default(),
        jwks: None,
        watch: None,
        metrics_port: None,
        quiet: false,
    };
    let (mut watch, mut build, mut build_layer) = (false, None, None);
    while let Some(flag) = next_flag(parser, &mut o.sources, true)? {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help(SERVE_HELP)),
            "--host" => o.host = text(parser)?,
            "-p" | "--port" => {
                o.port = count("--port", &text(parser)?, 0, u16::MAX as usize)? as u16;
            }
            "--concurrency" => o.settings.concurrency = count("--concurrency", &text(parser)?, 1, MAX_CONCURRENCY)?,
            "--queue-timeout" => o.settings.queue_timeout = seconds("--queue-timeout", &text(parser)?)?,
            "--idle-timeout" => o.settings.idle_timeout = seconds("--idle-timeout", &text(parser)?)?,
            "--init-timeout" => o.settings.init_timeout = seconds("--init-timeout", &text(parser)?)?,
            "--header-timeout" => {
                // hyper needs a positive timeout; 0 would close every connection at once.
                o.limits.header_timeout = seconds("--header-timeout", &text(parser)?)?.max(Duration::from_millis(1))
            }
            "--body-timeout" => o.limits.body_timeout = seconds("--body-timeout", &text(parser)?)?,
            "--max-connections" => {
                o.limits.max_connections = count("--max-connections", &text(parser)?, 1, MAX_CONNECTIONS)?
            }
            "--jwks" => o.jwks = Some(parser.value().map_err(err)?.into()),
            "--watch" => watch = true,
            "--build" => build = Some(text(parser)?),
            "--build-layer" => build_layer = Some(text(parser)?),
            "--metrics-port" => {
                o.metrics_port = Some(count("--metrics-port", &text(parser)?, 0, u16::MAX as usize)? as u16)
            }
            "-q" | "--quiet" => o.quiet = true,
            _ => return Err(unexpected(Opt::Flag(flag))),
        }
    }
    if !watch && (build.is_some() || build_layer.is_some()) {
        return Err("--build and --build-layer need --watch".into());
    }
    if watch {
        o.watch = Some(Builds {
            functions: build.unwrap_or_else(|| "scripts/build".into()),
            layer: Some(build_layer.unwrap_or_else(|| "scripts/build-layer".into())),
            layer_sources: vec!["dict".into(), "layer".into()],
        });
    }
    o.settings = settings_for(&o.sources, o.settings);
    Ok(Command::Serve(o))
}

fn parse_invoke(parser: &mut lexopt::Parser) -> Parsed {
    let mut sources = Sources::default();
    let mut settings = Settings::default();
    let (mut function, mut event, mut quiet) = (None, None, false);
    while let Some(arg) = next(parser)? {
        if source_option(&arg, parser, &mut sources)? || dir_option(&arg, parser, &mut sources)? {
            continue;
        }
        let flag = match arg {
            Opt::Flag(flag) => flag,
            Opt::Value(name) if function.is_none() => {
                function = Some(name.into_string().map_err(|v| format!("{v:?} is not UTF-8"))?);
                continue;
            }
            other => return Err(unexpected(other)),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help(INVOKE_HELP)),
            "-e" | "--event" => event = Some(text(parser)?),
            "--init-timeout" => settings.init_timeout = seconds("--init-timeout", &text(parser)?)?,
            "-q" | "--quiet" => quiet = true,
            _ => return Err(unexpected(Opt::Flag(flag))),
        }
    }
    let function = function.ok_or("needs a FUNCTION name")?;
    let settings = settings_for(&sources, settings);
    Ok(Command::Invoke(Invoke { sources, function, event, settings, quiet }))
}

fn parse_routes(parser: &mut lexopt::Parser) -> Parsed {
    let mut sources = Sources::default();
    let mut settings = Settings::default();
    while let Some(flag) = next_flag(parser, &mut sources, false)? {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help(ROUTES_HELP)),
            "--bin-dir" => sources.bin_dirs.push(parser.value().map_err(err)?.into()),
            "--concurrency" => settings.concurrency = count("--concurrency", &text(parser)?, 1, MAX_CONCURRENCY)?,
            _ => return Err(unexpected(Opt::Flag(flag))),
        }
    }
    let settings = settings_for(&sources, settings);
    Ok(Command::Routes(Routes { sources, settings }))
}

fn parse_tools(parser: &mut lexopt::Parser) -> Parsed {
    let mut sources = Sources::default();
    let mut logical_id = None;
    let mut architecture = false;
    while let Some(flag) = next_flag(parser, &mut sources, false)? {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help(TOOLS_HELP)),
            "--logical-id" => logical_id = Some(text(parser)?),
            "--architecture" => architecture = true,
            _ => return Err(unexpected(Opt::Flag(flag))),
        }
    }
    Ok(Command::Tools(Tools { sources, logical_id, architecture }))
}

/// The program: parse, then run on one thread.
pub fn main() -> ExitCode {
    let command = match parse(std::env::args_os().skip(1)) {
        Ok(Command::Help(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Ok(command) => command,
        Err(e) => {
            eprintln!("toolbox-local: {e}");
            return ExitCode::from(2);
        }
    };
    commands::run(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn help_everywhere() {
        for args in [
            &["--help"][..],
            &["-h"],
            &["serve", "--help"],
            &["invoke", "-h"],
            &["routes", "--help"],
            &["tools", "--help"],
        ] {
            assert!(matches!(parse_str(args), Ok(Command::Help(_))), "{args:?}");
        }
        // --help wins even after a value that would be an error without it.
        assert!(matches!(parse_str(&["serve", "--port", "80", "--help"]), Ok(Command::Help(SERVE_HELP))));
    }

    #[test]
    fn bad_values_are_usage_errors_not_panics() {
        let cases: &[(&[&str], &str)] = &[
            (&["serve", "--queue-timeout", "1e30"], "--queue-timeout: 1e30 is out of range"),
            (&["serve", "--idle-timeout", "1e20"], "out of range"),
            (&["serve", "--init-timeout", "1e19"], "out of range"),
            (&["serve", "--body-timeout", "-1"], "out of range"),
            (&["serve", "--header-timeout", "NaN"], "out of range"),
            (&["serve", "--queue-timeout", "soon"], "not a number of seconds"),
            (
                &["serve", "--concurrency", "18446744073709551615"],
                "--concurrency: 18446744073709551615 is out of range (1 to 1000)",
            ),
            (&["serve", "--concurrency", "99999999999999999999999999999999999999999"], "not a whole number"),
            (&["serve", "--concurrency", "0"], "out of range (1 to 1000)"),
            (&["serve", "--max-connections", "0"], "out of range"),
            (&["serve", "--port", "65536"], "out of range"),
            (&["serve", "--port"], "missing argument"),
            (&["serve", "--parameter", "novalue"], "KEY=VALUE"),
            (&["serve", "--jwks"], "missing argument"),
            (&["serve", "extra"], "unexpected argument"),
            (&["serve", "--build", "make"], "need --watch"),
            (&["routes", "--requests", "5"], "invalid option '--requests'"),
            (&["routes", "--layer-dir", "x"], "invalid option '--layer-dir'"),
            (&["tools", "--concurrency", "2"], "invalid option"),
            (&["invoke"], "needs a FUNCTION"),
            (&["invoke", "hello", "segment"], "unexpected argument"),
            (&["load", "http://x"], "unknown command"),
            (&[], "no command"),
        ];
        for (args, expected) in cases {
            match parse_str(args) {
                Err(e) => {
                    assert!(e.contains(expected), "{args:?}: {e:?} lacks {expected:?}");
                    assert!(!e.contains('\n'), "{args:?}: one line, got {e:?}");
                }
                Ok(c) => panic!("{args:?} parsed as {c:?}"),
            }
        }
    }

    #[test]
    fn values_land_where_they_belong() {
        let Ok(Command::Serve(s)) = parse_str(&[
            "serve",
            "--port=0",
            "--concurrency",
            "4",
            "--queue-timeout",
            "0.5",
            "--layer-dir",
            "a",
            "--layer-dir=b",
            "--bin-dir",
            "bins",
            "--parameter",
            "K=V=W",
            "--region",
            "eu-west-1",
            "--jwks",
            "keys.json",
            "--quiet",
        ]) else {
            panic!("serve did not parse")
        };
        assert_eq!((s.port, s.settings.concurrency, s.quiet), (0, 4, true));
        assert_eq!(s.settings.queue_timeout, Duration::from_millis(500));
        assert_eq!(s.sources.layer_dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(s.settings.bin_dirs, [PathBuf::from("bins")]);
        assert_eq!(s.settings.region, "eu-west-1");
        assert_eq!(s.sources.context.parameters["K"], "V=W");
        assert_eq!(s.jwks, Some(PathBuf::from("keys.json")));
        let Ok(Command::Invoke(i)) = parse_str(&["invoke", "segment", "--event", "-"]) else { panic!() };
        assert_eq!((i.function.as_str(), i.event.as_deref()), ("segment", Some("-")));
        assert_eq!(i.settings.bin_dirs, [PathBuf::from("target/lambda")]);
        assert_eq!(i.sources.layer_dirs(), [PathBuf::from("target/layer/opt")]);
    }
}
