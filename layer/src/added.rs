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

/// Marks a trie node that ends no added word.
const NO_ENTRY: u32 = u32::MAX;

/// Words added to the dictionary, in order, for one request (or one process).
#[derive(Debug, Clone)]
pub struct AddedWords {
    nodes: Vec<Node>,
    entries: Vec<Entry>,
    total: u64,
    log_total: f64,
    force_split: HashSet<Box<str>>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Children by character, sorted.
    children: Vec<(char, u32)>,
    entry: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub freq: u64,
    pub log_freq: f64,
    /// The tag given when the word was added (a later addition without a
    /// tag keeps it, as jieba's `user_word_tag_tab` does).
    pub tag: Option<Box<str>>,
}

/// A position in the added words' trie, carried along a walk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Cursor(u32);

impl AddedWords {
    /// No words added yet, over a dictionary whose frequencies sum to `total`.
    pub(crate) fn new(total: u64) -> AddedWords {
        AddedWords {
            nodes: vec![Node { children: Vec::new(), entry: NO_ENTRY }],
            entries: Vec::new(),
            total,
            log_total: (total as f64).ln(),
            force_split: HashSet::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// jieba's `total` after the additions.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    pub(crate) fn log_total(&self) -> f64 {
        self.log_total
    }

    /// Records `word` with `freq` (already decided) and `tag`.
    pub(crate) fn insert(&mut self, word: &str, freq: u64, tag: Option<&str>) {
        let mut node = 0usize;
        for c in word.chars() {
            node = match self.nodes[node].children.binary_search_by(|&(k, _)| k.cmp(&c)) {
                Ok(i) => self.nodes[node].children[i].1 as usize,
                Err(i) => {
                    let child = self.nodes.len();
                    self.nodes.push(Node { children: Vec::new(), entry: NO_ENTRY });
                    self.nodes[node].children.insert(i, (c, child as u32));
                    child
                }
            };
        }
        let log_freq = (freq as f64).ln();
        let tag = tag.filter(|t| !t.is_empty()).map(Box::from);
        match self.nodes[node].entry {
            NO_ENTRY => {
                self.nodes[node].entry = self.entries.len() as u32;
                self.entries.push(Entry { freq, log_freq, tag });
            }
            entry => {
                let entry = &mut self.entries[entry as usize];
                entry.freq = freq;
                entry.log_freq = log_freq;
                if tag.is_some() {
                    entry.tag = tag;
                }
            }
        }
        // As jieba: `self.total += freq`, whatever the word had before.
        self.total = self.total.saturating_add(freq);
        self.log_total = (self.total as f64).ln();
        if freq == 0 {
            self.force_split.insert(Box::from(word));
        }
    }

    pub(crate) fn root(&self) -> Cursor {
        Cursor(0)
    }

    /// The node after `c`, and the entry of the word ending there, if any.
    #[inline]
    pub(crate) fn step(&self, cursor: Cursor, c: char) -> Option<(Cursor, Option<&Entry>)> {
        let node = self.nodes.get(cursor.0 as usize)?;
        let i = node.children.binary_search_by(|&(k, _)| k.cmp(&c)).ok()?;
        let child = node.children[i].1;
        let entry = self.nodes.get(child as usize).and_then(|n| self.entries.get(n.entry as usize));
        Some((Cursor(child), entry))
    }

    /// The entry of `word`, if it was added.
    pub(crate) fn get(&self, word: &str) -> Option<&Entry> {
        let mut cursor = self.root();
        let mut entry = None;
        for c in word.chars() {
            (cursor, entry) = self.step(cursor, c)?;
        }
        entry
    }

    /// Whether `word` is a prefix of an added word (or one).
    pub(crate) fn is_prefix(&self, word: &str) -> bool {
        let mut cursor = self.root();
        for c in word.chars() {
            match self.step(cursor, c) {
                Some((next, _)) => cursor = next,
                None => return false,
            }
        }
        true
    }

    /// Whether `word` was added with frequency 0 (jieba's `Force_Split_Words`).
    pub(crate) fn force_split(&self, word: &str) -> bool {
        !self.force_split.is_empty() && self.force_split.contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_and_its_prefixes_are_walkable_and_the_total_only_grows() {
        let mut added = AddedWords::new(100);
        added.insert("云计算", 5, Some("n"));
        added.insert("云计算", 7, None);
        assert_eq!(added.total(), 112);
        let entry = added.get("云计算").unwrap();
        assert_eq!((entry.freq, entry.tag.as_deref()), (7, Some("n")));
        assert!(added.get("云计").is_none(), "a prefix is walkable but no word");
        let (cursor, entry) = added.step(added.root(), '云').unwrap();
        assert!(entry.is_none() && added.step(cursor, '计').is_some());
        added.insert("的", 0, None);
        assert!(added.force_split("的") && !added.force_split("云计算"));
    }
}
