//! The rankings on hand-made word lists. Every expected weight was printed by
//! Python jieba 0.42.1's own `TFIDF` and `TextRank` classes, given these word
//! lists in place of their tokenizers (weights written with `repr`), so the
//! comparisons are exact.

use super::*;

/// Words, tags, a made-up IDF table: repeats, ties, a word under two tags,
/// stop words in three cases, whitespace that Python's `strip()` removes
/// (including U+001C, which Rust's `trim` keeps) and CRLF.
const WORDS: [(&str, &str); 16] = [
    ("北京", "ns"),
    ("上海", "ns"),
    ("北京", "n"),
    ("a", "x"),
    ("The", "eng"),
    ("THE", "eng"),
    ("广州", "ns"),
    (" x ", "x"),
    ("\r\n", "x"),
    ("北京", "ns"),
    ("上海", "ns"),
    ("数据", "n"),
    ("分析", "vn"),
    ("AB", "eng"),
    ("ab", "eng"),
    ("\u{1c}ab", "x"),
];

fn idf(word: &(&str, &str)) -> Option<f64> {
    match word.0 {
        "北京" => Some(2.0),
        "上海" => Some(3.0),
        "数据" => Some(0.7),
        "ab" => Some(5.5),
        _ => None,
    }
}
const MEDIAN_IDF: f64 = 1.25;

/// `(word, tag if keyed by tag, weight)` for each ranked key.
fn shown<'w>(words: &[(&'w str, &'w str)], ranked: &[Ranked], tagged: bool) -> Vec<(&'w str, Option<&'w str>, f64)> {
    ranked.iter().map(|r| (words[r.index].0, tagged.then_some(words[r.index].1), r.weight)).collect()
}

fn tfidf_of(
    allow_pos: &[&str],
    with_flag: bool,
    stop_words: &[&str],
) -> Vec<(&'static str, Option<&'static str>, f64)> {
    let stop_words = StopWords::new(stop_words.iter().copied());
    let tags = TagSet::new(allow_pos);
    let filter = Filter { allow_pos: &tags, with_flag, stop_words: &stop_words };
    shown(&WORDS, &tfidf(&WORDS, &filter, idf, MEDIAN_IDF, 20), with_flag && !allow_pos.is_empty())
}

#[test]
fn tfidf_counts_in_first_seen_order_and_keeps_it_for_ties() {
    // 北京 3 × (2 / 11) and 上海 2 × (3 / 11) are the same double: 北京 was seen first.
    let expected = [
        ("北京", None, 0.5454545454545454),
        ("上海", None, 0.5454545454545454),
        ("ab", None, 0.5),
        ("广州", None, 0.11363636363636363),
        ("分析", None, 0.11363636363636363),
        ("AB", None, 0.11363636363636363),
        ("\u{1c}ab", None, 0.11363636363636363),
        ("数据", None, 0.06363636363636363),
    ];
    assert_eq!(tfidf_of(&[], false, &[]), expected);
    // withFlag without allowPOS changes nothing, as in jieba.
    assert_eq!(tfidf_of(&[], true, &[]), expected);
}

#[test]
fn tfidf_request_stop_words_add_to_jiebas_and_match_the_lowered_word() {
    // "AB" as a stop word never matches: jieba compares the *lowered* word with it.
    let expected = [
        ("上海", None, 0.75),
        ("ab", None, 0.6875),
        ("广州", None, 0.15625),
        ("分析", None, 0.15625),
        ("AB", None, 0.15625),
        ("\u{1c}ab", None, 0.15625),
        ("数据", None, 0.0875),
    ];
    assert_eq!(tfidf_of(&[], false, &["北京", "AB"]), expected);
}

#[test]
fn tfidf_with_a_pos_filter_keys_by_word_or_by_word_and_tag() {
    let by_word = [
        ("北京", None, 0.6666666666666666),
        ("上海", None, 0.6666666666666666),
        ("ab", None, 0.6111111111111112),
        ("广州", None, 0.1388888888888889),
        ("AB", None, 0.1388888888888889),
        ("数据", None, 0.07777777777777778),
    ];
    assert_eq!(tfidf_of(&["ns", "n", "eng"], false, &[]), by_word);
    let by_word_and_tag = [
        ("上海", Some("ns"), 0.6666666666666666),
        ("ab", Some("eng"), 0.6111111111111112),
        ("北京", Some("ns"), 0.4444444444444444),
        ("北京", Some("n"), 0.2222222222222222),
        ("广州", Some("ns"), 0.1388888888888889),
        ("AB", Some("eng"), 0.1388888888888889),
        ("数据", Some("n"), 0.07777777777777778),
    ];
    assert_eq!(tfidf_of(&["ns", "n", "eng"], true, &[]), by_word_and_tag);
}

