//! An answer's JSON written once, already in the form it takes inside the
//! proxy response, and that response handed to lambda_runtime as it is.
//!
//! Lambda returns `{"statusCode":..,"headers":..,"body":"..",..}` where
//! `body` is the answer's JSON as a JSON string: every `"` and `\` of the
//! answer escaped a second time. Serializing the answer, building the proxy
//! response around it, and letting lambda_runtime serialize that, escapes
//! and copies the answer again; each such pass over a 128 KiB request's
//! answer costs about as much as segmenting it (docs/performance.md).
//! Here the answer is serialized by serde_json with [`BodyFormatter`], which
//! writes every string straight into its twice-escaped form, and the proxy
//! response around it is plain text ([`Encoded`]).

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::ser::{CharEscape, Formatter};

/// serde_json's formatter for JSON that is itself the contents of a JSON
/// string: punctuation, numbers and literals as they are (none needs
/// escaping), a string's quotes as `\"`, and each escape serde_json makes
/// inside a string escaped once more (`\n` as `\\n`, `\"` as `\\\"`).
pub struct BodyFormatter;

impl Formatter for BodyFormatter {
    fn begin_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b"\\\"")
    }

    fn end_string<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b"\\\"")
    }

    /// serde_json splits a string at every character it escapes: a fragment
    /// holds none, so it needs no escaping in the body string either.
    fn write_string_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        writer.write_all(fragment.as_bytes())
    }

    fn write_char_escape<W: ?Sized + Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        let twice: &[u8] = match escape {
            CharEscape::Quote => b"\\\\\\\"",
            CharEscape::ReverseSolidus => b"\\\\\\\\",
            CharEscape::Solidus => b"\\\\/",
            CharEscape::Backspace => b"\\\\b",
            CharEscape::FormFeed => b"\\\\f",
            CharEscape::LineFeed => b"\\\\n",
            CharEscape::CarriageReturn => b"\\\\r",
            CharEscape::Tab => b"\\\\t",
            CharEscape::AsciiControl(byte) => return writer.write_all(&control_escape_twice(byte)),
        };
        writer.write_all(twice)
    }

    /// A `RawValue` inside an answer is JSON text: escaped as any text.
    fn write_raw_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut escaped = String::with_capacity(fragment.len());
        escape_into(&mut escaped, fragment);
        writer.write_all(escaped.as_bytes())
    }
}

/// An answer's JSON, written piece by piece in the form it takes as the
/// contents of the proxy response's `body` string: what a tool streams its
/// answer into, so the answer exists once and no list of its words is kept
/// beside it. [`BodyWriter::len`] is what the answer adds to the response.
#[derive(Debug, Default)]
pub struct BodyWriter {
    /// Only whole `str`s and ASCII are ever written (see `into_string`).
    out: Vec<u8>,
}

impl BodyWriter {
    pub fn with_capacity(bytes: usize) -> BodyWriter {
        BodyWriter { out: Vec::with_capacity(bytes) }
    }

    /// JSON punctuation (`{`, `[`, `,`, `]`, `}`...) or a number: text with
    /// no `"` or `\`, the same in either form.
    #[inline]
    pub fn punct(&mut self, json: &'static str) {
        debug_assert!(!json.contains(['"', '\\']), "{json}");
        self.out.extend_from_slice(json.as_bytes());
    }

