//! AP102 missing-down-revision: see `docs/rules/missing-down-revision.md`.

use super::{FileContext, Rule, revision_of};
use crate::diagnostic::Emitter;
use compact_str::CompactString;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    if facts.down_revision.is_some() {
        return;
    }
    let range = facts.revision.as_ref().map_or(0..0, |a| a.target.clone());
    let help = match facts.header.as_ref().and_then(|h| h.revises.as_ref()) {
        Some(revises) => format!(
            "add `down_revision = {}` as the header's `Revises:` says",
            python_ids(&revises.ids)
        ),
        None => "add `down_revision = \"<parent id>\"`, or `down_revision = None` for the first revision".to_owned(),
    };
    emit.report(
        Rule::MissingDownRevision,
        &ctx.file.path,
        range,
        format!(
            "{} has no `down_revision`; Alembic fails with AttributeError",
            revision_of(ctx.file)
        ),
    )
    .help(help);
}

/// Python source for a `down_revision` naming `ids`.
pub(crate) fn python_ids(ids: &[CompactString]) -> String {
    match ids {
        [] => "None".to_owned(),
        [one] => format!("\"{one}\""),
        many => format!(
            "({})",
            many.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn suggests_the_header_value() {
        insta::assert_snapshot!(lint("b.py", "\"\"\"Revises: a1\n\"\"\"\nrevision = 'b2'\n", Rule::MissingDownRevision), @r#"
        error[AP102] missing-down-revision: revision `b2` has no `down_revision`; Alembic fails with AttributeError
         --> versions/b.py:3:1
          |
        3 | revision = 'b2'
          | ^^^^^^^^
          |
          = help: add `down_revision = "a1"` as the header's `Revises:` says

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP102` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn none_is_an_assignment() {
        lint_ok(
            "a.py",
            "revision = 'a1'\ndown_revision: Union[str, None] = None\n",
            Rule::MissingDownRevision,
        );
    }
}
