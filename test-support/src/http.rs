//! A plain HTTP client for tests that talk to a toolbox-local they started.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One `GET path` to `addr` over its own connection (`Connection: close`,
/// 60 s to answer): the status (0 if none came) and the body.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap_or_else(|e| panic!("GET {path} from {addr}: {e}"));
    let status = raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, body.to_owned())
}
