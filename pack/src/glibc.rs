//! Which glibc a dynamically linked ELF executable needs, read from the file
//! itself: `.gnu.version_r` (`SHT_GNU_verneed`) lists every symbol version the
//! dynamic loader will insist on, `.gnu.version` (`SHT_GNU_versym`) says which
//! of them each `.dynsym` symbol uses, and `.dynamic` names the libraries.
//!
//! Only 64-bit little-endian ELF (x86_64, aarch64) is read; anything else is
//! refused with a message, never a panic: every offset is bounds-checked.

use std::fmt;

const SHT_DYNSYM: u32 = 11;
const SHT_DYNAMIC: u32 = 6;
const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
const SHT_GNU_VERSYM: u32 = 0x6fff_ffff;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const SYM_SIZE: usize = 24;
const DYN_SIZE: usize = 16;

/// A glibc release such as `2.34`, compared component by component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion(pub Vec<u32>);

impl GlibcVersion {
    /// Parses `2.34` (or `2.2.5`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Result<Vec<u32>, _> = text.split('.').map(str::parse).collect();
        match parts {
            Ok(parts) if parts.len() >= 2 => Ok(GlibcVersion(parts)),
            _ => Err(format!("{text:?} is not a glibc version like 2.34")),
        }
    }

    /// The release a `GLIBC_...` symbol version first appeared in, or `None`
    /// when the name is not a glibc version at all (e.g. `GCC_3.0`).
    /// `Some(Err(..))` is a glibc version no release number can stand for.
    pub fn of_symbol_version(name: &str) -> Option<Result<Self, String>> {
        let rest = name.strip_prefix("GLIBC_")?;
        Some(match rest {
            // Needed by binaries linked with DT_RELR (`-z pack-relative-relocs`).
            "ABI_DT_RELR" => Ok(GlibcVersion(vec![2, 36])),
            "PRIVATE" => Err(format!("{name} is glibc-internal: no release guarantees it")),
            _ => GlibcVersion::parse(rest).map_err(|_| format!("{name} is not a glibc release this check knows")),
        })
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// One symbol version the loader must find, e.g. `GLIBC_2.34` from `libc.so.6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    pub library: String,
    pub version: String,
    /// The undefined dynamic symbols bound to this version (may be empty:
    /// `GLIBC_ABI_DT_RELR` has none and is still required).
    pub symbols: Vec<String>,
}

/// What an executable needs from the dynamic loader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dependencies {
    /// `DT_NEEDED` libraries, in file order.
    pub libraries: Vec<String>,
    pub versions: Vec<Needed>,
}

