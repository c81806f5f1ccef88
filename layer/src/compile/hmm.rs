//! jieba's two hidden Markov models, from their tables in `dict/`:
//! `finalseg` (B/E/M/S word boundaries, for words missing from the
//! dictionary) and `posseg` (boundaries and part of speech together).

use std::collections::{BTreeMap, HashMap};

use super::Tags;
use crate::format::{
    EMIT_INDEX_LEN, HMM_HAN_MAX, HMM_HAN_MIN, MAX_POS_STATES, NONE, POS_HAS_EMIT, POS_IN_CHAR_STATES, POS_MASK_WORDS,
};

/// jieba's score for "impossible" (`MIN_FLOAT`).
const MIN_FLOAT: f64 = -3.14e100;
const FINALSEG_STATES: [&str; 4] = ["B", "E", "M", "S"];

/// The tab-separated fields of each line of `table`, with the line's number.
fn rows<'a>(name: &'a str, table: &'a [u8]) -> Result<Vec<(usize, Vec<&'a str>)>, String> {
    let text = std::str::from_utf8(table).map_err(|e| format!("{name} is not UTF-8: {e}"))?;
    Ok(text.lines().enumerate().map(|(i, line)| (i + 1, line.split('\t').collect())).collect())
}

fn number(name: &str, line: usize, text: &str) -> Result<f64, String> {
    text.parse::<f64>().map_err(|e| format!("{name} line {line}: `{text}` is not a number: {e}"))
}

/// The one character of `text`, if it is one the HMMs run over.
fn han(name: &str, line: usize, text: &str) -> Result<char, String> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if (HMM_HAN_MIN..=HMM_HAN_MAX).contains(&(c as u32)) => Ok(c),
        _ => Err(format!("{name} line {line}: `{text}` is not one character of U+4E00..U+9FD5")),
    }
}

fn malformed(name: &str, line: usize) -> String {
    format!("{name} line {line}: wrong number of fields")
}

/// The word HMM as the format stores it.
pub(super) struct Finalseg {
    pub params: Vec<f64>,
    pub emit_index: Vec<u16>,
    pub emit_rows: Vec<f64>,
}

impl Finalseg {
    /// From `[start, trans, emit]`: `state prob`, `from to prob` and
    /// `state char prob` lines. What a table leaves out is jieba's MIN_FLOAT.
    pub fn parse(tables: &[Vec<u8>; 3]) -> Result<Finalseg, String> {
        let names = super::FINALSEG_TABLES;
        let state = |name: &str, line: usize, s: &str| {
            FINALSEG_STATES.iter().position(|&n| n == s).ok_or_else(|| format!("{name} line {line}: no state `{s}`"))
        };
        let mut params = vec![MIN_FLOAT; 20];
        for (line, fields) in rows(names[0], &tables[0])? {
            let [s, p] = fields[..] else { return Err(malformed(names[0], line)) };
            params[state(names[0], line, s)?] = number(names[0], line, p)?;
        }
        for (line, fields) in rows(names[1], &tables[1])? {
            let [from, to, p] = fields[..] else { return Err(malformed(names[1], line)) };
            params[4 + 4 * state(names[1], line, from)? + state(names[1], line, to)?] = number(names[1], line, p)?;
        }
        let mut emit: BTreeMap<char, [f64; 4]> = BTreeMap::new();
        for (line, fields) in rows(names[2], &tables[2])? {
            let [s, c, p] = fields[..] else { return Err(malformed(names[2], line)) };
            let s = state(names[2], line, s)?;
            let p = number(names[2], line, p)?;
            // jieba's table also scores a few symbols, which its HMM never sees.
            let Ok(c) = han(names[2], line, c) else { continue };
            emit.entry(c).or_insert([MIN_FLOAT; 4])[s] = p;
        }
        let mut emit_index = vec![u16::MAX; EMIT_INDEX_LEN];
        let mut emit_rows = Vec::new();
        for (c, probs) in emit {
            let row = emit_rows.len() / 4;
            if row >= u16::MAX as usize {
                return Err(format!("{}: too many emission rows", names[2]));
            }
            emit_index[(c as u32 - HMM_HAN_MIN) as usize] = row as u16;
            emit_rows.extend_from_slice(&probs);
        }
        Ok(Finalseg { params, emit_index, emit_rows })
    }
}

/// The part-of-speech HMM as the format stores it (see `format.rs`).
pub(super) struct Posseg {
    pub states: Vec<u32>,
    pub start: Vec<f64>,
    pub trans: Vec<f64>,
    pub next: Vec<u64>,
    pub prev: Vec<u64>,
    pub char_index: Vec<u32>,
    pub rows: Vec<u32>,
    pub entry_states: Vec<u16>,
    pub entry_emits: Vec<f64>,
}

