//! Where bytes come from. A [`Tree`] lists the project's files (paths
//! relative to its root, `/`-separated, sorted) and reads them; rules never
//! know whether that is the working tree or, later, a git index.

use std::io;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

pub trait Tree {
    /// Every file of the project, sorted.
    fn files(&self) -> &[String];
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;
    /// The absolute directory the relative paths start from.
    fn root(&self) -> &Path;

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

/// The working tree below a root, walked with the `ignore` crate: files git
/// ignores are skipped, and so are hidden directories, `__pycache__`,
/// `node_modules` and installed packages.
#[derive(Debug)]
pub struct WorkTree {
    root: PathBuf,
    files: Vec<String>,
}

impl WorkTree {
    pub fn walk(root: &Path) -> Self {
        let mut files = Vec::new();
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
        for entry in walker.flatten() {
            let is_file = match entry.file_type() {
                Some(t) if t.is_file() => true,
                Some(t) if t.is_symlink() => entry.path().is_file(),
                _ => false,
            };
            if !is_file {
                continue;
            }
            if let Ok(relative) = entry.path().strip_prefix(root)
                && let Some(relative) = relative.to_str()
            {
                files.push(relative.replace('\\', "/"));
            }
        }
        files.sort_unstable();
        Self {
            root: root.to_path_buf(),
            files,
        }
    }
}

impl Tree for WorkTree {
    fn files(&self) -> &[String] {
        &self.files
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.root.join(path))
    }

    fn read_all(&self, paths: Vec<String>) -> Vec<(String, io::Result<Vec<u8>>)> {
        crate::parallel::map(paths, |p| {
            let bytes = std::fs::read(self.root.join(&p));
            (p, bytes)
        })
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

/// True when `path` lies inside directory `dir` (at any depth).
pub fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty() || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

/// A tree with extra files from another tree: the work tree plus the
/// revision files another branch has that it lacks (`--since`).
pub struct Overlay<'a> {
    base: &'a dyn Tree,
    extra: &'a dyn Tree,
    extra_files: std::collections::BTreeSet<String>,
    files: Vec<String>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Tree, extra: &'a dyn Tree, extra_files: impl IntoIterator<Item = String>) -> Self {
        let extra_files: std::collections::BTreeSet<String> = extra_files
            .into_iter()
            .filter(|f| base.files().binary_search(f).is_err())
            .collect();
        let mut files: Vec<String> = base.files().iter().chain(&extra_files).cloned().collect();
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
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        if self.extra_files.contains(path) {
            self.extra.read(path)
        } else {
            self.base.read(path)
        }
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

    fn read_all(&self, paths: Vec<String>) -> Vec<(String, io::Result<Vec<u8>>)> {
        self.inner.read_all(paths)
    }
    fn root(&self) -> &Path {
        self.inner.root()
    }
}
