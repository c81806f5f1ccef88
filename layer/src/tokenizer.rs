use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::added::{AddedWords, FreqOverflow};
use crate::dict::Dict;
use crate::format::Header;
use crate::lexicon::Lexicon;
use crate::manifest::{Manifest, COMPILED_DICT_FILE, DICT_FILE, MANIFEST_FILE};
use crate::{Dictionary, LAYER_FORMAT, LAYER_SEMVER};

/// What is wrong with a layer; each kind is reported as its own Lambda
/// init error type ([`LayerErrorKind::error_type`]), so a dashboard or an
/// alarm can tell a deploy that forgot the layer from one that shipped a
/// stale or a damaged one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerErrorKind {
    /// No layer where the function looks: none attached, or
    /// `TOOLBOX_LAYER_DIR` pointing elsewhere.
    Missing,
    /// A layer of another name, format or build than this function reads:
    /// stale, mixed, or a user layer built for another dictionary.
    VersionMismatch,
    /// The layer is there but unusable: files that cannot be read, a
    /// manifest that does not parse or lists no dictionary, a truncated or
    /// malformed dictionary.
    Corrupt,
    /// The function's settings name a dictionary that does not exist
    /// (`TOOLBOX_DICTIONARY`).
    Misconfigured,
}

impl LayerErrorKind {
    /// The Lambda error type the init error is posted with.
    pub fn error_type(self) -> &'static str {
        match self {
            LayerErrorKind::Missing => "Layer.Missing",
            LayerErrorKind::VersionMismatch => "Layer.VersionMismatch",
            LayerErrorKind::Corrupt => "Layer.Corrupt",
            LayerErrorKind::Misconfigured => "Layer.Misconfigured",
        }
    }
}

/// Why the layer could not be loaded: always names the path and what this
/// function expected, because it is reported as the Lambda init error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerError {
    pub kind: LayerErrorKind,
    /// The dictionary whose layer it is.
    pub dictionary: Dictionary,
    pub path: PathBuf,
    pub problem: String,
}

impl LayerError {
    /// The Lambda error type for this error (`Layer.Missing`, ...).
    pub fn error_type(&self) -> &'static str {
        self.kind.error_type()
    }
}

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (this function needs the {} layer, format {LAYER_FORMAT}, version {LAYER_SEMVER}; \
             attach it, or point TOOLBOX_LAYER_DIR at a directory holding {}/{MANIFEST_FILE})",
            self.path.display(),
            self.problem,
            self.dictionary.layer_name(),
            self.dictionary.subdir(),
        )
    }
}

impl std::error::Error for LayerError {}

/// The tagging HMM needed more work than [`Tokenizer::posseg_within`] allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooCostly;

impl fmt::Display for TooCostly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tagging this text needs more work than one request may use")
    }
}

impl std::error::Error for TooCostly {}

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

/// A word with its character (not byte) offsets in the input; serializes as
/// the API's `{"word", "start", "end"}`. The word is a slice of the input,
/// except in full mode where jieba joins ASCII words that are not adjacent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Token<'a> {
    pub word: Cow<'a, str>,
    pub start: usize,
    pub end: usize,
    /// The trie slot where the word ends, when the cut's route found it
    /// among the dictionary's words alone (0 otherwise): TF-IDF reads its
    /// IDF there instead of walking the trie again.
    #[serde(skip)]
    pub(crate) slot: u32,
}

/// A word with its part-of-speech tag and its character offsets, as
/// `jieba.posseg.cut` gives them; serializes as `{"word", "tag", "start", "end"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tagged<'a> {
    pub word: &'a str,
    pub tag: &'a str,
    pub start: usize,
    pub end: usize,
}

/// A word and its tag alone; serializes as the API's `{"word", "tag"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tag<'a> {
    pub word: &'a str,
    pub tag: &'a str,
}

impl<'a> From<Tagged<'a>> for Tag<'a> {
    fn from(tagged: Tagged<'a>) -> Tag<'a> {
        Tag { word: tagged.word, tag: tagged.tag }
    }
}

/// The shared tokenizer: the layer's compiled dictionary, mapped once.
pub struct Tokenizer {
    file: memmap2::Mmap,
    header: Header,
    version: String,
    dictionary: Dictionary,
    /// The user layer's dictionary, if one is attached.
    user: Option<crate::userdict::Loaded>,
}

impl Tokenizer {
    /// Loads the layer found in `layer_dir` (the directory standing for `/opt`).
    ///
    /// Reads the manifest, maps `dict/dict.bin` and checks its header: magic
    /// number, format, length, header crc32, the shape of every section, and
    /// that it was compiled from the `dict.txt` this manifest describes. The
    /// dictionary itself is not read, so this costs a few pages whatever its
    /// size; [`Tokenizer::verify`] checks the whole file.
    pub fn load(layer_dir: &Path) -> Result<Tokenizer, LayerError> {
        Tokenizer::load_dictionary(layer_dir, Dictionary::Default)
    }

