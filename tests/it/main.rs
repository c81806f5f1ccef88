//! Workspace integration tests: one binary, one module per concern.
//!
//! Run them with `scripts/test` (it builds the bootstraps and the layer they
//! inspect, and exports `TOOLBOX_LAYER_DIR`). Tools come from `.venv/`
//! (`scripts/setup`); everything they talk to is on 127.0.0.1.

mod arm64;
mod new_tool;
mod openapi;
mod packaging;
mod publish;
mod template;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The tools: the functions of `template.yaml` (the one list of tools), as
/// named in `functions/` and `target/lambda/`.
pub fn functions() -> Vec<String> {
    let template = repo_root().join("template.yaml");
    let template = toolbox_local::template::Template::load(&template, &Default::default())
        .unwrap_or_else(|e| panic!("template.yaml: {e}"));
    template.functions.into_iter().map(|f| f.name).collect()
}

/// The repository root (`tests/..`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The cargo target directory scripts/build writes to.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"))
}

/// A pinned Python tool from `.venv/<venv>/bin/<tool>`; fails, saying what
/// to run, when it is not installed.
pub fn venv_tool(venv: &str, tool: &str) -> PathBuf {
    let path = repo_root().join(".venv").join(venv).join("bin").join(tool);
    assert!(path.is_file(), "{} is missing: run scripts/setup", path.display());
    path
}

/// This machine's Lambda architecture (`x86_64` or `arm64`).
pub fn native_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x86_64"
    }
}

/// Where scripts/build installs `arch`'s bootstraps, under the target
/// directory: `lambda` for this machine's architecture, `lambda-<arch>` for the other.
pub fn lambda_dir(arch: &str) -> String {
    if arch == native_arch() {
        "lambda".to_string()
    } else {
        format!("lambda-{arch}")
    }
}

/// The architecture this machine builds without a cross compiler's help:
/// the other one, which scripts/test builds for too.
pub fn foreign_arch() -> &'static str {
    if native_arch() == "arm64" {
        "x86_64"
    } else {
        "arm64"
    }
}

/// A file scripts/build or scripts/build-layer should have produced.
pub fn built(relative: &str) -> PathBuf {
    let path = target_dir().join(relative);
    assert!(
        path.exists(),
        "{} is missing: run scripts/build and scripts/build-layer (scripts/test does)",
        path.display()
    );
    path
}

/// A fresh, empty directory under cargo's per-test tmp dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command to completion with no stdin, panicking with a clear
/// message if it cannot start.
pub fn run(command: &mut Command) -> Output {
    command.stdin(std::process::Stdio::null());
    command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
