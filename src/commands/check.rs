//! `check`: the modes (staged, paths, directories and all files, since),
//! each turned into checks of trees, merged and rendered.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::ExitStatus;
use colored::Colorize;

use super::{Project, labelled, settings};
use crate::baseline::Baseline;
use crate::cache::Cache;
use crate::check::{self, Selection, check};
use crate::cli::{CheckArgs, ColorChoice};
use crate::config::{Overrides, SafetyScope, Selector, Settings};
use crate::diagnostic::{self, Severity};
use crate::fix;
use crate::git::{self, Repo};
use crate::render::{self, OutputFormat, Totals};
use crate::rule::{Rule, Scope};
use crate::tree::{self, Tree, WorkTree};

fn set_colour(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
            if set("NO_COLOR") {
                false
            } else if set("FORCE_COLOR") {
                true
            } else {
                std::io::stdout().is_terminal()
            }
        }
    };
    colored::control::set_override(on);
}

pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    set_colour(args.color);
    let project = Project::open()?;
    let overrides = overrides(args)?;
    if args.show_settings {
        let path = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
        let (root, settings) =
            super::closest_settings(&project, path, args.config.as_deref(), args.isolated, &overrides)?;
        show_settings(path, &root, &settings, out)?;
        return Ok(ExitStatus::Success);
    }
    let started = std::time::Instant::now();
    let cache = match &project.repo {
        Some(repo) if !args.no_cache => repo.cache(),
        _ => Cache::off(),
    };
    let mut runner = Runner {
        repo: project.repo.as_ref(),
        cache: &cache,
        settings: &|root: &Path| settings(root, args.config.as_deref(), args.isolated, &overrides),
        results: Results {
            // People read paths from where they stand, as ruff prints them;
            // tools and GitHub read them from the repository root.
            shown_from: matches!(output_format(args), OutputFormat::Full | OutputFormat::Concise)
                .then(|| project.cwd.canonicalize().unwrap_or_else(|_| project.cwd.clone())),
            ..Results::default()
        },
    };
    runner.results.timings.push(("open the cache", started.elapsed()));
    if let Some(why) = &project.unreadable_repo {
        runner.results.notes.push(format!(
            "this git repository cannot be read ({why}): its files are checked as a plain directory"
        ));
    }
    runner.results.warnings.extend(not_checked(args, &project.cwd));
    runner.results.warnings.extend(outside(args, &project));
    let plans = plans(args, &project)?;
    let staged = plans.iter().any(|p| matches!(p, Plan::Staged));
    for plan in plans.clone() {
        runner.run(plan)?;
    }
    if args.diff {
        return show_diff(args, &runner.results, out, err);
    }
    if args.fix {
        let fixed = apply_fixes(args, &project, staged, &runner.results)?;
        if fixed.count > 0 {
            // What remains, read again from the files as they are now.
            let before = std::mem::take(&mut runner.results);
            runner.results = Results {
                shown_from: before.shown_from,
                ..Results::default()
            };
            runner.results.warnings.extend(before.warnings);
            for plan in plans {
                runner.run(plan)?;
            }
        }
        runner.results.notes.extend(fixed.notes);
        runner.results.warnings.extend(fixed.warnings);
        if args.show_fixes {
            for line in &fixed.listed {
                writeln!(err, "{line}")?;
            }
        }
    }
    let mut results = runner.results;
    // A run that found nothing to check says so, as ruff's "No Python
    // files found": a user in the wrong directory must not read it as clean.
    if !results.nothing_staged {
        let mut roots = std::mem::take(&mut results.without_environment);
        roots.dedup();
        results
            .warnings
            .extend(roots.iter().map(|root| super::no_environment(root)));
    }
    let clock = std::time::Instant::now();
    cache.save();
    results.timings.push(("save the cache", clock.elapsed()));
    report(args, &results, out, err)
}

/// What `--fix` did.
struct Fixed {
    count: usize,
    notes: Vec<String>,
    warnings: Vec<String>,
    /// One line a fix, for `--show-fixes`.
    listed: Vec<String>,
}

