//! The files named on the command line (`--template`, `--jwks`), read with
//! a bound: a regular file only, and no more than its kind can sensibly be.
//! Anything else (`/dev/zero`, a FIFO, a directory) is refused before a byte
//! is read: `/dev/zero` would grow the runner without end, a FIFO with no
//! writer would block it for ever.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The whole of a regular file of at most `limit` bytes, as text; why not
/// otherwise, naming the path.
pub fn read_bounded(path: &Path, limit: u64) -> Result<String, String> {
    let shown = path.display();
    // O_NONBLOCK: opening a FIFO must not wait for a writer. The type is
    // then checked on what was opened, so nothing can be swapped in between.
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let metadata = file.metadata().map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    if metadata.len() > limit {
        return Err(format!("{shown} is {} bytes, more than the {limit} this file may be", metadata.len()));
    }
    // The size can change under us: still never more than the limit read.
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{shown} grew past the {limit} bytes this file may be"));
    }
    String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regular_file_within_the_limit_is_read() {
        let dir = std::env::temp_dir().join(format!("toolbox-local-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("small.txt");
        std::fs::write(&file, "12345").unwrap();
        assert_eq!(read_bounded(&file, 5).unwrap(), "12345");
        assert!(read_bounded(&file, 4).unwrap_err().contains("is 5 bytes, more than the 4"));
        assert!(read_bounded(Path::new("/dev/zero"), 5).unwrap_err().ends_with("/dev/zero is not a regular file"));
        assert!(read_bounded(&dir, 5).unwrap_err().contains("not a regular file"));
        let fifo = dir.join("fifo");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) on a NUL-terminated path we own.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert!(read_bounded(&fifo, 5).unwrap_err().contains("not a regular file"), "and it did not block");
        assert!(read_bounded(&dir.join("missing"), 5).unwrap_err().starts_with("cannot read"));
        std::fs::write(&file, [0xFF, 0xFE]).unwrap();
        assert!(read_bounded(&file, 5).unwrap_err().contains("not UTF-8"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
