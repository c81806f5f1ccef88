//! `jieba.posseg.cut`: words with their part-of-speech tags, following
//! Python jieba 0.42.1's `POSTokenizer` step for step. Its segmentation
//! differs from `jieba.cut`'s: other blocks (`re_han_internal`), and the
//! runs the route leaves go to the tagging HMM, whose states are
//! (position, tag) pairs, instead of the word HMM.

use crate::cut::{is_han, single, single_ascii_alphanumeric, Block, RouteStep, Scratch, Segmenter};
use crate::dict::PosTables;
use crate::format::{POS_HAS_EMIT, POS_IN_CHAR_STATES, POS_MASK_WORDS};
use crate::Tagged;

/// jieba's `re_han_internal`: the blocks the DAG tags.
#[inline(always)]
fn in_posseg_block(c: char) -> bool {
    is_han(c) || c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_')
}

/// A set of tagging-HMM states.
type Mask = [u64; POS_MASK_WORDS];

fn mask_set(mask: &mut Mask, state: usize) {
    mask[state / 64] |= 1 << (state % 64);
}

/// The states `0..count`, a word at a time.
fn mask_below(count: usize) -> Mask {
    let mut mask: Mask = [0; POS_MASK_WORDS];
    for (w, word) in mask.iter_mut().enumerate() {
        let bits = count.saturating_sub(w * 64).min(64);
        *word = if bits == 64 { !0 } else { (1u64 << bits) - 1 };
    }
    mask
}

/// The states of `mask`, in increasing order: a step per state in it, not
/// per state there could be (testing all 256 bits was most of a tagged
/// request's instructions).
fn mask_states(mask: &Mask) -> impl Iterator<Item = usize> + '_ {
    mask.iter().enumerate().flat_map(|(w, &bits)| {
        let mut bits = bits;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                w * 64 + b
            })
        })
    })
}

/// A character's tagging-HMM data: its emissions, and the states
/// `char_state_tab` lists for it (`None` if it lists none).
fn char_data<'t>(pos: &PosTables<'t>, c: char, count: usize) -> (Emissions<'t>, Option<Mask>) {
    let entries = pos.entries(c);
    let states = pos.entry_states.get(entries.clone()).unwrap_or_default();
    let emits = pos.entry_emits.get(entries).unwrap_or_default();
    let mut listed: Mask = [0; POS_MASK_WORDS];
    let mut any = false;
    for &entry in states {
        let state = (entry & 0xff) as usize;
        if entry & POS_IN_CHAR_STATES != 0 && state < count {
            mask_set(&mut listed, state);
            any = true;
        }
    }
    (Emissions { states, emits, at: 0 }, any.then_some(listed))
}

/// A character's emission log-probabilities, asked for in increasing state
/// order: a walk along its entries (sorted by state), where a dense table
/// of every state would be reset at every character.
struct Emissions<'t> {
    states: &'t [u16],
    emits: &'t [f64],
    at: usize,
}

impl Emissions<'_> {
    /// `emit_p[state].get(c, MIN_FLOAT)`; `state` at least the last one asked.
    #[inline(always)]
    fn of(&mut self, state: usize) -> f64 {
        while let Some(&entry) = self.states.get(self.at) {
            let listed = (entry & 0xff) as usize;
            if listed > state {
                break;
            }
            self.at += 1;
            if listed == state && entry & POS_HAS_EMIT != 0 {
                return self.emits.get(self.at - 1).copied().unwrap_or(crate::dict::MIN_FLOAT);
            }
        }
        crate::dict::MIN_FLOAT
    }
}

