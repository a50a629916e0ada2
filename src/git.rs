//! Everything that talks to git, through git2. Other modules never see git2
//! types: they get [`Tree`]s (the index, a commit) and lists of paths.

use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::cache::{BlobId, Cache};
use crate::tree::{self, Recorded, Stat, Tree};

/// A repository with a work tree.
#[allow(clippy::struct_field_names)] // `repo.repo` reads as what it is: the git2 handle
pub struct Repo {
    repo: Repository,
    root: PathBuf,
    /// The index file in use (`GIT_INDEX_FILE` when git names one).
    index_file: PathBuf,
}

/// The index, HEAD, and what the one changes relative to the other.
pub struct Staged {
    pub index: IndexTree,
    /// `None` before the first commit.
    pub head: Option<CommitTree>,
    pub changes: Changes,
}

/// What the other side of a merge changed since the merge base.
#[derive(Debug, Default)]
pub struct TheirChanges {
    pub added: Vec<String>,
    pub deleted: Vec<String>,
    pub modified: Vec<String>,
}

/// What a change does to the files, relative to a base.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Added, modified, or renamed (the new path), sorted.
    pub changed: Vec<String>,
    /// Changed paths whose content differs from a file of the base (the
    /// base's path may differ when renamed): edits of existing files.
    pub modified: Vec<String>,
    /// Deleted from the base, sorted.
    pub deleted: Vec<String>,
    /// Renames git paired with an edit, `(base path, new path)`: the same
    /// revision moved and edited, or one deleted and a similar one added.
    pub renamed: Vec<(String, String)>,
}

/// Where git's system attributes file is under the prefixes git is built
/// with: the distribution's, `/usr/local`, Homebrew's and MacPorts'.
const SYSTEM_ATTRIBUTES: [&str; 4] = [
    "/etc/gitattributes",
    "/usr/local/etc/gitattributes",
    "/opt/homebrew/etc/gitattributes",
    "/opt/local/etc/gitattributes",
];

impl Changes {
    /// The work-tree diff without what a sparse checkout only left out
    /// (`sparse`, sorted): those files are neither deleted nor the origin of
    /// a rename; a file paired with one is an addition.
    pub fn without_sparse(&mut self, sparse: &[String]) {
        let left_out = |f: &String| sparse.binary_search(f).is_ok();
        self.deleted.retain(|f| !left_out(f));
        let added: Vec<String> = self
            .renamed
            .iter()
            .filter(|(from, _)| left_out(from))
            .map(|(_, to)| to.clone())
            .collect();
        self.renamed.retain(|(from, _)| !left_out(from));
        self.modified.retain(|f| !added.contains(f));
    }
}

impl Repo {
    /// The repository holding `dir`, if any. A bare repository is an error:
    /// it has nothing staged and no work tree to sweep.
    ///
    /// As git does, `GIT_DIR` (with `GIT_WORK_TREE`, else the current
    /// directory as the work tree) names the repository outright: git
    /// exports them to hooks under `git --git-dir`, and setups that keep
    /// the repository apart from its files (a bare repository of dotfiles)
    /// set them.
    /// Why a repository that exists cannot be read here, when the reason
    /// is its format (SHA-256 object names, the reftable ref storage, an
    /// extension libgit2 does not know): files can still be checked as a
    /// plain directory, but nothing can be read from git.
    pub fn unsupported_format(error: &anyhow::Error) -> Option<String> {
        let git = error.downcast_ref::<git2::Error>()?;
        let message = git.message();
        (message.contains("object format") || message.contains("extension")).then(|| message.to_owned())
    }

