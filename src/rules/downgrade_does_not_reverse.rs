//! AP504 downgrade-does-not-reverse: see `docs/rules/downgrade-does-not-reverse.md`.

use super::{FileContext, Rule};
use crate::change::{Created, Object};
use crate::scan::migration::Body;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut crate::diagnostic::Emitter<'_>) {
    let (Some(upgrade), Some(downgrade)) = (&ctx.change.upgrade, &ctx.change.downgrade) else {
        return;
    };
    // Missing, empty or raising downgrades are other rules' business; a
    // helper call or unread SQL may drop anything.
    if downgrade.function.body != Body::Code || downgrade.unseen || ctx.file.facts.is_merge() {
        return;
    }
    // What the upgrade put back after taking it away is not new, unless
    // the downgrade creates it once more: then it must drop it first.
    let again = upgrade
        .restored
        .iter()
        .filter(|r| name_of(&r.object).is_some_and(|n| downgrade.creates_names.contains(n)));
    let restored: std::collections::BTreeSet<usize> = upgrade.restored.iter().map(|r| r.op.span.start).collect();
    let mut judged: Vec<&Created<'_>> = upgrade.created.iter().chain(again).collect();
    judged.sort_by_key(|c| c.op.span.start);
    for created in judged {
        if let Object::Index { name, table, .. } = &created.object
            && restored.contains(&created.op.span.start)
        {
            if !downgrade.removed.indexes.contains(name) {
                let table = table.map_or(String::new(), |t| format!(", table_name=\"{t}\""));
                emit.report(
                    Rule::DowngradeDoesNotReverse,
                    &ctx.file.path,
                    created.op.span.clone(),
                    format!(
                        "`upgrade()` re-creates index `{name}` and `downgrade()` creates it again without dropping it: the downgrade fails"
                    ),
                )
                .help(format!(
                    "in `downgrade()`, add `op.drop_index(\"{name}\"{table})` before creating it again"
                ));
            }
            continue;
        }
        if downgrade.removes(&created.object, upgrade) {
            continue;
        }
        emit.report(
            Rule::DowngradeDoesNotReverse,
            &ctx.file.path,
            created.op.span.clone(),
            format!(
                "`upgrade()` creates {}, but `downgrade()` never drops it",
                created.object.describe()
            ),
        )
        .help(format!("add `{}` to `downgrade()`", created.object.removal()));
    }
}

/// The name of an index or constraint.
fn name_of<'p>(object: &Object<'p>) -> Option<&'p str> {
    match object {
        Object::Index { name, .. } | Object::Constraint { name, .. } => Some(name),
        _ => None,
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
