//! scripts/publish-layer, scripts/share-layer and scripts/deploy, run for real:
//! the pinned AWS CLI (.venv/aws, from requirements/aws.txt) against a moto
//! server each test starts on 127.0.0.1. Every AWS variable of the caller is
//! dropped; credentials are dummies and config files are empty temp files, so
//! nothing can reach a real AWS endpoint or use a real profile.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
/// moto's account.
const OWNER: &str = "123456789012";
const ACCOUNT_A: &str = "111111111111";
const ACCOUNT_B: &str = "222222222222";
const ORG: &str = "o-a1b2c3d4e5";

fn root() -> PathBuf {
    super::repo_root()
}

/// The pinned tools, installed by the project's own `scripts/setup aws`
/// (a no-op when already installed).
fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let status = Command::new(root().join("scripts/setup")).arg("aws").status().expect("run scripts/setup aws");
        assert!(status.success(), "scripts/setup aws failed");
        root().join(".venv/aws")
    })
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("toolbox-it-{what}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0").local_addr().unwrap().port()
}

/// A moto server on 127.0.0.1, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Moto {
    fn start() -> Moto {
        let dir = TempDir::new("moto");
        let log_path = dir.path().join("moto.log");
        // The port is free when picked; another process may take it before
        // moto binds it, hence a few attempts.
        for _ in 0..5 {
            let port = free_port();
            let log = fs::File::create(&log_path).unwrap();
            let mut child = scrub(&mut Command::new(venv().join("bin/moto_server")))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start moto_server");
            // Wait until it listens (or dies): readiness, not a timing claim.
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    eprintln!("moto_server exited ({status}): {}", fs::read_to_string(&log_path).unwrap_or_default());
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Moto { child, port, _dir: dir };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("moto_server did not listen: {}", fs::read_to_string(&log_path).unwrap_or_default());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("could not start moto_server");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes every AWS_* variable (profiles, real endpoints, real keys) and
/// the scripts' own overrides from a command's environment.
fn scrub(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("TOOLBOX_AWS")
        // No instance-metadata lookups for credentials.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SAM_CLI_TELEMETRY", "0")
}

/// Where the scripts point: an endpoint on 127.0.0.1 and an AWS "home" of
/// empty config/credentials files.
struct Aws {
    endpoint: String,
    home: TempDir,
    credentials: bool,
}

impl Aws {
    fn new(moto: &Moto) -> Aws {
        Aws::at(moto.url())
    }

    /// An endpoint nobody listens on: any AWS call a script makes fails
    /// (locally), so a test can prove a check happened before any call.
    fn nowhere() -> Aws {
        Aws::at(format!("http://127.0.0.1:{}", free_port()))
    }

    fn at(endpoint: String) -> Aws {
        let home = TempDir::new("aws-home");
        fs::write(home.path().join("config"), "").unwrap();
        fs::write(home.path().join("credentials"), "").unwrap();
        Aws { endpoint, home, credentials: true }
    }

    fn without_credentials(mut self) -> Aws {
        self.credentials = false;
        self
    }

    fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        scrub(cmd)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_CONFIG_FILE", self.home.path().join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.path().join("credentials"));
        if self.credentials {
            cmd.env("AWS_ACCESS_KEY_ID", "testing").env("AWS_SECRET_ACCESS_KEY", "testing");
        }
        cmd
    }

    fn script<I, S>(&self, name: &str, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(root().join("scripts").join(name));
        self.env(&mut cmd).args(args).stdin(Stdio::null());
        Run::new(format!("scripts/{name}"), cmd.output().expect("run script"))
    }

    /// The AWS CLI itself, to look at what the scripts did.
    fn cli<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(venv().join("bin/aws"));
        self.env(&mut cmd).args(args).stdin(Stdio::null());
        Run::new("aws".to_string(), cmd.output().expect("run aws"))
    }
}

struct Run {
    what: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn new(what: String, output: Output) -> Run {
        Run {
            what,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "{} failed\nstdout:\n{}\nstderr:\n{}", self.what, self.stdout, self.stderr);
        self
    }

    /// Fails with `code` and a message containing `message`, and no traceback.
    fn fails(self, code: i32, message: &str) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "{}: want exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.what,
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.contains(message), "{}: stderr lacks {message:?}:\n{}", self.what, self.stderr);
        assert!(!self.stderr.contains("Traceback"), "{}: traceback:\n{}", self.what, self.stderr);
        self
    }

    fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.what, self.stdout))
    }
}

/// A run that succeeded, its stdout a line per entry (the dry runs' commands).
fn ok_lines(run: Run) -> Vec<String> {
    run.ok().stdout.lines().map(str::to_string).collect()
}

/// `scripts/build-layer --dict DICT --out OUT`: the zip's path and the
/// layer's content version.
fn build_layer(dict: &Path, out: &Path) -> (PathBuf, String) {
    let output = Command::new(root().join("scripts/build-layer"))
        .arg("--dict")
        .arg(dict)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("run scripts/build-layer");
    let run = Run::new("scripts/build-layer".into(), output).ok();
    let zip = PathBuf::from(run.last_line());
    assert!(zip.is_file(), "build-layer printed {zip:?}, not a file");
    (zip, manifest_version(out))
}

fn manifest_version(out: &Path) -> String {
    let path = out.join("opt").join(toolbox_layer::LAYER_SUBDIR).join(toolbox_layer::MANIFEST_FILE);
    let manifest = toolbox_layer::Manifest::read(&path).expect("layer manifest");
    manifest.version
}

/// A copy of dict/ with one more word: different layer content.
fn changed_dict(dir: &Path) -> PathBuf {
    let dict = dir.join("dict");
    fs::create_dir_all(&dict).unwrap();
    link_other_sources(&dict);
    let mut text = fs::read_to_string(root().join("dict/dict.txt")).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("云端分词工具箱 3 n\n");
    fs::write(dict.join("dict.txt"), text).unwrap();
    dict
}

/// Lambda's CodeSha256, computed independently of the scripts.
fn code_sha256(file: &Path) -> String {
    let output = Command::new(venv().join("bin/python"))
        .args([
            "-c",
            "import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], 'rb').read()).digest()).decode())",
        ])
        .arg(file)
        .output()
        .unwrap();
    Run::new("python sha256".into(), output).ok().stdout.trim().to_string()
}

