//! One line in, its answer out: what `python -m jieba` prints for a line.

use toolbox_layer::{Lexicon, Mode};

use crate::args::Options;
use crate::input::Newlines;
use crate::text::{self, DecodeError, Decoded};

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
        let decoded = match self.newlines {
            Newlines::Universal => text::strict(line).map(Decoded::Text),
            Newlines::LineFeed => text::escaped(line),
        }?;
        let (text, escaped) = (decoded.as_str(), decoded.escaped());
        match self.pos {
            Some(pos_delimiter) => {
                for (i, tagged) in self.lexicon.posseg(text, self.hmm).iter().enumerate() {
                    if i > 0 {
                        answer.extend_from_slice(self.delimiter);
                    }
                    text::write_word(answer, tagged.word, escaped);
                    answer.extend_from_slice(pos_delimiter);
                    answer.extend_from_slice(tagged.tag.as_bytes());
                }
            }
            None => {
                for (i, token) in self.lexicon.cut(text, self.mode, self.hmm).iter().enumerate() {
                    if i > 0 {
                        answer.extend_from_slice(self.delimiter);
                    }
                    text::write_word(answer, &token.word, escaped);
                }
            }
        }
        answer.push(b'\n');
        Ok(())
    }
}
