use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};
use toolbox_gateway::{MAX_BATCH, MAX_TEXT_BYTES};
use toolbox_layer::{Dictionaries, Dictionary, MAX_ALLOW_POS, MAX_STOP_WORDS};
use toolbox_test_support::{fixture, invoke, with_body, with_query, Answer};

use super::keywords;

/// jieba's README example for `jieba.analyse`; every expected answer below
/// was printed by Python jieba 0.42.1 (`tests/oracle/jieba_oracle.py`).
const NEWS: &str =
    "此外，公司拟对全资子公司吉林欧亚置业有限公司增资4.3亿元，增资后，吉林欧亚置业注册资本由7000万元增加到5亿元。\
                    吉林欧亚置业主要经营范围为房地产开发及百货零售等业务。目前在建吉林欧亚城市商业综合体项目。\
                    2013年，实现营业收入0元，实现净利润-139.13万元。";
const SENTENCE: &str = "小明硕士毕业于中国科学院计算所，后在日本京都大学深造";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Both dictionary layers assembled from `dict/` into one directory, as
/// Lambda would unpack them under /opt, and loaded with `default` as the default.
fn dictionaries() -> &'static Dictionaries {
    static DICTIONARIES: OnceLock<Dictionaries> = OnceLock::new();
    DICTIONARIES.get_or_init(|| {
        let layer = repo().join("target/test-layers/keywords");
        for dictionary in Dictionary::ALL {
            toolbox_layer::assemble_dictionary(&repo().join("dict"), dictionary, &layer).expect("assemble the layer");
        }
        Dictionaries::load(&layer, Dictionary::Default).expect("load the layers")
    })
}

fn ask(event: Value) -> Answer {
    invoke(&dictionaries(), event, keywords)
}

fn ok(event: Value) -> Value {
    let answer = ask(event.clone());
    assert_eq!(answer.status, 200, "{event}: {:?}", answer.body);
    answer.body
}

#[test]
fn every_fixture_shape_answers_as_jieba() {
    let tfidf = json!({ "keywords": [
        { "word": "欧亚", "weight": 0.7458841454643479 },
        { "word": "吉林", "weight": 0.6733651014252174 },
        { "word": "置业", "weight": 0.49933765769413047 },
        { "word": "增资", "weight": 0.3431245420230435 },
        { "word": "4.3", "weight": 0.25988625006304344 },
    ]});
    // stopWords=欧亚,吉林: the ties of 4.3, 7000 and 2013 stay in text order.
    let without_stop_words = json!({ "keywords": [
        { "word": "置业", "weight": 0.6044613751034211 },
        { "word": "增资", "weight": 0.4153612877121053 },
        { "word": "4.3", "weight": 0.31459914481315787 },
        { "word": "7000", "weight": 0.31459914481315787 },
        { "word": "2013", "weight": 0.31459914481315787 },
    ]});
    // method=textrank: allowPOS defaults to ns, n, vn, v, and withFlag to true.
    let textrank = json!({ "keywords": [
        { "word": "吉林", "weight": 1.0, "tag": "ns" },
        { "word": "欧亚", "weight": 0.9966893354178172, "tag": "ns" },
        { "word": "置业", "weight": 0.6434360313092776, "tag": "n" },
        { "word": "实现", "weight": 0.5898606692859626, "tag": "v" },
        { "word": "收入", "weight": 0.43677859947991454, "tag": "v" },
    ]});
    for (event, expected) in [
        ("keywords/direct.json", tfidf),
        ("keywords/rest-v1.json", without_stop_words),
        ("keywords/http-v2.json", textrank),
    ] {
        let answer = ask(fixture(event));
        assert_eq!(answer.status, 200, "{event}: {:?}", answer.body);
        assert_eq!(answer.content_type, "application/json; charset=utf-8");
        assert_eq!(answer.body, expected, "{event}");
    }
}

