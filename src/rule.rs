//! Every rule's identity: one enum, one exhaustive [`Rule::meta`] match
//! with its code, name, summary, default severity, scope and
//! documentation, and the severities themselves. It depends on nothing else
//! of the crate, so diagnostics and configuration can name rules without
//! reaching the rules' code.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rule {
    InvalidSuppression,
    InvalidSyntax,
    MissingRevision,
    MissingDownRevision,
    DocstringRevisionMismatch,
    DocstringRevisesMismatch,
    FilenameRevisionMismatch,
    InvalidRevisionId,
    PlaceholderRevisionId,
    UnreadableRevisionValue,
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
    IndexNotConcurrent,
    ConcurrentlyInTransaction,
    NotNullColumnWithoutDefault,
    SetNotNull,
    ColumnTypeRewrite,
    ConstraintNotValid,
    UniqueConstraintOnExistingTable,
    AddColumnDefaultRewrite,
    ModelDeclaresRemoved,
    BreakingRemoval,
    UnsafeSql,
    LockWithoutTimeout,
    MixedAutocommitBlock,
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
        Rule::InvalidSyntax,
        Rule::MissingRevision,
        Rule::MissingDownRevision,
        Rule::DocstringRevisionMismatch,
        Rule::DocstringRevisesMismatch,
        Rule::FilenameRevisionMismatch,
        Rule::InvalidRevisionId,
        Rule::PlaceholderRevisionId,
        Rule::UnreadableRevisionValue,
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
        Rule::IndexNotConcurrent,
        Rule::ConcurrentlyInTransaction,
        Rule::NotNullColumnWithoutDefault,
        Rule::SetNotNull,
        Rule::ColumnTypeRewrite,
        Rule::ConstraintNotValid,
        Rule::UniqueConstraintOnExistingTable,
        Rule::AddColumnDefaultRewrite,
        Rule::ModelDeclaresRemoved,
        Rule::BreakingRemoval,
        Rule::UnsafeSql,
        Rule::LockWithoutTimeout,
        Rule::MixedAutocommitBlock,
    ];

    /// A safe-migration rule (AP8xx): judged on new revisions of
    /// PostgreSQL environments only.
    pub fn is_safety(self) -> bool {
        self.meta().code.starts_with("AP8")
    }

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
                include_str!("../docs/rules/invalid-suppression.md"),
            ),
            Rule::InvalidSyntax => (
                "AP002",
                "invalid-syntax",
                "a Python file the tool reads that Python cannot parse",
                ERROR,
                File,
                include_str!("../docs/rules/invalid-syntax.md"),
            ),
            Rule::MissingRevision => (
                "AP101",
                "missing-revision",
                "a migration file has no `revision` assignment",
                ERROR,
                File,
                include_str!("../docs/rules/missing-revision.md"),
            ),
            Rule::MissingDownRevision => (
                "AP102",
                "missing-down-revision",
                "a migration file has no `down_revision` assignment",
                ERROR,
                File,
                include_str!("../docs/rules/missing-down-revision.md"),
            ),
            Rule::DocstringRevisionMismatch => (
                "AP103",
                "docstring-revision-mismatch",
                "the header's `Revision ID:` differs from `revision`",
                ERROR,
                File,
                include_str!("../docs/rules/docstring-revision-mismatch.md"),
            ),
            Rule::DocstringRevisesMismatch => (
                "AP104",
                "docstring-revises-mismatch",
                "the header's `Revises:` differs from `down_revision`",
                ERROR,
                File,
                include_str!("../docs/rules/docstring-revises-mismatch.md"),
            ),
            Rule::FilenameRevisionMismatch => (
                "AP105",
                "filename-revision-mismatch",
                "the file name starts with an id that is not `revision`",
                WARNING,
                File,
                include_str!("../docs/rules/filename-revision-mismatch.md"),
            ),
            Rule::InvalidRevisionId => (
                "AP106",
                "invalid-revision-id",
                "a revision id Alembic cannot use",
                ERROR,
                File,
                include_str!("../docs/rules/invalid-revision-id.md"),
            ),
            Rule::PlaceholderRevisionId => (
                "AP107",
                "placeholder-revision-id",
                "a hand-typed placeholder revision id",
                WARNING,
                File,
                include_str!("../docs/rules/placeholder-revision-id.md"),
            ),
            Rule::UnreadableRevisionValue => (
                "AP108",
                "unreadable-revision-value",
                "`revision` or `down_revision` is not a value a reader of the file can know",
                WARNING,
                File,
                include_str!("../docs/rules/unreadable-revision-value.md"),
            ),
            Rule::MultipleHeads => (
                "AP201",
                "multiple-heads",
                "more than one head on the same branch",
                ERROR,
                Project,
                include_str!("../docs/rules/multiple-heads.md"),
            ),
            Rule::UnknownDownRevision => (
                "AP202",
                "unknown-down-revision",
                "`down_revision` names no known revision",
                ERROR,
                Project,
                include_str!("../docs/rules/unknown-down-revision.md"),
            ),
            Rule::DuplicateRevisionId => (
                "AP203",
                "duplicate-revision-id",
                "the same revision id in two files",
                ERROR,
                Project,
                include_str!("../docs/rules/duplicate-revision-id.md"),
            ),
            Rule::MultipleBases => (
                "AP204",
                "multiple-bases",
                "more than one base without distinct branch labels",
                ERROR,
                Project,
                include_str!("../docs/rules/multiple-bases.md"),
            ),
            Rule::RevisionCycle => (
                "AP205",
                "revision-cycle",
                "a cycle through `down_revision` or `depends_on`",
                ERROR,
                Project,
                include_str!("../docs/rules/revision-cycle.md"),
            ),
            Rule::UnknownDependsOn => (
                "AP206",
                "unknown-depends-on",
                "`depends_on` names no revision or branch label",
                ERROR,
                Project,
                include_str!("../docs/rules/unknown-depends-on.md"),
            ),
            Rule::BranchLabelConflict => (
                "AP207",
                "branch-label-conflict",
                "a branch label used twice or equal to a revision id",
                ERROR,
                Project,
                include_str!("../docs/rules/branch-label-conflict.md"),
            ),
            Rule::DuplicateIndexName => (
                "AP301",
                "duplicate-index-name",
                "the same index name created twice along the chain",
                ERROR,
                Project,
                include_str!("../docs/rules/duplicate-index-name.md"),
            ),
            Rule::DuplicateModelIndexName => (
                "AP302",
                "duplicate-model-index-name",
                "two model declarations produce the same index name",
                ERROR,
                Project,
                include_str!("../docs/rules/duplicate-model-index-name.md"),
            ),
            Rule::ModelMigrationIndexDrift => (
                "AP303",
                "model-migration-index-drift",
                "the indexes the models declare differ from those the migrations create",
                WARNING,
                Project,
                include_str!("../docs/rules/model-migration-index-drift.md"),
            ),
            Rule::IndexNameTooLong => (
                "AP304",
                "index-name-too-long",
                "an index name longer than the database allows",
                WARNING,
                File,
                include_str!("../docs/rules/index-name-too-long.md"),
            ),
            Rule::ModelIndexAlsoInMigration => (
                "AP305",
                "model-index-also-in-migration",
                "a model `index=True` column whose index a migration also creates explicitly",
                OFF,
                Project,
                include_str!("../docs/rules/model-index-also-in-migration.md"),
            ),
            Rule::UnguardedCreateAll => (
                "AP401",
                "unguarded-create-all",
                "`create_all()` in application code an entry point runs (start-up, a request, a command, a job)",
                ERROR,
                File,
                include_str!("../docs/rules/unguarded-create-all.md"),
            ),
            Rule::DropAllOutsideTests => (
                "AP402",
                "drop-all-outside-tests",
                "`drop_all()` in application code that runs unasked (start-up, a request, a job)",
                ERROR,
                File,
                include_str!("../docs/rules/drop-all-outside-tests.md"),
            ),
            Rule::MissingDowngrade => (
                "AP501",
                "missing-downgrade",
                "a migration without `def downgrade`",
                ERROR,
                File,
                include_str!("../docs/rules/missing-downgrade.md"),
            ),
            Rule::EmptyDowngrade => (
                "AP502",
                "empty-downgrade",
                "`downgrade()` does nothing while `upgrade()` does",
                ERROR,
                File,
                include_str!("../docs/rules/empty-downgrade.md"),
            ),
            Rule::IrreversibleDowngrade => (
                "AP503",
                "irreversible-downgrade",
                "`downgrade()` raises an exception on purpose",
                WARNING,
                File,
                include_str!("../docs/rules/irreversible-downgrade.md"),
            ),
            Rule::DowngradeDoesNotReverse => (
                "AP504",
                "downgrade-does-not-reverse",
                "`upgrade()` creates something `downgrade()` never drops",
                WARNING,
                File,
                include_str!("../docs/rules/downgrade-does-not-reverse.md"),
            ),
            Rule::EmptyUpgrade => (
                "AP505",
                "empty-upgrade",
                "`upgrade()` does nothing",
                WARNING,
                File,
                include_str!("../docs/rules/empty-upgrade.md"),
            ),
            Rule::EmptyDataDowngrade => (
                "AP506",
                "empty-data-downgrade",
                "`downgrade()` does nothing after a data-only `upgrade()`",
                OFF,
                File,
                include_str!("../docs/rules/empty-data-downgrade.md"),
            ),
            Rule::DuplicateTableName => (
                "AP601",
                "duplicate-table-name",
                "two models declare the same table",
                ERROR,
                Project,
                include_str!("../docs/rules/duplicate-table-name.md"),
            ),
            Rule::MissingModelModule => (
                "AP602",
                "missing-model-module",
                "a models package imports a sibling module that does not exist",
                ERROR,
                Project,
                include_str!("../docs/rules/missing-model-module.md"),
            ),
            Rule::EditedAppliedMigration => (
                "AP701",
                "edited-applied-migration",
                "a change edits or deletes a migration the base already has",
                WARNING,
                Project,
                include_str!("../docs/rules/edited-applied-migration.md"),
            ),
            Rule::IndexNotConcurrent => (
                "AP801",
                "index-not-concurrent",
                "an index created or dropped on an existing table without `postgresql_concurrently=True`",
                WARNING,
                File,
                include_str!("../docs/rules/index-not-concurrent.md"),
            ),
            Rule::ConcurrentlyInTransaction => (
                "AP802",
                "concurrently-in-transaction",
                "`CONCURRENTLY` outside `autocommit_block()`: PostgreSQL refuses it in a transaction",
                ERROR,
                File,
                include_str!("../docs/rules/concurrently-in-transaction.md"),
            ),
            Rule::NotNullColumnWithoutDefault => (
                "AP803",
                "not-null-column-without-default",
                "a `NOT NULL` column added to an existing table without a `server_default`",
                ERROR,
                File,
                include_str!("../docs/rules/not-null-column-without-default.md"),
            ),
            Rule::SetNotNull => (
                "AP804",
                "set-not-null",
                "`alter_column(nullable=False)` on an existing table: a full scan under an exclusive lock",
                WARNING,
                File,
                include_str!("../docs/rules/set-not-null.md"),
            ),
            Rule::ColumnTypeRewrite => (
                "AP805",
                "column-type-rewrite",
                "`alter_column(type_=...)` that rewrites an existing table",
                WARNING,
                File,
                include_str!("../docs/rules/column-type-rewrite.md"),
            ),
            Rule::ConstraintNotValid => (
                "AP806",
                "constraint-not-valid",
                "a foreign key or check constraint added to an existing table without `postgresql_not_valid=True`",
                WARNING,
                File,
                include_str!("../docs/rules/constraint-not-valid.md"),
            ),
            Rule::UniqueConstraintOnExistingTable => (
                "AP807",
                "unique-constraint-on-existing-table",
                "a unique constraint or primary key added to an existing table",
                WARNING,
                File,
                include_str!("../docs/rules/unique-constraint-on-existing-table.md"),
            ),
            Rule::AddColumnDefaultRewrite => (
                "AP808",
                "add-column-default-rewrite",
                "a column added to an existing table with a default that makes PostgreSQL rewrite it",
                WARNING,
                File,
                include_str!("../docs/rules/add-column-default-rewrite.md"),
            ),
            Rule::ModelDeclaresRemoved => (
                "AP809",
                "model-declares-removed",
                "a column or table dropped or renamed while a model still declares it",
                ERROR,
                File,
                include_str!("../docs/rules/model-declares-removed.md"),
            ),
            Rule::BreakingRemoval => (
                "AP810",
                "breaking-removal",
                "a column or table dropped or renamed that the running application may still use",
                WARNING,
                File,
                include_str!("../docs/rules/breaking-removal.md"),
            ),
            Rule::UnsafeSql => (
                "AP811",
                "unsafe-sql",
                "SQL in `op.execute(...)` that squawk finds unsafe for a live database",
                WARNING,
                File,
                include_str!("../docs/rules/unsafe-sql.md"),
            ),
            Rule::LockWithoutTimeout => (
                "AP812",
                "lock-without-timeout",
                "a revision locks an existing table with no `lock_timeout` set",
                WARNING,
                File,
                include_str!("../docs/rules/lock-without-timeout.md"),
            ),
            Rule::MixedAutocommitBlock => (
                "AP813",
                "mixed-autocommit-block",
                "`autocommit_block()` in a revision with other operations in the migration's transaction",
                WARNING,
                File,
                include_str!("../docs/rules/mixed-autocommit-block.md"),
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

impl Rule {
    /// The rule whose code or name `s` most likely misspells (any case),
    /// when one is close enough to suggest.
    pub fn closest(s: &str) -> Option<Rule> {
        let s = s.trim().to_ascii_lowercase();
        let (distance, rule) = Rule::ALL
            .iter()
            .flat_map(|&r| {
                [r.code(), r.name()].map(|known| (crate::text::edit_distance(&s, &known.to_ascii_lowercase()), r))
            })
            .min_by_key(|&(d, r)| (d, r))?;
        (distance <= (s.chars().count() / 3).max(1)).then_some(rule)
    }

    /// `; did you mean `name` (CODE)?`, or nothing when no rule is close.
    pub fn did_you_mean(s: &str) -> String {
        Rule::closest(s).map_or(String::new(), |r| {
            format!("; did you mean `{}` ({})?", r.name(), r.code())
        })
    }
}

impl FromStr for Rule {
    type Err = String;

    /// A code (`AP201`) or a name (`multiple-heads`), in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(s) || r.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown rule `{s}`{}", Rule::did_you_mean(s)))
    }
}
