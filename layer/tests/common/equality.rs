//! Equality with Python jieba: the operations compared, ours and the
//! oracle's answers, and the words tests add.

use std::path::PathBuf;

use serde_json::{json, Value};
use toolbox_layer::{Dictionary, Mode, Tokenizer};

use super::Rng;

/// The operations compared, as the oracle names them, with ours.
pub const OPS: [(&str, Option<bool>); 7] = [
    ("cut", Some(true)),
    ("cut", Some(false)),
    ("cut_all", None),
    ("cut_for_search", Some(true)),
    ("cut_for_search", Some(false)),
    ("posseg", Some(true)),
    ("posseg", Some(false)),
];

/// A word added for one request: `jieba.add_word(word, freq, tag)`.
pub type UserWord = (String, Option<u64>, Option<String>);

pub fn request(op: &str, hmm: Option<bool>, text: &str, words: &[UserWord]) -> Value {
    let mut request = match op {
        "cut_all" => json!({"op": "cut", "cut_all": true, "text": text}),
        _ => json!({"op": op, "hmm": hmm.unwrap_or(true), "text": text}),
    };
    if !words.is_empty() {
        request["userWords"] = json!(words);
    }
    request
}

fn ours(tokenizer: &Tokenizer, op: &str, hmm: Option<bool>, text: &str, words: &[UserWord]) -> Value {
    let mut added = tokenizer.added_words();
    for (word, freq, tag) in words {
        tokenizer.add_word(&mut added, word, *freq, tag.as_deref()).expect("within the total");
    }
    let t = tokenizer.lexicon_with(&added);
    let hmm = hmm.unwrap_or(true);
    let words = |mode| json!(t.cut(text, mode, hmm).iter().map(|t| t.word.as_ref()).collect::<Vec<_>>());
    match op {
        "cut" => words(Mode::Default),
        "cut_all" => words(Mode::All),
        "cut_for_search" => words(Mode::Search),
        _ => json!(t.posseg(text, hmm).iter().map(|t| [t.word, t.tag]).collect::<Vec<_>>()),
    }
}

/// `text` for a failure message: whole if short, else its start.
fn shown(text: &str) -> String {
    let head: String = text.chars().take(120).collect();
    if head.len() < text.len() {
        format!("{head:?}... ({} chars)", text.chars().count())
    } else {
        format!("{head:?}")
    }
}

fn first_difference(a: &Value, b: &Value) -> String {
    let (a, b) = (a.as_array().cloned().unwrap_or_default(), b.as_array().cloned().unwrap_or_default());
    let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let window = |v: &[Value]| v[at.saturating_sub(2)..(at + 3).min(v.len())].to_vec();
    format!("at token {at}:\n  ours:   {:?}\n  python: {:?}", window(&a), window(&b))
}

/// Compares every operation on every text; returns the number of answers compared.
pub fn compare_all(texts: &[String]) -> usize {
    compare_all_on(Dictionary::Default, texts)
}

/// [`compare_all`] with `dictionary`, ours and Python jieba's.
pub fn compare_all_on(dictionary: Dictionary, texts: &[String]) -> usize {
    let cases: Vec<(String, Vec<UserWord>)> = texts.iter().map(|t| (t.clone(), Vec::new())).collect();
    compare_with_words_on(dictionary, &cases)
}

/// Compares every operation on every text, after adding its words.
pub fn compare_with_words(cases: &[(String, Vec<UserWord>)]) -> usize {
    compare_with_words_on(Dictionary::Default, cases)
}

/// [`compare_with_words`] with `dictionary`, ours and Python jieba's.
pub fn compare_with_words_on(dictionary: Dictionary, cases: &[(String, Vec<UserWord>)]) -> usize {
    compare_layer(super::tokenizer_for(dictionary), &[], cases)
}

/// Compares `tokenizer` (its layer, user layer included) with Python jieba
/// on the same dictionary after `load_userdict` of `userdicts`, on every
/// operation of every text, after adding its words.
pub fn compare_layer(tokenizer: &Tokenizer, userdicts: &[PathBuf], cases: &[(String, Vec<UserWord>)]) -> usize {
    let requests: Vec<Value> = cases
        .iter()
        .flat_map(|(text, words)| OPS.iter().map(move |&(op, hmm)| request(op, hmm, text, words)))
        .collect();
    let answers = super::python_jieba_for(tokenizer.dictionary(), userdicts, &requests);
    let mut failures = Vec::new();
    for (i, python) in answers.iter().enumerate() {
        let (text, words) = &cases[i / OPS.len()];
        let (op, hmm) = OPS[i % OPS.len()];
        let ours = ours(tokenizer, op, hmm, text, words);
        if &ours != python {
            failures.push(format!(
                "{op} (hmm {hmm:?}) on {} with {words:?}: {}",
                shown(text),
                first_difference(&ours, python)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} dictionary: {} of {} answers differ; first:\n{}",
        tokenizer.dictionary(),
        failures.len(),
        answers.len(),
        failures[..failures.len().min(3)].join("\n")
    );
    eprintln!(
        "{} dictionary: {} texts x {} ops = {} answers equal to Python jieba's",
        tokenizer.dictionary(),
        cases.len(),
        OPS.len(),
        answers.len()
    );
    answers.len()
}

/// Words to add for a text: pieces of it (so they matter), some overlapping
/// dictionary words or each other, some removing words (frequency 0), some
/// without a frequency (jieba's `suggest_freq` decides), some tagged, and
/// mixed Latin/CJK ones.
pub fn words_for(text: &str, rng: &mut Rng) -> Vec<UserWord> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    for _ in 0..rng.below(8) {
        if chars.len() < 2 {
            break;
        }
        let start = rng.below(chars.len() - 1);
        let len = 2 + rng.below(4);
        let word: String = chars[start..(start + len).min(chars.len())].iter().collect();
        if word.trim().is_empty() {
            continue;
        }
        let freq = match rng.below(4) {
            0 => None,
            1 => Some(0),
            2 => Some(1 + rng.below(10) as u64),
            _ => Some(1000 + rng.below(100_000) as u64),
        };
        let tag = ["nz", "nr", "", "x"][rng.below(4)];
        words.push((word, freq, (!tag.is_empty()).then(|| tag.to_string())));
    }
    if rng.below(3) == 0 {
        words.push(("Rust语言".into(), None, Some("nz".into())));
    }
    words
}