#[test]
fn a_pos_filter_answers_tags_unless_with_flag_is_false() {
    let tagged = json!({ "keywords": [
        { "word": "计算所", "weight": 3.901151024866667, "tag": "n" },
        { "word": "硕士", "weight": 2.95674657686, "tag": "n" },
        { "word": "毕业", "weight": 2.077216454463333, "tag": "n" },
    ]});
    // A list in JSON, or comma-separated in a query string.
    assert_eq!(ok(json!({ "text": SENTENCE, "topK": 5, "allowPOS": ["ns", "n"] })), tagged);
    let query = with_query(fixture("keywords/rest-v1.json"), "topK=5&allowPOS=ns,%20n");
    let mut query = query;
    query["queryStringParameters"]["text"] = SENTENCE.into();
    assert_eq!(ok(query), tagged);

    let textrank = ok(json!({ "text": NEWS, "method": "textrank", "topK": 5, "withFlag": "false" }));
    let words: Vec<&Value> = textrank["keywords"].as_array().unwrap().iter().collect();
    assert_eq!(words.len(), 5);
    assert!(words.iter().all(|k| k.get("tag").is_none()), "{textrank}");
    assert_eq!(words[1], &json!({ "word": "欧亚", "weight": 0.9966893354178172 }));
}

#[test]
fn top_k_defaults_to_twenty() {
    let all = ok(json!({ "text": NEWS }));
    assert_eq!(all["keywords"].as_array().unwrap().len(), 20);
    let one = ok(json!({ "text": SENTENCE, "topK": "1" }));
    assert_eq!(one, json!({ "keywords": [{ "word": "日本京都大学", "weight": 1.8867900673428573 }] }));
}

#[test]
fn a_batch_answers_one_result_per_text_in_order() {
    let answer = ok(json!({ "texts": [SENTENCE, "", NEWS], "topK": 1 }));
    assert_eq!(
        answer,
        json!({ "results": [
            { "keywords": [{ "word": "日本京都大学", "weight": 1.8867900673428573 }] },
            { "keywords": [] },
            { "keywords": [{ "word": "欧亚", "weight": 0.7458841454643479 }] },
        ]})
    );
    assert_eq!(ok(json!({ "texts": [] })), json!({ "results": [] }));
    assert_eq!(ok(json!({})), json!({ "keywords": [] }));
}

#[test]
fn bodies_of_every_kind() {
    let post = fixture("keywords/http-v2.json");
    let expected = json!([{ "word": "日本京都大学", "weight": 1.8867900673428573 }]);
    for (content_type, body) in [
        ("application/json", json!({ "text": SENTENCE, "topK": 1 }).to_string()),
        ("application/x-www-form-urlencoded", format!("text={SENTENCE}&topK=1")),
    ] {
        assert_eq!(ok(with_body(post.clone(), Some(content_type), &body))["keywords"], expected, "{content_type}");
    }
    let plain = with_query(with_body(post, Some("text/plain"), SENTENCE), "topK=1");
    assert_eq!(ok(plain)["keywords"], expected);
}

#[test]
fn bad_input_gets_a_clear_4xx() {
    let cases = [
        (json!({ "text": NEWS, "topK": 0 }), "'topK' must be a whole number from 1 to 1000"),
        (json!({ "text": NEWS, "topK": 1001 }), "'topK' must be a whole number from 1 to 1000"),
        (json!({ "text": NEWS, "topK": "ten" }), "'topK' must be a whole number from 1 to 1000"),
        (json!({ "text": NEWS, "topK": 2.5 }), "'topK' must be a whole number from 1 to 1000"),
        (json!({ "text": NEWS, "method": "lda" }), "'method' must be tfidf or textrank"),
        (json!({ "text": NEWS, "method": 1 }), "'method' must be a string"),
        (
            json!({ "text": NEWS, "allowPOS": ["n", 1] }),
            "'allowPOS' must be a list of strings or a comma-separated string",
        ),
        (json!({ "text": NEWS, "allowPOS": true }), "'allowPOS' must be a list of strings or a comma-separated string"),
        (
            json!({ "text": NEWS, "stopWords": { "a": 1 } }),
            "'stopWords' must be a list of strings or a comma-separated string",
        ),
        (json!({ "text": NEWS, "withFlag": "sometimes" }), "'withFlag' must be true or false"),
        (json!({ "text": 42 }), "'text' must be a string"),
        (json!({ "texts": [NEWS, 7] }), "'texts' must be a list of strings"),
        (json!({ "text": NEWS, "texts": [] }), "send either 'text' or 'texts', not both"),
    ];
    for (event, error) in cases {
        let answer = ask(event.clone());
        assert_eq!((answer.status, answer.body["error"].as_str()), (400, Some(error)), "{event}");
    }
    let answer = ask(json!({ "text": "字".repeat(MAX_TEXT_BYTES / 3 + 1) }));
    assert_eq!(answer.status, 413, "{:?}", answer.body);
    assert!(answer.body["error"].as_str().unwrap().starts_with("text too large"), "{:?}", answer.body);
    assert_eq!(ask(json!({ "texts": vec![""; MAX_BATCH + 1] })).status, 413);
}

