//! jieba's IDF table (`analyse/idf.txt`), read as `IDFLoader` reads it.

use std::collections::BTreeMap;

/// The table as jieba holds it: each word's IDF, sorted by the words' UTF-8
/// bytes, and jieba's `median_idf`.
#[derive(Debug)]
pub(super) struct Idf<'a> {
    pub entries: Vec<(&'a str, f64)>,
    pub median: f64,
}

/// Words and their values as the format's `IDF_OFFSETS` / `IDF_BYTES` /
/// `IDF_VALUES` store them (in the order given: sorted for a binary search).
pub(super) struct Table {
    pub offsets: Vec<u32>,
    pub bytes: Vec<u8>,
    pub values: Vec<f64>,
}

impl Table {
    pub fn of(entries: &[(&str, f64)]) -> Result<Table, String> {
        let mut table = Table { offsets: vec![0], bytes: Vec::new(), values: Vec::with_capacity(entries.len()) };
        for &(word, value) in entries {
            table.bytes.extend_from_slice(word.as_bytes());
            table.offsets.push(u32::try_from(table.bytes.len()).map_err(|_| "IDF table too large")?);
            table.values.push(value);
        }
        Ok(table)
    }
}

/// Python's `str.splitlines()` line boundaries.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Python's `str.isspace()`, which `str.strip()` strips.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

impl<'a> Idf<'a> {
    /// `IDFLoader.set_new_path`: each line (as `splitlines` cuts them) is
    /// stripped and must split on single spaces into exactly `word idf`; a
    /// repeated word keeps its last value; the median is
    /// `sorted(values)[len // 2]`.
    pub fn parse(bytes: &'a [u8]) -> Result<Idf<'a>, String> {
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
        Ok(Idf { entries: table.into_iter().collect(), median })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_value_wins_and_the_median_is_the_upper_middle() {
        let idf = Idf::parse("b 2.5\r\na 1.0\nc 3.0\u{2028}b 4.0\n".as_bytes()).unwrap();
        assert_eq!(idf.entries, [("a", 1.0), ("b", 4.0), ("c", 3.0)]);
        assert_eq!(idf.median, 3.0);
        let table = Table::of(&idf.entries).unwrap();
        assert_eq!(
            (table.offsets, table.bytes, table.values),
            (vec![0, 1, 2, 3], b"abc".to_vec(), vec![1.0, 4.0, 3.0])
        );
    }

    #[test]
    fn a_line_without_two_fields_is_refused() {
        assert!(Idf::parse(b"a 1.0\n\nb 2.0\n").unwrap_err().starts_with("line 2"));
        assert!(Idf::parse(b"a 1.0 x\n").is_err());
        assert!(Idf::parse(b"a one\n").is_err());
    }
}