/// Reads the dynamic dependencies of an ELF file. A static executable has
/// none and gives empty lists.
pub fn dependencies(file: &[u8]) -> Result<Dependencies, String> {
    let elf = Elf::parse(file)?;
    let mut deps = Dependencies::default();

    if let Some(dynamic) = elf.section_of_type(SHT_DYNAMIC) {
        let strings = elf.section(dynamic.link as usize)?;
        let table = elf.bytes(dynamic)?;
        for entry in table.chunks_exact(DYN_SIZE) {
            let tag = u64::from_le_bytes(entry[0..8].try_into().unwrap_or_default());
            let value = u64::from_le_bytes(entry[8..16].try_into().unwrap_or_default());
            match tag {
                DT_NULL => break,
                DT_NEEDED => deps.libraries.push(elf.string(strings, value)?),
                _ => {}
            }
        }
    }

    let Some(verneed) = elf.section_of_type(SHT_GNU_VERNEED) else {
        return Ok(deps);
    };
    // Version index (`vna_other`) -> position in deps.versions.
    let mut by_index = std::collections::BTreeMap::new();
    let strings = elf.section(verneed.link as usize)?;
    let table = elf.bytes(verneed)?;
    let mut offset = 0usize;
    for _ in 0..verneed.info {
        let count = read_u16(table, offset + 2)?;
        let file = elf.string(strings, u64::from(read_u32(table, offset + 4)?))?;
        let mut aux = offset.checked_add(read_u32(table, offset + 8)? as usize).ok_or("verneed offset overflows")?;
        for _ in 0..count {
            let index = read_u16(table, aux + 6)? & 0x7fff;
            let name = elf.string(strings, u64::from(read_u32(table, aux + 8)?))?;
            by_index.insert(index, deps.versions.len());
            deps.versions.push(Needed { library: file.clone(), version: name, symbols: Vec::new() });
            let next = read_u32(table, aux + 12)? as usize;
            if next == 0 {
                break;
            }
            aux = aux.checked_add(next).ok_or("vernaux offset overflows")?;
        }
        let next = read_u32(table, offset + 12)? as usize;
        if next == 0 {
            break;
        }
        offset = offset.checked_add(next).ok_or("verneed offset overflows")?;
    }

    // Attach each undefined dynamic symbol to the version it binds to.
    if let (Some(dynsym), Some(versym)) = (elf.section_of_type(SHT_DYNSYM), elf.section_of_type(SHT_GNU_VERSYM)) {
        let symbols = elf.bytes(dynsym)?;
        let versions = elf.bytes(versym)?;
        let names = elf.section(dynsym.link as usize)?;
        for (i, symbol) in symbols.chunks_exact(SYM_SIZE).enumerate() {
            let defined = u16::from_le_bytes([symbol[6], symbol[7]]) != 0;
            let Ok(version) = read_u16(versions, i * 2) else { break };
            if defined {
                continue;
            }
            if let Some(&slot) = by_index.get(&(version & 0x7fff)) {
                let name =
                    elf.string(names, u64::from(u32::from_le_bytes(symbol[0..4].try_into().unwrap_or_default())))?;
                deps.versions[slot].symbols.push(name);
            }
        }
    }
    Ok(deps)
}

/// A `GLIBC_*` requirement newer than the allowed release (or one that no
/// release number can vouch for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub needed: Needed,
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.needed.version, self.needed.library, self.reason)?;
        if !self.needed.symbols.is_empty() {
            write!(f, "; used by {}", self.needed.symbols.join(", "))?;
        }
        Ok(())
    }
}

/// The newest glibc the dependencies need (`None` when they need no
/// versioned glibc symbol), or every requirement that exceeds `max`.
pub fn check(deps: &Dependencies, max: &GlibcVersion) -> Result<Option<GlibcVersion>, Vec<Violation>> {
    let mut newest: Option<GlibcVersion> = None;
    let mut violations = Vec::new();
    for needed in &deps.versions {
        match GlibcVersion::of_symbol_version(&needed.version) {
            None => {}
            Some(Err(reason)) => violations.push(Violation { needed: needed.clone(), reason }),
            Some(Ok(version)) => {
                if &version > max {
                    let reason = format!("needs glibc {version}, newer than the allowed {max}");
                    violations.push(Violation { needed: needed.clone(), reason });
                }
                if newest.as_ref().is_none_or(|n| &version > n) {
                    newest = Some(version);
                }
            }
        }
    }
    if violations.is_empty() {
        Ok(newest)
    } else {
        Err(violations)
    }
}

struct Section {
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
}

struct Elf<'a> {
    file: &'a [u8],
    sections: Vec<Section>,
}

impl<'a> Elf<'a> {
    fn parse(file: &'a [u8]) -> Result<Self, String> {
        if file.len() < 64 || &file[0..4] != b"\x7fELF" {
            return Err("not an ELF file".to_string());
        }
        if file[4] != 2 || file[5] != 1 {
            return Err("only 64-bit little-endian ELF files are supported".to_string());
        }
        let shoff = read_u64(file, 0x28)?;
        let shentsize = read_u16(file, 0x3a)? as usize;
        let mut shnum = read_u16(file, 0x3c)? as u64;
        if shoff == 0 {
            return Err("ELF file has no section headers (stripped with sstrip?); cannot read its dependencies".into());
        }
        if shentsize < 64 {
            return Err(format!("ELF section header size {shentsize} is too small"));
        }
        if shnum == 0 {
            // Extended numbering: the count lives in section 0's sh_size.
            shnum = read_u64(file, to_usize(shoff)? + 32)?;
        }
        let mut sections = Vec::new();
        for i in 0..shnum {
            let base = to_usize(shoff.checked_add(i * shentsize as u64).ok_or("section table overflows")?)?;
            sections.push(Section {
                kind: read_u32(file, base + 4)?,
                offset: read_u64(file, base + 24)?,
                size: read_u64(file, base + 32)?,
                link: read_u32(file, base + 40)?,
                info: read_u32(file, base + 44)?,
            });
        }
        Ok(Elf { file, sections })
    }

