//! The `check` pipeline for one project root: discover environments, scan
//! every revision file once into facts, read the other Python files that
//! may declare models or call `create_all` / `drop_all`, then run file rules
//! on the selected files, graph rules on each environment's revision graph,
//! and schema rules on the models and the replayed chains; keep what the
//! selection asks for, sorted.

use crate::baseline::Baseline;
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Emitter};
use crate::env::{self, Environment};
use crate::graph::{Graph, MigrationFile};
use crate::parallel;
use crate::render::Sources;
use crate::rules::{self, FileContext, Rule, SourceContext};
use crate::scan::Scan;
use crate::scan::app::{AllCall, all_calls, may_call_all};
use crate::scan::imports::sibling_imports;
use crate::scan::migration::{Item, Migration};
use crate::scan::model::{DEFAULT_IX, ModelFile};
use crate::schema::{Replay, replay};
use crate::source::SourceFile;
use crate::suppress;
use crate::tree::{self, Filtered, Tree};

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
    pub environments: Vec<Environment>,
    /// How long each phase took, for `ALEMBIC_PREFLIGHT_TIMINGS`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// What kind of Python file something is, for the `create_all` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A revision file or an environment's `env.py`: `create_all` is always wrong.
    Alembic,
    /// Test code: exempt.
    Test,
    /// Everything else.
    App,
}

/// A model file and its facts.
#[derive(Debug)]
pub struct ModelSource {
    pub path: String,
    pub facts: ModelFile,
}

/// A package `__init__.py` and the sibling modules it imports.
#[derive(Debug)]
pub struct InitFile {
    pub path: String,
    pub imports: Vec<Item>,
}

/// Everything the schema rules look at.
pub struct Schema<'p> {
    pub models: &'p [ModelSource],
    /// The `ix` naming-convention template in force.
    pub convention: &'p str,
    pub replays: Vec<(&'p Graph<'p>, Replay)>,
    pub files: &'p [String],
    pub inits: &'p [InitFile],
    pub settings: &'p Settings,
}

/// Test files: `tests/` (or `test/`), `test_*.py`, `*_test.py`, `conftest.py`.
pub fn is_test(path: &str) -> bool {
    let name = tree::file_name(path);
    let in_tests = path.split('/').rev().skip(1).any(|dir| dir == "tests" || dir == "test");
    in_tests || name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}

