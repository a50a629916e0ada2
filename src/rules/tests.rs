//! Test helpers for rules, the fixture snapshot test and the clean corpus.
//!
//! Fixtures live in `tests/fixtures/rules/<rule-name>/`. A case is a single
//! revision file (`<case>.py`, placed in a `versions/` directory next to an
//! `env.py`) or a directory holding a whole project. Cases named `bad_*`
//! must report the rule and are snapshotted in the `full` format; cases
//! named `ok_*` must report nothing. Only the rule named by the directory is
//! enabled. `tests/fixtures/ok/` holds realistic projects on which every rule
//! must stay silent.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::Rule;
use crate::baseline::Baseline;
use crate::cache::Cache;
use crate::check::{Selection, check};
use crate::config::Settings;
use crate::diagnostic::Severity;
use crate::render::{OutputFormat, Totals, render_quietly};
use crate::tree::{Tree, WorkTree};

/// An in-memory project.
pub(crate) struct MemTree {
    root: PathBuf,
    files: BTreeMap<String, Vec<u8>>,
    list: Vec<String>,
}

impl MemTree {
    pub(crate) fn new(files: &[(&str, &[u8])]) -> Self {
        let files: BTreeMap<String, Vec<u8>> = files.iter().map(|(p, b)| ((*p).to_owned(), b.to_vec())).collect();
        let list = files.keys().cloned().collect();
        Self {
            root: PathBuf::from("/project"),
            files,
            list,
        }
    }

    /// Revision files in `versions/`, beside an `env.py`.
    pub(crate) fn versions(files: &[(&str, &str)]) -> Self {
        let mut all: Vec<(String, Vec<u8>)> = vec![("env.py".to_owned(), b"# env\n".to_vec())];
        for (name, text) in files {
            all.push((format!("versions/{name}"), text.as_bytes().to_vec()));
        }
        let borrowed: Vec<(&str, &[u8])> = all.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
        Self::new(&borrowed)
    }
}

