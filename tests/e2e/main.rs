//! End-to-end tests: the real binary on real temporary directories.

mod support;

/// The GitHub Action's shell steps, run as a runner runs them.
mod action;
/// Input that must never panic or stop the sweep.
mod bad_input;
/// The facts cache: the same answers, never trusted when damaged or stale.
mod cache;
/// The acceptance scenario and the JSON contract.
mod check;
/// `rules`, `explain`, flags, colour and exit codes.
mod cli;
/// Configuration files, command-line selection and suppression comments.
mod config;
/// The same revision graph as Alembic, on hundreds of generated graphs.
mod conformance;
/// The projects shipped in `examples/`, which the README runs.
mod examples;
/// `--fix`, `--diff` and `--show-fixes`, in a sweep and in a real commit.
mod fix;
/// Every output format, and SARIF read back with a typed model.
mod formats;
/// Staged content, changed-set reporting and `--since`, in real repositories.
mod git;
/// The native hook and real `git commit`s.
mod hook;
/// The layouts real projects use, against Alembic.
mod layouts;
/// `merge` against real Alembic's `alembic merge`.
mod merge;
/// The real pre-commit framework running the hook from this repository.
mod pre_commit;
/// Hostile and careless input, by the reliability report's numbers.
mod reliability;
/// The safe-migration rules on a PostgreSQL project, through real commits.
mod safety;
/// Indexes, models and `create_all` across files.
mod schema;
