//! `jieba.cut` over the mapped dictionary: precise mode with and without the
//! HMM, full mode and search mode, following Python jieba 0.42.1 step for
//! step (the same blocks, the same DAG and route with the same
//! floating-point scores and tie-breaks, the same treatment of what the
//! route leaves unjoined), so the words are identical; only the data
//! structures differ. Words are handed out with their character offsets.

use std::borrow::Cow;
use std::cell::RefCell;

use crate::added::{AddedWords, Additions, EntryView, Freq};
use crate::dict::Dict;
use crate::format::NONE;
use crate::userdict::UserDict;
use crate::Token;

/// Characters jieba's `re_han_default` joins into blocks the DAG segments.
#[inline(always)]
pub(crate) fn in_default_block(c: char) -> bool {
    is_han(c) || c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')
}

/// `[\u4E00-\u9FD5]`: the characters the HMMs run over.
#[inline(always)]
pub(crate) fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FD5}').contains(&c)
}

/// Python's `\s` (`str.isspace()`): Unicode White_Space plus U+001C..U+001F.
#[inline(always)]
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A route step: the best score of the rest of the block from a character,
/// and the character after the chosen word.
#[derive(Clone, Copy)]
pub(crate) struct Step {
    pub prob: f64,
    pub end: u32,
    /// The trie slot where the chosen word ends, when the dictionary's words
    /// alone were walked (0, the root, otherwise and for a character no
    /// word starts with): its tag and IDF without walking the trie again.
    /// It fills what was padding.
    pub slot: u32,
}

/// The frequency [`Scratch::route_freqs`] gives a character the DAG has no
/// word for: what jieba's `FREQ.get(c, 1)` gives it (0 or 1) is left to a
/// lookup. (A word added with this frequency is looked up too, and found with it.)
pub(crate) const NOT_A_WORD: Freq = Freq::MAX;

/// Where a DAG word's frequency is: read only by the callers that need it.
#[derive(Clone, Copy)]
pub(crate) enum WordFreq {
    /// The dictionary's, for the word field.
    Listed(u32),
    /// An added word's.
    Given(Freq),
}

/// Buffers reused across calls on a thread.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The block's characters: byte offset in the block, and value.
    pub chars: Vec<(u32, char)>,
    /// A block's characters' trie codes (0: in no word), beside `chars`.
    pub codes: Vec<u32>,
    pub route: Vec<Step>,
    /// The frequency of each route step's word, when asked for ([`NOT_A_WORD`]: none).
    pub route_freqs: Vec<Freq>,
    /// Word-HMM Viterbi back-pointers, 4 per character, and the best path.
    pub hmm_prev: Vec<u8>,
    pub hmm_path: Vec<u8>,
    /// Full mode: the ends of the words starting at a character.
    pub ends: Vec<usize>,
    /// Tagging-HMM Viterbi: scores, back-pointers (one per state and
    /// character), the best path.
    pub pos_scores: Vec<f64>,
    pub pos_back: Vec<u8>,
    pub pos_path: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (fresh ones if they are busy).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = f(&mut scratch);
            // Do not pin the memory of a huge input forever.
            if scratch.route.capacity() > 1 << 18 || scratch.pos_back.capacity() > 1 << 22 {
                *scratch = Scratch::default();
            }
            result
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Splits `text` at `pos` into the next maximal run of characters on which
/// `class` agrees, recording its characters (offsets relative to the run)
/// and, for a run in the class (a block to segment), their trie codes.
/// Returns the run's end and whether it is in the class.
#[inline(always)]
fn next_run(
    text: &str,
    pos: usize,
    class: impl Fn(char) -> bool,
    dict: &Dict,
    chars: &mut Vec<(u32, char)>,
    codes: &mut Vec<u32>,
) -> (usize, bool) {
    chars.clear();
    codes.clear();
    let rest = text.get(pos..).unwrap_or_default();
    let mut iter = rest.char_indices();
    let Some((_, first)) = iter.next() else { return (pos, false) };
    let matched = class(first);
    chars.push((0, first));
    // The run's end is found once, where it stops, not kept up at every character.
    let mut end = rest.len();
    if matched {
        // Coded here, in the pass that reads the characters: a second pass
        // over them was a twentieth of a default-mode cut.
        codes.push(dict.code(first));
        for (i, c) in iter {
            if !class(c) {
                end = i;
                break;
            }
            chars.push((i as u32, c));
            codes.push(dict.code(c));
        }
    } else {
        for (i, c) in iter {
            if class(c) {
                end = i;
                break;
            }
            chars.push((i as u32, c));
        }
    }
    (pos + end, matched)
}