    /// An object key and its colon: `name` must need no escaping.
    #[inline]
    pub fn key(&mut self, name: &'static str) {
        debug_assert!(!needs_escape(name), "{name}");
        self.out.extend_from_slice(b"\\\"");
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\\\":");
    }

    /// A whole number.
    pub fn number(&mut self, n: usize) {
        // Writing to a Vec cannot fail.
        let _ = write!(self.out, "{n}");
    }

    /// A number as serde_json writes an `f64` (`null` if it is not finite).
    pub fn float(&mut self, x: f64) {
        // An f64 always serializes, and writing to a Vec cannot fail.
        let _ = self.value(&x);
    }

    /// `text` as a JSON string.
    #[inline]
    pub fn string(&mut self, text: &str) {
        self.word(!needs_escape(text), text);
    }

    /// `word` as a JSON string, copied as it is when it is part of a text
    /// known to hold nothing to escape (`!needs_escape(text)`): the words of
    /// most texts, which then cost no look at their bytes.
    #[inline]
    pub fn word(&mut self, plain: bool, word: &str) {
        if plain {
            debug_assert!(!needs_escape(word), "{word:?}");
            self.out.extend_from_slice(b"\\\"");
            self.out.extend_from_slice(word.as_bytes());
            self.out.extend_from_slice(b"\\\"");
        } else {
            self.escaped(word);
        }
    }

    /// `text` as a JSON string, escaped: out of line, as most words need not be.
    #[inline(never)]
    fn escaped(&mut self, text: &str) {
        self.out.extend_from_slice(b"\\\"");
        escape_twice_into(&mut self.out, text);
        self.out.extend_from_slice(b"\\\"");
    }

    /// `value`'s JSON, through serde.
    pub fn value(&mut self, value: &impl Serialize) -> Result<(), serde_json::Error> {
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut self.out, BodyFormatter))
    }

    /// Appends what `other` holds (and leaves it empty, its memory kept).
    pub fn append(&mut self, other: &mut BodyWriter) {
        self.out.append(&mut other.out);
    }

    /// Bytes written: what they add to the proxy response.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    pub fn into_string(self) -> String {
        // SAFETY: only whole `str`s and ASCII are written, by the methods
        // above and by serde_json with BodyFormatter (serde_json's own
        // `to_string` skips the check for the same reason). Checking costs
        // more than writing: 21 instructions an input byte on a 128 KiB
        // request of Chinese text (docs/performance.md).
        unsafe { String::from_utf8_unchecked(self.out) }
    }
}

/// Whether `text` holds a byte JSON escapes (`"`, `\\`, a control character).
/// Branch-free over every byte, so the compiler checks many at once.
pub fn needs_escape(text: &str) -> bool {
    let flag = |b: u8| u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\');
    text.as_bytes().iter().fold(0u8, |found, &b| found | flag(b)) != 0
}

/// Appends `text` escaped twice: as a JSON string's contents inside the
/// contents of another (`"` becomes `\\\"`, a line feed `\\n`).
fn escape_twice_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let twice: &[u8] = match b {
            b'"' => b"\\\\\\\"",
            b'\\' => b"\\\\\\\\",
            b'\n' => b"\\\\n",
            b'\r' => b"\\\\r",
            b'\t' => b"\\\\t",
            b'\x08' => b"\\\\b",
            b'\x0c' => b"\\\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..i]);
        if twice.is_empty() {
            out.extend_from_slice(&control_escape_twice(b));
        } else {
            out.extend_from_slice(twice);
        }
        copied = i + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
}

/// `\u00XX` for the control character `byte`, its backslash escaped.
fn control_escape_twice(byte: u8) -> [u8; 7] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [b'\\', b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 15)]]
}

/// Appends `text` escaped as the contents of a JSON string (once): `"` and
/// `\` get a backslash, control characters their short or `\u00XX` escape.
pub fn escape_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'\x08' => "\\b",
            b'\x0c' => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // Bytes below 0x80 are whole characters: `i` is a boundary.
        out.push_str(&text[copied..i]);
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(short);
        }
        copied = i + 1;
    }
    out.push_str(&text[copied..]);
}

/// How many bytes `text` takes as a JSON string, quotes included, as
/// serde_json writes it (and [`escape_into`]).
pub fn json_string_len(text: &str) -> usize {
    if !needs_escape(text) {
        return text.len() + 2;
    }
    let extra: usize = text.bytes().map(|b| usize::from(ESCAPE_EXTRA[usize::from(b)])).sum();
    text.len() + extra + 2
}

/// What escaping adds to each byte: 1 for `"`, `\` and the controls with a
/// short escape (`\n`), 5 for the other controls (`\u00XX`), else 0. A
/// table, not a match: this runs over every byte of every direct invoke.
static ESCAPE_EXTRA: [u8; 256] = {
    let mut extra = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        extra[b] = 5;
        b += 1;
    }
    extra[b'"' as usize] = 1;
    extra[b'\\' as usize] = 1;
    extra[0x08] = 1;
    extra[b'\t' as usize] = 1;
    extra[b'\n' as usize] = 1;
    extra[0x0c] = 1;
    extra[b'\r' as usize] = 1;
    extra
};

