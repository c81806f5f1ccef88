//! Our words and tags must equal Python jieba 0.42.1's, token for token, in
//! every mode and with the HMM on and off: `jieba.lcut`, `lcut(cut_all=True)`,
//! `lcut_for_search` and `jieba.posseg.lcut`, on real text, edge cases and
//! random strings. Python jieba runs pinned in `.venv/jieba`.

mod common;

use common::{news_corpus, python_jieba, repo, tokenizer, Rng};
use serde_json::{json, Value};
use toolbox_layer::Mode;

/// The operations compared, as the oracle names them, with ours.
const OPS: [(&str, Option<bool>); 7] = [
    ("cut", Some(true)),
    ("cut", Some(false)),
    ("cut_all", None),
    ("cut_for_search", Some(true)),
    ("cut_for_search", Some(false)),
    ("posseg", Some(true)),
    ("posseg", Some(false)),
];

/// A word added for one request: `jieba.add_word(word, freq, tag)`.
type UserWord = (String, Option<u64>, Option<String>);

fn request(op: &str, hmm: Option<bool>, text: &str, words: &[UserWord]) -> Value {
    let mut request = match op {
        "cut_all" => json!({"op": "cut", "cut_all": true, "text": text}),
        _ => json!({"op": op, "hmm": hmm.unwrap_or(true), "text": text}),
    };
    if !words.is_empty() {
        request["userWords"] = json!(words);
    }
    request
}

fn ours(op: &str, hmm: Option<bool>, text: &str, words: &[UserWord]) -> Value {
    let tokenizer = tokenizer();
    let mut added = tokenizer.added_words();
    for (word, freq, tag) in words {
        tokenizer.add_word(&mut added, word, *freq, tag.as_deref());
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
fn compare_all(texts: &[String]) -> usize {
    let cases: Vec<(String, Vec<UserWord>)> = texts.iter().map(|t| (t.clone(), Vec::new())).collect();
    compare_with_words(&cases)
}

/// Compares every operation on every text, after adding its words.
fn compare_with_words(cases: &[(String, Vec<UserWord>)]) -> usize {
    let requests: Vec<Value> = cases
        .iter()
        .flat_map(|(text, words)| OPS.iter().map(move |&(op, hmm)| request(op, hmm, text, words)))
        .collect();
    let answers = python_jieba(&requests);
    let mut failures = Vec::new();
    for (i, python) in answers.iter().enumerate() {
        let (text, words) = &cases[i / OPS.len()];
        let (op, hmm) = OPS[i % OPS.len()];
        let ours = ours(op, hmm, text, words);
        if &ours != python {
            failures.push(format!(
                "{op} (hmm {hmm:?}) on {} with {words:?}: {}",
                shown(text),
                first_difference(&ours, python)
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} answers differ; first:\n{}", failures.len(), answers.len(), failures[0]);
    answers.len()
}

fn lines(corpus: impl AsRef<std::path::Path>, min_lines: usize) -> Vec<String> {
    let corpus = repo().join(corpus);
    let text = std::fs::read_to_string(&corpus).expect("read the corpus");
    let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    assert!(lines.len() >= min_lines, "{} has only {} lines", corpus.display(), lines.len());
    lines
}

#[test]
fn review_corpus_matches_python_jieba_line_by_line() {
    assert!(compare_all(&lines("tests/corpus/reviews.txt", 3000)) >= 3000 * OPS.len());
}

#[test]
fn news_corpus_matches_python_jieba_line_by_line() {
    assert!(compare_all(&lines(news_corpus(), 3000)) >= 3000 * OPS.len());
}

#[test]
fn edge_cases_match_python_jieba() {
    compare_all(&lines("layer/tests/corpus/edge-cases.txt", 50));
}

#[test]
fn whole_files_as_one_text_match_python_jieba() {
    // Newlines, `\r\n` and long inputs inside one request.
    let mut texts = Vec::new();
    for corpus in ["tests/corpus/reviews.txt", "layer/tests/corpus/edge-cases.txt"] {
        let text = std::fs::read_to_string(repo().join(corpus)).expect("read the corpus");
        let head: String = text.chars().take(20_000).collect();
        texts.push(head.replace('\n', "\r\n"));
        texts.push(head);
    }
    compare_all(&texts);
}

#[test]
fn random_strings_match_python_jieba() {
    let mut rng = Rng::new(5);
    let texts: Vec<String> = (0..3000).map(|_| rng.text(40)).collect();
    compare_all(&texts);
}

#[test]
fn the_known_examples_come_out_as_jieba_documents_them() {
    let words = |text, mode, hmm| -> Vec<String> {
        tokenizer().cut(text, mode, hmm).into_iter().map(|t| t.word.into_owned()).collect()
    };
    assert_eq!(words("我来到北京清华大学", Mode::Default, true), ["我", "来到", "北京", "清华大学"]);
    assert_eq!(words("他来到了网易杭研大厦", Mode::Default, true), ["他", "来到", "了", "网易", "杭研", "大厦"]);
    assert_eq!(words("我们中出了一个叛徒", Mode::Default, false), ["我们", "中", "出", "了", "一个", "叛徒"]);
    assert_eq!(words("南京市长江大桥", Mode::Search, true), ["南京", "京市", "南京市", "长江", "大桥", "长江大桥"]);
    assert_eq!(
        words("我来到北京清华大学，abc def", Mode::All, true),
        ["我", "来到", "北京", "清华", "清华大学", "华大", "大学", "，", "abc", "", " ", "", "def"]
    );
    let tags: Vec<(&str, &str)> =
        tokenizer().posseg("小明硕士毕业于中国科学院计算所", true).iter().map(|t| (t.word, t.tag)).collect();
    assert_eq!(
        tags,
        [("小明", "nr"), ("硕士", "n"), ("毕业", "n"), ("于", "p"), ("中国科学院", "nt"), ("计算所", "n")]
    );
}

/// Words to add for a text: pieces of it (so they matter), some overlapping
/// dictionary words or each other, some removing words (frequency 0), some
/// without a frequency (jieba's `suggest_freq` decides), some tagged, and
/// mixed Latin/CJK ones.
fn words_for(text: &str, rng: &mut Rng) -> Vec<UserWord> {
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

#[test]
fn added_words_match_python_jiebas_add_word() {
    let mut rng = Rng::new(9);
    let mut cases: Vec<(String, Vec<UserWord>)> = lines("tests/corpus/reviews.txt", 3000)
        .into_iter()
        .step_by(3)
        .map(|line| {
            let words = words_for(&line, &mut rng);
            (line, words)
        })
        .collect();
    // The documented examples: names and domain words kept whole, a removed word.
    let text = "李小福是创新办主任也是云计算方面的专家; 什么是八一双鹿? 例如我输入一个带“韩玉赏鉴”的标题";
    cases.push((
        text.into(),
        vec![
            ("李小福".into(), None, Some("nr".into())),
            ("创新办".into(), Some(3), Some("i".into())),
            ("云计算".into(), Some(5), None),
            ("八一双鹿".into(), None, Some("nz".into())),
            ("韩玉赏鉴".into(), None, None),
            ("主任".into(), Some(0), None),
        ],
    ));
    // Random strings with words from themselves.
    for _ in 0..300 {
        let text = rng.text(40);
        let words = words_for(&text, &mut rng);
        cases.push((text, words));
    }
    assert!(compare_with_words(&cases) >= 1300 * OPS.len());
}
