//! AP813 mixed-autocommit-block: see `docs/rules/mixed-autocommit-block.md`.

use super::{FileContext, Rule};
use crate::diagnostic::Emitter;

pub(crate) fn check(ctx: &FileContext<'_>, emit: &mut Emitter<'_>) {
    let (Some(_), Some(upgrade)) = (ctx.safety, &ctx.change.upgrade) else {
        return;
    };
    let function = upgrade.function;
    let inside = function
        .ops
        .iter()
        .filter(|op| op.autocommit)
        .map(|op| op.span.clone())
        .chain(
            function
                .executed
                .iter()
                .filter(|e| e.autocommit)
                .map(|e| e.span.clone()),
        )
        .min_by_key(|span| span.start);
    let Some(inside) = inside else { return };
    // Schema operations in the migration's transaction, before or after
    // the block.
    let outside: Vec<_> = function.ops.iter().filter(|op| !op.autocommit && !op.mysql).collect();
    let Some(first) = outside.first() else { return };
    let where_ = if first.span.start < inside.start {
        "what ran before it is committed"
    } else {
        "what it did stays committed if what follows fails"
    };
    emit.report(
        Rule::MixedAutocommitBlock,
        &ctx.file.path,
        inside,
        format!(
            "`upgrade()` mixes `autocommit_block()` with {} in the migration's transaction: the block commits, so \
             {where_} while `alembic_version` still names the revision before, and running the upgrade again \
             repeats it",
            crate::render::plural(outside.len(), "other operation")
        ),
    )
    .related(&ctx.file.path, first.span.clone(), "runs in the migration's transaction")
    .help("give the statements that must run outside a transaction a revision of their own, with nothing else in its `upgrade()`");
}
