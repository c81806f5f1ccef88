//! `--jobs N` (and `--api`'s requests in flight): chunks of lines answered
//! on N threads and written in input order, streaming.
//!
//! The reading thread cuts the input into chunks of whole lines and hands
//! them to the workers through a channel of `jobs` places; the writer puts
//! the answers back in order. A worker or the writer that falls behind
//! stops the reader at the full channel, so at most about `3 × jobs`
//! chunks (each at most [`Limits`] of input, and its answers) are in
//! memory, whatever the size of the input. The bytes written are the ones
//! one thread writes: a failure stops the output right after the lines
//! before it, a reader gone (`| head`) ends the run quietly.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use crate::input::Lines;
use crate::segmenter::Segmenter;
use crate::Failure;

/// About this much input a chunk when segmenting here: large enough that
/// handing it over costs nothing beside segmenting it, small enough that
/// memory stays a few MiB.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// How large a chunk may grow: it ends at the first line that reaches
/// `bytes`, or at `lines` lines.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub bytes: usize,
    pub lines: usize,
}

impl Limits {
    /// Segmenting here: [`CHUNK_BYTES`], any number of lines.
    pub const LOCAL: Limits = Limits { bytes: CHUNK_BYTES, lines: usize::MAX };
}

/// Lines to answer: their bytes end to end, where each ends, and the
/// number of the first (from 1, for error messages).
pub struct Chunk {
    pub first_line: usize,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// The input failed after these lines.
    read_error: Option<io::Error>,
}

impl Chunk {
    /// Each line with its number.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &[u8])> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).enumerate().map(|(i, (start, &end))| (self.first_line + i, &self.bytes[start..end]))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// What the workers do with a chunk.
pub trait Answer: Sync {
    /// Appends the answers of `chunk`'s lines to `out`, returning the input
    /// bytes they answer (each line and its newline). On a failure, `out`
    /// holds the answers of the lines before it.
    fn answer(&self, chunk: &Chunk, out: &mut Vec<u8>) -> (u64, Option<Failure>);
}

/// Segmenting here: the segmenter's answer to each line.
pub struct Local<'a, 's> {
    pub segmenter: &'a Segmenter<'s>,
    /// The input's name, for error messages.
    pub name: &'a str,
}

impl Answer for Local<'_, '_> {
    fn answer(&self, chunk: &Chunk, out: &mut Vec<u8>) -> (u64, Option<Failure>) {
        let mut input = 0;
        for (number, line) in chunk.lines() {
            if let Err(error) = self.segmenter.line(line, out) {
                return (input, Some(crate::decode_failure(self.name, number, error)));
            }
            input += line.len() as u64 + 1;
        }
        (input, None)
    }
}

/// A chunk's answers, and why the run stops after them, if it does.
struct Answers {
    bytes: Vec<u8>,
    input_bytes: u64,
    stop: Option<Failure>,
}

/// Answers every line of `lines` with `jobs` threads onto `out`, in order,
/// in chunks within `limits`; `written(n)` after each chunk's answers are
/// written, `n` the input bytes they answer. Errors are [`crate::run`]'s.
pub fn run<R: BufRead + Send>(
    lines: &mut Lines<R>,
    jobs: usize,
    limits: Limits,
    work: &dyn Answer,
    name: &str,
    out: &mut dyn Write,
    written: &mut dyn FnMut(u64),
) -> Result<(), Failure> {
    let (todo_tx, todo) = sync_channel::<(u64, Chunk)>(jobs);
    let (done, answers) = sync_channel::<(u64, Answers)>(jobs);
    // Only the workers hold the queue's end: when they are gone (the
    // writer stopped), the reader's next send fails instead of waiting.
    let todo = Arc::new(Mutex::new(todo));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let (done, todo) = (done.clone(), Arc::clone(&todo));
            scope.spawn(move || work_on(&todo, work, name, &done));
        }
        drop((done, todo));
        let reader = scope.spawn(move || read_chunks(lines, limits, &todo_tx));
        let result = write_in_order(&answers, out, written);
        // Gone receivers end the workers and then the reader.
        drop(answers);
        reader.join().expect("the reading thread does not panic");
        result
    })
}

/// Reads chunks until the input ends, fails, or nobody takes them.
fn read_chunks<R: BufRead>(lines: &mut Lines<R>, limits: Limits, work: &std::sync::mpsc::SyncSender<(u64, Chunk)>) {
    let mut line = Vec::new();
    let mut number = 0;
    for seq in 0.. {
        let mut chunk = Chunk { first_line: number + 1, bytes: Vec::new(), ends: Vec::new(), read_error: None };
        let mut ended = false;
        while chunk.bytes.len() < limits.bytes && chunk.ends.len() < limits.lines {
            match lines.next_line(&mut line) {
                Ok(true) => {
                    number += 1;
                    chunk.bytes.extend_from_slice(&line);
                    chunk.ends.push(chunk.bytes.len());
                }
                Ok(false) => {
                    ended = true;
                    break;
                }
                Err(e) => {
                    chunk.read_error = Some(e);
                    ended = true;
                    break;
                }
            }
        }
        if (chunk.ends.is_empty() && chunk.read_error.is_none()) || work.send((seq, chunk)).is_err() || ended {
            return;
        }
    }
}

fn work_on(
    todo: &Mutex<Receiver<(u64, Chunk)>>,
    work: &dyn Answer,
    name: &str,
    done: &std::sync::mpsc::SyncSender<(u64, Answers)>,
) {
    loop {
        // The lock is held only while waiting for the next chunk.
        let next = todo.lock().expect("no worker panics holding it").recv();
        let Ok((seq, chunk)) = next else { return };
        let mut bytes = Vec::with_capacity(chunk.bytes.len() * 2);
        let (input_bytes, mut stop) = work.answer(&chunk, &mut bytes);
        if stop.is_none() {
            stop = chunk.read_error.map(|e| Failure(format!("{name}: {e}")));
        }
        if done.send((seq, Answers { bytes, input_bytes, stop })).is_err() {
            return;
        }
    }
}

fn write_in_order(
    answers: &Receiver<(u64, Answers)>,
    out: &mut dyn Write,
    written: &mut dyn FnMut(u64),
) -> Result<(), Failure> {
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    for (seq, chunk) in answers {
        waiting.insert(seq, chunk);
        while let Some(chunk) = waiting.remove(&next) {
            next += 1;
            if let Err(e) = out.write_all(&chunk.bytes) {
                return crate::write_failure(e);
            }
            written(chunk.input_bytes);
            if let Some(failure) = chunk.stop {
                return Err(failure);
            }
        }
    }
    Ok(())
}
