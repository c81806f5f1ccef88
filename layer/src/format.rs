//! The compiled dictionary, `dict/dict.bin`: everything segmentation needs,
//! laid out so that a function maps the file and uses it as it is. Nothing is
//! parsed at cold start; loading costs the pages a request touches.
//!
//! All integers and floats are little-endian: the byte order of both Lambda
//! architectures (x86_64, and arm64 as aarch64 Linux runs it), so one layer
//! serves both (`CompatibleArchitectures: [x86_64, arm64]`) and either maps
//! the file as it is; a big-endian target is a compile error (below). The
//! file is a fixed header followed by sections, each starting on an 8-byte
//! boundary:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `TBXJIEBA` |
//! | 8 | 4 | [`FORMAT`] |
//! | 12 | 4 | header length ([`HEADER_LEN`]) |
//! | 16 | 8 | file length |
//! | 24 | 8 | source (`dict.txt`) length |
//! | 32 | 4 | source crc32 |
//! | 36 | 4 | crc32 of everything after the header |
//! | 40 | 8 | sum of all frequencies |
//! | 48 | 8 | ln(sum), as jieba computes it |
//! | 56 | 4 | words |
//! | 60 | 4 | trie slots |
//! | 64 | 16 × [`SECTIONS`] | section table: offset, length (bytes) |
//! | 464 | 4 | crc32 of bytes 0..464 |
//!
//! Sections, the small ones a cold start reads first, the trie last:
//! - `BMP_CODES`: `u16` code of every BMP character (0: in no word).
//! - `ASTRAL_CODES`: sorted `(char, code)` `u32` pairs for characters past the BMP.
//! - `LOG_FREQS`: the distinct `ln(freq)` values, `f64` (`-inf` for a frequency of 0).
//! - `FREQS`: the same distinct frequencies as `u64`, for `suggest_freq`,
//!   which multiplies raw frequencies.
//! - `TAG_OFFSETS` / `TAG_BYTES`: the part-of-speech tag names (the
//!   dictionary's and the tagging HMM's), `u32` offsets (one more than tags)
//!   into UTF-8 bytes.
//! - `HMM_PARAMS`: `f64` × 20: the word HMM's (`finalseg`) 4 start
//!   log-probabilities, then its 4 × 4 transition matrix, states in the order
//!   B, E, M, S.
//! - `EMIT_INDEX`: `u16` row of `EMIT_ROWS` for every character of
//!   U+4E00..=U+9FD5 (`u16::MAX`: no emission data).
//! - `EMIT_ROWS`: `f64` × 4 emission log-probabilities per row.
//! - `POS_STATES`: the tagging HMM's (`posseg`) states, `u32` each: the tag id
//!   in bits 0..16, the position letter (`B`, `E`, `M`, `S`) in bits 16..24.
//!   States are numbered in the order Python sorts their `(position, tag)`
//!   tuples, so comparing numbers compares states as jieba's `max` does. At
//!   most [`MAX_POS_STATES`].
//! - `POS_START`: `f64` start log-probability per state.
//! - `POS_TRANS`: `f64` × states × states, row = from, column = to; `-inf`
//!   where jieba has no transition.
//! - `POS_NEXT`: per state, [`POS_MASK_WORDS`] `u64`: the bit set of states it
//!   has a transition to (empty: the state ends every path through it).
//! - `POS_PREV`: per state, [`POS_MASK_WORDS`] `u64`: the bit set of states
//!   with a transition to it (`POS_NEXT` transposed), so that the Viterbi
//!   step scores each candidate state over its own predecessors.
//! - `POS_CHAR_INDEX`: `u32` per character of U+4E00..=U+9FD5: its row in
//!   `POS_ROWS`, `NONE` if the tagging HMM has no data for it.
//! - `POS_ROWS`: `[u32; 2]` per row: the range of its entries.
//! - `POS_ENTRY_STATES`: `u16` per entry: the state in bits 0..8, bit 8 set if
//!   jieba's `char_state_tab` lists the state for the character, bit 9 if it
//!   has an emission probability. A row's entries are sorted by state.
//! - `POS_ENTRY_EMITS`: `f64` per entry: the emission log-probability.
//! - `IDF_OFFSETS` / `IDF_BYTES`: the words of jieba's IDF table that are
//!   not dictionary words, sorted by their UTF-8 bytes; `u32` offsets (one
//!   more than words).
//! - `IDF_VALUES`: `f64` per such word, in the same order.
//! - `IDF_MEDIAN`: one `f64`, jieba's `median_idf`.
//! - `IDF_DISTINCT`: the IDF table's distinct values, `f64`, at most
//!   [`MAX_IDF_VALUES`].
//! - `IDF_CODES`: `u16` per trie slot: for the dictionary word ending there,
//!   its IDF as an index into `IDF_DISTINCT` ([`NO_IDF`]: not in the IDF
//!   table). A keyword's IDF is read where the walk for the word ends,
//!   beside the slots segmentation touched, not by a search of its own.
//! - `SLOTS`: the double-array trie, `[base, check, word]` as `u32` per slot.
//!   Slot 0 is the root; the child of slot `s` on character code `c` is slot
//!   `t = base[s] + c` if `check[t] == s`. `word[t]` describes the word
//!   ending there, `u32::MAX` if none: bits 0..20 index `LOG_FREQS`, bits
//!   20..32 are its tag id. The word itself needs no id: nothing but its
//!   frequency and tag is ever looked up.

