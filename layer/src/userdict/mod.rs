//! User dictionaries: a team's own words, compiled at build time into a
//! small layer of their own (`toolbox-userdict`, files under
//! `/opt/toolbox/userdict/`, or `/opt/toolbox-big/userdict/` for one built
//! against the big dictionary), applied at cold start exactly as Python
//! jieba's `load_userdict(file)` for each file in order would apply them.
//!
//! `load_userdict` calls `add_word` line by line, and a line without a
//! frequency gets jieba's `suggest_freq`, which depends on the dictionary as
//! the earlier lines left it; so the build replays the files over the main
//! dictionary ([`compile`]) and stores the resulting additions
//! ([`format`]), which a function walks beside the main trie.

#[cfg(feature = "build")]
mod build;
mod format;
#[cfg(feature = "build")]
mod parse;

use std::path::Path;

#[cfg(feature = "build")]
pub use build::{assemble, compile, Compiled};
pub(crate) use format::BuiltFor;
pub use format::USERDICT_FORMAT;
#[cfg(feature = "build")]
pub use parse::{parse, Parsed, UserLine};

use crate::added::{Additions, Cursor, EntryView, Freq};
use crate::format::{cast, NONE};
use crate::manifest::Manifest;
use crate::{LayerErrorKind, LAYER_FORMAT};

/// The user layer's name, as published and as written in its manifest.
pub const USER_LAYER_NAME: &str = "toolbox-userdict";
/// The user layer's files, relative to its dictionary's directory
/// (`<layer dir>/toolbox/` or `<layer dir>/toolbox-big/`).
pub const USER_MANIFEST_FILE: &str = "userdict/manifest.json";
pub const USER_DICT_FILE: &str = "userdict/userdict.bin";

/// A mapped user dictionary, checked: its header and what it was built for.
pub(crate) struct Loaded {
    pub map: memmap2::Mmap,
    pub header: format::Header,
    pub version: String,
}

/// Loads the user layer under `root` (a dictionary's directory in the layer
/// dir), if one is there, for a main dictionary described by `main`. `Err`
/// names the file and the problem.
pub(crate) fn load(
    root: &Path,
    main_layer: &str,
    main: format::BuiltFor,
    main_version: &str,
) -> Result<Option<Loaded>, (LayerErrorKind, std::path::PathBuf, String)> {
    use LayerErrorKind::{Corrupt, VersionMismatch};
    let manifest_path = root.join(USER_MANIFEST_FILE);
    match std::fs::metadata(&manifest_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err((Corrupt, manifest_path, format!("cannot read the user layer manifest: {e}"))),
        Ok(_) => {}
    }
    let error = |kind: LayerErrorKind, path: &Path, problem: String| (kind, path.to_path_buf(), problem);
    let fail = |path: &Path, problem: String| error(Corrupt, path, problem);
    let manifest = Manifest::read(&manifest_path).map_err(|e| fail(&manifest_path, e))?;
    if manifest.name != USER_LAYER_NAME || manifest.format != USERDICT_FORMAT {
        return Err(error(
            VersionMismatch,
            &manifest_path,
            format!(
                "found {} format {} (version {}); this function reads {USER_LAYER_NAME} format {USERDICT_FORMAT}",
                manifest.name, manifest.format, manifest.version
            ),
        ));
    }
    let built_for = manifest.built_for.clone().unwrap_or_else(|| "an unknown layer".into());
    let path = root.join(USER_DICT_FILE);
    let expected = manifest
        .files
        .get(USER_DICT_FILE)
        .ok_or_else(|| fail(&manifest_path, format!("manifest lists no {USER_DICT_FILE}")))?;
    let file = std::fs::File::open(&path).map_err(|e| fail(&path, format!("cannot open the user dictionary: {e}")))?;
    let found = file.metadata().map_err(|e| fail(&path, format!("cannot stat the user dictionary: {e}")))?.len();
    if found != expected.bytes {
        return Err(fail(
            &path,
            format!("user dictionary is {found} bytes, user layer {} says {}", manifest.version, expected.bytes),
        ));
    }
    // SAFETY: as for the main dictionary (see `Tokenizer::load`): read-only,
    // and every read of the map is bounds-checked.
    let map = unsafe { memmap2::Mmap::map(&file) }
        .map_err(|e| fail(&path, format!("cannot map the user dictionary: {e}")))?;
    if map.as_ptr() as usize % 8 != 0 {
        return Err(fail(&path, "user dictionary mapped at a misaligned address".into()));
    }
    let header = format::Header::parse(&map).map_err(|problem| fail(&path, problem))?;
    if header.built_for() != main {
        return Err(error(
            VersionMismatch,
            &path,
            format!(
                "user layer {} was built for the {main_layer} layer {built_for} (format {}), but this function has \
                 layer {main_version} (format {}): rebuild the user layer with scripts/build-user-layer",
                manifest.version, header.main_format, main.format
            ),
        ));
    }
    // Small enough to check whole at cold start (a corrupt user dictionary
    // must not give silently wrong words).
    header.verify_body(&map).map_err(|problem| fail(&path, problem))?;
    Ok(Some(Loaded { map, header, version: manifest.version }))
}