/// JSON text lambda_runtime sends as it is: the proxy response, rendered
/// once. lambda_runtime sends `serde_json::to_vec` of what a handler
/// returns; this serializes as serde_json's `RawValue` does (a struct of
/// that private name whose one field's string is written verbatim), because
/// `RawValue`'s public constructors first parse the whole text again
/// (measured: 3.9 M instructions for a 220 KB answer, as much as writing it).
/// A test checks that serde_json still writes it byte for byte.
pub struct Encoded(pub String);

/// serde_json's name for a raw value (serde_json/src/raw.rs, `TOKEN`).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl Serialize for Encoded {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        raw.serialize_field(RAW_VALUE_TOKEN, self.0.as_str())?;
        raw.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    const AWKWARD: [&str; 7] =
        ["", "我来到北京", "a\"b\\c/d", "\n\t\r\x08\x0c", "\u{1}\u{1f}\u{7f}", "字\"\n\u{0}é", "\u{2028}"];

    /// What the body string holds, read back as the JSON string it is.
    fn unescaped(body: &str) -> String {
        serde_json::from_str(&format!("\"{body}\"")).unwrap()
    }

    fn to_body(value: &impl Serialize) -> String {
        let mut body = BodyWriter::default();
        body.value(value).unwrap();
        body.into_string()
    }

    #[test]
    fn a_body_reads_back_as_the_answers_json() {
        let answer = json!({"words": AWKWARD, "n": [1, -2, 0.5, 1e300], "ok": true, "none": null, "k\"ey": {}});
        let body = to_body(&answer);
        assert_eq!(unescaped(&body), serde_json::to_string(&answer).unwrap());
        // And it is exactly what serializing the answer, then the string, makes.
        let twice = serde_json::to_string(&serde_json::to_string(&answer).unwrap()).unwrap();
        assert_eq!(format!("\"{body}\""), twice);
    }

    #[test]
    fn a_body_written_piece_by_piece_is_what_serde_json_writes() {
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        let texts: Vec<&str> = AWKWARD.iter().copied().chain([every_byte.as_str()]).collect();
        let mut body = BodyWriter::default();
        body.punct("{");
        body.key("n");
        body.number(12345);
        body.punct(",");
        body.key("words");
        body.punct("[");
        for (i, text) in texts.iter().enumerate() {
            if i > 0 {
                body.punct(",");
            }
            body.word(!needs_escape(text), text);
        }
        body.punct("]}");
        let expected = json!({"words": texts, "n": 12345});
        assert_eq!(body.into_string(), to_body(&expected));
        assert!(
            !needs_escape("我来到北京/\u{7f}\u{2028}")
                && needs_escape("a\"")
                && needs_escape("\\")
                && needs_escape("\u{1f}")
        );
    }

    #[test]
    fn escaping_and_its_length_agree_with_serde_json() {
        for text in AWKWARD {
            let mut out = String::new();
            escape_into(&mut out, text);
            let expected = serde_json::to_string(text).unwrap();
            assert_eq!(format!("\"{out}\""), expected, "{text:?}");
            assert_eq!(json_string_len(text), expected.len(), "{text:?}");
        }
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        assert_eq!(json_string_len(&every_byte), serde_json::to_string(&every_byte).unwrap().len());
    }

    #[test]
    fn lambda_runtime_sends_an_encoded_response_byte_for_byte() {
        let text = r#"{"statusCode":200,"body":"{\"a\":\"\\\"\"}","isBase64Encoded":false}"#;
        assert_eq!(serde_json::to_vec(&Encoded(text.to_owned())).unwrap(), text.as_bytes());
        let parsed: Value = serde_json::from_slice(&serde_json::to_vec(&Encoded(text.to_owned())).unwrap()).unwrap();
        assert_eq!(parsed["statusCode"], 200);
    }
}
