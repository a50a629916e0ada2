//! Where bytes come from. A [`Tree`] lists the project's files (paths
//! relative to its root, `/`-separated, sorted) and reads them; rules never
//! know whether that is the working tree or, later, a git index.

use std::borrow::Cow;
use std::io;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::cache::BlobId;

pub trait Tree {
    /// Every file of the project, sorted.
    fn files(&self) -> &[String];
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;
    /// The absolute directory the relative paths start from.
    fn root(&self) -> &Path;

    /// Directories whose files are missing from `files`, with why: ones
    /// that could not be read, and links to directories, which are not
    /// followed.
    fn unwalked(&self) -> &[(String, String)] {
        &[]
    }

    /// The git blob id of each file, where it is known without reading the
    /// file: an index or commit entry, or a working-tree file whose stat
    /// data match its index entry.
    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        vec![None; paths.len()]
    }

    /// Reads each of `paths` and hands `f` its index and bytes; a tree
    /// that can reads on every core, and `f` runs where the file was read.
    fn read_each(&self, paths: &[String], f: &(dyn Fn(usize, io::Result<Vec<u8>>) + Sync)) {
        for (i, path) in paths.iter().enumerate() {
            f(i, self.read(path));
        }
    }

    /// Reads many files, in order; a tree that can, reads on every core.
    fn read_all(&self, paths: Vec<String>) -> Vec<(String, io::Result<Vec<u8>>)> {
        paths
            .into_iter()
            .map(|p| {
                let bytes = self.read(&p);
                (p, bytes)
            })
            .collect()
    }
}

/// The path a walk error is about, below the wrappers that add context.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// The working tree below a root, walked with the `ignore` crate: files git
/// ignores are skipped, and so are hidden directories, `__pycache__`,
/// `node_modules` and installed packages.
#[derive(Debug)]
pub struct WorkTree {
    root: PathBuf,
    files: Vec<String>,
    /// The files that are symbolic links (into the project), sorted.
    links: Vec<String>,
    /// Files whose names are not UTF-8: the name shown (with U+FFFD), and
    /// the real one, sorted.
    odd_names: Vec<(String, PathBuf)>,
    unwalked: Vec<(String, String)>,
    recorded: Option<Recorded>,
    root_is_cwd: bool,
}

/// What git's index recorded of the working-tree files it tracks: each
/// file's blob id and stat data, and when the index was written.
#[derive(Debug, Default)]
pub struct Recorded {
    pub entries: std::collections::HashMap<String, Stat>,
    /// The index file's modification time, seconds and nanoseconds.
    pub written: (i64, i64),
}

/// One index entry's blob id and the stat data it was recorded with.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub id: BlobId,
    pub mtime: (u32, u32),
    pub ctime: (u32, u32),
    pub ino: u32,
    pub size: u32,
}

impl Recorded {
    /// The blob id of `path` when its stat data prove the file unchanged
    /// since the index recorded it. As git does, a file modified no
    /// earlier than the index was written proves nothing: it may have
    /// changed again within the same timestamp.
    #[cfg(unix)]
    fn proven(&self, (path, file): &(&str, PathBuf)) -> Option<BlobId> {
        use std::os::unix::fs::MetadataExt;
        let stat = self.entries.get(*path)?;
        let meta = std::fs::symlink_metadata(file).ok()?;
        // Git keeps 32 bits of each field.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let same = meta.is_file()
            && (meta.mtime() as u32, meta.mtime_nsec() as u32) == stat.mtime
            && (meta.ctime() as u32, meta.ctime_nsec() as u32) == stat.ctime
            && meta.ino() as u32 == stat.ino
            && meta.size() as u32 == stat.size;
        let racy = (meta.mtime(), meta.mtime_nsec()) >= self.written;
        (same && !racy).then_some(stat.id)
    }

    #[cfg(not(unix))]
    fn proven(&self, _: &(&str, PathBuf)) -> Option<BlobId> {
        None
    }
}

/// `link` resolves to a regular file below `root` (canonical), by the one
/// rule of [`crate::fsio::link_target_inside`].
fn links_inside(root: &Path, link: &Path) -> bool {
    crate::fsio::link_target_inside(root, link).is_ok()
}

