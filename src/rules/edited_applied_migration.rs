//! AP701 edited-applied-migration: see `docs/rules/edited-applied-migration.md`.

use std::collections::{HashMap, HashSet};

use super::Rule;
use crate::baseline::Baseline;
use crate::diagnostic::Emitter;

/// `declared` gives the revision id each renamed file declares now, and
/// `spans` where each current file assigns its `revision`.
pub(crate) fn check(
    current: &HashSet<&str>,
    declared: &HashMap<&str, &str>,
    spans: &HashMap<&str, std::ops::Range<usize>>,
    baseline: &Baseline,
    emit: &mut Emitter<'_>,
) {
    // Who has it: a remote branch, when that is what made it applied.
    let base = baseline.applied_by.as_deref().unwrap_or(&baseline.name);
    let at = |path: &str| spans.get(path).cloned().unwrap_or(0..0);
    for path in baseline
        .modified
        .iter()
        .filter(|p| current.contains(p.as_str()) && baseline.migrations.contains(*p))
    {
        emit.report(
            Rule::EditedAppliedMigration,
            path,
            at(path),
            format!("this change edits a revision {base} already has; databases that ran it will never see the edit"),
        )
        .help("undo the edit and put the change in a new revision (`alembic revision -m \"...\"`)");
    }
    // A rename git paired with an edit: the same revision moved, or one
    // deleted and a look-alike added; the ids tell which.
    let mut deleted: Vec<&str> = Vec::new();
    for renamed in &baseline.renamed {
        let id = renamed.id.as_deref();
        if id.is_some() && declared.get(renamed.to.as_str()).copied() == id {
            emit.report(
                Rule::EditedAppliedMigration,
                &renamed.to,
                at(&renamed.to),
                format!(
                    "this change moves and edits a revision {base} already has (from {}); databases that ran it will never see the edit",
                    renamed.from
                ),
            )
            .help("undo the edit and put the change in a new revision (`alembic revision -m \"...\"`)");
        } else {
            deleted.push(&renamed.from);
        }
    }
    let deleted = baseline
        .deleted
        .iter()
        .map(String::as_str)
        .filter(|p| baseline.migrations.contains(*p))
        .chain(deleted);
    for path in deleted {
        emit.report(
            Rule::EditedAppliedMigration,
            path,
            0..0,
            format!("this change deletes a revision {base} already has; databases that ran it can no longer be upgraded or downgraded"),
        )
        .help("restore the file; to undo what it did, write a new revision that reverses it");
    }
}
