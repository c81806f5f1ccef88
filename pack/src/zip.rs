//! A small, reproducible zip writer: deflate (or stored when deflate does not
//! help), entries sorted by name, one fixed timestamp, normalized unix modes.
//! Equal inputs give equal bytes, whoever builds them and whenever.
//!
//! Format: PKWARE APPNOTE 6.3 "local file header / central directory / end of
//! central directory", no zip64 (every size and offset must fit in 32 bits),
//! no directory entries (unzip and Lambda create parent directories).

use std::io::Write;
use std::path::Path;

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

/// 1980-01-01 00:00:00, the earliest MS-DOS date, for every entry.
const DOS_DATE: u16 = 1 << 5 | 1;
const DOS_TIME: u16 = 0;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIR: u32 = 0x0605_4b50;
/// "Version needed to extract": 2.0 (deflate).
const VERSION_NEEDED: u16 = 20;
/// "Version made by": host 3 (unix) in the high byte, so the external
/// attributes carry a unix mode; spec version 2.0 in the low byte.
const VERSION_MADE_BY: u16 = 3 << 8 | 20;
/// General purpose flag bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
/// `S_IFREG`: a regular file, in the unix mode's type bits.
const S_IFREG: u32 = 0o100_000;

/// One file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the archive, `/`-separated and relative.
    pub name: String,
    /// Unix permission bits (e.g. `0o755`); the file type is always regular.
    pub mode: u32,
    pub data: Vec<u8>,
}

impl Entry {
    pub fn new(name: impl Into<String>, mode: u32, data: Vec<u8>) -> Self {
        Entry { name: name.into(), mode, data }
    }
}

/// Builds the archive's bytes. Entries are written sorted by name, so the
/// order they are given in does not matter.
pub fn write_zip(mut entries: Vec<Entry>) -> Result<Vec<u8>, String> {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for pair in entries.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(format!("zip: two entries named {:?}", pair[0].name));
        }
    }
    if entries.len() > usize::from(u16::MAX) {
        return Err(format!("zip: {} entries; at most {} without zip64", entries.len(), u16::MAX));
    }

    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in &entries {
        check_name(&entry.name)?;
        if entry.mode & !0o7777 != 0 {
            return Err(format!("zip: {}: mode {:o} has bits beyond the permission bits", entry.name, entry.mode));
        }
        let size = fits_u32(entry.data.len(), &entry.name)?;
        let mut crc = Crc::new();
        crc.update(&entry.data);
        let crc = crc.sum();

        let deflated = deflate(&entry.data).map_err(|e| format!("zip: {}: deflate failed: {e}", entry.name))?;
        let (method, body) = if deflated.len() < entry.data.len() {
            (METHOD_DEFLATED, deflated.as_slice())
        } else {
            (METHOD_STORED, entry.data.as_slice())
        };
        let compressed = fits_u32(body.len(), &entry.name)?;
        let offset = fits_u32(out.len(), &entry.name)?;
        let name = entry.name.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| format!("zip: name too long: {}", entry.name))?;
        let flags = if entry.name.is_ascii() { 0 } else { FLAG_UTF8 };

        put32(&mut out, LOCAL_HEADER);
        put16(&mut out, VERSION_NEEDED);
        put16(&mut out, flags);
        put16(&mut out, method);
        put16(&mut out, DOS_TIME);
        put16(&mut out, DOS_DATE);
        put32(&mut out, crc);
        put32(&mut out, compressed);
        put32(&mut out, size);
        put16(&mut out, name_len);
        put16(&mut out, 0); // extra field length
        out.extend_from_slice(name);
        out.extend_from_slice(body);

        put32(&mut central, CENTRAL_HEADER);
        put16(&mut central, VERSION_MADE_BY);
        put16(&mut central, VERSION_NEEDED);
        put16(&mut central, flags);
        put16(&mut central, method);
        put16(&mut central, DOS_TIME);
        put16(&mut central, DOS_DATE);
        put32(&mut central, crc);
        put32(&mut central, compressed);
        put32(&mut central, size);
        put16(&mut central, name_len);
        put16(&mut central, 0); // extra field length
        put16(&mut central, 0); // comment length
        put16(&mut central, 0); // disk number
        put16(&mut central, 0); // internal attributes
        put32(&mut central, (S_IFREG | entry.mode) << 16); // external: unix mode
        put32(&mut central, offset);
        central.extend_from_slice(name);
    }

    let central_offset = fits_u32(out.len(), "central directory")?;
    let central_size = fits_u32(central.len(), "central directory")?;
    out.extend_from_slice(&central);
    let count = entries.len() as u16;
    put32(&mut out, END_OF_CENTRAL_DIR);
    put16(&mut out, 0); // this disk
    put16(&mut out, 0); // disk with the central directory
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0); // comment length
    fits_u32(out.len(), "archive")?;
    Ok(out)
}

