//! AP104 docstring-revises-mismatch: see `docs/rules/docstring-revises-mismatch.md`.

use compact_str::CompactString;
use std::collections::BTreeSet;

use super::{FileContext, Rule};
use crate::diagnostic::{Applicability, Edit, Emitter, Fix};
use crate::scan::migration::Revises;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let facts = &ctx.file.facts;
    let (Some(revises), Some(down)) = (
        facts.header.as_ref().and_then(|h| h.revises.as_ref()),
        facts.down_revision.as_ref(),
    ) else {
        return;
    };
    let Some(down_ids) = down.value.ids() else { return };
    // When the header names revisions that exist and the variable names one
    // that does not, the header is right: unknown-down-revision reports the
    // variable, with the fix.
    let graph = ctx.graph;
    if !graph.unknown_ids
        && down_ids.iter().any(|i| !graph.resolves(&i.value))
        && revises.ids.iter().all(|id| graph.resolves(id))
    {
        return;
    }
    let header: BTreeSet<&str> = revises.ids.iter().map(CompactString::as_str).collect();
    let code: BTreeSet<&str> = down_ids.iter().map(|i| i.value.as_str()).collect();
    if header == code {
        return;
    }
    let written = revises.written.as_str();
    let wanted: Vec<&str> = down_ids.iter().map(|i| i.value.as_str()).collect();
    let wanted = wanted.join(", ");
    let header_text = if written.is_empty() {
        "Revises:".to_owned()
    } else {
        format!("Revises: {written}")
    };
    emit.report(
        Rule::DocstringRevisesMismatch,
        &ctx.file.path,
        revises.span.clone(),
        format!(
            "header says `{header_text}` but `down_revision = {}`",
            down.value.to_python()
        ),
    )
    .help(if wanted.is_empty() {
        "change the header to `Revises:` with nothing after it".to_owned()
    } else {
        format!("change the header to `Revises: {wanted}`")
    })
    .related(&ctx.file.path, down.value_span.clone(), "the parent Alembic uses")
    .fix(revises_fix(
        &ctx.file.path,
        revises,
        &down_ids.iter().map(|i| i.value.as_str()).collect::<Vec<_>>(),
    ));
}

/// Rewrites a header's `Revises:` value to `ids`, in the header's own
/// separator style (`a, b`, `a,b` or `a b`); nothing after the label for
/// a base.
pub(super) fn revises_fix(path: &str, revises: &Revises, ids: &[&str]) -> Fix {
    let written = revises.written.as_str();
    let separator = if written.contains(", ") {
        ", "
    } else if written.contains(',') {
        ","
    } else if revises.ids.len() > 1 {
        " "
    } else {
        ", "
    };
    let value = ids.join(separator);
    // An empty value's span is the blanks after the colon: the value goes
    // after them, or after one space where there are none.
    let (range, expected, content) = match (written.is_empty(), revises.span.is_empty()) {
        (false, _) => (revises.span.clone(), written.to_owned(), value.clone()),
        (true, false) => (revises.span.end..revises.span.end, String::new(), value.clone()),
        (true, true) => (revises.span.clone(), String::new(), format!(" {value}")),
    };
    Fix {
        applicability: Applicability::Safe,
        message: if value.is_empty() {
            "empty the header's `Revises:`".to_owned()
        } else {
            format!("set the header's `Revises:` to `{value}`")
        },
        edits: vec![Edit::replace(path, range, &expected, content)],
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn stale_revises() {
        insta::assert_snapshot!(lint("c.py", "\"\"\"Revision ID: c3\nRevises: a1\n\"\"\"\nrevision = 'c3'\ndown_revision = 'b2'\n", Rule::DocstringRevisesMismatch), @r#"
        error[AP104] docstring-revises-mismatch: header says `Revises: a1` but `down_revision = "b2"`
         --> versions/c.py:2:10
          |
        2 | Revises: a1
          |          ^^
          |
         ::: versions/c.py:5:17
          |
        5 | down_revision = 'b2'
          |                 ---- the parent Alembic uses
          |
          = help: change the header to `Revises: b2`
          = fix: set the header's `Revises:` to `b2` (`--fix`)

        Found 1 problem (1 error) in 1 file
        1 fixable with `alembic-preflight check --fix` (`--diff` shows the change first).
        Run `alembic-preflight explain AP104` for what a rule checks and how to fix it.
        "#);
    }

    #[test]
    fn merges_in_any_order_and_none_spellings() {
        lint_ok(
            "m.py",
            "\"\"\"Revises: b2, a1\n\"\"\"\nrevision = 'm'\ndown_revision = ('a1', 'b2')\n",
            Rule::DocstringRevisesMismatch,
        );
        lint_ok(
            "a.py",
            "\"\"\"Revises: \n\"\"\"\nrevision = 'a'\ndown_revision = None\n",
            Rule::DocstringRevisesMismatch,
        );
        lint_ok(
            "a.py",
            "\"\"\"Revises: None\n\"\"\"\nrevision = 'a'\ndown_revision = ()\n",
            Rule::DocstringRevisesMismatch,
        );
    }
}
