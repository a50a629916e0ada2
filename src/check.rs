//! The `check` pipeline for one project root: discover environments, scan
//! every revision file once into facts, read the other Python files that
//! may declare models or call `create_all` / `drop_all`, then run file rules
//! on the selected files, graph rules on each environment's revision graph,
//! and schema rules on the models and the replayed chains; keep what the
//! selection asks for, sorted.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::cache::{Cache, Role};
use crate::change::Change;
use crate::config::{SafetyScope, Settings};
use crate::diagnostic::{Diagnostic, Emitter};
use crate::env::{self, Environment};
use crate::graph::{Graph, MigrationFile};
use crate::memo::{Memo, Recall, Recorder};
use crate::metadata::Metadatas;
use crate::parallel;
use crate::render::Sources;
use crate::rule::Rule;
use crate::rules::{self, FileContext, FileKind, InitFile, ModelSource, Ownership, Safety, Schema, SourceContext};
use crate::scan::Scan;
use crate::scan::app::{AllCall, CallContext, Caller, Entry, all_calls, may_call_all};
use crate::scan::imports::sibling_imports;
use crate::scan::literal::Item;
use crate::scan::migration::Migration;
use crate::scan::model::ModelFile;
use crate::scan::ops::OpKind;
use crate::schema::replay;
use crate::source::SourceFile;
use crate::suppress;
use crate::tree::{self, Filtered, Tree, is_under};
use std::collections::{HashMap, HashSet};

/// Which files the user asked about.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Everything: all diagnostics of the project.
    All,
    /// These root-relative files or directories (`""` is the root). File
    /// diagnostics of these files, and project diagnostics that involve them.
    Paths(Vec<String>),
    /// No file, every project diagnostic: what a baseline needs.
    Nothing,
}

impl Selection {
    /// What is selected below `dir`, relative to it.
    #[must_use]
    pub fn within(&self, dir: &str) -> Selection {
        match self {
            Selection::All => Selection::All,
            Selection::Nothing => Selection::Nothing,
            Selection::Paths(paths) => Selection::Paths(
                paths
                    .iter()
                    .filter_map(|p| {
                        if p == dir || is_under(dir, p) {
                            Some(String::new())
                        } else {
                            tree::strip_dir(p, dir).map(str::to_owned)
                        }
                    })
                    .collect(),
            ),
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Paths(paths) => paths.iter().any(|p| p == path || tree::is_under(path, p)),
            Selection::Nothing => false,
        }
    }
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
    pub files_checked: usize,
    /// Problems of the tool itself (unreadable files, broken configuration):
    /// reported on stderr, and the run exits 2.
    pub errors: Vec<String>,
    /// What the user should know but that fails nothing, for stderr.
    pub notes: Vec<String>,
    /// What the user should act on though it fails nothing (a
    /// configuration file that was ignored), for stderr.
    pub warnings: Vec<String>,
    pub environments: Vec<Environment>,
    /// How long each phase took, for `ALEMBIC_PREFLIGHT_TIMINGS`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// Files whose facts came from the cache, of the files read.
    pub from_cache: (usize, usize),
    /// Files proven unchanged when the result is a remembered one.
    pub recalled: Option<usize>,
}

impl Outcome {
    /// Paths of a nested project's check made relative to the root again.
    fn move_under(&mut self, dir: &str) {
        let full = |path: &str| tree::join(dir, path);
        for d in &mut self.diagnostics {
            d.path = full(&d.path);
            for related in &mut d.related {
                related.path = full(&related.path);
            }
        }
        self.sources = std::mem::take(&mut self.sources).renamed(full);
        for env in &mut self.environments {
            env.move_under(dir);
        }
    }

    /// Adds another project's outcome to this one.
    fn merge(&mut self, other: Outcome) {
        self.diagnostics.extend(other.diagnostics);
        self.diagnostics
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message)));
        self.sources.merge(other.sources);
        self.files_checked += other.files_checked;
        self.errors.extend(other.errors);
        self.notes.extend(other.notes);
        self.environments.extend(other.environments);
        self.timings.extend(other.timings);
        self.from_cache.0 += other.from_cache.0;
        self.from_cache.1 += other.from_cache.1;
    }

    /// The revision files of every environment checked.
    pub fn revision_files(&self) -> HashSet<String> {
        self.environments.iter().flat_map(|e| e.files.iter().cloned()).collect()
    }
}

/// `create_all` / `drop_all` in a function of one file may run from an
/// entry point because another file calls that function there (`init_db()`
/// in a FastAPI lifespan, in a CLI command), directly or through module
/// functions of other files (`main()` calls `setup()` calls `init_db()`).
/// Callers are followed up to [`CALL_DEPTH`] files away; only files that
/// mention a candidate name are scanned.
fn find_entry_callers(tree: &dyn Tree, app_paths: &[String], others: &mut [(String, FileKind, Vec<AllCall>)]) {
    // Each candidate: a function name, the file it is in, and which
    // original function it leads to (itself at first).
    let mut names: Vec<(String, String, usize)> = Vec::new();
    for (path, kind, calls) in others.iter() {
        for call in calls
            .iter()
            .filter(|c| *kind == FileKind::App && c.runs.is_none() && !c.in_class)
        {
            if let Some(function) = call.function.as_deref()
                && !names.iter().any(|(n, p, _)| n == function && p == path)
            {
                names.push((function.to_owned(), path.clone(), names.len()));
            }
        }
    }
    let originals = names.len();
    // What each original is found to run from: the entry, and the call in
    // another file that leads there (the first one found).
    let mut found: Vec<Option<(Entry, Caller, usize)>> = vec![None; originals];
    let mut frontier = 0..names.len();
    for _ in 0..CALL_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let wanted: Vec<&str> = names[frontier.clone()].iter().map(|(n, _, _)| n.as_str()).collect();
        let alternatives: Vec<String> = wanted.iter().map(|n| regex::escape(n)).collect();
        let Ok(needle) = regex::bytes::Regex::new(&format!(r"\b(?:{})\(", alternatives.join("|"))) else {
            return;
        };
        let mut next: Vec<(String, String, usize)> = Vec::new();
        for path in app_paths {
            let Ok(bytes) = tree.read(path) else { continue };
            if !needle.is_match(&bytes) {
                continue;
            }
            let source = SourceFile::from_bytes(path.clone(), &bytes);
            let scan = Scan::new(&source.text);
            for (which, span, context) in crate::scan::app::calls_of(&scan, &wanted) {
                let candidate = frontier.start + which;
                let (_, defined_in, original) = &names[candidate];
                // A call in the function's own file was judged there.
                if defined_in == path {
                    continue;
                }
                match context {
                    CallContext::Entry(entry) => {
                        found[*original].get_or_insert_with(|| (entry, (path.clone(), span), candidate));
                    }
                    CallContext::Function(caller) => {
                        let known = names.iter().chain(&next).any(|(n, p, _)| n == caller && p == path);
                        if !known && found[*original].is_none() {
                            next.push((caller.to_owned(), path.clone(), *original));
                        }
                    }
                }
            }
        }
        let start = names.len();
        names.extend(next);
        frontier = start..names.len();
    }
    for (path, kind, calls) in others.iter_mut() {
        if *kind != FileKind::App {
            continue;
        }
        for call in calls.iter_mut().filter(|c| c.runs.is_none() && !c.in_class) {
            let original = names[..originals]
                .iter()
                .position(|(n, p, _)| Some(n.as_str()) == call.function.as_deref() && p == path);
            if let Some((entry, caller, called)) = original.and_then(|o| found[o].clone()) {
                call.runs = Some(entry);
                call.caller = Some(caller);
                call.via = (called >= originals).then(|| names[called].0.clone());
            }
        }
    }
}

/// How many files away a caller of a `create_all` function is looked for.
const CALL_DEPTH: usize = 4;

