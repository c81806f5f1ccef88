//! Lines as `python -m jieba` reads them: `fp.readline()` until it is
//! empty, each stripped with `rstrip('\r\n')`.
//!
//! A file is opened with `open(name, 'r')`: universal newlines, so `\r\n`,
//! a lone `\r` and `\n` each end a line. Standard input on Linux is a text
//! stream with `newline='\n'`: only `\n` ends a line, and the strip removes
//! any `\r`s before it. A last line without a newline is a line. Bytes are
//! returned as they are; decoding is [`crate::text`]'s job.

use std::io::{self, BufRead};

/// Which of Python's two line rules applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newlines {
    /// `open(file, 'r')`: `\r\n`, `\r` and `\n`.
    Universal,
    /// `sys.stdin` on Linux: `\n` only.
    LineFeed,
}

/// Reads lines from `reader` by `newlines`' rule, reusing one buffer.
pub struct Lines<R> {
    reader: R,
    newlines: Newlines,
    /// A `\r` ended the last line: a `\n` that follows belongs to it.
    after_cr: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R, newlines: Newlines) -> Self {
        Lines { reader, newlines, after_cr: false }
    }

    /// The next line's content (without its line break) into `line`;
    /// `false` at the end of the input.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        line.clear();
        match self.newlines {
            Newlines::LineFeed => {
                if self.reader.read_until(b'\n', line)? == 0 {
                    return Ok(false);
                }
                while let Some(b'\r' | b'\n') = line.last() {
                    line.pop();
                }
                Ok(true)
            }
            Newlines::Universal => self.universal(line),
        }
    }

    fn universal(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        let mut read_any = false;
        loop {
            let buffer = match self.reader.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                return Ok(read_any);
            }
            let mut start = 0;
            if self.after_cr {
                self.after_cr = false;
                if buffer[0] == b'\n' {
                    start = 1;
                }
            }
            match buffer[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(at) => {
                    let end = start + at;
                    line.extend_from_slice(&buffer[start..end]);
                    self.after_cr = buffer[end] == b'\r';
                    self.reader.consume(end + 1);
                    return Ok(true);
                }
                None => {
                    let len = buffer.len();
                    read_any |= len > start;
                    line.extend_from_slice(&buffer[start..]);
                    self.reader.consume(len);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], newlines: Newlines, capacity: usize) -> Vec<Vec<u8>> {
        let mut reader = Lines::new(io::BufReader::with_capacity(capacity, input), newlines);
        let mut out = Vec::new();
        let mut line = Vec::new();
        while reader.next_line(&mut line).unwrap() {
            out.push(line.clone());
        }
        out
    }

    #[test]
    fn universal_newlines_as_python_open_reads_them() {
        // Checked with Python 3.11: open(f).readlines() of b"a\rb\r\nc\n\nd" is
        // ['a\n', 'b\n', 'c\n', '\n', 'd'].
        let input = b"a\rb\r\nc\n\nd";
        for capacity in [1, 2, 3, 64] {
            let got = lines(input, Newlines::Universal, capacity);
            assert_eq!(got, [&b"a"[..], b"b", b"c", b"", b"d"], "buffer of {capacity}");
        }
        assert_eq!(lines(b"\r\r\n\n", Newlines::Universal, 1), [&b""[..], b"", b""]);
        assert!(lines(b"", Newlines::Universal, 8).is_empty());
    }

    #[test]
    fn stdin_splits_at_line_feeds_and_strips_carriage_returns() {
        // sys.stdin.readlines() of b"a\rb\r\nc\n\nd" is ['a\rb\r\n', 'c\n', '\n', 'd'].
        let got = lines(b"a\rb\r\nc\n\nd\r\r", Newlines::LineFeed, 2);
        assert_eq!(got, [&b"a\rb"[..], b"c", b"", b"d"]);
    }
}