/// Reads back an archive this writer made (or any zip without zip64,
/// encryption or data descriptors): every entry, inflated and checked
/// against its CRC-32, in central-directory order. Used to check what a
/// built zip really holds, not what was meant to go in.
pub fn read_zip(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let end = bytes.len().checked_sub(22).ok_or("zip: too short for an end of central directory")?;
    if read32(bytes, end)? != END_OF_CENTRAL_DIR {
        return Err("zip: no end of central directory record (not a zip, or it has a comment)".into());
    }
    let count = read16(bytes, end + 10)? as usize;
    let mut at = read32(bytes, end + 16)? as usize;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        if read32(bytes, at)? != CENTRAL_HEADER {
            return Err(format!("zip: no central directory header at offset {at}"));
        }
        let method = read16(bytes, at + 10)?;
        let crc = read32(bytes, at + 16)?;
        let compressed = read32(bytes, at + 20)? as usize;
        let size = read32(bytes, at + 24)? as usize;
        let name_len = read16(bytes, at + 28)? as usize;
        let skip = name_len + read16(bytes, at + 30)? as usize + read16(bytes, at + 32)? as usize;
        let mode = (read32(bytes, at + 38)? >> 16) & 0o7777;
        let local = read32(bytes, at + 42)? as usize;
        let name = slice(bytes, at + 46, name_len)?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| "zip: an entry name is not UTF-8".to_string())?;
        at += 46 + skip;

        if read32(bytes, local)? != LOCAL_HEADER {
            return Err(format!("zip: {name}: no local header at offset {local}"));
        }
        let data_at = local + 30 + read16(bytes, local + 26)? as usize + read16(bytes, local + 28)? as usize;
        let body = slice(bytes, data_at, compressed)?;
        let data = match method {
            METHOD_STORED => body.to_vec(),
            METHOD_DEFLATED => {
                let mut data = Vec::with_capacity(size);
                std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(body), &mut data)
                    .map_err(|e| format!("zip: {name}: cannot inflate: {e}"))?;
                data
            }
            other => return Err(format!("zip: {name}: compression method {other} is not stored or deflate")),
        };
        let mut actual = Crc::new();
        actual.update(&data);
        if data.len() != size || actual.sum() != crc {
            return Err(format!("zip: {name}: size or CRC-32 does not match the central directory (corrupt)"));
        }
        entries.push(Entry { name, mode, data });
    }
    Ok(entries)
}

fn slice(bytes: &[u8], at: usize, len: usize) -> Result<&[u8], String> {
    at.checked_add(len)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| format!("zip: data ends before offset {at} + {len} (truncated)"))
}

