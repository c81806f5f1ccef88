//! Words added on top of the compiled dictionary, as Python jieba's
//! `add_word(word, freq=None, tag=None)` adds them (`del_word` is a
//! frequency of 0): the word's frequency replaces the dictionary's, the
//! frequency total grows by it (jieba never takes the old one back out),
//! its prefixes become known prefixes, a tag replaces the word's tag, and a
//! word added with frequency 0 is split into characters wherever the word
//! HMM would give it. Without a frequency, jieba's `suggest_freq(word)`
//! decides, on the dictionary as it stands at that point.
//!
//! The additions live in a small trie of their own, walked beside the
//! mapped one; the compiled dictionary is never copied or changed.

use std::collections::HashSet;

/// A frequency or jieba's `total` once words are added: Python's integers
/// grow without bound, so a `u64` would saturate where jieba's total goes
/// on (a thousand words at 2^64 - 1 sum past it). 128 bits hold any sum of
/// a request's words; past them [`AddedWords::insert`] refuses.
pub type Freq = u128;

/// The frequencies of the words added sum past what [`Freq`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreqOverflow;

impl std::fmt::Display for FreqOverflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the added words' frequencies sum past 2^128 - 1")
    }
}

/// Marks a trie node that ends no added word.
const NO_ENTRY: u32 = u32::MAX;

/// The size of [`AddedWords`]'s filter of first characters: a thousand
/// words' first characters set a few percent of it, and it is 1 KiB to clear.
const START_BITS: usize = 8192;

/// Words added to the dictionary, in order, for one request (or one process).
#[derive(Debug, Clone)]
pub struct AddedWords {
    /// Per trie node (0: the root), its entry (`NO_ENTRY`: none).
    nodes: Vec<u32>,
    /// The trie's edges: `(parent, char)` → child.
    edges: Edges,
    entries: Vec<Entry>,
    total: Freq,
    force_split: HashSet<Box<str>>,
    /// The characters that start an added word, one bit per character
    /// modulo [`START_BITS`] (a filter: a set bit may be another character's),
    /// so a walk from a character that starts none costs a bit test, not a lookup.
    starts: Vec<u64>,
}

/// A trie's edges in one open-addressing table: `(parent << 32) | char` →
/// child, linear probing, at most half full. A request's thousand words
/// insert and look up without a per-node allocation, and a probe is a
/// multiply, a shift and (mostly) one compare. The keys are not
/// attacker-chosen in a way that matters (at most 1,000 words a request,
/// 64 bytes each): a collision costs a probe, never a wrong answer.
#[derive(Debug, Clone, Default)]
struct Edges {
    /// `(key, child)` per slot; `EMPTY` keys are free. Empty or a power of two long.
    slots: Vec<(u64, u32)>,
    len: usize,
}

/// No edge key is this: a char is at most 21 bits.
const EMPTY: u64 = u64::MAX;

fn edge(parent: u32, c: char) -> u64 {
    (u64::from(parent) << 32) | u64::from(c as u32)
}

impl Edges {
    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: the product's high bits, masked to the table.
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & (self.slots.len().wrapping_sub(1))
    }

    /// The child at `key`, if any.
    #[inline(always)]
    fn get(&self, key: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let (k, child) = *self.slots.get(i)?;
            if k == key {
                return Some(child);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The child at `key`, inserting `new` there first if there is none.
    #[inline(always)]
    fn get_or_insert(&mut self, key: u64, new: u32) -> u32 {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow(self.len + 1);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = &mut self.slots[i];
            if slot.0 == key {
                return slot.1;
            }
            if slot.0 == EMPTY {
                *slot = (key, new);
                self.len += 1;
                return new;
            }
            i = (i + 1) & mask;
        }
    }

    /// Room for `edges` edges in all without growing again.
    fn grow(&mut self, edges: usize) {
        let size = (2 * edges).next_power_of_two().max(16);
        if size <= self.slots.len() {
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, 0); size]);
        self.len = 0;
        for (key, child) in old {
            if key != EMPTY {
                self.get_or_insert(key, child);
            }
        }
    }

    /// Every edge, as `(key, child)`, in no particular order.
    #[cfg(feature = "build")]
    fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.slots.iter().copied().filter(|&(key, _)| key != EMPTY)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub freq: Freq,
    /// The tag given when the word was added (a later addition without a
    /// tag keeps it, as jieba's `user_word_tag_tab` does).
    pub tag: Option<Box<str>>,
}

/// A position in a trie of added words, carried along a walk (0: the root).
pub(crate) type Cursor = u32;

/// What a trie of added words knows about one of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct EntryView<'a> {
    pub freq: Freq,
    /// `ln(freq)` where it is stored (a user layer); a request's words
    /// leave it to [`EntryView::log_freq`], so only the words a text meets
    /// pay for a logarithm.
    pub stored_log_freq: Option<f64>,
    /// The tag given when it was added, if any.
    pub tag: Option<&'a str>,
}

