use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};
use toolbox_gateway::MAX_TEXT_BYTES;
use toolbox_layer::{Dictionaries, Dictionary, Mode, Tokenizer};
use toolbox_test_support::{fixture, invoke, with_body, with_query, Answer};

use super::segment;

const SENTENCE: &str = "我来到北京清华大学";
const PRECISE: [&str; 4] = ["我", "来到", "北京", "清华大学"];
/// `jieba.lcut(SENTENCE, cut_all=True)`.
const FULL: [&str; 7] = ["我", "来到", "北京", "清华", "清华大学", "华大", "大学"];
const SEARCH: [&str; 7] = ["我", "来到", "北京", "清华", "华大", "大学", "清华大学"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Both dictionary layers assembled from `dict/` into one directory, as
/// Lambda would unpack them under /opt, and loaded with `default` as the default.
fn dictionaries() -> &'static Dictionaries {
    static DICTIONARIES: OnceLock<Dictionaries> = OnceLock::new();
    DICTIONARIES.get_or_init(|| {
        let layer = repo().join("target/test-layers/segment");
        for dictionary in Dictionary::ALL {
            toolbox_layer::assemble_dictionary(&repo().join("dict"), dictionary, &layer).expect("assemble the layer");
        }
        Dictionaries::load(&layer, Dictionary::Default).expect("load the layers")
    })
}

/// The default dictionary's tokenizer.
fn tokenizer() -> &'static Tokenizer {
    dictionaries().get(Dictionary::Default).expect("the default dictionary")
}

fn ask(event: Value) -> Answer {
    invoke(&dictionaries(), event, segment)
}

fn words(answer: &Answer) -> Vec<&str> {
    answer.body["words"].as_array().expect("words").iter().map(|w| w.as_str().unwrap()).collect()
}

#[test]
fn every_fixture_shape_segments_the_seed_sentence() {
    for (event, expected) in [
        ("segment/rest-v1.json", &PRECISE[..]),
        ("segment/direct.json", &PRECISE[..]),
        ("segment/http-v2.json", &SEARCH[..]), // a POST with a JSON body asking for mode=search
    ] {
        let answer = ask(fixture(event));
        assert_eq!(answer.status, 200, "{event}: {:?}", answer.body);
        assert_eq!(answer.content_type, "application/json; charset=utf-8");
        assert_eq!(words(&answer), expected, "{event}");
    }
}

#[test]
fn modes_and_hmm_switch() {
    let base = fixture("segment/rest-v1.json");
    let text = "%E6%88%91%E6%9D%A5%E5%88%B0%E5%8C%97%E4%BA%AC%E6%B8%85%E5%8D%8E%E5%A4%A7%E5%AD%A6";
    for (mode, expected) in [("default", &PRECISE[..]), ("all", &FULL[..]), ("search", &SEARCH[..])] {
        let answer = ask(with_query(base.clone(), &format!("text={text}&mode={mode}")));
        assert_eq!(words(&answer), expected, "mode {mode}");
    }
    // "杭研" is not in the dictionary: HMM joins it into a new word, without HMM it stays split.
    let hmm = ask(json!({ "text": "他来到了网易杭研大厦" }));
    assert!(words(&hmm).contains(&"杭研"), "{:?}", hmm.body);
    let no_hmm = ask(json!({ "text": "他来到了网易杭研大厦", "hmm": "false" }));
    assert!(words(&no_hmm).contains(&"杭") && words(&no_hmm).contains(&"研"), "{:?}", no_hmm.body);
}

