use std::path::PathBuf;

/// Environment variable that replaces `/opt` as the directory layers are unpacked in.
pub const LAYER_DIR_ENV: &str = "TOOLBOX_LAYER_DIR";

/// Our layer's files live in `<layer dir>/toolbox/`, so they never collide with
/// another layer attached to the same function (Lambda merges all layers into `/opt`).
pub const LAYER_SUBDIR: &str = "toolbox";

/// The directory Lambda unpacked the layers into: `$TOOLBOX_LAYER_DIR` if set
/// and non-empty, else `/opt`.
pub fn layer_dir() -> PathBuf {
    match std::env::var_os(LAYER_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("/opt"),
    }
}
