//! `serve --watch`: notices a change under the project's directory, runs the
//! build, and on success swaps in what was built without restarting the
//! server. Changes are found by polling file sizes and modification times
//! twice a second: no dependency, any file system, and the tree (sources,
//! dict/, template.yaml) is a few hundred files, so a scan costs well under a
//! millisecond of work per file. target/, .git/, .venv/ and hidden
//! directories are skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::log;

/// How often the tree is scanned.
const POLL: Duration = Duration::from_millis(500);

/// Directories never watched: build output, tools, version control.
const SKIPPED: [&str; 3] = ["target", "node_modules", "__pycache__"];

/// Size and modification time of every watched file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, (u64, Option<SystemTime>)>);

impl Snapshot {
    /// Every file under `root` but the skipped directories.
    pub fn scan(root: &Path) -> Snapshot {
        let mut files = BTreeMap::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    if !name.starts_with('.') && !SKIPPED.contains(&name.as_ref()) {
                        dirs.push(entry.path());
                    }
                } else if !name.starts_with('.') && !name.ends_with('~') {
                    files.insert(entry.path(), (meta.len(), meta.modified().ok()));
                }
            }
        }
        Snapshot(files)
    }

    /// Files added, removed or changed since `before`.
    pub fn changed_since(&self, before: &Snapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> =
            self.0.iter().filter(|(path, stat)| before.0.get(*path) != Some(stat)).map(|(p, _)| p.clone()).collect();
        changed.extend(before.0.keys().filter(|p| !self.0.contains_key(*p)).cloned());
        changed
    }
}

/// The commands that rebuild, run with `sh -c` in the watched directory.
#[derive(Clone, Debug)]
pub struct Builds {
    /// Rebuilds the functions (e.g. `scripts/build`).
    pub functions: String,
    /// Rebuilds the layer (e.g. `scripts/build-layer`), after `functions`,
    /// when a change is under one of `layer_sources`.
    pub layer: Option<String>,
    /// Directories (relative to the watched one) the layer is built from.
    pub layer_sources: Vec<PathBuf>,
}

impl Builds {
    /// The commands a change to `changed` files needs, in order.
    pub fn for_changes(&self, root: &Path, changed: &[PathBuf]) -> Vec<&str> {
        let mut commands = vec![self.functions.as_str()];
        let layer_changed =
            changed.iter().any(|path| self.layer_sources.iter().any(|source| path.starts_with(root.join(source))));
        if let (Some(layer), true) = (&self.layer, layer_changed) {
            commands.push(layer);
        }
        commands
    }
}

/// Runs `command` in `dir`, its output going to ours (the compiler's
/// progress and errors among it). `Err` says how it failed.
pub async fn run_build(command: &str, dir: &Path) -> Result<(), String> {
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// Watches `root` until the task is dropped: after each settled change, runs
/// the builds, then `swap` (which reloads and swaps in what was built). A
/// failed build, or a failed swap, keeps the last good build serving.
pub async fn watch(root: PathBuf, builds: Builds, mut swap: impl FnMut() -> Result<String, String>) {
    let mut seen = Snapshot::scan(&root);
    log::line("watch", &format!("watching {} for changes", root.display()));
    loop {
        tokio::time::sleep(POLL).await;
        let now = Snapshot::scan(&root);
        if now == seen {
            continue;
        }
        // Let a burst of writes (an editor's save, a git checkout) settle.
        let mut settled = now;
        loop {
            tokio::time::sleep(POLL).await;
            let again = Snapshot::scan(&root);
            if again == settled {
                break;
            }
            settled = again;
        }
        let changed = settled.changed_since(&seen);
        seen = settled;
        let shown: Vec<String> =
            changed.iter().take(3).map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string()).collect();
        let more = if changed.len() > 3 { format!(" and {} more", changed.len() - 3) } else { String::new() };
        log::line("watch", &format!("changed: {}{more}", shown.join(", ")));
        let mut failed = None;
        for (step, command) in builds.for_changes(&root, &changed).into_iter().enumerate() {
            log::line("watch", &format!("[{}] running {command}", step + 1));
            if let Err(e) = run_build(command, &root).await {
                failed = Some(e);
                break;
            }
        }
        match failed {
            Some(why) => log::line("watch", &format!("build failed: {why}; still serving the last good build")),
            None => match swap() {
                Ok(what) => log::line("watch", &format!("rebuilt: {what}")),
                Err(why) => log::line("watch", &format!("{why}; still serving the last good build")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_see_edits_additions_and_removals_but_not_target() {
        let root = std::env::temp_dir().join(format!("toolbox-local-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["functions/hello/src", "target/release", ".git"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("functions/hello/src/main.rs"), "fn main() {}").unwrap();
        std::fs::write(root.join("target/release/hello"), "binary").unwrap();
        let before = Snapshot::scan(&root);
        assert_eq!(before.0.len(), 1, "{before:?}");

        std::fs::write(root.join("target/release/hello"), "rebuilt binary").unwrap();
        std::fs::write(root.join(".git/index"), "x").unwrap();
        assert_eq!(Snapshot::scan(&root), before, "target/ and hidden directories are not watched");

        std::fs::write(root.join("functions/hello/src/main.rs"), "fn main() { println!() }").unwrap();
        std::fs::write(root.join("template.yaml"), "Resources: {}").unwrap();
        let after = Snapshot::scan(&root);
        let mut changed = after.changed_since(&before);
        changed.sort();
        assert_eq!(changed, [root.join("functions/hello/src/main.rs"), root.join("template.yaml")]);
        std::fs::remove_file(root.join("template.yaml")).unwrap();
        assert_eq!(Snapshot::scan(&root).changed_since(&after), [root.join("template.yaml")]);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn the_layer_is_rebuilt_only_for_its_sources() {
        let builds = Builds {
            functions: "scripts/build".into(),
            layer: Some("scripts/build-layer".into()),
            layer_sources: vec!["dict".into(), "layer".into()],
        };
        let root = Path::new("/repo");
        assert_eq!(builds.for_changes(root, &["/repo/functions/hello/src/main.rs".into()]), ["scripts/build"]);
        assert_eq!(
            builds.for_changes(root, &["/repo/gateway/src/lib.rs".into(), "/repo/dict/dict.txt".into()]),
            ["scripts/build", "scripts/build-layer"]
        );
        assert_eq!(builds.for_changes(root, &["/repo/layer/src/cut.rs".into()]).len(), 2);
    }
}