#[test]
fn offsets_are_character_positions_and_tags_come_from_the_dictionary() {
    let answer = ask(json!({ "text": "我爱Rust和北京", "offsets": true, "pos": true }));
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let tokens = answer.body["tokens"].as_array().unwrap();
    let text: Vec<char> = "我爱Rust和北京".chars().collect();
    for token in tokens {
        let (start, end) = (token["start"].as_u64().unwrap() as usize, token["end"].as_u64().unwrap() as usize);
        assert_eq!(text[start..end].iter().collect::<String>(), token["word"].as_str().unwrap());
    }
    let tags: Vec<(&str, &str)> = answer.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["word"].as_str().unwrap(), t["tag"].as_str().unwrap()))
        .collect();
    assert!(tags.contains(&("北京", "ns")), "{tags:?}");
    assert!(tags.contains(&("Rust", "eng")), "{tags:?}");
}

#[test]
fn bodies_of_every_kind() {
    let post = fixture("segment/http-v2.json");
    let cases = [
        (Some("application/json"), json!({ "text": SENTENCE }).to_string()),
        (Some("application/x-www-form-urlencoded"), format!("text={SENTENCE}")),
        (Some("text/plain; charset=utf-8"), SENTENCE.to_string()),
        (None, SENTENCE.to_string()),
    ];
    for (content_type, body) in cases {
        let answer = ask(with_body(post.clone(), content_type, &body));
        assert_eq!(words(&answer), PRECISE, "{content_type:?}");
    }
    let mut encoded = with_body(post.clone(), Some("text/plain"), "5oiR5p2l5Yiw5YyX5Lqs5riF5Y2O5aSn5a2m");
    encoded["isBase64Encoded"] = true.into();
    assert_eq!(words(&ask(encoded)), PRECISE, "base64 body");
}

#[test]
fn a_batch_answers_one_result_per_text_in_order() {
    let answer = ask(json!({ "texts": [SENTENCE, "", "他来到了网易杭研大厦"], "mode": "all" }));
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let results = answer.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["words"], json!(FULL));
    assert_eq!(results[1]["words"], json!([]));
}

#[test]
fn no_text_is_no_words_like_the_seed() {
    let answer = ask(json!({}));
    assert_eq!((answer.status, answer.body.clone()), (200, json!({ "words": [] })));
}

#[test]
fn bad_input_gets_a_clear_4xx() {
    let too_long = "字".repeat(MAX_TEXT_BYTES / 3 + 1);
    let cases = [
        (json!({ "text": SENTENCE, "mode": "fast" }), 400, "'mode' must be default, all or search"),
        (json!({ "text": SENTENCE, "hmm": "maybe" }), 400, "'hmm' must be true or false"),
        (json!({ "text": 42 }), 400, "'text' must be a string"),
        (json!({ "texts": "not a list" }), 400, "'texts' must be a list of strings"),
        (json!({ "texts": [SENTENCE, 7] }), 400, "'texts' must be a list of strings"),
        (json!({ "text": SENTENCE, "texts": [] }), 400, "send either 'text' or 'texts', not both"),
        (json!({ "text": SENTENCE, "mode": "all", "pos": true }), 400, "'pos' tags are only available in mode default"),
    ];
    for (event, status, error) in cases {
        let answer = ask(event.clone());
        assert_eq!((answer.status, answer.body["error"].as_str()), (status, Some(error)), "{event}");
    }
    let answer = ask(json!({ "text": too_long }));
    assert_eq!(answer.status, 413);
    assert!(answer.body["error"].as_str().unwrap().starts_with("text too large"), "{:?}", answer.body);
    let answer = ask(json!({ "texts": vec![""; 1001] }));
    assert_eq!(answer.status, 413);

    let broken = with_body(fixture("segment/http-v2.json"), Some("application/json"), "{\"text\": ");
    let answer = ask(broken);
    assert_eq!(answer.status, 400);
    assert!(answer.body["error"].as_str().unwrap().starts_with("body is not valid JSON"));
}