/// A word under three tags, a stop word, Latin words whose order differs from
/// their lowercase order, and supplementary-plane and full-width characters,
/// which code-point order puts after CJK (UTF-16 order would not).
const GRAPH: [(&str, &str); 16] = [
    ("中国", "ns"),
    ("经济", "n"),
    ("发展", "vn"),
    ("中国", "n"),
    ("中国", "ns"),
    ("经济", "n"),
    ("x", "x"),
    ("人民", "n"),
    ("apple", "n"),
    ("Zebra", "n"),
    ("\u{20000}\u{20001}", "n"),
    ("\u{ff21}\u{ff22}", "n"),
    ("发展", "v"),
    ("经济", "n"),
    ("the", "n"),
    ("中国", "ns"),
];

fn textrank_of<'w>(
    words: &[(&'w str, &'w str)],
    allow_pos: &[&str],
    with_flag: bool,
) -> Vec<(&'w str, Option<&'w str>, f64)> {
    let stop_words = StopWords::default();
    let tags = TagSet::new(allow_pos);
    let filter = Filter { allow_pos: &tags, with_flag, stop_words: &stop_words };
    shown(words, &textrank(words, &filter, 20), with_flag && !allow_pos.is_empty())
}

#[test]
fn textrank_by_word() {
    let expected = [
        ("中国", None, 1.0),
        ("经济", None, 0.8925556829149283),
        ("发展", None, 0.5924520743967894),
        ("\u{ff21}\u{ff22}", None, 0.41789047528068035),
        ("Zebra", None, 0.41546273793119776),
        ("apple", None, 0.41397841165978727),
        ("人民", None, 0.41223313150507346),
        ("\u{20000}\u{20001}", None, 0.37164244891666065),
    ];
    assert_eq!(textrank_of(&GRAPH, &TEXTRANK_POS, false), expected);
}

#[test]
fn textrank_by_word_and_tag() {
    let expected = [
        ("经济", Some("n"), 1.0),
        ("中国", Some("ns"), 0.8148974320023183),
        ("\u{ff21}\u{ff22}", Some("n"), 0.44697961928088037),
        ("人民", Some("n"), 0.4434365750305835),
        ("apple", Some("n"), 0.44283722899712585),
        ("Zebra", Some("n"), 0.4422269056032749),
        ("\u{20000}\u{20001}", Some("n"), 0.393956827868259),
        ("发展", Some("v"), 0.3860701864507271),
        ("中国", Some("n"), 0.370229387988486),
        ("发展", Some("vn"), 0.31238842964744395),
    ];
    assert_eq!(textrank_of(&GRAPH, &TEXTRANK_POS, true), expected);
}

#[test]
fn textrank_small_graphs() {
    // A word next to itself is one node with a self-loop (two edge entries).
    assert_eq!(textrank_of(&[("北京", "n"), ("北京", "n")], &["n"], false), [("北京", None, 1.0)]);
    // The in-place (Gauss-Seidel) update in code-point order breaks the symmetry.
    assert_eq!(
        textrank_of(&[("甲乙", "n"), ("丙丁", "n")], &["n"], false),
        [("甲乙", None, 1.0), ("丙丁", None, 0.9961264494011037)]
    );
    // Nothing kept, or an empty allowPOS: no graph, no keywords.
    assert_eq!(textrank_of(&[("北京", "n")], &["n"], false), []);
    assert_eq!(textrank_of(&GRAPH, &[], true), []);
    // Words more than four apart share no edge.
    let apart = [("北京", "n"), ("的", "uj"), ("的", "uj"), ("的", "uj"), ("的", "uj"), ("上海", "n")];
    assert_eq!(textrank_of(&apart, &["n"], false), []);
}

#[test]
fn top_k_cuts_after_the_stable_sort() {
    let stop_words = StopWords::default();
    let filter = Filter { allow_pos: &TagSet::default(), with_flag: false, stop_words: &stop_words };
    let all = tfidf(&WORDS, &filter, idf, MEDIAN_IDF, 20);
    assert_eq!(tfidf(&WORDS, &filter, idf, MEDIAN_IDF, 1), all[..1]);
    assert_eq!(tfidf(&WORDS, &filter, idf, MEDIAN_IDF, 5), all[..5]);
}

