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

/// Exit code (`None`: killed after `limit`) and stderr.
fn run_within(args: &[&str], limit: std::time::Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_toolbox-local"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run toolbox-local");
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
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

/// A scratch directory with a FIFO (no writer ever opens it) and a
/// template one byte over the limit.
fn hostile_files() -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let big = dir.join("big.yaml");
    let mut text = String::from("Resources: {}\n");
    text.push_str(&"#".repeat(toolbox_local::template::MAX_TEMPLATE_BYTES as usize + 1 - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len() as u64, toolbox_local::template::MAX_TEMPLATE_BYTES + 1);
    std::fs::write(&big, text).unwrap();
    (dir, fifo, big)
}

#[test]
fn a_template_or_jwks_that_is_not_a_bounded_regular_file_is_refused_at_once() {
    let (dir, fifo, big) = hostile_files();
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures.yaml");
    let (fifo, big) = (fifo.to_str().unwrap(), big.to_str().unwrap());
    let jwks_too_big = dir.join("jwks.json");
    std::fs::write(&jwks_too_big, vec![b' '; 1024 * 1024 + 1]).unwrap();
    let jwks_too_big = jwks_too_big.to_str().unwrap();
    for (args, expected) in [
        (&["routes", "--template", "/dev/zero"][..], "/dev/zero is not a regular file".to_owned()),
        (&["tools", "--template", fifo], format!("{fifo} is not a regular file")),
        (&["routes", "--template", dir.to_str().unwrap()], "is not a regular file".into()),
        (&["routes", "--template", big], format!("{big} is 1048577 bytes, more than the 1048576")),
        (
            &["serve", "--template", template, "--port", "0", "--jwks", "/dev/zero"],
            "/dev/zero is not a regular file".into(),
        ),
        (&["serve", "--template", template, "--port", "0", "--jwks", fifo], format!("{fifo} is not a regular file")),
        (&["serve", "--template", template, "--port", "0", "--jwks", jwks_too_big], "more than the 1048576".into()),
    ] {
        // Before: /dev/zero grew the runner to 2 GB in 2 s; a FIFO blocked for ever.
        let (code, stderr) = run_within(args, std::time::Duration::from_secs(5));
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(&expected), "{args:?}: {stderr} lacks {expected:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parameters_are_checked_as_cloudformation_checks_them() {
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let routes = |parameters: &[&str]| {
        let mut args = vec!["routes", "--template", template];
        for p in parameters {
            args.extend(["--parameter", p]);
        }
        run(&args)
    };
    for (parameter, expected) in [
        // A typo served every route open, with no word.
        ("JwtIsuer=https://issuer.example", "--parameter JwtIsuer: the template has no parameter JwtIsuer"),
        ("LogFormat=BOGUS", "parameter LogFormat: \"BOGUS\" is not one of its AllowedValues (JSON, Text)"),
        ("JwtIssuer=http://issuer.example", "parameter JwtIssuer: \"http://issuer.example\" does not match its AllowedPattern ^$|^https://.+ (must be empty or an https:// issuer URL)"),
        ("LayerShareAccountIds=123456789012,12345", "parameter LayerShareAccountIds: \"12345\" does not match its AllowedPattern"),
        ("ThrottlingRateLimit=fast", "parameter ThrottlingRateLimit: \"fast\" is not a number (Type: Number)"),
        ("ThrottlingBurstLimit=-1", "parameter ThrottlingBurstLimit: -1 is less than its MinValue 0"),
    ] {
        let (code, _, stderr) = routes(&[parameter]);
        assert_eq!(code, 2, "{parameter}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{parameter}: {stderr}");
        assert!(stderr.contains(expected), "{parameter}: {stderr} lacks {expected:?}");
    }
    // What scripts/serve, the tests, the benchmarks and tests/api pass.
    let (code, _, stderr) = routes(&[
        "ThrottlingRateLimit=1000000",
        "ThrottlingBurstLimit=1000000",
        "FunctionUrlAuthType=NONE",
        "LogFormat=Text",
        "ImageUrls=https://a.example/1.png https://b.example/2.png",
        "JwtIssuer=https://issuer.example",
        "JwtAudience=a,b",
        "LayerShareAccountIds=123456789012,210987654321",
    ]);
    assert_eq!(code, 0, "{stderr}");
}
