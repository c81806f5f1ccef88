//! The jieba Lambda layer, seen from a function.
//!
//! Lambda unpacks a layer's zip under `/opt`; this crate knows the tree it
//! expects there ([`LAYER_SUBDIR`]), checks the layer's manifest, and maps the
//! compiled dictionary into a [`Tokenizer`] once per process (at cold start,
//! in the init phase). `TOOLBOX_LAYER_DIR` replaces `/opt` for local runs and tests.
//!
//! [`assemble`] is the other side, compiled only with the `build` feature
//! (toolbox-pack and the tests; never a function): at build time it compiles `dict/`
//! (jieba's dictionary, its two HMMs and its IDF table) into `dict/dict.bin`
//! ([`format`]: a double-array trie, log-frequencies, tags, the HMM tables
//! and the IDF table, mapped as is, so cold start parses nothing) and writes
//! the tree. Segmentation and tagging reproduce Python jieba 0.42.1 token for token.

mod added;
#[cfg(feature = "build")]
mod assemble;
#[cfg(feature = "build")]
mod compile;
mod cut;
mod dict;
mod dictionaries;
mod dictionary;
mod finalseg;
pub mod format;
pub mod keywords;
mod lexicon;
mod location;
mod manifest;
pub mod overlay;
mod posseg;
mod request_words;
mod tokenizer;
pub mod userdict;

pub use added::{AddedWords, Freq, FreqOverflow};
#[cfg(feature = "build")]
pub use assemble::{assemble, assemble_dictionary, AssembleError};
#[cfg(feature = "build")]
pub use compile::{compile, Sources};
pub use dictionaries::Dictionaries;
pub use dictionary::{Dictionary, DICTIONARY_ENV};
pub use keywords::{Keyword, KeywordOptions, Method, StopWords, TagSet, MAX_ALLOW_POS, MAX_STOP_WORDS};
pub use lexicon::Lexicon;
pub use location::{layer_dir, LAYER_DIR_ENV, LAYER_SUBDIR};
pub use manifest::{FileEntry, Manifest, COMPILED_DICT_FILE, DICT_FILE, MANIFEST_FILE};
pub use request_words::{
    parse_request_words, RequestWord, RequestWordsError, MAX_REQUEST_TAG_BYTES, MAX_REQUEST_WORDS,
    MAX_REQUEST_WORD_BYTES,
};
pub use tokenizer::{LayerError, LayerErrorKind, Mode, Tag, Tagged, Token, Tokenizer, TooCostly};

/// The layer's name, as published and as written in its manifest.
pub const LAYER_NAME: &str = "toolbox-jieba";
/// The big dictionary's layer ([`Dictionary::Big`]).
pub const BIG_LAYER_NAME: &str = "toolbox-jieba-big";

/// The on-disk format a function built from this crate can read. A layer whose
/// manifest names another format is refused at init, by name.
pub const LAYER_FORMAT: u32 = 5;

/// The tagging-HMM work one request may spend ([`Tokenizer::posseg_within`]):
/// about 60 ms of one core (3 ns a unit, measured), so about 0.9 s at
/// 128 MB's share of a vCPU, inside the 3 s timeout. 128 KiB of news text
/// needs 0.5 M; 43,690 characters the model does not know need 239 M.
pub const TAGGING_WORK_PER_REQUEST: u64 = 20_000_000;

/// This crate's version: the semver part of the layer's content version.
pub const LAYER_SEMVER: &str = env!("CARGO_PKG_VERSION");

#[cfg(feature = "build")]
/// Python's `bytes.strip()`: ASCII whitespace, vertical tab included
/// (which Rust's `trim_ascii` keeps), as jieba strips each line it reads.
pub(crate) fn py_strip(bytes: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !space(b)).map_or(start, |i| i + 1);
    &bytes[start..end]
}
