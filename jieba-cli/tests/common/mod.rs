//! What both test binaries need: the repository's and the target's paths,
//! the files `scripts/test` builds first, a scratch directory, and where
//! two outputs part.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target directory").to_path_buf()
}

/// `path`, which `how` makes (scripts/test runs it first).
pub fn existing(path: PathBuf, how: &str) -> PathBuf {
    assert!(path.exists(), "{} is missing: run {how} (scripts/test does)", path.display());
    path
}

pub fn layer() -> PathBuf {
    existing(target().join("layer/opt"), "scripts/build-layer")
}

pub fn big_layer() -> PathBuf {
    existing(target().join("layer-big/opt"), "scripts/build-layer --dictionary big")
}

pub fn news() -> PathBuf {
    existing(target().join("corpus/news.txt"), "scripts/news-corpus")
}

pub fn reviews() -> PathBuf {
    repo().join("tests/corpus/reviews.txt")
}

/// An empty directory of this test run's own.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("jieba-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first line where two outputs differ, for a failure message; the
/// labels name the two sides.
pub fn first_difference(labels: [&str; 2], a: &[u8], b: &[u8]) -> String {
    let (x, y): (Vec<&[u8]>, Vec<&[u8]>) = (a.split(|&c| c == b'\n').collect(), b.split(|&c| c == b'\n').collect());
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        if p != q {
            return format!(
                "line {}:\n  {}: {}\n  {}: {}",
                i + 1,
                labels[0],
                String::from_utf8_lossy(p),
                labels[1],
                String::from_utf8_lossy(q)
            );
        }
    }
    format!("{} has {} lines, {} {}", labels[0], x.len(), labels[1], y.len())
}