/// A block being segmented: its text and the index of its first character
/// in the whole text. Its characters are in the scratch buffers.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    pub text: &'a str,
    pub base: usize,
}

pub(crate) struct Segmenter<'d, 's> {
    /// Borrowed, not copied: a segmenter is made per call, and the view of
    /// the mapped sections is a few hundred bytes.
    pub dict: &'s Dict<'d>,
    pub scratch: &'s mut Scratch,
    /// Words the user layer added (`load_userdict`), and words this request
    /// added on top (`add_word`), if any.
    pub user: Option<UserDict<'d>>,
    pub added: Option<&'d AddedWords>,
    /// jieba's `log(total)`, added words included.
    log_total: f64,
    /// Tagging-HMM steps (state pairs scored) still allowed; once spent,
    /// the tagging HMM stops and `work_left` stays `Some(0)`.
    pub work_left: Option<u64>,
    pub out_of_work: bool,
}

impl<'d, 's> Segmenter<'d, 's> {
    /// Segments with `dict` and, on top, the user layer's words and a
    /// request's, if any.
    pub(crate) fn new(
        dict: &'s Dict<'d>,
        user: Option<UserDict<'d>>,
        added: Option<&'d AddedWords>,
        scratch: &'s mut Scratch,
    ) -> Self {
        let log_total = match (added, &user) {
            (Some(added), _) => added.log_total(),
            (None, Some(user)) => user.log_total(),
            (None, None) => dict.log_total,
        };
        Segmenter { dict, scratch, user, added, log_total, work_left: None, out_of_work: false }
    }

    /// Splits `text` into maximal runs of `class` and not-`class` characters
    /// (jieba's `re_han.split`), leaves each run's characters in
    /// `scratch.chars` (and a `class` run's trie codes in `scratch.codes`),
    /// and hands `each` the run and whether it is of `class`.
    pub fn for_each_run<'a>(
        &mut self,
        text: &'a str,
        class: impl Fn(char) -> bool,
        mut each: impl FnMut(&mut Self, Block<'a>, bool),
    ) {
        let mut pos = 0;
        let mut base = 0;
        while pos < text.len() {
            let Scratch { chars, codes, .. } = &mut *self.scratch;
            let (end, matched) = next_run(text, pos, &class, self.dict, chars, codes);
            if end <= pos {
                break;
            }
            let n = self.scratch.chars.len();
            each(self, Block { text: &text[pos..end], base }, matched);
            base += n;
            pos = end;
        }
    }

    /// The byte offset of the block's character `idx` (its length past the end).
    #[inline(always)]
    pub fn byte_at(&self, block: Block, idx: usize) -> usize {
        self.scratch.chars.get(idx).map_or(block.text.len(), |&(offset, _)| offset as usize)
    }

