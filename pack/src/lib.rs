//! Packaging for Lambda: the function zips (`bootstrap`, mode 0755), the
//! layer tree and its zip, and the checks every bootstrap must pass (its
//! glibc, its architecture). Every archive is byte-for-byte reproducible:
//! see [`zip`].

pub mod arch;
pub mod glibc;
pub mod zip;

use std::path::{Path, PathBuf};

use arch::Architecture;
use glibc::GlibcVersion;
use toolbox_layer::Dictionary;
use zip::Entry;

/// The glibc of the `provided.al2023` runtime.
pub const AL2023_GLIBC: &str = "2.34";

/// The layer zip's file name under the output directory.
pub const LAYER_ZIP: &str = "toolbox-jieba.zip";

/// A dictionary's layer zip: `toolbox-jieba.zip`, `toolbox-jieba-big.zip`.
pub fn layer_zip(dictionary: Dictionary) -> String {
    format!("{}.zip", dictionary.layer_name())
}

/// A user layer's zip: `toolbox-userdict.zip`, or `toolbox-userdict-big.zip`
/// for one built against the big dictionary.
pub fn user_layer_zip(dictionary: Dictionary) -> String {
    match dictionary {
        Dictionary::Default => USER_LAYER_ZIP.to_string(),
        Dictionary::Big => "toolbox-userdict-big.zip".to_string(),
    }
}

/// What [`build_layer`] produced.
#[derive(Debug)]
pub struct LayerBuild {
    pub version: String,
    /// `<out>/opt`: exactly what Lambda unpacks under `/opt`.
    pub tree: PathBuf,
    /// `<out>/toolbox-jieba.zip`, entries relative to `opt/`.
    pub zip: PathBuf,
    pub zip_bytes: u64,
}

/// Writes `<out>/opt/` from `dict_dir` (via [`toolbox_layer::assemble_dictionary`])
/// and zips it into `<out>/toolbox-jieba.zip` (`toolbox-jieba-big.zip` for
/// the big dictionary). The tree is assembled from scratch in a staging
/// directory, so nothing stale ends up in the zip and a failed build leaves
/// the previous `<out>/opt` as it was.
pub fn build_layer(dict_dir: &Path, dictionary: Dictionary, out: &Path) -> Result<LayerBuild, String> {
    build_tree(out, &layer_zip(dictionary), |staging| {
        toolbox_layer::assemble_dictionary(dict_dir, dictionary, staging)
            .map(|manifest| manifest.version)
            .map_err(|e| e.to_string())
    })
}

/// The user layer zip's file name under the output directory.
pub const USER_LAYER_ZIP: &str = "toolbox-userdict.zip";

/// What [`build_user_layer`] produced: the layer, and the lines of the
/// files jieba reads in a surprising way (`file:line: ...`).
#[derive(Debug)]
pub struct UserLayerBuild {
    pub layer: LayerBuild,
    pub words: usize,
    pub warnings: Vec<String>,
}

/// Writes `<out>/opt/` (its files under `toolbox/userdict/`, or
/// `toolbox-big/userdict/` for the big dictionary) from the user dictionary
/// `files`, replayed in order over `dictionary`'s layer found in
/// `main_layer_dir` (the directory standing for `/opt`), and zips it into
/// `<out>/toolbox-userdict.zip` (`toolbox-userdict-big.zip`), as [`build_layer`] does.
pub fn build_user_layer(
    main_layer_dir: &Path,
    dictionary: Dictionary,
    files: &[PathBuf],
    out: &Path,
) -> Result<UserLayerBuild, String> {
    let main = toolbox_layer::Tokenizer::load_dictionary(main_layer_dir, dictionary).map_err(|e| e.to_string())?;
    let mut contents = Vec::with_capacity(files.len());
    for file in files {
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        contents.push((file.display().to_string(), bytes));
    }
    let mut compiled = None;
    let layer = build_tree(out, &user_layer_zip(dictionary), |staging| {
        let (manifest, built) = toolbox_layer::userdict::assemble(&main, &contents, staging)?;
        compiled = Some(built);
        Ok(manifest.version)
    })?;
    let compiled = compiled.ok_or("user layer not compiled")?;
    Ok(UserLayerBuild { layer, words: compiled.words, warnings: compiled.warnings })
}

