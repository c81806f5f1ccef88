//! The compiled dictionary's checks: a foreign, stale, truncated or corrupt
//! `dict.bin` is a clear load error naming the file, and whatever its
//! bytes, segmentation never panics.

mod common;

use std::path::{Path, PathBuf};

use common::{repo, scratch_dir, Rng};
use toolbox_layer::{
    format, LayerErrorKind, Manifest, Mode, Tokenizer, COMPILED_DICT_FILE, LAYER_FORMAT, MANIFEST_FILE,
};

/// A layer built from the first `lines` lines of the real dictionary (and
/// the real HMM and IDF tables).
fn small_layer(name: &str, lines: usize) -> PathBuf {
    let dict_dir = scratch_dir(&format!("{name}-dict"));
    let text = std::fs::read_to_string(repo().join("dict/dict.txt")).unwrap();
    let head: String = text.lines().take(lines).map(|l| format!("{l}\n")).collect();
    std::fs::write(dict_dir.join("dict.txt"), head).unwrap();
    for other in ["idf.txt", "finalseg", "posseg"] {
        std::os::unix::fs::symlink(repo().join("dict").join(other), dict_dir.join(other)).unwrap();
    }
    let layer = scratch_dir(name);
    toolbox_layer::assemble(&dict_dir, &layer).expect("assemble");
    layer
}

fn bin_path(layer: &Path) -> PathBuf {
    layer.join("toolbox").join(COMPILED_DICT_FILE)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Rewrites `dict.bin` and makes the manifest agree with its new size and
/// crc32, so that only the file's own checks can catch the change.
fn replace_bin(layer: &Path, bytes: &[u8]) {
    std::fs::write(bin_path(layer), bytes).unwrap();
    let manifest_path = layer.join("toolbox").join(MANIFEST_FILE);
    let mut manifest = Manifest::read(&manifest_path).unwrap();
    let entry = manifest.files.get_mut(COMPILED_DICT_FILE).unwrap();
    entry.bytes = bytes.len() as u64;
    entry.crc32 = crc32(bytes);
    std::fs::write(&manifest_path, manifest.to_json()).unwrap();
}

/// Recomputes the header's own crc32 after editing header fields.
fn reseal_header(bytes: &mut [u8]) {
    let at = format::HEADER_LEN - 8;
    let crc = crc32(&bytes[..at]);
    bytes[at..at + 4].copy_from_slice(&crc.to_le_bytes());
}

fn load_error(layer: &Path) -> String {
    match Tokenizer::load(layer) {
        Ok(_) => panic!("a damaged layer loaded"),
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains(&format!("format {LAYER_FORMAT}")), "{message}");
            message
        }
    }
}

#[test]
fn assemble_writes_a_compiled_dictionary_the_manifest_describes() {
    let layer = small_layer("describes", 2000);
    let bytes = std::fs::read(bin_path(&layer)).unwrap();
    let manifest = Manifest::read(&layer.join("toolbox").join(MANIFEST_FILE)).unwrap();
    let entry = &manifest.files[COMPILED_DICT_FILE];
    assert_eq!(entry.bytes, bytes.len() as u64);
    assert_eq!(entry.crc32, crc32(&bytes));
    assert_eq!(&bytes[..8], &format::MAGIC);
    let header = format::Header::parse(&bytes).unwrap();
    assert_eq!(header.format, format::FORMAT);
    assert_eq!(header.source_crc32, manifest.files[toolbox_layer::DICT_FILE].crc32);
    let tokenizer = Tokenizer::load(&layer).unwrap();
    tokenizer.verify().unwrap();
    assert_eq!(tokenizer.layer_version(), manifest.version);
}

#[test]
fn assembling_twice_gives_identical_bytes() {
    let a = std::fs::read(bin_path(&small_layer("twice-a", 3000))).unwrap();
    let b = std::fs::read(bin_path(&small_layer("twice-b", 3000))).unwrap();
    assert!(a == b, "dict.bin differs between two builds of the same dict.txt");
}

#[test]
fn a_foreign_file_is_refused_for_its_magic_number() {
    let layer = small_layer("magic", 500);
    let mut bytes = std::fs::read(bin_path(&layer)).unwrap();
    bytes[..8].copy_from_slice(b"PK\x03\x04....");
    replace_bin(&layer, &bytes);
    let message = load_error(&layer);
    assert!(message.contains("magic"), "{message}");
    assert!(message.contains("dict.bin"), "{message}");
}

