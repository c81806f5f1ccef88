//! jieba's IDF table (`analyse/idf.txt`), read as `IDFLoader` reads it.

use std::collections::BTreeMap;

/// The table as the format stores it: words sorted by their UTF-8 bytes.
#[derive(Debug)]
pub(super) struct Idf {
    pub offsets: Vec<u32>,
    pub bytes: Vec<u8>,
    pub values: Vec<f64>,
    pub median: f64,
}

/// Python's `str.splitlines()` line boundaries.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Python's `str.isspace()`, which `str.strip()` strips.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

impl Idf {
    /// `IDFLoader.set_new_path`: each line (as `splitlines` cuts them) is
    /// stripped and must split on single spaces into exactly `word idf`; a
    /// repeated word keeps its last value; the median is
    /// `sorted(values)[len // 2]`.
    pub fn parse(bytes: &[u8]) -> Result<Idf, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
        let mut lines: Vec<&str> = text.split_inclusive(is_line_break).collect();
        // "\r\n" is one break to splitlines.
        let mut merged: Vec<&str> = Vec::with_capacity(lines.len());
        let mut at = 0;
        for line in lines.drain(..) {
            let len = line.len();
            if line == "\n" && merged.last().is_some_and(|l: &&str| l.ends_with('\r')) {
                at += len;
                continue;
            }
            merged.push(&text[at..at + len]);
            at += len;
        }
        let mut table: BTreeMap<&str, f64> = BTreeMap::new();
        for (i, line) in merged.iter().enumerate() {
            let line = line.trim_matches(is_py_space);
            let fields: Vec<&str> = line.split(' ').collect();
            let [word, value] = fields[..] else {
                return Err(format!("line {}: `{line}` is not `word idf`", i + 1));
            };
            let value: f64 = value.parse().map_err(|e| format!("line {}: `{value}` is not a number: {e}", i + 1))?;
            table.insert(word, value);
        }
        if table.is_empty() {
            return Err("no entries".into());
        }
        let mut sorted: Vec<f64> = table.values().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let mut offsets = vec![0u32];
        let mut bytes = Vec::new();
        let mut values = Vec::with_capacity(table.len());
        for (word, value) in table {
            bytes.extend_from_slice(word.as_bytes());
            offsets.push(u32::try_from(bytes.len()).map_err(|_| "table too large")?);
            values.push(value);
        }
        Ok(Idf { offsets, bytes, values, median })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_value_wins_and_the_median_is_the_upper_middle() {
        let idf = Idf::parse("b 2.5\r\na 1.0\nc 3.0\u{2028}b 4.0\n".as_bytes()).unwrap();
        assert_eq!(idf.values, [1.0, 4.0, 3.0]);
        assert_eq!(idf.median, 3.0);
        assert_eq!(idf.bytes, b"abc");
    }

    #[test]
    fn a_line_without_two_fields_is_refused() {
        assert!(Idf::parse(b"a 1.0\n\nb 2.0\n").unwrap_err().starts_with("line 2"));
        assert!(Idf::parse(b"a 1.0 x\n").is_err());
        assert!(Idf::parse(b"a one\n").is_err());
    }
}
