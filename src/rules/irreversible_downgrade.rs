//! AP503 irreversible-downgrade: see `docs/rules/irreversible-downgrade.md`.

use super::{FileContext, Rule, revision_of};
use crate::diagnostic::Emitter;
use crate::scan::migration::Body;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    // A template that raises makes this the project's policy.
    if ctx.env.template_downgrade_raises {
        return;
    }
    let Some(downgrade) = &ctx.file.facts.downgrade else {
        return;
    };
    let Body::Raises { span, exception } = &downgrade.body else {
        return;
    };
    emit.report(
        Rule::IrreversibleDowngrade,
        &ctx.file.path,
        span.clone(),
        format!(
            "`downgrade()` of {} raises `{exception}`; no downgrade can pass it",
            revision_of(ctx.file)
        ),
    )
    .help(
        "write the operations that undo `upgrade()` if they exist; otherwise keep the raise and suppress this warning",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn raises() {
        insta::assert_snapshot!(lint("a.py", "revision = 'a1'\ndown_revision = None\ndef upgrade():\n    op.x()\ndef downgrade():\n    raise NotImplementedError(\"data migration\")\n", Rule::IrreversibleDowngrade), @r#"
        warning[AP503] irreversible-downgrade: `downgrade()` of revision `a1` raises `NotImplementedError`; no downgrade can pass it
         --> versions/a.py:6:5
          |
        6 |     raise NotImplementedError("data migration")
          |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          |
          = help: write the operations that undo `upgrade()` if they exist; otherwise keep the raise and suppress this warning

        Found 1 problem (1 warning) in 1 file
        Run `alembic-preflight explain AP503` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn conditional_raise_is_code() {
        lint_ok(
            "a.py",
            "def downgrade():\n    if context.is_offline_mode():\n        raise NotImplementedError\n    op.x()\n",
            Rule::IrreversibleDowngrade,
        );
    }
}