/// Applies the chosen fixes, a file at a time, each file whole or not at
/// all. In `--staged` mode a file whose working-tree bytes differ from the
/// index is left alone: the fix would mix with edits not staged.
fn apply_fixes(args: &CheckArgs, project: &Project, staged: bool, results: &Results) -> Result<Fixed> {
    let plan = fix::plan(&results.diagnostics, args.unsafe_fixes);
    let mut fixed = Fixed {
        count: 0,
        notes: Vec::new(),
        warnings: Vec::new(),
        listed: Vec::new(),
    };
    let mut written: Vec<PathBuf> = Vec::new();
    for (path, edits) in &plan.files {
        let shown = shown_path(results, path);
        if staged
            && let Some(repo) = &project.repo
            && !repo.matches_index(path)
        {
            fixed.warnings.push(format!(
                "{shown}: not fixed: its working-tree copy differs from the staged one (stage or stash those edits first)"
            ));
            continue;
        }
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown} to fix it"))?;
        match fix::edit_bytes(&bytes, edits) {
            Ok(new) => match fix::write_atomically(path, &new) {
                Ok(()) => written.push(path.clone()),
                Err(why) => fixed.warnings.push(format!("{shown}: not fixed: {why:#}")),
            },
            Err(why) => fixed.warnings.push(format!("{shown}: not fixed: {why}")),
        }
    }
    for (d, f) in &plan.fixes {
        if f.edits.iter().all(|e| written.iter().any(|w| w == Path::new(&e.path))) {
            fixed.count += 1;
            fixed
                .listed
                .push(format!("Fixed {}: {} ({})", d.path, f.message, d.rule.code()));
        }
    }
    if fixed.count > 0 {
        let files: Vec<String> = written.iter().map(|p| shown_path(results, p)).collect();
        fixed.notes.push(format!(
            "fixed {} in {}",
            render::plural(fixed.count, "problem"),
            render::plural(files.len(), "file")
        ));
        if staged {
            fixed.notes.push(format!(
                "the fixes are in the working tree, not in the commit: re-stage them (`git add {}`) and commit again",
                files.join(" ")
            ));
        }
    }
    Ok(fixed)
}