/// The `ix` template migrations are replayed with: the `index-naming`
/// setting, else the one convention of every model table (SQLAlchemy's
/// default when there are no models), else unknown.
fn migration_convention(models: &[ModelSource], metadatas: &Metadatas) -> Option<String> {
    let mut tables = models
        .iter()
        .flat_map(|m| m.facts.tables.iter().map(|t| (m.path.as_str(), t.metadata.as_str())));
    let Some((path, metadata)) = tables.next() else {
        return Some(metadatas.default_convention().to_owned());
    };
    let convention = metadatas.resolve(path, metadata).convention;
    tables
        .all(|(path, metadata)| metadatas.resolve(path, metadata).convention == convention)
        .then(|| convention.map(str::to_owned))
        .flatten()
}

/// Test files: `tests/` (or `test/`), `test_*.py`, `*_test.py`, `conftest.py`.
pub fn is_test(path: &str) -> bool {
    let name = tree::file_name(path);
    let in_tests = path.split('/').rev().skip(1).any(|dir| dir == "tests" || dir == "test");
    in_tests || name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}

/// Checks `tree`: each project in it with its own settings. A directory
/// below the root with a configuration file of its own is a project of its
/// own (a monorepo's `backend/`), checked as if run from there, as ruff
/// looks up the closest configuration; the root's settings govern the rest.
/// With a `baseline` (changed-set modes), project diagnostics the baseline
/// already had are left out, and edits of the baseline's revision files are
/// reported.
pub fn check(
    tree: &dyn Tree,
    selection: &Selection,
    settings: &Settings,
    baseline: Option<&Baseline>,
    cache: &Cache,
) -> Outcome {
    let (nested, ignored) = nested_projects(tree, settings);
    if nested.is_empty() {
        let mut outcome = check_project(tree, selection, settings, baseline, cache);
        outcome.warnings.extend(ignored);
        return outcome;
    }
    let dirs: Vec<&str> = nested.iter().map(|(dir, _)| dir.as_str()).collect();
    let (rest, subtrees) = tree::split_projects(tree, &dirs);
    let mut outcome = check_project(&rest, selection, settings, baseline, cache);
    outcome.warnings.extend(ignored);
    for ((dir, settings), subtree) in nested.iter().zip(subtrees) {
        let selection = selection.within(dir);
        if baseline.is_none() && matches!(&selection, Selection::Paths(p) if p.is_empty()) {
            continue;
        }
        let settings = match settings {
            Ok(settings) => settings,
            Err(error) => {
                outcome.errors.push(format!("{error:#}"));
                continue;
            }
        };
        let baseline = baseline.map(|b| b.within(dir));
        let mut part = check_project(&subtree, &selection, settings, baseline.as_ref(), cache);
        part.move_under(dir);
        outcome.merge(part);
    }
    outcome
}

/// The directories below the root that hold a configuration file of their
/// own, with their settings, when the settings look for them.
fn nested_projects(tree: &dyn Tree, settings: &Settings) -> (Vec<(String, anyhow::Result<Settings>)>, Vec<String>) {
    if !settings.nested_lookup {
        return (Vec::new(), Vec::new());
    }
    let mut dirs: Vec<&str> = tree
        .files()
        .iter()
        .filter(|f| crate::config::FILE_NAMES.contains(&tree::file_name(f)))
        .map(|f| tree::parent(f))
        .filter(|dir| !dir.is_empty() && !settings.is_excluded(dir))
        .collect();
    // A directory's files are not adjacent in the sorted listing (`a/b/…`
    // sorts between `a/alembic-preflight.toml` and `a/pyproject.toml`).
    dirs.sort_unstable();
    dirs.dedup();
    let mut found = Vec::new();
    let mut ignored = Vec::new();
    let mut environments: Option<Vec<Environment>> = None;
    for dir in dirs {
        let settings = match crate::config::nested(&tree.root().join(dir), &settings.cli) {
            Ok(None) => continue,
            Ok(Some(mut nested)) => {
                nested.safety_scope = settings.safety_scope.within(dir);
                Ok(nested)
            }
            Err(error) => Err(error),
        };
        // Environments are discovered only when some directory has a
        // configuration of its own.
        let environments = environments.get_or_insert_with(|| crate::env::discover(tree).0);
        if let Some(env) = environments.iter().find(|env| splits(env, dir)) {
            ignored.push(format!(
                "the configuration in `{dir}` is ignored: `{dir}` is part of the Alembic environment of `{}`, and a configuration file cannot cut an environment off from its revisions; move it next to that configuration",
                env.origin
            ));
            continue;
        }
        found.push((dir.to_owned(), settings));
    }
    (found, ignored)
}

/// A project at `dir` would split `env`: `dir` is its script directory or
/// a version location, or lies inside one, while what defines the
/// environment (its configuration file, or the `env.py` it was found by)
/// is outside `dir`.
fn splits(env: &Environment, dir: &str) -> bool {
    let inside_env = std::iter::once(&env.script_location)
        .chain(&env.version_locations)
        .any(|location| location == dir || is_under(dir, location));
    let anchor = match env.configured_by {
        Some(_) => env.origin.split(" [").next().unwrap_or(&env.origin).to_owned(),
        None => tree::join(&env.script_location, "env.py"),
    };
    inside_env && !is_under(&anchor, dir)
}