impl Tree for MemTree {
    fn files(&self) -> &[String] {
        &self.list
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn root(&self) -> &Path {
        &self.root
    }
}

/// The `full` output, without colour, of checking `tree` with `only` enabled
/// (every rule when `None`).
pub(crate) fn lint_tree(tree: &dyn Tree, only: Option<Rule>) -> String {
    lint_tree_with(tree, &settings_of(only))
}

pub(crate) fn lint_tree_with(tree: &dyn Tree, settings: &Settings) -> String {
    let outcome = check(tree, &Selection::All, settings, None, &Cache::off());
    render_outcome(&outcome)
}

/// Default settings, or one rule alone enabled (even one off by default).
pub(crate) fn settings_of(only: Option<Rule>) -> Settings {
    let mut settings = Settings::default();
    if let Some(only) = only {
        for &rule in Rule::ALL {
            let severity = (rule == only).then(|| rule.meta().default_severity.unwrap_or(Severity::Warning));
            settings.set_severity(rule, severity);
        }
    }
    settings
}

/// A change from `before` to `after`, checked the way a commit is: the
/// changed files selected, `before` as the baseline.
pub(crate) fn lint_change(before: &dyn Tree, after: &dyn Tree, only: Option<Rule>) -> String {
    let settings = settings_of(only);
    let mut changed = Vec::new();
    let mut modified = Vec::new();
    for path in after.files() {
        match before.files().binary_search(path) {
            Err(_) => changed.push(path.clone()),
            Ok(_) if before.read(path).ok() != after.read(path).ok() => {
                changed.push(path.clone());
                modified.push(path.clone());
            }
            Ok(_) => {}
        }
    }
    // A file whose exact bytes reappear under a new path was renamed, as git
    // would detect it.
    let added: Vec<Vec<u8>> = changed
        .iter()
        .filter(|p| !modified.contains(p))
        .filter_map(|p| after.read(p).ok())
        .collect();
    let deleted = before
        .files()
        .iter()
        .filter(|f| after.files().binary_search(f).is_err())
        .filter(|f| before.read(f).ok().is_none_or(|bytes| !added.contains(&bytes)))
        .cloned()
        .collect();
    let base = check(before, &Selection::Nothing, &settings, None, &Cache::off());
    let mut baseline = Baseline::pending("HEAD", base.revision_files(), modified, deleted);
    baseline.learn(&base.diagnostics);
    render_outcome(&check(
        after,
        &Selection::Paths(changed),
        &settings,
        Some(&baseline),
        &Cache::off(),
    ))
}

fn render_outcome(outcome: &crate::check::Outcome) -> String {
    colored::control::set_override(false);
    assert!(outcome.errors.is_empty(), "tool errors: {:?}", outcome.errors);
    let mut out = Vec::new();
    // A clean outcome renders as nothing here (not `All checks passed!`).
    render_quietly(
        OutputFormat::Full,
        &outcome.diagnostics,
        &outcome.sources,
        Totals::default(),
        outcome.diagnostics.is_empty(),
        &mut out,
    )
    .expect("render");
    String::from_utf8(out).expect("utf-8 output")
}

/// Diagnostics of one revision file named `name`, for `rule`.
pub(crate) fn lint(name: &str, src: &str, rule: Rule) -> String {
    lint_tree(&MemTree::versions(&[(name, src)]), Some(rule))
}

pub(crate) fn lint_ok(name: &str, src: &str, rule: Rule) {
    let out = lint(name, src, rule);
    assert!(out.is_empty(), "expected no {rule} diagnostic for {name}:\n{out}");
}

pub(crate) fn lint_graph(files: &[(&str, &str)], rule: Rule) -> String {
    lint_tree(&MemTree::versions(files), Some(rule))
}

pub(crate) fn lint_graph_ok(files: &[(&str, &str)], rule: Rule) {
    let out = lint_graph(files, rule);
    assert!(out.is_empty(), "expected no {rule} diagnostic:\n{out}");
}

fn fixture_output(path: &Path, rule: Option<Rule>) -> String {
    if path.join("before").is_dir() {
        lint_change(
            &WorkTree::walk(&path.join("before")),
            &WorkTree::walk(&path.join("after")),
            rule,
        )
    } else if path.is_dir() {
        lint_tree(&WorkTree::walk(path), rule)
    } else {
        let name = path.file_name().and_then(|n| n.to_str()).expect("fixture name");
        let bytes = std::fs::read(path).expect("fixture readable");
        let text = String::from_utf8_lossy(&bytes);
        lint_tree(&MemTree::versions(&[(name, &text)]), rule)
    }
}

#[test]
fn rule_fixtures() {
    insta::glob!("../../tests/fixtures/rules", "*/*", |path| {
        let rule_name = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .expect("rule dir");
        let rule: Rule = rule_name.parse().expect("fixture directories are named after rules");
        let case = path.file_name().and_then(|n| n.to_str()).expect("case name");
        let out = fixture_output(path, Some(rule));
        if case.starts_with("ok_") {
            assert!(out.is_empty(), "{rule_name}/{case} must pass:\n{out}");
        } else {
            assert!(
                case.starts_with("bad_"),
                "fixture {rule_name}/{case} must be named bad_* or ok_*"
            );
            assert!(
                out.contains(&format!("[{}]", rule.code())),
                "{rule_name}/{case} must report {rule}:\n{out}"
            );
            insta::assert_snapshot!(out);
        }
    });
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    for rule in Rule::ALL {
        let dir = root.join(rule.name());
        let cases: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("missing fixtures for {}", rule.name()))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            cases.iter().any(|c| c.starts_with("bad_")),
            "{} has no failing fixture",
            rule.name()
        );
        assert!(
            cases.iter().any(|c| c.starts_with("ok_")),
            "{} has no passing fixture",
            rule.name()
        );
    }
}

/// The rule table (docs/rules.md) names every rule, with its page, default
/// and summary as the registry has them.
#[test]
fn the_rule_table_lists_every_rule() {
    let table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md")).expect("docs/rules.md");
    for rule in Rule::ALL {
        let meta = rule.meta();
        let default = match meta.default_severity {
            Some(Severity::Error) => "error",
            Some(Severity::Warning) => "warning",
            None => "off",
        };
        let row = format!(
            "| {} | [`{}`](rules/{}.md) | {default} | {} |",
            meta.code, meta.name, meta.name, meta.summary
        );
        assert!(table.contains(&row), "docs/rules.md lacks the row:\n{row}");
    }
}