/// The handler answers the layer's words and tags (which
/// `layer/tests/python_equality.rs` proves equal to Python jieba's), batched
/// under the size limit, in every mode.
#[test]
fn answers_the_tokenizers_words_and_tags_on_the_review_corpus() {
    let corpus = std::fs::read_to_string(repo().join("tests/corpus/reviews.txt")).unwrap();
    let lines: Vec<&str> = corpus.lines().collect();
    assert!(lines.len() >= 3000);
    let t = tokenizer();
    for (mode, name, hmm) in [
        (Mode::Default, "default", true),
        (Mode::Default, "default", false),
        (Mode::All, "all", true),
        (Mode::Search, "search", true),
        (Mode::Search, "search", false),
    ] {
        let pos = mode == Mode::Default;
        for chunk in lines.chunks(100) {
            let answer = ask(json!({ "texts": chunk, "mode": name, "hmm": hmm, "pos": pos }));
            assert_eq!(answer.status, 200, "{:?}", answer.body);
            for (line, result) in chunk.iter().zip(answer.body["results"].as_array().unwrap()) {
                let words: Vec<String> = t.cut(line, mode, hmm).into_iter().map(|t| t.word.into_owned()).collect();
                assert_eq!(result["words"], json!(words), "mode {name} hmm {hmm}: {line}");
                if pos {
                    let tags: Vec<Value> =
                        t.posseg(line, hmm).iter().map(|t| json!({"word": t.word, "tag": t.tag})).collect();
                    assert_eq!(result["tags"], json!(tags), "pos hmm {hmm}: {line}");
                }
            }
        }
    }
}

#[test]
fn tagging_that_would_take_too_long_is_refused_up_front() {
    // 43,690 characters jieba's tagging model does not know: about 0.6 s of
    // one core (more than 8 s at 128 MB), so 413 rather than a timeout.
    let rare = "丂".repeat(MAX_TEXT_BYTES / 3);
    let answer = ask(json!({ "text": rare, "pos": true }));
    assert_eq!(answer.status, 413, "{:?}", answer.body);
    assert!(answer.body["error"].as_str().unwrap().starts_with("tagging this text needs more work"));
    assert_eq!(ask(json!({ "text": rare })).status, 200, "segmentation alone is cheap");
    // A whole request of news text is far inside the bound.
    let news: String = std::fs::read_to_string(repo().join("tests/corpus/reviews.txt")).unwrap();
    let mut text = String::new();
    for c in news.chars() {
        if text.len() + c.len_utf8() > MAX_TEXT_BYTES {
            break;
        }
        text.push(c);
    }
    assert_eq!(ask(json!({ "text": text, "pos": true })).status, 200);
}

#[test]
fn pos_tags_are_jiebas_posseg_with_offsets_on_request() {
    let text = "小明硕士毕业于中国科学院计算所，后在日本京都大学深造";
    let answer = ask(json!({ "text": text, "pos": true }));
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    // jieba.posseg.lcut: the HMM tags the unknown name (jieba's own README example).
    assert_eq!(answer.body["tags"][0], json!({"word": "小明", "tag": "nr"}));
    assert_eq!(answer.body["tags"][4], json!({"word": "中国科学院", "tag": "nt"}));
    let answer = ask(json!({ "text": text, "pos": true, "offsets": true }));
    let tags = answer.body["tags"].as_array().unwrap();
    let chars: Vec<char> = text.chars().collect();
    let mut next = 0;
    for tag in tags {
        let (start, end) = (tag["start"].as_u64().unwrap() as usize, tag["end"].as_u64().unwrap() as usize);
        assert_eq!(start, next);
        assert_eq!(chars[start..end].iter().collect::<String>(), tag["word"].as_str().unwrap());
        next = end;
    }
    assert_eq!(next, chars.len());
}

/// jieba's own user-dictionary example; the expected answers were printed by
/// Python jieba 0.42.1 after the same `add_word` calls.
const USER_EXAMPLE: &str = "李小福是创新办主任也是云计算方面的专家";

