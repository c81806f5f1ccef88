//! Our words and tags must equal Python jieba 0.42.1's, token for token, in
//! every mode and with the HMM on and off: `jieba.lcut`, `lcut(cut_all=True)`,
//! `lcut_for_search` and `jieba.posseg.lcut`, on real text, edge cases and
//! random strings. Python jieba runs pinned in `.venv/jieba`.

mod common;

use common::equality::{compare_all, compare_with_words, words_for, UserWord, OPS};
use common::{news_corpus, repo, tokenizer, Rng};
use toolbox_layer::Mode;

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
    assert!(compare_with_words(&cases) >= 1300 * OPS.len());
}
