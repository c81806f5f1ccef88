//! Speaks nonsense to the Runtime API, then answers its event with bytes
//! that are not a proxy response. The runner must survive all of it and
//! answer 502.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn send(api: &str, raw: &[u8]) -> Vec<u8> {
    let Ok(mut stream) = TcpStream::connect(api) else { return Vec::new() };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let _ = stream.write_all(raw);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").unwrap_or_default();
    // Not HTTP at all, binary junk, then a well-formed call to a wrong path
    // and an answer for a request that does not exist.
    send(&api, b"\x00\xff\x13 this is not HTTP\r\n\r\n");
    send(&api, &[0xde, 0xad, 0xbe, 0xef, b'\n', b'\n']);
    send(&api, b"GET /2018-06-01/runtime/nonsense HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    send(
        &api,
        b"POST /2018-06-01/runtime/invocation/not-a-request/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    loop {
        let next =
            send(&api, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let text = String::from_utf8_lossy(&next).into_owned();
        let Some(id) = header(&text, "lambda-runtime-aws-request-id") else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let body = b"]]] definitely {not json";
        let request = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let mut raw = request.into_bytes();
        raw.extend_from_slice(body);
        send(&api, &raw);
    }
}
