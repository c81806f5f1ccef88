//! Build time: `dict.txt` (and jieba's HMM model) → the compiled dictionary
//! described in [`crate::format`].
//!
//! The dictionary is read exactly as jieba-rs's `Jieba::with_dict` reads it
//! (whitespace-separated `word [freq [tag]]`, a repeated word keeps its first
//! tag and takes its last frequency), and the log-frequencies are computed
//! with the same `f64::ln`, so routes through the trie score bit for bit as
//! jieba-rs scores them.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::format::{
    self, Writer, EMIT_INDEX_LEN, FREQ_BITS, HMM_HAN_MAX, HMM_HAN_MIN, MAX_FREQS, MAX_TAGS, NONE, SECTIONS,
};

/// jieba's HMM model (the `hmm.model` that jieba and jieba-rs ship; MIT, see
/// `layer/data/README.md`). Only the build reads it.
const HMM_MODEL: &str = include_str!("../data/hmm.model");

/// jieba's score for "impossible".
const MIN_FLOAT: f64 = -3.14e100;

struct Record {
    freq: u64,
    tag: u16,
}

/// Compiles `dict_txt` into the bytes of `dict/dict.bin`.
pub fn compile(dict_txt: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(dict_txt).map_err(|e| format!("dictionary is not UTF-8: {e}"))?;

    // Parse as jieba-rs does.
    let mut words: Vec<&str> = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut tags: Vec<&str> = Vec::new();
    let mut tag_ids: HashMap<&str, u16> = HashMap::new();
    for (line_no, line) in text.split('\n').enumerate() {
        let mut fields = line.split_whitespace();
        let Some(word) = fields.next() else { continue };
        let freq = match fields.next() {
            Some(f) => f.parse::<usize>().map_err(|e| {
                format!("line {}: `{}` frequency {f} is not a valid integer: {e}", line_no + 1, line.trim_end())
            })? as u64,
            None => 0,
        };
        let tag = fields.next().unwrap_or("");
        if let Some(&id) = ids.get(word) {
            records[id as usize].freq = freq;
            continue;
        }
        let tag = match tag_ids.get(tag) {
            Some(&id) => id,
            None => {
                if tags.len() >= MAX_TAGS {
                    return Err(format!("more than {MAX_TAGS} distinct tags"));
                }
                let id = tags.len() as u16;
                tags.push(tag);
                tag_ids.insert(tag, id);
                id
            }
        };
        let id = u32::try_from(words.len()).ok().filter(|&id| id != NONE).ok_or("too many words")?;
        ids.insert(word, id);
        words.push(word);
        records.push(Record { freq, tag });
    }
    let total = records.iter().try_fold(0u64, |sum, r| sum.checked_add(r.freq)).ok_or("frequencies overflow")?;

    // Words share a few thousand distinct frequencies: the trie stores an
    // index into a table of their logarithms, next to the tag.
    let mut distinct: Vec<u64> = records.iter().map(|r| r.freq).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > MAX_FREQS {
        return Err(format!("{} distinct frequencies, the format holds {MAX_FREQS}", distinct.len()));
    }
    let log_freqs: Vec<f64> = distinct.iter().map(|&f| (f as usize as f64).ln()).collect();
    let info: Vec<u32> = records
        .iter()
        .map(|r| {
            let freq = distinct.binary_search(&r.freq).unwrap_or(0) as u32;
            freq | (u32::from(r.tag) << FREQ_BITS)
        })
        .collect();

    let codes = CharCodes::assign(&words)?;
    let trie = DoubleArray::build(&words, &info, &codes)?;

    let mut tag_offsets = vec![0u32];
    let mut tag_bytes = Vec::new();
    for tag in &tags {
        tag_bytes.extend_from_slice(tag.as_bytes());
        tag_offsets.push(tag_bytes.len() as u32);
    }
    let hmm = Hmm::parse(HMM_MODEL)?;

    let writer = Writer {
        source_len: dict_txt.len() as u64,
        source_crc32: format::crc32(dict_txt),
        total,
        log_total: (total as usize as f64).ln(),
        words: words.len() as u32,
        slots: (trie.slots.len() / 3) as u32,
    };
    let sections: [Vec<u8>; SECTIONS] = [
        format::bytes_of_u16(&codes.bmp),
        format::bytes_of_u32(&codes.astral),
        format::bytes_of_f64(&log_freqs),
        format::bytes_of_u32(&tag_offsets),
        tag_bytes,
        format::bytes_of_f64(&hmm.params),
        format::bytes_of_u16(&hmm.emit_index),
        format::bytes_of_f64(&hmm.emit_rows),
        format::bytes_of_u32(&trie.slots),
    ];
    Ok(writer.finish(sections))
}

