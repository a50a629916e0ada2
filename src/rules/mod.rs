//! The dispatch that runs file rules on selected files and project rules on
//! whole revision graphs. One file per rule holds its `check` function; the
//! rules' identity (codes, names, severities, docs) is [`crate::rule`].

mod add_column_default_rewrite;
mod branch_label_conflict;
mod breaking_removal;
mod column_type_rewrite;
mod concurrently_in_transaction;
mod constraint_not_valid;
mod docstring_revises_mismatch;
mod docstring_revision_mismatch;
mod downgrade_does_not_reverse;
mod drop_all_outside_tests;
mod duplicate_index_name;
mod duplicate_model_index_name;
mod duplicate_revision_id;
mod duplicate_table_name;
mod edited_applied_migration;
mod empty_data_downgrade;
mod empty_downgrade;
mod empty_upgrade;
mod filename_revision_mismatch;
mod index_name_too_long;
mod index_not_concurrent;
mod invalid_revision_id;
pub(crate) mod invalid_syntax;
mod irreversible_downgrade;
mod lock_without_timeout;
mod missing_down_revision;
mod missing_downgrade;
mod missing_model_module;
mod missing_revision;
mod mixed_autocommit_block;
mod model_declares_removed;
mod model_index_also_in_migration;
mod model_migration_index_drift;
mod multiple_bases;
mod multiple_heads;
mod not_null_column_without_default;
mod placeholder_revision_id;
pub(crate) mod raw_sql;
mod removal;
mod revision_cycle;
mod set_not_null;
mod unguarded_create_all;
mod unique_constraint_on_existing_table;
mod unknown_depends_on;
mod unknown_down_revision;
mod unreadable_revision_value;

mod context;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::{HashMap, HashSet};

use crate::baseline::Baseline;
use crate::config::Settings;
use crate::diagnostic::Emitter;
use crate::graph::{Graph, MigrationFile};

pub use crate::rule::{Rule, RuleMeta, Scope};
pub use context::{Declared, FileContext, FileKind, InitFile, ModelSource, Safety, Schema, SourceContext};

pub fn check_source(ctx: &SourceContext<'_>, emit: &mut Emitter<'_>) {
    index_name_too_long::check_model(ctx, emit);
    unguarded_create_all::check(ctx.path, ctx.kind, ctx.calls, emit);
    drop_all_outside_tests::check(ctx.path, ctx.kind, ctx.calls, emit);
}

pub use duplicate_model_index_name::model_index_name;

pub fn check_schema(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    duplicate_index_name::check(schema, emit);
    duplicate_model_index_name::check(schema, emit);
    model_migration_index_drift::check(schema, emit);
    model_index_also_in_migration::check(schema, emit);
    duplicate_table_name::check(schema, emit);
    missing_model_module::check(schema, emit);
}

pub(crate) fn edited_applied_migration(
    current: &HashSet<&str>,
    declared: &HashMap<&str, &str>,
    spans: &HashMap<&str, std::ops::Range<usize>>,
    baseline: &Baseline,
    emit: &mut Emitter<'_>,
) {
    edited_applied_migration::check(current, declared, spans, baseline, emit);
}

pub fn check_file(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    // Nothing is judged on a misreading of a file Python refuses.
    if invalid_syntax::check(ctx, emit) {
        return;
    }
    missing_revision::check(ctx, emit);
    missing_down_revision::check(ctx, emit);
    docstring_revision_mismatch::check(ctx, emit);
    docstring_revises_mismatch::check(ctx, emit);
    filename_revision_mismatch::check(ctx, emit);
    invalid_revision_id::check(ctx, emit);
    placeholder_revision_id::check(ctx, emit);
    unreadable_revision_value::check(ctx, emit);
    missing_downgrade::check(ctx, emit);
    empty_downgrade::check(ctx, emit);
    empty_data_downgrade::check(ctx, emit);
    irreversible_downgrade::check(ctx, emit);
    empty_upgrade::check(ctx, emit);
    downgrade_does_not_reverse::check(ctx, emit);
    index_name_too_long::check_migration(ctx, emit);
    unguarded_create_all::check(&ctx.file.path, FileKind::Alembic, &ctx.file.facts.all_calls, emit);
    drop_all_outside_tests::check(&ctx.file.path, FileKind::Alembic, &ctx.file.facts.all_calls, emit);
    // Safe migrations: new revisions of PostgreSQL environments only.
    index_not_concurrent::check(ctx, emit);
    concurrently_in_transaction::check(ctx, emit);
    not_null_column_without_default::check(ctx, emit);
    set_not_null::check(ctx, emit);
    column_type_rewrite::check(ctx, emit);
    constraint_not_valid::check(ctx, emit);
    unique_constraint_on_existing_table::check(ctx, emit);
    add_column_default_rewrite::check(ctx, emit);
    model_declares_removed::check(ctx, emit);
    breaking_removal::check(ctx, emit);
    raw_sql::check(ctx, emit);
    lock_without_timeout::check(ctx, emit);
    mixed_autocommit_block::check(ctx, emit);
}

/// How much a revision file is the change's to edit, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ownership {
    /// Another branch published it (a remote-tracking branch has it).
    Published,
    /// The baseline has it, or there is no baseline.
    Kept,
    /// The change adds it.
    Added,
}

/// The graph rules. `owned` tells how much each revision file is the
/// change's to edit; `Added` marks the files a change adds (the
/// baseline lacks them); it is false for every file outside changed-set
/// modes.
pub fn check_graph(graph: &Graph<'_>, settings: &Settings, owned: &dyn Fn(&str) -> Ownership, emit: &mut Emitter<'_>) {
    multiple_heads::check(graph, settings, owned, emit);
    unknown_down_revision::check(graph, emit);
    duplicate_revision_id::check(graph, emit);
    multiple_bases::check(graph, emit);
    revision_cycle::check(graph, emit);
    unknown_depends_on::check(graph, emit);
    branch_label_conflict::check(graph, emit);
}

/// `revision `id``, or `this revision` for a file without a literal id.
pub(crate) fn revision_of(file: &MigrationFile) -> String {
    match file.facts.revision_id() {
        Some(id) => format!("revision `{id}`"),
        None => "this revision".to_owned(),
    }
}

/// The revision's id in backticks, or a description when it has none.
pub(crate) fn describe(file: &MigrationFile) -> String {
    match file.facts.revision_id() {
        Some(id) => format!("`{id}`"),
        None => "this revision".to_owned(),
    }
}
