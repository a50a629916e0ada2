//! AP103 docstring-revision-mismatch: see `docs/rules/docstring-revision-mismatch.md`.

use super::{FileContext, Rule};
use crate::diagnostic::{Applicability, Edit, Emitter, Fix};

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    let (Some(header_id), Some(revision)) = (
        facts.header.as_ref().and_then(|h| h.revision_id.as_ref()),
        facts.revision_id(),
    ) else {
        return;
    };
    if header_id.value.is_empty() || header_id.value == revision {
        return;
    }
    emit.report(
        Rule::DocstringRevisionMismatch,
        &ctx.file.path,
        header_id.span.clone(),
        format!(
            "header says `Revision ID: {}` but `revision = \"{revision}\"`",
            header_id.value
        ),
    )
    .help(format!("change the header to `Revision ID: {revision}`"))
    .related(&ctx.file.path, ctx.file.revision_span(), "the id Alembic uses")
    .fix(Fix {
        applicability: Applicability::Safe,
        message: format!("set the header's `Revision ID:` to `{revision}`"),
        edits: vec![Edit::replace(
            &ctx.file.path,
            header_id.span.clone(),
            &header_id.value,
            revision,
        )],
    });
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn stale_header_id() {
        insta::assert_snapshot!(lint("b.py", "\"\"\"Add users\n\nRevision ID: b1\nRevises: a1\n\"\"\"\nrevision = 'b2'\ndown_revision = 'a1'\n", Rule::DocstringRevisionMismatch), @r#"
        error[AP103] docstring-revision-mismatch: header says `Revision ID: b1` but `revision = "b2"`
         --> versions/b.py:3:14
          |
        3 | Revision ID: b1
          |              ^^
          |
         ::: versions/b.py:6:13
          |
        6 | revision = 'b2'
          |             -- the id Alembic uses
          |
          = help: change the header to `Revision ID: b2`
          = fix: set the header's `Revision ID:` to `b2` (`--fix`)

        Found 1 problem (1 error) in 1 file
        1 fixable with `alembic-preflight check --fix` (`--diff` shows the change first).
        Run `alembic-preflight explain AP103` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn matching_header() {
        lint_ok(
            "b.py",
            "\"\"\"Revision ID: b2\nRevises: a1\n\"\"\"\nrevision = 'b2'\ndown_revision = 'a1'\n",
            Rule::DocstringRevisionMismatch,
        );
    }
}