/// Checks `tree`. With a `baseline` (changed-set modes), project diagnostics
/// the baseline already had are left out, and edits of the baseline's
/// revision files are reported.
pub fn check(tree: &dyn Tree, selection: &Selection, settings: &Settings, baseline: Option<&Baseline>) -> Outcome {
    let mut outcome = Outcome::default();
    let mut clock = std::time::Instant::now();
    let mut lap = |outcome: &mut Outcome, phase: &'static str| {
        outcome.timings.push((phase, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    let filtered = Filtered::new(tree, |path| settings.is_excluded(path));
    let tree: &dyn Tree = &filtered;
    let (envs, config_errors) = environments(tree, settings);
    // A broken configuration matters where it could describe what was
    // selected: a directory above a selected path, or inside a selected one.
    for error in config_errors {
        let dir = tree::parent(&error.path);
        let relevant = match selection {
            Selection::All => true,
            // A baseline's configuration problems are not this change's.
            Selection::Nothing => false,
            Selection::Paths(paths) => paths
                .iter()
                .any(|p| tree::is_under(p, dir) || p == dir || selection.contains(&error.path)),
        };
        if relevant {
            outcome.errors.push(format!("{}: {:#}", error.path, error.error));
        }
    }
    let severity = |rule: Rule| settings.severity(rule);
    let mut emit = Emitter::new(&severity);

    // Revision files, per environment.
    lap(&mut outcome, "discover environments");
    let loaded = load_revisions(tree, &envs, &mut outcome.errors);
    lap(&mut outcome, "read and scan revision files");
    let migration_paths: std::collections::HashSet<&str> =
        envs.iter().flat_map(|e| e.files.iter().map(String::as_str)).collect();
    let env_scripts: Vec<String> = envs.iter().map(|e| tree::join(&e.script_location, "env.py")).collect();
    let mut candidates = Vec::new();
    for path in tree.files() {
        if !tree::is_python(path) || migration_paths.contains(path.as_str()) {
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
        candidates.push((path.clone(), kind, selection.contains(path)));
    }
    let paths: Vec<String> = candidates.iter().map(|(p, _, _)| p.clone()).collect();
    let mut jobs = Vec::with_capacity(candidates.len());
    for ((path, kind, selected), (_, read)) in candidates.into_iter().zip(tree.read_all(paths)) {
        match read {
            Ok(bytes) => {
                if selected {
                    outcome.files_checked += 1;
                }
                jobs.push((path, kind, selected, bytes));
            }
            Err(error) => {
                if selected {
                    outcome.errors.push(format!("{path}: cannot read the file: {error}"));
                }
            }
        }
    }
    lap(&mut outcome, "read other files");
    let scanned = parallel::map(jobs, |(path, kind, selected, bytes)| {
        let is_init = tree::file_name(&path) == "__init__.py";
        let wants_models = kind != FileKind::Test
            && settings.models.as_ref().map_or_else(
                || ModelFile::may_declare_models(&bytes),
                |g| g.matched_path_or_any_parents(&path, false).is_ignore(),
            );
        let wants_calls = selected && kind != FileKind::Test && may_call_all(&bytes);
        let has_directives = selected && suppress::may_have_directives(&bytes);
        if !wants_models && !wants_calls && !is_init && !has_directives {
            return None;
        }
        let source = SourceFile::from_bytes(path.clone(), &bytes);
        let scan = Scan::new(&source.text);
        let imports = if is_init && kind != FileKind::Test {
            sibling_imports(&scan)
        } else {
            Vec::new()
        };
        let calls = if wants_calls { all_calls(&scan) } else { Vec::new() };
        let facts = if wants_models {
            ModelFile::from_scan(&scan)
        } else {
            ModelFile::default()
        };
        let keep =
            !facts.tables.is_empty() || !facts.indexes.is_empty() || !calls.is_empty() || is_init || has_directives;
        keep.then_some((path, kind, calls, source.text, facts, imports))
    });
    let mut models = Vec::new();
    let mut inits = Vec::new();
    let mut others: Vec<(String, FileKind, Vec<AllCall>, String)> = Vec::new();
    for (path, kind, calls, text, facts, imports) in scanned.into_iter().flatten() {
        if !imports.is_empty() {
            inits.push(InitFile {
                path: path.clone(),
                imports,
            });
        }
        if !facts.tables.is_empty() || !facts.indexes.is_empty() {
            models.push(ModelSource {
                path: path.clone(),
                facts,
            });
        }
        others.push((path, kind, calls, text));
    }
    let convention = settings
        .index_naming
        .clone()
        .or_else(|| models.iter().find_map(|m| m.facts.naming_convention.clone()))
        .unwrap_or_else(|| DEFAULT_IX.to_owned());

    lap(&mut outcome, "scan other files");
    // Graphs and file rules of revision files.
    let graphs = build_graphs(&envs, &loaded, settings);
    for graph in &graphs {
        let env = graph.env;
        let files = &loaded[envs
            .iter()
            .position(|e| std::ptr::eq(e, env))
            .expect("the graph's environment")];
        for (file, text) in files.iter().filter(|(f, _)| graph.owns(&f.path)) {
            if selection.contains(&file.path) {
                outcome.files_checked += 1;
                rules::check_file(
                    &FileContext {
                        file,
                        text,
                        env,
                        graph,
                        settings,
                    },
                    &mut emit,
                );
            }
        }
        rules::check_graph(graph, settings, &mut emit);
    }
    for (path, kind, calls, text) in &others {
        if selection.contains(path) {
            // Models were pushed in the tree's sorted order.
            let model = models
                .binary_search_by(|m| m.path.as_str().cmp(path))
                .ok()
                .map(|i| &models[i].facts);
            rules::check_source(
                &SourceContext {
                    path,
                    text,
                    kind: *kind,
                    model,
                    calls,
                    settings,
                },
                &mut emit,
            );
        }
    }
    let schema = Schema {
        models: &models,
        convention: &convention,
        replays: graphs.iter().map(|g| (g, replay(g, &convention))).collect(),
        files: tree.files(),
        inits: &inits,
        settings,
    };
    lap(&mut outcome, "graphs and file rules");
    rules::check_schema(&schema, &mut emit);
    lap(&mut outcome, "schema rules");
    if let Some(baseline) = baseline {
        rules::edited_applied_migration(&migration_paths, baseline, &mut emit);
    }

    drop(schema);
    drop(graphs);
    // Freeing the facts of every file costs as much as reading them: it is
    // done on another thread, after the last use.
    let mut garbage = Vec::with_capacity(loaded.iter().map(Vec::len).sum());
    for files in loaded {
        for (file, text) in files {
            outcome.sources.insert(file.path, text);
            garbage.push(file.facts);
        }
    }
    for (path, _, _, text) in others {
        outcome.sources.insert(path, text);
    }
    let diagnostics = emit.into_diagnostics();
    // Suppression comments, and the problems with them.
    let selected: Vec<String> = outcome
        .sources
        .paths()
        .filter(|p| selection.contains(p))
        .map(str::to_owned)
        .collect();
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
    let unused = outcome.sources.retain_used(&diagnostics);
    std::thread::spawn(move || drop((garbage, models, unused)));
    outcome.diagnostics = diagnostics;
    outcome.environments = envs;
    lap(&mut outcome, "suppress, sort, finish");
    outcome
}

/// The environments of a tree whose excluded files are already left out:
/// discovered, then restricted to `script-locations` when configured.
fn environments(tree: &dyn Tree, settings: &Settings) -> (Vec<Environment>, Vec<env::ConfigError>) {
    let (mut envs, errors) = env::discover(tree);
    if let Some(locations) = &settings.script_locations {
        env::restrict(tree, &mut envs, locations);
    }
    (envs, errors)
}

/// Every revision file of every environment, read in order and scanned on
/// every core; read failures are added to `errors`.
fn load_revisions(
    tree: &dyn Tree,
    envs: &[Environment],
    errors: &mut Vec<String>,
) -> Vec<Vec<(MigrationFile, String)>> {
    let owners: Vec<usize> = envs
        .iter()
        .enumerate()
        .flat_map(|(i, env)| env.files.iter().map(move |_| i))
        .collect();
    let paths: Vec<String> = envs.iter().flat_map(|env| env.files.iter().cloned()).collect();
    let mut jobs = Vec::with_capacity(paths.len());
    for (i, (path, read)) in owners.into_iter().zip(tree.read_all(paths)) {
        match read {
            Ok(bytes) => jobs.push((i, path, bytes)),
            Err(error) => errors.push(format!("{path}: cannot read the file: {error}")),
        }
    }
    let parsed = parallel::map(jobs, |(i, path, bytes)| {
        let source = SourceFile::from_bytes(path.clone(), &bytes);
        let facts = Migration::from_scan(&Scan::new(&source.text));
        (i, MigrationFile { path, facts }, source.text)
    });
    let mut loaded: Vec<Vec<(MigrationFile, String)>> = envs.iter().map(|_| Vec::new()).collect();
    for (i, file, text) in parsed {
        loaded[i].push((file, text));
    }
    loaded
}

/// The environments of a tree as `check` finds them (excluded files left out).
pub fn configured_environments(tree: &dyn Tree, settings: &Settings) -> Vec<Environment> {
    environments(&Filtered::new(tree, |path| settings.is_excluded(path)), settings).0
}

/// The revision files of a tree, as `check` would find them.
pub fn revision_files(tree: &dyn Tree, settings: &Settings) -> std::collections::HashSet<String> {
    configured_environments(tree, settings)
        .into_iter()
        .flat_map(|e| e.files)
        .collect()
}

/// Every revision graph: one per environment, or one per self-contained
/// subdirectory of a recursive version location.
fn build_graphs<'p>(
    envs: &'p [Environment],
    loaded: &'p [Vec<(MigrationFile, String)>],
    settings: &Settings,
) -> Vec<Graph<'p>> {
    let mut graphs = Vec::new();
    for (env, files) in envs.iter().zip(loaded) {
        let refs: Vec<&MigrationFile> = files.iter().map(|(f, _)| f).collect();
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
    let (envs, config_errors) = environments(&filtered, settings);
    let mut errors: Vec<String> = config_errors
        .into_iter()
        .map(|e| format!("{}: {:#}", e.path, e.error))
        .collect();
    let loaded = load_revisions(&filtered, &envs, &mut errors);
    let graphs = build_graphs(&envs, &loaded, settings);
    (f(&graphs), errors)
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::Path;

    use super::{Selection, check, is_test};
    use crate::rules::Rule;
    use crate::rules::tests::MemTree;
    use crate::tree::Tree;

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
        let outcome = check(&tree, &Selection::All, &crate::config::Settings::default(), None);
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
