//! Lambda's execution model for one function: instances (execution
//! environments) each running one event at a time, warm ones reused, a new
//! one started when all are busy up to the concurrency limit, idle ones
//! stopped; `Timeout` and `MemorySize` enforced by killing the instance.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::instance::{Instance, Launch};
use super::Outcome;
use crate::log;
use crate::template::Function;

/// How the runner runs functions; shared by every pool.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where built functions are: `<dir>/<name>/bootstrap` or `<dir>/<name>`.
    pub bin_dirs: Vec<PathBuf>,
    /// Given to functions as `TOOLBOX_LAYER_DIR` (Lambda's `/opt`): one
    /// layer directory, or the merged view of several (`toolbox_layer::overlay::merge`).
    pub layer_dir: Option<PathBuf>,
    pub region: String,
    /// Instances per function at most (unless the template reserves fewer).
    pub concurrency: usize,
    /// How long a request waits for a free instance before a 429.
    pub queue_timeout: Duration,
    pub idle_timeout: Duration,
    /// Lambda's init phase limit (10 s).
    pub init_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bin_dirs: vec![PathBuf::from("target/lambda")],
            layer_dir: None,
            region: "us-east-1".into(),
            concurrency: 10,
            queue_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            init_timeout: Duration::from_secs(10),
        }
    }
}

/// How one event went: its outcome, and whether it started an instance.
#[derive(Debug)]
pub struct Invoked {
    pub outcome: Outcome,
    /// An instance was started for it (its init phase ran, or failed).
    pub cold_start: bool,
}

pub struct Pool {
    pub function: Function,
    settings: Arc<Settings>,
    permits: Semaphore,
    limit: usize,
    idle: Mutex<Vec<Instance>>,
    /// Bumped by [`Pool::retire`]: instances of an older generation are not
    /// reused.
    generation: AtomicU64,
    /// Instances started so far.
    pub started: AtomicU64,
}

impl Pool {
    pub fn new(function: Function, settings: Arc<Settings>) -> Pool {
        let limit = function.reserved_concurrency.unwrap_or(settings.concurrency).max(1);
        Pool {
            function,
            permits: Semaphore::new(limit),
            limit,
            settings,
            idle: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
            started: AtomicU64::new(0),
        }
    }

    /// The built bootstrap, looked up now (so a rebuild is seen).
    pub fn bootstrap(&self) -> Option<PathBuf> {
        find_bootstrap(&self.settings.bin_dirs, &self.function.name)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    fn label(&self) -> &str {
        &self.function.name
    }

    /// Runs one event on a free instance (warm if possible), with Lambda's
    /// limits, and logs START/END/REPORT. `trace`: the request's
    /// `X-Amzn-Trace-Id`, whose Root the function's trace id keeps.
    pub async fn invoke(&self, event: Bytes, trace: Option<&str>) -> Invoked {
        let permit = match tokio::time::timeout(self.settings.queue_timeout, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                log::line(self.label(), "throttled: every instance stayed busy (concurrency limit reached)");
                return Invoked { outcome: Outcome::Throttled, cold_start: false };
            }
        };
        let (mut instance, init) = match self.take_idle() {
            Some(instance) => (instance, None),
            None => match self.start_instance().await {
                Ok((instance, init)) => (instance, Some(init)),
                Err(outcome) => return Invoked { outcome, cold_start: true },
            },
        };
        let outcome = instance.invoke(&self.function, &self.settings.region, event, init, trace).await;
        // An instance of a retired build finishes its event, then stops.
        let current = instance.generation == self.generation.load(Ordering::Acquire);
        if outcome.keeps_instance() && !instance.has_exited() && current {
            instance.last_used = Instant::now();
            self.idle.lock().expect("poisoned").push(instance);
        }
        drop(permit);
        Invoked { outcome, cold_start: init.is_some() }
    }

    fn take_idle(&self) -> Option<Instance> {
        let generation = self.generation.load(Ordering::Acquire);
        let mut idle = self.idle.lock().expect("poisoned");
        // Most recently used first, like Lambda's warm reuse; dead ones dropped.
        while let Some(instance) = idle.pop() {
            if !instance.has_exited() && instance.generation == generation {
                return Some(instance);
            }
        }
        None
    }

    async fn start_instance(&self) -> Result<(Instance, Duration), Outcome> {
        let Some(bootstrap) = self.bootstrap() else {
            let message = format!(
                "no bootstrap for {} (looked in {}): run scripts/build",
                self.function.name,
                self.settings.bin_dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            );
            log::line(self.label(), &message);
            return Err(Outcome::init_error("Runtime.InvalidEntrypoint", message));
        };
        self.started.fetch_add(1, Ordering::Relaxed);
        Instance::start(Launch {
            function: &self.function,
            settings: &self.settings,
            bootstrap: &bootstrap,
            layer_dir: self.settings.layer_dir.as_deref(),
            generation: self.generation.load(Ordering::Acquire),
        })
        .await
    }

    /// A new build is in place: idle instances stop now, busy ones after
    /// their event; the next request cold-starts the new bootstrap.
    pub fn retire(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.idle.lock().expect("poisoned").clear();
    }

    /// Stops instances idle for longer than the idle timeout.
    pub fn reap_idle(&self) {
        let timeout = self.settings.idle_timeout;
        let mut idle = self.idle.lock().expect("poisoned");
        let before = idle.len();
        idle.retain(|i| i.last_used.elapsed() < timeout && !i.has_exited());
        let stopped = before - idle.len();
        if stopped > 0 {
            log::info(self.label(), &format!("stopped {stopped} idle instance(s)"));
        }
    }

    /// Kills every idle instance (busy ones are killed by `process::kill_all`).
    pub fn shutdown(&self) {
        self.idle.lock().expect("poisoned").clear();
    }
}

/// `<dir>/<name>/bootstrap` (what scripts/build installs) or `<dir>/<name>`
/// (cargo's own output), in the order the directories are given.
pub fn find_bootstrap(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    for dir in dirs {
        for candidate in [dir.join(name).join("bootstrap"), dir.join(name)] {
            if candidate.is_file() {
                return Some(std::fs::canonicalize(&candidate).unwrap_or(candidate));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstraps_are_found_in_order_installed_first() {
        let root = std::env::temp_dir().join(format!("toolbox-local-find-{}", std::process::id()));
        let (a, b) = (root.join("a"), root.join("b"));
        std::fs::create_dir_all(a.join("hello")).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("hello"), "cargo's").unwrap();
        std::fs::write(b.join("calculator"), "cargo's").unwrap();
        std::fs::write(a.join("hello").join("bootstrap"), "installed").unwrap();
        let dirs = [a.clone(), b.clone()];
        let found = |name| find_bootstrap(&dirs, name).map(|p| std::fs::read_to_string(p).unwrap());
        assert_eq!(found("hello").as_deref(), Some("installed"));
        assert_eq!(found("calculator").as_deref(), Some("cargo's"));
        assert_eq!(found("segment"), None);
        let _ = std::fs::remove_dir_all(root);
    }
}