/// Checks one project, in four phases the timings name: load the project,
/// analyse it, lint it, report.
fn check_project(
    tree: &dyn Tree,
    selection: &Selection,
    settings: &Settings,
    baseline: Option<&Baseline>,
    cache: &Cache,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut clock = std::time::Instant::now();
    let mut lap = |outcome: &mut Outcome, phase: &'static str| {
        outcome.timings.push((phase, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    // A check without a baseline is remembered, and one of an unchanged
    // tree is recalled.
    let memo = baseline
        .is_none()
        .then(|| Memo::new(tree, selection, settings, cache))
        .flatten();
    let recorder = match &memo {
        Some(memo) => match memo.recall(tree, cache) {
            Recall::Hit(mut recalled, files) => {
                lap(
                    &mut recalled,
                    "recall the last result: the listing and its files unchanged",
                );
                let diagnostics = std::mem::take(&mut recalled.diagnostics);
                read_reported(tree, &diagnostics, &mut recalled);
                recalled.diagnostics = diagnostics;
                recalled.recalled = Some(files);
                lap(&mut recalled, "report: the texts of the files reported");
                return *recalled;
            }
            Recall::Miss(proven) => {
                lap(&mut outcome, "recall the last result: none applies");
                Some(Recorder::new(tree, proven))
            }
        },
        None => None,
    };
    let tree: &dyn Tree = match &recorder {
        Some(recorder) => recorder,
        None => tree,
    };
    let filtered = Filtered::new(tree, |path| settings.is_excluded(path));
    let tree: &dyn Tree = &filtered;
    let mut project = load(tree, selection, settings, cache, &mut outcome);
    cache.release_facts();
    lap(&mut outcome, "load: environments, revision and other files' facts");
    let graphs = build_graphs(&project.envs, &project.revisions, settings);
    let schema = analyse(&project, &graphs, tree.files(), selection, settings);
    lap(&mut outcome, "analyse: graphs, replayed schemas, model index names");
    let severity = |rule: Rule| settings.severity(rule);
    let mut emit = Emitter::new(&severity);
    let directives = lint(
        &project,
        &graphs,
        &schema,
        selection,
        settings,
        baseline,
        &mut emit,
        &mut outcome,
    );
    drop(schema);
    drop(graphs);
    project.directives.extend(directives);
    lap(&mut outcome, "lint: file, graph, source and schema rules");
    report(
        emit.into_diagnostics(),
        project,
        tree,
        selection,
        settings,
        baseline,
        &mut outcome,
    );
    lap(
        &mut outcome,
        "report: suppressions, selection and baseline, order, texts",
    );
    if let (Some(memo), Some(recorder)) = (memo, recorder) {
        memo.remember(recorder, &outcome, cache);
        lap(&mut outcome, "remember the result");
    }
    outcome
}

/// Everything read from a tree: its environments and the facts of its
/// files.
struct Project {
    envs: Vec<Environment>,
    /// The revision files of each environment, in `envs`' order.
    revisions: Vec<Vec<MigrationFile>>,
    models: Vec<ModelSource>,
    metadatas: Metadatas,
    index_bases: HashSet<CompactString>,
    inits: Vec<InitFile>,
    /// Other Python files: path, kind, `create_all`/`drop_all` calls.
    others: Vec<(String, FileKind, Vec<AllCall>)>,
    /// Selected files Python cannot parse: path, place, why. Their facts
    /// are not used: nothing is judged on a misreading.
    broken: Vec<(String, std::ops::Range<usize>, CompactString)>,
    /// Files with suppression comments.
    directives: Vec<String>,
    /// The naming convention the migrations' environment uses, if known.
    convention: Option<String>,
}

/// Load: the environments (and what keeps them from being read), every
/// revision file's facts, and every other Python file's.
fn load(tree: &dyn Tree, selection: &Selection, settings: &Settings, cache: &Cache, outcome: &mut Outcome) -> Project {
    let (mut envs, config_errors) = environments(tree, settings);
    unusable(tree, selection, &envs, config_errors, outcome);
    let (revisions, unloaded) = load_revisions(tree, &mut envs, cache, outcome);
    let candidates = classify(tree, &envs, selection, settings);
    let app_paths: Vec<String> = candidates
        .iter()
        .filter(|c| c.kind == FileKind::App)
        .map(|c| c.path.clone())
        .collect();
    let scanned = read_others(tree, candidates, cache, outcome);
    let mut project = Project {
        envs,
        revisions,
        models: Vec::new(),
        metadatas: Metadatas::new(settings.index_naming.clone()),
        index_bases: HashSet::new(),
        inits: Vec::new(),
        others: Vec::new(),
        broken: Vec::new(),
        directives: Vec::new(),
        convention: None,
    };
    project.metadatas.set_files(tree.files().iter().map(String::as_str));
    let mut unloaded: Vec<String> = unloaded.into_iter().filter(|p| selection.contains(p)).collect();
    for (candidate, facts) in scanned {
        if candidate.selected {
            outcome.files_checked += 1;
        }
        if facts.revision_like && candidate.selected && candidate.kind == FileKind::App {
            unloaded.push(candidate.path.clone());
        }
        if facts.directives {
            project.directives.push(candidate.path.clone());
        }
        if settings.severity(Rule::InvalidSyntax).is_some()
            && let Some((span, message)) = facts.syntax_error.clone()
        {
            if candidate.selected {
                project.broken.push((candidate.path.clone(), span, message));
            }
            continue;
        }
        if let Some(facts) = facts.wanted(&candidate) {
            project.add(candidate, facts);
        }
    }
    if let Some(note) = unloaded_note(unloaded) {
        outcome.notes.push(note);
    }
    find_entry_callers(tree, &app_paths, &mut project.others);
    project.convention = migration_convention(&project.models, &project.metadatas);
    project
}

impl Project {
    /// Takes in the facts of one other Python file.
    fn add(&mut self, candidate: Candidate, mut facts: Wanted) {
        if !facts.imports.is_empty() {
            self.inits.push(InitFile {
                path: candidate.path.clone(),
                imports: std::mem::take(&mut facts.imports),
            });
        }
        self.metadatas.add(
            &candidate.path,
            std::mem::take(&mut facts.models.defs),
            std::mem::take(&mut facts.models.reassigned),
            std::mem::take(&mut facts.models.imports),
        );
        self.index_bases.extend(std::mem::take(&mut facts.models.index_bases));
        if !facts.models.tables.is_empty() || !facts.models.indexes.is_empty() {
            self.models.push(ModelSource {
                path: candidate.path.clone(),
                facts: facts.models,
            });
        }
        self.others.push((candidate.path, candidate.kind, facts.calls));
    }
}

/// What keeps the check from seeing a project whole: a broken
/// configuration where it could describe what was selected, and a version
/// location the walk could not enter (unreadable, or a link to a
/// directory), which would hide revisions silently.
fn unusable(
    tree: &dyn Tree,
    selection: &Selection,
    envs: &[Environment],
    config_errors: Vec<env::ConfigError>,
    outcome: &mut Outcome,
) {
    let relevant = |config: &str| {
        let dir = tree::parent(config);
        match selection {
            Selection::All => true,
            // A baseline's configuration problems are not this change's.
            Selection::Nothing => false,
            Selection::Paths(paths) => paths
                .iter()
                .any(|p| tree::is_under(p, dir) || p == dir || selection.contains(config)),
        }
    };
    for error in config_errors {
        if relevant(&error.path) {
            outcome.errors.push(format!("{}: {:#}", error.path, error.error));
        }
    }
    // A configured location that holds nothing: Alembic stops at it with
    // "Path doesn't exist"; an empty graph here would pass silently.
    for env in envs {
        let Some(key) = env.configured_by else { continue };
        let config = env.origin.split(" [").next().unwrap_or(&env.origin);
        let empty =
            !env::has_files_under(tree.files(), &env.script_location) && env.files.is_empty() && env.nested.is_empty();
        if empty && relevant(config) {
            let location = if env.script_location.is_empty() {
                "."
            } else {
                &env.script_location
            };
            outcome.errors.push(format!(
                "{}: `{key}` names `{location}`, which holds no file in this repository; \
                 Alembic fails there with \"Path doesn't exist\", and no revision of it can be checked",
                env.origin
            ));
        } else if env.files.is_empty() && env.nested.is_empty() && relevant(config) {
            // The version locations hold no revision, while revision files
            // sit below the script location: Alembic would see none of them.
            let stray = stray_revisions(tree, env);
            if let Some(first) = stray.first() {
                outcome.errors.push(format!(
                    "{}: its version locations ({}) hold no revision, but {} below `{}` {} (`{first}`); \
                     Alembic would load none of them: check `version_locations`",
                    env.origin,
                    env.version_locations.join(", "),
                    crate::render::plural(stray.len(), "revision file"),
                    env.script_location,
                    if stray.len() == 1 { "sits there" } else { "sit there" },
                ));
            }
        }
    }
    outcome.errors.extend(unwalked_errors(tree, envs));
}

/// The directories the walk could not enter, said as errors: one that
/// holds or is inside a version location hides revisions; any other that
/// could not be read may hold an environment of its own (its
/// `alembic.ini` unseen). A link to a directory outside every version
/// location hides nothing Alembic loads and is not said.
fn unwalked_errors(tree: &dyn Tree, envs: &[Environment]) -> Vec<String> {
    let mut errors = Vec::new();
    for (dir, why) in tree.unwalked() {
        let hides = |location: &str| location == dir || tree::is_under(location, dir) || tree::is_under(dir, location);
        if envs.iter().any(|e| e.version_locations.iter().any(|l| hides(l))) {
            errors.push(format!(
                "{dir}: cannot read the directory ({why}); the revisions in it cannot be checked"
            ));
        } else if tree::is_unreadable(why) {
            errors.push(format!(
                "{dir}: cannot read the directory ({why}); an Alembic environment or revision in it cannot be checked"
            ));
        }
    }
    errors
}

/// Revision files below `env`'s script location, outside its version
/// locations: files that assign `revision` and `down_revision` in code.
fn stray_revisions(tree: &dyn Tree, env: &Environment) -> Vec<String> {
    let prefix = if env.script_location.is_empty() {
        String::new()
    } else {
        format!("{}/", env.script_location)
    };
    tree.files()
        .iter()
        .filter(|f| f.starts_with(&prefix) && tree::is_python(f) && tree::file_name(f) != "env.py")
        .filter(|f| {
            tree.read(f).is_ok_and(|bytes| {
                env::looks_like_revision(&bytes)
                    && env::assigns_revision(&Scan::new(&SourceFile::from_bytes(String::new(), &bytes).text))
            })
        })
        .cloned()
        .collect()
}

/// The Python files other than revision files, each with its kind and
/// whether it is selected.
fn classify(tree: &dyn Tree, envs: &[Environment], selection: &Selection, settings: &Settings) -> Vec<Candidate> {
    let version_dirs = env::VersionDirs::of(envs);
    let migration_paths: HashSet<&str> = envs.iter().flat_map(|e| e.files.iter().map(String::as_str)).collect();
    let env_scripts: Vec<String> = envs.iter().map(|e| tree::join(&e.script_location, "env.py")).collect();
    let mut candidates = Vec::new();
    for path in tree.files() {
        // Files below a version location are revision files, loaded or not.
        if !tree::is_python(path) || migration_paths.contains(path.as_str()) || version_dirs.holds(path) {
            continue;
        }
        let kind = if env_scripts.contains(path) {
            FileKind::Alembic
        } else if settings.tests.as_ref().map_or_else(
            || is_test(path),
            |g| g.matched_path_or_any_parents(path, false).is_ignore(),
        ) {
            FileKind::Test
        } else {
            FileKind::App
        };
        let models_glob = (kind != FileKind::Test)
            .then(|| {
                settings
                    .models
                    .as_ref()
                    .map(|g| g.matched_path_or_any_parents(path, false).is_ignore())
            })
            .flatten();
        candidates.push(Candidate {
            path: path.clone(),
            kind,
            selected: selection.contains(path),
            models_glob,
        });
    }
    candidates
}

/// Analyse: the schema each environment's upgrade chain leaves, and the
/// name each model index gets, for the schema rules.
fn analyse<'p>(
    project: &'p Project,
    graphs: &'p [Graph<'p>],
    files: &'p [String],
    selection: &Selection,
    settings: &'p Settings,
) -> Schema<'p> {
    let model_index_names = parallel::map(project.models.iter().collect(), |model| {
        model
            .facts
            .indexes
            .iter()
            .map(|i| {
                let convention = project.metadatas.resolve(&model.path, &i.metadata).convention;
                rules::model_index_name(convention, (&i.table, &i.schema), &i.name, &i.columns)
            })
            .collect()
    });
    // What each revision does, once for every rule that asks: on every
    // core, into a map sized once (a growing map of 10,000 changes moves
    // each of them several times).
    let revisions: Vec<&MigrationFile> = project.revisions.iter().flatten().collect();
    let mut changes: HashMap<&str, Change<'p>> = HashMap::with_capacity(revisions.len());
    changes.extend(parallel::map(revisions, |file| {
        (file.path.as_str(), Change::of(&file.facts))
    }));
    let replays = graphs
        .iter()
        .map(|g| (g, replay(g, &changes, project.convention.as_deref())))
        .collect();
    // Replayed: from here on only the file rules read a change, and only
    // of the files they judge.
    changes.retain(|path, _| selection.contains(path));
    Schema {
        models: &project.models,
        model_index_names,
        metadatas: &project.metadatas,
        index_bases: &project.index_bases,
        replays,
        changes,
        files,
        inits: &project.inits,
        settings,
    }
}

