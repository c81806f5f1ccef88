//! Shared by the layer's integration tests.
#![allow(dead_code)]

pub mod equality;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use toolbox_layer::{Dictionary, Tokenizer};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The default dictionary's layer, assembled from the real `dict/`, loaded once per test binary.
pub fn tokenizer() -> &'static Tokenizer {
    tokenizer_for(Dictionary::Default)
}

/// `dictionary`'s layer, assembled from the real `dict/` and loaded once per test binary.
pub fn tokenizer_for(dictionary: Dictionary) -> &'static Tokenizer {
    static TOKENIZERS: [OnceLock<Tokenizer>; 2] = [OnceLock::new(), OnceLock::new()];
    TOKENIZERS[index(dictionary)]
        .get_or_init(|| Tokenizer::load_dictionary(layer_for(dictionary), dictionary).expect("load the layer"))
}

/// The directory of the layer [`tokenizer`] loads (standing for `/opt`).
pub fn full_layer() -> &'static Path {
    layer_for(Dictionary::Default)
}

/// The directory (standing for `/opt`) of the layer [`tokenizer_for`] loads:
/// `dictionary`'s alone, under its subdir.
pub fn layer_for(dictionary: Dictionary) -> &'static Path {
    static LAYERS: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    LAYERS[index(dictionary)].get_or_init(|| {
        let layer = match dictionary {
            Dictionary::Default => scratch_dir("full-layer"),
            _ => scratch_dir(&format!("full-layer-{dictionary}")),
        };
        toolbox_layer::assemble_dictionary(&repo().join("dict"), dictionary, &layer).expect("assemble the layer");
        layer
    })
}

fn index(dictionary: Dictionary) -> usize {
    Dictionary::ALL.iter().position(|&d| d == dictionary).expect("a dictionary of Dictionary::ALL")
}

/// A layer directory holding the full layer and a user layer compiled from
/// `files` (name, contents), as Lambda merges the two under `/opt`.
pub fn with_user_layer(name: &str, files: &[(String, Vec<u8>)]) -> (PathBuf, toolbox_layer::userdict::Compiled) {
    with_user_layer_for(Dictionary::Default, name, files)
}

/// [`with_user_layer`] over `dictionary`'s layer: the user layer is compiled
/// against it (`toolbox-pack user-layer --dictionary`), beside it under its subdir.
pub fn with_user_layer_for(
    dictionary: Dictionary,
    name: &str,
    files: &[(String, Vec<u8>)],
) -> (PathBuf, toolbox_layer::userdict::Compiled) {
    let dir = scratch_dir(name);
    let root = dictionary.root(&dir);
    std::fs::create_dir_all(&root).unwrap();
    for entry in std::fs::read_dir(dictionary.root(layer_for(dictionary))).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), root.join(entry.file_name())).unwrap();
    }
    let (_, compiled) =
        toolbox_layer::userdict::assemble(tokenizer_for(dictionary), files, &dir).expect("assemble the user layer");
    (dir, compiled)
}

/// The reference: Python jieba 0.42.1 (`scripts/setup jieba`), answering
/// `requests` through `tests/oracle/jieba_oracle.py` in one process (it
/// loads in about a second), one JSON answer per request, in order.
pub fn python_jieba(requests: &[serde_json::Value]) -> Vec<serde_json::Value> {
    python_jieba_with(&[], requests)
}

/// [`python_jieba`] after `jieba.load_userdict(file)` for each of `userdicts`, in order.
pub fn python_jieba_with(userdicts: &[PathBuf], requests: &[serde_json::Value]) -> Vec<serde_json::Value> {
    python_jieba_for(Dictionary::Default, userdicts, requests)
}

