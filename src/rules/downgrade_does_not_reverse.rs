//! AP504 downgrade-does-not-reverse: see `docs/rules/downgrade-does-not-reverse.md`.

use compact_str::CompactString;
use std::collections::BTreeSet;

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::scan::migration::Body;
use crate::scan::ops::{Name, OpKind};

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
    let mut dropped_tables = BTreeSet::new();
    let mut dropped_indexes = BTreeSet::new();
    let mut dropped_columns = BTreeSet::new();
    let mut dropped_constraints = BTreeSet::new();
    let mut unknown_index_drop = false;
    let mut unknown_constraint_drop = false;
    for op in &downgrade.ops {
        match &op.kind {
            // A table renamed away is gone under its name (`rename_table("t",
            // "t_old")` then `drop_table("t_old")`).
            OpKind::DropTable { table } | OpKind::RenameTable { table, .. } => {
                dropped_tables.insert(table.value.as_str());
            }
            OpKind::DropIndex {
                name: Name::Literal(item),
                ..
            } => {
                dropped_indexes.insert(item.value.as_str());
            }
            OpKind::DropIndex { .. } => unknown_index_drop = true,
            OpKind::DropColumn { table, column } => {
                dropped_columns.insert((table.value.as_str(), column.value.as_str()));
            }
            OpKind::DropConstraint {
                name: Name::Literal(item),
                ..
            } => {
                dropped_constraints.insert(item.value.as_str());
            }
            OpKind::DropConstraint { .. } => unknown_constraint_drop = true,
            OpKind::OpaqueSql { .. } | OpKind::Helper { .. } => return,
            _ => {}
        }
    }
    let created_tables: BTreeSet<&str> = upgrade
        .ops
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::CreateTable { table, .. } => Some(table.value.as_str()),
            _ => None,
        })
        .collect();
    let table_gone = |table: &str| dropped_tables.contains(table) || created_tables.contains(table);
    let column_gone =
        |table: &str, columns: &[CompactString]| columns.iter().any(|c| dropped_columns.contains(&(table, c.as_str())));
    // A constraint dropped under the name a naming convention makes of it
    // (`ck_t_positive` for `positive`).
    let constraint_dropped = |name: &str| {
        dropped_constraints.contains(name)
            || dropped_constraints
                .iter()
                .any(|d| d.len() > name.len() && d.ends_with(name) && d[..d.len() - name.len()].ends_with('_'))
    };
    // Columns the upgrade renames: their story goes on under a name the
    // downgrade may treat in many ways.
    let renamed: BTreeSet<(&str, &str)> = upgrade
        .ops
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::RenameColumn { table, column } => Some((table.value.as_str(), column.value.as_str())),
            _ => None,
        })
        .collect();
    // Names the downgrade creates: a re-created index it creates again
    // without dropping it first fails.
    let created_by_downgrade: BTreeSet<&str> = downgrade
        .ops
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::CreateIndex { index, .. } => index.name.literal().map(|n| n.value.as_str()),
            OpKind::CreateConstraint {
                name: Name::Literal(name),
                ..
            } => Some(name.value.as_str()),
            _ => None,
        })
        .collect();
    // Names the upgrade drops before it creates them again: re-created, not
    // new, unless the downgrade creates them once more.
    let mut gone_before: BTreeSet<&str> = BTreeSet::new();
    let mut tables_gone_before: BTreeSet<&str> = BTreeSet::new();
    let mut columns_gone_before: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (at, op) in upgrade.ops.iter().enumerate() {
        match &op.kind {
            OpKind::DropIndex {
                name: Name::Literal(item),
                ..
            }
            | OpKind::DropConstraint {
                name: Name::Literal(item),
                ..
            } => {
                gone_before.insert(item.value.as_str());
            }
            OpKind::DropColumn { table, column } => {
                columns_gone_before.insert((table.value.as_str(), column.value.as_str()));
            }
            OpKind::DropTable { table } => {
                tables_gone_before.insert(table.value.as_str());
            }
            _ => {}
        }
        let recreated = match &op.kind {
            OpKind::CreateIndex { index, .. } => index.name.literal().is_some_and(|n| {
                gone_before.contains(n.value.as_str()) && !created_by_downgrade.contains(n.value.as_str())
            }),
            OpKind::CreateConstraint {
                name: Name::Literal(name),
                ..
            } => gone_before.contains(name.value.as_str()) && !created_by_downgrade.contains(name.value.as_str()),
            OpKind::AddColumn { table, column } => {
                let key = (table.value.as_str(), column.name.value.as_str());
                columns_gone_before.contains(&key) || renamed.contains(&key)
            }
            _ => false,
        };
        if recreated {
            continue;
        }
        // Re-created by the upgrade and created once more by the downgrade,
        // which never drops the upgrade's one: the downgrade fails.
        if let OpKind::CreateIndex { table, index } = &op.kind
            && let Some(name) = index.name.literal()
            && gone_before.contains(name.value.as_str())
            && !dropped_indexes.contains(name.value.as_str())
        {
            let table = table
                .as_ref()
                .map_or(String::new(), |t| format!(", table_name=\"{}\"", t.value));
            emit.report(
                Rule::DowngradeDoesNotReverse,
                &ctx.file.path,
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
            continue;
        }
        let (what, fix) = match &op.kind {
            OpKind::CreateTable { table, .. } => {
                // Followed through later renames: `t_tmp` built, `t` dropped,
                // `t_tmp` renamed to `t` is `t` rebuilt; a table dropped again
                // within the upgrade was temporary.
                let mut name = table.value.as_str();
                let mut dropped_later: BTreeSet<&str> = BTreeSet::new();
                let mut temporary = false;
                for later in &upgrade.ops[at + 1..] {
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
                let rebuilt =
                    tables_gone_before.contains(name) || (name != table.value && dropped_later.contains(name));
                if temporary || rebuilt || dropped_tables.contains(name) {
                    continue;
                }
                let what = if name == table.value {
                    format!("table `{name}`")
                } else {
                    format!("table `{name}` (created as `{}`)", table.value)
                };
                (what, format!("op.drop_table(\"{name}\")"))
            }
            OpKind::CreateIndex { table, index } => {
                let Some(name) = index.name.literal() else { continue };
                let table = table.as_ref().map(|t| t.value.as_str());
                // Dropped again within the upgrade: a temporary index.
                let temporary = upgrade.ops[at + 1..].iter().any(|later| {
                    matches!(&later.kind, OpKind::DropIndex { name: Name::Literal(dropped), .. } if dropped.value == name.value)
                });
                if unknown_index_drop
                    || temporary
                    || dropped_indexes.contains(name.value.as_str())
                    || table.is_some_and(|t| table_gone(t) || column_gone(t, &index.columns))
                {
                    continue;
                }
                let fix = match table {
                    Some(t) => format!("op.drop_index(\"{}\", table_name=\"{t}\")", name.value),
                    None => format!("op.drop_index(\"{}\")", name.value),
                };
                (format!("index `{}`", name.value), fix)
            }
            OpKind::AddColumn { table, column } => {
                let (t, c) = (table.value.as_str(), column.name.value.as_str());
                let temporary = upgrade.ops[at + 1..].iter().any(|later| {
                    matches!(&later.kind, OpKind::DropColumn { table, column } if table.value == t && column.value == c)
                });
                if temporary || table_gone(t) || dropped_columns.contains(&(t, c)) {
                    continue;
                }
                (format!("column `{t}.{c}`"), format!("op.drop_column(\"{t}\", \"{c}\")"))
            }
            OpKind::CreateConstraint {
                table,
                name: Name::Literal(name),
            } => {
                let table = table.as_ref().map(|t| t.value.as_str());
                let column_dropped = table.is_some_and(|t| dropped_columns.iter().any(|(dt, _)| *dt == t));
                if unknown_constraint_drop
                    || constraint_dropped(&name.value)
                    || table.is_some_and(table_gone)
                    || column_dropped
                {
                    continue;
                }
                let fix = match table {
                    Some(t) => format!("op.drop_constraint(\"{}\", \"{t}\")", name.value),
                    None => format!("op.drop_constraint(\"{}\", ...)", name.value),
                };
                (format!("constraint `{}`", name.value), fix)
            }
            _ => continue,
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
