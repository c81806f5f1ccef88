//! Build time: the sources in `dict/` → the compiled dictionary described in
//! [`crate::format`].
//!
//! Every source is read exactly as Python jieba 0.42.1 reads it (the
//! dictionary as `gen_pfdict` and `POSTokenizer.load_word_tag` do, the IDF
//! table as `IDFLoader` does), and every float is parsed from the same
//! decimal text Python parses, so segmentation, tags and keyword weights
//! come out bit for bit as jieba's.

mod dict_txt;
mod hmm;
mod idf;
mod trie;

use std::collections::HashMap;
use std::path::Path;

use crate::format::{self, Writer, FREQ_BITS, MAX_FREQS, MAX_IDF_VALUES, MAX_TAGS, NO_IDF, SECTIONS};

/// Where each source lives under the `dict/` directory (the dictionary and
/// the IDF table: [`crate::Dictionary::source_files`]).
pub const FINALSEG_TABLES: [&str; 3] = ["finalseg/start.tsv", "finalseg/trans.tsv", "finalseg/emit.tsv"];
pub const POSSEG_TABLES: [&str; 4] =
    ["posseg/start.tsv", "posseg/trans.tsv", "posseg/emit.tsv", "posseg/char_state.tsv"];

/// The contents of every source file the compiled dictionary is made from.
pub struct Sources {
    /// The dictionary's and the IDF table's file names, for messages.
    pub names: [&'static str; 2],
    pub dict_txt: Vec<u8>,
    pub idf_txt: Vec<u8>,
    pub finalseg: [Vec<u8>; 3],
    pub posseg: [Vec<u8>; 4],
}

impl Sources {
    /// Reads every source of jieba's default dictionary from `dict_dir`.
    pub fn read(dict_dir: &Path) -> Result<Sources, String> {
        Sources::read_for(dict_dir, crate::Dictionary::Default)
    }