#[test]
fn tagging_that_would_take_too_long_is_refused_up_front() {
    // 43,690 characters jieba's tagging model does not know (segment's case):
    // TextRank and a POS filter need posseg, over the per-request bound.
    let rare = "丂".repeat(MAX_TEXT_BYTES / 3);
    for event in [json!({ "text": rare, "method": "textrank" }), json!({ "text": rare, "allowPOS": "n" })] {
        let answer = ask(event);
        assert_eq!(answer.status, 413, "{:?}", answer.body);
        let error = answer.body["error"].as_str().unwrap();
        assert!(error.starts_with("tagging this text needs more work than one request may use: send less text"));
    }
    // TF-IDF without a filter only cuts, which is cheap.
    assert_eq!(ask(json!({ "text": rare })).status, 200);
    // A whole request of review text is far inside the bound, for both methods.
    let reviews = std::fs::read_to_string(repo().join("tests/corpus/reviews.txt")).unwrap();
    let mut text = String::new();
    for c in reviews.chars() {
        if text.len() + c.len_utf8() > MAX_TEXT_BYTES {
            break;
        }
        text.push(c);
    }
    assert_eq!(ask(json!({ "text": text, "method": "textrank" })).status, 200);
}

/// The most keywords a request can ask for: a full batch of texts made only
/// of distinct two-character words (the shortest kept), topK 1000, every tag
/// allowed and answered. Its answer must stay well inside Lambda's 6 MB
/// response limit, which is why the text limits are all keywords needs.
#[test]
fn the_largest_possible_answer_fits_in_a_lambda_response() {
    let letters: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    let mut pairs = letters.iter().flat_map(|&a| letters.iter().map(move |&b| format!("{a}{b}"))).cycle();
    let per_text = MAX_TEXT_BYTES / MAX_BATCH;
    let texts: Vec<String> = (0..MAX_BATCH)
        .map(|_| {
            let mut text = String::new();
            while text.len() + 3 <= per_text {
                text += &pairs.next().unwrap();
                text.push(' ');
            }
            text
        })
        .collect();
    let words = MAX_BATCH * (per_text / 3);
    let tags = "eng m x n nr ns nz v a vn i l nrt nt t j b z d s c f q r";
    let event = json!({ "texts": texts, "topK": 1000, "allowPOS": tags.split(' ').collect::<Vec<_>>() });
    let proxy = toolbox_gateway::handle(&dictionaries(), event, keywords);
    assert_eq!(proxy["statusCode"], 200);
    let body: Value = serde_json::from_str(proxy["body"].as_str().unwrap()).unwrap();
    let count: usize =
        body["results"].as_array().unwrap().iter().map(|r| r["keywords"].as_array().unwrap().len()).sum();
    // Stop words (`of`, `IS`, ...) and a digit before a letter (`1a`, which
    // posseg splits in two) are not keywords; nearly everything else is.
    assert!(count > words * 8 / 10, "only {count} of {words} words are keywords: not the worst case");
    let size = proxy.to_string().len();
    eprintln!("the largest answer: {count} keywords, {size} bytes as a proxy response");
    assert!(size < 6_000_000 / 2, "answer of {size} bytes: more than half Lambda's response limit");
}

