//! Reading a file that should be a regular one, where the name may have
//! been pointed at something else: a FIFO would block the open, and a
//! device such as `/dev/zero` would never end.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::path::Path;

/// The bytes of `path` when it is a regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Opening a FIFO for reading waits for a writer, unless this is set;
        // for a regular file it changes nothing.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let too_large = || io::Error::new(io::ErrorKind::InvalidData, format!("larger than {limit} bytes"));
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").expect("write");
        assert_eq!(read_regular(&file, 5).expect("read"), b"12345");
        assert!(read_regular(&file, 4).is_err());
        assert!(read_regular(dir.path(), 100).is_err());
        #[cfg(unix)]
        {
            assert!(read_regular(Path::new("/dev/zero"), 100).is_err());
            let fifo = dir.path().join("fifo");
            let name = std::ffi::CString::new(fifo.to_str().expect("path")).expect("no NUL");
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
            assert!(read_regular(&fifo, 100).is_err(), "a FIFO neither blocks nor reads");
        }
    }
}