/// One small layer (built by scripts/build-layer from the first entries of
/// dict/) per test binary run, for the tests about sharing rather than content.
fn layer_zip() -> &'static (PathBuf, String) {
    static ZIP: OnceLock<(PathBuf, String)> = OnceLock::new();
    ZIP.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        remove_stale_layer_dirs(tmp);
        let dir = tmp.join(format!("publish-layer-{}", std::process::id()));
        let dict = dir.join("dict");
        fs::create_dir_all(&dict).unwrap();
        let full = fs::read_to_string(root().join("dict/dict.txt")).unwrap();
        let head: String = full.lines().take(2000).flat_map(|line| [line, "\n"]).collect();
        fs::write(dict.join("dict.txt"), head).unwrap();
        link_other_sources(&dict);
        build_layer(&dict, &dir.join("layer"))
    })
}

/// Links the layer's sources other than dict.txt (HMM and IDF tables) into `dict`.
fn link_other_sources(dict: &Path) {
    for entry in fs::read_dir(root().join("dict")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "dict.txt" {
            std::os::unix::fs::symlink(entry.path(), dict.join(entry.file_name())).unwrap();
        }
    }
}

/// Earlier runs' layers (their process is gone); Linux only, where /proc says so.
fn remove_stale_layer_dirs(tmp: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    for entry in fs::read_dir(tmp).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("publish-layer-") {
            if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn layer_versions(aws: &Aws, layer: &str) -> Vec<u64> {
    let run = aws.cli(["lambda", "list-layer-versions", "--layer-name", layer, "--output", "json"]).ok();
    let mut versions: Vec<u64> =
        run.json()["LayerVersions"].as_array().unwrap().iter().map(|v| v["Version"].as_u64().unwrap()).collect();
    versions.sort();
    versions
}

fn layer_version(aws: &Aws, layer: &str, version: u64) -> serde_json::Value {
    aws.cli([
        "lambda",
        "get-layer-version",
        "--layer-name",
        layer,
        "--version-number",
        &version.to_string(),
        "--output",
        "json",
    ])
    .ok()
    .json()
}

/// (Sid, Principal, OrganizationId, Action) of every statement, read with
/// the AWS CLI (moto's shape: principal and organization as plain strings).
type Grant = (String, String, String, String);

fn policy(aws: &Aws, layer: &str, version: u64) -> Vec<Grant> {
    let run = aws.cli([
        "lambda",
        "get-layer-version-policy",
        "--layer-name",
        layer,
        "--version-number",
        &version.to_string(),
        "--output",
        "json",
    ]);
    if run.code != Some(0) && run.stderr.contains("ResourceNotFoundException") {
        return Vec::new();
    }
    let response = run.ok().json();
    let document: serde_json::Value = serde_json::from_str(response["Policy"].as_str().unwrap()).unwrap();
    let field = |s: &serde_json::Value, k: &str| s[k].as_str().unwrap_or("").to_string();
    document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (field(s, "Sid"), field(s, "Principal"), field(s, "OrganizationId"), field(s, "Action")))
        .collect()
}

fn grant(sid: &str, principal: &str, org: &str) -> Grant {
    (sid.to_string(), principal.to_string(), org.to_string(), "lambda:GetLayerVersion".to_string())
}

fn sorted(grants: Vec<Grant>) -> Vec<Grant> {
    let mut grants = grants;
    grants.sort();
    grants
}

fn publish(aws: &Aws, zip: &Path) -> String {
    let run = aws.script("publish-layer", [OsStr::new("--zip"), zip.as_os_str()]).ok();
    run.last_line().to_string()
}

fn arn(layer: &str, version: u64) -> String {
    format!("arn:aws:lambda:{REGION}:{OWNER}:layer:{layer}:{version}")
}

#[test]
fn publish_once_per_content_and_a_changed_dictionary_makes_version_2() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let tmp = TempDir::new("publish");

    // No --zip: publish-layer builds the layer itself (from dict/ into --out).
    let out1 = tmp.path().join("layer1");
    let first = aws.script("publish-layer", [OsStr::new("--out"), out1.as_os_str()]).ok();
    assert_eq!(first.last_line(), arn("toolbox-jieba", 1), "stderr:\n{}", first.stderr);
    let zip1 = out1.join("toolbox-jieba.zip");
    let content1 = manifest_version(&out1);

    let v1 = layer_version(&aws, "toolbox-jieba", 1);
    assert_eq!(v1["Content"]["CodeSha256"], code_sha256(&zip1));
    assert_eq!(v1["CompatibleRuntimes"], serde_json::json!(["provided.al2023"]));
    assert_eq!(v1["CompatibleArchitectures"], serde_json::json!(["x86_64", "arm64"]), "data only: both");
    let description = v1["Description"].as_str().unwrap();
    assert!(description.contains(&content1), "description {description:?} lacks content version {content1}");

    // Same content again: nothing new.
    let again = aws.script("publish-layer", [OsStr::new("--zip"), zip1.as_os_str()]).ok();
    assert_eq!(again.last_line(), arn("toolbox-jieba", 1));
    assert!(again.stderr.contains("nothing published"), "{}", again.stderr);
    assert_eq!(layer_versions(&aws, "toolbox-jieba"), vec![1]);

    // A changed dictionary is new content: version 2, with its own version string.
    let dict2 = changed_dict(tmp.path());
    let (zip2, content2) = build_layer(&dict2, &tmp.path().join("layer2"));
    assert_ne!(content1, content2, "a changed dictionary must change the layer's content version");
    assert_eq!(publish(&aws, &zip2), arn("toolbox-jieba", 2));
    assert_eq!(publish(&aws, &zip2), arn("toolbox-jieba", 2));
    assert_eq!(layer_versions(&aws, "toolbox-jieba"), vec![1, 2]);
    let v2 = layer_version(&aws, "toolbox-jieba", 2);
    assert_eq!(v2["Content"]["CodeSha256"], code_sha256(&zip2));
    assert!(v2["Description"].as_str().unwrap().contains(&content2));

    // Only the newest version counts: going back to the first content publishes again.
    assert_eq!(publish(&aws, &zip1), arn("toolbox-jieba", 3));

    // Another layer name and another region (--region wins over AWS_DEFAULT_REGION).
    let other = aws
        .script(
            "publish-layer",
            [
                OsStr::new("--zip"),
                zip1.as_os_str(),
                OsStr::new("--layer-name"),
                OsStr::new("jieba-test"),
                OsStr::new("--region"),
                OsStr::new("eu-west-1"),
            ],
        )
        .ok();
    assert_eq!(other.last_line(), format!("arn:aws:lambda:eu-west-1:{OWNER}:layer:jieba-test:1"));
}