#[test]
fn user_words_apply_to_one_request_as_jiebas_add_word() {
    let answer = ask(json!({
        "text": USER_EXAMPLE,
        "pos": true,
        "userWords": ["李小福", {"word": "创新办", "freq": 3, "tag": "i"}, {"word": "云计算"}]
    }));
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(words(&answer), ["李小福", "是", "创新办", "主任", "也", "是", "云计算", "方面", "的", "专家"]);
    assert_eq!(answer.body["tags"][2], json!({"word": "创新办", "tag": "i"}));
    assert_eq!(answer.body["tags"][3], json!({"word": "主任", "tag": "b"}));
    // A frequency of 0 removes a word, as del_word.
    let answer = ask(json!({ "text": SENTENCE, "userWords": [{"word": "清华大学", "freq": 0}] }));
    assert_eq!(words(&answer), ["我", "来到", "北京", "清华", "大学"]);
    // In a query string: comma-separated words.
    let base = fixture("segment/rest-v1.json");
    let query = "text=%E6%9D%8E%E5%B0%8F%E7%A6%8F%E6%98%AF%E5%88%9B%E6%96%B0%E5%8A%9E%E4%B8%BB%E4%BB%BB\
                 &userWords=%E6%9D%8E%E5%B0%8F%E7%A6%8F,%E5%88%9B%E6%96%B0%E5%8A%9E";
    assert_eq!(words(&ask(with_query(base, query))), ["李小福", "是", "创新办", "主任"]);
    // Nothing leaks into the next request.
    let answer = ask(json!({ "text": USER_EXAMPLE }));
    assert_eq!(words(&answer)[..4], ["李小福", "是", "创新", "办"]);
    assert_eq!(words(&ask(json!({ "text": SENTENCE }))), PRECISE);
}

#[test]
fn bad_user_words_name_the_entry() {
    let cases = [
        (json!(["ok", 7]), 400, "'userWords'[1] must be a word"),
        (json!(["ok", "  "]), 400, "'userWords'[1]: the word is empty or only whitespace"),
        (json!([{"word": "a", "freq": -3}]), 400, "'userWords'[0]: 'freq' must be a whole number, 0 or more"),
        (json!({"word": "a"}), 400, "'userWords' must be a list"),
    ];
    for (user_words, status, error) in cases {
        let answer = ask(json!({ "text": SENTENCE, "userWords": user_words }));
        assert_eq!(answer.status, status, "{user_words}: {:?}", answer.body);
        assert!(answer.body["error"].as_str().unwrap().starts_with(error), "{:?}", answer.body);
    }
    let many: Vec<String> = (0..1001).map(|i| format!("词{i}")).collect();
    let answer = ask(json!({ "text": SENTENCE, "userWords": many }));
    assert_eq!(answer.status, 413, "{:?}", answer.body);
}

/// Issue 18 D5: frequencies whose sum passes 2^64 - 1. jieba's total is a
/// Python int and goes on growing; a saturated total gave `["云", "计"]`.
/// Expected answers printed by Python jieba 0.42.1 after the same add_word calls.
#[test]
fn frequencies_summing_past_64_bits_are_jiebas() {
    let max = u64::MAX;
    let huge = json!([{"word": "云", "freq": max}, {"word": "计", "freq": max}, {"word": "云计", "freq": max / 2}]);
    for hmm in [true, false] {
        let answer = ask(json!({ "text": "云计", "hmm": hmm, "userWords": huge }));
        assert_eq!(words(&answer), ["云计"], "hmm {hmm}: {:?}", answer.body);
    }
    // suggest_freq over that total (46116860184333981004): add_word('云计算机') gives it 2559.
    let mut suggested = huge.as_array().unwrap().clone();
    suggested.push(json!("云计算机"));
    let answer = ask(json!({ "text": "云计算机很好", "userWords": suggested }));
    assert_eq!(words(&answer), ["云计算机", "很", "好"], "{:?}", answer.body);
    // The most a request can add: 1,000 words, 999 of them at 2^64 - 1 (a total of 74 bits).
    let mut most: Vec<Value> = (0..997).map(|i| json!({"word": format!("词{i}"), "freq": max})).collect();
    most.extend([json!({"word": "云", "freq": max}), json!({"word": "计", "freq": max}), json!("云计算")]);
    assert_eq!(words(&ask(json!({ "text": "云计算机", "userWords": most }))), ["云", "计算机"]);
    let answer = ask(json!({ "text": "词1云计算", "hmm": false, "userWords": most }));
    assert_eq!(words(&answer), ["词1", "云计算"]);
}