#[test]
fn another_format_version_is_refused_by_number() {
    let layer = small_layer("version", 500);
    let mut bytes = std::fs::read(bin_path(&layer)).unwrap();
    bytes[8..12].copy_from_slice(&(format::FORMAT + 1).to_le_bytes());
    reseal_header(&mut bytes);
    replace_bin(&layer, &bytes);
    let message = load_error(&layer);
    assert!(message.contains(&format!("format {}", format::FORMAT + 1)), "{message}");
    assert!(message.contains("rebuild the layer"), "{message}");
}

#[test]
fn a_corrupt_header_is_refused() {
    let layer = small_layer("header", 500);
    let mut bytes = std::fs::read(bin_path(&layer)).unwrap();
    bytes[44] ^= 0x10; // the frequency total, covered by the header crc32
    replace_bin(&layer, &bytes);
    let message = load_error(&layer);
    assert!(message.contains("header is corrupt"), "{message}");
}

#[test]
fn a_truncated_file_is_refused() {
    // Shorter than the manifest says.
    let layer = small_layer("truncated", 500);
    let bytes = std::fs::read(bin_path(&layer)).unwrap();
    std::fs::write(bin_path(&layer), &bytes[..bytes.len() - 100]).unwrap();
    assert!(load_error(&layer).contains("truncated"));
    // Shorter than its own header says, with a manifest that agrees.
    replace_bin(&layer, &bytes[..bytes.len() - 100]);
    let message = load_error(&layer);
    assert!(message.contains("header says"), "{message}");
    // Shorter than a header.
    replace_bin(&layer, &bytes[..100]);
    assert!(load_error(&layer).contains("truncated"));
}

#[test]
fn a_stale_compiled_dictionary_is_refused() {
    // dict.bin compiled from another dict.txt than the one the manifest lists.
    let layer = small_layer("stale", 500);
    let other = std::fs::read(bin_path(&small_layer("stale-other", 600))).unwrap();
    replace_bin(&layer, &other);
    let message = load_error(&layer);
    assert!(message.contains("compiled from another dict.txt"), "{message}");
}

#[test]
fn a_compiled_dictionary_without_the_tagging_and_idf_tables_is_refused() {
    // A format-1 file (9 sections, no posseg or IDF tables) under a manifest
    // of this format: its header no longer parses.
    let layer = small_layer("old-sections", 500);
    let mut bytes = std::fs::read(bin_path(&layer)).unwrap();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    reseal_header(&mut bytes);
    replace_bin(&layer, &bytes);
    let message = load_error(&layer);
    assert!(message.contains("compiled dictionary format 1"), "{message}");
    assert!(message.contains(&format!("reads format {}", format::FORMAT)), "{message}");
}

#[test]
fn a_layer_of_another_format_is_refused_before_reading_it() {
    let layer = small_layer("layer-format", 500);
    let path = layer.join("toolbox").join(MANIFEST_FILE);
    let mut manifest = Manifest::read(&path).unwrap();
    manifest.format = LAYER_FORMAT - 1;
    std::fs::write(&path, manifest.to_json()).unwrap();
    let message = load_error(&layer);
    assert!(message.contains(&format!("format {}", LAYER_FORMAT - 1)), "{message}");
}

/// Every mode on `text`; the precise-mode words must still cover the text.
fn exercise(tokenizer: &Tokenizer, text: &str) {
    for hmm in [true, false] {
        let words: String = tokenizer.cut(text, Mode::Default, hmm).iter().map(|t| t.word.as_ref()).collect();
        assert_eq!(words, text);
        let _ = tokenizer.cut(text, Mode::Search, hmm);
        let tagged: String = tokenizer.posseg(text, hmm).iter().map(|t| t.word).collect();
        assert_eq!(tagged, text);
    }
    let _ = tokenizer.cut(text, Mode::All, false);
    for word in text.split_whitespace() {
        let _ = tokenizer.idf(word);
    }
    let _ = tokenizer.median_idf();
}

#[test]
fn a_corrupt_body_is_caught_by_verify_and_never_panics() {
    let layer = small_layer("body", 3000);
    let pristine = std::fs::read(bin_path(&layer)).unwrap();
    let mut rng = Rng::new(7);
    let texts: Vec<String> =
        (0..40).map(|_| rng.text(60)).chain(["我来到北京清华大学".into(), "小明硕士毕业于中国科学院".into()]).collect();
    let mut loaded = 0;
    for round in 0..25 {
        let mut bytes = pristine.clone();
        for _ in 0..1 + rng.below(64) {
            let at = format::HEADER_LEN + rng.below(bytes.len() - format::HEADER_LEN);
            bytes[at] = rng.next() as u8;
        }
        if round % 5 == 0 {
            // Wreck a whole stretch, as a bad copy would.
            let at = format::HEADER_LEN + rng.below(bytes.len() - format::HEADER_LEN - 4096);
            bytes[at..at + 4096].fill(0xFF);
        }
        replace_bin(&layer, &bytes);
        // Load checks the header and the few bytes of tag names only, so
        // most damage shows up in verify(), not here.
        let tokenizer = match Tokenizer::load(&layer) {
            Ok(tokenizer) => tokenizer,
            Err(e) => {
                assert!(e.to_string().contains("tag table"), "{e}");
                continue;
            }
        };
        loaded += 1;
        if bytes != pristine {
            assert!(tokenizer.verify().is_err(), "round {round}: corruption not detected");
        }
        for text in &texts {
            exercise(&tokenizer, text);
        }
    }
    assert!(loaded >= 20, "only {loaded} of 25 damaged files loaded");
}

