//! jieba's `finalseg.cut`: words the dictionary does not know, found by the
//! word HMM (states B, E, M, S) over runs of Chinese characters; other runs
//! split as its `re_skip` splits them.

use crate::added::Additions;
use crate::cut::{Block, Scratch, Segmenter};
use crate::Token;

/// HMM states, as jieba numbers them.
const B: u8 = 0;
const E: u8 = 1;
const S: u8 = 3;
/// The states each state may follow, lower index first (a tie goes to the
/// second, as Python's `max` over `(prob, state)` tuples breaks it).
const ALLOWED_PREV: [[u8; 2]; 4] = [[1, 3], [0, 2], [0, 2], [1, 3]];

impl Segmenter<'_, '_> {
    /// `finalseg.cut` of characters `x..y` of the block.
    pub(crate) fn finalseg<'a>(&mut self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Token<'a>)) {
        self.for_each_han_run(x, y, |this, i, j, han| match han {
            true => this.hmm_words(block, i, j, emit),
            false => this.skip_split(block, i, j, emit),
        });
    }

    /// jieba's `finalseg.__cut`: the Viterbi path over characters `x..y`,
    /// a word ending at each E or S; what follows the last one is a word too.
    fn hmm_words<'a>(&mut self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Token<'a>)) {
        self.viterbi(x, y);
        let mut begin = x;
        let mut next = x;
        for k in x..y {
            match self.scratch.hmm_path.get(k - x).copied().unwrap_or(S) {
                B => begin = k,
                E => {
                    self.hmm_word(block, begin, k + 1, emit);
                    next = k + 1;
                }
                S => {
                    self.hmm_word(block, k, k + 1, emit);
                    next = k + 1;
                }
                _ => {}
            }
        }
        if next < y {
            self.hmm_word(block, next, y, emit);
        }
    }

    /// A word the HMM found, split into characters if it was added with
    /// frequency 0 (jieba's `Force_Split_Words`).
    fn hmm_word<'a>(&self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Token<'a>)) {
        let word = self.slice(block, x, y);
        let split = self.added.is_some_and(|a| a.force_split(word)) || self.user.is_some_and(|u| u.force_split(word));
        if split {
            for i in x..y {
                emit(self.token(block, i, i + 1));
            }
        } else {
            emit(self.token(block, x, y));
        }
    }

    /// finalseg's `re_skip.split` over characters `x..y` (none Chinese):
    /// `[a-zA-Z0-9]+(?:\.\d+)?%?` matches and the gaps between them, each a
    /// word. (The block holds only jieba's `re_han_default` characters, so
    /// `\d` meets no digit but ASCII ones.)
    fn skip_split<'a>(&self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Token<'a>)) {
        let alnum = |k: usize| k < y && self.char_at(k).is_ascii_alphanumeric();
        let digit = |k: usize| k < y && self.char_at(k).is_ascii_digit();
        let mut gap = x;
        let mut k = x;
        while k < y {
            if !alnum(k) {
                k += 1;
                continue;
            }
            let start = k;
            while alnum(k) {
                k += 1;
            }
            if k < y && self.char_at(k) == '.' && digit(k + 1) {
                k += 1;
                while digit(k) {
                    k += 1;
                }
            }
            if k < y && self.char_at(k) == '%' {
                k += 1;
            }
            if gap < start {
                emit(self.token(block, gap, start));
            }
            emit(self.token(block, start, k));
            gap = k;
        }
        if gap < y {
            emit(self.token(block, gap, y));
        }
    }

    /// Labels characters `x..y` B/E/M/S into `hmm_path` (jieba's `viterbi`:
    /// `start + emit`, then `prev + trans + emit`, the best last state of E and S).
    fn viterbi(&mut self, x: usize, y: usize) {
        let dict = self.dict;
        let Scratch { chars, hmm_prev, hmm_path, .. } = &mut *self.scratch;
        let run = chars.get(x..y).unwrap_or_default();
        let count = run.len();
        hmm_prev.clear();
        hmm_prev.resize(4 * count, B);
        hmm_path.clear();
        hmm_path.resize(count, S);
        if count == 0 {
            return;
        }
        let start = |state: usize| dict.hmm_param(state);
        let trans = |from: u8, to: usize| dict.hmm_param(4 + 4 * from as usize + to);
        let emit = dict.emit_probs(run[0].1);
        let mut prev_v = [0.0; 4];
        for state in 0..4 {
            prev_v[state] = start(state) + emit[state];
        }
        for t in 1..count {
            let emit = dict.emit_probs(run[t].1);
            let mut curr = [0.0; 4];
            for state in 0..4 {
                let [y0, y1] = ALLOWED_PREV[state];
                let prob0 = prev_v[y0 as usize] + trans(y0, state) + emit[state];
                let prob1 = prev_v[y1 as usize] + trans(y1, state) + emit[state];
                let (prob, from) = if prob0 > prob1 { (prob0, y0) } else { (prob1, y1) };
                curr[state] = prob;
                hmm_prev[4 * t + state] = from;
            }
            prev_v = curr;
        }
        let mut state = if prev_v[E as usize] > prev_v[S as usize] { E } else { S };
        hmm_path[count - 1] = state;
        for t in (1..count).rev() {
            state = hmm_prev[4 * t + state as usize];
            hmm_path[t - 1] = state;
        }
    }
}
