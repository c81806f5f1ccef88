//! `--resume OUTPUT`: continue a run that stopped (a request that kept
//! failing, a killed process) from the output it left. Each input line has
//! exactly one output line (a word never holds a `\n`), so OUTPUT's whole
//! lines say how many input lines are done; a last line without its `\n`
//! was cut off mid-write and is dropped.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::Failure;

/// OUTPUT opened to append after its last whole line (created if missing),
/// and how many whole lines it holds.
pub fn open(path: &Path) -> Result<(File, u64), Failure> {
    let fail = |what: &str, e: std::io::Error| Failure(format!("--resume {}: cannot {what}: {e}", path.display()));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| fail("open it", e))?;
    let (mut lines, mut whole, mut at) = (0u64, 0u64, 0u64);
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(|e| fail("read it", e))?;
        if n == 0 {
            break;
        }
        for (i, _) in buffer[..n].iter().enumerate().filter(|(_, &b)| b == b'\n') {
            lines += 1;
            whole = at + i as u64 + 1;
        }
        at += n as u64;
    }
    if whole < at {
        file.set_len(whole).map_err(|e| fail("cut its unfinished last line", e))?;
    }
    file.seek(SeekFrom::Start(whole)).map_err(|e| fail("seek in it", e))?;
    Ok((file, lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn whole_lines_are_counted_and_an_unfinished_one_is_cut() {
        let dir = std::env::temp_dir().join(format!("toolbox-jieba-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        std::fs::write(&path, "我 / 来到\n\n北京 / 清").unwrap();
        let (mut file, lines) = open(&path).unwrap();
        assert_eq!(lines, 2);
        file.write_all("北京 / 清华大学\n".as_bytes()).unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "我 / 来到\n\n北京 / 清华大学\n");
        assert_eq!(open(&path).unwrap().1, 3);
        let (_, none) = open(&dir.join("new.txt")).unwrap();
        assert_eq!(none, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
