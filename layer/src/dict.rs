//! The mapped compiled dictionary, typed: lookups in the trie, the two HMMs'
//! tables and the IDF table.
//!
//! Every read of the mapped file is bounds-checked: a corrupt file can give
//! odd words, never a panic.

use crate::format::{
    self, cast, Header, EMIT_INDEX_LEN, FREQ_BITS, FREQ_MASK, HMM_HAN_MIN, NONE, NO_IDF, POS_MASK_WORDS,
};

/// jieba's score for "impossible" (`MIN_FLOAT`).
pub(crate) const MIN_FLOAT: f64 = -3.14e100;

/// The sections of a mapped compiled dictionary.
#[derive(Clone, Copy)]
pub(crate) struct Dict<'a> {
    /// `[base, check, word]` per trie slot.
    slots: &'a [[u32; 3]],
    bmp: &'a [u16],
    astral: &'a [u32],
    log_freqs: &'a [f64],
    freqs: &'a [u64],
    tag_offsets: &'a [u32],
    /// The tag names, back to back (the load checked them as UTF-8, whole).
    tag_text: &'a str,
    hmm_params: &'a [f64],
    emit_index: &'a [u16],
    emit_rows: &'a [f64],
    pub pos: PosTables<'a>,
    idf_offsets: &'a [u32],
    idf_bytes: &'a [u8],
    idf_values: &'a [f64],
    idf_median: f64,
    idf_distinct: &'a [f64],
    /// Per trie slot, as `slots`.
    idf_codes: &'a [u16],
    pub log_total: f64,
    /// jieba's `total`: the sum of every line's frequency.
    pub total: u64,
}

/// The part-of-speech HMM's tables (see `format.rs`).
#[derive(Clone, Copy)]
pub(crate) struct PosTables<'a> {
    pub states: &'a [u32],
    pub start: &'a [f64],
    pub trans: &'a [f64],
    pub next: &'a [u64],
    pub prev: &'a [u64],
    char_index: &'a [u32],
    rows: &'a [[u32; 2]],
    pub entry_states: &'a [u16],
    pub entry_emits: &'a [f64],
}

impl PosTables<'_> {
    pub fn count(&self) -> usize {
        self.states.len()
    }

    /// The range of `entry_states`/`entry_emits` describing `c` (empty if none).
    pub fn entries(&self, c: char) -> std::ops::Range<usize> {
        let row = (c as u32).wrapping_sub(HMM_HAN_MIN) as usize;
        let Some(&row) = self.char_index.get(row).filter(|_| row < EMIT_INDEX_LEN) else { return 0..0 };
        match self.rows.get(row as usize) {
            Some(&[start, end]) if start <= end && end as usize <= self.entry_states.len() => {
                start as usize..end as usize
            }
            _ => 0..0,
        }
    }

    /// The bit set of states `state` has a transition to.
    pub fn next(&self, state: usize) -> &[u64] {
        self.next.get(state * POS_MASK_WORDS..(state + 1) * POS_MASK_WORDS).unwrap_or(&[0; POS_MASK_WORDS])
    }

    /// The bit set of states with a transition to `state`.
    pub fn prev(&self, state: usize) -> &[u64] {
        self.prev.get(state * POS_MASK_WORDS..(state + 1) * POS_MASK_WORDS).unwrap_or(&[0; POS_MASK_WORDS])
    }
}