/// A mapped user dictionary's additions.
#[derive(Clone, Copy)]
pub(crate) struct UserDict<'a> {
    nodes: &'a [[u32; 3]],
    child_chars: &'a [u32],
    child_nodes: &'a [u32],
    freqs: &'a [u64],
    log_freqs: &'a [f64],
    tags: &'a [u32],
    tag_offsets: &'a [u32],
    tag_bytes: &'a [u8],
    split_offsets: &'a [u32],
    split_bytes: &'a [u8],
    total: u64,
}

fn string_at<'a>(offsets: &[u32], bytes: &'a [u8], i: usize) -> Option<&'a str> {
    let start = *offsets.get(i)? as usize;
    let end = *offsets.get(i + 1)? as usize;
    std::str::from_utf8(bytes.get(start..end)?).ok()
}

impl<'a> UserDict<'a> {
    pub(crate) fn new(loaded: &'a Loaded) -> UserDict<'a> {
        let file: &[u8] = &loaded.map;
        let section = |i: usize| file.get(loaded.header.sections[i].clone()).unwrap_or_default();
        UserDict {
            nodes: cast(section(format::NODES)),
            child_chars: cast(section(format::CHILD_CHARS)),
            child_nodes: cast(section(format::CHILD_NODES)),
            freqs: cast(section(format::ENTRY_FREQS)),
            log_freqs: cast(section(format::ENTRY_LOG_FREQS)),
            tags: cast(section(format::ENTRY_TAGS)),
            tag_offsets: cast(section(format::TAG_OFFSETS)),
            tag_bytes: section(format::TAG_BYTES),
            split_offsets: cast(section(format::SPLIT_OFFSETS)),
            split_bytes: section(format::SPLIT_BYTES),
            total: loaded.header.total,
        }
    }
}

impl<'a> Additions<'a> for UserDict<'a> {
    #[inline]
    fn step(self, cursor: Cursor, c: char) -> Option<(Cursor, Option<EntryView<'a>>)> {
        let &[start, end, _] = self.nodes.get(cursor as usize)?;
        let chars = self.child_chars.get(start as usize..end as usize)?;
        let i = chars.binary_search(&(c as u32)).ok()?;
        let child = *self.child_nodes.get(start as usize + i)?;
        let entry = self.nodes.get(child as usize).map(|n| n[2]).filter(|&e| e != NONE).and_then(|e| {
            let e = e as usize;
            Some(EntryView {
                freq: Freq::from(*self.freqs.get(e)?),
                stored_log_freq: Some(*self.log_freqs.get(e)?),
                tag: self.tags.get(e).and_then(|&t| string_at(self.tag_offsets, self.tag_bytes, t as usize)),
            })
        });
        Some((child, entry))
    }

    fn force_split(self, word: &str) -> bool {
        let count = self.split_offsets.len().saturating_sub(1);
        let (mut lo, mut hi) = (0, count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match string_at(self.split_offsets, self.split_bytes, mid).unwrap_or_default().cmp(word) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        false
    }

    fn total(self) -> Freq {
        self.total.into()
    }

    fn log_total(self) -> f64 {
        (self.total as f64).ln()
    }
}

/// The main dictionary's description a user dictionary must match.
pub(crate) fn built_for(total: u64, source_crc32: u32) -> format::BuiltFor {
    format::BuiltFor { format: LAYER_FORMAT, total, source_crc32 }
}