#[test]
fn clean_corpus_has_no_diagnostics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("corpus exists") {
        let path = entry.expect("entry").path();
        let tree = WorkTree::walk(&path);
        let out = lint_tree(&tree, None);
        assert!(out.is_empty(), "{} must be clean:\n{out}", path.display());
        let outcome = check(&tree, &Selection::All, &Settings::default(), None, &Cache::off());
        checked += outcome.environments.iter().map(|e| e.files.len()).sum::<usize>();
        // What the clean run saw, pinned: its environments and revision files.
        let mut seen = format!("{} files checked, no diagnostics\n", outcome.files_checked);
        for env in &outcome.environments {
            seen.push_str(&env.script_location);
            seen.push('\n');
            for file in &env.files {
                seen.push_str("  ");
                seen.push_str(file);
                seen.push('\n');
            }
        }
        let name = path
            .file_name()
            .expect("a project directory")
            .to_string_lossy()
            .into_owned();
        insta::assert_snapshot!(format!("clean@{name}"), seen);
    }
    // A silent corpus proves nothing unless every revision file was read.
    let expected = WorkTree::walk(&root)
        .files()
        .iter()
        .filter(|f| {
            let name = crate::tree::file_name(f);
            f.contains("versions/") && crate::tree::is_python(name) && name != "__init__.py" && !name.starts_with(".#")
        })
        .count();
    assert!(expected >= 30, "the corpus holds {expected} revision files");
    assert_eq!(checked, expected, "every revision file of the corpus is discovered");
}

#[test]
fn rule_metadata_is_consistent() {
    let mut codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    let sorted = codes.clone();
    codes.sort_unstable();
    assert_eq!(codes, sorted, "Rule::ALL is sorted by code");
    codes.dedup();
    assert_eq!(codes.len(), Rule::ALL.len(), "codes are unique");
    let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Rule::ALL.len(), "names are unique");
    for rule in Rule::ALL {
        assert_eq!(rule.code().parse::<Rule>(), Ok(*rule));
        assert_eq!(rule.name().parse::<Rule>(), Ok(*rule));
        let doc = rule.meta().doc;
        assert!(
            doc.starts_with(&format!("# {} ({})", rule.name(), rule.code())),
            "{} doc title",
            rule.name()
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Configuration",
            "## Suppression",
        ] {
            assert!(doc.contains(section), "{} doc lacks {section}", rule.name());
        }
    }
    let docs = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules"))
        .expect("docs")
        .count();
    assert_eq!(docs, Rule::ALL.len(), "one doc per rule");
}

#[test]
fn severities_are_the_designed_ones() {
    assert_eq!(
        Rule::PlaceholderRevisionId.meta().default_severity,
        Some(Severity::Warning)
    );
    assert_eq!(Rule::MultipleHeads.meta().default_severity, Some(Severity::Error));
    assert_eq!(Rule::ModelIndexAlsoInMigration.meta().default_severity, None);
}

/// Every stored fixture snapshot belongs to a fixture (or clean project)
/// that still exists
/// (what `cargo insta test --unreferenced reject` checks, without needing
/// cargo-insta on the machine).
#[test]
fn no_stale_fixture_snapshots() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = manifest.join("tests/fixtures/rules");
    for entry in std::fs::read_dir(manifest.join("src/rules/snapshots")).expect("snapshots") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if let Some(project) = name
            .strip_prefix("alembic_preflight__rules__tests__clean@")
            .and_then(|n| n.strip_suffix(".snap"))
        {
            assert!(
                manifest.join("tests/fixtures/ok").join(project).exists(),
                "stale snapshot {name}: no clean project {project}"
            );
            continue;
        }
        let Some(case) = name
            .strip_prefix("alembic_preflight__rules__tests__rule_fixtures@")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            panic!("unexpected file in src/rules/snapshots: {name}");
        };
        let (rule, case) = case.split_once("__").expect("rule__case");
        assert!(
            fixtures.join(rule).join(case).exists(),
            "stale snapshot {name}: no fixture {rule}/{case}"
        );
    }
}

