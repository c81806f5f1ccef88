//! Everything the runner says goes to stderr, one whole line at a time, so
//! lines from concurrent instances never interleave mid-line.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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

/// Something that may happen many times a second (a refused request, a
/// refused connection), worth a line at its first occurrence and then at
/// most once per `every`, saying how many went unlogged in between: a flood
/// costs a few lines, not one each.
#[derive(Debug)]
pub struct Sparse {
    every: Duration,
    logged: Option<Instant>,
    unlogged: u64,
}

impl Sparse {
    pub const fn new(every: Duration) -> Sparse {
        Sparse { every, logged: None, unlogged: 0 }
    }

    /// One more occurrence at `now`: `Some(n)` if it is worth a line, `n`
    /// being how many since the last line were not.
    pub fn occur(&mut self, now: Instant) -> Option<u64> {
        if self.logged.is_some_and(|at| now.saturating_duration_since(at) < self.every) {
            self.unlogged += 1;
            return None;
        }
        self.logged = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }

    /// How many occurrences no line has told of yet (then none).
    pub fn take_unlogged(&mut self) -> u64 {
        std::mem::take(&mut self.unlogged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_a_line_then_one_every_period_with_the_count_between() {
        let mut sparse = Sparse::new(Duration::from_secs(10));
        let start = Instant::now();
        assert_eq!(sparse.occur(start), Some(0));
        assert_eq!((1..=5).filter_map(|s| sparse.occur(start + Duration::from_secs(s))).count(), 0);
        assert_eq!(sparse.occur(start + Duration::from_secs(10)), Some(5));
        assert_eq!(sparse.occur(start + Duration::from_secs(11)), None);
        assert_eq!(sparse.take_unlogged(), 1);
        assert_eq!(sparse.take_unlogged(), 0);
    }
}
