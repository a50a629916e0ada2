//! Every rule: its identity (one enum, one exhaustive [`Rule::meta`] match),
//! and the dispatch that runs file rules on selected files and project rules
//! on whole revision graphs. One file per rule holds its `check` function.

mod branch_label_conflict;
mod docstring_revises_mismatch;
mod docstring_revision_mismatch;
mod duplicate_revision_id;
mod empty_downgrade;
mod empty_upgrade;
mod filename_revision_mismatch;
mod invalid_revision_id;
mod irreversible_downgrade;
mod missing_down_revision;
mod missing_downgrade;
mod missing_revision;
mod multiple_bases;
mod multiple_heads;
mod placeholder_revision_id;
mod revision_cycle;
mod unknown_depends_on;
mod unknown_down_revision;

#[cfg(test)]
pub(crate) mod tests;

use std::fmt;
use std::str::FromStr;

use crate::diagnostic::{Emitter, Severity};
use crate::env::Environment;
use crate::graph::{Graph, MigrationFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
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
    MissingDowngrade,
    EmptyDowngrade,
    IrreversibleDowngrade,
    EmptyUpgrade,
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
    pub default_severity: Severity,
    pub scope: Scope,
    pub doc: &'static str,
}

impl Rule {
    pub const ALL: &'static [Rule] = &[
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
        Rule::MissingDowngrade,
        Rule::EmptyDowngrade,
        Rule::IrreversibleDowngrade,
        Rule::EmptyUpgrade,
    ];

    #[allow(clippy::too_many_lines)]
    pub const fn meta(self) -> RuleMeta {
        use Scope::{File, Project};
        use Severity::{Error, Warning};
        let (code, name, summary, default_severity, scope, doc) = match self {
            Rule::MissingRevision => (
                "AP101",
                "missing-revision",
                "a migration file has no `revision` assignment",
                Error,
                File,
                include_str!("../../docs/rules/missing-revision.md"),
            ),
            Rule::MissingDownRevision => (
                "AP102",
                "missing-down-revision",
                "a migration file has no `down_revision` assignment",
                Error,
                File,
                include_str!("../../docs/rules/missing-down-revision.md"),
            ),
            Rule::DocstringRevisionMismatch => (
                "AP103",
                "docstring-revision-mismatch",
                "the header's `Revision ID:` differs from `revision`",
                Error,
                File,
                include_str!("../../docs/rules/docstring-revision-mismatch.md"),
            ),
            Rule::DocstringRevisesMismatch => (
                "AP104",
                "docstring-revises-mismatch",
                "the header's `Revises:` differs from `down_revision`",
                Error,
                File,
                include_str!("../../docs/rules/docstring-revises-mismatch.md"),
            ),
            Rule::FilenameRevisionMismatch => (
                "AP105",
                "filename-revision-mismatch",
                "the file name starts with an id that is not `revision`",
                Warning,
                File,
                include_str!("../../docs/rules/filename-revision-mismatch.md"),
            ),
            Rule::InvalidRevisionId => (
                "AP106",
                "invalid-revision-id",
                "a revision id Alembic cannot use",
                Error,
                File,
                include_str!("../../docs/rules/invalid-revision-id.md"),
            ),
            Rule::PlaceholderRevisionId => (
                "AP107",
                "placeholder-revision-id",
                "a hand-typed placeholder revision id",
                Warning,
                File,
                include_str!("../../docs/rules/placeholder-revision-id.md"),
            ),
            Rule::MultipleHeads => (
                "AP201",
                "multiple-heads",
                "more than one head on the same branch",
                Error,
                Project,
                include_str!("../../docs/rules/multiple-heads.md"),
            ),
            Rule::UnknownDownRevision => (
                "AP202",
                "unknown-down-revision",
                "`down_revision` names no known revision",
                Error,
                Project,
                include_str!("../../docs/rules/unknown-down-revision.md"),
            ),
            Rule::DuplicateRevisionId => (
                "AP203",
                "duplicate-revision-id",
                "the same revision id in two files",
                Error,
                Project,
                include_str!("../../docs/rules/duplicate-revision-id.md"),
            ),
            Rule::MultipleBases => (
                "AP204",
                "multiple-bases",
                "more than one base without distinct branch labels",
                Error,
                Project,
                include_str!("../../docs/rules/multiple-bases.md"),
            ),
            Rule::RevisionCycle => (
                "AP205",
                "revision-cycle",
                "a cycle through `down_revision` or `depends_on`",
                Error,
                Project,
                include_str!("../../docs/rules/revision-cycle.md"),
            ),
            Rule::UnknownDependsOn => (
                "AP206",
                "unknown-depends-on",
                "`depends_on` names no revision or branch label",
                Error,
                Project,
                include_str!("../../docs/rules/unknown-depends-on.md"),
            ),
            Rule::BranchLabelConflict => (
                "AP207",
                "branch-label-conflict",
                "a branch label used twice or equal to a revision id",
                Error,
                Project,
                include_str!("../../docs/rules/branch-label-conflict.md"),
            ),
            Rule::MissingDowngrade => (
                "AP501",
                "missing-downgrade",
                "a migration without `def downgrade`",
                Error,
                File,
                include_str!("../../docs/rules/missing-downgrade.md"),
            ),
            Rule::EmptyDowngrade => (
                "AP502",
                "empty-downgrade",
                "`downgrade()` does nothing while `upgrade()` does",
                Error,
                File,
                include_str!("../../docs/rules/empty-downgrade.md"),
            ),
            Rule::IrreversibleDowngrade => (
                "AP503",
                "irreversible-downgrade",
                "`downgrade()` raises `NotImplementedError`",
                Warning,
                File,
                include_str!("../../docs/rules/irreversible-downgrade.md"),
            ),
            Rule::EmptyUpgrade => (
                "AP505",
                "empty-upgrade",
                "`upgrade()` does nothing",
                Warning,
                File,
                include_str!("../../docs/rules/empty-upgrade.md"),
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

/// What a file rule sees: the file, its text, its environment and the
/// environment's revision graph.
pub struct FileContext<'a> {
    pub file: &'a MigrationFile,
    pub text: &'a str,
    pub env: &'a Environment,
    pub graph: &'a Graph<'a>,
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
    irreversible_downgrade::check(ctx, emit);
    empty_upgrade::check(ctx, emit);
}

pub fn check_graph(graph: &Graph<'_>, emit: &mut Emitter<'_>) {
    multiple_heads::check(graph, emit);
    unknown_down_revision::check(graph, emit);
    duplicate_revision_id::check(graph, emit);
    multiple_bases::check(graph, emit);
    revision_cycle::check(graph, emit);
    unknown_depends_on::check(graph, emit);
    branch_label_conflict::check(graph, emit);
}

/// The revision's id in backticks, or a description when it has none.
pub(crate) fn describe(file: &MigrationFile) -> String {
    match file.facts.revision_id() {
        Some(id) => format!("`{id}`"),
        None => "this revision".to_owned(),
    }
}
