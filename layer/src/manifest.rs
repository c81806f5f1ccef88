use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The manifest's path relative to `<layer dir>/toolbox/`.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The jieba dictionary's path relative to `<layer dir>/toolbox/`.
pub const DICT_FILE: &str = "dict/dict.txt";
/// The compiled dictionary functions map (see [`crate::format`]), relative to `<layer dir>/toolbox/`.
pub const COMPILED_DICT_FILE: &str = "dict/dict.bin";

/// `manifest.json`: what the layer holds and which version it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`crate::LAYER_NAME`].
    pub name: String,
    /// The on-disk format; must equal [`crate::LAYER_FORMAT`] for a function to load it.
    pub format: u32,
    /// `<semver>+<content hash>`: equal contents give equal versions.
    pub version: String,
    /// Every data file, keyed by its path relative to `<layer dir>/toolbox/`.
    pub files: BTreeMap<String, FileEntry>,
    /// A user layer's: the version of the main layer it was compiled against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_for: Option<String>,
}

/// Enough about a file to notice it was truncated or swapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub bytes: u64,
    pub crc32: u32,
    /// Number of lines (dictionary entries) for line-oriented files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<u64>,
}

impl FileEntry {
    pub fn describe(contents: &[u8], count_lines: bool) -> Self {
        let mut crc = flate2::Crc::new();
        crc.update(contents);
        let entries = count_lines.then(|| {
            let newlines = contents.iter().filter(|&&b| b == b'\n').count() as u64;
            // A last line without a newline is still an entry.
            newlines + u64::from(!contents.is_empty() && !contents.ends_with(b"\n"))
        });
        FileEntry { bytes: contents.len() as u64, crc32: crc.sum(), entries }
    }
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not a layer manifest: {e}", path.display()))
    }

    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        json.push('\n');
        json
    }
}
