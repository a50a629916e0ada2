//! Every rule: its identity (one enum, one exhaustive [`Rule::meta`] match),
//! and the dispatch that runs file rules on selected files and project rules
//! on whole revision graphs. One file per rule holds its `check` function.

mod branch_label_conflict;
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
mod invalid_revision_id;
mod irreversible_downgrade;
mod missing_down_revision;
mod missing_downgrade;
mod missing_model_module;
mod missing_revision;
mod model_index_also_in_migration;
mod model_migration_index_drift;
mod multiple_bases;
mod multiple_heads;
mod placeholder_revision_id;
mod revision_cycle;
mod unguarded_create_all;
mod unknown_depends_on;
mod unknown_down_revision;

#[cfg(test)]
pub(crate) mod tests;

use std::fmt;
use std::str::FromStr;

use std::collections::{HashMap, HashSet};

use crate::baseline::Baseline;
use crate::check::{FileKind, Schema};
use crate::config::Settings;
use crate::diagnostic::{Emitter, Severity};
use crate::env::Environment;
use crate::graph::{Graph, MigrationFile};
use crate::scan::app::AllCall;
use crate::scan::model::ModelFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    InvalidSuppression,
    MissingRevision,
    MissingDownRevision,
    DocstringRevisionMismatch,
    DocstringRevisesMismatch,
    FilenameRevisionMismatch,
    InvalidRevisionId,
    PlaceholderRevisionId,
    MultipleHeads,
    UnknownDownRevision,
    DuplicateRevisionId,
    MultipleBases,
    RevisionCycle,
    UnknownDependsOn,
    BranchLabelConflict,
    DuplicateIndexName,
    DuplicateModelIndexName,
    ModelMigrationIndexDrift,
    IndexNameTooLong,
    ModelIndexAlsoInMigration,
    UnguardedCreateAll,
    DropAllOutsideTests,
    MissingDowngrade,
    EmptyDowngrade,
    IrreversibleDowngrade,
    DowngradeDoesNotReverse,
    EmptyUpgrade,
    EmptyDataDowngrade,
    DuplicateTableName,
    MissingModelModule,
    EditedAppliedMigration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Judged from one file alone.
    File,
    /// Judged from a whole revision graph.
    Project,
}

#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    /// `None`: off unless enabled.
    pub default_severity: Option<Severity>,
    pub scope: Scope,
    pub doc: &'static str,
}