    /// Characters `x..y` of the block, as text.
    #[inline(always)]
    pub fn slice<'a>(&self, block: Block<'a>, x: usize, y: usize) -> &'a str {
        block.text.get(self.byte_at(block, x)..self.byte_at(block, y)).unwrap_or_default()
    }

    #[inline(always)]
    pub fn char_at(&self, idx: usize) -> char {
        self.scratch.chars.get(idx).map_or('\0', |&(_, c)| c)
    }

    /// Characters `x..y` of the block as a token.
    #[inline(always)]
    pub fn token<'a>(&self, block: Block<'a>, x: usize, y: usize) -> Token<'a> {
        Token { word: Cow::Borrowed(self.slice(block, x, y)), start: block.base + x, end: block.base + y, slot: 0 }
    }

    /// The routed block's step `x..y` as a token, with the trie slot of its
    /// word when the route found it among the dictionary's words alone.
    #[inline(always)]
    pub fn routed_token<'a>(&self, block: Block<'a>, x: usize, y: usize) -> Token<'a> {
        Token { slot: self.route_slot(x, y), ..self.token(block, x, y) }
    }

    /// The trie slot of the routed block's step `x..y` (0: none, see [`Step::slot`]).
    #[inline(always)]
    pub fn route_slot(&self, x: usize, y: usize) -> u32 {
        match self.scratch.route.get(x) {
            Some(step) if step.end as usize == y => step.slot,
            _ => 0,
        }
    }

    /// jieba's route through the block's DAG (`calc`), over the codes
    /// [`Segmenter::for_each_run`] left: from the last character back, each position takes
    /// the word (shortest first, a tie going to the longer) maximizing
    /// `log(freq) - log(total)` plus the score of the rest; a character
    /// starting no word scores `log(1) - log(total)`. The words starting at a
    /// position are found by walking the trie right there: no DAG is stored.
    pub fn route_block(&mut self) {
        let n = self.scratch.codes.len();
        let Scratch { chars, codes, route, .. } = &mut *self.scratch;
        route.clear();
        route.resize(n + 1, Step { prob: 0.0, end: n as u32, slot: 0 });
        if self.user.is_none() && self.added.is_none() {
            return calc_listed(self.dict, self.log_total, codes, route);
        }
        let char_at = |j: usize| chars.get(j).map_or('\0', |&(_, c)| c);
        calc::<false>(self.dict, self.user, self.added, self.log_total, codes, char_at, route, &mut []);
    }

    /// The entry of `word` among the added words: this request's first, then the user layer's.
    fn added_entry(&self, word: &str) -> Option<EntryView<'d>> {
        self.added.and_then(|a| a.get(word)).or_else(|| self.user.and_then(|u| u.get(word)))
    }

    /// jieba's DAG entry for the block's character `idx`: `found(end,
    /// log(freq), where its freq is)` for every word of non-zero frequency starting there,
    /// shortest first, walking while the text so far is a known word or
    /// prefix (`frag in FREQ`). An added word's frequency replaces the
    /// dictionary's; a prefix of an added word leaves the dictionary's alone.
    #[inline(always)]
    fn dag_at(&self, idx: usize, found: impl FnMut(usize, f64, WordFreq)) {
        let chars = &self.scratch.chars;
        let char_at = |j: usize| chars.get(j).map_or('\0', |&(_, c)| c);
        dag_walk(self.dict, self.user, self.added, &self.scratch.codes, char_at, idx, found);
    }

    /// jieba's `FREQ.get(word)` is truthy: a word of non-zero frequency,
    /// added words first.
    pub fn has_freq(&self, word: &str) -> bool {
        match self.added_entry(word) {
            Some(entry) => entry.freq > 0,
            None => self.dict.has_freq(word),
        }
    }

    /// jieba's `word_tag_tab.get(word, 'x')`, added words' tags first.
    pub fn word_tag(&self, word: &str) -> &'d str {
        let added = self.added.and_then(|a| a.get(word)).and_then(|e| e.tag);
        match added.or_else(|| self.user.and_then(|u| u.get(word)).and_then(|e| e.tag)) {
            Some(tag) => tag,
            None => self.dict.word_tag(word),
        }
    }

    /// The end of the route's word starting at `x` (at least `x + 1`).
    #[inline(always)]
    pub fn route_end(&self, x: usize) -> usize {
        let n = self.scratch.chars.len();
        self.scratch.route.get(x).map_or(n, |s| s.end as usize).clamp(x + 1, n.max(x + 1))
    }

    /// Whether characters `x..y` of the routed block are a word of non-zero frequency.
    pub fn block_has_freq(&self, block: Block, x: usize, y: usize) -> bool {
        if self.added.is_some() || self.user.is_some() {
            return self.has_freq(self.slice(block, x, y));
        }
        self.scratch.codes.get(x..y).is_some_and(|codes| self.dict.codes_have_freq(codes))
    }

    /// `jieba.cut(text, cut_all=False, HMM=hmm)`.
    pub(crate) fn cut<'a>(&mut self, text: &'a str, hmm: bool, emit: &mut impl FnMut(Token<'a>)) {
        self.for_each_run(text, in_default_block, |this, block, matched| {
            if !matched {
                this.cut_skipped(block, false, emit);
            } else if hmm {
                this.cut_dag(block, emit);
            } else {
                this.cut_dag_no_hmm(block, emit);
            }
        });
    }

    /// A block outside `re_han_default`, split by `(\r\n|\s)`: each
    /// separator is a word; in precise mode every other character is a word
    /// of its own, in full mode the text between separators is one word,
    /// even when empty (as jieba yields it).
    fn cut_skipped<'a>(&self, block: Block<'a>, full: bool, emit: &mut impl FnMut(Token<'a>)) {
        let n = self.scratch.chars.len();
        let mut piece = 0;
        let mut i = 0;
        while i < n {
            let c = self.char_at(i);
            let sep = if c == '\r' && self.char_at(i + 1) == '\n' { 2 } else { usize::from(is_py_space(c)) };
            if sep == 0 {
                if !full {
                    emit(self.token(block, i, i + 1));
                }
                i += 1;
                continue;
            }
            if full {
                emit(self.token(block, piece, i));
            }
            emit(self.token(block, i, i + sep));
            i += sep;
            piece = i;
        }
        if full {
            emit(self.token(block, piece, n));
        }
    }

    /// Splits characters `x..y` of the block into maximal runs of Chinese
    /// characters (`[\u4E00-\u9FD5]+`, what the HMMs see) and of the rest,
    /// as `re_han.split` does, handing `each` each run and whether it is Chinese.
    pub fn for_each_han_run(&mut self, x: usize, y: usize, mut each: impl FnMut(&mut Self, usize, usize, bool)) {
        let mut i = x;
        while i < y {
            let han = is_han(self.char_at(i));
            let mut j = i + 1;
            while j < y && is_han(self.char_at(j)) == han {
                j += 1;
            }
            each(self, i, j, han);
            i = j;
        }
    }

    /// Walks the routed block as jieba's `__cut_DAG` and `__cut_DAG_NO_HMM`
    /// do: route steps for which `joins(x, y)` holds gather into runs
    /// (`RouteStep::Run`), every other step is a word (`RouteStep::Word`),
    /// in order.
    pub fn walk_route(
        &mut self,
        joins: impl Fn(&Self, usize, usize) -> bool,
        mut each: impl FnMut(&mut Self, RouteStep),
    ) {
        self.route_block();
        let n = self.scratch.chars.len();
        let mut x = 0;
        let mut buf: Option<usize> = None;
        while x < n {
            let y = self.route_end(x);
            if joins(self, x, y) {
                buf.get_or_insert(x);
            } else {
                if let Some(start) = buf.take() {
                    each(self, RouteStep::Run(start, x));
                }
                each(self, RouteStep::Word(x, y));
            }
            x = y;
        }
        if let Some(start) = buf {
            each(self, RouteStep::Run(start, n));
        }
    }

    /// jieba's `__cut_DAG`: the route's words; runs of single characters it
    /// leaves are gathered, and a run of two or more that is not itself a
    /// word goes to the word HMM (`finalseg.cut`), else is split into characters.
    fn cut_dag<'a>(&mut self, block: Block<'a>, emit: &mut impl FnMut(Token<'a>)) {
        self.walk_route(single, |this, step| match step {
            RouteStep::Word(x, y) => emit(this.routed_token(block, x, y)),
            RouteStep::Run(x, y) if y - x == 1 => emit(this.routed_token(block, x, y)),
            RouteStep::Run(x, y) if !this.block_has_freq(block, x, y) => this.finalseg(block, x, y, emit),
            RouteStep::Run(x, y) => (x..y).for_each(|i| emit(this.routed_token(block, i, i + 1))),
        });
    }

    /// jieba's `__cut_DAG_NO_HMM`: the route's words, with runs of single
    /// ASCII letters and digits joined into one word.
    fn cut_dag_no_hmm<'a>(&mut self, block: Block<'a>, emit: &mut impl FnMut(Token<'a>)) {
        // No slots: only TF-IDF reads them, and it cuts with the HMM.
        self.walk_route(single_ascii_alphanumeric, |this, step| match step {
            RouteStep::Word(x, y) | RouteStep::Run(x, y) => emit(this.token(block, x, y)),
        });
    }

    /// `jieba.cut(text, cut_all=True)`.
    pub(crate) fn cut_all<'a>(&mut self, text: &'a str, emit: &mut impl FnMut(Token<'a>)) {
        self.for_each_run(text, in_default_block, |this, block, matched| {
            if matched {
                this.cut_all_block(block, emit);
            } else {
                this.cut_skipped(block, true, emit);
            }
        });
    }

    /// jieba's `__cut_all`: every word of the DAG longer than a character,
    /// and the single characters no earlier word covered; runs of those that
    /// start with an ASCII letter or digit are joined (its `eng_buf`, which,
    /// like jieba's, can skip characters other words covered).
    fn cut_all_block<'a>(&mut self, block: Block<'a>, emit: &mut impl FnMut(Token<'a>)) {
        let n = self.scratch.chars.len();
        // Python's old_j, plus one: the end of the last word yielded.
        let mut covered = 0usize;
        let mut eng: Option<EngBuf> = None;
        let mut ends = std::mem::take(&mut self.scratch.ends);
        for k in 0..n {
            let alnum = self.char_at(k).is_ascii_alphanumeric();
            if !alnum {
                if let Some(buf) = eng.take() {
                    emit(buf.into_token(self, block));
                }
            }
            ends.clear();
            self.dag_at(k, |end, _, _| ends.push(end));
            if ends.is_empty() {
                ends.push(k + 1);
            }
            if ends.len() == 1 && k + 1 > covered {
                let end = ends[0];
                if alnum {
                    match &mut eng {
                        Some(buf) => buf.push(self, block, k, end),
                        None => eng = Some(EngBuf { start: k, end, owned: None }),
                    }
                } else {
                    emit(self.token(block, k, end));
                }
                covered = end;
            } else {
                for &end in ends.iter() {
                    if end > k + 1 {
                        emit(self.token(block, k, end));
                        covered = end;
                    }
                }
            }
        }
        if let Some(buf) = eng {
            emit(buf.into_token(self, block));
        }
        self.scratch.ends = ends;
    }
}

