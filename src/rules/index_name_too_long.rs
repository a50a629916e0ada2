//! AP304 index-name-too-long: see `docs/rules/index-name-too-long.md`.

use std::ops::Range;

use super::{FileContext, Rule, SourceContext};
use crate::diagnostic::Emitter;
use crate::scan::ops::OpKind;

fn report(path: &str, name: &str, span: Range<usize>, max: usize, emit: &mut Emitter<'_>) {
    let len = name.chars().count();
    if len <= max {
        return;
    }
    emit.report(
        Rule::IndexNameTooLong,
        path,
        span,
        format!("index name `{name}` is {len} characters; the database keeps only the first {max}, so two such names can collide"),
    )
    .help(format!("use a name of at most {max} characters"));
}

pub(crate) fn check_migration(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let Some(upgrade) = &ctx.file.facts.upgrade else { return };
    // The literal index names this upgrade creates.
    let names = upgrade.ops.iter().flat_map(|op| match &op.kind {
        OpKind::CreateIndex { index, .. } => index.name.literal().into_iter().collect::<Vec<_>>(),
        OpKind::CreateTable { indexes, .. } => indexes.iter().filter_map(|i| i.name.literal()).collect(),
        _ => Vec::new(),
    });
    for item in names {
        report(
            &ctx.file.path,
            &item.value,
            item.span.clone(),
            ctx.settings.max_identifier_length,
            emit,
        );
    }
}

pub(crate) fn check_model(ctx: &SourceContext<'_>, emit: &mut Emitter<'_>) {
    let Some(model) = ctx.model else { return };
    for item in model.indexes.iter().filter_map(|i| i.name.literal()) {
        report(
            ctx.path,
            &item.value,
            item.span.clone(),
            ctx.settings.max_identifier_length,
            emit,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::Rule;
    use crate::rules::tests::{lint, lint_ok};

    #[test]
    fn long_and_short() {
        let long = format!("ix_{}", "a".repeat(70));
        let out = lint(
            "a.py",
            &format!(
                "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_index('{long}', 't', ['a'])\n"
            ),
            Rule::IndexNameTooLong,
        );
        assert!(out.contains("is 73 characters"), "{out}");
        lint_ok(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    op.create_index('ix_t_a', 't', ['a'])\n",
            Rule::IndexNameTooLong,
        );
    }
}
