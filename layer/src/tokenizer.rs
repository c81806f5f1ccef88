use std::fmt;
use std::path::{Path, PathBuf};

use jieba_rs::{Jieba, TokenizeMode};
use once_cell::sync::OnceCell;

use crate::manifest::{FileEntry, Manifest, DICT_FILE, MANIFEST_FILE};
use crate::{layer_dir, LAYER_FORMAT, LAYER_NAME, LAYER_SEMVER, LAYER_SUBDIR};

/// Why the layer could not be loaded: always names the path and what this
/// function expected, because it is reported as the Lambda init error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerError {
    pub path: PathBuf,
    pub problem: String,
}

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (this function needs the {LAYER_NAME} layer, format {LAYER_FORMAT}, version {LAYER_SEMVER}; \
             attach it, or point TOOLBOX_LAYER_DIR at a directory holding {LAYER_SUBDIR}/{MANIFEST_FILE})",
            self.path.display(),
            self.problem
        )
    }
}

impl std::error::Error for LayerError {}

/// Segmentation modes, named as the API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Precise mode (`jieba.cut`).
    Default,
    /// Full mode: every dictionary word found (`jieba.cut(cut_all=True)`).
    All,
    /// Search-engine mode: precise words plus their dictionary sub-words.
    Search,
}

impl Mode {
    pub fn parse(name: &str) -> Option<Mode> {
        match name {
            "default" => Some(Mode::Default),
            "all" => Some(Mode::All),
            "search" => Some(Mode::Search),
            _ => None,
        }
    }
}

/// A word with its character (not byte) offsets in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub word: &'a str,
    pub start: usize,
    pub end: usize,
}

/// A word with its part-of-speech tag from the dictionary (`x` when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    pub word: &'a str,
    pub tag: &'a str,
}

/// The shared tokenizer: the layer's dictionary, loaded once.
pub struct Tokenizer {
    jieba: Jieba,
    version: String,
}

static SHARED: OnceCell<Tokenizer> = OnceCell::new();

impl Tokenizer {
    /// The process-wide tokenizer, loaded from [`layer_dir`] on first use.
    /// Functions call this during init, so the load is not billed to an event.
    pub fn shared() -> Result<&'static Tokenizer, LayerError> {
        SHARED.get_or_try_init(|| Tokenizer::load(&layer_dir()))
    }

    /// Loads the layer found in `layer_dir` (the directory standing for `/opt`).
    pub fn load(layer_dir: &Path) -> Result<Tokenizer, LayerError> {
        let root = layer_dir.join(LAYER_SUBDIR);
        let manifest_path = root.join(MANIFEST_FILE);
        let fail = |path: &Path, problem: String| LayerError { path: path.to_path_buf(), problem };

        if !manifest_path.is_file() {
            return Err(fail(&manifest_path, "layer manifest not found".into()));
        }
        let manifest = Manifest::read(&manifest_path).map_err(|e| fail(&manifest_path, e))?;
        if manifest.name != LAYER_NAME || manifest.format != LAYER_FORMAT {
            return Err(fail(
                &manifest_path,
                format!(
                    "found layer {} format {} (version {}), which this function cannot read",
                    manifest.name, manifest.format, manifest.version
                ),
            ));
        }

        let dict_path = root.join(DICT_FILE);
        let expected = manifest
            .files
            .get(DICT_FILE)
            .ok_or_else(|| fail(&manifest_path, format!("manifest lists no {DICT_FILE}")))?;
        let contents = std::fs::read(&dict_path).map_err(|e| fail(&dict_path, format!("cannot read dictionary: {e}")))?;
        check_file(&contents, expected, &manifest.version).map_err(|problem| fail(&dict_path, problem))?;

        let jieba = Jieba::with_dict(&mut contents.as_slice())
            .map_err(|e| fail(&dict_path, format!("dictionary does not parse: {e}")))?;
        Ok(Tokenizer { jieba, version: manifest.version })
    }

    /// The loaded layer's content version (`<semver>+<hash>`).
    pub fn layer_version(&self) -> &str {
        &self.version
    }

    /// Words of `text` in `mode`; concatenated, `Default` words give back `text`.
    pub fn cut<'a>(&self, text: &'a str, mode: Mode, hmm: bool) -> Vec<Token<'a>> {
        let tokens = match mode {
            Mode::Default => self.jieba.tokenize(text, TokenizeMode::Default, hmm),
            Mode::Search => self.jieba.tokenize(text, TokenizeMode::Search, hmm),
            Mode::All => self.jieba.cut_all(text),
        };
        tokens.into_iter().map(|t| Token { word: t.word, start: t.start, end: t.end }).collect()
    }

    /// Precise-mode words with their part-of-speech tags.
    pub fn tag<'a>(&'a self, text: &'a str, hmm: bool) -> Vec<Tag<'a>> {
        self.jieba.tag(text, hmm).into_iter().map(|t| Tag { word: t.word, tag: t.tag }).collect()
    }
}

fn check_file(contents: &[u8], expected: &FileEntry, layer_version: &str) -> Result<(), String> {
    let found = contents.len() as u64;
    if found != expected.bytes {
        let what = if found < expected.bytes { "truncated" } else { "longer than expected" };
        return Err(format!(
            "dictionary {what}: {found} bytes, layer {layer_version} says {}",
            expected.bytes
        ));
    }
    let actual = FileEntry::describe(contents, expected.entries.is_some());
    if actual.crc32 != expected.crc32 {
        return Err(format!(
            "dictionary is corrupt or from another layer version: crc32 {:08x}, layer {layer_version} says {:08x}",
            actual.crc32, expected.crc32
        ));
    }
    Ok(())
}