/// [`python_jieba_with`] with `dictionary`: for the big one, the oracle's
/// `--dictionary big` (a `jieba.Tokenizer` over `dict/big/dict.txt.big`, a
/// `POSTokenizer` over it, `TFIDF` with `idf.txt.big`; it loads in about 2 s).
pub fn python_jieba_for(
    dictionary: Dictionary,
    userdicts: &[PathBuf],
    requests: &[serde_json::Value],
) -> Vec<serde_json::Value> {
    use std::io::{BufRead, Write};
    use std::process::{Command, Stdio};

    let python = repo().join(".venv/jieba/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/setup jieba", python.display());
    let mut child = Command::new(&python)
        .arg(repo().join("tests/oracle/jieba_oracle.py"))
        .args(["--dictionary", dictionary.name()])
        .args(userdicts)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the jieba oracle");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
    // Write from another thread: the oracle answers while it reads.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = std::io::BufReader::new(child.stdout.take().expect("oracle stdout"));
    let answers: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(&line.expect("read the oracle")).expect("the oracle answers JSON"))
        .collect();
    writer.join().expect("writer thread").expect("write to the oracle");
    assert!(child.wait().expect("wait for the oracle").success(), "the jieba oracle failed");
    assert_eq!(answers.len(), requests.len(), "the oracle answered {} of {} requests", answers.len(), requests.len());
    answers
}

/// `<target>/corpus/news.txt`: 3,000 paragraphs of news text, built by
/// `scripts/news-corpus` (which `scripts/test` runs; see tests/corpus/NEWS.md).
pub fn news_corpus() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target directory");
    let path = target.join("corpus/news.txt");
    assert!(path.exists(), "{} is missing: run scripts/news-corpus", path.display());
    path
}

/// `<target>/corpus/<name>`: `reviews-traditional.txt` or
/// `news-traditional.txt`, tests/corpus/reviews.txt and the news corpus in
/// traditional characters, built by `scripts/traditional-corpus` (which
/// `scripts/test` runs).
pub fn traditional_corpus(name: &str) -> PathBuf {
    let path = news_corpus().with_file_name(name);
    assert!(path.exists(), "{} is missing: run scripts/traditional-corpus", path.display());
    path
}

/// A fresh directory under cargo's per-target temporary directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("layer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A deterministic xorshift generator: property tests without a framework.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A string of up to `max_chars` characters drawn from the kinds of text
    /// the segmenter treats differently: common and rare CJK, CJK outside
    /// the HMM's range, extension ideographs, ASCII letters and digits, the
    /// connectors and symbols jieba keeps in blocks, punctuation, whitespace
    /// including `\r\n`, emoji, other scripts, and arbitrary scalar values.
    pub fn text(&mut self, max_chars: usize) -> String {
        const COMMON: &str = "我来到北京清华大学他了网易杭研大厦南京市长江大桥的是在不一有人这中出个们和上也说要就";
        const PIECES: &[&str] = &[
            "+",
            "#",
            "&",
            ".",
            "_",
            "%",
            "-",
            "\r\n",
            "\r",
            "\n",
            "\t",
            " ",
            "，",
            "。",
            "！",
            "😀",
            "👨‍👩‍👧",
            "🎉",
            "\u{200d}",
            "\u{301}",
            "\u{3000}",
            "\u{feff}",
            "\u{fffd}",
            "\0",
        ];
        let len = self.below(max_chars + 1);
        let mut s = String::new();
        for _ in 0..len {
            match self.below(12) {
                0..=3 => s.push(COMMON.chars().nth(self.below(COMMON.chars().count())).unwrap_or('我')),
                4 => s.push(char::from_u32(0x4E00 + self.below(0x51D6) as u32).unwrap_or('中')),
                5 => s.push(char::from_u32(0x9FD6 + self.below(0x2A) as u32).unwrap_or('鿖')),
                6 => s.push(
                    ['\u{3400}', '\u{4DB5}', '\u{F900}', '\u{20000}', '\u{2A6D6}', '\u{2F800}', '\u{30000}']
                        [self.below(7)],
                ),
                7 => s.push((b'a' + self.below(26) as u8) as char),
                8 => s.push((b'0' + self.below(10) as u8) as char),
                9 => s.push_str(PIECES[self.below(PIECES.len())]),
                10 => s.push(['ア', 'я', 'ب', '한', 'Ａ', '１', 'é'][self.below(7)]),
                _ => {
                    let mut c = char::from_u32(self.below(0x11_0000) as u32);
                    while c.is_none() {
                        c = char::from_u32(self.below(0x11_0000) as u32);
                    }
                    s.push(c.unwrap_or('?'));
                }
            }
        }
        s
    }
}
