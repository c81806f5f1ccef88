//! User dictionaries: a user layer built from `load_userdict` files must
//! give, in every mode and in posseg, what Python jieba 0.42.1 gives after
//! `jieba.load_userdict(file)` for each file in order, also with
//! per-request words on top; its build refuses what jieba refuses, naming
//! `file:line`; a user layer that does not fit the main layer is an init error.
//! The `big_` tests do the same over the big dictionary's layer
//! (`toolbox-pack user-layer --dictionary big`), against `load_userdict` on
//! Python's `jieba.Tokenizer(dictionary='dict.txt.big')`.

mod common;

use std::path::PathBuf;

use common::equality::{compare_layer, words_for, UserWord};
use common::{
    news_corpus, repo, scratch_dir, tokenizer, traditional_corpus, with_user_layer, with_user_layer_for, Rng,
};
use toolbox_layer::{Dictionary, Mode, Tokenizer};

/// A handful of words in every form jieba reads, with a BOM, CRLF, an
/// upper-case tag, a removal and words overlapping the dictionary.
const SMALL: &str = "\u{feff}李小福 2 nr\r\n创新办 3 i\r\neasy_install 3 eng\n好用 300\n韩玉赏鉴 nz\n八一双鹿\n\n\
云计算 5\n台中\nword 3 NR\n凱特琳 nz\n大学 0\n北京清华 12 nt\nRust语言 8 nz\n";

fn file(name: &str, text: &str) -> (String, Vec<u8>) {
    (name.to_string(), text.as_bytes().to_vec())
}