#[test]
fn a_version_of_the_same_content_for_x86_64_only_is_published_again_for_both() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let (zip, _) = layer_zip();
    // As publish-layer published it before arm64: the same bytes, x86_64 only.
    let file = format!("fileb://{}", zip.display());
    let old = ["lambda", "publish-layer-version", "--layer-name", "toolbox-jieba", "--zip-file", &file];
    aws.cli(old.iter().copied().chain(["--compatible-architectures", "x86_64"])).ok();

    let run = aws.script("publish-layer", [OsStr::new("--zip"), zip.as_os_str()]).ok();
    assert_eq!(run.last_line(), arn("toolbox-jieba", 2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("compatible with x86_64, not arm64 x86_64"), "{}", run.stderr);
    let v2 = layer_version(&aws, "toolbox-jieba", 2);
    assert_eq!(v2["CompatibleArchitectures"], serde_json::json!(["x86_64", "arm64"]));
    // Now it is idempotent again.
    assert_eq!(publish(&aws, zip), arn("toolbox-jieba", 2));
}

/// `args` for the AWS CLI in `region`.
fn in_region<'a>(region: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    [&["--region", region], args].concat()
}

#[test]
fn publish_and_share_in_two_regions_at_once() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let (zip, _) = layer_zip();
    let (eu, ap) = ("eu-west-1", "ap-southeast-2");
    let regional =
        |region: &str, version: u64| format!("arn:aws:lambda:{region}:{OWNER}:layer:toolbox-jieba:{version}");
    let versions = |region: &str| -> Vec<u64> {
        let run = aws.cli(in_region(region, &["lambda", "list-layer-versions", "--layer-name", "toolbox-jieba"])).ok();
        let mut v: Vec<u64> =
            run.json()["LayerVersions"].as_array().unwrap().iter().map(|v| v["Version"].as_u64().unwrap()).collect();
        v.sort();
        v
    };
    // The second region already has a version of other content: versions differ per region.
    let dir = TempDir::new("two-regions");
    let other = dir.path().join("other.zip");
    let entries = vec![toolbox_pack::zip::Entry::new("toolbox/x", 0o644, b"x".to_vec())];
    fs::write(&other, toolbox_pack::zip::write_zip(entries).unwrap()).unwrap();
    let other_file = format!("fileb://{}", other.display());
    let publish_other = ["lambda", "publish-layer-version", "--layer-name", "toolbox-jieba", "--zip-file", &other_file];
    aws.cli(in_region(ap, &publish_other)).ok();

    let publish = |regions: &[&str]| {
        let mut args = vec![OsStr::new("--zip"), zip.as_os_str()];
        for region in regions {
            args.extend([OsStr::new("--region"), OsStr::new(*region)]);
        }
        aws.script("publish-layer", args)
    };
    // One ARN per region, last, in the order given.
    let first = publish(&[eu, ap]).ok();
    let lines: Vec<&str> = first.stdout.lines().collect();
    assert_eq!(lines, [regional(eu, 1), regional(ap, 2)], "stderr:\n{}", first.stderr);
    for (region, version) in [(eu, 1), (ap, 2)] {
        let v = aws
            .cli(in_region(
                region,
                &[
                    "lambda",
                    "get-layer-version",
                    "--layer-name",
                    "toolbox-jieba",
                    "--version-number",
                    &version.to_string(),
                ],
            ))
            .ok()
            .json();
        assert_eq!(v["Content"]["CodeSha256"], code_sha256(zip), "{region}");
        assert_eq!(v["CompatibleArchitectures"], serde_json::json!(["x86_64", "arm64"]), "{region}");
    }
    // Idempotent in each region, whichever order; a new region publishes there only.
    let again = publish(&[ap, "us-west-2", eu]).ok();
    let lines: Vec<&str> = again.stdout.lines().collect();
    assert_eq!(lines, [regional(ap, 2), regional("us-west-2", 1), regional(eu, 1)], "stderr:\n{}", again.stderr);
    assert_eq!(again.stderr.matches("nothing published").count(), 2, "{}", again.stderr);
    assert_eq!((versions(eu), versions(ap), versions("us-west-2")), (vec![1], vec![1, 2], vec![1]));
    publish(&[eu, eu]).fails(2, "--region eu-west-1 is given twice");

    // Shared in both regions with one command: each ARN in its own region.
    let (arn_eu, arn_ap) = (regional(eu, 1), regional(ap, 2));
    let share = |args: &[&str]| {
        aws.script("share-layer", [arn_eu.as_str(), arn_ap.as_str()].into_iter().chain(args.iter().copied()))
    };
    share(&["--account", ACCOUNT_A]).ok();
    let policy_in = |region: &str, version: u64| -> String {
        let version = version.to_string();
        let args =
            ["lambda", "get-layer-version-policy", "--layer-name", "toolbox-jieba", "--version-number", &version];
        aws.cli(in_region(region, &args)).ok().json()["Policy"].as_str().unwrap().to_string()
    };
    for (region, version) in [(eu, 1), (ap, 2)] {
        assert!(policy_in(region, version).contains(&format!("toolbox-account-{ACCOUNT_A}")), "{region}");
    }
    // --list names the ARN of each grant when there are several.
    let listed: BTreeSet<String> = share(&["--list"]).ok().stdout.lines().map(str::to_string).collect();
    let grant_line =
        |arn: &str| format!("account\t{ACCOUNT_A}\tlambda:GetLayerVersion\ttoolbox-account-{ACCOUNT_A}\t{arn}");
    assert_eq!(listed, [grant_line(&arn_eu), grant_line(&arn_ap)].into());
    // A revoke is checked on every ARN before any grant is removed.
    aws.script("share-layer", [arn_eu.as_str(), "--revoke", ACCOUNT_A]).ok();
    share(&["--revoke", ACCOUNT_A]).fails(1, &format!("account {ACCOUNT_A} has no grant on {arn_eu}"));
    assert!(policy_in(ap, 2).contains(&format!("toolbox-account-{ACCOUNT_A}")), "nothing was revoked in {ap}");
    aws.script("share-layer", [arn_ap.as_str(), "--revoke", ACCOUNT_A]).ok();
    // One --region cannot match ARNs of two regions.
    share(&["--list", "--region", eu]).fails(2, "does not match the ARN's region");
    share(&["--list", "--region", eu, "--region", ap]).fails(2, "one --region at most");
    aws.script("share-layer", [arn_eu.as_str(), arn_eu.as_str(), "--list"]).fails(2, "is given twice");
}

