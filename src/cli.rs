//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::render::OutputFormat;
use crate::render::graph::GraphFormat;

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
    /// List every rule with its code, name, severity under the configuration
    /// that governs the current directory (the nearest one, as `check` applies
    /// it), and summary.
    Rules {
        /// Use this configuration file instead of discovering one.
        #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
        config: Option<PathBuf>,
        /// Read no configuration file: show the defaults.
        #[arg(long)]
        isolated: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule code (`AP201`) or name (`multiple-heads`).
        rule: String,
    },
    /// Print the revision graphs: heads, bases, branch labels, every revision.
    Graph {
        /// Only the environments at or below this path, or holding it (a
        /// revision file, a version location, a script location).
        path: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
        /// Use this configuration file instead of discovering one.
        #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
        config: Option<PathBuf>,
        /// Read no configuration file.
        #[arg(long)]
        isolated: bool,
    },
    /// Install the native git hooks `pre-commit` and `pre-merge-commit`,
    /// which run `check` on what is staged and block a commit or a merge
    /// that adds an error. A repository whose hooks the pre-commit framework
    /// manages is refused: add the `alembic-preflight` hook to its
    /// `.pre-commit-config.yaml` instead.
    Install {
        /// Keep an existing hook of another tool (not pre-commit's) as
        /// `<hook>.alembic-preflight-kept`, for each of the two hooks, and run it first.
        #[arg(long)]
        force: bool,
    },
    /// Remove the hooks `install` wrote, restoring any hook it kept aside.
    Uninstall,
    /// Write the merge revision `alembic merge` would, without importing
    /// `env.py`: the environment's `script.py.mako` rendered for the heads,
    /// named by its `file_template`.
    Merge {
        /// The heads to merge (ids or unique prefixes); by default every
        /// head of the one environment that has several.
        heads: Vec<String>,
        /// The revision's message (its docstring's first line and slug).
        #[arg(short, long)]
        message: Option<String>,
        /// Use this revision id instead of a new random one.
        #[arg(long, value_name = "ID")]
        rev_id: Option<String>,
        /// Use this configuration file instead of discovering one.
        #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
        config: Option<PathBuf>,
        /// Read no configuration file.
        #[arg(long)]
        isolated: bool,
    },
}

/// Flags are booleans by nature here, as in every CLI.
#[allow(clippy::struct_excessive_bools)]
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

    /// Output format [default: full, or github when GITHUB_ACTIONS=true].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,

    /// Use this configuration file instead of discovering one.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Read no configuration file.
    #[arg(long)]
    pub isolated: bool,

    /// Neither read nor write the facts cache kept under the git directory:
    /// read and scan every file.
    #[arg(long)]
    pub no_cache: bool,

    /// Only these rules: codes, names or code prefixes (`AP2`), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,

    /// Not these rules: codes, names or code prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Print how many diagnostics each rule produced, instead of them.
    #[arg(long)]
    pub statistics: bool,

    /// Exit 0 even when errors are found (the tool's own failures still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// Also report suppression comments that suppress nothing.
    #[arg(long)]
    pub report_unused_suppressions: bool,

    /// Apply the safe fixes, then check again and report what remains. In
    /// `--staged` mode the working tree is edited: re-stage the files.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,

    /// With `--fix` or `--diff`: the unsafe fixes too (review them).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff and change nothing; exit 1 when
    /// there is something to fix.
    #[arg(long)]
    pub diff: bool,

    /// With `--fix`: list each fix applied.
    #[arg(long)]
    pub show_fixes: bool,

    /// Judge every revision with the safe-migration rules (AP8xx), not only
    /// those not yet on the base branch: a one-time audit.
    #[arg(long)]
    pub audit: bool,

    /// When to colour the output: `auto` colours a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print the diagnostics and nothing else: no summary line, no
    /// `All checks passed!`, no notes (warnings and errors still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,

    /// Write the diagnostics to FILE instead of standard output (created,
    /// or replaced whole).
    #[arg(short, long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Print the settings that govern the first path given (or the current
    /// directory) and the file they came from, then stop: nothing is checked.
    #[arg(long)]
    pub show_settings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
