//! Where the dictionary comes from: the jieba layer's directory, which
//! dictionary of it `-D` names, and `-u`'s words on top.

use std::path::{Path, PathBuf};

use toolbox_layer::{overlay, AddedWords, Dictionary, Tokenizer, DICT_FILE, LAYER_DIR_ENV};

use crate::Failure;

/// The layer tree (what Lambda unpacks under `/opt`) the run reads.
pub struct Layer {
    dir: PathBuf,
}

impl Layer {
    /// `--layer-dir`s (several are merged in order, as Lambda merges layers),
    /// else `$TOOLBOX_LAYER_DIR`, else a checkout's `target/layer/opt`, else `/opt`.
    pub fn find(layer_dirs: &[PathBuf]) -> Result<Layer, Failure> {
        let dir = match layer_dirs {
            [] => match std::env::var_os(LAYER_DIR_ENV) {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => crate::checkout_layer().unwrap_or_else(|| PathBuf::from("/opt")),
            },
            dirs => {
                let scratch = std::env::temp_dir().join(format!("toolbox-jieba-layers-{}", user_id()));
                overlay::opt_dir(dirs, &scratch)
                    .map_err(|e| Failure(format!("--layer-dir: {e}")))?
                    .expect("at least one directory")
            }
        };
        Ok(Layer { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The dictionary `-D` names. jieba takes a dictionary file; here it must
    /// be one the layer holds (the layer keeps each dictionary's source, so
    /// the file is compared with it byte for byte): jieba's `dict.txt`, or
    /// `dict.txt.big` from the big dictionary's layer. `default` and `big`
    /// name them too, when no file has that name. Any other dictionary needs
    /// a layer of its own (`scripts/build-layer --dict DIR`, then
    /// `--layer-dir`): compiled once, not at every start.
    pub fn dictionary_for(&self, dict: Option<&Path>) -> Result<Dictionary, Failure> {
        let Some(path) = dict else {
            return Ok(Dictionary::Default);
        };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                return path
                    .to_str()
                    .and_then(Dictionary::parse)
                    .ok_or_else(|| Failure(format!("-D {}: cannot read it: {e}", path.display())));
            }
        };
        let mut held = Vec::new();
        for dictionary in Dictionary::ALL {
            let source = dictionary.root(&self.dir).join(DICT_FILE);
            let Ok(meta) = std::fs::metadata(&source) else { continue };
            held.push(format!("{} ({})", dictionary.name(), source.display()));
            if meta.len() == bytes.len() as u64 && std::fs::read(&source).is_ok_and(|s| s == bytes) {
                return Ok(dictionary);
            }
        }
        Err(Failure(format!(
            "-D {}: not a dictionary the layer in {} holds ({}): build a layer from it with scripts/build-layer \
             --dict DIR (DIR holding it as dict.txt) and pass --layer-dir",
            path.display(),
            self.dir.display(),
            if held.is_empty() { "none".to_string() } else { held.join(", ") }
        )))
    }
}

/// `jieba.load_userdict(path)` over `tokenizer`: its lines added in order
/// (a line without a frequency gets `suggest_freq` as the earlier lines
/// left the dictionary). Returns the reader's warnings.
pub fn load_userdict(tokenizer: &Tokenizer, added: &mut AddedWords, path: &Path) -> Result<Vec<String>, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure(format!("-u {}: cannot read it: {e}", path.display())))?;
    let name = path.display().to_string();
    let parsed = toolbox_layer::userdict::parse(&name, &bytes).map_err(Failure)?;
    let words = parsed.entries.iter().map(|l| (l.word.as_str(), l.freq, l.tag.as_deref()));
    tokenizer.add_words(added, words).map_err(|e| Failure(format!("-u {name}: {e}")))?;
    Ok(parsed.warnings)
}

/// This user's id, so two users' merged trees never share a directory.
fn user_id() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0)
}
