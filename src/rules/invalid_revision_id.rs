//! AP106 invalid-revision-id: see `docs/rules/invalid-revision-id.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

/// Characters Alembic's `Revision.verify_rev_id` rejects.
const ILLEGAL: [char; 4] = ['@', '-', '+', ':'];
/// The width of `alembic_version.version_num`.
const MAX_LEN: usize = 32;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let Some(id) = ctx.file.facts.revision_id() else { return };
    let problem = if id.is_empty() {
        "revision id is empty".to_owned()
    } else if id.chars().any(char::is_whitespace) {
        format!("revision id `{id}` contains white space")
    } else if let Some(c) = id.chars().find(|c| ILLEGAL.contains(c)) {
        format!("revision id `{id}` contains `{c}`, which Alembic rejects")
    } else if id.chars().count() > MAX_LEN {
        format!(
            "revision id `{id}` is {} characters long; `alembic_version.version_num` holds {MAX_LEN}",
            id.chars().count()
        )
    } else {
        return;
    };
    let cleaned: String = id
        .trim()
        .chars()
        .take(MAX_LEN)
        .map(|c| {
            if c.is_whitespace() || ILLEGAL.contains(&c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let help = if cleaned.is_empty() || cleaned == id {
        "use an id of letters, digits and underscores (what `alembic revision` generates), and update every `down_revision` that names it".to_owned()
    } else {
        format!(
            "use `revision = \"{cleaned}\"` (letters, digits and underscores) and update every `down_revision` that names it"
        )
    };
    emit.report(
        Rule::InvalidRevisionId,
        &ctx.file.path,
        ctx.file.revision_span(),
        problem,
    )
    .help(help);
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn dash_in_id() {
        insta::assert_snapshot!(lint("a.py", "revision = 'add-users'\ndown_revision = None\n", Rule::InvalidRevisionId), @r#"
        error[AP106] invalid-revision-id: revision id `add-users` contains `-`, which Alembic rejects
         --> versions/a.py:1:13
          |
        1 | revision = 'add-users'
          |             ^^^^^^^^^
          |
          = help: use `revision = "add_users"` (letters, digits and underscores) and update every `down_revision` that names it

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP106` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn real_world_ids_are_valid() {
        for id in [
            "3c8e2d1a9b7f",
            "059",
            "47147121",
            "kilo",
            "main_0000a",
            "django_0024a",
            "I38991de2b4",
        ] {
            lint_ok(
                "x.py",
                &format!("revision = '{id}'\ndown_revision = None\n"),
                Rule::InvalidRevisionId,
            );
        }
    }
}
