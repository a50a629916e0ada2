//! alembic-preflight: a static linter for Alembic migration scripts.
//!
//! The pipeline: [`cli`] parses the command line; [`tree`] lists and reads
//! the project's files; [`env`] finds the Alembic environments; [`scan`]
//! turns each revision file into facts once; [`graph`] builds each
//! environment's revision graph; [`rules`] judge facts and graphs into
//! [`diagnostic`]s; [`render`] writes them. [`check`] runs that pipeline
//! over one tree, and [`memo`] remembers what it found; [`commands`] holds one module per command, and [`run`]
//! picks the command and returns the exit status; only `main.rs` prints
//! errors and exits.

pub mod baseline;
pub mod cache;
pub mod change;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod env;
pub mod fix;
pub mod fsio;
pub mod git;
pub mod graph;
pub mod hook;
pub mod ini;
pub mod mako;
pub mod memo;
pub mod metadata;
pub mod parallel;
pub mod render;
pub mod rule;
pub mod rules;
pub mod scan;
pub mod schema;
pub mod source;
pub mod suppress;
pub mod text;
pub mod tree;

use std::io::Write;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub use commands::ExitStatus;

/// Runs one command; the exit status says what it found. Errors are
/// returned, never printed: only `main` prints them and exits.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => commands::check::run(&args, out, err),
        Command::Rules {
            config,
            isolated,
            format,
        } => commands::rules::run(config.as_deref(), isolated, format == cli::RulesFormat::Json, out),
        Command::Graph {
            path,
            format,
            config,
            isolated,
        } => commands::graph::run(path.as_deref(), format, config.as_deref(), isolated, out, err),
        Command::Install { force } => commands::hook::install(force, out),
        Command::Uninstall => commands::hook::uninstall(out),
        Command::Explain { rule } => commands::explain::run(&rule, out),
        Command::Merge {
            heads,
            message,
            rev_id,
            config,
            isolated,
        } => commands::merge::run(
            &commands::merge::MergeArgs {
                heads: &heads,
                message: message.as_deref(),
                rev_id: rev_id.as_deref(),
                config: config.as_deref(),
                isolated,
            },
            out,
        ),
    }
}
