//! `toolbox-jieba`: `python -m jieba` (jieba 0.42.1's command line) on the
//! toolbox's tokenizer, byte for byte: the same options, the same lines
//! out for the same lines in, from the dictionary the jieba layer holds
//! (mapped, not parsed: it starts in about a millisecond).

pub mod api;
pub mod args;
pub mod input;
pub mod layers;
pub mod parallel;
pub mod progress;
pub mod resume;
pub mod segmenter;
pub mod text;

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use args::Options;
use input::{Lines, Newlines};
use segmenter::Segmenter;
use text::DecodeError;
use toolbox_layer::Tokenizer;

/// The jieba version whose command line this is.
pub const JIEBA_VERSION: &str = "0.42.1";

/// Why a run stopped, for one line on stderr and exit status 1.
#[derive(Debug)]
pub struct Failure(pub String);

/// Segments the input `options` name onto `out` (or, with `--resume`, onto
/// its file after the lines already there), line by line, as
/// `python -m jieba` with the same options would; with `--api`, by the API.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<(), Failure> {
    // Python opens the input before it loads the dictionary: a missing file
    // fails first.
    let (reader, newlines, name, size): (Box<dyn BufRead + Send>, _, _, _) = match &options.filename {
        Some(path) => {
            let file = File::open(path).map_err(|e| Failure(format!("cannot open {}: {e}", path.display())))?;
            // A regular file's size is the bar's total; a FIFO's is not known.
            let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            let reader = Box::new(BufReader::with_capacity(1 << 16, file));
            (reader, Newlines::Universal, path.display().to_string(), size)
        }
        None => (Box::new(BufReader::with_capacity(1 << 16, io::stdin())), Newlines::LineFeed, "<stdin>".into(), None),
    };
    let mut lines = Lines::new(reader, newlines);
    let progress = progress::Progress::new(options.quiet, size);
    let mut resumed = match &options.resume {
        Some(path) => {
            let (file, done) = resume::open(path)?;
            skip(&mut lines, done, &name, path, &progress)?;
            Some(BufWriter::with_capacity(1 << 16, file))
        }
        None => None,
    };
    let out: &mut dyn Write = match &mut resumed {
        Some(file) => file,
        None => out,
    };
    let result = match &options.api {
        Some(api) => through_api(options, api, &mut lines, &name, newlines, out, &progress),
        None => here(options, &mut lines, &name, newlines, out, &progress),
    };
    progress.finish();
    result?;
    match out.flush() {
        Ok(()) => Ok(()),
        Err(e) => write_failure(e),
    }
}

