//! AP504 downgrade-does-not-reverse: see `docs/rules/downgrade-does-not-reverse.md`.

use compact_str::CompactString;
use std::collections::BTreeSet;

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::literal::Item;
use crate::scan::migration::Body;
use crate::scan::ops::{Name, OpKind, Operation};

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    let (Some(upgrade), Some(downgrade)) = (&facts.upgrade, &facts.downgrade) else {
        return;
    };
    // Missing, empty or raising downgrades are other rules' business; a
    // helper call or unread SQL may drop anything.
    if downgrade.body != Body::Code || downgrade.calls_helper || facts.is_merge() {
        return;
    }
    let Some(undone) = Undone::of(&downgrade.ops, &upgrade.ops) else {
        return;
    };
    // Names the upgrade drops before it creates them again: re-created, not
    // new, unless the downgrade creates them once more.
    let mut before = Before::default();
    for (at, op) in upgrade.ops.iter().enumerate() {
        before.take(op);
        if before.recreates(op, &undone) {
            continue;
        }
        if recreated_twice(op, &before, &undone, &ctx.file.path, emit) {
            continue;
        }
        let later = &upgrade.ops[at + 1..];
        let Some((what, fix)) = never_dropped(op, later, &before, &undone) else {
            continue;
        };
        emit.report(
            Rule::DowngradeDoesNotReverse,
            &ctx.file.path,
            op.span.clone(),
            format!("`upgrade()` creates {what}, but `downgrade()` never drops it"),
        )
        .help(format!("add `{fix}` to `downgrade()`"));
    }
}

/// What the downgrade undoes (and what the upgrade says about it).
struct Undone<'a> {
    tables: BTreeSet<&'a str>,
    indexes: BTreeSet<&'a str>,
    columns: BTreeSet<(&'a str, &'a str)>,
    constraints: BTreeSet<&'a str>,
    /// An index or constraint dropped under a name not known: it may be any.
    any_index: bool,
    any_constraint: bool,
    /// Names the downgrade creates: a re-created index it creates again
    /// without dropping it first fails.
    created: BTreeSet<&'a str>,
    /// Tables the upgrade creates.
    created_by_upgrade: BTreeSet<&'a str>,
    /// Columns the upgrade renames: their story goes on under a name the
    /// downgrade may treat in many ways.
    renamed: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> Undone<'a> {
    /// `None` when the downgrade runs SQL or a helper: it may drop anything.
    fn of(downgrade: &'a [Operation], upgrade: &'a [Operation]) -> Option<Self> {
        let mut undone = Undone {
            tables: BTreeSet::new(),
            indexes: BTreeSet::new(),
            columns: BTreeSet::new(),
            constraints: BTreeSet::new(),
            any_index: false,
            any_constraint: false,
            created: BTreeSet::new(),
            created_by_upgrade: BTreeSet::new(),
            renamed: BTreeSet::new(),
        };
        for op in downgrade {
            match &op.kind {
                // A table renamed away is gone under its name (`rename_table("t",
                // "t_old")` then `drop_table("t_old")`).
                OpKind::DropTable { table } | OpKind::RenameTable { table, .. } => {
                    undone.tables.insert(table.value.as_str());
                }
                OpKind::DropIndex {
                    name: Name::Literal(item),
                    ..
                } => {
                    undone.indexes.insert(item.value.as_str());
                }
                OpKind::DropIndex { .. } => undone.any_index = true,
                OpKind::DropColumn { table, column } => {
                    undone.columns.insert((table.value.as_str(), column.value.as_str()));
                }
                OpKind::DropConstraint {
                    name: Name::Literal(item),
                    ..
                } => {
                    undone.constraints.insert(item.value.as_str());
                }
                OpKind::DropConstraint { .. } => undone.any_constraint = true,
                OpKind::OpaqueSql { .. } | OpKind::Helper { .. } => return None,
                OpKind::CreateIndex { index, .. } => {
                    undone.created.extend(index.name.literal().map(|n| n.value.as_str()));
                }
                OpKind::CreateConstraint {
                    name: Name::Literal(name),
                    ..
                } => {
                    undone.created.insert(name.value.as_str());
                }
                _ => {}
            }
        }
        for op in upgrade {
            match &op.kind {
                OpKind::CreateTable { table, .. } => {
                    undone.created_by_upgrade.insert(table.value.as_str());
                }
                OpKind::RenameColumn { table, column } => {
                    undone.renamed.insert((table.value.as_str(), column.value.as_str()));
                }
                _ => {}
            }
        }
        Some(undone)
    }

    fn table_gone(&self, table: &str) -> bool {
        self.tables.contains(table) || self.created_by_upgrade.contains(table)
    }

    /// A column of the index is dropped: the database drops every index
    /// that uses a dropped column, expression indexes over it included
    /// (`lower(email)` goes with `email`).
    fn column_gone(&self, table: &str, columns: &[CompactString]) -> bool {
        columns.iter().any(|c| {
            self.columns.contains(&(table, c.as_str()))
                || c.split(|ch: char| !ch.is_alphanumeric() && ch != '_')
                    .any(|word| self.columns.contains(&(table, word)))
        })
    }

    /// A constraint dropped, also under the name a naming convention makes
    /// of it (`ck_t_positive` for `positive`).
    fn constraint_dropped(&self, name: &str) -> bool {
        self.constraints.contains(name)
            || self
                .constraints
                .iter()
                .any(|d| d.len() > name.len() && d.ends_with(name) && d[..d.len() - name.len()].ends_with('_'))
    }
}

