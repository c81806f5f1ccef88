//! `dict.txt`, read as Python jieba reads it.

use std::collections::HashMap;

/// A dictionary word: its frequency and part-of-speech tag.
pub(super) struct Entry<'a> {
    pub word: &'a str,
    pub freq: u64,
    pub tag: &'a str,
}

pub(super) struct Dict<'a> {
    /// One entry per distinct word, in order of first appearance.
    pub entries: Vec<Entry<'a>>,
    /// The sum of the frequencies of every line, repeated words included.
    pub total: u64,
}

/// Reads `word freq tag` lines. jieba's `gen_pfdict` takes the first two
/// fields of each line split on single spaces and `load_word_tag` needs
/// exactly three, each after stripping the line's ASCII whitespace; a
/// repeated word takes its last line's frequency and its last line's tag,
/// and every line's frequency counts towards the total. Lines jieba
/// refuses (an empty line, a frequency that is not a whole number, not
/// three fields) are refused here too, naming the line.
pub(super) fn parse(bytes: &[u8]) -> Result<Dict<'_>, String> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut total = 0u64;
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        let line =
            std::str::from_utf8(crate::py_strip(raw)).map_err(|e| format!("line {line_no} is not UTF-8: {e}"))?;
        let fields: Vec<&str> = line.split(' ').collect();
        let [word, freq, tag] = fields[..] else {
            return Err(format!("line {line_no}: `{line}` is not `word frequency tag`"));
        };
        if word.is_empty() {
            return Err(format!("line {line_no}: `{line}` has an empty word"));
        }
        let freq: u64 = match freq.bytes().all(|b| b.is_ascii_digit()) {
            true => freq.parse().ok(),
            false => None,
        }
        .ok_or_else(|| format!("line {line_no}: frequency `{freq}` is not a whole number"))?;
        total = total.checked_add(freq).ok_or("frequencies overflow")?;
        match ids.get(word) {
            Some(&id) => {
                entries[id].freq = freq;
                entries[id].tag = tag;
            }
            None => {
                ids.insert(word, entries.len());
                entries.push(Entry { word, freq, tag });
            }
        }
    }
    Ok(Dict { entries, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_word_takes_its_last_line_and_every_line_counts() {
        let dict = parse("中国 10 ns\n人 5 n\n中国 7 n\n".as_bytes()).unwrap();
        assert_eq!(dict.total, 22);
        assert_eq!(dict.entries.len(), 2);
        assert_eq!((dict.entries[0].word, dict.entries[0].freq, dict.entries[0].tag), ("中国", 7, "n"));
    }

    #[test]
    fn lines_jieba_refuses_are_refused_by_number() {
        for (text, line) in
            [("a 1 n\n\nb 2 n\n", 2), ("a 1\n", 1), ("a x n\n", 1), ("a -1 n\n", 1), ("a 1 n extra\n", 1)]
        {
            let error = parse(text.as_bytes()).err().unwrap_or_default();
            assert!(error.starts_with(&format!("line {line}")), "{text:?}: {error}");
        }
        assert!(parse(b"a 1 n\r\n").is_ok(), "jieba strips the line's whitespace, \\r included");
    }
}
