//! `Tokenizer::keywords` must equal Python jieba 0.42.1's `jieba.analyse`
//! (`extract_tags` and `textrank` with `withWeight=True`, through
//! `tests/oracle/jieba_oracle.py`): the same keys in the same order, the same
//! tags, and weights bit for bit, for every text and parameter set below.
//!
//! The `big_` tests do the same with jieba's big dictionary: ours against
//! `jieba.analyse.TFIDF(idf_path='idf.txt.big')` and `TextRank`, both
//! segmenting with the big `jieba.Tokenizer` and a `POSTokenizer` over it.

mod common;

use common::equality::{words_for, UserWord};
use common::{news_corpus, python_jieba_for, repo, tokenizer_for, traditional_corpus, Rng};
use serde_json::{json, Value};
use toolbox_layer::{Dictionary, KeywordOptions, Method, StopWords, TagSet};

/// One way of asking: jieba's parameters.
#[derive(Clone)]
struct Ask {
    method: Method,
    top_k: usize,
    allow_pos: Option<&'static [&'static str]>,
    with_flag: bool,
    stop_words: &'static [&'static str],
}

/// Several topK, the default and wide POS filters, withFlag both ways, and
/// request stop words (including one that only a lowered word can match).
const ASKS: [Ask; 6] = [
    Ask { method: Method::TfIdf, top_k: 20, allow_pos: None, with_flag: false, stop_words: &[] },
    Ask { method: Method::TfIdf, top_k: 5, allow_pos: Some(&["ns", "n", "vn", "v"]), with_flag: true, stop_words: &[] },
    Ask {
        method: Method::TfIdf,
        top_k: 1000,
        allow_pos: Some(&["n", "nr", "ns", "eng", "m", "x", "v", "a"]),
        with_flag: false,
        stop_words: &["的", "我们", "酒店", "good", "GOOD"],
    },
    Ask { method: Method::TextRank, top_k: 20, allow_pos: None, with_flag: true, stop_words: &[] },
    Ask { method: Method::TextRank, top_k: 3, allow_pos: None, with_flag: false, stop_words: &[] },
    Ask {
        method: Method::TextRank,
        top_k: 1000,
        allow_pos: Some(&["n", "v", "eng", "nr", "ns", "a", "m", "x", "vn"]),
        with_flag: true,
        stop_words: &["酒店", "房间", "ok"],
    },
];

fn request(text: &str, ask: &Ask, words: &[UserWord]) -> Value {
    let op = match ask.method {
        Method::TfIdf => "extract_tags",
        Method::TextRank => "textrank",
    };
    json!({
        "op": op, "text": text, "topK": ask.top_k, "allowPOS": ask.allow_pos,
        "withFlag": ask.with_flag, "stopWords": ask.stop_words, "userWords": words,
    })
}

/// Our keywords in the oracle's shape: `[word, weight]` or `[word, tag, weight]`.
fn ours(dictionary: Dictionary, text: &str, ask: &Ask, words: &[UserWord]) -> Value {
    let stop_words = StopWords::new(ask.stop_words.iter().copied());
    let allow_pos = ask.allow_pos.map(TagSet::new);
    let options = KeywordOptions {
        method: ask.method,
        top_k: ask.top_k,
        allow_pos: allow_pos.as_ref(),
        with_flag: ask.with_flag,
        stop_words: &stop_words,
    };
    // No bound on the tagging work: these compare answers, not costs.
    let mut unbounded = u64::MAX;
    let tokenizer = tokenizer_for(dictionary);
    let mut added = tokenizer.added_words();
    for (word, freq, tag) in words {
        tokenizer.add_word(&mut added, word, *freq, tag.as_deref()).expect("within the total");
    }
    let keywords = tokenizer.lexicon_with(&added).keywords(text, &options, &mut unbounded).expect("unbounded");
    keywords
        .into_iter()
        .map(|k| match k.tag {
            Some(tag) => json!([k.word, tag, k.weight]),
            None => json!([k.word, k.weight]),
        })
        .collect()
}

/// `text` for a failure message: whole if short, else its start.
fn shown(text: &str) -> String {
    let head: String = text.chars().take(100).collect();
    if head.len() < text.len() {
        format!("{head:?}... ({} chars)", text.chars().count())
    } else {
        format!("{head:?}")
    }
}

/// Every ask on every text, against one run of the oracle. Weights are
/// compared as doubles (the oracle writes `repr`, which parses back to the
/// same double), so equal means bit-identical. Returns how many answers had
/// keywords: a test of answers that are all empty would prove nothing.
fn check(name: &str, texts: &[&str], asks: &[Ask]) -> usize {
    check_on(Dictionary::Default, name, texts, asks)
}

