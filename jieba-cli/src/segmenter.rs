//! One line in, its answer out: what `python -m jieba` prints for a line.

use toolbox_layer::{Lexicon, Mode};

use crate::args::Options;
use crate::input::Newlines;
use crate::text::{self, DecodeError};

/// The words of a line joined as the options say, shared by every worker.
pub struct Segmenter<'a> {
    lexicon: Lexicon<'a>,
    delimiter: &'a [u8],
    pos: Option<&'a [u8]>,
    mode: Mode,
    hmm: bool,
    newlines: Newlines,
}

impl<'a> Segmenter<'a> {
    pub fn new(lexicon: Lexicon<'a>, options: &'a Options, newlines: Newlines) -> Segmenter<'a> {
        Segmenter {
            lexicon,
            delimiter: &options.delimiter,
            pos: options.pos.as_deref(),
            mode: if options.cut_all { Mode::All } else { Mode::Default },
            hmm: options.hmm,
            newlines,
        }
    }

    /// Appends `line`'s answer and its `\n` to `answer`. A file's line must
    /// be UTF-8; stdin's bytes that are not come back as they were.
    pub fn line(&self, line: &[u8], answer: &mut Vec<u8>) -> Result<(), DecodeError> {
        let decoded = text::decode(line, self.newlines)?;
        let (text, escaped) = (decoded.as_str(), decoded.escaped());
        match self.pos {
            Some(pos_delimiter) => {
                let tagged = self.lexicon.posseg(text, self.hmm);
                join_tagged(answer, tagged.iter().map(|t| (t.word, t.tag)), self.delimiter, pos_delimiter, escaped);
            }
            None => {
                let tokens = self.lexicon.cut(text, self.mode, self.hmm);
                join_words(answer, tokens.iter().map(|t| &*t.word), self.delimiter, escaped);
            }
        }
        answer.push(b'\n');
        Ok(())
    }
}

/// Appends `words` joined by `delimiter`, as `python -m jieba` prints a
/// line (each stand-in back to its byte when the line was `escaped`).
pub fn join_words<'w>(out: &mut Vec<u8>, words: impl Iterator<Item = &'w str>, delimiter: &[u8], escaped: bool) {
    for (i, word) in words.enumerate() {
        if i > 0 {
            out.extend_from_slice(delimiter);
        }
        text::write_word(out, word, escaped);
    }
}

/// Appends `(word, tag)` pairs as `-p` prints them: `word{pos_delimiter}tag`
/// joined by `delimiter`.
pub fn join_tagged<'w>(
    out: &mut Vec<u8>,
    tagged: impl Iterator<Item = (&'w str, &'w str)>,
    delimiter: &[u8],
    pos_delimiter: &[u8],
    escaped: bool,
) {
    for (i, (word, tag)) in tagged.enumerate() {
        if i > 0 {
            out.extend_from_slice(delimiter);
        }
        text::write_word(out, word, escaped);
        out.extend_from_slice(pos_delimiter);
        out.extend_from_slice(tag.as_bytes());
    }
}
