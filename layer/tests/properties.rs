//! Properties over random strings (seeded, so a failure reproduces): no
//! panic in any mode, precise-mode words and tagged words concatenate back
//! to the input, and every token's offsets address its word in the input.

mod common;

use common::{tokenizer, Rng};
use toolbox_layer::Mode;

fn check(text: &str) {
    let tokenizer = tokenizer();
    let chars: Vec<char> = text.chars().collect();
    let at =
        |start: usize, end: usize| -> String { chars.get(start..end).map(|c| c.iter().collect()).unwrap_or_default() };
    for hmm in [true, false] {
        let tokens = tokenizer.cut(text, Mode::Default, hmm);
        let joined: String = tokens.iter().map(|t| t.word.as_ref()).collect();
        assert_eq!(joined, text, "precise words (hmm {hmm}) do not concatenate back");
        let mut next = 0;
        for t in &tokens {
            assert!(!t.word.is_empty(), "empty word in {text:?}");
            assert_eq!(t.start, next, "gap or overlap before {:?} in {text:?}", t.word);
            assert_eq!(at(t.start, t.end), t.word, "offsets of {:?} in {text:?}", t.word);
            next = t.end;
        }
        assert_eq!(next, chars.len());

        for t in tokenizer.cut(text, Mode::Search, hmm) {
            assert_eq!(at(t.start, t.end), t.word, "search offsets of {:?} in {text:?}", t.word);
        }
        let tagged = tokenizer.posseg(text, hmm);
        let mut next = 0;
        for t in &tagged {
            assert!(!t.word.is_empty() && !t.tag.is_empty(), "empty word or tag in {text:?}");
            assert_eq!(t.start, next, "gap or overlap before tagged {:?} in {text:?}", t.word);
            assert_eq!(at(t.start, t.end), t.word, "tagged offsets of {:?} in {text:?}", t.word);
            next = t.end;
        }
        assert_eq!(next, chars.len(), "tagged words (hmm {hmm}) do not concatenate back");
    }
    // Full mode yields empty words beside whitespace, as jieba does; each
    // still sits at its offsets.
    for t in tokenizer.cut(text, Mode::All, false) {
        assert_eq!(at(t.start, t.end), t.word, "full-mode offsets of {:?} in {text:?}", t.word);
    }
}

#[test]
fn random_mixed_text() {
    let mut rng = Rng::new(1);
    for _ in 0..5000 {
        check(&rng.text(50));
    }
}

#[test]
fn long_random_text() {
    let mut rng = Rng::new(2);
    for _ in 0..20 {
        check(&rng.text(5000));
    }
}

#[test]
fn degenerate_inputs() {
    for text in ["", " ", "\r\n", "\r", "\n\n", "\0", "\u{feff}", "a", "1", "中", "%", "-", "._-", "龘龘龘龘", "鿖鿗"]
    {
        check(text);
    }
    check(&"的".repeat(10_000));
    check(&"a".repeat(10_000));
    check(&"龘".repeat(3_000));
    check(&"👪".repeat(1_000));
}

#[test]
fn tagging_work_is_bounded_and_free_below_the_bound() {
    let tokenizer = tokenizer();
    // Characters the tagging model does not know cost up to 256 × 256 pairs each.
    let rare = "丂".repeat(20_000);
    let mut left = toolbox_layer::TAGGING_WORK_PER_REQUEST;
    assert_eq!(tokenizer.posseg_within(&rare, true, &mut left), Err(toolbox_layer::TooCostly));
    assert_eq!(left, 0);
    // Below the bound the answer is posseg's, and the work is subtracted.
    let text = "小明硕士毕业于中国科学院计算所，后在日本京都大学深造".repeat(50);
    let mut left = toolbox_layer::TAGGING_WORK_PER_REQUEST;
    let tagged = tokenizer.posseg_within(&text, true, &mut left).unwrap();
    assert_eq!(tagged, tokenizer.posseg(&text, true));
    assert!(left < toolbox_layer::TAGGING_WORK_PER_REQUEST);
    // The budget is shared: what one call spent is gone for the next.
    let mut left = 1000;
    assert!(tokenizer.posseg_within(&text, true, &mut left).is_err());
    assert!(tokenizer.posseg_within("我来到北京", false, &mut left).is_ok(), "no HMM, no work");
}
