//! `serve --watch` in a scratch copy of the repository: a tool's answer is
//! edited while serving and the new answer comes back without a restart; a
//! broken build prints the compiler's error and keeps the last good build
//! serving; a template change is picked up too.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn target_dir() -> PathBuf {
    // target/<profile>/deps/<test> → target
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn get(addr: &str, path: &str) -> (u16, Value) {
    let (status, body) = toolbox_test_support::http_get(addr, path);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (at most 5 minutes: a build) until the log has `needle` `times` times.
    fn wait_for(&self, needle: &str, times: usize) {
        let deadline = Instant::now() + Duration::from_secs(300);
        while self.log().matches(needle).count() < times {
            assert!(Instant::now() < deadline, "no {needle:?} ×{times} in:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn watch_rebuilds_and_swaps_without_a_restart() {
    let built = common::built();
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let copied = Command::new("sh")
        .arg("-c")
        .arg("tar -C \"$1\" --exclude=./target --exclude=./.venv --exclude=./.git -cf - . | tar -C \"$2\" -xf -")
        .args(["copy", built.repo.to_str().unwrap(), scratch.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(copied.success());
    let made = Command::new(scratch.join("scripts/new-tool")).arg("watched").current_dir(&scratch).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let target = target_dir();
    let build = "cargo build --quiet -p watched";
    let first = Command::new("sh").args(["-c", build]).current_dir(&scratch).env("CARGO_TARGET_DIR", &target).status();
    assert!(first.unwrap().success(), "the first build failed");

    let mut child = Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
        .arg("serve")
        .arg("--template")
        .arg(scratch.join("template.yaml"))
        .args(["--port", "0", "--watch", "--build", build, "--build-layer", "true", "--bin-dir"])
        .arg(target.join("debug"))
        .arg("--layer-dir")
        .arg(&built.layer_dir)
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let server = Server { child, log };
    server.wait_for("watching ", 1);
    let addr = server.log().split("listening on http://").nth(1).unwrap().lines().next().unwrap().trim().to_owned();
    assert_eq!(get(&addr, "/watched?text=a"), (200, json!({"tool": "watched", "text": "a"})));

    // Edit the answer: the next request gets the new build.
    let main = scratch.join("functions/watched/src/main.rs");
    edit(&main, "json!({ \"tool\": \"watched\"", "json!({ \"tool\": \"watched v2\"");
    server.wait_for("[watch] rebuilt: ", 1);
    assert_eq!(get(&addr, "/watched?text=b"), (200, json!({"tool": "watched v2", "text": "b"})), "{}", server.log());

    // A broken build: the compiler's error is printed, the last good build serves on.
    edit(&main, "fn main() -> ExitCode {", "fn main() -> ExitCode { let broken: u8 = \"not a number\";");
    server.wait_for("still serving the last good build", 1);
    assert!(server.log().contains("error[E0308]"), "the compiler's error is shown:\n{}", server.log());
    assert_eq!(get(&addr, "/watched?text=c"), (200, json!({"tool": "watched v2", "text": "c"})));

    // Fixed again, and a template change: both picked up.
    edit(&main, " let broken: u8 = \"not a number\";", "");
    edit(&main, "\"watched v2\"", "\"watched v3\"");
    server.wait_for("[watch] rebuilt: ", 2);
    assert_eq!(get(&addr, "/watched?text=d"), (200, json!({"tool": "watched v3", "text": "d"})));
    edit(&scratch.join("template.yaml"), "Path: /watched, Method: GET", "Path: /renamed, Method: GET");
    server.wait_for("[watch] rebuilt: ", 3);
    assert_eq!(get(&addr, "/renamed?text=e"), (200, json!({"tool": "watched v3", "text": "e"})));
    assert_eq!(get(&addr, "/watched?text=e").0, 404);
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn a_request_in_flight_finishes_on_the_old_instance_which_then_stops() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("watch-inflight-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("template.yaml");
    // The fixtures, with time for an event to be in flight across a swap.
    let fixtures = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures.yaml")).unwrap();
    assert!(fixtures.contains("\n    Timeout: 1\n"));
    std::fs::write(&template, fixtures.replacen("\n    Timeout: 1\n", "\n    Timeout: 30\n", 1)).unwrap();
    let runner = common::Runner::start(&template, &["--watch", "--build", "true", "--build-layer", "true"]);
    assert!(runner.wait_for_log("[watch] watching "), "{}", runner.log());
    let pid = |reply: &common::Reply| reply.json()["pid"].as_u64().unwrap() as u32;
    let old = pid(&runner.get("/sleepy?ms=0"));

    let slow = std::thread::scope(|s| {
        let slow = s.spawn(|| runner.get("/sleepy?ms=2500"));
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(&template, std::fs::read_to_string(&template).unwrap() + "\n# touched\n").unwrap();
        assert!(runner.wait_for_log("[watch] rebuilt: "), "{}", runner.log());
        slow.join().unwrap()
    });
    assert_eq!((slow.status, pid(&slow)), (200, old), "the request in flight finished on the old instance");
    assert!(common::gone(old), "the old instance stops after its event");
    let new = pid(&runner.get("/sleepy?ms=0"));
    assert_ne!(new, old);
    let _ = std::fs::remove_dir_all(&dir);
}