/// `--diff`: the fixes as a unified diff; nothing is written. Exit 1 when
/// there is something to fix, as `ruff check --diff` does.
fn show_diff(args: &CheckArgs, results: &Results, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    let plan = fix::plan(&results.diagnostics, args.unsafe_fixes);
    let mut any = false;
    for (path, edits) in &plan.files {
        let shown = shown_path(results, path);
        let Ok(bytes) = std::fs::read(path) else {
            writeln!(err, "{shown}: cannot be read")?;
            continue;
        };
        match fix::edit_bytes(&bytes, edits) {
            Ok(new) if new != bytes => {
                any = true;
                write!(out, "{}", fix::unified_diff(&shown, &bytes, &new))?;
            }
            Ok(_) => {}
            Err(why) => writeln!(err, "{shown}: would not be fixed: {why}")?,
        }
    }
    let fixable = plan.fixes.len();
    let left = results.diagnostics.len() - fixable;
    writeln!(
        err,
        "Would fix {} ({} without a fix{})",
        render::plural(fixable, "problem"),
        left,
        if args.unsafe_fixes {
            ""
        } else {
            ", or with an unsafe one"
        }
    )?;
    Ok(if results.errors.is_empty() && any {
        ExitStatus::Failure
    } else if results.errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

/// A file to fix as the diagnostics show it.
fn shown_path(results: &Results, path: &Path) -> String {
    match &results.shown_from {
        Some(from) if path.starts_with(from) => relative_to(path, from),
        _ => path.to_string_lossy().replace('\\', "/"),
    }
}

/// What the command line adds to every configuration.
fn overrides(args: &CheckArgs) -> Result<Overrides> {
    Ok(Overrides {
        select: args
            .select
            .as_ref()
            .map(|s| s.iter().map(|t| Selector::parse(t)).collect::<Result<Vec<_>>>())
            .transpose()?,
        ignore: args
            .ignore
            .iter()
            .map(|t| Selector::parse(t))
            .collect::<Result<Vec<_>>>()?,
        report_unused_suppressions: args.report_unused_suppressions,
        audit: args.audit,
    })
}

/// `--show-settings`: the settings that govern `path`, where they came
/// from, and every rule's severity under them.
fn show_settings(path: &Path, root: &Path, settings: &Settings, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Resolved settings for: {}", path.display())?;
    match &settings.source {
        Some(source) => writeln!(out, "Settings path: {}", source.display())?,
        None => writeln!(out, "Settings path: none (the defaults)")?,
    }
    writeln!(out, "Project root: {}", root.display())?;
    let list = |items: Option<&Vec<String>>| match items {
        Some(items) => format!("{items:?}"),
        None => "(discovered)".to_owned(),
    };
    writeln!(out, "script-locations = {}", list(settings.script_locations.as_ref()))?;
    writeln!(out, "version-locations = {}", list(settings.version_locations.as_ref()))?;
    for (key, patterns) in &settings.patterns {
        writeln!(out, "{key} = {patterns:?}")?;
    }
    writeln!(out, "external-revisions = {:?}", settings.external_revisions)?;
    let or_default = |v: Option<String>| v.unwrap_or_else(|| "(from the database)".to_owned());
    writeln!(
        out,
        "max-identifier-length = {}",
        or_default(settings.max_identifier_length.map(|n| n.to_string()))
    )?;
    writeln!(
        out,
        "index-naming = {}",
        settings
            .index_naming
            .as_deref()
            .unwrap_or("(the models' naming convention)")
    )?;
    writeln!(
        out,
        "expected-heads = {}",
        settings
            .expected_heads
            .as_ref()
            .map_or_else(|| "1".to_owned(), |e| format!("{e:?}"))
    )?;
    writeln!(out)?;
    super::rules::print_rules(settings, out)
}

/// One check a mode asks for: which tree to read, what is selected in it,
/// and which baseline its graph problems are compared with.
#[derive(Clone)]
enum Plan {
    /// The index as it will be committed; the HEAD→index changes selected;
    /// HEAD as the baseline. The native hook's check.
    Staged,
    /// The work tree (or the commit `ours`, when a push names the commit
    /// it sends) as a merge with `reference` would leave it; the changes
    /// since the merge base selected; `reference` as the baseline.
    Since { reference: String, ours: Option<String> },
    /// A root's work tree; what is selected in it; HEAD as the baseline when
    /// only files are named (a directory is swept) and something is staged.
    WorkTree {
        root: PathBuf,
        selection: Selection,
        against_head: bool,
        /// When only files are named in a repository: the files git tracks.
        /// The graph is what will be committed — tracked files and the files
        /// named — never an untracked draft beside them.
        tracked: Option<HashSet<String>>,
    },
}

/// The plans of the mode the command line asks for.
fn plans(args: &CheckArgs, project: &Project) -> Result<Vec<Plan>> {
    let repo = project.repo.as_ref();
    let reads_git = args.staged || args.since.is_some() || (args.paths.is_empty() && !args.all_files);
    if reads_git && let Some(error) = project.unreadable_repo_error("what is staged") {
        return Err(error);
    }
    let pushed = pushed_range().filter(|_| !args.staged && !args.all_files && args.since.is_none());
    let staged = args.staged
        || (args.paths.is_empty() && !args.all_files && args.since.is_none() && repo.is_some() && pushed.is_none());
    if staged {
        project.repo("`--staged` needs a git repository: nothing is staged outside one")?;
        return Ok(vec![Plan::Staged]);
    }
    if let Some(reference) = &args.since {
        project.repo("`--since` needs a git repository")?;
        return Ok(vec![Plan::Since {
            reference: reference.clone(),
            ours: None,
        }]);
    }
    // pre-commit's `pre-push` stage (and `pre-commit run --from-ref A
    // --to-ref B`) names the range being pushed: judged as `--since` its
    // base, the whole range is the change, not just what is staged; and
    // what is judged is the commit pushed, which need not be checked out
    // (`git push origin feature` from another branch).
    if let (Some(repo), Some((from, to))) = (repo, pushed)
        && repo.commit(&from).is_ok()
    {
        repo.commit(&to)
            .with_context(|| format!("pre-commit names `{to}` as the commit being pushed"))?;
        return Ok(vec![Plan::Since {
            reference: from,
            ours: Some(to),
        }]);
    }
    if args.paths.is_empty() {
        return Ok(vec![Plan::WorkTree {
            root: project.root(),
            selection: Selection::All,
            against_head: false,
            tracked: None,
        }]);
    }
    // Named files are judged against HEAD only when they are the staged
    // change (pre-commit's commit run names exactly its staged files).
    // With nothing staged, or when a named file is not staged at all
    // (`pre-commit run --all-files` names every file, whatever the index
    // holds; CI), they are judged whole: HEAD would hide a fork it has.
    let staged = match repo {
        Some(repo) if repo.has_staged()? => {
            let staged = repo.staged_paths()?;
            named_files_are_staged(&project.cwd, repo.root(), &args.paths, &staged)
        }
        _ => false,
    };
    let mut plans = Vec::new();
    for (root, selection, files_only) in plan(&project.cwd, repo.map(Repo::root), &args.paths)? {
        let in_repo = files_only && repo.is_some_and(|r| r.root() == root);
        let tracked = match repo {
            Some(repo) if in_repo => Some(repo.tracked()?),
            _ => None,
        };
        plans.push(Plan::WorkTree {
            against_head: staged && in_repo,
            root,
            selection,
            tracked,
        });
    }
    Ok(plans)
}

/// Every named path is a file of the staged change (paths relative to the
/// repository root, as the index has them). A directory is never one.
fn named_files_are_staged(cwd: &Path, root: &Path, paths: &[PathBuf], staged: &HashSet<String>) -> bool {
    paths.iter().all(|path| {
        let absolute = normalize(&cwd.join(path));
        absolute
            .strip_prefix(root)
            .is_ok_and(|relative| staged.contains(&tree::path_name(relative)))
    })
}

/// Named paths outside the project the current directory belongs to: each
/// is checked as a project of its own, which is said, since its
/// configuration and migrations are not this project's.
fn outside(args: &CheckArgs, project: &Project) -> Vec<String> {
    let root = project.root();
    args.paths
        .iter()
        .filter(|path| {
            let absolute: PathBuf = project.cwd.join(path).components().collect();
            let absolute = absolute.canonicalize().unwrap_or(absolute);
            absolute.exists() && !absolute.starts_with(&root)
        })
        .map(|path| {
            format!(
                "{}: outside the project at {}, so it is checked as a project of its own",
                path.display(),
                root.display()
            )
        })
        .collect()
}

/// The named files this tool never reads: neither Python nor a file that
/// configures Alembic or this tool.
fn not_checked(args: &CheckArgs, cwd: &Path) -> Vec<String> {
    const CONFIGURATION: [&str; 5] = [
        "alembic.ini",
        "pyproject.toml",
        "alembic-preflight.toml",
        ".alembic-preflight.toml",
        "script.py.mako",
    ];
    args.paths
        .iter()
        .filter(|path| cwd.join(path).is_file())
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            !crate::tree::is_python(&name) && !CONFIGURATION.contains(&name.as_ref())
        })
        .map(|path| {
            format!(
                "{}: not a Python file or an Alembic configuration file, so it was not checked",
                path.display()
            )
        })
        .collect()
}

