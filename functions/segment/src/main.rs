//! `segment`: jieba word segmentation (seed 000, sections 4.7 and 4.9).
//!
//! `{"text": "我来到北京清华大学"}` → `{"words": ["我", "来到", "北京", "清华大学"]}`,
//! as Python jieba 0.42.1's `jieba.lcut`. Options: `mode` (default|all|search),
//! `hmm`, `offsets`, `pos` (`jieba.posseg.lcut`'s words and tags, which can
//! differ from `words`, as in jieba); `texts` (a list) segments a batch in
//! one request; `userWords` adds words for this request (`jieba.add_word`);
//! `dictionary` (default|big) picks one of the attached dictionary layers.
//! The dictionaries come from the layers, mapped once in init.

use std::process::ExitCode;

use serde::Serialize;
use toolbox_gateway::{proxy_string_len, AnswerBudget, Params, Request, Response};
use toolbox_layer::{Dictionaries, Lexicon, Mode, Tag, Tagged, Token, TAGGING_WORK_PER_REQUEST};

struct Options {
    mode: Mode,
    hmm: bool,
    offsets: bool,
    pos: bool,
}

#[derive(Serialize)]
struct Segmented<'a> {
    words: Vec<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<Vec<Token<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Tags<'a>>,
}

/// `jieba.posseg` tags, with character offsets when `offsets` is set.
#[derive(Serialize)]
#[serde(untagged)]
enum Tags<'a> {
    Plain(Vec<Tag<'a>>),
    WithOffsets(Vec<Tagged<'a>>),
}

/// A batch's answer: one result per text, in order.
#[derive(Serialize)]
struct Batch<'a> {
    results: Vec<Segmented<'a>>,
}

fn segment(dictionaries: &&Dictionaries, request: &Request) -> Response {
    let answer = || -> Result<Response, Response> {
        let (texts, options, batch) = parse(&request.params)?;
        let tokenizer =
            dictionaries.choose(request.params.string("dictionary")?).map_err(|e| Response::error(400, &e))?;
        let added = tokenizer
            .added_by(request.params.get("userWords"))
            .map_err(|e| Response::error(e.status(), &e.to_string()))?;
        let lexicon = tokenizer.lexicon_with(&added);
        let mut work_left = TAGGING_WORK_PER_REQUEST;
        let mut budget = AnswerBudget::default();
        let mut results = Vec::with_capacity(texts.len());
        for text in texts {
            results.push(cut(lexicon, text, &options, &mut work_left, &mut budget)?);
        }
        let counts = (results.len(), results.iter().map(|r| r.words.len()).sum());
        let response = if batch { Response::ok(&Batch { results }) } else { Response::ok(&results[0]) };
        Ok(response.counting(counts.0, counts.1))
    };
    answer().unwrap_or_else(|rejection| rejection)
}

fn cut<'a>(
    lexicon: Lexicon<'a>,
    text: &'a str,
    options: &Options,
    work_left: &mut u64,
    budget: &mut AnswerBudget,
) -> Result<Segmented<'a>, Response> {
    // What each word adds to the answer: its `words` entry, and its `tokens`
    // entry (`{"word":..,"start":..,"end":..}`: the word again, 32 bytes more at least).
    let weight = |token: &Token| {
        let word = proxy_string_len(&token.word) + 1;
        if options.offsets {
            2 * word + 31
        } else {
            word
        }
    };
    let tokens = lexicon
        .cut_while(text, options.mode, options.hmm, |token| budget.spend(weight(token)))
        .ok_or_else(|| budget.too_large())?;
    let tags = match options.pos {
        false => None,
        true => {
            let tagged = lexicon.posseg_within(text, options.hmm, work_left).map_err(|too_costly| {
                Response::error(413, &format!("{too_costly}: send less text, or pos=false")).work_bound_exceeded()
            })?;
            Some(match options.offsets {
                true => Tags::WithOffsets(tagged),
                false => Tags::Plain(tagged.into_iter().map(Tag::from).collect()),
            })
        }
    };
    Ok(Segmented {
        words: tokens.iter().map(|t| t.word.clone()).collect(),
        tags,
        tokens: options.offsets.then_some(tokens),
    })
}

/// The texts to segment, the options, and whether the request was a batch.
fn parse(params: &Params) -> Result<(Vec<&str>, Options, bool), Response> {
    let mode = match params.string("mode")? {
        None => Mode::Default,
        Some(name) => Mode::parse(name).ok_or_else(|| Response::error(400, "'mode' must be default, all or search"))?,
    };
    let options = Options {
        mode,
        hmm: params.flag("hmm", true)?,
        offsets: params.flag("offsets", false)?,
        pos: params.flag("pos", false)?,
    };
    if options.pos && mode != Mode::Default {
        // As in jieba, whose posseg has no full or search mode.
        return Err(Response::error(400, "'pos' tags are only available in mode default"));
    }

    let (texts, batch) = params.texts()?;
    Ok((texts, options, batch))
}

fn main() -> ExitCode {
    toolbox_gateway::run(Dictionaries::shared, segment)
}

#[cfg(test)]
mod tests;