/// Why a link to a directory is not walked.
const LINKED_DIRECTORY: &str = "a symbolic link to a directory, which is not followed";
/// Why two files are not read (see `refuse_collisions`).
const COLLIDING_NAMES: &str =
    "two files show under this name (their names differ only in bytes that are not UTF-8): rename one";

/// An unwalked entry that the system refused to read (not a link left
/// alone on purpose, nor a name that cannot be told apart).
pub fn is_unreadable(why: &str) -> bool {
    why != LINKED_DIRECTORY && why != COLLIDING_NAMES && !why.starts_with("a symbolic link")
}

impl WorkTree {
    pub fn walk(root: &Path) -> Self {
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .ignore(false)
            .parents(false)
            .filter_entry(|entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if !is_dir || entry.depth() == 0 {
                    return true;
                }
                let name = entry.file_name().to_string_lossy();
                !(name.starts_with('.') || matches!(name.as_ref(), "__pycache__" | "node_modules" | "site-packages"))
            })
            .build();
        let mut tree = Self {
            root: root.to_path_buf(),
            files: Vec::new(),
            links: Vec::new(),
            odd_names: Vec::new(),
            unwalked: Vec::new(),
            recorded: None,
            root_is_cwd: std::env::current_dir().is_ok_and(|cwd| cwd == root),
        };
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        for entry in walker {
            match entry {
                Ok(entry) => tree.take(&entry, &canonical_root),
                // A directory that cannot be read: said where it matters.
                Err(error) => {
                    if let Some(dir) = error_path(&error).and_then(|p| tree.relative(p)) {
                        let why = error.io_error().map_or_else(|| error.to_string(), ToString::to_string);
                        tree.unwalked.push((dir, why));
                    }
                }
            }
        }
        tree.files.sort_unstable();
        tree.refuse_collisions();
        tree.links.sort_unstable();
        tree.odd_names.sort_unstable();
        tree.unwalked.sort_unstable();
        tree
    }

    /// `path` relative to the root, `/`-separated.
    fn relative(&self, path: &Path) -> Option<String> {
        path.strip_prefix(&self.root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"))
    }

    /// Takes in one entry of the walk: a file, or a link to a file of the
    /// project. A link that leaves it (`/proc/self/environ`) is never read;
    /// a link to a directory is not followed, and is said where it matters.
    fn take(&mut self, entry: &ignore::DirEntry, canonical_root: &Path) {
        match entry.file_type() {
            Some(t) if t.is_file() => {}
            Some(t) if t.is_symlink() => {
                if entry.path().is_dir() {
                    let why = LINKED_DIRECTORY;
                    self.unwalked
                        .extend(self.relative(entry.path()).map(|dir| (dir, why.to_owned())));
                    return;
                }
                if !links_inside(canonical_root, entry.path()) {
                    return;
                }
                self.links.extend(self.relative(entry.path()));
            }
            _ => return,
        }
        let Ok(path) = entry.path().strip_prefix(&self.root) else {
            return;
        };
        if let Some(name) = path.to_str() {
            // `\` separates on Windows; elsewhere it is part of a name.
            self.files.push(if cfg!(windows) {
                name.replace('\\', "/")
            } else {
                name.to_owned()
            });
        } else {
            // Alembic loads a file whatever its name; it is checked under a
            // readable one.
            let shown = os_shown_name(path.as_os_str()).into_owned();
            self.odd_names.push((shown.clone(), path.to_path_buf()));
            self.files.push(shown);
        }
    }

    /// Two files whose shown names are the same (their names differ only
    /// in how bytes that are not UTF-8 are written) cannot be told apart:
    /// neither is checked under that name, and the name is said to be
    /// unreadable, which is an error where a revision may be.
    fn refuse_collisions(&mut self) {
        let mut seen: Option<&String> = None;
        let mut collided = Vec::new();
        for name in &self.files {
            if seen == Some(name) && collided.last() != Some(name) {
                collided.push(name.clone());
            }
            seen = Some(name);
        }
        for name in collided {
            self.files.retain(|f| *f != name);
            self.unwalked.push((name, COLLIDING_NAMES.to_owned()));
        }
    }

    /// Where a file is, for the system: relative to the current directory
    /// when that is the root, which spares the kernel a long path lookup
    /// per file.
    fn path(&self, path: &str) -> PathBuf {
        if let Ok(at) = self.odd_names.binary_search_by(|(shown, _)| shown.as_str().cmp(path)) {
            return self.root.join(&self.odd_names[at].1);
        }
        if self.root_is_cwd {
            PathBuf::from(path)
        } else {
            self.root.join(path)
        }
    }

    /// The bytes of a file of the project. A link is looked at again when
    /// read: one that has come to point out of the project is refused, never
    /// read. Regular files cost no extra system call.
    fn read_inside(&self, path: &str) -> io::Result<Vec<u8>> {
        let full = self.path(path);
        let is_link = self.links.binary_search_by(|l| l.as_str().cmp(path)).is_ok();
        if is_link && !links_inside(&self.root.canonicalize().unwrap_or_else(|_| self.root.clone()), &full) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "a symbolic link out of the repository",
            ));
        }
        std::fs::read(full)
    }

    /// Lets the tree name the blob ids of files git's index proves unchanged.
    #[must_use]
    pub fn with_recorded(mut self, recorded: Option<Recorded>) -> Self {
        self.recorded = recorded;
        self
    }
}