/// [`check`] with `dictionary`, ours and Python jieba's.
fn check_on(dictionary: Dictionary, name: &str, texts: &[&str], asks: &[Ask]) -> usize {
    check_with_words(dictionary, name, texts, asks, &vec![Vec::new(); texts.len()])
}

/// [`check_on`] with `words[i]` added (`jieba.add_word`) for text `i`.
fn check_with_words(
    dictionary: Dictionary,
    name: &str,
    texts: &[&str],
    asks: &[Ask],
    words: &[Vec<UserWord>],
) -> usize {
    let requests: Vec<Value> = texts
        .iter()
        .zip(words)
        .flat_map(|(text, words)| asks.iter().map(move |ask| request(text, ask, words)))
        .collect();
    let answers = python_jieba_for(dictionary, &[], &requests);
    let mut failures = Vec::new();
    let mut nonempty = 0;
    for (i, theirs) in answers.iter().enumerate() {
        let (text, ask, words) = (texts[i / asks.len()], &asks[i % asks.len()], &words[i / asks.len()]);
        assert!(theirs.is_array(), "{name}: jieba failed on {}: {theirs}", shown(text));
        let ours = ours(dictionary, text, ask, words);
        nonempty += usize::from(!ours.as_array().unwrap().is_empty());
        if &ours != theirs {
            failures.push(format!("{} (ask {}):\n  ours:  {ours}\n  jieba: {theirs}", shown(text), i % asks.len()));
        }
    }
    assert!(
        failures.is_empty(),
        "{name} ({dictionary} dictionary): {} of {} answers differ from Python jieba; first:\n{}",
        failures.len(),
        answers.len(),
        failures[..failures.len().min(3)].join("\n")
    );
    eprintln!(
        "{name} ({dictionary} dictionary): {} texts x {} asks = {} answers equal to Python jieba ({nonempty} with keywords)",
        texts.len(),
        asks.len(),
        answers.len()
    );
    nonempty
}

fn corpus(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn review_lines() {
    let text = corpus("tests/corpus/reviews.txt");
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(lines.len() >= 3000, "{} lines", lines.len());
    let nonempty = check("reviews.txt", &lines, &ASKS);
    assert!(nonempty > lines.len() * ASKS.len() * 9 / 10, "only {nonempty} answers have keywords");
}

/// Whole paragraphs: 30 review lines joined with LF, and one long text of
/// 600 lines joined with CRLF (about 200 KB of jieba's work in one ranking).
#[test]
fn long_texts() {
    let text = corpus("tests/corpus/reviews.txt");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut texts: Vec<String> = lines[..900].chunks(30).map(|chunk| chunk.join("\n")).collect();
    texts.push(lines[900..1500].join("\r\n"));
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(check("paragraphs", &texts, &ASKS), texts.len() * ASKS.len());
}

/// News text: paragraphs of the corpus `scripts/news-corpus` builds (People's Daily, 1998).
#[test]
fn news_paragraphs() {
    let path = news_corpus();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // 2,000 of its 3,000 paragraphs keep this test binary under a minute.
    let lines: Vec<&str> = text.split('\n').filter(|line| !line.trim().is_empty()).take(2000).collect();
    let nonempty = check("news.txt", &lines, &ASKS);
    assert!(nonempty > lines.len() * ASKS.len() / 2, "only {nonempty} answers have keywords");
}

/// What the corpora lack: Latin words and their case, stop words in capitals,
/// digits, decimals, percentages, emoji, full-width forms, punctuation runs,
/// whitespace, CRLF, mixed scripts, letters lowered differently by newer
/// Unicode than Python 3.11's; plus the layer's edge-case corpus.
#[test]
fn edge_cases() {
    let (texts, asks) = edge_cases_and_asks();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let nonempty = check("edge cases", &texts, &asks);
    assert!(nonempty > texts.len() * asks.len() / 4, "only {nonempty} answers have keywords");
}

fn edge_cases_and_asks() -> (Vec<String>, Vec<Ask>) {
    let own = [
        "",
        "   ",
        "\r\n\r\n",
        "The THE the tHe of OF Of 的的的 北京北京",
        "Python jieba和jieba-rs都是分词工具，Rust版本python版本PYTHON版本",
        "圆周率是3.14，增长了12.5%，利润-139.13万元，１２３４５６和ＡＢＣ全角",
        "今天天气真好😀😀，我们去公园吧🌳🌲！👨‍👩‍👧‍👦一家人在一起🎉🎉🎉",
        "！！！？？？。。。，，，……——「」『』【】《》",
        "北京  上海\t广州\u{3000}深圳\u{a0}杭州\u{1c}南京\r\n成都\r天津\n重庆",
        "Москва和東京以及서울，还有Καλημέρα ΟΔΟΣ與Straße",
        "ꟋꟋ ꟋꟋ Ωmega \u{212a}elvin İstanbul 𞺠𞺠 K k",
        "iPhone 15 Pro Max售价7999元，GPT-4o和C++、C#、.NET、node.js都是技术名词",
        "www.example.com user@example.com 2024-01-01 12:30:45 v1.2.3",
        "中华人民共和国中央人民政府今天成立了。中华人民共和国万岁！中央人民政府万岁！",
    ];
    let file = corpus("layer/tests/corpus/edge-cases.txt");
    let texts: Vec<String> = own.iter().copied().chain(file.split('\n')).map(String::from).collect();
    let stop_words: &'static [&'static str] = &["北京", "python", "ⅽ", "the", "ok", "k", "ꟋꟋ"];
    let mut asks = ASKS.to_vec();
    for method in [Method::TfIdf, Method::TextRank] {
        asks.push(Ask {
            method,
            top_k: 50,
            allow_pos: Some(&["eng", "m", "x", "n", "ns"]),
            with_flag: true,
            stop_words,
        });
    }
    (texts, asks)
}