/// The same files on disk, for Python's `load_userdict`.
fn on_disk(name: &str, files: &[(String, Vec<u8>)]) -> Vec<PathBuf> {
    let dir = scratch_dir(&format!("{name}-files"));
    files
        .iter()
        .map(|(file, bytes)| {
            let path = dir.join(file);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

fn lines(path: PathBuf, step: usize) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().step_by(step).map(str::to_string).collect()
}

fn plain(texts: Vec<String>) -> Vec<(String, Vec<UserWord>)> {
    texts.into_iter().map(|t| (t, Vec::new())).collect()
}

const EXAMPLES: &str = "李小福是创新办主任也是云计算方面的专家; 什么是八一双鹿? 例如我输入一个带“韩玉赏鉴”的标题，\
在自定义词库中也增加了此词为N类; 「台中」正確應該不會被切開。mac上可分出「石墨烯」；此時又可以分出來凱特琳了。\
我在北京清华大学用easy_install装Rust语言";

#[test]
fn a_small_user_layer_matches_load_userdict() {
    let files = [file("small.txt", SMALL)];
    let (layer, compiled) = with_user_layer("user-small", &files);
    assert_eq!(compiled.words, 13);
    assert!(compiled.warnings.iter().any(|w| w.starts_with("small.txt:10: ")), "{:?}", compiled.warnings);
    let tokenizer = Tokenizer::load(&layer).unwrap();
    assert!(tokenizer.user_layer_version().is_some());
    let mut texts = lines(repo().join("tests/corpus/reviews.txt"), 5);
    texts.push(EXAMPLES.to_string());
    let compared = compare_layer(&tokenizer, &on_disk("user-small", &files), &plain(texts));
    assert!(compared >= 600 * 7);
    let words: Vec<String> =
        tokenizer.cut("李小福是创新办主任", Mode::Default, true).into_iter().map(|t| t.word.into_owned()).collect();
    assert_eq!(words, ["李小福", "是", "创新办", "主任"]);
}

#[test]
fn a_large_user_layer_then_a_second_file_match_load_userdict_in_order() {
    let large =
        std::fs::read(news_corpus().with_file_name("userdict.txt")).expect("scripts/news-corpus's userdict.txt");
    let files = [("userdict.txt".to_string(), large), file("small.txt", SMALL)];
    let (layer, compiled) = with_user_layer("user-large", &files);
    assert!(compiled.words >= 30_000, "{}", compiled.words);
    let tokenizer = Tokenizer::load(&layer).unwrap();
    let mut texts = lines(news_corpus(), 3);
    texts.extend(lines(repo().join("tests/corpus/reviews.txt"), 10));
    texts.push(EXAMPLES.to_string());
    let compared = compare_layer(&tokenizer, &on_disk("user-large", &files), &plain(texts));
    assert!(compared >= 1300 * 7);
}

#[test]
fn per_request_words_apply_on_top_of_the_user_layer() {
    let files = [file("small.txt", SMALL)];
    let (layer, _) = with_user_layer("user-request", &files);
    let tokenizer = Tokenizer::load(&layer).unwrap();
    let mut rng = Rng::new(21);
    let mut cases: Vec<(String, Vec<UserWord>)> = lines(repo().join("tests/corpus/reviews.txt"), 10)
        .into_iter()
        .map(|line| {
            let words = words_for(&line, &mut rng);
            (line, words)
        })
        .collect();
    cases.push((
        EXAMPLES.to_string(),
        vec![
            ("李小福".into(), Some(0), None),
            ("专家".into(), None, Some("n".into())),
            ("用easy".into(), Some(9), None),
        ],
    ));
    compare_layer(&tokenizer, &on_disk("user-request", &files), &cases);
}

#[test]
fn a_line_jieba_refuses_fails_the_build_naming_file_and_line() {
    let files = [file("ok.txt", "云计算 5\n"), ("bad.txt".to_string(), b"good 3\n\xff\xfe 2\n".to_vec())];
    let error = toolbox_layer::userdict::compile(tokenizer(), &files).err().expect("invalid UTF-8 refused");
    assert!(error.starts_with("bad.txt:2: not UTF-8"), "{error}");
}

#[test]
fn builds_are_byte_identical() {
    let files = [file("small.txt", SMALL)];
    let a = toolbox_layer::userdict::compile(tokenizer(), &files).unwrap().bytes;
    let b = toolbox_layer::userdict::compile(tokenizer(), &files).unwrap().bytes;
    assert!(a == b);
}

fn load_error(layer: &std::path::Path) -> String {
    match Tokenizer::load(layer) {
        Ok(_) => panic!("a bad user layer loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_user_layer_for_another_main_layer_is_an_init_error_naming_both() {
    // Compiled against a smaller dictionary, then attached to the full one.
    let dict_dir = scratch_dir("other-main-dict");
    let text = std::fs::read_to_string(repo().join("dict/dict.txt")).unwrap();
    std::fs::write(dict_dir.join("dict.txt"), text.lines().take(1000).map(|l| format!("{l}\n")).collect::<String>())
        .unwrap();
    for other in ["idf.txt", "finalseg", "posseg"] {
        std::os::unix::fs::symlink(repo().join("dict").join(other), dict_dir.join(other)).unwrap();
    }
    let other_layer = scratch_dir("other-main");
    let other_manifest = toolbox_layer::assemble(&dict_dir, &other_layer).unwrap();
    let other = Tokenizer::load(&other_layer).unwrap();
    let (layer, _) = with_user_layer("user-mismatch", &[file("small.txt", SMALL)]);
    toolbox_layer::userdict::assemble(&other, &[file("small.txt", SMALL)], &layer).unwrap();
    let message = load_error(&layer);
    assert!(message.contains(&other_manifest.version), "names the layer it was built for: {message}");
    assert!(message.contains(tokenizer().layer_version()), "names this function's layer: {message}");
    assert!(message.contains("rebuild the user layer"), "{message}");
}

#[test]
fn a_corrupt_or_truncated_user_layer_is_an_init_error() {
    let (layer, _) = with_user_layer("user-corrupt", &[file("small.txt", SMALL)]);
    let bin = layer.join("toolbox/userdict/userdict.bin");
    let bytes = std::fs::read(&bin).unwrap();
    std::fs::write(&bin, &bytes[..bytes.len() - 8]).unwrap();
    assert!(load_error(&layer).contains("user dictionary is"), "truncated");
    let mut corrupt = bytes.clone();
    let at = corrupt.len() - 20;
    corrupt[at] ^= 0x55;
    std::fs::write(&bin, &corrupt).unwrap();
    assert!(load_error(&layer).contains("corrupt"), "flipped body byte");
    std::fs::write(&bin, &bytes).unwrap();
    std::fs::write(layer.join("toolbox/userdict/manifest.json"), "{not json").unwrap();
    assert!(load_error(&layer).contains("manifest"));
}

/// Traditional words in every form jieba reads: new words, one of the big
/// dictionary's removed (臺灣 0), retagged, overlapping it and each other.
const TRADITIONAL: &str = "臺灣學 5 nz\r\n軟體很好用 3 n\n學習中文\n臺灣 0\n台中\n凱特琳 nz\n\
網際網路 20000 n\n這個軟體 ZZ\n資訊科技 8 nt\n";

const TRADITIONAL_EXAMPLES: &str = "我們在臺灣學習中文，這個軟體很好用。「台中」正確應該不會被切開，\
此時又可以分出來凱特琳了；網際網路與資訊科技，李小福是創新辦主任也是雲計算方面的專家";

#[test]
fn big_a_user_layer_matches_load_userdict() {
    let files = [file("small.txt", SMALL), file("traditional.txt", TRADITIONAL)];
    let (layer, compiled) = with_user_layer_for(Dictionary::Big, "user-big", &files);
    // 凱特琳 and 台中 are in both files.
    assert_eq!(compiled.words, 20, "{:?}", compiled.warnings);
    assert!(compiled.warnings.iter().any(|w| w.starts_with("traditional.txt:8: ")), "{:?}", compiled.warnings);
    assert!(layer.join("toolbox-big/userdict/manifest.json").exists());
    let tokenizer = Tokenizer::load_dictionary(&layer, Dictionary::Big).unwrap();
    assert!(tokenizer.user_layer_version().is_some());
    let mut texts = lines(traditional_corpus("reviews-traditional.txt"), 6);
    texts.extend(lines(repo().join("tests/corpus/reviews.txt"), 10));
    texts.extend(lines(traditional_corpus("news-traditional.txt"), 20));
    texts.push(EXAMPLES.to_string());
    texts.push(TRADITIONAL_EXAMPLES.to_string());
    let compared = compare_layer(&tokenizer, &on_disk("user-big", &files), &plain(texts));
    assert!(compared >= 950 * 7, "{compared}");
    let words: Vec<String> =
        tokenizer.cut("我們在臺灣學習中文", Mode::Default, true).into_iter().map(|t| t.word.into_owned()).collect();
    assert_eq!(words, ["我們", "在", "臺灣學", "習", "中文"]);
}

#[test]
fn big_per_request_words_apply_on_top_of_the_user_layer() {
    let files = [file("traditional.txt", TRADITIONAL)];
    let (layer, _) = with_user_layer_for(Dictionary::Big, "user-big-request", &files);
    let tokenizer = Tokenizer::load_dictionary(&layer, Dictionary::Big).unwrap();
    let mut rng = Rng::new(23);
    let mut cases: Vec<(String, Vec<UserWord>)> = lines(traditional_corpus("reviews-traditional.txt"), 15)
        .into_iter()
        .chain(lines(repo().join("tests/corpus/reviews.txt"), 30))
        .map(|line| {
            let words = words_for(&line, &mut rng);
            (line, words)
        })
        .collect();
    cases.push((
        TRADITIONAL_EXAMPLES.to_string(),
        vec![
            ("臺灣學".into(), Some(0), None),
            ("臺灣".into(), None, Some("ns".into())),
            ("網際".into(), Some(9), None),
        ],
    ));
    compare_layer(&tokenizer, &on_disk("user-big-request", &files), &cases);
}
