//! AP105 filename-revision-mismatch: see `docs/rules/filename-revision-mismatch.md`.

use super::missing_revision::name_id;
use super::{FileContext, Rule};
use crate::diagnostic::Emitter;
use crate::graph::name_carries_revision;
use crate::tree;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    // The template names files by their id, and so does the history.
    if !ctx.env.file_names_start_with_revision() || !ctx.graph.names_carry_revisions() {
        return;
    }
    let Some(revision) = ctx.file.facts.revision_id() else {
        return;
    };
    let name = tree::file_name(&ctx.file.path);
    let stem = name.strip_suffix(".py").unwrap_or(name);
    // The id anywhere in the name (after a date or number prefix) is fine.
    if name_carries_revision(name, revision) {
        return;
    }
    let Some(name_token) = name_id(name) else { return };
    let renamed = format!("{}.py", stem.replacen(name_token.as_str(), revision, 1));
    let place = if stem.starts_with(name_token.as_str()) {
        "starts with"
    } else {
        "has the id"
    };
    emit.report(
        Rule::FilenameRevisionMismatch,
        &ctx.file.path,
        ctx.file.revision_span(),
        format!("file name {place} `{name_token}` but `revision = \"{revision}\"`; was this file copied?"),
    )
    .help(format!(
        "rename the file to `{renamed}`, or set `revision = \"{name_token}\"` if the name is right"
    ));
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn copied_file() {
        insta::assert_snapshot!(lint("5d9f3e2b8a4c_add_orders.py", "revision = '3c8e2d1a9b7f'\ndown_revision = None\n", Rule::FilenameRevisionMismatch), @r#"
        warning[AP105] filename-revision-mismatch: file name starts with `5d9f3e2b8a4c` but `revision = "3c8e2d1a9b7f"`; was this file copied?
         --> versions/5d9f3e2b8a4c_add_orders.py:1:13
          |
        1 | revision = '3c8e2d1a9b7f'
          |             ^^^^^^^^^^^^
          |
          = help: rename the file to `3c8e2d1a9b7f_add_orders.py`, or set `revision = "5d9f3e2b8a4c"` if the name is right

        Found 1 problem (1 warning) in 1 file
        Run `alembic-preflight explain AP105` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn dated_numbered_and_plain_names() {
        let src = "revision = 'ab12cd'\ndown_revision = None\n";
        lint_ok("ab12cd_add_users.py", src, Rule::FilenameRevisionMismatch);
        lint_ok("20240101_1200_ab12cd_add_users.py", src, Rule::FilenameRevisionMismatch);
        lint_ok("011_ab12cd_add_users.py", src, Rule::FilenameRevisionMismatch);
        lint_ok("add_users.py", src, Rule::FilenameRevisionMismatch);
    }

    #[test]
    fn a_numbered_name_is_compared_by_its_id() {
        let out = lint(
            "093_aaaaaaaaaaaa_remove_x.py",
            "revision = '7f70d7d15445'\ndown_revision = None\n",
            Rule::FilenameRevisionMismatch,
        );
        assert!(out.contains("file name has the id `aaaaaaaaaaaa`"), "{out}");
        assert!(
            out.contains("rename the file to `093_7f70d7d15445_remove_x.py`"),
            "{out}"
        );
    }
}
