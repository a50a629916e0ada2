//! The binary: parse the command line, run, map the outcome to an exit code.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use colored::Colorize;

use alembic_preflight::cli::Cli;

/// mimalloc: the check allocates many small facts on several threads, and
/// glibc's allocator spends much of that time growing per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(usage) => {
            // `--help`, `--version` or a usage error. Output that could not be
            // written is a failure, as for every other command.
            let printed = usage.print().and_then(|()| io::stdout().flush());
            return match printed {
                Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                    let _ = writeln!(
                        io::stderr(),
                        "{} cannot write the output: {error}",
                        "error:".red().bold()
                    );
                    ExitCode::from(2)
                }
                _ => ExitCode::from(u8::try_from(usage.exit_code()).unwrap_or(2)),
            };
        }
    };
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    for warning in alembic_preflight::git::skip_unreadable_user_config() {
        let _ = writeln!(
            err,
            "{} {}",
            "warning:".yellow().bold(),
            alembic_preflight::commands::safe(&warning)
        );
    }
    let result = alembic_preflight::run(cli, &mut out, &mut err).and_then(|status| match out.flush() {
        // The reader left early: the status is still what the run found.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(status),
        flushed => flushed.map(|()| status).map_err(Into::into),
    });
    match result {
        Ok(status) => status.into(),
        Err(error) => {
            // A closed pipe (`| head`) while printing a listing (`graph`,
            // `rules`) is not a failure; a check reports its status above.
            if error.chain().any(|cause| {
                cause
                    .downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(
                err,
                "{} {}",
                "error:".red().bold(),
                alembic_preflight::commands::safe(&error.to_string())
            );
            for cause in error.chain().skip(1) {
                // libgit2's own words carry its class and code numbers:
                // its message alone, and nothing where ours said it all.
                let said = match cause.downcast_ref::<git2::Error>() {
                    Some(git) if git.code() == git2::ErrorCode::NotFound => continue,
                    Some(git) => git.message().to_owned(),
                    None => cause.to_string(),
                };
                let _ = writeln!(
                    err,
                    "  {} {}",
                    "caused by:".bold(),
                    alembic_preflight::commands::safe(&said)
                );
            }
            ExitCode::from(2)
        }
    }
}