use std::ops::Range;

#[cfg(target_endian = "big")]
compile_error!("the compiled dictionary is little-endian and mapped as is");

/// The file's first bytes.
pub const MAGIC: [u8; 8] = *b"TBXJIEBA";
/// Version of the compiled dictionary's layout; bump on any change.
pub const FORMAT: u32 = 4;
/// Number of sections in the table.
pub const SECTIONS: usize = 25;
const HEADER_CRC_AT: usize = 64 + 16 * SECTIONS;
/// Bytes before the first section.
pub const HEADER_LEN: usize = HEADER_CRC_AT + 8;

pub(crate) const BMP_CODES: usize = 0;
pub(crate) const ASTRAL_CODES: usize = 1;
pub(crate) const LOG_FREQS: usize = 2;
pub(crate) const TAG_OFFSETS: usize = 3;
pub(crate) const TAG_BYTES: usize = 4;
pub(crate) const HMM_PARAMS: usize = 5;
pub(crate) const EMIT_INDEX: usize = 6;
pub(crate) const EMIT_ROWS: usize = 7;
pub(crate) const POS_STATES: usize = 8;
pub(crate) const POS_START: usize = 9;
pub(crate) const POS_TRANS: usize = 10;
pub(crate) const POS_NEXT: usize = 11;
pub(crate) const POS_PREV: usize = 12;
pub(crate) const POS_CHAR_INDEX: usize = 13;
pub(crate) const POS_ROWS: usize = 14;
pub(crate) const POS_ENTRY_STATES: usize = 15;
pub(crate) const POS_ENTRY_EMITS: usize = 16;
pub(crate) const IDF_OFFSETS: usize = 17;
pub(crate) const IDF_BYTES: usize = 18;
pub(crate) const IDF_VALUES: usize = 19;
pub(crate) const IDF_MEDIAN: usize = 20;
pub(crate) const FREQS: usize = 21;
pub(crate) const IDF_DISTINCT: usize = 22;
pub(crate) const IDF_CODES: usize = 23;
pub(crate) const SLOTS: usize = 24;

/// Most tagging-HMM states: a state number fits a byte.
pub(crate) const MAX_POS_STATES: usize = 256;
/// `u64` words in a set of tagging-HMM states.
pub(crate) const POS_MASK_WORDS: usize = MAX_POS_STATES / 64;
/// `POS_ENTRY_STATES` flags.
pub(crate) const POS_IN_CHAR_STATES: u16 = 1 << 8;
pub(crate) const POS_HAS_EMIT: u16 = 1 << 9;

/// A trie slot's word field: frequency index in the low bits, tag above.
pub(crate) const FREQ_BITS: u32 = 20;
pub(crate) const FREQ_MASK: u32 = (1 << FREQ_BITS) - 1;
#[cfg(feature = "build")]
/// Most distinct frequencies and tags the word field can hold.
pub(crate) const MAX_FREQS: usize = 1 << FREQ_BITS;
#[cfg(feature = "build")]
pub(crate) const MAX_TAGS: usize = (1 << (32 - FREQ_BITS)) - 1;

