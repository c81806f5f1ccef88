//! Segmentation over the mapped dictionary. It follows jieba-rs 0.11 step for
//! step (same blocks, same candidate words in the same order, the same
//! floating-point route scores and tie-breaks, the same HMM), so the tokens
//! are identical; only the data structures differ.
//!
//! Every read of the mapped file is bounds-checked: a corrupt file can give
//! odd words, never a panic.

use std::cell::RefCell;

use crate::format::{self, cast, Header, EMIT_INDEX_LEN, FREQ_BITS, FREQ_MASK, HMM_HAN_MAX, HMM_HAN_MIN, NONE};

const MIN_FLOAT: f64 = -3.14e100;

/// The sections of a mapped compiled dictionary, typed.
pub(crate) struct Dict<'a> {
    /// `[base, check, word]` per trie slot.
    slots: &'a [[u32; 3]],
    bmp: &'a [u16],
    astral: &'a [u32],
    log_freqs: &'a [f64],
    tag_offsets: &'a [u32],
    tag_bytes: &'a [u8],
    hmm_params: &'a [f64],
    emit_index: &'a [u16],
    emit_rows: &'a [f64],
    log_total: f64,
}

impl<'a> Dict<'a> {
    pub(crate) fn new(file: &'a [u8], header: &Header) -> Dict<'a> {
        let section = |i: usize| file.get(header.sections[i].clone()).unwrap_or_default();
        Dict {
            slots: cast(section(format::SLOTS)),
            bmp: cast(section(format::BMP_CODES)),
            astral: cast(section(format::ASTRAL_CODES)),
            log_freqs: cast(section(format::LOG_FREQS)),
            tag_offsets: cast(section(format::TAG_OFFSETS)),
            tag_bytes: section(format::TAG_BYTES),
            hmm_params: cast(section(format::HMM_PARAMS)),
            emit_index: cast(section(format::EMIT_INDEX)),
            emit_rows: cast(section(format::EMIT_ROWS)),
            log_total: header.log_total,
        }
    }

    /// The character's code in the trie, 0 if no word contains it.
    #[inline(always)]
    fn code(&self, c: char) -> u32 {
        let c = c as u32;
        if c < 0x10000 {
            return self.bmp.get(c as usize).map_or(0, |&code| code as u32);
        }
        let pairs = self.astral.len() / 2;
        let (mut lo, mut hi) = (0, pairs);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let key = self.astral.get(2 * mid).copied().unwrap_or(u32::MAX);
            if key == c {
                return self.astral.get(2 * mid + 1).copied().unwrap_or(0);
            }
            if key < c {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        0
    }

    /// The root's trie node, as [`Dict::child`] takes it.
    #[inline(always)]
    fn root(&self) -> Node {
        Node { slot: 0, base: self.slots.first().map_or(0, |root| root[0]) }
    }

    /// The child of `node` on code `code` (non-zero), and the word field
    /// there (`NONE` if no word ends there).
    #[inline(always)]
    fn child(&self, node: Node, code: u32) -> Option<(Node, u32)> {
        let t = node.base.wrapping_add(code);
        let entry = self.slots.get(t as usize)?;
        if entry[1] == node.slot && t != 0 {
            Some((Node { slot: t, base: entry[0] }, entry[2]))
        } else {
            None
        }
    }

    /// The word field of `word` if it is in the dictionary.
    fn lookup(&self, word: &str) -> Option<u32> {
        let mut node = self.root();
        let mut info = NONE;
        for c in word.chars() {
            let code = self.code(c);
            if code == 0 {
                return None;
            }
            (node, info) = self.child(node, code)?;
        }
        (info != NONE).then_some(info)
    }

    /// Whether the characters with `codes` are a dictionary word.
    fn is_word(&self, codes: &[u32]) -> bool {
        let mut node = self.root();
        let mut info = NONE;
        for &code in codes {
            if code == 0 {
                return false;
            }
            match self.child(node, code) {
                Some(step) => (node, info) = step,
                None => return false,
            }
        }
        info != NONE
    }

    /// `ln(freq)` of the word with word field `info`.
    #[inline(always)]
    fn log_freq(&self, info: u32) -> f64 {
        self.log_freqs.get((info & FREQ_MASK) as usize).copied().unwrap_or(0.0)
    }

    /// Calls `found(end, word field)` for every dictionary word starting at
    /// `codes[pos]`, shortest first (`end` is the index after its last character).
    #[inline(always)]
    fn words_at(&self, codes: &[u32], pos: usize, mut found: impl FnMut(usize, u32)) {
        let mut node = self.root();
        let mut j = pos;
        while let Some(&code) = codes.get(j) {
            if code == 0 {
                break;
            }
            let Some((next, word)) = self.child(node, code) else { break };
            j += 1;
            if word != NONE {
                found(j, word);
            }
            node = next;
        }
    }

    fn tag_name(&self, info: u32) -> &'a str {
        let tag = (info >> FREQ_BITS) as usize;
        let name = (|| {
            let start = *self.tag_offsets.get(tag)? as usize;
            let end = *self.tag_offsets.get(tag + 1)? as usize;
            std::str::from_utf8(self.tag_bytes.get(start..end)?).ok()
        })();
        name.unwrap_or("x")
    }

    #[inline(always)]
    fn emit_probs(&self, c: char) -> [f64; 4] {
        let row = (c as u32).wrapping_sub(HMM_HAN_MIN) as usize;
        if row < EMIT_INDEX_LEN {
            if let Some(&r) = self.emit_index.get(row) {
                if let Some(p) = self.emit_rows.get(4 * r as usize..4 * r as usize + 4) {
                    return [p[0], p[1], p[2], p[3]];
                }
            }
        }
        [MIN_FLOAT; 4]
    }

    #[inline(always)]
    fn hmm_param(&self, i: usize) -> f64 {
        self.hmm_params.get(i).copied().unwrap_or(MIN_FLOAT)
    }
}

/// A trie slot and its base, carried along a walk so each step loads one entry.
#[derive(Clone, Copy)]
struct Node {
    slot: u32,
    base: u32,
}

/// jieba's blocks for precise and search mode: CJK, ASCII alphanumerics and `+#&._%-`.
#[inline(always)]
fn is_han_default(c: char) -> bool {
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        true
    } else if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')
    } else {
        is_cjk_extension(c)
    }
}

