//! `--jobs N`: chunks of lines segmented on N threads and written in input
//! order, streaming.
//!
//! The reading thread cuts the input into chunks of whole lines and hands
//! them to the workers through a channel of `jobs` places; the writer puts
//! the answers back in order. A worker or the writer that falls behind
//! stops the reader at the full channel, so at most about `3 × jobs`
//! chunks (each [`CHUNK_BYTES`] of input and its answers) are in memory,
//! whatever the size of the input. The bytes written are the ones one
//! thread writes: a decoding error stops the output right after the lines
//! before it, a reader gone (`| head`) ends the run quietly.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use crate::input::Lines;
use crate::segmenter::Segmenter;
use crate::text::DecodeError;
use crate::Failure;

/// About this much input a chunk: large enough that handing it over costs
/// nothing beside segmenting it, small enough that memory stays a few MiB.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Lines to segment: their bytes end to end, where each ends, and the
/// number of the first (from 1, for error messages).
struct Chunk {
    first_line: usize,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// The input failed after these lines.
    read_error: Option<io::Error>,
}

/// A chunk's answers, and why the run stops after them, if it does.
struct Answers {
    bytes: Vec<u8>,
    input_bytes: u64,
    stop: Option<Stop>,
}

enum Stop {
    Decode { line: usize, error: DecodeError },
    Read(io::Error),
}

/// Segments every line of `lines` with `jobs` threads onto `out`, in order;
/// `written(n)` after each chunk's answers are written, `n` the input bytes
/// they answer. Errors are [`crate::run`]'s.
pub fn run<R: BufRead + Send>(
    lines: &mut Lines<R>,
    jobs: usize,
    segmenter: &Segmenter<'_>,
    name: &str,
    out: &mut dyn Write,
    written: &mut dyn FnMut(u64),
) -> Result<(), Failure> {
    let (work, todo) = sync_channel::<(u64, Chunk)>(jobs);
    let (done, answers) = sync_channel::<(u64, Answers)>(jobs);
    // Only the workers hold the queue's end: when they are gone (the
    // writer stopped), the reader's next send fails instead of waiting.
    let todo = Arc::new(Mutex::new(todo));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let (done, todo) = (done.clone(), Arc::clone(&todo));
            scope.spawn(move || work_on(&todo, segmenter, &done));
        }
        drop((done, todo));
        let reader = scope.spawn(move || read_chunks(lines, &work));
        let result = write_in_order(&answers, name, out, written);
        // Gone receivers end the workers and then the reader.
        drop(answers);
        reader.join().expect("the reading thread does not panic");
        result
    })
}

/// Reads chunks until the input ends, fails, or nobody takes them.
fn read_chunks<R: BufRead>(lines: &mut Lines<R>, work: &std::sync::mpsc::SyncSender<(u64, Chunk)>) {
    let mut line = Vec::new();
    let mut number = 0;
    for seq in 0.. {
        let mut chunk = Chunk { first_line: number + 1, bytes: Vec::new(), ends: Vec::new(), read_error: None };
        let mut ended = false;
        while chunk.bytes.len() < CHUNK_BYTES {
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
    segmenter: &Segmenter<'_>,
    done: &std::sync::mpsc::SyncSender<(u64, Answers)>,
) {
    loop {
        // The lock is held only while waiting for the next chunk.
        let next = todo.lock().expect("no worker panics holding it").recv();
        let Ok((seq, chunk)) = next else { return };
        let mut answers = Answers { bytes: Vec::with_capacity(chunk.bytes.len() * 2), input_bytes: 0, stop: None };
        let mut start = 0;
        for (i, &end) in chunk.ends.iter().enumerate() {
            if let Err(error) = segmenter.line(&chunk.bytes[start..end], &mut answers.bytes) {
                answers.stop = Some(Stop::Decode { line: chunk.first_line + i, error });
                break;
            }
            answers.input_bytes += (end - start) as u64 + 1;
            start = end;
        }
        if answers.stop.is_none() {
            answers.stop = chunk.read_error.map(Stop::Read);
        }
        if done.send((seq, answers)).is_err() {
            return;
        }
    }
}

fn write_in_order(
    answers: &Receiver<(u64, Answers)>,
    name: &str,
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
            match chunk.stop {
                None => {}
                Some(Stop::Decode { line, error }) => return Err(crate::decode_failure(name, line, error)),
                Some(Stop::Read(e)) => return Err(Failure(format!("{name}: {e}"))),
            }
        }
    }
    Ok(())
}