/// Characters the HMM runs over (jieba's `[\u4E00-\u9FD5]`).
pub(crate) const HMM_HAN_MIN: u32 = 0x4E00;
pub(crate) const HMM_HAN_MAX: u32 = 0x9FD5;
pub(crate) const EMIT_INDEX_LEN: usize = (HMM_HAN_MAX - HMM_HAN_MIN + 1) as usize;
/// Marks a trie slot that ends no word, a free slot's parent, and a missing emission row.
pub(crate) const NONE: u32 = u32::MAX;
/// `IDF_CODES`: the word has no IDF.
pub(crate) const NO_IDF: u16 = u16::MAX;
/// Most distinct IDF values a `u16` code can name.
pub(crate) const MAX_IDF_VALUES: usize = NO_IDF as usize;

/// What the header says, once it has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub format: u32,
    pub file_len: u64,
    pub source_len: u64,
    pub source_crc32: u32,
    pub body_crc32: u32,
    pub total: u64,
    pub log_total: f64,
    pub words: u32,
    pub slots: u32,
    pub(crate) sections: [Range<usize>; SECTIONS],
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Plain number types that every bit pattern is a valid value of, so a
/// suitably aligned byte slice can be read as a slice of them.
pub(crate) trait Plain: Copy {}
impl Plain for u16 {}
impl Plain for u32 {}
impl Plain for u64 {}
impl Plain for [u32; 2] {}
impl Plain for f64 {}
impl Plain for [u32; 3] {}

/// `bytes` as a slice of `T`; empty if `bytes` is misaligned or not a whole
/// number of `T` (which [`Header::parse`] rules out for every section).
pub(crate) fn cast<T: Plain>(bytes: &[u8]) -> &[T] {
    // SAFETY: `T: Plain` has no invalid bit patterns and no drop glue, and
    // `align_to` only puts correctly aligned, in-bounds elements in `mid`.
    let (head, mid, tail) = unsafe { bytes.align_to::<T>() };
    if head.is_empty() && tail.is_empty() {
        mid
    } else {
        &[]
    }
}

impl Header {
    /// Checks the header and the shape of every section against `file`
    /// (the whole mapped file), without reading the sections' contents
    /// except the few bytes of tag names. Cheap: cold start runs it.
    /// Whether `file` is a compiled dictionary of another format than this
    /// build reads (a stale layer, not a damaged one).
    pub fn is_other_format(file: &[u8]) -> bool {
        file.len() >= 12 && file[..8] == MAGIC && u32_at(file, 8) != FORMAT
    }

    pub fn parse(file: &[u8]) -> Result<Header, String> {
        if file.len() < HEADER_LEN {
            return Err(format!("compiled dictionary truncated: {} bytes, shorter than its header", file.len()));
        }
        if file[..8] != MAGIC {
            return Err("not a compiled toolbox dictionary (bad magic number)".into());
        }
        let format = u32_at(file, 8);
        if format != FORMAT {
            return Err(format!(
                "compiled dictionary format {format}, this function reads format {FORMAT} (rebuild the layer)"
            ));
        }
        if u32_at(file, 12) as usize != HEADER_LEN {
            return Err(format!("compiled dictionary header length {} is not {HEADER_LEN}", u32_at(file, 12)));
        }
        let stored_crc = u32_at(file, HEADER_CRC_AT);
        if crc32(&file[..HEADER_CRC_AT]) != stored_crc {
            return Err("compiled dictionary header is corrupt (crc32 mismatch)".into());
        }
        let file_len = u64_at(file, 16);
        if file_len != file.len() as u64 {
            return Err(format!("compiled dictionary is {} bytes, its header says {file_len}", file.len()));
        }
        let words = u32_at(file, 56);
        let slots = u32_at(file, 60);
        let mut sections: [Range<usize>; SECTIONS] = Default::default();
        for (i, section) in sections.iter_mut().enumerate() {
            let offset = u64_at(file, 64 + 16 * i);
            let len = u64_at(file, 64 + 16 * i + 8);
            let end = offset.checked_add(len).filter(|&end| end <= file_len && offset >= HEADER_LEN as u64);
            let Some(end) = end else {
                return Err(format!("compiled dictionary section {i} lies outside the file"));
            };
            if offset % 8 != 0 {
                return Err(format!("compiled dictionary section {i} is misaligned"));
            }
            *section = offset as usize..end as usize;
        }
        let header = Header {
            format,
            file_len,
            source_len: u64_at(file, 24),
            source_crc32: u32_at(file, 32),
            body_crc32: u32_at(file, 36),
            total: u64_at(file, 40),
            log_total: f64::from_bits(u64_at(file, 48)),
            words,
            slots,
            sections,
        };
        header.check_shapes(file)?;
        Ok(header)
    }