#[test]
fn review_lines_with_request_words() {
    let reviews = corpus("tests/corpus/reviews.txt");
    let texts: Vec<&str> = reviews.lines().step_by(6).collect();
    let mut rng = Rng::new(31);
    let words: Vec<Vec<UserWord>> = texts.iter().map(|text| words_for(text, &mut rng)).collect();
    let nonempty = check_with_words(Dictionary::Default, "reviews with userWords", &texts, &ASKS, &words);
    assert!(nonempty > texts.len() * 3, "{nonempty}");
}

/// Every word of jieba's IDF table, and every dictionary word it lacks, read
/// back through the layer (dictionary words through the trie, the others
/// through their own search) equals Python jieba's `idf_freq.get(word)`, bit
/// for bit, and the median is jieba's `median_idf`.
#[test]
fn every_idf_equals_jiebas_table() {
    idf_table_equals_jiebas(Dictionary::Default, 200_000);
}

/// Python jieba's table: the default extractor's (jieba's own `idf.txt`),
/// or for the big dictionary `TFIDF(idf_path='idf.txt.big')`'s.
fn idf_table_equals_jiebas(dictionary: Dictionary, min_words: usize) {
    const DUMP: &str = r#"
import json, sys
import jieba, jieba.analyse
t = jieba.analyse.TFIDF(idf_path=sys.argv[2]) if len(sys.argv) > 2 else jieba.analyse.default_tfidf
dict_words = [l.split(" ")[0] for l in open(sys.argv[1], encoding="utf-8").read().splitlines()]
extra = [w for w in dict_words if w not in t.idf_freq]
json.dump({"idf": {w: v.hex() for w, v in t.idf_freq.items()}, "missing": extra, "median": t.median_idf.hex()}, sys.stdout)
"#;
    let python = repo().join(".venv/jieba/bin/python");
    let [dict, idf] = dictionary.source_files().map(|file| repo().join("dict").join(file));
    let mut command = std::process::Command::new(&python);
    command.arg("-c").arg(DUMP).arg(dict);
    if dictionary == Dictionary::Big {
        command.arg(idf);
    }
    let output = command.output().expect("run Python jieba (scripts/setup jieba)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let dump: Value = serde_json::from_slice(&output.stdout).unwrap();
    // float.hex() → f64, exactly.
    let from_hex = |s: &str| -> f64 {
        let (sign, rest) = s.strip_prefix('-').map_or((1.0, s), |r| (-1.0, r));
        let rest = rest.strip_prefix("0x").expect("hex float");
        let (mantissa, exponent) = rest.split_once('p').expect("hex exponent");
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut bits = u64::from_str_radix(int, 16).unwrap();
        for c in frac.chars() {
            bits = bits * 16 + c.to_digit(16).unwrap() as u64;
        }
        let scale = exponent.parse::<i32>().unwrap() - 4 * frac.len() as i32;
        sign * bits as f64 * 2f64.powi(scale)
    };
    let tokenizer = tokenizer_for(dictionary);
    let table = dump["idf"].as_object().unwrap();
    assert!(table.len() > min_words, "jieba's table has {} words", table.len());
    for (word, value) in table {
        let expected = from_hex(value.as_str().unwrap());
        assert_eq!(tokenizer.idf(word).map(f64::to_bits), Some(expected.to_bits()), "idf of {word:?}");
    }
    let missing = dump["missing"].as_array().unwrap();
    assert!(missing.len() > 10_000);
    for word in missing {
        assert_eq!(tokenizer.idf(word.as_str().unwrap()), None, "{word} is not in jieba's IDF table");
    }
    assert_eq!(tokenizer.median_idf().to_bits(), from_hex(dump["median"].as_str().unwrap()).to_bits());
}

/// Lines of a corpus: every `step`th of the first `take`, blank ones left out.
fn some_lines(text: &str, step: usize, take: usize) -> Vec<&str> {
    text.split('\n').filter(|line| !line.trim().is_empty()).take(take).step_by(step).collect()
}

fn read(path: std::path::PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Half the traditional review lines (every ask tags them; tagging
/// traditional text with the HMM is jieba's slowest path), and 30-line
/// paragraphs of them.
#[test]
fn big_traditional_review_lines() {
    let text = read(traditional_corpus("reviews-traditional.txt"));
    let lines = some_lines(&text, 2, 3000);
    let nonempty = check_on(Dictionary::Big, "reviews-traditional.txt", &lines, &ASKS);
    assert!(nonempty > lines.len() * ASKS.len() * 9 / 10, "only {nonempty} answers have keywords");
    let all: Vec<&str> = text.split('\n').collect();
    let paragraphs: Vec<String> = all[..600].chunks(30).map(|chunk| chunk.join("\n")).collect();
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    assert_eq!(check_on(Dictionary::Big, "traditional paragraphs", &paragraphs, &ASKS), paragraphs.len() * ASKS.len());
}

#[test]
fn big_traditional_news_paragraphs() {
    let text = read(traditional_corpus("news-traditional.txt"));
    let lines = some_lines(&text, 1, 1000);
    let nonempty = check_on(Dictionary::Big, "news-traditional.txt", &lines, &ASKS);
    assert!(nonempty > lines.len() * ASKS.len() / 2, "only {nonempty} answers have keywords");
}

/// Simplified text with the big dictionary: review lines and news paragraphs.
#[test]
fn big_simplified_reviews_and_news() {
    let reviews = corpus("tests/corpus/reviews.txt");
    let lines = some_lines(&reviews, 2, 3000);
    let nonempty = check_on(Dictionary::Big, "reviews.txt", &lines, &ASKS);
    assert!(nonempty > lines.len() * ASKS.len() * 9 / 10, "only {nonempty} answers have keywords");
    let news = read(news_corpus());
    let lines = some_lines(&news, 3, 3000);
    let nonempty = check_on(Dictionary::Big, "news.txt", &lines, &ASKS);
    assert!(nonempty > lines.len() * ASKS.len() / 2, "only {nonempty} answers have keywords");
}

#[test]
fn big_edge_cases() {
    let (mut texts, asks) = edge_cases_and_asks();
    texts.extend(
        [
            "我們在臺灣學習中文，這個軟體很好用，The軟體THE軟體",
            "台灣和臺灣，台北與臺北，臺灣的台中市和臺中市",
            "電腦軟體、網際網路、資訊科技與人工智慧是熱門的研究領域，研究領域研究領域",
            "我们在台湾学习中文，這個軟體很好用，这个软件也好用",
        ]
        .map(String::from),
    );
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let nonempty = check_on(Dictionary::Big, "edge cases", &texts, &asks);
    assert!(nonempty > texts.len() * asks.len() / 4, "only {nonempty} answers have keywords");
}

#[test]
fn big_traditional_and_simplified_lines_with_request_words() {
    let traditional = read(traditional_corpus("reviews-traditional.txt"));
    let simplified = corpus("tests/corpus/reviews.txt");
    let texts: Vec<&str> =
        some_lines(&traditional, 12, 3000).into_iter().chain(some_lines(&simplified, 12, 3000)).collect();
    let mut rng = Rng::new(37);
    let words: Vec<Vec<UserWord>> = texts.iter().map(|text| words_for(text, &mut rng)).collect();
    let nonempty = check_with_words(Dictionary::Big, "reviews with userWords", &texts, &ASKS, &words);
    assert!(nonempty > texts.len() * 3, "{nonempty}");
}

#[test]
fn big_every_idf_equals_jiebas_table() {
    idf_table_equals_jiebas(Dictionary::Big, 170_000);
}