#[test]
fn any_header_values_are_refused_or_harmless() {
    let layer = small_layer("header-fuzz", 1000);
    let pristine = std::fs::read(bin_path(&layer)).unwrap();
    let mut rng = Rng::new(11);
    let texts: Vec<String> = (0..10).map(|_| rng.text(40)).collect();
    let mut loaded = 0;
    for _ in 0..300 {
        let mut bytes = pristine.clone();
        // Random values in the counts and the section table, keeping magic,
        // format and header length, with a valid header crc32.
        for _ in 0..1 + rng.below(4) {
            let at = 40 + rng.below(format::HEADER_LEN - 8 - 40 - 8);
            let value = match rng.below(3) {
                0 => rng.next(),
                1 => rng.next() % (bytes.len() as u64 + 16),
                _ => 0,
            };
            let width = if rng.below(2) == 0 { 4 } else { 8 };
            bytes[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
        }
        reseal_header(&mut bytes);
        replace_bin(&layer, &bytes);
        if let Ok(tokenizer) = Tokenizer::load(&layer) {
            loaded += 1;
            for text in &texts {
                exercise(&tokenizer, text);
            }
        }
    }
    assert!(loaded < 300, "no header change was ever refused");
}

#[test]
fn an_unreadable_layer_directory_is_not_reported_as_missing() {
    // `toolbox` is a file, so the manifest cannot even be looked up (root,
    // which CI runs as, ignores permission bits: ENOTDIR stands in for EACCES).
    let layer = scratch_dir("not-a-dir");
    std::fs::write(layer.join("toolbox"), "not a directory").unwrap();
    let message = load_error(&layer);
    assert!(message.contains("cannot read the layer manifest"), "{message}");
    assert!(!message.contains("not found"), "{message}");
}

/// Each problem is reported as its kind's own Lambda error type.
#[test]
fn missing_stale_and_damaged_layers_are_told_apart() {
    let kind = |layer: &Path| Tokenizer::load(layer).err().map(|e| (e.kind, e.error_type()));
    let empty = scratch_dir("kind-missing");
    assert_eq!(kind(&empty), Some((LayerErrorKind::Missing, "Layer.Missing")));

    let other_format = small_layer("kind-format", 300);
    let path = other_format.join("toolbox").join(MANIFEST_FILE);
    let mut manifest = Manifest::read(&path).unwrap();
    manifest.format = LAYER_FORMAT + 1;
    std::fs::write(&path, manifest.to_json()).unwrap();
    assert_eq!(kind(&other_format), Some((LayerErrorKind::VersionMismatch, "Layer.VersionMismatch")));

    let stale = small_layer("kind-stale", 300);
    replace_bin(&stale, &std::fs::read(bin_path(&small_layer("kind-stale-other", 400))).unwrap());
    assert_eq!(kind(&stale).map(|k| k.0), Some(LayerErrorKind::VersionMismatch));

    let old_bin = small_layer("kind-old-bin", 300);
    let mut bytes = std::fs::read(bin_path(&old_bin)).unwrap();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    reseal_header(&mut bytes);
    replace_bin(&old_bin, &bytes);
    assert_eq!(kind(&old_bin).map(|k| k.0), Some(LayerErrorKind::VersionMismatch));

    let truncated = small_layer("kind-truncated", 300);
    let bytes = std::fs::read(bin_path(&truncated)).unwrap();
    std::fs::write(bin_path(&truncated), &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(kind(&truncated), Some((LayerErrorKind::Corrupt, "Layer.Corrupt")));

    let foreign = small_layer("kind-foreign", 300);
    replace_bin(&foreign, &[7u8; 4096]);
    assert_eq!(kind(&foreign).map(|k| k.0), Some(LayerErrorKind::Corrupt));

    let unreadable = scratch_dir("kind-unreadable");
    std::fs::write(unreadable.join("toolbox"), "not a directory").unwrap();
    assert_eq!(kind(&unreadable).map(|k| k.0), Some(LayerErrorKind::Corrupt));
}