    fn len(&self, section: usize) -> usize {
        self.sections[section].len()
    }

    fn check_shapes(&self, file: &[u8]) -> Result<(), String> {
        let expect = |section: usize, bytes: usize, what: &str| {
            if self.len(section) == bytes {
                Ok(())
            } else {
                Err(format!("compiled dictionary {what} section is {} bytes, expected {bytes}", self.len(section)))
            }
        };
        expect(SLOTS, self.slots as usize * 12, "trie")?;
        if self.slots == 0 {
            return Err("compiled dictionary has no trie root".into());
        }
        expect(BMP_CODES, 0x10000 * 2, "character code")?;
        if self.len(ASTRAL_CODES) % 8 != 0 {
            return Err("compiled dictionary astral code section is not whole pairs".into());
        }
        if self.len(LOG_FREQS) % 8 != 0 {
            return Err("compiled dictionary frequency section is not whole numbers".into());
        }
        expect(FREQS, self.len(LOG_FREQS), "raw frequency")?;
        expect(HMM_PARAMS, 20 * 8, "HMM parameter")?;
        expect(EMIT_INDEX, EMIT_INDEX_LEN * 2, "HMM emission index")?;
        if self.len(EMIT_ROWS) % 32 != 0 {
            return Err("compiled dictionary HMM emission section is not whole rows".into());
        }
        let states = self.len(POS_STATES) / 4;
        if states == 0 || states > MAX_POS_STATES || self.len(POS_STATES) % 4 != 0 {
            return Err("compiled dictionary tagging HMM state table is malformed".into());
        }
        expect(POS_START, states * 8, "tagging HMM start")?;
        expect(POS_TRANS, states * states * 8, "tagging HMM transition")?;
        expect(POS_NEXT, states * POS_MASK_WORDS * 8, "tagging HMM successor")?;
        expect(POS_PREV, states * POS_MASK_WORDS * 8, "tagging HMM predecessor")?;
        expect(POS_CHAR_INDEX, EMIT_INDEX_LEN * 4, "tagging HMM character index")?;
        if self.len(POS_ROWS) % 8 != 0 || self.len(POS_ENTRY_STATES) % 2 != 0 {
            return Err("compiled dictionary tagging HMM rows are malformed".into());
        }
        expect(POS_ENTRY_EMITS, self.len(POS_ENTRY_STATES) / 2 * 8, "tagging HMM emission")?;
        if self.len(IDF_OFFSETS) % 4 != 0 || self.len(IDF_OFFSETS) == 0 {
            return Err("compiled dictionary IDF table is malformed".into());
        }
        expect(IDF_VALUES, (self.len(IDF_OFFSETS) / 4 - 1) * 8, "IDF value")?;
        expect(IDF_MEDIAN, 8, "IDF median")?;
        expect(IDF_CODES, self.slots as usize * 2, "IDF code")?;
        if self.len(IDF_DISTINCT) % 8 != 0 || self.len(IDF_DISTINCT) / 8 > MAX_IDF_VALUES {
            return Err("compiled dictionary IDF value table is malformed".into());
        }
        // Tag names are a few hundred bytes: check them all now, so that
        // tagging can hand them out as `&str` without a failure path. The
        // section is UTF-8 as a whole, and each name a slice of it.
        let offsets: &[u32] = cast(&file[self.sections[TAG_OFFSETS].clone()]);
        let malformed = || "compiled dictionary tag table is malformed".to_string();
        let names = std::str::from_utf8(&file[self.sections[TAG_BYTES].clone()]).map_err(|_| malformed())?;
        if offsets.is_empty() || self.len(TAG_OFFSETS) % 4 != 0 {
            return Err(malformed());
        }
        for pair in offsets.windows(2) {
            if names.get(pair[0] as usize..pair[1] as usize).is_none() {
                return Err(malformed());
            }
        }
        Ok(())
    }