impl Tree for WorkTree {
    fn files(&self) -> &[String] {
        &self.files
    }

    fn unwalked(&self) -> &[(String, String)] {
        &self.unwalked
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.read_inside(path)
    }

    fn read_each(&self, paths: &[String], f: &(dyn Fn(usize, io::Result<Vec<u8>>) + Sync)) {
        crate::parallel::for_each_index(paths.len(), |i| f(i, self.read_inside(&paths[i])));
    }

    fn read_all(&self, paths: Vec<String>) -> Vec<(String, io::Result<Vec<u8>>)> {
        crate::parallel::map(paths, |p| {
            let bytes = self.read_inside(&p);
            (p, bytes)
        })
    }

    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        match &self.recorded {
            Some(recorded) => crate::parallel::map(paths.iter().map(|p| (p.as_str(), self.path(p))).collect(), |p| {
                recorded.proven(&p)
            }),
            None => vec![None; paths.len()],
        }
    }

    fn root(&self) -> &Path {
        &self.root
    }
}

/// `dir/name` for root-relative paths, where `dir` may be empty.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The parent directory of a root-relative path (`""` for the root).
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The file name of a root-relative path.
pub fn file_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// `path` relative to directory `dir`, when it lies inside it.
pub fn strip_dir<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    path.strip_prefix(dir).and_then(|rest| rest.strip_prefix('/'))
}

/// True when `path` lies inside directory `dir` (at any depth).
pub fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty() || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

/// A tree with extra files from another tree and some of its own left
/// out: the work tree as a merge with another branch would leave it, the
/// revision files that branch added joined, the files only it modified
/// taken from it, and the files it deleted or renamed gone (`--since`).
pub struct Overlay<'a> {
    base: &'a dyn Tree,
    extra: &'a dyn Tree,
    extra_files: std::collections::BTreeSet<String>,
    files: Vec<String>,
}

impl<'a> Overlay<'a> {
    /// `extra_files` are read from `extra`: joined when `base` lacks them,
    /// in place of `base`'s own when `base` has them. `hidden` leave.
    pub fn new(
        base: &'a dyn Tree,
        extra: &'a dyn Tree,
        extra_files: impl IntoIterator<Item = String>,
        hidden: &std::collections::HashSet<String>,
    ) -> Self {
        let extra_files: std::collections::BTreeSet<String> = extra_files
            .into_iter()
            .filter(|f| extra.files().binary_search(f).is_ok() && !hidden.contains(f))
            .collect();
        let mut files: Vec<String> = base
            .files()
            .iter()
            .filter(|f| !hidden.contains(*f) && !extra_files.contains(*f))
            .chain(&extra_files)
            .cloned()
            .collect();
        files.sort();
        Self {
            base,
            extra,
            extra_files,
            files,
        }
    }
}