#[test]
fn a_user_layer_publishes_and_shares_like_the_jieba_layer() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let tmp = TempDir::new("publish-user");
    let words = tmp.path().join("words.txt");
    fs::write(&words, "云计算 5 n\n李小福 nr\n").unwrap();

    // --user-dict builds the user layer (scripts/build-user-layer) and
    // publishes it under its own name.
    let out = tmp.path().join("user-layer");
    let first = aws
        .script("publish-layer", [OsStr::new("--user-dict"), words.as_os_str(), OsStr::new("--out"), out.as_os_str()])
        .ok();
    assert_eq!(first.last_line(), arn("toolbox-userdict", 1), "stderr:\n{}", first.stderr);
    let zip = out.join("toolbox-userdict.zip");
    let v1 = layer_version(&aws, "toolbox-userdict", 1);
    assert_eq!(v1["Content"]["CodeSha256"], code_sha256(&zip));
    assert!(v1["Description"].as_str().unwrap().contains("user dictionary"), "{}", v1["Description"]);

    // Idempotent on content, built again or given as a zip.
    let again = aws
        .script("publish-layer", [OsStr::new("--user-dict"), words.as_os_str(), OsStr::new("--out"), out.as_os_str()])
        .ok();
    assert_eq!(again.last_line(), arn("toolbox-userdict", 1));
    assert!(again.stderr.contains("nothing published"), "{}", again.stderr);
    assert_eq!(publish(&aws, &zip), arn("toolbox-userdict", 1));

    // Other words: a new version.
    fs::write(&words, "云计算 5 n\n李小福 nr\n创新办 3 i\n").unwrap();
    let second = aws
        .script("publish-layer", [OsStr::new("--user-dict"), words.as_os_str(), OsStr::new("--out"), out.as_os_str()])
        .ok();
    assert_eq!(second.last_line(), arn("toolbox-userdict", 2));

    // Shared like any layer version.
    let user_arn = arn("toolbox-userdict", 2);
    aws.script("share-layer", [user_arn.as_str(), "--account", "210987654321"]).ok();
    let grants = policy(&aws, "toolbox-userdict", 2);
    assert!(grants.iter().any(|g| g.1.contains("210987654321")), "{grants:?}");

    // A line jieba refuses fails the build, naming file and line, before any AWS call.
    fs::write(&words, b"ok 3\n\xff\xfe 2\n").unwrap();
    let refused = aws
        .script("publish-layer", [OsStr::new("--user-dict"), words.as_os_str(), OsStr::new("--out"), out.as_os_str()]);
    assert_ne!(refused.code, Some(0));
    assert!(refused.stderr.contains("words.txt:2: not UTF-8"), "{}", refused.stderr);
    assert_eq!(layer_versions(&aws, "toolbox-userdict"), vec![1, 2]);
}