impl Rule {
    pub const ALL: &'static [Rule] = &[
        Rule::InvalidSuppression,
        Rule::MissingRevision,
        Rule::MissingDownRevision,
        Rule::DocstringRevisionMismatch,
        Rule::DocstringRevisesMismatch,
        Rule::FilenameRevisionMismatch,
        Rule::InvalidRevisionId,
        Rule::PlaceholderRevisionId,
        Rule::MultipleHeads,
        Rule::UnknownDownRevision,
        Rule::DuplicateRevisionId,
        Rule::MultipleBases,
        Rule::RevisionCycle,
        Rule::UnknownDependsOn,
        Rule::BranchLabelConflict,
        Rule::DuplicateIndexName,
        Rule::DuplicateModelIndexName,
        Rule::ModelMigrationIndexDrift,
        Rule::IndexNameTooLong,
        Rule::ModelIndexAlsoInMigration,
        Rule::UnguardedCreateAll,
        Rule::DropAllOutsideTests,
        Rule::MissingDowngrade,
        Rule::EmptyDowngrade,
        Rule::IrreversibleDowngrade,
        Rule::DowngradeDoesNotReverse,
        Rule::EmptyUpgrade,
        Rule::EmptyDataDowngrade,
        Rule::DuplicateTableName,
        Rule::MissingModelModule,
        Rule::EditedAppliedMigration,
    ];

    #[allow(clippy::too_many_lines)]
    pub const fn meta(self) -> RuleMeta {
        use Scope::{File, Project};
        const ERROR: Option<Severity> = Some(Severity::Error);
        const WARNING: Option<Severity> = Some(Severity::Warning);
        const OFF: Option<Severity> = None;
        let (code, name, summary, default_severity, scope, doc) = match self {
            Rule::InvalidSuppression => (
                "AP001",
                "invalid-suppression",
                "a suppression comment names an unknown code",
                WARNING,
                File,
                include_str!("../../docs/rules/invalid-suppression.md"),
            ),
            Rule::MissingRevision => (
                "AP101",
                "missing-revision",
                "a migration file has no `revision` assignment",
                ERROR,
                File,
                include_str!("../../docs/rules/missing-revision.md"),
            ),
            Rule::MissingDownRevision => (
                "AP102",
                "missing-down-revision",
                "a migration file has no `down_revision` assignment",
                ERROR,
                File,
                include_str!("../../docs/rules/missing-down-revision.md"),
            ),
            Rule::DocstringRevisionMismatch => (
                "AP103",
                "docstring-revision-mismatch",
                "the header's `Revision ID:` differs from `revision`",
                ERROR,
                File,
                include_str!("../../docs/rules/docstring-revision-mismatch.md"),
            ),
            Rule::DocstringRevisesMismatch => (
                "AP104",
                "docstring-revises-mismatch",
                "the header's `Revises:` differs from `down_revision`",
                ERROR,
                File,
                include_str!("../../docs/rules/docstring-revises-mismatch.md"),
            ),
            Rule::FilenameRevisionMismatch => (
                "AP105",
                "filename-revision-mismatch",
                "the file name starts with an id that is not `revision`",
                WARNING,
                File,
                include_str!("../../docs/rules/filename-revision-mismatch.md"),
            ),
            Rule::InvalidRevisionId => (
                "AP106",
                "invalid-revision-id",
                "a revision id Alembic cannot use",
                ERROR,
                File,
                include_str!("../../docs/rules/invalid-revision-id.md"),
            ),
            Rule::PlaceholderRevisionId => (
                "AP107",
                "placeholder-revision-id",
                "a hand-typed placeholder revision id",
                WARNING,
                File,
                include_str!("../../docs/rules/placeholder-revision-id.md"),
            ),
            Rule::MultipleHeads => (
                "AP201",
                "multiple-heads",
                "more than one head on the same branch",
                ERROR,
                Project,
                include_str!("../../docs/rules/multiple-heads.md"),
            ),
            Rule::UnknownDownRevision => (
                "AP202",
                "unknown-down-revision",
                "`down_revision` names no known revision",
                ERROR,
                Project,
                include_str!("../../docs/rules/unknown-down-revision.md"),
            ),
            Rule::DuplicateRevisionId => (
                "AP203",
                "duplicate-revision-id",
                "the same revision id in two files",
                ERROR,
                Project,
                include_str!("../../docs/rules/duplicate-revision-id.md"),
            ),
            Rule::MultipleBases => (
                "AP204",
                "multiple-bases",
                "more than one base without distinct branch labels",
                ERROR,
                Project,
                include_str!("../../docs/rules/multiple-bases.md"),
            ),
            Rule::RevisionCycle => (
                "AP205",
                "revision-cycle",
                "a cycle through `down_revision` or `depends_on`",
                ERROR,
                Project,
                include_str!("../../docs/rules/revision-cycle.md"),
            ),
            Rule::UnknownDependsOn => (
                "AP206",
                "unknown-depends-on",
                "`depends_on` names no revision or branch label",
                ERROR,
                Project,
                include_str!("../../docs/rules/unknown-depends-on.md"),
            ),
            Rule::BranchLabelConflict => (
                "AP207",
                "branch-label-conflict",
                "a branch label used twice or equal to a revision id",
                ERROR,
                Project,
                include_str!("../../docs/rules/branch-label-conflict.md"),
            ),
            Rule::DuplicateIndexName => (
                "AP301",
                "duplicate-index-name",
                "the same index name created twice along the chain",
                ERROR,
                Project,
                include_str!("../../docs/rules/duplicate-index-name.md"),
            ),
            Rule::DuplicateModelIndexName => (
                "AP302",
                "duplicate-model-index-name",
                "two model declarations produce the same index name",
                ERROR,
                Project,
                include_str!("../../docs/rules/duplicate-model-index-name.md"),
            ),
            Rule::ModelMigrationIndexDrift => (
                "AP303",
                "model-migration-index-drift",
                "the indexes the models declare differ from those the migrations create",
                WARNING,
                Project,
                include_str!("../../docs/rules/model-migration-index-drift.md"),
            ),
            Rule::IndexNameTooLong => (
                "AP304",
                "index-name-too-long",
                "an index name longer than the database allows",
                WARNING,
                File,
                include_str!("../../docs/rules/index-name-too-long.md"),
            ),
            Rule::ModelIndexAlsoInMigration => (
                "AP305",
                "model-index-also-in-migration",
                "a model `index=True` column whose index a migration also creates explicitly",
                OFF,
                Project,
                include_str!("../../docs/rules/model-index-also-in-migration.md"),
            ),
            Rule::UnguardedCreateAll => (
                "AP401",
                "unguarded-create-all",
                "`create_all()` in application code that runs at start-up",
                ERROR,
                File,
                include_str!("../../docs/rules/unguarded-create-all.md"),
            ),
            Rule::DropAllOutsideTests => (
                "AP402",
                "drop-all-outside-tests",
                "`drop_all()` in application code that runs at start-up",
                ERROR,
                File,
                include_str!("../../docs/rules/drop-all-outside-tests.md"),
            ),
            Rule::MissingDowngrade => (
                "AP501",
                "missing-downgrade",
                "a migration without `def downgrade`",
                ERROR,
                File,
                include_str!("../../docs/rules/missing-downgrade.md"),
            ),
            Rule::EmptyDowngrade => (
                "AP502",
                "empty-downgrade",
                "`downgrade()` does nothing while `upgrade()` does",
                ERROR,
                File,
                include_str!("../../docs/rules/empty-downgrade.md"),
            ),
            Rule::IrreversibleDowngrade => (
                "AP503",
                "irreversible-downgrade",
                "`downgrade()` raises an exception on purpose",
                WARNING,
                File,
                include_str!("../../docs/rules/irreversible-downgrade.md"),
            ),
            Rule::DowngradeDoesNotReverse => (
                "AP504",
                "downgrade-does-not-reverse",
                "`upgrade()` creates something `downgrade()` never drops",
                WARNING,
                File,
                include_str!("../../docs/rules/downgrade-does-not-reverse.md"),
            ),
            Rule::EmptyUpgrade => (
                "AP505",
                "empty-upgrade",
                "`upgrade()` does nothing",
                WARNING,
                File,
                include_str!("../../docs/rules/empty-upgrade.md"),
            ),
            Rule::EmptyDataDowngrade => (
                "AP506",
                "empty-data-downgrade",
                "`downgrade()` does nothing after a data-only `upgrade()`",
                OFF,
                File,
                include_str!("../../docs/rules/empty-data-downgrade.md"),
            ),
            Rule::DuplicateTableName => (
                "AP601",
                "duplicate-table-name",
                "two models declare the same table",
                ERROR,
                Project,
                include_str!("../../docs/rules/duplicate-table-name.md"),
            ),
            Rule::MissingModelModule => (
                "AP602",
                "missing-model-module",
                "a models package imports a sibling module that does not exist",
                ERROR,
                Project,
                include_str!("../../docs/rules/missing-model-module.md"),
            ),
            Rule::EditedAppliedMigration => (
                "AP701",
                "edited-applied-migration",
                "a change edits or deletes a migration the base already has",
                WARNING,
                Project,
                include_str!("../../docs/rules/edited-applied-migration.md"),
            ),
        };
        RuleMeta {
            code,
            name,
            summary,
            default_severity,
            scope,
            doc,
        }
    }

    pub fn code(self) -> &'static str {
        self.meta().code
    }

    pub fn name(self) -> &'static str {
        self.meta().name
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Rule {
    type Err = String;

    /// A code (`AP201`, any case) or a name (`multiple-heads`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(s) || r.name() == s)
            .ok_or_else(|| format!("unknown rule `{s}`"))
    }
}

