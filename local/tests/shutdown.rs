//! No orphans, ever: SIGINT and SIGTERM stop every instance; even a
//! SIGKILLed runner takes its instances with it (PR_SET_PDEATHSIG).

mod common;

use std::path::PathBuf;

use common::{alive, children, gone, send_signal, Runner, SIGINT, SIGKILL, SIGTERM};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures.yaml")
}

/// Starts instances (two idle, one busy sleeping) and returns their pids.
fn busy_runner() -> (Runner, Vec<u32>) {
    let runner = Runner::start(&fixtures(), &[]);
    let mut pids = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2).map(|_| s.spawn(|| runner.get("/sleepy?ms=400"))).collect();
        for h in handles {
            pids.push(h.join().unwrap().json()["pid"].as_u64().unwrap() as u32);
        }
    });
    assert_eq!(runner.get("/crashy?crash=false").status, 200);
    // One instance stays busy in a long invocation while we stop the runner.
    let addr = runner.addr;
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            let _ = s.write_all(b"GET /throttled?ms=60000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    });
    assert!(runner.wait_for_log("[sleepy] sleeping 60000 ms"), "{}", runner.log());
    let all = children(runner.child.id());
    assert_eq!(all.len(), 4, "two sleepy, one crashy, one busy: {all:?}\n{}", runner.log());
    for pid in &pids {
        assert!(all.contains(pid));
    }
    (runner, all)
}

#[test]
fn sigint_stops_every_instance() {
    let (mut runner, pids) = busy_runner();
    let status = runner.stop(SIGINT);
    assert!(status.success(), "{status}\n{}", runner.log());
    for pid in pids {
        assert!(gone(pid), "instance {pid} outlived the runner");
    }
    assert!(runner.wait_for_log("SIGINT: stopping 4 instance(s)"), "{}", runner.log());
}

#[test]
fn sigterm_stops_every_instance() {
    let (mut runner, pids) = busy_runner();
    let status = runner.stop(SIGTERM);
    assert!(status.success(), "{status}");
    for pid in pids {
        assert!(gone(pid), "instance {pid} outlived the runner");
    }
}

#[test]
fn a_sigkilled_runner_takes_its_instances_with_it() {
    let (mut runner, pids) = busy_runner();
    assert!(pids.iter().all(|p| alive(*p)));
    send_signal(runner.child.id() as i32, SIGKILL);
    let _ = runner.child.wait();
    for pid in pids {
        assert!(gone(pid), "instance {pid} was orphaned");
    }
}
