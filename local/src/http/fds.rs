//! File descriptors: the connection cap only protects other clients if the
//! runner can still open sockets and pipes for its instances at the cap.

use crate::log;

/// Descriptors kept for everything but client connections: each instance
/// holds two pipes, its Runtime API listener and connections, and the
/// runner a few files of its own.
const RESERVED: u64 = 256;

/// The connection cap this process can honour: raises the soft
/// `RLIMIT_NOFILE` toward the hard one if `wanted` needs it, and lowers the
/// cap (with a warning) if even the hard limit is too small.
pub fn fit_connections(wanted: usize) -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return wanted;
    }
    let needed = wanted as u64 + RESERVED;
    if limit.rlim_cur < needed && limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: needed.min(limit.rlim_max), rlim_max: limit.rlim_max };
        // SAFETY: setrlimit reads the struct we own; raising the soft limit
        // up to the hard one needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = raised.rlim_cur;
        }
    }
    if limit.rlim_cur >= needed {
        return wanted;
    }
    let fitted = limit.rlim_cur.saturating_sub(RESERVED).max(1) as usize;
    log::line(
        "local",
        &format!(
            "warning: {wanted} connections need {needed} file descriptors but the limit is {} (ulimit -n): \
             capping connections at {fitted}",
            limit.rlim_cur
        ),
    );
    fitted
}