/// Lint: the file rules on the selected revision files, the graph rules,
/// the source rules on the selected other files, the schema rules, and what
/// the change does to the baseline's revisions. Returns the revision files
/// with suppression comments.
#[allow(clippy::too_many_arguments)]
fn lint(
    project: &Project,
    graphs: &[Graph<'_>],
    schema: &Schema<'_>,
    selection: &Selection,
    settings: &Settings,
    baseline: Option<&Baseline>,
    emit: &mut Emitter<'_>,
    outcome: &mut Outcome,
) -> Vec<String> {
    let mut directives = Vec::new();
    // Each pass's time, for the phase table.
    let (mut file_rules, mut graph_rules) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for graph in graphs {
        let clock = std::time::Instant::now();
        let env = graph.env;
        let files = &project.revisions[project
            .envs
            .iter()
            .position(|e| std::ptr::eq(e, env))
            .expect("the graph's environment")];
        let mut selected = Vec::new();
        for file in files.iter().filter(|f| graph.owns(&f.path)) {
            if file.directives {
                directives.push(file.path.clone());
            }
            if selection.contains(&file.path) {
                selected.push(file);
            }
        }
        outcome.files_checked += selected.len();
        let safety = safety(graph, files, selection, settings, baseline).map(|mut s| {
            s.declared = declared_tables(&project.models);
            s
        });
        if let (Some(safety), None) = (&safety, baseline) {
            let note = match &settings.safety_scope {
                _ if settings.audit => None,
                SafetyScope::Unknown => Some(
                    "the safe-migration rules (AP8xx) judged no revision: they judge what runs next, and no base \
                     branch is known (`origin/HEAD`) to tell it; `--audit` judges every revision"
                        .to_owned(),
                ),
                SafetyScope::NotOn { base, .. } => Some(format!(
                    "the safe-migration rules (AP8xx) judged {}: those `{base}` does not have; `--audit` judges every revision",
                    crate::render::plural(safety.judged.len(), "revision")
                )),
                SafetyScope::All => None,
            };
            outcome.notes.extend(note.filter(|n| !outcome.notes.contains(n)));
        }
        lint_files(selected, graph, &schema.changes, settings, safety.as_ref(), emit);
        file_rules += clock.elapsed();
        let clock = std::time::Instant::now();
        // How much a revision file is this change's to edit: one another
        // branch has published (a merge brings it) least, one the change
        // adds (selected, not a file of the baseline's) most.
        let owned = |path: &str| match baseline {
            Some(b) if b.published.contains(path) => Ownership::Published,
            Some(b) if selection.contains(path) && !b.modified.iter().any(|m| m == path) => Ownership::Added,
            _ => Ownership::Kept,
        };
        rules::check_graph(graph, settings, &owned, emit);
        graph_rules += clock.elapsed();
    }
    outcome.timings.push((
        "  file rules, the safe-migration rules (AP8xx) and their SQL",
        file_rules,
    ));
    outcome.timings.push(("  graph rules", graph_rules));
    let clock = std::time::Instant::now();
    let dialect = project
        .envs
        .first()
        .and_then(|e| e.dialect)
        .filter(|d| project.envs.iter().all(|e| e.dialect == Some(*d)));
    for (path, span, message) in &project.broken {
        rules::invalid_syntax::report(path, span.clone(), message, emit);
    }
    for (path, kind, calls) in &project.others {
        if selection.contains(path) {
            // Models were pushed in the tree's sorted order.
            let model = project
                .models
                .binary_search_by(|m| m.path.as_str().cmp(path))
                .ok()
                .map(|i| &project.models[i].facts);
            let ctx = SourceContext {
                path,
                kind: *kind,
                model,
                calls,
                settings,
                dialect,
            };
            rules::check_source(&ctx, emit);
        }
    }
    outcome.timings.push(("  source rules", clock.elapsed()));
    let clock = std::time::Instant::now();
    rules::check_schema(schema, emit);
    outcome
        .timings
        .push(("  schema rules: the replayed history and the models", clock.elapsed()));
    if let Some(baseline) = baseline {
        edited_history(&project.envs, graphs, baseline, emit);
    }
    directives
}

/// What the safe-migration rules judge in one graph, when its environment
/// runs on PostgreSQL (the configuration, `sqlalchemy.url`, or revisions
/// that use the PostgreSQL dialect say so): in changed-set modes, the
/// revisions the change adds (not the files it edits); in a sweep, those
/// the base branch does not have, or every one with `--audit`.
fn safety(
    graph: &Graph<'_>,
    files: &[MigrationFile],
    selection: &Selection,
    settings: &Settings,
    baseline: Option<&Baseline>,
) -> Option<Safety> {
    let postgres = match graph.env.dialect.or(settings.dialect) {
        Some(dialect) => dialect == env::Dialect::PostgreSql,
        None => graph.nodes.iter().any(|n| n.file.facts.postgresql),
    };
    if !postgres
        || !Rule::ALL
            .iter()
            .any(|&r| r.is_safety() && settings.severity(r).is_some())
    {
        return None;
    }
    let judged = |path: &str| match baseline {
        Some(b) => selection.contains(path) && !b.modified.iter().any(|m| m == path),
        None if settings.audit => true,
        None => match &settings.safety_scope {
            SafetyScope::All => true,
            SafetyScope::NotOn { files, .. } => !files.contains(path),
            SafetyScope::Unknown => false,
        },
    };
    // In an audit each revision is judged as the change it once was: only
    // the tables it creates itself are new to it.
    let audit = baseline.is_none() && settings.audit;
    let mut safety = Safety::default();
    for file in files.iter().filter(|f| graph.owns(&f.path) && judged(&f.path)) {
        safety.judged.insert(file.path.clone());
        if audit {
            continue;
        }
        for op in file.facts.upgrade.iter().flat_map(|u| &u.ops) {
            if let OpKind::CreateTable { table, .. } = &op.kind {
                safety.new_tables.insert(table.value.to_string());
            }
        }
    }
    Some(safety)
}

/// The tables the models declare, with the columns each declares itself.
fn declared_tables(models: &[ModelSource]) -> HashMap<String, Vec<rules::Declared>> {
    let mut out: HashMap<String, Vec<rules::Declared>> = HashMap::new();
    for model in models {
        for table in &model.facts.tables {
            out.entry(table.name.value.to_string())
                .or_default()
                .push(rules::Declared {
                    model: match table.class.as_deref() {
                        Some(class) => format!("model `{class}`"),
                        None => format!("`Table(\"{}\", ...)`", table.name.value),
                    },
                    path: model.path.clone(),
                    span: table.name.span.clone(),
                    schema: table.schema.clone(),
                    columns: table.columns.clone(),
                });
        }
    }
    out
}

/// The file rules on one graph's selected revision files, on every core in
/// shares large enough to be worth it.
fn lint_files(
    selected: Vec<&MigrationFile>,
    graph: &Graph<'_>,
    changes: &HashMap<&str, Change<'_>>,
    settings: &Settings,
    safety: Option<&Safety>,
    emit: &mut Emitter<'_>,
) {
    let size = (selected.len() / 64).max(16);
    let severity = |rule: Rule| settings.severity(rule);
    let shares = parallel::map(chunks(selected, size), |share| {
        let mut emit = Emitter::new(&severity);
        for file in share {
            let computed;
            let change = if let Some(change) = changes.get(file.path.as_str()) {
                change
            } else {
                computed = Change::of(&file.facts);
                &computed
            };
            let ctx = FileContext {
                file,
                change,
                safety: safety.filter(|s| s.judged.contains(&file.path)),
                env: graph.env,
                graph,
                settings,
            };
            rules::check_file(&ctx, &mut emit);
        }
        emit.into_diagnostics()
    });
    for share in shares {
        emit.extend(share);
    }
}

/// AP701: the revisions of the baseline this change edits or deletes.
fn edited_history(envs: &[Environment], graphs: &[Graph<'_>], baseline: &Baseline, emit: &mut Emitter<'_>) {
    let migration_paths: HashSet<&str> = envs.iter().flat_map(|e| e.files.iter().map(String::as_str)).collect();
    // The ids the renamed files declare now.
    let moved: HashSet<&str> = baseline.renamed.iter().map(|r| r.to.as_str()).collect();
    let declared: HashMap<&str, &str> = graphs
        .iter()
        .flat_map(|g| g.nodes.iter().map(|n| (n.file, n.id)))
        .chain(
            graphs
                .iter()
                .flat_map(|g| g.duplicates.iter().map(|&(f, at)| (f, g.nodes[at].id))),
        )
        .filter(|(f, _)| moved.contains(f.path.as_str()))
        .map(|(f, id)| (f.path.as_str(), id))
        .collect();
    // Where each file says which revision it is: the place to point at.
    let spans: HashMap<&str, std::ops::Range<usize>> = graphs
        .iter()
        .flat_map(|g| {
            g.nodes
                .iter()
                .map(|n| n.file)
                .chain(g.duplicates.iter().map(|&(f, _)| f))
        })
        .map(|f| (f.path.as_str(), f.revision_span()))
        .collect();
    rules::edited_applied_migration(&migration_paths, &declared, &spans, baseline, emit);
}

/// Report: suppressions applied, what the selection and the baseline call
/// new kept, sorted, and the texts the renderers need read. The facts are
/// freed on another thread.
fn report(
    diagnostics: Vec<Diagnostic>,
    project: Project,
    tree: &dyn Tree,
    selection: &Selection,
    settings: &Settings,
    baseline: Option<&Baseline>,
    outcome: &mut Outcome,
) {
    let Project {
        envs,
        revisions,
        models,
        inits,
        others,
        mut directives,
        ..
    } = project;
    // Texts are read again only where they are needed: files with
    // suppression comments that are selected or reported on, and files a
    // diagnostic points into.
    let reported: HashSet<&str> = diagnostics.iter().map(|d| d.path.as_str()).collect();
    directives.retain(|p| selection.contains(p) || reported.contains(p.as_str()));
    directives.sort_unstable();
    directives.dedup();
    read_texts(tree, directives.clone(), outcome);
    let selected: Vec<String> = directives.into_iter().filter(|p| selection.contains(p)).collect();
    let severity = |rule: Rule| settings.severity(rule);
    let mut emit = Emitter::new(&severity);
    let mut diagnostics = suppress::apply(
        diagnostics,
        &outcome.sources,
        &selected,
        settings.report_unused_suppressions,
        &mut emit,
    );
    diagnostics.extend(emit.into_diagnostics());
    diagnostics.retain(|d| match (d.rule.meta().scope, baseline) {
        (rules::Scope::File, _) => selection.contains(&d.path),
        (rules::Scope::Project, Some(baseline)) => d.rule == Rule::EditedAppliedMigration || !baseline.knows(d),
        (rules::Scope::Project, None) => {
            matches!(selection, Selection::Nothing) || d.paths().any(|p| selection.contains(p))
        }
    });
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message)));
    diagnostics.dedup();
    outcome.sources.retain_used(&diagnostics);
    read_reported(tree, &diagnostics, outcome);
    // Freeing the facts of every file takes a while: another thread does it.
    std::thread::spawn(move || drop((revisions, models, others, inits)));
    outcome.diagnostics = diagnostics;
    outcome.environments = envs;
}