    /// Recomputes the crc32 of everything after the header: reads the whole
    /// file, so it is for builds, tests and offline checks, not cold start.
    pub fn verify_body(&self, file: &[u8]) -> Result<(), String> {
        let actual = crc32(file.get(HEADER_LEN..).unwrap_or_default());
        if actual == self.body_crc32 {
            Ok(())
        } else {
            Err(format!("compiled dictionary body is corrupt: crc32 {actual:08x}, header says {:08x}", self.body_crc32))
        }
    }
}

#[cfg(feature = "build")]
/// Builds a file from its header fields and section contents.
pub(crate) struct Writer {
    pub source_len: u64,
    pub source_crc32: u32,
    pub total: u64,
    pub log_total: f64,
    pub words: u32,
    pub slots: u32,
}

#[cfg(feature = "build")]
impl Writer {
    pub(crate) fn finish(&self, sections: [Vec<u8>; SECTIONS]) -> Vec<u8> {
        let (mut file, table) = lay_out(HEADER_LEN, &sections);
        let body_crc = crc32(&file[HEADER_LEN..]);
        let file_len = file.len() as u64;
        let header = &mut file[..HEADER_LEN];
        header[..8].copy_from_slice(&MAGIC);
        header[8..12].copy_from_slice(&FORMAT.to_le_bytes());
        header[12..16].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
        header[16..24].copy_from_slice(&file_len.to_le_bytes());
        header[24..32].copy_from_slice(&self.source_len.to_le_bytes());
        header[32..36].copy_from_slice(&self.source_crc32.to_le_bytes());
        header[36..40].copy_from_slice(&body_crc.to_le_bytes());
        header[40..48].copy_from_slice(&self.total.to_le_bytes());
        header[48..56].copy_from_slice(&self.log_total.to_bits().to_le_bytes());
        header[56..60].copy_from_slice(&self.words.to_le_bytes());
        header[60..64].copy_from_slice(&self.slots.to_le_bytes());
        for (i, (offset, len)) in table.iter().enumerate() {
            header[64 + 16 * i..72 + 16 * i].copy_from_slice(&offset.to_le_bytes());
            header[72 + 16 * i..80 + 16 * i].copy_from_slice(&len.to_le_bytes());
        }
        let crc = crc32(&header[..HEADER_CRC_AT]);
        header[HEADER_CRC_AT..HEADER_CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
        file
    }
}

#[cfg(feature = "build")]
/// A file of `header_len` zero bytes followed by `sections`, each starting
/// on an 8-byte boundary, padded to a multiple of 8; and each section's
/// (offset, length), for the header's section table. Both compiled files
/// (`dict.bin` and the user layer's `userdict.bin`) are laid out this way.
pub(crate) fn lay_out(header_len: usize, sections: &[Vec<u8>]) -> (Vec<u8>, Vec<(u64, u64)>) {
    let mut file = vec![0u8; header_len];
    let mut table = Vec::with_capacity(sections.len());
    for section in sections {
        while file.len() % 8 != 0 {
            file.push(0);
        }
        table.push((file.len() as u64, section.len() as u64));
        file.extend_from_slice(section);
    }
    while file.len() % 8 != 0 {
        file.push(0);
    }
    (file, table)
}

#[cfg(feature = "build")]
/// Little-endian bytes of a slice of numbers.
pub(crate) fn bytes_of_u16(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
#[cfg(feature = "build")]
pub(crate) fn bytes_of_u32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
#[cfg(feature = "build")]
pub(crate) fn bytes_of_u64(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
#[cfg(feature = "build")]
pub(crate) fn bytes_of_f64(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect()
}