/// jieba's DAG entry for character `idx` of a block whose trie codes are
/// `codes` and characters `char_at(j)`: see [`Segmenter::dag_at`].
#[inline(always)]
fn dag_walk(
    dict: &Dict,
    user: Option<UserDict>,
    added: Option<&AddedWords>,
    codes: &[u32],
    char_at: impl Fn(usize) -> char,
    idx: usize,
    mut found: impl FnMut(usize, f64, WordFreq),
) {
    // Most positions start no added word: the dictionary's walk alone.
    let c = char_at(idx);
    let added = added.filter(|a| a.may_start(c));
    let user = user.filter(|u| u.may_start(c));
    if added.is_none() && user.is_none() {
        dict.words_at(codes, idx, |end, info, _| found(end, dict.log_freq(info), WordFreq::Listed(info)));
        return;
    }
    let mut main = Some(dict.root());
    let mut over = added.map(|_| 0);
    let mut under = user.map(|_| 0);
    let mut j = idx;
    while j < codes.len() {
        let code = codes[j];
        let c = char_at(j);
        let stepped = main.filter(|_| code != 0).and_then(|node| dict.child(node, code));
        let over_stepped = over.and_then(|cursor| added.and_then(|a| a.step(cursor, c)));
        let under_stepped = under.and_then(|cursor| user.and_then(|u| u.step(cursor, c)));
        if stepped.is_none() && over_stepped.is_none() && under_stepped.is_none() {
            break;
        }
        j += 1;
        let entry = over_stepped.and_then(|(_, e)| e).or_else(|| under_stepped.and_then(|(_, e)| e));
        match entry {
            Some(entry) if entry.freq > 0 => found(j, entry.log_freq(), WordFreq::Given(entry.freq)),
            Some(_) => {}
            None => {
                if let Some((_, info)) = stepped.filter(|&(_, info)| info != NONE && dict.counts(info)) {
                    found(j, dict.log_freq(info), WordFreq::Listed(info));
                }
            }
        }
        main = stepped.map(|(node, _)| node);
        over = over_stepped.map(|(cursor, _)| cursor);
        under = under_stepped.map(|(cursor, _)| cursor);
    }
}