/// What the upgrade has dropped so far.
#[derive(Default)]
struct Before<'a> {
    names: BTreeSet<&'a str>,
    tables: BTreeSet<&'a str>,
    columns: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> Before<'a> {
    fn take(&mut self, op: &'a Operation) {
        match &op.kind {
            OpKind::DropIndex {
                name: Name::Literal(item),
                ..
            }
            | OpKind::DropConstraint {
                name: Name::Literal(item),
                ..
            } => {
                self.names.insert(item.value.as_str());
            }
            OpKind::DropColumn { table, column } => {
                self.columns.insert((table.value.as_str(), column.value.as_str()));
            }
            // A table renamed away leaves its name free: a table created
            // under it later rebuilds the original.
            OpKind::DropTable { table } | OpKind::RenameTable { table, .. } => {
                self.tables.insert(table.value.as_str());
            }
            _ => {}
        }
    }

    /// The upgrade puts back what it dropped before (or a renamed column):
    /// not new, unless the downgrade creates it once more.
    fn recreates(&self, op: &Operation, undone: &Undone<'_>) -> bool {
        match &op.kind {
            OpKind::CreateIndex { index, .. } => index
                .name
                .literal()
                .is_some_and(|n| self.names.contains(n.value.as_str()) && !undone.created.contains(n.value.as_str())),
            OpKind::CreateConstraint {
                name: Name::Literal(name),
                ..
            } => self.names.contains(name.value.as_str()) && !undone.created.contains(name.value.as_str()),
            OpKind::AddColumn { table, column } => {
                let key = (table.value.as_str(), column.name.value.as_str());
                self.columns.contains(&key) || undone.renamed.contains(&key)
            }
            _ => false,
        }
    }
}

/// An index the upgrade re-creates and the downgrade creates once more,
/// never dropping the upgrade's one: the downgrade fails. Reports it.
fn recreated_twice(
    op: &Operation,
    before: &Before<'_>,
    undone: &Undone<'_>,
    path: &str,
    emit: &mut Emitter<'_>,
) -> bool {
    let OpKind::CreateIndex { table, index } = &op.kind else {
        return false;
    };
    let Some(name) = index.name.literal() else {
        return false;
    };
    if !before.names.contains(name.value.as_str()) || undone.indexes.contains(name.value.as_str()) {
        return false;
    }
    let table = table
        .as_ref()
        .map_or(String::new(), |t| format!(", table_name=\"{}\"", t.value));
    emit.report(
        Rule::DowngradeDoesNotReverse,
        path,
        op.span.clone(),
        format!(
            "`upgrade()` re-creates index `{}` and `downgrade()` creates it again without dropping it: the downgrade fails",
            name.value
        ),
    )
    .help(format!(
        "in `downgrade()`, add `op.drop_index(\"{}\"{table})` before creating it again",
        name.value
    ));
    true
}

/// What `op` creates that the downgrade never drops, with the call that
/// would: `(what, fix)`. `later` are the upgrade's operations after it.
fn never_dropped(
    op: &Operation,
    later: &[Operation],
    before: &Before<'_>,
    undone: &Undone<'_>,
) -> Option<(String, String)> {
    match &op.kind {
        OpKind::CreateTable { table, .. } => table_never_dropped(table, later, before, undone),
        OpKind::CreateIndex { table, index } => {
            let name = index.name.literal()?;
            let table = table.as_ref().map(|t| t.value.as_str());
            // Dropped again within the upgrade: a temporary index.
            let temporary = later.iter().any(|later| {
                matches!(&later.kind, OpKind::DropIndex { name: Name::Literal(dropped), .. } if dropped.value == name.value)
            });
            if undone.any_index
                || temporary
                || table.is_some_and(|t| dropped_later(t, later))
                || undone.indexes.contains(name.value.as_str())
                || table.is_some_and(|t| undone.table_gone(t) || undone.column_gone(t, &index.columns))
            {
                return None;
            }
            let fix = match table {
                Some(t) => format!("op.drop_index(\"{}\", table_name=\"{t}\")", name.value),
                None => format!("op.drop_index(\"{}\")", name.value),
            };
            Some((format!("index `{}`", name.value), fix))
        }
        OpKind::AddColumn { table, column } => {
            let (t, c) = (table.value.as_str(), column.name.value.as_str());
            let temporary = later.iter().any(|later| {
                matches!(&later.kind, OpKind::DropColumn { table, column } if table.value == t && column.value == c)
            });
            if temporary || dropped_later(t, later) || undone.table_gone(t) || undone.columns.contains(&(t, c)) {
                return None;
            }
            Some((format!("column `{t}.{c}`"), format!("op.drop_column(\"{t}\", \"{c}\")")))
        }
        OpKind::CreateConstraint {
            table,
            name: Name::Literal(name),
        } => {
            let table = table.as_ref().map(|t| t.value.as_str());
            let column_dropped = table.is_some_and(|t| undone.columns.iter().any(|(dt, _)| *dt == t));
            if undone.any_constraint
                || table.is_some_and(|t| dropped_later(t, later))
                || undone.constraint_dropped(&name.value)
                || table.is_some_and(|t| undone.table_gone(t))
                || column_dropped
            {
                return None;
            }
            let fix = match table {
                Some(t) => format!("op.drop_constraint(\"{}\", \"{t}\")", name.value),
                None => format!("op.drop_constraint(\"{}\", ...)", name.value),
            };
            Some((format!("constraint `{}`", name.value), fix))
        }
        _ => None,
    }
}