impl Tree for Overlay<'_> {
    fn files(&self) -> &[String] {
        &self.files
    }
    fn unwalked(&self) -> &[(String, String)] {
        self.base.unwalked()
    }
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        if self.extra_files.contains(path) {
            self.extra.read(path)
        } else {
            self.base.read(path)
        }
    }
    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        type Side<'p> = Vec<(usize, &'p String)>;
        let (extra, base): (Side<'_>, Side<'_>) = paths
            .iter()
            .enumerate()
            .partition(|(_, p)| self.extra_files.contains(p.as_str()));
        let mut ids = vec![None; paths.len()];
        for (side, tree) in [(extra, self.extra), (base, self.base)] {
            let names: Vec<String> = side.iter().map(|(_, p)| (*p).clone()).collect();
            for ((at, _), id) in side.iter().zip(tree.blob_ids(&names)) {
                ids[*at] = id;
            }
        }
        ids
    }
    fn root(&self) -> &Path {
        self.base.root()
    }
}

/// A Python source file, by its name. Alembic matches `.py`
/// case-sensitively too, so `X.PY` is not one.
#[allow(clippy::case_sensitive_file_extension_comparisons)]
pub fn is_python(path: &str) -> bool {
    path.ends_with(".py")
}

/// A tree without the files `exclude` matches.
pub struct Filtered<'a> {
    inner: &'a dyn Tree,
    files: Vec<String>,
}

impl<'a> Filtered<'a> {
    pub fn new(inner: &'a dyn Tree, exclude: impl Fn(&str) -> bool) -> Self {
        let files = inner.files().iter().filter(|f| !exclude(f)).cloned().collect();
        Self { inner, files }
    }
}

impl Tree for Filtered<'_> {
    fn files(&self) -> &[String] {
        &self.files
    }
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.inner.read(path)
    }

    fn read_each(&self, paths: &[String], f: &(dyn Fn(usize, io::Result<Vec<u8>>) + Sync)) {
        self.inner.read_each(paths, f);
    }

    fn read_all(&self, paths: Vec<String>) -> Vec<(String, io::Result<Vec<u8>>)> {
        self.inner.read_all(paths)
    }
    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        self.inner.blob_ids(paths)
    }
    fn root(&self) -> &Path {
        self.inner.root()
    }
    fn unwalked(&self) -> &[(String, String)] {
        self.inner.unwalked()
    }
}

/// The files below `dir` of a tree, as a tree of their own rooted there:
/// a nested project, checked as if it were run from its directory.
/// Files below any of `cut` (deeper nested projects) are not in it.
pub struct Subtree<'a> {
    inner: &'a dyn Tree,
    dir: String,
    root: PathBuf,
    files: Vec<String>,
    unwalked: Vec<(String, String)>,
}

/// How a name that is not UTF-8 is shown and keyed: each byte that is not
/// part of a character as `\xHH`, as Python writes bytes. Unlike U+FFFD,
/// two names that differ in such bytes stay two names (the work tree, the
/// index, commits and diffs all key files this way).
pub fn shown_name(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str("\\x");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    Cow::Owned(out)
}

/// A relative path from the system (a command-line argument) as the trees
/// key it: `/`-separated, bytes that are not UTF-8 written as [`shown_name`]
/// writes them.
pub fn path_name(path: &Path) -> String {
    os_shown_name(path.as_os_str()).into_owned()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// [`shown_name`] of a name from the file system.
fn os_shown_name(name: &std::ffi::OsStr) -> Cow<'_, str> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        shown_name(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        Cow::Owned(name.to_string_lossy().replace('\\', "/"))
    }
}

/// The closest of `dirs` above `path` (a nested project it belongs to),
/// `None` when it is under none of them: O(depth) however many there are.
fn closest_dir<'d>(path: &str, dirs: &std::collections::HashSet<&'d str>) -> Option<&'d str> {
    let mut dir = parent(path);
    while !dir.is_empty() {
        if let Some(found) = dirs.get(dir) {
            return Some(found);
        }
        dir = parent(dir);
    }
    None
}