/// jieba's `calc` over one block, from its last character back: each
/// position takes the word (shortest first, a tie going to the longer)
/// maximizing `log(freq) - log(total)` plus the score of the rest; a
/// character starting no word scores `log(1) - log(total)`. `route` has a
/// step per character and one past the end (`{0, n}`), `codes` and
/// `char_at` are the block's. With `FREQS`, `freqs` (as long as `route`)
/// gets the frequency of each step's word ([`NOT_A_WORD`]: none), and the
/// frequency of the whole block as a word is returned, if it is one.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn calc<const FREQS: bool>(
    dict: &Dict,
    user: Option<UserDict>,
    added: Option<&AddedWords>,
    log_total: f64,
    codes: &[u32],
    char_at: impl Fn(usize) -> char,
    route: &mut [Step],
    freqs: &mut [Freq],
) -> Option<Freq> {
    let n = codes.len();
    // A route one step longer than the block, so its indexing needs no checks.
    let route = route.get_mut(..n + 1)?;
    let log1 = 0.0f64 - log_total;
    let freq_of = |word: WordFreq| match word {
        WordFreq::Listed(info) => Freq::from(dict.freq_of(info)),
        WordFreq::Given(freq) => freq,
    };
    let mut whole = None;
    for idx in (0..n).rev() {
        let mut best: Option<Step> = None;
        let mut best_freq = NOT_A_WORD;
        let rest = &route[..];
        dag_walk(dict, user, added, codes, &char_at, idx, |end, log_freq, word| {
            if FREQS && idx == 0 && end == n {
                whole = Some(freq_of(word));
            }
            let prob = log_freq - log_total + rest.get(end).map_or(0.0, |s| s.prob);
            match best {
                Some(b) if !(prob > b.prob || (prob == b.prob && end as u32 > b.end)) => {}
                _ => {
                    best = Some(Step { prob, end: end as u32, slot: 0 });
                    if FREQS {
                        best_freq = freq_of(word);
                    }
                }
            }
        });
        let next = rest.get(idx + 1).map_or(0.0, |s| s.prob);
        route[idx] = best.unwrap_or(Step { prob: log1 + next, end: idx as u32 + 1, slot: 0 });
        if FREQS {
            if let Some(slot) = freqs.get_mut(idx) {
                *slot = best_freq;
            }
        }
    }
    whole
}