/// The range pre-commit's `pre-push` stage checks, `(from, to)`, from the
/// variables pre-commit sets for its hooks.
fn pushed_range() -> Option<(String, String)> {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some((set("PRE_COMMIT_FROM_REF")?, set("PRE_COMMIT_TO_REF")?))
}

/// Runs plans, gathering what they find.
struct Runner<'a> {
    repo: Option<&'a Repo>,
    cache: &'a Cache,
    settings: &'a dyn Fn(&Path) -> Result<Settings>,
    results: Results,
}

impl Runner<'_> {
    fn run(&mut self, plan: Plan) -> Result<()> {
        match plan {
            Plan::Staged => {
                let repo = self.repo.context("`--staged` needs a git repository")?;
                check_staged(repo, (self.settings)(repo.root())?, self.cache, &mut self.results)
            }
            Plan::Since { reference, ours } => {
                let repo = self.repo.context("`--since` needs a git repository")?;
                let settings = (self.settings)(repo.root())?;
                if let Some(ours) = ours {
                    let tree = repo.commit(&ours)?;
                    let changes = repo.changes_between(&reference, &ours)?;
                    let side = Side {
                        tree: &tree,
                        changes,
                        name: Some(&ours),
                    };
                    check_since(repo, side, &reference, &settings, self.cache, &mut self.results)
                } else {
                    let work = self.work_tree(repo.root());
                    let sparse = repo.outside_sparse_checkout(work.files())?;
                    let joined = sparse.as_ref().map(|sparse| joined_with(&work, sparse));
                    let tree: &dyn Tree = joined.as_ref().map_or(&work, |j| j);
                    let mut changes = repo.changes_since(&reference)?;
                    // Absent from a sparse checkout is not deleted, nor
                    // renamed into a similar file this side added.
                    if let Some(sparse) = &sparse {
                        changes.without_sparse(sparse.files());
                    }
                    let side = Side {
                        tree,
                        changes,
                        name: None,
                    };
                    check_since(repo, side, &reference, &settings, self.cache, &mut self.results)
                }
            }
            Plan::WorkTree {
                root,
                selection,
                against_head,
                tracked,
            } => {
                let mut settings = (self.settings)(&root)?;
                if !against_head {
                    settings.safety_scope = self.safety_scope(&root, &settings)?;
                }
                let work = self.work_tree(&root);
                // A sparse checkout's missing files, from the index.
                let sparse = match self.repo {
                    Some(repo) if repo.root() == root => repo.outside_sparse_checkout(work.files())?,
                    _ => None,
                };
                let joined = sparse.as_ref().map(|sparse| joined_with(&work, sparse));
                let whole: &dyn Tree = joined.as_ref().map_or(&work, |j| j);
                let filtered;
                let tree: &dyn Tree = match &tracked {
                    Some(tracked) => {
                        filtered = tree::Filtered::new(whole, |f| !tracked.contains(f) && !selection.contains(f));
                        &filtered
                    }
                    None => whole,
                };
                // Files get changed-set reporting against HEAD.
                let head = match self.repo {
                    Some(repo) if against_head => repo.head()?,
                    _ => None,
                };
                let mut baseline = head.as_ref().map(|head| {
                    let modified = edited_files(tree, head, &selection);
                    let mut baseline =
                        Baseline::pending("HEAD", check::revision_files(head, &settings), modified, Vec::new());
                    if let (Some(repo), Selection::Paths(paths)) = (self.repo, &selection) {
                        baseline.published = repo.on_remotes(paths);
                    }
                    baseline
                });
                let mut outcome = check(tree, &selection, &settings, baseline.as_ref(), self.cache);
                if let (Some(head), Some(baseline)) = (&head, &mut baseline) {
                    learn_if_needed(head, &settings, baseline, self.cache, &mut outcome);
                }
                self.results.add(outcome, &root);
                Ok(())
            }
        }
    }

    /// Which revisions the safe-migration rules judge in a sweep of `root`:
    /// those the remote's default branch does not have.
    fn safety_scope(&self, root: &Path, settings: &Settings) -> Result<SafetyScope> {
        let Some(repo) = self.repo.filter(|r| r.root() == root) else {
            return Ok(SafetyScope::Unknown);
        };
        let Some(base) = repo.default_branch() else {
            return Ok(SafetyScope::Unknown);
        };
        let tree = repo.commit(&base)?;
        Ok(SafetyScope::NotOn {
            files: std::sync::Arc::new(check::revision_files(&tree, settings)),
            base,
        })
    }

    /// The work tree below `root`, with the index's stat data where the
    /// cache can use them.
    fn work_tree(&mut self, root: &Path) -> WorkTree {
        let clock = std::time::Instant::now();
        let tree = WorkTree::walk(root);
        self.results.timings.push(("walk the work tree", clock.elapsed()));
        let clock = std::time::Instant::now();
        let tree = match self.repo {
            Some(repo) if self.cache.is_on() && repo.root() == root => {
                let recorded = repo.recorded(tree.files());
                tree.with_recorded(recorded)
            }
            _ => tree,
        };
        self.results
            .timings
            .push(("read the index's stat data", clock.elapsed()));
        tree
    }
}

