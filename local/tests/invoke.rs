//! `toolbox-local invoke`: Lambda's 6 MB request limit, and no zombie left
//! behind. Its own test binary: it makes this process a child subreaper, so
//! that an unreaped bootstrap would show up here as our zombie.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{built, children};
use serde_json::Value;

fn invoke_stdin(function: &str, event: &[u8]) -> Output {
    let b = built();
    let mut child = Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
        .current_dir(&b.repo)
        .args(["invoke", function, "--quiet", "--event", "-", "--bin-dir"])
        .arg(&b.bin_dir)
        .arg("--layer-dir")
        .arg(&b.layer_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A refused event may be closed on before it is all written.
    let _ = input.write_all(event);
    drop(input);
    child.wait_with_output().unwrap()
}

/// `invoke hello --event PATH`.
fn invoke_file(path: &std::path::Path) -> Output {
    let b = built();
    Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
        .current_dir(&b.repo)
        .args(["invoke", "hello", "--quiet", "--bin-dir"])
        .arg(&b.bin_dir)
        .arg("--layer-dir")
        .arg(&b.layer_dir)
        .arg("--event")
        .arg(path)
        .output()
        .unwrap()
}

/// `{"text": "aaa..."}` of exactly `size` bytes.
fn event_of(size: usize) -> Vec<u8> {
    let overhead = br#"{"text": ""}"#.len();
    format!(r#"{{"text": "{}"}}"#, "a".repeat(size - overhead)).into_bytes()
}

/// Makes this process the adopter of its descendants' orphans, so that a
/// bootstrap toolbox-local leaves unreaped becomes our zombie, where we see it.
fn adopt_orphans() {
    // SAFETY: prctl on this process.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) }, 0);
}

fn zombie_children() -> Vec<u32> {
    children(std::process::id())
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| stat.rsplit(')').next().and_then(|r| r.split_whitespace().next()) == Some("Z"))
        })
        .collect()
}

#[test]
fn an_event_over_6_mb_is_refused_like_lambda() {
    let at_limit = invoke_stdin("hello", &event_of(6_291_456));
    let stdout = String::from_utf8_lossy(&at_limit.stdout);
    assert!(at_limit.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&at_limit.stderr));
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");

    let over = invoke_stdin("hello", &event_of(6_291_457));
    assert!(!over.status.success(), "{}", String::from_utf8_lossy(&over.stdout));
    let error: Value = serde_json::from_slice(&over.stdout).unwrap();
    assert_eq!(error["errorType"], "RequestEntityTooLargeException");
    assert_eq!(error["errorMessage"], "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
}

#[test]
fn invoke_reaps_its_bootstrap() {
    adopt_orphans();
    for _ in 0..3 {
        let out = invoke_stdin("hello", b"{}");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // Orphans are handed over when toolbox-local exits; give the kernel a moment.
    std::thread::sleep(Duration::from_millis(300));
    let zombies = zombie_children();
    assert!(zombies.is_empty(), "bootstraps left unreaped by toolbox-local invoke: {zombies:?}");
}

#[test]
fn an_event_from_a_device_or_a_pipe_is_read_no_further_than_the_limit() {
    // An endless device: 6 MB + 1 byte read, then Lambda's refusal.
    let endless = invoke_file(std::path::Path::new("/dev/zero"));
    assert!(!endless.status.success());
    let error: Value = serde_json::from_slice(&endless.stdout).unwrap();
    assert_eq!(error["errorType"], "RequestEntityTooLargeException");
    // A FIFO is read like stdin (as `--event <(...)` gives one): once its
    // writer has written the event.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("invoke-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("event");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, br#"{"queryStringParameters": {"name": "fifo"}}"#).unwrap())
    };
    let piped = invoke_file(&fifo);
    writer.join().unwrap();
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    let answer: Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(answer["statusCode"], 200, "{answer}");
    std::fs::remove_dir_all(&dir).unwrap();
}
