//! AP506 empty-data-downgrade: see `docs/rules/empty-data-downgrade.md`.

use super::{FileContext, Rule, revision_of};
use crate::diagnostic::Emitter;
use crate::scan::effect::Effect;
use crate::scan::migration::Body;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    let (Some(upgrade), Some(downgrade)) = (&ctx.change.upgrade, &facts.downgrade) else {
        return;
    };
    if downgrade.body != Body::Empty || upgrade.effects.strongest() != Effect::Data || facts.is_merge() {
        return;
    }
    emit.report(
        Rule::EmptyDataDowngrade,
        &ctx.file.path,
        downgrade.name.clone(),
        format!(
            "`downgrade()` of {} does nothing, and `upgrade()` changes data only",
            revision_of(ctx.file)
        ),
    )
    .help("restore the rows `upgrade()` changed in `downgrade()`, or say in a comment why they need no restoring");
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn backfill_without_a_way_back() {
        insta::assert_snapshot!(lint("b.py", "revision = 'b1'\ndown_revision = 'a1'\n\ndef upgrade():\n    op.execute(\"UPDATE users SET active = true WHERE active IS NULL\")\n\ndef downgrade():\n    pass\n", Rule::EmptyDataDowngrade), @"
        warning[AP506] empty-data-downgrade: `downgrade()` of revision `b1` does nothing, and `upgrade()` changes data only
         --> versions/b.py:7:5
          |
        7 | def downgrade():
          |     ^^^^^^^^^
          |
          = help: restore the rows `upgrade()` changed in `downgrade()`, or say in a comment why they need no restoring

        Found 1 problem (1 warning) in 1 file
        Run `alembic-preflight explain AP506` for what a rule checks and how to fix it.
        ");
    }

    #[test]
    fn schema_changes_and_no_ops_are_not_its_concern() {
        lint_ok(
            "s.py",
            "revision = 's'\ndown_revision = 'a'\ndef upgrade():\n    op.add_column('t', sa.Column('c', sa.Integer()))\ndef downgrade():\n    pass\n",
            Rule::EmptyDataDowngrade,
        );
        lint_ok(
            "n.py",
            "revision = 'n'\ndown_revision = 'a'\ndef upgrade():\n    if skip():\n        return\ndef downgrade():\n    pass\n",
            Rule::EmptyDataDowngrade,
        );
    }
}