impl<'d> Segmenter<'d, '_> {
    /// `jieba.posseg.cut(text, HMM=hmm)`.
    pub(crate) fn posseg<'a>(&mut self, text: &'a str, hmm: bool, emit: &mut impl FnMut(Tagged<'a>))
    where
        'd: 'a,
    {
        self.for_each_run(text, in_posseg_block, |this, block, matched| {
            if !matched {
                // Split by `(\r\n|\s)`; separators and every other character are tagged x.
                let n = this.scratch.chars.len();
                let mut i = 0;
                while i < n {
                    let len = if this.char_at(i) == '\r' && this.char_at(i + 1) == '\n' { 2 } else { 1 };
                    emit(this.tagged(block, i, i + len, "x"));
                    i += len;
                }
            } else if hmm {
                this.posseg_dag(block, emit);
            } else {
                this.posseg_dag_no_hmm(block, emit);
            }
        });
    }

    fn tagged<'a>(&self, block: Block<'a>, x: usize, y: usize, tag: &'a str) -> Tagged<'a>
    where
        'd: 'a,
    {
        Tagged { word: self.slice(block, x, y), tag, start: block.base + x, end: block.base + y }
    }

    /// Characters `x..y` tagged as jieba's `word_tag_tab.get(word, 'x')`:
    /// read from the route when its step at `x` is that word, found by the
    /// dictionary's walk (looking every word up again was a tenth of a
    /// tagged request), else looked up.
    fn dict_tagged<'a>(&self, block: Block<'a>, x: usize, y: usize) -> Tagged<'a>
    where
        'd: 'a,
    {
        let word = self.slice(block, x, y);
        let tag = match self.route_slot(x, y) {
            0 => self.word_tag(word),
            slot => self.dict.tag_at(slot),
        };
        Tagged { word, tag, start: block.base + x, end: block.base + y }
    }

    /// `POSTokenizer.__cut_DAG`: as `cut`'s, but unjoined runs that are not
    /// words go to `__cut_detail`.
    fn posseg_dag<'a>(&mut self, block: Block<'a>, emit: &mut impl FnMut(Tagged<'a>))
    where
        'd: 'a,
    {
        self.walk_route(single, |this, step| match step {
            RouteStep::Word(x, y) => emit(this.dict_tagged(block, x, y)),
            RouteStep::Run(x, y) if y - x == 1 => emit(this.dict_tagged(block, x, y)),
            RouteStep::Run(x, y) if !this.block_has_freq(block, x, y) => this.cut_detail(block, x, y, emit),
            RouteStep::Run(x, y) => (x..y).for_each(|i| emit(this.dict_tagged(block, i, i + 1))),
        });
    }

    /// `POSTokenizer.__cut_DAG_NO_HMM`: the route's words, runs of single
    /// ASCII letters and digits joined and tagged `eng`.
    fn posseg_dag_no_hmm<'a>(&mut self, block: Block<'a>, emit: &mut impl FnMut(Tagged<'a>))
    where
        'd: 'a,
    {
        self.walk_route(single_ascii_alphanumeric, |this, step| match step {
            RouteStep::Word(x, y) => emit(this.dict_tagged(block, x, y)),
            RouteStep::Run(x, y) => emit(this.tagged(block, x, y, "eng")),
        });
    }

    /// `POSTokenizer.__cut_detail` of characters `x..y`: runs of Chinese
    /// characters through the tagging HMM; the rest split by
    /// `([\.0-9]+|[a-zA-Z0-9]+)`, numbers tagged `m`, words `eng`, the gaps `x`.
    fn cut_detail<'a>(&mut self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Tagged<'a>))
    where
        'd: 'a,
    {
        self.for_each_han_run(x, y, |this, i, j, han| match han {
            true => this.tag_hmm_words(block, i, j, emit),
            false => this.detail_split(block, i, j, emit),
        });
    }

    fn detail_split<'a>(&self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Tagged<'a>))
    where
        'd: 'a,
    {
        let number = |k: usize| k < y && matches!(self.char_at(k), '.' | '0'..='9');
        let alnum = |k: usize| k < y && self.char_at(k).is_ascii_alphanumeric();
        let mut gap = x;
        let mut k = x;
        while k < y {
            let start = k;
            let tag = if number(k) {
                while number(k) {
                    k += 1;
                }
                "m"
            } else if alnum(k) {
                while alnum(k) {
                    k += 1;
                }
                "eng"
            } else {
                k += 1;
                continue;
            };
            if gap < start {
                emit(self.tagged(block, gap, start, "x"));
            }
            emit(self.tagged(block, start, k, tag));
            gap = k;
        }
        if gap < y {
            emit(self.tagged(block, gap, y, "x"));
        }
    }

    /// `POSTokenizer.__cut`: the tagging HMM's path over characters `x..y`;
    /// a word ends at each E or S state and takes that state's tag; what
    /// follows the last one is a word with the tag of its first state.
    ///
    /// jieba starts an E's word at the last B; here it starts where the
    /// last word ended, and an S first closes what is open before it. On a
    /// path of the HMM's own transitions (B, M… then E; S or E before B or
    /// S) the two are the same words. On any other path, which only a
    /// damaged layer gives, no character is dropped or repeated.
    fn tag_hmm_words<'a>(&mut self, block: Block<'a>, x: usize, y: usize, emit: &mut impl FnMut(Tagged<'a>))
    where
        'd: 'a,
    {
        self.pos_viterbi(x, y);
        let dict = self.dict;
        let state_of = |path: &[u8], k: usize| {
            let state = path.get(k - x).copied().unwrap_or(0) as usize;
            let word = dict.pos.states.get(state).copied().unwrap_or(0);
            ((word >> 16) as u8, dict.tag_name((word & 0xffff) as usize))
        };
        let mut next = x;
        for k in x..y {
            let (position, tag) = state_of(&self.scratch.pos_path, k);
            match position {
                b'E' => {
                    emit(self.tagged(block, next, k + 1, tag));
                    next = k + 1;
                }
                b'S' => {
                    if next < k {
                        let (_, open) = state_of(&self.scratch.pos_path, next);
                        emit(self.tagged(block, next, k, open));
                    }
                    emit(self.tagged(block, k, k + 1, tag));
                    next = k + 1;
                }
                _ => {}
            }
        }
        if next < y {
            let (_, tag) = state_of(&self.scratch.pos_path, next);
            emit(self.tagged(block, next, y, tag));
        }
    }

    /// jieba's `posseg.viterbi` over characters `x..y`, into `pos_path`.
    ///
    /// At each character the candidate states are those `char_state_tab`
    /// lists for it (all states if it lists none) that some previous state
    /// can move to; if none can, every state a previous one can move to
    /// (all states, if none). Each candidate takes the best previous state
    /// (`prev + trans + emit`, a missing transition `-inf`, a missing
    /// emission MIN_FLOAT); ties go to the higher-numbered state, as
    /// Python's `max` over `(prob, state)` tuples breaks them, and state
    /// numbers follow Python's order of the tuples.
    fn pos_viterbi(&mut self, x: usize, y: usize) {
        let dict = self.dict;
        let pos = &dict.pos;
        let count = pos.count();
        if self.out_of_work {
            return;
        }
        let work_left = &mut self.work_left;
        let out_of_work = &mut self.out_of_work;
        let Scratch { chars, pos_scores, pos_back, pos_path, .. } = &mut *self.scratch;
        let run = chars.get(x..y).unwrap_or_default();
        let len = run.len();
        pos_path.clear();
        pos_path.resize(len, 0);
        if len == 0 || count == 0 {
            return;
        }
        let all = mask_below(count);
        // Neither table is cleared: a score or a back pointer is read only
        // for a state written at that character.
        if pos_back.len() < len * count {
            pos_back.resize(len * count, 0);
        }
        if pos_scores.len() < 2 * count {
            pos_scores.resize(2 * count, f64::NEG_INFINITY);
        }

        let (mut emissions, listed) = char_data(pos, run[0].1, count);
        let mut present = listed.unwrap_or(all);
        let (mut prev, mut curr) = pos_scores.split_at_mut(count);
        for state in mask_states(&present) {
            prev[state] = pos.start.get(state).copied().unwrap_or(crate::dict::MIN_FLOAT) + emissions.of(state);
        }
        for t in 1..len {
            // The previous states that lead somewhere, and where they lead.
            let mut from: Mask = [0; POS_MASK_WORDS];
            let mut expect: Mask = [0; POS_MASK_WORDS];
            for state in mask_states(&present) {
                let next = pos.next(state);
                if next.iter().any(|&w| w != 0) {
                    mask_set(&mut from, state);
                    for (e, n) in expect.iter_mut().zip(next) {
                        *e |= n;
                    }
                }
            }
            if from.iter().all(|&w| w == 0) {
                // jieba's max() over no states would raise; keep every state.
                from = present;
            }
            let last = mask_states(&from).last().unwrap_or(0) as u8;
            let (mut emissions, listed) = char_data(pos, run[t].1, count);
            let listed = listed.unwrap_or(all);
            let mut obs: Mask = [0; POS_MASK_WORDS];
            for w in 0..POS_MASK_WORDS {
                obs[w] = listed[w] & expect[w];
            }
            if obs.iter().all(|&w| w == 0) {
                obs = if expect.iter().any(|&w| w != 0) { expect } else { all };
            }
            // Each candidate takes the best of its predecessors, visited in
            // increasing order so that `>=` gives a tie to the higher one as
            // Python's max does. Any other previous state scores it -inf, so
            // it is the best only if they all do.
            let back = &mut pos_back[t * count..(t + 1) * count];
            // Each character costs its emissions and every pair scored.
            let mut work = count as u64;
            for state in mask_states(&obs) {
                let emit = emissions.of(state);
                // trans_p[y0][state] for every y0, `count` apart.
                let column = pos.trans.get(state..).unwrap_or_default();
                let mut best = f64::NEG_INFINITY;
                let mut best_from = 0;
                for (w, (&p, &f)) in pos.prev(state).iter().zip(&from).enumerate() {
                    let mut bits = p & f;
                    while bits != 0 {
                        // Counted here, not by count_ones: x86_64's baseline has no popcnt.
                        work += 1;
                        let y0 = w * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        let step = column.get(y0 * count).copied().unwrap_or(f64::NEG_INFINITY);
                        let prob = prev[y0] + step + emit;
                        if prob >= best {
                            best = prob;
                            best_from = y0 as u8;
                        }
                    }
                }
                curr[state] = best;
                // Python's max over (prob, state) tuples that are all -inf
                // takes the highest previous state.
                back[state] = if best == f64::NEG_INFINITY { last } else { best_from };
            }
            if let Some(left) = work_left {
                if work > *left {
                    *left = 0;
                    *out_of_work = true;
                    return;
                }
                *left -= work;
            }
            present = obs;
            std::mem::swap(&mut prev, &mut curr);
        }
        let mut best = f64::NAN;
        let mut state = 0usize;
        for s in mask_states(&present) {
            if best.is_nan() || prev[s] >= best {
                best = prev[s];
                state = s;
            }
        }
        pos_path[len - 1] = state as u8;
        for t in (1..len).rev() {
            state = pos_back[t * count + state] as usize;
            pos_path[t - 1] = state as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_list_their_states_in_order() {
        let mut mask: Mask = [0; POS_MASK_WORDS];
        for s in [200, 3, 64, 0] {
            mask_set(&mut mask, s);
        }
        assert_eq!(mask_states(&mask).collect::<Vec<_>>(), [0, 3, 64, 200]);
        mask_set(&mut mask, 255);
        assert_eq!(mask_states(&mask).collect::<Vec<_>>(), [0, 3, 64, 200, 255]);
    }

    #[test]
    fn mask_below_holds_exactly_the_states_under_count() {
        for count in [0, 1, 63, 64, 65, 128, 200, 255, 256] {
            assert_eq!(mask_states(&mask_below(count)).collect::<Vec<_>>(), (0..count).collect::<Vec<_>>());
        }
    }
}
