//! AP502 empty-downgrade: see `docs/rules/empty-downgrade.md`.

use super::{FileContext, Rule, revision_of};
use crate::diagnostic::Emitter;
use crate::scan::effect::Effect;
use crate::scan::migration::Body;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    let Some(downgrade) = &facts.downgrade else { return };
    // A project whose template writes no downgrade never downgrades.
    if downgrade.body != Body::Empty || facts.is_merge() || !ctx.env.template_has_downgrade {
        return;
    }
    // The template's fixed comment, kept word for word over an empty
    // body, states the project's policy: this revision is upgrade-only.
    let policy = &ctx.env.template_downgrade_comments;
    if !policy.is_empty() && policy.iter().all(|c| downgrade.comments.iter().any(|d| d == c)) {
        return;
    }
    let Some(upgrade) = &ctx.change.upgrade else { return };
    // Data-only upgrades are `empty-data-downgrade`'s to judge; SQL that
    // cannot be read is nobody's to judge.
    if upgrade.is_empty() || upgrade.effects.strongest() != Effect::Schema {
        return;
    }
    emit.report(
        Rule::EmptyDowngrade,
        &ctx.file.path,
        downgrade.name.clone(),
        format!(
            "`downgrade()` of {} does nothing, but `upgrade()` changes the schema",
            revision_of(ctx.file)
        ),
    )
    .help(match upgrade.undo() {
        Some(calls) => format!(
            "write the operations that undo `upgrade()` ({}), or `raise NotImplementedError` if it cannot be undone",
            listed(&calls)
        ),
        None => "write the operations that undo `upgrade()`, or `raise NotImplementedError` if it cannot be undone"
            .to_owned(),
    });
}

/// The first three calls, and how many more.
fn listed(calls: &[String]) -> String {
    let shown: Vec<String> = calls.iter().take(3).map(|c| format!("`{c}`")).collect();
    match calls.len() {
        0..=3 => shown.join(", "),
        n => format!("{}, and {} more", shown.join(", "), n - 3),
    }
}
#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn docstring_and_pass() {
        insta::assert_snapshot!(lint("a.py", "revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    op.create_table('t')\n\ndef downgrade():\n    \"\"\"Undo.\"\"\"\n    pass\n", Rule::EmptyDowngrade), @r#"
        error[AP502] empty-downgrade: `downgrade()` of revision `a1` does nothing, but `upgrade()` changes the schema
         --> versions/a.py:7:5
          |
        7 | def downgrade():
          |     ^^^^^^^^^
          |
          = help: write the operations that undo `upgrade()` (`op.drop_table("t")`), or `raise NotImplementedError` if it cannot be undone

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP502` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn merges_and_no_ops_are_exempt() {
        lint_ok(
            "m.py",
            "revision = 'm'\ndown_revision = ('a', 'b')\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n",
            Rule::EmptyDowngrade,
        );
        lint_ok(
            "m.py",
            "revision = 'm'\ndown_revision = ('a', 'b')\ndef upgrade():\n    op.x()\ndef downgrade():\n    pass\n",
            Rule::EmptyDowngrade,
        );
        lint_ok(
            "n.py",
            "revision = 'n'\ndown_revision = 'a'\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n",
            Rule::EmptyDowngrade,
        );
    }

    #[test]
    fn data_only_and_no_op_upgrades_are_not_schema_changes() {
        for upgrade in [
            "    op.execute(\"UPDATE t SET a = 1 WHERE a IS NULL\")\n",
            "    op.bulk_insert(table, [{'id': 1}])\n",
            "    if skip_on_legacy_engine(op, __name__):\n        return\n    pass\n",
        ] {
            lint_ok(
                "d.py",
                &format!("revision = 'd'\ndown_revision = 'a'\ndef upgrade():\n{upgrade}def downgrade():\n    pass\n"),
                Rule::EmptyDowngrade,
            );
        }
    }
}