/// [`calc`] with the dictionary's words alone, as most requests segment:
/// its own loop, out of line, so the walk keeps its state in registers
/// (inlined with the added words' walk, it spilled most of it).
#[inline(never)]
fn calc_listed(dict: &Dict, log_total: f64, codes: &[u32], route: &mut [Step]) {
    let n = codes.len();
    let Some(route) = route.get_mut(..n + 1) else { return };
    let log1 = 0.0f64 - log_total;
    for idx in (0..n).rev() {
        // Candidates come shortest first, so a later one wins a tie (`>=`).
        let mut best: Option<Step> = None;
        let rest = &route[..];
        dict.words_at(codes, idx, |end, info, slot| {
            let prob = dict.log_freq(info) - log_total + rest.get(end).map_or(0.0, |s| s.prob);
            if best.is_none_or(|b| prob >= b.prob) {
                best = Some(Step { prob, end: end as u32, slot });
            }
        });
        let next = rest.get(idx + 1).map_or(0.0, |s| s.prob);
        route[idx] = best.unwrap_or(Step { prob: log1 + next, end: idx as u32 + 1, slot: 0 });
    }
}

/// `jieba.cut(word, HMM=False)` as `suggest_freq` uses it, over `dict`
/// with `user`'s and `added`'s words (jieba's `total` then `total`): hands
/// `each` `FREQ.get(w, 1)` for each word `w` in order, without making the
/// words or a [`Segmenter`]. The route knows the frequency of the words it
/// chose; `freq_of(w)` (jieba's `FREQ.get(w, 1)`) is asked for the rest: a
/// character the DAG has no word for, a run of ASCII letters and digits
/// joined (`__cut_DAG_NO_HMM`), a character outside the blocks (each a word
/// of its own, `\r\n` one word, as `re_skip` splits).
///
/// For a word that is one block, also returns what `suggest_freq` needs of
/// `FREQ.get(word, 1)` (its frequency if above 0, else 1): the DAG knows
/// it. `None` for another word: ask `freq_of`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn no_hmm_freqs(
    dict: &Dict,
    user: Option<UserDict>,
    added: Option<&AddedWords>,
    total: Freq,
    scratch: &mut Scratch,
    word: &str,
    freq_of: impl Fn(&str) -> Freq,
    each: &mut impl FnMut(Freq),
) -> Option<Freq> {
    let Scratch { chars, codes, route, route_freqs, .. } = scratch;
    chars.clear();
    chars.extend(word.char_indices().map(|(i, c)| (i as u32, c)));
    let n = chars.len();
    let byte = |i: usize| chars.get(i).map_or(word.len(), |&(offset, _)| offset as usize);
    let slice = |x: usize, y: usize| word.get(byte(x)..byte(y)).unwrap_or_default();
    let char_at = |i: usize| chars.get(i).map_or('\0', |&(_, c)| c);
    let mut log_total = None;
    let mut own = None;
    let mut s = 0;
    while s < n {
        let block = in_default_block(char_at(s));
        let mut e = s + 1;
        while e < n && in_default_block(char_at(e)) == block {
            e += 1;
        }
        if !block {
            let mut i = s;
            while i < e {
                let len = if char_at(i) == '\r' && char_at(i + 1) == '\n' { 2 } else { 1 };
                each(freq_of(slice(i, i + len)));
                i += len;
            }
            s = e;
            continue;
        }
        codes.clear();
        codes.extend(chars[s..e].iter().map(|&(_, c)| dict.code(c)));
        route.clear();
        route.resize(e - s + 1, Step { prob: 0.0, end: (e - s) as u32, slot: 0 });
        route_freqs.clear();
        route_freqs.resize(e - s + 1, NOT_A_WORD);
        let log_total = *log_total.get_or_insert_with(|| (total as f64).ln());
        let whole = calc::<true>(dict, user, added, log_total, codes, |j| char_at(s + j), route, route_freqs);
        if s == 0 && e == n {
            own = Some(whole.unwrap_or(1));
        }
        // `__cut_DAG_NO_HMM`: the route's words, runs of single ASCII letters and digits joined.
        let mut x = s;
        let mut run: Option<usize> = None;
        while x < e {
            let y = route.get(x - s).map_or(e, |step| s + step.end as usize).clamp(x + 1, e);
            if y == x + 1 && char_at(x).is_ascii_alphanumeric() {
                run.get_or_insert(x);
            } else {
                if let Some(start) = run.take() {
                    each(freq_of(slice(start, x)));
                }
                match route_freqs.get(x - s).copied().unwrap_or(NOT_A_WORD) {
                    NOT_A_WORD => each(freq_of(slice(x, y))),
                    freq => each(freq),
                }
            }
            x = y;
        }
        if let Some(start) = run {
            each(freq_of(slice(start, e)));
        }
        s = e;
    }
    own
}

