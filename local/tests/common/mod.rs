//! Helpers for toolbox-local's end-to-end tests: build the real functions
//! and the fixtures once, assemble a layer, start the runner on a free
//! 127.0.0.1 port, and talk raw HTTP/1.1 to it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Built {
    pub repo: PathBuf,
    pub bin_dir: PathBuf,
    pub layer_dir: PathBuf,
}

/// The tools: the functions of the repository's template.yaml (the one
/// list) that answer JSON at `/<name>`; not the playground, which serves a
/// page at `/` and the API's document at `/openapi.json` (tested in its crate
/// and by tests/api/run).
pub fn tools() -> Vec<String> {
    let template = template();
    let routed_at_own_name =
        |i: usize, name: &str| template.routes.iter().any(|r| r.function == i && r.path == format!("/{name}"));
    let tools: Vec<String> = (template.functions.iter().enumerate())
        .filter(|(i, f)| routed_at_own_name(*i, &f.name))
        .map(|(_, f)| f.name.clone())
        .collect();
    assert!(tools.len() + 1 >= template.functions.len(), "only the playground is not a /<name> tool: {tools:?}");
    tools
}

fn template() -> toolbox_local::template::Template {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    toolbox_local::template::Template::load(&template, &Default::default())
        .unwrap_or_else(|e| panic!("template.yaml: {e}"))
}

/// Builds every function of template.yaml (the tools and the playground) and the fixtures (same profile and
/// target dir as this test) and assembles the jieba layer.
pub fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repo root").to_path_buf();
        let exe = std::env::current_exe().expect("test exe");
        // target/<profile>/deps/<test> → target/<profile>
        let bin_dir = exe.parent().and_then(Path::parent).expect("profile dir").to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command.current_dir(&repo).args(["build", "--quiet"]);
        for function in template().functions {
            command.args(["-p", &function.name]);
        }
        command.args(["-p", "toolbox-local-fixtures"]);
        if bin_dir.file_name().is_some_and(|n| n == "release") {
            command.arg("--release");
        }
        let status = command.status().expect("run cargo build");
        assert!(status.success(), "building the functions and fixtures failed");

        // scripts/test exports the layer scripts/build-layer just wrote;
        // otherwise assemble one (the same code, from the same dict/).
        let built_layer = std::env::var_os("TOOLBOX_LAYER_DIR")
            .map(PathBuf::from)
            .filter(|dir| dir.join("toolbox").join(toolbox_layer::MANIFEST_FILE).is_file());
        let layer_dir = match built_layer {
            Some(dir) => dir,
            None => {
                let dir =
                    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("local-layer-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                toolbox_layer::assemble(&repo.join("dict"), &dir).expect("assemble the layer");
                dir
            }
        };
        Built { repo, bin_dir, layer_dir }
    })
}

pub struct Runner {
    pub child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Runner {
    /// `toolbox-local serve --template TEMPLATE --port 0 ...extra`.
    pub fn start(template: &Path, extra: &[&str]) -> Runner {
        let built = built();
        let mut child = Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
            .current_dir(&built.repo)
            .arg("serve")
            .arg("--template")
            .arg(template)
            .args(["--port", "0", "--bin-dir"])
            .arg(&built.bin_dir)
            .arg("--layer-dir")
            .arg(&built.layer_dir)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start toolbox-local");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = loop {
            let text = log.lock().unwrap().clone();
            if let Some(rest) = text.split("listening on http://").nth(1) {
                break rest.lines().next().unwrap().trim().parse().expect("address");
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("toolbox-local exited ({status}) before listening:\n{text}");
            }
            assert!(Instant::now() < deadline, "toolbox-local did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        };
        Runner { child, addr, log }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (bounded) until the log contains `needle`.
    pub fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], b"")
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut raw = head.into_bytes();
        raw.extend_from_slice(body);
        self.raw(&raw).unwrap_or_else(|| panic!("no HTTP answer to {method} {path}\n{}", self.log()))
    }

    /// Sends raw bytes, returns the parsed answer (None if the connection
    /// closed without one).
    pub fn raw(&self, bytes: &[u8]) -> Option<Reply> {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let _ = stream.write_all(bytes);
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        Reply::parse(&out)
    }

    /// SIGINT or SIGTERM, then waits (bounded) for the runner to exit.
    pub fn stop(&mut self, signal: i32) -> ExitStatus {
        send_signal(self.child.id() as i32, signal);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "toolbox-local did not stop:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(unused_imports)]
pub use libc::{SIGINT, SIGKILL, SIGTERM};

pub fn send_signal(pid: i32, signal: i32) {
    // SAFETY: kill(2) on a pid this test knows.
    unsafe { libc::kill(pid, signal) };
}

/// Whether a process is alive (a zombie waiting to be reaped counts as dead).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X") | None)
        }
        Err(_) => false,
    }
}

/// Waits (bounded) until `pid` is gone.
pub fn gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Direct children of `pid`, from /proc.
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return out };
    for entry in entries.flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else { continue };
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            out.push(child);
        }
    }
    out
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Option<Reply> {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
            body = dechunk(&body);
        }
        Some(Reply { status, headers, body })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

/// `function`'s REPORT lines in a log: `REPORT RequestId: ...` in the text
/// format, `platform.report` records in the JSON one (`LoggingConfig`).
pub fn report_lines<'a>(log: &'a str, function: &str) -> Vec<&'a str> {
    let prefix = format!("[{function}] ");
    log.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter(|l| l.starts_with("REPORT ") || (l.starts_with('{') && l.contains(r#""type":"platform.report""#)))
        .collect()
}

/// Number of REPORT lines for `function` in a log, and how many had an init duration.
pub fn reports(log: &str, function: &str) -> (usize, usize) {
    let lines = report_lines(log, function);
    (lines.len(), lines.iter().filter(|l| l.contains("Init Duration") || l.contains("initDurationMs")).count())
}

/// Waits (bounded) until `function` has at least `expected` REPORT lines,
/// then returns [`reports`]: the log arrives through a pipe, possibly after
/// the HTTP answer.
pub fn wait_reports(runner: &Runner, function: &str, expected: usize) -> (usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && reports(&runner.log(), function).0 < expected {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A moment for any extra (unexpected) line to show up too.
    std::thread::sleep(Duration::from_millis(100));
    reports(&runner.log(), function)
}