/// The python code blocks of a doc section, split into files at
/// `# path/to/file.py` comment lines (a block without one is
/// `versions/example.py`). Revision files land in `versions/`.
fn doc_files(doc: &str, section: &str) -> Vec<(String, String)> {
    let Some(start) = doc.find(&format!("## {section}\n")) else {
        return Vec::new();
    };
    let body = &doc[start + section.len() + 4..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut files: Vec<(String, String)> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("```python\n") {
        let code = &rest[open + 10..];
        let end = code.find("```").unwrap_or(code.len());
        let mut current = "versions/example.py".to_owned();
        let mut text = String::new();
        for line in code[..end].lines() {
            let header = line
                .strip_prefix("# ")
                .and_then(|l| l.split_whitespace().next())
                .filter(|p| crate::tree::is_python(p));
            if let Some(path) = header {
                if !text.trim().is_empty() {
                    files.push((current.clone(), std::mem::take(&mut text)));
                }
                text.clear();
                current = if path.contains("versions/") {
                    format!("versions/{}", crate::tree::file_name(path))
                } else {
                    path.to_owned()
                };
                continue;
            }
            text.push_str(line);
            text.push('\n');
        }
        if !text.trim().is_empty() {
            files.push((current, text));
        }
        rest = &code[end..];
    }
    files
}

/// Every rule doc's example triggers its rule, and its "Use instead"
/// (laid over the example's files) does not.
#[test]
fn doc_examples_really_trigger_and_really_pass() {
    let mut failures = Vec::new();
    for &rule in Rule::ALL {
        // A change between two states has no single-project example.
        if rule == Rule::EditedAppliedMigration {
            continue;
        }
        let doc = rule.meta().doc;
        let example = doc_files(doc, "Example");
        let instead = doc_files(doc, "Use instead");
        assert!(!example.is_empty(), "{} has no python example", rule.name());
        let project = |files: &[(String, String)]| {
            let mut all: Vec<(String, Vec<u8>)> = vec![("env.py".to_owned(), b"# env\n".to_vec())];
            for (path, text) in files {
                all.retain(|(p, _)| p != path);
                all.push((path.clone(), text.as_bytes().to_vec()));
            }
            let borrowed: Vec<(&str, &[u8])> = all.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
            MemTree::new(&borrowed)
        };
        // The safe-migration rules judge new revisions of PostgreSQL
        // projects: the example is one, audited whole.
        let mut settings = settings_of(Some(rule));
        if rule.is_safety() {
            settings.audit = true;
            settings.dialect = Some(crate::env::Dialect::PostgreSql);
        }
        let bad = lint_tree_with(&project(&example), &settings);
        if !bad.contains(&format!("[{}]", rule.code())) {
            failures.push(format!("{}: the example does not trigger it", rule.name()));
        }
        let mut fixed = example.clone();
        fixed.extend(instead);
        let good = lint_tree_with(&project(&fixed), &settings);
        if !good.is_empty() {
            failures.push(format!("{}: \"Use instead\" still triggers it:\n{good}", rule.name()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A tree whose proof names the blob of `proven` for `path` while a read
/// returns `read`: a file edited between the stat proof and the read.
struct Racing {
    tree: MemTree,
    path: &'static str,
    proven: &'static [u8],
}

impl Tree for Racing {
    fn files(&self) -> &[String] {
        self.tree.files()
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.tree.read(path)
    }

    fn root(&self) -> &Path {
        self.tree.root()
    }

    fn blob_ids(&self, paths: &[String]) -> Vec<Option<crate::cache::BlobId>> {
        paths
            .iter()
            .map(|p| (p == self.path).then(|| crate::cache::blob_id(self.proven)))
            .collect()
    }
}

/// F-01: facts of bytes read after an edit were stored under the blob id
/// the stat proof named, and every later run trusted them (a hook then
/// accepted a second head).
#[test]
fn f01_facts_are_stored_only_under_the_id_of_the_bytes_scanned() {
    const COMMITTED: &[u8] = b"revision = 'bbb'\ndown_revision = 'aaa'\n";
    const EDITED: &[u8] = b"revision = 'bbb'\ndown_revision = 'zzz'\n";
    let dir = tempfile::tempdir().expect("cache directory");
    let settings = settings_of(Some(Rule::UnknownDownRevision));
    let tree = |bytes: &'static [u8]| {
        MemTree::versions(&[
            ("aaa_init.py", "revision = 'aaa'\ndown_revision = None\n"),
            ("bbb_next.py", std::str::from_utf8(bytes).expect("text")),
        ])
    };
    // The edit lands between the proof (the committed blob) and the read.
    let racing = Racing {
        tree: tree(EDITED),
        path: "versions/bbb_next.py",
        proven: COMMITTED,
    };
    // Each run is its own process: the cache is opened, then saved.
    let cache = Cache::open(dir.path());
    let during = check(&racing, &Selection::All, &settings, None, &cache);
    cache.save();
    assert_eq!(during.diagnostics.len(), 1, "the edited bytes name `zzz`");
    // The edit is undone: the file is the committed blob again.
    let honest = Racing {
        tree: tree(COMMITTED),
        path: "versions/bbb_next.py",
        proven: COMMITTED,
    };
    let cache = Cache::open(dir.path());
    let after = check(&honest, &Selection::All, &settings, None, &cache);
    assert!(after.diagnostics.is_empty(), "{:?}", after.diagnostics);
    assert!(after.from_cache.0 == 0, "nothing was stored for the edited bytes");
    // Nor was the result of the edited bytes kept under the committed
    // blob: it was not recalled above, and the honest one is.
    assert_eq!(after.recalled, None);
    cache.save();
    let cache = Cache::open(dir.path());
    let again = check(&honest, &Selection::All, &settings, None, &cache);
    assert!(again.recalled.is_some(), "the honest result is recalled");
    assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
}

/// The files of a fixture case, as a project: a single revision file goes
/// in `versions/` beside an `env.py`.
fn fixture_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    if path.is_dir() {
        let tree = WorkTree::walk(path);
        tree.files()
            .iter()
            .map(|f| (f.clone(), tree.read(f).expect("fixture readable")))
            .collect()
    } else {
        let name = path.file_name().and_then(|n| n.to_str()).expect("fixture name");
        vec![
            ("env.py".to_owned(), b"# env\n".to_vec()),
            (
                format!("versions/{name}"),
                std::fs::read(path).expect("fixture readable"),
            ),
        ]
    }
}

/// A rewrite of a fixture's bytes into another layout.
type Rewrite = fn(&[u8]) -> Vec<u8>;

/// Every fix (safe or unsafe), applied to every failing fixture of its rule, removes
/// what it fixes and nothing else goes wrong; the same on the fixture
/// rewritten with CRLF line ends, a byte-order mark, tabs after the header
/// labels, and a Latin-1 comment.
#[test]
fn fixes_remove_what_they_fix_in_every_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let variants: [(&str, Rewrite); 5] = [
        ("as written", <[u8]>::to_vec),
        ("crlf", |b| {
            String::from_utf8_lossy(b).replace('\n', "\r\n").into_bytes()
        }),
        ("bom", |b| [b"\xEF\xBB\xBF".as_slice(), b].concat()),
        ("tabs", |b| {
            String::from_utf8_lossy(b)
                .replace("Revision ID: ", "Revision ID:\t")
                .replace("Revises: ", "Revises:\t")
                .into_bytes()
        }),
        ("latin-1", |b| [b, b"\n# caf\xE9 cr\xE8me\n".as_slice()].concat()),
    ];
    let mut fixed_any = 0;
    for &rule in Rule::ALL {
        let Ok(cases) = std::fs::read_dir(root.join(rule.name())) else {
            continue;
        };
        for case in cases {
            let case = case.expect("entry").path();
            let name = case.file_name().and_then(|n| n.to_str()).expect("case").to_owned();
            if !name.starts_with("bad_") || case.join("before").is_dir() {
                continue;
            }
            for (variant, rewrite) in variants {
                let files: Vec<(String, Vec<u8>)> = fixture_files(&case)
                    .into_iter()
                    .map(|(p, b)| {
                        let b = if tree_is_python(&p) { rewrite(&b) } else { b };
                        (p, b)
                    })
                    .collect();
                let settings = settings_of(Some(rule));
                let tree = MemTree::new(
                    &files
                        .iter()
                        .map(|(p, b)| (p.as_str(), b.as_slice()))
                        .collect::<Vec<_>>(),
                );
                let before = check(&tree, &Selection::All, &settings, None, &Cache::off());
                let plan = crate::fix::plan(&before.diagnostics, true);
                if plan.fixes.is_empty() {
                    continue;
                }
                fixed_any += 1;
                let mut edited = files.clone();
                for (path, edits) in &plan.files {
                    let path = path.to_str().expect("utf-8 path");
                    let entry = edited.iter_mut().find(|(p, _)| p == path).expect("fixed file exists");
                    entry.1 = crate::fix::edit_bytes(&entry.1, edits)
                        .unwrap_or_else(|why| panic!("{}/{name} ({variant}): {why}", rule.name()));
                }
                let tree = MemTree::new(
                    &edited
                        .iter()
                        .map(|(p, b)| (p.as_str(), b.as_slice()))
                        .collect::<Vec<_>>(),
                );
                let after = check(&tree, &Selection::All, &settings, None, &Cache::off());
                assert_eq!(
                    after.diagnostics.len(),
                    before.diagnostics.len() - plan.fixes.len(),
                    "{}/{name} ({variant}): the fixed problems are gone, no other appears:\n{}",
                    rule.name(),
                    render_outcome(&after)
                );
                for ((path, old), (_, new)) in files.iter().zip(&edited) {
                    // Only the edited ranges change: same line ends, BOM, bytes.
                    assert_eq!(
                        old.starts_with(b"\xEF\xBB\xBF"),
                        new.starts_with(b"\xEF\xBB\xBF"),
                        "{path}"
                    );
                    assert_eq!(
                        String::from_utf8_lossy(old).matches('\r').count(),
                        String::from_utf8_lossy(new).matches('\r').count(),
                        "{path}"
                    );
                }
            }
        }
    }
    assert!(
        fixed_any >= 15,
        "the fixable rules' fixtures were fixed ({fixed_any} cases)"
    );
}

fn tree_is_python(path: &str) -> bool {
    crate::tree::is_python(path)
}