/// A step of a walk along the route: a word, or a run of steps gathered.
#[derive(Clone, Copy)]
pub(crate) enum RouteStep {
    Word(usize, usize),
    Run(usize, usize),
}

/// With the HMM, every one-character step joins the run (`__cut_DAG`).
pub(crate) fn single(_: &Segmenter, x: usize, y: usize) -> bool {
    y - x == 1
}

/// Without it, one-character steps of an ASCII letter or digit do (`__cut_DAG_NO_HMM`).
pub(crate) fn single_ascii_alphanumeric(segmenter: &Segmenter, x: usize, y: usize) -> bool {
    y - x == 1 && segmenter.char_at(x).is_ascii_alphanumeric()
}

/// Full mode's run of words starting with ASCII letters or digits, joined:
/// characters `start..end` of the block, or, once a word that does not
/// follow the last one joined it, the joined text itself.
struct EngBuf {
    start: usize,
    end: usize,
    owned: Option<String>,
}

impl EngBuf {
    fn push(&mut self, segmenter: &Segmenter, block: Block, x: usize, y: usize) {
        if self.owned.is_none() && self.end == x {
            self.end = y;
            return;
        }
        let (start, end) = (self.start, self.end);
        let owned = self.owned.get_or_insert_with(|| segmenter.slice(block, start, end).to_string());
        owned.push_str(segmenter.slice(block, x, y));
        self.end = y;
    }

