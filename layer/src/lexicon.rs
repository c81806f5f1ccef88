//! The dictionary one request segments with: the layer's compiled
//! dictionary, plus the words the request added, if any.

use crate::added::{AddedWords, Additions};
use crate::cut::{search_tokens, with_scratch, Segmenter};
use crate::dict::Dict;
use crate::userdict::UserDict;
use crate::{Mode, Tagged, Token, TooCostly};

/// The compiled dictionary and, on top, the user layer's words and the
/// words added with [`crate::Tokenizer::add_word`]: jieba's state after
/// `load_userdict` and the same `add_word` calls.
#[derive(Clone, Copy)]
pub struct Lexicon<'a> {
    dict: Dict<'a>,
    user: Option<UserDict<'a>>,
    added: Option<&'a AddedWords>,
}

impl<'a> Lexicon<'a> {
    pub(crate) fn new(dict: Dict<'a>, user: Option<UserDict<'a>>, added: Option<&'a AddedWords>) -> Lexicon<'a> {
        Lexicon { dict, user, added: added.filter(|a| !a.is_empty()) }
    }

    fn segmenter<'s>(&self, scratch: &'s mut crate::cut::Scratch) -> Segmenter<'a, 's> {
        let mut segmenter = Segmenter::new(self.dict, scratch);
        segmenter.user = self.user;
        segmenter.added = self.added;
        segmenter
    }

    /// jieba's `FREQ.get(word)`: an added word's frequency (this request's
    /// first, then the user layer's), else the dictionary's; 0 for a known
    /// prefix; `None` for neither.
    pub fn freq(&self, word: &str) -> Option<u64> {
        if word.is_empty() {
            return None;
        }
        if let Some(entry) = self.added.and_then(|a| a.get(word)) {
            return Some(entry.freq);
        }
        if let Some(entry) = self.user.and_then(|u| u.get(word)) {
            return Some(entry.freq);
        }
        if let Some(freq) = self.dict.freq(word) {
            return Some(freq);
        }
        let prefix = self.added.is_some_and(|a| a.is_prefix(word)) || self.user.is_some_and(|u| u.is_prefix(word));
        prefix.then_some(0)
    }

    /// jieba's `total`: every dictionary line's frequency plus every added one.
    pub fn total(&self) -> u64 {
        match (self.added, &self.user) {
            (Some(added), _) => added.total(),
            (None, Some(user)) => user.total(),
            (None, None) => self.dict.total,
        }
    }

    /// jieba's `suggest_freq(word)` (without `tune`): the product over the
    /// words `cut(word, HMM=False)` gives of `FREQ.get(w, 1) / total`, times
    /// the total, truncated, plus one, and at least `FREQ.get(word, 1)`.
    pub fn suggest_freq(&self, word: &str) -> u64 {
        let total = self.total();
        let ftotal = total as f64;
        let mut freq = 1.0f64;
        for token in self.cut(word, Mode::Default, false) {
            freq *= self.freq(&token.word).unwrap_or(1) as f64 / ftotal;
        }
        ((freq * total as f64) as u64 + 1).max(self.freq(word).unwrap_or(1))
    }

    /// The IDF of `word` in jieba's table, if listed.
    pub fn idf(&self, word: &str) -> Option<f64> {
        self.dict.idf(word)
    }

    /// The IDF jieba gives a word its table lacks: the table's median.
    pub fn median_idf(&self) -> f64 {
        self.dict.median_idf()
    }

    /// Words of `text` in `mode`: see [`crate::Tokenizer::cut`].
    pub fn cut<'t>(&self, text: &'t str, mode: Mode, hmm: bool) -> Vec<Token<'t>> {
        let mut tokens = Vec::with_capacity((text.len() / 2).min(1 << 12));
        let has_freq = |word: &str| self.freq(word).is_some_and(|f| f > 0);
        with_scratch(|scratch| {
            let mut segmenter = self.segmenter(scratch);
            match mode {
                Mode::Default => segmenter.cut(text, hmm, &mut |token| tokens.push(token)),
                Mode::Search => {
                    segmenter.cut(text, hmm, &mut |token| search_tokens(&has_freq, token, &mut |t| tokens.push(t)))
                }
                Mode::All => segmenter.cut_all(text, &mut |token| tokens.push(token)),
            }
        });
        tokens
    }

    /// Words and tags of `text`: see [`crate::Tokenizer::posseg`].
    pub fn posseg(&self, text: &'a str, hmm: bool) -> Vec<Tagged<'a>> {
        let mut tagged = Vec::with_capacity((text.len() / 2).min(1 << 12));
        with_scratch(|scratch| self.segmenter(scratch).posseg(text, hmm, &mut |t| tagged.push(t)));
        tagged
    }

    /// [`Lexicon::posseg`] with a bound on the tagging HMM's work, shared
    /// by every call given the same `work_left`: Python jieba's tagging
    /// Viterbi scores every pair of candidate states at each character, up
    /// to 256 × 256 for characters it does not know, so its cost depends on
    /// the text, not just its length. `work_left` counts state pairs (and
    /// each character's 256 emissions); what a call uses is subtracted.
    /// Past the bound, the answer is [`TooCostly`] instead of tags.
    pub fn posseg_within(&self, text: &'a str, hmm: bool, work_left: &mut u64) -> Result<Vec<Tagged<'a>>, TooCostly> {
        let mut tagged = Vec::with_capacity((text.len() / 2).min(1 << 12));
        let out_of_work = with_scratch(|scratch| {
            let mut segmenter = self.segmenter(scratch);
            segmenter.work_left = Some(*work_left);
            segmenter.posseg(text, hmm, &mut |t| tagged.push(t));
            *work_left = segmenter.work_left.unwrap_or(0);
            segmenter.out_of_work
        });
        match out_of_work {
            false => Ok(tagged),
            true => Err(TooCostly),
        }
    }
}
