//! alembic-preflight: a static linter for Alembic migration scripts.
//!
//! The pipeline: [`cli`] parses the command line; [`tree`] lists and reads
//! the project's files; [`env`] finds the Alembic environments; [`scan`]
//! turns each revision file into facts once; [`graph`] builds each
//! environment's revision graph; [`rules`] judge facts and graphs into
//! [`diagnostic`]s; [`render`] writes them. [`run`] ties it together and
//! returns the exit status; only `main.rs` prints errors and exits.

pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod env;
pub mod graph;
pub mod ini;
pub mod render;
pub mod rules;
pub mod scan;
pub mod schema;
pub mod source;
pub mod tree;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::check::{Selection, check};
use crate::cli::{CheckArgs, Cli, ColorChoice, Command};
use crate::diagnostic::Severity;
use crate::render::{Totals, render};
use crate::rules::Rule;
use crate::tree::WorkTree;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No error-severity diagnostic.
    Success,
    /// At least one error-severity diagnostic.
    Failure,
    /// The tool itself failed (some files or configuration could not be read).
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        })
    }
}

pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => run_check(&args, out, err),
        Command::Rules => {
            print_rules(out)?;
            Ok(ExitStatus::Success)
        }
        Command::Explain { rule } => {
            let rule: Rule = rule
                .parse()
                .map_err(|e: String| anyhow::anyhow!("{e}; `alembic-preflight rules` lists them"))?;
            out.write_all(rule.meta().doc.as_bytes())?;
            Ok(ExitStatus::Success)
        }
    }
}

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

fn run_check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    set_colour(args.color);
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let jobs = plan(&cwd, &args.paths)?;
    let severity = |rule: Rule| rule.meta().default_severity;
    let mut diagnostics = Vec::new();
    let mut sources = render::Sources::default();
    let mut totals = Totals::default();
    let mut errors = Vec::new();
    for (root, selection) in jobs {
        let tree = WorkTree::walk(&root);
        let outcome = check(&tree, &selection, &severity);
        diagnostics.extend(outcome.diagnostics);
        totals.files_checked += outcome.files_checked;
        errors.extend(outcome.errors);
        sources.merge(outcome.sources);
    }
    render(args.format, &diagnostics, &sources, totals, out)?;
    for error in &errors {
        writeln!(
            err,
            "{} {error}",
            colored::Colorize::bold(colored::Colorize::red("error:"))
        )?;
    }
    Ok(if !errors.is_empty() {
        ExitStatus::Error
    } else if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Which roots to walk and what to select in each. The main root is the git
/// work tree holding the current directory, or the current directory; a
/// path outside it is checked from its own root.
fn plan(cwd: &Path, paths: &[PathBuf]) -> Result<Vec<(PathBuf, Selection)>> {
    let main_root = git_root(cwd).unwrap_or_else(|| cwd.to_path_buf());
    if paths.is_empty() {
        return Ok(vec![(main_root, Selection::All)]);
    }
    let mut jobs: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for path in paths {
        let absolute = normalize(&cwd.join(path));
        if !absolute.exists() {
            bail!("{}: no such file or directory", path.display());
        }
        let root = if absolute.starts_with(&main_root) {
            main_root.clone()
        } else {
            own_root(&absolute)
        };
        let relative = absolute
            .strip_prefix(&root)
            .unwrap_or(Path::new(""))
            .to_string_lossy()
            .replace('\\', "/");
        match jobs.iter_mut().find(|(r, _)| *r == root) {
            Some((_, selected)) => selected.push(relative),
            None => jobs.push((root, vec![relative])),
        }
    }
    Ok(jobs
        .into_iter()
        .map(|(root, selected)| (root, Selection::Paths(selected)))
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

fn print_rules(out: &mut dyn Write) -> Result<()> {
    let width = Rule::ALL.iter().map(|r| r.name().len()).max().unwrap_or(0);
    writeln!(out, "{:<6} {:<width$} {:<8} summary", "code", "name", "severity")?;
    for rule in Rule::ALL {
        let meta = rule.meta();
        let severity = meta
            .default_severity
            .map_or_else(|| "off".to_owned(), |s| s.to_string());
        writeln!(
            out,
            "{:<6} {:<width$} {:<8} {}",
            meta.code, meta.name, severity, meta.summary
        )?;
    }
    Ok(())
}
