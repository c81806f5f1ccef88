//! Clients that attack the runner rather than use it: bodies dripped a byte
//! at a time, bodies and headers that stop half way, more connections than
//! the cap, and another process taking an instance's events from its
//! Runtime API. Each must cost bounded memory and time and never stop the
//! runner from serving everyone else.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Runner;
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures.yaml")
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Reads until the peer closes (or `limit` passes); returns what came and
/// whether the connection was closed.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (out, true),
        }
    }
    (out, false)
}

fn status_of(raw: &[u8]) -> Option<u16> {
    std::str::from_utf8(raw.get(..12)?).ok()?.split_whitespace().nth(1)?.parse().ok()
}

fn body_of(raw: &[u8]) -> Value {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a head") + 4;
    serde_json::from_slice(&raw[split..]).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(raw)))
}

#[test]
fn a_body_dripped_a_byte_at_a_time_costs_its_size_not_kilobytes_per_byte() {
    const CLIENTS: usize = 20;
    const BYTES: usize = 4096;
    let runner = Runner::start(&fixtures(), &[]);
    let pid = runner.child.id();
    // Warm: one instance started, the runner's buffers at their usual size.
    assert_eq!(runner.request("POST", "/echo/warm", &[], &[b'x'; BYTES]).status, 200);
    let before = rss_kib(pid);

    let replies: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|_| {
                s.spawn(|| {
                    let mut stream = TcpStream::connect(runner.addr).unwrap();
                    stream.set_nodelay(true).unwrap();
                    let head = format!(
                        "POST /echo/drip HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {BYTES}\r\n\r\n"
                    );
                    stream.write_all(head.as_bytes()).unwrap();
                    // One byte per TCP segment: the runner reads each alone.
                    for _ in 0..BYTES {
                        stream.write_all(b"x").unwrap();
                        std::thread::sleep(Duration::from_micros(700));
                    }
                    read_until_closed(&mut stream, Duration::from_secs(20)).0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let after = rss_kib(pid);
    for reply in &replies {
        assert_eq!(status_of(reply), Some(200), "{}", String::from_utf8_lossy(reply));
        let event: Value = serde_json::from_str(body_of(reply)["event"].as_str().unwrap()).unwrap();
        assert_eq!(event["body"].as_str().map(str::len), Some(BYTES), "the whole body arrived");
    }
    let grown_mib = after.saturating_sub(before) / 1024;
    eprintln!("toolbox-local RSS {before} KiB before, {after} KiB after {CLIENTS} × {BYTES} dripped bytes");
    // Before: ~3.5 KiB per byte received, 20 × 4096 bytes → ~280 MiB.
    assert!(grown_mib < 32, "RSS grew {grown_mib} MiB ({before} → {after} KiB) for {CLIENTS} × {BYTES} dripped bytes");
}

#[test]
fn a_body_that_stops_half_way_gets_408_and_a_closed_connection() {
    let runner = Runner::start(&fixtures(), &["--body-timeout", "1"]);
    let started = Instant::now();
    let mut stalled = TcpStream::connect(runner.addr).unwrap();
    stalled.write_all(b"POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789").unwrap();
    // The largest chunk size there is, then nothing.
    let mut huge_chunk = TcpStream::connect(runner.addr).unwrap();
    huge_chunk
        .write_all(b"POST /echo/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc")
        .unwrap();

    let (reply, closed) = read_until_closed(&mut stalled, Duration::from_secs(5));
    assert!(closed, "the stalled connection is still open after {:?}", started.elapsed());
    assert_eq!(status_of(&reply), Some(408), "{}", String::from_utf8_lossy(&reply));
    assert_eq!(body_of(&reply), json!({"message": "Request Timeout"}));
    let (reply, closed) = read_until_closed(&mut huge_chunk, Duration::from_secs(5));
    assert!(closed, "the chunked connection is still open");
    assert!(status_of(&reply).is_some_and(|s| (400..500).contains(&s)), "{}", String::from_utf8_lossy(&reply));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(runner.get("/echo/after").status, 200, "still serving:\n{}", runner.log());
}

#[test]
fn headers_that_never_end_close_the_connection() {
    let runner = Runner::start(&fixtures(), &["--header-timeout", "1"]);
    let mut silent = TcpStream::connect(runner.addr).unwrap();
    let mut partial = TcpStream::connect(runner.addr).unwrap();
    partial.write_all(b"GET /echo/x HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
    for stream in [&mut silent, &mut partial] {
        let (reply, closed) = read_until_closed(stream, Duration::from_secs(5));
        assert!(closed, "a connection sending no complete head is still open after 5 s");
        assert!(reply.is_empty() || status_of(&reply).is_some_and(|s| s >= 400), "{}", String::from_utf8_lossy(&reply));
    }
    // Headers larger than API Gateway takes: 431, not memory.
    let big = format!("GET /echo/x HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(64 * 1024));
    let reply = runner.raw(big.as_bytes()).expect("an answer");
    assert_eq!(reply.status, 431);
    assert_eq!(runner.get("/echo/after").status, 200, "still serving:\n{}", runner.log());
}

/// Bytes HTTP/1.1 does not allow in a request line (RFC 9112: the target
/// is visible ASCII) are refused by hyper before any route or API exists:
/// its own 400 with an empty body, and the connection closed. Decided, not
/// fixed: there is no request yet to give an API Gateway-shaped answer to,
/// and API Gateway documents none for it. A percent-encoded 0xFF is
/// a request, and gets the tool's JSON error (tested in the gateway).
#[test]
fn a_raw_byte_above_ascii_in_the_request_target_is_hypers_400_and_a_closed_connection() {
    let runner = Runner::start(&fixtures(), &[]);
    for raw in [&b"GET /echo/x?q=\xff HTTP/1.1\r\nHost: x\r\n\r\n"[..], b"GET /echo/\xff HTTP/1.1\r\nHost: x\r\n\r\n"] {
        let mut stream = TcpStream::connect(runner.addr).unwrap();
        stream.write_all(raw).unwrap();
        let (reply, closed) = read_until_closed(&mut stream, Duration::from_secs(5));
        assert_eq!(status_of(&reply), Some(400), "{}", String::from_utf8_lossy(&reply));
        assert!(String::from_utf8_lossy(&reply).contains("content-length: 0"), "{}", String::from_utf8_lossy(&reply));
        assert!(closed, "the connection stays open after a request line hyper refused");
    }
    assert_eq!(runner.get("/echo/after").status, 200, "still serving:\n{}", runner.log());
}

#[test]
fn past_the_connection_cap_a_new_connection_gets_503_and_the_rest_are_served() {
    let runner = Runner::start(&fixtures(), &["--max-connections", "4"]);
    // Four idle connections fill the cap.
    let held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(runner.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut fifth = TcpStream::connect(runner.addr).unwrap();
    fifth.write_all(b"GET /echo/x HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let (reply, closed) = read_until_closed(&mut fifth, Duration::from_secs(5));
    assert!(closed, "the refused connection is closed");
    assert_eq!(status_of(&reply), Some(503), "{}", String::from_utf8_lossy(&reply));
    assert_eq!(body_of(&reply), json!({"message": "Too many open connections: retry later"}));
    assert!(runner.wait_for_log("4 connections open (--max-connections)"), "{}", runner.log());
    drop(held);
    // Their slots come back as soon as they close.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = runner.get("/echo/after");
        if reply.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "never served again: {}", reply.status);
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn only_the_instance_itself_can_use_its_runtime_api() {
    let runner = Runner::start(&fixtures(), &[]);
    let first = runner.get("/echo/first");
    assert_eq!(first.status, 200);
    let api = first.json()["env"]["AWS_LAMBDA_RUNTIME_API"].as_str().unwrap().to_owned();

    // Another process (this test) asks for the instance's next event.
    let mut thief = TcpStream::connect(&api).unwrap();
    thief.write_all(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let (reply, closed) = read_until_closed(&mut thief, Duration::from_secs(5));
    assert!(closed, "the Runtime API kept a stranger's connection open");
    assert_eq!(status_of(&reply), Some(403), "{}", String::from_utf8_lossy(&reply));
    assert_eq!(body_of(&reply)["errorType"], "AccessDenied");

    // Nor may it answer an event: the client gets the function's own answer.
    let mut forger = TcpStream::connect(&api).unwrap();
    forger
        .write_all(b"POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        .unwrap();
    assert_eq!(status_of(&read_until_closed(&mut forger, Duration::from_secs(5)).0), Some(403));
    let second = runner.get("/echo/second");
    assert_eq!(second.status, 200, "{}", runner.log());
    let event: Value = serde_json::from_str(second.json()["event"].as_str().unwrap()).unwrap();
    assert_eq!(event["rawPath"], "/echo/second");
    assert!(runner.wait_for_log("not made by the instance's process"), "{}", runner.log());
}

#[test]
fn a_stranger_hammering_the_runtime_api_neither_stalls_the_runner_nor_floods_the_log() {
    const STRANGERS: usize = 8;
    const ATTACK: Duration = Duration::from_secs(3);
    // Idle instances stop after 1 s: the attacked one, once the attack ends.
    let runner = Runner::start(&fixtures(), &["--idle-timeout", "1"]);
    let first = runner.get("/echo/first");
    assert_eq!(first.status, 200);
    let api = first.json()["env"]["AWS_LAMBDA_RUNTIME_API"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let (refused, latencies) = std::thread::scope(|s| {
        let strangers: Vec<_> = (0..STRANGERS)
            .map(|_| {
                s.spawn(|| {
                    // connect, GET /next, close: as fast as the runner answers.
                    let mut refused = 0usize;
                    while started.elapsed() < ATTACK {
                        let Ok(mut stream) = TcpStream::connect(&api) else { continue };
                        let _ =
                            stream.write_all(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n");
                        let (reply, _) = read_until_closed(&mut stream, Duration::from_secs(2));
                        refused += usize::from(status_of(&reply) == Some(403));
                    }
                    refused
                })
            })
            .collect();
        // Meanwhile an ordinary client uses the very instance under attack.
        let mut latencies = Vec::new();
        while started.elapsed() < ATTACK {
            let sent = Instant::now();
            let reply = runner.get("/echo/during");
            assert_eq!(reply.status, 200, "{}", runner.log());
            latencies.push(sent.elapsed());
        }
        let refused: usize = strangers.into_iter().map(|h| h.join().unwrap()).sum();
        (refused, latencies)
    });
    assert_eq!(runner.get("/echo/after").status, 200, "{}", runner.log());
    // When the instance stops, the refusals no line told of yet.
    assert!(runner.wait_for_log("more connections refused"), "{}", runner.log());

    let mut sorted = latencies.clone();
    sorted.sort();
    let p50 = sorted[sorted.len() / 2];
    let max = *sorted.last().unwrap();
    let log = runner.log();
    let refusal_lines = log.lines().filter(|l| l.contains("refused")).count();
    eprintln!(
        "{refused} stranger connections refused in {ATTACK:?} ({:.0}/s); {} ordinary requests, p50 {p50:?}, max {max:?}; {refusal_lines} refusal log lines",
        refused as f64 / ATTACK.as_secs_f64(),
        latencies.len()
    );
    assert!(refused > 0, "the strangers were never refused: {log}");
    // Before: 91 refusals/s, p50 320 ms here (4.2 s on the issue's
    // machine); after: some 3,000 refusals/s, p50 5 ms. The bound leaves
    // room for a loaded machine; the log bound below is the strict one.
    assert!(p50 < Duration::from_millis(250), "ordinary requests slowed to p50 {p50:?} (max {max:?})");
    // One line at the first refusal, then at most one every 10 s, and the
    // count at the end.
    assert!(refusal_lines <= 3, "{refusal_lines} log lines for {refused} refusals:\n{}", &log[..log.len().min(4000)]);
}