impl EntryView<'_> {
    /// `ln(freq)`, as the route scores the word.
    #[inline(always)]
    pub fn log_freq(&self) -> f64 {
        self.stored_log_freq.unwrap_or_else(|| (self.freq as f64).ln())
    }
}

/// Words added on top of the dictionary, wherever they are kept: in memory
/// for one request ([`AddedWords`]), or mapped from a user layer.
/// Implemented by references (and by value for mapped ones), so what a
/// lookup hands out lives as long as the words themselves.
pub(crate) trait Additions<'a>: Copy {
    /// The node after `c` from `cursor`, and the word ending there, if any.
    fn step(self, cursor: Cursor, c: char) -> Option<(Cursor, Option<EntryView<'a>>)>;
    /// Whether `word` was added with frequency 0 (jieba's `Force_Split_Words`).
    fn force_split(self, word: &str) -> bool;
    /// jieba's `total` after the additions.
    fn total(self) -> Freq;
    fn log_total(self) -> f64;

    /// Whether an added word may start with `c` (false: certainly none does).
    fn may_start(self, c: char) -> bool {
        self.step(0, c).is_some()
    }

    /// Where `word` is among the added words: `None` if it is neither an
    /// added word nor a prefix of one, else its entry if it was added.
    fn find(self, word: &str) -> Option<Option<EntryView<'a>>> {
        let mut cursor = 0;
        let mut entry = None;
        for c in word.chars() {
            (cursor, entry) = self.step(cursor, c)?;
        }
        Some(entry)
    }

    /// The entry of `word`, if it was added.
    fn get(self, word: &str) -> Option<EntryView<'a>> {
        self.find(word).flatten()
    }
}

impl AddedWords {
    /// No words added yet, over a dictionary whose frequencies sum to `total`.
    pub(crate) fn new(total: Freq) -> AddedWords {
        AddedWords {
            nodes: vec![NO_ENTRY],
            edges: Edges::default(),
            entries: Vec::new(),
            total,
            force_split: HashSet::new(),
            starts: Vec::new(),
        }
    }

