//! AP002 invalid-syntax: see `docs/rules/invalid-syntax.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

/// Reports where the file stops being Python; true when it does, and the
/// other file rules must not run on a misreading of it.
pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) -> bool {
    let Some((span, message)) = &ctx.file.facts.syntax_error else {
        return false;
    };
    // Turned off, the file is judged as read, as before this rule.
    if ctx.settings.severity(Rule::InvalidSyntax).is_none() {
        return false;
    }
    emit.report(
        Rule::InvalidSyntax,
        &ctx.file.path,
        span.clone(),
        format!("{message}: Python cannot load this revision, and Alembic fails on it"),
    )
    .help("fix the syntax; no other rule judges this file until then");
    true
}

/// AP002 on another Python file (a model, an application module) that
/// Python cannot parse: its models and calls are left out of every rule.
pub(crate) fn report(path: &str, span: std::ops::Range<usize>, message: &str, emit: &mut Emitter<'_>) {
    emit.report(
        Rule::InvalidSyntax,
        path,
        span,
        format!("{message}: Python cannot import this file"),
    )
    .help("fix the syntax; no rule reads this file's models or calls until then");
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    const HEAD: &str = "revision = 'a1'\ndown_revision = None\n\n";

    #[test]
    fn an_unclosed_bracket_is_named_where_it_opened() {
        let out = lint(
            "a.py",
            &format!(
                "{HEAD}def upgrade():\n    op.add_column('t', sa.Column('c', sa.Integer())\n\ndef downgrade():\n    op.drop_column('t', 'c')\n"
            ),
            Rule::InvalidSyntax,
        );
        assert!(
            out.contains("error[AP002] invalid-syntax: `(` was never closed"),
            "{out}"
        );
        assert!(out.contains("a.py:5:18"), "{out}");
    }

    #[test]
    fn strings_and_brackets_that_do_not_match() {
        for (body, message) in [
            ("    op.execute('UPDATE t SET a = 1)\n", "unterminated string literal"),
            ("    op.drop_table('t'])\n", "closing `]` does not match opening `(`"),
            ("    op.drop_table('t'))\n", "unmatched `)`"),
            ("    '''never ends\n", "unterminated triple-quoted string literal"),
        ] {
            let out = lint(
                "a.py",
                &format!("{HEAD}def upgrade():\n{body}\ndef downgrade():\n    pass\n"),
                Rule::InvalidSyntax,
            );
            assert!(out.contains(message), "{body}: {out}");
        }
    }

    #[test]
    fn valid_python_is_not_refused() {
        for body in [
            "    op.execute(f\"UPDATE t SET a = '{x[\"k\"]}'\")\n",
            "    op.execute('''\n        UPDATE t SET a = ')'\n    ''')\n",
            "    x = {'a': [1, (2, 3)]}\n",
            "    op.execute(\"it's fine\")\n",
        ] {
            lint_ok(
                "a.py",
                &format!("{HEAD}def upgrade():\n{body}\ndef downgrade():\n    pass\n"),
                Rule::InvalidSyntax,
            );
        }
    }
}
