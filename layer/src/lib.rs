//! The jieba Lambda layer, seen from a function.
//!
//! Lambda unpacks a layer's zip under `/opt`; this crate knows the tree it
//! expects there ([`LAYER_SUBDIR`]), checks the layer's manifest, and loads the
//! dictionary into a [`Tokenizer`] once per process (at cold start, in the init
//! phase). `TOOLBOX_LAYER_DIR` replaces `/opt` for local runs and tests.
//!
//! [`assemble`] is the other side: it writes that tree from `dict/` at build time.

mod assemble;
mod location;
mod manifest;
mod tokenizer;

pub use assemble::{assemble, AssembleError};
pub use location::{layer_dir, LAYER_DIR_ENV, LAYER_SUBDIR};
pub use manifest::{FileEntry, Manifest, DICT_FILE, MANIFEST_FILE};
pub use tokenizer::{LayerError, Mode, Tag, Token, Tokenizer};

/// The layer's name, as published and as written in its manifest.
pub const LAYER_NAME: &str = "toolbox-jieba";

/// The on-disk format a function built from this crate can read. A layer whose
/// manifest names another format is refused at init, by name.
pub const LAYER_FORMAT: u32 = 1;

/// This crate's version: the semver part of the layer's content version.
pub const LAYER_SEMVER: &str = env!("CARGO_PKG_VERSION");
