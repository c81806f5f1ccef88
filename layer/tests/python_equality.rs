//! Our words and tags must equal Python jieba 0.42.1's, token for token, in
//! every mode and with the HMM on and off: `jieba.lcut`, `lcut(cut_all=True)`,
//! `lcut_for_search` and `jieba.posseg.lcut`, on real text, edge cases and
//! random strings. Python jieba runs pinned in `.venv/jieba`.
//!
//! The `big_` tests do the same with jieba's big dictionary (`Dictionary::Big`
//! against `jieba.Tokenizer(dictionary='dict.txt.big')` and a `POSTokenizer`
//! over it) on traditional text (`scripts/traditional-corpus`) and simplified.

mod common;

use common::equality::{compare_all, compare_all_on, compare_with_words_on, words_for, UserWord, OPS};
use common::{news_corpus, repo, tokenizer, tokenizer_for, traditional_corpus, Rng};
use toolbox_layer::{Dictionary, Mode};

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

/// The first 20,000 characters of each corpus as one text, with LF and with CRLF.
fn whole_files(corpora: &[std::path::PathBuf]) -> Vec<String> {
    let mut texts = Vec::new();
    for corpus in corpora {
        let text = std::fs::read_to_string(repo().join(corpus)).expect("read the corpus");
        let head: String = text.chars().take(20_000).collect();
        texts.push(head.replace('\n', "\r\n"));
        texts.push(head);
    }
    texts
}

