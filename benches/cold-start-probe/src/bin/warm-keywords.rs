//! Warm keyword extraction: load once, then rank every line of a corpus
//! `repeats` times, top 20, as each engine does by default (TF-IDF without a
//! POS filter; TextRank with ns, n, vn, v); or, with `posseg`, tag every line
//! (HMM on), the step TextRank and POS-filtered TF-IDF start with. Prints the
//! bytes read, the keywords (or tagged words) and the best pass's throughput.
//! Run with `repeats` 0 and 1 under callgrind, the difference is the warm
//! cost of one pass.
//! Usage: warm-keywords <ours|jieba> <layer dir|dict dir> <corpus> <lines> <tfidf|textrank|posseg> <repeats>
//! (`dict dir` holds jieba's dict.txt and idf.txt; `lines`: the corpus's first lines only)
use std::time::Instant;

use jieba_rs::{KeywordExtract, KeywordExtractConfig, TextRank, TfIdf};
use toolbox_layer::{KeywordOptions, Method, StopWords, Tokenizer};

enum Engine {
    Ours(Tokenizer),
    Jieba(jieba_rs::Jieba, TfIdf, TextRank),
}

fn fail(message: String) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        fail(format!(
            "usage: {} <ours|jieba> <layer dir|dict dir> <corpus> <lines> <tfidf|textrank|posseg> <repeats>",
            args[0]
        ));
    }
    let read = |path: String| std::fs::read(&path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let engine = match args[1].as_str() {
        "ours" => Engine::Ours(cold_start_probe::load(args[2].as_ref())),
        "jieba" => {
            let dict = read(format!("{}/dict.txt", args[2]));
            let idf = read(format!("{}/idf.txt", args[2]));
            let jieba = jieba_rs::Jieba::with_dict(&mut dict.as_slice()).unwrap_or_else(|e| fail(e.to_string()));
            let tfidf = TfIdf::new(Some(&mut idf.as_slice()), KeywordExtractConfig::default());
            Engine::Jieba(jieba, tfidf, TextRank::default())
        }
        other => fail(format!("unknown engine {other}")),
    };
    let corpus = std::fs::read_to_string(&args[3]).unwrap_or_else(|e| fail(format!("{}: {e}", args[3])));
    let take: usize = args[4].parse().unwrap_or_else(|e| fail(format!("lines: {e}")));
    // `None`: posseg alone.
    let method = match args[5].as_str() {
        "posseg" => None,
        other => Some(Method::parse(other).unwrap_or_else(|| fail(format!("unknown method {other}")))),
    };
    let repeats: usize = args[6].parse().unwrap_or_else(|e| fail(format!("repeats: {e}")));
    let lines: Vec<&str> = corpus.lines().take(take).collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();

    // Every operation once before timing, so whatever an engine builds on
    // first use is in the load-only baseline (repeats 0), not in one row.
    let stop_words = StopWords::default();
    for op in [None, Some(Method::TfIdf), Some(Method::TextRank)] {
        run(&engine, op, "我来到北京清华大学", &stop_words);
    }
    let mut keywords = 0;
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let started = Instant::now();
        for line in &lines {
            keywords += run(&engine, method, line, &stop_words);
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mb_per_s = if repeats > 0 { bytes as f64 / best / 1e6 } else { 0.0 };
    println!("bytes={bytes} keywords={keywords} best_seconds={best:.6} mb_per_s={mb_per_s:.2}");
}

/// One line through `op` (`None`: posseg): the keywords (or tagged words) it gives.
fn run(engine: &Engine, op: Option<Method>, line: &str, stop_words: &StopWords) -> usize {
    let textrank_pos = || ["ns", "n", "vn", "v"].map(String::from).to_vec();
    match (engine, op) {
        (Engine::Ours(t), None) => t.posseg(line, true).len(),
        (Engine::Jieba(j, _, _), None) => j.tag(line, true).len(),
        (Engine::Ours(t), Some(method)) => {
            let options = KeywordOptions { method, top_k: 20, allow_pos: None, with_flag: true, stop_words };
            let mut unbounded = u64::MAX;
            t.keywords(line, &options, &mut unbounded).map_or(0, |k| k.len())
        }
        (Engine::Jieba(j, tfidf, _), Some(Method::TfIdf)) => tfidf.extract_keywords(j, line, 20, vec![]).len(),
        (Engine::Jieba(j, _, textrank), Some(Method::TextRank)) => {
            textrank.extract_keywords(j, line, 20, textrank_pos()).len()
        }
    }
}