    pub fn discover(dir: &Path) -> Result<Option<Self>> {
        let opened = if std::env::var_os("GIT_DIR").is_some() {
            Repository::open_from_env()
        } else {
            Repository::discover(dir)
        };
        let repo = match opened {
            Ok(repo) => repo,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e).context("cannot open the git repository"),
        };
        if repo.is_bare() {
            bail!(
                "{} is a bare repository: it has no work tree to check",
                repo.path().display()
            );
        }
        let root = repo.workdir().context("the repository has no work tree")?.to_path_buf();
        let root = root.canonicalize().unwrap_or(root);
        // `git commit -a` and `git commit <paths>` stage into a temporary
        // index and name it to the hook: that is what is being committed.
        let mut index_file = repo.path().join("index");
        if let Some(named) = std::env::var_os("GIT_INDEX_FILE") {
            // A relative name is git's: from the top of the work tree.
            index_file = root.join(named);
        }
        Ok(Some(Self { repo, root, index_file }))
    }

    /// The branch the remote's default branch is (`origin/main`), as
    /// `refs/remotes/origin/HEAD` names it; `None` where no remote says.
    pub fn default_branch(&self) -> Option<String> {
        let head = self.repo.find_reference("refs/remotes/origin/HEAD").ok()?;
        let target = head.symbolic_target()?;
        let name = target.strip_prefix("refs/remotes/")?.to_owned();
        self.repo.revparse_single(target).ok()?;
        Some(name)
    }

    /// The facts cache of this repository (shared by its worktrees).
    pub fn cache(&self) -> Cache {
        Cache::open(&self.repo.commondir().join("alembic-preflight"))
    }

    /// What the index recorded of the working-tree files, for proving them
    /// unchanged without reading them. `None` where git may convert a
    /// file's bytes on checkout (`core.autocrlf`, or any attributes file git
    /// reads — the tree's `.gitattributes`, `info/attributes`,
    /// `core.attributesFile` or the user's `~/.config/git/attributes`, the
    /// system's `etc/gitattributes` — that
    /// sets `text`, `eol`, `filter`, `ident` or an encoding): there the
    /// working-tree bytes need not be the blob's.
    /// Every attributes file git reads: the tree's, the repository's, the
    /// user's (`core.attributesFile`, else the XDG default), and the
    /// system's (`git var GIT_ATTR_SYSTEM`: `etc/gitattributes` under git's
    /// prefix) unless git is told to skip it. Every prefix a package manager
    /// uses is looked at: one too many costs only the cache, one too few
    /// gives wrong facts.
    fn attribute_files(&self, config: &git2::Config, files: &[String]) -> Vec<PathBuf> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let global = match config.get_path("core.attributesFile") {
            Ok(path) => Some(path),
            Err(_) => std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| home.as_ref().map(|h| h.join(".config")))
                .map(|dir| dir.join("git/attributes")),
        };
        let system = std::env::var_os("GIT_ATTR_NOSYSTEM")
            .is_none()
            .then_some(SYSTEM_ATTRIBUTES)
            .into_iter()
            .flatten()
            .map(PathBuf::from);
        files
            .iter()
            .filter(|f| crate::tree::file_name(f) == ".gitattributes")
            .map(|f| self.root.join(f))
            .chain([self.repo.commondir().join("info/attributes")])
            .chain(global)
            .chain(system)
            .collect()
    }

    pub fn recorded(&self, files: &[String]) -> Option<Recorded> {
        let config = self.repo.config().ok()?;
        if config
            .get_string("core.autocrlf")
            .is_ok_and(|v| !v.eq_ignore_ascii_case("false"))
        {
            return None;
        }
        let converts = |bytes: Vec<u8>| {
            let text = String::from_utf8_lossy(&bytes);
            ["text", "eol", "crlf", "filter", "ident", "encoding"]
                .iter()
                .any(|word| text.contains(word))
        };
        if self
            .attribute_files(&config, files)
            .iter()
            .any(|path| std::fs::read(path).is_ok_and(converts))
        {
            return None;
        }
        let written = std::fs::metadata(&self.index_file).ok()?.modified().ok()?;
        let written = written.duration_since(std::time::UNIX_EPOCH).ok()?;
        let entries = std::fs::read(&self.index_file)
            .ok()
            .and_then(|bytes| index_stats(&bytes, &self.shared_index_dirs()))?;
        Some(Recorded {
            entries,
            written: (
                i64::try_from(written.as_secs()).unwrap_or(i64::MAX),
                i64::from(written.subsec_nanos()),
            ),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn head_tree(&self) -> Result<Option<git2::Tree<'_>>> {
        match self.repo.head() {
            Ok(head) => Ok(Some(head.peel_to_tree().context("cannot read HEAD's tree")?)),
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(e).context("cannot read HEAD"),
        }
    }

    /// The files of HEAD's commit; `None` before the first commit.
    pub fn head(&self) -> Result<Option<CommitTree>> {
        let Some(tree) = self.head_tree()? else { return Ok(None) };
        Ok(Some(BlobTree::from_tree(&self.repo, &tree, self.root.clone())?))
    }

    /// Whether the index differs from HEAD: something is staged to commit.
    /// Before the first commit, anything in the index is.
    /// The file at `path` (absolute) holds what the index holds for it,
    /// byte for byte (no filter applied).
    pub fn matches_index(&self, path: &Path) -> bool {
        let Some(relative) = path.strip_prefix(&self.root).ok().and_then(Path::to_str) else {
            return false;
        };
        let relative = relative.replace('\\', "/");
        let Ok(listing) = self.index_listing() else {
            return false;
        };
        let Some((_, staged, _)) = listing.iter().find(|(p, _, _)| *p == relative) else {
            return false;
        };
        Oid::hash_file(git2::ObjectType::Blob, path).is_ok_and(|on_disk| on_disk == *staged)
    }

    pub fn has_staged(&self) -> Result<bool> {
        let index = self.index_listing()?;
        Ok(match self.head_tree()? {
            Some(tree) => tree_listing(&tree)? != index,
            None => !index.is_empty(),
        })
    }

    /// The paths whose staged content differs from HEAD's (every path of
    /// the index before the first commit).
    pub fn staged_paths(&self) -> Result<std::collections::HashSet<String>> {
        let index = self.index_listing()?;
        let head: std::collections::HashMap<String, (Oid, u32)> = match self.head_tree()? {
            Some(tree) => tree_listing(&tree)?.into_iter().map(|(p, o, m)| (p, (o, m))).collect(),
            None => std::collections::HashMap::new(),
        };
        Ok(index
            .into_iter()
            .filter(|(path, oid, mode)| head.get(path) != Some(&(*oid, *mode)))
            .map(|(path, _, _)| path)
            .collect())
    }

    /// The files of the newest commit HEAD's history has published: what a
    /// remote-tracking branch already has. The commits after it exist only
    /// here (an amend or a rebase rewrites them freely). `None` when nothing
    /// tells: no remote-tracking branch, or HEAD itself is published.
    pub fn published(&self) -> Option<Option<CommitTree>> {
        let head = self.repo.head().ok()?.peel_to_commit().ok()?;
        let remotes = self.repo.references_glob("refs/remotes/*").ok()?.count();
        if remotes == 0 {
            return None;
        }
        let mut walk = self.repo.revwalk().ok()?;
        walk.push(head.id()).ok()?;
        walk.hide_glob("refs/remotes/*").ok()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).ok()?;
        let oldest = walk.next()?.ok()?;
        // Nothing of HEAD's history is published: no revision was applied
        // from a shared branch.
        let Ok(parent) = self.repo.find_commit(oldest).ok()?.parent(0) else {
            return Some(None);
        };
        let tree = parent.tree().ok()?;
        BlobTree::from_tree(&self.repo, &tree, self.root.clone()).ok().map(Some)
    }

    /// Those of `paths` that the tip of some remote-tracking branch other
    /// than this branch's own upstream has: another branch published them
    /// (a merge brings them in), so they are not this branch's to change.
    pub fn on_remotes(&self, paths: &[String]) -> std::collections::HashSet<String> {
        let mut found = std::collections::HashSet::new();
        let Ok(references) = self.repo.references_glob("refs/remotes/*") else {
            return found;
        };
        let upstream: Option<String> = self
            .repo
            .head()
            .ok()
            .filter(git2::Reference::is_branch)
            .map(git2::Branch::wrap)
            .and_then(|branch| branch.upstream().ok())
            .and_then(|upstream| upstream.get().name().map(str::to_owned));
        let trees: Vec<git2::Tree<'_>> = references
            .filter_map(Result::ok)
            .filter(|r| r.kind() == Some(git2::ReferenceType::Direct))
            .filter(|r| r.name().is_none_or(|name| Some(name) != upstream.as_deref()))
            .filter_map(|r| r.peel_to_tree().ok())
            .collect();
        for path in paths {
            if trees.iter().any(|t| t.get_path(Path::new(path)).is_ok()) {
                found.insert(path.clone());
            }
        }
        found
    }

    /// The paths the index holds: what git tracks, and will commit.
    pub fn tracked(&self) -> Result<std::collections::HashSet<String>> {
        Ok(self.index_listing()?.into_iter().map(|(path, _, _)| path).collect())
    }

    /// The files of the commit `reference` names.
    pub fn commit(&self, reference: &str) -> Result<CommitTree> {
        let tree = self
            .resolve(reference)?
            .tree()
            .context("cannot read the commit's tree")?;
        BlobTree::from_tree(&self.repo, &tree, self.root.clone())
    }

    fn resolve(&self, reference: &str) -> Result<git2::Commit<'_>> {
        self.repo
            .revparse_single(reference)
            .and_then(|o| o.peel_to_commit())
            .with_context(|| {
                format!(
                    "`{reference}` names no commit in this repository: give a branch, a tag or a commit id \
                     (one that lives on a remote is fetched first: `git fetch origin <branch>`)"
                )
            })
    }

    /// The staged content and what it changes relative to HEAD (everything,
    /// before the first commit), with HEAD's files when there is a HEAD.
    pub fn staged(&self) -> Result<Staged> {
        let index = self.index_listing()?;
        let head = match self.head_tree()? {
            Some(tree) => Some(tree_listing(&tree)?),
            None => None,
        };
        let changes = match exact_changes(head.as_ref().unwrap_or(&Vec::new()), &index) {
            Some(changes) => changes,
            None => self.staged_changes(&index)?,
        };
        let blob_tree = |listing| -> Result<BlobTree> {
            Ok(BlobTree {
                blobs: Blobs::new(&self.repo, listing)?,
                root: self.root.clone(),
            })
        };
        Ok(Staged {
            index: blob_tree(index)?,
            head: head.map(blob_tree).transpose()?,
            changes,
        })
    }

    /// The tracked files a sparse checkout keeps out of the work tree
    /// (skip-worktree entries, and the files of a sparse index's
    /// directories) that are not among `present`, as a tree read from the
    /// index; `None` when there are none. Work-tree modes join them: they
    /// are part of the project Alembic would load from a full checkout.
    pub fn outside_sparse_checkout(&self, present: &[String]) -> Result<Option<CommitTree>> {
        let mut listing: Listing = Vec::new();
        if let Some(entries) = self.read_index() {
            for entry in entries.into_iter().filter(|e| e.skip_worktree && !e.conflicted) {
                let Ok(id) = Oid::from_bytes(&entry.stat.id) else {
                    continue;
                };
                self.list_entry(&mut listing, entry.path, id, entry.mode)?;
            }
        } else {
            let index = git2::Index::open(&self.index_file)
                .with_context(|| format!("cannot read the git index {}", self.index_file.display()))?;
            for entry in index.iter() {
                let stage = (entry.flags >> 12) & 0x3;
                if entry.flags_extended & 0x4000 != 0 && stage == 0 {
                    listing.push((tree::shown_name(&entry.path).into_owned(), entry.id, entry.mode));
                }
            }
        }
        listing.retain(|(path, _, _)| present.binary_search(path).is_err());
        if listing.is_empty() {
            return Ok(None);
        }
        listing.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(Some(BlobTree {
            blobs: Blobs::new(&self.repo, listing)?,
            root: self.root.clone(),
        }))
    }

    /// The index file's entries, read by our own reader; `None` where it
    /// does not understand the file.
    fn read_index(&self) -> Option<Vec<IndexEntry>> {
        index_entries(&std::fs::read(&self.index_file).ok()?, &self.shared_index_dirs())
    }

    /// Where a split index's shared part may be: beside the index file,
    /// and in the git directory and the common one, where git writes it
    /// (an index named by `GIT_INDEX_FILE` elsewhere still shares it).
    fn shared_index_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.index_file.parent().unwrap_or(Path::new(".")).to_path_buf()];
        for dir in [self.repo.path(), self.repo.commondir()] {
            if !dirs.iter().any(|d| d == dir) {
                dirs.push(dir.to_path_buf());
            }
        }
        dirs
    }

    /// Lists one index entry: a file, or a sparse index's directory, whose
    /// files are the tree's.
    fn list_entry(&self, listing: &mut Listing, path: String, id: Oid, mode: u32) -> Result<()> {
        if mode & 0o170_000 != 0o040_000 {
            listing.push((path, id, mode));
            return Ok(());
        }
        let tree = self
            .repo
            .find_tree(id)
            .context("cannot read a directory of the sparse index")?;
        let prefix = path.trim_end_matches('/');
        listing.extend(
            tree_listing(&tree)?
                .into_iter()
                .map(|(path, id, mode)| (format!("{prefix}/{path}"), id, mode)),
        );
        Ok(())
    }

    /// Every stage-0 entry of the index: read directly where the file is
    /// understood, else through libgit2.
    fn index_listing(&self) -> Result<Listing> {
        if let Some(entries) = self.read_index() {
            let mut listing: Listing = Vec::with_capacity(entries.len());
            for entry in entries {
                let Ok(id) = Oid::from_bytes(&entry.stat.id) else {
                    continue;
                };
                self.list_entry(&mut listing, entry.path, id, entry.mode)?;
            }
            listing.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            return Ok(listing);
        }
        let index = git2::Index::open(&self.index_file)
            .with_context(|| format!("cannot read the git index {}", self.index_file.display()))?;
        let mut listing = Vec::new();
        for entry in index.iter() {
            // As the direct reader: ours for an unresolved conflict, else
            // theirs.
            let taken = match (entry.flags >> 12) & 0x3 {
                0 | 2 => true,
                3 => listing
                    .last()
                    .is_none_or(|(p, _, _): &(String, Oid, u32)| p.as_bytes() != entry.path.as_slice()),
                _ => false,
            };
            if taken {
                listing.push((tree::shown_name(&entry.path).into_owned(), entry.id, entry.mode));
            }
        }
        listing.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(listing)
    }

    /// What the index (its `listing`) changes relative to HEAD, with
    /// libgit2's rename detection. libgit2 is given the listing as an index
    /// of its own: it cannot read every index git writes (split, sparse).
    fn staged_changes(&self, listing: &Listing) -> Result<Changes> {
        let head = self.head_tree()?;
        let mut index = git2::Index::new().context("cannot make an index")?;
        for (path, id, mode) in listing {
            let time = git2::IndexTime::new(0, 0);
            index
                .add(&git2::IndexEntry {
                    ctime: time,
                    mtime: time,
                    dev: 0,
                    ino: 0,
                    mode: *mode,
                    uid: 0,
                    gid: 0,
                    file_size: 0,
                    id: *id,
                    flags: u16::try_from(path.len()).unwrap_or(0xfff).min(0xfff),
                    flags_extended: 0,
                    path: path.as_bytes().to_vec(),
                })
                .with_context(|| format!("cannot list {path}"))?;
        }
        let mut options = DiffOptions::new();
        options.include_typechange(true);
        let mut diff = self
            .repo
            .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut options))
            .context("cannot compare the index with HEAD")?;
        collect_changes(&mut diff)
    }

    /// The tree of the merge base of HEAD and `reference`.
    /// The tree of the merge base of `reference` with `ours` (HEAD when
    /// `None`).
    fn merge_base_tree(&self, reference: &str, ours: Option<&str>) -> Result<git2::Tree<'_>> {
        let other = self.resolve(reference)?.id();
        let head = match ours {
            Some(ours) => self.resolve(ours)?.id(),
            None => self
                .repo
                .head()
                .and_then(|h| h.peel_to_commit())
                .context("`--since` needs a commit on HEAD")?
                .id(),
        };
        let base = match self.repo.merge_base(head, other) {
            Ok(base) => base,
            // A shallow clone (CI's default checkout) has cut the history
            // where the two meet.
            Err(_) if self.repo.is_shallow() => bail!(
                "HEAD and `{reference}` meet in history this shallow clone does not have: fetch it \
                 (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout) and run again"
            ),
            Err(e) => return Err(e).with_context(|| format!("HEAD and `{reference}` have no common ancestor")),
        };
        self.repo
            .find_commit(base)
            .and_then(|c| c.tree())
            .context("cannot read the merge base")
    }

    /// What the work tree (and index) changes relative to the merge base of
    /// HEAD and `reference`.
    pub fn changes_since(&self, reference: &str) -> Result<Changes> {
        let base_tree = self.merge_base_tree(reference, None)?;
        let mut options = DiffOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_typechange(true);
        let mut diff = self
            .repo
            .diff_tree_to_workdir_with_index(Some(&base_tree), Some(&mut options))
            .context("cannot compare the work tree with the merge base")?;
        collect_changes(&mut diff)
    }

    /// What commit `ours` changes since its merge base with `reference`:
    /// a pushed commit's change, read from the object database alone.
    pub fn changes_between(&self, reference: &str, ours: &str) -> Result<Changes> {
        let base_tree = self.merge_base_tree(reference, Some(ours))?;
        let tree = self.resolve(ours)?.tree().context("cannot read the commit's tree")?;
        let mut options = DiffOptions::new();
        options.include_typechange(true);
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(&base_tree), Some(&tree), Some(&mut options))
            .with_context(|| format!("cannot compare `{ours}` with its merge base with `{reference}`"))?;
        collect_changes(&mut diff)
    }

    /// The paths `reference` added, deleted and modified since the merge
    /// base with `ours` (HEAD when `None`): what a merge would add to this
    /// side, take away from it, and take from the other side where this
    /// side left the file alone. A rename is an addition and a deletion.
    pub fn their_changes(&self, reference: &str, ours: Option<&str>) -> Result<TheirChanges> {
        let base_tree = self.merge_base_tree(reference, ours)?;
        let other = self
            .resolve(reference)?
            .tree()
            .context("cannot read the commit's tree")?;
        let diff = self
            .repo
            .diff_tree_to_tree(Some(&base_tree), Some(&other), None)
            .with_context(|| format!("cannot compare `{reference}` with the merge base"))?;
        let mut theirs = TheirChanges::default();
        for delta in diff.deltas() {
            match delta.status() {
                Delta::Added => theirs.added.extend(delta_path(&delta.new_file())),
                Delta::Deleted => theirs.deleted.extend(delta_path(&delta.old_file())),
                Delta::Modified | Delta::Typechange => theirs.modified.extend(delta_path(&delta.new_file())),
                _ => {}
            }
        }
        Ok(theirs)
    }

    /// The directory git runs hooks from: `core.hooksPath` when set
    /// (relative to the work tree), else the common git directory's `hooks/`
    /// (shared by linked worktrees).
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        let config = self.repo.config().context("cannot read the git configuration")?;
        let raw = match config.get_string("core.hooksPath") {
            Ok(raw) => raw,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(self.repo.commondir().join("hooks")),
            Err(e) => return Err(e).context("cannot read core.hooksPath"),
        };
        // git expands `~/` and `~user/`; a hook put anywhere else would
        // never run.
        let path = expand_home(&raw, |user| {
            std::fs::read_to_string("/etc/passwd").ok().and_then(|passwd| {
                passwd.lines().find_map(|line| {
                    let fields: Vec<&str> = line.split(':').collect();
                    (fields.len() >= 6 && fields[0] == user).then(|| PathBuf::from(fields[5]))
                })
            })
        })
        .with_context(|| {
            format!("core.hooksPath is `{raw}`, which names no directory git would use; nothing was changed")
        })?;
        Ok(if path.is_absolute() { path } else { self.root.join(path) })
    }
}