/// Segmenting here, with the layer's dictionary.
fn here<R: BufRead + Send>(
    options: &Options,
    lines: &mut Lines<R>,
    name: &str,
    newlines: Newlines,
    out: &mut dyn Write,
    progress: &progress::Progress,
) -> Result<(), Failure> {
    let started = Instant::now();
    let layer = layers::Layer::find(&options.layer_dirs)?;
    let dictionary = layer.dictionary_for(options.dict.as_deref())?;
    let tokenizer = Tokenizer::load_dictionary(layer.dir(), dictionary).map_err(|e| Failure(e.to_string()))?;
    let mut added = tokenizer.added_words();
    if let Some(path) = &options.user_dict {
        for warning in layers::load_userdict(&tokenizer, &mut added, path)? {
            if !options.quiet {
                eprintln!("toolbox-jieba: warning: {warning}");
            }
        }
    }
    if !options.quiet {
        eprintln!(
            "toolbox-jieba: {} {} ({} dictionary{}) from {}, loaded in {:.1} ms",
            dictionary.layer_name(),
            tokenizer.layer_version(),
            dictionary.name(),
            tokenizer.user_layer_version().map(|v| format!(", user layer {v}")).unwrap_or_default(),
            layer.dir().display(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    let segmenter = Segmenter::new(tokenizer.lexicon_with(&added), options, newlines);
    let jobs = options.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 1 {
        one_by_one(lines, &segmenter, name, out, progress)
    } else {
        let work = parallel::Local { segmenter: &segmenter, name };
        parallel::run(lines, jobs, parallel::Limits::LOCAL, &work, name, out, &mut |bytes| progress.advance(bytes))
    }
}

/// `--api`: the API segments, `--concurrency` requests in flight; the bar
/// shows the requests, retries and throttling as they happen.
fn through_api<R: BufRead + Send>(
    options: &Options,
    api: &args::Api,
    lines: &mut Lines<R>,
    name: &str,
    newlines: Newlines,
    out: &mut dyn Write,
    progress: &progress::Progress,
) -> Result<(), Failure> {
    if !options.quiet {
        eprintln!("toolbox-jieba: segmenting with {} ({} requests in flight at most)", api.url, api.concurrency);
    }
    let client = api::Client::new(options, api, name, newlines);
    let limits = parallel::Limits { bytes: api::MAX_TEXT_BYTES, lines: api.batch };
    let stats = std::sync::Arc::clone(&client.stats);
    let running = std::sync::atomic::AtomicBool::new(true);
    std::thread::scope(|scope| {
        if progress.shown() {
            scope.spawn(|| {
                while running.load(std::sync::atomic::Ordering::Relaxed) {
                    progress.say(&stats.summary());
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            });
        }
        let result =
            parallel::run(lines, api.concurrency, limits, &client, name, out, &mut |bytes| progress.advance(bytes));
        running.store(false, std::sync::atomic::Ordering::Relaxed);
        result
    })
}

/// `--resume`: passes over the `done` lines OUTPUT already answers.
fn skip<R: BufRead>(
    lines: &mut Lines<R>,
    done: u64,
    name: &str,
    output: &std::path::Path,
    progress: &progress::Progress,
) -> Result<(), Failure> {
    let mut line = Vec::new();
    for passed in 0..done {
        if !lines.next_line(&mut line).map_err(|e| Failure(format!("{name}: {e}")))? {
            return Err(Failure(format!(
                "--resume {}: it has {done} lines, the input only {passed}: not this input's output",
                output.display()
            )));
        }
        progress.advance(line.len() as u64 + 1);
    }
    Ok(())
}

/// `--jobs 1`: a line read, segmented and written at a time, on this thread.
fn one_by_one<R: BufRead>(
    lines: &mut Lines<R>,
    segmenter: &Segmenter<'_>,
    name: &str,
    out: &mut dyn Write,
    progress: &progress::Progress,
) -> Result<(), Failure> {
    let mut line = Vec::new();
    let mut answer = Vec::new();
    let mut number = 0usize;
    while lines.next_line(&mut line).map_err(|e| Failure(format!("{name}: {e}")))? {
        number += 1;
        answer.clear();
        segmenter.line(&line, &mut answer).map_err(|e| decode_failure(name, number, e))?;
        if let Err(e) = out.write_all(&answer) {
            return write_failure(e);
        }
        progress.advance(line.len() as u64 + 1);
    }
    Ok(())
}

/// A reader gone (`| head`) ends the run quietly; any other write error is one.
pub(crate) fn write_failure(e: io::Error) -> Result<(), Failure> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Failure(format!("cannot write the output: {e}")))
    }
}

pub(crate) fn decode_failure(name: &str, line: usize, error: DecodeError) -> Failure {
    Failure(match error {
        DecodeError::Invalid { offset, byte } => format!(
            "{name}:{line}: byte 0x{byte:02x} at offset {offset} of the line is not UTF-8; python -m jieba stops \
             here too (UnicodeDecodeError) — the lines before it were written"
        ),
        DecodeError::Ambiguous => format!(
            "{name}:{line}: bytes that are not UTF-8 beside characters U+10FF80..U+10FFFF, which stand for such \
             bytes here: this line cannot be segmented exactly"
        ),
    })
}

/// A stdout that flushes in large blocks.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

/// Where a checkout's `scripts/build-layer` writes the layer, if this
/// binary was built in one.
pub fn checkout_layer() -> Option<PathBuf> {
    std::fs::canonicalize(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/layer/opt")).ok()
}