#[test]
fn whole_files_as_one_text_match_python_jieba() {
    // Newlines, `\r\n` and long inputs inside one request.
    compare_all(&whole_files(&["tests/corpus/reviews.txt".into(), "layer/tests/corpus/edge-cases.txt".into()]));
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

/// Every `step`th line of `lines`, with words from itself to add.
fn with_words(lines: Vec<String>, step: usize, rng: &mut Rng) -> Vec<(String, Vec<UserWord>)> {
    lines
        .into_iter()
        .step_by(step)
        .map(|line| {
            let words = words_for(&line, rng);
            (line, words)
        })
        .collect()
}

#[test]
fn added_words_match_python_jiebas_add_word() {
    assert!(compare_with_words_on(Dictionary::Default, &added_words_cases(Dictionary::Default)) >= 1300 * OPS.len());
}

/// Review lines (simplified; traditional too for the big dictionary) with
/// words from themselves, jieba's documented examples, suggest_freq's
/// paths, and random strings with words from themselves.
fn added_words_cases(dictionary: Dictionary) -> Vec<(String, Vec<UserWord>)> {
    let mut rng = Rng::new(9);
    let mut cases = with_words(lines("tests/corpus/reviews.txt", 3000), 3, &mut rng);
    if dictionary == Dictionary::Big {
        // Fewer than the simplified lines: tagging traditional text with the
        // HMM is jieba's slowest path (4 times simplified's, in Python).
        cases.extend(with_words(lines(traditional_corpus("reviews-traditional.txt"), 3000), 6, &mut rng));
        cases.extend(with_words(lines(traditional_corpus("news-traditional.txt"), 3000), 12, &mut rng));
        // Traditional words added, removed (a word of the big dictionary's, 臺灣), retagged.
        cases.push((
            BIG_EXAMPLE.into(),
            vec![
                ("臺灣".into(), Some(0), None),
                ("灣學習".into(), None, Some("nz".into())),
                ("中文軟體".into(), Some(30), Some("n".into())),
                ("很好用".into(), None, None),
                ("這個".into(), Some(3), Some("zz".into())),
            ],
        ));
    }
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
    // suggest_freq's paths: words of one block, of several (full-width
    // digits and dashes are outside the blocks), a word already added (with
    // a frequency, then without), a dictionary word, Latin runs joined.
    let text = "１９９７年１２月，云计算——北京ab12的创新办……ＡＢ计划";
    cases.push((
        text.into(),
        vec![
            ("１９９７年".into(), None, None),
            ("１２月".into(), None, None),
            ("——".into(), None, None),
            ("云计算".into(), Some(50_000), None),
            ("云计算".into(), None, None),
            ("北京".into(), None, None),
            ("北京ab12".into(), None, None),
            ("创新办".into(), None, None),
            ("……ＡＢ计划".into(), None, None),
        ],
    ));
    // Random strings with words from themselves.
    for _ in 0..300 {
        let text = rng.text(40);
        let words = words_for(&text, &mut rng);
        cases.push((text, words));
    }
    cases
}

/// The issue's example (issue 19): the default dictionary tears 臺灣 apart.
const BIG_EXAMPLE: &str = "我們在臺灣學習中文，這個軟體很好用";

#[test]
fn big_dictionary_keeps_the_issues_traditional_words_whole() {
    let words = |dictionary| -> Vec<String> {
        tokenizer_for(dictionary)
            .cut(BIG_EXAMPLE, Mode::Default, true)
            .into_iter()
            .map(|t| t.word.into_owned())
            .collect()
    };
    assert_eq!(words(Dictionary::Big), ["我們", "在", "臺灣", "學習", "中文", "，", "這個", "軟體", "很", "好", "用"]);
    assert!(!words(Dictionary::Default).contains(&"臺灣".to_string()), "{:?}", words(Dictionary::Default));
    let tags: Vec<(&str, &str)> =
        tokenizer_for(Dictionary::Big).posseg(BIG_EXAMPLE, true).iter().map(|t| (t.word, t.tag)).collect();
    assert!(tags.contains(&("臺灣", "ns")) && tags.contains(&("學習", "v")), "{tags:?}");
}

#[test]
fn big_traditional_reviews_match_python_jieba_line_by_line() {
    let lines = lines(traditional_corpus("reviews-traditional.txt"), 3000);
    assert!(compare_all_on(Dictionary::Big, &lines) >= 3000 * OPS.len());
}

// The news and the simplified reviews: their first 1,000 lines each, so
// that CI stays within its time (Python tags traditional text 4 times slower
// than simplified); the traditional reviews above are all 3,000.
#[test]
fn big_traditional_news_matches_python_jieba_line_by_line() {
    let lines: Vec<String> = lines(traditional_corpus("news-traditional.txt"), 3000).into_iter().take(1000).collect();
    assert!(compare_all_on(Dictionary::Big, &lines) >= 1000 * OPS.len());
}

#[test]
fn big_simplified_reviews_match_python_jieba_line_by_line() {
    let lines: Vec<String> = lines("tests/corpus/reviews.txt", 3000).into_iter().take(1000).collect();
    assert!(compare_all_on(Dictionary::Big, &lines) >= 1000 * OPS.len());
}

/// The edge-case corpus, and traditional text the corpora lack: variant
/// forms (臺/台, 裏/裡/里, 著/着), simplified and traditional mixed, Hong
/// Kong's forms, traditional with Latin, digits and punctuation.
#[test]
fn big_edge_cases_match_python_jieba() {
    let mut texts = lines("layer/tests/corpus/edge-cases.txt", 50);
    texts.extend(
        [
            BIG_EXAMPLE,
            "台灣和臺灣，台北與臺北，台中正確應該不會被切開",
            "這裏和這裡不一樣，鄉里的里，看著和看着",
            "我们在台湾学习中文，這個軟體很好用，这个软件也好用",
            "香港特別行政區的政府總部位於添馬艦，於一九九七年回歸",
            "蘋果公司的iPhone 15 Pro在臺灣賣NT$36,900元，折扣12.5%",
            "「引號」『雙引號』《書名號》——破折號……刪節號！？",
            "電腦軟體、網際網路、資訊科技與人工智慧是熱門的研究領域",
            "繁體中文與簡體中文的轉換並不是一對一的對應關係",
            "憂鬱的臺灣烏龜，龜兔賽跑，鬱鬱蔥蔥，麤麤",
        ]
        .map(String::from),
    );
    compare_all_on(Dictionary::Big, &texts);
}

#[test]
fn big_random_strings_match_python_jieba() {
    let mut rng = Rng::new(55);
    let texts: Vec<String> = (0..3000).map(|_| rng.text(40)).collect();
    compare_all_on(Dictionary::Big, &texts);
}

#[test]
fn big_whole_files_as_one_text_match_python_jieba() {
    let corpora = [
        traditional_corpus("reviews-traditional.txt"),
        traditional_corpus("news-traditional.txt"),
        "tests/corpus/reviews.txt".into(),
        "layer/tests/corpus/edge-cases.txt".into(),
    ];
    compare_all_on(Dictionary::Big, &whole_files(&corpora));
}

#[test]
fn big_added_words_match_python_jiebas_add_word() {
    assert!(compare_with_words_on(Dictionary::Big, &added_words_cases(Dictionary::Big)) >= 1800 * OPS.len());
}
