//! A plain HTTP client for tests that talk to a toolbox-local they started.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One `GET path` to `addr` over its own connection (`Connection: close`,
/// 60 s to answer): the status (0 if none came) and the body.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    request(addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), path)
}

/// One `POST path` of a JSON `body` to `addr`, as [`http_get`] does a GET.
pub fn http_post_json(addr: &str, path: &str, body: &str) -> (u16, String) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    request(addr, &(head + body), path)
}

fn request(addr: &str, request: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap_or_else(|e| panic!("{path} from {addr}: {e}"));
    let status = raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body.to_owned())
}