/// The big dictionary's layer (issue 19) publishes under its own name,
/// idempotently, and a user layer built over it under a name of its own,
/// never as a new version of the default dictionary's user layer.
#[test]
fn the_big_dictionary_and_its_user_layer_publish_under_their_own_names() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let tmp = TempDir::new("publish-big");
    // A small big dictionary: its first 2,000 lines, with jieba's HMMs.
    let dict = tmp.path().join("dict");
    fs::create_dir_all(dict.join("big")).unwrap();
    let full = fs::read_to_string(root().join("dict/big/dict.txt.big")).unwrap();
    let head: String = full.lines().take(2000).flat_map(|line| [line, "\n"]).collect();
    fs::write(dict.join("big/dict.txt.big"), head).unwrap();
    std::os::unix::fs::symlink(root().join("dict/big/idf.txt.big"), dict.join("big/idf.txt.big")).unwrap();
    for model in ["finalseg", "posseg"] {
        std::os::unix::fs::symlink(root().join("dict").join(model), dict.join(model)).unwrap();
    }
    let out = tmp.path().join("layer-big");
    let args = [
        OsStr::new("--dictionary"),
        OsStr::new("big"),
        OsStr::new("--dict"),
        dict.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    let first = aws.script("publish-layer", args).ok();
    assert_eq!(first.last_line(), arn("toolbox-jieba-big", 1), "stderr:\n{}", first.stderr);
    let zip = out.join("toolbox-jieba-big.zip");
    assert_eq!(layer_version(&aws, "toolbox-jieba-big", 1)["Content"]["CodeSha256"], code_sha256(&zip));
    let again = aws.script("publish-layer", args).ok();
    assert_eq!(again.last_line(), arn("toolbox-jieba-big", 1));
    assert!(again.stderr.contains("nothing published"), "{}", again.stderr);
    assert_eq!(publish(&aws, &zip), arn("toolbox-jieba-big", 1), "the zip names its layer");

    let words = tmp.path().join("words.txt");
    fs::write(&words, "臺灣學習 5 n\n").unwrap();
    let user_out = tmp.path().join("user-layer-big");
    let user = aws
        .script(
            "publish-layer",
            [
                OsStr::new("--dictionary"),
                OsStr::new("big"),
                OsStr::new("--user-dict"),
                words.as_os_str(),
                OsStr::new("--out"),
                user_out.as_os_str(),
            ],
        )
        .ok();
    assert_eq!(user.last_line(), arn("toolbox-userdict-big", 1), "stderr:\n{}", user.stderr);
    assert!(user_out.join("opt/toolbox-big/userdict/manifest.json").exists());
    assert!(layer_versions(&aws, "toolbox-userdict").is_empty(), "the default's user layer is untouched");

    let refused = aws.script("publish-layer", ["--dictionary", "huge"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    aws.script("publish-layer", [OsStr::new("--zip"), zip.as_os_str(), OsStr::new("--dictionary"), OsStr::new("big")])
        .fails(2, "cannot be combined");
}

#[test]
fn share_with_accounts_and_an_organization_list_and_revoke() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let (zip, _) = layer_zip();
    let arn1 = publish(&aws, zip);
    assert_eq!(arn1, arn("toolbox-jieba", 1));
    let share = |args: &[&str]| aws.script("share-layer", std::iter::once(arn1.as_str()).chain(args.iter().copied()));

    let unshared = share(&["--list"]).ok();
    assert!(unshared.stdout.is_empty() && unshared.stderr.contains("not shared"), "{}", unshared.stderr);

    share(&["--account", ACCOUNT_A, "--account", ACCOUNT_B]).ok();
    share(&["--organization-id", ORG]).ok();
    let expected = sorted(vec![
        grant(&format!("toolbox-account-{ACCOUNT_A}"), ACCOUNT_A, ""),
        grant(&format!("toolbox-account-{ACCOUNT_B}"), ACCOUNT_B, ""),
        grant(&format!("toolbox-org-{ORG}"), "*", ORG),
    ]);
    assert_eq!(sorted(policy(&aws, "toolbox-jieba", 1)), expected);

    let listed: BTreeSet<String> = share(&["--list"]).ok().stdout.lines().map(str::to_string).collect();
    let want: BTreeSet<String> = [
        format!("account\t{ACCOUNT_A}\tlambda:GetLayerVersion\ttoolbox-account-{ACCOUNT_A}"),
        format!("account\t{ACCOUNT_B}\tlambda:GetLayerVersion\ttoolbox-account-{ACCOUNT_B}"),
        format!("organization\t{ORG}\tlambda:GetLayerVersion\ttoolbox-org-{ORG}"),
    ]
    .into();
    assert_eq!(listed, want);

    // Granting again is caught by the script (moto would store a second
    // statement with the same id, AWS would refuse it).
    let dup = share(&["--account", ACCOUNT_A, "--organization-id", ORG]).ok();
    assert!(dup.stderr.contains(&format!("account {ACCOUNT_A} already has access")), "{}", dup.stderr);
    assert!(dup.stderr.contains(&format!("organization {ORG} already has access")), "{}", dup.stderr);
    assert_eq!(sorted(policy(&aws, "toolbox-jieba", 1)), expected);

    // Revoke: gone, the others stay; revoking again says there is nothing to revoke.
    share(&["--revoke", ACCOUNT_A]).ok();
    let remaining = sorted(vec![
        grant(&format!("toolbox-account-{ACCOUNT_B}"), ACCOUNT_B, ""),
        grant(&format!("toolbox-org-{ORG}"), "*", ORG),
    ]);
    assert_eq!(sorted(policy(&aws, "toolbox-jieba", 1)), remaining);
    share(&["--revoke", ACCOUNT_A]).fails(1, &format!("account {ACCOUNT_A} has no grant on {arn1}"));
    // One bad revoke stops the whole command before anything is removed.
    share(&["--revoke", ORG, "--revoke", "333333333333"]).fails(1, "account 333333333333 has no grant");
    assert_eq!(sorted(policy(&aws, "toolbox-jieba", 1)), remaining);
    share(&["--revoke", ORG]).ok();
    assert_eq!(policy(&aws, "toolbox-jieba", 1), vec![grant(&format!("toolbox-account-{ACCOUNT_B}"), ACCOUNT_B, "")]);

    // Unknown versions are named as such.
    let missing = arn("toolbox-jieba", 9);
    aws.script("share-layer", [missing.as_str(), "--account", ACCOUNT_A])
        .fails(1, &format!("no such layer version: {missing}"));
    aws.script("share-layer", [missing.as_str(), "--list"]).fails(1, "no such layer version");

    // Every AWS account only with the loud flag, and --list warns about it.
    share(&["--public-to-every-aws-account"]).ok();
    assert!(policy(&aws, "toolbox-jieba", 1).contains(&grant("toolbox-public", "*", "")));
    let list = share(&["--list"]).ok();
    assert!(list.stdout.contains("public\t*\tlambda:GetLayerVersion\ttoolbox-public"), "{}", list.stdout);
    assert!(list.stderr.contains("EVERY AWS account"), "{}", list.stderr);
    share(&["--revoke", "public"]).ok();
    assert_eq!(policy(&aws, "toolbox-jieba", 1), vec![grant(&format!("toolbox-account-{ACCOUNT_B}"), ACCOUNT_B, "")]);

    // The owner needs no grant.
    let own = share(&["--account", OWNER]).ok();
    assert!(own.stderr.contains("owns the layer"), "{}", own.stderr);
    assert_eq!(policy(&aws, "toolbox-jieba", 1).len(), 1);
}

/// What moto lets through and AWS would not: the scripts must notice.
#[test]
fn share_checks_what_moto_does_not() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let (zip, _) = layer_zip();
    let arn1 = publish(&aws, zip);
    let share = |args: &[&str]| aws.script("share-layer", std::iter::once(arn1.as_str()).chain(args.iter().copied()));
    let add = |sid: &str, action: &str, principal: &str| {
        aws.cli([
            "lambda",
            "add-layer-version-permission",
            "--layer-name",
            "toolbox-jieba",
            "--version-number",
            "1",
            "--statement-id",
            sid,
            "--action",
            action,
            "--principal",
            principal,
        ])
        .ok();
    };

    // moto accepts a duplicate statement id and any action...
    add("toolbox-account-333333333333", "lambda:GetLayerVersion", "333333333333");
    add("toolbox-account-333333333333", "lambda:GetLayerVersion", "333333333333");
    add("odd", "lambda:InvokeFunction", "444444444444");
    assert_eq!(policy(&aws, "toolbox-jieba", 1).len(), 3, "moto is expected to be lenient here");

    // ...--list shows the odd action and warns about it...
    let list = share(&["--list"]).ok();
    assert!(list.stdout.contains("account\t444444444444\tlambda:InvokeFunction\todd"), "{}", list.stdout);
    assert!(list.stderr.contains("grants 'lambda:InvokeFunction', not lambda:GetLayerVersion"), "{}", list.stderr);

    // ...a statement granting the wrong action is no access: a real grant is added...
    share(&["--account", "444444444444"]).ok();
    assert!(policy(&aws, "toolbox-jieba", 1).contains(&grant("toolbox-account-444444444444", "444444444444", "")));

    // ...a revoke removes every statement of the grantee, duplicates included...
    share(&["--revoke", "333333333333"]).ok();
    share(&["--revoke", "444444444444"]).ok();
    assert_eq!(policy(&aws, "toolbox-jieba", 1), Vec::<Grant>::new());

    // ...and our statement id used for someone else is refused, not doubled.
    add("toolbox-account-555555555555", "lambda:GetLayerVersion", "666666666666");
    share(&["--account", "555555555555", "--account", ACCOUNT_A])
        .fails(1, "statement id toolbox-account-555555555555 is already used");
    assert_eq!(policy(&aws, "toolbox-jieba", 1).len(), 1, "nothing is granted when one grantee conflicts");

    // Whatever share-layer adds grants exactly lambda:GetLayerVersion.
    share(&["--account", ACCOUNT_A, "--organization-id", ORG]).ok();
    for (sid, _, _, action) in policy(&aws, "toolbox-jieba", 1) {
        assert_eq!(action, "lambda:GetLayerVersion", "statement {sid}");
    }
}