/// The user's git configuration files that exist but cannot be read (a
/// `$HOME` the user may not enter, as under `docker run --user`). git
/// warns and goes on without them; libgit2 would refuse to open any
/// repository, so they are taken out of its search path. Call before any
/// repository is opened; returns them, with why, for the warning.
pub fn skip_unreadable_user_config() -> Vec<String> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let candidates = [
        (git2::ConfigLevel::Global, home.map(|h| h.join(".gitconfig"))),
        (git2::ConfigLevel::XDG, xdg.map(|x| x.join("git/config"))),
    ];
    let mut skipped = Vec::new();
    for (level, path) in candidates {
        let Some(path) = path else { continue };
        match std::fs::metadata(&path) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => {
                // SAFETY: libgit2's search paths are process-wide; nothing
                // else touches them, and no repository is open yet.
                if unsafe { git2::opts::set_search_path(level, "") }.is_ok() {
                    skipped.push(format!("cannot read {} ({e}); going on without it", path.display()));
                }
            }
        }
    }
    skipped
}

/// `path` with a leading `~` or `~user` replaced by that home directory
/// (`$HOME` for `~`), as git expands paths in its configuration.
fn expand_home(path: &str, home_of: impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    let Some(rest) = path.strip_prefix('~') else {
        return Some(PathBuf::from(path));
    };
    let (user, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let home = if user.is_empty() {
        std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
    } else {
        home_of(user)
    }?;
    Some(if tail.is_empty() { home } else { home.join(tail) })
}

/// A diff side's path, `/`-separated; `None` when it is not UTF-8.
fn delta_path(file: &git2::DiffFile<'_>) -> Option<String> {
    // Git writes paths with `/` on every system.
    file.path_bytes().map(|p| tree::shown_name(p).into_owned())
}

fn collect_changes(diff: &mut git2::Diff<'_>) -> Result<Changes> {
    let mut find = DiffFindOptions::new();
    find.renames(true);
    diff.find_similar(Some(&mut find)).context("cannot detect renames")?;
    let mut changes = Changes::default();
    for delta in diff.deltas() {
        match delta.status() {
            Delta::Added | Delta::Untracked | Delta::Copied => changes.changed.extend(delta_path(&delta.new_file())),
            Delta::Modified | Delta::Typechange => {
                if let Some(p) = delta_path(&delta.new_file()) {
                    changes.modified.push(p.clone());
                    changes.changed.push(p);
                }
            }
            Delta::Renamed => {
                if let Some(p) = delta_path(&delta.new_file()) {
                    if delta.old_file().id() != delta.new_file().id() {
                        changes
                            .renamed
                            .extend(delta_path(&delta.old_file()).map(|old| (old, p.clone())));
                    }
                    changes.changed.push(p);
                }
            }
            Delta::Deleted => changes.deleted.extend(delta_path(&delta.old_file())),
            _ => {}
        }
    }
    for list in [&mut changes.changed, &mut changes.modified, &mut changes.deleted] {
        list.sort();
        list.dedup();
    }
    changes.renamed.sort();
    Ok(changes)
}

/// One stage-0 entry of an index file: a regular file, a symbolic link or
/// a submodule (gitlink).
struct IndexEntry {
    path: String,
    mode: u32,
    /// A stage of an unresolved conflict.
    conflicted: bool,
    /// Outside a sparse checkout: git keeps no work-tree file for it.
    skip_worktree: bool,
    stat: Stat,
}

/// One entry of an index file as stored, before stages are resolved.
struct RawEntry {
    path: Vec<u8>,
    mode: u32,
    stage: u16,
    intent_to_add: bool,
    skip_worktree: bool,
    stat: Stat,
}

/// An index file's entries, and its split-index link when it has one: the
/// shared index's id and the delete and replace bitmaps.
struct RawIndex {
    entries: Vec<RawEntry>,
    link: Option<([u8; 20], Vec<bool>, Vec<bool>)>,
}

/// Parses an index file (versions 2 to 4). The trailing checksum is not
/// verified; a torn or garbled file is caught by its structure, and git
/// refuses to commit from a corrupt index anyway.
fn parse_index(bytes: &[u8]) -> Option<RawIndex> {
    let word = |at: usize| -> Option<u32> { Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
    if bytes.get(..4)? != b"DIRC" {
        return None;
    }
    let version = word(4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = word(8)? as usize;
    // Each entry takes at least 62 bytes: a count beyond that is garbage.
    if count > bytes.len() / 62 {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    let mut at = 12;
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let (entry, next) = parse_entry(bytes, at, version, &mut previous)?;
        entries.push(entry);
        at = next;
    }
    let mut link = None;
    while at + 8 <= bytes.len().saturating_sub(20) {
        let size = word(at + 4)? as usize;
        let body = bytes.get(at + 8..(at + 8).checked_add(size)?)?;
        if &bytes[at..at + 4] == b"link" {
            link = Some(parse_link(body)?);
        }
        at += 8 + size;
    }
    Some(RawIndex { entries, link })
}

/// The entry of an index file at `start`, and where the next one starts.
/// `previous` is the path before it (version 4 stores paths as the change
/// from the previous one).
fn parse_entry(bytes: &[u8], start: usize, version: u32, previous: &mut Vec<u8>) -> Option<(RawEntry, usize)> {
    let word = |at: usize| -> Option<u32> { Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
    let field = |n: usize| word(start + 4 * n);
    let (ctime, mtime) = ((field(0)?, field(1)?), (field(2)?, field(3)?));
    let (ino, mode, size) = (field(5)?, field(6)?, field(9)?);
    let id: BlobId = bytes.get(start + 40..start + 60)?.try_into().ok()?;
    let flags = u16::from_be_bytes(bytes.get(start + 60..start + 62)?.try_into().ok()?);
    let mut at = start + 62;
    let mut intent_to_add = false;
    let mut skip_worktree = false;
    if flags & 0x4000 != 0 {
        if version < 3 {
            return None;
        }
        let extended = u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?);
        // `git add -N`: a placeholder git never commits.
        intent_to_add = extended & 0x2000 != 0;
        // Outside the sparse checkout's patterns.
        skip_worktree = extended & 0x4000 != 0;
        at += 2;
    }
    let path = if version == 4 {
        // How many bytes of the previous path to drop, then the rest.
        let mut byte = *bytes.get(at)?;
        at += 1;
        let mut strip = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = *bytes.get(at)?;
            at += 1;
            strip = ((strip + 1) << 7) | usize::from(byte & 0x7f);
        }
        let end = at + bytes.get(at..)?.iter().position(|&b| b == 0)?;
        let keep = previous.len().checked_sub(strip)?;
        previous.truncate(keep);
        previous.extend_from_slice(&bytes[at..end]);
        at = end + 1;
        previous.clone()
    } else {
        let end = at + bytes.get(at..)?.iter().position(|&b| b == 0)?;
        let path = bytes[at..end].to_vec();
        // NUL padding to a multiple of eight bytes from the entry's start.
        at = start + (end - start + 8) / 8 * 8;
        path
    };
    // Files, links, submodules, and the directories a sparse index stands
    // in for their files.
    if !matches!(mode & 0o170_000, 0o100_000 | 0o120_000 | 0o160_000 | 0o040_000) {
        return None;
    }
    let entry = RawEntry {
        path,
        mode,
        stage: (flags >> 12) & 0x3,
        intent_to_add,
        skip_worktree,
        stat: Stat {
            id,
            mtime,
            ctime,
            ino,
            size,
        },
    };
    Some((entry, at))
}

/// The split-index extension: the shared index's id, then (when there
/// are any) the delete and replace bitmaps.
fn parse_link(body: &[u8]) -> Option<([u8; 20], Vec<bool>, Vec<bool>)> {
    let shared: [u8; 20] = body.get(..20)?.try_into().ok()?;
    if body.len() == 20 {
        return Some((shared, Vec::new(), Vec::new()));
    }
    let (delete, used) = ewah(&body[20..])?;
    let (replace, _) = ewah(body.get(20 + used..)?)?;
    Some((shared, delete, replace))
}

/// An EWAH-compressed bitmap, as git writes it: its bits, and the bytes it
/// took. Runs of one bit and literal 64-bit words alternate.
fn ewah(bytes: &[u8]) -> Option<(Vec<bool>, usize)> {
    let word32 =
        |at: usize| -> Option<usize> { Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize) };
    let (bit_size, words) = (word32(0)?, word32(4)?);
    let word =
        |i: usize| -> Option<u64> { Some(u64::from_be_bytes(bytes.get(8 + 8 * i..16 + 8 * i)?.try_into().ok()?)) };
    // One bit per entry of an index file: 2^26 entries would be a 4 GB
    // index. More is garbage.
    if bit_size > 1 << 26 {
        return None;
    }
    let mut bits = Vec::with_capacity(bit_size);
    let mut i = 0;
    while i < words && bits.len() < bit_size {
        let marker = word(i)?;
        i += 1;
        let run_bit = marker & 1 == 1;
        let run = usize::try_from((marker >> 1) & 0xffff_ffff).ok()?.checked_mul(64)?;
        let literals = usize::try_from(marker >> 33).ok()?;
        bits.extend(std::iter::repeat_n(run_bit, run.min(bit_size - bits.len())));
        for _ in 0..literals {
            let literal = word(i)?;
            i += 1;
            bits.extend((0..64).map(|b| literal >> b & 1 == 1));
        }
    }
    bits.truncate(bit_size);
    // The words, then the position of the last marker word.
    Some((bits, 8 + 8 * words + 4))
}

/// The entries of an index file (versions 2 to 4), read directly: libgit2
/// would first hash the whole file with collision-detecting SHA-1 and
/// build a map of it, which costs more than the check it serves. A split
/// index is joined with its shared index (beside it, in `dir`). Each path
/// once: stage 0, or for an unresolved conflict ours (stage 2), else
/// theirs (3). The directories of a sparse index are listed as they are,
/// mode 040000, for the caller to expand. `None` for what is not
/// understood; the caller then asks libgit2.
fn index_entries(bytes: &[u8], dirs: &[PathBuf]) -> Option<Vec<IndexEntry>> {
    let index = parse_index(bytes)?;
    let raw = match index.link {
        Some((shared, delete, replace)) if shared != [0; 20] => {
            let name = Oid::from_bytes(&shared).ok()?.to_string();
            let file = format!("sharedindex.{name}");
            let bytes = dirs.iter().find_map(|dir| std::fs::read(dir.join(&file)).ok())?;
            let shared = parse_index(&bytes)?;
            let mut replacements = index.entries.into_iter();
            let mut joined = Vec::with_capacity(shared.entries.len());
            for (i, mut entry) in shared.entries.into_iter().enumerate() {
                if replace.get(i).copied().unwrap_or(false) {
                    let mut replacement = replacements.next()?;
                    if replacement.path.is_empty() {
                        replacement.path = std::mem::take(&mut entry.path);
                    }
                    entry = replacement;
                }
                if !delete.get(i).copied().unwrap_or(false) {
                    joined.push(entry);
                }
            }
            joined.extend(replacements);
            joined.sort_by(|a, b| a.path.cmp(&b.path).then(a.stage.cmp(&b.stage)));
            joined
        }
        _ => index.entries,
    };
    let mut entries: Vec<IndexEntry> = Vec::with_capacity(raw.len());
    for entry in raw {
        // An unresolved conflict has no stage 0: its files are ours (stage
        // 2), or theirs (3) when only they have it. Their stat data never
        // describe the work-tree file, which holds the conflict markers.
        let taken = match entry.stage {
            0 => !entry.intent_to_add,
            2 => true,
            3 => entries
                .last()
                .is_none_or(|e| e.path.as_bytes() != entry.path.as_slice()),
            _ => false,
        };
        if taken {
            // Kept when not UTF-8, as the work tree and commits keep it.
            let path = String::from_utf8(entry.path).unwrap_or_else(|e| tree::shown_name(e.as_bytes()).into_owned());
            entries.push(IndexEntry {
                path,
                mode: entry.mode,
                conflicted: entry.stage != 0,
                skip_worktree: entry.skip_worktree,
                stat: entry.stat,
            });
        }
    }
    Some(entries)
}

/// The stat data and blob id of every stage-0 regular file in an index file.
fn index_stats(bytes: &[u8], dirs: &[PathBuf]) -> Option<std::collections::HashMap<String, Stat>> {
    let entries = index_entries(bytes, dirs)?;
    let mut stats = std::collections::HashMap::with_capacity(entries.len());
    for entry in entries {
        if entry.mode & 0o170_000 == 0o100_000 && !entry.conflicted {
            stats.insert(entry.path, entry.stat);
        }
    }
    Some(stats)
}

/// Every file of the index or of a commit: path, blob (or commit) id and
/// mode, sorted by path. Symbolic links and submodules are listed, so a
/// comparison sees them change; [`BlobTree`] leaves them out.
type Listing = Vec<(String, Oid, u32)>;

/// What `index` changes relative to `head`, when nothing was deleted and
/// so nothing can have been renamed; `None` when something was, and
/// libgit2's rename detection must decide.
fn exact_changes(head: &Listing, index: &Listing) -> Option<Changes> {
    let mut changes = Changes::default();
    let mut old = head.iter().peekable();
    for (path, id, mode) in index {
        match old.peek() {
            // Sorted alike: a HEAD path passed over is not in the index.
            Some((before, _, _)) if before < path => return None,
            Some((before, old_id, old_mode)) if before == path => {
                if old_id != id || old_mode != mode {
                    changes.modified.push(path.clone());
                    changes.changed.push(path.clone());
                }
                old.next();
            }
            _ => changes.changed.push(path.clone()),
        }
    }
    old.next().is_none().then_some(changes)
}

/// A link at `path` to `target` (relative to the link's directory), as a
/// root-relative path; `None` when it is absolute or climbs out of the root.
fn resolve_link(path: &str, target: &str) -> Option<String> {
    if target.starts_with('/') || target.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Blob contents by path, read from the object database on demand.
struct Blobs {
    repo: Repository,
    /// Sorted, with `ids` alongside.
    files: Vec<String>,
    ids: Vec<Oid>,
    /// Links that stand for directories, which are not followed.
    unwalked: Vec<(String, String)>,
}

impl Blobs {
    /// The regular files of `listing`, and its symbolic links that point at
    /// one of them (a link stores its target's path: a link that leaves the
    /// repository, or points at nothing tracked, is left out).
    fn new(repo: &Repository, listing: Listing) -> Result<Self> {
        let repo = Repository::open(repo.path()).context("cannot reopen the repository")?;
        let (links, regular): (Vec<_>, Vec<_>) = listing
            .into_iter()
            .filter(|(_, _, mode)| matches!(mode & 0o170_000, 0o100_000 | 0o120_000))
            .partition(|(_, _, mode)| mode & 0o170_000 == 0o120_000);
        let (mut files, mut ids): (Vec<String>, Vec<Oid>) = regular.into_iter().map(|(path, id, _)| (path, id)).unzip();
        let mut linked = Vec::new();
        let mut unwalked = Vec::new();
        for (path, id, _) in links {
            let Ok(target) = repo.find_blob(id) else { continue };
            let Ok(target) = std::str::from_utf8(target.content()) else {
                continue;
            };
            let Some(resolved) = resolve_link(&path, target) else {
                // Out of the repository: never read. One that may stand for
                // a directory is said where it hides revisions.
                if !crate::tree::is_python(&path) {
                    unwalked.push((
                        path,
                        "a symbolic link out of the repository, which is not followed".to_owned(),
                    ));
                }
                continue;
            };
            if let Ok(at) = files.binary_search_by(|f| f.as_str().cmp(&resolved)) {
                linked.push((path, ids[at]));
            } else {
                let inside = format!("{resolved}/");
                let first = files.partition_point(|f| f.as_str() < inside.as_str());
                if files.get(first).is_some_and(|f| f.starts_with(&inside)) {
                    unwalked.push((path, "a symbolic link to a directory, which is not followed".to_owned()));
                }
            }
        }
        for (path, id) in linked {
            let at = files.binary_search(&path).unwrap_or_else(|at| at);
            files.insert(at, path);
            ids.insert(at, id);
        }
        Ok(Self {
            repo,
            files,
            ids,
            unwalked,
        })
    }

    fn id(&self, path: &str) -> Option<Oid> {
        let at = self.files.binary_search_by(|f| f.as_str().cmp(path)).ok()?;
        Some(self.ids[at])
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        let oid = self
            .id(path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in the tree"))?;
        let blob = self.repo.find_blob(oid).map_err(io::Error::other)?;
        Ok(blob.content().to_vec())
    }
}

/// The files of the index or of a commit: blobs by path, read on demand.
pub struct BlobTree {
    blobs: Blobs,
    root: PathBuf,
}

/// The staged content of the index.
pub type IndexTree = BlobTree;
/// The files of one commit.
pub type CommitTree = BlobTree;

impl BlobTree {
    fn from_tree(repo: &Repository, tree: &git2::Tree<'_>, root: PathBuf) -> Result<Self> {
        Ok(Self {
            blobs: Blobs::new(repo, tree_listing(tree)?)?,
            root,
        })
    }

    pub fn blob_id(&self, path: &str) -> Option<Oid> {
        self.blobs.id(path)
    }
}

/// Every file of a commit's tree, sorted.
fn tree_listing(tree: &git2::Tree<'_>) -> Result<Listing> {
    let mut listing = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        if matches!(entry.kind(), Some(ObjectType::Blob | ObjectType::Commit)) {
            // A name that is not UTF-8 is kept, shown as the work tree
            // shows it: Alembic loads such files.
            let name = tree::shown_name(entry.name_bytes());
            listing.push((
                format!("{dir}{name}"),
                entry.id(),
                u32::try_from(entry.filemode()).unwrap_or(0),
            ));
        }
        TreeWalkResult::Ok
    })
    .context("cannot walk the commit's tree")?;
    listing.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(listing)
}

impl Tree for BlobTree {
    fn files(&self) -> &[String] {
        &self.blobs.files
    }
    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        paths
            .iter()
            .map(|p| self.blob_id(p).and_then(|id| id.as_bytes().try_into().ok()))
            .collect()
    }
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.blobs.read(path)
    }
    fn root(&self) -> &Path {
        &self.root
    }
    fn unwalked(&self) -> &[(String, String)] {
        &self.blobs.unwalked
    }
}

