//! The jieba dictionaries a function can carry, each in a layer of its own:
//! jieba's default `dict.txt` (`toolbox-jieba`, under `/opt/toolbox/`) and
//! its big `dict.txt.big` for traditional Chinese (`toolbox-jieba-big`,
//! under `/opt/toolbox-big/`). Their files never collide, so both layers can
//! be attached to one function, and a request names the one it wants.

use std::path::{Path, PathBuf};

/// One of jieba's dictionaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dictionary {
    /// jieba's `dict.txt`: simplified Chinese.
    Default,
    /// jieba's `extra_dict/dict.txt.big`: traditional and simplified Chinese.
    Big,
}

/// Environment variable naming the dictionary of requests that name none
/// (the template's `DefaultDictionary`); unset is `default`.
pub const DICTIONARY_ENV: &str = "TOOLBOX_DICTIONARY";

impl Dictionary {
    pub const ALL: [Dictionary; 2] = [Dictionary::Default, Dictionary::Big];

    /// The name a request, a script and `TOOLBOX_DICTIONARY` use.
    pub fn name(self) -> &'static str {
        match self {
            Dictionary::Default => "default",
            Dictionary::Big => "big",
        }
    }

    pub fn parse(name: &str) -> Option<Dictionary> {
        Dictionary::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The layer's name, as published and as written in its manifest.
    pub fn layer_name(self) -> &'static str {
        match self {
            Dictionary::Default => crate::LAYER_NAME,
            Dictionary::Big => crate::BIG_LAYER_NAME,
        }
    }

    /// The directory under `/opt` that holds the layer's files (and the
    /// user layers built for it).
    pub fn subdir(self) -> &'static str {
        match self {
            Dictionary::Default => crate::LAYER_SUBDIR,
            Dictionary::Big => "toolbox-big",
        }
    }

    /// `<layer dir>/<subdir>`: where this dictionary's layer is unpacked.
    pub fn root(self, layer_dir: &Path) -> PathBuf {
        layer_dir.join(self.subdir())
    }

    /// Where, in the repository's `dict/`, its own sources are: the
    /// dictionary and the IDF table. The two HMMs are jieba's own whatever
    /// the dictionary (`dict/finalseg/`, `dict/posseg/`).
    pub fn source_files(self) -> [&'static str; 2] {
        match self {
            Dictionary::Default => ["dict.txt", "idf.txt"],
            Dictionary::Big => ["big/dict.txt.big", "big/idf.txt.big"],
        }
    }
}

impl std::fmt::Display for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_layers_never_collide() {
        for dictionary in Dictionary::ALL {
            assert_eq!(Dictionary::parse(dictionary.name()), Some(dictionary));
        }
        assert_eq!(Dictionary::parse("Big"), None);
        assert_ne!(Dictionary::Default.subdir(), Dictionary::Big.subdir());
        assert_ne!(Dictionary::Default.layer_name(), Dictionary::Big.layer_name());
    }
}
