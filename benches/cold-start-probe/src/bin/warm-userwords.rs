//! One segment request's work with and without per-request words
//! (`userWords`, jieba's `add_word`), for callgrind: the benchmark runs each
//! mode and subtracts the `load` run.
//! Usage: warm-userwords <layer dir> <text file> <words file> <load|without|with|with-freq> <repeats>
//! The words file holds one word a line; `with` adds them without a
//! frequency (jieba's suggest_freq decides), `with-freq` with one.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: warm-userwords <layer dir> <text file> <words file> <load|without|with|with-freq> <repeats>");
        std::process::exit(2);
    }
    let tokenizer = toolbox_layer::Tokenizer::load(args[1].as_ref()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let text = std::fs::read_to_string(&args[2]).expect("text file");
    let words: Vec<toolbox_layer::RequestWord> = std::fs::read_to_string(&args[3])
        .expect("words file")
        .lines()
        .map(|w| toolbox_layer::RequestWord {
            word: w.to_string(),
            freq: (args[4] == "with-freq").then_some(10),
            tag: None,
        })
        .collect();
    let repeats: usize = args[5].parse().expect("repeats");
    let mut tokens = 0;
    for _ in 0..repeats {
        tokens += match args[4].as_str() {
            "load" => 0,
            "without" => tokenizer.cut(&text, toolbox_layer::Mode::Default, true).len(),
            "with" | "with-freq" => {
                let added = tokenizer.request_words(&words).expect("the words fit jieba's total");
                tokenizer.lexicon_with(&added).cut(&text, toolbox_layer::Mode::Default, true).len()
            }
            other => {
                eprintln!("unknown mode {other}");
                std::process::exit(2)
            }
        };
    }
    cold_start_probe::report("warm-userwords", tokens);
}
