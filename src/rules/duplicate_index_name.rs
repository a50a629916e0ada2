//! AP301 duplicate-index-name: see `docs/rules/duplicate-index-name.md`.

use super::Rule;
use crate::diagnostic::Emitter;
use crate::rules::Schema;
use compact_str::CompactString;

pub(crate) fn check(schema: &Schema<'_>, emit: &mut Emitter<'_>) {
    for (_, replay) in &schema.replays {
        for (second, first) in &replay.duplicates {
            let name = &second.name;
            // The schema is part of what collides: say which one.
            let (qualified, schema_arg) = match second.schema {
                Some(schema) => (format!("{schema}.{name}"), format!(", schema=\"{schema}\"")),
                None => (name.to_string(), String::new()),
            };
            let message = if second.path == first.path {
                format!("index `{qualified}` is created twice in this migration")
            } else {
                format!(
                    "index `{qualified}` is created again: {} already created it and nothing dropped it since",
                    first.path
                )
            };
            let column = first.columns.first().map_or("", CompactString::as_str);
            let help = if first.implicit {
                format!("remove this creation: `index=True` on column `{column}` already creates `{name}`")
            } else if second.implicit {
                format!(
                    "remove `index=True` from column `{}`: the index `{name}` already exists",
                    second.columns.first().map_or("", CompactString::as_str)
                )
            } else {
                format!("remove this creation, or drop the index first with `op.drop_index(\"{name}\"{schema_arg})`")
            };
            let note = if first.implicit {
                format!("`index=True` creates `{name}` here")
            } else {
                format!("`{name}` first created here")
            };
            emit.report(Rule::DuplicateIndexName, second.path, second.span.clone(), message)
                .help(help)
                .related(first.path, first.span.clone(), note);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint_graph, lint_graph_ok};

    #[test]
    fn index_true_and_create_index_in_one_migration() {
        insta::assert_snapshot!(lint_graph(&[(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_table('t', sa.Column('d', sa.Date(), index=True))\n    op.create_index('ix_t_d', 't', ['d'])\n",
        )], Rule::DuplicateIndexName), @"
        error[AP301] duplicate-index-name: index `ix_t_d` is created twice in this migration
         --> versions/a.py:5:5
          |
        5 |     op.create_index('ix_t_d', 't', ['d'])
          |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |
         ::: versions/a.py:4:26
          |
        4 |     op.create_table('t', sa.Column('d', sa.Date(), index=True))
          |                          ------------------------------------- `index=True` creates `ix_t_d` here
          |
          = help: remove this creation: `index=True` on column `d` already creates `ix_t_d`

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP301` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn dropped_with_its_table_and_created_again() {
        lint_graph_ok(
            &[
                (
                    "a.py",
                    "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer()))\n    op.create_index('ix_t_id', 't', ['id'])\n",
                ),
                (
                    "b.py",
                    "revision = 'b'\ndown_revision = 'a'\ndef upgrade():\n    op.drop_table('t')\n    op.create_table('t', sa.Column('id', sa.Integer()))\n    with op.batch_alter_table('t') as batch_op:\n        batch_op.create_index('ix_t_id', ['id'])\n",
                ),
            ],
            Rule::DuplicateIndexName,
        );
    }
}
