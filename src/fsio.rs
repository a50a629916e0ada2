//! Reading a file that should be a regular one, where the name may have
//! been pointed at something else: a FIFO would block the open, and a
//! device such as `/dev/zero` would never end; and the one rule every
//! symbolic link the tool would read through must pass.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The one gate for links, whatever is read through them (a revision, a
/// model, `alembic.ini`, a template, a configuration file): the target
/// must be a regular file inside `top` (the project's top directory,
/// canonical) and outside its git directory, whose configuration may hold
/// credentials (a CI checkout's token) and where no revision lives. The
/// target, or why it is refused.
pub fn link_target_inside(top: &Path, link: &Path) -> Result<PathBuf, &'static str> {
    let target = link.canonicalize().map_err(|_| "a symbolic link that leads nowhere")?;
    if !target.starts_with(top) || target.starts_with(top.join(".git")) {
        return Err("a symbolic link that leaves the repository");
    }
    if !target.is_file() {
        return Err("a symbolic link to something other than a file");
    }
    Ok(target)
}

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

    #[cfg(unix)]
    #[test]
    fn links_must_stay_inside_and_out_of_the_git_directory() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let top = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir(top.join(".git")).expect(".git");
        std::fs::write(top.join(".git/config"), "[core]").expect("config");
        std::fs::write(top.join("a.py"), "x = 1").expect("file");
        let link = |name: &str, target: &str| {
            let path = top.join(name);
            std::os::unix::fs::symlink(target, &path).expect("link");
            path
        };
        assert!(link_target_inside(&top, &link("in.py", "a.py")).is_ok());
        assert!(link_target_inside(&top, &link("git.py", ".git/config")).is_err());
        assert!(link_target_inside(&top, &link("out.py", "/etc/hostname")).is_err());
        assert!(link_target_inside(&top, &link("dangling.py", "nothing.py")).is_err());
        assert!(link_target_inside(&top, &link("dir.py", ".")).is_err());
    }

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
