//! Warm segmentation: load once, then segment every line of a corpus
//! `repeats` times in one mode. Prints the bytes segmented, the tokens and
//! the best pass's throughput. Run with `repeats` 0 and 1 under callgrind,
//! the difference is the warm cost of one pass.
//! Usage: warm <ours|jieba> <layer dir|dict.txt> <corpus> <default|all|search|tag> <hmm: 0|1> <repeats>
use std::time::Instant;

use toolbox_layer::{Mode, Tokenizer};

// One engine per process: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Engine {
    Ours(Tokenizer),
    Jieba(jieba_rs::Jieba),
}

fn fail(message: String) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        fail(format!(
            "usage: {} <ours|jieba> <layer dir|dict.txt> <corpus> <default|all|search> <0|1> <repeats>",
            args[0]
        ));
    }
    let engine = match args[1].as_str() {
        "ours" => Engine::Ours(cold_start_probe::load(args[2].as_ref())),
        "jieba" => {
            let dict = std::fs::read(&args[2]).unwrap_or_else(|e| fail(format!("{}: {e}", args[2])));
            Engine::Jieba(jieba_rs::Jieba::with_dict(&mut dict.as_slice()).unwrap_or_else(|e| fail(e.to_string())))
        }
        other => fail(format!("unknown engine {other}")),
    };
    let corpus = std::fs::read_to_string(&args[3]).unwrap_or_else(|e| fail(format!("{}: {e}", args[3])));
    // `tag`: part-of-speech tags (ours: `jieba.posseg`; jieba-rs: its `tag`).
    let tagging = args[4] == "tag";
    let mode = if tagging {
        Mode::Default
    } else {
        Mode::parse(&args[4]).unwrap_or_else(|| fail(format!("unknown mode {}", args[4])))
    };
    let hmm = args[5] == "1";
    let repeats: usize = args[6].parse().unwrap_or_else(|e| fail(format!("repeats: {e}")));
    let lines: Vec<&str> = corpus.lines().collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();

    let mut tokens = 0;
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let started = Instant::now();
        for line in &lines {
            tokens += match &engine {
                Engine::Ours(t) if tagging => t.posseg(line, hmm).len(),
                Engine::Jieba(j) if tagging => j.tag(line, hmm).len(),
                Engine::Ours(t) => t.cut(line, mode, hmm).len(),
                Engine::Jieba(j) => match mode {
                    Mode::Default => j.cut(line, hmm).len(),
                    Mode::All => j.cut_all(line).len(),
                    Mode::Search => j.cut_for_search(line, hmm).len(),
                },
            };
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mb_per_s = if repeats > 0 { bytes as f64 / best / 1e6 } else { 0.0 };
    println!("bytes={bytes} tokens={tokens} best_seconds={best:.6} mb_per_s={mb_per_s:.2}");
}