impl<'a> Dict<'a> {
    pub(crate) fn new(file: &'a [u8], header: &Header) -> Dict<'a> {
        let section = |i: usize| file.get(header.sections[i].clone()).unwrap_or_default();
        Dict {
            slots: cast(section(format::SLOTS)),
            bmp: cast(section(format::BMP_CODES)),
            astral: cast(section(format::ASTRAL_CODES)),
            log_freqs: cast(section(format::LOG_FREQS)),
            freqs: cast(section(format::FREQS)),
            tag_offsets: cast(section(format::TAG_OFFSETS)),
            // A few hundred bytes: checked here once per lexicon, not once per tagged word.
            tag_text: std::str::from_utf8(section(format::TAG_BYTES)).unwrap_or_default(),
            hmm_params: cast(section(format::HMM_PARAMS)),
            emit_index: cast(section(format::EMIT_INDEX)),
            emit_rows: cast(section(format::EMIT_ROWS)),
            pos: PosTables {
                states: cast(section(format::POS_STATES)),
                start: cast(section(format::POS_START)),
                trans: cast(section(format::POS_TRANS)),
                next: cast(section(format::POS_NEXT)),
                prev: cast(section(format::POS_PREV)),
                char_index: cast(section(format::POS_CHAR_INDEX)),
                rows: cast(section(format::POS_ROWS)),
                entry_states: cast(section(format::POS_ENTRY_STATES)),
                entry_emits: cast(section(format::POS_ENTRY_EMITS)),
            },
            idf_offsets: cast(section(format::IDF_OFFSETS)),
            idf_bytes: section(format::IDF_BYTES),
            idf_values: cast(section(format::IDF_VALUES)),
            idf_median: cast::<f64>(section(format::IDF_MEDIAN)).first().copied().unwrap_or(0.0),
            idf_distinct: cast(section(format::IDF_DISTINCT)),
            idf_codes: cast(section(format::IDF_CODES)),
            log_total: header.log_total,
            total: header.total,
        }
    }

    /// The character's code in the trie, 0 if no word contains it.
    #[inline(always)]
    pub fn code(&self, c: char) -> u32 {
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
    pub fn root(&self) -> Node {
        Node { slot: 0, base: self.slots.first().map_or(0, |root| root[0]) }
    }

    /// The child of `node` on code `code` (non-zero), and the word field
    /// there (`NONE` if no word ends there).
    #[inline(always)]
    pub fn child(&self, node: Node, code: u32) -> Option<(Node, u32)> {
        let t = node.base.wrapping_add(code);
        let entry = self.slots.get(t as usize)?;
        if entry[1] == node.slot && t != 0 {
            Some((Node { slot: t, base: entry[0] }, entry[2]))
        } else {
            None
        }
    }

    /// Walks `word` down the trie: the node where it ends and the word field
    /// there (`NONE` for a prefix of a word), or `None` if no word starts with it.
    fn walk(&self, word: &str) -> Option<(Node, u32)> {
        let mut node = self.root();
        let mut info = NONE;
        for c in word.chars() {
            let code = self.code(c);
            if code == 0 {
                return None;
            }
            (node, info) = self.child(node, code)?;
        }
        Some((node, info))
    }

    /// The word field of `word` if the dictionary lists it (whatever its frequency).
    pub fn lookup(&self, word: &str) -> Option<u32> {
        self.walk(word).map(|(_, info)| info).filter(|&info| info != NONE)
    }

    /// jieba's `FREQ.get(word)`: the word's frequency, 0 for a prefix of a
    /// word, `None` for neither.
    pub fn freq(&self, word: &str) -> Option<u64> {
        self.walk(word).map(|(_, info)| match info {
            NONE => 0,
            info => self.freqs.get((info & FREQ_MASK) as usize).copied().unwrap_or(0),
        })
    }

    /// Whether `word` has a non-zero frequency: jieba's `FREQ.get(word)` is truthy.
    pub fn has_freq(&self, word: &str) -> bool {
        self.lookup(word).is_some_and(|info| self.counts(info))
    }

    /// Whether the characters with `codes` are a word of non-zero frequency.
    pub fn codes_have_freq(&self, codes: &[u32]) -> bool {
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
        info != NONE && self.counts(info)
    }

    /// `ln(freq)` of the word with word field `info`.
    #[inline(always)]
    pub fn log_freq(&self, info: u32) -> f64 {
        self.log_freqs.get((info & FREQ_MASK) as usize).copied().unwrap_or(0.0)
    }

    /// The frequency of the word with word field `info`.
    #[inline(always)]
    pub fn freq_of(&self, info: u32) -> u64 {
        self.freqs.get((info & FREQ_MASK) as usize).copied().unwrap_or(0)
    }

    /// Whether a listed word takes part in segmentation (frequency above 0).
    #[inline(always)]
    pub fn counts(&self, info: u32) -> bool {
        self.log_freq(info) != f64::NEG_INFINITY
    }

    /// Calls `found(end, word field, slot)` for every word of non-zero
    /// frequency starting at `codes[pos]`, shortest first (`end` is the
    /// index after its last character, `slot` the trie slot where the word
    /// ends): jieba's DAG entry for `pos`.
    #[inline(always)]
    pub fn words_at(&self, codes: &[u32], pos: usize, mut found: impl FnMut(usize, u32, u32)) {
        let mut node = self.root();
        let mut j = pos;
        while let Some(&code) = codes.get(j) {
            if code == 0 {
                break;
            }
            let Some((next, word)) = self.child(node, code) else { break };
            j += 1;
            if word != NONE && self.counts(word) {
                found(j, word, next.slot);
            }
            node = next;
        }
    }

    /// The tag name with id `tag` (`x` for an id the table lacks).
    pub fn tag_name(&self, tag: usize) -> &'a str {
        let name = (|| {
            let start = *self.tag_offsets.get(tag)? as usize;
            let end = *self.tag_offsets.get(tag + 1)? as usize;
            self.tag_text.get(start..end)
        })();
        name.unwrap_or("x")
    }

    /// jieba's `word_tag_tab.get(word, 'x')`.
    pub fn word_tag(&self, word: &str) -> &'a str {
        match self.lookup(word) {
            Some(info) => self.tag_of(info),
            None => "x",
        }
    }