#[test]
fn a_function_uses_the_published_layer_arn() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let (zip, _) = layer_zip();

    // Through a named profile (--profile) rather than environment keys or region.
    fs::write(aws.home.path().join("config"), format!("[profile toolbox-it]\nregion = {REGION}\n")).unwrap();
    fs::write(
        aws.home.path().join("credentials"),
        "[toolbox-it]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let mut cmd = Command::new(root().join("scripts/publish-layer"));
    aws.env(&mut cmd)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_DEFAULT_REGION")
        .args([OsStr::new("--zip"), zip.as_os_str(), OsStr::new("--profile"), OsStr::new("toolbox-it")]);
    let run = Run::new("scripts/publish-layer --profile".into(), cmd.output().unwrap()).ok();
    let layer_arn = run.last_line().to_string();
    assert_eq!(layer_arn, arn("toolbox-jieba", 1));

    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = aws
        .cli([
            "iam",
            "create-role",
            "--role-name",
            "toolbox-it",
            "--assume-role-policy-document",
            trust,
            "--query",
            "Role.Arn",
            "--output",
            "text",
        ])
        .ok()
        .stdout
        .trim()
        .to_string();
    let code = format!("fileb://{}", zip.display());
    let create = |name: &str, layer: &str| {
        aws.cli([
            "lambda",
            "create-function",
            "--function-name",
            name,
            "--runtime",
            "provided.al2023",
            "--architectures",
            "x86_64",
            "--handler",
            "bootstrap",
            "--role",
            &role,
            "--zip-file",
            &code,
            "--layers",
            layer,
            "--output",
            "json",
        ])
    };
    create("segment", &layer_arn).ok();
    let config =
        aws.cli(["lambda", "get-function-configuration", "--function-name", "segment", "--output", "json"]).ok().json();
    assert_eq!(config["Layers"][0]["Arn"], layer_arn);
    // moto does check layer ARNs, so the check above means something.
    create("broken", &arn("toolbox-jieba", 9)).fails(255, "LayerVersion does not exist");
}

#[test]
fn bad_input_is_refused_before_any_aws_call() {
    // Nothing listens at this endpoint: a script that called AWS would fail
    // with "cannot reach", not with the message checked here.
    let aws = Aws::nowhere();
    let arn1 = arn("toolbox-jieba", 1);
    let share = |args: &[&str]| aws.script("share-layer", args.iter().copied());
    share(&[&arn1, "--account", "12345"]).fails(2, "'12345' is not an AWS account ID (exactly 12 digits");
    share(&[&arn1, "--account", "12345678901a"]).fails(2, "is not an AWS account ID");
    share(&[&arn1, "--account", "*"]).fails(2, "'*' is not an account ID");
    share(&[&arn1, "--public"]).fails(2, "--public-to-every-aws-account");
    share(&[&arn1, "--organization-id", "o-ABCDEFGHIJ"]).fails(2, "is not an AWS Organizations ID");
    share(&[&arn1, "--organization-id", "o-short"]).fails(2, "is not an AWS Organizations ID");
    share(&[&arn1, "--account", ACCOUNT_A, "--account", ACCOUNT_A]).fails(2, "given twice");
    share(&[&arn1, "--list", "--revoke", ACCOUNT_A]).fails(2, "one at a time");
    share(&[&arn1, "--revoke", "bob"]).fails(2, "--revoke 'bob'");
    share(&[&arn1]).fails(2, "nothing to do");
    share(&["--list"]).fails(2, "missing LAYER_VERSION_ARN");
    share(&[&format!("arn:aws:lambda:{REGION}:{OWNER}:layer:toolbox-jieba"), "--list"])
        .fails(2, "names a layer, not a layer version");
    share(&["toolbox-jieba:1", "--list"]).fails(2, "is not a Lambda layer version ARN");
    share(&[&arn1, "--list", "--region", "eu-west-1"]).fails(2, "does not match the ARN's region");

    let tmp = TempDir::new("bad-input");
    let not_zip = tmp.path().join("layer.zip");
    fs::write(&not_zip, "not a zip").unwrap();
    let publish = |args: &[&OsStr]| aws.script("publish-layer", args.iter().copied());
    publish(&[OsStr::new("--zip"), not_zip.as_os_str()]).fails(1, "is not a readable zip file");
    publish(&[OsStr::new("--zip"), tmp.path().join("missing.zip").as_os_str()]).fails(2, "no such file");
    publish(&[OsStr::new("--zip"), not_zip.as_os_str(), OsStr::new("--dict"), OsStr::new("dict")])
        .fails(2, "cannot be combined");
    publish(&[OsStr::new("--layer-name"), OsStr::new("bad name")]).fails(2, "not a valid layer name");
    publish(&[OsStr::new("--region"), OsStr::new("mars")]).fails(2, "is not an AWS region name");
    publish(&[OsStr::new("--frobnicate")]).fails(2, "unexpected argument '--frobnicate'");
}

#[test]
fn missing_credentials_fail_clearly() {
    let aws = Aws::nowhere().without_credentials();
    let (zip, _) = layer_zip();
    let arn1 = arn("toolbox-jieba", 1);
    let message = "no AWS credentials found";
    aws.script("publish-layer", [OsStr::new("--zip"), zip.as_os_str()]).fails(1, message);
    // Without --zip: checked before building (the build would not even start here).
    let tmp = TempDir::new("no-credentials");
    let out = tmp.path().join("layer");
    aws.script("publish-layer", [OsStr::new("--out"), out.as_os_str()]).fails(1, message);
    assert!(!out.exists(), "publish-layer built the layer before checking credentials");
    aws.script("share-layer", [arn1.as_str(), "--list"]).fails(1, message);
    aws.script("share-layer", [arn1.as_str(), "--account", ACCOUNT_A]).fails(1, message);
    // deploy checks before building anything.
    aws.script("deploy", ["--stack-name", "toolbox-it"]).fails(1, message);

    // An unknown profile is named.
    let with_keys = Aws::nowhere();
    with_keys
        .script("share-layer", [arn1.as_str(), "--list", "--profile", "no-such-profile"])
        .fails(1, "AWS profile 'no-such-profile' is not in your AWS config");
    with_keys.script("deploy", ["--profile", "no-such-profile"]).fails(1, "AWS profile 'no-such-profile'");
    // And an endpoint that does not answer is reported as such.
    with_keys
        .script("share-layer", [arn1.as_str(), "--list"])
        .fails(1, "cannot reach the AWS API at AWS_ENDPOINT_URL=http://127.0.0.1:");
}

