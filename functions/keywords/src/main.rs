//! `keywords`: keyword extraction exactly as Python jieba's `jieba.analyse`.
//!
//! `{"text": "...", "topK": 5}` → `{"keywords": [{"word": "...", "weight": 0.83}, ...]}`.
//! Parameters carry jieba's names: `method` (tfidf|textrank), `topK`,
//! `allowPOS`, `withFlag`, `stopWords`; `texts` (a list) ranks a batch;
//! `userWords` adds words for this request (`jieba.add_word`); `dictionary`
//! (default|big) picks one of the attached dictionary layers, each with its
//! own IDF table. The dictionaries come from the layers, mapped once in init.

use std::process::ExitCode;

use toolbox_gateway::{BodyWriter, Params, Request, Response};
use toolbox_layer::{
    Dictionaries, Keyword, KeywordOptions, Method, StopWords, TagSet, Tokenizer, MAX_ALLOW_POS, MAX_STOP_WORDS,
    TAGGING_WORK_PER_REQUEST,
};

fn keywords(dictionaries: &&Dictionaries, request: &Request) -> Response {
    let answer = || -> Result<Response, Response> {
        let chosen = dictionaries.choose(request.params.string("dictionary")?);
        extract(chosen.map_err(|e| Response::error(400, &e))?, &request.params)
    };
    answer().unwrap_or_else(|rejection| rejection)
}

fn extract(tokenizer: &Tokenizer, params: &Params) -> Result<Response, Response> {
    let method = match params.string("method")? {
        None => Method::TfIdf,
        Some(name) => Method::parse(name).ok_or_else(|| Response::error(400, "'method' must be tfidf or textrank"))?,
    };
    let top_k = params.bounded("topK", 1..=1000, 20)? as usize;
    let allow_pos = params.strings("allowPOS", MAX_ALLOW_POS)?.map(|tags| TagSet::new(&tags));
    let stop_words = StopWords::new(params.strings("stopWords", MAX_STOP_WORDS)?.unwrap_or_default());
    // jieba's withFlag only matters under a POS filter; on by default so the
    // answer says which tag each keyword was ranked under.
    let with_flag = params.flag("withFlag", true)?;
    let (texts, batch) = params.texts()?;
    let added = tokenizer.added_by(params.get("userWords")).map_err(|e| Response::error(e.status(), &e.to_string()))?;
    let lexicon = tokenizer.lexicon_with(&added);

    let options = KeywordOptions { method, top_k, allow_pos: allow_pos.as_ref(), with_flag, stop_words: &stop_words };
    // One bound on the tagging HMM's work for the whole request, as segment's pos=true.
    let mut work_left = TAGGING_WORK_PER_REQUEST;
    // `{"keywords": [...]}`, or a batch's `{"results": [...]}` of those.
    let mut body = BodyWriter::default();
    if batch {
        body.punct("{");
        body.key("results");
        body.punct("[");
    }
    let mut answered = 0;
    for (i, text) in texts.iter().enumerate() {
        let ranked = lexicon.keywords(text, &options, &mut work_left).map_err(|e| {
            Response::error(413, &format!("{e}: send less text, or method=tfidf without allowPOS"))
                .work_bound_exceeded()
        })?;
        if i > 0 {
            body.punct(",");
        }
        write(&mut body, &ranked);
        answered += ranked.len();
    }
    if batch {
        body.punct("]}");
    }
    // The metrics' Words: the keywords answered.
    Ok(Response::from_body(200, body).counting(texts.len(), answered))
}

/// One text's `{"keywords": [{"word", "weight", "tag"}, ...]}` (`tag` only
/// when keyed by tag), written straight into the answer: serializing
/// [`Keyword`]s through serde cost more than ranking them.
fn write(body: &mut BodyWriter, keywords: &[Keyword]) {
    body.punct("{");
    body.key("keywords");
    body.punct("[");
    for (i, keyword) in keywords.iter().enumerate() {
        body.punct(if i > 0 { ",{" } else { "{" });
        body.key("word");
        body.string(&keyword.word);
        body.punct(",");
        body.key("weight");
        body.float(keyword.weight);
        if let Some(tag) = keyword.tag {
            body.punct(",");
            body.key("tag");
            body.string(tag);
        }
        body.punct("}");
    }
    body.punct("]}");
}

fn main() -> ExitCode {
    toolbox_gateway::run(Dictionaries::shared, keywords)
}

#[cfg(test)]
mod tests;