/// What a file rule sees: the file, its environment and the environment's
/// revision graph.
pub struct FileContext<'a> {
    pub file: &'a MigrationFile,
    pub env: &'a Environment,
    pub graph: &'a Graph<'a>,
    pub settings: &'a Settings,
}

/// What a rule on a Python file other than a revision sees.
pub struct SourceContext<'a> {
    pub path: &'a str,
    pub kind: FileKind,
    pub model: Option<&'a ModelFile>,
    pub calls: &'a [AllCall],
    pub settings: &'a Settings,
    /// The database every environment names, when they agree.
    pub dialect: Option<crate::env::Dialect>,
}

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
    baseline: &Baseline,
    emit: &mut Emitter<'_>,
) {
    edited_applied_migration::check(current, declared, baseline, emit);
}

pub fn check_file(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    missing_revision::check(ctx, emit);
    missing_down_revision::check(ctx, emit);
    docstring_revision_mismatch::check(ctx, emit);
    docstring_revises_mismatch::check(ctx, emit);
    filename_revision_mismatch::check(ctx, emit);
    invalid_revision_id::check(ctx, emit);
    placeholder_revision_id::check(ctx, emit);
    missing_downgrade::check(ctx, emit);
    empty_downgrade::check(ctx, emit);
    empty_data_downgrade::check(ctx, emit);
    irreversible_downgrade::check(ctx, emit);
    empty_upgrade::check(ctx, emit);
    downgrade_does_not_reverse::check(ctx, emit);
    index_name_too_long::check_migration(ctx, emit);
    unguarded_create_all::check(&ctx.file.path, FileKind::Alembic, &ctx.file.facts.all_calls, emit);
    drop_all_outside_tests::check(&ctx.file.path, FileKind::Alembic, &ctx.file.facts.all_calls, emit);
}

pub fn check_graph(graph: &Graph<'_>, settings: &Settings, emit: &mut Emitter<'_>) {
    multiple_heads::check(graph, settings, emit);
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