impl Posseg {
    /// From `[start, trans, emit, char_state]`: `pos tag prob`,
    /// `pos tag pos tag prob`, `pos tag char prob` and `char postag...` lines.
    pub fn parse<'a>(tables: &'a [Vec<u8>; 4], tags: &mut Tags<'a>) -> Result<Posseg, String> {
        let names = super::POSSEG_TABLES;
        // The states, in the order Python sorts their (position, tag) tuples.
        let mut start: BTreeMap<(&str, &str), f64> = BTreeMap::new();
        for (line, fields) in rows(names[0], &tables[0])? {
            let [pos, tag, p] = fields[..] else { return Err(malformed(names[0], line)) };
            if !matches!(pos, "B" | "E" | "M" | "S") {
                return Err(format!("{} line {line}: `{pos}` is not B, E, M or S", names[0]));
            }
            start.insert((pos, tag), number(names[0], line, p)?);
        }
        let count = start.len();
        if count == 0 || count > MAX_POS_STATES {
            return Err(format!("{}: {count} states, the format holds 1 to {MAX_POS_STATES}", names[0]));
        }
        let ids: HashMap<(&str, &str), usize> = start.keys().enumerate().map(|(i, &k)| (k, i)).collect();
        let id = |name: &str, line: usize, pos: &str, tag: &str| {
            ids.get(&(pos, tag)).copied().ok_or_else(|| format!("{name} line {line}: no state ({pos}, {tag})"))
        };
        let mut states = Vec::with_capacity(count);
        for &(pos, tag) in start.keys() {
            states.push(u32::from(tags.id(tag)?) | u32::from(pos.as_bytes()[0]) << 16);
        }

        let mut trans = vec![f64::NEG_INFINITY; count * count];
        let mut next = vec![0u64; count * POS_MASK_WORDS];
        let mut prev = vec![0u64; count * POS_MASK_WORDS];
        for (line, fields) in rows(names[1], &tables[1])? {
            let [pos, tag, to_pos, to_tag, p] = fields[..] else { return Err(malformed(names[1], line)) };
            let from = id(names[1], line, pos, tag)?;
            let to = id(names[1], line, to_pos, to_tag)?;
            trans[from * count + to] = number(names[1], line, p)?;
            next[from * POS_MASK_WORDS + to / 64] |= 1 << (to % 64);
            prev[to * POS_MASK_WORDS + from / 64] |= 1 << (from % 64);
        }

        // Per character: state -> (listed in char_state_tab, emission).
        let mut chars: BTreeMap<char, BTreeMap<usize, (bool, Option<f64>)>> = BTreeMap::new();
        for (line, fields) in rows(names[2], &tables[2])? {
            let [pos, tag, c, p] = fields[..] else { return Err(malformed(names[2], line)) };
            let state = id(names[2], line, pos, tag)?;
            let c = han(names[2], line, c)?;
            chars.entry(c).or_default().entry(state).or_default().1 = Some(number(names[2], line, p)?);
        }
        for (line, fields) in rows(names[3], &tables[3])? {
            let Some((c, listed)) = fields.split_first() else { return Err(malformed(names[3], line)) };
            let c = han(names[3], line, c)?;
            let row = chars.entry(c).or_default();
            for state in listed {
                let split = state.char_indices().nth(1).map_or(state.len(), |(i, _)| i);
                let (pos, tag) = state.split_at(split);
                row.entry(id(names[3], line, pos, tag)?).or_default().0 = true;
            }
        }
        let mut char_index = vec![NONE; EMIT_INDEX_LEN];
        let mut rows_out = Vec::new();
        let mut entry_states = Vec::new();
        let mut entry_emits = Vec::new();
        for (c, entries) in chars {
            char_index[(c as u32 - HMM_HAN_MIN) as usize] = (rows_out.len() / 2) as u32;
            rows_out.push(entry_states.len() as u32);
            for (state, (listed, emit)) in entries {
                let mut word = state as u16;
                if listed {
                    word |= POS_IN_CHAR_STATES;
                }
                if emit.is_some() {
                    word |= POS_HAS_EMIT;
                }
                entry_states.push(word);
                entry_emits.push(emit.unwrap_or(MIN_FLOAT));
            }
            rows_out.push(entry_states.len() as u32);
        }
        Ok(Posseg {
            states,
            start: start.into_values().collect(),
            trans,
            next,
            prev,
            char_index,
            rows: rows_out,
            entry_states,
            entry_emits,
        })
    }
}
