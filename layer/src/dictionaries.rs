//! The dictionaries a function has: every dictionary layer attached under
//! `/opt`, each mapped once at init, and the one a request that names none
//! gets (`TOOLBOX_DICTIONARY`). Mapping costs a few pages whatever a
//! dictionary's size, so a function with both layers attached starts as
//! cheaply as with one, and one deployment serves simplified and
//! traditional text (Python jieba needs a `Tokenizer` object, and its
//! memory, for each).

use std::path::Path;

use once_cell::sync::OnceCell;

use crate::userdict::USER_MANIFEST_FILE;
use crate::{layer_dir, Dictionary, LayerError, LayerErrorKind, Tokenizer, DICTIONARY_ENV, MANIFEST_FILE};

/// Every dictionary layer attached, and the default one.
pub struct Dictionaries {
    /// In [`Dictionary::ALL`]'s order.
    loaded: Vec<Tokenizer>,
    default: Dictionary,
}

static SHARED: OnceCell<Dictionaries> = OnceCell::new();

impl Dictionaries {
    /// The process-wide dictionaries, loaded from [`layer_dir`] on first use
    /// with `TOOLBOX_DICTIONARY` (unset: `default`) as the default. Functions
    /// call this during init, so the load is not billed to an event.
    pub fn shared() -> Result<&'static Dictionaries, LayerError> {
        SHARED.get_or_try_init(|| {
            let dir = layer_dir();
            let default = match std::env::var(DICTIONARY_ENV) {
                Err(_) => Dictionary::Default,
                Ok(name) if name.is_empty() => Dictionary::Default,
                Ok(name) => Dictionary::parse(&name).ok_or_else(|| LayerError {
                    kind: LayerErrorKind::Misconfigured,
                    dictionary: Dictionary::Default,
                    path: dir.clone(),
                    problem: format!("{DICTIONARY_ENV}={name:?} names no dictionary: it must be default or big"),
                })?,
            };
            Dictionaries::load(&dir, default)
        })
    }

    /// Loads every dictionary layer under `layer_dir`. The default one must
    /// be there (else [`LayerErrorKind::Missing`]); any other is loaded if
    /// its manifest is there, and a layer that is there but unusable fails
    /// the whole load, as does a user layer built for a dictionary that is
    /// not attached ([`LayerErrorKind::VersionMismatch`], naming both).
    pub fn load(layer_dir: &Path, default: Dictionary) -> Result<Dictionaries, LayerError> {
        let mut loaded = Vec::with_capacity(Dictionary::ALL.len());
        let mut orphan = None;
        for dictionary in Dictionary::ALL {
            let root = dictionary.root(layer_dir);
            if dictionary == default || root.join(MANIFEST_FILE).exists() {
                loaded.push(Tokenizer::load_dictionary(layer_dir, dictionary)?);
            } else if orphan.is_none() && root.join(USER_MANIFEST_FILE).exists() {
                orphan = Some((dictionary, root.join(USER_MANIFEST_FILE)));
            }
        }
        if let Some((dictionary, path)) = orphan {
            let attached: Vec<String> =
                loaded.iter().map(|t| format!("{} {}", t.dictionary().layer_name(), t.layer_version())).collect();
            return Err(LayerError {
                kind: LayerErrorKind::VersionMismatch,
                dictionary,
                path,
                problem: format!(
                    "a user layer built for the {} layer is attached, but that layer is not (this function has {}): \
                     attach it, or the user layer built for the dictionary you attached",
                    dictionary.layer_name(),
                    attached.join(", ")
                ),
            });
        }
        Ok(Dictionaries { loaded, default })
    }

    /// The dictionary of requests that name none.
    pub fn default_dictionary(&self) -> Dictionary {
        self.default
    }

    /// `dictionary`'s tokenizer, if its layer is attached.
    pub fn get(&self, dictionary: Dictionary) -> Option<&Tokenizer> {
        self.loaded.iter().find(|t| t.dictionary() == dictionary)
    }

    /// The tokenizer a request's `dictionary` parameter names (`None`: the
    /// default), or why it cannot have it, worded for the request's author.
    pub fn choose(&self, name: Option<&str>) -> Result<&Tokenizer, String> {
        let dictionary = match name {
            None => self.default,
            Some(name) => Dictionary::parse(name).ok_or_else(|| {
                format!("'dictionary' must be default or big, not {name:?} (this function has {})", self.names())
            })?,
        };
        self.get(dictionary).ok_or_else(|| {
            format!(
                "dictionary '{dictionary}' is not attached to this function (it has {}): attach the {} layer",
                self.names(),
                dictionary.layer_name()
            )
        })
    }

    /// The attached dictionaries' names: `default, big`.
    pub fn names(&self) -> String {
        self.loaded.iter().map(|t| t.dictionary().name()).collect::<Vec<_>>().join(", ")
    }
}