/// Dense codes for the characters of the dictionary, most frequent first,
/// so the double array's busiest nodes pack tightly. Code 0 means "in no word".
struct CharCodes {
    bmp: Vec<u16>,
    /// Sorted `(char, code)` pairs, flattened.
    astral: Vec<u32>,
    map: HashMap<char, u32>,
}

impl CharCodes {
    fn assign(words: &[&str]) -> Result<CharCodes, String> {
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
struct DoubleArray {
    slots: Vec<u32>,
}

impl DoubleArray {
    /// A trie of `words`, slot word fields from `info` (one per word).
    fn build(words: &[&str], info: &[u32], codes: &CharCodes) -> Result<DoubleArray, String> {
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

/// jieba's HMM, read as jieba-rs's build reads `hmm.model`.
struct Hmm {
    params: Vec<f64>,
    emit_index: Vec<u16>,
    emit_rows: Vec<f64>,
}

impl Hmm {
    fn parse(model: &str) -> Result<Hmm, String> {
        let bad = |what: &str| format!("hmm.model: {what}");
        let numbers = |line: &str| -> Result<Vec<f64>, String> {
            let values: Vec<f64> = line
                .split_whitespace()
                .map(|v| v.parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|e| bad(&e.to_string()))?;
            if values.len() == 4 {
                Ok(values)
            } else {
                Err(bad("expected 4 values a line"))
            }
        };
        let mut lines = model.lines().skip_while(|l| l.starts_with('#'));
        let mut params = numbers(lines.next().ok_or_else(|| bad("no start probabilities"))?)?;
        let mut rows = 0;
        for line in lines.by_ref().skip_while(|l| l.starts_with('#')).take_while(|l| !l.starts_with('#')) {
            params.extend(numbers(line)?);
            rows += 1;
        }
        if rows != 4 {
            return Err(bad("expected a 4 x 4 transition matrix"));
        }
        let mut emit: std::collections::BTreeMap<char, [f64; 4]> = Default::default();
        for (state, line) in lines.filter(|l| !l.starts_with('#')).enumerate() {
            if state >= 4 {
                return Err(bad("more than 4 emission lines"));
            }
            for pair in line.split(',') {
                let mut parts = pair.split(':');
                let ch =
                    parts.next().and_then(|w| w.chars().next()).ok_or_else(|| bad("emission without a character"))?;
                let prob = parts.next().ok_or_else(|| bad("emission without a probability"))?;
                let prob: f64 = prob.trim().parse().map_err(|e| bad(&format!("emission {pair}: {e}")))?;
                emit.entry(ch).or_insert([MIN_FLOAT; 4])[state] = prob;
            }
        }
        let mut emit_index = vec![u16::MAX; EMIT_INDEX_LEN];
        let mut emit_rows = Vec::new();
        for (ch, probs) in
            emit.range(char::from_u32(HMM_HAN_MIN).unwrap_or('\0')..=char::from_u32(HMM_HAN_MAX).unwrap_or('\0'))
        {
            let row = emit_rows.len() / 4;
            if row >= u16::MAX as usize {
                return Err(bad("too many emission rows"));
            }
            emit_index[(*ch as u32 - HMM_HAN_MIN) as usize] = row as u16;
            emit_rows.extend_from_slice(probs);
        }
        Ok(Hmm { params, emit_index, emit_rows })
    }
}
