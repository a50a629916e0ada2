//! One module per command, and the one way every command opens a project:
//! the current directory, the git repository holding it (if any), the
//! project root, and the settings of a root.

pub mod check;
pub mod explain;
pub mod graph;
pub mod hook;
pub mod merge;
pub mod rules;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::config::{self, Overrides, Settings};
use crate::git::Repo;

/// Where a command runs: the current directory and its repository.
pub struct Project {
    pub cwd: PathBuf,
    pub repo: Option<Repo>,
    /// A repository is there, in a format that cannot be read (SHA-256,
    /// reftable): why. Its files are checked as a plain directory.
    pub unreadable_repo: Option<String>,
}

impl Project {
    pub fn open() -> Result<Self> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let (repo, unreadable_repo) = match Repo::discover(&cwd) {
            Ok(repo) => (repo, None),
            Err(error) => match Repo::unsupported_format(&error) {
                Some(why) => (None, Some(why)),
                None => return Err(error),
            },
        };
        Ok(Project {
            cwd,
            repo,
            unreadable_repo,
        })
    }

    /// What a mode that reads git (staged, `--since`, a hook) says when the
    /// repository cannot be read.
    pub fn unreadable_repo_error(&self, mode: &str) -> Option<anyhow::Error> {
        self.unreadable_repo.as_ref().map(|why| {
            anyhow::anyhow!(
                "this git repository cannot be read ({why}), so {mode} cannot be checked; \
                 `alembic-preflight check --all-files` checks its files as a plain directory, \
                 and `git commit --no-verify` skips the hook once"
            )
        })
    }

    /// The project root: the top of the work tree, or the current directory
    /// outside git.
    pub fn root(&self) -> PathBuf {
        self.repo
            .as_ref()
            .map_or_else(|| self.cwd.clone(), |r| r.root().to_path_buf())
    }

    /// The repository, or `why` there must be one.
    pub fn repo(&self, why: &str) -> Result<&Repo> {
        if let Some(why) = &self.unreadable_repo {
            anyhow::bail!("this git repository cannot be read ({why})");
        }
        self.repo.as_ref().with_context(|| why.to_owned())
    }
}

/// The settings of `root`: its configuration file (the one named, or none
/// with `isolated`) under the command line's overrides.
pub fn settings(root: &Path, named: Option<&Path>, isolated: bool, overrides: &Overrides) -> Result<Settings> {
    let (source, file) = config::load(root, named, isolated)?;
    let mut settings = Settings::resolve(root, source, file, overrides)?;
    settings.nested_lookup = named.is_none() && !isolated;
    Ok(settings)
}

/// The settings that govern `path` (a file or directory, absolute or from
/// the current directory): those of the nearest directory at or above it,
/// below the project root, with a configuration file of its own, else the
/// root's; and the root of that project. As `check` applies them.
pub fn closest_settings(
    project: &Project,
    path: &Path,
    named: Option<&Path>,
    isolated: bool,
    overrides: &Overrides,
) -> Result<(PathBuf, Settings)> {
    let root = project.root();
    if named.is_none() && !isolated {
        let absolute: PathBuf = project.cwd.join(path).components().collect();
        let start = if absolute.is_dir() {
            absolute.as_path()
        } else {
            absolute.parent().unwrap_or(&absolute)
        };
        for dir in start.ancestors().take_while(|d| d.starts_with(&root) && *d != root) {
            if let Some(settings) = config::nested(dir, overrides)? {
                return Ok((dir.to_path_buf(), settings));
            }
        }
    }
    Ok((root.clone(), settings(&root, named, isolated, overrides)?))
}

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

/// Writes each of `lines` to `err` after a coloured label (`error:`,
/// `note:`), made [`safe`].
pub fn labelled<'l>(
    err: &mut dyn Write,
    label: &colored::ColoredString,
    lines: impl IntoIterator<Item = &'l String>,
) -> io::Result<()> {
    for line in lines {
        writeln!(err, "{label} {}", safe(line))?;
    }
    Ok(())
}

/// Text for stderr, where paths and quoted file content appear: control
/// characters escaped (a terminal never sees an escape sequence from a
/// file), and every line after the first indented, so that no line of it
/// can start a GitHub workflow command (`::warning …`), whatever a
/// directory name or a configuration file holds.
pub fn safe(text: &str) -> String {
    let escaped: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    escaped.replace('\n', "\n  ")
}

/// What to say when no Alembic environment was found under `root`.
pub(crate) fn no_environment(root: &std::path::Path) -> String {
    format!(
        "no Alembic environment found in {}: no `alembic.ini` or `pyproject.toml` names a `script_location`, \
         and no `env.py` sits beside a `versions/` directory; no revision was checked",
        root.display()
    )
}
