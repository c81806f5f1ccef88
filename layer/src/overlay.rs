//! Several layer directories seen as one `/opt`, as Lambda unpacks every
//! attached layer into `/opt` in order, a later layer's file winning over an
//! earlier one's at the same path. The merged view is a tree of directories
//! and symlinks to the layers' files, so nothing is copied and a rebuilt
//! layer file (written elsewhere and renamed into place) is seen at once.
//! Used off Lambda only: by toolbox-local (`--layer-dir`, repeated) and the
//! toolbox-jieba command line; a function reads the `/opt` Lambda made.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

/// The `/opt` a function sees for `dirs`: the one directory itself, or a
/// merged tree under `scratch` (one per distinct list of directories,
/// rebuilt on every call so files added to a layer appear).
pub fn opt_dir(dirs: &[PathBuf], scratch: &Path) -> io::Result<Option<PathBuf>> {
    let dirs: Vec<PathBuf> = dirs.iter().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone())).collect();
    match dirs.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        many => {
            let mut hasher = DefaultHasher::new();
            many.hash(&mut hasher);
            let out = scratch.join(format!("opt-{:016x}", hasher.finish()));
            merge(many, &out)?;
            Ok(Some(out))
        }
    }
}

/// Writes the merged view of `dirs` at `out`, replacing what was there in
/// one rename, so an instance never sees a half-built tree.
pub fn merge(dirs: &[PathBuf], out: &Path) -> io::Result<()> {
    let parent = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging =
        parent.join(format!(".{}.{}", out.file_name().and_then(|n| n.to_str()).unwrap_or("opt"), std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    for dir in dirs {
        if !dir.is_dir() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("no layer directory {}", dir.display())));
        }
        link_tree(dir, &staging)?;
    }
    // rename(2) cannot replace a non-empty directory: move the old one aside.
    let old = parent.join(format!(
        ".{}.old.{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("opt"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&old);
    if out.exists() {
        std::fs::rename(out, &old)?;
    }
    std::fs::rename(&staging, out)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Mirrors `from` into `to`: directories as directories, everything else as
/// a symlink to the absolute source, replacing whatever an earlier layer put
/// at that path (a file over a directory too, as unpacking would).
fn link_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let existing = std::fs::symlink_metadata(&target).ok();
        if std::fs::metadata(&source)?.is_dir() {
            match existing {
                Some(meta) if meta.is_dir() => {}
                Some(_) => {
                    std::fs::remove_file(&target)?;
                    std::fs::create_dir(&target)?;
                }
                None => std::fs::create_dir(&target)?,
            }
            link_tree(&source, &target)?;
        } else {
            match existing {
                Some(meta) if meta.is_dir() => std::fs::remove_dir_all(&target)?,
                Some(_) => std::fs::remove_file(&target)?,
                None => {}
            }
            std::os::unix::fs::symlink(&source, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn later_layers_win_and_directories_merge() {
        let root = std::env::temp_dir().join(format!("toolbox-layer-overlay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (main, user) = (root.join("main"), root.join("user"));
        write(&main.join("toolbox/manifest.json"), "main manifest");
        write(&main.join("toolbox/dict/dict.bin"), "dict");
        write(&main.join("bin/tool"), "main tool");
        write(&user.join("toolbox/userdict/manifest.json"), "user manifest");
        write(&user.join("bin/tool"), "user tool");
        let opt = opt_dir(&[main.clone(), user.clone()], &root.join("scratch")).unwrap().unwrap();
        let read = |p: &str| std::fs::read_to_string(opt.join(p)).unwrap();
        assert_eq!(read("toolbox/manifest.json"), "main manifest");
        assert_eq!(read("toolbox/dict/dict.bin"), "dict");
        assert_eq!(read("toolbox/userdict/manifest.json"), "user manifest");
        assert_eq!(read("bin/tool"), "user tool");

        // Merging again sees a file added since, and the same list maps to the same tree.
        write(&user.join("toolbox/userdict/userdict.bin"), "words");
        let again = opt_dir(&[main.clone(), user.clone()], &root.join("scratch")).unwrap().unwrap();
        assert_eq!(again, opt);
        assert_eq!(read("toolbox/userdict/userdict.bin"), "words");

        // One directory is used as it is; a missing one is an error.
        assert_eq!(opt_dir(std::slice::from_ref(&main), &root).unwrap(), Some(std::fs::canonicalize(&main).unwrap()));
        assert!(opt_dir(&[main, root.join("missing")], &root.join("scratch")).is_err());
        let _ = std::fs::remove_dir_all(root);
    }
}
