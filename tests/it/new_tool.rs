//! `scripts/new-tool` in a scratch copy of the repository: the tools it
//! makes build, pass their own tests, pass cfn-lint, are listed by the
//! template, and answer 200 through `toolbox-local serve`, with no other edit.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{built, describe, repo_root, run, scratch_dir, target_dir, venv_tool};

/// The repository's working tree, without target/, .venv/ or .git, at `to`.
fn copy_repository(to: &Path) {
    let status = Command::new("sh")
        .arg("-c")
        .arg("tar -C \"$1\" --exclude=./target --exclude=./.venv --exclude=./.git -cf - . | tar -C \"$2\" -xf -")
        .args(["copy", repo_root().to_str().unwrap(), to.to_str().unwrap()])
        .status()
        .expect("run tar");
    assert!(status.success(), "copying the repository failed");
}

fn new_tool(repo: &Path, args: &[&str]) -> std::process::Output {
    run(Command::new(repo.join("scripts/new-tool")).args(args).current_dir(repo))
}

/// GET `path` on `addr`; the status and the JSON body.
fn get(addr: &str, path: &str) -> (u16, Value) {
    let (status, body) = toolbox_test_support::http_get(addr, path);
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {status} {body}")))
}

#[test]
fn new_tool_refuses_bad_and_taken_names_clearly() {
    let repo = repo_root();
    for (name, expected) in [
        ("Word", "is not a valid tool name"),
        ("word_count", "is not a valid tool name"),
        ("a-1", "is not a valid tool name"),
        ("fn", "Rust keyword"),
        ("hello", "functions/hello already exists"),
        ("toolbox-local", "already the name of a package or binary"),
        ("echo", "already the name of a binary"),
    ] {
        let output = new_tool(&repo, &[name]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected) && stderr.lines().count() == 1, "{name}: {stderr}");
    }
    assert!(!repo.join("functions/Word").exists() && !repo.join("events/word_count").exists());
}

#[test]
fn a_new_tool_builds_tests_lints_and_serves_with_no_other_edit() {
    let dir = scratch_dir("new-tool");
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    copy_repository(&repo);
    for args in [&["word-count"][..], &["layer-words", "--uses-layer"]] {
        let output = new_tool(&repo, args);
        assert!(output.status.success(), "new-tool {args:?}: {}", describe(&output));
    }
    let output = new_tool(&repo, &["word-count"]);
    assert!(!output.status.success(), "a second word-count: {}", describe(&output));

    // The template lists them (the one list of tools) and still lints.
    let template = repo.join("template.yaml");
    let context = Default::default();
    let names: Vec<String> = toolbox_local::template::Template::load(&template, &context)
        .unwrap()
        .functions
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(names.contains(&"word-count".to_string()) && names.contains(&"layer-words".to_string()), "{names:?}");
    // With the default parameters and with every option on (their alarms,
    // URLs and outputs are generated too).
    let all_options = crate::template::options().pop().unwrap();
    for parameters in [serde_json::json!({}), all_options] {
        let lint = crate::template::cfn_lint(&template, &parameters, &dir);
        let findings = crate::template::unexpected_findings(&lint);
        assert!(findings.is_empty(), "cfn-lint with {parameters}: {}", describe(&lint));
    }

    // Their routes are in the API's contract, which still validates.
    let missing = crate::openapi::missing_routes_in(&repo);
    assert!(missing.is_empty(), "openapi.yaml lacks the new routes {missing:?}");
    let valid = run(Command::new(venv_tool("openapi", "openapi-spec-validator")).arg(repo.join("openapi.yaml")));
    assert!(valid.status.success(), "openapi-spec-validator: {}", describe(&valid));

    // Their own tests pass, they build, and scripts/test's fmt and clippy
    // checks pass (same target dir: only new code compiles).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let fmt =
        run(Command::new(&cargo).args(["fmt", "--check", "-p", "word-count", "-p", "layer-words"]).current_dir(&repo));
    assert!(fmt.status.success(), "cargo fmt --check: {}", describe(&fmt));
    let clippy = run(Command::new(&cargo)
        .args(["clippy", "--quiet", "-p", "word-count", "-p", "layer-words", "--all-targets", "--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(&repo));
    assert!(clippy.status.success(), "cargo clippy: {}", describe(&clippy));
    let tested = run(Command::new(&cargo)
        .args(["test", "--quiet", "-p", "word-count", "-p", "layer-words"])
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(&repo));
    assert!(tested.status.success(), "cargo test: {}", describe(&tested));
    let build = run(Command::new(&cargo)
        .args(["build", "--quiet", "-p", "word-count", "-p", "layer-words"])
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(&repo));
    assert!(build.status.success(), "cargo build: {}", describe(&build));
    let bin_dir: PathBuf = target_dir().join("debug");
    for tool in ["word-count", "layer-words"] {
        assert!(bin_dir.join(tool).is_file(), "{tool} was not built");
    }

    // Served next to the others by the runner, from the scratch template.
    let mut runner = Command::new(built("release/toolbox-local"))
        .arg("serve")
        .arg("--template")
        .arg(&template)
        .args(["--port", "0", "--quiet", "--bin-dir"])
        .arg(&bin_dir)
        .arg("--bin-dir")
        .arg(built("lambda"))
        .arg("--layer-dir")
        .arg(built("layer/opt"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start toolbox-local");
    let mut lines = BufReader::new(runner.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let line = lines.next().expect("toolbox-local exited before listening").unwrap();
        if let Some(addr) = line.split("listening on http://").nth(1) {
            break addr.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "toolbox-local did not start");
    };
    let text = "%E6%88%91%E6%9D%A5%E5%88%B0%E5%8C%97%E4%BA%AC%E6%B8%85%E5%8D%8E%E5%A4%A7%E5%AD%A6";
    let answers =
        [get(&addr, "/word-count?text=hi"), get(&addr, &format!("/layer-words?text={text}")), get(&addr, "/hello")];
    let _ = runner.kill();
    let _ = runner.wait();
    assert_eq!(answers[0], (200, json!({"tool": "word-count", "text": "hi"})));
    assert_eq!(answers[1], (200, json!({"tool": "layer-words", "words": ["我", "来到", "北京", "清华大学"]})));
    assert_eq!(answers[2], (200, json!({"message": "hello world"})));
    std::fs::remove_dir_all(&dir).unwrap();
}
