//! AP501 missing-downgrade: see `docs/rules/missing-downgrade.md`.

use super::{FileContext, Rule, revision_of};
use crate::diagnostic::Emitter;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    // A project whose template writes no downgrade() never downgrades.
    if facts.downgrade.is_some() || !ctx.env.template_has_downgrade {
        return;
    }
    let range = facts.upgrade.as_ref().map_or(0..0, |f| f.name.clone());
    emit.report(
        Rule::MissingDowngrade,
        &ctx.file.path,
        range,
        format!(
            "{} has no `downgrade()`; `alembic downgrade` past it fails",
            revision_of(ctx.file)
        ),
    )
    .help("add `def downgrade():` with the operations that undo `upgrade()`");
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn no_downgrade() {
        insta::assert_snapshot!(lint("a.py", "revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    op.drop_table('x')\n", Rule::MissingDowngrade), @"
        error[AP501] missing-downgrade: revision `a1` has no `downgrade()`; `alembic downgrade` past it fails
         --> versions/a.py:4:5
          |
        4 | def upgrade():
          |     ^^^^^^^
          |
          = help: add `def downgrade():` with the operations that undo `upgrade()`

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP501` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn downgrade_with_parameters() {
        lint_ok(
            "a.py",
            "def upgrade(op, tables, tester):\n    op.x()\n\ndef downgrade(op, tables, tester):\n    op.y()\n",
            Rule::MissingDowngrade,
        );
    }
}
