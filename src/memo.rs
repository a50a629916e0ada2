//! Whole checks remembered.
//!
//! What a check finds depends only on the files its tree lists, the bytes
//! of the files it reads, its settings, what was selected and the build of
//! the tool (the baseline of a changed-set check aside: those checks are
//! not remembered). So each check of a project records every file it read
//! with its blob id, and its result is kept in the cache under a key of
//! the rest. A later check with the same key whose tree lists the same
//! files, and whose recorded files all still have their ids, reports that
//! result without decoding a fact: a sweep of an unchanged project costs
//! the walk and the proof that nothing changed.
//!
//! The proof is the facts cache's: a blob id from the index or a commit,
//! or from a working-tree file whose stat data match its index entry, and
//! otherwise the file read and hashed. Anything unproven is a miss, and
//! the ids proven on the way serve the check that runs instead.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cache::{BlobId, Cache, blob_id};
use crate::check::{Outcome, Selection};
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::env::Environment;
use crate::tree::Tree;

/// One check's place in the results cache: what it read, under one key,
/// and what it found, under another, so that a miss never decodes the
/// findings.
pub struct Memo {
    inputs_key: BlobId,
    findings_key: BlobId,
    /// The digest of the tree's listing, once asked for.
    listing: std::sync::OnceLock<BlobId>,
}

/// What a remembered check read: the listing's digest and each file read,
/// with its blob id.
#[derive(serde::Serialize, serde::Deserialize)]
struct Inputs {
    listing: BlobId,
    files: Vec<(String, BlobId)>,
}

/// What a remembered check found, as written.
#[derive(serde::Serialize)]
struct Stored<'a> {
    diagnostics: &'a [Diagnostic],
    files_checked: usize,
    errors: &'a [String],
    notes: &'a [String],
    warnings: &'a [String],
    environments: &'a [Environment],
}

/// What a remembered check found, as read back: the same fields.
#[derive(serde::Deserialize)]
struct Recalled {
    diagnostics: Vec<Diagnostic>,
    files_checked: usize,
    errors: Vec<String>,
    notes: Vec<String>,
    warnings: Vec<String>,
    environments: Vec<Environment>,
}

/// A recall's answer.
pub enum Recall {
    /// The remembered result, with the number of files proven unchanged;
    /// its sources are still to be read.
    Hit(Box<Outcome>, usize),
    /// No result applies; the ids proven on the way, by path.
    Miss(HashMap<String, BlobId>),
}

impl Memo {
    /// The place of a check of `tree`, when it can be remembered: the
    /// cache is on and no baseline takes part.
    pub fn new(tree: &dyn Tree, selection: &Selection, settings: &Settings, cache: &Cache) -> Option<Self> {
        if !cache.is_on() {
            return None;
        }
        let described = format!("{}\n{selection:?}\n{}", tree.root().display(), settings.fingerprint());
        Some(Memo {
            inputs_key: blob_id(format!("inputs\n{described}").as_bytes()),
            findings_key: blob_id(format!("findings\n{described}").as_bytes()),
            listing: std::sync::OnceLock::new(),
        })
    }

    fn listing(&self, tree: &dyn Tree) -> &BlobId {
        self.listing.get_or_init(|| listing(tree))
    }

    /// The remembered result, when the tree lists the same files and every
    /// file it was computed from is proven unchanged.
    pub fn recall(&self, tree: &dyn Tree, cache: &Cache) -> Recall {
        let Some(inputs) = cache.recall::<Inputs>(&self.inputs_key) else {
            return Recall::Miss(HashMap::new());
        };
        if inputs.listing != *self.listing(tree) {
            return Recall::Miss(HashMap::new());
        }
        let proven = prove(tree, &inputs.files);
        let unchanged = inputs.files.iter().all(|(path, id)| proven.get(path) == Some(id));
        if !unchanged {
            return Recall::Miss(proven);
        }
        let Some(recalled) = cache.recall::<Recalled>(&self.findings_key) else {
            return Recall::Miss(proven);
        };
        let outcome = Outcome {
            diagnostics: recalled.diagnostics,
            files_checked: recalled.files_checked,
            errors: recalled.errors,
            notes: recalled.notes,
            warnings: recalled.warnings,
            environments: recalled.environments,
            ..Outcome::default()
        };
        Recall::Hit(Box::new(outcome), inputs.files.len())
    }

    /// Keeps `outcome` as the result of this check, unless a file it
    /// lists could not be read (a passing failure is not a result) or
    /// changed while it was read.
    pub fn remember(&self, recorder: Recorder<'_>, outcome: &Outcome, cache: &Cache) {
        if recorder.unusable.load(Ordering::Relaxed) {
            return;
        }
        let listing = *self.listing(recorder.inner);
        let mut files: Vec<(String, BlobId)> = recorder
            .inputs
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .collect();
        files.sort_unstable();
        cache.remember(&self.inputs_key, &Inputs { listing, files });
        cache.remember(
            &self.findings_key,
            &Stored {
                diagnostics: &outcome.diagnostics,
                files_checked: outcome.files_checked,
                errors: &outcome.errors,
                notes: &outcome.notes,
                warnings: &outcome.warnings,
                environments: &outcome.environments,
            },
        );
    }
}

