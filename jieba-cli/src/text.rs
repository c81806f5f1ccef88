//! Bytes to text as Python reads them, and back.
//!
//! From a file (`open(name, 'r')`, UTF-8 strict), bytes that are not UTF-8
//! stop the run, as Python's `UnicodeDecodeError` does. Standard input and
//! standard output use `surrogateescape` (Python 3.7+ in a UTF-8 or C
//! locale): each byte that is not UTF-8 becomes a lone surrogate, which
//! jieba cuts like any other symbol, and is written back as that byte.
//!
//! Rust strings cannot hold lone surrogates, so such a byte is carried as a
//! stand-in from Unicode's last private-use block (U+10FF80 + the byte's
//! low 7 bits): like a surrogate it is no Han character, letter, digit or
//! space and in no dictionary, so it is cut and tagged (`x`) exactly as
//! jieba cuts the surrogate. A line that holds a real character from that
//! range as well as bytes to escape would be ambiguous and is refused.

use crate::input::Newlines;

/// The stand-ins: U+10FF80 ..= U+10FFFF for the bytes 0x80 ..= 0xFF.
const STAND_IN_BASE: u32 = 0x10FF80;

/// How a line's bytes became text.
pub enum Decoded<'a> {
    /// Valid UTF-8, borrowed.
    Text(&'a str),
    /// Had bytes to escape: stand-ins in place of them.
    Escaped(String),
}

impl Decoded<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Decoded::Text(text) => text,
            Decoded::Escaped(text) => text,
        }
    }

    pub fn escaped(&self) -> bool {
        matches!(self, Decoded::Escaped(_))
    }
}

/// Why a line cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not UTF-8 where Python is strict: the byte offset in the line.
    Invalid { offset: usize, byte: u8 },
    /// Bytes to escape beside a real character of the stand-in range.
    Ambiguous,
}

/// A line as Python decodes it where it came from: a file's strictly
/// (`open(name, 'r')`), stdin's with `surrogateescape`.
pub fn decode(line: &[u8], newlines: Newlines) -> Result<Decoded<'_>, DecodeError> {
    match newlines {
        Newlines::Universal => strict(line).map(Decoded::Text),
        Newlines::LineFeed => escaped(line),
    }
}

/// `bytes` as Python's strict UTF-8 decoder reads them.
pub fn strict(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes)
        .map_err(|e| DecodeError::Invalid { offset: e.valid_up_to(), byte: bytes[e.valid_up_to()] })
}

/// `bytes` as `surrogateescape` reads them: std's `utf8_chunks` splits them
/// into valid runs and the invalid bytes between, as Python's decoder does.
pub fn escaped(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded::Text(text));
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    for chunk in bytes.utf8_chunks() {
        // A real character of the stand-in range could not be told from a byte.
        if chunk.valid().chars().any(|c| u32::from(c) >= STAND_IN_BASE) {
            return Err(DecodeError::Ambiguous);
        }
        out.push_str(chunk.valid());
        // Each byte of an invalid sequence on its own, as Python's handler does.
        out.extend(chunk.invalid().iter().map(|&byte| stand_in(byte)));
    }
    Ok(Decoded::Escaped(out))
}

fn stand_in(byte: u8) -> char {
    char::from_u32(STAND_IN_BASE + u32::from(byte & 0x7F)).expect("U+10FF80..U+10FFFF are scalar values")
}

/// Appends `word` to `out`, each stand-in written as the byte it stands for
/// when the line was escaped.
pub fn write_word(out: &mut Vec<u8>, word: &str, escaped_line: bool) {
    if !escaped_line {
        out.extend_from_slice(word.as_bytes());
        return;
    }
    for c in word.chars() {
        match u32::from(c).checked_sub(STAND_IN_BASE) {
            Some(low) if low < 0x80 => out.push(0x80 | low as u8),
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_that_is_not_utf8_round_trips() {
        let line = b"ab\xffc \xe6\x88\x91\xe6\x88 d\xed\xa0\x80";
        let decoded = escaped(line).unwrap();
        assert!(decoded.escaped());
        // One stand-in per byte: \xff, the truncated \xe6\x88, the encoded surrogate \xed\xa0\x80.
        assert_eq!(decoded.as_str().chars().filter(|&c| u32::from(c) >= STAND_IN_BASE).count(), 6);
        let mut out = Vec::new();
        write_word(&mut out, decoded.as_str(), true);
        assert_eq!(out, line);
    }

    #[test]
    fn valid_text_is_borrowed_and_strict_names_the_offset() {
        assert!(matches!(escaped("我来到".as_bytes()).unwrap(), Decoded::Text("我来到")));
        assert_eq!(strict(b"ok\xff"), Err(DecodeError::Invalid { offset: 2, byte: 0xff }));
        // A real U+10FFFF beside a byte to escape cannot be told apart from it.
        assert_eq!(escaped("\u{10FFFF}\u{0}".as_bytes()).map(|d| d.escaped()), Ok(false));
        assert!(matches!(escaped(b"\xf4\x8f\xbf\xbf\xff"), Err(DecodeError::Ambiguous)));
    }
}