/// What to say of revision files that no environment loads, if any.
fn unloaded_note(mut paths: Vec<String>) -> Option<String> {
    if paths.is_empty() {
        return None;
    }
    paths.sort_unstable();
    let n = paths.len();
    let shown = paths.iter().take(3).map(String::as_str).collect::<Vec<_>>().join(", ");
    let more = if n > 3 {
        format!(" and {} more", n - 3)
    } else {
        String::new()
    };
    let (files, them, directories) = if n == 1 {
        ("file is", "it", "its directory")
    } else {
        ("files are", "them", "their directories")
    };
    Some(format!(
        "{n} revision {files} in no Alembic environment, so no graph rule checked {them}: {shown}{more}; \
         if Alembic loads {them}, name {directories} in `version-locations`"
    ))
}

/// `items` in runs of at most `size`, for work too small to hand out one
/// item at a time.
fn chunks<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        out.push(items.by_ref().take(size).collect());
    }
    out
}

/// Reads the files `diagnostics` name that `outcome.sources` lacks, for
/// their excerpts.
fn read_reported(tree: &dyn Tree, diagnostics: &[Diagnostic], outcome: &mut Outcome) {
    let mut paths: Vec<String> = diagnostics
        .iter()
        .flat_map(Diagnostic::paths)
        .filter(|p| outcome.sources.text(p).is_none())
        .map(str::to_owned)
        .collect();
    paths.sort_unstable();
    paths.dedup();
    read_texts(tree, paths, outcome);
}

/// Reads `paths` into `outcome.sources`. A file that cannot be read now
/// is rendered without its excerpt.
fn read_texts(tree: &dyn Tree, paths: Vec<String>, outcome: &mut Outcome) {
    for (path, bytes) in tree.read_all(paths) {
        if let Ok(bytes) = bytes {
            let text = SourceFile::from_bytes(String::new(), &bytes).text;
            outcome.sources.insert(path, text);
        }
    }
}

