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

use toolbox_gateway::{answer_too_large, needs_escape, BodyWriter, Params, Request, Response, MAX_ANSWER_BYTES};
use toolbox_layer::{Dictionaries, Lexicon, Mode, TAGGING_WORK_PER_REQUEST};

struct Options {
    mode: Mode,
    hmm: bool,
    offsets: bool,
    pos: bool,
}

/// The answer, `{"words": [...]}` (with `tokens` and `tags` as asked) or a
/// batch's `{"results": [...]}`, is written as the words are cut (the
/// gateway's BodyWriter): no list of words is kept beside it.
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
        let input: usize = texts.iter().map(|t| t.len()).sum();
        let mut body = BodyWriter::with_capacity(2 * input + 64);
        let mut tokens = BodyWriter::default();
        let mut words = 0;
        if batch {
            body.punct("{");
            body.key("results");
            body.punct("[");
        }
        for (i, text) in texts.iter().enumerate() {
            if i > 0 {
                body.punct(",");
            }
            words += cut(&mut body, &mut tokens, lexicon, text, &options, &mut work_left)?;
        }
        if batch {
            body.punct("]}");
        }
        Ok(Response::from_body(200, body).counting(texts.len(), words))
    };
    answer().unwrap_or_else(|rejection| rejection)
}

/// Writes one text's answer and says how many words it has. `tokens` is
/// scratch for the `tokens` list, written beside `words` and then after it.
fn cut(
    body: &mut BodyWriter,
    tokens: &mut BodyWriter,
    lexicon: Lexicon,
    text: &str,
    options: &Options,
    work_left: &mut u64,
) -> Result<usize, Response> {
    // Words are slices of the text (or, in full mode, joined from them).
    let plain = !needs_escape(text);
    let mut words = 0;
    body.punct("{");
    body.key("words");
    body.punct("[");
    let finished = lexicon.cut_each(text, options.mode, options.hmm, |token| {
        if words > 0 {
            body.punct(",");
        }
        body.word(plain, &token.word);
        if options.offsets {
            tokens.punct(if words > 0 { ",{" } else { "{" });
            tokens.key("word");
            tokens.word(plain, &token.word);
            tokens.punct(",");
            tokens.key("start");
            tokens.number(token.start);
            tokens.punct(",");
            tokens.key("end");
            tokens.number(token.end);
            tokens.punct("}");
        }
        words += 1;
        body.len() + tokens.len() <= MAX_ANSWER_BYTES
    });
    if !finished {
        return Err(answer_too_large());
    }
    body.punct("]");
    if options.offsets {
        body.punct(",");
        body.key("tokens");
        body.punct("[");
        body.append(tokens);
        body.punct("]");
    }
    if options.pos {
        let tagged = lexicon.posseg_within(text, options.hmm, work_left).map_err(|too_costly| {
            Response::error(413, &format!("{too_costly}: send less text, or pos=false")).work_bound_exceeded()
        })?;
        // `jieba.posseg` tags, with character offsets when `offsets` is set.
        body.punct(",");
        body.key("tags");
        body.punct("[");
        for (i, t) in tagged.iter().enumerate() {
            body.punct(if i > 0 { ",{" } else { "{" });
            body.key("word");
            body.word(plain, t.word);
            body.punct(",");
            body.key("tag");
            body.string(t.tag);
            if options.offsets {
                body.punct(",");
                body.key("start");
                body.number(t.start);
                body.punct(",");
                body.key("end");
                body.number(t.end);
            }
            body.punct("}");
            if body.len() > MAX_ANSWER_BYTES {
                return Err(answer_too_large());
            }
        }
        body.punct("]");
    }
    body.punct("}");
    Ok(words)
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