/// A tree split among nested project directories in one pass: the files
/// of the rest (under none of them), and each directory's subtree (its
/// files that no deeper directory of `dirs` claims), in the order of `dirs`.
pub fn split_projects<'a>(inner: &'a dyn Tree, dirs: &[&str]) -> (Filtered<'a>, Vec<Subtree<'a>>) {
    let set: std::collections::HashSet<&str> = dirs.iter().copied().collect();
    let mut files: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for f in inner.files() {
        if let Some(dir) = closest_dir(f, &set) {
            files.entry(dir).or_default().push(f[dir.len() + 1..].to_owned());
        }
    }
    let mut unwalked: std::collections::HashMap<&str, Vec<(String, String)>> = std::collections::HashMap::new();
    for (d, why) in inner.unwalked() {
        // An unwalked directory belongs to the closest project above it.
        if let Some(dir) = closest_dir(d, &set)
            && let Some(inside) = strip_dir(d, dir)
        {
            unwalked.entry(dir).or_default().push((inside.to_owned(), why.clone()));
        }
    }
    let rest = Filtered::new(inner, |f| closest_dir(f, &set).is_some());
    let subtrees = dirs
        .iter()
        .map(|dir| Subtree {
            inner,
            dir: (*dir).to_owned(),
            root: inner.root().join(dir),
            files: files.remove(dir).unwrap_or_default(),
            unwalked: unwalked.remove(dir).unwrap_or_default(),
        })
        .collect();
    (rest, subtrees)
}

impl<'a> Subtree<'a> {
    pub fn new(inner: &'a dyn Tree, dir: &str, cut: &[&str]) -> Self {
        let inside = |path: &'a str| {
            strip_dir(path, dir)
                .filter(|_| !cut.iter().any(|c| is_under(path, c)))
                .map(str::to_owned)
        };
        let files = inner.files().iter().filter_map(|f| inside(f)).collect();
        let unwalked = inner
            .unwalked()
            .iter()
            .filter_map(|(d, why)| Some((inside(d)?, why.clone())))
            .collect();
        Self {
            root: inner.root().join(dir),
            inner,
            dir: dir.to_owned(),
            files,
            unwalked,
        }
    }

    fn full(&self, path: &str) -> String {
        join(&self.dir, path)
    }
}

impl Tree for Subtree<'_> {
    fn files(&self) -> &[String] {
        &self.files
    }
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.inner.read(&self.full(path))
    }
    fn read_each(&self, paths: &[String], f: &(dyn Fn(usize, io::Result<Vec<u8>>) + Sync)) {
        let full: Vec<String> = paths.iter().map(|p| self.full(p)).collect();
        self.inner.read_each(&full, f);
    }

    fn read_all(&self, paths: Vec<String>) -> Vec<(String, io::Result<Vec<u8>>)> {
        let full = paths.iter().map(|p| self.full(p)).collect();
        self.inner
            .read_all(full)
            .into_iter()
            .zip(paths)
            .map(|((_, bytes), path)| (path, bytes))
            .collect()
    }
    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        let full: Vec<String> = paths.iter().map(|p| self.full(p)).collect();
        self.inner.blob_ids(&full)
    }
    fn root(&self) -> &Path {
        &self.root
    }
    fn unwalked(&self) -> &[(String, String)] {
        &self.unwalked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_utf8_keep_their_bytes() {
        assert_eq!(shown_name(b"x\xfe.py"), "x\\xfe.py");
        assert_eq!(shown_name(b"x\xff.py"), "x\\xff.py");
        assert_eq!(shown_name("café.py".as_bytes()), "café.py");
    }

    /// Two files that still show under one name are refused, never merged.
    #[cfg(unix)]
    #[test]
    fn names_that_still_collide_are_refused() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"x\xfe.py")), "a").expect("raw");
        std::fs::write(dir.path().join("x\\xfe.py"), "b").expect("spelt out");
        std::fs::write(dir.path().join("y.py"), "c").expect("plain");
        let tree = WorkTree::walk(dir.path());
        assert_eq!(tree.files(), ["y.py"]);
        assert_eq!(tree.unwalked().len(), 1);
        assert_eq!(tree.unwalked()[0].0, "x\\xfe.py");
        assert!(tree.unwalked()[0].1.contains("rename one"));
    }
}
