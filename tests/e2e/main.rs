//! End-to-end tests: the real binary on real temporary directories.

mod support;

/// Input that must never panic or stop the sweep.
mod bad_input;
/// The acceptance scenario and the JSON contract.
mod check;
/// `rules`, `explain`, flags, colour and exit codes.
mod cli;
/// The projects shipped in `examples/`, which the README runs.
mod examples;
/// Indexes, models and `create_all` across files.
mod schema;