/// Issue 19: jieba's big dictionary, named per request. Expected answers
/// printed by Python jieba 0.42.1 with `jieba.Tokenizer(dictionary='dict.txt.big')`
/// (and `jieba.posseg.POSTokenizer` over it).
#[test]
fn the_big_dictionary_segments_traditional_chinese_when_asked() {
    const TRADITIONAL: &str = "我們在臺灣學習中文，這個軟體很好用";
    let with = |dictionary: Option<&str>, extra: Value| {
        let mut event = json!({ "text": TRADITIONAL });
        if let Some(name) = dictionary {
            event["dictionary"] = json!(name);
        }
        event.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        ask(event)
    };
    let default = ["我們", "在", "臺", "灣學習", "中文", "，", "這個", "軟體", "很", "好", "用"];
    assert_eq!(words(&with(None, json!({}))), default);
    assert_eq!(words(&with(Some("default"), json!({}))), default);
    let big = ["我們", "在", "臺灣", "學習", "中文", "，", "這個", "軟體", "很", "好", "用"];
    assert_eq!(words(&with(Some("big"), json!({}))), big);
    assert_eq!(words(&with(Some("big"), json!({ "mode": "all" }))), big);
    let tagged = with(Some("big"), json!({ "pos": true }));
    let tags: Vec<(&str, &str)> = tagged.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["word"].as_str().unwrap(), t["tag"].as_str().unwrap()))
        .collect();
    assert_eq!(tags[2..5], [("臺灣", "ns"), ("學習", "v"), ("中文", "nz")]);
    assert_eq!(tags[8], ("很好", "d"));
    // In a query string, and the errors that name what the function has.
    let query = with_query(fixture("segment/rest-v1.json"), "text=%E8%87%BA%E7%81%A3&dictionary=big");
    assert_eq!(words(&ask(query)), ["臺灣"]);
    let answer = with(Some("huge"), json!({}));
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body["error"],
        "'dictionary' must be default or big, not \"huge\" (this function has default, big)"
    );
    assert_eq!(with(Some(""), json!({})).status, 400);
    assert_eq!(ask(json!({ "text": "a", "dictionary": 1 })).body["error"], "'dictionary' must be a string");
}

/// What the metrics record counts (gateway metrics.rs): texts and words
/// answered, and a work bound's 413 told apart from a size limit's.
#[test]
fn the_answer_tells_the_metrics_its_texts_words_and_work_bound() {
    let usage = |event: Value| segment(&dictionaries(), &toolbox_gateway::parse_event(event).unwrap()).usage;
    let one = usage(json!({ "text": SENTENCE }));
    assert_eq!((one.texts, one.words, one.work_bound_exceeded), (Some(1), Some(4), false));
    let batch = usage(json!({ "texts": [SENTENCE, SENTENCE, ""] }));
    assert_eq!((batch.texts, batch.words), (Some(3), Some(8)));
    let bound = usage(json!({ "text": "丂".repeat(MAX_TEXT_BYTES / 3), "pos": true }));
    assert!(bound.work_bound_exceeded && bound.words.is_none());
    let too_big = usage(json!({ "text": "a".repeat(MAX_TEXT_BYTES + 1) }));
    assert!(!too_big.work_bound_exceeded, "a size limit is no work bound");
}
