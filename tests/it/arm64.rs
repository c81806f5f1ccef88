//! The other architecture's build, run: on an x86_64 machine the arm64
//! `segment` and `keywords` bootstraps (scripts/build --arch all) run under
//! qemu-user through toolbox-local (`scripts/serve --arch`, `toolbox-local
//! invoke`) and must answer a few hundred corpus lines per operation exactly
//! as the native build does, and fail a bad layer with the same typed init
//! errors. Without qemu there is one clear line, never a fallback; REPORT
//! and `routes` say what runs.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{built, describe, foreign_arch, lambda_dir, native_arch, repo_root, run, scratch_dir, target_dir};

/// Corpus lines each operation answers, and how many go in one request.
const LINES: usize = 300;
const BATCH: usize = 50;

fn runner() -> PathBuf {
    built("release/toolbox-local")
}

fn bin_dir(arch: &str) -> PathBuf {
    target_dir().join(lambda_dir(arch))
}

/// `scripts/serve --no-build --arch ARCH` on a free port: the template's
/// functions as that architecture's build, the throttle lifted (the
/// requests come faster than a route's default 10 a second).
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(arch: &str) -> Server {
        let mut child = Command::new(repo_root().join("scripts/serve"))
            .args(["--no-build", "--arch", arch, "--port", "0"])
            .args(["--parameter", "ThrottlingRateLimit=1000000", "--parameter", "ThrottlingBurstLimit=1000000"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start scripts/serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = addr_tx.send(addr.trim().to_string());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("scripts/serve --arch {arch} did not listen: {}", log.lock().unwrap()));
        Server { child, addr, log }
    }

    fn post(&self, path: &str, body: &Value) -> (u16, String) {
        toolbox_test_support::http_post_json(&self.addr, path, &body.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM: the runner stops every instance (qemu processes too).
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `LINES` non-empty lines of `tests/corpus/reviews.txt` from `skip` on.
fn corpus_lines(skip: usize) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("tests/corpus/reviews.txt")).unwrap();
    let lines: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty()).skip(skip).take(LINES).map(str::to_string).collect();
    assert_eq!(lines.len(), LINES, "the review corpus has enough lines");
    lines
}

#[test]
fn the_arm64_build_answers_exactly_as_the_native_one_under_qemu() {
    let native = Server::start(native_arch());
    let foreign = Server::start(foreign_arch());
    let words = json!(["差评", "物流", {"word": "很满意", "freq": 50000, "tag": "a"}, {"word": "不错", "freq": 0}]);
    // (route, what a request adds to its batch of texts, which lines)
    let operations = [
        ("/segment", json!({}), 0),
        ("/segment", json!({"mode": "search", "hmm": false}), 0),
        ("/segment", json!({"mode": "all"}), 0),
        ("/segment", json!({"pos": true, "offsets": true}), LINES),
        ("/keywords", json!({"topK": 10}), 0),
        ("/keywords", json!({"method": "textrank", "topK": 10}), LINES),
        ("/segment", json!({"userWords": words, "pos": true}), 2 * LINES),
        ("/keywords", json!({"userWords": words, "allowPOS": ["a", "n", "v"]}), 2 * LINES),
    ];
    let started = Instant::now();
    for (route, parameters, skip) in &operations {
        for batch in corpus_lines(*skip).chunks(BATCH) {
            let mut request = parameters.clone();
            request["texts"] = json!(batch);
            let expected = native.post(route, &request);
            let answer = foreign.post(route, &request);
            assert_eq!(expected.0, 200, "{route} {parameters}: {}", expected.1);
            let results: Value = serde_json::from_str(&expected.1).unwrap();
            assert_eq!(results["results"].as_array().map(Vec::len), Some(batch.len()), "{route} {parameters}");
            assert!(
                answer == expected,
                "{route} {parameters}: the {} build answered differently from the {} build\n{:?}\n{:?}",
                foreign_arch(),
                native_arch(),
                answer,
                expected
            );
        }
    }
    eprintln!(
        "{} requests on each build in {:.1} s",
        operations.len() * LINES / BATCH,
        started.elapsed().as_secs_f64()
    );
    // What ran: REPORT says the architecture, and that it was emulated.
    let log = foreign.log.lock().unwrap().clone();
    assert!(log.contains(&format!("\"architecture\":\"{}\"", foreign_arch())), "{log}");
    assert!(log.contains("\"emulator\":\"qemu-"), "{log}");
    assert!(!log.contains("warning"), "{log}");
    let log = native.log.lock().unwrap().clone();
    assert!(log.contains(&format!("\"architecture\":\"{}\"", native_arch())) && !log.contains("emulator"), "{log}");
}

