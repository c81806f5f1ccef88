//! A function's architecture (the template's `Architectures`) and the
//! machine a built bootstrap is really for (its ELF header), so an arm64
//! build can be run on an x86_64 machine through qemu-user, and a mismatch is
//! said plainly instead of surfacing as `exec format error`.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::template::Function;

pub use toolbox_pack::arch::Architecture;

/// The machine an executable is built for, from its ELF header; `None` for
/// a file that is not an ELF executable for a Lambda architecture (a test's
/// shell script, another machine): such a file is run as it is.
pub fn machine_of(path: &Path) -> std::io::Result<Option<Architecture>> {
    let mut header = [0u8; 20];
    let mut file = std::fs::File::open(path)?;
    if file.read_exact(&mut header).is_err() {
        return Ok(None);
    }
    Ok(Architecture::of_elf(&header).ok())
}

/// How a bootstrap is started on this machine: as itself, or, built for the
/// other architecture, under qemu-user (one process, so the Runtime API's
/// peer check, the memory watch and the kill on timeout all see it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launcher {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// What the bootstrap is built for (`None`: not an ELF executable we
    /// know, e.g. a test's shell script: run as it is).
    pub machine: Option<Architecture>,
    /// The qemu-user program it runs under, if any.
    pub emulator: Option<&'static str>,
}

/// qemu-user for each architecture, and the C library (a Debian cross
/// package) its dynamic loader and glibc come from.
fn emulator(machine: Architecture) -> (&'static str, &'static str, &'static str) {
    match machine {
        Architecture::Arm64 => ("qemu-aarch64-static", "/usr/aarch64-linux-gnu", "libc6-arm64-cross"),
        Architecture::X86_64 => ("qemu-x86_64-static", "/usr/x86_64-linux-gnu", "libc6-amd64-cross"),
    }
}

/// How to start `bootstrap` here. A foreign one needs qemu-user: if it is
/// missing, the error says which package gives it; there is no fallback.
pub fn launcher(bootstrap: &Path) -> Result<Launcher, String> {
    let direct = |machine| Launcher { program: bootstrap.to_owned(), args: Vec::new(), machine, emulator: None };
    let machine = machine_of(bootstrap).map_err(|e| format!("cannot read {}: {e}", bootstrap.display()))?;
    let (Some(machine), Some(native)) = (machine, Architecture::native()) else {
        return Ok(direct(machine));
    };
    if machine == native {
        return Ok(direct(Some(machine)));
    }
    let (program, sysroot, libc) = emulator(machine);
    let what = format!("{} is built for {machine} and this machine is {native}", bootstrap.display());
    let Some(qemu) = find_program(program) else {
        return Err(format!(
            "{what}: it runs under {program}, which is not installed (Debian package qemu-user-static; scripts/setup arm64 installs it)"
        ));
    };
    if !Path::new(sysroot).join("lib").is_dir() {
        return Err(format!("{what}: {program} needs its C library in {sysroot} (Debian package {libc})"));
    }
    let args = vec!["-L".into(), sysroot.into(), bootstrap.as_os_str().to_owned()];
    Ok(Launcher { program: qemu, args, machine: Some(machine), emulator: Some(program) })
}

/// `name` on `PATH` (the runner's own, not the function's), as a shell finds it.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// The architecture an instance runs, for REPORT and `routes` (Lambda's own
/// lines do not say it; here a function may run emulated, which makes its
/// durations and memory no measurement of Lambda's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Platform {
    /// The bootstrap's machine, else (not an ELF we know) the template's.
    pub architecture: Architecture,
    /// The qemu-user program it runs under, if any.
    pub emulator: Option<&'static str>,
}

impl Platform {
    pub fn of(function: &Function, launcher: &Launcher) -> Platform {
        Platform { architecture: launcher.machine.unwrap_or(function.architecture), emulator: launcher.emulator }
    }

    /// `arm64`, or `arm64 (qemu-aarch64-static)`.
    pub fn describe(&self) -> String {
        match self.emulator {
            Some(emulator) => format!("{} ({emulator})", self.architecture),
            None => self.architecture.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_machines() {
        assert_eq!(Architecture::parse("arm64"), Ok(Architecture::Arm64));
        assert!(Architecture::parse("aarch64").is_err());
        let me = std::env::current_exe().unwrap();
        assert_eq!(machine_of(&me).unwrap(), Architecture::native());
        let script = std::env::temp_dir().join(format!("toolbox-arch-{}.sh", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        assert_eq!(machine_of(&script).unwrap(), None);
        // Not an ELF we know: run as it is.
        assert_eq!(launcher(&script).unwrap().program, script);
        std::fs::remove_file(&script).unwrap();
        assert_eq!(
            launcher(&me).unwrap(),
            Launcher { program: me, args: vec![], machine: Architecture::native(), emulator: None }
        );
        assert!(launcher(Path::new("/nonexistent/bootstrap")).unwrap_err().starts_with("cannot read"));
    }
}
