//! AP701 edited-applied-migration: see `docs/rules/edited-applied-migration.md`.

use std::collections::HashSet;

use super::Rule;
use crate::baseline::Baseline;
use crate::diagnostic::Emitter;

pub(crate) fn check(current: &HashSet<&str>, baseline: &Baseline, emit: &mut Emitter<'_>) {
    let base = &baseline.name;
    for path in baseline
        .modified
        .iter()
        .filter(|p| current.contains(p.as_str()) && baseline.migrations.contains(*p))
    {
        emit.report(
            Rule::EditedAppliedMigration,
            path,
            0..0,
            format!("this change edits a revision {base} already has; databases that ran it will never see the edit"),
        )
        .help("undo the edit and put the change in a new revision (`alembic revision -m \"...\"`)");
    }
    for path in baseline.deleted.iter().filter(|p| baseline.migrations.contains(*p)) {
        emit.report(
            Rule::EditedAppliedMigration,
            path,
            0..0,
            format!("this change deletes a revision {base} already has; databases that ran it can no longer be upgraded or downgraded"),
        )
        .help("restore the file; to undo what it did, write a new revision that reverses it");
    }
}
