//! User-dictionary files, read line by line as jieba's `load_userdict`
//! reads them.

/// One entry: `add_word(word, freq, tag)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLine {
    pub word: String,
    pub freq: Option<u64>,
    pub tag: Option<String>,
    /// 1-based line number in its file.
    pub line: usize,
}

/// What reading a file gave: its entries in order, and warnings naming
/// `file:line` for lines jieba reads in a way their author may not expect.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<UserLine>,
    pub warnings: Vec<String>,
}

/// Reads `bytes` (the file `name`) as `load_userdict` does: each line
/// stripped of ASCII whitespace, decoded as UTF-8 (a line that is not is
/// an error naming it, as jieba raises), leading U+FEFF removed, empty lines
/// skipped, then matched against `^(.+?)( [0-9]+)?( [a-z]+)?$`.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Ok(parsed);
    }
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        let line = std::str::from_utf8(crate::py_strip(raw))
            .map_err(|e| format!("{name}:{line_no}: not UTF-8 ({e}); jieba's load_userdict refuses the file"))?;
        let line = line.trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let (word, freq, tag) = split(line);
        let freq = match freq {
            // Digits only, so only an absurd length can fail to fit.
            Some(digits) => Some(
                digits
                    .parse::<u64>()
                    .map_err(|_| format!("{name}:{line_no}: frequency {digits} is larger than {}", u64::MAX))?,
            ),
            None => None,
        };
        if word.contains([' ', '\t']) {
            parsed.warnings.push(format!(
                "{name}:{line_no}: `{line}` is read as the word `{word}`{}{} (jieba only splits off a trailing \
                 ` <digits>` frequency and ` <a-z>` tag)",
                freq.map(|f| format!(", frequency {f}")).unwrap_or_default(),
                tag.map(|t| format!(", tag {t}")).unwrap_or_default(),
            ));
        }
        parsed.entries.push(UserLine { word: word.to_string(), freq, tag: tag.map(str::to_string), line: line_no });
    }
    Ok(parsed)
}

/// `re_userdict.match(line).groups()`: the shortest word after which the
/// rest of the line is ` <digits>`, ` <a-z>`, both in that order, or nothing.
fn split(line: &str) -> (&str, Option<&str>, Option<&str>) {
    for (i, _) in line.char_indices().skip(1) {
        if let Some((freq, tag)) = optional_fields(&line[i..]) {
            return (&line[..i], freq, tag);
        }
    }
    (line, None, None)
}

/// `( [0-9]+)?( [a-z]+)?` matching all of `rest`.
fn optional_fields(rest: &str) -> Option<(Option<&str>, Option<&str>)> {
    let field = |s: &str, ok: fn(u8) -> bool| -> Option<usize> {
        let body = s.strip_prefix(' ')?;
        let len = body.bytes().take_while(|&b| ok(b)).count();
        (len > 0).then_some(1 + len)
    };
    let mut at = 0;
    let freq = field(rest, |b| b.is_ascii_digit()).map(|len| {
        at = len;
        &rest[1..len]
    });
    let tag = field(&rest[at..], |b| b.is_ascii_lowercase()).map(|len| {
        let tag = &rest[at + 1..at + len];
        at += len;
        tag
    });
    (at == rest.len()).then_some((freq, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> (String, Option<u64>, Option<String>) {
        let parsed = parse("u.txt", line.as_bytes()).unwrap();
        let e = &parsed.entries[0];
        (e.word.clone(), e.freq, e.tag.clone())
    }

    #[test]
    fn fields_as_jiebas_regular_expression_reads_them() {
        assert_eq!(one("云计算 5 n"), ("云计算".into(), Some(5), Some("n".into())));
        assert_eq!(one("云计算 5"), ("云计算".into(), Some(5), None));
        assert_eq!(one("云计算 nz"), ("云计算".into(), None, Some("nz".into())));
        assert_eq!(one("云计算"), ("云计算".into(), None, None));
        // Upper-case tags and misplaced numbers become part of the word.
        assert_eq!(one("word 3 NR"), ("word 3 NR".into(), None, None));
        assert_eq!(one("a 1 2"), ("a 1".into(), Some(2), None));
        assert_eq!(one("hello world"), ("hello".into(), None, Some("world".into())));
        assert_eq!(one("\u{feff}创新办 3 i\r\n"), ("创新办".into(), Some(3), Some("i".into())));
        assert_eq!(one("5 n"), ("5".into(), None, Some("n".into())));
    }

    #[test]
    fn empty_lines_are_skipped_bad_utf8_names_the_line_and_odd_lines_warn() {
        let parsed = parse("u.txt", "a\n\n  \nword 3 NR\n".as_bytes()).unwrap();
        assert_eq!(parsed.entries.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 4]);
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].starts_with("u.txt:4: "), "{:?}", parsed.warnings);
        let error = parse("u.txt", b"ok\n\xff\xfe bad\n").unwrap_err();
        assert!(error.starts_with("u.txt:2: not UTF-8"), "{error}");
    }
}