#[cfg(test)]
mod tests {
    /// F-05: a conversion set in the user's attributes file (here named by
    /// `core.attributesFile`) makes working-tree bytes differ from the
    /// blob's, so the stat proof must not be trusted there.
    #[test]
    fn f05_the_users_attributes_file_turns_the_proof_off() {
        let dir = tempfile::tempdir().expect("directory");
        let root = dir.path().canonicalize().expect("canonical");
        let repo = git2::Repository::init(&root).expect("init");
        std::fs::write(root.join("a.py"), "revision = 'a'\n").expect("file");
        let mut index = repo.index().expect("index");
        index.add_path(std::path::Path::new("a.py")).expect("add");
        index.write().expect("write");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let files = vec!["a.py".to_owned()];
        let opened = super::Repo::discover(&root).expect("opens").expect("a repository");
        assert!(opened.recorded(&files).is_some(), "no conversion: the proof holds");
        let attributes = root.join("user-attributes");
        std::fs::write(&attributes, "*.py text eol=crlf\n").expect("attributes");
        repo.config()
            .expect("config")
            .set_str("core.attributesFile", attributes.to_str().expect("utf-8"))
            .expect("set");
        let opened = super::Repo::discover(&root).expect("opens").expect("a repository");
        assert!(opened.recorded(&files).is_none(), "converted: nothing is proven");
    }

