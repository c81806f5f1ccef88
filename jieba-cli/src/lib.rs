//! `toolbox-jieba`: `python -m jieba` (jieba 0.42.1's command line) on the
//! toolbox's tokenizer, byte for byte: the same options, the same lines
//! out for the same lines in, from the dictionary the jieba layer holds
//! (mapped, not parsed: it starts in about a millisecond).

pub mod args;
pub mod input;
pub mod layers;
pub mod parallel;
pub mod progress;
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

/// Segments the input `options` name onto `out`, line by line, as
/// `python -m jieba` with the same options would.
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
    let mut lines = Lines::new(reader, newlines);
    let jobs = options.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let progress = progress::Progress::new(options.quiet, size);
    let result = if jobs == 1 {
        one_by_one(&mut lines, &segmenter, &name, out, &progress)
    } else {
        parallel::run(&mut lines, jobs, &segmenter, &name, out, &mut |bytes| progress.advance(bytes))
    };
    progress.finish();
    result?;
    match out.flush() {
        Ok(()) => Ok(()),
        Err(e) => write_failure(e),
    }
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
