//! `keywords`: keyword extraction exactly as Python jieba's `jieba.analyse`.
//!
//! `{"text": "...", "topK": 5}` → `{"keywords": [{"word": "...", "weight": 0.83}, ...]}`.
//! Parameters carry jieba's names: `method` (tfidf|textrank), `topK`,
//! `allowPOS`, `withFlag`, `stopWords`; `texts` (a list) ranks a batch;
//! `userWords` adds words for this request (`jieba.add_word`); `dictionary`
//! (default|big) picks one of the attached dictionary layers, each with its
//! own IDF table. The dictionaries come from the layers, mapped once in init.

use std::process::ExitCode;

use serde::Serialize;
use toolbox_gateway::{Params, Request, Response};
use toolbox_layer::{
    Dictionaries, Keyword, KeywordOptions, Method, StopWords, TagSet, Tokenizer, MAX_ALLOW_POS, MAX_STOP_WORDS,
    TAGGING_WORK_PER_REQUEST,
};

#[derive(Serialize)]
struct Keywords<'a> {
    keywords: Vec<Keyword<'a>>,
}

/// A batch's answer: one result per text, in order.
#[derive(Serialize)]
struct Batch<'a> {
    results: Vec<Keywords<'a>>,
}

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
    let mut rank = |text| {
        let too_costly = |e| {
            Response::error(413, &format!("{e}: send less text, or method=tfidf without allowPOS"))
                .work_bound_exceeded()
        };
        Ok(Keywords { keywords: lexicon.keywords(text, &options, &mut work_left).map_err(too_costly)? })
    };
    let results: Vec<Keywords> = texts.into_iter().map(&mut rank).collect::<Result<_, Response>>()?;
    // The metrics' Words: the keywords answered.
    let counts = (results.len(), results.iter().map(|r| r.keywords.len()).sum());
    let response = if batch { Response::ok(&Batch { results }) } else { Response::ok(&results[0]) };
    Ok(response.counting(counts.0, counts.1))
}

fn main() -> ExitCode {
    toolbox_gateway::run(Dictionaries::shared, keywords)
}

#[cfg(test)]
mod tests;
