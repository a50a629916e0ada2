//! Changed-set reporting: what a change breaks, not old debt.
//!
//! The baseline is the state a change starts from (HEAD, or the other
//! branch with `--since`). Project diagnostics are reported only when the
//! baseline does not have them already, matched by rule and message (which
//! names the revision ids and index names involved), or by an identity the
//! rule gives when its message is not stable (a fork keeps its identity —
//! where it forks and into how many heads — while commits land on top). A change that edits or
//! deletes a revision file the baseline has is itself reported
//! (edited-applied-migration).

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, Scope};
use crate::scan::Scan;
use crate::scan::migration::Migration;
use crate::tree::Tree;

#[derive(Debug, Default)]
pub struct Baseline {
    /// What to call the baseline in messages: `HEAD`, or the reference.
    pub name: String,
    known: HashSet<(Rule, String)>,
    /// The revision files the baseline has.
    pub migrations: HashSet<String>,
    /// Files the change edits (their content differs from the baseline's).
    pub modified: Vec<String>,
    /// Files the change deletes.
    pub deleted: Vec<String>,
    /// Revision files of the baseline that git paired, edited, with a new
    /// path.
    pub renamed: Vec<Renamed>,
    /// Files of the change that a remote-tracking branch already has (a
    /// merge brings them in): published, so never the ones to re-point.
    pub published: HashSet<String>,
    /// Who already has the revisions an edit must not change, when that is
    /// not the baseline itself (`a remote branch`), for messages.
    pub applied_by: Option<String>,
}

/// A baseline revision file git paired with a new path and an edit.
#[derive(Debug)]
pub struct Renamed {
    pub from: String,
    pub to: String,
    /// The revision id the baseline's file declares.
    pub id: Option<String>,
}

impl Baseline {
    /// A baseline whose diagnostics are not known yet: nothing is filtered
    /// until [`Baseline::learn`] is given them. Checking the baseline costs
    /// as much as checking the change; a change with no project diagnostic
    /// never needs it.
    pub fn pending(name: &str, migrations: HashSet<String>, modified: Vec<String>, deleted: Vec<String>) -> Self {
        Self {
            name: name.to_owned(),
            known: HashSet::new(),
            migrations,
            modified,
            deleted,
            renamed: Vec::new(),
            published: HashSet::new(),
            applied_by: None,
        }
    }

    /// Keeps the renames whose base path is a revision file, with the id
    /// that file declares in `tree` (the baseline's files).
    pub fn renames(&mut self, pairs: Vec<(String, String)>, tree: &dyn Tree) {
        self.renamed = pairs
            .into_iter()
            .filter(|(from, _)| self.migrations.contains(from))
            .map(|(from, to)| {
                let id = tree.read(&from).ok().and_then(|bytes| {
                    let text = String::from_utf8_lossy(&bytes);
                    let scan = Scan::new(&text);
                    Migration::from_scan(&scan).revision_id().map(str::to_owned)
                });
                Renamed { from, to, id }
            })
            .collect();
    }

    /// The part of the baseline below `dir`, with paths relative to it, for
    /// a nested project's check. Its diagnostics are matched as a whole.
    #[must_use]
    pub fn within(&self, dir: &str) -> Baseline {
        let strip = |path: &str| crate::tree::strip_dir(path, dir).map(str::to_owned);
        Baseline {
            name: self.name.clone(),
            known: self.known.clone(),
            migrations: self.migrations.iter().filter_map(|p| strip(p)).collect(),
            modified: self.modified.iter().filter_map(|p| strip(p)).collect(),
            deleted: self.deleted.iter().filter_map(|p| strip(p)).collect(),
            published: self.published.iter().filter_map(|p| strip(p)).collect(),
            applied_by: self.applied_by.clone(),
            renamed: self
                .renamed
                .iter()
                .filter_map(|r| {
                    Some(Renamed {
                        from: strip(&r.from)?,
                        to: strip(&r.to)?,
                        id: r.id.clone(),
                    })
                })
                .collect(),
        }
    }

    /// Takes the baseline's diagnostics from a full check of it.
    pub fn learn(&mut self, diagnostics: &[Diagnostic]) {
        self.known = diagnostics
            .iter()
            .filter(|d| d.rule.meta().scope == Scope::Project)
            .map(|d| (d.rule, identity(d)))
            .collect();
    }

    /// Leaves out the project diagnostics the baseline already had.
    pub fn filter(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics
            .retain(|d| d.rule.meta().scope == Scope::File || d.rule == Rule::EditedAppliedMigration || !self.knows(d));
    }

    /// True when the baseline already had this project diagnostic.
    pub fn knows(&self, diagnostic: &Diagnostic) -> bool {
        self.known.contains(&(diagnostic.rule, identity(diagnostic)))
    }
}

fn identity(diagnostic: &Diagnostic) -> String {
    diagnostic
        .identity
        .clone()
        .unwrap_or_else(|| diagnostic.message.clone())
}