/// The work tree with the files a sparse checkout left out of it, read
/// from the index.
fn joined_with<'t>(work: &'t WorkTree, sparse: &'t git::CommitTree) -> tree::Overlay<'t> {
    tree::Overlay::new(work, sparse, sparse.files().to_vec(), &HashSet::new())
}

/// Renders what was found, says the notes and errors (and the timings when
/// asked), and tells the exit status.
fn report(args: &CheckArgs, results: &Results, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    let format = output_format(args);
    let status = if !results.errors.is_empty() {
        ExitStatus::Error
    } else if !args.exit_zero && results.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    // Nothing is said to have passed when nothing could be checked.
    let unchecked = !results.errors.is_empty() || results.environments == 0 || results.nothing_staged;
    let quiet = args.quiet || (results.diagnostics.is_empty() && unchecked);
    let mut file = match &args.output_file {
        Some(path) => Some(
            std::fs::File::create(path)
                .map(std::io::BufWriter::new)
                .with_context(|| format!("{}: cannot write the output file", path.display()))?,
        ),
        None => None,
    };
    let out: &mut dyn Write = match &mut file {
        Some(file) => file,
        None => out,
    };
    let rendered = if args.statistics {
        render::statistics(format, &results.diagnostics, out)
    } else {
        render::render_quietly(
            format,
            &results.diagnostics,
            &results.sources,
            results.totals,
            quiet,
            out,
        )
    }
    .and_then(|()| out.flush());
    if !args.quiet {
        labelled(err, &"note:".cyan().bold(), &results.notes)?;
    }
    labelled(err, &"warning:".yellow().bold(), &results.warnings)?;
    labelled(err, &"error:".red().bold(), &results.errors)?;
    if std::env::var_os("ALEMBIC_PREFLIGHT_TIMINGS").is_some() {
        for (phase, took) in &results.timings {
            writeln!(err, "{:>9.1} ms  {phase}", took.as_secs_f64() * 1000.0)?;
        }
        let (hits, files) = results.from_cache;
        let (checks, proven) = results.recalled;
        if files > 0 || checks == 0 {
            writeln!(err, "{hits} of {files} files' facts from the cache")?;
        }
        if checks > 0 {
            writeln!(
                err,
                "{checks} {} recalled: {proven} files proven unchanged",
                if checks == 1 { "result" } else { "results" }
            )?;
        }
    }
    // A reader that stops early (`| head`) does not change what was found:
    // the exit status still says it.
    match rendered {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(status),
    }
}