#[test]
fn deploy_dry_run_shows_the_sam_commands() {
    let aws = Aws::nowhere().without_credentials();

    // The stack creates the layer: no parameter overrides at all.
    let own = ok_lines(aws.script("deploy", ["--dry-run"]));
    assert_eq!(own.len(), 2, "{own:?}");
    assert!(own[0].ends_with("sam build --build-in-source --template-file template.yaml"), "{}", own[0]);
    assert!(
        own[1].ends_with(
            "sam deploy --template-file .aws-sam/build/template.yaml --stack-name lambda-toolbox --resolve-s3 --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset"
        ),
        "{}",
        own[1]
    );

    // The consumer account: an existing layer ARN, deployed in its region.
    let shared = "arn:aws:lambda:eu-west-1:210987654321:layer:toolbox-jieba:3";
    let consumer = ok_lines(
        aws.script("deploy", ["--dry-run", "--layer-arn", shared, "--profile", "consumer", "--stack-name", "tools"]),
    );
    assert!(consumer[0].ends_with(&format!("--parameter-overrides JiebaLayerArn={shared}")), "{}", consumer[0]);
    assert!(
        consumer[1].contains(&format!(
            "--stack-name tools --resolve-s3 --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --parameter-overrides JiebaLayerArn={shared} --region eu-west-1 --profile consumer"
        )),
        "{}",
        consumer[1]
    );

    // A user dictionary layer beside a shared jieba layer; both in the stack's region.
    let user = "arn:aws:lambda:eu-west-1:210987654321:layer:toolbox-userdict:2";
    let with_user = ok_lines(aws.script("deploy", ["--dry-run", "--layer-arn", shared, "--user-dict-arn", user]));
    assert!(
        with_user[1].contains(&format!(
            "--parameter-overrides JiebaLayerArn={shared} UserDictLayerArn={user} --region eu-west-1"
        )),
        "{}",
        with_user[1]
    );
    let elsewhere = aws.script("deploy", ["--dry-run", "--user-dict-arn", user, "--region", "us-east-1"]);
    assert_eq!(elsewhere.code, Some(2), "{}", elsewhere.stderr);
    assert!(elsewhere.stderr.contains("is in eu-west-1"), "{}", elsewhere.stderr);

    // Sharing the layer the stack creates, and another parameter with spaces.
    let sharing = ok_lines(aws.script(
        "deploy",
        [
            "--dry-run",
            "--share-account",
            ACCOUNT_A,
            "--share-account",
            ACCOUNT_B,
            "--share-organization-id",
            ORG,
            "--parameter",
            "ImageUrls=https://a.example/1.png https://b.example/2.png",
            "--region",
            "ap-southeast-1",
        ],
    ));
    assert!(
        sharing[1].contains(&format!(
            "--parameter-overrides LayerShareAccountIds={ACCOUNT_A},{ACCOUNT_B} LayerShareOrganizationId={ORG} 'ImageUrls=\"https://a.example/1.png https://b.example/2.png\"' --region ap-southeast-1"
        )),
        "{}",
        sharing[1]
    );

    let deploy = |args: &[&str]| aws.script("deploy", args.iter().copied());
    // The architecture reaches sam build's makefile through the environment.
    let x86 = ok_lines(deploy(&["--dry-run", "--parameter", "Architecture=x86_64"]));
    assert!(x86[0].starts_with("env TOOLBOX_ARCH=x86_64 "), "{}", x86[0]);
    assert!(x86[0].ends_with("--parameter-overrides Architecture=x86_64"), "{}", x86[0]);
    assert!(x86[1].contains("sam deploy") && x86[1].ends_with("Architecture=x86_64"), "{}", x86[1]);
    deploy(&["--dry-run", "--parameter", "Architecture=aarch64"]).fails(2, "Architecture is x86_64 or arm64");
    deploy(&["--dry-run", "--layer-arn", "toolbox-jieba"]).fails(2, "is not a Lambda layer version ARN");
    deploy(&["--dry-run", "--layer-arn", shared, "--share-account", ACCOUNT_A]).fails(2, "creates none");
    deploy(&["--dry-run", "--layer-arn", shared, "--region", "us-east-1"])
        .fails(2, "only use a layer from its own region");
    deploy(&["--dry-run", "--share-account", "42"]).fails(2, "'42' is not an AWS account ID");
    deploy(&["--dry-run", "--share-organization-id", "org"]).fails(2, "is not an AWS Organizations ID");
    let six: Vec<String> = (1..=6).map(|i| format!("{i}{i}{i}{i}{i}{i}{i}{i}{i}{i}{i}{i}")).collect();
    let mut args = vec!["--dry-run"];
    for id in &six {
        args.extend(["--share-account", id.as_str()]);
    }
    deploy(&args).fails(2, "at most 5 accounts");
    deploy(&["--dry-run", "--parameter", "JiebaLayerArn=x"]).fails(2, "use --layer-arn");

    // jieba's big dictionary: created by the stack, or an existing layer in the stack's region.
    let big = ok_lines(deploy(&["--dry-run", "--dictionary", "big", "--parameter", "DefaultDictionary=big"]));
    assert!(big[1].ends_with("--parameter-overrides BigDictionaryLayer=create DefaultDictionary=big"), "{}", big[1]);
    let big_arn = "arn:aws:lambda:eu-west-1:210987654321:layer:toolbox-jieba-big:3";
    let existing = ok_lines(deploy(&["--dry-run", "--big-layer-arn", big_arn]));
    assert!(
        existing[1].ends_with(&format!("--parameter-overrides BigDictionaryLayer={big_arn} --region eu-west-1")),
        "{}",
        existing[1]
    );
    deploy(&["--dry-run", "--big-layer-arn", big_arn, "--region", "us-east-1"])
        .fails(2, "only use a layer from its own region");
    deploy(&["--dry-run", "--dictionary", "big", "--big-layer-arn", big_arn]).fails(2, "not both");
    deploy(&["--dry-run", "--dictionary", "huge"]).fails(2, "must be default or big");
    deploy(&["--dry-run", "--parameter", "DefaultDictionary=big"]).fails(2, "needs the big dictionary's layer");
    deploy(&["--dry-run", "--parameter", "BigDictionaryLayer=create"]).fails(2, "use --dictionary big");
    deploy(&["--dry-run", "--stack-name", "9lives"]).fails(2, "not a valid stack name");
    deploy(&["--dry-run", "--parameter", "JwtIssuer=https://issuer.example"]).fails(2, "needs --parameter JwtAudience");
    let jwt = ok_lines(deploy(&[
        "--dry-run",
        "--parameter",
        "JwtIssuer=https://issuer.example",
        "--parameter",
        "JwtAudience=a,b",
        "--parameter",
        "ThrottlingRateLimit=50",
    ]));
    assert!(
        jwt[1]
            .ends_with("--parameter-overrides JwtIssuer=https://issuer.example JwtAudience=a,b ThrottlingRateLimit=50"),
        "{}",
        jwt[1]
    );
}

#[test]
fn every_command_has_help() {
    let aws = Aws::nowhere().without_credentials();
    for name in ["publish-layer", "share-layer", "deploy"] {
        let run = aws.script(name, ["--help"]).ok();
        assert!(run.stdout.starts_with(&format!("Usage: scripts/{name}")), "{name}: {}", run.stdout);
        assert!(run.stdout.contains("--region") && run.stdout.contains("--profile"), "{name}");
        assert!(run.stdout.contains("AWS_ENDPOINT_URL"), "{name}");
    }
}

