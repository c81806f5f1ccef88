//! The other architecture's build, run: on an x86_64 machine the arm64
//! bootstraps (scripts/build --arch all) run under qemu-user through
//! toolbox-local. Without qemu there is one clear line, never a fallback;
//! REPORT and `routes` say what runs.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{built, describe, foreign_arch, lambda_dir, native_arch, repo_root, run, target_dir};

fn runner() -> PathBuf {
    built("release/toolbox-local")
}

fn bin_dir(arch: &str) -> PathBuf {
    target_dir().join(lambda_dir(arch))
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