#[inline]
fn is_cjk_extension(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2B73F}'
        | '\u{2B740}'..='\u{2B81F}'
        | '\u{2B820}'..='\u{2CEAF}'
        | '\u{2CEB0}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}'
    )
}

/// Full mode's blocks: CJK only.
#[inline]
fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || is_cjk_extension(c)
}

/// Outside full mode's blocks, runs of these form one token.
#[inline]
fn joins_in_full_mode(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '#' || c == '\n'
}

#[inline]
fn is_hmm_han(c: char) -> bool {
    (HMM_HAN_MIN..=HMM_HAN_MAX).contains(&(c as u32))
}

#[inline]
fn is_connector(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

/// A route step: the best score of the rest of the block from a character,
/// and the character after the chosen word.
#[derive(Clone, Copy)]
struct Step {
    prob: f64,
    end: u32,
}

/// The dictionary seen from a block: answers whether a span of it is a word.
pub(crate) struct BlockWords<'s, 'd> {
    dict: &'s Dict<'d>,
    /// The block's character codes (empty outside dictionary blocks).
    codes: &'s [u32],
}

impl BlockWords<'_, '_> {
    /// Whether characters `start..end` of the block are a dictionary word.
    fn has_word(&self, start: usize, end: usize) -> bool {
        self.codes.get(start..end).is_some_and(|codes| self.dict.is_word(codes))
    }
}

/// Buffers reused across calls on a thread.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The block's characters: byte offset in the block, and value.
    chars: Vec<(u32, char)>,
    codes: Vec<u32>,
    route: Vec<Step>,
    /// Viterbi back-pointers, 4 per character, and the best path.
    hmm_prev: Vec<u8>,
    hmm_path: Vec<u8>,
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
            if scratch.route.capacity() > 1 << 18 {
                *scratch = Scratch::default();
            }
            result
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Splits `text` at `pos` into the next maximal run of characters on which
/// `class` agrees, recording its characters (offsets relative to the run).
/// Returns the run's end and whether it is in the class.
#[inline(always)]
fn next_run(text: &str, pos: usize, class: impl Fn(char) -> bool, chars: &mut Vec<(u32, char)>) -> (usize, bool) {
    chars.clear();
    let rest = text.get(pos..).unwrap_or_default();
    let mut iter = rest.char_indices();
    let Some((_, first)) = iter.next() else { return (pos, false) };
    let matched = class(first);
    chars.push((0, first));
    let mut end = pos + first.len_utf8();
    for (i, c) in iter {
        if class(c) != matched {
            break;
        }
        chars.push((i as u32, c));
        end = pos + i + c.len_utf8();
    }
    (end, matched)
}

/// A token handed out by the segmenter: the word, its first character's
/// index in the whole text, its length in characters, and for a token cut
/// from a dictionary block the index of its first character in the block.
pub(crate) struct Piece<'a> {
    pub word: &'a str,
    pub start: usize,
    pub chars: usize,
    pub in_block: Option<usize>,
}