/// A Python file other than a revision file, and how it is to be read.
struct Candidate {
    path: String,
    kind: FileKind,
    selected: bool,
    /// Whether the `models` setting names it, when that is set.
    models_glob: Option<bool>,
}

/// What is found in a Python file other than a revision file, and cached
/// by its blob id. The byte tests are always done; the scans they call for
/// are done when needed and kept.
#[derive(Debug, Default, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)]
struct OtherFacts {
    may_declare_models: bool,
    /// Assigns `revision` and `down_revision`: a revision file that no
    /// environment loads.
    revision_like: bool,
    may_call_all: bool,
    directives: bool,
    models: Option<ModelFile>,
    calls: Option<Vec<AllCall>>,
    imports: Option<Vec<Item>>,
    /// Where a scanned file stops being Python, and why.
    syntax_error: Option<(std::ops::Range<usize>, CompactString)>,
}

/// The facts a check uses of one other file.
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Wanted {
    models: ModelFile,
    calls: Vec<AllCall>,
    imports: Vec<Item>,
}

impl OtherFacts {
    fn wants_models(&self, candidate: &Candidate) -> bool {
        candidate.kind != FileKind::Test && candidate.models_glob.unwrap_or(self.may_declare_models)
    }

    fn is_init(candidate: &Candidate) -> bool {
        tree::file_name(&candidate.path) == "__init__.py"
    }

    /// Everything `candidate` needs is here.
    fn serves(&self, candidate: &Candidate) -> bool {
        (!self.wants_models(candidate) || self.models.is_some())
            && (!self.may_call_all || self.calls.is_some())
            && (!Self::is_init(candidate) || self.imports.is_some())
    }

    /// The byte tests, then the scans they call for.
    fn scan(bytes: &[u8], candidate: &Candidate) -> Self {
        let facts = OtherFacts {
            may_declare_models: ModelFile::may_declare_models(bytes),
            revision_like: env::looks_like_revision(bytes),
            may_call_all: may_call_all(bytes),
            directives: suppress::may_have_directives(bytes),
            ..OtherFacts::default()
        };
        facts.scanned(bytes, candidate)
    }

    /// The scans the byte tests already in `self` call for.
    fn scanned(mut self, bytes: &[u8], candidate: &Candidate) -> Self {
        let wants_models = self.wants_models(candidate);
        let is_init = Self::is_init(candidate);
        if wants_models || self.may_call_all || is_init || self.revision_like {
            let source = SourceFile::from_bytes(String::new(), bytes);
            let scan = Scan::new(&source.text);
            // The byte test also matches a template inside a string.
            self.revision_like &= env::assigns_revision(&scan);
            self.syntax_error = scan.error.as_ref().map(|e| (e.span.clone(), e.message.as_str().into()));
            self.models = wants_models.then(|| ModelFile::from_scan(&scan));
            self.calls = self.may_call_all.then(|| all_calls(&scan));
            self.imports = is_init.then(|| sibling_imports(&scan));
        }
        self
    }

    /// The facts the check keeps, if any.
    fn wanted(self, candidate: &Candidate) -> Option<Wanted> {
        let tests = candidate.kind == FileKind::Test;
        let wants_models = self.wants_models(candidate);
        let mut models = self.models.filter(|_| wants_models).unwrap_or_default();
        // A module's imports are followed only from a table, an index or
        // a metadata it declares (`Metadatas::resolve`).
        if models.tables.is_empty()
            && models.indexes.is_empty()
            && models.index_bases.is_empty()
            && models.defs.is_empty()
        {
            models.imports.clear();
        }
        let calls = self.calls.filter(|_| candidate.selected && !tests).unwrap_or_default();
        let imports = self.imports.filter(|_| !tests).unwrap_or_default();
        let keep = !models.tables.is_empty()
            || !models.indexes.is_empty()
            || !models.index_bases.is_empty()
            || !models.defs.is_empty()
            || !models.reassigned.is_empty()
            || !calls.is_empty()
            || !imports.is_empty()
            || (candidate.selected && self.directives);
        keep.then_some(Wanted { models, calls, imports })
    }
}

/// The facts of every other Python file, in the candidates' order.
fn read_others(
    tree: &dyn Tree,
    candidates: Vec<Candidate>,
    cache: &Cache,
    outcome: &mut Outcome,
) -> Vec<(Candidate, OtherFacts)> {
    let facts = Facts {
        role: Role::Other,
        path: &|c: &Candidate| c.path.as_str(),
        serves: &OtherFacts::serves,
        scan: &|c: &Candidate, bytes: &[u8]| OtherFacts::scan(bytes, c),
        // An unreadable file matters where it was asked for.
        must_read: &|c: &Candidate| c.selected,
    };
    let mut found = facts.load(tree, candidates, cache, outcome, None);
    // Model lookups search by path.
    found.sort_unstable_by(|a, b| a.0.path.cmp(&b.0.path));
    found
}

/// How one kind of file's facts are looked up, scanned and stored.
struct Facts<'a, J, T> {
    role: Role,
    path: &'a (dyn Fn(&J) -> &str + Sync),
    /// A cached entry has everything this file needs.
    serves: &'a (dyn Fn(&T, &J) -> bool + Sync),
    scan: &'a (dyn Fn(&J, &[u8]) -> T + Sync),
    /// A read failure is reported.
    must_read: &'a (dyn Fn(&J) -> bool + Sync),
}

impl<J: Send + Sync, T: Serialize + serde::de::DeserializeOwned + Send + Sync> Facts<'_, J, T> {
    /// The facts of every job's file, in the jobs' order: from the cache
    /// where the file's blob id is known and cached, else read and scanned
    /// on every core and stored. Files that cannot be read are left out.
    /// With `phases`, the time to find the ids and to decode is recorded
    /// under those names.
    fn load(
        &self,
        tree: &dyn Tree,
        jobs: Vec<J>,
        cache: &Cache,
        outcome: &mut Outcome,
        phases: Option<[&'static str; 2]>,
    ) -> Vec<(J, T)> {
        let clock = std::time::Instant::now();
        let ids = if cache.is_on() {
            tree.blob_ids(&jobs.iter().map(|j| (self.path)(j).to_owned()).collect::<Vec<_>>())
        } else {
            vec![None; jobs.len()]
        };
        let decode = std::time::Instant::now();
        let looked_up = parallel::map(jobs.into_iter().zip(ids).collect(), |(job, id)| {
            let hit = id
                .as_ref()
                .and_then(|id| cache.get::<T>(id, self.role))
                .filter(|facts| (self.serves)(facts, &job));
            (job, id, hit)
        });
        if let Some([prove, decoded]) = phases {
            outcome.timings.push((prove, decode - clock));
            outcome.timings.push((decoded, decode.elapsed()));
        }
        let mut found: Vec<Option<(J, T)>> = Vec::with_capacity(looked_up.len());
        let mut misses = Vec::new();
        for (job, id, hit) in looked_up {
            if let Some(facts) = hit {
                found.push(Some((job, facts)));
            } else {
                misses.push((found.len(), job, id));
                found.push(None);
            }
        }
        outcome.from_cache.0 += found.len() - misses.len();
        outcome.from_cache.1 += found.len();
        // Each file is read and scanned on the thread that read it, so
        // that the bytes of every file are never held at once and each
        // thread's memory serves its next file.
        let paths: Vec<String> = misses.iter().map(|(_, j, _)| (self.path)(j).to_owned()).collect();
        let scanned: Vec<std::sync::OnceLock<std::io::Result<T>>> =
            misses.iter().map(|_| std::sync::OnceLock::new()).collect();
        tree.read_each(&paths, &|i, read| {
            let (_, job, id) = &misses[i];
            let facts = read.map(|bytes| {
                let facts = (self.scan)(job, &bytes);
                // Stored only under the id of the bytes scanned: a file
                // edited between the proof and the read must not lend its
                // facts to the blob the proof named.
                if let Some(id) = id
                    && crate::cache::blob_id(&bytes) == *id
                {
                    cache.put(id, self.role, &facts);
                }
                facts
            });
            let _ = scanned[i].set(facts);
        });
        for (((slot, job, _), facts), path) in misses.into_iter().zip(scanned).zip(paths) {
            match facts.into_inner() {
                Some(Ok(facts)) => found[slot] = Some((job, facts)),
                Some(Err(error)) if (self.must_read)(&job) => {
                    outcome.errors.push(format!("{path}: cannot read the file: {error}"));
                }
                _ => {}
            }
        }
        found.into_iter().flatten().collect()
    }
}

