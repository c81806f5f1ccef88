//! Child processes: each bootstrap runs in its own process group, dies with
//! the runner (`PR_SET_PDEATHSIG`), and is killed as a group. A registry of
//! live groups lets shutdown kill every one of them.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::watch;

use crate::{log, metrics};

static GROUPS: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

fn register(pgid: i32) {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashSet::new).insert(pgid);
}

fn unregister(pgid: i32) {
    if let Some(set) = GROUPS.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        set.remove(&pgid);
    }
}

/// SIGKILLs a whole process group. Safe to call twice.
pub fn kill_group(pgid: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals the group; no memory involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Kills every child group still alive (shutdown, or the runner panicking).
pub fn kill_all() {
    let groups: Vec<i32> = GROUPS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    for pgid in groups {
        kill_group(pgid);
    }
}

/// How many child groups are alive.
pub fn live_groups() -> usize {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map_or(0, HashSet::len)
}

pub struct Child {
    pub pid: i32,
    /// `Some(status)` once the process has exited and been reaped.
    pub exited: watch::Receiver<Option<ExitStatus>>,
}

impl Child {
    pub fn kill(&self) {
        kill_group(self.pid);
    }

    pub fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// Waits until the process has exited (after a kill, to reap it).
    pub async fn wait(&mut self) -> Option<ExitStatus> {
        let status = self.exited.wait_for(Option::is_some).await.ok()?;
        *status
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // An instance is never dropped with its process left running.
        self.kill();
    }
}

/// Starts `program` with `args` and exactly `env`, stdin closed,
/// stdout/stderr forwarded line by line to our stderr as `[label] line`
/// (unless `quiet`), and read for EMF records ([`metrics`]).
pub fn spawn(
    program: &Path,
    args: &[OsString],
    cwd: &Path,
    env: &[(String, String)],
    label: &str,
    quiet: bool,
) -> io::Result<Child> {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    // SAFETY: only async-signal-safe calls (prctl, getppid, kill) between fork and exec.
    let parent = unsafe { libc::getpid() };
    unsafe {
        command.pre_exec(move || {
            // Die with the runner, even on SIGKILL (the signal follows the
            // thread that forked: the runner runs on one thread for life).
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                // The runner died between fork and prctl.
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            Ok(())
        });
    }
    let mut child = command.spawn()?;
    let pid = child.id().map(|p| p as i32).ok_or_else(|| io::Error::other("child exited at once"))?;
    register(pid);

    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward(out, label.to_owned(), quiet));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward(err, label.to_owned(), quiet));
    }
    let (tx, exited) = watch::channel(None);
    tokio::spawn(async move {
        let status = child.wait().await.ok();
        // The leader is gone; make sure nothing it started lingers.
        kill_group(pid);
        unregister(pid);
        let _ = tx.send(Some(status.unwrap_or_else(|| std::os::unix::process::ExitStatusExt::from_raw(0))));
    });
    Ok(Child { pid, exited })
}

async fn forward(stream: impl AsyncRead + Unpin, label: String, quiet: bool) {
    let mut lines = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // Bounded: a function printing one endless line cannot exhaust memory.
        match (&mut lines).take(64 * 1024).read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf);
                let text = text.trim_end_matches(['\n', '\r']);
                // Lambda hands stdout and stderr alike to CloudWatch Logs,
                // which reads EMF records in either.
                metrics::METRICS.log_line(&label, text);
                if !quiet {
                    log::line(&label, text);
                }
            }
        }
    }
}

/// Peak resident memory (`VmHWM`) of a process, in KiB.
pub fn peak_rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
