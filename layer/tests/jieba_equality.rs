//! Our tokens must equal jieba-rs 0.11's (`Jieba::with_dict` on the same
//! `dict/dict.txt`) in every mode, offsets included, on real text.

mod common;

use common::{oracle, repo, tokenizer, Rng};
use toolbox_layer::Mode;

type Triple<'a> = (&'a str, usize, usize);

/// Every mode's tokens of `text`, ours and jieba-rs's, labelled.
fn theirs(tokens: Vec<jieba_rs::Token<'_>>) -> Vec<Triple<'_>> {
    tokens.into_iter().map(|t| (t.word, t.start, t.end)).collect()
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

fn compare(text: &str) -> Result<(), String> {
    let ours = tokenizer();
    let jieba = oracle();
    let ours_of = |mode, hmm| -> Vec<Triple> {
        ours.cut(text, mode, hmm).into_iter().map(|t| (t.word, t.start, t.end)).collect()
    };
    let cases: [(&str, Vec<Triple>, Vec<Triple>); 5] = [
        ("cut hmm", ours_of(Mode::Default, true), theirs(jieba.cut(text, true))),
        ("cut no-hmm", ours_of(Mode::Default, false), theirs(jieba.cut(text, false))),
        ("cut_all", ours_of(Mode::All, false), theirs(jieba.cut_all(text))),
        ("search hmm", ours_of(Mode::Search, true), theirs(jieba.cut_for_search(text, true))),
        ("search no-hmm", ours_of(Mode::Search, false), theirs(jieba.cut_for_search(text, false))),
    ];
    for (name, ours, theirs) in cases {
        if ours != theirs {
            let at = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap_or(ours.len().min(theirs.len()));
            return Err(format!(
                "{name} differs on {} at token {at}:\n  ours:    {:?}\n  jieba-rs: {:?}",
                shown(text),
                &ours[at.saturating_sub(2)..(at + 3).min(ours.len())],
                &theirs[at.saturating_sub(2)..(at + 3).min(theirs.len())]
            ));
        }
    }
    for hmm in [true, false] {
        let ours: Vec<(&str, &str)> = tokenizer().tag(text, hmm).into_iter().map(|t| (t.word, t.tag)).collect();
        let theirs: Vec<(&str, &str)> = jieba.tag(text, hmm).into_iter().map(|t| (t.word, t.tag)).collect();
        if ours != theirs {
            let at = ours.iter().zip(&theirs).position(|(a, b)| a != b).unwrap_or(0);
            return Err(format!(
                "tag (hmm {hmm}) differs on {} at {at}: ours {:?}, jieba-rs {:?}",
                shown(text),
                ours.get(at),
                theirs.get(at)
            ));
        }
    }
    Ok(())
}

fn check_lines(corpus: &str, min_lines: usize) {
    let text = std::fs::read_to_string(repo().join(corpus)).expect("read the corpus");
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(lines.len() >= min_lines, "{corpus} has only {} lines", lines.len());
    let failures: Vec<String> = lines.iter().filter_map(|line| compare(line).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} lines of {corpus} differ; first:\n{}",
        failures.len(),
        lines.len(),
        failures[0]
    );
}

#[test]
fn review_corpus_matches_jieba_rs_line_by_line_in_every_mode() {
    check_lines("tests/corpus/reviews.txt", 3000);
}

#[test]
fn edge_cases_match_jieba_rs_in_every_mode() {
    check_lines("layer/tests/corpus/edge-cases.txt", 50);
}

#[test]
fn whole_files_as_one_text_match_jieba_rs() {
    // Newlines, `\r\n` and long inputs inside one request.
    for corpus in ["tests/corpus/reviews.txt", "layer/tests/corpus/edge-cases.txt"] {
        let text = std::fs::read_to_string(repo().join(corpus)).expect("read the corpus");
        let head: String = text.chars().take(20_000).collect();
        compare(&head).unwrap();
        compare(&head.replace('\n', "\r\n")).unwrap();
    }
}

#[test]
fn random_strings_match_jieba_rs() {
    let mut rng = Rng::new(5);
    for _ in 0..3000 {
        let text = rng.text(40);
        compare(&text).unwrap();
    }
}

#[test]
fn the_known_examples_come_out_as_jieba_documents_them() {
    let words =
        |text, mode, hmm| -> Vec<&str> { tokenizer().cut(text, mode, hmm).into_iter().map(|t| t.word).collect() };
    assert_eq!(words("我来到北京清华大学", Mode::Default, true), ["我", "来到", "北京", "清华大学"]);
    assert_eq!(words("他来到了网易杭研大厦", Mode::Default, true), ["他", "来到", "了", "网易", "杭研", "大厦"]);
    assert_eq!(words("我们中出了一个叛徒", Mode::Default, false), ["我们", "中", "出", "了", "一个", "叛徒"]);
    assert_eq!(words("南京市长江大桥", Mode::Search, true), ["南京", "京市", "南京市", "长江", "大桥", "长江大桥"]);
    assert_eq!(words("abc网球拍卖会def", Mode::All, false).len(), 12);
}