/// Builds `<out>/opt` with `assemble` (which returns the layer's version) in
/// a staging directory, swaps it in, and zips it into `<out>/<zip_name>`.
fn build_tree(
    out: &Path,
    zip_name: &str,
    assemble: impl FnOnce(&Path) -> Result<String, String>,
) -> Result<LayerBuild, String> {
    let tree = out.join("opt");
    let staging = out.join(format!(".opt.staging{}", std::process::id()));
    let clear = |dir: &Path| -> Result<(), String> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        Ok(())
    };
    clear(&staging)?;
    let version = match assemble(&staging) {
        Ok(version) => version,
        Err(e) => {
            let _ = clear(&staging);
            return Err(e);
        }
    };
    clear(&tree)?;
    std::fs::rename(&staging, &tree)
        .map_err(|e| format!("cannot move {} to {}: {e}", staging.display(), tree.display()))?;
    let bytes = zip::write_zip(zip::dir_entries(&tree)?)?;
    let zip = out.join(zip_name);
    zip::write_atomically(&zip, &bytes)?;
    Ok(LayerBuild { version, tree, zip, zip_bytes: bytes.len() as u64 })
}

/// Reads `path` and checks it needs no glibc newer than `max`; returns the
/// newest glibc it does need.
pub fn check_glibc_file(path: &Path, max: &GlibcVersion) -> Result<Option<GlibcVersion>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    check_glibc_bytes(path, &bytes, max)
}

/// [`check_glibc_file`] on contents already read; `path` only names them in messages.
fn check_glibc_bytes(path: &Path, bytes: &[u8], max: &GlibcVersion) -> Result<Option<GlibcVersion>, String> {
    let deps = glibc::dependencies(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    glibc::check(&deps, max).map_err(|violations| {
        let mut message = format!("{}: needs a glibc newer than {max}:", path.display());
        for v in violations {
            message.push_str(&format!("\n  {v}"));
        }
        message
    })
}

/// What [`package_function`] produced.
#[derive(Debug)]
pub struct FunctionBuild {
    pub bootstrap: PathBuf,
    pub zip: PathBuf,
    pub zip_bytes: u64,
    pub glibc: Option<GlibcVersion>,
}

/// Checks `binary` is an `arch` executable needing no glibc newer than
/// `max_glibc`, installs it as `<out>/bootstrap` (mode 0755), writes
/// `<out>/bootstrap.zip` holding just that file, and reads the zip back
/// through [`check_function_zip`]: what ships is checked, not what was meant to.
pub fn package_function(
    binary: &Path,
    out: &Path,
    max_glibc: &GlibcVersion,
    arch: Architecture,
) -> Result<FunctionBuild, String> {
    let data = std::fs::read(binary).map_err(|e| format!("{}: cannot read: {e}", binary.display()))?;
    arch.check(&data).map_err(|e| format!("{}: {e}", binary.display()))?;
    let glibc = check_glibc_bytes(binary, &data, max_glibc)?;
    let bootstrap = out.join("bootstrap");
    zip::write_atomically(&bootstrap, &data)?;
    set_executable(&bootstrap)?;
    let bytes = zip::write_zip(vec![Entry::new("bootstrap", 0o755, data)])?;
    let zip = out.join("bootstrap.zip");
    zip::write_atomically(&zip, &bytes)?;
    check_function_zip(&zip, arch)?;
    Ok(FunctionBuild { bootstrap, zip, zip_bytes: bytes.len() as u64, glibc })
}

/// Checks `path` is what Lambda runs for an `arch` function: an `arch` ELF
/// executable, or a zip holding exactly one such `bootstrap` with mode 0755.
pub fn check_function_zip(path: &Path, arch: Architecture) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let in_file = |e: String| format!("{}: {e}", path.display());
    if !bytes.starts_with(b"PK") {
        return arch.check(&bytes).map_err(in_file);
    }
    let entries = zip::read_zip(&bytes).map_err(in_file)?;
    match entries.as_slice() {
        [entry] if entry.name == "bootstrap" && entry.mode == 0o755 => {
            arch.check(&entry.data).map_err(|e| in_file(format!("bootstrap {e}")))
        }
        _ => {
            let names: Vec<String> = entries.iter().map(|e| format!("{} ({:o})", e.name, e.mode)).collect();
            Err(in_file(format!("holds [{}], not just an executable bootstrap", names.join(", "))))
        }
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot chmod {}: {e}", path.display()))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result<(), String> {
    Ok(())
}
