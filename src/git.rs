//! Everything that talks to git, through git2. Other modules never see git2
//! types: they get [`Tree`]s (the index, a commit) and lists of paths.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::tree::Tree;

/// A repository with a work tree.
pub struct Repo {
    repo: Repository,
    root: PathBuf,
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
}

impl Repo {
    /// The repository holding `dir`, if any. A bare repository is an error:
    /// it has nothing staged and no work tree to sweep.
    pub fn discover(dir: &Path) -> Result<Option<Self>> {
        let repo = match Repository::discover(dir) {
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
        if let Some(index_file) = std::env::var_os("GIT_INDEX_FILE") {
            let path = dir.join(index_file);
            let mut index =
                git2::Index::open(&path).with_context(|| format!("cannot read the index {}", path.display()))?;
            repo.set_index(&mut index).context("cannot use the index git named")?;
        }
        Ok(Some(Self { repo, root }))
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
            .with_context(|| format!("`{reference}` names no commit in this repository"))
    }

    /// The staged content: every stage-0 blob of the index.
    pub fn index(&self) -> Result<IndexTree> {
        let index = self.repo.index().context("cannot read the git index")?;
        let mut entries = BTreeMap::new();
        for entry in index.iter() {
            let stage = (entry.flags >> 12) & 0x3;
            // Submodules (gitlinks) and symbolic links hold no Python source.
            if stage != 0 || entry.mode == 0o160_000 || entry.mode == 0o120_000 {
                continue;
            }
            if let Ok(path) = String::from_utf8(entry.path.clone()) {
                entries.insert(path, entry.id);
            }
        }
        Ok(BlobTree {
            blobs: Blobs::new(&self.repo, entries)?,
            root: self.root.clone(),
        })
    }

    /// What the index changes relative to HEAD (everything, before the
    /// first commit).
    pub fn staged_changes(&self) -> Result<Changes> {
        let head = self.head_tree()?;
        let index = self.repo.index().context("cannot read the git index")?;
        let mut options = DiffOptions::new();
        options.include_typechange(true);
        let mut diff = self
            .repo
            .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut options))
            .context("cannot compare the index with HEAD")?;
        collect_changes(&mut diff)
    }

    /// What the work tree (and index) changes relative to the merge base of
    /// HEAD and `reference`.
    pub fn changes_since(&self, reference: &str) -> Result<Changes> {
        let other = self.resolve(reference)?.id();
        let head = self
            .repo
            .head()
            .and_then(|h| h.peel_to_commit())
            .context("`--since` needs a commit on HEAD")?
            .id();
        let base = self
            .repo
            .merge_base(head, other)
            .with_context(|| format!("HEAD and `{reference}` have no common ancestor"))?;
        let base_tree = self
            .repo
            .find_commit(base)
            .and_then(|c| c.tree())
            .context("cannot read the merge base")?;
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

    /// The directory git runs hooks from: `core.hooksPath` when set
    /// (relative to the work tree), else the common git directory's `hooks/`
    /// (shared by linked worktrees).
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        let config = self.repo.config().context("cannot read the git configuration")?;
        match config.get_path("core.hooksPath") {
            Ok(path) if path.is_absolute() => Ok(path),
            Ok(path) => Ok(self.root.join(path)),
            Err(_) => Ok(self.repo.commondir().join("hooks")),
        }
    }
}

fn collect_changes(diff: &mut git2::Diff<'_>) -> Result<Changes> {
    let mut find = DiffFindOptions::new();
    find.renames(true);
    diff.find_similar(Some(&mut find)).context("cannot detect renames")?;
    let mut changes = Changes::default();
    let path = |file: git2::DiffFile<'_>| file.path().and_then(|p| p.to_str()).map(|p| p.replace('\\', "/"));
    for delta in diff.deltas() {
        match delta.status() {
            Delta::Added | Delta::Untracked | Delta::Copied => changes.changed.extend(path(delta.new_file())),
            Delta::Modified | Delta::Typechange => {
                if let Some(p) = path(delta.new_file()) {
                    changes.modified.push(p.clone());
                    changes.changed.push(p);
                }
            }
            Delta::Renamed => {
                if let Some(p) = path(delta.new_file()) {
                    if delta.old_file().id() != delta.new_file().id() {
                        changes.modified.push(p.clone());
                    }
                    changes.changed.push(p);
                }
            }
            Delta::Deleted => changes.deleted.extend(path(delta.old_file())),
            _ => {}
        }
    }
    for list in [&mut changes.changed, &mut changes.modified, &mut changes.deleted] {
        list.sort();
        list.dedup();
    }
    Ok(changes)
}

/// Blob contents by path, read from the object database on demand.
struct Blobs {
    repo: Repository,
    entries: BTreeMap<String, Oid>,
    files: Vec<String>,
}

impl Blobs {
    fn new(repo: &Repository, entries: BTreeMap<String, Oid>) -> Result<Self> {
        let files = entries.keys().cloned().collect();
        let repo = Repository::open(repo.path()).context("cannot reopen the repository")?;
        Ok(Self { repo, entries, files })
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        let oid = self
            .entries
            .get(path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in the tree"))?;
        let blob = self.repo.find_blob(*oid).map_err(io::Error::other)?;
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
        let mut entries = BTreeMap::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob)
                && entry.filemode() != 0o120_000
                && let Some(name) = entry.name()
            {
                entries.insert(format!("{dir}{name}"), entry.id());
            }
            TreeWalkResult::Ok
        })
        .context("cannot walk the commit's tree")?;
        Ok(Self {
            blobs: Blobs::new(repo, entries)?,
            root,
        })
    }

    pub fn blob_id(&self, path: &str) -> Option<Oid> {
        self.blobs.entries.get(path).copied()
    }
}

impl Tree for BlobTree {
    fn files(&self) -> &[String] {
        &self.blobs.files
    }
    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.blobs.read(path)
    }
    fn root(&self) -> &Path {
        &self.root
    }
}