/// `StopWords::contains` skips the default list for words longer than 5
/// bytes or not ASCII: true of every word in it.
#[test]
fn jiebas_stop_words_are_short_ascii() {
    assert!(STOP_WORDS.iter().all(|w| w.is_ascii() && w.len() <= 5));
}

#[test]
fn python_strip_and_lower() {
    for c in ['\u{1c}', '\u{1f}', ' ', '\u{3000}', '\u{85}'] {
        assert!(is_py_space(c), "{c:?}");
    }
    for c in ['\u{200b}', '\u{feff}', 'a', '中'] {
        assert!(!is_py_space(c), "{c:?}");
    }
    assert!(matches!(python_lower("北京abc"), Cow::Borrowed("北京abc")));
    assert_eq!(python_lower("The"), "the");
    // Final sigma, KELVIN SIGN and dotted capital I, as Python 3.11 lowers them.
    assert_eq!(python_lower("ΟΔΟΣ"), "οδο\u{3c2}");
    assert_eq!(python_lower("ΣΑ"), "\u{3c3}α");
    assert_eq!(python_lower("\u{212a}"), "k");
    assert_eq!(python_lower("\u{130}"), "i\u{307}");
}

/// `len(w.strip()) >= 2`, with and without spaces at either end.
#[test]
fn a_word_is_long_enough_after_strip() {
    let stop_words = StopWords::default();
    let tags = TagSet::default();
    let filter = Filter { allow_pos: &tags, with_flag: false, stop_words: &stop_words };
    for kept in ["北京", "北京 ", "\u{3000}北京", "a b", " ab\u{1c}", "中\u{3000}国"] {
        assert!(filter.keeps(kept), "{kept:?}");
    }
    for dropped in ["", "北", " 北", "中 \u{3000}", "\r\n", "\u{1c}a\u{1f}", "   ", "The"] {
        assert!(!filter.keeps(dropped), "{dropped:?}");
    }
}

/// A request's stop words are lowered and looked up, CJK words too.
#[test]
fn a_requests_stop_words_drop_cjk_words() {
    let stop_words = StopWords::new(["北京", "abc"]);
    let tags = TagSet::default();
    let filter = Filter { allow_pos: &tags, with_flag: false, stop_words: &stop_words };
    assert!(!filter.keeps("北京"));
    assert!(!filter.keeps("ABC"));
    assert!(filter.keeps("北京市"));
    assert!(filter.keeps("上海"));
}

/// Words ordered by their leading bytes and then in full order as their bytes do.
#[test]
fn leading_bytes_order_as_the_words_do() {
    let mut words = ["北京", "北京大学", "a", "a\0", "ab", "", "abcdefgh", "abcdefghi", "abcdefgg", "\u{10000}", "z"];
    words.sort_unstable();
    let mut keyed: Vec<(u64, &str)> = words.iter().map(|w| (leading_bytes(w), *w)).collect();
    keyed.sort_unstable();
    assert_eq!(keyed.iter().map(|k| k.1).collect::<Vec<_>>(), words);
    for pair in words.windows(2) {
        assert!(leading_bytes(pair[0]) <= leading_bytes(pair[1]), "{pair:?}");
    }
}

/// `top` is Python's `sorted(..., reverse=True)[:topK]` (weights heaviest
/// first, ties in list order, -0.0 equal to 0.0), for lists shorter and
/// longer than `top_k`.
#[test]
fn top_is_a_stable_sort_cut_short() {
    let mut seed = 7u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    for len in [0, 1, 5, 19, 80, 81, 300] {
        let ranked: Vec<Ranked> = (0..len)
            .map(|index| {
                let weight = match next() % 4 {
                    0 => 0.0,
                    1 => -0.0,
                    _ => (next() % 7) as f64 / 4.0,
                };
                Ranked { index, weight }
            })
            .collect();
        for top_k in [1, 3, 20, 100] {
            let mut expected = ranked.clone();
            expected.sort_by(|a, b| b.weight.partial_cmp(&a.weight).unwrap());
            expected.truncate(top_k);
            let got = top(ranked.clone(), top_k);
            let indices = |r: &[Ranked]| r.iter().map(|r| r.index).collect::<Vec<_>>();
            assert_eq!(indices(&got), indices(&expected), "len {len}, top {top_k}");
        }
    }
}
