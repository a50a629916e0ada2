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
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check; the revision graphs are always built
    /// from every migration of the project. Without paths, the whole project.
    pub paths: Vec<PathBuf>,

    /// Check every file of the project (the default when no path is given).
    #[arg(long, conflicts_with = "paths")]
    pub all_files: bool,

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
