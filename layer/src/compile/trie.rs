//! The double-array trie over the dictionary's words, and the character
//! codes it is indexed by.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::format::NONE;

/// Dense codes for the characters of the dictionary, most frequent first,
/// so the double array's busiest nodes pack tightly. Code 0 means "in no word".
pub(super) struct CharCodes {
    pub bmp: Vec<u16>,
    /// Sorted `(char, code)` pairs, flattened.
    pub astral: Vec<u32>,
    map: HashMap<char, u32>,
}

impl CharCodes {
    pub fn assign(words: &[&str]) -> Result<CharCodes, String> {
        let mut counts: HashMap<char, u64> = HashMap::new();
        for word in words {
            for c in word.chars() {
                *counts.entry(c).or_default() += 1;
            }
        }
        let mut by_count: Vec<(char, u64)> = counts.into_iter().collect();
        by_count.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if by_count.len() >= u16::MAX as usize {
            return Err(format!("{} distinct characters, the format allows {}", by_count.len(), u16::MAX - 1));
        }
        let mut bmp = vec![0u16; 0x10000];
        let mut astral = Vec::new();
        let mut map = HashMap::new();
        for (i, &(c, _)) in by_count.iter().enumerate() {
            let code = i as u32 + 1;
            map.insert(c, code);
            if (c as u32) < 0x10000 {
                bmp[c as usize] = code as u16;
            } else {
                astral.push((c as u32, code));
            }
        }
        astral.sort_unstable();
        Ok(CharCodes { bmp, astral: astral.into_iter().flat_map(|(c, code)| [c, code]).collect(), map })
    }
}

/// A double-array trie: `[base, check, word]` per slot.
pub(super) struct DoubleArray {
    pub slots: Vec<u32>,
}

impl DoubleArray {
    /// A trie of `words`, slot word fields from `info` (one per word).
    pub fn build(words: &[&str], info: &[u32], codes: &CharCodes) -> Result<DoubleArray, String> {
        // Every word as its code sequence, in lexicographic order of codes,
        // so a pointer trie can be built by only ever extending the last child.
        let mut keys: Vec<(Vec<u32>, u32)> =
            words.iter().enumerate().map(|(id, w)| (w.chars().map(|c| codes.map[&c]).collect(), id as u32)).collect();
        keys.sort_unstable();

        // Pointer trie: per node its sorted children and the word ending there.
        let mut children: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
        let mut word_at: Vec<u32> = vec![NONE];
        for (key, id) in &keys {
            let mut node = 0usize;
            for &code in key {
                node = match children[node].last() {
                    Some(&(c, child)) if c == code => child as usize,
                    _ => {
                        let child = children.len();
                        children.push(Vec::new());
                        word_at.push(NONE);
                        children[node].push((code, child as u32));
                        child
                    }
                };
            }
            word_at[node] = info.get(*id as usize).copied().unwrap_or(NONE);
        }

        // A node's children go at the first base from which every one of
        // their slots is free ("first fit"). Free slots are found through
        // `free`. Nodes are placed most children first (a node is ready once
        // its parent is placed): big fan-outs find room while the array is
        // still sparse, and the many one-child nodes fill the holes. A node
        // with four or more children starts its search a little before
        // where the last node of a similar fan-out fitted, not at the start
        // of the array, which it would scan for nothing: this keeps the build
        // near a second for 349k words at a cost of ~20 % more slots than an
        // exhaustive first fit.
        const BACKOFF: usize = 16 * 1024;
        let mut slot_of = vec![0usize; children.len()];
        let mut base = vec![0u32];
        let mut check = vec![NONE];
        let mut word = vec![word_at[0]];
        let mut free = Free { next: vec![1], used: vec![1] };
        let mut resume = [1usize; usize::BITS as usize];
        let mut ready = std::collections::BinaryHeap::from([(children[0].len(), Reverse(0usize), 0usize)]);
        let mut order = 0usize;
        while let Some((_, _, node)) = ready.pop() {
            let slot = slot_of[node];
            let kids = &children[node];
            let Some(&(first_code, _)) = kids.first() else { continue };
            let first_code = first_code as usize;
            let bucket = kids.len().ilog2() as usize;
            let from = if bucket < 2 { 1 } else { resume[bucket].saturating_sub(BACKOFF).max(1) };
            let mut p = free.find(from.max(first_code));
            let b = loop {
                let b = p - first_code;
                let Some(&(clash, _)) = kids.iter().find(|&&(c, _)| !free.is_free(b + c as usize)) else { break b };
                // The next base worth trying puts the clashing child on a free slot.
                let clash = clash as usize;
                let next_base = free.find(b + clash + 1) - clash;
                p = free.find((p + 1).max(next_base + first_code));
            };
            resume[bucket] = p;
            let last = b + kids.last().map_or(0, |&(c, _)| c as usize);
            if last >= base.len() {
                base.resize(last + 1, 0);
                check.resize(last + 1, NONE);
                word.resize(last + 1, NONE);
            }
            base[slot] = u32::try_from(b).map_err(|_| "trie too large")?;
            for &(c, child) in kids {
                let t = b + c as usize;
                free.take(t);
                check[t] = slot as u32;
                word[t] = word_at[child as usize];
                slot_of[child as usize] = t;
                order += 1;
                ready.push((children[child as usize].len(), Reverse(order), child as usize));
            }
        }
        if base.len() >= NONE as usize {
            return Err("trie too large".into());
        }
        let slots = (0..base.len()).flat_map(|i| [base[i], check[i], word[i]]).collect();
        Ok(DoubleArray { slots })
    }

    /// The slot where `word` ends, if it is one of the trie's words.
    pub fn word_slot(&self, word: &str, codes: &CharCodes) -> Option<usize> {
        let field = |slot: usize, i: usize| self.slots.get(3 * slot + i).copied();
        let mut slot = 0usize;
        for c in word.chars() {
            let t = field(slot, 0)? as usize + *codes.map.get(&c)? as usize;
            if t == 0 || field(t, 1)? as usize != slot {
                return None;
            }
            slot = t;
        }
        (slot != 0 && field(slot, 2)? != NONE).then_some(slot)
    }
}

/// Which double-array slots are still free: `next[i]` leads (through
/// path-compressed links) to the first free slot at or after `i`; every
/// slot from `next.len()` on is free.
struct Free {
    next: Vec<u32>,
    /// One bit per slot, set when taken: what the candidate checks read,
    /// small enough to stay in cache.
    used: Vec<u64>,
}

impl Free {
    fn is_free(&self, i: usize) -> bool {
        self.used.get(i / 64).is_none_or(|&word| word & (1 << (i % 64)) == 0)
    }

    /// The first free slot at or after `i`.
    fn find(&mut self, i: usize) -> usize {
        let mut root = i;
        while let Some(&n) = self.next.get(root) {
            if n as usize == root {
                break;
            }
            root = n as usize;
        }
        // Compress the path.
        let mut j = i;
        while j < self.next.len() && j != root {
            let n = self.next[j] as usize;
            self.next[j] = root as u32;
            j = n;
        }
        root
    }

    /// Marks slot `i` used.
    fn take(&mut self, i: usize) {
        while self.next.len() <= i {
            let n = self.next.len() as u32;
            self.next.push(n);
        }
        self.next[i] = i as u32 + 1;
        if self.used.len() <= i / 64 {
            self.used.resize(i / 64 + 1, 0);
        }
        self.used[i / 64] |= 1 << (i % 64);
    }
}