#[test]
fn user_words_apply_to_one_request_as_jiebas_add_word() {
    // Printed by Python jieba 0.42.1: extract_tags(text, 3, withWeight=True)
    // before and after add_word("云计算"), add_word("创新办", 3, "i").
    let text = "李小福是创新办主任也是云计算方面的专家";
    let with =
        ok(json!({ "text": text, "topK": 3, "userWords": ["云计算", {"word": "创新办", "freq": 3, "tag": "i"}] }));
    assert_eq!(
        with["keywords"],
        json!([
            {"word": "李小福", "weight": 1.9924612504833332},
            {"word": "创新办", "weight": 1.9924612504833332},
            {"word": "云计算", "weight": 1.9924612504833332}
        ])
    );
    let without = ok(json!({ "text": text, "topK": 3 }));
    assert_eq!(without["keywords"][1], json!({"word": "创新", "weight": 0.9567884994}));
    let answer = ask(json!({ "text": text, "userWords": [""] }));
    assert_eq!(answer.status, 400, "{:?}", answer.body);
}

/// Issue 18 D1: a long `allowPOS` was searched for every word, so 10,000
/// entries over 128 KiB of one-letter words took past the 3 s timeout.
/// Past the maximum it is a 413 before any work; at the maximum the set's
/// lookup keeps the answer what a short list gives.
#[test]
fn a_long_allow_pos_is_refused_and_the_longest_allowed_one_is_a_set() {
    let text = "a ".repeat(MAX_TEXT_BYTES / 2);
    for allow_pos in [json!(vec!["y"; 10_000]), json!(vec!["y"; MAX_ALLOW_POS + 1])] {
        let answer = ask(json!({ "text": text, "allowPOS": allow_pos }));
        assert_eq!(answer.status, 413, "{:?}", answer.body);
    }
    let query = with_query(fixture("keywords/rest-v1.json"), &format!("allowPOS={}", vec!["y"; 300].join(",")));
    let answer = ask(query);
    assert_eq!(
        (answer.status, answer.body["error"].as_str()),
        (413, Some("too many 'allowPOS' entries: 300; the maximum is 256 per request"))
    );
    let stop_words = ask(json!({ "text": NEWS, "stopWords": vec!["的"; MAX_STOP_WORDS + 1] }));
    assert_eq!(stop_words.status, 413, "{:?}", stop_words.body);

    // The longest list allowed: jieba's tags and made-up ones, the real ones last.
    let mut tags: Vec<String> = (0..MAX_ALLOW_POS - 2).map(|i| format!("t{i}")).collect();
    tags.extend(["n".to_string(), "ns".to_string()]);
    let long = ok(json!({ "text": SENTENCE, "topK": 5, "allowPOS": tags }));
    assert_eq!(long, ok(json!({ "text": SENTENCE, "topK": 5, "allowPOS": ["ns", "n"] })));
}

/// Issue 19: keywords with the big dictionary and its own IDF table
/// (`idf.txt.big`), as Python jieba 0.42.1 ranks them with `TFIDF('idf.txt.big')`
/// and `TextRank` over `jieba.Tokenizer(dictionary='dict.txt.big')`.
#[test]
fn the_big_dictionary_ranks_with_its_own_idf_table() {
    const TRADITIONAL: &str = "我們在臺灣學習中文，這個軟體很好用";
    let ranked = |event: Value| -> Vec<(String, f64)> {
        let body = ok(event);
        let pairs = body["keywords"].as_array().unwrap().iter();
        pairs.map(|k| (k["word"].as_str().unwrap().to_owned(), k["weight"].as_f64().unwrap())).collect()
    };
    let tfidf = ranked(json!({ "text": TRADITIONAL, "topK": 3, "dictionary": "big" }));
    let weight = 1.9924612504833332;
    assert_eq!(tfidf, [("我們".into(), weight), ("臺灣".into(), weight), ("中文".into(), weight)]);
    let textrank =
        ranked(json!({ "text": TRADITIONAL, "topK": 3, "dictionary": "big", "method": "textrank", "withFlag": false }));
    let second = 0.5043610130303613;
    assert_eq!(textrank, [("學習".into(), 1.0), ("臺灣".into(), second), ("軟體".into(), second)]);
    let default = ranked(json!({ "text": TRADITIONAL, "topK": 3 }));
    assert_eq!(
        default,
        [("我們".into(), 2.39095350058), ("灣學習".into(), 2.39095350058), ("這個".into(), 2.39095350058)]
    );
    let answer = ask(json!({ "text": TRADITIONAL, "dictionary": "traditional" }));
    assert_eq!(answer.status, 400, "{:?}", answer.body);
}