pub(crate) struct Segmenter<'d, 's> {
    dict: &'d Dict<'d>,
    scratch: &'s mut Scratch,
}

impl<'d, 's> Segmenter<'d, 's> {
    pub(crate) fn new(dict: &'d Dict<'d>, scratch: &'s mut Scratch) -> Self {
        Segmenter { dict, scratch }
    }

    /// The trie codes of the block in `scratch.chars`.
    fn encode_block(&mut self) {
        let Scratch { chars, codes, .. } = &mut *self.scratch;
        let dict = self.dict;
        codes.clear();
        codes.extend(chars.iter().map(|&(_, c)| dict.code(c)));
    }

    /// The best route through the block's words, as jieba-rs computes it:
    /// from the last character back, each position takes the word (shortest
    /// first, a tie going to the longer) maximizing `ln(freq) - ln(total)`
    /// plus the score of the rest. The words starting at a position are
    /// found by walking the trie right there, so no DAG is stored.
    fn calc_route(&mut self) {
        let Scratch { codes, route, .. } = &mut *self.scratch;
        let dict = self.dict;
        let n = codes.len();
        let log_total = dict.log_total;
        route.clear();
        route.resize(n + 1, Step { prob: 0.0, end: n as u32 });
        let log1 = 0.0f64 - log_total;
        for idx in (0..n).rev() {
            let mut best: Option<Step> = None;
            let rest = &route[..];
            dict.words_at(codes, idx, |end, info| {
                let prob = dict.log_freq(info) - log_total + rest.get(end).map_or(0.0, |s| s.prob);
                match best {
                    Some(b) if !(prob > b.prob || (prob == b.prob && end as u32 > b.end)) => {}
                    _ => best = Some(Step { prob, end: end as u32 }),
                }
            });
            let next = rest.get(idx + 1).map_or(0.0, |s| s.prob);
            route[idx] = best.unwrap_or(Step { prob: log1 + next, end: idx as u32 + 1 });
        }
    }

    fn block_words(&self) -> BlockWords<'_, 'd> {
        BlockWords { dict: self.dict, codes: &self.scratch.codes }
    }

    /// Splits `text` into maximal runs of `class` and not-`class` characters,
    /// leaves each run's characters in `scratch.chars`, and hands `each` the
    /// run, the index of its first character in `text`, and whether it is of `class`.
    fn for_each_run<'a>(
        &mut self,
        text: &'a str,
        class: impl Fn(char) -> bool,
        mut each: impl FnMut(&mut Self, &'a str, usize, bool),
    ) {
        let mut pos = 0;
        let mut char_base = 0;
        while pos < text.len() {
            let (end, matched) = next_run(text, pos, &class, &mut self.scratch.chars);
            if end <= pos {
                break;
            }
            let n = self.scratch.chars.len();
            each(self, &text[pos..end], char_base, matched);
            char_base += n;
            pos = end;
        }
    }

    /// Precise-mode tokens of `text`, in order, to `emit` (which may ask
    /// whether spans of the token's block are dictionary words).
    pub(crate) fn cut<'a>(&mut self, text: &'a str, hmm: bool, emit: &mut impl FnMut(Piece<'a>, &BlockWords<'_, '_>)) {
        self.for_each_run(text, is_han_default, |this, block, char_base, matched| {
            if matched {
                this.cut_block(block, char_base, hmm, emit);
                return;
            }
            let chars = &this.scratch.chars;
            let mut i = 0;
            while let Some(&(offset, c)) = chars.get(i) {
                let offset = offset as usize;
                let count = if c == '\r' && matches!(chars.get(i + 1), Some(&(_, '\n'))) { 2 } else { 1 };
                let len = if count == 2 { 2 } else { c.len_utf8() };
                let word = block.get(offset..offset + len).unwrap_or_default();
                let outside = BlockWords { dict: this.dict, codes: &[] };
                emit(Piece { word, start: char_base + i, chars: count, in_block: None }, &outside);
                i += count;
            }
        });
    }

