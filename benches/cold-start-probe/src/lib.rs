//! Shared by the probes: the sample text and a tiny argument reader.

use std::path::{Path, PathBuf};

use toolbox_layer::{Dictionary, Tokenizer};

/// The dictionary a probe builds or loads: `$PROBE_DICTIONARY` (`default`,
/// the default, or `big`: jieba's dict.txt.big, under `toolbox-big/`).
pub fn dictionary() -> Dictionary {
    let name = std::env::var("PROBE_DICTIONARY").unwrap_or_default();
    if name.is_empty() {
        return Dictionary::Default;
    }
    Dictionary::parse(&name).unwrap_or_else(|| {
        eprintln!("PROBE_DICTIONARY={name:?}: default or big");
        std::process::exit(2)
    })
}

/// [`dictionary`]'s tokenizer from a built layer, as a function's init loads it.
pub fn load(layer: &Path) -> Tokenizer {
    Tokenizer::load_dictionary(layer, dictionary()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    })
}

/// The text every probe segments once after loading (the first answer of a
/// cold start): `$PROBE_TEXT`, else a fixed sentence.
pub fn sample_text() -> String {
    std::env::var("PROBE_TEXT").unwrap_or_else(|_| "我来到北京清华大学，他来到了网易杭研大厦。".to_string())
}

/// The `n`th command-line argument as a path.
pub fn arg_path(n: usize, what: &str) -> PathBuf {
    match std::env::args_os().nth(n) {
        Some(arg) => PathBuf::from(arg),
        None => {
            eprintln!("usage: {} <{what}>", std::env::args().next().unwrap_or_default());
            std::process::exit(2)
        }
    }
}

/// Prints the number of tokens, so the work cannot be optimized away.
pub fn report(what: &str, tokens: usize) {
    println!("{what}: {tokens} tokens");
}