    fn section(&self, index: usize) -> Result<&Section, String> {
        self.sections.get(index).ok_or_else(|| format!("ELF section index {index} is out of range"))
    }

    fn section_of_type(&self, kind: u32) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }

    fn bytes(&self, section: &Section) -> Result<&'a [u8], String> {
        let start = to_usize(section.offset)?;
        let end = start.checked_add(to_usize(section.size)?).ok_or("ELF section overflows")?;
        self.file.get(start..end).ok_or_else(|| "ELF section lies beyond the end of the file (truncated?)".to_string())
    }

    fn string(&self, table: &Section, offset: u64) -> Result<String, String> {
        let bytes = self.bytes(table)?;
        let tail = bytes.get(to_usize(offset)?..).ok_or("ELF string offset is out of range")?;
        let end = tail.iter().position(|&b| b == 0).ok_or("ELF string is not terminated")?;
        Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
    }
}

fn to_usize(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("ELF offset {n} does not fit in memory"))
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], String> {
    at.checked_add(N)
        .and_then(|end| bytes.get(at..end))
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("ELF data ends before offset {at} (truncated or corrupt file)"))
}

fn read_u16(bytes: &[u8], at: usize) -> Result<u16, String> {
    field(bytes, at).map(u16::from_le_bytes)
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, String> {
    field(bytes, at).map(u32::from_le_bytes)
}

fn read_u64(bytes: &[u8], at: usize) -> Result<u64, String> {
    field(bytes, at).map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s| GlibcVersion::parse(s).unwrap();
        assert!(v("2.2.5") < v("2.34"));
        assert!(v("2.34") < v("2.35"));
        assert!(v("2.9") < v("2.10"));
        assert_eq!(v("2.34").to_string(), "2.34");
        assert!(GlibcVersion::parse("two").is_err());
        assert!(GlibcVersion::parse("2").is_err());
    }

    #[test]
    fn symbol_version_names() {
        assert_eq!(GlibcVersion::of_symbol_version("GCC_3.0"), None);
        assert_eq!(GlibcVersion::of_symbol_version("GLIBC_2.2.5"), Some(Ok(GlibcVersion(vec![2, 2, 5]))));
        assert_eq!(GlibcVersion::of_symbol_version("GLIBC_ABI_DT_RELR"), Some(Ok(GlibcVersion(vec![2, 36]))));
        assert!(matches!(GlibcVersion::of_symbol_version("GLIBC_PRIVATE"), Some(Err(_))));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(dependencies(b"#!/bin/sh\necho hi\n").unwrap_err(), "not an ELF file");
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[4] = 2;
        header[5] = 1;
        header[0x28] = 0xff; // section table beyond the end
        header[0x3a] = 64;
        header[0x3c] = 3;
        assert!(dependencies(&header).unwrap_err().contains("truncated"));
        header[4] = 1;
        assert!(dependencies(&header).unwrap_err().contains("64-bit"));
    }

    #[test]
    fn this_test_binary_reads() {
        // The test binary itself is a dynamically linked ELF on linux-gnu.
        if cfg!(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64", target_endian = "little")) {
            let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
            let deps = dependencies(&me).unwrap();
            assert!(deps.libraries.iter().any(|l| l.starts_with("libc.so")), "{deps:?}");
            assert!(deps.versions.iter().any(|n| n.version.starts_with("GLIBC_2.")), "{deps:?}");
            assert!(deps.versions.iter().flat_map(|n| &n.symbols).next().is_some());
        }
    }
}