    fn into_token<'a>(self, segmenter: &Segmenter, block: Block<'a>) -> Token<'a> {
        let word = match self.owned {
            Some(owned) => Cow::Owned(owned),
            None => Cow::Borrowed(segmenter.slice(block, self.start, self.end)),
        };
        Token { word, start: block.base + self.start, end: block.base + self.end, slot: 0 }
    }
}

/// Search mode: each precise word, preceded by its 2- and then 3-character
/// substrings that are words of non-zero frequency (`cut_for_search`).
/// `has_freq` says which are; with `listed` (the dictionary, when it is the
/// only word list) the substrings are walked by their characters' trie
/// codes instead, the word's characters decoded and coded once.
pub(crate) fn search_tokens<'a>(
    has_freq: &impl Fn(&str) -> bool,
    listed: Option<&Dict>,
    token: Token<'a>,
    out: &mut impl FnMut(Token<'a>),
) {
    let word = &token.word;
    // Most words are of one or two characters and have no grams: no need to
    // find their character boundaries. Longer ones keep them on the stack
    // when they fit (a list per word was a third of search mode's cost).
    // A precise-mode token's offsets count its characters.
    debug_assert_eq!(token.end - token.start, word.chars().count());
    if token.end - token.start <= 2 {
        return out(token);
    }
    const ON_STACK: usize = 16;
    // One start more than codes: the end of the last character.
    let mut on_stack = [0usize; ON_STACK + 1];
    let mut codes = [0u32; ON_STACK];
    let mut on_heap = Vec::new();
    let coded = token.end - token.start < ON_STACK;
    let starts: &[usize] = if coded {
        let mut n = 0;
        for ((slot, code), (i, c)) in on_stack.iter_mut().zip(codes.iter_mut()).zip(word.char_indices()) {
            *slot = i;
            *code = listed.map_or(0, |dict| dict.code(c));
            n += 1;
        }
        on_stack[n] = word.len();
        &on_stack[..=n]
    } else {
        on_heap.extend(word.char_indices().map(|(i, _)| i).chain([word.len()]));
        &on_heap
    };
    let n = starts.len() - 1;
    for len in [2, 3] {
        if n <= len {
            continue;
        }
        for i in 0..=n - len {
            let gram = &word[starts[i]..starts[i + len]];
            let counts = match listed {
                Some(dict) if coded => dict.codes_have_freq(&codes[i..i + len]),
                _ => has_freq(gram),
            };
            if counts {
                let gram = match &token.word {
                    Cow::Borrowed(w) => Cow::Borrowed(&w[starts[i]..starts[i + len]]),
                    Cow::Owned(_) => Cow::Owned(gram.to_string()),
                };
                out(Token { word: gram, start: token.start + i, end: token.start + i + len, slot: 0 });
            }
        }
    }
    out(token);
}
