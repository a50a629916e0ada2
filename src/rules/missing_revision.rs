//! AP101 missing-revision: see `docs/rules/missing-revision.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::tree;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    if facts.revision.is_some() {
        return;
    }
    // The id to write: the header's, else the one the file name starts with.
    let known = facts
        .header
        .as_ref()
        .and_then(|h| h.revision_id.as_ref())
        .map(|item| item.value.to_string())
        .filter(|id| !id.is_empty())
        .or_else(|| {
            ctx.env
                .file_names_start_with_revision()
                .then(|| name_id(tree::file_name(&ctx.file.path)))
                .flatten()
        });
    let help = match known {
        Some(id) => format!("add `revision = \"{id}\"` below the imports"),
        None => "add `revision = \"<id>\"` below the imports, with the id this revision is known by".to_owned(),
    };
    emit.report(
        Rule::MissingRevision,
        &ctx.file.path,
        0..0,
        "migration has no `revision` assignment; Alembic cannot load it",
    )
    .help(help);
}

/// The id-like token a file name starts with (`3c8e2d1a9b7f_add_users.py`).
pub(crate) fn name_id(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".py").unwrap_or(name);
    let id_like = |token: &str| {
        let hex_id = token.len() == 12 && token.bytes().all(|c| c.is_ascii_hexdigit());
        hex_id
            || (token.len() >= 3
                && token.bytes().all(|c| c.is_ascii_alphanumeric())
                && token.bytes().any(|c| c.is_ascii_digit()))
    };
    // Leading numbers (`093_`, `20240101_1200_`) order the files; the id is
    // the first id-like token after them, or the number itself.
    let mut tokens = stem.split('_').take_while(|t| id_like(t)).peekable();
    let first = tokens.peek().copied()?;
    Some(
        tokens
            .find(|t| !t.bytes().all(|c| c.is_ascii_digit()))
            .unwrap_or(first)
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn reports_a_file_without_revision() {
        insta::assert_snapshot!(lint("3c8e2d1a9b7f_add.py", "down_revision = None\n", Rule::MissingRevision), @r#"
        error[AP101] missing-revision: migration has no `revision` assignment; Alembic cannot load it
         --> versions/3c8e2d1a9b7f_add.py:1:1
          |
        1 | down_revision = None
          | ^
          |
          = help: add `revision = "3c8e2d1a9b7f"` below the imports

        Found 1 problem (1 error) in 1 file
        Run `alembic-preflight explain AP101` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn annotated_revision_is_enough() {
        lint_ok(
            "a.py",
            "revision: str = 'a1'\ndown_revision = None\n",
            Rule::MissingRevision,
        );
    }
}
