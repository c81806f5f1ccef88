//! Building a user layer (the `build` feature): replaying the files over the
//! main dictionary as `load_userdict` would, and writing the result.

use std::collections::BTreeMap;
use std::path::Path;

use super::format;
use super::parse::parse;
use super::{USERDICT_FORMAT, USER_DICT_FILE, USER_LAYER_NAME, USER_MANIFEST_FILE};
use crate::format::{bytes_of_f64, bytes_of_u32, bytes_of_u64};
use crate::manifest::{FileEntry, Manifest};
use crate::{Tokenizer, LAYER_SEMVER};

/// A compiled user dictionary and what building it found.
pub struct Compiled {
    pub bytes: Vec<u8>,
    /// Distinct words added.
    pub words: usize,
    /// Lines read as jieba reads them but probably not as meant (`file:line: ...`).
    pub warnings: Vec<String>,
}

/// Replays `files` (name, contents), in order, as `load_userdict` would over
/// `tokenizer`'s dictionary, and compiles the result. A line jieba refuses
/// is an error naming `file:line`.
pub fn compile(tokenizer: &Tokenizer, files: &[(String, Vec<u8>)]) -> Result<Compiled, String> {
    let mut added = tokenizer.added_words();
    let mut warnings = Vec::new();
    for (name, bytes) in files {
        let parsed = parse(name, bytes)?;
        warnings.extend(parsed.warnings);
        let words = parsed.entries.iter().map(|l| (l.word.as_str(), l.freq, l.tag.as_deref()));
        tokenizer.add_words(&mut added, words).map_err(|e| format!("{name}: {e}"))?;
    }
    let flat = added.flatten()?;
    let sections = [
        bytes_of_u32(&flat.nodes.iter().flatten().copied().collect::<Vec<_>>()),
        bytes_of_u32(&flat.child_chars),
        bytes_of_u32(&flat.child_nodes),
        bytes_of_u64(&flat.freqs),
        bytes_of_f64(&flat.log_freqs),
        bytes_of_u32(&flat.tags),
        bytes_of_u32(&flat.tag_offsets),
        flat.tag_bytes,
        bytes_of_u32(&flat.split_offsets),
        flat.split_bytes,
    ];
    let bytes = format::write(tokenizer.built_for(), flat.total, sections);
    Ok(Compiled { bytes, words: added.len(), warnings })
}

/// Writes the user layer's tree (what Lambda unpacks under `/opt`) into
/// `out_dir`: `toolbox/userdict/userdict.bin` and its manifest, which names
/// the main layer it was built for (`toolbox-big/userdict/` when that is
/// the big dictionary's: a user layer applies to the dictionary it was built on). Two builds of the same files over the
/// same main layer are byte-identical.
pub fn assemble(
    tokenizer: &Tokenizer,
    files: &[(String, Vec<u8>)],
    out_dir: &Path,
) -> Result<(Manifest, Compiled), String> {
    let compiled = compile(tokenizer, files)?;
    let mut entries = BTreeMap::new();
    entries.insert(USER_DICT_FILE.to_string(), FileEntry::describe(&compiled.bytes, false));
    let mut hash = flate2::Crc::new();
    hash.update(&USERDICT_FORMAT.to_le_bytes());
    hash.update(&compiled.bytes);
    let manifest = Manifest {
        name: USER_LAYER_NAME.to_string(),
        format: USERDICT_FORMAT,
        version: format!("{LAYER_SEMVER}+{:08x}", hash.sum()),
        files: entries,
        built_for: Some(tokenizer.layer_version().to_string()),
    };
    let subdir = tokenizer.dictionary().subdir();
    let root = out_dir.join(subdir).join("userdict");
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    }
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let write = |path: &Path, bytes: &[u8]| std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()));
    write(&out_dir.join(subdir).join(USER_DICT_FILE), &compiled.bytes)?;
    write(&out_dir.join(subdir).join(USER_MANIFEST_FILE), manifest.to_json().as_bytes())?;
    Ok((manifest, compiled))
}
