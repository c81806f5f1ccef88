//! The dictionary one request segments with: the layer's compiled
//! dictionary, plus the words the request added, if any.

use crate::added::{AddedWords, Additions, Freq, FreqOverflow};
use crate::cut::{no_hmm_freqs, search_tokens, with_scratch, Scratch, Segmenter};
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

    fn segmenter<'s>(&'s self, scratch: &'s mut crate::cut::Scratch) -> Segmenter<'a, 's> {
        Segmenter::new(&self.dict, self.user, self.added, scratch)
    }

    /// jieba's `FREQ.get(word)`: an added word's frequency (this request's
    /// first, then the user layer's), else the dictionary's; 0 for a known
    /// prefix; `None` for neither.
    pub fn freq(&self, word: &str) -> Option<Freq> {
        self.freq_over(self.added, word)
    }

    /// [`Lexicon::freq`] with `added` in place of this lexicon's added words.
    fn freq_over(&self, added: Option<&AddedWords>, word: &str) -> Option<Freq> {
        let mut chars = word.chars();
        let first = chars.next()?;
        // One walk a trie: the entry, else whether it is a prefix; one step
        // for a character (what suggest_freq mostly asks about).
        let one = chars.as_str().is_empty();
        let in_added = added.and_then(|a| if one { a.step(0, first).map(|(_, e)| e) } else { a.find(word) });
        if let Some(Some(entry)) = in_added {
            return Some(entry.freq);
        }
        let in_user = self.user.and_then(|u| if one { u.step(0, first).map(|(_, e)| e) } else { u.find(word) });
        if let Some(Some(entry)) = in_user {
            return Some(entry.freq);
        }
        if let Some(freq) = self.dict.freq(word) {
            return Some(freq.into());
        }
        (in_added.is_some() || in_user.is_some()).then_some(0)
    }

    /// jieba's `total`: every dictionary line's frequency plus every added one.
    pub fn total(&self) -> Freq {
        self.total_over(self.added)
    }

    fn total_over(&self, added: Option<&AddedWords>) -> Freq {
        match (added, &self.user) {
            (Some(added), _) => added.total(),
            (None, Some(user)) => user.total(),
            (None, None) => self.dict.total.into(),
        }
    }

    /// jieba's `suggest_freq(word)` (without `tune`): the product over the
    /// words `cut(word, HMM=False)` gives of `FREQ.get(w, 1) / total`, times
    /// the total, truncated, plus one, and at least `FREQ.get(word, 1)`.
    pub fn suggest_freq(&self, word: &str) -> Freq {
        self.suggest_freq_over(self.added, word)
    }

    /// [`Lexicon::suggest_freq`] with `added` in place of this lexicon's
    /// added words: `add_words` asks it once a word, as the words grow,
    /// from one lexicon.
    pub(crate) fn suggest_freq_over(&self, added: Option<&AddedWords>, word: &str) -> Freq {
        with_scratch(|scratch| self.suggest_freq_in(added, scratch, word))
    }

    /// [`Lexicon::suggest_freq_over`] with the scratch buffers given.
    fn suggest_freq_in(&self, added: Option<&AddedWords>, scratch: &mut Scratch, word: &str) -> Freq {
        let total = self.total_over(added);
        let ftotal = total as f64;
        let mut freq = 1.0f64;
        let freq_of = |w: &str| self.freq_over(added, w).unwrap_or(1);
        let own = no_hmm_freqs(&self.dict, self.user, added, total, scratch, word, freq_of, &mut |f| {
            freq *= f as f64 / ftotal
        });
        // `int(freq * total) + 1`: the product is at most the total, so it
        // fits (the cast saturates only at a total of 2^128, which add_words refuses).
        ((freq * ftotal) as Freq).saturating_add(1).max(own.unwrap_or_else(|| freq_of(word)))
    }

    /// jieba's `add_word(word, freq, tag)` for each of `words`, in order,
    /// into `added` (in place of this lexicon's added words): a word without
    /// a frequency gets [`Lexicon::suggest_freq`] over the words before it.
    /// Stops at the first word that would take jieba's total past [`Freq`].
    pub(crate) fn add_words<'w>(
        &self,
        added: &mut AddedWords,
        words: impl IntoIterator<Item = (&'w str, Option<u64>, Option<&'w str>)>,
    ) -> Result<(), FreqOverflow> {
        with_scratch(|scratch| {
            for (word, freq, tag) in words {
                let freq = match freq {
                    Some(freq) => freq.into(),
                    None => self.suggest_freq_in(Some(&*added).filter(|a| !a.is_empty()), scratch, word),
                };
                added.insert(word, freq, tag)?;
            }
            Ok(())
        })
    }

    /// The IDF of `word` in jieba's table, if listed.
    pub fn idf(&self, word: &str) -> Option<f64> {
        self.dict.idf(word)
    }

    /// [`Lexicon::idf`] of a word `cut` gave: read at its trie slot when
    /// the route found it there, else looked up.
    pub(crate) fn token_idf(&self, token: &Token) -> Option<f64> {
        match token.slot {
            0 => self.idf(&token.word),
            slot => self.dict.idf_at(slot),
        }
    }

    /// The IDF jieba gives a word its table lacks: the table's median.
    pub fn median_idf(&self) -> f64 {
        self.dict.median_idf()
    }

    /// Words of `text` in `mode`: see [`crate::Tokenizer::cut`].
    pub fn cut<'t>(&self, text: &'t str, mode: Mode, hmm: bool) -> Vec<Token<'t>> {
        let mut tokens = Vec::with_capacity((text.len() / 2).min(1 << 12));
        self.cut_each(text, mode, hmm, |token| {
            tokens.push(token);
            true
        });
        tokens
    }

    /// The words of [`Lexicon::cut`], handed to `each` in order as they are
    /// cut, without a list of them: a caller that writes its answer as it
    /// goes keeps nothing else. Once `each` says false it is handed nothing
    /// more, and the answer is false: a caller that counts what its answer
    /// weighs stops when it is too large to send (full mode with long added
    /// words yields twenty words a character, far more than fits).
    pub fn cut_each<'t>(&self, text: &'t str, mode: Mode, hmm: bool, mut each: impl FnMut(Token<'t>) -> bool) -> bool {
        let mut going = true;
        let mut push = |token: Token<'t>| {
            if going {
                going = each(token);
            }
        };
        let has_freq = |word: &str| self.freq(word).is_some_and(|f| f > 0);
        let listed = (self.user.is_none() && self.added.is_none()).then_some(&self.dict);
        with_scratch(|scratch| {
            let mut segmenter = self.segmenter(scratch);
            match mode {
                Mode::Default => segmenter.cut(text, hmm, &mut push),
                Mode::Search => {
                    segmenter.cut(text, hmm, &mut |token| search_tokens(&has_freq, listed, token, &mut push))
                }
                Mode::All => segmenter.cut_all(text, &mut push),
            }
        });
        going
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
