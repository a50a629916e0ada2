//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::render::OutputFormat;

/// A fast, static linter for Alembic migrations: revision graphs, headers
/// and downgrades, checked before every commit.
#[derive(Debug, Parser)]
#[command(name = "alembic-preflight", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 no error (warnings alone pass), 1 at least one error, 2 the tool itself failed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check migration files and revision graphs.
    Check(CheckArgs),
    /// List every rule with its code, name, default severity and summary.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// A rule code (`AP201`) or name (`multiple-heads`).
        rule: String,
    },
    /// Install the git `pre-commit` hook that runs `check --staged`.
    Install {
        /// Keep an existing, foreign hook as `pre-commit.legacy` and run it first.
        #[arg(long)]
        force: bool,
    },
    /// Remove the hook `install` wrote, restoring a hook it kept aside.
    Uninstall,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check; the revision graphs are always built
    /// from every migration of the project. Files get changed-set reporting
    /// (graph problems HEAD does not already have); directories are swept.
    pub paths: Vec<PathBuf>,

    /// Check what is staged for commit, read from the git index (the default
    /// inside a git work tree when no path is given).
    #[arg(long, conflicts_with_all = ["paths", "all_files", "since"])]
    pub staged: bool,

    /// Check every file of the project and report everything (the default
    /// outside git).
    #[arg(long, conflicts_with_all = ["paths", "since"])]
    pub all_files: bool,

    /// For CI: check what changed since the merge base with REF, against the
    /// revision graph as it will be after merging REF.
    #[arg(long, value_name = "REF", conflicts_with = "paths")]
    pub since: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Full)]
    pub format: OutputFormat,

    /// When to colour the output: `auto` colours a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