fn read16(bytes: &[u8], at: usize) -> Result<u16, String> {
    slice(bytes, at, 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn read32(bytes: &[u8], at: usize) -> Result<u32, String> {
    slice(bytes, at, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Every regular file under `dir`, named relative to it with `/`, permission
/// bits normalized to 0755 (any execute bit set) or 0644. Symlinks and other
/// special files are refused: what the archive holds must be what is on disk.
pub fn dir_entries(dir: &Path) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    walk(dir, "", &mut entries)?;
    if entries.is_empty() {
        return Err(format!("{}: no files to archive", dir.display()));
    }
    Ok(entries)
}

fn walk(dir: &Path, prefix: &str, entries: &mut Vec<Entry>) -> Result<(), String> {
    let listing = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for item in listing {
        let item = item.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = item.path();
        let name = item.file_name();
        let name = name.to_str().ok_or_else(|| format!("{}: file name is not UTF-8", path.display()))?;
        let relative = format!("{prefix}{name}");
        let kind = item.file_type().map_err(|e| format!("{}: {e}", path.display()))?;
        if kind.is_dir() {
            walk(&path, &format!("{relative}/"), entries)?;
        } else if kind.is_file() {
            let data = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            entries.push(Entry::new(relative, normalized_mode(&path)?, data));
        } else {
            return Err(format!("{}: not a regular file or directory (symlinks are not archived)", path.display()));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn normalized_mode(path: &Path) -> Result<u32, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(if meta.permissions().mode() & 0o111 != 0 { 0o755 } else { 0o644 })
}

#[cfg(not(unix))]
fn normalized_mode(_: &Path) -> Result<u32, String> {
    Ok(0o644)
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// so a reader never sees half an archive.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let file_name = path.file_name().ok_or_else(|| format!("{}: not a file path", path.display()))?;
    let temporary = parent.join(format!(".{}.tmp{}", file_name.to_string_lossy(), std::process::id()));
    std::fs::write(&temporary, bytes).map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot move {} to {}: {e}", temporary.display(), path.display())
    })
}

fn check_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.ends_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(format!("zip: {name:?} is not a relative file path"));
    }
    Ok(())
}

fn deflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(data.len() / 2), Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

fn fits_u32(n: usize, what: &str) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| format!("zip: {what} is 4 GiB or more; zip64 is not supported"))
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_entries_in_any_order_give_the_same_bytes() {
        let a = vec![Entry::new("b/x.txt", 0o644, b"hello hello hello".to_vec()), Entry::new("a", 0o755, vec![1, 2])];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(write_zip(a).unwrap(), write_zip(b).unwrap());
    }

    #[test]
    fn layout_is_what_the_spec_says() {
        let zip = write_zip(vec![Entry::new("bootstrap", 0o755, vec![0; 1000])]).unwrap();
        assert_eq!(&zip[0..4], &LOCAL_HEADER.to_le_bytes());
        assert_eq!(u16::from_le_bytes([zip[8], zip[9]]), METHOD_DEFLATED, "zeros deflate");
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], &END_OF_CENTRAL_DIR.to_le_bytes());
        let central = u32::from_le_bytes(zip[end + 16..end + 20].try_into().unwrap()) as usize;
        let external = u32::from_le_bytes(zip[central + 38..central + 42].try_into().unwrap());
        assert_eq!(external >> 16, 0o100_755);
    }

    #[test]
    fn incompressible_data_is_stored() {
        let data: Vec<u8> = (0..256u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let zip = write_zip(vec![Entry::new("noise", 0o644, data.clone())]).unwrap();
        assert_eq!(u16::from_le_bytes([zip[8], zip[9]]), METHOD_STORED);
        assert_eq!(&zip[30 + 5..30 + 5 + 256], data.as_slice());
    }

    #[test]
    fn what_is_written_reads_back() {
        let noise: Vec<u8> = (0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let entries =
            vec![Entry::new("a/b.txt", 0o644, b"hello hello hello".to_vec()), Entry::new("bootstrap", 0o755, noise)];
        let zip = write_zip(entries.clone()).unwrap();
        assert_eq!(read_zip(&zip).unwrap(), entries);
        let mut corrupt = zip.clone();
        corrupt[40] ^= 0xff; // inside the first entry's data
        assert!(read_zip(&corrupt).is_err());
        assert!(read_zip(&zip[..zip.len() - 1]).is_err());
        assert!(read_zip(b"not a zip at all, just some text").is_err());
    }

    #[test]
    fn bad_names_and_duplicates_are_refused() {
        for name in ["", "/abs", "a/../b", "dir/", "a\\b", "./a"] {
            let err = write_zip(vec![Entry::new(name, 0o644, vec![])]).unwrap_err();
            assert!(err.contains("not a relative file path"), "{name}: {err}");
        }
        let twice = vec![Entry::new("a", 0o644, vec![]), Entry::new("a", 0o644, vec![1])];
        assert!(write_zip(twice).unwrap_err().contains("two entries"));
        assert!(write_zip(vec![Entry::new("a", 0o100_644, vec![])]).is_err());
    }
}