/// Real AWS writes grants differently from moto (account principals as IAM
/// root ARNs, organizations as a condition): share-layer reads both.
#[test]
fn policy_reader_understands_aws_and_moto_shapes() {
    let aws_policy = serde_json::json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [
            {"Sid": "toolbox-account-111111111111", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Action": "lambda:GetLayerVersion", "Resource": "arn:aws:lambda:eu-west-1:123456789012:layer:toolbox-jieba:1"},
            {"Sid": "toolbox-org-o-a1b2c3d4e5", "Effect": "Allow", "Principal": "*",
             "Action": "lambda:GetLayerVersion", "Resource": "arn:aws:lambda:eu-west-1:123456789012:layer:toolbox-jieba:1",
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
            {"Sid": "toolbox-public", "Effect": "Allow", "Principal": "*",
             "Action": "lambda:GetLayerVersion", "Resource": "arn:aws:lambda:eu-west-1:123456789012:layer:toolbox-jieba:1"}
        ]
    });
    let moto_policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "toolbox-account-222222222222", "Effect": "Allow", "Principal": "222222222222",
             "Action": "lambda:GetLayerVersion", "Resource": "r"},
            {"Sid": "toolbox-org-o-a1b2c3d4e5", "Effect": "Allow", "Principal": "*", "OrganizationId": "o-a1b2c3d4e5",
             "Action": "lambda:GetLayerVersion", "Resource": "r"}
        ]
    });
    let read = |document: &serde_json::Value| -> Vec<String> {
        let response = serde_json::json!({"Policy": document.to_string(), "RevisionId": "x"}).to_string();
        let mut child = Command::new(venv().join("bin/python"))
            .arg(root().join("scripts/lib/layer_tool.py"))
            .arg("policy")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), response.as_bytes()).unwrap();
        let run = Run::new("layer_tool.py policy".into(), child.wait_with_output().unwrap()).ok();
        run.stdout.lines().map(str::to_string).collect()
    };
    assert_eq!(
        read(&aws_policy),
        [
            "account\t111111111111\tlambda:GetLayerVersion\ttoolbox-account-111111111111",
            "organization\to-a1b2c3d4e5\tlambda:GetLayerVersion\ttoolbox-org-o-a1b2c3d4e5",
            "public\t*\tlambda:GetLayerVersion\ttoolbox-public",
        ]
    );
    assert_eq!(
        read(&moto_policy),
        [
            "account\t222222222222\tlambda:GetLayerVersion\ttoolbox-account-222222222222",
            "organization\to-a1b2c3d4e5\tlambda:GetLayerVersion\ttoolbox-org-o-a1b2c3d4e5",
        ]
    );
}

#[test]
fn delete_dry_run_shows_the_commands() {
    let aws = Aws::nowhere().without_credentials();
    let plain = ok_lines(aws.script("delete", ["--dry-run"]));
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert!(plain[0].ends_with("sam delete --stack-name lambda-toolbox --no-prompts"), "{}", plain[0]);
    let all = ok_lines(aws.script(
        "delete",
        ["--dry-run", "--delete-layers", "--stack-name", "tools", "--region", "eu-west-1", "--profile", "p"],
    ));
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(
        all[0].ends_with("sam delete --stack-name tools --no-prompts --region eu-west-1 --profile p"),
        "{}",
        all[0]
    );
    for (i, layer) in [(1, "toolbox-jieba"), (3, "toolbox-userdict")] {
        assert!(
            all[i].ends_with(&format!(
                "aws --region eu-west-1 --profile p lambda list-layer-versions --layer-name {layer}"
            )),
            "{}",
            all[i]
        );
        assert!(
            all[i + 1].contains(&format!("lambda delete-layer-version --layer-name {layer} --version-number VERSION")),
            "{}",
            all[i + 1]
        );
    }
    aws.script("delete", ["--stack-name", "9lives"]).fails(2, "not a valid stack name");
    aws.script("delete", ["--force"]).fails(2, "unexpected argument '--force'");
}

#[test]
fn delete_removes_the_stack_and_the_layers_only_when_asked() {
    let moto = Moto::start();
    let aws = Aws::new(&moto);
    let dir = TempDir::new("delete");
    let zip = dir.path().join("layer.zip");
    let bytes = toolbox_pack::zip::write_zip(vec![toolbox_pack::zip::Entry::new("toolbox/x", 0o644, b"x".to_vec())]);
    fs::write(&zip, bytes.unwrap()).unwrap();
    let stack = |args: &[&str]| {
        let mut all = vec!["cloudformation"];
        all.extend_from_slice(args);
        aws.cli(all)
    };
    let template = r#"{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}"#;
    let stacks = || {
        stack(&[
            "list-stacks",
            "--query",
            "StackSummaries[?StackStatus!='DELETE_COMPLETE'].StackName",
            "--output",
            "text",
        ])
        .ok()
        .stdout
        .trim()
        .to_string()
    };
    let versions = || {
        aws.cli([
            "lambda",
            "list-layer-versions",
            "--layer-name",
            "toolbox-jieba",
            "--query",
            "LayerVersions[].Version",
            "--output",
            "text",
        ])
        .ok()
        .stdout
        .split_whitespace()
        .count()
    };
    stack(&["create-stack", "--stack-name", "lambda-toolbox", "--template-body", template]).ok();
    for _ in 0..2 {
        let file = format!("fileb://{}", zip.display());
        aws.cli(["lambda", "publish-layer-version", "--layer-name", "toolbox-jieba", "--zip-file", file.as_str()]).ok();
    }
    assert_eq!((stacks().as_str(), versions()), ("lambda-toolbox", 2));

    // Not a terminal and no --yes: it lists what it would delete and deletes nothing.
    let refused = aws.script("delete", ["--delete-layers"]).fails(1, "run again with --yes");
    assert!(refused.stderr.contains("the layer version toolbox-jieba version 2"), "{}", refused.stderr);
    assert_eq!((stacks().as_str(), versions()), ("lambda-toolbox", 2));

    // --yes: the stack goes, the layer versions stay.
    let kept = aws.script("delete", ["--yes"]).ok();
    assert!(kept.stderr.contains("layer versions are kept"), "{}", kept.stderr);
    assert_eq!((stacks().as_str(), versions()), ("", 2));

    // --delete-layers: they go too.
    stack(&["create-stack", "--stack-name", "lambda-toolbox", "--template-body", template]).ok();
    aws.script("delete", ["--yes", "--delete-layers"]).ok();
    assert_eq!((stacks().as_str(), versions()), ("", 0));
}
