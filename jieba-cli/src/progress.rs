//! The progress bar: on stderr, only when stderr is a terminal and `-q`
//! is not given (a pipe or a log file gets nothing extra). Input bytes
//! done, the rate and, for a file (whose size is known), the total and
//! the time left.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// `total`: the input's size, if known (a file; not stdin).
    pub fn new(quiet: bool, total: Option<u64>) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template(
                    "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
                )
                .expect("a valid template"),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {binary_bytes} {binary_bytes_per_sec} {elapsed} {msg}")
                    .expect("a valid template"),
            ),
        };
        Progress(Some(bar))
    }

    /// `bytes` more of the input are segmented and written.
    pub fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes);
        }
    }

    /// Whether a bar is drawn at all.
    pub fn shown(&self) -> bool {
        self.0.is_some()
    }

    /// A note beside the bar (the API's requests, retries, throttling).
    pub fn say(&self, note: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(note.to_owned());
        }
    }

    /// The run ended (done or not): the bar leaves the terminal as it was.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