/// `toolbox-local invoke FUNCTION` of `arch`'s build on the layer `layer`:
/// exit code, stdout, stderr.
fn invoke(arch: &str, function: &str, layer: &Path, path: Option<&str>) -> (Option<i32>, String, String) {
    let mut command = Command::new(runner());
    command
        .args(["invoke", function, "--template"])
        .arg(repo_root().join("template.yaml"))
        .arg("--bin-dir")
        .arg(bin_dir(arch))
        .arg("--layer-dir")
        .arg(layer)
        .args(["--parameter", &format!("Architecture={arch}"), "--event"])
        .arg(repo_root().join(format!("events/{function}/direct.json")));
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = run(&mut command);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

/// A copy of the layer tree at `to`.
fn copy_layer(to: &Path) {
    let from = crate::built("layer/opt");
    let status = Command::new("cp").arg("-R").arg(&from).arg(to).status().expect("run cp");
    assert!(status.success());
}

#[test]
fn a_bad_layer_is_the_same_typed_init_error_on_both_builds() {
    let dir = scratch_dir("arm64-layers");
    let missing = dir.join("missing");
    std::fs::create_dir_all(&missing).unwrap();
    let other_format = dir.join("other-format");
    copy_layer(&other_format);
    let manifest_path = other_format.join("toolbox/manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["format"] = json!(toolbox_layer::LAYER_FORMAT + 1);
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let corrupt = dir.join("corrupt");
    copy_layer(&corrupt);
    let dict_bin = corrupt.join("toolbox/dict/dict.bin");
    let bytes = std::fs::read(&dict_bin).unwrap();
    std::fs::write(&dict_bin, &bytes[..bytes.len() / 2]).unwrap();

    for (layer, error_type) in
        [(&missing, "Layer.Missing"), (&other_format, "Layer.VersionMismatch"), (&corrupt, "Layer.Corrupt")]
    {
        for function in ["segment", "keywords"] {
            let (code, expected, _) = invoke(native_arch(), function, layer, None);
            let (foreign_code, answer, stderr) = invoke(foreign_arch(), function, layer, None);
            assert_eq!((code, foreign_code), (Some(1), Some(1)), "{function} on {}: {stderr}", layer.display());
            let payload: Value = serde_json::from_str(&expected).unwrap();
            assert_eq!(payload["errorType"], error_type, "{function}: {expected}");
            assert_eq!(answer, expected, "{function} on {}: the init errors differ", layer.display());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_qemu_a_foreign_bootstrap_is_one_clear_error_not_a_fallback() {
    let layer = built("layer/opt");
    let (code, stdout, stderr) = invoke(foreign_arch(), "segment", &layer, Some("/nonexistent"));
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is not installed (Debian package qemu-user-static"), "{stderr}");
    assert!(stderr.contains(&format!("built for {}", foreign_arch())), "{stderr}");
}

#[test]
fn routes_and_report_lines_name_the_architecture() {
    let template = repo_root().join("template.yaml");
    let routes = |arch: &str, parameter: &str| {
        let output = run(Command::new(runner())
            .arg("routes")
            .arg("--template")
            .arg(&template)
            .arg("--bin-dir")
            .arg(bin_dir(arch))
            .args(["--parameter", &format!("Architecture={parameter}")]));
        assert!(output.status.success(), "{}", describe(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let foreign = foreign_arch();
    let listed = routes(foreign, foreign);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("-> segment (SegmentFunction, HttpApi v2, ")
                && l.contains(&format!(", {foreign}, 128 MB"))),
        "{listed}"
    );
    let segment = listed.lines().find(|l| l.starts_with("function segment ")).unwrap();
    assert!(
        segment
            .ends_with(&format!("[{foreign} (qemu-{}-static)]", if foreign == "arm64" { "aarch64" } else { "x86_64" })),
        "{segment}"
    );
    // A build of the other architecture than the template's is named as such.
    let mismatched = routes(foreign, native_arch());
    assert!(mismatched.contains(&format!("built for {foreign}, the template says {}", native_arch())), "{mismatched}");

    // scripts/invoke --arch: the same event end to end, and a text REPORT line.
    let mut invoke = Command::new(repo_root().join("scripts/invoke"));
    invoke.args(["hello", "--arch", foreign, "--parameter", "LogFormat=Text", "--event", "-"]);
    let mut child = invoke.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"{}").unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("hello world"), "{stderr}");
    let report = stderr.lines().find(|l| l.contains("REPORT RequestId:")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(report.contains(&format!("\tArchitecture: {foreign} (qemu-")), "{report}");
}