/// A digest of every path the tree lists and every directory it could
/// not walk: a file added or removed anywhere can change a finding.
fn listing(tree: &dyn Tree) -> BlobId {
    let mut text = Vec::with_capacity(tree.files().iter().map(|f| f.len() + 1).sum::<usize>() + 64);
    for file in tree.files() {
        text.extend_from_slice(file.as_bytes());
        text.push(0);
    }
    text.push(b'\n');
    for (dir, why) in tree.unwalked() {
        text.extend_from_slice(dir.as_bytes());
        text.push(0);
        text.extend_from_slice(why.as_bytes());
        text.push(0);
    }
    blob_id(&text)
}

/// The current blob id of each of `inputs`' files that can be had: from
/// the tree where it knows them, else read (on every core) and hashed.
fn prove(tree: &dyn Tree, inputs: &[(String, BlobId)]) -> HashMap<String, BlobId> {
    let paths: Vec<String> = inputs.iter().map(|(p, _)| p.clone()).collect();
    let known = tree.blob_ids(&paths);
    let mut proven: HashMap<String, BlobId> = HashMap::with_capacity(paths.len());
    let mut unknown = Vec::new();
    for (path, id) in paths.into_iter().zip(known) {
        match id {
            Some(id) => {
                proven.insert(path, id);
            }
            None => unknown.push(path),
        }
    }
    let hashed: Vec<std::sync::OnceLock<BlobId>> = unknown.iter().map(|_| std::sync::OnceLock::new()).collect();
    tree.read_each(&unknown, &|i, read| {
        if let Ok(bytes) = read {
            let _ = hashed[i].set(blob_id(&bytes));
        }
    });
    for (path, id) in unknown.into_iter().zip(hashed) {
        if let Some(id) = id.into_inner() {
            proven.insert(path, id);
        }
    }
    proven
}

/// A tree that records what a check reads of another: the blob id of
/// every file it asked about (its facts may come from the cache by that
/// id) or read. Ids a recall proved are answered without asking again.
pub struct Recorder<'t> {
    inner: &'t dyn Tree,
    proven: HashMap<String, BlobId>,
    inputs: Mutex<HashMap<String, BlobId>>,
    /// A listed file could not be read, or was seen with two contents.
    unusable: AtomicBool,
}

impl<'t> Recorder<'t> {
    pub fn new(inner: &'t dyn Tree, proven: HashMap<String, BlobId>) -> Self {
        Self {
            inner,
            proven,
            inputs: Mutex::new(HashMap::new()),
            unusable: AtomicBool::new(false),
        }
    }

    /// What `note` needs, shareable between threads.
    fn notes(&self) -> Notes<'_> {
        Notes {
            files: self.inner.files(),
            inputs: &self.inputs,
            unusable: &self.unusable,
        }
    }
}

/// Where a [`Recorder`] notes its reads.
struct Notes<'a> {
    files: &'a [String],
    inputs: &'a Mutex<HashMap<String, BlobId>>,
    unusable: &'a AtomicBool,
}

impl Notes<'_> {
    /// Records `path` as `id`. A file seen with two contents in one run
    /// (edited while it was read) gave no result of either.
    fn record(&self, path: &str, id: BlobId) {
        let before = self
            .inputs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path.to_owned(), id);
        if before.is_some_and(|before| before != id) {
            self.unusable.store(true, Ordering::Relaxed);
        }
    }

    /// Records a read: the id of the bytes read, which the check used,
    /// whatever a proof said before (a file edited between the proof and
    /// the read must not leave the proven blob with the edited file's
    /// result). A file the listing lacks fails the same way while the
    /// listing is the same.
    fn note(&self, path: &str, read: &std::io::Result<Vec<u8>>) {
        match read {
            Ok(bytes) => self.record(path, blob_id(bytes)),
            Err(_) => {
                if self.files.binary_search_by(|f| f.as_str().cmp(path)).is_ok() {
                    self.unusable.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}

impl Tree for Recorder<'_> {
    fn files(&self) -> &[String] {
        self.inner.files()
    }

    fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        let read = self.inner.read(path);
        self.notes().note(path, &read);
        read
    }

    fn root(&self) -> &std::path::Path {
        self.inner.root()
    }

    fn unwalked(&self) -> &[(String, String)] {
        self.inner.unwalked()
    }

    fn blob_ids(&self, paths: &[String]) -> Vec<Option<BlobId>> {
        let mut ids: Vec<Option<BlobId>> = paths.iter().map(|p| self.proven.get(p).copied()).collect();
        let asked: Vec<usize> = (0..paths.len()).filter(|&i| ids[i].is_none()).collect();
        if !asked.is_empty() {
            let answers = self
                .inner
                .blob_ids(&asked.iter().map(|&i| paths[i].clone()).collect::<Vec<_>>());
            for (i, id) in asked.into_iter().zip(answers) {
                ids[i] = id;
            }
        }
        let notes = self.notes();
        for (path, id) in paths.iter().zip(&ids) {
            if let Some(id) = id {
                notes.record(path, *id);
            }
        }
        ids
    }

    fn read_each(&self, paths: &[String], f: &(dyn Fn(usize, std::io::Result<Vec<u8>>) + Sync)) {
        let notes = self.notes();
        self.inner.read_each(paths, &|i, read| {
            notes.note(&paths[i], &read);
            f(i, read);
        });
    }

    fn read_all(&self, paths: Vec<String>) -> Vec<(String, std::io::Result<Vec<u8>>)> {
        let read = self.inner.read_all(paths);
        let notes = self.notes();
        for (path, bytes) in &read {
            notes.note(path, bytes);
        }
        read
    }
}
