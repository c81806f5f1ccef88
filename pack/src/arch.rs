//! Which Lambda architecture a binary is for, read from its ELF header
//! (`e_machine`), so a zip can never ship an x86_64 `bootstrap` to an arm64
//! function (Lambda would only say `exec format error` at the first invoke).

use std::fmt;

/// `EM_X86_64` and `EM_AARCH64` (System V ABI / ELF for the Arm 64-bit Architecture).
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;
/// `e_machine`'s offset: after `e_ident` (16 bytes) and `e_type` (2).
const E_MACHINE: usize = 18;

/// A Lambda architecture, named as Lambda names it (`Architectures`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    /// Parses Lambda's name (`x86_64`, `arm64`).
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            _ => Err(format!("{name:?} is not a Lambda architecture (x86_64 or arm64)")),
        }
    }

    /// Lambda's name for it.
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

    /// The architecture of a 64-bit little-endian ELF file (Lambda runs no
    /// other kind), or a message saying what the file is instead.
    pub fn of_elf(file: &[u8]) -> Result<Self, String> {
        if file.len() < E_MACHINE + 2 || &file[0..4] != b"\x7fELF" {
            return Err("not an ELF file".to_string());
        }
        if file[4] != 2 || file[5] != 1 {
            return Err("not a 64-bit little-endian ELF file".to_string());
        }
        match u16::from_le_bytes([file[E_MACHINE], file[E_MACHINE + 1]]) {
            EM_X86_64 => Ok(Architecture::X86_64),
            EM_AARCH64 => Ok(Architecture::Arm64),
            other => {
                Err(format!("an ELF file for machine {other}, neither x86_64 ({EM_X86_64}) nor aarch64 ({EM_AARCH64})"))
            }
        }
    }

    /// Fails, naming both, unless `file` is an ELF executable for `self`.
    pub fn check(self, file: &[u8]) -> Result<(), String> {
        let found = Architecture::of_elf(file)?;
        if found == self {
            Ok(())
        } else {
            Err(format!("built for {found}, not {self}"))
        }
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

    fn header(class: u8, machine: u16) -> Vec<u8> {
        let mut bytes = vec![0u8; 64];
        bytes[..4].copy_from_slice(b"\x7fELF");
        bytes[4] = class;
        bytes[5] = 1;
        bytes[E_MACHINE..E_MACHINE + 2].copy_from_slice(&machine.to_le_bytes());
        bytes
    }

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for arch in [Architecture::X86_64, Architecture::Arm64] {
            assert_eq!(Architecture::parse(arch.name()), Ok(arch));
        }
        assert!(Architecture::parse("aarch64").unwrap_err().contains("x86_64 or arm64"));
    }

    #[test]
    fn the_machine_is_read_and_checked() {
        assert_eq!(Architecture::of_elf(&header(2, 62)), Ok(Architecture::X86_64));
        assert_eq!(Architecture::of_elf(&header(2, 183)), Ok(Architecture::Arm64));
        assert_eq!(Architecture::Arm64.check(&header(2, 62)).unwrap_err(), "built for x86_64, not arm64");
        assert!(Architecture::of_elf(&header(2, 40)).unwrap_err().contains("machine 40"));
        assert!(Architecture::of_elf(&header(1, 183)).unwrap_err().contains("64-bit"));
        assert_eq!(Architecture::of_elf(b"#!/bin/sh\n").unwrap_err(), "not an ELF file");
    }

    #[test]
    fn this_test_binary_is_the_machine_it_runs_on() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let expected = match std::env::consts::ARCH {
            "x86_64" => Some(Architecture::X86_64),
            "aarch64" => Some(Architecture::Arm64),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(Architecture::of_elf(&me), Ok(expected));
        }
    }
}
