//! Everything the runner says goes to stderr, one whole line at a time, so
//! lines from concurrent instances never interleave mid-line.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no START/END/REPORT lines and no function output; warnings and
/// errors are still printed.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `[label] text`, always printed.
pub fn line(label: &str, text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "[{label}] {text}");
}

/// `[label] text`, unless quiet.
pub fn info(label: &str, text: &str) {
    if !quiet() {
        line(label, text);
    }
}