    #[test]
    fn f21_links_resolve_inside_the_root_only() {
        use super::resolve_link;
        assert_eq!(
            resolve_link("migrations/versions/b.py", "../../shared/b.py").as_deref(),
            Some("shared/b.py")
        );
        assert_eq!(resolve_link("a/b.py", "./c.py").as_deref(), Some("a/c.py"));
        assert_eq!(resolve_link("a/b.py", "../../x.py"), None, "climbs out");
        assert_eq!(resolve_link("a/b.py", "/proc/self/environ"), None, "absolute");
    }

    use super::*;

    /// The direct reading of the index agrees with libgit2's, in every
    /// index version and with paths that share long prefixes.
    #[test]
    fn index_stats_agree_with_libgit2() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let repo = Repository::init(dir.path()).expect("init");
        let paths = [
            "a.py",
            "migrations/versions/0001_first.py",
            "migrations/versions/0002_second_with_a_much_longer_name.py",
            "migrations/versions/0003_x.py",
            "models/naïve.py",
            "z",
        ];
        for (n, path) in paths.iter().enumerate() {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(&file, format!("x = {n}\n").repeat(n + 1)).expect("write");
        }
        for version in [2, 3, 4] {
            let mut index = repo.index().expect("index");
            index.set_version(version).expect("version");
            for path in paths {
                index.add_path(Path::new(path)).expect("add");
            }
            index.write().expect("write index");
            let bytes = std::fs::read(dir.path().join(".git/index")).expect("read index");
            let ours = index_stats(&bytes, &[PathBuf::from(".")]).expect("understood");
            assert_eq!(ours.len(), paths.len(), "version {version}");
            for entry in index.iter() {
                let path = String::from_utf8(entry.path).expect("utf-8");
                let stat = ours
                    .get(&path)
                    .unwrap_or_else(|| panic!("{path} missing in version {version}"));
                assert_eq!(stat.id, entry.id.as_bytes(), "{path}");
                assert_eq!(stat.size, entry.file_size, "{path}");
                assert_eq!(stat.ino, entry.ino, "{path}");
                assert_eq!(stat.mtime.1, entry.mtime.nanoseconds(), "{path}");
            }
        }
        assert!(
            index_stats(b"DIRC\0\0\0\x09\0\0\0\0", &[PathBuf::from(".")]).is_none(),
            "an unknown version"
        );
        assert!(index_stats(b"not an index", &[PathBuf::from(".")]).is_none());
        let bytes = std::fs::read(dir.path().join(".git/index")).expect("read index");
        assert!(
            index_stats(&bytes[..bytes.len() / 2], &[PathBuf::from(".")]).is_none(),
            "a torn index"
        );
        // A split index whose shared index is missing is not understood.
        let mut split = bytes[..bytes.len() - 20].to_vec();
        split.extend_from_slice(b"link\0\0\0\x14");
        split.extend_from_slice(&[7; 20]);
        split.extend_from_slice(&[0; 20]);
        assert!(
            index_entries(&split, &[PathBuf::from("/nonexistent")]).is_none(),
            "no shared index"
        );
    }

    /// F-12: a split index read with its shared index (entries deleted,
    /// replaced and added since the split) is the index git writes when
    /// it joins them again.
    #[test]
    fn f12_a_split_index_joins_its_shared_index() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", dir.path())
                .env_remove("GIT_DIR")
                .env_remove("GIT_INDEX_FILE")
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        git(&["init", "-q"]);
        for n in 0..200 {
            std::fs::write(dir.path().join(format!("f{n:03}.py")), format!("{n}\n")).expect("write");
        }
        git(&["add", "-A"]);
        git(&["update-index", "--split-index"]);
        git(&["rm", "-q", "--cached", "f010.py", "f150.py"]);
        for n in [20, 21, 199] {
            std::fs::write(dir.path().join(format!("f{n:03}.py")), "changed\n").expect("write");
        }
        std::fs::write(dir.path().join("new.py"), "new\n").expect("write");
        git(&["add", "f020.py", "f021.py", "f199.py", "new.py"]);
        let listing = |dir: &Path| {
            let bytes = std::fs::read(dir.join(".git/index")).expect("index");
            index_entries(&bytes, &[dir.join(".git")])
                .expect("understood")
                .into_iter()
                .map(|e| (e.path, e.stat.id))
                .collect::<Vec<_>>()
        };
        let split = listing(dir.path());
        assert!(std::fs::read_dir(dir.path().join(".git")).expect("git dir").any(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .starts_with("sharedindex.")
        }));
        git(&["update-index", "--no-split-index"]);
        let joined = listing(dir.path());
        assert_eq!(split.len(), 199);
        assert_eq!(split, joined);
    }

    /// A garbled split-index extension is not understood, never a panic.
    #[test]
    fn a_garbled_link_extension_is_refused() {
        assert!(parse_link(&[0; 19]).is_none());
        assert!(parse_link(&[0; 30]).is_none(), "bitmaps cut short");
        let mut huge = vec![0; 20];
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        huge.extend_from_slice(&[0; 4]);
        assert!(parse_link(&huge).is_none(), "a bit count no index has");
        assert!(parse_link(&[7; 20]).is_some_and(|(_, d, r)| d.is_empty() && r.is_empty()));
    }

    /// The direct comparison of the index with HEAD agrees with libgit2's
    /// diff, and leaves deletions (possible renames) to it.
    /// the system attributes file (`git var GIT_ATTR_SYSTEM`) was not
    /// among those that decide whether work-tree bytes may differ from the
    /// blob, so cached facts of LF text were used for CRLF checkouts.
    #[test]
    fn r14_the_system_attributes_file_is_considered() {
        let dir = tempfile::tempdir().expect("temporary directory");
        git2::Repository::init(dir.path()).expect("init");
        let opened = Repo::discover(dir.path()).expect("open").expect("a repository");
        let config = opened.repo.config().expect("config");
        let files = opened.attribute_files(&config, &[".gitattributes".to_owned()]);
        assert!(files.iter().any(|f| f.ends_with(".gitattributes")));
        assert!(files.iter().any(|f| f.ends_with("info/attributes")));
        if std::env::var_os("GIT_ATTR_NOSYSTEM").is_none() {
            for system in SYSTEM_ATTRIBUTES {
                assert!(files.iter().any(|f| f == Path::new(system)), "{system}: {files:?}");
            }
        }
    }

    #[test]
    fn exact_changes_agree_with_libgit2() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let repo = Repository::init(dir.path()).expect("init");
        let write = |path: &str, text: &str| {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, text).expect("write");
        };
        let stage = |paths: &[&str]| {
            let mut index = repo.index().expect("index");
            for path in paths {
                index.add_path(Path::new(path)).expect("add");
            }
            index.write().expect("write index");
            index.write_tree().expect("tree")
        };
        for path in ["a.py", "m/versions/0001.py", "m/versions/0002.py", "m.py", "z/z.py"] {
            write(path, &format!("# {path}\n"));
        }
        let tree = stage(&["a.py", "m/versions/0001.py", "m/versions/0002.py", "m.py", "z/z.py"]);
        let tree = repo.find_tree(tree).expect("tree");
        let signature = git2::Signature::now("t", "t@example.com").expect("signature");
        repo.commit(Some("HEAD"), &signature, &signature, "first", &tree, &[])
            .expect("commit");
        let opened = Repo::discover(dir.path()).expect("open").expect("a repository");

        // An addition between existing paths, an edit, and an addition at the end.
        write("m/versions/0001b.py", "# new\n");
        write("m.py", "# edited\n");
        write("zz.py", "# new\n");
        stage(&["m/versions/0001b.py", "m.py", "zz.py"]);
        let listing = opened.index_listing().expect("index");
        let head = tree_listing(&opened.head_tree().expect("head").expect("a head")).expect("head");
        let ours = exact_changes(&head, &listing).expect("nothing deleted");
        assert_eq!(ours, opened.staged_changes(&listing).expect("diff"));
        assert_eq!(ours.changed, ["m.py", "m/versions/0001b.py", "zz.py"]);
        assert_eq!(ours.modified, ["m.py"]);

        // A deletion: libgit2 decides whether it was a rename.
        let mut index = repo.index().expect("index");
        index.remove_path(Path::new("a.py")).expect("remove");
        index.write().expect("write index");
        // A fresh handle, as each run has: libgit2 keeps the index it read.
        let opened = Repo::discover(dir.path()).expect("open").expect("a repository");
        let listing = opened.index_listing().expect("index");
        assert_eq!(exact_changes(&head, &listing), None);
        let staged = opened.staged().expect("staged");
        assert_eq!(staged.changes.deleted, ["a.py"]);
        assert!(staged.index.files().iter().all(|f| f != "a.py"));
        assert!(staged.head.expect("a head").files().iter().any(|f| f == "a.py"));
    }
}