    fn cut_block<'a>(
        &mut self,
        block: &'a str,
        char_base: usize,
        hmm: bool,
        emit: &mut impl FnMut(Piece<'a>, &BlockWords<'_, '_>),
    ) {
        self.encode_block();
        self.calc_route();
        let n = self.scratch.chars.len();
        let mut x = 0;
        let mut left: Option<usize> = None;
        while x < n {
            let Step { end, .. } = self.scratch.route[x];
            let y = (end as usize).clamp(x + 1, n);
            let single = y - x == 1;
            if single && (hmm || self.scratch.chars[x].1.is_ascii_alphanumeric()) {
                left.get_or_insert(x);
            } else {
                if let Some(start) = left.take() {
                    self.cut_run(block, char_base, start, x, hmm, emit);
                }
                self.emit_span(block, char_base, x, y, emit);
            }
            x = y;
        }
        if let Some(start) = left {
            self.cut_run(block, char_base, start, n, hmm, emit);
        }
    }

    #[inline(always)]
    fn byte_at(&self, block: &str, idx: usize) -> usize {
        self.scratch.chars.get(idx).map_or(block.len(), |&(offset, _)| offset as usize)
    }

    #[inline(always)]
    fn emit_span<'a>(
        &self,
        block: &'a str,
        char_base: usize,
        x: usize,
        y: usize,
        emit: &mut impl FnMut(Piece<'a>, &BlockWords<'_, '_>),
    ) {
        let word = block.get(self.byte_at(block, x)..self.byte_at(block, y)).unwrap_or_default();
        emit(Piece { word, start: char_base + x, chars: y - x, in_block: Some(x) }, &self.block_words());
    }

    /// The run `x..y` of single characters the route left unjoined.
    fn cut_run<'a>(
        &mut self,
        block: &'a str,
        char_base: usize,
        x: usize,
        y: usize,
        hmm: bool,
        emit: &mut impl FnMut(Piece<'a>, &BlockWords<'_, '_>),
    ) {
        if !hmm || y - x == 1 {
            // Without the HMM the run is ASCII alphanumerics: one word.
            self.emit_span(block, char_base, x, y, emit);
        } else if !self.block_words().has_word(x, y) {
            self.hmm_cut(block, char_base, x, y, emit);
        } else {
            for i in x..y {
                self.emit_span(block, char_base, i, i + 1, emit);
            }
        }
    }

    /// Characters `x..y` of the block through jieba's HMM: runs of HMM
    /// characters by Viterbi, anything else split as jieba's `re_skip` does.
    fn hmm_cut<'a>(
        &mut self,
        block: &'a str,
        char_base: usize,
        x: usize,
        y: usize,
        emit: &mut impl FnMut(Piece<'a>, &BlockWords<'_, '_>),
    ) {
        let mut i = x;
        while i < y {
            let han = is_hmm_han(self.scratch.chars[i].1);
            let mut j = i + 1;
            while j < y && is_hmm_han(self.scratch.chars[j].1) == han {
                j += 1;
            }
            if han && j - i > 1 {
                self.viterbi(i, j);
                let mut begin = i;
                let mut next = i;
                for k in i..j {
                    match self.scratch.hmm_path.get(k - i).copied().unwrap_or(S) {
                        B => begin = k,
                        E => {
                            self.emit_span(block, char_base, begin, k + 1, emit);
                            next = k + 1;
                        }
                        S => {
                            self.emit_span(block, char_base, k, k + 1, emit);
                            next = k + 1;
                        }
                        _ => {}
                    }
                }
                if next < j {
                    self.emit_span(block, char_base, next, j, emit);
                }
            } else if han {
                self.emit_span(block, char_base, i, j, emit);
            } else {
                self.skip_split(block, char_base, i, j, emit);
            }
            i = j;
        }
    }

    /// jieba's `re_skip` over characters `x..y` (none of them HMM
    /// characters): alphanumeric tokens (`[a-zA-Z0-9]+` joined by single
    /// `._-` and an optional trailing `%`), and the gaps between them whole.
    fn skip_split<'a>(
        &self,
        block: &'a str,
        char_base: usize,
        x: usize,
        y: usize,
        emit: &mut impl FnMut(Piece<'a>, &BlockWords<'_, '_>),
    ) {
        let chars = &self.scratch.chars;
        let alnum = |k: usize| chars.get(k).is_some_and(|&(_, c)| c.is_ascii_alphanumeric());
        let mut gap = x;
        let mut k = x;
        while k < y {
            if !alnum(k) {
                k += 1;
                continue;
            }
            let start = k;
            loop {
                while k < y && alnum(k) {
                    k += 1;
                }
                if k + 1 < y && chars.get(k).is_some_and(|&(_, c)| is_connector(c)) && alnum(k + 1) {
                    k += 1;
                } else {
                    break;
                }
            }
            if k < y && chars.get(k).is_some_and(|&(_, c)| c == '%') {
                k += 1;
            }
            if gap < start {
                self.emit_span(block, char_base, gap, start, emit);
            }
            self.emit_span(block, char_base, start, k, emit);
            gap = k;
        }
        if gap < y {
            self.emit_span(block, char_base, gap, y, emit);
        }
    }

