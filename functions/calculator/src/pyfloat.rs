//! Python 3's `float(text)` for a `str`: the same strings accepted, the same
//! `f64` out. CPython does it in three steps, and so does [`parse`]:
//!
//! 1. Every non-ASCII character becomes ASCII: a Unicode space (`str.isspace`)
//!    becomes `' '`, a decimal digit (category Nd, e.g. `１` or `١`) its ASCII
//!    digit; anything else non-ASCII makes the string invalid.
//! 2. Underscores (PEP 515) are removed, but only ones between two digits.
//! 3. ASCII whitespace (`" \t\n\x0b\x0c\r"`) is stripped from both ends and
//!    the rest is read as `[sign] (digits [. digits] [e [sign] digits] | inf |
//!    infinity | nan)`, letters in any case, correctly rounded; out-of-range
//!    values become ±inf or ±0 (no error).
//!
//! Step 3's grammar is exactly the one Rust's `str::parse::<f64>` accepts (no
//! `0x`, no lone `.`, no `1e`), and both round correctly, so it does step 3.

use crate::unicode::{DECIMAL_DIGITS, NON_ASCII_SPACES};

/// `float(text)`, or `None` where Python raises `ValueError`.
pub fn parse(text: &str) -> Option<f64> {
    let ascii = to_ascii(text)?;
    let joined = remove_underscores(ascii)?;
    let text = std::str::from_utf8(&joined).ok()?;
    text.trim_matches(is_c_space).parse().ok()
}

/// Step 1 (CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`). Code
/// points below 127 pass through unchanged: `\x1c`..`\x1f` count as spaces for
/// `str.strip()` but not here, so `float("\x1c1")` fails.
fn to_ascii(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| match u32::from(c) {
            code @ 0..=126 => Some(code as u8),
            code if NON_ASCII_SPACES.binary_search(&code).is_ok() => Some(b' '),
            code => decimal_digit(code).map(|digit| b'0' + digit),
        })
        .collect()
}

/// The value of a non-ASCII decimal digit.
fn decimal_digit(code: u32) -> Option<u8> {
    let run = DECIMAL_DIGITS.partition_point(|&(_, last)| last < code);
    let &(first, last) = DECIMAL_DIGITS.get(run)?;
    (first..=last).contains(&code).then(|| (code - first) as u8)
}