    /// [`Tokenizer::load`] for `dictionary`'s layer, under `layer_dir/<its subdir>/`,
    /// with the user layer built for it, if one is attached.
    pub fn load_dictionary(layer_dir: &Path, dictionary: Dictionary) -> Result<Tokenizer, LayerError> {
        let root = dictionary.root(layer_dir);
        let manifest_path = root.join(MANIFEST_FILE);
        use LayerErrorKind::{Corrupt, Missing, VersionMismatch};
        let error = |kind: LayerErrorKind, path: &Path, problem: String| LayerError {
            kind,
            dictionary,
            path: path.to_path_buf(),
            problem,
        };
        // Past the manifest, a file the manifest promises that is not right is damage.
        let fail = |path: &Path, problem: String| error(Corrupt, path, problem);

        match std::fs::metadata(&manifest_path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return Err(fail(&manifest_path, "layer manifest is not a file".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(error(Missing, &manifest_path, "layer manifest not found".into()))
            }
            // There, but not readable (a permission, a file where a directory
            // should be): not missing, and not usable either.
            Err(e) => return Err(fail(&manifest_path, format!("cannot read the layer manifest: {e}"))),
        }
        let manifest = Manifest::read(&manifest_path).map_err(|e| fail(&manifest_path, e))?;
        if manifest.name != dictionary.layer_name() || manifest.format != LAYER_FORMAT {
            return Err(error(
                VersionMismatch,
                &manifest_path,
                format!(
                    "found layer {} format {} (version {}), which this function cannot read",
                    manifest.name, manifest.format, manifest.version
                ),
            ));
        }
        let listed = |name: &str| {
            manifest.files.get(name).ok_or_else(|| fail(&manifest_path, format!("manifest lists no {name}")))
        };
        let expected = listed(COMPILED_DICT_FILE)?;
        let source = listed(DICT_FILE)?;

        let path = root.join(COMPILED_DICT_FILE);
        let file = std::fs::File::open(&path).map_err(|e| fail(&path, format!("cannot open dictionary: {e}")))?;
        let found = file.metadata().map_err(|e| fail(&path, format!("cannot stat dictionary: {e}")))?.len();
        if found != expected.bytes {
            let what = if found < expected.bytes { "truncated" } else { "longer than expected" };
            return Err(fail(
                &path,
                format!("dictionary {what}: {found} bytes, layer {} says {}", manifest.version, expected.bytes),
            ));
        }
        // SAFETY: the layer is read-only under /opt and nothing in this
        // process writes it; every read of the map is bounds-checked, so a
        // file whose bytes change underneath gives odd segmentation, not
        // undefined behaviour. A file truncated in place underneath is
        // different: touching a page past its new end raises SIGBUS, which
        // kills the instance (Lambda, like toolbox-local, answers that
        // request with an error and starts a new instance, which reports
        // the truncation at init). On Lambda, /opt is read-only.
        let file =
            unsafe { memmap2::Mmap::map(&file) }.map_err(|e| fail(&path, format!("cannot map dictionary: {e}")))?;
        advise(&file);
        if file.as_ptr() as usize % 8 != 0 {
            return Err(fail(&path, "dictionary mapped at a misaligned address".into()));
        }
        let header = Header::parse(&file).map_err(|problem| {
            let kind = if Header::is_other_format(&file) { VersionMismatch } else { Corrupt };
            error(kind, &path, problem)
        })?;
        if header.source_crc32 != source.crc32 || header.source_len != source.bytes {
            return Err(error(
                VersionMismatch,
                &path,
                format!(
                    "compiled from another dict.txt (crc32 {:08x}, {} bytes) than layer {} lists (crc32 {:08x}, {} bytes): \
                     stale or mixed layer, rebuild it",
                    header.source_crc32, header.source_len, manifest.version, source.crc32, source.bytes
                ),
            ));
        }
        let mut tokenizer = Tokenizer { file, header, version: manifest.version, dictionary, user: None };
        tokenizer.user =
            crate::userdict::load(&root, dictionary.layer_name(), tokenizer.built_for(), &tokenizer.version)
                .map_err(|(kind, path, problem)| error(kind, &path, problem))?;
        Ok(tokenizer)
    }

    /// Reads the whole compiled dictionary and checks its crc32 (load only
    /// checks the header): for tests, builds and offline checks.
    pub fn verify(&self) -> Result<(), String> {
        self.header.verify_body(&self.file)
    }

    /// The loaded layer's content version (`<semver>+<hash>`).
    pub fn layer_version(&self) -> &str {
        &self.version
    }

    /// Which dictionary this is.
    pub fn dictionary(&self) -> Dictionary {
        self.dictionary
    }

    /// The attached user layer's content version, if one is attached.
    pub fn user_layer_version(&self) -> Option<&str> {
        self.user.as_ref().map(|user| user.version.as_str())
    }

    /// What a user dictionary compiled against this dictionary records.
    pub(crate) fn built_for(&self) -> crate::userdict::BuiltFor {
        crate::userdict::built_for(self.header.total, self.header.source_crc32)
    }

    fn dict(&self) -> Dict<'_> {
        Dict::new(&self.file, &self.header)
    }

