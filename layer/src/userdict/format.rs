//! The compiled user dictionary, `toolbox/userdict/userdict.bin`: the words
//! `load_userdict` added, as the trie of additions a function walks beside
//! the main dictionary's, mapped and used in place.
//!
//! Little-endian; a fixed header, then sections on 8-byte boundaries:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `TBXUDICT` |
//! | 8 | 4 | [`USERDICT_FORMAT`] |
//! | 12 | 4 | the main layer's `LAYER_FORMAT` it was compiled against |
//! | 16 | 8 | file length |
//! | 24 | 8 | the main dictionary's frequency total it was compiled against |
//! | 32 | 4 | crc32 of the main `dict.txt` it was compiled against |
//! | 36 | 4 | crc32 of everything after the header |
//! | 40 | 8 | jieba's total after the additions |
//! | 48 | 16 × [`SECTIONS`] | section table: offset, length |
//! | 208 | 4 | crc32 of bytes 0..208 |
//!
//! Sections: `NODES` (`[children start, children end, entry]` as `u32`,
//! node 0 the root, `u32::MAX`: no entry), `CHILD_CHARS` / `CHILD_NODES`
//! (`u32` each, a node's children sorted by character), `ENTRY_FREQS`
//! (`u64`), `ENTRY_LOG_FREQS` (`f64`), `ENTRY_TAGS` (`u32` tag id,
//! `u32::MAX`: none), `TAG_OFFSETS` / `TAG_BYTES` (tag names),
//! `SPLIT_OFFSETS` / `SPLIT_BYTES` (words added with frequency 0, sorted).

use std::ops::Range;

use crate::format::crc32;
#[cfg(feature = "build")]
use crate::format::lay_out;

pub const MAGIC: [u8; 8] = *b"TBXUDICT";
/// Version of this layout; bump on any change.
pub const USERDICT_FORMAT: u32 = 1;
pub(crate) const SECTIONS: usize = 10;
const HEADER_CRC_AT: usize = 48 + 16 * SECTIONS;
pub(crate) const HEADER_LEN: usize = HEADER_CRC_AT + 8;

pub(crate) const NODES: usize = 0;
pub(crate) const CHILD_CHARS: usize = 1;
pub(crate) const CHILD_NODES: usize = 2;
pub(crate) const ENTRY_FREQS: usize = 3;
pub(crate) const ENTRY_LOG_FREQS: usize = 4;
pub(crate) const ENTRY_TAGS: usize = 5;
pub(crate) const TAG_OFFSETS: usize = 6;
pub(crate) const TAG_BYTES: usize = 7;
pub(crate) const SPLIT_OFFSETS: usize = 8;
pub(crate) const SPLIT_BYTES: usize = 9;

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default())
}

/// The header, checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub main_format: u32,
    pub main_total: u64,
    pub main_source_crc32: u32,
    pub body_crc32: u32,
    pub total: u64,
    pub sections: [Range<usize>; SECTIONS],
}

/// What the header records about the main dictionary it was compiled against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BuiltFor {
    pub format: u32,
    pub total: u64,
    pub source_crc32: u32,
}

impl Header {
    pub fn parse(file: &[u8]) -> Result<Header, String> {
        if file.len() < HEADER_LEN {
            return Err(format!("user dictionary truncated: {} bytes, shorter than its header", file.len()));
        }
        if file[..8] != MAGIC {
            return Err("not a compiled user dictionary (bad magic number)".into());
        }
        let format = u32_at(file, 8);
        if format != USERDICT_FORMAT {
            return Err(format!(
                "user dictionary format {format}, this function reads format {USERDICT_FORMAT} (rebuild the user layer)"
            ));
        }
        if crc32(&file[..HEADER_CRC_AT]) != u32_at(file, HEADER_CRC_AT) {
            return Err("user dictionary header is corrupt (crc32 mismatch)".into());
        }
        let file_len = u64_at(file, 16);
        if file_len != file.len() as u64 {
            return Err(format!("user dictionary is {} bytes, its header says {file_len}", file.len()));
        }
        let mut sections: [Range<usize>; SECTIONS] = Default::default();
        for (i, section) in sections.iter_mut().enumerate() {
            let offset = u64_at(file, 48 + 16 * i);
            let len = u64_at(file, 56 + 16 * i);
            let end = offset.checked_add(len).filter(|&end| end <= file_len && offset >= HEADER_LEN as u64);
            let Some(end) = end.filter(|_| offset % 8 == 0) else {
                return Err(format!("user dictionary section {i} lies outside the file or is misaligned"));
            };
            *section = offset as usize..end as usize;
        }
        let len = |i: usize| sections[i].len();
        let entries = len(ENTRY_FREQS) / 8;
        let shapes_ok = len(NODES) % 12 == 0
            && len(NODES) > 0
            && len(CHILD_CHARS) == len(CHILD_NODES)
            && len(CHILD_CHARS) % 4 == 0
            && len(ENTRY_FREQS) % 8 == 0
            && len(ENTRY_LOG_FREQS) == entries * 8
            && len(ENTRY_TAGS) == entries * 4
            && len(TAG_OFFSETS) % 4 == 0
            && len(TAG_OFFSETS) > 0
            && len(SPLIT_OFFSETS) % 4 == 0
            && len(SPLIT_OFFSETS) > 0;
        if !shapes_ok {
            return Err("user dictionary sections have the wrong sizes".into());
        }
        Ok(Header {
            main_format: u32_at(file, 12),
            main_total: u64_at(file, 24),
            main_source_crc32: u32_at(file, 32),
            body_crc32: u32_at(file, 36),
            total: u64_at(file, 40),
            sections,
        })
    }

    pub fn built_for(&self) -> BuiltFor {
        BuiltFor { format: self.main_format, total: self.main_total, source_crc32: self.main_source_crc32 }
    }

    /// Checks the crc32 of everything after the header (reads the whole file).
    pub fn verify_body(&self, file: &[u8]) -> Result<(), String> {
        match crc32(file.get(HEADER_LEN..).unwrap_or_default()) == self.body_crc32 {
            true => Ok(()),
            false => Err("user dictionary body is corrupt (crc32 mismatch)".into()),
        }
    }
}

#[cfg(feature = "build")]
/// Lays out a file from its header fields and sections.
pub(crate) fn write(built_for: BuiltFor, total: u64, sections: [Vec<u8>; SECTIONS]) -> Vec<u8> {
    let (mut file, table) = lay_out(HEADER_LEN, &sections);
    let body_crc = crc32(&file[HEADER_LEN..]);
    let file_len = file.len() as u64;
    let header = &mut file[..HEADER_LEN];
    header[..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&USERDICT_FORMAT.to_le_bytes());
    header[12..16].copy_from_slice(&built_for.format.to_le_bytes());
    header[16..24].copy_from_slice(&file_len.to_le_bytes());
    header[24..32].copy_from_slice(&built_for.total.to_le_bytes());
    header[32..36].copy_from_slice(&built_for.source_crc32.to_le_bytes());
    header[36..40].copy_from_slice(&body_crc.to_le_bytes());
    header[40..48].copy_from_slice(&total.to_le_bytes());
    for (i, (offset, len)) in table.iter().enumerate() {
        header[48 + 16 * i..56 + 16 * i].copy_from_slice(&offset.to_le_bytes());
        header[56 + 16 * i..64 + 16 * i].copy_from_slice(&len.to_le_bytes());
    }
    let crc = crc32(&header[..HEADER_CRC_AT]);
    header[HEADER_CRC_AT..HEADER_CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
    file
}