    /// The tag of the word ending at trie slot `slot`.
    #[inline(always)]
    pub fn tag_at(&self, slot: u32) -> &'a str {
        match self.slots.get(slot as usize) {
            Some(entry) if entry[2] != NONE => self.tag_of(entry[2]),
            _ => "x",
        }
    }

    /// The tag of the word with word field `info`.
    #[inline(always)]
    pub fn tag_of(&self, info: u32) -> &'a str {
        self.tag_name((info >> FREQ_BITS) as usize)
    }

    /// The word HMM's emission log-probabilities of `c` for B, E, M, S.
    #[inline(always)]
    pub fn emit_probs(&self, c: char) -> [f64; 4] {
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

    /// The word HMM's start (`i` < 4) and transition (`4 + 4 × from + to`) parameters.
    #[inline(always)]
    pub fn hmm_param(&self, i: usize) -> f64 {
        self.hmm_params.get(i).copied().unwrap_or(MIN_FLOAT)
    }

    /// The IDF of `word` in jieba's table: read where the word's trie walk
    /// ends if it is a dictionary word, else searched among the others.
    pub fn idf(&self, word: &str) -> Option<f64> {
        match self.walk(word) {
            Some((node, info)) if info != NONE => self.idf_at(node.slot),
            _ => self.idf_of_other_word(word),
        }
    }

    /// The IDF of the dictionary word ending at trie slot `slot`, if the table has it.
    pub fn idf_at(&self, slot: u32) -> Option<f64> {
        match self.idf_codes.get(slot as usize).copied().unwrap_or(NO_IDF) {
            NO_IDF => None,
            code => self.idf_distinct.get(code as usize).copied(),
        }
    }

    /// The IDF of a word the dictionary lacks, by binary search.
    fn idf_of_other_word(&self, word: &str) -> Option<f64> {
        let words = self.idf_values.len().min(self.idf_offsets.len().saturating_sub(1));
        let key = |i: usize| -> &[u8] {
            let start = self.idf_offsets.get(i).copied().unwrap_or(0) as usize;
            let end = self.idf_offsets.get(i + 1).copied().unwrap_or(0) as usize;
            self.idf_bytes.get(start..end).unwrap_or_default()
        };
        let (mut lo, mut hi) = (0, words);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match key(mid).cmp(word.as_bytes()) {
                std::cmp::Ordering::Equal => return self.idf_values.get(mid).copied(),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// jieba's `median_idf`: the IDF of a word missing from the table.
    pub fn median_idf(&self) -> f64 {
        self.idf_median
    }
}

/// A trie slot and its base, carried along a walk so each step loads one entry.
#[derive(Clone, Copy)]
pub(crate) struct Node {
    slot: u32,
    base: u32,
}