    /// Reads every source of `dictionary` from `dict_dir`: its own
    /// dictionary and IDF table, and jieba's two HMMs, which every
    /// dictionary shares.
    pub fn read_for(dict_dir: &Path, dictionary: crate::Dictionary) -> Result<Sources, String> {
        let read = |name: &str| {
            let path = dict_dir.join(name);
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        let [dict_txt, idf_txt] = dictionary.source_files();
        Ok(Sources {
            names: [dict_txt, idf_txt],
            dict_txt: read(dict_txt)?,
            idf_txt: read(idf_txt)?,
            finalseg: [read(FINALSEG_TABLES[0])?, read(FINALSEG_TABLES[1])?, read(FINALSEG_TABLES[2])?],
            posseg: [
                read(POSSEG_TABLES[0])?,
                read(POSSEG_TABLES[1])?,
                read(POSSEG_TABLES[2])?,
                read(POSSEG_TABLES[3])?,
            ],
        })
    }
}

/// Tag names, numbered as they are first met.
#[derive(Default)]
pub(crate) struct Tags<'a> {
    names: Vec<&'a str>,
    ids: HashMap<&'a str, u16>,
}

impl<'a> Tags<'a> {
    pub fn id(&mut self, name: &'a str) -> Result<u16, String> {
        if let Some(&id) = self.ids.get(name) {
            return Ok(id);
        }
        if self.names.len() >= MAX_TAGS {
            return Err(format!("more than {MAX_TAGS} distinct tags"));
        }
        let id = self.names.len() as u16;
        self.names.push(name);
        self.ids.insert(name, id);
        Ok(id)
    }
}

/// Compiles `sources` into the bytes of `dict/dict.bin`.
pub fn compile(sources: &Sources) -> Result<Vec<u8>, String> {
    fn in_file(name: &'static str) -> impl Fn(String) -> String {
        move |e| format!("{name}: {e}")
    }
    let dict = dict_txt::parse(&sources.dict_txt).map_err(in_file(sources.names[0]))?;
    let mut tags = Tags::default();

    // Words share a few thousand distinct frequencies: the trie stores an
    // index into a table of their logarithms, next to the tag.
    let mut distinct: Vec<u64> = dict.entries.iter().map(|e| e.freq).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > MAX_FREQS {
        return Err(format!("{} distinct frequencies, the format holds {MAX_FREQS}", distinct.len()));
    }
    // As Python's math.log of an int (ln(0) is -inf: a word of frequency 0
    // is only a prefix to jieba).
    let log_freqs: Vec<f64> = distinct.iter().map(|&f| (f as f64).ln()).collect();
    let mut info = Vec::with_capacity(dict.entries.len());
    for entry in &dict.entries {
        let freq = distinct.binary_search(&entry.freq).unwrap_or(0) as u32;
        info.push(freq | (u32::from(tags.id(entry.tag)?) << FREQ_BITS));
    }
    let words: Vec<&str> = dict.entries.iter().map(|e| e.word).collect();
    let codes = trie::CharCodes::assign(&words)?;
    let trie = trie::DoubleArray::build(&words, &info, &codes)?;

    let finalseg = hmm::Finalseg::parse(&sources.finalseg)?;
    let posseg = hmm::Posseg::parse(&sources.posseg, &mut tags)?;
    let idf = idf::Idf::parse(&sources.idf_txt).map_err(in_file(sources.names[1]))?;
    // A dictionary word's IDF is found at the end of the trie walk keywords
    // make anyway (a code per slot into the table's few thousand distinct
    // values); only the IDF words the dictionary lacks need a search of their own.
    let mut idf_distinct: Vec<f64> = idf.entries.iter().map(|&(_, value)| value).collect();
    idf_distinct.sort_by(f64::total_cmp);
    idf_distinct.dedup_by(|a, b| a.to_bits() == b.to_bits());
    if idf_distinct.len() > MAX_IDF_VALUES {
        return Err(format!(
            "{}: {} distinct values, the format holds {MAX_IDF_VALUES}",
            sources.names[1],
            idf_distinct.len()
        ));
    }
    let mut idf_codes = vec![NO_IDF; trie.slots.len() / 3];
    let mut idf_others = Vec::new();
    for &(word, value) in &idf.entries {
        match trie.word_slot(word, &codes) {
            Some(slot) => {
                let code = idf_distinct.binary_search_by(|v| v.total_cmp(&value)).unwrap_or(0);
                idf_codes[slot] = code as u16;
            }
            None => idf_others.push((word, value)),
        }
    }
    let idf_others = idf::Table::of(&idf_others).map_err(in_file(sources.names[1]))?;

    let mut tag_offsets = vec![0u32];
    let mut tag_bytes = Vec::new();
    for tag in &tags.names {
        tag_bytes.extend_from_slice(tag.as_bytes());
        tag_offsets.push(tag_bytes.len() as u32);
    }

    let writer = Writer {
        source_len: sources.dict_txt.len() as u64,
        source_crc32: format::crc32(&sources.dict_txt),
        total: dict.total,
        // As jieba: log(total) of the sum over every line.
        log_total: (dict.total as f64).ln(),
        words: words.len() as u32,
        slots: (trie.slots.len() / 3) as u32,
    };
    let sections: [Vec<u8>; SECTIONS] = [
        format::bytes_of_u16(&codes.bmp),
        format::bytes_of_u32(&codes.astral),
        format::bytes_of_f64(&log_freqs),
        format::bytes_of_u32(&tag_offsets),
        tag_bytes,
        format::bytes_of_f64(&finalseg.params),
        format::bytes_of_u16(&finalseg.emit_index),
        format::bytes_of_f64(&finalseg.emit_rows),
        format::bytes_of_u32(&posseg.states),
        format::bytes_of_f64(&posseg.start),
        format::bytes_of_f64(&posseg.trans),
        format::bytes_of_u64(&posseg.next),
        format::bytes_of_u64(&posseg.prev),
        format::bytes_of_u32(&posseg.char_index),
        format::bytes_of_u32(&posseg.rows),
        format::bytes_of_u16(&posseg.entry_states),
        format::bytes_of_f64(&posseg.entry_emits),
        format::bytes_of_u32(&idf_others.offsets),
        idf_others.bytes,
        format::bytes_of_f64(&idf_others.values),
        format::bytes_of_f64(&[idf.median]),
        format::bytes_of_u64(&distinct),
        format::bytes_of_f64(&idf_distinct),
        format::bytes_of_u16(&idf_codes),
        format::bytes_of_u32(&trie.slots),
    ];
    Ok(writer.finish(sections))
}