/// The upgrade drops table `table` later, under its name or under the
/// name a later rename gives it: what was built on it is gone with it (a
/// column added to the copy of a table being rebuilt).
fn dropped_later(table: &str, later: &[Operation]) -> bool {
    let mut name = table;
    for later in later {
        match &later.kind {
            OpKind::DropTable { table } if table.value == name => return true,
            OpKind::RenameTable { table, new_name } if table.value == name => name = new_name.value.as_str(),
            _ => {}
        }
    }
    false
}

/// A table the upgrade creates, followed through later renames: `t_tmp`
/// built, `t` dropped, `t_tmp` renamed to `t` is `t` rebuilt; a table
/// dropped again within the upgrade was temporary.
fn table_never_dropped(
    table: &Item,
    later: &[Operation],
    before: &Before<'_>,
    undone: &Undone<'_>,
) -> Option<(String, String)> {
    let mut name = table.value.as_str();
    let mut dropped_later: BTreeSet<&str> = BTreeSet::new();
    let mut temporary = false;
    for later in later {
        match &later.kind {
            OpKind::DropTable { table } => {
                temporary |= table.value == name;
                dropped_later.insert(table.value.as_str());
            }
            OpKind::RenameTable { table, new_name } if table.value == name => {
                name = new_name.value.as_str();
            }
            _ => {}
        }
    }
    let rebuilt = before.tables.contains(name) || (name != table.value && dropped_later.contains(name));
    if temporary || rebuilt || undone.tables.contains(name) {
        return None;
    }
    let what = if name == table.value {
        format!("table `{name}`")
    } else {
        format!("table `{name}` (created as `{}`)", table.value)
    };
    Some((what, format!("op.drop_table(\"{name}\")")))
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn forgotten_index() {
        insta::assert_snapshot!(lint("a.py", "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.add_column('t', sa.Column('c', sa.Integer()))\n    op.create_index('ix_t_c', 't', ['c'])\ndef downgrade():\n    op.drop_column('t', 'x')\n", Rule::DowngradeDoesNotReverse), @r#"
        warning[AP504] downgrade-does-not-reverse: `upgrade()` creates column `t.c`, but `downgrade()` never drops it
         --> versions/a.py:4:5
          |
        4 |     op.add_column('t', sa.Column('c', sa.Integer()))
          |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |
          = help: add `op.drop_column("t", "c")` to `downgrade()`

        warning[AP504] downgrade-does-not-reverse: `upgrade()` creates index `ix_t_c`, but `downgrade()` never drops it
         --> versions/a.py:5:5
          |
        5 |     op.create_index('ix_t_c', 't', ['c'])
          |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |
          = help: add `op.drop_index("ix_t_c", table_name="t")` to `downgrade()`

        Found 2 problems (2 warnings) in 1 file
        Run `alembic-preflight explain AP504` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn reversed_by_name_or_by_table() {
        lint_ok(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_table('t', sa.Column('c', sa.Integer(), index=True))\n    op.create_index('ix_t_x', 't', ['x'])\n    op.create_foreign_key('fk_t_u', 't', 'u', ['u'], ['id'])\ndef downgrade():\n    op.drop_table('t')\n",
            Rule::DowngradeDoesNotReverse,
        );
        lint_ok(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    with op.batch_alter_table('t') as b:\n        b.add_column(sa.Column('c', sa.Integer()))\n        b.create_index('ix_t_c', ['c'])\ndef downgrade():\n    with op.batch_alter_table('t') as b:\n        b.drop_index('ix_t_c')\n        b.drop_column('c')\n",
            Rule::DowngradeDoesNotReverse,
        );
        lint_ok(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_table('t')\ndef downgrade():\n    _drop_everything()\ndef _drop_everything():\n    op.drop_table('t')\n",
            Rule::DowngradeDoesNotReverse,
        );
    }
}
