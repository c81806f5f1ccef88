use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::manifest::{FileEntry, Manifest, COMPILED_DICT_FILE, DICT_FILE, MANIFEST_FILE};
use crate::{Dictionary, LAYER_FORMAT, LAYER_SEMVER};

#[derive(Debug)]
pub struct AssembleError(pub String);

impl fmt::Display for AssembleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AssembleError {}

/// Writes the layer tree (what Lambda unpacks under `/opt`) into `out_dir`
/// from the sources in `dict_dir`, and returns its manifest.
///
/// `dict/dict.txt` is kept as shipped (the source of record, and what
/// `dict/dict.bin`'s header names by crc32); functions map `dict/dict.bin`,
/// which also holds the HMMs and the IDF table compiled from the other
/// sources (`compile::Sources`).
///
/// Only the layer's own files are written and they depend only on the
/// sources, so two runs over the same `dict/` produce identical trees.
pub fn assemble(dict_dir: &Path, out_dir: &Path) -> Result<Manifest, AssembleError> {
    assemble_dictionary(dict_dir, Dictionary::Default, out_dir)
}

/// [`assemble`] for `dictionary`: its layer's tree under
/// `out_dir/<its subdir>/` (`toolbox-big/` for the big one), from its own
/// sources in `dict_dir` and the HMMs every dictionary shares.
pub fn assemble_dictionary(dict_dir: &Path, dictionary: Dictionary, out_dir: &Path) -> Result<Manifest, AssembleError> {
    let sources = crate::compile::Sources::read_for(dict_dir, dictionary).map_err(AssembleError)?;
    // Parse every source now, once, not at every cold start.
    let compiled = crate::compile::compile(&sources)
        .map_err(|e| AssembleError(format!("{}: cannot compile the layer: {e}", dict_dir.display())))?;
    let dict = sources.dict_txt;

    let mut files = BTreeMap::new();
    files.insert(DICT_FILE.to_string(), FileEntry::describe(&dict, true));
    files.insert(COMPILED_DICT_FILE.to_string(), FileEntry::describe(&compiled, false));
    let manifest = Manifest {
        name: dictionary.layer_name().to_string(),
        format: LAYER_FORMAT,
        version: format!("{LAYER_SEMVER}+{:08x}", content_hash(&files)),
        files,
        built_for: None,
    };

    let root = dictionary.root(out_dir);
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| io_error(&root, e))?;
    }
    write(&root.join(DICT_FILE), &dict)?;
    write(&root.join(COMPILED_DICT_FILE), &compiled)?;
    write(&root.join(MANIFEST_FILE), manifest.to_json().as_bytes())?;
    Ok(manifest)
}

/// A hash over every file's path, size and crc32 (and the format), so any
/// change to the layer's data changes its version.
fn content_hash(files: &BTreeMap<String, FileEntry>) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(&LAYER_FORMAT.to_le_bytes());
    for (path, entry) in files {
        crc.update(path.as_bytes());
        crc.update(&entry.bytes.to_le_bytes());
        crc.update(&entry.crc32.to_le_bytes());
    }
    crc.sum()
}

fn write(path: &Path, contents: &[u8]) -> Result<(), AssembleError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    std::fs::write(path, contents).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> AssembleError {
    AssembleError(format!("{}: {e}", PathBuf::from(path).display()))
}