/// The format asked for; inside GitHub Actions, annotations by default.
fn output_format(args: &CheckArgs) -> OutputFormat {
    args.format.unwrap_or_else(|| {
        if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
            OutputFormat::Github
        } else {
            OutputFormat::Full
        }
    })
}

/// `path` (absolute) as seen from the directory `from` (absolute), with
/// `/` separators: `migrations/x.py` below it, `../x.py` beside it.
fn relative_to(path: &Path, from: &Path) -> String {
    let path: Vec<_> = path.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = path.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// What the checks of one run found, merged.
#[derive(Default)]
struct Results {
    diagnostics: Vec<diagnostic::Diagnostic>,
    sources: render::Sources,
    totals: Totals,
    errors: Vec<String>,
    notes: Vec<String>,
    /// Said on stderr; the exit status is not changed by them.
    warnings: Vec<String>,
    /// How many Alembic environments the checks found.
    environments: usize,
    /// The roots checked in which no Alembic environment was found.
    without_environment: Vec<PathBuf>,
    /// A staged check found nothing staged, and checked nothing.
    nothing_staged: bool,
    timings: Vec<(&'static str, std::time::Duration)>,
    from_cache: (usize, usize),
    /// Checks whose result was recalled, and the files proven unchanged
    /// for them.
    recalled: (usize, usize),
    /// Where diagnostics' paths are shown from, when not from their root.
    shown_from: Option<PathBuf>,
}

impl Results {
    /// Adds what a check of the tree at `root` found.
    fn add(&mut self, mut outcome: check::Outcome, root: &Path) {
        // A fix edits files wherever the run stands: by absolute path.
        for edit in outcome
            .diagnostics
            .iter_mut()
            .filter_map(|d| d.fix.as_mut())
            .flat_map(|f| &mut f.edits)
        {
            edit.path = root.join(&edit.path).to_string_lossy().into_owned();
        }
        if let Some(from) = self.shown_from.as_deref().filter(|&from| from != root) {
            // From inside the root, relative (`../` where need be); from
            // outside it, absolute.
            let shown = |path: &str| {
                if from.starts_with(root) {
                    relative_to(&root.join(path), from)
                } else {
                    root.join(path).to_string_lossy().replace('\\', "/")
                }
            };
            for d in &mut outcome.diagnostics {
                d.path = shown(&d.path);
                for related in &mut d.related {
                    related.path = shown(&related.path);
                }
            }
            outcome.sources = std::mem::take(&mut outcome.sources).renamed(shown);
        }
        self.timings.extend(outcome.timings.iter().copied());
        self.from_cache.0 += outcome.from_cache.0;
        self.from_cache.1 += outcome.from_cache.1;
        if let Some(files) = outcome.recalled {
            self.recalled.0 += 1;
            self.recalled.1 += files;
        }
        self.diagnostics.extend(outcome.diagnostics);
        self.totals.files_checked += outcome.files_checked;
        self.errors.extend(outcome.errors);
        self.notes.extend(outcome.notes);
        self.warnings.extend(outcome.warnings);
        self.environments += outcome.environments.len();
        if outcome.environments.is_empty() {
            self.without_environment.push(root.to_path_buf());
        }
        self.sources.merge(outcome.sources);
    }
}

/// The native hook's check: every byte from the index, the selection from
/// the HEAD→index diff, and HEAD as the baseline.
fn check_staged(repo: &Repo, mut settings: Settings, cache: &Cache, results: &mut Results) -> Result<()> {
    let clock = std::time::Instant::now();
    let git::Staged { index, head, changes } = repo.staged()?;
    // Before the first commit everything staged is the change.
    if head.is_none() {
        settings.safety_scope = SafetyScope::All;
    }
    let settings = &settings;
    results
        .timings
        .push(("list the index and HEAD, compare them", clock.elapsed()));
    if changes.changed.is_empty() && changes.deleted.is_empty() {
        results
            .notes
            .push("nothing is staged, so nothing was checked; `--all-files` checks everything".to_owned());
        results.nothing_staged = true;
        return Ok(());
    }
    // HEAD is checked only if the change has project diagnostics to compare.
    // Its revision files matter only to edits and deletions (AP701).
    let mut baseline = head.as_ref().map(|h| {
        let edits = !changes.modified.is_empty() || !changes.deleted.is_empty() || !changes.renamed.is_empty();
        // Edits matter to the revisions already shared: a revision added
        // by a commit no remote has (an amend, a rebase) is still a draft.
        let mut applied_by = None;
        let applied = if edits {
            let mut files = check::revision_files(h, settings);
            match repo.published() {
                Some(Some(published)) => {
                    let shared = check::revision_files(&published, settings);
                    files.retain(|f| shared.contains(f));
                    applied_by = Some("a remote branch".to_owned());
                }
                Some(None) => files.clear(),
                None => {}
            }
            files
        } else {
            HashSet::new()
        };
        let mut baseline = Baseline::pending("HEAD", applied, changes.modified, changes.deleted);
        baseline.applied_by = applied_by;
        baseline.published = repo.on_remotes(&changes.changed);
        baseline.renames(changes.renamed, h);
        baseline
    });
    let mut outcome = check(
        &index,
        &Selection::Paths(changes.changed),
        settings,
        baseline.as_ref(),
        cache,
    );
    if let (Some(head), Some(baseline)) = (&head, &mut baseline) {
        learn_if_needed(head, settings, baseline, cache, &mut outcome);
    }
    results.add(outcome, repo.root());
    Ok(())
}

/// Checks the baseline, and leaves out what it already had, only when the
/// change has project diagnostics to compare: checking it costs as much as
/// checking the change.
fn learn_if_needed(
    head: &dyn Tree,
    settings: &Settings,
    baseline: &mut Baseline,
    cache: &Cache,
    outcome: &mut check::Outcome,
) {
    let project =
        |d: &diagnostic::Diagnostic| d.rule.meta().scope == Scope::Project && d.rule != Rule::EditedAppliedMigration;
    if outcome.diagnostics.iter().any(project) {
        baseline.learn(&check(head, &Selection::Nothing, settings, None, cache).diagnostics);
        baseline.filter(&mut outcome.diagnostics);
    }
}

/// The side a `--since` check judges: its files, what it changed since the
/// merge base, and the commit it is (`None`: the work tree on HEAD).
struct Side<'a> {
    tree: &'a dyn Tree,
    changes: git::Changes,
    name: Option<&'a str>,
}

/// CI's check: the files changed since the merge base with `reference`,
/// against the graph as it will be after merging it.
fn check_since(
    repo: &Repo,
    side: Side<'_>,
    reference: &str,
    settings: &Settings,
    cache: &Cache,
    results: &mut Results,
) -> Result<()> {
    let Side {
        tree: work,
        changes,
        name,
    } = side;
    let other = repo.commit(reference)?;
    // The graph a merge would leave: the revision files the other side
    // added since the merge base join it, the files only it modified are
    // its version, and the files it deleted or renamed leave it unless
    // this side changed them too.
    let git::TheirChanges {
        added,
        deleted,
        modified,
    } = repo.their_changes(reference, name)?;
    let envs = check::configured_environments(work, settings);
    let ours: std::collections::HashSet<&str> = changes.changed.iter().map(String::as_str).collect();
    // Modified there and left alone here: the merge takes theirs.
    let only_theirs: Vec<String> = modified
        .into_iter()
        .filter(|f| !ours.contains(f.as_str()) && work.files().binary_search(f).is_ok())
        .collect();
    let theirs: Vec<String> = added
        .into_iter()
        .filter(|f| {
            let dir = tree::parent(f);
            // Added on both sides: this side's stands.
            work.files().binary_search(f).is_err()
                && tree::is_python(f)
                && envs.iter().any(|e| {
                    e.version_locations
                        .iter()
                        .any(|l| dir == l || (e.recursive && tree::is_under(dir, l)))
                })
        })
        .chain(only_theirs)
        .collect();
    let gone: std::collections::HashSet<String> = deleted.into_iter().filter(|f| !ours.contains(f.as_str())).collect();
    let merged = tree::Overlay::new(work, &other, theirs, &gone);
    let base = check(&other, &Selection::Nothing, settings, None, cache);
    let mut baseline = Baseline::pending(reference, base.revision_files(), changes.modified, changes.deleted);
    baseline.learn(&base.diagnostics);
    baseline.renames(changes.renamed, &other);
    results.add(
        check(
            &merged,
            &Selection::Paths(changes.changed),
            settings,
            Some(&baseline),
            cache,
        ),
        repo.root(),
    );
    Ok(())
}

/// Selected files whose bytes differ from HEAD's.
fn edited_files(work: &dyn Tree, head: &git::CommitTree, selection: &Selection) -> Vec<String> {
    work.files()
        .iter()
        .filter(|f| selection.contains(f) && tree::is_python(f) && head.blob_id(f).is_some())
        .filter(|f| match (work.read(f), head.read(f)) {
            (Ok(a), Ok(b)) => a != b,
            _ => false,
        })
        .cloned()
        .collect()
}

/// Which roots to walk and what to select in each, and whether only files
/// (no directories) were named there. The main root is the git work tree
/// holding the current directory, or the current directory; a path outside
/// it is checked from its own root.
fn plan(cwd: &Path, repo_root: Option<&Path>, paths: &[PathBuf]) -> Result<Vec<(PathBuf, Selection, bool)>> {
    let main_root = repo_root.map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
    let mut jobs: Vec<(PathBuf, Vec<String>, bool)> = Vec::new();
    for path in paths {
        let absolute = normalize(&cwd.join(path));
        let kind = absolute
            .metadata()
            .with_context(|| format!("{}: no such file or directory", path.display()))?;
        if !kind.is_file() && !kind.is_dir() {
            bail!(
                "{}: not a file or directory (a pipe, socket or device); nothing to check",
                path.display()
            );
        }
        let root = if absolute.starts_with(&main_root) {
            main_root.clone()
        } else {
            own_root(&absolute)
        };
        let relative = tree::path_name(absolute.strip_prefix(&root).unwrap_or(Path::new("")));
        let is_file = absolute.is_file();
        match jobs.iter_mut().find(|(r, _, _)| *r == root) {
            Some((_, selected, files_only)) => {
                selected.push(relative);
                *files_only &= is_file;
            }
            None => jobs.push((root, vec![relative], is_file)),
        }
    }
    Ok(jobs
        .into_iter()
        .map(|(root, selected, files_only)| (root, Selection::Paths(selected), files_only))
        .collect())
}

/// The root for a path outside the main root: its git work tree, the
/// directory itself, or the nearest ancestor with Alembic configuration.
fn own_root(path: &Path) -> PathBuf {
    if let Some(root) = git_root(path) {
        return root;
    }
    if path.is_dir() {
        return path.to_path_buf();
    }
    let parent = path.parent().unwrap_or(path);
    parent
        .ancestors()
        .find(|dir| dir.join("alembic.ini").is_file() || dir.join("pyproject.toml").is_file())
        .unwrap_or(parent)
        .to_path_buf()
}

/// The top of the git work tree holding `path`, found by looking for `.git`.
fn git_root(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