/// Step 2: each `_` must sit between two digits (CPython's
/// `_Py_string_to_number_with_underscores`), and is then dropped.
fn remove_underscores(text: Vec<u8>) -> Option<Vec<u8>> {
    if !text.contains(&b'_') {
        return Some(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut prev = b'\0';
    for &byte in &text {
        if byte == b'_' {
            if !prev.is_ascii_digit() {
                return None;
            }
        } else {
            if prev == b'_' && !byte.is_ascii_digit() {
                return None;
            }
            out.push(byte);
        }
        prev = byte;
    }
    (prev != b'_').then_some(out)
}

/// C's `isspace` in the "C" locale, which Python strips before parsing. Not
/// `char::is_ascii_whitespace`: that one leaves out `\x0b`.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

#[cfg(test)]
mod tests {
    use super::{decimal_digit, parse, DECIMAL_DIGITS, NON_ASCII_SPACES};

    fn bits(text: &str) -> Option<u64> {
        parse(text).map(f64::to_bits)
    }

    #[test]
    fn plain_numbers_and_their_spellings() {
        for (text, value) in [
            ("6", 6.0f64),
            ("-2.5", -2.5),
            ("+.5", 0.5),
            ("5.", 5.0),
            ("1.5E+3", 1500.0),
            ("1.e2", 100.0),
            ("00012", 12.0),
            ("1e-400", 0.0),
            ("4.9e-324", 5e-324),
            ("1_000.000_1", 1000.0001),
            ("1e1_0", 1e10),
            ("  42\t\n", 42.0),
            ("\x0b\x0c\r7\r\n", 7.0),
        ] {
            assert_eq!(bits(text), Some(value.to_bits()), "{text:?}");
        }
        assert_eq!(bits("-0"), Some((-0.0f64).to_bits()));
    }

    #[test]
    fn infinities_and_nans_in_any_case() {
        for text in ["inf", "+iNf", "Infinity", "INFINITY", "1e400", " infinity "] {
            assert_eq!(parse(text), Some(f64::INFINITY), "{text:?}");
        }
        for text in ["-inf", "-Infinity", "-1e99999999999999999999"] {
            assert_eq!(parse(text), Some(f64::NEG_INFINITY), "{text:?}");
        }
        for text in ["nan", "NaN", "-nan", "+NAN"] {
            assert!(parse(text).is_some_and(f64::is_nan), "{text:?}");
        }
    }

    #[test]
    fn rounds_correctly_at_the_halfway_points() {
        // 1 + 2^-53 exactly is a tie, broken to even; a hair above rounds up.
        assert_eq!(parse("1.00000000000000011102230246251565404236316680908203125"), Some(1.0));
        assert_eq!(parse("1.00000000000000011102230246251565404236316680908203126"), Some(1.0000000000000002));
        assert_eq!(parse("2.4703282292062327e-324"), Some(0.0));
        assert_eq!(parse("2.4703282292062328e-324"), Some(5e-324));
        assert_eq!(parse("1.7976931348623158e308"), Some(f64::MAX));
        assert_eq!(parse("1.7976931348623159e308"), Some(f64::INFINITY));
    }

    #[test]
    fn rejects_what_python_rejects() {
        for text in [
            "", " ", ".", "-", "e5", "1e", "1e+", ".e1", "--1", "+-1", "1+", "1.2.3", "1e5.5", "1 5", "1,5", "0x10",
            "0X1F", "0b1", "0o7", "1j", "in f", "infin", "infinite", "nana", "inf1", "1inf", "1__0", "_1", "1_",
            "1_.5", "1._5", "1_e5", "1e_5", "+_1", "_", "1_ ", "\x1c1", "1\x1f", "\x001", "1\x00", "\x7f1",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn unicode_digits_and_spaces() {
        assert_eq!(parse("１２３"), Some(123.0));
        assert_eq!(parse("１２３.５"), Some(123.5));
        assert_eq!(parse("٣.٢٥"), Some(3.25));
        assert_eq!(parse("१२३"), Some(123.0));
        assert_eq!(parse("１e５"), Some(1e5));
        assert_eq!(parse("1_２"), Some(12.0));
        assert_eq!(parse("𝟙𝟚"), Some(12.0));
        assert_eq!(parse("\u{a0}12\u{3000}"), Some(12.0));
        assert_eq!(parse("\u{2028}5\u{2029}\u{85}"), Some(5.0));
        // Digits but not decimal digits; a decimal separator; fullwidth letters;
        // interior space; no-longer-spaces (U+180E, U+200B, U+FEFF).
        for text in
            ["²", "½", "①", "Ⅻ", "٫5", "１２３．５", "ｉｎｆ", "4\u{3000}2", "5\u{180e}", "\u{200b}5", "\u{feff}5"]
        {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_generated_tables_are_sorted_runs_of_ten_digits() {
        assert!(DECIMAL_DIGITS.windows(2).all(|pair| pair[0].1 < pair[1].0));
        assert!(DECIMAL_DIGITS.iter().all(|&(first, last)| first >= 128 && last - first == 9));
        assert!(NON_ASCII_SPACES.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(decimal_digit(0xFF10), Some(0)); // FULLWIDTH DIGIT ZERO
        assert_eq!(decimal_digit(0xFF19), Some(9));
        assert_eq!(decimal_digit(0xFF1A), None);
        assert_eq!(decimal_digit(0x1D7FF), Some(9)); // the last MATHEMATICAL MONOSPACE DIGIT
        assert_eq!(decimal_digit(0x10FFFF), None);
    }
}