    /// Labels characters `x..y` (at least two) B/E/M/S into `hmm_path`.
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

    /// Full-mode tokens of `text`.
    pub(crate) fn cut_all<'a>(&mut self, text: &'a str, out: &mut Vec<crate::Token<'a>>) {
        self.for_each_run(text, is_cjk, |this, block, char_base, matched| {
            let n = this.scratch.chars.len();
            if matched {
                let Scratch { chars, codes, .. } = &mut *this.scratch;
                let dict = this.dict;
                codes.clear();
                codes.extend(chars.iter().map(|&(_, c)| dict.code(c)));
                let byte_at = |idx: usize| chars.get(idx).map_or(block.len(), |&(offset, _)| offset as usize);
                for x in 0..n {
                    let start = byte_at(x);
                    dict.words_at(codes, x, |y, _| {
                        let word = block.get(start..byte_at(y)).unwrap_or_default();
                        out.push(crate::Token { word, start: char_base + x, end: char_base + y });
                    });
                }
                return;
            }
            let chars = &this.scratch.chars;
            let mut i = 0;
            while i < n {
                let mut j = i + 1;
                if joins_in_full_mode(chars[i].1) {
                    while j < n && joins_in_full_mode(chars[j].1) {
                        j += 1;
                    }
                }
                let word = block.get(this.byte_at(block, i)..this.byte_at(block, j)).unwrap_or_default();
                out.push(crate::Token { word, start: char_base + i, end: char_base + j });
                i = j;
            }
        });
    }
}

/// HMM states, as jieba numbers them.
const B: u8 = 0;
const E: u8 = 1;
const S: u8 = 3;
/// The states each state may follow, lower index first (a tie goes to the second).
const ALLOWED_PREV: [[u8; 2]; 4] = [[1, 3], [0, 2], [0, 2], [1, 3]];

/// Search mode: the precise tokens, each preceded by the parts search
/// engines want (as jieba-rs: the alphanumeric parts of a `._-` compound,
/// and the 2- and 3-character dictionary words inside a longer word).
pub(crate) fn search_tokens<'a>(piece: &Piece<'a>, words: &BlockWords<'_, '_>, out: &mut Vec<crate::Token<'a>>) {
    let word = piece.word;
    if word.bytes().any(|b| matches!(b, b'.' | b'_' | b'-')) {
        let mut offset = 0;
        for part in word.split(is_connector) {
            if part.len() >= 2 && part.bytes().any(|b| b.is_ascii_alphabetic()) {
                let start = piece.start + word.get(..offset).map_or(0, |s| s.chars().count());
                out.push(crate::Token { word: part, start, end: start + part.chars().count() });
            }
            offset += part.len() + 1;
        }
    }
    if let Some(x) = piece.in_block {
        let n = piece.chars;
        if n > 2 {
            let starts: Vec<usize> = word.char_indices().map(|(i, _)| i).chain([word.len()]).collect();
            for len in [2, 3] {
                if n <= len {
                    continue;
                }
                for i in 0..=n - len {
                    if words.has_word(x + i, x + i + len) {
                        if let (Some(&a), Some(&b)) = (starts.get(i), starts.get(i + len)) {
                            out.push(crate::Token {
                                word: word.get(a..b).unwrap_or_default(),
                                start: piece.start + i,
                                end: piece.start + i + len,
                            });
                        }
                    }
                }
            }
        }
    }
    out.push(crate::Token { word, start: piece.start, end: piece.start + piece.chars });
}

/// The part-of-speech tag of a precise-mode token: the dictionary's, else
/// jieba-rs's guess without its POS model (`m` digits, `eng` letters, `x`).
pub(crate) fn tag_of<'a>(dict: &Dict<'a>, word: &str) -> &'a str {
    if let Some(info) = dict.lookup(word) {
        return dict.tag_name(info);
    }
    let (mut alnum, mut digits) = (0, 0);
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            alnum += 1;
            if c.is_ascii_digit() {
                digits += 1;
            }
        }
    }
    if alnum == 0 {
        "x"
    } else if alnum == digits {
        "m"
    } else {
        "eng"
    }
}