/// The environments of a tree whose excluded files are already left out:
/// discovered, then restricted to `script-locations` when configured.
fn environments(tree: &dyn Tree, settings: &Settings) -> (Vec<Environment>, Vec<env::ConfigError>) {
    let (mut envs, errors) = env::discover(tree);
    if let Some(locations) = &settings.script_locations {
        env::restrict(tree, &mut envs, locations);
    }
    if let Some(locations) = &settings.version_locations {
        env::explicit_versions(tree, &mut envs, locations);
    }
    (envs, errors)
}

/// Every revision file of every environment, in the order discovery
/// listed them, with the nested revision files linked into each graph
/// (see [`crate::graph::link_nested`]): those are added to the
/// environment's `files`, and the nested revision files no graph takes are
/// returned. Read failures are added to `errors`.
fn load_revisions(
    tree: &dyn Tree,
    envs: &mut [Environment],
    cache: &Cache,
    outcome: &mut Outcome,
) -> (Vec<Vec<MigrationFile>>, Vec<String>) {
    let jobs: Vec<(usize, bool, String)> = envs
        .iter()
        .enumerate()
        .flat_map(|(i, env)| {
            let direct = env.files.iter().map(move |path| (i, false, path.clone()));
            direct.chain(env.nested.iter().map(move |path| (i, true, path.clone())))
        })
        .collect();
    let facts = Facts {
        role: Role::Revision,
        path: &|(_, _, path): &(usize, bool, String)| path.as_str(),
        serves: &|_: &(bool, Box<Migration>), _: &(usize, bool, String)| true,
        scan: &|_: &(usize, bool, String), bytes: &[u8]| {
            let source = SourceFile::from_bytes(String::new(), bytes);
            let facts = Box::new(Migration::from_scan(&Scan::new(&source.text)));
            (suppress::may_have_directives(bytes), facts)
        },
        must_read: &|(_, nested, _): &(usize, bool, String)| !nested,
    };
    let phases = ["  prove revision files unchanged", "  decode cached facts"];
    let mut loaded: Vec<Vec<MigrationFile>> = envs.iter().map(|e| Vec::with_capacity(e.files.len())).collect();
    let mut nested: Vec<Vec<MigrationFile>> = envs.iter().map(|_| Vec::new()).collect();
    for ((i, is_nested, path), (directives, facts)) in facts.load(tree, jobs, cache, outcome, Some(phases)) {
        let file = MigrationFile {
            path,
            facts,
            directives,
        };
        if is_nested { &mut nested[i] } else { &mut loaded[i] }.push(file);
    }
    let mut unloaded = Vec::new();
    for ((env, files), nested) in envs.iter_mut().zip(&mut loaded).zip(nested) {
        if nested.is_empty() {
            continue;
        }
        let (joined, mut left) = crate::graph::link_nested(files, nested);
        unloaded.append(&mut left);
        if !joined.is_empty() {
            // The graph is split by sub-directory where each is self-contained.
            env.recursive = true;
            files.extend(joined);
            files.sort_by(|a, b| a.path.cmp(&b.path));
            env.files = files.iter().map(|f| f.path.clone()).collect();
        }
    }
    (loaded, unloaded)
}

/// The environments of a tree as `check` finds them (excluded files left out).
pub fn configured_environments(tree: &dyn Tree, settings: &Settings) -> Vec<Environment> {
    let (nested, _) = nested_projects(tree, settings);
    let dirs: Vec<&str> = nested.iter().map(|(dir, _)| dir.as_str()).collect();
    let (rest, subtrees) = tree::split_projects(tree, &dirs);
    let rest = Filtered::new(&rest, |path| settings.is_excluded(path));
    let mut envs = environments(&rest, settings).0;
    for ((dir, settings), subtree) in nested.iter().zip(subtrees) {
        let Ok(settings) = settings else { continue };
        let filtered = Filtered::new(&subtree, |path| settings.is_excluded(path));
        for mut env in environments(&filtered, settings).0 {
            env.move_under(dir);
            envs.push(env);
        }
    }
    envs
}

/// The revision files of a tree, as `check` would find them, and the
/// Python files below its version locations that may join them.
pub fn revision_files(tree: &dyn Tree, settings: &Settings) -> std::collections::HashSet<String> {
    configured_environments(tree, settings)
        .into_iter()
        .flat_map(|e| e.files.into_iter().chain(e.nested))
        .collect()
}

/// Every revision graph: one per environment, or one per self-contained
/// subdirectory of a recursive version location.
fn build_graphs<'p>(envs: &'p [Environment], loaded: &'p [Vec<MigrationFile>], settings: &Settings) -> Vec<Graph<'p>> {
    let mut graphs = Vec::new();
    for (env, files) in envs.iter().zip(loaded) {
        let refs: Vec<&MigrationFile> = files.iter().collect();
        for (locations, members) in crate::graph::partition(env, &refs) {
            let mut graph = Graph::build(env, &members, &settings.external_revisions);
            graph.locations = locations;
            graphs.push(graph);
        }
    }
    graphs
}