    /// Room for `words` more words of about `chars` characters in all.
    pub(crate) fn reserve(&mut self, words: usize, chars: usize) {
        self.entries.reserve(words);
        self.nodes.reserve(chars);
        self.edges.grow(self.edges.len + chars);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many distinct words were added.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Records `word` with `freq` (already decided) and `tag`; nothing,
    /// if jieba's total would pass what [`Freq`] holds.
    pub(crate) fn insert(&mut self, word: &str, freq: Freq, tag: Option<&str>) -> Result<(), FreqOverflow> {
        // As jieba: `self.total += freq`, whatever the word had before.
        self.total = self.total.checked_add(freq).ok_or(FreqOverflow)?;
        let mut node = 0u32;
        for c in word.chars() {
            if node == 0 {
                if self.starts.is_empty() {
                    self.starts = vec![0; START_BITS / 64];
                }
                let bit = c as usize % START_BITS;
                self.starts[bit / 64] |= 1 << (bit % 64);
            }
            let next = self.nodes.len() as u32;
            node = self.edges.get_or_insert(edge(node, c), next);
            if node == next {
                self.nodes.push(NO_ENTRY);
            }
        }
        let node = node as usize;
        let tag = tag.filter(|t| !t.is_empty()).map(Box::from);
        match self.nodes[node] {
            NO_ENTRY => {
                self.nodes[node] = self.entries.len() as u32;
                self.entries.push(Entry { freq, tag });
            }
            entry => {
                let entry = &mut self.entries[entry as usize];
                entry.freq = freq;
                if tag.is_some() {
                    entry.tag = tag;
                }
            }
        }
        if freq == 0 {
            self.force_split.insert(Box::from(word));
        }
        Ok(())
    }

    #[cfg(feature = "build")]
    /// The trie, flattened as a user layer stores it (see
    /// `userdict/format.rs`): nodes, children, entries, tag names and the
    /// words to split, sorted. The layer keeps frequencies and the total in
    /// 64 bits: a total past them is an error naming it.
    pub(crate) fn flatten(&self) -> Result<Flat, String> {
        let total = u64::try_from(self.total).map_err(|_| {
            format!("the words' frequencies sum to {}, past the 2^64 - 1 a user layer holds", self.total)
        })?;
        let mut flat = Flat::default();
        // Children per node, sorted by character.
        let mut children: Vec<Vec<(char, u32)>> = vec![Vec::new(); self.nodes.len()];
        for (key, child) in self.edges.iter() {
            let c = char::from_u32(key as u32).unwrap_or('\0');
            children[(key >> 32) as usize].push((c, child));
        }
        for list in &mut children {
            list.sort_unstable();
        }
        // Breadth-first, so a node's children are contiguous.
        let mut order: Vec<usize> = vec![0];
        let mut index = vec![0u32; self.nodes.len()];
        let mut i = 0;
        while i < order.len() {
            for &(_, child) in &children[order[i]] {
                index[child as usize] = order.len() as u32;
                order.push(child as usize);
            }
            i += 1;
        }
        let mut tag_ids: std::collections::HashMap<&str, u32> = Default::default();
        flat.tag_offsets.push(0);
        for &old in &order {
            let start = flat.child_chars.len() as u32;
            for &(c, child) in &children[old] {
                flat.child_chars.push(c as u32);
                flat.child_nodes.push(index[child as usize]);
            }
            let entry = match self.entries.get(self.nodes[old] as usize) {
                None => NO_ENTRY,
                Some(entry) => {
                    // Each is at most the total, which fits.
                    flat.freqs.push(entry.freq as u64);
                    flat.log_freqs.push((entry.freq as f64).ln());
                    let tag = match entry.tag.as_deref() {
                        None => NO_ENTRY,
                        Some(tag) => *tag_ids.entry(tag).or_insert_with(|| {
                            flat.tag_bytes.extend_from_slice(tag.as_bytes());
                            flat.tag_offsets.push(flat.tag_bytes.len() as u32);
                            (flat.tag_offsets.len() - 2) as u32
                        }),
                    };
                    flat.tags.push(tag);
                    (flat.freqs.len() - 1) as u32
                }
            };
            flat.nodes.push([start, flat.child_chars.len() as u32, entry]);
        }
        let mut split: Vec<&str> = self.force_split.iter().map(|w| &**w).collect();
        split.sort_unstable();
        flat.split_offsets.push(0);
        for word in split {
            flat.split_bytes.extend_from_slice(word.as_bytes());
            flat.split_offsets.push(flat.split_bytes.len() as u32);
        }
        flat.total = total;
        Ok(flat)
    }
}

#[cfg(feature = "build")]
/// [`AddedWords`] flattened (see [`AddedWords::flatten`]).
#[derive(Default)]
pub(crate) struct Flat {
    pub nodes: Vec<[u32; 3]>,
    pub child_chars: Vec<u32>,
    pub child_nodes: Vec<u32>,
    pub freqs: Vec<u64>,
    pub log_freqs: Vec<f64>,
    pub tags: Vec<u32>,
    pub tag_offsets: Vec<u32>,
    pub tag_bytes: Vec<u8>,
    pub split_offsets: Vec<u32>,
    pub split_bytes: Vec<u8>,
    pub total: u64,
}

impl<'a> Additions<'a> for &'a AddedWords {
    #[inline]
    fn may_start(self, c: char) -> bool {
        let bit = c as usize % START_BITS;
        self.starts.get(bit / 64).is_some_and(|bits| bits & (1 << (bit % 64)) != 0)
    }

    #[inline]
    fn step(self, cursor: Cursor, c: char) -> Option<(Cursor, Option<EntryView<'a>>)> {
        if cursor == 0 && !self.may_start(c) {
            return None;
        }
        let child = self.edges.get(edge(cursor, c))?;
        let entry = self.nodes.get(child as usize).and_then(|&e| self.entries.get(e as usize));
        Some((child, entry.map(|e| EntryView { freq: e.freq, stored_log_freq: None, tag: e.tag.as_deref() })))
    }

    fn force_split(self, word: &str) -> bool {
        !self.force_split.is_empty() && self.force_split.contains(word)
    }

    fn total(self) -> Freq {
        self.total
    }

    fn log_total(self) -> f64 {
        (self.total as f64).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_and_its_prefixes_are_walkable_and_the_total_only_grows() {
        let mut added = AddedWords::new(100);
        added.insert("云计算", 5, Some("n")).unwrap();
        added.insert("云计算", 7, None).unwrap();
        assert_eq!(added.total(), 112);
        let entry = added.get("云计算").unwrap();
        assert_eq!((entry.freq, entry.tag), (7, Some("n")));
        assert!(added.get("云计").is_none(), "a prefix is walkable but no word");
        let (cursor, entry) = added.step(0, '云').unwrap();
        assert!(entry.is_none() && added.step(cursor, '计').is_some());
        added.insert("的", 0, None).unwrap();
        assert!(added.force_split("的") && !added.force_split("云计算"));
        // The total goes past u64 as Python's int does, and refuses past u128.
        added.insert("甲", u64::MAX.into(), None).unwrap();
        added.insert("乙", u64::MAX.into(), None).unwrap();
        assert_eq!(added.total(), 112 + 2 * Freq::from(u64::MAX));
        assert_eq!(added.insert("丙", Freq::MAX, None), Err(FreqOverflow));
        assert!(added.get("丙").is_none(), "a refused word is not added");
    }
}
