//! `toolbox-jieba --api URL` against toolbox-local serving the repository's
//! template: the same bytes as segmenting here (which python_cli.rs holds
//! to `python -m jieba`), through throttling (429s, retried), a function
//! killed mid-run (502s, retried), an over-long line (a 413 that stops the
//! run after the lines before it), 100,000 lines in order, and `--resume`;
//! and against a stand-in API: the bearer token, `Retry-After`, a 401.
//! Needs `scripts/build-layer` (both dictionaries) and `scripts/news-corpus`;
//! `scripts/test` runs them first.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{first_difference, repo, scratch};

fn layers() -> [PathBuf; 2] {
    [common::layer(), common::big_layer()]
}

/// toolbox-local and the segment function, built once in this test's
/// profile; the directory their binaries are in.
fn built() -> &'static Path {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf();
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo.current_dir(repo()).args(["build", "--quiet", "-p", "toolbox-local", "-p", "segment"]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        assert!(cargo.status().unwrap().success(), "building toolbox-local and segment failed");
        profile_dir
    })
}

/// `toolbox-local serve` of template.yaml on a free port, its stderr kept
/// (and drained, so a chatty function never blocks on a full pipe).
struct Served {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Served {
    fn start(parameters: &[&str]) -> Served {
        let dir = built();
        let arch = if std::env::consts::ARCH == "aarch64" { "arm64" } else { "x86_64" };
        let [layer, big] = layers();
        let mut command = Command::new(dir.join("toolbox-local"));
        command
            .current_dir(repo())
            .args(["serve", "--template", "template.yaml", "--port", "0", "--quiet", "--bin-dir"])
            .arg(dir)
            .arg("--layer-dir")
            .arg(layer)
            .arg("--layer-dir")
            .arg(big)
            .args(["--parameter", &format!("Architecture={arch}")]);
        for parameter in parameters {
            command.args(["--parameter", parameter]);
        }
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (stderr, sink) = (child.stderr.take().unwrap(), Arc::clone(&log));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let text = log.lock().unwrap().clone();
            if let Some(rest) = text.split("listening on ").nth(1) {
                break format!("{}/", rest.lines().next().unwrap().trim());
            }
            assert!(Instant::now() < deadline, "toolbox-local did not start:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        };
        Served { child, url, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `toolbox-jieba ARGS` (with `-q`, both layers), `stdin` fed from a thread.
fn jieba(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let [layer, big] = layers();
    let mut command = Command::new(env!("CARGO_BIN_EXE_toolbox-jieba"));
    command.arg("-q").arg("--layer-dir").arg(layer).arg("--layer-dir").arg(big);
    command.args(args).env_remove("TOOLBOX_TOKEN");
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let feeder = stdin.map(|bytes| {
        let (mut pipe, bytes) = (child.stdin.take().unwrap(), bytes.to_vec());
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let output = child.wait_with_output().unwrap();
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    output
}

/// `--api` with `api_args` and local mode give the same bytes and status.
fn assert_same_as_here(what: &str, args: &[&str], api_args: &[&str], stdin: Option<&[u8]>) -> Output {
    let here = jieba(args, stdin);
    let api = jieba(&[api_args, args].concat(), stdin);
    assert!(here.status.success(), "{what}: here: {}", String::from_utf8_lossy(&here.stderr));
    assert!(api.status.success(), "{what}: --api: {}", String::from_utf8_lossy(&api.stderr));
    assert!(api.stdout == here.stdout, "{what}: {}", first_difference(["the API", "here"], &api.stdout, &here.stdout));
    api
}

/// Both corpora in every option the API has, with small batches and more
/// requests in flight than the route's throttle lets through at once: the
/// 429s are retried and nothing shows in the output.
#[test]
fn the_api_writes_what_segmenting_here_writes_through_throttling() {
    let served = Served::start(&["ThrottlingRateLimit=50", "ThrottlingBurstLimit=4"]);
    let news = common::news();
    let reviews = common::reviews();
    let api = ["--api", served.url.as_str(), "--concurrency", "12", "--batch", "40"];
    // Each of the API's parameters at least once (mode, hmm, pos, dictionary)
    // and the delimiters, which are ours.
    let options: [&[&str]; 5] =
        [&[], &["-a", "-n"], &["-p", "-n", "-a"], &["-d", "-p", "/"], &["-D", "big", "-d", "|"]];
    for option in options {
        let args = [option, &[reviews.to_str().unwrap()]].concat();
        assert_same_as_here(&format!("reviews {option:?}"), &args, &api, None);
    }
    let news_lines = std::fs::read(&news).unwrap().split(|&b| b == b'\n').count();
    assert!(news_lines >= 1000, "{news_lines} lines of news");
    assert_same_as_here("news, tags", &["-p", news.to_str().unwrap()], &api, None);
    assert!(served.log().contains("throttled"), "no request was throttled:\n{}", served.log());
}

/// The edge cases of python_cli.rs that fit a request, from stdin (bytes
/// that are not UTF-8 included) and from a file.
#[test]
fn edge_cases_from_stdin_and_files_as_here() {
    let served = Served::start(&[]);
    let api = ["--api", served.url.as_str()];
    let cases: [(&str, &[u8]); 10] = [
        ("crlf", b"\xe6\x88\x91\xe6\x9d\xa5\xe5\x88\xb0\r\nabc def\r\n\r\n"),
        ("lone cr", "我来到\r北京\r\r清华大学\r".as_bytes()),
        ("mixed", b"a\rb\r\nc\n\nd\r\r\ne"),
        ("no final newline", "他来到了网易杭研大厦".as_bytes()),
        ("only newlines", b"\n\n\n"),
        ("empty", b""),
        ("bom", "\u{feff}我来到北京清华大学\n\u{feff}\n".as_bytes()),
        ("nul", "我来到\0北京\0\0清华大学 \t x\0y\n".as_bytes()),
        ("not utf-8 (stdin passes it)", b"ab\xffc \xe6\x88\x91\xe6\x88 d\xed\xa0\x80\n\xc3\n"),
        ("symbols", "C++和C#，.NET、1.5%的A-B_c&d+e 2024年12月2日！？".as_bytes()),
    ];
    let dir = scratch("edges");
    for (name, bytes) in cases {
        for options in [&[][..], &["-p"]] {
            assert_same_as_here(&format!("{name} {options:?} on stdin"), options, &api, Some(bytes));
            if !name.starts_with("not utf-8") {
                let file = dir.join("input.txt");
                std::fs::write(&file, bytes).unwrap();
                let args = [options, &[file.to_str().unwrap()]].concat();
                assert_same_as_here(&format!("{name} {options:?} in a file"), &args, &api, None);
            }
        }
    }
}

/// A line over the API's 131,072 bytes: a 413 stops the run after the
/// lines before it, and the error names the line and what the API said.
#[test]
fn an_over_long_line_stops_the_run_after_the_lines_before_it() {
    let served = Served::start(&[]);
    let lines =
        ["我来到北京清华大学".to_owned(), "他来到了网易杭研大厦".to_owned(), "长".repeat(50_000), "小明".to_owned()];
    let input = lines.join("\n") + "\n";
    let api = jieba(&["--api", &served.url], Some(input.as_bytes()));
    assert_eq!(api.status.code(), Some(1));
    let here = jieba(&[], Some((lines[..2].join("\n") + "\n").as_bytes()));
    assert_eq!(String::from_utf8_lossy(&api.stdout), String::from_utf8_lossy(&here.stdout));
    let stderr = String::from_utf8_lossy(&api.stderr);
    assert!(stderr.contains("<stdin>: line 3: ") && stderr.contains("413 text too large: 150000 bytes"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The segment instances killed again and again while the run goes on:
/// each request they held gets a 502, is retried, and the output is whole.
#[test]
fn a_function_killed_mid_run_costs_retries_not_lines() {
    let served = Served::start(&[]);
    let news = std::fs::read(common::news()).unwrap();
    let input = news;
    let runner = served.child.id();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let killer = {
        let (stop, killed) = (Arc::clone(&stop), Arc::clone(&killed));
        std::thread::spawn(move || {
            // Five kills, a quarter second apart, once the run is under way.
            while !stop.load(std::sync::atomic::Ordering::Relaxed)
                && killed.load(std::sync::atomic::Ordering::Relaxed) < 5
            {
                std::thread::sleep(Duration::from_millis(250));
                for pid in segment_instances(runner) {
                    // SAFETY: kill(2) on a process of this test's runner.
                    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                    killed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        })
    };
    let api = ["--api", served.url.as_str(), "--concurrency", "4", "--batch", "20", "--retries", "20"];
    let here = jieba(&[], Some(&input));
    let through = jieba(&api, Some(&input));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    killer.join().unwrap();
    assert!(through.status.success(), "{}", String::from_utf8_lossy(&through.stderr));
    assert!(through.stdout == here.stdout, "{}", first_difference(["the API", "here"], &through.stdout, &here.stdout));
    assert!(killed.load(std::sync::atomic::Ordering::Relaxed) >= 2, "no instance was killed mid-run");
}

/// The runner's children that are segment instances.
fn segment_instances(runner: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let comm = stat.split('(').nth(1).and_then(|s| s.split(')').next()).unwrap_or("");
        let ppid = stat.rsplit(')').next().unwrap_or("").split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if comm == "segment" && ppid == Some(runner) {
            out.push(pid);
        }
    }
    out
}

/// 100,000 numbered lines with 16 requests in flight: every line once, in
/// order, as here.
#[test]
fn a_hundred_thousand_lines_arrive_whole_and_in_order() {
    let served = Served::start(&["ThrottlingRateLimit=1000", "ThrottlingBurstLimit=1000"]);
    let texts = ["我来到北京清华大学", "他来到了网易杭研大厦", "小明硕士毕业于中国科学院计算所", "", "abc 123"];
    let input: String = (0..100_000).map(|i| format!("{i}\t{}\n", texts[i % texts.len()])).collect();
    let api = assert_same_as_here(
        "100,000 lines",
        &[],
        &["--api", &served.url, "--concurrency", "16"],
        Some(input.as_bytes()),
    );
    let lines: Vec<&[u8]> = api.stdout.split(|&b| b == b'\n').collect();
    assert_eq!(lines.len(), 100_001);
    for (i, line) in lines[..100_000].iter().enumerate() {
        let number = i.to_string();
        assert!(
            line.starts_with(format!("{number} / \t").as_bytes()),
            "line {}: {}",
            i + 1,
            String::from_utf8_lossy(line)
        );
    }
}

/// `--resume OUTPUT` after a run stopped part way (an unfinished last
/// line included) finishes OUTPUT as one whole run would have written it.
#[test]
fn resume_finishes_the_output_a_stopped_run_left() {
    let served = Served::start(&[]);
    let reviews = common::reviews();
    let whole = jieba(&[reviews.to_str().unwrap()], None).stdout;
    let dir = scratch("resume");
    let output = dir.join("out.txt");
    // Stopped after 1,234 lines and part of the next.
    let cut = whole.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(1233).unwrap().0 + 1;
    std::fs::write(&output, &whole[..cut + 5]).unwrap();
    let resumed = jieba(&["--api", &served.url, "--resume", output.to_str().unwrap(), reviews.to_str().unwrap()], None);
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    assert!(resumed.stdout.is_empty());
    let finished = std::fs::read(&output).unwrap();
    assert!(finished == whole, "{}", first_difference(["resumed", "whole"], &finished, &whole));
    // Done already: nothing more to do. More lines than the input: refused.
    assert!(jieba(&["--api", &served.url, "--resume", output.to_str().unwrap(), reviews.to_str().unwrap()], None)
        .status
        .success());
    assert_eq!(std::fs::read(&output).unwrap(), whole);
    let short = dir.join("short.txt");
    std::fs::write(&short, "一行\n").unwrap();
    let refused = jieba(&["--resume", output.to_str().unwrap(), short.to_str().unwrap()], None);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not this input's output"));
}

/// The requests a stand-in API got: when, and their heads.
type Seen = Arc<Mutex<Vec<(Instant, String)>>>;

/// How a stand-in API answers request `n` (from 0) with `body`: the
/// status, extra header lines, the body.
type Answerer = fn(usize, &serde_json::Value) -> (u16, &'static str, String);

/// A stand-in API on 127.0.0.1 that records each request and answers as
/// `answer(n, body)` says (`n` from 0): the status, extra headers, body.
fn stand_in(answer: Answerer) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/prod/segment", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut raw = Vec::new();
            let mut buffer = [0; 65536];
            let body_start = loop {
                let read = stream.read(&mut buffer).unwrap_or(0);
                if read == 0 {
                    break None;
                }
                raw.extend_from_slice(&buffer[..read]);
                if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(at + 4);
                }
            };
            let Some(body_start) = body_start else { continue };
            let head = String::from_utf8_lossy(&raw[..body_start]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            while raw.len() < body_start + length {
                let read = stream.read(&mut buffer).unwrap_or(0);
                if read == 0 {
                    break;
                }
                raw.extend_from_slice(&buffer[..read]);
            }
            let body: serde_json::Value = serde_json::from_slice(&raw[body_start..]).unwrap_or_default();
            record.lock().unwrap().push((Instant::now(), head));
            let (status, headers, answer) = answer(n, &body);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, seen)
}

/// One word a text: the text itself.
fn echo_words(body: &serde_json::Value) -> String {
    let results: Vec<serde_json::Value> =
        body["texts"].as_array().unwrap().iter().map(|t| serde_json::json!({"words": [t]})).collect();
    serde_json::json!({ "results": results }).to_string()
}

#[test]
fn the_token_is_sent_retry_after_is_honoured_and_a_refusal_stops_the_run() {
    let (url, seen) = stand_in(|n, body| match n {
        0 => (429, "retry-after: 1\r\n", r#"{"message":"Too Many Requests"}"#.into()),
        _ => (200, "", echo_words(body)),
    });
    let mut command = Command::new(env!("CARGO_BIN_EXE_toolbox-jieba"));
    command.args(["-q", "--api", &url]).env("TOOLBOX_TOKEN", "tok.en.value");
    let output = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut child = output;
    child.stdin.take().unwrap().write_all("一\n二\n".as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "一\n二\n");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "one 429, then the answer");
    for (_, head) in seen.iter() {
        assert!(head.starts_with("POST /prod/segment HTTP/1.1\r\n"), "{head}");
        assert!(head.to_ascii_lowercase().contains("authorization: bearer tok.en.value\r\n"), "{head}");
    }
    assert!(seen[1].0 - seen[0].0 >= Duration::from_millis(950), "Retry-After: 1 was not waited");
    drop(seen);

    // --token wins over the variable; a 401 is not retried.
    let (url, seen) = stand_in(|_, _| (401, "", r#"{"message":"Unauthorized"}"#.into()));
    let refused = jieba(&["--api", &url, "--token", "other"], Some("一\n".as_bytes()));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("line 1: ") && stderr.contains("401 Unauthorized") && stderr.contains("--token"),
        "{stderr}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].1.to_ascii_lowercase().contains("authorization: bearer other\r\n"));
}

/// A 503 every time: the retries run out and the run stops, naming the
/// lines and how often it tried.
#[test]
fn a_request_that_keeps_failing_stops_after_the_retries() {
    let (url, seen) = stand_in(|_, _| (503, "", r#"{"message":"Service Unavailable"}"#.into()));
    let failed = jieba(&["--api", &url, "--retries", "2"], Some("一\n二\n三\n".as_bytes()));
    assert_eq!(failed.status.code(), Some(1));
    assert!(failed.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("lines 1-3: ") && stderr.contains("503 Service Unavailable, 3 time(s) (--retries 2)"),
        "{stderr}"
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
}
