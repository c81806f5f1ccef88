//! A function's architecture (the template's `Architectures`) and the
//! machine a built bootstrap is really for (its ELF header), so an arm64
//! build can be run on an x86_64 machine through qemu-user, and a mismatch is
//! said plainly instead of surfacing as `exec format error`.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// A Lambda architecture, named as the template names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    /// The template's name (`x86_64`, `arm64`); anything else is refused,
    /// as Lambda refuses it.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            _ => Err(format!("{name:?} is not a Lambda architecture (x86_64 or arm64)")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The machine this program runs on, if Lambda has it.
    pub fn native() -> Option<Self> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Architecture::X86_64),
            "aarch64" => Some(Architecture::Arm64),
            _ => None,
        }
    }

    /// The machine an ELF executable is built for, from its header's
    /// `e_machine` (`EM_X86_64` 62, `EM_AARCH64` 183); `None` for a file
    /// that is not an ELF executable for either (a script, another machine).
    pub fn of_binary(path: &Path) -> std::io::Result<Option<Self>> {
        let mut header = [0u8; 20];
        let mut file = std::fs::File::open(path)?;
        if file.read_exact(&mut header).is_err() || &header[..4] != b"\x7fELF" || header[5] != 1 {
            return Ok(None);
        }
        Ok(match u16::from_le_bytes([header[18], header[19]]) {
            62 => Some(Architecture::X86_64),
            183 => Some(Architecture::Arm64),
            _ => None,
        })
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
        assert_eq!(Architecture::of_binary(&me).unwrap(), Architecture::native());
        let script = std::env::temp_dir().join(format!("toolbox-arch-{}.sh", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        assert_eq!(Architecture::of_binary(&script).unwrap(), None);
        std::fs::remove_file(&script).unwrap();
    }
}
