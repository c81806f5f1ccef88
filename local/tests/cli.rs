//! The binary's command line as a user meets it: `--help` exits 0 on the
//! binary and every command; a bad value is one line on stderr and exit 2,
//! never a panic (exit 101).

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_toolbox-local")).args(args).output().expect("run toolbox-local");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_exits_zero_everywhere() {
    for args in
        [&["--help"][..], &["-h"], &["serve", "--help"], &["invoke", "--help"], &["routes", "--help"], &["tools", "-h"]]
    {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stdout.starts_with("usage:") || stdout.contains("\nusage:"), "{args:?}: {stdout}");
    }
}

#[test]
fn bad_values_are_one_line_usage_errors() {
    for args in [
        &["serve", "--queue-timeout", "1e30"][..],
        &["serve", "--idle-timeout", "1e20"],
        &["serve", "--init-timeout", "1e19"],
        &["serve", "--concurrency", "18446744073709551615"],
        &["serve", "--concurrency", "0"],
        &["routes", "--requests", "5"],
        &["frobnicate"],
        &[],
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("toolbox-local: "), "{args:?}: {stderr}");
    }
}

#[test]
fn tools_lists_the_templates_functions() {
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures.yaml");
    let (code, stdout, stderr) = run(&["tools", "--template", template]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().any(|l| l == "echo"), "{stdout}");
    let (code, stdout, _) = run(&["tools", "--template", template, "--logical-id", "EchoFunction"]);
    assert_eq!((code, stdout.trim()), (0, "echo"));
    let (code, _, stderr) = run(&["tools", "--template", template, "--logical-id", "NoSuchFunction"]);
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn routes_shows_each_routes_throttle_authorizer_and_the_function_urls() {
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let (code, stdout, stderr) = run(&["routes", "--template", template]);
    assert_eq!(code, 0, "{stderr}");
    let routes: Vec<&str> = stdout.lines().filter(|l| l.contains(" -> ") && !l.starts_with("URL")).collect();
    assert!(routes.len() > 2, "{stdout}");
    assert!(routes.iter().all(|l| l.ends_with("[throttled: 10/s, burst 20]")), "{stdout}");
    assert!(!stdout.contains("URL ") && !stdout.contains("[authorizer"), "{stdout}");

    let options = ["--parameter", "JwtIssuer=https://issuer.example", "--parameter", "JwtAudience=a"];
    let urls = ["--parameter", "FunctionUrlAuthType=NONE", "--parameter", "ThrottlingRateLimit=2.5"];
    let args = [&["routes", "--template", template][..], &options, &urls].concat();
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    for line in stdout.lines().filter(|l| l.contains(" -> ") && !l.starts_with("URL")) {
        let public = line.starts_with("GET     / ") || line.starts_with("GET     /openapi.json ");
        let expected = if public {
            "[throttled: 2.5/s, burst 20]"
        } else {
            "[throttled: 2.5/s, burst 20]  [authorizer ToolboxJwt]"
        };
        assert!(line.ends_with(expected), "{line}");
    }
    assert_eq!(stdout.lines().filter(|l| l.starts_with("URL     /lambda-url/")).count(), routes.len() / 2, "{stdout}");
}