/// The revision graphs of a tree, for the `graph` command.
pub fn with_graphs<T>(tree: &dyn Tree, settings: &Settings, f: impl FnOnce(&[Graph<'_>]) -> T) -> (T, Vec<String>) {
    let filtered = Filtered::new(tree, |path| settings.is_excluded(path));
    let (mut envs, config_errors) = environments(&filtered, settings);
    let mut errors: Vec<String> = config_errors
        .into_iter()
        .map(|e| format!("{}: {:#}", e.path, e.error))
        .collect();
    let mut outcome = Outcome::default();
    errors.extend(unwalked_errors(&filtered, &envs));
    let (loaded, _) = load_revisions(&filtered, &mut envs, &Cache::off(), &mut outcome);
    errors.append(&mut outcome.errors);
    let graphs = build_graphs(&envs, &loaded, settings);
    (f(&graphs), errors)
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::Path;

    use super::{Selection, check, is_test};
    use crate::rule::Rule;
    use crate::rules::tests::MemTree;
    use crate::tree::Tree;

    /// A tree whose walk could not enter some directories.
    struct Unwalked(MemTree, Vec<(String, String)>);

    impl Tree for Unwalked {
        fn files(&self) -> &[String] {
            self.0.files()
        }
        fn read(&self, path: &str) -> io::Result<Vec<u8>> {
            self.0.read(path)
        }
        fn root(&self) -> &Path {
            self.0.root()
        }
        fn unwalked(&self) -> &[(String, String)] {
            &self.1
        }
    }

    /// Every Python file of the shared real-world corpora (`../shared`,
    /// beside the checkout) gives the same facts with the byte tests as
    /// with every scan done: a file skipped after its byte tests holds no
    /// model, no `create_all` call, no import an `__init__.py` makes and
    /// no revision assignments, and no directive is missed.
    #[test]
    fn byte_tests_lose_no_fact_on_the_real_corpora() {
        use super::{Candidate, FileKind, OtherFacts, Wanted};
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
        let mut files = Vec::new();
        for corpus in ["corpus", "corpus2"] {
            let root = shared.join(corpus);
            assert!(root.is_dir(), "the shared corpus {} is missing", root.display());
            let mut dirs = vec![root.clone()];
            while let Some(dir) = dirs.pop() {
                for entry in std::fs::read_dir(&dir).expect("a readable corpus") {
                    let path = entry.expect("a readable entry").path();
                    if path.is_dir() {
                        dirs.push(path);
                    } else if path.extension().is_some_and(|e| e == "py") {
                        files.push((root.clone(), path));
                    }
                }
            }
        }
        let (mut skipped, mut lexed) = (0, 0);
        let empty = || Wanted {
            models: crate::scan::model::ModelFile::default(),
            calls: Vec::new(),
            imports: Vec::new(),
        };
        for (root, file) in &files {
            let bytes = std::fs::read(file).expect("a readable file");
            let path = file
                .strip_prefix(root)
                .expect("below its root")
                .to_string_lossy()
                .into_owned();
            let text = String::from_utf8_lossy(&bytes);
            let has_directives = crate::suppress::has_directives(&text);
            assert!(
                !has_directives || crate::suppress::may_have_directives(&bytes),
                "{path}: the byte test misses a directive"
            );
            let kind = if is_test(&path) { FileKind::Test } else { FileKind::App };
            let candidate = || Candidate {
                path: path.clone(),
                kind,
                selected: true,
                models_glob: None,
            };
            let tested = OtherFacts::scan(&bytes, &candidate());
            let everything = OtherFacts {
                may_declare_models: true,
                revision_like: true,
                may_call_all: true,
                directives: has_directives,
                ..OtherFacts::default()
            }
            .scanned(&bytes, &candidate());
            if tested.models.is_none() && tested.calls.is_none() && tested.imports.is_none() {
                skipped += 1;
            } else {
                lexed += 1;
            }
            assert_eq!(tested.revision_like, everything.revision_like, "{path}: revision-like");
            let was_skipped = tested.models.is_none();
            let tested = tested.wanted(&candidate()).unwrap_or_else(empty);
            let mut everything = everything.wanted(&candidate()).unwrap_or_else(empty);
            if was_skipped {
                // The scanner takes any class with a base and no table for
                // an abstract model passing its base's metadata on. In a
                // file without the byte test's words no class can: a mapped
                // or abstract class says `__tablename__`, `__table__`,
                // `__abstract__`, `SQLModel` or `.Model`.
                everything
                    .models
                    .defs
                    .retain(|d| d.alias_of.is_none() || d.convention != crate::scan::model::Convention::Unknown);
                let models = &mut everything.models;
                if models.defs.is_empty() && models.tables.is_empty() && models.indexes.is_empty() {
                    models.imports.clear();
                }
            }
            assert_eq!(
                tested, everything,
                "{path}: the facts differ with and without the byte tests"
            );
        }
        assert!(files.len() > 2000, "{} Python files in the corpora", files.len());
        assert!(skipped > 500 && lexed > 500, "{skipped} skipped, {lexed} lexed");
    }

    /// R-15: a directory that could not be read was said only where it
    /// hid a known version location; one holding an environment of its own
    /// (its `alembic.ini` unseen) passed in silence.
    #[test]
    fn r15_every_unreadable_directory_is_an_error() {
        let tree = Unwalked(
            MemTree::versions(&[("a.py", "revision = 'a'\ndown_revision = None\n")]),
            vec![
                ("backend".to_owned(), "Permission denied (os error 13)".to_owned()),
                (
                    "docs/linked".to_owned(),
                    "a symbolic link to a directory, which is not followed".to_owned(),
                ),
            ],
        );
        let outcome = check(
            &tree,
            &Selection::All,
            &crate::config::Settings::default(),
            None,
            &crate::cache::Cache::off(),
        );
        assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
        assert!(
            outcome.errors[0].starts_with("backend: cannot read the directory"),
            "{:?}",
            outcome.errors
        );
        let ((), errors) = super::with_graphs(&tree, &crate::config::Settings::default(), |_| ());
        assert_eq!(errors.len(), 1, "graph says it too: {errors:?}");
    }

    #[test]
    fn a_selection_within_a_nested_project() {
        let paths = |p: &[&str]| Selection::Paths(p.iter().map(|s| (*s).to_owned()).collect());
        let selected = paths(&["backend/db/x.py", "app/y.py", "backend"]);
        let Selection::Paths(within) = selected.within("backend") else {
            panic!("paths stay paths")
        };
        assert_eq!(within, ["db/x.py", ""]);
        let Selection::Paths(within) = paths(&["", "backendx/z.py"]).within("backend") else {
            panic!("paths stay paths")
        };
        assert_eq!(
            within,
            [""],
            "the root holds every project; a sibling with a longer name is not inside"
        );
        assert!(matches!(Selection::All.within("backend"), Selection::All));
    }

    #[test]
    fn a_subtree_is_its_directory_re_rooted_without_deeper_projects() {
        let tree = MemTree::new(&[
            ("backend/alembic.ini", b"[alembic]\n"),
            ("backend/db/versions/a.py", b"revision = 'a'\n"),
            ("backend/tools/pyproject.toml", b""),
            ("backend/tools/t.py", b""),
            ("app.py", b""),
        ]);
        let sub = crate::tree::Subtree::new(&tree, "backend", &["backend/tools"]);
        assert_eq!(sub.files(), ["alembic.ini", "db/versions/a.py"]);
        assert_eq!(sub.read("db/versions/a.py").unwrap(), b"revision = 'a'\n");
        assert_eq!(sub.root(), tree.root().join("backend"));
        let all = sub.read_all(vec!["alembic.ini".to_owned()]);
        assert_eq!(all[0].0, "alembic.ini");
    }

    /// A tree whose one file cannot be read.
    struct Unreadable(MemTree);

    impl Tree for Unreadable {
        fn files(&self) -> &[String] {
            self.0.files()
        }
        fn read(&self, path: &str) -> io::Result<Vec<u8>> {
            if path.ends_with("b.py") {
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"));
            }
            self.0.read(path)
        }
        fn root(&self) -> &Path {
            self.0.root()
        }
    }

    #[test]
    fn an_unreadable_file_is_a_tool_error_and_the_rest_is_checked() {
        let tree = Unreadable(MemTree::versions(&[
            ("a.py", "revision = 'a'\ndown_revision = 'gone'\n"),
            ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
        ]));
        let outcome = check(
            &tree,
            &Selection::All,
            &crate::config::Settings::default(),
            None,
            &crate::cache::Cache::off(),
        );
        assert_eq!(
            outcome.errors,
            ["versions/b.py: cannot read the file: permission denied"]
        );
        assert!(
            outcome
                .diagnostics
                .iter()
                .any(|d| d.rule == Rule::UnknownDownRevision && d.path == "versions/a.py")
        );
    }

    /// A check that could not read a file it lists leaves no result to
    /// recall: the next run reads again, and says so again.
    #[test]
    fn a_check_with_an_unreadable_file_is_not_remembered() {
        let tree = Unreadable(MemTree::versions(&[
            ("a.py", "revision = 'a'\ndown_revision = None\n"),
            ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
        ]));
        let dir = tempfile::tempdir().expect("cache directory");
        for run in 0..2 {
            let cache = crate::cache::Cache::open(dir.path());
            let outcome = check(
                &tree,
                &Selection::All,
                &crate::config::Settings::default(),
                None,
                &cache,
            );
            cache.save();
            assert_eq!(outcome.recalled, None, "run {run}");
            assert_eq!(outcome.errors.len(), 1, "run {run}: {:?}", outcome.errors);
        }
        // Readable, the same tree is remembered and recalled.
        let readable = &tree.0;
        for recalled in [false, true] {
            let cache = crate::cache::Cache::open(dir.path());
            let settings = crate::config::Settings::default();
            let outcome = check(readable, &Selection::All, &settings, None, &cache);
            cache.save();
            assert_eq!(outcome.recalled.is_some(), recalled);
            assert!(outcome.errors.is_empty());
        }
    }

    #[test]
    fn test_files() {
        for path in [
            "tests/test_models.py",
            "app/tests/helpers.py",
            "test_x.py",
            "pkg/db_test.py",
            "conftest.py",
            "test/x.py",
        ] {
            assert!(is_test(path), "{path}");
        }
        for path in ["app/models.py", "testing_utils.py", "contest.py", "latest/x.py"] {
            assert!(!is_test(path), "{path}");
        }
    }
}