    /// The dictionary with nothing added: what [`Tokenizer::cut`] and
    /// [`Tokenizer::posseg`] segment with.
    pub fn lexicon(&self) -> Lexicon<'_> {
        Lexicon::new(self.dict(), self.user(), None)
    }

    /// The dictionary with `added`'s words on top (jieba after the same `add_word` calls).
    pub fn lexicon_with<'a>(&'a self, added: &'a AddedWords) -> Lexicon<'a> {
        Lexicon::new(self.dict(), self.user(), Some(added))
    }

    fn user(&self) -> Option<crate::userdict::UserDict<'_>> {
        self.user.as_ref().map(crate::userdict::UserDict::new)
    }

    /// An empty set of added words over this dictionary (and its user
    /// layer), for [`Tokenizer::add_word`].
    pub fn added_words(&self) -> AddedWords {
        AddedWords::new(self.lexicon().total())
    }

    /// jieba's `add_word(word, freq, tag)` into `added`: a frequency of 0
    /// removes the word (`del_word`); without one, jieba's
    /// `suggest_freq(word)` on the dictionary as `added` leaves it. Refused
    /// (nothing added) if jieba's total would pass what [`crate::Freq`] holds.
    pub fn add_word(
        &self,
        added: &mut AddedWords,
        word: &str,
        freq: Option<u64>,
        tag: Option<&str>,
    ) -> Result<(), FreqOverflow> {
        self.add_words(added, [(word, freq, tag)])
    }

    /// [`Tokenizer::add_word`] for each of `words`, in order, up to the
    /// first one refused.
    pub fn add_words<'w>(
        &self,
        added: &mut AddedWords,
        words: impl IntoIterator<Item = (&'w str, Option<u64>, Option<&'w str>)>,
    ) -> Result<(), FreqOverflow> {
        self.lexicon().add_words(added, words)
    }

    /// Words of `text` in `mode`, as Python jieba 0.42.1 gives them:
    /// `jieba.lcut(text, HMM=hmm)`, `jieba.lcut(text, cut_all=True)` (the
    /// `hmm` flag does not apply, as in jieba) or `jieba.lcut_for_search(text, HMM=hmm)`.
    pub fn cut<'a>(&'a self, text: &'a str, mode: Mode, hmm: bool) -> Vec<Token<'a>> {
        self.lexicon().cut(text, mode, hmm)
    }

    /// Words with their part-of-speech tags, as `jieba.posseg.lcut(text,
    /// HMM=hmm)` gives them. The words can differ from [`Tokenizer::cut`]'s,
    /// as they do in jieba. Concatenated, they give back `text`.
    pub fn posseg<'a>(&'a self, text: &'a str, hmm: bool) -> Vec<Tagged<'a>> {
        self.lexicon().posseg(text, hmm)
    }

    /// [`Tokenizer::posseg`] with a bound on the tagging HMM's work (see
    /// [`Lexicon::posseg_within`]).
    pub fn posseg_within<'a>(
        &'a self,
        text: &'a str,
        hmm: bool,
        work_left: &mut u64,
    ) -> Result<Vec<Tagged<'a>>, TooCostly> {
        self.lexicon().posseg_within(text, hmm, work_left)
    }

    /// The IDF of `word` in jieba's table (`analyse/idf.txt`), if listed.
    pub fn idf(&self, word: &str) -> Option<f64> {
        self.dict().idf(word)
    }

    /// The IDF jieba gives a word its table lacks: the table's median.
    pub fn median_idf(&self) -> f64 {
        self.dict().median_idf()
    }
}

/// Tells the kernel how the dictionary is used, so that the process's
/// resident memory counts the pages a request touches, not the file:
/// lookups jump around the trie (no readahead), and the page cache's large
/// folios must not be mapped 2 MiB at a time. Advice only; errors are ignored.
fn advise(map: &memmap2::Mmap) {
    let _ = map.advise(memmap2::Advice::Random);
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::NoHugePage);
}
