//! AP108 unreadable-revision-value: see `docs/rules/unreadable-revision-value.md`.

use super::{FileContext, Rule, revision_of};
use crate::diagnostic::Emitter;
use crate::scan::migration::{Assignment, Value};

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    for (name, assignment, consequence) in [
        (
            "revision",
            &facts.revision,
            "no revision can name it, so the heads and parents of this environment go unjudged",
        ),
        (
            "down_revision",
            &facts.down_revision,
            "its parent is unknown, and the graph checks judge only what holds whatever it is",
        ),
    ] {
        let Some(Assignment {
            value: Value::Unknown(text),
            value_span,
            ..
        }) = assignment
        else {
            continue;
        };
        let (what, help) = describe(text);
        emit.report(
            Rule::UnreadableRevisionValue,
            &ctx.file.path,
            value_span.clone(),
            format!("`{name}` of {} is {what}: {consequence}", revision_of(ctx.file)),
        )
        .help(help);
    }
}

/// What the value is, and what to write instead.
fn describe(text: &str) -> (String, &'static str) {
    let first_line = text.lines().next().unwrap_or_default();
    let clipped: String = first_line.chars().take(60).collect();
    let ellipsis = if clipped.len() < text.len() { "…" } else { "" };
    let opens_string = first_line
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .starts_with(['\'', '"']);
    if opens_string {
        (
            format!("a string that never ends (`{clipped}{ellipsis}`)"),
            "close the string: Python cannot load this file as it is",
        )
    } else {
        (
            format!("`{clipped}{ellipsis}`, which only running the file can tell"),
            "write the id as a string literal, or bind it to a module-level name assigned once (`PARENT = \"<id>\"`)",
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn computed_and_unterminated_values() {
        insta::assert_snapshot!(lint("b.py", "revision = 'b1'\ndown_revision = parent_of('b1')\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n", Rule::UnreadableRevisionValue), @r#"
        warning[AP108] unreadable-revision-value: `down_revision` of revision `b1` is `parent_of('b1')`, which only running the file can tell: its parent is unknown, and the graph checks judge only what holds whatever it is
         --> versions/b.py:2:17
          |
        2 | down_revision = parent_of('b1')
          |                 ^^^^^^^^^^^^^^^
          |
          = help: write the id as a string literal, or bind it to a module-level name assigned once (`PARENT = "<id>"`)

        Found 1 problem (1 warning) in 1 file
        Run `alembic-preflight explain AP108` for what a rule checks and how to fix it.
        "#);
        insta::assert_snapshot!(lint("c.py", "revision = 'c1'\ndown_revision = 'b1\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n", Rule::UnreadableRevisionValue), @r#"
        warning[AP108] unreadable-revision-value: `down_revision` of revision `c1` is a string that never ends (`'b1`): its parent is unknown, and the graph checks judge only what holds whatever it is
         --> versions/c.py:2:17
          |
        2 | down_revision = 'b1
          |                 ^^^
          |
          = help: close the string: Python cannot load this file as it is

        Found 1 problem (1 warning) in 1 file
        Run `alembic-preflight explain AP108` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn literals_and_module_constants_are_read() {
        lint_ok(
            "a.py",
            "PARENT = 'a0'\nrevision = 'a1'\ndown_revision = PARENT\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n",
            Rule::UnreadableRevisionValue,
        );
        lint_ok(
            "a.py",
            "revision = 'a1'\ndown_revision = ('a0', 'z0')\nbranch_labels = compute()\n",
            Rule::UnreadableRevisionValue,
        );
    }
}
